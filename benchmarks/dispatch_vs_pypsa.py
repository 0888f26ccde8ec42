"""zeropark vs PyPSA on identical one-year hourly models: dispatch, and sizing with fixed-duration storage.

Both are solved by HiGHS (same options). The objectives must agree to 1e-6 relative. Each run is a
fresh subprocess, so the peak memory (ru_maxrss) is that of one build + solve; figures are medians.

    .venv/bin/python benchmarks/dispatch_vs_pypsa.py [--runs 5] [--hours 8760] [--case dispatch|size|both]

Model (both sides): electric bus with a load; grid import ≤ 20 MW at the Jiangsu large-industry TOU
price (zeropark's cited tariff data) + carbon cost of the fossil-power factor; export ≤ 5 MW at the
coal benchmark price; PV 12 MW (synthetic availability); battery 4 MW / 8 MWh, η 0.95/0.95, standing
loss 0.01 %/h, cyclic; gas CHP 3 MW_e (η_e 0.35, η_th 0.45) and a gas boiler (η 0.92) on a heat bus
with a heat load; gas at 3.0 CNY/m³ + carbon. No demand charge (PyPSA has no monthly peak charge).
The data are synthetic (seeded), labelled as such.

Sizing case (``--case size``): the same load, grid, export and carbon cost, no heat; PV extendable
from 0 to 30 MW at 850 CNY/(kW·a) and a battery of fixed 4-hour duration extendable from 0 to
10 MW at 100 CNY/(kW·a) for power plus 320 CNY/(kWh·a) for energy (annualised costs given directly,
chosen so that the optimum lies inside the bounds; scaled by hours/8760 on both sides for a shorter
horizon). zeropark: ``Battery(duration_h=4)`` with power and energy extendables (E = 4·P); PyPSA:
``StorageUnit(p_nom_extendable=True, max_hours=4)`` with capital cost 100 + 4 × 320 per kW
(state_of_charge ≤ max_hours · p_nom).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import resource
import statistics
import subprocess
import sys
import time
import warnings
from typing import Any

import linopy
import numpy as np
import pandas as pd

from zeropark.optimize import (
    CHP,
    PARK_METHOD_DEFAULTS,
    Battery,
    Economics,
    EnergySystem,
    ExportRule,
    Extendable,
    GasBoiler,
    GridConnection,
    Horizon,
    Renewable,
    SolverOptions,
    load_tariff,
)
from zeropark.optimize.build import build_model

CARBON_PRICE = 100.0  # CNY/tCO2
GAS_PRICE_M3 = 3.0
#: Sizing case: annualised costs [CNY/(kW·a)], [CNY/(kWh·a)], bounds [kW] and the fixed duration [h].
PV_CNY_PER_KW_A = 850.0
BATTERY_POWER_CNY_PER_KW_A = 100.0
BATTERY_ENERGY_CNY_PER_KWH_A = 320.0
PV_MAX_KW = 30_000.0
BATTERY_MAX_KW = 10_000.0
DURATION_H = 4.0


def synthetic_year(hours: int) -> dict[str, Any]:
    """示例数据 — a deterministic synthetic park year (load, heat, PV availability)."""
    rng = np.random.default_rng(20261123)
    idx = pd.date_range("2026-01-01", periods=hours, freq="h")
    h = np.asarray(idx.hour)
    doy = np.asarray(idx.dayofyear)
    weekday = np.asarray(idx.dayofweek) < 5
    load = 9000 + 4000 * ((h >= 8) & (h < 20)) * np.where(weekday, 1.0, 0.4) + rng.normal(0, 300, hours)
    heat = 3000 + 1500 * np.cos(2 * np.pi * (doy - 15) / 365) + rng.normal(0, 150, hours)
    sun = np.clip(np.sin((h - 6) / 12 * np.pi), 0, None) * (
        0.75 + 0.25 * np.cos(2 * np.pi * (doy - 172) / 365)
    )
    cloud = np.clip(rng.beta(5, 2, hours), 0, 1)
    return {
        "index": idx,
        "load": np.clip(load, 0, None),
        "heat": np.clip(heat, 0, None),
        "pv": np.clip(sun * cloud, 0, 1),
    }


def run_zeropark(hours: int) -> dict[str, float]:
    base_rss = _rss_mb()
    t0 = time.perf_counter()
    d = synthetic_year(hours)
    system = EnergySystem(
        horizon=Horizon(index_local=d["index"], dt_h=1.0),
        electric_load_kw=d["load"],
        heat_load_kw=d["heat"],
        grid=GridConnection(
            tariff=load_tariff("CN-JS-large-industry-1-10kV"),
            import_max_kw=20_000,
            export_max_kw=5_000,
            demand_charge=False,
        ),
        carbon=dataclasses.replace(PARK_METHOD_DEFAULTS, export_rule=ExportRule.NO_CREDIT),
        renewables=(Renewable("pv", "pv", 12_000, d["pv"]),),
        batteries=(Battery("bess", 4_000, 8_000, 0.95, 0.95, standing_loss_per_h=1e-4, cyclic=True),),
        chps=(CHP("chp", 3_000, eta_electric=0.35, eta_heat=0.45, gas_price_cny_per_m3=GAS_PRICE_M3),),
        boilers=(GasBoiler("boiler", 10_000, efficiency=0.92, gas_price_cny_per_m3=GAS_PRICE_M3),),
        economics=Economics(carbon_price_cny_per_tco2=CARBON_PRICE),
    )
    built = build_model(system)
    t1 = time.perf_counter()
    opts = SolverOptions(threads=1).highs_options()
    built.model.solve(solver_name="highs", io_api="direct", **opts)
    t2 = time.perf_counter()
    return {
        "objective": float(built.model.objective.value),
        "build_s": t1 - t0,
        "solve_s": t2 - t1,
        "peak_rss_mb": _rss_mb(),
        "base_rss_mb": base_rss,
    }


def _sized_result(
    objective: float, pv_kw: float, bess_kw: float, times: tuple[float, float, float]
) -> dict[str, float]:
    t0, t1, t2 = times
    return {
        "objective": objective,
        "pv_kw": pv_kw,
        "battery_kw": bess_kw,
        "build_s": t1 - t0,
        "solve_s": t2 - t1,
        "peak_rss_mb": _rss_mb(),
    }


def run_zeropark_size(hours: int) -> dict[str, float]:
    base_rss = _rss_mb()
    t0 = time.perf_counter()
    d = synthetic_year(hours)
    system = EnergySystem(
        horizon=Horizon(index_local=d["index"], dt_h=1.0),
        electric_load_kw=d["load"],
        grid=GridConnection(
            tariff=load_tariff("CN-JS-large-industry-1-10kV"),
            import_max_kw=20_000,
            export_max_kw=5_000,
            demand_charge=False,
        ),
        carbon=dataclasses.replace(PARK_METHOD_DEFAULTS, export_rule=ExportRule.NO_CREDIT),
        renewables=(
            Renewable("pv", "pv", 0.0, d["pv"], Extendable.annual(PV_CNY_PER_KW_A, max_unit=PV_MAX_KW)),
        ),
        batteries=(
            Battery(
                "bess",
                0.0,
                0.0,
                0.95,
                0.95,
                standing_loss_per_h=1e-4,
                cyclic=True,
                extend_power=Extendable.annual(BATTERY_POWER_CNY_PER_KW_A, max_unit=BATTERY_MAX_KW),
                extend_energy=Extendable.annual(BATTERY_ENERGY_CNY_PER_KWH_A),
                duration_h=DURATION_H,
            ),
        ),
        economics=Economics(carbon_price_cny_per_tco2=CARBON_PRICE),
    )
    built = build_model(system)
    t1 = time.perf_counter()
    opts = SolverOptions(threads=1).highs_options()
    built.model.solve(solver_name="highs", io_api="direct", **opts)
    t2 = time.perf_counter()
    sol = built.model.variables
    out = _sized_result(
        float(built.model.objective.value),
        float(sol[built.capacities["pv:pv"][0]].solution.values),
        float(sol[built.capacities["battery_power:bess"][0]].solution.values),
        (t0, t1, t2),
    )
    energy = float(sol[built.capacities["battery_energy:bess"][0]].solution.values)
    out["battery_kwh"] = energy
    out["base_rss_mb"] = base_rss
    return out


def run_pypsa_size(hours: int, io_api: str | None) -> dict[str, float]:
    import pypsa

    cf = PARK_METHOD_DEFAULTS
    base_rss = _rss_mb()
    t0 = time.perf_counter()
    d = synthetic_year(hours)
    sigma = hours / 8760.0  # the horizon's share of a year, as zeropark scales the annuities
    tariff = load_tariff("CN-JS-large-industry-1-10kV")
    price = tariff.prices(d["index"]) + CARBON_PRICE * cf.grid_tco2_per_kwh
    n = pypsa.Network()
    n.set_snapshots(pd.RangeIndex(hours, name="snapshot"))
    n.add("Bus", "el")
    n.add("Load", "load", bus="el", p_set=d["load"])
    n.add("Generator", "grid_import", bus="el", p_nom=20_000, marginal_cost=price)
    n.add(
        "Generator",
        "grid_export",
        bus="el",
        p_nom=5_000,
        p_max_pu=0.0,
        p_min_pu=-1.0,
        marginal_cost=tariff.export_price_cny_per_kwh,
    )
    n.add(
        "Generator",
        "pv",
        bus="el",
        p_nom_extendable=True,
        p_nom_max=PV_MAX_KW,
        p_max_pu=d["pv"],
        capital_cost=PV_CNY_PER_KW_A * sigma,
        marginal_cost=0.0,
    )
    n.add(
        "StorageUnit",
        "bess",
        bus="el",
        p_nom_extendable=True,
        p_nom_max=BATTERY_MAX_KW,
        max_hours=DURATION_H,
        capital_cost=(BATTERY_POWER_CNY_PER_KW_A + DURATION_H * BATTERY_ENERGY_CNY_PER_KWH_A) * sigma,
        efficiency_store=0.95,
        efficiency_dispatch=0.95,
        standing_loss=1e-4,
        cyclic_state_of_charge=True,
    )
    n.optimize.create_model()
    t1 = time.perf_counter()
    kwargs: dict[str, Any] = {"threads": 1, "output_flag": False}
    if io_api is not None:
        kwargs["io_api"] = io_api
    n.optimize.solve_model(solver_name="highs", **kwargs)
    t2 = time.perf_counter()
    out = _sized_result(
        float(n.objective + getattr(n, "objective_constant", 0.0)),
        float(n.generators.p_nom_opt["pv"]),
        float(n.storage_units.p_nom_opt["bess"]),
        (t0, t1, t2),
    )
    out["battery_kwh"] = DURATION_H * out["battery_kw"]
    out["base_rss_mb"] = base_rss
    return out


def run_pypsa(hours: int, io_api: str | None) -> dict[str, float]:
    import pypsa  # only the PyPSA children load it: the zeropark child's peak RSS stays its own

    cf = PARK_METHOD_DEFAULTS
    base_rss = _rss_mb()
    t0 = time.perf_counter()
    d = synthetic_year(hours)
    tariff = load_tariff("CN-JS-large-industry-1-10kV")
    price = tariff.prices(d["index"]) + CARBON_PRICE * cf.grid_tco2_per_kwh
    gas_cost_per_kwh = GAS_PRICE_M3 * cf.gas_m3_per_kwh_fuel + CARBON_PRICE * cf.gas_tco2_per_kwh_fuel
    n = pypsa.Network()
    n.set_snapshots(pd.RangeIndex(hours, name="snapshot"))
    n.add("Bus", "el")
    n.add("Bus", "heat")
    n.add("Bus", "gas")
    n.add("Load", "load", bus="el", p_set=d["load"])
    n.add("Load", "heat_load", bus="heat", p_set=d["heat"])
    n.add("Generator", "grid_import", bus="el", p_nom=20_000, marginal_cost=price)
    n.add(
        "Generator",
        "grid_export",
        bus="el",
        p_nom=5_000,
        p_max_pu=0.0,
        p_min_pu=-1.0,
        marginal_cost=tariff.export_price_cny_per_kwh,
    )
    n.add("Generator", "pv", bus="el", p_nom=12_000, p_max_pu=d["pv"], marginal_cost=0.0)
    n.add(
        "StorageUnit",
        "bess",
        bus="el",
        p_nom=4_000,
        max_hours=2.0,
        efficiency_store=0.95,
        efficiency_dispatch=0.95,
        standing_loss=1e-4,
        cyclic_state_of_charge=True,
    )
    n.add("Generator", "gas_supply", bus="gas", p_nom=1e6, marginal_cost=gas_cost_per_kwh)
    n.add(
        "Link",
        "chp",
        bus0="gas",
        bus1="el",
        bus2="heat",
        p_nom=3_000 / 0.35,
        efficiency=0.35,
        efficiency2=0.45,
    )
    n.add("Link", "boiler", bus0="gas", bus1="heat", p_nom=10_000 / 0.92, efficiency=0.92)
    n.optimize.create_model()
    t1 = time.perf_counter()
    kwargs: dict[str, Any] = {"threads": 1, "output_flag": False}
    if io_api is not None:
        kwargs["io_api"] = io_api
    n.optimize.solve_model(solver_name="highs", **kwargs)
    t2 = time.perf_counter()
    return {
        "objective": float(n.objective + getattr(n, "objective_constant", 0.0)),
        "build_s": t1 - t0,
        "solve_s": t2 - t1,
        "peak_rss_mb": _rss_mb(),
        "base_rss_mb": base_rss,
    }


def _warm_up() -> None:
    """Pay the one-off lazy imports (xarray loads dask on its first array) before timing, for both."""
    m = linopy.Model()
    x = m.add_variables(lower=0, coords=[pd.RangeIndex(3, name="t")], name="x")
    m.add_constraints(x.sum() >= 1)
    m.add_objective(x.sum())


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _child(which: str, hours: int) -> None:
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    _warm_up()
    runners = {
        "zeropark": lambda: run_zeropark(hours),
        "pypsa": lambda: run_pypsa(hours, None),
        "pypsa-direct": lambda: run_pypsa(hours, "direct"),
        "zeropark-size": lambda: run_zeropark_size(hours),
        "pypsa-size": lambda: run_pypsa_size(hours, None),
        "pypsa-size-direct": lambda: run_pypsa_size(hours, "direct"),
    }
    out = runners[which]()
    sys.stdout.write("RESULT " + json.dumps(out) + "\n")


def _spawn(which: str, hours: int) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", which, "--hours", str(hours)],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    return dict(json.loads(line[7:]))


def _compare(title: str, names: dict[str, str], runs: int, hours: int) -> None:
    results: dict[str, list[dict[str, float]]] = {k: [] for k in names}
    for _ in range(runs):
        for k in names:  # interleaved, so drift in machine load hits all alike
            results[k].append(_spawn(k, hours))
    med = {k: {f: statistics.median(r[f] for r in v) for f in v[0]} for k, v in results.items()}
    print(f"{title}, {hours} steps, HiGHS threads=1, median of {runs} runs (fresh process each)")
    sized = "pv_kw" in next(iter(med.values()))
    extra = f"{'PV kW':>12s}{'battery kW':>12s}{'battery kWh':>13s}" if sized else ""
    print(
        f"{'':28s}{'objective CNY':>20s}{'build s':>10s}{'solve s':>10s}{'total s':>10s}"
        f"{'peak RSS MB':>13s}{'Δ RSS MB':>10s}{extra}"
    )
    for k, label in names.items():
        m = med[k]
        sizes = f"{m['pv_kw']:>12.3f}{m['battery_kw']:>12.3f}{m['battery_kwh']:>13.3f}" if sized else ""
        print(
            f"{label:28s}{m['objective']:>20.6f}{m['build_s']:>10.3f}{m['solve_s']:>10.3f}"
            f"{m['build_s'] + m['solve_s']:>10.3f}{m['peak_rss_mb']:>13.1f}"
            f"{m['peak_rss_mb'] - m['base_rss_mb']:>10.1f}{sizes}"
        )
    keys = list(names)
    z = med[keys[0]]
    for k in keys[1:]:
        p = med[k]
        rel = abs(z["objective"] - p["objective"]) / abs(p["objective"])
        total_ratio = (z["build_s"] + z["solve_s"]) / (p["build_s"] + p["solve_s"])
        print(
            f"vs {names[k]}: objective rel. diff {rel:.2e} ({'OK' if rel <= 1e-6 else 'MISMATCH'} at 1e-6); "
            f"build ratio {z['build_s'] / p['build_s']:.2f}, solve ratio {z['solve_s'] / p['solve_s']:.2f}, "
            f"build+solve ratio {total_ratio:.2f} (target ≤ 0.5), "
            f"Δ RSS ratio {(z['peak_rss_mb'] - z['base_rss_mb']) / (p['peak_rss_mb'] - p['base_rss_mb']):.2f}"
        )
    for k, v in results.items():
        objs = [r["objective"] for r in v]
        if max(objs) - min(objs) > 1e-6 * abs(objs[0]):
            print(f"warning: {k} objective varies between runs: {objs}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--hours", type=int, default=8760)
    ap.add_argument("--case", choices=("dispatch", "size", "both"), default="both")
    ap.add_argument("--child", default=None)
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.hours)
        return
    if args.case in ("dispatch", "both"):
        _compare(
            "one-year hourly dispatch",
            {
                "zeropark": "zeropark (linopy direct)",
                "pypsa": "PyPSA default io_api",
                "pypsa-direct": "PyPSA io_api=direct",
            },
            args.runs,
            args.hours,
        )
    if args.case in ("size", "both"):
        _compare(
            f"sizing: PV and a {DURATION_H:g}-hour battery extendable",
            {
                "zeropark-size": "zeropark (linopy direct)",
                "pypsa-size": "PyPSA default io_api",
                "pypsa-size-direct": "PyPSA io_api=direct",
            },
            args.runs,
            args.hours,
        )


if __name__ == "__main__":
    main()
