"""Incremental rollups in the store: register rollover and reset, late data touches only its buckets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ingest_helpers import make_park
from sqlalchemy import Engine, select, update

from zeropark.ingest.meters import MeterDirectory
from zeropark.ingest.pipeline import ingest_items
from zeropark.monitoring.rollups import rebuild_rollups, update_rollups
from zeropark.store.schema import RollupRow

NOW = datetime(2026, 4, 1, tzinfo=UTC)
T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # 08:00 local


def _ingest(engine: Engine, meter: str, values: list[tuple[datetime, float]]) -> None:
    out = ingest_items(
        engine,
        [(meter, {"ts": t.isoformat(), "value": v}) for t, v in values],
        source="test",
        meters=MeterDirectory(engine),
        now_utc=NOW,
    )
    assert out.quarantined == 0
    update_rollups(engine, out.touched)


def _rollups(engine: Engine, meter: str, bucket: str) -> list[tuple[datetime, float, int, int, int]]:
    with engine.connect() as c:
        rows = c.execute(
            select(
                RollupRow.start,
                RollupRow.value,
                RollupRow.n_present,
                RollupRow.n_expected,
                RollupRow.n_flagged,
            )
            .where(RollupRow.meter_id == meter, RollupRow.bucket == bucket)
            .order_by(RollupRow.start)
        ).all()
    return [(r[0].replace(tzinfo=UTC) if r[0].tzinfo is None else r[0], r[1], r[2], r[3], r[4]) for r in rows]


def test_register_rollover_and_reset(engine: Engine) -> None:
    make_park(engine)
    q = timedelta(minutes=15)
    # R1: 5-digit register wrapping at 100000, CT ratio 40.
    # hour 0: 99990 → 99998 (+8) → 5 (rollover: 100000 − 99998 + 5 = 7) → 20 (+15): (8+7+15) × 40 = 1200 kWh
    _ingest(engine, "R1", [(T0, 99990.0), (T0 + q, 99998.0), (T0 + 2 * q, 5.0), (T0 + 3 * q, 20.0)])
    hours = _rollups(engine, "R1", "hour")
    assert [(h[1], h[2], h[3], h[4]) for h in hours] == [(1200.0, 3, 4, 0)]
    # meter replaced at T0+75min: register 30 → 12 cannot be a rollover (wrap would be 99982 > 10000),
    # so it is a reset; the new meter counted 12 → 12 × 40 = 480 kWh, flagged.
    _ingest(engine, "R1", [(T0 + 4 * q, 30.0), (T0 + 5 * q, 12.0)])
    hours = _rollups(engine, "R1", "hour")
    # hour 0 gains the interval 20 → 30 starting at T0+45min: 1200 + 10 × 40 = 1600 (4 of 4)
    # hour 1: interval T0+60 → T0+75 is the reset: 480 kWh, 1 flagged
    assert [(h[1], h[2], h[3], h[4]) for h in hours] == [(1600.0, 4, 4, 0), (480.0, 1, 4, 1)]
    day = _rollups(engine, "R1", "day")
    assert [(d[1], d[2], d[3]) for d in day] == [(2080.0, 5, 96)]


def test_late_data_reaggregates_only_its_buckets(engine: Engine) -> None:
    make_park(engine)
    q = timedelta(minutes=15)
    # E1: 15-min interval meter; day 1 and day 5 (local) get 4 readings of 2 kWh each
    day1 = [(T0 + (k + 1) * q, 2.0) for k in range(4)]
    day5 = [(T0 + timedelta(days=4) + (k + 1) * q, 2.0) for k in range(4)]
    _ingest(engine, "E1", day1 + day5)
    month = _rollups(engine, "E1", "month")
    assert [(m[1], m[2]) for m in month] == [(16.0, 8)]
    # tamper with the stored day-1 rollup: if late data re-aggregated history, it would be restored
    d1_start = datetime(2026, 3, 1, 16, tzinfo=UTC)  # local 2026-03-02 00:00
    with engine.begin() as c:
        c.execute(
            update(RollupRow)
            .where(RollupRow.meter_id == "E1", RollupRow.bucket == "day", RollupRow.start == d1_start)
            .values(value=999.0)
        )
    # a late reading for day 5, hour 09 local (01:00Z + 15 min)
    _ingest(engine, "E1", [(T0 + timedelta(days=4, hours=1, minutes=15), 5.0)])
    days = {d[0]: d for d in _rollups(engine, "E1", "day")}
    assert days[d1_start][1] == 999.0  # untouched: not re-aggregated
    d5 = days[datetime(2026, 3, 5, 16, tzinfo=UTC)]
    assert (d5[1], d5[2]) == (13.0, 5)  # 4 × 2 + 5
    # the month is rebuilt from day rows (incl. the tampered one): 999 + 13
    assert _rollups(engine, "E1", "month")[0][1] == 1012.0
    # a full rebuild from readings restores the truth
    rebuild_rollups(engine, ["E1"])
    assert _rollups(engine, "E1", "month")[0][1] == 21.0
    hours = _rollups(engine, "E1", "hour")
    assert [(h[1], h[2], h[3]) for h in hours if h[0] == T0 + timedelta(days=4, hours=1)] == [(5.0, 1, 4)]


# --- bulk build (build_rollups) equals the incremental path ---------------------------------------

MONTH_EDGE = datetime(2026, 2, 28, 15, tzinfo=UTC)  # local 23:00 on 28 February; 16:00Z is 1 March 00:00


def _all_rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as c:
        rows = c.execute(
            select(
                RollupRow.meter_id,
                RollupRow.bucket,
                RollupRow.start,
                RollupRow.value,
                RollupRow.n_present,
                RollupRow.n_expected,
                RollupRow.n_flagged,
                RollupRow.n_filled,
            ).order_by(RollupRow.meter_id, RollupRow.bucket, RollupRow.start)
        ).all()
    return [(r[0], r[1], _utc(r[2]), *r[3:]) for r in rows]


def _utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def _incremental_rebuild(engine: Engine) -> None:
    """The previous rebuild_rollups: delete, then update_rollups over each meter's whole span."""
    from sqlalchemy import delete, func

    from zeropark.store.schema import ReadingRow

    with engine.begin() as c:
        spans = {
            r[0]: (_utc(r[1]), _utc(r[2]))
            for r in c.execute(
                select(ReadingRow.meter_id, func.min(ReadingRow.ts), func.max(ReadingRow.ts)).group_by(
                    ReadingRow.meter_id
                )
            )
        }
        c.execute(delete(RollupRow))
    update_rollups(engine, spans)


def test_bulk_build_equals_incremental(engine: Engine) -> None:
    from zeropark.monitoring.rollups import build_rollups

    make_park(engine)
    q = timedelta(minutes=15)
    t = MONTH_EDGE
    # R1 (register ×40, wraps at 100000, 15 min): rollover, a filled 45-min gap, a reset, an 8 h gap, across
    # the local month boundary; ingested live in three parts, the last one late (inside the long gap's day)
    r1 = [
        (t, 99990.0),
        (t + q, 99995.0),
        (t + 2 * q, 99999.0),
        (t + 3 * q, 3.0),
        (t + 4 * q, 10.0),
        (t + 7 * q, 16.0),
        (t + 8 * q, 5.0),
    ]
    _ingest(engine, "R1", r1[:4])
    _ingest(engine, "R1", r1[4:])
    _ingest(
        engine, "R1", [(t + 8 * q + timedelta(hours=8), 25.0), (t + 8 * q + timedelta(hours=8) + q, 27.0)]
    )
    # MAIN (hourly interval meter): the reading ending at 17:00Z (hour 16:00Z) is missing
    _ingest(engine, "MAIN", [(t, 10.0), (t + timedelta(hours=1), 20.0), (t + timedelta(hours=3), 30.0)])
    # E1 (15-min interval, rated 100 kW): 50 kWh in 15 min > 1.5 × 100 × 0.25 = 37.5 → flagged
    _ingest(engine, "E1", [(t + q, 5.0), (t + 2 * q, 50.0), (t + 5 * q, 6.0)])
    # G1 (hourly gas register, no wrap value): a backward step is a reset
    _ingest(engine, "G1", [(t + timedelta(hours=h), v) for h, v in enumerate([100.0, 104.0, 3.0, 9.0])])
    live = _all_rows(engine)

    _incremental_rebuild(engine)
    incremental = _all_rows(engine)
    assert build_rollups(engine) == 4
    bulk = _all_rows(engine)
    assert bulk == incremental
    assert bulk == live

    r1_hours = [r[2:] for r in bulk if r[0] == "R1" and r[1] == "hour"]
    # 15:00Z: (5 + 4 + ((100000 − 99999) + 3 = 4, rollover) + 7) × 40 = 800, 4 of 4
    # 16:00Z: 10 → 16 over 45 min filled as 3 × 80 (6/3 × 40), + reset 16 → 5 = 5 × 40 = 200 → 440;
    #         1 flagged (reset), 3 filled
    # 17:00Z: 5 → 25 over 8 h (> 6 h: not filled) stays whole in its first hour: 20 × 40 = 800, 1 of 4
    # 01:00Z: 25 → 27 = 2 × 40 = 80
    assert [(h[0].hour, h[1], h[2], h[3], h[4], h[5]) for h in r1_hours] == [
        (15, 800.0, 4, 4, 0, 0),
        (16, 440.0, 4, 4, 1, 3),
        (17, 800.0, 1, 4, 0, 0),
        (1, 80.0, 1, 4, 0, 0),
    ]
    # local months: February has the 15:00Z hour (800 of 28 × 96 = 2688 expected),
    # March the rest: 440 + 800 + 80 = 1320 (31 × 96 = 2976 expected)
    r1_months = [r[2:6] for r in bulk if r[0] == "R1" and r[1] == "month"]
    assert r1_months == [
        (datetime(2026, 1, 31, 16, tzinfo=UTC), 800.0, 4, 2688),
        (datetime(2026, 2, 28, 16, tzinfo=UTC), 1320.0, 6, 2976),
    ]
    # MAIN: hours 14:00Z 10, 15:00Z 20, (16:00Z missing), 17:00Z 30
    #   → 28 February 10 + 20 = 30 (2 of 24), 1 March 30 (1 of 24)
    main_days = [r[3:6] for r in bulk if r[0] == "MAIN" and r[1] == "day"]
    assert main_days == [(30.0, 2, 24), (30.0, 1, 24)]
    e1_15 = [r[3:] for r in bulk if r[0] == "E1" and r[1] == "15min"]
    assert e1_15 == [(5.0, 1, 1, 0, 0), (50.0, 1, 1, 1, 0), (6.0, 1, 1, 0, 0)]


def test_bulk_build_of_some_meters_leaves_the_others(engine: Engine) -> None:
    from zeropark.monitoring.rollups import build_rollups

    make_park(engine)
    _ingest(engine, "MAIN", [(T0 + timedelta(hours=h), 1.0) for h in range(1, 4)])
    _ingest(engine, "SUB1", [(T0 + timedelta(hours=h), 2.0) for h in range(1, 4)])
    before = [r for r in _all_rows(engine) if r[0] == "SUB1"]
    with engine.begin() as c:  # tamper with MAIN's day: the rebuild of MAIN restores it, SUB1 is untouched
        c.execute(update(RollupRow).where(RollupRow.meter_id == "MAIN").values(value=-1.0))
    progress: list[tuple[int, int]] = []
    # R1 has no readings: it is not counted and keeps no rollups
    assert build_rollups(engine, ["MAIN", "R1"], progress=lambda d, n: progress.append((d, n))) == 1
    assert progress == [(0, 1), (1, 1)]
    rows = _all_rows(engine)
    assert [r for r in rows if r[0] == "SUB1"] == before
    # 3 hours × 1 kWh: one local day (T0 is 08:00 local) and month of 3.0
    assert [(r[1], r[3]) for r in rows if r[0] == "MAIN" and r[1] in ("day", "month")] == [
        ("day", 3.0),
        ("month", 3.0),
    ]
