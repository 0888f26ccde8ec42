"""Incremental rollups in the store: register rollover and reset, late data touches only its buckets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ingest_helpers import make_park
from sqlalchemy import Engine, select, update

from zeropark.ingest.pipeline import MeterDirectory, ingest_items
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
