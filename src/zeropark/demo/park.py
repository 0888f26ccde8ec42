"""A generated demo park as plain values (:class:`DemoPark`) and how big to make it (:class:`DemoSize`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from zeropark.demo.bad_inputs import BadInputs
from zeropark.demo.meters import MeterSeries
from zeropark.demo.pv import PvArray
from zeropark.demo.tenants import CATALOGUE
from zeropark.model import (
    ActivityRecord,
    Enterprise,
    GreenPowerClaim,
    IndicatorData,
    Meter,
    Park,
    ProductOutput,
    Transfer,
    Zone,
)


@dataclass(frozen=True, slots=True)
class DemoSize:
    """How big a demo to generate (tests use a small one).

    Parameters
    ----------
    n_enterprises : int
        Number of tenant enterprises (6 … 36); sectors are taken round-robin so that even a small
        park has chemicals, machinery, electronics, textiles, logistics and the data centre.
    max_submeters : int
        Largest number of workshop submeters (level 3) under one enterprise main meter.
    days : int | None
        Days of readings from 1 January; ``None`` = the whole year.
    boundary_15min : bool
        Whether the grid import/export boundary meters report every 15 min (else hourly).
    """

    n_enterprises: int = 32
    max_submeters: int = 9
    days: int | None = None
    boundary_15min: bool = True

    def __post_init__(self) -> None:
        if not 6 <= self.n_enterprises <= len(CATALOGUE):
            raise ValueError(
                f"n_enterprises must be between 6 and {len(CATALOGUE)}, {self.n_enterprises} was given"
            )
        if self.max_submeters < 2:
            raise ValueError(f"max_submeters must be at least 2, {self.max_submeters} was given")
        if self.days is not None and not 1 <= self.days <= 366:
            raise ValueError(f"days must be between 1 and 366 (or None), {self.days} was given")


FULL_SIZE = DemoSize()
SMALL_SIZE = DemoSize(n_enterprises=6, max_submeters=3, days=14)


def with_size(demo_size: DemoSize, **changes: Any) -> DemoSize:
    """A copy of ``demo_size`` with ``changes`` (validated)."""
    return replace(demo_size, **changes)


@dataclass(frozen=True, slots=True)
class DemoPark:
    """A generated demo park: plain values, ready to be written by :func:`zeropark.demo.write.write_demo`."""

    seed: int
    year: int
    size: DemoSize
    park: Park
    zones: tuple[Zone, ...]
    enterprises: tuple[Enterprise, ...]
    meters: tuple[Meter, ...]
    series: tuple[MeterSeries, ...]
    activities: tuple[ActivityRecord, ...]
    claims: tuple[GreenPowerClaim, ...]
    transfers: tuple[Transfer, ...]
    indicator_data: IndicatorData
    pv_arrays: tuple[PvArray, ...]
    bad_inputs: BadInputs
    meter_intervals_s: dict[str, int] = field(default_factory=dict)
    products: tuple[ProductOutput, ...] = ()  # 产品产量 (issue #15 benchmarks)

    @property
    def n_readings(self) -> int:
        """Total number of readings over all meters."""
        return sum(len(s.values) for s in self.series)

    @property
    def pv_capacity_kwp(self) -> float:
        """Installed rooftop PV [kWp]."""
        return sum(a.capacity_kwp for a in self.pv_arrays)

    def series_of(self, meter_id: str) -> MeterSeries:
        """The series of ``meter_id`` (raises KeyError naming the meter)."""
        for s in self.series:
            if s.meter_id == meter_id:
                return s
        raise KeyError(f"no series for meter '{meter_id}' in the demo park")

    def fingerprint(self) -> str:
        """SHA-256 over every generated value (metadata repr and reading bytes), in order."""
        h = hashlib.sha256()
        for part in (self.park, self.zones, self.enterprises, self.meters, self.activities):
            h.update(repr(part).encode())
        for part2 in (self.claims, self.transfers, self.indicator_data, self.pv_arrays):
            h.update(repr(part2).encode())
        for s in self.series:
            h.update(s.meter_id.encode())
            h.update(s.ts_utc.astype("datetime64[s]").astype(np.int64).tobytes())
            h.update(np.ascontiguousarray(s.values, dtype=np.float64).tobytes())
        h.update(self.bad_inputs.readings_csv.encode())
        h.update(repr(sorted(self.bad_inputs.enterprise_data.items())).encode())
        return h.hexdigest()
