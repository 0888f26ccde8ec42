"""Dispatch and sizing models small enough to solve by hand (linopy + HiGHS).

Each expected optimum is worked out in the comment above its assertion.
"""

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from zeropark.optimize import (
    CHP,
    PARK_METHOD_DEFAULTS,
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
    Horizon,
    Renewable,
    RunStatus,
    SolverOptions,
    Targets,
    Tariff,
    ThermalStorage,
    TouPeriod,
    demand_response,
    flat_tariff,
    optimise,
)
from zeropark.optimize.carbon import GJ_PER_KWH
from zeropark.optimize.solve import investment_effect

CF = PARK_METHOD_DEFAULTS


def hourly_tariff(hours: list[TouPeriod], prices: dict[TouPeriod, float], demand: float = 0.0) -> Tariff:
    """A tariff whose day starts with ``hours`` (one period per hour) and is FLAT after."""
    day: list[TouPeriod] = []
    for h in range(24):
        day += [hours[h] if h < len(hours) else TouPeriod.FLAT] * 4
    prices = {TouPeriod.FLAT: 0.5, **prices}
    return Tariff(
        id="test",
        province="",
        name_zh="test",
        period_by_month=dict.fromkeys(range(1, 13), tuple(day)),
        prices_cny_per_kwh=prices,
        demand_charge_cny_per_kw_month=demand,
        capacity_charge_cny_per_kva_month=0.0,
        export_price_cny_per_kwh=0.0,
    )


V, P = TouPeriod.VALLEY, TouPeriod.PEAK


def arbitrage_system(standing_loss: float = 0.0) -> EnergySystem:
    return EnergySystem(
        horizon=Horizon.hourly("2026-03-02", 4),
        electric_load_kw=[0, 0, 100, 100],
        grid=GridConnection(tariff=hourly_tariff([V, V, P, P], {V: 0.3, P: 1.0})),
        carbon=CF,
        batteries=(
            Battery(
                "b",
                power_kw=100,
                energy_kwh=200,
                eta_charge=0.9,
                eta_discharge=0.9,
                standing_loss_per_h=standing_loss,
                cyclic=False,
                soc_initial_kwh=0,
            ),
        ),
    )


def test_four_hour_battery_arbitrage() -> None:
    # Valley 0.3, peak 1.0 CNY/kWh; load 0, 0, 100, 100 kW; battery 100 kW / 200 kWh, η_c = η_d = 0.9.
    # Each kWh bought at 0.3 returns 0.81 kWh worth 0.81 > 0.3, so charge at full power both valley hours:
    # 2 × 100 kWh in, soc = 200 × 0.9 = 180 kWh (the 100 kW power limit binds, not the 200 kWh).
    # Discharged to the load: 180 × 0.9 = 162 kWh; bought at peak: 200 − 162 = 38 kWh.
    # Cost = 200 × 0.3 + 38 × 1.0 = 60 + 38 = 98 CNY.
    r = optimise(arbitrage_system())
    assert r.status == RunStatus.OPTIMAL
    assert r.objective_cny == pytest.approx(98.0, rel=1e-6)
    np.testing.assert_allclose(r.series["battery:b_charge_kw"], [100, 100, 0, 0], atol=1e-6)
    assert r.series["battery:b_soc_kwh"][1] == pytest.approx(180.0)
    assert sum(r.costs_cny.values()) == pytest.approx(r.objective_cny)


def test_battery_arbitrage_with_standing_loss() -> None:
    # As above with 1 %/h standing loss: soc1 = 90, soc2 = 0.99 × 90 + 90 = 179.1.
    # Discharge early (less loss): d3 = 100 kW needs 100/0.9 = 111.11 kWh:
    # soc3 = 0.99 × 179.1 − 111.11 = 66.198;
    # hour 4: 0.99 × 66.198 = 65.536 kWh × 0.9 = 58.98 kWh delivered. Peak purchase 200 − 158.98 = 41.02.
    soc3 = 0.99 * 179.1 - 100 / 0.9
    d4 = 0.99 * soc3 * 0.9
    expected = 200 * 0.3 + (200 - 100 - d4) * 1.0
    r = optimise(arbitrage_system(standing_loss=0.01))
    assert r.objective_cny == pytest.approx(expected, rel=1e-6)
    assert expected == pytest.approx(101.02, abs=0.01)


def test_demand_charge_peak_shaving() -> None:
    # Flat 0.5 CNY/kWh, demand charge 40 CNY/(kW·month); load 100, 300, 100, 100 kW in one month.
    # Battery 100 kW / 100 kWh, η_c = η_d = 0.9, empty at the start; it can charge only in hour 1.
    # Charge ≤ 100 kW → stored ≤ 90 kWh → delivered ≤ 81 kWh in hour 2 → peak P ≥ 300 − 81 = 219 kW;
    # hour-1 import 100 + 100 = 200 ≤ 219, so P = 219 kW (the charging power limit binds).
    # Shaving pays: 40 CNY per kW of peak against 0.5 × (1/0.81 − 1) CNY of losses per kWh delivered.
    # Cost = 0.5 × (200 + 219 + 100 + 100) + 40 × 219 = 309.5 + 8 760 = 9 069.5 CNY.
    peak = 219.0
    expected = 0.5 * (200 + 219 + 100 + 100) + 40 * peak
    s = EnergySystem(
        horizon=Horizon.hourly("2026-03-02", 4),
        electric_load_kw=[100, 300, 100, 100],
        grid=GridConnection(tariff=flat_tariff(0.5, demand_charge_cny_per_kw_month=40.0)),
        carbon=CF,
        batteries=(Battery("b", 100, 100, 0.9, 0.9, cyclic=False),),
    )
    r = optimise(s)
    assert r.objective_cny == pytest.approx(expected, rel=1e-6)
    assert max(r.series["grid_import_kw"]) == pytest.approx(peak, rel=1e-6)
    assert r.costs_cny["demand_charge"] == pytest.approx(40 * peak, rel=1e-6)


def test_demand_floor_already_reached_this_month() -> None:
    # A day-ahead run in a month whose peak is already 500 kW: a 300 kW day adds no demand charge,
    # so the battery is left idle (η < 1 would only lose energy). Cost = 0.5 × 600 + 40 × 500.
    s = EnergySystem(
        horizon=Horizon.hourly("2026-03-02", 4),
        electric_load_kw=[100, 300, 100, 100],
        grid=GridConnection(
            tariff=flat_tariff(0.5, demand_charge_cny_per_kw_month=40.0), demand_floor_kw=500
        ),
        carbon=CF,
        batteries=(Battery("b", 100, 100, 0.9, 0.9, cyclic=False),),
    )
    r = optimise(s)
    assert r.objective_cny == pytest.approx(0.5 * 600 + 40 * 500)


def heat_led(commitment: bool) -> EnergySystem:
    return EnergySystem(
        horizon=Horizon.hourly("2026-03-02", 3),
        electric_load_kw=[500, 500, 500],
        heat_load_kw=[450, 100, 450],
        grid=GridConnection(tariff=flat_tariff(1.0)),
        carbon=CF,
        chps=(
            CHP(
                "chp",
                electric_max_kw=400,
                eta_electric=0.35,
                eta_heat=0.45,
                gas_price_cny_per_m3=3.0,
                min_load_pu=0.5 if commitment else 0.0,
                commitment=commitment,
            ),
        ),
        boilers=(GasBoiler("gb", 1000, efficiency=0.9, gas_price_cny_per_m3=3.0),),
        economics=Economics(carbon_price_cny_per_tco2=100.0),
    )


# Gas: 1 kWh of fuel = 0.0036 GJ / 0.038931 GJ/m³ = 0.092471 m³ → 0.27741 CNY at 3 CNY/m³,
# 0.092471 × 2.16219e-3 = 1.99940e-4 tCO2. Grid: 0.8325e-3 tCO2/kWh.
M3_PER_KWH = 0.0036 / 0.038931
GAS_CNY = 3.0 * M3_PER_KWH
GAS_T = M3_PER_KWH * 2.16219e-3


def test_chp_heat_led_lp() -> None:
    # Heat must be met exactly (no venting). Per kWh of heat the CHP burns 1/0.45 kWh of gas
    # (0.6165 CNY + CO2) and yields 0.35/0.45 = 0.778 kWh of electricity that replaces grid import
    # (1 CNY + 0.8325e-3 t × 100 CNY/t); the boiler burns 1/0.9. The CHP is cheaper per kWh of heat:
    # CHP: 2.222 × (0.27741 + 0.0199940) − 0.7778 × (1 + 0.08325) = 0.6610 − 0.8425 = −0.1815
    # boiler: 1.111 × 0.29740 = 0.3304. So the CHP covers all heat: p_el = heat × 0.35/0.45.
    r = optimise(heat_led(commitment=False))
    p = np.array([450, 100, 450]) * 0.35 / 0.45
    fuel = p / 0.35
    grid = 500 - p
    expected = float(np.sum(fuel * GAS_CNY + grid * 1.0 + 100 * (fuel * GAS_T + grid * 0.8325e-3)))
    assert r.objective_cny == pytest.approx(expected, rel=1e-6)
    np.testing.assert_allclose(r.series["chp:chp_electric_kw"], p, rtol=1e-6)


def test_chp_heat_led_milp_minimum_load() -> None:
    # With commitment and a 50 % minimum load (200 kW_e → 257 kW of heat) the CHP cannot follow the
    # 100 kW heat hour: it is off, the boiler supplies 100 kW (111.1 kWh gas) and the grid 500 kW.
    r = optimise(heat_led(commitment=True), options=SolverOptions(mip_rel_gap=0.0))
    p = np.array([350.0, 0.0, 350.0])
    gas = p / 0.35 + np.array([0, 100 / 0.9, 0])
    grid = 500 - p
    expected = float(np.sum(gas * GAS_CNY + grid + 100 * (gas * GAS_T + grid * 0.8325e-3)))
    assert r.objective_cny == pytest.approx(expected, rel=1e-6)
    np.testing.assert_allclose(r.series["chp:chp_electric_kw"], p, atol=1e-6)
    assert r.mip_gap is not None and r.mip_gap <= 1e-6
    # emissions are the accounting formula: gas m³ × EF + grid kWh × fossil factor (net inflow)
    assert r.emissions_tco2["natural_gas"] == pytest.approx(float(np.sum(gas)) * GAS_T, rel=1e-9)
    assert r.emissions_tco2["grid_electricity"] == pytest.approx(float(np.sum(grid)) * 0.8325e-3, rel=1e-9)


def test_pv_sizing_on_a_representative_day() -> None:
    # One representative day weighted 365 × → 8 760 h. Load 100 kW flat, PV availability 0.5 for 12 h.
    # PV costs 10 000 CNY/kW, 10 a, r = 0 → 1 000 CNY/(kW·a). Each kW up to 200 kW saves
    # 0.5 × 12 h × 365 × 1.0 CNY = 2 190 CNY/a > 1 000, beyond 200 kW nothing (no export): size 200 kW.
    # Cost = 1 000 × 200 + (2 400 − 1 200) kWh/day × 365 × 1.0 = 200 000 + 438 000 = 638 000 CNY/a.
    avail = [0.0] * 6 + [0.5] * 12 + [0.0] * 6
    hz = Horizon(
        index_local=pd.date_range("2026-06-01", periods=24, freq="h"), dt_h=1.0, weight_h=np.full(24, 365.0)
    )
    s = EnergySystem(
        horizon=hz,
        electric_load_kw=100.0,
        grid=GridConnection(tariff=flat_tariff(1.0)),
        carbon=CF,
        renewables=(Renewable("roof", "pv", 0.0, avail, Extendable(10_000, 10, max_unit=1_000)),),
        economics=Economics(discount_rate=0.0),
    )
    r = optimise(s)
    assert r.sizes["pv:roof"]["added"] == pytest.approx(200.0, rel=1e-6)
    assert r.objective_cny == pytest.approx(638_000.0, rel=1e-6)
    assert r.clean_share == pytest.approx(1200 / 2400)
    # Effect against today's park (no PV): 2 400 kWh/day × 365 × 1.0 = 876 000 CNY → change −238 000 CNY;
    # CO2 falls by 1 200 kWh/day × 365 × 0.8325e-3 = 364.635 t.

    eff = investment_effect(s, r)
    assert eff["reference"]["objective_cny"] == pytest.approx(876_000.0)
    assert eff["change"]["objective_cny"] == pytest.approx(-238_000.0)
    assert eff["change"]["emissions_tco2"] == pytest.approx(-364.635)


def test_green_contract_counts_only_within_import() -> None:
    # 2 h, load 100 kW, green contract up to 60 kW at +0.05 CNY/kWh premium, carbon 200 CNY/t.
    # Green kWh avoid 0.8325e-3 × 200 = 0.1665 CNY > 0.05 → take all 60 kW both hours.
    # Cost = 200 × 0.5 + 120 × 0.05 + 200 × 0.8325e-3 × (200 − 120) = 100 + 6 + 13.32 = 119.32.
    s = EnergySystem(
        horizon=Horizon.hourly("2026-03-02", 2),
        electric_load_kw=100.0,
        grid=GridConnection(tariff=flat_tariff(0.5)),
        carbon=CF,
        green_contracts=(GreenPowerContract("wind-ppa", 60.0, premium_cny_per_kwh=0.05),),
        economics=Economics(carbon_price_cny_per_tco2=200.0),
    )
    r = optimise(s)
    assert r.objective_cny == pytest.approx(119.32, rel=1e-9)
    assert r.clean_share == pytest.approx(0.6)


def test_demand_response_event_least_cost() -> None:
    # Flat 1 CNY/kWh, load 100 kW for 4 h. Battery 50 kW / 100 kWh, η_c = η_d = 0.95, starts full and
    # must end full (so the baseline leaves it idle: any cycle loses energy). Curtailable load 50 kW at
    # 2 CNY/kWh. Event: cut import by 80 kW in hour 2 (01:00–02:00) below the baseline 100 kW → ≤ 20 kW.
    # Battery: a kWh delivered costs 1/0.95² − 1 = 0.10803 CNY of extra energy later → use all 50 kW:
    # 50 × 0.10803 = 5.4017 CNY. Curtailment: 2 − 1 = 1 CNY/kWh net → 30 kW: 30 CNY.
    # Baseline 400 → with event 400 + 5.4017 + 30 = 435.4017 CNY.
    s = EnergySystem(
        horizon=Horizon.hourly("2026-03-02", 4),
        electric_load_kw=100.0,
        grid=GridConnection(tariff=flat_tariff(1.0)),
        carbon=CF,
        batteries=(
            Battery("b", 50, 100, 0.95, 0.95, cyclic=False, soc_initial_kwh=100, soc_final_min_kwh=100),
        ),
        flexible_load=FlexibleLoad(max_curtail_kw=50, cost_cny_per_kwh=2.0),
    )
    ev = DemandResponseEvent(pd.Timestamp("2026-03-02 01:00"), pd.Timestamp("2026-03-02 02:00"), 80.0, 0.5)
    base, event = demand_response(s, ev)
    assert base.objective_cny == pytest.approx(400.0)
    assert event.objective_cny == pytest.approx(400 + 50 * (1 / 0.95**2 - 1) + 30, rel=1e-6)
    assert event.series["grid_import_kw"][1] == pytest.approx(20.0)
    assert event.series["load_curtailment_kw"][1] == pytest.approx(30.0)
    assert event.series["battery:b_discharge_kw"][1] == pytest.approx(50.0)
    # incentive 0.5 CNY/kWh on the 80 kWh reduced, reported beside the cost
    assert event.costs_cny["demand_response_incentive"] == pytest.approx(-40.0)


def test_core_indicator_reported_with_accounting_formula() -> None:
    # 1 h: grid 1 000 kWh, gas CHP off. CO2 = 1 000 × 0.8325e-3 = 0.8325 t; energy = 1 000 × 0.1229e-3
    # = 0.1229 tce; indicator = 0.8325 / 0.1229 = 6.774 tCO2/tce (electricity only, 当量值).
    s = EnergySystem(
        horizon=Horizon.hourly("2026-03-02", 1),
        electric_load_kw=1000.0,
        grid=GridConnection(tariff=flat_tariff(0.5)),
        carbon=CF,
    )
    r = optimise(s)
    assert r.core_indicator_tco2_per_tce == pytest.approx(0.8325 / 0.1229)
    assert math.isclose(r.energy_tce, 0.1229)
    assert GJ_PER_KWH == 0.0036


def test_heat_pump_with_thermal_storage_shifts_to_valley() -> None:
    # Heat load 0 then 100 kW_th; heat pump COP 4; valley 0.2, peak 1.0 CNY/kWh; heat store 200 kWh,
    # η_c = η_d = 0.95, no loss, starts empty. Heat made in hour 1 and stored: 100 / 0.95² = 110.80 kWh_th
    # → 27.70 kWh_e × 0.2 = 5.540 CNY, against 100 / 4 × 1.0 = 25 CNY made in hour 2. Cost = 5.540 CNY.

    s = EnergySystem(
        horizon=Horizon.hourly("2026-03-02", 2),
        electric_load_kw=0.0,
        heat_load_kw=[0.0, 100.0],
        grid=GridConnection(tariff=hourly_tariff([V, P], {V: 0.2, P: 1.0})),
        carbon=CF,
        heat_pumps=(HeatPump("hp", 200.0, cop=4.0),),
        thermal_storages=(
            ThermalStorage("tes", 200, 200, 0.95, 0.95, standing_loss_per_h=0.0, cyclic=False),
        ),
    )
    r = optimise(s)
    assert r.objective_cny == pytest.approx(100 / 0.95**2 / 4 * 0.2, rel=1e-6)
    assert r.series["heat_pump:hp_heat_kw"][1] == pytest.approx(0.0, abs=1e-6)


def test_hourly_matching_target_by_hand() -> None:
    # 2 h, load 100 kW; PV availability 1.0 then 0 on a 150 kW array (no export, no storage);
    # green contract up to 100 kW at +0.1 CNY/kWh. Hourly matching ≥ 75 %: hour 1 is 100 % PV-matched
    # (100 kWh), hour 2 needs 50 kWh of green power: (100 + 50) / 200 = 75 %. Cost = 0.5 × 100 (hour 2
    # import) + 0.1 × 50 = 55 CNY. Without the target: 50 CNY and 50 % matching.
    s = EnergySystem(
        horizon=Horizon.hourly("2026-03-02", 2),
        electric_load_kw=100.0,
        grid=GridConnection(tariff=flat_tariff(0.5)),
        carbon=CF,
        renewables=(Renewable("roof", "pv", 150.0, [1.0, 0.0]),),
        green_contracts=(GreenPowerContract("ppa", 100.0, premium_cny_per_kwh=0.1),),
    )
    assert optimise(s).hourly_matching == pytest.approx(0.5)

    r = optimise(replace(s, targets=Targets(hourly_matching_min=0.75)))
    assert r.objective_cny == pytest.approx(55.0, rel=1e-9)
    assert r.hourly_matching == pytest.approx(0.75)


def test_quarter_hour_steps_match_hourly_energy() -> None:
    # The 4-hour arbitrage at 15-minute steps (16 steps, Δt = 0.25 h): same energies, same 98 CNY.
    hz = Horizon.hourly("2026-03-02", 4, dt_h=0.25)
    base = arbitrage_system()
    s = EnergySystem(
        horizon=hz,
        electric_load_kw=np.repeat([0.0, 0.0, 100.0, 100.0], 4),
        grid=base.grid,
        carbon=CF,
        batteries=base.batteries,
    )
    assert optimise(s).objective_cny == pytest.approx(98.0, rel=1e-6)


def test_demand_charge_on_representative_days_covers_the_year() -> None:
    # Two representative days (January, July), each standing for 182.5 days; 100 kW flat, energy free,
    # demand charge 40 CNY/(kW·month). The two months stand for 12: 40 × 100 kW × 12 = 48 000 CNY/a.
    idx = pd.DatetimeIndex(
        list(pd.date_range("2026-01-15", periods=24, freq="h"))
        + list(pd.date_range("2026-07-15", periods=24, freq="h"))
    )
    hz = Horizon(index_local=idx, dt_h=1.0, weight_h=np.full(48, 182.5), group=np.repeat([0, 1], 24))
    s = EnergySystem(
        horizon=hz,
        electric_load_kw=100.0,
        grid=GridConnection(tariff=flat_tariff(0.0, demand_charge_cny_per_kw_month=40.0)),
        carbon=CF,
    )
    r = optimise(s)
    assert r.objective_cny == pytest.approx(48_000.0)
    assert r.costs_cny["demand_charge"] == pytest.approx(48_000.0)
