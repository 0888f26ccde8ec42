"""Build the linopy model of an :class:`~zeropark.optimize.system.EnergySystem` (docs/optimisation.md).

Pure model building: no solving, no I/O. Variables are in kW (power) per time step ``t`` and kW
or kWh (capacities); every energy sum is weighted by the hours a step stands for (``w_t``).
Constraint names are stable (``electric_balance``, ``clean_share``, ...): the diagnosis in
:mod:`zeropark.optimize.diagnose` maps them to words a user understands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from zeropark.optimize.carbon import GJ_PER_KWH, ExportRule
from zeropark.optimize.finance import annualised_capex_cny_per_unit_a
from zeropark.optimize.system import (
    Battery,
    EnergySystem,
    Extendable,
    FloatArray,
    ThermalStorage,
    as_series,
)

if TYPE_CHECKING:
    import linopy
    import xarray as xr

HOURS_PER_YEAR = 8760.0
#: Penalty on the slack of a relaxed requirement when diagnosing an infeasible model [CNY/unit].
SLACK_PENALTY = 1e6
#: Unserved load is relaxed last: a balance slack costs 10× a requirement's slack, so the diagnosis
#: blames a target, a limit or the event before it blames the load.
BALANCE_PENALTY = 1e7


@dataclass(slots=True)
class BuiltModel:
    """A linopy model and what is needed to read its solution back."""

    model: linopy.Model
    system: EnergySystem
    prices_cny_per_kwh: FloatArray
    capex_scale: float
    relaxed: bool
    #: expressions for reporting: name -> linopy expression
    expressions: dict[str, Any] = field(default_factory=dict)
    #: capacity variables of sized assets: label -> (variable name, unit, Extendable)
    capacities: dict[str, tuple[str, str, Extendable]] = field(default_factory=dict)
    #: slack variable names by requirement (relaxed models only)
    slacks: dict[str, str] = field(default_factory=dict)
    #: months of demand charge each modelled month stands for (1 unless representative days)
    demand_months_scale: float = 1.0


def _da(values: FloatArray, coords: pd.Index) -> xr.DataArray:
    import xarray as xr  # deferred with linopy: `zeropark --help` does not pay for them

    return xr.DataArray(values, coords=[coords])


def _merge(items: list[Any]) -> Any:
    """Sum of expressions in one concatenation (Python's ``sum`` re-merges pairwise: O(k²))."""
    import linopy  # deferred (0.7 s): `zeropark --help` and the web pages do not build models

    exprs = [x.to_linexpr() if isinstance(x, linopy.Variable) else x for x in items]
    if len(exprs) == 1:
        return exprs[0]
    return linopy.merge(exprs, cls=linopy.LinearExpression)


def build_model(system: EnergySystem, *, relax: bool = False) -> BuiltModel:
    """Build the LP (or MILP when a CHP asks for commitment) of ``system``.

    Parameters
    ----------
    system : EnergySystem
        Loads, assets, tariff, carbon factors and targets.
    relax : bool
        Add non-negative slacks, priced at ``SLACK_PENALTY``, to every requirement that can make the
        model infeasible (targets, demand-response cut, load and heat balance, import limit). Used
        to diagnose an infeasible model: the non-zero slacks say which requirement cannot be met
        and by how much.

    Raises
    ------
    ValueError
        If a series does not match the horizon or a parameter is out of range.
    """
    import linopy  # deferred (0.7 s): `zeropark --help` and the web pages do not build models
    import xarray as xr  # deferred with linopy

    hz = system.horizon
    n = hz.n
    t_index = pd.RangeIndex(n, name="t")
    w = hz.weights_h
    dt = hz.dt_h
    m = linopy.Model(force_dim_names=True)
    tariff = system.grid.tariff
    g = system.grid
    if g.energy_price_cny_per_kwh is not None:
        prices = as_series(g.energy_price_cny_per_kwh, n, "grid.energy_price_cny_per_kwh")
    else:
        prices = tariff.prices(hz.index_local)
    carbon = system.carbon
    capex_scale = float(w.sum()) / HOURS_PER_YEAR
    built = BuiltModel(m, system, prices, capex_scale, relax)
    w_da = _da(w, t_index)
    load = as_series(system.electric_load_kw, n, "electric_load_kw")
    if np.any(load < 0):
        raise ValueError("electric_load_kw: negative load; give consumption as positive kW")

    cost_terms: list[Any] = []  # scalar expressions
    cost_t: list[Any] = []  # per-step expressions [CNY], summed over t once at the end
    co2_t: list[Any] = []  # per-step emissions [tCO2] except grid electricity
    objective_const = 0.0

    def extendable_capacity(label: str, unit: str, ext: Extendable) -> linopy.Variable:
        var = m.add_variables(lower=ext.min_unit, upper=ext.max_unit, name=f"capacity__{label}")
        built.capacities[label] = (var.name, unit, ext)
        annual = annual_cost_cny_per_unit_a(ext, system.economics.discount_rate)
        cost_terms.append(annual * capex_scale * var)
        return var

    # --- grid -------------------------------------------------------------------------------
    imp_upper = np.inf if relax else g.import_max_kw
    grid_import = m.add_variables(lower=0, upper=imp_upper, coords=[t_index], name="grid_import")
    if relax and np.isfinite(g.import_max_kw):
        s_imp = m.add_variables(lower=0, coords=[t_index], name="slack__import_limit")
        m.add_constraints(grid_import - s_imp <= g.import_max_kw, name="import_limit")
        built.slacks["import_limit"] = s_imp.name
        cost_terms.append(SLACK_PENALTY * s_imp.sum())
    cost_t.append(_da(w * prices, t_index) * grid_import)
    elec_supply: list[Any] = [grid_import]
    grid_export = None
    if g.export_max_kw > 0:
        grid_export = m.add_variables(lower=0, upper=g.export_max_kw, coords=[t_index], name="grid_export")
        cost_t.append((-tariff.export_price_cny_per_kwh * w_da) * grid_export)
        elec_supply.append(-1 * grid_export)
    if g.demand_charge and tariff.demand_charge_cny_per_kw_month > 0:
        months = np.asarray(hz.index_local.month)
        month_index = pd.Index(sorted(set(months.tolist())), name="month")
        peak = m.add_variables(lower=g.demand_floor_kw, coords=[month_index], name="peak_demand")
        if hz.weight_h is not None:
            # representative days: the months present stand for the 12 months of the represented year
            built.demand_months_scale = 12.0 * capex_scale / len(month_index)
        for month in month_index:
            mask = xr.DataArray(months == month, coords=[t_index])
            m.add_constraints(
                grid_import - peak.sel(month=month) <= 0, name=f"peak_demand__{month}", mask=mask
            )
        cost_terms.append(tariff.demand_charge_cny_per_kw_month * built.demand_months_scale * peak.sum())

    # --- renewables -------------------------------------------------------------------------
    re_total: list[Any] = []
    for k, r in enumerate(system.renewables):
        avail = as_series(r.availability_pu, n, f"{r.name}.availability_pu")
        if np.any((avail < 0) | (avail > 1.0 + 1e-9)):
            raise ValueError(f"{r.name}.availability_pu: values must be in [0, 1]")
        if r.extendable is None:
            p = m.add_variables(lower=0, upper=_da(avail * r.capacity_kw, t_index), name=f"re__{k}")
        else:
            cap = extendable_capacity(f"{r.kind}:{r.name}", "kW", r.extendable)
            p = m.add_variables(lower=0, coords=[t_index], name=f"re__{k}")
            m.add_constraints(
                p - _da(avail, t_index) * cap <= r.capacity_kw * _da(avail, t_index),
                name=f"re_availability__{k}",
            )
        re_total.append(p)
        elec_supply.append(p)

    # --- batteries --------------------------------------------------------------------------
    for k, b in enumerate(system.batteries):
        ch, dis = _storage(m, built, f"battery__{k}", b, t_index, hz.groups, dt, extendable_capacity)
        elec_supply.extend([dis, -1 * ch])

    # --- green power contracts --------------------------------------------------------------
    green_total: list[Any] = []
    for k, gc in enumerate(system.green_contracts):
        gmax = as_series(gc.max_kw, n, f"{gc.name}.max_kw")
        gv = m.add_variables(lower=0, upper=_da(gmax, t_index), name=f"green__{k}")
        green_total.append(gv)
        cost_t.append((gc.premium_cny_per_kwh * w_da) * gv)
        if gc.min_energy_kwh > 0:
            m.add_constraints((w_da * gv).sum() >= gc.min_energy_kwh, name=f"green_min_energy__{k}")
    if green_total:
        m.add_constraints(_merge([*green_total, -1 * grid_import]) <= 0, name="green_within_import")

    # --- gas: CHP and boilers ---------------------------------------------------------------
    gas_fuel_kw: list[Any] = []
    heat_supply: list[Any] = []
    chp_el: list[Any] = []
    for k, c in enumerate(system.chps):
        p = m.add_variables(lower=0, upper=c.electric_max_kw, coords=[t_index], name=f"chp__{k}")
        if c.commitment:
            u = m.add_variables(binary=True, coords=[t_index], name=f"chp_on__{k}")
            m.add_constraints(p - c.electric_max_kw * u <= 0, name=f"chp_max__{k}")
            m.add_constraints(p - c.min_load_pu * c.electric_max_kw * u >= 0, name=f"chp_min_load__{k}")
        elif c.min_load_pu > 0:
            raise ValueError(f"{c.name}: a minimum load needs commitment=True (on/off, MILP)")
        if c.ramp_pu_per_h is not None and n > 1:
            limit = c.ramp_pu_per_h * c.electric_max_kw * dt
            step = p.isel(t=slice(1, None)) - p.isel(t=slice(0, n - 1)).assign_coords(t=t_index[1:])
            m.add_constraints(step <= limit, name=f"chp_ramp_up__{k}")
            m.add_constraints(step >= -limit, name=f"chp_ramp_down__{k}")
        fuel = (1.0 / c.eta_electric) * p
        gas_fuel_kw.append(fuel)
        heat_supply.append((c.eta_heat / c.eta_electric) * p)
        chp_el.append(p)
        elec_supply.append(p)
        price_kwh = c.gas_price_cny_per_m3 * carbon.gas_m3_per_kwh_fuel / c.eta_electric + c.vom_cny_per_kwh
        cost_t.append((price_kwh * w_da) * p)
        co2_t.append((carbon.gas_tco2_per_kwh_fuel / c.eta_electric * w_da) * p)
    for k, bo in enumerate(system.boilers):
        q = m.add_variables(lower=0, upper=bo.heat_max_kw, coords=[t_index], name=f"boiler__{k}")
        gas_fuel_kw.append((1.0 / bo.efficiency) * q)
        heat_supply.append(q)
        cost_t.append((bo.gas_price_cny_per_m3 * carbon.gas_m3_per_kwh_fuel / bo.efficiency * w_da) * q)
        co2_t.append((carbon.gas_tco2_per_kwh_fuel / bo.efficiency * w_da) * q)

    # --- heat pumps, heat purchase, thermal storage -----------------------------------------
    elec_demand_extra: list[Any] = []
    for k, hp in enumerate(system.heat_pumps):
        cop = as_series(hp.cop, n, f"{hp.name}.cop")
        if hp.extendable is None:
            q = m.add_variables(lower=0, upper=hp.heat_max_kw, coords=[t_index], name=f"heat_pump__{k}")
        else:
            cap = extendable_capacity(f"heat_pump:{hp.name}", "kW_th", hp.extendable)
            q = m.add_variables(lower=0, coords=[t_index], name=f"heat_pump__{k}")
            m.add_constraints(q - cap <= hp.heat_max_kw, name=f"heat_pump_capacity__{k}")
        heat_supply.append(q)
        elec_demand_extra.append(_da(1.0 / cop, t_index) * q)
    heat_purchase = None
    if system.heat_purchase is not None:
        hpur = system.heat_purchase
        heat_purchase = m.add_variables(lower=0, upper=hpur.max_kw, coords=[t_index], name="heat_purchase")
        heat_supply.append(heat_purchase)
        cost_t.append((hpur.price_cny_per_gj * GJ_PER_KWH * w_da) * heat_purchase)
        co2_t.append((carbon.heat_tco2_per_gj * GJ_PER_KWH * w_da) * heat_purchase)
    for k, ts in enumerate(system.thermal_storages):
        ch, dis = _storage(m, built, f"thermal_storage__{k}", ts, t_index, hz.groups, dt, extendable_capacity)
        heat_supply.extend([dis, -1 * ch])

    # --- flexible load ----------------------------------------------------------------------
    if system.flexible_load is not None:
        fl = system.flexible_load
        cut = m.add_variables(
            lower=0, upper=_da(np.minimum(fl.max_curtail_kw, load), t_index), name="load_curtailment"
        )
        elec_supply.append(cut)
        cost_t.append((fl.cost_cny_per_kwh * w_da) * cut)

    # --- balances ---------------------------------------------------------------------------
    if relax:
        unserved = m.add_variables(lower=0, coords=[t_index], name="slack__electric_balance")
        elec_supply.append(unserved)
        built.slacks["electric_balance"] = unserved.name
        cost_terms.append(BALANCE_PENALTY * unserved.sum())
    lhs = _merge(elec_supply + [-1 * e for e in elec_demand_extra])
    m.add_constraints(lhs == _da(load, t_index), name="electric_balance")
    if system.has_heat:
        heat_load = as_series(system.heat_load_kw, n, "heat_load_kw")
        if relax:
            hu = m.add_variables(lower=0, coords=[t_index], name="slack__heat_balance")
            heat_supply.append(hu)
            built.slacks["heat_balance"] = hu.name
            cost_terms.append(BALANCE_PENALTY * hu.sum())
        if not heat_supply:
            raise ValueError("heat_load_kw is set but no heat source (CHP, boiler, heat pump, purchase)")
        m.add_constraints(_merge(heat_supply) == _da(heat_load, t_index), name="heat_balance")

    # --- emissions, energy, clean supply (national park method) ------------------------------
    tg = system.targets
    carbon_price = system.economics.carbon_price_cny_per_tco2
    targets = (tg.clean_share_min, tg.hourly_matching_min, tg.core_indicator_max_tco2_per_tce)
    needs_totals = relax or any(x is not None for x in targets)
    net_export = grid_export is not None and carbon.export_rule == ExportRule.NET_INFLOW
    grid_t: list[Any] = [grid_import, *(-1 * gv for gv in green_total)]
    if net_export and grid_export is not None:
        grid_t.append(-1 * grid_export)
    if net_export and (carbon_price or needs_totals):
        grid_em = m.add_variables(lower=0, name="grid_emissions")  # max(0, net inflow × EF) [tCO2]
        m.add_constraints(
            grid_em - (carbon.grid_tco2_per_kwh * w_da * _merge(grid_t)).sum() >= 0, name="grid_emissions_def"
        )
        if carbon_price:
            cost_terms.append(carbon_price * grid_em)
            cost_t.extend(carbon_price * e for e in co2_t)
        co2: Any = None
        if needs_totals:
            co2 = _merge([1 * grid_em, _merge(co2_t).sum()]) if co2_t else 1 * grid_em
    else:
        all_co2_t = [(carbon.grid_tco2_per_kwh * w_da) * e for e in grid_t] + co2_t
        if carbon_price:
            cost_t.extend(carbon_price * e for e in all_co2_t)
        co2 = _merge(all_co2_t).sum() if needs_totals else None
    if co2 is not None:
        built.expressions["co2_t"] = co2

    consumption: Any = None
    clean: Any = None
    tce: Any = None
    if needs_totals:
        el = carbon.electricity_tce_per_kwh
        tce_t: list[Any] = [(el * w_da) * grid_import]
        cons_t_all: list[Any] = [grid_import, *re_total, *chp_el]
        if grid_export is not None:
            tce_t.append((-el * w_da) * grid_export)
            cons_t_all.append(-1 * grid_export)
        tce_t.extend((el * w_da) * p for p in re_total)
        for fuel in gas_fuel_kw:
            tce_t.append((carbon.gas_tce_per_m3 * carbon.gas_m3_per_kwh_fuel * w_da) * fuel)
        if heat_purchase is not None:
            tce_t.append((carbon.heat_tce_per_gj * GJ_PER_KWH * w_da) * heat_purchase)
        tce = _merge(tce_t).sum()
        consumption = (w_da * _merge(cons_t_all)).sum()
        if re_total or green_total:
            clean_t = [*re_total, *green_total]
            if grid_export is not None:
                clean_t.append(-1 * grid_export)
            clean = (w_da * _merge(clean_t)).sum()
        built.expressions["tce"] = tce
        built.expressions["consumption_kwh"] = consumption
        if clean is not None:
            built.expressions["clean_kwh"] = clean

    if tg.clean_share_min is not None:
        _check_share("clean_share_min", tg.clean_share_min)
        lhs_c = (clean if clean is not None else 0) - tg.clean_share_min * consumption
        if relax:
            s = m.add_variables(lower=0, name="slack__clean_share")
            built.slacks["clean_share"] = s.name
            cost_terms.append(SLACK_PENALTY * s)
            lhs_c = lhs_c + s
        m.add_constraints(lhs_c >= 0, name="clean_share")
    if tg.hourly_matching_min is not None:
        _check_share("hourly_matching_min", tg.hourly_matching_min)
        matched = m.add_variables(lower=0, coords=[t_index], name="matched_clean")
        supply = [matched, *(-1 * x for x in (*re_total, *green_total))]
        if grid_export is not None and len(supply) > 1:
            supply.append(1 * grid_export)
        m.add_constraints(_merge(supply) <= 0, name="matched_clean_supply")
        cons = [matched, -1 * grid_import, *(-1 * x for x in (*re_total, *chp_el))]
        if grid_export is not None:
            cons.append(1 * grid_export)
        m.add_constraints(_merge(cons) <= 0, name="matched_clean_consumption")
        lhs_h = (w_da * matched).sum() - tg.hourly_matching_min * consumption
        if relax:
            s = m.add_variables(lower=0, name="slack__hourly_matching")
            built.slacks["hourly_matching"] = s.name
            cost_terms.append(SLACK_PENALTY * s)
            lhs_h = lhs_h + s
        m.add_constraints(lhs_h >= 0, name="hourly_matching")
    if tg.core_indicator_max_tco2_per_tce is not None:
        lhs_i = co2 - tg.core_indicator_max_tco2_per_tce * tce
        if relax:
            s = m.add_variables(lower=0, name="slack__core_indicator")
            built.slacks["core_indicator"] = s.name
            cost_terms.append(SLACK_PENALTY * s)
            lhs_i = lhs_i - s
        m.add_constraints(lhs_i <= 0, name="core_indicator")

    # --- demand-response event --------------------------------------------------------------
    ev = system.demand_response
    if ev is not None:
        if system.dr_baseline_import_kw is None:
            raise ValueError("a demand-response event needs dr_baseline_import_kw (solve the baseline first)")
        base = as_series(system.dr_baseline_import_kw, n, "dr_baseline_import_kw")
        idx = hz.index_local
        in_window = np.asarray((idx >= ev.start_local) & (idx < ev.end_local))
        if not in_window.any():
            raise ValueError(
                f"demand-response window {ev.start_local}–{ev.end_local} lies outside the horizon "
                f"{idx[0]}–{idx[-1]}"
            )
        dr_cap = xr.DataArray(np.where(in_window, base - ev.reduction_kw, np.inf), coords=[t_index])
        dr_mask = xr.DataArray(in_window, coords=[t_index])
        lhs_d: Any = grid_import
        if relax:
            s_dr = m.add_variables(lower=0, coords=[t_index], name="slack__demand_response")
            built.slacks["demand_response"] = s_dr.name
            cost_terms.append(SLACK_PENALTY * s_dr.sum())
            lhs_d = grid_import - s_dr
        m.add_constraints(lhs_d <= dr_cap, name="demand_response", mask=dr_mask)

    objective = _merge([_merge(cost_t).sum(), *cost_terms]) if cost_terms else _merge(cost_t).sum()
    m.add_objective(objective + objective_const if objective_const else objective)
    return built


def annual_cost_cny_per_unit_a(ext: Extendable, discount_rate: float) -> float:
    """Yearly cost of one unit of an extendable capacity [CNY/(unit·a)]: given, or CRF × capex + O&M."""
    if ext.annualised_cny_per_unit_a is not None:
        return ext.annualised_cny_per_unit_a
    return annualised_capex_cny_per_unit_a(
        ext.capex_cny_per_unit, discount_rate, ext.lifetime_years, ext.fixed_om_share_per_a
    )


def _check_share(name: str, value: float) -> None:
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be a share between 0 and 1 (e.g. 0.9 for 90 %), {value} was given")


def _storage(
    m: linopy.Model,
    built: BuiltModel,
    prefix: str,
    s: Battery | ThermalStorage,
    t_index: pd.RangeIndex,
    groups: Any,
    dt: float,
    extendable_capacity: Any,
) -> tuple[linopy.Variable, linopy.Variable]:
    """State-of-charge chain of a battery or heat store; returns (charge, discharge) [kW]."""
    import xarray as xr  # deferred with linopy: `zeropark --help` does not pay for them

    for attr, v in (("eta_charge", s.eta_charge), ("eta_discharge", s.eta_discharge)):
        if not 0 < v <= 1:
            raise ValueError(f"{s.name}.{attr} must be in (0, 1], {v} was given")
    battery = s if isinstance(s, Battery) else None
    ext_p = battery.extend_power if battery else None
    ext_e = s.extend_energy
    kind = "battery" if battery else "thermal_storage"
    hours = battery.duration_h if battery else None
    if hours is not None:
        if not hours > 0:
            raise ValueError(f"{s.name}.duration_h must be > 0 hours, {hours} was given")
        if abs(s.energy_kwh - hours * s.power_kw) > 1e-9 * max(1.0, s.energy_kwh):
            raise ValueError(
                f"{s.name}: a fixed duration of {hours:g} h needs energy_kwh = duration_h × power_kw = "
                f"{hours * s.power_kw:g} kWh, {s.energy_kwh:g} kWh was given"
            )
        if ext_e is not None and ext_p is None:
            raise ValueError(
                f"{s.name}: with a fixed duration energy follows power (E = h·P); size the power "
                "(extend_power), the energy comes with it"
            )
    pcap = None
    if ext_p is None:
        ch = m.add_variables(lower=0, upper=s.power_kw, coords=[t_index], name=f"{prefix}__charge")
        dis = m.add_variables(lower=0, upper=s.power_kw, coords=[t_index], name=f"{prefix}__discharge")
    else:
        pcap = extendable_capacity(f"{kind}_power:{s.name}", "kW", ext_p)
        ch = m.add_variables(lower=0, coords=[t_index], name=f"{prefix}__charge")
        dis = m.add_variables(lower=0, coords=[t_index], name=f"{prefix}__discharge")
        m.add_constraints(ch - pcap <= s.power_kw, name=f"{prefix}__charge_limit")
        m.add_constraints(dis - pcap <= s.power_kw, name=f"{prefix}__discharge_limit")
    soc_min = battery.soc_min_pu if battery else 0.0
    if hours is not None and pcap is not None:
        # E = h · (P0 + ΔP): the state of charge is bounded by h × the power capacity (PyPSA's
        # StorageUnit: state_of_charge ≤ max_hours · p_nom); an energy extendable only prices h·ΔP
        soc = m.add_variables(lower=0, coords=[t_index], name=f"{prefix}__soc")
        m.add_constraints(soc - hours * pcap <= hours * s.power_kw, name=f"{prefix}__energy_limit")
        if soc_min > 0:
            m.add_constraints(
                soc - soc_min * hours * pcap >= soc_min * hours * s.power_kw, name=f"{prefix}__soc_min"
            )
        if ext_e is not None:
            ecap = extendable_capacity(f"{kind}_energy:{s.name}", "kWh", ext_e)
            m.add_constraints(ecap - hours * pcap == 0, name=f"{prefix}__duration")
    elif ext_e is None:
        soc = m.add_variables(
            lower=soc_min * s.energy_kwh, upper=s.energy_kwh, coords=[t_index], name=f"{prefix}__soc"
        )
    else:
        ecap = extendable_capacity(f"{kind}_energy:{s.name}", "kWh", ext_e)
        soc = m.add_variables(lower=0, coords=[t_index], name=f"{prefix}__soc")
        m.add_constraints(soc - ecap <= s.energy_kwh, name=f"{prefix}__energy_limit")
        if soc_min > 0:
            m.add_constraints(soc - soc_min * ecap >= soc_min * s.energy_kwh, name=f"{prefix}__soc_min")
    keep = (1.0 - s.standing_loss_per_h) ** dt
    n = len(t_index)
    g = np.asarray(groups)
    starts = np.r_[True, g[1:] != g[:-1]]
    prev = np.arange(n) - 1
    if s.cyclic:
        ends = np.r_[g[1:] != g[:-1], True]
        start_pos = np.flatnonzero(starts)
        end_pos = np.flatnonzero(ends)
        prev[start_pos] = end_pos
        soc_prev = soc.isel(t=prev).assign_coords(t=t_index)
        rhs: Any = 0.0
    else:
        if len(np.unique(g)) > 1:
            raise ValueError(f"{s.name}: representative days need a cyclic store (cyclic=True)")
        prev[0] = 0
        soc_prev = (1 * soc.isel(t=prev).assign_coords(t=t_index)).where(
            xr.DataArray(~starts, coords=[t_index]), 0
        )
        rhs = xr.DataArray(np.where(starts, keep * s.soc_initial_kwh, 0.0), coords=[t_index])
    m.add_constraints(
        soc - keep * soc_prev - (s.eta_charge * dt) * ch + (dt / s.eta_discharge) * dis == rhs,
        name=f"{prefix}__soc_balance",
    )
    if not s.cyclic and s.soc_final_min_kwh > 0:
        m.add_constraints(soc.isel(t=n - 1) >= s.soc_final_min_kwh, name=f"{prefix}__soc_final")
    return ch, dis
