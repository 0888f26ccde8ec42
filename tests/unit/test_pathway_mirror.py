"""The pathway LP mirrors what scenario.project() + the accounting engine do, on hand-computed cases.

Each case is a 1-group park whose projected and accounted figures are computed by hand from the
rules of :func:`zeropark.roadmap.scenario.project` and the park method
(``E_el = (inflow − green − outflow) × EF``, floored at 0; energy per GB/T 2589-2020 with on-site
generation counted as consumed energy); the LP's emissions and energy must equal them (1e-6 rel).
"""

from __future__ import annotations

import pytest

from zeropark.model import Carrier
from zeropark.roadmap.measures import Measure, Mechanism, Pathway
from zeropark.roadmap.pathway import (
    BauYear,
    PathwayProblem,
    Target,
    TargetKind,
    Use,
    build_pairs,
    solve_pathway,
)

EF = 0.0008  # park method grid factor 0.8 tCO2/MWh = 0.0008 t/kWh
TCE = 0.0001229  # electricity, equivalent value [tce/kWh] (GB/T 2589-2020)


def _m(mid: str, mech: Mechanism, carrier: Carrier, effect: float, capex: float, **kw: object) -> Measure:
    return Measure(
        mid,
        mid,
        mid,
        Pathway.ENERGY_EFFICIENCY,
        mech,
        carrier,
        "unit",
        effect,
        capex,
        0,
        5,
        "s",
        **kw,  # type: ignore[arg-type]
    )


def _years(uses: tuple[Use, ...], e: float, t: float, grid_tco2: float) -> tuple[BauYear, ...]:
    return tuple(BauYear(y, e, t, uses, EF, TCE, grid_tco2) for y in (2025, 2026))


def test_pv_efficiency_and_green_power_on_the_same_grid_kwh() -> None:
    # e1 draws 100 000 kWh from the park grid: 100 000 × 0.0008 = 80 t, 100 000 × 0.0001229 =
    # 12.29 tce. Zero CO2 from 2026. Cheapest first (capex 1 < 10 < 100 per unit):
    # a_eff (10 000 kWh/unit, ≤ 50 %): 5 units → 50 000 kWh less: −40 t, −6.145 tce;
    # b_pv (1 000 kWh/unit, ≤ 30 % of the 50 000 kWh left): 15 units → 15 000 kWh generated and
    #   self-used: grid 35 000 kWh, −12 t; energy unchanged (generation is consumed energy);
    # c_green (1 000 kWh/unit, last): the 35 000 kWh left → −28 t, energy unchanged.
    # Accounted: (35 000 − 35 000) × 0.0008 = 0 t; (35 000 + 15 000) × 0.0001229 = 6.145 tce.
    uses = (Use("e1", "electricity", 100_000, 80.0, 12.29, 100_000),)
    measures = (
        _m("a_eff", Mechanism.EFFICIENCY, Carrier.ELECTRICITY, 10_000, 1, max_share=0.5),
        _m("b_pv", Mechanism.ONSITE_GENERATION, Carrier.ELECTRICITY, 1_000, 10, max_share=0.3),
        _m("c_green", Mechanism.GREEN_POWER, Carrier.ELECTRICITY, 1_000, 100),
    )
    problem = PathwayProblem(
        measures, _years(uses, 80.0, 12.29, 80.0), (Target(TargetKind.ZERO, 0, 2026),), {}, 0.0, {}
    )
    r = solve_pathway(problem)
    assert r.status == "optimal"
    units = {a["measure"]: a["units"] for a in r.additions}
    assert units == pytest.approx({"a_eff": 5.0, "b_pv": 15.0, "c_green": 35.0}, rel=1e-6)
    assert r.emissions_tco2[1] == pytest.approx(0.0, abs=1e-6)
    assert r.energy_tce[1] == pytest.approx(6.145, rel=1e-6)
    pairs, _ = build_pairs(problem)
    pv = next(p for p in pairs if p.measure.id == "b_pv")
    assert pv.tce[1] == 0.0 and pv.abate[1] == pytest.approx(1_000 * EF, rel=1e-12)


def test_grid_co2_floored_at_zero_net_inflow() -> None:
    # e1 draws 100 000 kWh; 50 000 kWh of green power are already claimed: grid CO2 =
    # (100 000 − 50 000) × 0.0008 = 40 t; gas 10 t that no measure changes: BAU 50 t.
    # A kWh saved removes 0.0008 t (the grid factor, not the 40/100 000 average) until the net
    # inflow is 0: cap 10 t needs 40 t off = 50 000 kWh = 5 units of 10 000 kWh.
    # (the group's electricity is valued as the service values it: each park-grid kWh at EF,
    # 100 000 × 0.0008 = 80 t; the park's grid CO2 after the claims is the 40 t floor)
    uses = (
        Use("e1", "electricity", 100_000, 80.0, 12.29, 100_000),
        Use("e1", "natural_gas", 5_000, 10.0, 6.0),
    )
    eff = _m("a_eff", Mechanism.EFFICIENCY, Carrier.ELECTRICITY, 10_000, 1, max_share=0.8)

    def solve(cap: float):  # type: ignore[no-untyped-def]
        problem = PathwayProblem(
            (eff,), _years(uses, 50.0, 18.29, 40.0), (Target(TargetKind.CAP, cap, 2026),), {}, 0.0, {}
        )
        return solve_pathway(problem)

    r = solve(10.0)
    assert r.status == "optimal"
    assert sum(a["units"] for a in r.additions) == pytest.approx(5.0, rel=1e-6)
    assert r.emissions_tco2[1] == pytest.approx(10.0, rel=1e-6)
    # 50 000 kWh × 0.0001229 = 6.145 tce less: 18.29 − 6.145 = 12.145
    assert r.energy_tce[1] == pytest.approx(12.145, rel=1e-6)
    # below the gas nothing is reachable: saving more kWh (up to 80 000) adds no CO2 cut
    low = solve(5.0)
    assert low.status == "infeasible"
    assert low.targets[0]["reached"] == pytest.approx(10.0, rel=1e-6)


def test_fuel_switch_draws_its_electricity_from_the_park_grid() -> None:
    # e1: gas 20 000 m³ (40 t, 24 tce: 0.002 t and 0.0012 tce per m³); electricity 100 000 kWh of
    # which 40 000 from the park grid and 60 000 from a park CHP (group average 0.0006 t/kWh).
    # A heat pump saves 1 000 m³ per unit and adds 2 000 kWh drawn from the park grid
    # (project(): the added electricity is CONSUMED from the park grid, the boundary purchase grows):
    # abate 1 000 × 0.002 − 2 000 × 0.0008 = 0.4 t; energy 1.2 − 2 000 × 0.0001229 = 0.9542 tce.
    uses = (
        Use("e1", "electricity", 100_000, 60.0, 12.29, 40_000),
        Use("e1", "natural_gas", 20_000, 40.0, 24.0),
    )
    hp = _m(
        "hp",
        Mechanism.FUEL_SWITCH,
        Carrier.NATURAL_GAS,
        1_000,
        1,
        to_carrier=Carrier.ELECTRICITY,
        ratio=2.0,
    )
    eff = _m("eff", Mechanism.EFFICIENCY, Carrier.ELECTRICITY, 10_000, 1)
    problem = PathwayProblem(
        (hp, eff), _years(uses, 100.0, 36.29, 32.0), (Target(TargetKind.BUDGET, 1e9),), {}, 0.0, {}
    )
    pairs, _ = build_pairs(problem)
    by_id = {p.measure.id: p for p in pairs}
    assert by_id["hp"].abate[1] == pytest.approx(0.4, rel=1e-6)
    assert by_id["hp"].tce[1] == pytest.approx(0.9542, rel=1e-6)
    assert by_id["hp"].abate_grid is not None
    assert by_id["hp"].abate_grid[1] == pytest.approx(-1.6, rel=1e-6)
    # saving a kWh takes from both flows in proportion (project()): 10 000 kWh × 0.0006 = 6 t, of
    # which the park grid's share 40 % × 10 000 × 0.0008 = 3.2 t
    assert by_id["eff"].abate[1] == pytest.approx(6.0, rel=1e-6)
    assert by_id["eff"].abate_grid is not None
    assert by_id["eff"].abate_grid[1] == pytest.approx(3.2, rel=1e-6)


def test_indicator_is_the_inventorys_without_captured_co2() -> None:
    # e1: process CO2 100 t, energy 10 tce (gas 0 t for simplicity of the case). CCUS captures
    # 10 t per unit; the national method has no CCUS term, so the core indicator stays 100/10 =
    # 10 tCO2/tce whatever is captured, while the net CO2 falls: 100 − 3 × 10 = 70 t (cap 70).
    uses = (Use("e1", "process:lime", 1_000, 100.0, 0.0), Use("e1", "natural_gas", 1, 0.0, 10.0))
    ccus = Measure(
        "ccs",
        "ccs",
        "ccs",
        Pathway.CCUS,
        Mechanism.CCUS,
        None,
        "unit",
        10.0,
        1.0,
        0,
        5,
        "s",
    )
    problem = PathwayProblem(
        (ccus,),
        tuple(BauYear(y, 100.0, 10.0, uses) for y in (2025, 2026)),
        (Target(TargetKind.CAP, 70, 2026),),
        {},
        0.0,
        {},
    )
    r = solve_pathway(problem)
    assert r.emissions_tco2[1] == pytest.approx(70.0, rel=1e-6)
    assert r.indicator_tco2_per_tce[1] == pytest.approx(10.0, rel=1e-6)
    # an indicator target cannot be met by capture
    ind = PathwayProblem(
        (ccus,),
        problem.bau,
        (Target(TargetKind.INDICATOR, 5.0, 2026),),
        {},
        0.0,
        {},
    )
    assert solve_pathway(ind).status == "infeasible"
