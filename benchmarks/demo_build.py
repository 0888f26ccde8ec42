"""Demo park build time: generation (pure) and writing (SQLite file, optionally PostgreSQL).

Prints medians of several runs and the write rate in readings per second.

    .venv/bin/python benchmarks/demo_build.py                    # full park, SQLite, 1 write run
    .venv/bin/python benchmarks/demo_build.py --days 31 --runs 3 # one month, 3 runs
    .venv/bin/python benchmarks/demo_build.py --postgres postgresql+psycopg://postgres@127.0.0.1/postgres

With --postgres a fresh database is created next to the given admin URL and dropped afterwards.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from zeropark import demo
from zeropark.store.db import make_engine
from zeropark.store.migrate import upgrade


def _time_generate(size: demo.DemoSize, runs: int) -> tuple[float, demo.DemoPark]:
    times = []
    park = None
    for _ in range(runs):
        t = time.perf_counter()
        park = demo.generate(size=size)
        times.append(time.perf_counter() - t)
    assert park is not None
    return statistics.median(times), park


def _time_write(url: str, park: demo.DemoPark, runs: int) -> list[float]:
    eng = make_engine(url)
    upgrade(eng)
    times = []
    for _ in range(runs):  # the first run writes a fresh park, later runs replace it (delete + load)
        t = time.perf_counter()
        demo.write_demo(eng, park)
        times.append(time.perf_counter() - t)
    eng.dispose()
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=None)
    ap.add_argument("--enterprises", type=int, default=32)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--postgres", default=None, help="admin URL of a PostgreSQL server")
    args = ap.parse_args()
    size = demo.DemoSize(n_enterprises=args.enterprises, days=args.days)
    gen_s, park = _time_generate(size, max(3, args.runs))
    print(f"demo park: {len(park.meters)} meters, {park.n_readings:,} readings")
    print(f"generate (median of {max(3, args.runs)}): {gen_s:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        w = _time_write(f"sqlite:///{Path(tmp) / 'bench.db'}", park, args.runs)
    print(
        f"SQLite write: first {w[0]:.1f} s ({park.n_readings / w[0]:,.0f} readings/s)"
        + (f", rebuild median {statistics.median(w[1:]):.1f} s" if len(w) > 1 else "")
    )
    if args.postgres:
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        name = f"zeropark_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = args.postgres.rsplit("/", 1)[0] + f"/{name}"
            w = _time_write(url, park, args.runs)
            print(
                f"PostgreSQL write: first {w[0]:.1f} s ({park.n_readings / w[0]:,.0f} readings/s)"
                + (f", rebuild median {statistics.median(w[1:]):.1f} s" if len(w) > 1 else "")
            )
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
