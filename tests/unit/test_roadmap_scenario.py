"""Scenario projection (roadmap/scenario.py) against figures computed by hand.

A two-enterprise park, January 2025 only: A (GB/T 4754 2651) burns 10 000 m³ natural gas and uses
100 000 kWh from the park grid; B (3311) burns 100 t raw coal and uses 50 000 kWh; the park buys
150 000 kWh at its boundary. Factors of the built-in set (CN-park-2025):

- natural gas EF = 0.038931 GJ/m³ × 15.3×10⁻³ tC/GJ × 0.99 × 44/12 = 0.002162188809 tCO2/m³
- raw coal   EF = 20.908 GJ/t × 26.37×10⁻³ tC/GJ × 0.94 × 44/12   = 1.9002988488 tCO2/t
- park-method grid factor 0.8325 tCO2/MWh (national fossil-power factor 2022, held by default).
"""

from __future__ import annotations

import math
from datetime import date

import pytest

from zeropark.accounting import AccountingOptions
from zeropark.accounting.engine import run
from zeropark.factors import load_factor_set
from zeropark.indicators import evaluate
from zeropark.model import AccountingInput, Carrier, Enterprise, Flow, MonthlyQuantity, Park, Transfer
from zeropark.roadmap.measures import Measure, Mechanism, Pathway
from zeropark.roadmap.scenario import (
    Adoption,
    AdoptionError,
    CcusTreatment,
    Driver,
    Drivers,
    DriversIncomplete,
    GridTrajectory,
    Scenario,
    ScenarioKind,
    Target,
    TargetBeforeBase,
    TargetKind,
    UnknownMeasure,
    YearOutsideScenario,
    project,
    scenario_from_dict,
    scenario_to_dict,
    units_in_force,
)

GAS_EF = 0.038931 * 0.0153 * 0.99 * 44 / 12
COAL_EF = 20.908 * 0.02637 * 0.94 * 44 / 12
JAN = date(2025, 1, 1)
PARK = Park("P", "测试园区", "江苏", "华东", 32.0, 120.0)
A = Enterprise("A", "P", "甲", "91320000000000000A", "2651", value_added_10k_cny=1000.0)
B = Enterprise("B", "P", "乙", "91320000000000000B", "3311", value_added_10k_cny=500.0)
FS = load_factor_set()
OPTS = AccountingOptions()


def _q(party: str | None, carrier: Carrier, flow: Flow, qty: float) -> MonthlyQuantity:
    return MonthlyQuantity(party, carrier, flow, JAN, qty, evidence=(f"{party}-{carrier.value}",))


BASE = AccountingInput(
    park=PARK,
    year=2025,
    enterprises=(A, B),
    quantities=(
        _q("A", Carrier.NATURAL_GAS, Flow.COMBUSTION, 10_000.0),
        _q("A", Carrier.ELECTRICITY, Flow.CONSUMED, 100_000.0),
        _q("B", Carrier.RAW_COAL, Flow.COMBUSTION, 100.0),
        _q("B", Carrier.ELECTRICITY, Flow.CONSUMED, 50_000.0),
        _q(None, Carrier.ELECTRICITY, Flow.PURCHASED, 150_000.0),
    ),
)


def _measure(mid: str, mechanism: Mechanism, effect: float, **kw: object) -> Measure:
    return Measure(
        id=mid,
        name_zh=mid,
        name_en=mid,
        pathway=Pathway.ENERGY_EFFICIENCY,
        mechanism=mechanism,
        carrier=kw.pop("carrier", None),  # type: ignore[arg-type]
        unit="unit",
        effect_per_unit=effect,
        capex_cny_per_unit=1.0,
        opex_cny_per_unit_year=0.0,
        lifetime_years=10,
        source_id="test",
        **kw,  # type: ignore[arg-type]
    )


EFF = _measure("eff-el", Mechanism.EFFICIENCY, 10_000.0, carrier=Carrier.ELECTRICITY)
SWITCH = _measure(
    "coal-gas",
    Mechanism.FUEL_SWITCH,
    50.0,
    carrier=Carrier.RAW_COAL,
    to_carrier=Carrier.NATURAL_GAS,
    ratio=500.0,
)
PV = _measure("pv", Mechanism.ONSITE_GENERATION, 1_000.0)
GREEN = _measure("green", Mechanism.GREEN_POWER, 10_000.0)
CCUS = _measure("ccus", Mechanism.CCUS, 7.5)
MEASURES = {m.id: m for m in (EFF, SWITCH, PV, GREEN, CCUS)}
GROW10 = Drivers(default=Driver(production_growth_pct=10.0, output_growth_pct=5.0))


def _scenario(*adoption: Adoption, **kw: object) -> Scenario:
    return Scenario("t", ScenarioKind.POLICY, 2025, GROW10, adoption=adoption, **kw)  # type: ignore[arg-type]


def _total(s: Scenario, year: int) -> tuple[float, AccountingInput]:
    inputs, fs, p = project(BASE, FS, s, year, MEASURES, OPTS)
    return run(inputs, fs, p.options).total_tco2e, inputs


def test_base_year_is_the_base_run_bit_for_bit() -> None:
    inputs, fs, p = project(BASE, FS, _scenario(), 2025, MEASURES, OPTS)
    assert inputs is BASE and fs is FS
    assert run(inputs, fs, p.options).total_tco2e == run(BASE, FS, OPTS).total_tco2e


def test_growth_alone_by_hand() -> None:
    # 2026, +10 %: gas 11 000 m³, coal 110 t, boundary 165 000 kWh
    # = 11 000 × 0.002162188809 + 110 × 1.9002988488 + 165 × 0.8325 = 370.179450267 t
    total, inputs = _total(_scenario(), 2026)
    assert total == pytest.approx(370.179450267, rel=1e-9)
    assert total == pytest.approx(11_000 * GAS_EF + 110 * COAL_EF + 165 * 0.8325, rel=1e-12)
    assert {q.month for q in inputs.quantities} == {date(2026, 1, 1)}
    # value added × 1.05
    assert {e.id: e.value_added_10k_cny for e in inputs.enterprises} == pytest.approx(
        {"A": 1050.0, "B": 525.0}
    )
    # two years: 1.1² = 1.21
    total2, _ = _total(_scenario(), 2027)
    assert total2 == pytest.approx(1.21 * (10_000 * GAS_EF + 100 * COAL_EF + 150 * 0.8325), rel=1e-12)


def test_efficiency_and_fuel_switch_by_hand() -> None:
    # 2026: A saves 1 unit × 10 000 kWh → A 100 000 kWh, boundary 165 000 − 10 000 = 155 000 kWh;
    # B switches 1 unit × 50 t of coal to 50 × 500 = 25 000 m³ gas → coal 60 t.
    # = 11 000 × 0.002162188809 (23.784076899) + 60 × 1.9002988488 (114.017930928)
    #   + 25 000 × 0.002162188809 (54.054720225) + 155 × 0.8325 (129.0375) = 320.894228052 t
    s = _scenario(
        Adoption("eff-el", ((2026, 1.0),), enterprise_id="A"),
        Adoption("coal-gas", ((2026, 1.0),)),
    )
    total, inputs = _total(s, 2026)
    assert total == pytest.approx(320.894228052, rel=1e-9)
    by = {(q.enterprise_id, q.carrier, q.flow): q.quantity for q in inputs.quantities}
    assert by[("A", Carrier.ELECTRICITY, Flow.CONSUMED)] == pytest.approx(100_000.0)
    assert by[(None, Carrier.ELECTRICITY, Flow.PURCHASED)] == pytest.approx(155_000.0)
    assert by[("B", Carrier.RAW_COAL, Flow.COMBUSTION)] == pytest.approx(60.0)
    assert by[("B", Carrier.NATURAL_GAS, Flow.COMBUSTION)] == pytest.approx(25_000.0)
    # the coal switch is park-wide but applies only where coal is burned (B): A has none
    assert ("A", Carrier.RAW_COAL, Flow.COMBUSTION) not in by


def test_share_cap_binds() -> None:
    # max_share 0.2 of B's 110 t coal = 22 t, although 3 units would switch 150 t
    capped = _measure(
        "coal-gas-cap",
        Mechanism.FUEL_SWITCH,
        50.0,
        carrier=Carrier.RAW_COAL,
        to_carrier=Carrier.NATURAL_GAS,
        ratio=500.0,
        max_share=0.2,
    )
    s = _scenario(Adoption("coal-gas-cap", ((2026, 3.0),)))
    inputs, _, p = project(BASE, FS, s, 2026, {**MEASURES, capped.id: capped}, OPTS)
    (applied,) = p.applied
    assert applied.quantity == pytest.approx(22.0) and applied.capped


def test_onsite_pv_and_green_power_by_hand() -> None:
    # PV at A: 50 units × 1 000 kWh = 50 000 kWh, all in January (the base input's only month),
    # self-consumed (A uses 110 000 kWh) → A grid 60 000, boundary 115 000 kWh.
    # Green power park-wide: 3 units × 10 000 kWh = 30 000 kWh, split by grid use A 60 000 : B 55 000.
    # Park: uncovered grid (115 000 − 30 000) kWh × 0.8325 = 70.7625 t, + 11 000 gas + 110 t coal.
    s = _scenario(Adoption("pv", ((2026, 50.0),), enterprise_id="A"), Adoption("green", ((2026, 3.0),)))
    total, inputs = _total(s, 2026)
    assert total == pytest.approx(11_000 * GAS_EF + 110 * COAL_EF + 85 * 0.8325, rel=1e-12)
    claims = {c.owner_enterprise_id: c.mwh for c in inputs.claims}
    assert claims == pytest.approx({"A": 30 * 60 / 115, "B": 30 * 55 / 115})
    by = {(q.enterprise_id, q.carrier, q.flow): q.quantity for q in inputs.quantities}
    assert by[("A", Carrier.ELECTRICITY, Flow.GENERATED)] == pytest.approx(50_000.0)
    assert by[("A", Carrier.ELECTRICITY, Flow.CONSUMED)] == pytest.approx(60_000.0)


def test_park_pv_capped_at_the_park_use() -> None:
    # a park plant of 200 units × 1 000 kWh, capped (max_share 1) at the enterprises' use of
    # 165 000 kWh: the boundary purchase falls to 0, the electricity CO2 to 0
    s = _scenario(Adoption("pv", ((2026, 200.0),)))
    inputs, fs, p = project(BASE, FS, s, 2026, MEASURES, OPTS)
    by = {(q.enterprise_id, q.carrier, q.flow): q.quantity for q in inputs.quantities}
    assert by[(None, Carrier.ELECTRICITY, Flow.PURCHASED)] == pytest.approx(0.0, abs=1e-9)
    assert by[(None, Carrier.ELECTRICITY, Flow.GENERATED)] == pytest.approx(165_000.0)
    assert p.applied[0].capped
    total = run(inputs, fs, p.options).total_tco2e
    assert total == pytest.approx(11_000 * GAS_EF + 110 * COAL_EF, rel=1e-12)


def test_facility_follows_its_buyers() -> None:
    # facility F sells 1 000 GJ steam to A and burns 50 000 m³ gas. 2026: A's steam +10 % = 1 100 GJ,
    # minus 2 units × 100 GJ of waste-heat recovery = 900 GJ → F's sales ratio 0.9 → gas 45 000 m³
    # (F's own driver, +10 %, is not applied on top).
    f = Enterprise("F", "P", "热电", "91320000000000000F", "4412", is_public_facility=True)
    base = AccountingInput(
        park=PARK,
        year=2025,
        enterprises=(A, B, f),
        quantities=(
            *BASE.quantities,
            _q("A", Carrier.STEAM, Flow.INTERNAL_PURCHASE, 1_000.0),
            _q("F", Carrier.NATURAL_GAS, Flow.COMBUSTION, 50_000.0),
        ),
        transfers=(Transfer("T1", "F", "A", Carrier.STEAM, JAN, 1_000.0),),
    )
    heat = _measure("heat", Mechanism.EFFICIENCY, 100.0, carrier=Carrier.STEAM)
    s = _scenario(Adoption("heat", ((2026, 2.0),), enterprise_id="A"))
    inputs, fs, p = project(base, FS, s, 2026, {**MEASURES, "heat": heat}, OPTS)
    by = {(q.enterprise_id, q.carrier, q.flow): q.quantity for q in inputs.quantities}
    assert by[("F", Carrier.NATURAL_GAS, Flow.COMBUSTION)] == pytest.approx(45_000.0)
    assert by[("A", Carrier.STEAM, Flow.INTERNAL_PURCHASE)] == pytest.approx(900.0)
    assert inputs.transfers[0].quantity == pytest.approx(900.0)
    run(inputs, fs, p.options)  # accounts without a reconciliation error


def test_grid_trajectory_interpolated_and_labelled() -> None:
    # (2025, 0.8325) → (2035, 0.6325): 2030 = 0.8325 − 5 × 0.02 = 0.7325 tCO2/MWh; 2040 held at 0.6325
    g = GridTrajectory(((2025, 0.8325), (2035, 0.6325)), "test path", uncertain=True)
    s = _scenario(grid=g)
    inputs, fs, p = project(BASE, FS, s, 2030, MEASURES, OPTS)
    assert p.grid_factor_tco2_per_mwh == pytest.approx(0.7325)
    assert p.options.national_grid_year == 2030
    factor = fs.grid_electricity(OPTS.national_grid_calibre, 2030)
    assert factor.is_uncertain and "projected" in factor.id
    inv = run(inputs, fs, p.options)
    # boundary 150 000 × 1.1⁵ kWh at 0.7325
    grid = math.fsum(li.emissions_tco2e for li in inv.lines if li.carrier is Carrier.ELECTRICITY)
    assert grid == pytest.approx(150 * 1.1**5 * 0.7325, rel=1e-12)
    assert "[UNCERTAIN]" in inv.options_statement_en or any("grid_trajectory" in n.code for n in p.notes)
    assert project(BASE, FS, s, 2040, MEASURES, OPTS)[2].grid_factor_tco2_per_mwh == pytest.approx(0.6325)
    # hourly share is missing in a planned year, and the indicator table still evaluates
    assert inputs.hourly_load_kwh == ()
    assert evaluate(inv, inputs).rows


def test_ccus_beside_and_units_ramp() -> None:
    ramped = _measure("ccus-ramp", Mechanism.CCUS, 7.5, ramp_years=2)
    a = Adoption("ccus-ramp", ((2026, 4.0),))
    # added in 2026, 2-year ramp: 2026 → 0, 2027 → 2 units, 2028 → 4 units
    assert [units_in_force(a, ramped, y) for y in (2025, 2026, 2027, 2028, 2040)] == [0, 0, 2, 4, 4]
    s = _scenario(a, ccus=CcusTreatment.BESIDE)
    _, _, p = project(BASE, FS, s, 2027, {**MEASURES, ramped.id: ramped}, OPTS)
    assert p.captured_tco2 == pytest.approx(15.0)  # 2 units × 7.5 t


def test_named_errors() -> None:
    with pytest.raises(TargetBeforeBase, match="before the base year"):
        project(BASE, FS, _scenario(target=Target(TargetKind.ZERO_BY, 2020)), 2030, MEASURES, OPTS)
    partial = Scenario("t", ScenarioKind.BAU, 2025, Drivers(by_enterprise=(("A", Driver()),)))
    with pytest.raises(DriversIncomplete) as err:
        project(BASE, FS, partial, 2030, MEASURES, OPTS)
    assert err.value.missing == ("B",)
    # a sector prefix covers B (3311 starts with 33)
    covered = Scenario(
        "t", ScenarioKind.BAU, 2025, Drivers(by_enterprise=(("A", Driver()),), by_sector=(("33", Driver()),))
    )
    project(BASE, FS, covered, 2030, MEASURES, OPTS)
    with pytest.raises(UnknownMeasure, match="nope"):
        project(BASE, FS, _scenario(Adoption("nope", ((2026, 1.0),))), 2030, MEASURES, OPTS)
    limited = _measure("lim", Mechanism.CCUS, 1.0, build_limit=5.0)
    with pytest.raises(AdoptionError, match="build limit"):
        project(BASE, FS, _scenario(Adoption("lim", ((2026, 6.0),))), 2030, {"lim": limited}, OPTS)
    with pytest.raises(YearOutsideScenario):
        project(BASE, FS, _scenario(), 2024, MEASURES, OPTS)


def test_assumptions_round_trip() -> None:
    s = _scenario(
        Adoption("eff-el", ((2026, 1.0), (2030, 3.0)), enterprise_id="A"),
        grid=GridTrajectory(((2025, 0.8), (2060, 0.2)), "src", uncertain=True),
        target=Target(TargetKind.CORE_INDICATOR, 2030, 0.2),
    )
    assert scenario_from_dict(scenario_to_dict(s)) == s


def test_leap_day_moves_to_28_february() -> None:
    from zeropark.roadmap.scenario import _move

    assert _move(date(2024, 2, 29), 2025) == date(2025, 2, 28)
    assert _move(date(2024, 2, 29), 2028) == date(2028, 2, 29)
    assert _move(date(2025, 12, 31), 2030) == date(2030, 12, 31)
