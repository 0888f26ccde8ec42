"""Results of an optimisation run: status, sizes, dispatch series, costs, emissions and shares.

Read from a solved :class:`~zeropark.optimize.build.BuiltModel` with NumPy, so each figure is an
explicit formula of the solution (and the cost breakdown sums to the solver's objective).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from zeropark.optimize.build import BuiltModel, annual_cost_cny_per_unit_a
from zeropark.optimize.carbon import GJ_PER_KWH, ExportRule
from zeropark.optimize.system import FloatArray, as_series
from zeropark.optimize.tariff import TOU_LABEL_ZH


class RunStatus(StrEnum):
    """Outcome of a solve."""

    OPTIMAL = "optimal"
    TIME_LIMIT = "time_limit"  # feasible solution, stopped by the time limit (gap reported)
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class SolverOptions:
    """HiGHS settings; ``None`` = solver default."""

    time_limit_s: float | None = None
    mip_rel_gap: float | None = None
    threads: int | None = None
    io_api: str = "direct"
    diagnose: bool = True

    def highs_options(self) -> dict[str, Any]:
        """Options as HiGHS names them."""
        opts: dict[str, Any] = {"output_flag": False}
        if self.time_limit_s is not None:
            opts["time_limit"] = float(self.time_limit_s)
        if self.mip_rel_gap is not None:
            opts["mip_rel_gap"] = float(self.mip_rel_gap)
        if self.threads is not None:
            opts["threads"] = int(self.threads)
        return opts


@dataclass(frozen=True, slots=True)
class OptimizationResult:
    """One solved run.

    ``costs_cny`` has one entry per cost term (horizon values; capex is the horizon's share of the
    annuity) and ``objective_cny`` equals their sum. ``emissions_tco2`` uses the FactorSet factors
    of the national park method; ``core_indicator_tco2_per_tce`` = total CO2 / energy tce.
    """

    mode: str
    status: RunStatus
    termination: str
    objective_cny: float
    build_time_s: float
    solve_time_s: float
    mip_gap: float | None
    solver: dict[str, Any]
    sizes: dict[str, dict[str, Any]]
    costs_cny: dict[str, float]
    emissions_tco2: dict[str, float]
    energy_tce: float
    core_indicator_tco2_per_tce: float | None
    clean_share: float | None
    hourly_matching: float | None
    electricity_consumed_kwh: float
    series: dict[str, list[float]]
    index_local: list[str]
    tou_periods: list[str]
    carbon_factors: dict[str, Any]
    tariff: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (stored in ``OptimizationRunRow.result``)."""
        return {
            "mode": self.mode,
            "status": str(self.status),
            "termination": self.termination,
            "objective_cny": self.objective_cny,
            "build_time_s": self.build_time_s,
            "solve_time_s": self.solve_time_s,
            "mip_gap": self.mip_gap,
            "solver": self.solver,
            "sizes": self.sizes,
            "costs_cny": self.costs_cny,
            "emissions_tco2": self.emissions_tco2,
            "energy_tce": self.energy_tce,
            "core_indicator_tco2_per_tce": self.core_indicator_tco2_per_tce,
            "clean_share": self.clean_share,
            "hourly_matching": self.hourly_matching,
            "electricity_consumed_kwh": self.electricity_consumed_kwh,
            "series": self.series,
            "index_local": self.index_local,
            "tou_periods": self.tou_periods,
            "carbon_factors": self.carbon_factors,
            "tariff": self.tariff,
            "notes": self.notes,
        }


def _sol(built: BuiltModel, name: str) -> FloatArray:
    return np.asarray(built.model.variables[name].solution.values, dtype=np.float64)


def read_result(
    built: BuiltModel,
    *,
    mode: str,
    status: RunStatus,
    termination: str,
    build_time_s: float,
    solve_time_s: float,
    mip_gap: float | None,
    solver: dict[str, Any],
) -> OptimizationResult:
    """Turn a solved model into an :class:`OptimizationResult`."""
    sy = built.system
    hz = sy.horizon
    n = hz.n
    w = hz.weights_h
    carbon = sy.carbon
    tariff = sy.grid.tariff
    names = set(built.model.variables)
    series: dict[str, FloatArray] = {}
    costs: dict[str, float] = {}

    imp = _sol(built, "grid_import")
    series["grid_import_kw"] = imp
    exp = _sol(built, "grid_export") if "grid_export" in names else np.zeros(n)
    series["grid_export_kw"] = exp
    series["electric_load_kw"] = as_series(sy.electric_load_kw, n, "electric_load_kw")
    series["price_cny_per_kwh"] = built.prices_cny_per_kwh
    costs["grid_energy"] = float(np.sum(w * built.prices_cny_per_kwh * imp))
    costs["export_revenue"] = -float(tariff.export_price_cny_per_kwh * np.sum(w * exp))
    if "peak_demand" in names:
        peak = _sol(built, "peak_demand")
        costs["demand_charge"] = float(
            tariff.demand_charge_cny_per_kw_month * built.demand_months_scale * peak.sum()
        )
    re_kwh = 0.0
    re_sum = np.zeros(n)
    for k, r in enumerate(sy.renewables):
        p = _sol(built, f"re__{k}")
        series[f"{r.kind}:{r.name}_kw"] = p
        re_kwh += float(np.sum(w * p))
        re_sum += p
    for k, b in enumerate(sy.batteries):
        series[f"battery:{b.name}_charge_kw"] = _sol(built, f"battery__{k}__charge")
        series[f"battery:{b.name}_discharge_kw"] = _sol(built, f"battery__{k}__discharge")
        series[f"battery:{b.name}_soc_kwh"] = _sol(built, f"battery__{k}__soc")
    green_kwh = 0.0
    green_sum = np.zeros(n)
    premium = 0.0
    for k, gc in enumerate(sy.green_contracts):
        gv = _sol(built, f"green__{k}")
        series[f"green:{gc.name}_kw"] = gv
        green_kwh += float(np.sum(w * gv))
        green_sum += gv
        premium += gc.premium_cny_per_kwh * float(np.sum(w * gv))
        costs["green_premium"] = premium
    gas_fuel_kwh = 0.0
    chp_kwh = 0.0
    chp_sum = np.zeros(n)
    gas_cost = 0.0
    for k, c in enumerate(sy.chps):
        p = _sol(built, f"chp__{k}")
        series[f"chp:{c.name}_electric_kw"] = p
        series[f"chp:{c.name}_heat_kw"] = p * c.eta_heat / c.eta_electric
        fuel = float(np.sum(w * p)) / c.eta_electric
        gas_fuel_kwh += fuel
        chp_kwh += float(np.sum(w * p))
        chp_sum += p
        gas_cost += fuel * carbon.gas_m3_per_kwh_fuel * c.gas_price_cny_per_m3
        gas_cost += c.vom_cny_per_kwh * float(np.sum(w * p))
    for k, bo in enumerate(sy.boilers):
        q = _sol(built, f"boiler__{k}")
        series[f"boiler:{bo.name}_heat_kw"] = q
        fuel = float(np.sum(w * q)) / bo.efficiency
        gas_fuel_kwh += fuel
        gas_cost += fuel * carbon.gas_m3_per_kwh_fuel * bo.gas_price_cny_per_m3
    if sy.chps or sy.boilers:
        costs["gas"] = gas_cost
    for k, hp in enumerate(sy.heat_pumps):
        q = _sol(built, f"heat_pump__{k}")
        series[f"heat_pump:{hp.name}_heat_kw"] = q
        series[f"heat_pump:{hp.name}_electric_kw"] = q / as_series(hp.cop, n, "cop")
    for k, ts in enumerate(sy.thermal_storages):
        series[f"thermal_storage:{ts.name}_charge_kw"] = _sol(built, f"thermal_storage__{k}__charge")
        series[f"thermal_storage:{ts.name}_discharge_kw"] = _sol(built, f"thermal_storage__{k}__discharge")
        series[f"thermal_storage:{ts.name}_soc_kwh"] = _sol(built, f"thermal_storage__{k}__soc")
    heat_gj = 0.0
    if "heat_purchase" in names and sy.heat_purchase is not None:
        hq = _sol(built, "heat_purchase")
        series["heat_purchase_kw"] = hq
        heat_gj = float(np.sum(w * hq)) * GJ_PER_KWH
        costs["heat_purchase"] = sy.heat_purchase.price_cny_per_gj * heat_gj
    if sy.has_heat:
        series["heat_load_kw"] = as_series(sy.heat_load_kw, n, "heat_load_kw")
    if "load_curtailment" in names and sy.flexible_load is not None:
        cut = _sol(built, "load_curtailment")
        series["load_curtailment_kw"] = cut
        costs["load_curtailment"] = sy.flexible_load.cost_cny_per_kwh * float(np.sum(w * cut))

    sizes: dict[str, dict[str, Any]] = {}
    capex = 0.0
    for label, (var, unit, ext) in built.capacities.items():
        value = float(built.model.variables[var].solution.values)
        annual = annual_cost_cny_per_unit_a(ext, sy.economics.discount_rate)
        sizes[label] = {
            "added": value,
            "unit": unit,
            "annualised_cny_per_unit_a": annual,
            "annual_cost_cny": annual * value,
            "max": ext.max_unit,
        }
        capex += annual * value * built.capex_scale
    if built.capacities:
        costs["capex_annualised"] = capex

    imp_kwh = float(np.sum(w * imp))
    exp_kwh = float(np.sum(w * exp))
    basis = imp_kwh - green_kwh
    if carbon.export_rule == ExportRule.NET_INFLOW:
        basis -= exp_kwh
    emissions = {
        "grid_electricity": carbon.grid_tco2_per_kwh * max(basis, 0.0),
        "natural_gas": carbon.gas_tco2_per_kwh_fuel * gas_fuel_kwh,
        "purchased_heat": carbon.heat_tco2_per_gj * heat_gj,
    }
    emissions["total"] = sum(emissions.values())
    if sy.economics.carbon_price_cny_per_tco2:
        costs["carbon"] = sy.economics.carbon_price_cny_per_tco2 * emissions["total"]
    slack_cost = 0.0
    for sname in built.slacks.values():
        slack_cost += float(np.sum(_sol(built, sname)))
    energy_tce = (
        carbon.electricity_tce_per_kwh * (imp_kwh - exp_kwh + re_kwh)
        + carbon.gas_tce_per_m3 * carbon.gas_m3_per_kwh_fuel * gas_fuel_kwh
        + carbon.heat_tce_per_gj * heat_gj
    )
    consumed = imp_kwh + re_kwh + chp_kwh - exp_kwh
    clean_kwh = max(re_kwh + green_kwh - exp_kwh, 0.0)
    clean_t = np.minimum(
        np.maximum(re_sum + green_sum - exp, 0.0), np.maximum(imp + re_sum + chp_sum - exp, 0.0)
    )
    objective = (
        float(built.model.objective.value) if built.model.objective.value is not None else float("nan")
    )
    notes: list[str] = []
    if slack_cost:
        notes.append("relaxed model: requirements were violated (see conflicts)")
    return OptimizationResult(
        mode=mode,
        status=status,
        termination=termination,
        objective_cny=objective,
        build_time_s=build_time_s,
        solve_time_s=solve_time_s,
        mip_gap=mip_gap,
        solver=solver,
        sizes=sizes,
        costs_cny=costs,
        emissions_tco2=emissions,
        energy_tce=energy_tce,
        core_indicator_tco2_per_tce=emissions["total"] / energy_tce if energy_tce > 0 else None,
        clean_share=clean_kwh / consumed if consumed > 0 else None,
        hourly_matching=float(np.sum(w * clean_t)) / consumed if consumed > 0 else None,
        electricity_consumed_kwh=consumed,
        series={k: [round(float(x), 6) for x in v] for k, v in series.items()},
        index_local=[ts.isoformat() for ts in hz.index_local],
        tou_periods=[TOU_LABEL_ZH[p] for p in tariff.periods(hz.index_local)],
        carbon_factors=carbon.to_dict(),
        tariff={
            "id": tariff.id,
            "name_zh": tariff.name_zh,
            "confidence": dict(tariff.confidence),
            "demand_charge_cny_per_kw_month": tariff.demand_charge_cny_per_kw_month,
            "export_price_cny_per_kwh": tariff.export_price_cny_per_kwh,
            "prices_cny_per_kwh": {str(k): v for k, v in tariff.prices_cny_per_kwh.items()},
            "sources": [s.id for s in tariff.sources],
            "energy_prices": "tou"
            if sy.grid.energy_price_cny_per_kwh is None
            else "series (replaces the TOU energy prices)",
        },
        notes=notes,
    )
