"""Readings write path: idempotent duplicates, conflicts kept, counters, COPY + partitions on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
from sqlalchemy import Engine, select, text

from zeropark.errors import DataError, NotFound
from zeropark.model import Carrier, Direction, Enterprise, Meter, MeterKind, Park, Reading
from zeropark.store import repo
from zeropark.store.readings import WriteResult, bulk_load_readings, readings_for, write_readings
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


def test_postgres_partitions_by_local_month(pg_engine: Engine) -> None:
    _seed(pg_engine)
    # a row that lands in DEFAULT first (inserted by plain SQL), then moved when its month's partition is made
    with pg_engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO reading (meter_id, ts, value, quality) VALUES ('M1', '2025-06-10T00:00Z', 1, 0)"
            )
        )
    # 2025-05-31T16:00Z is 2025-06-01 00:00 in Shanghai → partition of June; 15:59Z is still May
    rows = [
        Reading("M1", datetime(2025, 5, 31, 15, 59, tzinfo=UTC), 2.0),
        Reading("M1", datetime(2025, 5, 31, 16, tzinfo=UTC), 3.0),
    ]
    assert write_readings(pg_engine, rows, source="x") == WriteResult(2, 0, 0)
    with pg_engine.connect() as c:
        where = dict(c.execute(text("SELECT ts, tableoid::regclass::text FROM reading ORDER BY ts")).all())
        bounds = c.execute(
            text("SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'reading_p202506'")
        ).scalar_one()
    assert list(where.values()) == ["reading_p202505", "reading_p202506", "reading_p202506"]
    assert "2025-06-01 00:00:00+08" in bounds or "2025-05-31 16:00:00+00" in bounds
