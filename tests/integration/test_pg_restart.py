"""A reading burst while PostgreSQL restarts: the ingester retries, acknowledges only what is
committed, and every reading ends up stored exactly once.

Runs against a private throwaway cluster (never the shared one on :5432, which others' tests use).
"""

from __future__ import annotations

import json
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt
import pytest
from ingest_helpers import assert_identity, make_park
from paho.mqtt.enums import CallbackAPIVersion
from private_pg import PrivateCluster
from sqlalchemy import Engine, func, select

from zeropark.ingest.mqtt import IngesterConfig, MqttIngester
from zeropark.store.db import make_engine
from zeropark.store.migrate import upgrade
from zeropark.store.schema import QuarantineRow, ReadingRow

pytestmark = [pytest.mark.mqtt, pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def private_pg() -> Iterator[PrivateCluster]:
    if shutil.which("pg_ctl") is None and not list(
        __import__("glob").glob("/usr/lib/postgresql/*/bin/pg_ctl")
    ):
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not installed")
    cluster = PrivateCluster()
    yield cluster
    cluster.destroy()


def _count(engine: Engine) -> tuple[int, int]:
    try:
        with engine.connect() as c:
            return (
                c.scalar(select(func.count()).select_from(ReadingRow)) or 0,
                c.scalar(select(func.count()).select_from(QuarantineRow)) or 0,
            )
    except Exception:
        return -1, -1


def test_burst_during_postgres_restart(
    private_pg: PrivateCluster, mqtt_broker: tuple[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("WARNING", logger="zeropark.ingest.mqtt")
    host, port = mqtt_broker
    engine = make_engine(private_pg.url)
    upgrade(engine)
    make_park(engine)
    prefix = f"zptest{uuid.uuid4().hex[:8]}"
    ing = MqttIngester(
        engine,
        IngesterConfig(
            host=host,
            port=port,
            topic=f"{prefix}/+/+/reading",
            client_id=f"t-pgr-{uuid.uuid4().hex[:8]}",
            max_delay_s=0.05,
            batch_rows=500,
        ),
    )
    t = threading.Thread(target=ing.run, daemon=True)
    t.start()
    assert ing.wait_subscribed()
    pub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"t-pub-{uuid.uuid4().hex[:8]}")
    pub.max_inflight_messages_set(100)
    pub.connect(host, port)
    pub.loop_start()
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    n_msgs, per_msg = 300, 10
    infos = []

    def burst() -> None:
        for m in range(n_msgs):
            items = [
                {"ts": (t0 + timedelta(minutes=15 * (m * per_msg + k))).isoformat(), "value": 1.0}
                for k in range(per_msg)
            ]
            if m % 50 == 7:
                items[0]["value"] = "bad"  # one quarantined reading every 50 messages
            infos.append(pub.publish(f"{prefix}/P1/E1/reading", json.dumps(items), qos=1))
            time.sleep(0.01)

    sender = threading.Thread(target=burst)
    sender.start()
    while len(infos) < 50:  # the burst is under way
        time.sleep(0.05)
    private_pg.stop()  # PostgreSQL away mid-burst …
    n_at_stop = len(infos)
    while len(infos) < n_at_stop + 50:  # … while ≥ 50 more messages arrive
        time.sleep(0.05)
    time.sleep(1.0)
    private_pg.start()
    sender.join()
    for i in infos:
        i.wait_for_publish(30)
    expected_bad = sum(1 for m in range(n_msgs) if m % 50 == 7)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _count(engine) != (n_msgs * per_msg - expected_bad, expected_bad):
        time.sleep(0.2)
    ing.stop()
    t.join(20)
    pub.loop_stop()
    assert _count(engine) == (n_msgs * per_msg - expected_bad, expected_bad)
    with engine.connect() as c:
        assert (
            c.scalar(select(func.count(func.distinct(ReadingRow.ts))).select_from(ReadingRow))
            == n_msgs * per_msg - expected_bad
        )
    assert "database unavailable" in caplog.text  # the outage was really hit and retried
    assert_identity(engine, "mqtt")
    engine.dispose()
