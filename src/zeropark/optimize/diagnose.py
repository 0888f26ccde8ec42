"""Explain an infeasible model in words a user understands.

Two tools, as available:

1. HiGHS irreducible infeasible subset (IIS) through ``linopy.Model.compute_infeasibilities``
   (supported for HiGHS in linopy ≥ 0.5): the constraint groups in the IIS are named.
2. Relax-and-diagnose: rebuild with a priced slack on every requirement that can conflict
   (targets, demand-response cut, load and heat balance, import limit), solve, and report each
   non-zero slack with the value that *is* reachable and the limits that bound it.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np

from zeropark.optimize.build import BuiltModel, build_model
from zeropark.optimize.system import EnergySystem

log = logging.getLogger(__name__)

#: Constraint group → what it means to a user.
CONSTRAINT_WORDS: dict[str, str] = {
    "electric_balance": "electricity balance (load must be met every step)",
    "heat_balance": "heat balance of the steam/hot-water network",
    "clean_share": "annual clean-energy share target",
    "hourly_matching": "hourly (24/7) matching target",
    "matched_clean_supply": "hourly matching: clean supply per step",
    "matched_clean_consumption": "hourly matching: consumption per step",
    "core_indicator": "core indicator 单位能耗碳排放 limit",
    "demand_response": "demand-response import cut",
    "green_within_import": "green power only within grid import",
    "grid_emissions_def": "grid emissions (net inflow)",
    "import_limit": "grid import limit",
}


def _limits(system: EnergySystem) -> str:
    parts: list[str] = []
    for r in system.renewables:
        top = r.capacity_kw + (r.extendable.max_unit if r.extendable else 0.0)
        name = "" if r.name.lower() == r.kind.lower() else f" {r.name}"
        parts.append(f"{r.kind.upper()}{name} ≤ {_kw(top)}")
    for b in system.batteries:
        ep = b.power_kw + (b.extend_power.max_unit if b.extend_power else 0.0)
        ee = b.energy_kwh + (b.extend_energy.max_unit if b.extend_energy else 0.0)
        parts.append(f"battery {b.name} ≤ {_kw(ep)} / {_kw(ee, 'kWh')}")
    for c in system.green_contracts:
        parts.append(f"green contract {c.name} ≤ {_kw(float(np.max(np.asarray(c.max_kw, dtype=float))))}")
    if math.isfinite(system.grid.import_max_kw):
        parts.append(f"grid import ≤ {_kw(system.grid.import_max_kw)}")
    return ", ".join(parts) if parts else "no renewable, storage or green-power assets"


def _kw(value: float, unit: str = "kW") -> str:
    if not math.isfinite(value):
        return "unlimited"
    if abs(value) >= 1000:
        return f"{value / 1000:,.3g} {'MW' if unit == 'kW' else 'MWh'}"
    return f"{value:,.4g} {unit}"


def iis_groups(built: BuiltModel) -> list[str]:
    """Names (in words) of the constraint groups in HiGHS's IIS; empty when none could be computed."""
    try:
        labels = built.model.compute_infeasibilities()
    except Exception as exc:  # IIS unsupported for this model type (e.g. MIP) or failed
        log.info("no IIS: %s", exc)
        return []
    groups: list[str] = []
    for label in labels:
        name = str(built.model.constraints.get_label_position(label)[0])
        base = name.split("__")[0]
        words = CONSTRAINT_WORDS.get(base, name.replace("__", " "))
        if words not in groups:
            groups.append(words)
    return groups


def relaxed_conflicts(system: EnergySystem, solver_options: dict[str, Any], io_api: str) -> list[str]:
    """Solve the relaxed model and describe every violated requirement."""
    built = build_model(system, relax=True)
    built.model.solve(solver_name="highs", io_api=io_api, **solver_options)
    m = built.model
    hz = system.horizon
    w = hz.weights_h
    out: list[str] = []
    tg = system.targets
    if m.objective.value is None:
        return ["even with every requirement relaxed the model has no solution; check the input data"]

    def val(name: str) -> Any:
        return np.asarray(m.variables[name].solution.values, dtype=float)

    consumption = (
        float(built.expressions["consumption_kwh"].solution.sum())
        if hasattr(built.expressions["consumption_kwh"], "solution")
        else 0.0
    )
    tol = 1e-6
    for key, var in built.slacks.items():
        s = val(var)
        if float(np.max(s)) <= tol:
            continue
        if key == "clean_share" and tg.clean_share_min is not None:
            reach = tg.clean_share_min - float(s) / consumption if consumption else 0.0
            out.append(
                f"clean-energy share {tg.clean_share_min:.0%} is unreachable: at most {max(reach, 0):.1%} "
                f"with {_limits(system)}"
            )
        elif key == "hourly_matching" and tg.hourly_matching_min is not None:
            reach = tg.hourly_matching_min - float(s) / consumption if consumption else 0.0
            out.append(
                f"hourly matching {tg.hourly_matching_min:.0%} is unreachable: at most {max(reach, 0):.1%} "
                f"with {_limits(system)}"
            )
        elif key == "core_indicator" and tg.core_indicator_max_tco2_per_tce is not None:
            co2 = float(built.expressions["co2_t"].solution.sum())
            tce = float(built.expressions["tce"].solution.sum())
            best = co2 / tce if tce > 0 else float("nan")
            out.append(
                f"core indicator ≤ {tg.core_indicator_max_tco2_per_tce:g} tCO2/tce is unreachable: "
                f"the lowest reachable is {best:.3f} tCO2/tce with {_limits(system)}"
            )
        elif key == "demand_response" and system.demand_response is not None:
            ev = system.demand_response
            k = int(np.argmax(s))
            out.append(
                f"cutting grid import by {_kw(ev.reduction_kw)} "
                f"in {ev.start_local:%H:%M}–{ev.end_local:%H:%M} "
                f"is unreachable: short by up to {_kw(float(s[k]))} at {hz.index_local[k]:%m-%d %H:%M} "
                f"(storage and curtailable load are not enough; {_limits(system)})"
            )
        elif key == "electric_balance":
            k = int(np.argmax(s))
            out.append(
                f"the electric load cannot be met: up to {_kw(float(s[k]))} unserved at "
                f"{hz.index_local[k]:%m-%d %H:%M} ({float(np.sum(w * s)):,.0f} kWh in all); {_limits(system)}"
            )
        elif key == "heat_balance":
            k = int(np.argmax(s))
            out.append(
                f"the {system.heat_network} heat load cannot be met: up to {_kw(float(s[k]))} of heat short "
                f"at {hz.index_local[k]:%m-%d %H:%M}; add heat-pump, boiler or purchase capacity"
            )
        elif key == "import_limit":
            k = int(np.argmax(s))
            out.append(
                f"grid import limit {_kw(system.grid.import_max_kw)} is too low: "
                f"{_kw(float(s[k]))} more is needed at {hz.index_local[k]:%m-%d %H:%M}"
            )
    return out
