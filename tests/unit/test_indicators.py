"""Unit tests of zeropark.indicators: guiding indicators, missing data, veto, carbon productivity."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from zeropark.accounting import AccountingOptions, run
from zeropark.factors import load_factor_set
from zeropark.indicators import IndicatorStatus, IndicatorTable, evaluate
from zeropark.model import (
    AccountingInput,
    Carrier,
    Enterprise,
    Flow,
    IndicatorData,
    Method,
    MonthlyQuantity,
    Park,
)

FACTORS = load_factor_set("CN-park-2025")
PARK = Park(id="P", name="测试园区", province="江苏", grid_region="华东", latitude=31.0, longitude=120.0)


def park_input(**indicator: object) -> AccountingInput:
    """A medium park: 2 000 000 000 kWh grid = 245 800 tce (× 0.1229 kgce/kWh), 1 665 000 tCO2 (× 0.8325)."""
    qty = MonthlyQuantity(None, Carrier.ELECTRICITY, Flow.PURCHASED, date(2025, 1, 1), 2.0e9)
    return AccountingInput(
        park=PARK,
        year=2025,
        enterprises=(),
        quantities=(qty,),
        indicator_data=IndicatorData(**indicator),  # type: ignore[arg-type]
    )


def table(data: AccountingInput) -> IndicatorTable:
    return evaluate(run(data, FACTORS), data)


def test_missing_guiding_data_names_what_is_missing() -> None:
    t = table(park_input(industrial_solid_waste_generated_t=1000.0))
    waste = t.row("solid_waste_utilisation")
    assert waste.status is IndicatorStatus.MISSING and waste.value is None
    assert waste.missing == ("industrial_solid_waste_utilised_t",)
    assert set(t.row("water_reuse").missing) == {"water_reused_m3", "water_total_use_m3"}
    assert t.row("product_energy_intensity").missing == ("product_energy_intensity",)
    assert t.row("carbon_productivity").missing == ("indicator_data.value_added_10k_cny",)
    assert t.row("hourly_matched_share").status is IndicatorStatus.MISSING


def test_guiding_indicators_pass_fail() -> None:
    """solid waste 850/1 000 = 85 % ≥ 80 pass; waste heat 400/1 000 = 40 % < 50 fail; water 9 000/10 000
    = 90 % ≥ 80 pass; product A 95/100 kgce ≤ grade-2, B 130/120 = 1.083 > 1 fail (max ratio reported)."""
    t = table(
        park_input(
            industrial_solid_waste_generated_t=1000.0,
            industrial_solid_waste_utilised_t=850.0,
            waste_heat_available_gj=1000.0,
            waste_heat_utilised_gj=400.0,
            water_total_use_m3=10_000.0,
            water_reused_m3=9_000.0,
            product_energy_intensity={"A": (95.0, 100.0), "B": (130.0, 120.0)},
            value_added_10k_cny=333_000.0,
        )
    )
    assert t.row("solid_waste_utilisation").value == pytest.approx(85.0)
    assert t.row("solid_waste_utilisation").status is IndicatorStatus.PASS
    assert t.row("waste_heat_utilisation").status is IndicatorStatus.FAIL
    assert t.row("water_reuse").status is IndicatorStatus.PASS
    prod = t.row("product_energy_intensity")
    assert (
        prod.value == pytest.approx(130 / 120) and prod.status is IndicatorStatus.FAIL and "B" in prod.note_en
    )
    # carbon productivity 333 000 ×10⁴ CNY / 1 665 000 tCO2 = 0.2 ×10⁴ CNY/tCO2
    assert t.row("carbon_productivity").value == pytest.approx(0.2)


def test_core_veto_for_medium_park() -> None:
    """245 800 tce (20万–100万 band), 1 665 000 tCO2 → 6.774 tCO2/tce > 0.2: fail, 一票否决."""
    t = table(park_input())
    assert t.core.value == pytest.approx(1_665_000 / 245_800)
    assert t.core.status is IndicatorStatus.FAIL and t.veto
    assert t.size_band_zh == "20万–100万 tce"
    assert IndicatorTable.from_dict(t.to_dict()) == t


def test_carbon_productivity_from_enterprises() -> None:
    """Value added summed over enterprises when the park total is not reported; one missing → named."""
    e1 = Enterprise("E1", "P", "E1", "x", "C", value_added_10k_cny=100.0)
    e2 = Enterprise("E2", "P", "E2", "y", "C")
    data = replace(park_input(), enterprises=(e1, e2))
    row = table(data).row("carbon_productivity")
    assert row.status is IndicatorStatus.MISSING and "value_added_10k_cny of E2" in row.missing


def test_indicators_refuse_ghg_inventory() -> None:
    data = park_input()
    with pytest.raises(ValueError, match="national method"):
        evaluate(run(data, FACTORS, AccountingOptions(method=Method.GHG)), data)


def test_enterprise_indicators_own_values_and_park_level_rows() -> None:
    """One enterprise E1 (as load_accounting_input(..., enterprise_id='E1') gives it):
    1 000 000 kWh purchased electricity → 1 000 MWh × 0.8325 tCO2/MWh = 832.5 tCO2,
    1 000 000 kWh × 0.1229 kgce/kWh = 122.9 tce; 832.5 / 122.9 = 6.7738 tCO2/tce;
    value added 500 ×10⁴ CNY / 832.5 tCO2 = 0.6006 ×10⁴ CNY/tCO2;
    its product 钢管 95 / 100 kgce/t = 0.95 ≤ 1 (pass); E2's product (1.083) is not its own."""
    from zeropark.indicators import evaluate_enterprise

    e1 = Enterprise("E1", "P", "甲", "91320000000000001A", "C33", value_added_10k_cny=500.0)
    qty = MonthlyQuantity("E1", Carrier.ELECTRICITY, Flow.PURCHASED, date(2025, 1, 1), 1.0e6)
    data = AccountingInput(park=PARK, year=2025, enterprises=(e1,), quantities=(qty,))
    inv = run(data, FACTORS, enterprise_id="E1")
    park_data = IndicatorData(
        industrial_solid_waste_generated_t=1000.0,
        industrial_solid_waste_utilised_t=850.0,
        product_energy_intensity={"E1: 钢管 [t]": (95.0, 100.0), "E2: 铸件 [t]": (130.0, 120.0)},
    )
    t = evaluate_enterprise(inv, data, park_data)
    assert t.enterprise_id == "E1" and not t.veto and t.core.code == "core_intensity"
    assert t.row("emissions").value == pytest.approx(832.5)
    assert t.row("energy_consumption").value == pytest.approx(122.9)
    core = t.core
    assert core.value == pytest.approx(832.5 / 122.9) and core.value == pytest.approx(6.7738, abs=1e-4)
    # the park's size-band limits are not applied to one enterprise
    assert core.status is IndicatorStatus.NO_THRESHOLD and core.threshold is None and "园区" in core.note_zh
    clean = t.row("clean_energy_share")
    assert clean.status is IndicatorStatus.NO_THRESHOLD and clean.threshold is None
    assert clean.value == pytest.approx(100.0 * inv.clean_energy_share)  # type: ignore[operator]
    prod = t.row("product_energy_intensity")
    assert (
        prod.value == pytest.approx(0.95) and prod.status is IndicatorStatus.PASS and "E2" not in prod.note_en
    )
    assert t.row("carbon_productivity").value == pytest.approx(500.0 / 832.5)
    assert t.row("carbon_productivity").value == pytest.approx(0.6006, abs=1e-4)
    # park-level indicators are stated as such, never a value (the park's 85 % is not the enterprise's)
    for code in ("solid_waste_utilisation", "waste_heat_utilisation", "water_reuse"):
        row = t.row(code)
        assert row.status is IndicatorStatus.PARK_LEVEL and row.value is None, code
    assert IndicatorTable.from_dict(t.to_dict()) == t
    # an enterprise without its own products: product intensity missing, not zero; without value
    # added its carbon productivity names the enterprise's own input, not the park's
    t2 = evaluate_enterprise(inv, data, IndicatorData())
    assert t2.row("product_energy_intensity").status is IndicatorStatus.MISSING
    no_va = replace(data, enterprises=(replace(e1, value_added_10k_cny=None),))
    cp = evaluate_enterprise(run(no_va, FACTORS, enterprise_id="E1"), no_va, IndicatorData()).row(
        "carbon_productivity"
    )
    assert cp.status is IndicatorStatus.MISSING and cp.missing == ("value_added_10k_cny of E1",)
    with pytest.raises(ValueError, match="enterprise inventory"):
        evaluate_enterprise(run(data, FACTORS), data, park_data)
