"""Simulated parks of a province (示例省): many small parks for the scale-out paths and benchmarks.

Each park ``{prefix}-{k:03d}`` has a grid import meter and ``n_enterprises`` enterprises with one
hourly electricity meter each (under the grid meter) and a month of natural gas as activity data;
``days`` days of hourly readings from 1 January of ``year``. The values come from a generator
seeded by the park's number, so the same call builds the same parks. Small on purpose: the
province benchmark and tests measure fan-out, not one park's size (the full demo park is
:func:`zeropark.demo.generator.generate`).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from sqlalchemy import Engine

from zeropark.demo.uscc import make_uscc
from zeropark.model import (
    ActivityRecord,
    Carrier,
    Direction,
    Enterprise,
    Flow,
    Meter,
    MeterKind,
    Park,
)
from zeropark.store import repo
from zeropark.store.readings import bulk_load_readings

__all__ = ["PROVINCE_PREFIX", "province_park_ids", "write_province"]

PROVINCE_PREFIX = "PRV"
_INDUSTRIES = ("C26", "C33", "C39", "C17", "C34")


def province_park_ids(n_parks: int, prefix: str = PROVINCE_PREFIX) -> list[str]:
    """The ids of the simulated parks, in order."""
    return [f"{prefix}-{k:03d}" for k in range(1, n_parks + 1)]


def write_province(
    engine: Engine,
    n_parks: int,
    *,
    n_enterprises: int = 3,
    days: int = 31,
    year: int = 2025,
    prefix: str = PROVINCE_PREFIX,
) -> list[str]:
    """Store ``n_parks`` simulated parks; returns their ids. Readings are bulk-loaded (fresh parks)."""
    ids = province_park_ids(n_parks, prefix)
    hours = days * 24
    t0 = np.datetime64(f"{year}-01-01T00:00", "h") - np.timedelta64(8, "h")  # local midnight, UTC
    ts = t0 + np.arange(1, hours + 1).astype("timedelta64[h]")
    meter_ids: list[np.ndarray] = []
    stamps: list[np.ndarray] = []
    values: list[np.ndarray] = []
    for k, park_id in enumerate(ids, start=1):
        rng = np.random.default_rng(20_000 + k)
        repo.add_park(engine, Park(park_id, f"示例园区{k:03d}", "江苏", "华东", 31.0 + k / 100, 120.0))
        grid = f"{park_id}-GRID"
        repo.add_meter(
            engine,
            Meter(
                grid,
                park_id,
                Carrier.ELECTRICITY,
                "kWh",
                Direction.IMPORT,
                MeterKind.INTERVAL,
                interval_s=3600,
            ),
        )
        total = np.zeros(hours)
        for e in range(1, n_enterprises + 1):
            ent = f"{park_id}-E{e}"
            repo.add_enterprise(
                engine,
                Enterprise(
                    ent,
                    park_id,
                    f"示例企业{k:03d}-{e}",
                    make_uscc(rng),
                    _INDUSTRIES[(k + e) % len(_INDUSTRIES)],
                    value_added_10k_cny=float(rng.integers(500, 5000)),
                ),
            )
            meter = f"{ent}-EL"
            repo.add_meter(
                engine,
                Meter(
                    meter,
                    park_id,
                    Carrier.ELECTRICITY,
                    "kWh",
                    Direction.CONSUMPTION,
                    MeterKind.INTERVAL,
                    enterprise_id=ent,
                    parent_id=grid,
                    level=2,
                    interval_s=3600,
                ),
            )
            base = float(rng.uniform(50.0, 500.0))
            hour_of_day = np.arange(hours) % 24
            kwh = np.round(
                base * (0.6 + 0.4 * np.sin(np.pi * hour_of_day / 24)) * rng.uniform(0.9, 1.1, hours), 3
            )
            total += kwh
            meter_ids.append(np.full(hours, meter, dtype=object))
            stamps.append(ts)
            values.append(kwh)
            repo.add_activity_record(
                engine,
                park_id,
                ActivityRecord(
                    f"{ent}-NG-{year}01",
                    ent,
                    Carrier.NATURAL_GAS,
                    Flow.COMBUSTION,
                    date(year, 1, 1),
                    date(year, 1, 1) + timedelta(days=days - 1),
                    float(rng.integers(1_000, 50_000)),
                    "m3",
                    evidence=f"发票 {ent}-{year}01 (示例)",
                ),
            )
        meter_ids.append(np.full(hours, grid, dtype=object))
        stamps.append(ts)
        values.append(np.round(total * 1.02, 3))  # 2 % losses between the boundary and the tenants
    bulk_load_readings(
        engine,
        np.concatenate(meter_ids),
        np.concatenate(stamps).astype("datetime64[us]"),
        np.concatenate(values),
        source="demo",
    )
    return ids
