"""Benchmark: the metabolism flows (energy, carbon, water) of an accounted demo park year.

Reads an existing database (``zeropark demo`` writes one: the full park is 32 enterprises and the
public facilities, a year of readings, accounted with every enterprise's own view) and times, for
each kind, ``--runs`` calls of :func:`zeropark.services.metabolism.metabolism` (what the page, the
API, the CLI and the report call: the latest run, its ~38 enterprise runs, the transfers or the
water meters' rollups, then the pure core), and the core alone on the loaded runs. Prints the
medians, the node and link counts, and the balance of the largest node.

Usage::

    .venv/bin/python -m zeropark demo --database-url sqlite:////tmp/full.db     # once, ~5 min
    .venv/bin/python benchmarks/metabolism.py --database-url sqlite:////tmp/full.db --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import time

from zeropark.model import Method
from zeropark.roadmap.metabolism import FlowKind, View, flows
from zeropark.services.inventory import enterprise_runs, latest_view, view_of_run
from zeropark.services.metabolism import metabolism, parties_of
from zeropark.store import repo
from zeropark.store.db import make_engine
from zeropark.store.scope import system_scope


def main() -> None:
    """Time the use case and the core per kind; print medians [ms]."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--park", default="demo-park")
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    scope = system_scope(make_engine(args.database_url), "bench")
    for kind in FlowKind:
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            m = metabolism(scope, args.park, args.year, kind)
            times.append(time.perf_counter() - t0)
        worst = max((abs(v) for v in m.imbalance().values()), default=0.0)
        print(
            f"{kind.value:6s} use case {statistics.median(times) * 1000:8.1f} ms  "
            f"{len(m.nodes)} nodes {len(m.links)} links  total {m.total():,.3f} {m.unit}  "
            f"inventory {m.inventory_total:,.3f}  worst imbalance {worst:.2e}"
        )
    main_view = latest_view(scope, args.park, args.year, Method.NATIONAL)
    assert main_view is not None
    parties = [
        View(c.id, view_of_run(scope, c.id).inventory) for c in enterprise_runs(scope, main_view.run_id)
    ]
    who = parties_of(scope, args.park)
    transfers = repo.list_transfers(scope.engine, args.park, year=args.year)
    park = View(main_view.run_id, main_view.inventory)
    lines = len(park.inventory.lines) + sum(len(p.inventory.lines) for p in parties)
    for kind in (FlowKind.ENERGY, FlowKind.CARBON):
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            flows(kind, park, parties, who, transfers)
            times.append(time.perf_counter() - t0)
        print(
            f"{kind.value:6s} core     {statistics.median(times) * 1000:8.1f} ms  ({lines} line items read)"
        )


if __name__ == "__main__":
    main()
