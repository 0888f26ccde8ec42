"""services/ingestion.py: every door tells the same after-commit listeners (the rollups), after the commit.

- MQTT: spans of several committed batches are merged and told once per ``notify_every_s``; a
  listener failing with the database unavailable keeps its spans for the next tick (driven here
  without a broker: QoS 0 messages are committed and need no acknowledgement);
- HTTP: the batch's rollups exist when the answer is sent;
- quarantine re-processing: the rows that now pass get their rollups.
"""

from __future__ import annotations

import json
from pathlib import Path

from ingest_helpers import make_park
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError

from zeropark.ingest.hooks import CommitHooks, Spans
from zeropark.ingest.http import create_gateway
from zeropark.ingest.mqtt import IngesterConfig, MqttIngester
from zeropark.ingest.mqtt.ingester import _Message
from zeropark.model import Carrier, Direction, Meter, MeterKind
from zeropark.services.imports import import_readings
from zeropark.services.ingestion import (
    commit_hooks,
    ingest_gateway_batch,
    mqtt_ingester,
    reprocess_quarantine,
)
from zeropark.store import repo
from zeropark.store.schema import ReadingRow, RollupRow
from zeropark.store.scope import system_scope


def _message(mid: int, meter: str, ts: str, value: float) -> _Message:
    return _Message(
        mid, 0, f"zeropark/P1/{meter}/reading", json.dumps({"ts": ts, "value": value}).encode(), 1
    )


def _rollups(engine: Engine, meter: str) -> int:
    with engine.connect() as c:
        return c.scalar(select(func.count()).select_from(RollupRow).where(RollupRow.meter_id == meter)) or 0


def test_mqtt_listeners_are_told_merged_spans_after_commit(sqlite_engine: Engine) -> None:
    make_park(sqlite_engine)
    told: list[dict[str, tuple[str, str]]] = []

    def listener(touched: Spans) -> None:
        with sqlite_engine.connect() as c:  # committed before any listener is told
            assert c.scalar(select(func.count()).select_from(ReadingRow)) == 3
        told.append({m: (a.isoformat(), b.isoformat()) for m, (a, b) in touched.items()})

    ing = MqttIngester(sqlite_engine, IngesterConfig(notify_every_s=3600.0), hooks=CommitHooks([listener]))
    ing._commit_and_ack([_message(1, "E1", "2026-03-01T08:15:00+08:00", 1.0)])
    ing._commit_and_ack(
        [
            _message(2, "E1", "2026-03-01T09:00:00+08:00", 2.0),
            _message(3, "R1", "2026-03-01T08:00:00+08:00", 10.0),
        ]
    )
    ing._maybe_notify()
    assert told == []  # not due yet: off the hot path
    ing._maybe_notify(force=True)  # as at shutdown
    assert told == [
        {
            "E1": ("2026-03-01T00:15:00+00:00", "2026-03-01T01:00:00+00:00"),
            "R1": ("2026-03-01T00:00:00+00:00", "2026-03-01T00:00:00+00:00"),
        }
    ]
    ing._maybe_notify(force=True)
    assert len(told) == 1  # nothing new committed: nobody is told again


def test_mqtt_keeps_spans_when_a_listener_finds_the_database_down(sqlite_engine: Engine) -> None:
    make_park(sqlite_engine)
    calls: list[Spans] = []

    def flaky(touched: Spans) -> None:
        calls.append(dict(touched))
        if len(calls) == 1:
            raise OperationalError("UPDATE rollup", {}, Exception("database is down"))

    ing = MqttIngester(sqlite_engine, IngesterConfig(notify_every_s=0.001), hooks=CommitHooks([flaky]))
    ing._commit_and_ack([_message(1, "E1", "2026-03-01T08:15:00+08:00", 1.0)])
    ing._maybe_notify(force=True)  # fails: logged, spans kept
    ing._maybe_notify(force=True)  # told again
    assert len(calls) == 2 and calls[0] == calls[1]


def test_mqtt_survives_a_listener_that_fails_for_another_reason(sqlite_engine: Engine) -> None:
    """Derived data never stops ingestion: a listener failing for a reason other than the database
    being down is logged and its spans dropped (rollups are rebuilt with `zeropark ingest rollups`)."""
    make_park(sqlite_engine)
    calls: list[Spans] = []

    def broken(touched: Spans) -> None:
        calls.append(dict(touched))
        raise ValueError("a bug in a listener")

    ing = MqttIngester(sqlite_engine, IngesterConfig(notify_every_s=0.001), hooks=CommitHooks([broken]))
    ing._commit_and_ack([_message(1, "E1", "2026-03-01T08:15:00+08:00", 1.0)])
    ing._maybe_notify(force=True)  # fails: logged, not raised
    ing._maybe_notify(force=True)  # nothing pending any more
    assert len(calls) == 1 and ing.totals.stored == 1


def test_mqtt_ingester_of_the_service_updates_rollups(sqlite_engine: Engine) -> None:
    make_park(sqlite_engine)
    ing = mqtt_ingester(sqlite_engine, IngesterConfig(notify_every_s=10.0))
    ing._commit_and_ack([_message(1, "E1", "2026-03-01T08:15:00+08:00", 1.0)])
    assert _rollups(sqlite_engine, "E1") == 0
    ing._maybe_notify(force=True)
    assert _rollups(sqlite_engine, "E1") > 0


def test_mqtt_with_notify_off_collects_nothing(sqlite_engine: Engine) -> None:
    make_park(sqlite_engine)
    ing = MqttIngester(sqlite_engine, IngesterConfig(notify_every_s=0.0), hooks=commit_hooks(sqlite_engine))
    ing._commit_and_ack([_message(1, "E1", "2026-03-01T08:15:00+08:00", 1.0)])
    ing._maybe_notify(force=True)
    assert _rollups(sqlite_engine, "E1") == 0


def test_http_batch_updates_rollups_before_answering(engine: Engine) -> None:
    make_park(engine)
    create_gateway(engine, "P1", "GW-R", meter_ids=["E1"])
    out = ingest_gateway_batch(engine, "GW-R", [("E1", {"ts": "2026-03-01T08:15:00+08:00", "value": 4.0})])
    assert out.stored == 1 and _rollups(engine, "E1") > 0


def test_reprocessed_rows_get_their_rollups(engine: Engine, tmp_path: Path) -> None:
    make_park(engine)
    f = tmp_path / "late.csv"
    f.write_text("meter_id,ts,value\nLATE,2026-03-01 08:00,2\n", encoding="utf-8")
    assert import_readings(system_scope(engine, "cli"), f).quarantined == 1
    repo.add_meter(
        engine, Meter("LATE", "P1", Carrier.ELECTRICITY, "kWh", Direction.CONSUMPTION, MeterKind.INTERVAL)
    )
    assert reprocess_quarantine(engine).stored == 1
    assert _rollups(engine, "LATE") > 0
