"""The worked example of ACCOUNTING.md §4 (one park, one year), computed by the engine.

Activity data (ACCOUNTING.md §4.1): natural gas 1 000 000 m³ (= 100 ×10⁴Nm³), diesel 100 t, grid
electricity 20 000 MWh of which 8 000 MWh green-power trade, 2 000 unbundled GECs, on-site PV
5 000 MWh (4 000 self-consumed, 1 000 exported), purchased steam 10 000 GJ. Quantities are spread
evenly over the 12 months of 2025, as the store delivers them.
"""

from __future__ import annotations

from datetime import date

import pytest

from zeropark.accounting import AccountingOptions, Category, ExportRule, FactorYearRule, run
from zeropark.factors import load_factor_set
from zeropark.indicators import IndicatorStatus, evaluate
from zeropark.model import (
    AccountingInput,
    Carrier,
    ClaimKind,
    Flow,
    GreenPowerClaim,
    Method,
    MonthlyQuantity,
    Park,
)

YEAR = 2025
PARK = Park(id="P1", name="示例园区", province="江苏", grid_region="华东", latitude=31.3, longitude=120.6)


def _monthly(carrier: Carrier, flow: Flow, annual: float, evidence: str) -> list[MonthlyQuantity]:
    return [
        MonthlyQuantity(
            enterprise_id=None,
            carrier=carrier,
            flow=flow,
            month=date(YEAR, m, 1),
            quantity=annual / 12.0,
            evidence=(evidence,),
        )
        for m in range(1, 13)
    ]


def worked_example() -> AccountingInput:
    quantities = (
        _monthly(Carrier.NATURAL_GAS, Flow.COMBUSTION, 1_000_000.0, "gas-boundary")  # m³
        + _monthly(Carrier.DIESEL, Flow.COMBUSTION, 100.0, "diesel-invoices")  # t
        + _monthly(Carrier.ELECTRICITY, Flow.PURCHASED, 20_000_000.0, "grid-boundary")  # kWh
        + _monthly(Carrier.ELECTRICITY, Flow.GENERATED, 5_000_000.0, "pv-inverter")  # kWh
        + _monthly(Carrier.ELECTRICITY, Flow.EXPORTED, 1_000_000.0, "grid-boundary-export")  # kWh
        + _monthly(Carrier.STEAM, Flow.PURCHASED, 10_000.0, "steam-supplier")  # GJ
    )
    claims = (
        GreenPowerClaim(
            "GT-2025-001", ClaimKind.GREEN_TRADE, 8_000.0, date(YEAR, 1, 1), date(YEAR, 12, 31), None, YEAR
        ),
        GreenPowerClaim(
            "GEC-2025-001", ClaimKind.GEC, 2_000.0, date(YEAR, 1, 1), date(YEAR, 12, 31), None, YEAR
        ),
    )
    return AccountingInput(park=PARK, year=YEAR, enterprises=(), quantities=tuple(quantities), claims=claims)


@pytest.fixture(scope="module")
def factors():  # type: ignore[no-untyped-def]
    return load_factor_set("CN-park-2025")


def test_energy_consumption_tce(factors) -> None:  # type: ignore[no-untyped-def]
    """ACCOUNTING.md §4.2 table (当量值, GB/T 2589-2020 Appendix A).

    gas 1 000 000 m³ × 1.2143 kgce/m³ = 1 214.30 tce; diesel 100 t × 1.4571 = 145.71 tce;
    electricity (20 000 + 5 000 − 1 000) MWh = 24 000 000 kWh × 0.1229 kgce/kWh = 2 949.60 tce;
    steam 10 000 GJ × 0.03412 tce/GJ = 341.20 tce; total 4 650.81 tce.
    """
    inv = run(worked_example(), factors, AccountingOptions())
    assert inv.energy_tce == pytest.approx(4650.81, abs=0.005)
    assert inv.energy_by_carrier["natural_gas"] == pytest.approx(1214.30, abs=0.005)
    assert inv.energy_by_carrier["diesel"] == pytest.approx(145.71, abs=0.005)
    assert inv.energy_by_carrier["electricity"] == pytest.approx(2949.60, abs=0.005)
    assert inv.energy_by_carrier["steam"] == pytest.approx(341.20, abs=0.005)


def test_national_no_credit(factors) -> None:  # type: ignore[no-untyped-def]
    """ACCOUNTING.md §4.3 table, export rule "no credit".

    gas 100 ×10⁴Nm³ × 389.31 × 15.3×10⁻³ × 0.99 × 44/12 = 2 162.19; diesel 100 × 42.652 × 20.2×10⁻³
    × 0.98 × 44/12 = 309.59; grid (20 000 − 8 000 − 2 000) MWh × 0.8325 = 8 325.00; steam
    10 000 GJ × 0.11 = 1 100.00; total 11 896.78 tCO2; indicator 11 896.78 / 4 650.81 = 2.558.
    """
    inv = run(worked_example(), factors, AccountingOptions(export_rule=ExportRule.NO_CREDIT))
    assert inv.by_source["fuel_combustion"] == pytest.approx(2162.19 + 309.59, abs=0.01)
    assert inv.by_source["purchased_electricity"] == pytest.approx(8325.00, abs=0.005)
    assert inv.by_source["exported_electricity"] == 0.0
    assert inv.by_source["purchased_heat"] == pytest.approx(1100.00, abs=0.005)
    assert inv.total_tco2e == pytest.approx(11896.78, abs=0.01)
    assert inv.intensity_tco2_per_tce == pytest.approx(2.558, abs=0.0005)
    table = evaluate(inv, worked_example())
    assert table.core.value == pytest.approx(2.558, abs=0.0005)


def test_national_net_inflow_default(factors) -> None:  # type: ignore[no-untyped-def]
    """ACCOUNTING.md §4.3 "Under the net-inflow rule of 1.2a (the engine's default)".

    net inflow 20 000 − 1 000 = 19 000 MWh; minus green 10 000 = 9 000 MWh × 0.8325 = 7 492.50;
    total 2 162.19 + 309.59 + 7 492.50 + 1 100.00 = 11 064.28 tCO2; indicator 11 064.28 / 4 650.81 = 2.379.
    """
    inv = run(worked_example(), factors)
    assert inv.options.export_rule is ExportRule.NET_INFLOW
    elec = inv.by_source["purchased_electricity"] + inv.by_source["exported_electricity"]
    assert elec == pytest.approx(7492.50, abs=0.005)
    assert inv.by_source["exported_electricity"] == pytest.approx(-832.50, abs=0.005)  # −1 000 MWh × 0.8325
    assert inv.total_tco2e == pytest.approx(11064.28, abs=0.01)
    assert inv.intensity_tco2_per_tce == pytest.approx(2.379, abs=0.0005)
    assert "净受入" in inv.options_statement_zh and "net inflow" in inv.options_statement_en


def test_national_2023_fossil_factor(factors) -> None:  # type: ignore[no-untyped-def]
    """ACCOUNTING.md §4.3: "With the 2023 fossil factor 0.8273: electricity 10 000 × 0.8273 = 8 273.00;
    total 11 844.78; indicator 11 844.78 / 4 650.81 = 2.547" (no-credit variant of the table)."""
    opts = AccountingOptions(export_rule=ExportRule.NO_CREDIT, national_grid_year=2023)
    inv = run(worked_example(), factors, opts)
    assert inv.by_source["purchased_electricity"] == pytest.approx(8273.00, abs=0.005)
    assert inv.total_tco2e == pytest.approx(11844.78, abs=0.01)
    assert inv.intensity_tco2_per_tce == pytest.approx(2.547, abs=0.0005)


def test_ghg_location_and_market(factors) -> None:  # type: ignore[no-untyped-def]
    """ACCOUNTING.md §4.4 table (reporting year 2025 → Y-2 = 2023 factors).

    Scope 1 = 2 162.19 + 309.59 = 2 471.78. Location: 20 000 MWh × 0.5306 = 10 612.00, steam 1 100.00,
    total 14 183.78. Market: 10 000 MWh green × 0 + 10 000 MWh × 0.6096 = 6 096.00, total 9 667.78.
    """
    inv = run(worked_example(), factors, AccountingOptions(method=Method.GHG))
    assert inv.by_scope["1"] == pytest.approx(2471.78, abs=0.01)
    assert inv.by_scope["2-location"] == pytest.approx(10612.00 + 1100.00, abs=0.005)
    assert inv.by_scope["2-market"] == pytest.approx(6096.00 + 1100.00, abs=0.005)
    assert inv.total_tco2e == pytest.approx(14183.78, abs=0.01)
    assert inv.total_market_tco2e == pytest.approx(9667.78, abs=0.01)
    # exported PV is never deducted under the GHG Protocol
    assert inv.by_source["exported_electricity"] == 0.0


def test_ghg_explicit_year_equals_y_minus_2(factors) -> None:  # type: ignore[no-untyped-def]
    """Explicit factor year 2023 gives the same as the Y-2 rule for 2025 (ACCOUNTING.md §2.4 use rule)."""
    a = run(worked_example(), factors, AccountingOptions(method=Method.GHG))
    b = run(
        worked_example(),
        factors,
        AccountingOptions(method=Method.GHG, ghg_grid_year_rule=FactorYearRule.EXPLICIT, ghg_grid_year=2023),
    )
    assert a.total_tco2e == b.total_tco2e and a.total_market_tco2e == b.total_market_tco2e


def test_formula_text_of_gas_line(factors) -> None:  # type: ignore[no-untyped-def]
    """The line item writes the formula with the numbers (ACCOUNTING.md §4.3 first row, one month).

    1/12 of 100 ×10⁴Nm³ = 8.33333 ×10⁴Nm³ × 389.31 × 0.0153 × 0.99 × 44/12 = 180.18 tCO2.
    """
    inv = run(worked_example(), factors)
    line = inv.line("N:fuel_combustion:park:natural_gas:2025-01")
    assert line.formula.startswith(
        "8.33333 ×10⁴Nm³ × 389.31 GJ/10⁴Nm³ × 0.0153 tC/GJ × 0.99 × 44/12 = 180.18 tCO2"
    )
    assert {f.symbol for f in line.factors} == {"NCV", "CC", "OF", "coef"}
    assert line.evidence == ("gas-boundary",)
    assert line.category is Category.FUEL_COMBUSTION


def test_clean_energy_share(factors) -> None:  # type: ignore[no-untyped-def]
    """Annual clean-energy share, tce basis: (4 000 MWh self-consumed PV + 10 000 MWh green attributes)
    × 0.1229 tce/MWh = 1 720.60 tce; / 4 650.81 tce = 0.36996 (far below the ≥ 90 % guiding indicator)."""
    inv = run(worked_example(), factors)
    assert inv.clean_energy_share == pytest.approx(1720.60 / 4650.81, rel=1e-6)
    table = evaluate(inv, worked_example())
    row = table.row("clean_energy_share")
    assert row.status is IndicatorStatus.FAIL


def test_equal_value_electricity_option(factors) -> None:  # type: ignore[no-untyped-def]
    """ACCOUNTING.md §1.4/§4.2 note: with 等价值 the denominator rises and the indicator falls.

    The set holds supply coal rates up to 2022 (300.7 gce/kWh, CEC); 2025 falls back to 2022 and the
    inventory says so. Electricity 24 000 000 kWh × 300.7 gce/kWh = 7 216.80 tce; total 1 214.30 + 145.71
    + 7 216.80 + 341.20 = 8 918.01 tce; indicator (net inflow) 11 064.28 / 8 918.01 = 1.2407 tCO2/tce.
    """
    from zeropark.accounting import ElectricityCoalBasis

    inv = run(
        worked_example(), factors, AccountingOptions(electricity_coal_basis=ElectricityCoalBasis.EQUAL_VALUE)
    )
    assert inv.energy_tce == pytest.approx(8918.01, abs=0.005)
    assert inv.intensity_tco2_per_tce == pytest.approx(1.2407, abs=0.00005)
    assert [n.code for n in inv.notes if n.code == "equal_value_year"] == ["equal_value_year"]
    assert "等价值" in inv.options_statement_zh
