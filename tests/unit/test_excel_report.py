"""Inventory report workbook: layout, live formulas re-multiplying each line, sources (read back).

The inventory is the worked example of ACCOUNTING.md §4 (gas 1 000 000 m³, diesel 100 t, grid
20 000 MWh with 8 000 MWh green trade and 2 000 GECs, PV 5 000 MWh of which 1 000 exported,
steam 10 000 GJ), whose hand-computed totals are §4.3: 11 064.28 tCO2 (net inflow), 4 650.81 tce.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from zeropark.accounting import AccountingOptions, run
from zeropark.factors import load_factor_set
from zeropark.indicators import evaluate
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
from zeropark.reports import excel

YEAR = 2025
PARK = Park("P1", "示例园区", "江苏", "华东", 31.3, 120.6)


def _monthly(carrier: Carrier, flow: Flow, annual: float) -> list[MonthlyQuantity]:
    return [
        MonthlyQuantity(None, carrier, flow, date(YEAR, m, 1), annual / 12.0, ("ev",)) for m in range(1, 13)
    ]


def worked_example() -> AccountingInput:
    q = (
        _monthly(Carrier.NATURAL_GAS, Flow.COMBUSTION, 1_000_000.0)
        + _monthly(Carrier.DIESEL, Flow.COMBUSTION, 100.0)
        + _monthly(Carrier.ELECTRICITY, Flow.PURCHASED, 20_000_000.0)
        + _monthly(Carrier.ELECTRICITY, Flow.GENERATED, 5_000_000.0)
        + _monthly(Carrier.ELECTRICITY, Flow.EXPORTED, 1_000_000.0)
        + _monthly(Carrier.STEAM, Flow.PURCHASED, 10_000.0)
    )
    claims = (
        GreenPowerClaim(
            "GT-1", ClaimKind.GREEN_TRADE, 8_000.0, date(YEAR, 1, 1), date(YEAR, 12, 31), None, YEAR
        ),
        GreenPowerClaim("GEC-1", ClaimKind.GEC, 2_000.0, date(YEAR, 1, 1), date(YEAR, 12, 31), None, YEAR),
    )
    return AccountingInput(park=PARK, year=YEAR, enterprises=(), quantities=tuple(q), claims=claims)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    fs = load_factor_set()
    inputs = worked_example()
    inv = run(inputs, fs, AccountingOptions(method=Method.NATIONAL))
    path = excel.write_inventory_workbook(
        tmp_path_factory.mktemp("x") / "inv.xlsx",
        inv,
        park_name=PARK.name,
        indicators=evaluate(inv, inputs),
        factor_set=fs,
    )
    return path, inv


def _evaluate_product(ws: openpyxl.worksheet.worksheet.Worksheet, formula: str) -> float:
    """Evaluate a formula of the form =(A1-B1)*C1*... or =A1 (what the line sheet writes)."""
    assert formula.startswith("=")
    out = 1.0
    for term in formula[1:].split("*"):
        m = re.fullmatch(r"\(([A-Z]+\d+)-([A-Z]+\d+)\)", term)
        if m:
            out *= float(ws[m.group(1)].value) - float(ws[m.group(2)].value or 0.0)
        else:
            assert re.fullmatch(r"[A-Z]+\d+", term), formula
            out *= float(ws[term].value)
    return out


def test_sheets_and_summary_totals(book: tuple[Path, object]) -> None:
    path, inv = book
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["汇总", "清单明细", "排放因子", "指标", "数据质量"]
    ws = wb["汇总"]
    cells = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}
    total_row = cells["碳排放总量 Total emissions"]
    # ACCOUNTING.md §4.3 net inflow: 2 162.19 + 309.59 + 7 492.50 + 1 100.00 = 11 064.28 tCO2
    assert ws.cell(total_row, 2).value == pytest.approx(11_064.28, abs=0.01)
    # the check adds up the line sheet's live formula column (recalculated in test_excel_recalc)
    assert ws.cell(total_row, 4).value.startswith(f"=SUMIFS('清单明细'!${excel._letter('check')}$3:")
    # §4.2: 1 214.30 + 145.71 + 2 949.60 + 341.20 = 4 650.81 tce
    assert ws.cell(cells[excel._ENERGY_LABEL], 2).value == pytest.approx(4_650.81, abs=0.005)
    # core indicator 11 064.28 / 4 650.81 = 2.379
    assert ws.cell(cells[excel._CORE_LABEL], 2).value == pytest.approx(2.379, abs=0.0005)
    meta = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(3, 15)}
    assert meta["因子集 Factor set"] == "CN-park-2025"
    assert meta["输入指纹 Input fingerprint (SHA-256)"] == inv.input_fingerprint
    assert "当量值" in meta["核算选项（中文）Options statement"] or meta["核算选项（中文）Options statement"]


def test_every_line_has_a_live_formula_that_reproduces_it(book: tuple[Path, object]) -> None:
    path, inv = book
    ws = openpyxl.load_workbook(path)["清单明细"]
    assert ws["B1"].value == "条目编号" and ws["B2"].value == "Line id"
    col = {key: i for i, (key, *_r) in enumerate(excel.LINE_COLUMNS, start=1)}
    rows = range(3, 3 + len(inv.lines))
    assert [ws.cell(r, col["id"]).value for r in rows] == [li.id for li in inv.lines]
    n_products = 0
    for r in rows:
        stated = ws.cell(r, col["emissions"]).value
        formula = ws.cell(r, col["check"]).value
        assert _evaluate_product(ws, formula) == pytest.approx(stated, rel=1e-9, abs=1e-9)
        n_products += formula.count("*") > 0
        assert ws.cell(r, col["diff"]).value.startswith("=")
        energy_formula = ws.cell(r, col["energy_check"]).value
        assert _evaluate_product(ws, energy_formula) == pytest.approx(
            ws.cell(r, col["energy"]).value, abs=1e-9
        )
    assert n_products >= 36  # gas, diesel, electricity, steam lines every month
    gas = next(
        r
        for r in rows
        if ws.cell(r, col["category_code"]).value == "fuel_combustion"
        and ws.cell(r, col["carrier"]).value == "天然气"
    )
    # AD × NCV × CC × OF × k with k = 44/12: the constant of the standard's formula (ACCOUNTING.md §2.2)
    assert ws.cell(gas, col["k"]).value == pytest.approx(44 / 12, rel=1e-9)
    assert ws.cell(gas, col["emissions"]).value == pytest.approx(2162.19 / 12, abs=0.001)
    elec = next(r for r in rows if ws.cell(r, col["category_code"]).value == "purchased_electricity")
    assert ws.cell(elec, col["ef"]).value == 0.8325 and ws.cell(elec, col["k"]).value == pytest.approx(1e-3)
    # monthly: import 1 666 667 kWh, green (8 000 + 2 000 MWh)/12 = 833 333 kWh deducted
    # → (1 666 667 − 833 333) kWh × 0.8325 × 10⁻³ = 693.75 tCO2 (= 8 325.00 / 12, §4.3); the netted
    # export is its own line: 83 333 kWh × 0.8325 × (−10⁻³) = −69.375 (7 492.50 = 8 325.00 − 832.50)
    assert ws.cell(elec, col["emissions"]).value == pytest.approx(8325.00 / 12, abs=0.001)
    assert ws.cell(elec, col["deduction"]).value == pytest.approx(833_333.33, abs=0.01)
    exp = next(r for r in rows if ws.cell(r, col["category_code"]).value == "exported_electricity")
    assert ws.cell(exp, col["k"]).value == pytest.approx(-1e-3)
    assert ws.cell(exp, col["emissions"]).value == pytest.approx(-832.50 / 12, abs=0.001)


def test_factors_sheet_cites_sources(book: tuple[Path, object]) -> None:
    path, _inv = book
    ws = openpyxl.load_workbook(path)["排放因子"]
    rows = {
        ws.cell(r, 1).value: [ws.cell(r, c).value for c in range(1, 15)] for r in range(3, ws.max_row + 1)
    }
    grid = rows["grid.fossil.cn.2022"]
    assert grid[2] == 0.8325 and "MEE" in grid[5] and grid[10] == "P 一手文件 primary document"
    # the official document: its number and date of issue
    assert (grid[6], grid[7]) == ("公告2024年第33号", "2024-12-20")
    assert "GB/T 2589" in rows["sc.electricity"][4]


def test_indicator_sheet(book: tuple[Path, object]) -> None:
    path, _inv = book
    ws = openpyxl.load_workbook(path)["指标"]
    assert ws["A3"].value == "core_intensity"
    assert ws["D3"].value == pytest.approx(2.379, abs=0.0005)


def test_ghg_market_total_and_bytes() -> None:
    fs = load_factor_set()
    inv = run(worked_example(), fs, AccountingOptions(method=Method.GHG))
    data = excel.inventory_workbook_bytes(inv, park_name="示例园区", factor_set=fs)
    import io

    ws = openpyxl.load_workbook(io.BytesIO(data))["汇总"]
    labels = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    r = labels["碳排放总量（市场法）Total (market-based)"]
    assert ws.cell(r, 2).value == pytest.approx(inv.total_market_tco2e)
