"""Benchmark: the LMDI decomposition of two accounted years of the full demo park (target < 1 s).

The demo generator's full park (32 enterprises and the public facilities) is written for 2024 and
accounted (national method, every enterprise's own view stored with the park run); then the same
park's 2025 readings, activity records, claims and transfers are added beside 2024 (the demo's
writer replaces the park, so the second year goes in through its readings and activity steps),
every enterprise's value added is raised 6 % (so the two runs carry different output values) and
2025 is accounted. ``--days`` limits the readings per year (default 14): the decomposition reads
the stored runs, never the readings, so its time does not depend on it.

Timed, ``--runs`` times, median printed:

- ``use_case`` — :func:`zeropark.services.roadmap.lmdi`, what the CLI, the API and the page call
  (find the latest run of each year, load the park run and its 2 × ~38 enterprise runs, decompose);
- ``core`` — :func:`zeropark.roadmap.lmdi.decompose` alone on the same units.

Usage::

    .venv/bin/python benchmarks/lmdi.py                       # SQLite, 32 enterprises, 14 days
    .venv/bin/python benchmarks/lmdi.py --backend postgres --runs 7
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

from sqlalchemy import create_engine, text

from zeropark import demo
from zeropark.accounting import AccountingOptions
from zeropark.demo.write import _write_activity, _write_readings
from zeropark.model import Method
from zeropark.roadmap.lmdi import decompose
from zeropark.services import inventory, roadmap
from zeropark.settings import get_settings
from zeropark.store import repo
from zeropark.store.db import make_engine
from zeropark.store.migrate import upgrade
from zeropark.store.scope import system_scope

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _noop(step: str, done: int, total: int) -> None:
    del step, done, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--enterprises", type=int, default=32)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    pg_name = None
    tmp_dir = None
    if args.backend == "postgres":
        pg_name = f"zeropark_bench_lmdi_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{pg_name}"'))
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{pg_name}"
    else:
        tmp_dir = Path(tempfile.mkdtemp())
        url = f"sqlite:///{tmp_dir / 'lmdi.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        size = demo.DemoSize(n_enterprises=args.enterprises, days=args.days)
        scope = system_scope(engine, "demo")
        national = AccountingOptions(method=Method.NATIONAL)
        fs = get_settings().factor_set
        t0 = time.perf_counter()
        first = demo.generate(size=size, year=2024)
        demo.write_demo(engine, first)
        inventory.account_year(scope, first.park.id, 2024, national, fs)
        second = demo.generate(seed=demo.DEFAULT_SEED + 1, size=size, year=2025)
        _write_readings(engine, second, _noop)
        _write_activity(engine, second)
        for e in repo.list_enterprises(engine, first.park.id):
            if e.value_added_10k_cny is not None:
                repo.upsert_enterprise(engine, replace(e, value_added_10k_cny=e.value_added_10k_cny * 1.06))
        inventory.account_year(scope, first.park.id, 2025, national, fs)
        print(f"built and accounted two demo years in {time.perf_counter() - t0:.1f} s ({args.backend})")

        use_case: list[float] = []
        core: list[float] = []
        result = None
        for _ in range(args.runs):
            t = time.perf_counter()
            result = roadmap.lmdi(system_scope(engine, "cli"), first.park.id, 2024, 2025)
            use_case.append(time.perf_counter() - t)
            t = time.perf_counter()
            decompose(result.before.units, result.after.units)
            core.append(time.perf_counter() - t)
        assert result is not None
        d = result.decomposition
        print(
            f"{len(d.units)} enterprises, change {d.change:,.1f} tCO2 "
            f"(Σ effects − change = {sum(d.additive.values()) - d.change:.2e} t); "
            f"Tapio {None if result.decoupling is None else result.decoupling.state.value}"
        )
        print(
            f"use_case median {statistics.median(use_case) * 1000:.1f} ms "
            f"(min {min(use_case) * 1000:.1f}, max {max(use_case) * 1000:.1f}, n={args.runs}); "
            f"core median {statistics.median(core) * 1000:.3f} ms; target < 1000 ms"
        )
    finally:
        engine.dispose()
        if tmp_dir is not None:
            shutil.rmtree(tmp_dir, ignore_errors=True)
        if pg_name is not None:
            with create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT").connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
