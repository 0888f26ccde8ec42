"""Load test (#20): 50 parks × 2 000 meters on this machine — ingest, aggregation, accounting, API.

A private PostgreSQL cluster (``tests/integration/private_pg.py``: its own data directory and port,
so the machine's shared cluster is not loaded) gets ``--parks`` parks of ``--meters`` meters each
(meter 0 of a park is its grid import meter, the others consumption meters; 15-minute interval
meters in kWh). Then, one phase after the other, each timed with the CPU seconds of every process
group (this process / worker processes, the PostgreSQL cluster, the API server) so the report
says which group was the bottleneck:

1. **ingest** — ``--ingest-hours`` of quarter-hour readings of every meter through the ingester's
   own commit path (:class:`zeropark.ingest.batching.BatchIngester`: decode, validate, idempotent
   COPY write, counters, in batches of 20 000 readings), one message per meter and hour (a gateway
   batch of 4 readings); once with 1 ingester process, once with ``--ingesters`` in parallel. The
   broker is left out (its cost is in ``benchmarks/ingest.py``): this is the ingester + database
   rate;
2. **bulk** — the rest of ``--hours`` loaded by binary COPY (set-up for the next phase, timed);
3. **accounting** — every park's year accounted serially in this process
   (:func:`zeropark.services.province.account_province`, ``SerialFanout``): the month
   aggregation from raw readings, the accounting, the stored run per park;
4. **api** — ``zeropark serve`` (uvicorn, 1 worker) under ``--clients`` concurrent clients for
   ``--api-seconds``: a park, its indicators, the provincial view (50 parks' latest runs) in turn.

Printed: per phase the work, wall seconds, rate, CPU seconds per group and the resulting per-core
rate (work ÷ total CPU seconds), the load average before and after, and the saturation verdict
(the group whose CPU time ÷ wall time is highest; 2.0 = both cores of this machine).

Usage::

    PYTHONPATH=src .venv/bin/python benchmarks/load.py                       # 50 × 2000, 24 h
    PYTHONPATH=src .venv/bin/python benchmarks/load.py --parks 5 --meters 200 --hours 4   # smoke
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson
import psutil
from sqlalchemy import insert

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
from zeropark.store.schema import MeterRow  # noqa: E402

YEAR = 2025
#: local midnight 1 January 2025 in UTC; readings are stamped at the end of each quarter-hour
T0 = datetime(YEAR, 1, 1, tzinfo=UTC) - timedelta(hours=8)
STEP_S = 900
PASSWORD = "load-test-password"


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
    args = ap.parse_args()
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
        # 1. ingest: 1 process, then N in parallel (different hours, so every reading is new)
        hours_1 = list(range(args.ingest_hours))
        hours_n = list(range(args.ingest_hours, args.ingest_hours * 2))
        runs = (
            ("ingest ×1 process", hours_1, 1),
            (f"ingest ×{args.ingesters} processes", hours_n, args.ingesters),
        )
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

        # 2. the rest of the hours by COPY
        done_hours = args.ingest_hours * 2
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

        if rest > 0:
            ph = _measure(
                "bulk COPY (set-up)",
                "readings",
                {"this": lambda: _cpu([me]), "postgres": lambda: pg_cpu.cpu_s},
                bulk,
            )
            phases.append(ph)
            print(ph.line(), flush=True)

        # 3. accounting: the month aggregation from raw readings + accounting + stored run, per park
        parks = [_park_id(k) for k in range(args.parks)]
        view: list[province.ProvinceView] = []

        def account() -> float:
            view.append(
                province.account_province(
                    pg.url, parks, YEAR, factor_set=get_settings().factor_set, fanout=province.SerialFanout()
                )
            )
            return float(n_meters * args.hours * 4)

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
        pg.stop()
    load_after = os.getloadavg()
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    print("\nsummary (per-core rate = work ÷ CPU seconds of every process group):")
    for ph in phases:
        print(ph.line())


if __name__ == "__main__":
    main()
