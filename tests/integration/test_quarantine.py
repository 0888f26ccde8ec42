"""Validation → quarantine with a reason for each rule; reprocess after metadata is fixed; counters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ingest_helpers import assert_identity, counts, make_park
from sqlalchemy import Engine, select

from zeropark.ingest.meters import MeterDirectory
from zeropark.ingest.pipeline import ingest_items
from zeropark.ingest.quarantine import counter_stats, list_quarantine
from zeropark.ingest.reprocess import reprocess
from zeropark.model import Carrier, Direction, Meter, MeterKind
from zeropark.store import repo
from zeropark.store.schema import ReadingRow
from zeropark.timeseries import Quality

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_each_quarantine_reason_and_flags(engine: Engine) -> None:
    make_park(engine)
    meters = MeterDirectory(engine)
    items = [
        ("E1", {"ts": "2026-03-01T19:45:00+08:00", "value": 10.0}),  # ok
        ("E1", {"ts": "2026-03-01T11:30:00Z", "value": 40.0}),  # 40 > 1.5 × 100 kW × 0.25 h = 37.5 → flagged
        ("E1", {"ts": "2026-03-01T11:15:00Z", "value": -2.0}),  # negative → flagged
        ("E1", {"ts": "2026-03-01T11:00:00Z", "value": 0.5, "unit": "MWh"}),  # 500 kWh, also > 37.5 → flagged
        ("NOPE", {"ts": "2026-03-01T11:00:00Z", "value": 1.0}),  # unknown_meter
        ("E1", {"ts": "yesterday", "value": 1.0}),  # malformed ts
        ("E1", {"ts": "2026-03-01T10:00:00Z", "value": "abc"}),  # malformed value
        ("E1", {"ts": "2026-03-01T10:15:00Z", "value": float("nan")}),  # nan
        ("E1", {"ts": "2026-03-01T12:05:01Z", "value": 1.0}),  # 5 min 1 s in the future
        ("E1", {"ts": "2026-03-01T12:05:00Z", "value": 1.0}),  # exactly 5 min: accepted
        ("E1", {"ts": "2026-03-01T10:30:00Z", "value": 1.0, "unit": "m3"}),  # unit
        ("E1", ["not", "an", "object"]),  # malformed item
    ]
    out = ingest_items(
        engine,
        items,
        source="test",
        meters=meters,
        now_utc=NOW,
        undecodable=[("E1", "{oops", "bad JSON")],
        keep_rows=True,
    )
    assert (out.received, out.stored, out.quarantined, out.flagged) == (13, 5, 8, 3)
    reasons = sorted(r.reason for r in list_quarantine(engine))
    assert reasons == sorted(
        ["unknown_meter", "malformed", "malformed", "nan", "future_ts", "unit", "malformed", "malformed"]
    )
    by_status = [r.status for r in out.rows]
    assert by_status[:4] == ["accepted", "flagged", "flagged", "flagged"]
    with engine.connect() as c:
        q = dict(
            c.execute(select(ReadingRow.value, ReadingRow.quality).where(ReadingRow.meter_id == "E1")).all()
        )
    assert (
        q[40.0] == Quality.ABOVE_CAPACITY
        and q[-2.0] == Quality.NEGATIVE
        and q[500.0] == Quality.ABOVE_CAPACITY
    )
    raw = next(r for r in list_quarantine(engine, reason="unknown_meter"))
    assert '"NOPE"' in raw.raw and "not registered" in raw.detail
    assert_identity(engine, "test")


def test_duplicates_and_conflicts_are_idempotent(engine: Engine) -> None:
    make_park(engine)
    meters = MeterDirectory(engine)
    first = [("E1", {"ts": "2026-03-01T10:00:00Z", "value": 5.0})]
    ingest_items(engine, first, source="s", meters=meters, now_utc=NOW)
    again = ingest_items(engine, first, source="s", meters=meters, now_utc=NOW)
    other = ingest_items(
        engine, [("E1", {"ts": "2026-03-01T10:00:00Z", "value": 6.0})], source="s", meters=meters, now_utc=NOW
    )
    assert (again.stored, again.duplicates) == (0, 1)
    assert (other.stored, other.conflicts) == (0, 1)
    c = counts(engine)
    assert c["readings"] == 1 and c["conflicts"] == 1
    with engine.connect() as conn:
        assert conn.scalar(select(ReadingRow.value)) == 5.0  # the first value is kept
    assert_identity(engine, "s")


def test_reprocess_after_meter_registered_late(engine: Engine) -> None:
    make_park(engine)
    meters = MeterDirectory(engine, refresh_s=3600)
    items = [("LATE", {"ts": f"2026-03-01T0{h}:00:00Z", "value": float(h)}) for h in range(3)]
    out = ingest_items(engine, items, source="mqtt", meters=meters, now_utc=NOW)
    assert out.quarantined == 3
    assert reprocess(engine, now_utc=NOW).still_quarantined == 3  # still unknown
    repo.add_meter(
        engine, Meter("LATE", "P1", Carrier.ELECTRICITY, "kWh", Direction.CONSUMPTION, MeterKind.INTERVAL)
    )
    res = reprocess(engine, now_utc=NOW)
    assert (res.examined, res.stored, res.still_quarantined) == (3, 3, 0)
    assert counts(engine)["quarantine"] == 0
    with engine.connect() as c:
        quals = c.scalars(select(ReadingRow.quality).where(ReadingRow.meter_id == "LATE")).all()
    assert all(q & Quality.REPROCESSED for q in quals)
    stats = {r.source: r for r in counter_stats(engine)}
    assert (stats["mqtt"].received, stats["mqtt"].stored, stats["mqtt"].quarantined) == (3, 3, 0)
    assert_identity(engine, "mqtt")
    # reprocessing again is a no-op: nothing open
    assert reprocess(engine, now_utc=NOW).examined == 0


def test_future_timestamp_relative_to_receive_time(engine: Engine) -> None:
    make_park(engine)
    meters = MeterDirectory(engine)
    now = datetime.now(UTC)
    out = ingest_items(
        engine,
        [
            ("E1", {"ts": (now + timedelta(minutes=6)).isoformat(), "value": 1.0}),
            ("E1", {"ts": (now + timedelta(minutes=4)).isoformat(), "value": 1.0}),
        ],
        source="s",
        meters=meters,
    )
    assert (out.stored, out.quarantined) == (1, 1)
