"""The inventory workbook recalculated as Excel would: every check cell agrees with the engine.

The workbook of the worked example (ACCOUNTING.md §4) is recalculated by the ``formulas`` engine
(an Excel formula interpreter), independently of the values the engine wrote. Then:

- each line's live formula reproduces the line's emissions and energy, certificate rows included;
- every "check" cell of the summary (totals, by source, scope, enterprise and carrier) is a live
  formula over the line sheet's formula column and equals the engine's value beside it;
- location- and market-based lines are never added together; the core indicator appears only on
  the national method's workbook;
- every numeric cell carries a number format (thousands, decimals, %), the header rows are frozen
  and every sheet has a print area.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import formulas
import openpyxl
import pytest
from test_excel_report import worked_example

from zeropark.accounting import AccountingOptions, Inventory, run
from zeropark.factors import load_factor_set
from zeropark.indicators import evaluate
from zeropark.model import Method
from zeropark.reports import excel


def _recalculated(path: Path) -> dict[tuple[str, str], Any]:
    """(sheet, cell) → value, as the ``formulas`` engine computes the workbook."""
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    out: dict[tuple[str, str], Any] = {}
    for ref, value in solution.items():
        m = re.fullmatch(r"'\[[^\]]+\](.+)'!([A-Z]+\d+)", str(ref))
        if m and hasattr(value, "value"):
            out[(m.group(1).upper(), m.group(2))] = value.value[0][0]
    return out


@pytest.fixture(scope="module", params=[Method.NATIONAL, Method.GHG])
def workbook(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Inventory, openpyxl.Workbook, dict[tuple[str, str], Any]]:
    fs = load_factor_set()
    inputs = worked_example()
    inv = run(inputs, fs, AccountingOptions(method=request.param))
    indicators = evaluate(inv, inputs) if request.param is Method.NATIONAL else None
    path = excel.write_inventory_workbook(
        tmp_path_factory.mktemp("wb") / "inv.xlsx",
        inv,
        park_name="示例园区",
        indicators=indicators,
        factor_set=fs,
    )
    return inv, openpyxl.load_workbook(path), _recalculated(path)


def _num(value: Any) -> float:
    assert isinstance(value, int | float) and not isinstance(value, bool), value
    return float(value)


def test_every_line_formula_reproduces_the_line(workbook: Any) -> None:
    inv, wb, calc = workbook
    ws = wb[excel.SHEET_LINES]
    col = {
        key: openpyxl.utils.get_column_letter(i) for i, (key, *_r) in enumerate(excel.LINE_COLUMNS, start=1)
    }
    sheet = excel.SHEET_LINES.upper()
    certificates = 0
    for r, li in enumerate(inv.lines, start=3):
        check = calc[(sheet, f"{col['check']}{r}")]
        assert _num(check) == pytest.approx(li.emissions_tco2e, rel=1e-9, abs=1e-9), li.id
        assert _num(calc[(sheet, f"{col['energy_check']}{r}")]) == pytest.approx(li.energy_tce, abs=1e-9)
        if li.category.value == "green_power":
            # a certificate row: its MWh × 0 tCO2/MWh, a real product, not a copy of the stated 0
            formula = ws[f"{col['check']}{r}"].value
            assert formula.count("*") == 2 and col["ef"] in formula, formula
            certificates += 1
    assert certificates == 2  # GT-1 and GEC-1 of the worked example
    # the line sheet's totals: location-based and market-based apart, never added together
    labels = {ws.cell(r, 2).value: r for r in range(3 + len(inv.lines), ws.max_row + 1)}
    if inv.method is Method.GHG:
        loc = labels["合计（基于位置）Total (location-based)"]
        market = labels["合计（基于市场）Total (market-based)"]
        assert _num(calc[(sheet, f"{col['check']}{loc}")]) == pytest.approx(inv.total_tco2e)
        assert inv.total_market_tco2e is not None
        assert _num(calc[(sheet, f"{col['check']}{market}")]) == pytest.approx(inv.total_market_tco2e)
    else:
        # 11 064.28 tCO2 (ACCOUNTING.md §4.3)
        total = labels["合计 Total"]
        assert _num(calc[(sheet, f"{col['check']}{total}")]) == pytest.approx(11_064.28, abs=0.01)


def test_every_summary_check_is_live_and_equals_the_engine(workbook: Any) -> None:
    inv, wb, calc = workbook
    ws = wb[excel.SHEET_SUMMARY]
    sheet = excel.SHEET_SUMMARY.upper()
    blocks: dict[str, list[int]] = {}
    current = ""
    checked = 0
    for r in range(1, ws.max_row + 1):
        label = ws.cell(r, 1).value
        if isinstance(label, str) and label.startswith("按"):
            current = label
            blocks[current] = []
        formula = ws.cell(r, 4).value
        if not (isinstance(formula, str) and formula.startswith("=")):
            continue
        if "SUMIFS" in formula:
            # the check adds up the line sheet's formula columns, never the engine's values
            assert f"${excel._letter('check')}$" in formula or f"${excel._letter('energy_check')}$" in formula
            assert (
                f"${excel._letter('emissions')}$" not in formula
                and f"${excel._letter('energy')}$3" not in formula
            )
        engine = calc.get((sheet, f"B{r}"), ws.cell(r, 2).value)
        assert _num(calc[(sheet, f"D{r}")]) == pytest.approx(_num(engine), rel=1e-9, abs=1e-6), (r, label)
        checked += 1
        if current:
            blocks[current].append(r)
    # every row of the by-scope, by-enterprise and by-carrier breakdowns has its live check
    for title, data in (
        ("按范围 By scope", inv.by_scope),
        ("按企业（消费端归属）By enterprise (consumption basis)", inv.by_enterprise),
        ("按能源品种 By carrier", inv.by_carrier),
        ("按排放源 By source", inv.by_source),
    ):
        assert len(blocks[title]) >= len(data), title
    assert checked >= 3 + sum(
        len(d) for d in (inv.by_scope, inv.by_enterprise, inv.by_carrier, inv.by_source)
    )
    labels = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    # the core indicator (单位能耗碳排放) is the national method's: not on a GHG Protocol workbook
    assert (excel._CORE_LABEL in labels) is (inv.method is Method.NATIONAL)
    assert ("核心指标 Core indicator" in labels) is (inv.method is Method.NATIONAL)


def test_every_numeric_cell_is_formatted_and_every_sheet_prints(workbook: Any) -> None:
    _inv, wb, calc = workbook
    unformatted: list[str] = []
    for ws in wb.worksheets:
        assert ws.print_area, ws.title
        for row in ws.iter_rows():
            for cell in row:
                value = calc.get((ws.title.upper(), cell.coordinate), cell.value)
                if isinstance(value, int | float) and not isinstance(value, bool) and cell.row > 2:
                    if cell.number_format == "General":
                        unformatted.append(f"{ws.title}!{cell.coordinate}")
    assert not unformatted, unformatted[:20]
    for name in (excel.SHEET_LINES, excel.SHEET_FACTORS):
        assert wb[name].freeze_panes is not None and wb[name].print_title_rows == "$1:$2", name
    summary = wb[excel.SHEET_SUMMARY]
    shares = [
        r
        for r in range(1, summary.max_row + 1)
        if str(summary.cell(r, 1).value).startswith("清洁能源消费占比")
    ]
    assert summary.cell(shares[0], 2).number_format == excel.FMT_PCT
