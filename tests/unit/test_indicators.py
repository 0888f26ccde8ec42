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
