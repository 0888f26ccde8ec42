"""Fixed-duration storage, capital cost given per year, an hourly price series, solver output.

Each expected optimum is worked out in the comment above its assertion.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from zeropark.errors import ValidationError
from zeropark.optimize import (
    PARK_METHOD_DEFAULTS,
    Battery,
    EnergySystem,
    Extendable,
    GridConnection,
    Horizon,
    Tariff,
    TouPeriod,
    flat_tariff,
    optimise,
)
from zeropark.optimize.profiles import Profiles
from zeropark.optimize.scenario import ScenarioParams, build_system
from zeropark.optimize.tariff import price_series_from_frame, prices_on

V, P = TouPeriod.VALLEY, TouPeriod.PEAK
#: 4 steps of one hour, each standing for 2 190 h, so they stand for a year (capex scale 1).
W = 8760.0 / 4


def _tariff() -> Tariff:
    day = [V] * 8 + [P] * 8 + [TouPeriod.FLAT] * 80  # 00:00–02:00 valley, 02:00–04:00 peak
    return Tariff(
        id="test",
        province="",
        name_zh="test",
        period_by_month=dict.fromkeys(range(1, 13), tuple(day)),
        prices_cny_per_kwh={V: 0.3, P: 1.0, TouPeriod.FLAT: 0.5},
        demand_charge_cny_per_kw_month=0.0,
        capacity_charge_cny_per_kva_month=0.0,
        export_price_cny_per_kwh=0.0,
    )


def _system(battery: Battery) -> EnergySystem:
    idx = pd.date_range("2026-03-02", periods=4, freq="h")
    return EnergySystem(
        horizon=Horizon(index_local=idx, dt_h=1.0, weight_h=np.full(4, W)),
        electric_load_kw=[0, 0, 100, 100],
        grid=GridConnection(tariff=_tariff()),
        carbon=PARK_METHOD_DEFAULTS,
        batteries=(battery,),
    )


def _battery(duration_h: float | None) -> Battery:
    # power 500 CNY/(kW·a), energy 1 000 CNY/(kWh·a), given per year; lossless, empty at the start
    return Battery(
        "b",
        power_kw=0.0,
        energy_kwh=0.0,
        eta_charge=1.0,
        eta_discharge=1.0,
        cyclic=False,
        extend_power=Extendable.annual(500.0),
        extend_energy=Extendable.annual(1000.0),
        duration_h=duration_h,
    )


# Without a battery: 2 peak steps × 100 kW × 1.0 CNY/kWh × 2 190 h = 438 000 CNY.
NO_BATTERY = 2 * 100 * 1.0 * W


def test_two_hour_battery_sized_together() -> None:
    # E = 2P. Per kW of power: charge 1 kW in each valley step, discharge in each peak step:
    # saves 2 × 2 190 × (1.0 − 0.3) = 3 066 CNY/a for 500 + 2 × 1 000 = 2 500 CNY/a → build up to the
    # load: P = 100 kW, E = 200 kWh. Cost = 2 × 100 × 0.3 × 2 190 + 100 × 500 + 200 × 1 000
    # = 131 400 + 250 000 = 381 400 CNY.
    r = optimise(_system(_battery(2.0)))
    assert r.sizes["battery_power:b"]["added"] == pytest.approx(100.0)
    assert r.sizes["battery_energy:b"]["added"] == pytest.approx(200.0)
    assert r.sizes["battery_power:b"]["annualised_cny_per_unit_a"] == 500.0
    assert r.objective_cny == pytest.approx(381_400.0, rel=1e-9)


def test_four_hour_battery_does_not_pay_where_independent_sizing_would() -> None:
    # E = 4P: 500 + 4 × 1 000 = 4 500 CNY/a per kW against the same 3 066 saved → nothing built,
    # cost 438 000. Sized independently the optimiser takes P = 100, E = 200 (381 400, above).
    fixed = optimise(_system(_battery(4.0)))
    assert fixed.sizes["battery_power:b"]["added"] == pytest.approx(0.0, abs=1e-6)
    assert fixed.sizes["battery_energy:b"]["added"] == pytest.approx(0.0, abs=1e-6)
    assert fixed.objective_cny == pytest.approx(NO_BATTERY, rel=1e-9)
    free = optimise(_system(_battery(None)))
    assert free.sizes["battery_energy:b"]["added"] == pytest.approx(200.0)
    assert free.objective_cny == pytest.approx(381_400.0, rel=1e-9)


def test_fixed_duration_needs_consistent_figures() -> None:
    bad = Battery("b", power_kw=100.0, energy_kwh=300.0, duration_h=2.0)
    with pytest.raises(ValueError, match="needs energy_kwh = duration_h × power_kw = 200 kWh"):
        optimise(_system(bad))


def _profiles(n: int = 4) -> Profiles:
    idx = pd.date_range("2026-03-02", periods=n, freq="h")
    return Profiles(idx, np.array([0, 0, 100, 100.0]), np.zeros(n), np.zeros(n), 0.0, "test")


def test_scenario_duration_and_annualised_capex() -> None:
    params = ScenarioParams(
        battery_max_kwh=800.0,
        battery_duration_h=4.0,
        annualised_capex={"battery_power": 120.0, "battery_energy": 90.0},
    )
    sy = build_system(_profiles(), params, _tariff(), PARK_METHOD_DEFAULTS)
    b = sy.batteries[0]
    assert b.duration_h == 4.0
    assert b.extend_power is not None and b.extend_power.max_unit == 200.0  # 800 kWh / 4 h
    assert b.extend_power.annualised_cny_per_unit_a == 120.0
    assert b.extend_energy is not None and b.extend_energy.annualised_cny_per_unit_a == 90.0
    with pytest.raises(ValueError, match="unknown asset"):
        build_system(
            _profiles(), ScenarioParams(annualised_capex={"pv_panels": 1.0}), _tariff(), PARK_METHOD_DEFAULTS
        )


def test_price_series_replaces_the_tariff_energy_prices() -> None:
    # flat tariff 0.5; series 0.2, 0.2, 1.5, 1.5; load 0, 0, 100, 100 → 2 × 100 × 1.5 = 300 CNY
    sy = EnergySystem(
        horizon=Horizon.hourly("2026-03-02", 4),
        electric_load_kw=[0, 0, 100, 100],
        grid=GridConnection(tariff=flat_tariff(0.5), energy_price_cny_per_kwh=[0.2, 0.2, 1.5, 1.5]),
        carbon=PARK_METHOD_DEFAULTS,
    )
    r = optimise(sy)
    assert r.costs_cny["grid_energy"] == pytest.approx(300.0)
    assert r.tariff["energy_prices"].startswith("series")


def test_price_file_rows_are_checked_and_aligned() -> None:
    frame = pd.DataFrame(
        {"time": ["2026-03-02 00:00", "2026-03-02 01:00", "x"], "price_cny_per_kwh": [0.3, "a", 1]}
    )
    with pytest.raises(ValidationError) as err:
        price_series_from_frame(frame, label="prices.csv")
    text = str(err.value)
    assert "prices.csv" in text and "'x' is not a date-time" in text and "'a' is not a number" in text
    ok = price_series_from_frame(
        pd.DataFrame({"time": ["2026-03-02 00:00", "2026-03-02 01:00"], "price_cny_per_kwh": [0.3, -0.1]}),
        label="p.csv",
    )
    np.testing.assert_allclose(prices_on(ok, ok.index, label="p.csv"), [0.3, -0.1])
    with pytest.raises(ValidationError, match="no price for 1 of the run's 3 steps"):
        prices_on(ok, pd.date_range("2026-03-02", periods=3, freq="h"), label="p.csv")


SOLVE = """
from zeropark.optimize import *
s = EnergySystem(horizon=Horizon.hourly("2026-03-02", 2), electric_load_kw=[1, 1],
    grid=GridConnection(tariff=flat_tariff(0.5)), carbon=PARK_METHOD_DEFAULTS)
print("objective", round(optimise(s).objective_cny, 6))
"""


def test_solver_banner_stays_off_stdout() -> None:
    out = subprocess.run([sys.executable, "-c", SOLVE], capture_output=True, text=True, check=True)
    assert out.stdout == "objective 1.0\n"  # 2 × 1 kWh × 0.5; nothing else on stdout
    assert "HiGHS" not in out.stdout
