"""Benchmark: a scenario base … 2060 (36 years) of the full demo park through the accounting core.

The demo generator's park (32 enterprises and the public facilities) is written for 2025
(``--days`` of readings, default the whole year) and accounted (national method). Then, ``--runs``
times each, median printed:

- ``create_bau`` — :func:`zeropark.services.scenarios.create` of a business-as-usual scenario
  2025–2060: load the base input, check its fingerprint, project, account (``run``) and evaluate
  (``evaluate``) 36 years, store them in one transaction — what the CLI, the API and the page call;
- ``create_policy`` — the same with four park measures in force (efficiency, a fuel switch,
  on-site PV, green power);
- ``year_core`` — one year alone: ``project`` + ``run`` + ``evaluate`` (2030 of the policy), and
  ``run`` of the base input alone for the ratio (a planned year costs about one real run).

Usage::

    .venv/bin/python benchmarks/scenarios.py                   # SQLite, 32 enterprises, 365 days
    .venv/bin/python benchmarks/scenarios.py --backend postgres --days 60
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from scratch import ms, scratch_engine

from zeropark import demo
from zeropark.accounting import AccountingOptions, run
from zeropark.indicators import evaluate
from zeropark.model import Method
from zeropark.roadmap.scenario import project, scenario_from_dict
from zeropark.services import inventory, scenarios
from zeropark.services.factor_sets import resolve_factor_set
from zeropark.settings import get_settings
from zeropark.store.aggregate import load_accounting_input
from zeropark.store.scope import system_scope

BAU: dict[str, Any] = {
    "name": "bench BAU",
    "kind": "bau",
    "base_year": 2025,
    "horizon": 2060,
    "drivers": {"default": {"production_growth_pct": 3.0, "output_growth_pct": 5.0}},
}
MEASURES = [
    {
        "id": "b-eff",
        "mechanism": "efficiency",
        "carrier": "electricity",
        "effect_per_unit": 1e5,
        "source_id": "bench",
        "max_share": 0.2,
    },
    {
        "id": "b-gas",
        "mechanism": "fuel_switch",
        "carrier": "natural_gas",
        "to_carrier": "electricity",
        "ratio": 9.931,
        "effect_per_unit": 1e4,
        "source_id": "bench",
        "max_share": 0.5,
    },
    {
        "id": "b-pv",
        "mechanism": "onsite_generation",
        "effect_per_unit": 1100.0,
        "source_id": "bench",
        "max_share": 0.3,
    },
    {
        "id": "b-green",
        "mechanism": "green_power",
        "effect_per_unit": 1000.0,
        "source_id": "bench",
        "max_share": 0.9,
    },
]
POLICY: dict[str, Any] = {
    **BAU,
    "name": "bench policy",
    "kind": "policy",
    "measures": MEASURES,
    "adoption": [
        {"measure_id": "b-eff", "units": {"2026": 50, "2030": 200}},
        {"measure_id": "b-gas", "units": {"2028": 100, "2035": 400}},
        {"measure_id": "b-pv", "units": {"2027": 5000, "2030": 20000}},
        {"measure_id": "b-green", "units": {"2026": 20000, "2030": 60000, "2040": 120000}},
    ],
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--enterprises", type=int, default=32)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with scratch_engine(args.backend, "scen") as engine:
        t0 = time.perf_counter()
        data = demo.generate(size=demo.DemoSize(n_enterprises=args.enterprises, days=args.days), year=2025)
        demo.write_demo(engine, data)
        scope = system_scope(engine, "demo")
        accounted = inventory.account_year(
            scope, data.park.id, 2025, AccountingOptions(method=Method.NATIONAL), get_settings().factor_set
        )
        park = data.park.id
        print(f"built and accounted the demo park in {time.perf_counter() - t0:.1f} s ({args.backend})")
        base = load_accounting_input(engine, park, 2025)
        fs = resolve_factor_set(engine, accounted.factor_set.name, accounted.factor_set.version)
        print(f"base input: {len(base.enterprises)} enterprises, {len(base.quantities)} monthly quantities")
        timings: dict[str, list[float]] = {"create_bau": [], "create_policy": [], "year_core": [], "run": []}
        views = {}
        for _ in range(args.runs):
            for key, assumptions in (("create_bau", BAU), ("create_policy", POLICY)):
                t = time.perf_counter()
                views[key] = scenarios.create(scope, park, assumptions)
                timings[key].append(time.perf_counter() - t)
        policy = scenario_from_dict(POLICY)
        measures = {m["id"]: scenarios.measure_from_dict(m) for m in MEASURES}
        options = accounted.inventory.options
        for _ in range(args.runs * 3):
            t = time.perf_counter()
            inputs, factors, p = project(base, fs, policy, 2030, measures, options)
            inv = run(inputs, factors, p.options)
            evaluate(inv, inputs)
            timings["year_core"].append(time.perf_counter() - t)
            t = time.perf_counter()
            run(base, fs, options)
            timings["run"].append(time.perf_counter() - t)
        for key, xs in timings.items():
            print(f"{key:14s} {ms(xs)}")
        ratio = statistics.median(timings["year_core"]) / statistics.median(timings["run"])
        print(f"one planned year / one real run = {ratio:.2f}; target: 36 years in a few seconds")
        for key, v in views.items():
            y30, y60 = v.year(2030), v.year(2060)
            print(
                f"{key}: 2025 {v.year(2025).total_tco2e:,.0f} t, 2030 {y30.total_tco2e:,.0f} t "
                f"(core {y30.core_tco2_per_tce:.4f} tCO2/tce), 2060 {y60.total_tco2e:,.0f} t"
            )


if __name__ == "__main__":
    main()
