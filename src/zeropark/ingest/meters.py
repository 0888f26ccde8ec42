"""The registered meters as ingest sees them (计量器具目录): loaded once, refreshed on an unknown id.

Validation (:mod:`zeropark.ingest.validate`) needs, per meter, its park, carrier, unit, kind,
multiplier, rated capacity, interval, gateway and whether it is active (:class:`MeterInfo`).
:class:`MeterDirectory` keeps them in memory for a long-running transport; :class:`ParkMeters`
narrows a directory to one park, so that a park's import cannot write another park's meters
(their rows are quarantined as ``unknown_meter``, as if the meter did not exist).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping

from sqlalchemy import Engine, select

from zeropark.ingest.validate import MeterInfo
from zeropark.model import Carrier, MeterKind
from zeropark.store.db import transaction
from zeropark.store.schema import MeterRow

__all__ = ["MeterDirectory", "ParkMeters", "load_meters"]


def load_meters(engine: Engine) -> dict[str, MeterInfo]:
    """All registered meters as :class:`MeterInfo`, keyed by meter id."""
    with transaction(engine) as s:
        rows = s.execute(
            select(
                MeterRow.id,
                MeterRow.park_id,
                MeterRow.carrier,
                MeterRow.unit,
                MeterRow.kind,
                MeterRow.multiplier,
                MeterRow.rated_capacity,
                MeterRow.interval_s,
                MeterRow.gateway_id,
                MeterRow.active,
            )
        ).all()
    return {
        r.id: MeterInfo(
            r.id,
            r.park_id,
            Carrier(r.carrier),
            r.unit,
            MeterKind(r.kind),
            r.multiplier,
            r.rated_capacity,
            r.interval_s,
            r.gateway_id,
            r.active,
        )
        for r in rows
    }


class MeterDirectory(Mapping[str, MeterInfo]):
    """Meters cached in memory; an unknown id triggers a reload at most every ``refresh_s``.

    A meter registered while an ingester runs is seen within ``refresh_s`` seconds; until then
    its readings go to quarantine (unknown_meter) and can be re-processed.
    """

    def __init__(self, engine: Engine, refresh_s: float = 10.0) -> None:
        self._engine = engine
        self._refresh_s = refresh_s
        self._lock = threading.Lock()
        self._meters = load_meters(engine)
        self._loaded = time.monotonic()

    def reload(self) -> None:
        """Reload every meter now."""
        with self._lock:
            self._meters = load_meters(self._engine)
            self._loaded = time.monotonic()

    def __getitem__(self, key: str) -> MeterInfo:
        try:
            return self._meters[key]
        except KeyError:
            if time.monotonic() - self._loaded < self._refresh_s:
                raise
        self.reload()
        return self._meters[key]

    def get(self, key: str, default: MeterInfo | None = None) -> MeterInfo | None:  # type: ignore[override]
        """Fast path for known meters; an unknown id may trigger a reload (see the class docstring)."""
        found = self._meters.get(key)
        if found is not None:
            return found
        try:
            return self[key]
        except KeyError:
            return default

    def __iter__(self) -> Iterator[str]:
        return iter(self._meters)

    def __len__(self) -> int:
        return len(self._meters)


class ParkMeters(Mapping[str, MeterInfo]):
    """The meters of park ``park_id`` in ``meters``; any other meter looks unregistered.

    Parameters
    ----------
    meters : mapping of str to MeterInfo
        All meters (a :class:`MeterDirectory`).
    park_id : str
        The park whose meters stay visible.
    """

    def __init__(self, meters: Mapping[str, MeterInfo], park_id: str) -> None:
        self._meters = meters
        self.park_id = park_id

    def __getitem__(self, key: str) -> MeterInfo:
        meter = self._meters[key]
        if meter.park_id != self.park_id:
            raise KeyError(key)
        return meter

    def get(self, key: str, default: MeterInfo | None = None) -> MeterInfo | None:  # type: ignore[override]
        """The meter ``key`` if it is in the park, else ``default``."""
        meter = self._meters.get(key)
        return meter if meter is not None and meter.park_id == self.park_id else default

    def __iter__(self) -> Iterator[str]:
        return (k for k, m in self._meters.items() if m.park_id == self.park_id)

    def __len__(self) -> int:
        return sum(1 for _ in self)
