"""Readings write path: idempotent duplicates, conflicts kept, counters, COPY + partitions on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pytest
from sqlalchemy import Engine, select, text

from zeropark.errors import DataError, NotFound
from zeropark.model import Carrier, Direction, Enterprise, Meter, MeterKind, Park, Reading
from zeropark.store import repo
from zeropark.store.readings import (
    WriteResult,
    bulk_load_readings,
    partition_name,
    readings_for,
    write_readings,
)
from zeropark.store.schema import IngestCounterRow, ReadingConflictRow, ReadingRow

T0 = datetime(2025, 3, 1, 0, tzinfo=UTC)


def _seed(engine: Engine) -> None:
    repo.add_park(engine, Park("P1", "园区", "江苏", "华东", 31.0, 120.0))
    repo.add_enterprise(engine, Enterprise("E1", "P1", "甲", "91320000000000001A", "C26"))
    for mid, ent in (("M1", "E1"), ("M2", None)):
        repo.add_meter(
            engine,
            Meter(
                mid,
                "P1",
                Carrier.ELECTRICITY,
                "kWh",
                Direction.CONSUMPTION,
                MeterKind.INTERVAL,
                enterprise_id=ent,
            ),
        )


def _counter(engine: Engine, source: str) -> tuple[int, int, int, int, int]:
    with engine.connect() as c:
        r = c.execute(select(IngestCounterRow).where(IngestCounterRow.source == source)).one()
        return (r.received, r.stored, r.duplicates, r.conflicts, r.flagged)


def test_duplicates_and_conflicts(engine: Engine) -> None:
    _seed(engine)
    batch = [Reading("M1", T0 + timedelta(hours=h), 10.0 + h) for h in range(3)]
    assert write_readings(engine, batch, source="mqtt") == WriteResult(3, 0, 0)
    # again: all three are duplicates, nothing changes
    assert write_readings(engine, batch, source="mqtt") == WriteResult(0, 3, 0)
    # hour 1 with another value → conflict (first kept); hour 3 new; hour 0 same → duplicate
    second = [
        Reading("M1", T0, 10.0),
        Reading("M1", T0 + timedelta(hours=1), 99.0),
        Reading("M1", T0 + timedelta(hours=3), 13.0, quality=4),
    ]
    assert write_readings(engine, second, source="mqtt") == WriteResult(1, 1, 1)
    stored = readings_for(engine, "M1", T0, T0 + timedelta(days=1))
    assert [(r.ts_utc.hour, r.value) for r in stored] == [(0, 10.0), (1, 11.0), (2, 12.0), (3, 13.0)]
    assert stored[0].ts_utc.tzinfo is not None and stored[3].quality == 4
    with engine.connect() as c:
        conflict = c.execute(select(ReadingConflictRow)).one()
    assert (conflict.meter_id, conflict.kept_value, conflict.rejected_value, conflict.source) == (
        "M1",
        11.0,
        99.0,
        "mqtt",
    )
    # received 3+3+3 = 9 = stored 4 + duplicates 4 + conflicts 1; one stored row flagged
    assert _counter(engine, "mqtt") == (9, 4, 4, 1, 1)


def test_repeats_inside_one_batch(engine: Engine) -> None:
    _seed(engine)
    t = T0 + timedelta(hours=5)
    batch = [Reading("M2", t, 1.0), Reading("M2", t, 1.0), Reading("M2", t, 2.0), Reading("M1", t, 7.0)]
    # first M2 stored, second is a duplicate of it, third conflicts with the kept 1.0
    assert write_readings(engine, batch, source="http") == WriteResult(2, 1, 1)
    assert [r.value for r in readings_for(engine, "M2", t, t + timedelta(hours=1))] == [1.0]
    assert _counter(engine, "http") == (4, 2, 1, 1, 0)


def test_offsets_are_normalised_to_utc(engine: Engine) -> None:
    _seed(engine)
    cst = timezone(timedelta(hours=8))
    write_readings(engine, [Reading("M1", datetime(2025, 3, 1, 8, tzinfo=cst), 5.0)], source="file:a.csv")
    # 08:00+08:00 is 00:00Z: the same key again in UTC is a duplicate
    assert write_readings(engine, [Reading("M1", T0, 5.0)], source="file:a.csv") == WriteResult(0, 1, 0)
    assert readings_for(engine, "M1", T0, T0 + timedelta(hours=1))[0].ts_utc == T0
    with engine.connect() as c:  # the ORM sees the row at the same instant
        (ts,) = c.execute(select(ReadingRow.ts)).one()
    assert ts.replace(tzinfo=ts.tzinfo or UTC) == T0
    with pytest.raises(DataError, match="has no time zone"):
        write_readings(engine, [Reading("M1", datetime(2025, 3, 1), 1.0)], source="x")


def test_readings_for_respects_enterprise_scope(engine: Engine) -> None:
    _seed(engine)
    write_readings(engine, [Reading("M1", T0, 1.0)], source="x")
    assert len(readings_for(engine, "M1", T0, T0 + timedelta(hours=1), enterprise_id="E1")) == 1
    with pytest.raises(NotFound):
        readings_for(engine, "M2", T0, T0 + timedelta(hours=1), enterprise_id="E1")


def test_bulk_load_then_idempotent_writes(engine: Engine) -> None:
    _seed(engine)
    n = 48
    ts = np.arange(
        np.datetime64("2025-01-31T00:00", "us"),
        np.datetime64("2025-01-31T00:00", "us") + np.timedelta64(n, "h"),
        np.timedelta64(1, "h"),
    )
    ids = np.array(["M1"] * n + ["M2"] * n, dtype=object)
    vals = np.arange(2 * n, dtype=np.float64) * 0.5
    assert bulk_load_readings(engine, ids, np.concatenate([ts, ts]), vals) == 2 * n
    got = readings_for(engine, "M2", datetime(2025, 1, 31, tzinfo=UTC), datetime(2025, 2, 3, tzinfo=UTC))
    assert len(got) == n and got[-1].value == (2 * n - 1) * 0.5
    assert got[0].ts_utc == datetime(2025, 1, 31, tzinfo=UTC)
    with pytest.raises(DataError, match="already exist"):
        bulk_load_readings(engine, ids[:1], ts[:1], vals[:1])
    assert write_readings(
        engine, [Reading("M1", datetime(2025, 1, 31, tzinfo=UTC), 0.0)], source="x"
    ) == WriteResult(0, 1, 0)


def test_postgres_partitions_by_park_and_local_month(pg_engine: Engine) -> None:
    _seed(pg_engine)
    # a row that lands in DEFAULT first (inserted by plain SQL), then moved when its park-month's
    # partition is made
    with pg_engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO reading (park_id, meter_id, ts, value, quality) "
                "VALUES ('P1', 'M1', '2025-06-10T00:00Z', 1, 0)"
            )
        )
    # 2025-05-31T16:00Z is 2025-06-01 00:00 in Shanghai → partition of June; 15:59Z is still May
    rows = [
        Reading("M1", datetime(2025, 5, 31, 15, 59, tzinfo=UTC), 2.0),
        Reading("M1", datetime(2025, 5, 31, 16, tzinfo=UTC), 3.0),
    ]
    assert write_readings(pg_engine, rows, source="x") == WriteResult(2, 0, 0)
    may, june = partition_name("P1", date(2025, 5, 1)), partition_name("P1", date(2025, 6, 1))
    with pg_engine.connect() as c:
        where = dict(c.execute(text("SELECT ts, tableoid::regclass::text FROM reading ORDER BY ts")).all())
        bounds = c.execute(
            text("SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = :n"), {"n": june}
        ).scalar_one()
    assert list(where.values()) == [may, june, june]
    assert bounds.startswith("FOR VALUES FROM ('P1', ")
    assert "2025-06-01 00:00:00+08" in bounds or "2025-05-31 16:00:00+00" in bounds


def _second_park(engine: Engine) -> None:
    repo.add_park(engine, Park("P2 o'hara", "乙园区", "浙江", "华东", 30.0, 120.0))
    repo.add_meter(
        engine,
        Meter("M9", "P2 o'hara", Carrier.ELECTRICITY, "kWh", Direction.CONSUMPTION, MeterKind.INTERVAL),
    )


def test_each_reading_is_stored_under_its_meters_park(engine: Engine) -> None:
    _seed(engine)
    _second_park(engine)
    t = datetime(2025, 3, 1, tzinfo=UTC)
    write_readings(engine, [Reading("M1", t, 1.0), Reading("M9", t, 2.0)], source="x")
    bulk_load_readings(
        engine,
        ["M2", "M9"],
        np.array(["2025-03-02T00:00", "2025-03-02T00:00"], dtype="datetime64[us]"),
        np.array([3.0, 4.0]),
    )
    with engine.connect() as c:
        got = c.execute(text("SELECT meter_id, park_id FROM reading ORDER BY meter_id, ts")).all()
    assert [tuple(r) for r in got] == [("M1", "P1"), ("M2", "P1"), ("M9", "P2 o'hara"), ("M9", "P2 o'hara")]


def test_a_reading_of_an_unregistered_meter_is_refused_and_nothing_is_stored(engine: Engine) -> None:
    _seed(engine)
    t = datetime(2025, 3, 1, tzinfo=UTC)
    with pytest.raises(DataError, match="meter 'NOPE' .*is not registered"):
        write_readings(engine, [Reading("M1", t, 1.0), Reading("NOPE", t, 2.0)], source="x")
    with pytest.raises(DataError, match="meter 'NOPE' .*is not registered"):
        bulk_load_readings(
            engine, ["NOPE"], np.array(["2025-03-02T00:00"], dtype="datetime64[us]"), np.array([1.0])
        )
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM reading")).scalar_one() == 0


def test_a_meter_cannot_move_to_another_park(engine: Engine) -> None:
    _seed(engine)
    _second_park(engine)
    moved = Meter("M1", "P2 o'hara", Carrier.ELECTRICITY, "kWh", Direction.CONSUMPTION, MeterKind.INTERVAL)
    with pytest.raises(DataError, match="meter 'M1' is registered in park 'P1'"):
        repo.upsert_meter(engine, moved)
    assert repo.get_meter(engine, "M1").park_id == "P1"


def test_postgres_prunes_to_one_park_month(pg_engine: Engine) -> None:
    """Park P2's March readings sit in their own partition; a query naming park and month scans
    only it, and each park-month partition holds exactly its park's rows."""
    _seed(pg_engine)
    _second_park(pg_engine)
    t = datetime(2025, 3, 10, tzinfo=UTC)
    write_readings(
        pg_engine,
        [Reading("M1", t, 1.0), Reading("M9", t, 2.0), Reading("M9", datetime(2025, 4, 10, tzinfo=UTC), 5.0)],
        source="x",
    )
    march_p2 = partition_name("P2 o'hara", date(2025, 3, 1))
    with pg_engine.connect() as c:
        placed = dict(
            c.execute(text("SELECT tableoid::regclass::text, count(*) FROM reading GROUP BY 1")).all()
        )
        plan = "\n".join(
            c.execute(
                text(
                    "EXPLAIN SELECT sum(value) FROM reading WHERE park_id = :p "
                    "AND ts >= '2025-02-28T16:00Z' AND ts < '2025-03-31T16:00Z'"
                ),
                {"p": "P2 o'hara"},
            ).scalars()
        )
    assert placed == {
        partition_name("P1", date(2025, 3, 1)): 1,
        march_p2: 1,
        partition_name("P2 o'hara", date(2025, 4, 1)): 1,
    }
    assert march_p2 in plan
    assert partition_name("P1", date(2025, 3, 1)) not in plan and "reading_default" not in plan


def test_partition_names_are_safe_distinct_and_short() -> None:
    a, b = partition_name("P-1", date(2025, 1, 1)), partition_name("p_1", date(2025, 1, 1))
    assert a != b  # one slug, two ids: the hash keeps them apart
    assert a.startswith("reading_p_1_") and a.endswith("_p202501")
    long = partition_name("园区" * 40 + "X" * 100, date(2025, 12, 1))
    assert len(long.encode()) <= 63 and long.isascii()
