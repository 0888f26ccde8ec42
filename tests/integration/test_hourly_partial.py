"""A half-hourly demand series with one half-hour missing, through the store (SQLite and PostgreSQL).

The issue's case: a 30-minute grid meter whose 01:00–01:30 local reading is missing. The hour is a
gap flagged as partly metered in the hourly-matching arrays — never the half-hour's energy as the
hour's. Hour 0 = 2025-01-01 00:00 local = 2024-12-31T16:00Z; a value stamped t covers [t − 30 min, t).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sqlalchemy import Engine

from zeropark.accounting.matching import hourly_match
from zeropark.model import Carrier, Direction, Meter, MeterKind, Park, Reading
from zeropark.store import repo
from zeropark.store.aggregate import load_accounting_input, meter_hourly
from zeropark.store.readings import write_readings
from zeropark.timeseries import HourFlag


def z(h: int, m: int) -> datetime:
    return datetime(2024, 12, 31, h, m, tzinfo=UTC)


def test_a_missing_half_hour_makes_a_flagged_gap(engine: Engine) -> None:
    repo.add_park(engine, Park("P", "小园区", "江苏", "华东", 31.0, 120.0))
    grid = Meter(
        "GRID", "P", Carrier.ELECTRICITY, "kWh", Direction.IMPORT, MeterKind.INTERVAL, interval_s=1800
    )
    pv = Meter(
        "PV",
        "P",
        Carrier.ELECTRICITY,
        "kWh",
        Direction.GENERATION,
        MeterKind.INTERVAL,
        interval_s=1800,
        technology="pv",
    )
    repo.add_meter(engine, grid)
    repo.add_meter(engine, pv)
    write_readings(
        engine,
        [
            Reading("GRID", z(16, 30), 40.0),  # 00:00–00:30 local
            Reading("GRID", z(17, 0), 44.0),  # 00:30–01:00
            Reading("GRID", z(17, 30), 42.0),  # 01:00–01:30; 01:30–02:00 missing
            Reading("GRID", z(18, 30), 39.0),  # 02:00–02:30
            Reading("GRID", z(19, 0), 41.0),  # 02:30–03:00
            *(
                Reading("PV", z(h, m), 1.0)
                for h, m in ((16, 30), (17, 0), (17, 30), (18, 0), (18, 30), (19, 0))
            ),
        ],
        source="test",
    )
    hourly = meter_hourly(engine, "P", 2025, [grid, pv])
    g = hourly["GRID"]
    assert g.values[0] == 84.0  # 40 + 44
    assert math.isnan(g.values[1]) and g.flags[1] == HourFlag.PARTIAL  # 42 alone is not the hour
    assert g.values[2] == 80.0  # 39 + 41
    assert g.n_partial == 1
    inp = load_accounting_input(engine, "P", 2025)
    # park load = import + on-site generation: 84 + 2 = 86, gap, 80 + 2 = 82
    assert inp.hourly_load_kwh[0] == 86.0 and inp.hourly_load_kwh[2] == 82.0
    assert math.isnan(inp.hourly_load_kwh[1])
    assert inp.hourly_partial_hours == 1
    hm = hourly_match(inp)
    # matched: min(86, 2) + min(82, 2) = 4 of 168 kWh; hours 1 and 3 … 8759 missing, one of them partial
    assert hm.share == 4.0 / 168.0
    assert hm.hours_missing == 8760 - 2 and hm.hours_partial == 1
