"""Avoided-emission allocation (counted once) and the guiding indicators from registry flows."""

from __future__ import annotations

import pytest

from zeropark.errors import DoubleCountedSaving, SymbiosisError
from zeropark.model import IndicatorData
from zeropark.symbiosis.accounting import (
    DECLARED,
    FLOWS,
    Allocation,
    allocate,
    avoided_tco2,
    flow_figures,
    guiding_from_flows,
    reconcile_claims,
)
from zeropark.symbiosis.registry import Exchange, Sink, Source, StreamKind

W = (6.0, 6.0)  # two periods, each standing for 6 months' worth: weight 6 occurrences/a

STEAM = Source("boiler", StreamKind.STEAM, "MP", (100.0, 50.0), enterprise_id="A", disposal_tco2_per_unit=0.0)
USER = Sink("dryer", StreamKind.STEAM, "LP", (80.0, 80.0), enterprise_id="B", displaced_tco2_per_unit=0.0616)
SLAG = Source("slag", StreamKind.SOLID_WASTE, "slag", (10.0, 10.0), enterprise_id="A")
CEMENT = Sink("cement", StreamKind.SOLID_WASTE, "", (20.0, 20.0), enterprise_id="C", accepts=("slag",))
LANDFILL = Sink("landfill", StreamKind.SOLID_WASTE, "", (20.0, 20.0), accepts=("slag",), utilises=False)
GREY = Source("wwtp", StreamKind.WATER, "reclaimed", (1000.0, 1000.0))
COOLING = Sink("cooling", StreamKind.WATER, "reclaimed", (800.0, 800.0))

X_STEAM = Exchange("x-steam", "boiler", "dryer", (80.0, 40.0), distance_km=2.0, loss_per_km=0.01)


def test_avoided_emissions_of_an_exchange() -> None:
    # sent = 6 × 80 + 6 × 40 = 720 GJ/a; loss 2 %: delivered 705.6 GJ × 0.0616 t/GJ = 43.465 t/a
    assert avoided_tco2(X_STEAM, STEAM, USER, W) == pytest.approx(720 * 0.98 * 0.0616)


@pytest.mark.parametrize(
    ("rule", "share", "expected"),
    [
        (Allocation.SUPPLIER, 0.5, {"A": 43.46496}),
        (Allocation.RECEIVER, 0.5, {"B": 43.46496}),
        (Allocation.SPLIT, 0.25, {"A": 10.86624, "B": 32.59872}),  # 43.46496 × 0.25 and × 0.75
    ],
)
def test_allocation_rules_count_each_saving_once(
    rule: Allocation, share: float, expected: dict[str, float]
) -> None:
    e = avoided_tco2(X_STEAM, STEAM, USER, W)
    claims = allocate("x-steam", e, "A", "B", rule, share)
    assert {c.enterprise_id: c.tco2 for c in claims} == pytest.approx(expected, abs=1e-3)
    assert reconcile_claims({"x-steam": e}, claims) == pytest.approx(e)


def test_the_same_saving_claimed_by_both_parties_is_refused() -> None:
    e = avoided_tco2(X_STEAM, STEAM, USER, W)
    both = (
        *allocate("x-steam", e, "A", "B", Allocation.SUPPLIER),
        *allocate("x-steam", e, "A", "B", Allocation.RECEIVER),
    )
    with pytest.raises(DoubleCountedSaving, match="x-steam"):
        reconcile_claims({"x-steam": e}, both)
    with pytest.raises(SymbiosisError, match="supplier_share"):
        allocate("x", 1.0, "A", "B", Allocation.SPLIT, 1.5)


def test_guiding_indicators_from_flows_replace_typed_values() -> None:
    exchanges = [
        X_STEAM,
        Exchange("x-slag", "slag", "cement", (7.0, 5.0)),
        Exchange("x-fill", "slag", "landfill", (3.0, 5.0)),
        Exchange("x-water", "wwtp", "cooling", (500.0, 500.0), distance_km=1.0, loss_per_km=0.005),
    ]
    fig = flow_figures([STEAM, SLAG, GREY], [USER, CEMENT, LANDFILL, COOLING], exchanges, W)
    # solid waste: generated 6 × 20 = 120 t; utilised (cement only) 6 × 12 = 72 t → 60 %
    assert (fig.solid_waste_generated_t, fig.solid_waste_utilised_t) == (120.0, 72.0)
    # waste heat: available 6 × 150 = 900 GJ; taken 720 GJ → 80 %
    assert (fig.waste_heat_available_gj, fig.waste_heat_utilised_gj) == (900.0, 720.0)
    # water reused: 6 000 m³ sent × (1 − 0.005) = 5 970 m³
    assert fig.water_reused_m3 == pytest.approx(5970.0)
    typed = IndicatorData(industrial_solid_waste_generated_t=1.0, industrial_solid_waste_utilised_t=1.0)
    data = guiding_from_flows(fig, typed, fresh_water_m3=4030.0, solid_waste_prior_stock_utilised_t=0.0)
    assert data.industrial_solid_waste_utilised_t == 72.0 and data.industrial_solid_waste_generated_t == 120.0
    # water reuse rate = 5 970 / (4 030 + 5 970) = 59.7 %
    assert data.water_reused_m3 == pytest.approx(5970.0) and data.water_total_use_m3 == pytest.approx(10000.0)
    assert data.provenance == {
        "solid_waste_utilisation": FLOWS,
        "waste_heat_utilisation": FLOWS,
        "water_reuse": FLOWS,
    }


def test_typed_values_stay_and_are_marked_declared() -> None:
    fig = flow_figures([STEAM], [USER], [X_STEAM], W)
    typed = IndicatorData(
        industrial_solid_waste_generated_t=100.0,
        industrial_solid_waste_utilised_t=85.0,
        water_total_use_m3=10.0,
        water_reused_m3=9.0,
    )
    data = guiding_from_flows(fig, typed)  # no fresh-water figure: water stays declared
    assert data.industrial_solid_waste_utilised_t == 85.0
    assert data.provenance == {
        "solid_waste_utilisation": DECLARED,
        "waste_heat_utilisation": FLOWS,
        "water_reuse": DECLARED,
    }


def test_only_the_indicators_marked_complete_take_the_flows() -> None:
    """``use``: the park's choice per indicator; a chosen indicator without a flow figure is missing."""
    exchanges = [X_STEAM, Exchange("x-slag", "slag", "cement", (7.0, 5.0))]
    fig = flow_figures([STEAM, SLAG], [USER, CEMENT], exchanges, W)
    typed = IndicatorData(
        industrial_solid_waste_generated_t=100.0,
        industrial_solid_waste_utilised_t=85.0,
        waste_heat_available_gj=50.0,
        waste_heat_utilised_gj=10.0,
        water_total_use_m3=10.0,
        water_reused_m3=9.0,
    )
    data = guiding_from_flows(fig, typed, use=frozenset({"solid_waste_utilisation", "water_reuse"}))
    # solid waste from flows: 6 × 12 = 72 t utilised of 6 × 20 = 120 t
    assert (data.industrial_solid_waste_utilised_t, data.industrial_solid_waste_generated_t) == (72.0, 120.0)
    # waste heat not marked complete: the typed 10 / 50 GJ stays, although the registry has steam
    assert (data.waste_heat_utilised_gj, data.waste_heat_available_gj) == (10.0, 50.0)
    # water marked complete, but no water exchange nor fresh intake: missing, not the typed 9 / 10 m³
    assert (data.water_reused_m3, data.water_total_use_m3) == (None, None)
    assert data.provenance == {
        "solid_waste_utilisation": FLOWS,
        "waste_heat_utilisation": DECLARED,
        "water_reuse": FLOWS,
    }
    nothing = guiding_from_flows(fig, typed, use=frozenset())
    assert nothing.industrial_solid_waste_utilised_t == 85.0 and nothing.waste_heat_utilised_gj == 10.0
    assert set(nothing.provenance.values()) == {DECLARED}


def test_indicator_table_rows_say_flows_or_declared() -> None:
    """The 910号 table computed on flow figures: 72 / 120 = 60 % (< 80 % fails), noted as from flows."""
    from datetime import date  # local: only this test builds an accounting input

    from zeropark.accounting import run
    from zeropark.factors import load_factor_set
    from zeropark.indicators import IndicatorStatus, evaluate
    from zeropark.model import AccountingInput, Carrier, Flow, MonthlyQuantity, Park

    park = Park(id="P", name="测试园区", province="江苏", grid_region="华东", latitude=31.0, longitude=120.0)
    fig = flow_figures([SLAG], [CEMENT], [Exchange("x-slag", "slag", "cement", (7.0, 5.0))], W)
    typed = IndicatorData(water_total_use_m3=10_000.0, water_reused_m3=9_000.0)
    data = AccountingInput(
        park=park,
        year=2025,
        enterprises=(),
        quantities=(MonthlyQuantity(None, Carrier.ELECTRICITY, Flow.PURCHASED, date(2025, 1, 1), 1.0e6),),
        indicator_data=guiding_from_flows(fig, typed),
    )
    t = evaluate(run(data, load_factor_set("CN-park-2025")), data)
    waste = t.row("solid_waste_utilisation")
    assert waste.value == pytest.approx(60.0) and waste.status is IndicatorStatus.FAIL
    assert "交换登记与计量" in waste.note_zh and "flows" in waste.note_en
    assert "申报值" in t.row("water_reuse").note_zh
