"""A park scenario in a few named figures → an :class:`EnergySystem` (used by the CLI and the API).

The defaults are a mid-size park on the Jiangsu large-industry tariff. Capital costs come from
``optimize/data/capex.csv`` (assumptions marked UNCERTAIN there — override them with quotes).
"""

from __future__ import annotations

import csv
import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zeropark.errors import DataError
from zeropark.optimize.carbon import CarbonFactors
from zeropark.optimize.profiles import Profiles
from zeropark.optimize.system import (
    CHP,
    Battery,
    DemandResponseEvent,
    Economics,
    EnergySystem,
    Extendable,
    FlexibleLoad,
    GasBoiler,
    GreenPowerContract,
    GridConnection,
    HeatPump,
    HeatPurchase,
    Horizon,
    Renewable,
    Targets,
    ThermalStorage,
)
from zeropark.optimize.tariff import Tariff

#: The bundled capital-cost table (capex.csv), shipped beside this module.
_DATA_DIR = Path(__file__).with_name("data")


@dataclass(frozen=True, slots=True)
class CapexAssumption:
    """Capital cost of one asset type [CNY/unit], lifetime [a] and fixed O&M [1/a], with its note."""

    asset: str
    unit: str
    capex_cny_per_unit: float
    lifetime_years: float
    fixed_om_share_per_a: float
    confidence: str
    note: str

    def extendable(self, max_unit: float, capex_override: float | None = None) -> Extendable:
        """The assumption as an :class:`Extendable` up to ``max_unit``."""
        capex = self.capex_cny_per_unit if capex_override is None else capex_override
        return Extendable(capex, self.lifetime_years, self.fixed_om_share_per_a, 0.0, max_unit)


def load_capex() -> dict[str, CapexAssumption]:
    """The bundled capital-cost assumptions by asset."""
    text = (_DATA_DIR / "capex.csv").read_text(encoding="utf-8")
    out: dict[str, CapexAssumption] = {}
    for r in csv.DictReader(text.splitlines()):
        out[r["asset"]] = CapexAssumption(
            r["asset"],
            r["unit"],
            float(r["capex_cny_per_unit"]),
            float(r["lifetime_years"]),
            float(r["fixed_om_share_per_a"]),
            r["confidence"],
            r["note"],
        )
    return out


@dataclass(frozen=True, slots=True)
class ScenarioParams:
    """Knobs of a park scenario (kW, kWh, CNY). Sizes ``*_max_*`` > 0 make the asset sized (size mode).

    Battery sizing: by default power and energy are two decisions (energy up to
    ``battery_max_kwh``, power up to ``battery_max_kwh / battery_hours``). ``battery_duration_h``
    fixes the product instead, E = h · P: one decision, energy up to ``battery_max_kwh`` and power
    ``E / h`` (existing ``battery_kwh`` then has power ``battery_kwh / h``).

    Capital cost: the bundled table (capex × CRF + fixed O&M), ``capex_overrides`` (asset → CNY per
    unit, overnight) or ``annualised_capex`` (asset → CNY per unit and year, given directly, e.g.
    ``{"battery_power": 120}`` CNY/(kW·a)); assets: ``pv``, ``battery_power``, ``battery_energy``,
    ``heat_pump``, ``thermal_storage``.
    """

    pv_kw: float = 0.0
    pv_max_kw: float = 0.0
    wind_kw: float = 0.0
    battery_kw: float = 0.0
    battery_kwh: float = 0.0
    battery_max_kwh: float = 0.0
    battery_hours: float = 2.0  # E/P ratio bounding the power of a battery sized independently
    battery_duration_h: float | None = None  # fixed E = h·P: power and energy sized together
    eta_charge: float = 0.95
    eta_discharge: float = 0.95
    battery_standing_loss_per_h: float = 0.0001
    chp_kw: float = 0.0
    chp_min_load_pu: float = 0.0
    chp_ramp_pu_per_h: float | None = None
    chp_commitment: bool = False
    boiler_kw: float = 0.0
    heat_pump_kw: float = 0.0
    heat_pump_max_kw: float = 0.0
    heat_pump_cop: float = 3.0
    thermal_storage_kwh: float = 0.0
    thermal_storage_max_kwh: float = 0.0
    heat_purchase_price_cny_per_gj: float | None = None
    gas_price_cny_per_m3: float = 3.0
    green_contract_kw: float = 0.0
    green_premium_cny_per_kwh: float = 0.03
    import_max_kw: float = math.inf
    export_max_kw: float = 0.0
    demand_floor_kw: float = 0.0
    curtailable_kw: float = 0.0
    curtail_cost_cny_per_kwh: float = 2.0
    carbon_price_cny_per_tco2: float = 0.0
    discount_rate: float = 0.06
    clean_share_min: float | None = None
    hourly_matching_min: float | None = None
    core_indicator_max: float | None = None
    capex_overrides: dict[str, float] = field(default_factory=dict)
    annualised_capex: dict[str, float] = field(default_factory=dict)  # asset → CNY/(unit·a), given

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (stored with the run)."""
        out: dict[str, Any] = {}
        for name in self.__slots__:
            v = getattr(self, name)
            out[name] = None if isinstance(v, float) and math.isinf(v) else v
        return out


def scenario_params(values: Mapping[str, Any]) -> ScenarioParams:
    """A :class:`ScenarioParams` of the named figures (the others keep their defaults).

    Raises
    ------
    DataError
        Naming the unknown fields and the known ones.

    Examples
    --------
    >>> scenario_params({"battery_kwh": 2000.0}).battery_kwh
    2000.0
    """
    known = {f.name for f in dataclasses.fields(ScenarioParams)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise DataError(f"unknown scenario field(s) {unknown}; known: {sorted(known)}")
    return ScenarioParams(**values)


def build_system(
    profiles: Profiles,
    params: ScenarioParams,
    tariff: Tariff,
    carbon: CarbonFactors,
    *,
    weights_h: np.ndarray[Any, Any] | None = None,
    groups: np.ndarray[Any, Any] | None = None,
    event: DemandResponseEvent | None = None,
    energy_price_cny_per_kwh: np.ndarray[Any, Any] | None = None,
) -> EnergySystem:
    """The :class:`EnergySystem` of ``params`` over ``profiles``.

    ``energy_price_cny_per_kwh`` (one value per step of ``profiles``) replaces the tariff's TOU
    energy prices (:attr:`GridConnection.energy_price_cny_per_kwh`).
    """
    capex = load_capex()
    p = params

    unknown = sorted(set(p.annualised_capex) - set(capex))
    if unknown:
        raise ValueError(f"annualised_capex: unknown asset(s) {unknown}; known: {sorted(capex)}")

    def ext(asset: str, max_unit: float) -> Extendable | None:
        if max_unit <= 0:
            return None
        if asset in p.annualised_capex:
            return Extendable.annual(float(p.annualised_capex[asset]), max_unit=max_unit)
        return capex[asset].extendable(max_unit, p.capex_overrides.get(asset))

    pv_base = p.pv_kw or profiles.pv_capacity_kw
    renewables: list[Renewable] = []
    if pv_base > 0 or p.pv_max_kw > 0:
        renewables.append(Renewable("PV", "pv", pv_base, profiles.pv_pu, ext("pv", p.pv_max_kw)))
    if p.wind_kw > 0:
        if profiles.wind_pu is None:
            raise ValueError(
                "wind_kw is set but the profiles have no wind_pu column (wind availability per unit)"
            )
        renewables.append(Renewable("wind", "wind", p.wind_kw, profiles.wind_pu))
    batteries: tuple[Battery, ...] = ()
    h = p.battery_duration_h
    if h is not None and (p.battery_kwh > 0 or p.battery_max_kwh > 0):
        if not h > 0:
            raise ValueError(f"battery_duration_h must be > 0 hours, {h} was given")
        if p.battery_kw and abs(p.battery_kw * h - p.battery_kwh) > 1e-9 * max(1.0, p.battery_kwh):
            raise ValueError(
                f"battery_kw {p.battery_kw:g} × battery_duration_h {h:g} ≠ battery_kwh {p.battery_kwh:g}; "
                "with a fixed duration give battery_kwh (power follows) or matching figures"
            )
        e_ext = ext("battery_energy", p.battery_max_kwh)
        batteries = (
            Battery(
                "BESS",
                power_kw=p.battery_kwh / h,
                energy_kwh=p.battery_kwh,
                eta_charge=p.eta_charge,
                eta_discharge=p.eta_discharge,
                standing_loss_per_h=p.battery_standing_loss_per_h,
                cyclic=True,
                extend_power=ext("battery_power", p.battery_max_kwh / h),
                extend_energy=e_ext,
                duration_h=h,
            ),
        )
    elif p.battery_kwh > 0 or p.battery_max_kwh > 0:
        e_ext = ext("battery_energy", p.battery_max_kwh)
        p_ext = ext("battery_power", p.battery_max_kwh / p.battery_hours) if e_ext else None
        batteries = (
            Battery(
                "BESS",
                power_kw=p.battery_kw or p.battery_kwh / p.battery_hours,
                energy_kwh=p.battery_kwh,
                eta_charge=p.eta_charge,
                eta_discharge=p.eta_discharge,
                standing_loss_per_h=p.battery_standing_loss_per_h,
                cyclic=True,
                extend_power=p_ext,
                extend_energy=e_ext,
            ),
        )
    heat = profiles.heat_kw if np.any(profiles.heat_kw) else np.zeros(len(profiles.load_kw))
    chps = (
        (
            CHP(
                "CHP",
                p.chp_kw,
                gas_price_cny_per_m3=p.gas_price_cny_per_m3,
                min_load_pu=p.chp_min_load_pu,
                ramp_pu_per_h=p.chp_ramp_pu_per_h,
                commitment=p.chp_commitment,
            ),
        )
        if p.chp_kw > 0
        else ()
    )
    boilers = (
        (GasBoiler("boiler", p.boiler_kw, gas_price_cny_per_m3=p.gas_price_cny_per_m3),)
        if p.boiler_kw
        else ()
    )
    heat_pumps = (
        (HeatPump("HP", p.heat_pump_kw, p.heat_pump_cop, ext("heat_pump", p.heat_pump_max_kw)),)
        if p.heat_pump_kw > 0 or p.heat_pump_max_kw > 0
        else ()
    )
    stores = (
        (
            ThermalStorage(
                "TES",
                power_kw=max(p.thermal_storage_kwh, p.thermal_storage_max_kwh) / 4,
                energy_kwh=p.thermal_storage_kwh,
                extend_energy=ext("thermal_storage", p.thermal_storage_max_kwh),
            ),
        )
        if p.thermal_storage_kwh > 0 or p.thermal_storage_max_kwh > 0
        else ()
    )
    purchase = (
        HeatPurchase(price_cny_per_gj=p.heat_purchase_price_cny_per_gj)
        if p.heat_purchase_price_cny_per_gj is not None
        else None
    )
    green = (
        (GreenPowerContract("绿电交易", p.green_contract_kw, p.green_premium_cny_per_kwh),)
        if p.green_contract_kw
        else ()
    )
    horizon = Horizon(
        index_local=pd.DatetimeIndex(profiles.index_local),
        dt_h=profiles.dt_h,
        weight_h=weights_h,
        group=groups,
    )
    return EnergySystem(
        horizon=horizon,
        electric_load_kw=profiles.load_kw,
        heat_load_kw=heat,
        grid=GridConnection(
            tariff,
            p.import_max_kw,
            p.export_max_kw,
            p.demand_floor_kw,
            energy_price_cny_per_kwh=energy_price_cny_per_kwh,
        ),
        carbon=carbon,
        renewables=tuple(renewables),
        batteries=batteries,
        chps=chps,
        boilers=boilers,
        heat_pumps=heat_pumps,
        thermal_storages=stores,
        heat_purchase=purchase,
        green_contracts=green,
        flexible_load=FlexibleLoad(p.curtailable_kw, p.curtail_cost_cny_per_kwh)
        if p.curtailable_kw
        else None,
        economics=Economics(p.discount_rate, p.carbon_price_cny_per_tco2),
        targets=Targets(p.clean_share_min, p.hourly_matching_min, p.core_indicator_max),
        demand_response=event,
    )


def representative_days(
    profiles: Profiles, n_days: int
) -> tuple[Profiles, np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Pick ``n_days`` days evenly spread through a year, weighted to the year's hours.

    Storage is cyclic within each day (one cyclic group per day).

    Returns
    -------
    (profiles of the chosen days, weight_h per step, group per step)
    """
    steps_per_day = int(round(24 / profiles.dt_h))
    days = len(profiles.load_kw) // steps_per_day
    if n_days <= 0 or n_days >= days:
        w = np.full(len(profiles.load_kw), profiles.dt_h)
        g = np.arange(len(profiles.load_kw)) // steps_per_day
        return profiles, w, g
    chosen = np.linspace(0, days - 1, n_days).round().astype(int)
    idx = np.concatenate([np.arange(d * steps_per_day, (d + 1) * steps_per_day) for d in chosen])
    weight = profiles.dt_h * days / n_days
    sub = Profiles(
        index_local=profiles.index_local[idx],
        load_kw=profiles.load_kw[idx],
        heat_kw=profiles.heat_kw[idx],
        pv_pu=profiles.pv_pu[idx],
        pv_capacity_kw=profiles.pv_capacity_kw,
        wind_pu=None if profiles.wind_pu is None else profiles.wind_pu[idx],
        source=f"{profiles.source} ({n_days} representative days)",
        dt_h=profiles.dt_h,
    )
    return sub, np.full(len(idx), weight), np.repeat(np.arange(n_days), steps_per_day)
