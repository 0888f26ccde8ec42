"""HTTP API under load: 50 concurrent clients against the demo park on PostgreSQL.

Builds the demo park (示例数据, one year of readings by default) in a fresh PostgreSQL database,
with its 15-min/hour/day/month rollups as ``zeropark demo`` does, accounts 2025 with both methods
through the API, serves the app with uvicorn in a subprocess (uvloop and httptools when installed,
as ``uvicorn[standard]`` brings them) and lets N closed-loop clients (each one request at a time,
no think time, one session each) hit overview, inventory and monitoring endpoints for D seconds.
Prints p50/p95/p99 latency per endpoint group and overall, requests per second, and the CPU time
the server, the load generator and PostgreSQL used during the timed phase: the load generator
runs on the same cores as the server, so its share is part of the picture.

    .venv/bin/python benchmarks/api.py                           # full year, 50 clients, 60 s
    .venv/bin/python benchmarks/api.py --days 31 --duration 20   # quicker
    .venv/bin/python benchmarks/api.py --database-url postgresql+psycopg://postgres@127.0.0.1/zp_bench \\
        --skip-build                                             # reuse a database built before
    .venv/bin/python benchmarks/api.py --client httpx            # the earlier load generator

Load generator: ``--client aiohttp`` (default) or ``--client httpx`` (the generator of the first
measurements). Both send the same mix the same way; httpx costs about 1.5–2 ms of CPU per request
on this machine against well under 1 ms for aiohttp, CPU the server then lacks on a 2-core
machine — compare the two with the printed CPU split.

Target: p95 < 100 ms. Inventories are cached per run id and indicators per run, so a request
never recomputes the books; the data-quality report is shared for 300 s (refreshed in the
background). The warm-up (6 clients × the mix, untimed) only fills those per-process caches.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import httpx
import psutil
from sqlalchemy import create_engine, select, text

from zeropark import demo
from zeropark.services.users import ensure_demo_users
from zeropark.store.db import make_engine, transaction
from zeropark.store.migrate import upgrade
from zeropark.store.schema import MeterRow

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
YEAR = demo.DEFAULT_YEAR
PARK = demo.PARK_ID


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _build(url: str, days: int | None) -> None:
    from zeropark.monitoring.rollups import build_rollups

    t = time.perf_counter()
    park = demo.generate(size=demo.DemoSize(days=days))
    eng = make_engine(url)
    upgrade(eng)
    demo.write_demo(eng, park)
    print(
        f"demo park built: {len(park.meters)} meters, {park.n_readings:,} readings "
        f"in {time.perf_counter() - t:.0f} s"
    )
    t = time.perf_counter()
    build_rollups(eng, [m.id for m in park.meters])  # as `zeropark demo` does; the rollups route reads them
    eng.dispose()
    print(f"rollups of {len(park.meters)} meters built in {time.perf_counter() - t:.0f} s")


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49], q[94], q[98]


class _Client:
    """One closed-loop client with its own session cookie and keep-alive connection."""

    def __init__(self) -> None:
        self.headers: dict[str, str] = {}  # X-CSRF-Token after login

    async def get(self, path: str) -> tuple[int, bytes]:
        """GET ``path``; the status and the whole body (read before the clock stops)."""
        raise NotImplementedError

    async def post(self, path: str, body: dict[str, object]) -> tuple[int, bytes]:
        """POST JSON ``body`` to ``path``; the status and the body."""
        raise NotImplementedError

    async def close(self) -> None:
        """Close the connection."""
        raise NotImplementedError


class _HttpxClient(_Client):
    def __init__(self, base: str) -> None:
        super().__init__()
        self.c = httpx.AsyncClient(base_url=base, timeout=30.0)

    async def get(self, path: str) -> tuple[int, bytes]:
        r = await self.c.get(path, headers=self.headers)
        return r.status_code, r.content

    async def post(self, path: str, body: dict[str, object]) -> tuple[int, bytes]:
        r = await self.c.post(path, json=body, headers=self.headers)
        return r.status_code, r.content

    async def close(self) -> None:
        await self.c.aclose()


class _AiohttpClient(_Client):
    def __init__(self, base: str) -> None:
        import aiohttp

        super().__init__()
        self.base = base
        self.c = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),  # keep cookies of 127.0.0.1
            connector=aiohttp.TCPConnector(limit=1),
            timeout=aiohttp.ClientTimeout(total=30.0),
        )

    async def get(self, path: str) -> tuple[int, bytes]:
        async with self.c.get(self.base + path, headers=self.headers) as r:
            return r.status, await r.read()

    async def post(self, path: str, body: dict[str, object]) -> tuple[int, bytes]:
        async with self.c.post(self.base + path, json=body, headers=self.headers) as r:
            return r.status, await r.read()

    async def close(self) -> None:
        await self.c.close()


def _client(kind: str, base: str) -> _Client:
    return _AiohttpClient(base) if kind == "aiohttp" else _HttpxClient(base)


async def _login(kind: str, base: str, username: str, password: str) -> _Client:
    client = _client(kind, base)
    status, body = await client.post("/api/v1/auth/login", {"username": username, "password": password})
    if status != 200:
        raise RuntimeError(f"login failed: {status} {body[:200]!r}")
    client.headers = {"X-CSRF-Token": json.loads(body)["csrf_token"]}
    return client


def _cpu(processes: list[psutil.Process]) -> dict[int, float]:
    """User + system CPU seconds of each live process of ``processes``, by pid."""
    out: dict[int, float] = {}
    for p in processes:
        try:
            t = p.cpu_times()
            out[p.pid] = t.user + t.system
        except psutil.Error:
            pass
    return out


def _used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two snapshots by the processes alive at the second."""
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


def _postgres() -> list[psutil.Process]:
    """Every PostgreSQL process on the machine now (the cluster is shared: an upper bound)."""
    return [p for p in psutil.process_iter(["name"]) if (p.info["name"] or "").startswith("postgres")]


def _endpoint(path: str) -> str:
    """The route of ``path`` (ids replaced by placeholders) for the per-endpoint table."""
    import re

    path = path.split("?")[0]
    path = re.sub(r"/meters/[^/]+", "/meters/{id}", path)
    path = re.sub(r"/inventory-runs/\d+", "/inventory-runs/{id}", path)
    return re.sub(r"/line-items/[^/]+", "/line-items/{id}", path)


def _requests(run_ids: dict[str, int], line_ids: list[str], meters: list[str]) -> list[tuple[str, str]]:
    """(group, path) of the mix; a client picks one at random per request."""
    day = datetime(YEAR, 6, 1, tzinfo=UTC) + timedelta(days=random.randint(0, 150))
    start = day.strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (day + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    meter = random.choice(meters)
    nat = run_ids["national"]
    line = random.choice(line_ids)
    return [
        ("overview", f"/api/v1/parks/{PARK}"),
        ("overview", f"/api/v1/parks/{PARK}/indicators?year={YEAR}"),
        ("overview", f"/api/v1/parks/{PARK}/inventory-runs/compare?year={YEAR}"),
        ("inventory", f"/api/v1/inventory-runs/{nat}"),
        ("inventory", f"/api/v1/inventory-runs/{run_ids['ghg']}/line-items?limit=50"),
        ("inventory", f"/api/v1/inventory-runs/{nat}/line-items/{line}"),
        ("monitoring", f"/api/v1/parks/{PARK}/alarms?state=open&limit=20"),
        ("monitoring", f"/api/v1/meters/{meter}/readings?start={start}&end={end}&limit=200"),
        ("monitoring", f"/api/v1/meters/{meter}/rollups?bucket=hour&start={start}&end={end}"),
        ("monitoring", f"/api/v1/parks/{PARK}/quality?year={YEAR}&limit=20"),
        ("monitoring", f"/api/v1/parks/{PARK}/meters?limit=50"),
    ]


async def _worker(
    client: _Client,
    stop_at: float,
    run_ids: dict[str, int],
    line_ids: list[str],
    meters: list[str],
    lat: dict[str, list[float]],
    errors: dict[str, int],
    by_path: dict[str, list[float]],
) -> None:
    while time.perf_counter() < stop_at:
        group, path = random.choice(_requests(run_ids, line_ids, meters))
        t = time.perf_counter()
        try:
            status, _ = await client.get(path)
            ok = status == 200
        except Exception:  # a refused or broken connection counts as an error, not a crash
            ok = False
        lat[group].append(time.perf_counter() - t)
        by_path[_endpoint(path)].append(time.perf_counter() - t)
        if not ok:
            errors[path.split("?")[0]] += 1


async def _load(
    kind: str,
    base: str,
    password: str,
    clients: int,
    duration: float,
    meters: list[str],
    server: list[psutil.Process],
) -> None:
    admin = await _login(kind, base, "demo-manager", password)
    runs: dict[str, int] = {}
    for method in ("national", "ghg"):
        t = time.perf_counter()
        status, body = await admin.post(
            f"/api/v1/parks/{PARK}/inventory-runs", {"year": YEAR, "method": method}
        )
        if status != 201:
            raise RuntimeError(f"accounting failed: {status} {body[:300]!r}")
        runs[method] = json.loads(body)["id"]
        print(
            f"{method} run {runs[method]} accounted and saved via the API in {time.perf_counter() - t:.1f} s"
        )
    _, body = await admin.get(f"/api/v1/inventory-runs/{runs['national']}/line-items?limit=1000")
    from urllib.parse import quote

    line_ids = [quote(li["id"], safe="") for li in json.loads(body)["items"]]
    sessions = [await _login(kind, base, "demo-manager", password) for _ in range(clients)]
    # warm every worker's caches (the first indicator/quality request of a worker computes, then all
    # reuse): each client sends the whole mix once, untimed
    t = time.perf_counter()
    for _, path in _requests(runs, line_ids, meters):  # a few at a time per path reach both workers
        await asyncio.gather(*(c.get(path) for c in sessions[:6]))
    print(f"warm-up (6 × mix, untimed): {time.perf_counter() - t:.1f} s")
    lat: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    cpu0 = (_cpu(server), {0: time.process_time()}, _cpu(_postgres()))
    t0 = time.perf_counter()
    stop_at = t0 + duration
    by_path: dict[str, list[float]] = defaultdict(list)
    await asyncio.gather(
        *(_worker(c, stop_at, runs, line_ids, meters, lat, errors, by_path) for c in sessions)
    )
    elapsed = time.perf_counter() - t0
    cpu1 = (_cpu(server), {0: time.process_time()}, _cpu(_postgres()))
    for c in [*sessions, admin]:
        await c.close()
    everything = [x for v in lat.values() for x in v]
    n = len(everything)
    print(f"\n{clients} clients ({kind}), {elapsed:.0f} s, {n:,} requests, {n / elapsed:.0f} req/s")
    cores = psutil.cpu_count() or 1
    for label, i in (("server (uvicorn workers)", 0), ("load generator", 1), ("postgres (all, shared)", 2)):
        used = _used(cpu0[i], cpu1[i])
        print(
            f"CPU {label:<26}{used:7.1f} s = {used / elapsed / cores * 100:5.1f} % of {cores} cores, "
            f"{used / max(n, 1) * 1e3:5.2f} ms per request"
        )
    print(f"{'group':<12}{'n':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    for group in ("overview", "inventory", "monitoring"):
        p50, p95, p99 = _percentiles(lat[group])
        print(f"{group:<12}{len(lat[group]):>8}{p50 * 1e3:>10.1f}{p95 * 1e3:>10.1f}{p99 * 1e3:>10.1f}")
    p50, p95, p99 = _percentiles(everything)
    print(f"{'all':<12}{len(everything):>8}{p50 * 1e3:>10.1f}{p95 * 1e3:>10.1f}{p99 * 1e3:>10.1f}")
    print(f"\n{'endpoint':<58}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}")
    for ep, values in sorted(by_path.items()):
        p50, p95, _ = _percentiles(values)
        print(f"{ep:<58}{len(values):>6}{p50 * 1e3:>9.1f}{p95 * 1e3:>9.1f}")
    p50, p95, p99 = _percentiles(everything)
    print(f"p95 target < 100 ms: {'met' if p95 < 0.1 else 'NOT met'} (p95 = {p95 * 1e3:.1f} ms)")
    if errors:
        print("non-200 answers:", dict(errors))
    print(f"load average (1, 5, 15 min) after the run: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--days", type=int, default=None, help="days of demo readings (default: the whole year)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="uvicorn worker processes")
    ap.add_argument("--admin-url", default=ADMIN_URL, help="PostgreSQL admin URL (a fresh database is made)")
    ap.add_argument("--database-url", default=None, help="use this database instead of a fresh one")
    ap.add_argument("--skip-build", action="store_true", help="the database already holds the demo park")
    ap.add_argument(
        "--client",
        choices=("aiohttp", "httpx"),
        default="aiohttp",
        help="load generator library (httpx: the one of the first measurements, about 2x the CPU)",
    )
    args = ap.parse_args()

    fresh = args.database_url is None
    name = f"zeropark_bench_{uuid.uuid4().hex[:8]}"
    url = args.database_url or args.admin_url.rsplit("/", 1)[0] + f"/{name}"
    admin = create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    if fresh:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    proc = None
    try:
        if not args.skip_build:
            _build(url, args.days)
        eng = make_engine(url)
        upgrade(eng)
        users = {u: p for u, p, _ in ensure_demo_users(eng, PARK)}
        with transaction(eng) as s:
            meters = list(s.scalars(select(MeterRow.id).where(MeterRow.park_id == PARK)))
        eng.dispose()
        port = _free_port()
        env = {**os.environ, "ZEROPARK_DATABASE_URL": url, "ZEROPARK_SECRET_KEY": uuid.uuid4().hex * 2}
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "zeropark.app:create_app",
            "--factory",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        server_log = tempfile.NamedTemporaryFile(
            "w", prefix="zeropark-bench-uvicorn-", suffix=".log", delete=False
        )
        proc = subprocess.Popen(cmd, env=env, stdout=server_log, stderr=subprocess.STDOUT)
        print(f"server log: {server_log.name}")
        base = f"http://127.0.0.1:{port}"
        for _ in range(240):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        print(f"uvicorn: {args.workers} worker(s) on {base}; database {url.rsplit('/', 1)[1]}")
        print(f"load average before the run: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        root = psutil.Process(proc.pid)
        server = [root, *root.children(recursive=True)]
        asyncio.run(
            _load(args.client, base, users["demo-manager"], args.clients, args.duration, meters, server)
        )
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        if fresh:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
