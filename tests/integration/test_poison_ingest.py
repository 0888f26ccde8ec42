"""Inputs that used to stop ingestion or fail valid batches (issue 12), on SQLite and PostgreSQL.

HTTP: the timestamp and nesting inputs that answered 500, a batch answered 422 after its valid
row was committed, long gateway ids and file names that failed every batch with a conflict.
Quarantine: de-duplication per source, re-processing authorised like ingest. Storage: a
year-1800 reading beside a current one creates two partitions, not every month between.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from ingest_helpers import assert_identity, counts, make_park
from sqlalchemy import Engine, select, text

from zeropark.api.routers.ingest import router
from zeropark.ingest.files import import_readings
from zeropark.ingest.http import create_gateway
from zeropark.ingest.meters import MeterDirectory
from zeropark.ingest.pipeline import ingest_items
from zeropark.ingest.reprocess import reprocess
from zeropark.model import Reading
from zeropark.settings import Settings
from zeropark.store.readings import partition_name, write_readings
from zeropark.store.schema import IngestCounterRow, QuarantineRow, ReadingConflictRow, ReadingRow

NOW = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)


@pytest.fixture
def client(engine: Engine) -> TestClient:
    app = FastAPI()
    app.include_router(router)
    app.state.engine = engine
    app.state.settings = Settings()
    return TestClient(app)


def _recent(hours: int = 1) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).replace(microsecond=0).isoformat()


def _reasons(engine: Engine) -> dict[str, int]:
    with engine.connect() as c:
        rows = c.execute(select(QuarantineRow.reason)).scalars().all()
    out: dict[str, int] = {}
    for r in rows:
        out[r] = out.get(r, 0) + 1
    return out


def test_http_timestamps_and_nesting_answer_per_row_not_500(engine: Engine, client: TestClient) -> None:
    make_park(engine)
    key = create_gateway(engine, "P1", "GW1", meter_ids=["E1"])
    body = [
        {"meter_id": "E1", "ts": _recent(), "value": 1.0},
        {"meter_id": "E1", "ts": "0001-01-01", "value": 1.0},  # OverflowError in UTC conversion
        {"meter_id": "E1", "ts": 1e20, "value": 1.0},  # OverflowError in fromtimestamp
        {"meter_id": "E1", "ts": "1970-01-01T00:00:00Z", "value": 1.0},  # below the earliest year
        {"meter_id": "E1", "ts": "1900-01-01T08:00:00+08:00", "value": 1.0},
    ]
    r = client.post("/api/v1/readings", json=body, headers={"X-API-Key": key})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert (doc["received"], doc["accepted"], doc["quarantined"]) == (5, 1, 4)
    by_index = {row["index"]: row["reason"] for row in doc["rows"]}
    assert by_index == {0: None, 1: "malformed", 2: "malformed", 3: "early_ts", 4: "early_ts"}
    # 100 000 nested '[': the body cannot be decoded → 422 naming the problem, nothing stored
    r = client.post("/api/v1/readings", content=b"[" * 100_000, headers={"X-API-Key": key})
    assert r.status_code == 422 and "nested too deeply" in r.json()["detail"]
    assert counts(engine)["readings"] == 1
    assert_identity(engine, "http:GW1")


def test_http_answer_says_what_was_stored(engine: Engine, client: TestClient) -> None:
    """A NUL in a meter id made the quarantine write fail after the valid row was committed: the
    answer was 422 while a row was stored. Now the NUL is escaped in quarantine, the answer lists
    both rows, and the batch is one transaction (an error answer means nothing stored)."""
    make_park(engine)
    key = create_gateway(engine, "P1", "GW1", meter_ids=["E1"])
    body = [
        {"meter_id": "E1", "ts": _recent(), "value": 2.0},
        {"meter_id": "E\u00001", "ts": _recent(), "value": 2.0},
    ]
    r = client.post("/api/v1/readings", json=body, headers={"X-API-Key": key})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert (doc["accepted"], doc["quarantined"]) == (1, 1)
    assert counts(engine) == {"readings": 1, "quarantine": 1, "conflicts": 0}
    with engine.connect() as c:
        meter = c.scalar(select(QuarantineRow.meter_id))
    assert meter == "E\\x001"  # escaped, visible, storable
    assert_identity(engine, "http:GW1")


def test_long_gateway_id_at_the_limit(engine: Engine, client: TestClient) -> None:
    """A 64-character gateway id (the longest a gateway may have): counters, conflicts and
    quarantine rows under source ``http:`` + 64 characters (69)."""
    make_park(engine)
    gw = "G" * 64
    key = create_gateway(engine, "P1", gw, meter_ids=["E1"])
    ts = _recent()
    r = client.post(
        "/api/v1/readings", json=[{"meter_id": "E1", "ts": ts, "value": 1.0}], headers={"X-API-Key": key}
    )
    assert r.status_code == 200, r.text
    body = [
        {"meter_id": "E1", "ts": ts, "value": 9.0},  # conflict with the stored 1.0
        {"meter_id": "E1", "ts": _recent(2), "value": 3.0},
        {"meter_id": "SUB1", "ts": ts, "value": 1.0},  # forbidden → quarantine row with the source
    ]
    r = client.post("/api/v1/readings", json=body, headers={"X-API-Key": key})
    assert r.status_code == 200, r.text
    assert (r.json()["accepted"], r.json()["conflicts"], r.json()["quarantined"]) == (1, 1, 1)
    source = f"http:{gw}"
    with engine.connect() as c:
        assert c.scalar(select(ReadingConflictRow.source)) == source
        assert c.scalar(select(QuarantineRow.source)) == source
    assert_identity(engine, source)


def test_long_file_name_import_with_a_conflict(engine: Engine, tmp_path: Path) -> None:
    """A 239-character file name (Linux allows 255 bytes) importing a conflicting value."""
    make_park(engine)
    name = "电表导出-" + "x" * 230 + ".csv"  # 239 characters, 247 bytes
    path = tmp_path / name
    path.write_text("meter_id,ts,value\nE1,2026-03-01T08:00:00+08:00,1.0\n", encoding="utf-8")
    import_readings(engine, path)
    path.write_text(
        "meter_id,ts,value\nE1,2026-03-01T08:00:00+08:00,5.0\nE1,2026-03-01T08:15:00+08:00,2.0\n"
        "NOPE,2026-03-01T08:15:00+08:00,2.0\n",
        encoding="utf-8",
    )
    result = import_readings(engine, path)
    assert result.errors  # the unknown meter, listed with its row
    source = f"file:{name}"
    with engine.connect() as c:
        assert c.scalar(select(ReadingConflictRow.source)) == source
        assert c.scalar(select(QuarantineRow.source)) == source
        row = c.execute(select(IngestCounterRow.__table__).where(IngestCounterRow.source == source)).one()
    assert (row.received, row.stored, row.conflicts, row.quarantined) == (4, 2, 1, 1)
    assert_identity(engine, source)


def test_quarantine_dedup_is_per_source_and_reprocess_authorises(engine: Engine) -> None:
    make_park(engine)
    meters = MeterDirectory(engine, refresh_s=0)
    create_gateway(engine, "P1", "GW1", meter_ids=["E1"])
    create_gateway(engine, "P1", "GW2", meter_ids=["MAIN"])
    item = ("SUB1", {"ts": "2026-03-01T08:00:00+08:00", "value": 4.0})  # SUB1 belongs to no gateway
    for gw in ("GW1", "GW2"):
        out = ingest_items(engine, [item], source=f"http:{gw}", meters=meters, gateway_id=gw, now_utc=NOW)
        assert out.quarantined == 1, gw  # GW2's attempt is its own record, not GW1's duplicate
    # the MQTT topic named park P2, the meter is in P1
    mqtt_item = {"ts": "2026-03-01T08:00:00+08:00", "value": 6.0}
    out = ingest_items(engine, [("E1", mqtt_item)], source="mqtt", meters=meters, parks=["P2"], now_utc=NOW)
    assert out.quarantined == 1
    assert _reasons(engine) == {"forbidden_meter": 2, "unknown_meter": 1}
    # nothing about the metadata changed: re-processing must not store any of them
    res = reprocess(engine, now_utc=NOW)
    assert (res.examined, res.stored, res.still_quarantined) == (3, 0, 3)
    assert counts(engine)["readings"] == 0
    # once GW1 owns SUB1, GW1's row (and only it) passes
    with engine.begin() as c:
        c.execute(text("UPDATE meter SET gateway_id = 'GW1' WHERE id = 'SUB1'"))
    res = reprocess(engine, now_utc=NOW)
    assert (res.examined, res.stored, res.still_quarantined) == (3, 1, 2)
    for source in ("http:GW1", "http:GW2", "mqtt"):
        assert_identity(engine, source)


def test_partitions_only_for_months_with_readings(pg_engine: Engine) -> None:
    """A year-1800 reading beside a 2026 one: two partitions, not the ~2 700 months between
    (which ran PostgreSQL out of shared memory in one transaction and stalled the ingester)."""
    make_park(pg_engine)
    before = _partitions(pg_engine)
    rows = [
        Reading("E1", datetime(1800, 6, 1, tzinfo=UTC), 1.0),
        Reading("E1", datetime(2011, 7, 1, tzinfo=UTC), 2.0),  # months no other test writes
    ]
    assert write_readings(pg_engine, rows, source="t").stored == 2
    created = _partitions(pg_engine) - before
    assert created == {partition_name("P1", date(1800, 6, 1)), partition_name("P1", date(2011, 7, 1))}
    with pg_engine.connect() as c:
        assert c.scalar(text("SELECT count(*) FROM reading")) == 2


def test_early_readings_create_no_partition(pg_engine: Engine) -> None:
    make_park(pg_engine)
    meters = MeterDirectory(pg_engine)
    before = _partitions(pg_engine)
    items = [
        ("E1", {"ts": "1970-01-01T00:00:00Z", "value": 1.0}),
        ("E1", {"ts": "1900-01-01T00:00:00+08:00", "value": 1.0}),
        ("E1", {"ts": "2012-05-01T08:00:00+08:00", "value": 1.0}),
    ]
    out = ingest_items(pg_engine, items, source="mqtt", meters=meters, now_utc=NOW)
    assert (out.stored, out.quarantined) == (1, 2)
    assert _partitions(pg_engine) - before == {partition_name("P1", date(2012, 5, 1))}
    with pg_engine.connect() as c:
        years = c.scalars(select(ReadingRow.ts)).all()
    assert [y.year for y in years] == [2012]


def _partitions(engine: Engine) -> set[str]:
    with engine.connect() as c:
        return set(
            c.scalars(
                text(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'reading'"
                )
            )
        )


def test_http_earliest_year_comes_from_the_settings(engine: Engine) -> None:
    """A deployment that configures ZEROPARK_EARLIEST_READING_YEAR=2020: a 2019 reading is early."""
    app = FastAPI()
    app.include_router(router)
    app.state.engine = engine
    app.state.settings = Settings(earliest_reading_year=2020)
    client = TestClient(app)
    make_park(engine)
    key = create_gateway(engine, "P1", "GW1", meter_ids=["E1"])
    body = [
        {"meter_id": "E1", "ts": "2019-12-31T23:45:00+08:00", "value": 1.0},
        {"meter_id": "E1", "ts": "2020-01-01T00:00:00+08:00", "value": 1.0},  # the first accepted instant
    ]
    r = client.post("/api/v1/readings", json=body, headers={"X-API-Key": key})
    assert r.status_code == 200, r.text
    assert [row["reason"] for row in r.json()["rows"]] == ["early_ts", None]


def test_reprocess_keeps_a_park_import_to_its_park(engine: Engine, tmp_path: Path) -> None:
    """A park manager's import of another park's meter is quarantined; re-processing must not
    store it (it used to: the meter exists, just not in the importer's park)."""
    from zeropark.model import Carrier, Direction, Meter, MeterKind, Park
    from zeropark.store import repo

    make_park(engine)
    repo.add_park(engine, Park("P2", "另一园区", "江苏", "华东", 31.3, 120.6))
    repo.add_meter(
        engine, Meter("X2", "P2", Carrier.ELECTRICITY, "kWh", Direction.CONSUMPTION, MeterKind.INTERVAL)
    )
    path = tmp_path / "p1.csv"
    path.write_text(
        "meter_id,ts,value\nE1,2026-03-01T08:00:00+08:00,1.0\nX2,2026-03-01T08:00:00+08:00,2.0\n",
        encoding="utf-8",
    )
    import_readings(engine, path, park_id="P1")
    assert _reasons(engine) == {"unknown_meter": 1}
    res = reprocess(engine, now_utc=NOW)
    assert (res.stored, res.still_quarantined) == (0, 1)
    with engine.connect() as c:
        assert c.scalars(select(ReadingRow.meter_id)).all() == ["E1"]
        detail = c.scalar(select(QuarantineRow.detail))
    assert "P2" not in detail or "not in 'P1'" in detail


def test_reprocess_with_an_earlier_configured_year_stores_old_history(engine: Engine) -> None:
    """A park that lowers the earliest year to 1990 re-processes its 1995 history out of quarantine."""
    from zeropark.ingest.validate import earliest_instant

    make_park(engine)
    meters = MeterDirectory(engine)
    out = ingest_items(
        engine,
        [("E1", {"ts": "1995-06-01T08:00:00+08:00", "value": 3.0})],
        source="file:old.csv",
        meters=meters,
    )
    assert out.quarantined == 1 and _reasons(engine) == {"early_ts": 1}
    assert reprocess(engine, now_utc=NOW).stored == 0  # the default year still refuses it
    res = reprocess(engine, now_utc=NOW, earliest_utc=earliest_instant(1990))
    assert (res.stored, res.still_quarantined) == (1, 0)
    assert_identity(engine, "file:old.csv")


def test_file_import_takes_the_configured_earliest_year(engine: Engine, tmp_path: Path) -> None:
    """Older history mostly arrives as files: the import as a user honours the deployment's year."""
    from zeropark.services.imports import import_readings as import_as_user
    from zeropark.store.scope import system_scope

    make_park(engine)
    path = tmp_path / "history.csv"
    path.write_text("meter_id,ts,value\nE1,1995-06-01T08:00:00+08:00,3.0\n", encoding="utf-8")
    scope = system_scope(engine, "test")
    assert import_as_user(scope, path).stored == 0  # default: before 2000 → early_ts
    assert _reasons(engine) == {"early_ts": 1}
    assert import_as_user(scope, path, earliest_year=1990).stored == 1
