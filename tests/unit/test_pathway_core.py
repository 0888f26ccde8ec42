"""Pathway LP, MACC and 以碳定产/以产定基/以土为界 against hand-computed references."""

from __future__ import annotations

import pytest

from zeropark.model import Carrier
from zeropark.roadmap.budget import InfraOptions, ParkLand, SectorBase, allowances, carbon_budget
from zeropark.roadmap.macc import macc
from zeropark.roadmap.measures import Measure, Mechanism, Pathway
from zeropark.roadmap.pathway import (
    BauYear,
    CapexMode,
    PathwayError,
    PathwayProblem,
    Target,
    TargetBeforeBaseYear,
    TargetKind,
    Use,
    capex_coefficients,
    ramp_steps,
    solve_pathway,
)

# One enterprise e1: 100 000 kWh of electricity (60 tCO2, 12.29 tce) and 20 000 m³ of gas
# (40 tCO2, 24 tce) every year: 100 tCO2/a, 36.29 tce/a.
USES = (Use("e1", "electricity", 100_000, 60, 12.29), Use("e1", "natural_gas", 20_000, 40, 24))
BAU = tuple(BauYear(y, 100.0, 36.29, USES) for y in (2024, 2025, 2026))
# A: saves 10 000 kWh per unit → 10 000 × 60/100 000 = 6 tCO2/a; 1 000 CNY; lives 2 years.
A = Measure(
    "A",
    "甲",
    "A",
    Pathway.ENERGY_EFFICIENCY,
    Mechanism.EFFICIENCY,
    Carrier.ELECTRICITY,
    "unit",
    10_000,
    1000,
    0,
    2,
    "s",
)
# B: saves 2 000 m³ per unit → 2 000 × 40/20 000 = 4 tCO2/a; 500 CNY; at most half the gas → 5 units.
B = Measure(
    "B",
    "乙",
    "B",
    Pathway.ENERGY_EFFICIENCY,
    Mechanism.EFFICIENCY,
    Carrier.NATURAL_GAS,
    "unit",
    2000,
    500,
    0,
    2,
    "s",
    max_share=0.5,
)


def _problem(target: Target, **kw: object) -> PathwayProblem:
    return PathwayProblem((A, B), BAU, (target,), {}, 0.0, {}, **kw)  # type: ignore[arg-type]


def test_two_measure_three_year_lp_optimum_by_hand() -> None:
    # Cap 70 t/a from 2025: 30 t/a must go in 2025 and in 2026. Discount rate 0, lump capex with
    # salvage: a unit added in 2025 lives 2025–2026 (no life left after 2026, no salvage), so per
    # tCO2/a: A 1000/6 = 166.7 CNY, B 500/4 = 125 CNY → B first, up to its bound 5 units = 20 t,
    # then A for the remaining 10 t: 10/6 = 5/3 units. Adding in 2026 cannot help 2025.
    # Cost = 5 × 500 + 5/3 × 1000 = 4 166.67 CNY; emissions 100, 70, 70.
    r = solve_pathway(_problem(Target(TargetKind.CAP, 70, 2025)))
    assert r.status == "optimal"
    units = {(a["measure"], a["year"]): a["units"] for a in r.additions}
    assert units == pytest.approx({("B", 2025): 5.0, ("A", 2025): 5 / 3})
    assert r.cost_cny["total"] == pytest.approx(2500 + 5000 / 3)
    assert r.emissions_tco2 == pytest.approx([100, 70, 70])
    assert r.targets[0]["met"] and r.targets[0]["year_met"] == 2025


def test_infeasible_target_explained_with_best_reachable() -> None:
    # The most that can go: A 10 units (all electricity) 60 t + B 5 units 20 t = 80 t → 20 t/a left.
    r = solve_pathway(_problem(Target(TargetKind.CAP, 10, 2025)))
    assert r.status == "infeasible"
    assert r.emissions_tco2 == pytest.approx([100, 20, 20])
    assert "lowest reachable is 20.000 t" in r.explanation[0]
    assert any("max_share" in line and "A, B" in line for line in r.explanation)
    # the relaxed model at once (the service's correction solves of an unreachable target) gives
    # the same best reachable plan; a reachable target solved relaxed stays optimal (4 166.67 CNY)
    rr = solve_pathway(_problem(Target(TargetKind.CAP, 10, 2025)), relaxed=True)
    assert rr.status == "infeasible" and rr.emissions_tco2 == pytest.approx([100, 20, 20])
    ok = solve_pathway(_problem(Target(TargetKind.CAP, 70, 2025)), relaxed=True)
    assert ok.status == "optimal" and ok.cost_cny["total"] == pytest.approx(2500 + 5000 / 3)


def test_unreachable_target_plan_is_the_cheapest_at_the_reachable_level() -> None:
    # Cap 10 t/a from 2026 (the last year): at most 80 t off (A 10 units + B 5 units) → 20 t/a.
    # Units added in 2025 or 2026 both stand in 2026 (lifetime 2); lump capex at rate 0 with
    # salvage: a 2026 unit has 2026 + 2 − 1 − 2026 = 1 year of 2 left → half its capex back.
    # Cheapest at the reachable level: add in 2026 only, 10 × 1000 × 0.5 + 5 × 500 × 0.5 =
    # 6 250 CNY (adding in 2025 would cost 11 250 CNY and is a plan of the same reach).
    r = solve_pathway(_problem(Target(TargetKind.CAP, 10, 2026)))
    assert r.status == "infeasible"
    assert r.emissions_tco2 == pytest.approx([100, 100, 20], rel=1e-6)
    assert r.cost_cny["total"] == pytest.approx(6250, rel=1e-6)
    assert "in 2026 the lowest reachable is 20.000 t" in r.explanation[0]
    assert r.targets[0]["reached"] == pytest.approx(20, rel=1e-6)


def test_budget_and_zero_targets() -> None:
    # Budget 150 t over 2025–2026 (BAU 200): 50 t to cut; cheapest is B in 2025 (4 t/a for two
    # years = 8 t per 500 CNY) → 50/8 = 6.25 units > 5 → 5 units (40 t) + A for 10 t over two
    # years: 10/12 units in 2025 (833.33 CNY) vs in 2026 at 500 CNY net (salvage ½): 10/6 units
    # = 833.33 CNY — equal; the cost is 2 500 + 833.33 either way.
    r = solve_pathway(_problem(Target(TargetKind.BUDGET, 150)))
    assert r.cost_cny["total"] == pytest.approx(2500 + 2500 / 3)
    assert sum(r.emissions_tco2[1:]) == pytest.approx(150)
    # zero by 2026 is out of reach (20 t/a left)
    z = solve_pathway(_problem(Target(TargetKind.ZERO, 0, 2026)))
    assert z.status == "infeasible" and z.targets[0]["reached"] == pytest.approx(20)


def test_target_before_base_year_is_a_named_error() -> None:
    with pytest.raises(TargetBeforeBaseYear, match="before the base year 2024"):
        solve_pathway(_problem(Target(TargetKind.CAP, 70, 2020)))
    with pytest.raises(PathwayError, match="consecutive"):
        solve_pathway(PathwayProblem((A,), (BAU[0], BAU[2]), (Target(TargetKind.BUDGET, 1),)))


def test_capex_lump_salvage_and_annuity() -> None:
    # r = 0.1, capex 1000, life 2, horizon 2024–2026. Lump: added 2025 → 1000/1.1 = 909.09;
    # added 2026 → 1000 × (1/1.1² − ½ × 1/1.1³) = 826.446 − 375.657 = 450.789.
    # Annuity: CRF = 0.1·1.21/0.21 = 0.576190; added 2025 → 576.19 × (1/1.1 + 1/1.21) = 1000.0;
    # added 2026 → 576.19/1.21 = 476.19.
    years = [2024, 2025, 2026]
    lump = capex_coefficients(A, years, 0.1, CapexMode.LUMP)
    ann = capex_coefficients(A, years, 0.1, CapexMode.ANNUITY)
    assert lump[1:] == pytest.approx([909.0909, 450.7889], rel=1e-6)
    assert ann[1:] == pytest.approx([1000.0, 476.1905], rel=1e-6)
    # ramp 2 years, life 3: effect min(1, k/2) = 0, 0.5, 1, then 0 → steps +0.5 (k=1), +0.5 (k=2),
    # −1 (k=3); no ramp, life 2: +1 (k=0), −1 (k=2)
    # f(k) = min(1, k/2) − min(1, (k−3)/2): 0, .5, 1, 1, .5, 0 (the retirement ramps out as
    # scenario.units_in_force applies the negative step of the cumulative schedule)
    assert ramp_steps(3, 2) == [(1, 0.5), (2, 0.5), (4, -0.5), (5, -0.5)]
    assert ramp_steps(2, 0) == [(0, 1.0), (2, -1.0)]


def test_macc_of_three_measures() -> None:
    # Discount 0 → CRF = 1/L; electricity 0.5 CNY/kWh, gas 0.
    # A': 10 000 kWh, capex 10 000, L 10 → 1000 − 5 000 saved = −4 000 CNY/a per 6 t → −666.67 CNY/t;
    #     10 units (all electricity) → 60 t.
    # B': as B, capex 5 000, L 5, opex 100 → 1 100 CNY/a per 4 t → 275 CNY/t; 5 units → 20 t.
    # C: CCUS 1 t per unit, opex 300 → 300 CNY/t; half of the direct (gas) 40 t → 20 t.
    a = Measure(
        "A",
        "甲",
        "A",
        Pathway.ENERGY_EFFICIENCY,
        Mechanism.EFFICIENCY,
        Carrier.ELECTRICITY,
        "u",
        10_000,
        10_000,
        0,
        10,
        "s",
    )
    b = Measure(
        "B",
        "乙",
        "B",
        Pathway.ENERGY_EFFICIENCY,
        Mechanism.EFFICIENCY,
        Carrier.NATURAL_GAS,
        "u",
        2000,
        5000,
        100,
        5,
        "s",
        max_share=0.5,
    )
    c = Measure("C", "丙", "C", Pathway.CCUS, Mechanism.CCUS, None, "t", 1, 0, 300, 20, "s", max_share=0.5)
    p = PathwayProblem((c, b, a), BAU, (), {}, 0.0, {"electricity": 0.5})
    bars = macc(p, 2025)
    assert [x.measure_id for x in bars] == ["A", "B", "C"]
    assert [x.cost_cny_per_tco2 for x in bars] == pytest.approx([-4000 / 6, 275, 300])
    assert [v for x in bars for v in (x.x0, x.x1)] == pytest.approx([0, 60, 60, 80, 80, 100])
    with pytest.raises(PathwayError, match="not in the horizon"):
        macc(p, 2030)


def test_budget_production_infrastructure_land() -> None:
    # Base 2024: 1 000 t, 5 000 tce; cap 400 t by 2027, horizon 2030 → 800, 600, 400, 400, 400, 400;
    # cumulative 3 000 t. Sector C1 60 % of CO2 → 240 t in 2027 at 1 200/600 = 2 (10⁴ CNY/t) → 480.
    # Electricity 800 000 kWh, 500 t → 0.000625 t/kWh; reduction 600 t, 500 t from electricity →
    # 800 000 kWh clean → 727.27 kW at 1 100 h → 4 848.5 m² at 150 W/m²; storage 0.2 × kW = 145.45 kWh;
    # 100 t beyond electricity. Land 5 000 m² roof × 0.6 + 1 000 m² = 4 000 m² → 600 kW → 660 000 kWh,
    # shortfall 140 000 kWh.
    r = carbon_budget(
        Target(TargetKind.CAP, 400, 2027),
        base_year=2024,
        last_year=2030,
        year=None,
        base_co2_t=1000,
        base_tce=5000,
        electricity_co2_t=500,
        electricity_kwh=800_000,
        sectors=[SectorBase("C1", 600, 1200), SectorBase("C2", 400, None)],
        land=ParkLand(5000, 1000, 1.0),
        options=InfraOptions(),
    )
    assert [p["allowance_tco2"] for p in r.path] == pytest.approx([800, 600, 400, 400, 400, 400])
    assert r.cumulative_tco2 == pytest.approx(3000)
    assert r.sectors[0]["allowance_tco2"] == pytest.approx(240)
    assert r.sectors[0]["output_allowed_10k_cny"] == pytest.approx(480)
    assert r.sectors[1]["output_allowed_10k_cny"] is None
    inf = r.infrastructure
    assert inf["pv_kw"] == pytest.approx(800_000 / 1100)
    assert inf["pv_area_m2"] == pytest.approx(800_000 / 1100 * 1000 / 150)
    assert inf["storage_kwh"] == pytest.approx(0.2 * 800_000 / 1100)
    assert inf["non_electric_reduction_tco2"] == pytest.approx(100)
    assert r.land["suffices"] is False
    assert r.land["shortfall_kwh"] == pytest.approx(140_000)
    # a budget of 2 000 t over 2025–2028 from 1 000 t/a: L = 1000 + 2(2000 − 4000)/5 = 200
    path = allowances(Target(TargetKind.BUDGET, 2000), 2024, 1000, 5000, 2028)
    assert [a for _, a in path] == pytest.approx([800, 600, 400, 200])
    with pytest.raises(TargetBeforeBaseYear):
        allowances(Target(TargetKind.ZERO, 0, 2024), 2024, 1000, 5000, 2030)
