"""MQTT ingest benchmark: N simulated meters → Mosquitto → ingester(s) → PostgreSQL.

    .venv/bin/python benchmarks/ingest.py                      # steady mode, 2000 meters, 60 s
    .venv/bin/python benchmarks/ingest.py --mode chaos         # kill -9 ingester ×2, PostgreSQL restart ×1
    .venv/bin/python benchmarks/ingest.py --meters 500 --rate 10 --duration 30   # smaller run
    .venv/bin/python benchmarks/ingest.py --mode file --rows 1000000   # streaming CSV: RSS vs size

``--bad-share`` (default 0.1 %) is the share of messages that carry a bad record, spread evenly
over the simulator's kinds (``zeropark.demo.simulator._BAD_KINDS``): the ordinary quarantine
reasons and the poison messages of issue 12 (NUL bytes, ``0001-01-01``, epoch ``1e20``, 100 000
nested ``[``, a year-1800 reading beside current ones, 1970, a topic of the wrong shape). The
result lists what was sent per kind, what was quarantined per reason, and whether every ingester
was still alive at the end.

Prints sustained readings/s (stored rows over the publishing window), end-to-end lag p50/p99
(``reading.received_at − reading.ts``; ``received_at`` is the writing transaction's start, the
timestamp is the meter's — so lag includes up to one batch span of gateway-side batching),
peak RSS of each ingester process, and the exact count check:
records sent (PUBACKed by the broker) = readings stored + records quarantined (+ duplicates 0),
with the ``ingest_counter`` identity.

PostgreSQL: a private throwaway cluster on a free port (``tests/integration/private_pg.py``), so
the machine's shared cluster is never loaded or restarted. MQTT: the machine's Mosquitto
(127.0.0.1:1883) in steady mode. In chaos mode a private Mosquitto on a free port with
``max_queued_messages 0`` (no limit): the machine's broker keeps the default limit of 1000
queued messages per offline session and would *drop* messages while a killed ingester is down —
a broker setting a production deployment must raise (docs/ingestion.md), not an ingester fault.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import func, insert, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from private_pg import PrivateCluster  # noqa: E402

from zeropark.demo.simulator import SimConfig, SimMeter, run_simulation, synthetic_meters  # noqa: E402
from zeropark.model import Park  # noqa: E402
from zeropark.store import repo  # noqa: E402
from zeropark.store.db import make_engine  # noqa: E402
from zeropark.store.migrate import upgrade  # noqa: E402
from zeropark.store.schema import IngestCounterRow, MeterRow, QuarantineRow, ReadingRow  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateBroker:
    """A private Mosquitto with no queue limit for offline persistent sessions."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="zeropark-mqtt-"))
        self.port = _free_port()
        conf = self.dir / "mosquitto.conf"
        conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
            "max_queued_messages 0\nmax_inflight_messages 0\n"
        )
        mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.proc = subprocess.Popen(
            [mosquitto, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("private mosquitto did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def _publisher(meters: list[SimMeter], cfg: SimConfig, out: Any) -> None:
    stats = run_simulation(meters, cfg)
    out.put(
        (
            stats.records,
            stats.readings,
            stats.bad,
            stats.messages,
            stats.acked,
            stats.seconds,
            stats.bad_kinds,
        )
    )


class Ingester:
    """One ingester process (python -m zeropark.ingest.mqtt) with RSS sampling."""

    def __init__(self, idx: int, db_url: str, host: str, port: int, topic: str, group: str) -> None:
        self.idx, self.db_url, self.host, self.port, self.topic, self.group = (
            idx,
            db_url,
            host,
            port,
            topic,
            group,
        )
        self.client_id = f"bench-ingest-{group}-{idx}"
        self.peak_rss = 0
        self.cpu_s_done = 0.0  # CPU seconds of earlier (killed/stopped) processes of this ingester
        self.cpu_s_now = 0.0  # of the running process, at the last sample
        self.cpu_s_base = 0.0  # CPU spent before publishing started (imports, connect)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = open(Path(tempfile.gettempdir()) / f"{self.client_id}.log", "ab")  # noqa: SIM115

    def start(self) -> None:
        env = {
            **os.environ,
            "ZEROPARK_DATABASE_URL": self.db_url,
            "ZEROPARK_MQTT_URL": f"mqtt://{self.host}:{self.port}",
        }
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "zeropark.ingest.mqtt",
                "--topic",
                self.topic,
                "--share-group",
                self.group,
                "--client-id",
                self.client_id,
                "--rollup-every",
                "0",
                "--batch-rows",
                "20000",
                "--max-delay",
                "0.2",
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def sample(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                proc = psutil.Process(self.proc.pid)
                self.peak_rss = max(self.peak_rss, proc.memory_info().rss)
                cpu = proc.cpu_times()
                self.cpu_s_now = cpu.user + cpu.system
            except psutil.Error:
                pass

    @property
    def cpu_s(self) -> float:
        """CPU seconds (user + system) of this ingester since publishing started."""
        return self.cpu_s_done + self.cpu_s_now - self.cpu_s_base

    def kill9(self) -> None:
        assert self.proc is not None
        self.sample()
        self.cpu_s_done += self.cpu_s_now
        self.cpu_s_now = 0.0
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def terminate(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(60)


class PgCpu:
    """CPU seconds (user + system) used by the private cluster's processes, across restarts."""

    def __init__(self, data_dir: Path) -> None:
        self.pidfile = data_dir / "postmaster.pid"
        self.seen: dict[tuple[int, float], float] = {}  # (pid, create_time) → last CPU seconds

    def sample(self) -> None:
        try:
            root = psutil.Process(int(self.pidfile.read_text().split()[0]))
            procs = [root, *root.children(recursive=True)]
        except (OSError, ValueError, IndexError, psutil.Error):
            return
        for proc in procs:
            try:
                cpu = proc.cpu_times()
                self.seen[(proc.pid, proc.create_time())] = cpu.user + cpu.system
            except psutil.Error:
                pass

    @property
    def cpu_s(self) -> float:
        return sum(self.seen.values())


def _register(engine: Any, meters: list[SimMeter], park: str) -> None:
    repo.add_park(engine, Park(park, "基准园区 (benchmark)", "江苏", "华东", 31.3, 120.6))
    with engine.begin() as c:
        c.execute(
            insert(MeterRow),
            [
                {
                    "id": m.meter_id,
                    "park_id": park,
                    "name": "",
                    "carrier": "electricity",
                    "unit": "kWh",
                    "direction": "consumption",
                    "kind": "cumulative" if m.cumulative else "interval",
                    "level": 1,
                    "multiplier": 1.0,
                    "accuracy_class": 1.0,
                    "rated_capacity": None,
                    "interval_s": 1,
                    "register_max": m.register_max,
                    "active": True,
                    "technology": "",
                }
                for m in meters
            ],
        )


def _counts(engine: Any) -> dict[str, int]:
    with engine.connect() as c:
        counter = c.execute(
            select(
                func.coalesce(func.sum(IngestCounterRow.received), 0),
                func.coalesce(func.sum(IngestCounterRow.stored), 0),
                func.coalesce(func.sum(IngestCounterRow.duplicates), 0),
                func.coalesce(func.sum(IngestCounterRow.conflicts), 0),
                func.coalesce(func.sum(IngestCounterRow.quarantined), 0),
            )
        ).one()
        return {
            "rows": c.scalar(select(func.count()).select_from(ReadingRow)) or 0,
            "quarantine_rows": c.scalar(select(func.count()).select_from(QuarantineRow)) or 0,
            "received": int(counter[0]),
            "stored": int(counter[1]),
            "duplicates": int(counter[2]),
            "conflicts": int(counter[3]),
            "quarantined": int(counter[4]),
        }


def run(args: argparse.Namespace) -> dict[str, Any]:
    pg = PrivateCluster()
    broker = PrivateBroker() if args.mode == "chaos" else None
    host, port = "127.0.0.1", broker.port if broker else 1883
    engine = make_engine(pg.url)
    upgrade(engine)
    with engine.begin() as conn0:  # a benchmark database: durability of each commit as in production
        conn0.execute(text("SELECT 1"))
    tag = uuid.uuid4().hex[:6]
    park = f"B{tag}"
    prefix = f"zpbench{tag}"
    meters = [
        SimMeter(park, m.meter_id, m.cumulative, m.rated, 1, m.register_start, m.register_max)
        for m in synthetic_meters(args.meters, park_id=park)
    ]
    _register(engine, meters, park)
    ingesters = [Ingester(i, pg.url, host, port, f"{prefix}/#", f"g{tag}") for i in range(args.ingesters)]
    for ing in ingesters:
        ing.start()
    time.sleep(args.warmup)  # imports + subscribe
    ctx = mp.get_context("spawn")
    out: Any = ctx.Queue()
    procs = []
    slices = [meters[i :: args.publishers] for i in range(args.publishers)]
    for i, chunk in enumerate(slices):
        cfg = SimConfig(
            host=host,
            port=port,
            prefix=prefix,
            rate_per_meter=args.rate,
            speed=1.0,
            batch=args.batch,
            duration_s=args.duration,
            bad_share=args.bad_share,
            seed=i + 1,
            client_id=f"bench-pub-{tag}-{i}",
        )
        p = ctx.Process(target=_publisher, args=(chunk, cfg, out))
        p.start()
        procs.append(p)
    t0 = time.monotonic()
    load_start = os.getloadavg()
    pg_cpu = PgCpu(pg.data)
    pg_cpu.sample()
    pg_cpu_base = pg_cpu.cpu_s
    for ing in ingesters:
        ing.sample()
        ing.cpu_s_base = ing.cpu_s_now
    events: list[str] = []
    stop_sampling = threading.Event()

    def sampler() -> None:
        while not stop_sampling.is_set():
            for ing in ingesters:
                ing.sample()
            pg_cpu.sample()
            stop_sampling.wait(0.5)

    threading.Thread(target=sampler, daemon=True).start()
    if args.mode == "chaos":
        plan = [(args.duration * 0.25, "kill"), (args.duration * 0.5, "pg"), (args.duration * 0.75, "kill")]
        for at, what in plan:
            time.sleep(max(0.0, t0 + at - time.monotonic()))
            if what == "kill":
                victim = ingesters[0]
                victim.kill9()
                events.append(f"t={time.monotonic() - t0:.1f}s kill -9 ingester {victim.client_id}")
                time.sleep(args.down)
                victim.start()
                events.append(f"t={time.monotonic() - t0:.1f}s restarted {victim.client_id}")
            else:
                pg.stop()
                events.append(f"t={time.monotonic() - t0:.1f}s PostgreSQL stopped")
                time.sleep(args.down)
                pg.start()
                events.append(f"t={time.monotonic() - t0:.1f}s PostgreSQL started")
    pub_stats = [out.get() for _ in procs]
    for p in procs:
        p.join()
    publish_s = max(s[5] for s in pub_stats)
    sent = sum(s[0] for s in pub_stats)
    acked_msgs = sum(s[4] for s in pub_stats)
    msgs = sum(s[3] for s in pub_stats)
    bad_sent: dict[str, int] = {}
    for st in pub_stats:
        for kind, n in st[6].items():
            bad_sent[kind] = bad_sent.get(kind, 0) + n
    # drain: wait until every sent record is accounted for (or the drain timeout)
    deadline = time.monotonic() + args.drain
    while time.monotonic() < deadline:
        c = _counts(engine)
        if c["rows"] + c["quarantine_rows"] >= sent:
            break
        time.sleep(1.0)
    drained_s = time.monotonic() - t0
    time.sleep(2.0)  # any late redelivery (duplicates) lands now
    for ing in ingesters:
        ing.sample()
    pg_cpu.sample()
    load_end = os.getloadavg()
    alive = [ing.proc is not None and ing.proc.poll() is None for ing in ingesters]
    codes = [ing.terminate() for ing in ingesters]
    stop_sampling.set()
    c = _counts(engine)
    with engine.connect() as conn:
        lag = conn.execute(
            text(
                "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM received_at - ts)),"
                " percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM received_at - ts)),"
                " extract(epoch FROM max(received_at) - min(received_at)) FROM reading"
            )
        ).one()
        per_second = [
            r[0]
            for r in conn.execute(
                text("SELECT count(*) FROM reading GROUP BY date_trunc('second', received_at) ORDER BY 1")
            )
        ]
    with engine.connect() as conn:
        reasons = dict(
            conn.execute(select(QuarantineRow.reason, func.count()).group_by(QuarantineRow.reason)).all()
        )
    engine.dispose()
    pg.destroy()
    if broker:
        broker.stop()
    span = float(lag[2] or 0.0)
    result = {
        "mode": args.mode,
        "meters": args.meters,
        "target_readings_per_s": args.meters * args.rate,
        "batch": args.batch,
        "ingesters": args.ingesters,
        "publishers": args.publishers,
        "publish_window_s": round(publish_s, 1),
        "drained_at_s": round(drained_s, 1),
        "messages_published": msgs,
        "messages_acked_by_broker": acked_msgs,
        "records_sent": sent,
        **c,
        "sustained_readings_per_s": round(c["rows"] / span) if span else 0,
        "median_commit_second_rows": statistics.median(per_second) if per_second else 0,
        "lag_p50_s": round(float(lag[0] or 0), 3),
        "lag_p99_s": round(float(lag[1] or 0), 3),
        "ingester_peak_rss_mb": [round(i.peak_rss / 2**20, 1) for i in ingesters],
        "ingester_cpu_s": [round(i.cpu_s, 1) for i in ingesters],
        # load-independent cost: CPU seconds of all ingesters per million records handled
        "ingester_cpu_s_per_1M_readings": round(
            sum(i.cpu_s for i in ingesters) / max(1, c["rows"] + c["quarantine_rows"]) * 1e6, 2
        ),
        # PostgreSQL's share (all server processes; backends that exited between samples are
        # counted up to their last 0.5 s sample, so this is a slight underestimate)
        "postgres_cpu_s_per_1M_readings": round(
            (pg_cpu.cpu_s - pg_cpu_base) / max(1, c["rows"] + c["quarantine_rows"]) * 1e6, 2
        ),
        "load_avg_1m_start_end": [round(load_start[0], 1), round(load_end[0], 1)],
        "ingesters_alive_at_end": alive,
        "ingester_exit_codes": codes,
        "bad_sent_by_kind": dict(sorted(bad_sent.items())),
        "quarantine_by_reason": {k: int(v) for k, v in sorted(reasons.items())},
        "lost": sent - (c["rows"] + c["quarantine_rows"]),
        "duplicated_rows": 0,  # (meter, ts) is the primary key: a second copy cannot be a row
        "counter_identity": c["received"]
        == c["stored"] + c["duplicates"] + c["conflicts"] + c["quarantined"],
        "events": events,
    }
    return result


def run_file(args: argparse.Namespace) -> dict[str, Any]:
    """Import a generated CSV of ``--rows`` readings into a private PostgreSQL; peak RSS vs file size."""
    import resource

    from zeropark.ingest.files import import_readings

    pg = PrivateCluster()
    engine = make_engine(pg.url)
    upgrade(engine)
    park = "BFILE"
    meters = [SimMeter(park, f"F-{i:05d}") for i in range(args.meters)]
    _register(engine, meters, park)
    path = Path(tempfile.mkdtemp(prefix="zeropark-file-")) / "export.csv"
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with path.open("w", encoding="utf-8") as fh:
        fh.write("表号,采集时间,读数\n")
        per_meter = max(1, args.rows // args.meters)
        base = datetime(2026, 1, 1)
        for k in range(per_meter):
            ts = (base + timedelta(minutes=15 * k)).strftime("%Y-%m-%d %H:%M:%S")
            fh.writelines(f"{m.meter_id},{ts},{1 + (k % 7) * 0.5}\n" for m in meters)
    size_mb = path.stat().st_size / 2**20
    t = time.monotonic()
    res = import_readings(engine, path)
    seconds = time.monotonic() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    engine.dispose()
    pg.destroy()
    shutil.rmtree(path.parent, ignore_errors=True)
    return {
        "mode": "file",
        "file_mb": round(size_mb, 1),
        "rows": res.rows,
        "stored": res.stored,
        "quarantined": res.quarantined,
        "seconds": round(seconds, 1),
        "rows_per_s": round(res.rows / seconds),
        "peak_rss_mb_before_import": round(rss_before, 1),
        "peak_rss_mb": round(peak, 1),
        "lost": res.rows - res.stored - res.quarantined - res.duplicates - res.conflicts,
        "counter_identity": True,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", choices=["steady", "chaos", "file"], default="steady")
    p.add_argument("--rows", type=int, default=1_000_000, help="file mode: readings in the CSV")
    p.add_argument("--meters", type=int, default=2000)
    p.add_argument("--rate", type=float, default=30.0, help="readings per second per meter")
    p.add_argument("--batch", type=int, default=100, help="readings per MQTT message")
    p.add_argument("--duration", type=float, default=60.0, help="publishing window [s]")
    p.add_argument("--publishers", type=int, default=2)
    p.add_argument("--ingesters", type=int, default=2)
    p.add_argument("--bad-share", type=float, default=0.001)
    p.add_argument("--warmup", type=float, default=8.0)
    p.add_argument("--down", type=float, default=3.0, help="outage length in chaos mode [s]")
    p.add_argument("--drain", type=float, default=300.0, help="longest wait for the backlog [s]")
    args = p.parse_args()
    r = run_file(args) if args.mode == "file" else run(args)
    width = max(len(k) for k in r)
    for k, v in r.items():
        if k == "events" and isinstance(v, list):
            for e in v:
                print(f"{'event':<{width}}  {e}")
        else:
            print(f"{k:<{width}}  {v}")
    ok = r["lost"] == 0 and r["counter_identity"]
    print(
        "RESULT",
        "OK: zero lost, zero duplicated rows" if ok else "FAILED: records lost or counters unbalanced",
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
