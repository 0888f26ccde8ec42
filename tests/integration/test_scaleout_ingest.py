"""Scale-out ingest (#20): 3 ingester processes per backend, one killed mid-stream (SIGKILL).

MQTT: a v5 shared subscription ``$share/<group>/…`` on the real Mosquitto. The killed member's
persistent session keeps what the broker had handed to it (Mosquitto does not move it to another
member), so, as a supervisor would, the member is started again under its client id and the broker
redelivers its session. NATS: the real JetStream, one durable pull consumer shared by the three; the
killed member is NOT restarted — JetStream redelivers its unacknowledged messages to the survivors
after ``--ack-wait``.

The member is killed by the after-commit test hook: its last batch is committed but never
acknowledged, so the redelivery is a repeat of stored readings — counted as duplicates, not stored
twice. Either way every reading is stored exactly once: 3000 published, 3000 rows, 3000 distinct
timestamps.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from datetime import UTC, datetime, timedelta

import nats
import paho.mqtt.client as mqtt
import pytest
from ingest_helpers import IngesterProc, assert_identity, make_park, wait_until
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Engine, func, select

from conftest import require_service
from zeropark.ingest.batching import CRASH_AFTER_COMMIT_ENV
from zeropark.store.schema import IngestCounterRow, ReadingRow

pytestmark = [pytest.mark.mqtt, pytest.mark.postgres]

MESSAGES, PER_MESSAGE = 600, 5  # 3000 readings of meter E1, one every 15 min from 1 March 2026
KILL_AFTER = "40"  # the killed member dies after committing its 40th message, before acknowledging


def _payload(m: int) -> bytes:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    items = [
        {"ts": (start + timedelta(minutes=15 * (PER_MESSAGE * m + k))).isoformat(), "value": 1.0}
        for k in range(PER_MESSAGE)
    ]
    return json.dumps(items).encode()


def _rows(engine: Engine) -> tuple[int, int]:
    with engine.connect() as c:
        n, distinct = c.execute(
            select(func.count(), func.count(func.distinct(ReadingRow.ts))).select_from(ReadingRow)
        ).one()
    return int(n), int(distinct)


def _duplicates(engine: Engine, source: str) -> int:
    with engine.connect() as c:
        return int(
            c.scalar(select(IngestCounterRow.duplicates).where(IngestCounterRow.source == source)) or 0
        )


def _check_exactly_once(engine: Engine, source: str) -> None:
    wait_until(lambda: _rows(engine)[0] >= MESSAGES * PER_MESSAGE)
    time.sleep(1.0)  # a late redelivery would show as a second row here (it must not)
    assert _rows(engine) == (MESSAGES * PER_MESSAGE, MESSAGES * PER_MESSAGE)  # none lost, none twice
    assert _duplicates(engine, source) >= 1  # the killed member's committed, unacked batch came again
    assert_identity(engine, source)


def test_three_mqtt_ingesters_shared_subscription_one_killed(
    pg_engine: Engine, pg_url: str, mqtt_broker: tuple[str, int]
) -> None:
    host, port = mqtt_broker
    make_park(pg_engine)
    tag = uuid.uuid4().hex[:8]
    prefix, group = f"zpso{tag}", f"g{tag}"

    def spawn(i: int, env: dict[str, str]) -> IngesterProc:
        return IngesterProc(
            "zeropark.ingest.mqtt",
            ["--topic", f"{prefix}/+/+/reading", "--shared", group, "--client-id", f"so-{tag}-{i}"]
            + ["--max-delay", "0.1", "--rollup-every", "0"],
            pg_url,
            {"ZEROPARK_MQTT_URL": f"mqtt://{host}:{port}", **env},
        )

    procs = [spawn(0, {CRASH_AFTER_COMMIT_ENV: KILL_AFTER}), spawn(1, {}), spawn(2, {})]
    for p in procs:
        p.wait_for("subscribed to")
    pub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"so-pub-{tag}")
    pub.connect(host, port)
    pub.loop_start()
    try:
        for m in range(MESSAGES):  # paced: the kill happens while the stream is still flowing
            pub.publish(f"{prefix}/P1/E1/reading", _payload(m), qos=1)
            if m % 50 == 49:
                time.sleep(0.05)
        assert procs[0].proc.wait(20) == -signal.SIGKILL
        procs[0] = spawn(0, {})  # the supervisor restarts the member: its session is redelivered
        _check_exactly_once(pg_engine, "mqtt")
    finally:
        pub.loop_stop()
        codes = [p.terminate() for p in procs]
    assert codes == [0, 0, 0]


def test_three_nats_ingesters_durable_consumer_one_killed(pg_engine: Engine, pg_url: str) -> None:
    require_service("NATS", "127.0.0.1", 4222)
    make_park(pg_engine)
    tag = uuid.uuid4().hex[:8]
    stream, subject_prefix = f"ZPSO{tag}", f"zpso{tag}"

    def spawn(env: dict[str, str]) -> IngesterProc:
        return IngesterProc(
            "zeropark.ingest.nats",
            ["--url", "nats://127.0.0.1:4222", "--stream", stream, "--subject", f"{subject_prefix}.>"]
            + ["--durable", f"d{tag}", "--ack-wait", "2", "--fetch-batch", "20"]
            + ["--max-delay", "0.1", "--rollup-every", "0"],
            pg_url,
            env,
        )

    procs = [spawn({CRASH_AFTER_COMMIT_ENV: KILL_AFTER}), spawn({}), spawn({})]
    for p in procs:
        p.wait_for("subscribed to")

    async def publish() -> None:
        nc = await nats.connect("nats://127.0.0.1:4222")
        js = nc.jetstream()
        for m in range(MESSAGES):  # each publish awaits the stream's acknowledgement
            await js.publish(f"{subject_prefix}.P1.E1.reading", _payload(m))
        await nc.close()

    async def drop_stream() -> None:
        nc = await nats.connect("nats://127.0.0.1:4222")
        await nc.jetstream().delete_stream(stream)
        await nc.close()

    try:
        asyncio.run(publish())
        assert procs[0].proc.wait(20) == -signal.SIGKILL  # not restarted: the survivors take over
        _check_exactly_once(pg_engine, "nats")
    finally:
        codes = [p.terminate() for p in procs[1:]]
        asyncio.run(drop_stream())
    assert codes == [0, 0]
