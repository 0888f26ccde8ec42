"""Infeasible models explain themselves in words (relax-and-diagnose + HiGHS IIS)."""

import numpy as np
import pandas as pd
import pytest

from zeropark.errors import Infeasible, OptimizationError
from zeropark.optimize import (
    PARK_METHOD_DEFAULTS,
    Battery,
    DemandResponseEvent,
    EnergySystem,
    Extendable,
    GridConnection,
    Horizon,
    Renewable,
    SolverOptions,
    Targets,
    demand_response,
    flat_tariff,
    optimise,
)


def pv_park(target: float) -> EnergySystem:
    # Load 10 MW flat for 24 h; PV availability 0.2 from 08:00 to 16:00, PV may be built up to 30 MW.
    avail = np.zeros(24)
    avail[8:16] = 0.2
    return EnergySystem(
        horizon=Horizon.hourly("2026-06-01", 24),
        electric_load_kw=10_000.0,
        grid=GridConnection(tariff=flat_tariff(0.6)),
        carbon=PARK_METHOD_DEFAULTS,
        renewables=(Renewable("roof", "pv", 0.0, avail, Extendable(10_000, 25, max_unit=30_000)),),
        targets=Targets(clean_share_min=target),
    )


def test_clean_share_unreachable_names_the_limit() -> None:
    # Best case: 30 MW × 0.2 = 6 MW < 10 MW load for 8 h, no export, no storage:
    # clean = 8 × 6 000 = 48 000 kWh of 240 000 kWh consumed = 20.0 %.
    with pytest.raises(Infeasible) as info:
        optimise(pv_park(0.95))
    err = info.value
    assert "clean-energy share 95% is unreachable: at most 20.0% with PV roof ≤ 30 MW" in str(err)
    assert err.conflicts[0].startswith("clean-energy share 95% is unreachable")
    # HiGHS IIS names the clashing constraint groups too
    assert any("annual clean-energy share target" in c for c in err.conflicts)


def test_reachable_share_is_met_exactly() -> None:
    # 15 % needs 36 000 kWh = 8 h × 0.2 × C → C = 22 500 kW of PV. More does not pay: a kW costs
    # 10 000 × CRF(6 %, 25 a) = 782.27 CNY/a × 24/8 760 = 2.14 CNY for the day and saves 8 × 0.2 × 0.6 = 0.96.
    r = optimise(pv_park(0.15))
    assert r.sizes["pv:roof"]["added"] == pytest.approx(22_500, rel=1e-6)
    assert r.clean_share == pytest.approx(0.15, rel=1e-6)


def test_core_indicator_unreachable() -> None:
    # Grid only: indicator = 0.8325 / 0.1229 = 6.774 tCO2/tce; asking ≤ 0.2 cannot be met.
    s = EnergySystem(
        horizon=Horizon.hourly("2026-06-01", 2),
        electric_load_kw=100.0,
        grid=GridConnection(tariff=flat_tariff(0.6)),
        carbon=PARK_METHOD_DEFAULTS,
        targets=Targets(core_indicator_max_tco2_per_tce=0.2),
    )
    with pytest.raises(
        Infeasible, match=r"core indicator ≤ 0.2 tCO2/tce is unreachable: the lowest reachable is 6.774"
    ):
        optimise(s)


def test_import_limit_too_low() -> None:
    s = EnergySystem(
        horizon=Horizon.hourly("2026-06-01", 3),
        electric_load_kw=[100.0, 250.0, 100.0],
        grid=GridConnection(tariff=flat_tariff(0.6), import_max_kw=200.0),
        carbon=PARK_METHOD_DEFAULTS,
    )
    with pytest.raises(
        Infeasible, match=r"grid import limit 200 kW is too low: 50 kW more is needed at 06-01 01:00"
    ):
        optimise(s)


def test_demand_response_cut_too_deep() -> None:
    # Load 100 kW; a battery of 30 kW (η 0.95, starts and ends full, so idle in the baseline) is all the
    # flexibility: a 50 kW cut is short by 50 − 30 = 20 kW.
    s = EnergySystem(
        horizon=Horizon.hourly("2026-06-01", 4),
        electric_load_kw=100.0,
        grid=GridConnection(tariff=flat_tariff(0.6)),
        carbon=PARK_METHOD_DEFAULTS,
        batteries=(
            Battery("b", 30, 120, 0.95, 0.95, cyclic=False, soc_initial_kwh=120, soc_final_min_kwh=120),
        ),
    )
    ev = DemandResponseEvent(pd.Timestamp("2026-06-01 01:00"), pd.Timestamp("2026-06-01 02:00"), 50.0)
    with pytest.raises(
        Infeasible, match=r"cutting grid import by 50 kW in 01:00–02:00 is unreachable: short by up to 20 kW"
    ):
        demand_response(s, ev)


def test_unbounded_is_explained() -> None:
    # Export paid 1.0, import costs 0.5, both unlimited: buy and sell without end.
    s = EnergySystem(
        horizon=Horizon.hourly("2026-06-01", 1),
        electric_load_kw=0.0,
        grid=GridConnection(
            tariff=flat_tariff(0.5, export_price_cny_per_kwh=1.0), export_max_kw=float("inf")
        ),
        carbon=PARK_METHOD_DEFAULTS,
    )
    with pytest.raises(OptimizationError, match="unbounded"):
        optimise(s)


def test_solver_options_are_reported() -> None:
    r = optimise(pv_park(0.1), options=SolverOptions(time_limit_s=30, mip_rel_gap=0.01, threads=1))
    assert r.solver["time_limit"] == 30.0
    assert r.solver["mip_rel_gap"] == 0.01
    assert r.status == "optimal"
