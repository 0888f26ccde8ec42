"""HTTP API under load: 50 concurrent clients against the demo park on PostgreSQL.

Builds the demo park (示例数据, one year of readings by default) in a fresh PostgreSQL database,
accounts 2025 with both methods through the API, serves the app with uvicorn in a subprocess and
lets N async clients (httpx) hit overview, inventory and monitoring endpoints for D seconds.
Prints p50/p95/p99 latency per endpoint group and overall, and requests per second.

    .venv/bin/python benchmarks/api.py                           # full year, 50 clients, 60 s
    .venv/bin/python benchmarks/api.py --days 31 --duration 20   # quicker
    .venv/bin/python benchmarks/api.py --database-url postgresql+psycopg://postgres@127.0.0.1/zp_bench \\
        --skip-build                                             # reuse a database built before

Target: p95 < 100 ms. Inventories are cached per run id and indicators per run, so a request
never recomputes the books; the data-quality report is shared for 60 s.
"""

from __future__ import annotations

import argparse
import asyncio
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
from sqlalchemy import create_engine, select, text

from zeropark import demo
from zeropark.api.auth import ensure_demo_users
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
    t = time.perf_counter()
    park = demo.generate(size=demo.DemoSize(days=days))
    eng = make_engine(url)
    upgrade(eng)
    demo.write_demo(eng, park)
    eng.dispose()
    print(
        f"demo park built: {len(park.meters)} meters, {park.n_readings:,} readings "
        f"in {time.perf_counter() - t:.0f} s"
    )


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49], q[94], q[98]


async def _login(base: str, username: str, password: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=30.0)
    r = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    r.raise_for_status()
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return client


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
    client: httpx.AsyncClient,
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
            r = await client.get(path)
            ok = r.status_code == 200
        except httpx.HTTPError:
            ok = False
        lat[group].append(time.perf_counter() - t)
        by_path[_endpoint(path)].append(time.perf_counter() - t)
        if not ok:
            errors[path.split("?")[0]] += 1


async def _load(base: str, password: str, clients: int, duration: float, meters: list[str]) -> None:
    admin = await _login(base, "demo-manager", password)
    runs: dict[str, int] = {}
    for method in ("national", "ghg"):
        t = time.perf_counter()
        r = await admin.post(f"/api/v1/parks/{PARK}/inventory-runs", json={"year": YEAR, "method": method})
        r.raise_for_status()
        runs[method] = r.json()["id"]
        print(
            f"{method} run {runs[method]} accounted and saved via the API in {time.perf_counter() - t:.1f} s"
        )
    r = await admin.get(f"/api/v1/inventory-runs/{runs['national']}/line-items?limit=1000")
    from urllib.parse import quote

    line_ids = [quote(li["id"], safe="") for li in r.json()["items"]]
    sessions = [await _login(base, "demo-manager", password) for _ in range(clients)]
    # warm every worker's caches (the first indicator/quality request of a worker computes, then all
    # reuse): each client sends the whole mix once, untimed
    t = time.perf_counter()
    for _, path in _requests(runs, line_ids, meters):  # a few at a time per path reach both workers
        await asyncio.gather(*(c.get(path) for c in sessions[:6]))
    print(f"warm-up (6 × mix, untimed): {time.perf_counter() - t:.1f} s")
    lat: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    t0 = time.perf_counter()
    stop_at = t0 + duration
    by_path: dict[str, list[float]] = defaultdict(list)
    await asyncio.gather(
        *(_worker(c, stop_at, runs, line_ids, meters, lat, errors, by_path) for c in sessions)
    )
    elapsed = time.perf_counter() - t0
    for c in [*sessions, admin]:
        await c.aclose()
    everything = [x for v in lat.values() for x in v]
    print(
        f"\n{clients} clients, {elapsed:.0f} s, {len(everything):,} requests, "
        f"{len(everything) / elapsed:.0f} req/s"
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--days", type=int, default=None, help="days of demo readings (default: the whole year)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="uvicorn worker processes")
    ap.add_argument("--admin-url", default=ADMIN_URL, help="PostgreSQL admin URL (a fresh database is made)")
    ap.add_argument("--database-url", default=None, help="use this database instead of a fresh one")
    ap.add_argument("--skip-build", action="store_true", help="the database already holds the demo park")
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
            "zeropark.api.app:create_app",
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
        asyncio.run(_load(base, users["demo-manager"], args.clients, args.duration, meters))
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
