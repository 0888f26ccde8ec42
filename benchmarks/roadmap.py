"""Benchmark: a 2025–2060 least-cost pathway of the full demo park, and the LMDI of two demo years.

The demo generator's full park (32 enterprises and the public facilities) is written for 2024 and
2025 (the 2025 readings, records, claims and transfers beside 2024, as ``benchmarks/lmdi.py`` does)
and both years are accounted (national method). Then, ``--runs`` times (median printed):

- ``pathway`` — :func:`zeropark.services.pathway.run_pathway`, what the CLI, the API and the page
  call: the 36 BAU years projected and accounted by the engine, the model built (every measure of
  the built-in library × every enterprise it applies to × 36 annual steps) and solved by HiGHS, the
  plan re-accounted year by year, the run stored. Printed: the model's build time and HiGHS's solve
  time as the result records them, the whole use case, and the peak resident memory of the process
  (``ru_maxrss``, HiGHS included);
- ``lmdi`` — :func:`zeropark.services.roadmap.lmdi` of 2024 → 2025 (target < 1 s).

Targets: pathway < 60 s on the 2-core machine, LMDI < 1 s. ``--days`` limits the readings per year
(default 14): the pathway and the LMDI read the annual activity and the stored runs, not the
readings' count.

Usage::

    PYTHONPATH=src .venv/bin/python benchmarks/roadmap.py [--runs 3] [--backend sqlite|postgres]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from zeropark import demo
from zeropark.accounting import AccountingOptions
from zeropark.demo.write import _write_activity, _write_readings
from zeropark.model import Method
from zeropark.roadmap.measures import builtin_measures
from zeropark.services import inventory, roadmap
from zeropark.services import pathway as svc
from zeropark.settings import get_settings
from zeropark.store.db import make_engine
from zeropark.store.migrate import upgrade
from zeropark.store.scope import system_scope

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _noop(step: str, done: int, total: int) -> None:
    del step, done, total


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--enterprises", type=int, default=32)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--horizon", type=int, default=2060)
    ap.add_argument("--cap-share", type=float, default=0.6, help="cap = share × BAU from 2030")
    ap.add_argument("--indicator", type=float, default=0.2, help="core indicator from 2035 (0: none)")
    args = ap.parse_args()
    pg_name = None
    tmp_dir = None
    if args.backend == "postgres":
        pg_name = f"zeropark_bench_roadmap_{uuid.uuid4().hex[:8]}"
        with create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT").connect() as c:
            c.execute(text(f'CREATE DATABASE "{pg_name}"'))
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{pg_name}"
    else:
        tmp_dir = Path(tempfile.mkdtemp())
        url = f"sqlite:///{tmp_dir / 'roadmap.db'}"
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
        inventory.account_year(scope, first.park.id, 2025, national, fs)
        park = first.park.id
        print(f"built and accounted two demo years in {time.perf_counter() - t0:.1f} s ({args.backend})")

        cli = system_scope(engine, "cli")
        lmdi_s: list[float] = []
        for _ in range(max(args.runs, 3)):
            t = time.perf_counter()
            roadmap.lmdi(cli, park, 2024, 2025)
            lmdi_s.append(time.perf_counter() - t)

        base = svc.baseline(cli, park, svc.PathwayParams(base_year=2025, horizon=2026), until=2025)
        bau = base.years[0].emissions_tco2
        params = svc.PathwayParams(
            base_year=2025,
            horizon=args.horizon,
            targets=svc.targets_from(cap_tco2=args.cap_share * bau, year=2030)
            + (svc.targets_from(indicator=args.indicator, year=2035) if args.indicator > 0 else ()),
            growth_pct=2.0,
        )
        total: list[float] = []
        build: list[float] = []
        solve: list[float] = []
        run = None
        for _ in range(args.runs):
            t = time.perf_counter()
            run = svc.run_pathway(cli, park, params)
            total.append(time.perf_counter() - t)
            build.append(run.result["build_time_s"])
            solve.append(run.result["solve_time_s"])
        assert run is not None
        r = run.result
        n_measures = len(builtin_measures())
        print(
            f"pathway {params.base_year}–{params.horizon}: {n_measures} measures, "
            f"{len(base.industries)} enterprises, "
            f"{r['n_variables']} variables, {r['n_constraints']} constraints; status {run.status}; "
            f"cost {r['cost_cny']['total']:,.0f} CNY; targets met (linear / accounted): "
            + ", ".join(f"{t['met']}/{t['accounted']['met']}" for t in r["targets"])
        )
        print(
            f"pathway build median {statistics.median(build):.2f} s, "
            f"solve median {statistics.median(solve):.2f} s, "
            f"use case median {statistics.median(total):.2f} s "
            f"(min {min(total):.2f}, max {max(total):.2f}, n={args.runs}); target < 60 s"
        )
        gap = r.get("gap", [])
        print(
            f"solves {len(r.get('iterations', []))}; largest accounted − model: "
            f"{max((abs(g['tco2']) for g in gap), default=0.0):,.1f} tCO2, "
            f"{max((abs(g['tce']) for g in gap), default=0.0):,.1f} tce; "
            f"accounted plan meets the targets: {r.get('accounted_meets_targets')}"
        )
        for line in r.get("explanation", []):
            print(f"explanation: {line[:160]}")
        for line in r.get("notes", []):
            if "reachable level" in line:
                print(f"note: {line}")
        print(f"peak resident memory {_peak_mib():,.0f} MiB")
        print(
            f"lmdi use case median {statistics.median(lmdi_s) * 1000:.1f} ms "
            f"(n={len(lmdi_s)}); target < 1000 ms"
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
