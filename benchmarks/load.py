"""Load test (#20): 50 parks × 2 000 meters on this machine — ingest, brokers, aggregation, accounting, API.

A private PostgreSQL cluster (``tests/integration/private_pg.py``: its own data directory and port,
so the machine's shared cluster is not loaded) gets ``--parks`` parks of ``--meters`` meters each
(meter 0 of a park is its grid import meter, the others consumption meters; 15-minute interval
meters in kWh). Then, one phase after the other (``--phases`` picks some; each phase that writes
readings takes hours of its own, so every reading is new), each timed with the CPU seconds of
every process group (this process / worker processes, publisher, broker, ingesters, the PostgreSQL
cluster, the API server) so the report says which group was the bottleneck:

1. **ingest** — ``--ingest-hours`` of quarter-hour readings of every meter through the ingester's
   own commit path (:class:`zeropark.ingest.batching.BatchIngester`: decode, validate, idempotent
   COPY write, counters, in batches of 20 000 readings), one message per meter and hour (a gateway
   batch of 4 readings); once with 1 ingester process, once with ``--ingesters`` in parallel, fed
   from memory: the ingester + database rate without a broker;
2. **broker-mqtt**, **broker-nats** — the same messages (``<prefix>/<park>/<meter>/reading``, a
   JSON array of ``{"ts", "value"}``: what gateways send) for ``--ingest-hours`` more hours, sent
   by a publisher process through the machine's broker to ``--ingesters`` processes of
   ``python -m zeropark.ingest.mqtt|nats`` (the deployment's processes, rollups off like phase 1):
   an MQTT v5 shared subscription ``$share/<group>/<prefix>/#`` on Mosquitto 127.0.0.1:1883 (QoS
   1, PUBACK after the commit), and a JetStream stream with one durable pull consumer shared by
   the processes (explicit ack after the commit). Timed from the first publish until the ingest
   counters show every reading received; the publisher keeps at most 160 000 readings not yet
   received (Mosquitto drops QoS 1 messages beyond a member's in-flight + queue limits). Checked
   afterwards: stored rows in the phase's hours = readings published, no duplicate, no conflict.
   Topic prefix, share group, client ids, stream and consumer are named per run; the JetStream
   stream and the members' MQTT sessions are deleted at the end. The broker's CPU is that of the
   ``mosquitto`` / ``nats-server`` process (found by name), which other users of the machine's
   broker also load;
3. **bulk** — the rest of ``--hours`` loaded by binary COPY (set-up for the next phase, timed);
4. **accounting** — every park's year accounted serially in this process
   (:func:`zeropark.services.province.account_province`, ``SerialFanout``): the month
   aggregation from raw readings, the accounting, the stored run per park;
5. **api** — ``zeropark serve`` (uvicorn, 1 worker) under ``--clients`` concurrent clients for
   ``--api-seconds``: a park, its indicators, the provincial view (50 parks' latest runs) in turn.

Printed: per phase the work, wall seconds, rate, CPU seconds per group and the resulting per-core
rate (work ÷ total CPU seconds), the load average before and after, and the saturation verdict
(the group whose CPU time ÷ wall time is highest; 2.0 = both cores of this machine).

Usage::

    PYTHONPATH=src .venv/bin/python benchmarks/load.py                       # 50 × 2000, 24 h
    PYTHONPATH=src .venv/bin/python benchmarks/load.py --parks 5 --meters 200 --hours 4   # smoke
    PYTHONPATH=src .venv/bin/python benchmarks/load.py --parks 5 --meters 200 --hours 4 \
        --phases broker-mqtt,broker-nats                                      # the brokers only
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson
import psutil
from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
from private_pg import PrivateCluster  # noqa: E402

from zeropark.ingest.batching import BatchIngester, BatchSettings, Delivery  # noqa: E402
from zeropark.model import Park, Role  # noqa: E402
from zeropark.services import province  # noqa: E402
from zeropark.services.users import create_user  # noqa: E402
from zeropark.settings import get_settings  # noqa: E402
from zeropark.store import repo  # noqa: E402
from zeropark.store.db import make_engine, transaction  # noqa: E402
from zeropark.store.migrate import upgrade  # noqa: E402
from zeropark.store.readings import bulk_load_readings  # noqa: E402
from zeropark.store.schema import IngestCounterRow, MeterRow, ReadingRow  # noqa: E402

YEAR = 2025
#: local midnight 1 January 2025 in UTC; readings are stamped at the end of each quarter-hour
T0 = datetime(YEAR, 1, 1, tzinfo=UTC) - timedelta(hours=8)
STEP_S = 900
PASSWORD = "load-test-password"
#: the phases, in the order they run
PHASES = ("ingest", "broker-mqtt", "broker-nats", "bulk", "accounting", "api")


# -- CPU accounting -------------------------------------------------------------------------------
def _cpu(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system + getattr(t, "children_user", 0.0) + getattr(t, "children_system", 0.0)
        except psutil.Error:
            pass
    return total


class PgCpu:
    """CPU seconds of the private cluster's processes (backends come and go: remembered by pid)."""

    def __init__(self, data: Path) -> None:
        self.root = psutil.Process(int((data / "postmaster.pid").read_text().split()[0]))
        self.seen: dict[tuple[int, float], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(0.25)

    def sample(self) -> None:
        for p in [self.root, *self.root.children(recursive=True)]:
            try:
                t = p.cpu_times()
                self.seen[(p.pid, p.create_time())] = t.user + t.system
            except psutil.Error:
                pass

    @property
    def cpu_s(self) -> float:
        self.sample()
        return sum(self.seen.values())

    def stop(self) -> None:
        self._stop.set()


@dataclass
class Phase:
    name: str
    work: float
    unit: str
    wall_s: float
    cpu: dict[str, float] = field(default_factory=dict)
    note: str = ""

    @property
    def cpu_total(self) -> float:
        return sum(self.cpu.values())

    def line(self) -> str:
        per_core = self.work / self.cpu_total if self.cpu_total else float("nan")
        groups = ", ".join(f"{k} {v:.1f} s ({v / self.wall_s:.2f} cores)" for k, v in self.cpu.items())
        busiest = max(self.cpu, key=lambda k: self.cpu[k]) if self.cpu else "-"
        return (
            f"{self.name:<22} {self.work:>12,.0f} {self.unit:<10} {self.wall_s:>8.1f} s  "
            f"{self.work / self.wall_s:>10,.0f} {self.unit}/s  per core {per_core:>9,.0f} {self.unit}/s\n"
            f"{'':<22} CPU: {groups}; busiest: {busiest}{('; ' + self.note) if self.note else ''}"
        )


def _measure(name: str, unit: str, groups: dict[str, Callable[[], float]], fn: Callable[[], float]) -> Phase:
    before = {k: g() for k, g in groups.items()}
    t = time.perf_counter()
    work = fn()
    wall = time.perf_counter() - t
    return Phase(name, work, unit, wall, {k: g() - before[k] for k, g in groups.items()})


# -- the parks ------------------------------------------------------------------------------------
def _meter_id(park: int, m: int) -> str:
    return f"L{park:03d}-M{m:04d}"


def _park_id(park: int) -> str:
    return f"L{park:03d}"


def register(engine: Any, parks: int, meters: int) -> None:
    for k in range(parks):
        repo.add_park(engine, Park(_park_id(k), f"负载园区{k:03d}", "江苏", "华东", 31.0 + k / 100, 120.0))
        rows = [
            {
                "id": _meter_id(k, m),
                "park_id": _park_id(k),
                "name": "",
                "carrier": "electricity",
                "unit": "kWh",
                "direction": "import" if m == 0 else "consumption",
                "kind": "interval",
                "level": 1 if m == 0 else 2,
                "parent_id": None,
                "multiplier": 1.0,
                "accuracy_class": 1.0,
                "rated_capacity": None,
                "interval_s": STEP_S,
                "register_max": None,
                "active": True,
                "technology": "",
            }
            for m in range(meters)
        ]
        with engine.begin() as c:
            c.execute(insert(MeterRow), rows)


def _value(park: int, m: int, step: int) -> float:
    # deterministic kWh per quarter-hour: a park-level import meter carries the sum of its
    # consumption meters' base load; values are exact binary fractions (no rounding questions)
    base = 2.0 + (m % 7) * 0.25
    return base * (1.0 + 0.5 * ((step // 4) % 24 >= 8))


def _messages(parks: int, meters: int, hour: int, depth_prefix: str) -> list[Delivery]:
    out = []
    for k in range(parks):
        for m in range(meters):
            items = [
                {
                    "ts": (T0 + timedelta(seconds=STEP_S * (hour * 4 + q + 1))).isoformat(),
                    "value": _value(k, m, hour * 4 + q) * (meters - 1 if m == 0 else 1),
                }
                for q in range(4)
            ]
            topic = f"{depth_prefix}/{_park_id(k)}/{_meter_id(k, m)}/reading"
            out.append(Delivery(0, 1, topic, orjson.dumps(items), 0))
    return out


class Replay(BatchIngester):
    """The ingester's commit path fed from memory (no broker)."""

    def _start(self) -> None:
        return None

    def _ack(self, batch: list[Delivery]) -> None:
        return None

    def _close(self) -> None:
        return None


def _ingest_worker(url: str, parks: int, meters: int, hours: list[int], out: Any) -> None:
    engine = make_engine(url)
    ing = Replay(engine, BatchSettings(batch_rows=20_000, source="load", earliest_year=2000))
    batches = []
    for h in hours:  # the messages are made first: their making is the gateways' work, not timed
        msgs = _messages(parks, meters, h, "zeropark")
        batches += [msgs[i : i + 5_000] for i in range(0, len(msgs), 5_000)]
    cpu, wall = time.process_time(), time.perf_counter()
    for batch in batches:  # 5 000 messages × 4 readings = one 20 000-reading batch, as the ingester's
        ing._commit_and_ack(batch)
    out.put((ing.totals.stored, time.process_time() - cpu, time.perf_counter() - wall))


def ingest(url: str, parks: int, meters: int, hours: list[int], processes: int) -> tuple[int, float, float]:
    """Ingest ``hours`` split over ``processes``: (stored, ingester CPU s, longest commit wall s)."""
    ctx = mp.get_context("fork")
    q: Any = ctx.Queue()
    shares = [hours[i::processes] for i in range(processes)]
    procs = [ctx.Process(target=_ingest_worker, args=(url, parks, meters, s, q)) for s in shares if s]
    for p in procs:
        p.start()
    results = [q.get() for _ in procs]
    for p in procs:
        p.join()
    return sum(r[0] for r in results), sum(r[1] for r in results), max(r[2] for r in results)


# -- broker phases ----------------------------------------------------------------------------------
MQTT_HOST, MQTT_PORT = "127.0.0.1", 1883
NATS_URL = "nats://127.0.0.1:4222"
#: readings published and not yet received by an ingester, at most (the publisher waits beyond):
#: 40 000 messages, well inside what Mosquitto holds for 2 members (65 535 in flight each, the
#: ingesters' Receive Maximum) — beyond that the broker would drop QoS 1 messages, a broker limit
#: that a real fleet of gateways, each sending once per interval, never reaches
WINDOW_READINGS = 160_000
ROOT = Path(__file__).resolve().parents[1]


def _received(engine: Any, source: str) -> tuple[int, int, int, int, int]:
    """The ingest counter of ``source``: received, stored, duplicates, conflicts, quarantined."""
    with engine.connect() as c:
        row = c.execute(
            select(
                IngestCounterRow.received,
                IngestCounterRow.stored,
                IngestCounterRow.duplicates,
                IngestCounterRow.conflicts,
                IngestCounterRow.quarantined,
            ).where(IngestCounterRow.source == source)
        ).first()
    return (
        (0, 0, 0, 0, 0) if row is None else (int(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4]))
    )


class _Window:
    """The publisher's flow control: wait while more than WINDOW_READINGS are not yet received."""

    def __init__(self, url: str, source: str) -> None:
        self.engine = make_engine(url)
        self.source = source
        self.waited_s = 0.0
        _received(self.engine, source)  # connect and compile before the clock starts

    def wait(self, published_readings: int) -> None:
        t = time.perf_counter()
        while published_readings - _received(self.engine, self.source)[0] > WINDOW_READINGS:
            time.sleep(0.05)
        self.waited_s += time.perf_counter() - t


def _publisher(
    backend: str, url: str, prefix: str, stream: str, parks: int, meters: int, hours: list[int], sync: Any
) -> None:
    """Publish every meter's hours (one message of 4 readings per meter and hour) once ``go`` is set."""
    ready, go, finish, out = sync
    msgs = [(d.topic, d.payload) for h in hours for d in _messages(parks, meters, h, prefix)]
    window = _Window(url, backend)
    if backend == "mqtt":
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        acked = [0]

        def on_publish(*_a: Any) -> None:
            acked[0] += 1

        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"{prefix}-publisher")
        client.max_inflight_messages_set(0)  # no client-side queue (paho scans it on every ack)
        client.on_publish = on_publish
        client.connect(MQTT_HOST, MQTT_PORT)
        client.loop_start()
        ready.set()
        go.wait()
        t = time.perf_counter()
        for i, (topic, payload) in enumerate(msgs):
            if i % 1_000 == 0:
                window.wait(i * 4)
                while i - acked[0] > 10_000:  # the broker's PUBACKs keep up with the publisher
                    time.sleep(0.005)
            client.publish(topic, payload, qos=1)
        while acked[0] < len(msgs) and time.perf_counter() - t < 600:
            time.sleep(0.01)
        out.put((len(msgs), acked[0], time.perf_counter() - t, window.waited_s))
        finish.wait()
        client.disconnect()
        client.loop_stop()
        return

    import asyncio

    import nats

    async def publish() -> tuple[int, float]:
        nc = await nats.connect(NATS_URL)
        js = nc.jetstream()
        ready.set()
        while not go.wait(0.05):
            await asyncio.sleep(0)
        t = time.perf_counter()
        acked = 0
        for i in range(0, len(msgs), 2_000):  # 2 000 publishes in flight, each awaiting its PubAck
            window.wait(i * 4)
            acks = await asyncio.gather(
                *(
                    js.publish(topic.replace("/", "."), payload, timeout=60, stream=stream)
                    for topic, payload in msgs[i : i + 2_000]
                )
            )
            acked += len(acks)
        await nc.close()
        return acked, time.perf_counter() - t

    acked_n, seconds = asyncio.run(publish())
    out.put((len(msgs), acked_n, seconds, window.waited_s))
    finish.wait()


class _Ingesters:
    """``--ingesters`` processes of ``python -m zeropark.ingest.mqtt|nats``, as a deployment runs them."""

    def __init__(self, backend: str, url: str, n: int, prefix: str, stream: str, logdir: Path) -> None:
        env = {
            **os.environ,
            "ZEROPARK_DATABASE_URL": url,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        }
        self.backend, self.prefix = backend, prefix
        self.client_ids = [f"{prefix}-ingest-{i}" for i in range(n)]
        self.logs = [logdir / f"{cid}.log" for cid in self.client_ids]
        common = ["--rollup-every", "0", "--batch-rows", "20000", "--max-delay", "0.25"]
        if backend == "mqtt":
            args = [
                [
                    "--url",
                    f"mqtt://{MQTT_HOST}:{MQTT_PORT}",
                    "--topic",
                    f"{prefix}/#",
                    "--shared",
                    f"g{prefix}",
                ]
                + ["--client-id", cid, *common]
                for cid in self.client_ids
            ]
        else:
            args = [
                ["--url", NATS_URL, "--stream", stream, "--subject", f"{prefix}.>", "--durable", f"d{prefix}"]
                + common
                for _ in self.client_ids
            ]
        self.procs = []
        for a, log_path in zip(args, self.logs, strict=True):
            with log_path.open("wb") as log:
                self.procs.append(
                    subprocess.Popen(
                        [sys.executable, "-m", f"zeropark.ingest.{backend}", *a],
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
        self.ps = [psutil.Process(p.pid) for p in self.procs]

    def wait_subscribed(self, timeout: float = 120.0) -> None:
        end = time.monotonic() + timeout
        for p, log in zip(self.procs, self.logs, strict=True):
            while "subscribed to" not in log.read_text(errors="replace"):
                if p.poll() is not None or time.monotonic() > end:
                    raise RuntimeError(f"ingester did not subscribe:\n{log.read_text(errors='replace')}")
                time.sleep(0.1)

    def cpu_s(self) -> float:
        return _cpu(self.ps)

    def stop(self) -> list[int]:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        codes = [p.wait(60) for p in self.procs]
        if self.backend == "mqtt":  # drop the members' persistent sessions (7 days otherwise)
            import paho.mqtt.client as mqtt
            from paho.mqtt.enums import CallbackAPIVersion

            for cid in self.client_ids:
                c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=cid, protocol=mqtt.MQTTv5)
                c.connect(MQTT_HOST, MQTT_PORT, clean_start=True)
                c.loop_start()
                time.sleep(0.2)
                c.disconnect()
                c.loop_stop()
        return codes


def _broker_process(name: str, port: int) -> list[psutil.Process]:
    """The broker's process(es): by name, the one listening on ``port`` if that can be told."""
    found = [p for p in psutil.process_iter(["name"]) if p.info["name"] == name]
    for p in found:
        try:
            if any(
                c.laddr and c.laddr.port == port and c.status == "LISTEN" for c in p.net_connections("tcp")
            ):
                return [p]
        except psutil.Error:
            pass
    return found


def _drop_stream(stream: str) -> None:
    import asyncio

    import nats
    from nats.js.errors import NotFoundError

    async def drop() -> None:
        nc = await nats.connect(NATS_URL)
        try:
            await nc.jetstream().delete_stream(stream)
        except NotFoundError:
            pass
        await nc.close()

    asyncio.run(drop())


def broker_phase(
    backend: str, url: str, parks: int, meters: int, hours: list[int], n_ingesters: int, pg_cpu: PgCpu
) -> Phase:
    """Publisher → broker → ``n_ingesters`` ingester processes → PostgreSQL, until all is committed."""
    tag = uuid.uuid4().hex[:8]
    prefix, stream = f"zpload{tag}", f"ZPLOAD{tag}"
    broker_name, broker_port = ("mosquitto", MQTT_PORT) if backend == "mqtt" else ("nats-server", 4222)
    broker = _broker_process(broker_name, broker_port)
    if not broker:
        raise RuntimeError(f"no {broker_name} process found")
    expected = parks * meters * len(hours) * 4
    logdir = Path(tempfile.mkdtemp(prefix=f"zeropark-load-{backend}-"))
    ingesters = _Ingesters(backend, url, n_ingesters, prefix, stream, logdir)
    ctx = mp.get_context("fork")
    sync = (ctx.Event(), ctx.Event(), ctx.Event(), ctx.Queue())
    pub = ctx.Process(target=_publisher, args=(backend, url, prefix, stream, parks, meters, hours, sync))
    engine = make_engine(url)
    try:
        ingesters.wait_subscribed()
        pub.start()
        ready, go, finish, out = sync
        if not ready.wait(600):
            raise RuntimeError("the publisher did not get ready")
        pub_ps = psutil.Process(pub.pid)
        groups: dict[str, Callable[[], float]] = {
            "publisher": lambda: _cpu([pub_ps]),
            broker_name: lambda: _cpu(broker),
            "ingesters": ingesters.cpu_s,
            "postgres": lambda: pg_cpu.cpu_s,
        }
        before = {k: g() for k, g in groups.items()}
        t = time.perf_counter()
        go.set()
        published: tuple[int, int, float, float] | None = None
        last, last_change = -1, time.monotonic()
        while True:
            received = _received(engine, backend)[0]
            if published is None and not out.empty():
                published = out.get()
            if received >= expected and published is not None:
                break
            if published is None and not pub.is_alive() and out.empty():
                raise RuntimeError(f"the publisher died (exit code {pub.exitcode})")
            members = zip(ingesters.procs, ingesters.logs, strict=True)
            if dead := [log.name for p, log in members if p.poll() is not None]:
                raise RuntimeError(f"ingester(s) exited during the phase; see {', '.join(dead)} in {logdir}")
            if received != last:
                last, last_change = received, time.monotonic()
            elif published is not None and time.monotonic() - last_change > 60:
                break  # nothing more arrives: readings were lost (reported below)
            time.sleep(0.1)
        wall = time.perf_counter() - t
        cpu = {k: g() - before[k] for k, g in groups.items()}
        time.sleep(2.0)  # a late redelivery would land now (and show as a duplicate)
        counter = _received(engine, backend)
        lo = T0 + timedelta(seconds=STEP_S * hours[0] * 4)
        hi = T0 + timedelta(seconds=STEP_S * (hours[-1] + 1) * 4)
        with engine.connect() as c:
            rows = int(
                c.scalar(
                    select(func.count())
                    .select_from(ReadingRow)
                    .where(ReadingRow.ts > lo, ReadingRow.ts <= hi)
                )
                or 0
            )
        finish.set()
        pub.join(60)
    finally:
        codes = ingesters.stop()
        if pub.is_alive():
            pub.terminate()
        if backend == "nats":
            _drop_stream(stream)
        engine.dispose()
    assert published is not None
    n_msgs, acked, pub_s, waited_s = published
    ph = Phase(f"{backend} broker ×{n_ingesters} ingesters", counter[1], "readings", wall, cpu)
    published_readings = n_msgs * 4
    lost, duplicated = published_readings - rows, counter[2] + counter[3]
    verdict = "OK" if lost == 0 and duplicated == 0 and acked == n_msgs and rows == expected else "MISMATCH"
    pad = "\n" + " " * 23
    ph.note = (
        f"published {n_msgs:,} messages = {published_readings:,} readings, {acked:,} acknowledged by "
        f"the broker (publisher {pub_s:.1f} s, {waited_s:.1f} s of it waiting for the window)"
        f"{pad}check: stored {rows:,} rows in the phase's hours = published {published_readings:,}? "
        f"lost {lost:,}, duplicated {counter[2]:,} (+ {counter[3]:,} conflicts), quarantined {counter[4]:,} "
        f"→ {verdict}; ingester exit codes {codes}"
        f"{pad}{broker_name}: {cpu[broker_name] / max(1, counter[1]) * 1e6:.1f} µs CPU per reading; "
        f"all groups {sum(cpu.values()) / max(1, counter[1]) * 1e6:.1f} µs per reading"
    )
    shutil.rmtree(logdir, ignore_errors=True)
    return ph


# -- API ------------------------------------------------------------------------------------------
def api_phase(
    url: str, parks: int, clients: int, seconds: float
) -> tuple[int, list[float], int, psutil.Process]:
    env = {
        **os.environ,
        "ZEROPARK_DATABASE_URL": url,
        "ZEROPARK_SECRET_KEY": "load-test-secret-" + "x" * 24,
    }
    port = 18_000 + os.getpid() % 1000
    server = subprocess.Popen(
        [sys.executable, "-m", "zeropark", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    login = httpx.post(f"{base}/api/v1/auth/login", json={"username": "load-admin", "password": PASSWORD})
    login.raise_for_status()
    cookies = dict(login.cookies)
    paths = []
    for k in range(parks):
        paths += [f"/api/v1/parks/{_park_id(k)}", f"/api/v1/parks/{_park_id(k)}/indicators?year={YEAR}"]
    paths.append(f"/api/v1/province/view?year={YEAR}")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    proc = psutil.Process(server.pid)

    def client(i: int) -> None:
        with httpx.Client(base_url=base, cookies=cookies, timeout=60) as c:
            n = i
            while time.monotonic() < stop:
                path = paths[n % len(paths)]
                n += clients
                t = time.perf_counter()
                r = c.get(path)
                dt = time.perf_counter() - t
                with lock:
                    latencies.append(dt)
                    if r.status_code != 200:
                        errors[0] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    before = _cpu([proc])
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    used = _cpu([proc]) - before
    server.terminate()
    server.wait(30)
    return len(latencies), latencies, errors[0], used


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parks", type=int, default=50)
    ap.add_argument("--meters", type=int, default=2000)
    ap.add_argument("--hours", type=int, default=24, help="hours of readings in all (ingested + bulk)")
    ap.add_argument("--ingest-hours", type=int, default=2, help="hours through the ingester (per run)")
    ap.add_argument("--ingesters", type=int, default=2)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--api-seconds", type=float, default=20.0)
    ap.add_argument(
        "--phases",
        default=",".join(PHASES),
        help=f"comma-separated; they run in the order {','.join(PHASES)} (default: all)",
    )
    args = ap.parse_args()
    wanted = {p.strip() for p in args.phases.split(",") if p.strip()}
    if unknown := wanted - set(PHASES):
        ap.error(f"unknown phase(s) {', '.join(sorted(unknown))}; choose from {', '.join(PHASES)}")
    load_before = os.getloadavg()
    print(
        f"load test: {args.parks} parks × {args.meters} meters, {args.hours} h of 15-min readings; "
        f"{os.cpu_count()} CPUs; load average {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}"
    )
    pg = PrivateCluster()
    pg_cpu = PgCpu(pg.data)
    me = psutil.Process()
    phases: list[Phase] = []
    try:
        engine = make_engine(pg.url)
        upgrade(engine)
        t = time.perf_counter()
        register(engine, args.parks, args.meters)
        with transaction(engine) as s:
            create_user(s, username="load-admin", password=PASSWORD, role=Role.ADMIN)
        print(f"registered {args.parks * args.meters:,} meters in {time.perf_counter() - t:.1f} s")
        n_meters = args.parks * args.meters

        engine.dispose()  # the ingest processes are forked: no pooled connection crosses the fork
        next_hour = 0  # every phase that writes readings takes hours of its own: every reading is new

        def take(n: int) -> list[int]:
            nonlocal next_hour
            next_hour += n
            return list(range(next_hour - n, next_hour))

        # 1. ingest: 1 process, then N in parallel (different hours, so every reading is new)
        runs = []
        if "ingest" in wanted:
            runs = [
                ("ingest ×1 process", take(args.ingest_hours), 1),
                (f"ingest ×{args.ingesters} processes", take(args.ingest_hours), args.ingesters),
            ]
        for label, hours, n in runs:
            pg_before = pg_cpu.cpu_s
            stored, ing_cpu, wall = ingest(pg.url, args.parks, args.meters, hours, n)
            ph = Phase(
                label, stored, "readings", wall, {"ingesters": ing_cpu, "postgres": pg_cpu.cpu_s - pg_before}
            )
            need_peak = n_meters / 60
            ph.note = (
                f"needed: average {n_meters / 900:,.0f}/s, synchronised peak {need_peak:,.0f}/s "
                f"(all meters within 60 s) → headroom ×{ph.work / ph.wall_s / need_peak:.1f}"
            )
            phases.append(ph)
            print(ph.line(), flush=True)

        # 1b. the same through the brokers: publisher → broker → N ingester processes → PostgreSQL
        for backend in ("mqtt", "nats"):
            if f"broker-{backend}" in wanted:
                ph = broker_phase(
                    backend, pg.url, args.parks, args.meters, take(args.ingest_hours), args.ingesters, pg_cpu
                )
                phases.append(ph)
                print(ph.line(), flush=True)

        # 2. the rest of the hours by COPY
        done_hours = next_hour
        rest = args.hours - done_hours

        def bulk() -> float:
            total = 0
            steps = np.arange(done_hours * 4, args.hours * 4)
            ts = np.datetime64(T0.replace(tzinfo=None), "s") + (steps + 1) * np.timedelta64(STEP_S, "s")
            for k in range(args.parks):
                ids = np.repeat([_meter_id(k, m) for m in range(args.meters)], len(steps))
                stamps = np.tile(ts, args.meters)
                vals = np.array(
                    [
                        _value(k, m, int(s)) * (args.meters - 1 if m == 0 else 1)
                        for m in range(args.meters)
                        for s in steps
                    ]
                )
                total += bulk_load_readings(engine, ids, stamps, vals, source="load-bulk")
            return float(total)

        loaded_hours = next_hour
        if rest > 0 and "bulk" in wanted:
            loaded_hours = args.hours
            ph = _measure(
                "bulk COPY (set-up)",
                "readings",
                {"this": lambda: _cpu([me]), "postgres": lambda: pg_cpu.cpu_s},
                bulk,
            )
            phases.append(ph)
            print(ph.line(), flush=True)

        # 3. accounting: the month aggregation from raw readings + accounting + stored run, per park
        if "accounting" in wanted:
            parks = [_park_id(k) for k in range(args.parks)]
            view: list[province.ProvinceView] = []

            def account() -> float:
                view.append(
                    province.account_province(
                        pg.url,
                        parks,
                        YEAR,
                        factor_set=get_settings().factor_set,
                        fanout=province.SerialFanout(),
                    )
                )
                return float(n_meters * loaded_hours * 4)

            ph = _measure(
                "accounting (serial)",
                "readings",
                {"this": lambda: _cpu([me]), "postgres": lambda: pg_cpu.cpu_s},
                account,
            )
            ph.note = (
                f"{args.parks} parks in {ph.wall_s:.1f} s = {ph.wall_s / args.parks:.2f} s per park; "
                f"provincial total {view[0].total_tco2e:,.3f} tCO2"
            )
            phases.append(ph)
            print(ph.line(), flush=True)

        # 4. API
        if "api" in wanted:
            before_pg = pg_cpu.cpu_s
            t = time.perf_counter()
            n, lat, errors, server_cpu = api_phase(pg.url, args.parks, args.clients, args.api_seconds)
            wall = time.perf_counter() - t
            ph = Phase(
                "api",
                n,
                "requests",
                args.api_seconds,
                {"server": server_cpu, "postgres": pg_cpu.cpu_s - before_pg},
            )
            lat.sort()
            ph.note = (
                f"{args.clients} clients; p50 {statistics.median(lat) * 1000:.0f} ms, "
                f"p95 {lat[int(len(lat) * 0.95)] * 1000:.0f} ms, {errors} non-200; "
                f"(phase wall incl. server start-up {wall:.1f} s)"
            )
            phases.append(ph)
            print(ph.line(), flush=True)
    finally:
        pg_cpu.stop()
        pg.destroy()
    load_after = os.getloadavg()
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    print("\nsummary (per-core rate = work ÷ CPU seconds of every process group):")
    for ph in phases:
        print(ph.line())


if __name__ == "__main__":
    main()
