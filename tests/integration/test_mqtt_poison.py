"""The poison-message rule, end to end: real Mosquitto, the ingester as a process, SQLite and PostgreSQL.

Every message of issue 12 that crashed the ingester (and, redelivered, crash-looped it) or stalled
it is published, then valid readings; the ingester must stay alive, quarantine each bad one with
a named reason (raw bytes kept), store the valid ones, and stop on SIGTERM — also while the
database is unavailable.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from ingest_helpers import assert_identity, make_park
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Engine, create_engine, func, select, text

import zeropark
from zeropark.store.schema import IngestCounterRow, QuarantineRow, ReadingRow

pytestmark = pytest.mark.mqtt


class _Ingester:
    """``python -m zeropark.ingest.mqtt`` with its output collected by a thread."""

    def __init__(self, db_url: str, host: str, port: int, prefix: str, client_id: str) -> None:
        env = {
            **os.environ,
            "ZEROPARK_DATABASE_URL": db_url,
            "ZEROPARK_MQTT_URL": f"mqtt://{host}:{port}",
            # the code under test, not whatever an installed copy points at
            "PYTHONPATH": str(Path(zeropark.__file__).resolve().parents[1]),
        }
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "zeropark.ingest.mqtt",
                "--topic",
                f"{prefix}/#",
                "--client-id",
                client_id,
                "--max-delay",
                "0.2",
                "--rollup-every",
                "0",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=Path(__file__).parent,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def output(self) -> str:
        return "".join(self.lines)

    def wait_line(self, needle: str, timeout: float = 30.0) -> None:
        _wait(lambda: needle in self.output(), timeout, lambda: self.output())

    def stop(self, timeout: float = 15.0) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)


def _wait(cond: Callable[[], bool], timeout: float = 30.0, why: Callable[[], str] = lambda: "") -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError(f"condition not reached in time\n{why()}")


def _publish_all(host: str, port: int, msgs: list[tuple[str, bytes]]) -> None:
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"test-pub-{uuid.uuid4().hex[:8]}")
    c.connect(host, port)
    c.loop_start()
    try:
        for info in [c.publish(t, p, qos=1) for t, p in msgs]:
            info.wait_for_publish(10)
    finally:
        c.loop_stop()
        c.disconnect()


def _received(engine: Engine) -> int:
    with engine.connect() as c:
        return c.scalar(select(IngestCounterRow.received).where(IngestCounterRow.source == "mqtt")) or 0


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_every_poison_message_is_quarantined_and_the_ingester_goes_on(
    engine: Engine, mqtt_broker: tuple[str, int]
) -> None:
    host, port = mqtt_broker
    make_park(engine)
    prefix = f"zptest{uuid.uuid4().hex[:8]}"
    topic = f"{prefix}/P1/E1/reading"
    now = datetime.now(UTC).replace(microsecond=0)
    recent = (now - timedelta(hours=1)).isoformat()
    valid = [
        {"ts": (now - timedelta(hours=2, minutes=15 * k)).isoformat(), "value": 1.0 + k} for k in range(10)
    ]
    nul = b"not json \x00 at all \xff"
    poison: list[tuple[str, bytes]] = [
        (topic, nul),  # NUL byte, not UTF-8, not JSON: kept as base64
        (topic, b'{"ts": "0001-01-01", "value": 1}'),  # OverflowError in the UTC conversion
        (topic, b'{"ts": 1e20, "value": 1}'),  # OverflowError in fromtimestamp
        (topic, b"[" * 100_000),  # RecursionError in the JSON decoder
        # a year-1800 reading beside a current one: the current one is stored, no partition storm
        (
            topic,
            json.dumps(
                [{"ts": "1800-01-01T00:00:00+08:00", "value": 1}, {"ts": recent, "value": 2}]
            ).encode(),
        ),
        (topic, b'{"ts": "1900-01-01T08:00:00+08:00", "value": 1}'),
        (topic, b'{"ts": 0, "value": 1}'),  # 1970-01-01: a reset clock
        (f"{prefix}/P1/E1", b'{"ts": "2026-03-01T00:00:00Z", "value": 1}'),  # wrong topic shapes
        (f"{prefix}/P1/E1/reading/extra", b'{"ts": "2026-03-01T00:00:00Z", "value": 1}'),
        (f"{prefix}/P1/alarms", b'{"alarm": "not a reading"}'),  # the platform's own: skipped
    ]
    ing = _Ingester(_url(engine), host, port, prefix, f"t-poison-{uuid.uuid4().hex[:8]}")
    try:
        ing.wait_line("subscribed to")
        _publish_all(host, port, [*poison, (topic, json.dumps(valid).encode())])
        # 1 + 1 + 1 + 1 + 2 + 1 + 1 + 1 + 1 (+ 0: alarms) + 10 valid
        _wait(lambda: _received(engine) >= 20, 60, ing.output)
        time.sleep(0.5)
        assert ing.proc.poll() is None, ing.output()  # alive
        with engine.connect() as c:
            stored = c.scalar(select(func.count()).select_from(ReadingRow))
            reasons = dict(
                c.execute(select(QuarantineRow.reason, func.count()).group_by(QuarantineRow.reason)).all()
            )
            nul_row = c.execute(
                select(QuarantineRow.raw, QuarantineRow.raw_encoding).where(
                    QuarantineRow.raw_encoding == "base64"
                )
            ).one()
            years = {ts.year for ts in c.scalars(select(ReadingRow.ts))}
        assert stored == 11  # the current reading beside 1800 + the 10 valid ones
        assert years == {now.year} or years <= {now.year, now.year - 1}
        assert reasons == {"malformed": 4, "early_ts": 3, "bad_topic": 2}, reasons
        assert base64.b64decode(nul_row.raw) == nul  # the bytes exactly as received
        assert_identity(engine, "mqtt")
        assert ing.stop() == 0, ing.output()
    finally:
        if ing.proc.poll() is None:
            ing.proc.kill()


def test_sigterm_stops_the_ingester_while_the_database_is_unavailable(
    pg_engine: Engine, pg_url: str, mqtt_broker: tuple[str, int]
) -> None:
    """Database down: the batch is retried, nothing acknowledged; SIGTERM ends the process at once
    with exit code 0, and the message is stored after a restart (redelivered, not lost)."""
    host, port = mqtt_broker
    make_park(pg_engine)
    prefix = f"zptest{uuid.uuid4().hex[:8]}"
    client_id = f"t-outage-{uuid.uuid4().hex[:8]}"
    db = pg_engine.url.database
    admin = create_engine(pg_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    ing = _Ingester(pg_url, host, port, prefix, client_id)
    try:
        ing.wait_line("subscribed to")
        pg_engine.dispose()
        with admin.connect() as c:
            c.execute(text(f'ALTER DATABASE "{db}" WITH ALLOW_CONNECTIONS false'))
            c.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"), {"d": db}
            )
        reading = {"ts": (datetime.now(UTC) - timedelta(hours=1)).isoformat(), "value": 7.0}
        _publish_all(host, port, [(f"{prefix}/P1/E1/reading", json.dumps(reading).encode())])
        ing.wait_line("database unavailable")
        t0 = time.monotonic()
        assert ing.stop(timeout=10) == 0, ing.output()
        assert time.monotonic() - t0 < 10
        assert "not acknowledged" in ing.output()
    finally:
        if ing.proc.poll() is None:
            ing.proc.kill()
        with admin.connect() as c:
            c.execute(text(f'ALTER DATABASE "{db}" WITH ALLOW_CONNECTIONS true'))
        admin.dispose()
    again = _Ingester(pg_url, host, port, prefix, client_id)  # same session: the broker redelivers
    try:
        _wait(lambda: _received(pg_engine) >= 1, 30, again.output)
        with pg_engine.connect() as c:
            assert c.scalar(select(ReadingRow.value)) == 7.0
        assert again.stop() == 0
    finally:
        if again.proc.poll() is None:
            again.proc.kill()


def _refuse_value(engine: Engine, value: float) -> None:
    """Make the database itself refuse one value: a trigger that raises (a real refusal, no mock)."""
    with engine.begin() as c:
        if engine.dialect.name == "postgresql":
            c.execute(
                text(
                    "CREATE OR REPLACE FUNCTION zp_test_refuse() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.value = {value} THEN RAISE EXCEPTION 'value {value} refused by policy'; END IF; "
                    "RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            c.execute(text("DROP TRIGGER IF EXISTS zp_test_refuse ON reading"))
            c.execute(
                text(
                    "CREATE TRIGGER zp_test_refuse BEFORE INSERT ON reading "
                    "FOR EACH ROW EXECUTE FUNCTION zp_test_refuse()"
                )
            )
        else:
            c.execute(
                text(
                    f"CREATE TRIGGER zp_test_refuse BEFORE INSERT ON reading WHEN NEW.value = {value} "
                    f"BEGIN SELECT RAISE(ABORT, 'value {value} refused by policy'); END"
                )
            )


def _drop_refusal(engine: Engine) -> None:
    with engine.begin() as c:
        c.execute(
            text(
                "DROP TRIGGER IF EXISTS zp_test_refuse"
                + (" ON reading" if engine.dialect.name == "postgresql" else "")
            )
        )


def test_a_message_the_database_refuses_is_quarantined_and_the_batch_stored(
    engine: Engine, mqtt_broker: tuple[str, int]
) -> None:
    """Not an outage: the database refuses one message of a batch. The batch is written message by
    message, the refused one quarantined raw as store_refused and acknowledged, the rest stored —
    not retried forever as if the database were down."""
    host, port = mqtt_broker
    make_park(engine)
    _refuse_value(engine, 666.0)
    prefix = f"zptest{uuid.uuid4().hex[:8]}"
    topic = f"{prefix}/P1/E1/reading"
    now = datetime.now(UTC).replace(microsecond=0)
    msgs = [
        (
            topic,
            json.dumps(
                [
                    {"ts": (now - timedelta(minutes=15 * (4 * m + k + 1))).isoformat(), "value": v}
                    for k, v in enumerate([1.0, 2.0, 666.0 if m == 2 else 3.0, 4.0])
                ]
            ).encode(),
        )
        for m in range(5)
    ]
    ing = _Ingester(_url(engine), host, port, prefix, f"t-refuse-{uuid.uuid4().hex[:8]}")
    try:
        ing.wait_line("subscribed to")
        _publish_all(host, port, msgs)
        _wait(lambda: _received(engine) >= 17, 60, ing.output)  # 4 messages × 4 readings + 1 message
        assert ing.proc.poll() is None, ing.output()
        with engine.connect() as c:
            stored = c.scalar(select(func.count()).select_from(ReadingRow))
            row = c.execute(select(QuarantineRow.reason, QuarantineRow.raw, QuarantineRow.detail)).one()
        assert stored == 16  # the four other messages, whole
        assert row.reason == "store_refused" and "refused by policy" in row.detail
        assert json.loads(row.raw)[2]["value"] == 666.0  # the message as received
        assert_identity(engine, "mqtt")
        assert ing.stop() == 0, ing.output()
    finally:
        if ing.proc.poll() is None:
            ing.proc.kill()
        _drop_refusal(engine)
