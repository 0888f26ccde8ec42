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
import statistics
import time

from scratch import ms, scratch_engine, two_demo_years

from zeropark import demo
from zeropark.roadmap.lmdi import decompose
from zeropark.services import roadmap
from zeropark.store.scope import system_scope


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--enterprises", type=int, default=32)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with scratch_engine(args.backend, "lmdi") as engine:
        t0 = time.perf_counter()
        park = two_demo_years(
            engine, demo.DemoSize(n_enterprises=args.enterprises, days=args.days), value_added_growth=1.06
        )
        print(f"built and accounted two demo years in {time.perf_counter() - t0:.1f} s ({args.backend})")

        use_case: list[float] = []
        core: list[float] = []
        result = None
        for _ in range(args.runs):
            t = time.perf_counter()
            result = roadmap.lmdi(system_scope(engine, "cli"), park, 2024, 2025)
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
            f"use_case {ms(use_case)}; core median {statistics.median(core) * 1000:.3f} ms; target < 1000 ms"
        )


if __name__ == "__main__":
    main()
