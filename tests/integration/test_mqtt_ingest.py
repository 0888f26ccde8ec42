"""MQTT → rows through the real Mosquitto: round trip, shared subscriptions, kill -9 before commit.

Each test uses its own topic prefix and client ids (other engineers' tests share the broker).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from ingest_helpers import assert_identity, counts, make_park, wait_until
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Engine, func, select

import zeropark
from zeropark.demo.simulator import _BAD_KINDS, SimConfig, run_simulation, synthetic_meters
from zeropark.ingest.mqtt import CRASH_AFTER_COMMIT_ENV, CRASH_ENV, IngesterConfig, MqttIngester
from zeropark.services.ingestion import mqtt_ingester
from zeropark.store.schema import IngestCounterRow, ReadingRow, RollupRow

pytestmark = pytest.mark.mqtt


def _publisher(host: str, port: int) -> mqtt.Client:
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"test-pub-{uuid.uuid4().hex[:8]}")
    c.connect(host, port)
    c.loop_start()
    return c


def _publish_all(c: mqtt.Client, msgs: list[tuple[str, str | bytes]]) -> None:
    infos = [c.publish(t, p, qos=1) for t, p in msgs]
    for info in infos:
        info.wait_for_publish(10)


def _received(engine: Engine, source: str = "mqtt") -> int:
    with engine.connect() as c:
        return c.scalar(select(IngestCounterRow.received).where(IngestCounterRow.source == source)) or 0


def _readings(engine: Engine) -> int:
    with engine.connect() as c:
        return c.scalar(select(func.count()).select_from(ReadingRow)) or 0


def _ts(k: int) -> str:
    return (datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=15 * k)).isoformat()


def test_round_trip_single_batch_and_bad(engine: Engine, mqtt_broker: tuple[str, int]) -> None:
    host, port = mqtt_broker
    make_park(engine)
    prefix = f"zptest{uuid.uuid4().hex[:8]}"
    ing = mqtt_ingester(  # the ingester every door runs: rollups wired after commit
        engine,
        IngesterConfig(
            host=host,
            port=port,
            topic=f"{prefix}/+/+/reading",
            client_id=f"t-{uuid.uuid4().hex[:8]}",
            max_delay_s=0.05,
            notify_every_s=0.1,  # incremental rollups as data arrives
        ),
    )
    t = threading.Thread(target=ing.run, daemon=True)
    t.start()
    assert ing.wait_subscribed()
    pub = _publisher(host, port)
    _publish_all(
        pub,
        [
            (f"{prefix}/P1/E1/reading", json.dumps({"ts": _ts(0), "value": 1.5})),
            (f"{prefix}/P1/E1/reading", json.dumps([{"ts": _ts(k), "value": 2.0} for k in range(1, 5)])),
            (f"{prefix}/P1/E1/reading", json.dumps({"ts": _ts(0), "value": 1.5})),  # duplicate
            (f"{prefix}/P1/E1/reading", b"{not json"),  # malformed message
            (f"{prefix}/P1/GHOST/reading", json.dumps({"ts": _ts(0), "value": 1.0})),  # unknown meter
            (f"{prefix}/P2/E1/reading", json.dumps({"ts": _ts(9), "value": 1.0})),  # wrong park in topic
            (
                f"{prefix}/P1/R1/reading",
                json.dumps({"ts": _ts(0), "value": 12.5, "unit": "MWh"}),
            ),  # 12500 kWh
        ],
    )
    wait_until(lambda: _received(engine) >= 10, 30)
    ing.stop()
    t.join(10)
    pub.loop_stop()
    c = counts(engine)
    assert c["readings"] == 6 and c["quarantine"] == 3
    # rollups maintained by the ingester. E1 is a 15-min interval meter: the value at ts covers
    # [ts − 15 min, ts), so 1.5 @ 00:00Z lands in hour 23:00Z of the day before and 4 × 2.0
    # @ 00:15…01:00Z fill hour 00:00Z (8.0 kWh, 4 of 4 intervals).
    with engine.connect() as conn:
        hours = conn.execute(
            select(RollupRow.value, RollupRow.n_present)
            .where(RollupRow.meter_id == "E1", RollupRow.bucket == "hour")
            .order_by(RollupRow.start)
        ).all()
    assert [tuple(h) for h in hours] == [(1.5, 1), (8.0, 4)]
    with engine.connect() as conn:
        r1 = conn.scalar(select(ReadingRow.value).where(ReadingRow.meter_id == "R1"))
        row = conn.execute(select(IngestCounterRow.__table__).where(IngestCounterRow.source == "mqtt")).one()
    assert r1 == 12500.0
    assert (row.received, row.stored, row.duplicates, row.quarantined) == (10, 6, 1, 3)
    assert_identity(engine, "mqtt")


def test_shared_subscription_spreads_and_counts_exactly(
    pg_engine: Engine, mqtt_broker: tuple[str, int]
) -> None:
    host, port = mqtt_broker
    make_park(pg_engine)
    prefix = f"zptest{uuid.uuid4().hex[:8]}"
    group = f"g{uuid.uuid4().hex[:6]}"
    ingesters = [
        MqttIngester(
            pg_engine,
            IngesterConfig(
                host=host,
                port=port,
                topic=f"{prefix}/+/+/reading",
                share_group=group,
                client_id=f"t-{group}-{i}",
                max_delay_s=0.05,
            ),
        )
        for i in range(2)
    ]
    threads = [threading.Thread(target=i.run, daemon=True) for i in ingesters]
    for t in threads:
        t.start()
    assert all(i.wait_subscribed() for i in ingesters)
    pub = _publisher(host, port)
    _publish_all(
        pub, [(f"{prefix}/P1/E1/reading", json.dumps({"ts": _ts(k), "value": 1.0})) for k in range(200)]
    )
    wait_until(lambda: _readings(pg_engine) >= 200, 30)
    for i in ingesters:
        i.stop()
    for t in threads:
        t.join(10)
    pub.loop_stop()
    shares = [i.totals.received for i in ingesters]
    assert sum(shares) == 200 and min(shares) > 0, shares
    assert _readings(pg_engine) == 200


def _spawn(
    pg_url: str, host: str, port: int, prefix: str, client_id: str, env_extra: dict[str, str]
) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "ZEROPARK_DATABASE_URL": pg_url,
        "ZEROPARK_MQTT_URL": f"mqtt://{host}:{port}",
        # the code under test (a relative PYTHONPATH=src does not reach this cwd; the installed
        # copy may be another checkout's)
        "PYTHONPATH": str(Path(zeropark.__file__).resolve().parents[1]),
        **env_extra,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zeropark.ingest.mqtt",
            "--topic",
            f"{prefix}/+/+/reading",
            "--client-id",
            client_id,
            "--max-delay",
            "0.5",
            "--rollup-every",
            "0",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=Path(__file__).parent,
    )


def _wait_line(proc: subprocess.Popen[str], needle: str, timeout: float = 30.0) -> None:
    assert proc.stdout is not None
    end = time.monotonic() + timeout
    seen = []
    while time.monotonic() < end:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if needle in line:
            return
    raise AssertionError(f"'{needle}' not printed by the ingester:\n{''.join(seen)}")


@pytest.mark.parametrize("hook", [CRASH_ENV, CRASH_AFTER_COMMIT_ENV])
def test_kill_9_loses_nothing_and_duplicates_nothing(
    pg_engine: Engine, pg_url: str, mqtt_broker: tuple[str, int], hook: str
) -> None:
    """Crash before commit: redelivered and stored once. Crash after commit, before ack: redelivered,
    the repeat is a duplicate no-op. Either way exactly 50 readings, none twice."""
    host, port = mqtt_broker
    make_park(pg_engine)
    prefix = f"zptest{uuid.uuid4().hex[:8]}"
    client_id = f"t-crash-{uuid.uuid4().hex[:8]}"
    proc = _spawn(pg_url, host, port, prefix, client_id, {hook: "1"})
    _wait_line(proc, "subscribed to")
    pub = _publisher(host, port)
    msgs = [
        (f"{prefix}/P1/E1/reading", json.dumps([{"ts": _ts(10 * m + k), "value": 1.0} for k in range(5)]))
        for m in range(10)
    ]
    _publish_all(pub, msgs)
    assert proc.wait(30) == -signal.SIGKILL
    first = _readings(pg_engine)
    if hook == CRASH_ENV:
        assert first == 0  # killed before the commit: nothing stored yet
    else:
        assert first > 0  # killed after the commit, before the acknowledgement
    proc2 = _spawn(pg_url, host, port, prefix, client_id, {})
    try:
        _wait_line(proc2, "subscribed to")
        wait_until(lambda: _readings(pg_engine) >= 50, 30)
        time.sleep(1.5)  # let any redelivered duplicate arrive
    finally:
        proc2.send_signal(signal.SIGTERM)
        assert proc2.wait(30) == 0
    pub.loop_stop()
    with pg_engine.connect() as c:
        n, distinct = c.execute(
            select(func.count(), func.count(func.distinct(ReadingRow.ts))).select_from(ReadingRow)
        ).one()
    assert (n, distinct) == (50, 50)
    assert_identity(pg_engine, "mqtt")
    if hook == CRASH_AFTER_COMMIT_ENV:  # the committed, unacknowledged messages came again: no-ops
        with pg_engine.connect() as c:
            duplicates = c.scalar(
                select(IngestCounterRow.duplicates).where(IngestCounterRow.source == "mqtt")
            )
        assert duplicates is not None and duplicates >= first


def test_simulator_end_to_end_exact_count(pg_engine: Engine, mqtt_broker: tuple[str, int]) -> None:
    """The simulator's records (incl. deliberately bad ones) = readings stored + records quarantined."""
    from zeropark.model import Carrier, Direction, Meter, MeterKind
    from zeropark.store import repo
    from zeropark.store.schema import QuarantineRow

    host, port = mqtt_broker
    make_park(pg_engine, "SIMP")
    meters = synthetic_meters(4, park_id="SIMP", seed=3)
    for m in meters:
        kind = MeterKind.CUMULATIVE if m.cumulative else MeterKind.INTERVAL
        repo.add_meter(
            pg_engine,
            Meter(
                m.meter_id,
                "SIMP",
                Carrier.ELECTRICITY,
                "kWh",
                Direction.CONSUMPTION,
                kind,
                interval_s=1,
                register_max=m.register_max,
            ),
        )
    prefix = f"zptest{uuid.uuid4().hex[:8]}"
    ing = MqttIngester(
        pg_engine,
        IngesterConfig(
            host=host,
            port=port,
            topic=f"{prefix}/#",  # wide, as the default: the simulator's bad_topic kind is quarantined
            client_id=f"t-sim-{uuid.uuid4().hex[:8]}",
            max_delay_s=0.05,
        ),
    )
    t = threading.Thread(target=ing.run, daemon=True)
    t.start()
    assert ing.wait_subscribed()
    stats = run_simulation(
        meters,
        SimConfig(
            host=host,
            port=port,
            prefix=prefix,
            rate_per_meter=20,
            batch=4,
            duration_s=3.0,
            bad_share=0.6,
            seed=5,
        ),
    )
    assert stats.bad > 0 and stats.acked == stats.messages
    assert set(stats.bad_kinds) == set(_BAD_KINDS), stats.bad_kinds  # every kind, poison ones included

    def total() -> int:
        with pg_engine.connect() as c:
            q = c.scalar(select(func.count()).select_from(QuarantineRow)) or 0
        return _readings(pg_engine) + q

    wait_until(lambda: total() >= stats.records, 30)
    assert t.is_alive()  # the poison kinds of the mix (issue 12) did not stop the ingester
    ing.stop()
    t.join(10)
    assert total() == stats.records
    assert _readings(pg_engine) == stats.readings
    assert_identity(pg_engine, "mqtt")
