"""Meters of the demo park and their readings as arrays, in the form each meter reports them.

Interval readings are stamped at the *end* of their interval (hour or 15 min), in UTC, as
``zeropark.timeseries`` reads them (the value at ``ts`` covers ``[ts − interval_s, ts)``); a
cumulative register reports its value at the instant, from the start of the first interval to the
end of the last. Values are divided by the meter's multiplier (CT ratio) as a meter reports them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import numpy as np

from zeropark.model import Meter, MeterKind, Reading


@dataclass(frozen=True, slots=True)
class MeterSeries:
    """Readings of one meter as arrays: ``ts_utc`` (datetime64[s], UTC, interval end) and ``values``.

    Values are in the meter's (canonical) unit, before the multiplier, as the meter reports them:
    interval energy for interval meters, the register for cumulative ones.
    """

    meter_id: str
    ts_utc: np.ndarray
    values: np.ndarray

    def readings(self) -> Iterator[Reading]:
        """The series as :class:`zeropark.model.Reading` values."""
        base = datetime(1970, 1, 1, tzinfo=UTC)
        seconds = self.ts_utc.astype("datetime64[s]").astype(np.int64)
        for s, v in zip(seconds.tolist(), self.values.tolist(), strict=True):
            yield Reading(self.meter_id, base + timedelta(seconds=s), v)


def register_values(
    interval_values: np.ndarray, start: float, rollover_at: float | None, decimals: int = 2
) -> np.ndarray:
    """Register values at interval boundaries (len T+1) from interval energies; may roll over."""
    reg = start + np.concatenate([[0.0], np.cumsum(interval_values)])
    if rollover_at is not None:
        reg = np.mod(reg, rollover_at)
    return np.round(reg, decimals)


@dataclass
class MeterBook:
    """The meters of the park being generated and their series, in the order they are added.

    The one mutable value of the generator: each part of the park adds its meters; the order is
    part of the generated data (and of :meth:`zeropark.demo.park.DemoPark.fingerprint`).
    """

    hours_utc: np.ndarray  # hour starts, datetime64[s] UTC
    meters: list[Meter] = field(default_factory=list)
    series: list[MeterSeries] = field(default_factory=list)
    intervals: dict[str, int] = field(default_factory=dict)

    def add(
        self,
        meter: Meter,
        values: np.ndarray,
        *,
        register_start: float | None = None,
        rollover_at: float | None = None,
    ) -> None:
        """Add an hourly meter and its energy per hour (its register if it is cumulative)."""
        self.add_at(meter, values, self.hours_utc, register_start=register_start, rollover_at=rollover_at)

    def add_at(
        self,
        meter: Meter,
        values: np.ndarray,
        starts_utc: np.ndarray,
        *,
        register_start: float | None = None,
        rollover_at: float | None = None,
        interval_s: int = 3600,
    ) -> None:
        """Add a meter with the energy of the intervals that start at ``starts_utc``."""
        meter = replace(meter, interval_s=interval_s, register_max=rollover_at)
        if meter.kind == MeterKind.CUMULATIVE:
            step = np.timedelta64(interval_s, "s")
            ts = np.concatenate([starts_utc, [starts_utc[-1] + step]])
            vals = register_values(values / meter.multiplier, register_start or 0.0, rollover_at)
        else:  # an interval value is stamped at the END of its interval, [ts − interval_s, ts)
            ts = starts_utc + np.timedelta64(interval_s, "s")
            vals = np.round(values / meter.multiplier, 3)
        self.meters.append(meter)
        self.series.append(MeterSeries(meter.id, ts, vals))
        self.intervals[meter.id] = interval_s
