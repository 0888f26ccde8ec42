"""Devices over MQTT into NATS (#20): the NATS server's own MQTT listener, the JetStream ingester.

Each test starts its own ``nats-server`` (free client and MQTT ports, JetStream in ``tmp_path``;
the machine's shared server on 4222 is not used) with the configuration docs/scale.md §1 "Devices
over MQTT into NATS" shows. A device — the gateway's own publisher (:class:`Publisher`: paho-mqtt,
MQTT v3.1.1, QoS 1, clean session, deleting each message from its disk buffer on its PUBACK) —
publishes gateway-format readings (``[{"ts", "value", "unit"}]`` on ``<prefix>/<park>/<meter>/reading``)
to the NATS MQTT port; the server maps topic ``a/b/c`` to subject ``a.b.c``, the ingester's stream
captures ``<prefix with . for />.>`` and the ingester processes (``python -m zeropark.ingest.nats``)
store them.

The device's readings (H = 200 hours from 1 March 2026 00:00 UTC, one message per meter and hour):
  E1   4 quarter-hour items per message × 0.5 kWh → 800 readings, Σ = 800 × 0.5 = 400.0 kWh
  SUB1 1 hourly item per message     × 2.0 kWh → 200 readings, Σ = 200 × 2.0 = 400.0 kWh
  SUB2 1 hourly item per message     × 3.0 kWh → 200 readings, Σ = 200 × 3.0 = 600.0 kWh
  600 messages, 1 200 readings.

Two fixes of the NATS ingester are tested here too: a ``.`` in an id read back from the subject
(``//``, as the MQTT listener maps it), and a clean stop that lets the fetch task end.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nats
import orjson
import pytest
from ingest_helpers import IngesterProc, assert_identity, make_park, wait_until
from sqlalchemy import Engine, func, select

from conftest import IN_CI
from zeropark.gateway.buffer import Buffer
from zeropark.gateway.config import MqttConfig
from zeropark.gateway.runner import Publisher, reading_topic
from zeropark.ingest.batching import CRASH_AFTER_COMMIT_ENV
from zeropark.ingest.nats import NatsConfig, NatsIngester, reading_subject, subject_topic
from zeropark.model import Carrier, Direction, Meter, MeterKind
from zeropark.store import repo
from zeropark.store.schema import IngestCounterRow, QuarantineRow, ReadingRow

pytestmark = [pytest.mark.postgres]

HOURS = 200
START = datetime(2026, 3, 1, tzinfo=UTC)
#: meter → (items per message, minutes between items, kWh per item)
PLAN = {"E1": (4, 15, 0.5), "SUB1": (1, 60, 2.0), "SUB2": (1, 60, 3.0)}
#: meter → (readings, distinct timestamps, Σ value), computed in the module docstring
EXPECTED = {"E1": (800, 800, 400.0), "SUB1": (200, 200, 400.0), "SUB2": (200, 200, 600.0)}
READINGS = 1200

#: The server configuration (docs/scale.md §1 shows the same, with production addresses).
SERVER_CONF = """\
server_name: {name}
listen: 127.0.0.1:{client_port}
jetstream {{
  store_dir: "{store_dir}"
}}
mqtt {{
  listen: 127.0.0.1:{mqtt_port}
}}
"""


@dataclass(frozen=True, slots=True)
class NatsMqtt:
    """A private nats-server: its NATS client URL and its MQTT listener."""

    url: str
    mqtt_host: str
    mqtt_port: int
    log: Path


def _binary() -> str | None:
    found = shutil.which("nats-server")
    # Debian installs it in /usr/sbin, which is not on an ordinary user's PATH
    if found is None and os.access("/usr/sbin/nats-server", os.X_OK):
        found = "/usr/sbin/nats-server"
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def nats_mqtt(tmp_path: Path) -> Iterator[NatsMqtt]:
    """Its own nats-server with JetStream and the MQTT listener, stopped after the test."""
    binary = _binary()
    if binary is None:
        msg = "nats-server is not installed (Debian package nats-server)"
        if IN_CI:
            pytest.fail(f"{msg}; under CI=true this test must run (.ci/run installs it)")
        pytest.skip(msg)
    client_port, mqtt_port = _free_port(), _free_port()
    conf = tmp_path / "nats.conf"
    conf.write_text(
        SERVER_CONF.format(
            name=f"zp-test-{uuid.uuid4().hex[:8]}",
            client_port=client_port,
            mqtt_port=mqtt_port,
            store_dir=tmp_path / "jetstream",
        )
    )
    log = tmp_path / "nats.log"
    with log.open("w") as out:
        proc = subprocess.Popen([binary, "-c", str(conf)], stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: "Server is ready" in log.read_text() or proc.poll() is not None, 30)
        assert proc.poll() is None, log.read_text()
        assert f"Listening for MQTT clients on mqtt://127.0.0.1:{mqtt_port}" in log.read_text()
        yield NatsMqtt(f"nats://127.0.0.1:{client_port}", "127.0.0.1", mqtt_port, log)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _messages(prefix: str) -> list[tuple[str, bytes]]:
    """The device's 600 messages in the gateway's format, hour by hour (see the module docstring)."""
    out: list[tuple[str, bytes]] = []
    for h in range(HOURS):
        for meter, (n, minutes, kwh) in PLAN.items():
            stamps = [START + timedelta(hours=h, minutes=minutes * k) for k in range(n)]
            items = [{"ts": ts.isoformat(), "value": kwh, "unit": "kWh"} for ts in stamps]
            out.append((reading_topic(prefix, "P1", meter), orjson.dumps(items)))
    return out


def _device(server: NatsMqtt, tmp_path: Path, prefix: str) -> tuple[Publisher, threading.Thread]:
    """The gateway's publisher on the NATS MQTT port; a thread feeds its buffer 30 messages at a time."""
    buffer = Buffer(tmp_path / "gateway-buffer.sqlite")
    publisher = Publisher(
        MqttConfig(host=server.mqtt_host, port=server.mqtt_port, prefix=prefix, client_id="gw-P1"), buffer
    )
    messages = _messages(prefix)

    def feed() -> None:  # the device produces while the ingesters consume
        for i in range(0, len(messages), 30):
            buffer.put(messages[i : i + 30])
            time.sleep(0.02)

    return publisher, threading.Thread(target=feed, daemon=True)


def _by_meter(engine: Engine) -> dict[str, tuple[int, int, float]]:
    with engine.connect() as c:
        rows = c.execute(
            select(
                ReadingRow.meter_id,
                func.count(),
                func.count(func.distinct(ReadingRow.ts)),
                func.sum(ReadingRow.value),
            ).group_by(ReadingRow.meter_id)
        ).all()
    return {m: (int(n), int(d), float(s)) for m, n, d, s in rows}


def _rows_and_quarantined(engine: Engine) -> int:
    with engine.connect() as c:
        rows = c.scalar(select(func.count()).select_from(ReadingRow)) or 0
        return int(rows) + int(c.scalar(select(func.count()).select_from(QuarantineRow)) or 0)


def _counter(engine: Engine) -> dict[str, int]:
    with engine.connect() as c:
        r = c.execute(select(IngestCounterRow.__table__).where(IngestCounterRow.source == "nats")).one()
    return {k: int(getattr(r, k)) for k in ("received", "stored", "duplicates", "conflicts", "quarantined")}


def _stream_left(url: str, stream: str) -> int:
    """Messages still in the work-queue stream (an acknowledged message is removed)."""

    async def go() -> int:
        nc = await nats.connect(url)
        try:
            return int((await nc.jetstream().stream_info(stream)).state.messages)
        finally:
            await nc.close()

    return asyncio.run(go())


def _streams(url: str) -> list[str]:
    async def go() -> list[str]:
        nc = await nats.connect(url)
        try:
            return [info.config.name or "" for info in await nc.jetstream().streams_info()]
        finally:
            await nc.close()

    return asyncio.run(go())


def _spawn(server: NatsMqtt, pg_url: str, subject: str, env: dict[str, str] | None = None) -> IngesterProc:
    return IngesterProc(
        "zeropark.ingest.nats",
        ["--url", server.url, "--subject", subject, "--ack-wait", "2", "--fetch-batch", "20"]
        + ["--max-delay", "0.1", "--rollup-every", "0"],
        pg_url,
        env or {},
    )


def test_device_mqtt_qos1_to_nats_listener_stored_exactly_once(
    nats_mqtt: NatsMqtt, pg_engine: Engine, pg_url: str, tmp_path: Path
) -> None:
    make_park(pg_engine)
    # the defaults: stream ZEROPARK on zeropark.>, the gateway's prefix zeropark
    ingester = _spawn(nats_mqtt, pg_url, "zeropark.>")
    ingester.wait_for("subscribed to")  # the stream exists before the first device message
    publisher, feed = _device(nats_mqtt, tmp_path, "zeropark")
    publisher.start()
    feed.start()
    try:
        feed.join(30)
        assert publisher.drain(60), f"{publisher.buffer.backlog()} messages not PUBACKed by NATS"
        assert (publisher.sent, publisher.acked) == (600, 600)
        wait_until(lambda: sum(n for n, _, _ in _by_meter(pg_engine).values()) >= READINGS)
        time.sleep(0.5)  # a second copy would show here (there must be none)
        assert _by_meter(pg_engine) == EXPECTED
        assert _counter(pg_engine) == {
            "received": READINGS,
            "stored": READINGS,
            "duplicates": 0,
            "conflicts": 0,
            "quarantined": 0,
        }
        wait_until(lambda: _stream_left(nats_mqtt.url, "ZEROPARK") == 0, 10)  # all 600 acknowledged
        # NATS made its own streams for the MQTT sessions, beside (not overlapping) the ingester's
        assert {"$MQTT_sess", "$MQTT_msgs", "$MQTT_rmsgs", "ZEROPARK"} <= set(_streams(nats_mqtt.url))
    finally:
        publisher.stop()
        code = ingester.terminate()
    assert code == 0, "".join(ingester.lines)


def test_three_ingesters_one_killed_device_over_mqtt(
    nats_mqtt: NatsMqtt, pg_engine: Engine, pg_url: str, tmp_path: Path
) -> None:
    """3 ingesters on one durable consumer; one is SIGKILLed after committing its 40th message and
    before acknowledging it and not restarted: JetStream redelivers to the two others after
    ``--ack-wait`` 2 s. A two-level device prefix ``zp/east`` is read with ``--subject zp.east.>``."""
    make_park(pg_engine)
    subject = "zp.east.>"
    procs = [_spawn(nats_mqtt, pg_url, subject, {CRASH_AFTER_COMMIT_ENV: "40"})]
    procs[0].wait_for("subscribed to")  # the first creates the stream; the others join its consumer
    procs += [_spawn(nats_mqtt, pg_url, subject), _spawn(nats_mqtt, pg_url, subject)]
    for p in procs[1:]:
        p.wait_for("subscribed to")
    publisher, feed = _device(nats_mqtt, tmp_path, "zp/east")
    publisher.start()
    feed.start()
    try:
        feed.join(30)
        assert publisher.drain(60), f"{publisher.buffer.backlog()} messages not PUBACKed by NATS"
        assert procs[0].proc.wait(30) == -signal.SIGKILL
        wait_until(lambda: sum(n for n, _, _ in _by_meter(pg_engine).values()) >= READINGS)
        wait_until(lambda: _stream_left(nats_mqtt.url, "ZEROPARK") == 0, 30)  # the redelivery was acked
        assert _by_meter(pg_engine) == EXPECTED  # none lost, none stored twice
        counts = _counter(pg_engine)
        # the killed member's last batch (committed, never acked) came again: duplicates, not rows
        assert counts["duplicates"] >= 1
        assert counts["stored"] == READINGS
        assert (counts["conflicts"], counts["quarantined"]) == (0, 0)
        assert_identity(pg_engine, "nats")
    finally:
        publisher.stop()
        codes = [p.terminate() for p in procs[1:]]
    assert codes == [0, 0]


def test_meter_id_with_a_dot_over_nats(nats_mqtt: NatsMqtt, pg_engine: Engine) -> None:
    """A meter id may hold a ``.`` (the meter register allows it). NATS's MQTT listener maps topic
    ``zeropark/P1/E1.5/reading`` to subject ``zeropark.P1.E1//5.reading`` (releases since mid-2023;
    Debian 12's 2.9.10, run here, refuses a topic with a ``.``, so the subject is published
    directly); the ingester reads it back as meter ``E1.5``, and :func:`reading_subject` publishes
    on that subject too. Before, the subject's dots all became slashes: ``zeropark/P1/E1//5/reading``
    (6 levels) and ``zeropark/P1/E1/5/reading`` (5) were quarantined as bad topics."""
    make_park(pg_engine)
    e15 = Meter(
        "E1.5", "P1", Carrier.ELECTRICITY, "kWh", Direction.CONSUMPTION, MeterKind.INTERVAL, interval_s=900
    )
    repo.add_meter(pg_engine, e15)
    ingester = NatsIngester(
        pg_engine, NatsConfig(url=nats_mqtt.url, stream="ZPDOT", subject="zeropark.>", max_delay_s=0.05)
    )
    run = threading.Thread(target=ingester.run, daemon=True)
    run.start()
    assert ingester.wait_subscribed(30)

    async def publish() -> None:
        nc = await nats.connect(nats_mqtt.url)
        js = nc.jetstream()
        one = {"ts": START.isoformat(), "value": 1.5, "unit": "kWh"}
        two = {"ts": (START + timedelta(minutes=15)).isoformat(), "value": 2.5, "unit": "kWh"}
        await js.publish("zeropark.P1.E1//5.reading", orjson.dumps([one]))  # as the MQTT listener maps it
        await js.publish(reading_subject("P1", "E1.5"), orjson.dumps([two]))
        await nc.close()

    try:
        asyncio.run(publish())
        wait_until(lambda: _rows_and_quarantined(pg_engine) >= 2, 30)
    finally:
        ingester.stop()
        run.join(30)
    assert _by_meter(pg_engine) == {"E1.5": (2, 2, 4.0)}  # 1.5 + 2.5
    assert reading_subject("P1", "E1.5") == "zeropark.P1.E1//5.reading"
    with pg_engine.connect() as c:
        assert c.scalar(select(func.count()).select_from(QuarantineRow)) == 0


def test_ingester_stops_without_abandoning_its_fetch_task(
    nats_mqtt: NatsMqtt, pg_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """A clean stop lets the fetch task end (it leaves after its current pull, ≤ 0.5 s) before the
    event loop stops. Before, the task was cancelled and the loop stopped at once: the task, still
    cancelling, was destroyed pending ("Task was destroyed but it is pending!" on every shutdown)."""
    ingester = NatsIngester(pg_engine, NatsConfig(url=nats_mqtt.url, stream="ZPSTOP", subject="zpstop.>"))
    run = threading.Thread(target=ingester.run, daemon=True)
    run.start()
    assert ingester.wait_subscribed(30)
    time.sleep(0.3)  # the fetch task is inside a pull request
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        ingester.stop()
        run.join(30)
        assert not run.is_alive()
        assert ingester._fetcher is not None and ingester._fetcher.done()
        del ingester
        gc.collect()
    assert "Task was destroyed but it is pending" not in caplog.text


@pytest.mark.parametrize(
    ("subject", "topic"),
    [
        # the pairs of the NATS documentation's "MQTT topics and NATS subjects" table
        ("zeropark.P1.E1.reading", "zeropark/P1/E1/reading"),
        ("zeropark.P1.E1//5.reading", "zeropark/P1/E1.5/reading"),  # '.' in a level
        ("/.foo", "/foo"),  # a leading empty level
        ("foo./", "foo/"),  # a trailing empty level
        ("foo./.bar", "foo//bar"),  # an empty level inside
    ],
)
def test_subject_topic_inverts_the_nats_mqtt_mapping(subject: str, topic: str) -> None:
    assert subject_topic(subject) == topic
