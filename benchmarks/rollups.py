"""Rollup rebuild: the incremental path (meter by meter, as before) against the bulk build, same data.

Loads the demo park's readings (no rollups) into a fresh SQLite file (and, with --postgres, a fresh
PostgreSQL database), then on each database, ``--runs`` times, alternately:

- *incremental*: delete all rollups, ``update_rollups`` over every meter's whole span — the previous
  ``rebuild_rollups`` and ``zeropark demo`` rollup step;
- *bulk*: ``build_rollups`` (what ``rebuild_rollups`` and ``zeropark demo`` now run);

and checks after each that the stored rows are identical (a SHA-256 over every row in key order,
values as exact float reprs). Prints both medians and the ratio.

    .venv/bin/python benchmarks/rollups.py                              # full demo park, SQLite
    .venv/bin/python benchmarks/rollups.py --enterprises 8 --days 31 --runs 3
    .venv/bin/python benchmarks/rollups.py --postgres postgresql+psycopg://postgres@127.0.0.1/postgres
    .venv/bin/python benchmarks/rollups.py --sqlite-file /tmp/demo.db   # reuse a loaded file

The incremental path takes ≈ 1.4 s per meter-year, so the full park's incremental run is minutes long;
``--meters N`` times both paths on the first N meters only.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from scratch import pg_database
from sqlalchemy import Engine, delete, func, select

from zeropark import demo
from zeropark.monitoring.rollups import build_rollups, update_rollups
from zeropark.store.db import make_engine
from zeropark.store.migrate import upgrade
from zeropark.store.schema import MeterRow, ReadingRow, RollupRow


def _utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def _incremental(eng: Engine, meter_ids: list[str]) -> None:
    with eng.begin() as c:
        spans = {
            r[0]: (_utc(r[1]), _utc(r[2]))
            for r in c.execute(
                select(ReadingRow.meter_id, func.min(ReadingRow.ts), func.max(ReadingRow.ts))
                .where(ReadingRow.meter_id.in_(meter_ids))
                .group_by(ReadingRow.meter_id)
            )
        }
        c.execute(delete(RollupRow))
    update_rollups(eng, spans)


def _bulk(eng: Engine, meter_ids: list[str]) -> None:
    with eng.begin() as c:
        c.execute(delete(RollupRow))
    build_rollups(eng, meter_ids)


def _digest(eng: Engine) -> tuple[int, str]:
    """Rows and SHA-256 of every rollup row in key order (start as UTC ISO text, floats as repr)."""
    h = hashlib.sha256()
    n = 0
    with eng.connect() as c:
        res = c.execution_options(yield_per=100_000).execute(
            select(
                RollupRow.meter_id,
                RollupRow.bucket,
                RollupRow.start,
                RollupRow.value,
                RollupRow.n_present,
                RollupRow.n_expected,
                RollupRow.n_flagged,
                RollupRow.n_filled,
            ).order_by(RollupRow.meter_id, RollupRow.bucket, RollupRow.start)
        )
        for r in res:
            h.update(
                f"{r[0]}|{r[1]}|{_utc(r[2]).isoformat()}|{r[3]!r}|{r[4]}|{r[5]}|{r[6]}|{r[7]}\n".encode()
            )
            n += 1
    return n, h.hexdigest()


def _compare(name: str, eng: Engine, meter_ids: list[str], runs: int) -> None:
    times: dict[str, list[float]] = {"incremental": [], "bulk": []}
    digests: set[tuple[int, str]] = set()
    for _ in range(runs):
        for label, fn in (("incremental", _incremental), ("bulk", _bulk)):
            load = os.getloadavg()[0]
            t = time.perf_counter()
            fn(eng, meter_ids)
            times[label].append(time.perf_counter() - t)
            digests.add(_digest(eng))
            print(f"  {name} {label}: {times[label][-1]:.1f} s (load {load:.2f})", flush=True)
    inc, bulk = statistics.median(times["incremental"]), statistics.median(times["bulk"])
    (n_rows, sha) = next(iter(digests))
    same = "identical" if len(digests) == 1 else f"DIFFERENT ({len(digests)} digests)"
    print(
        f"{name}: {len(meter_ids)} meters, {n_rows:,} rollup rows {same} (sha256 {sha[:16]}…); "
        f"incremental median {inc:.1f} s, bulk median {bulk:.1f} s, {inc / bulk:.1f}× faster",
        flush=True,
    )
    if len(digests) != 1:
        raise SystemExit(1)


def _load(url: str, park: demo.DemoPark | None) -> Engine:
    eng = make_engine(url)
    upgrade(eng)
    if park is not None:
        t = time.perf_counter()
        demo.write_demo(eng, park)
        print(f"  loaded {park.n_readings:,} readings in {time.perf_counter() - t:.1f} s", flush=True)
    return eng


def _meters(eng: Engine, limit: int | None) -> list[str]:
    with eng.connect() as c:
        ids = sorted(c.scalars(select(MeterRow.id)))
    return ids[:limit] if limit else ids


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=None)
    ap.add_argument("--enterprises", type=int, default=32)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--meters", type=int, default=None, help="time the first N meters only")
    ap.add_argument("--sqlite-file", default=None, help="a SQLite file the demo readings are already in")
    ap.add_argument("--postgres", default=None, help="admin URL of a PostgreSQL server")
    ap.add_argument("--skip-sqlite", action="store_true", help="with --postgres: PostgreSQL only")
    args = ap.parse_args()
    size = demo.DemoSize(n_enterprises=args.enterprises, days=args.days)
    park = demo.generate(size=size)
    print(f"demo park: {len(park.meters)} meters, {park.n_readings:,} readings", flush=True)
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            if args.sqlite_file:
                eng = _load(f"sqlite:///{args.sqlite_file}", None)
            else:
                eng = _load(f"sqlite:///{Path(tmp) / 'bench.db'}", park)
            _compare("SQLite", eng, _meters(eng, args.meters), args.runs)
            eng.dispose()
    if args.postgres:
        with pg_database("rollups", args.postgres) as url:
            eng = _load(url, park)
            _compare("PostgreSQL", eng, _meters(eng, args.meters), args.runs)
            eng.dispose()


if __name__ == "__main__":
    main()
