"""Inventory report workbook (排放清单报告.xlsx) in the layout a verifier (核查机构) expects.

Sheets:

- **汇总 Summary** — park, year, method, options statement (zh + en), factor set name, version and
  SHA-256, input fingerprint, code version; totals by source, scope, enterprise and carrier, energy
  [tce], the core indicator 单位能耗碳排放 (national method only), the 95 % interval and
  clean-energy shares. Each total, and each row by source, scope, enterprise and carrier, stands
  beside a live ``SUMIFS`` over the line sheet's *formula* column (not the engine's values), so
  the sheet checks itself; each breakdown ends with its sum against the checked total. Location-
  and market-based lines are never added together (scope 2 rows carry no sum). In the park view,
  the enterprise shares are on the consumption basis (from each enterprise's own view): their
  check is that they add up to the total.
- **清单明细 Line items** — one row per line item: activity (AD) and unit, the factors used
  (NCV, CC, OF, EF and the standard-coal coefficient, each with its unit), emissions and energy as
  computed by the engine, the formula as text, and the same formula as a live Excel formula over
  the row's cells (``=(AD − D) × NCV × CC × OF × k``, ``=(AD − D) × EF × k``) with a difference
  column. ``k`` is the unit constant of the formula (44/12 for C → CO2, 0.001 for kWh × t/MWh) and
  ``D`` the part of AD not multiplied (green power and netted exports on purchased electricity).
  A certificate or green-power trade row is its MWh × 0 tCO2/MWh written out the same way.
  The two key columns at the right (enterprise id, carrier code) are what the summary's SUMIFS
  select on.
- **排放因子 Factors** — every factor used with its full source (title, issuer, year, table, URL,
  confidence, uncertainty).
- **指标 Indicators** — the 1 + 5 national indicators with threshold and status.
- **数据质量 Data quality** — data-quality score, per-enterprise scores, meters with low
  completeness, and the reconciliation gaps of the run (if given).
- **企业名录 Enterprises** (when the enterprises are given) — each enterprise with its USCC,
  GB/T 4754 industry, zone and 工业增加值.

Every numeric cell has a number format (thousands separators, decimals, % for shares; units
in the headers or a unit column), the header rows are frozen, and every sheet has an A4 landscape
print area with the header rows repeated on each page.

The workbook is written with openpyxl; nothing is computed here that the inventory does not hold
(the live formulas only re-multiply the numbers shown next to them).
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from zeropark.accounting import CONSUMER_BASIS_EN, CONSUMER_BASIS_ZH, Inventory, LineItem
from zeropark.accounting.lineitems import CATEGORY_LABEL, Category
from zeropark.errors import FactorNotFound
from zeropark.factors import Factor, FactorSet
from zeropark.i18n import PARTY_KEYS, code_label, party_label, translate
from zeropark.indicators import STATUS_LABEL, IndicatorTable
from zeropark.industry import industry_label
from zeropark.model import CARRIER_LABEL_ZH, Carrier, Enterprise
from zeropark.monitoring.quality import DataQuality
from zeropark.reports import symbiosis_chapter
from zeropark.reports.data import ReportEvaluation
from zeropark.reports.roadmap import ChapterView
from zeropark.reports.symbiosis_chapter import ChapterRows

__all__ = ["LINE_COLUMNS", "inventory_workbook_bytes", "write_inventory_workbook"]

SHEET_SUMMARY = "汇总"
SHEET_LINES = "清单明细"
SHEET_FACTORS = "排放因子"
SHEET_INDICATORS = "指标"
SHEET_QUALITY = "数据质量"
SHEET_ENTERPRISES = "企业名录"
SHEET_ROADMAP = "路线图"
SHEET_EVALUATIONS = "评价"  # evaluation slice
SHEET_BENCHMARKS = "标杆"
SHEET_FOOTPRINTS = "产品碳足迹"  # product carbon footprint (#16)
SHEET_ASSETS = "碳资产"  # carbon asset ledger (#17)

#: Columns of 清单明细: key, Chinese header, English header, width.
LINE_COLUMNS: tuple[tuple[str, str, str, int], ...] = (
    ("no", "序号", "No.", 6),
    ("id", "条目编号", "Line id", 34),
    ("category", "排放源类别", "Source category", 18),
    ("category_code", "类别代码", "Category code", 20),
    ("scope", "范围", "Scope", 6),
    ("basis", "口径", "Scope 2 basis", 10),
    ("party", "企业/设施", "Enterprise / facility", 30),
    ("zone", "片区", "Zone", 16),
    ("carrier", "能源品种", "Carrier", 10),
    ("month", "月份", "Month", 9),
    ("ad", "活动数据 AD", "Activity (AD)", 14),
    ("ad_unit", "AD单位", "AD unit", 8),
    ("deduction", "扣减量（绿电/外送等）", "Deducted from AD (green, export)", 14),
    ("ncv", "低位发热量 NCV", "NCV", 10),
    ("ncv_unit", "NCV单位", "NCV unit", 10),
    ("cc", "单位热值含碳量 CC", "Carbon content CC", 10),
    ("cc_unit", "CC单位", "CC unit", 8),
    ("of", "碳氧化率 OF", "Oxidation OF", 8),
    ("ef", "排放因子 EF", "Emission factor EF", 10),
    ("ef_unit", "EF单位", "EF unit", 10),
    ("k", "换算常数 k", "Conversion constant k", 12),
    ("emissions", "排放量 (tCO2e)", "Emissions [tCO2e]", 14),
    ("formula", "计算公式（文本）", "Formula (text)", 60),
    ("check", "公式复核 (tCO2e)", "Formula check [tCO2e]", 14),
    ("diff", "差异", "Difference", 10),
    ("coef", "折标系数", "Standard-coal coefficient", 10),
    ("coef_unit", "折标系数单位", "Coefficient unit", 12),
    ("k_tce", "换算常数 k′", "Conversion constant k′", 10),
    ("energy", "综合能耗 (tce)", "Energy [tce]", 12),
    ("energy_check", "能耗复核 (tce)", "Energy check [tce]", 12),
    ("uncertainty", "不确定度 (±%, 95%)", "Uncertainty [±%, 95 %]", 10),
    ("factor_ids", "因子编号", "Factor ids", 40),
    ("evidence", "证据（计量器具/凭证）", "Evidence (meters, records)", 40),
    ("note", "备注", "Note", 30),
    ("party_key", "企业编号", "Party key", 14),
    ("carrier_code", "能源品种代码", "Carrier code", 14),
)
_COL = {key: i for i, (key, *_rest) in enumerate(LINE_COLUMNS, start=1)}

#: Excel number formats (units stand in the headers or in a unit column beside the value).
FMT_TONNES = "#,##0.00"  # tCO2e, and activity data in its unit
FMT_TCE = "#,##0.000"  # tce
FMT_FACTOR = "#,##0.0#########"  # a factor to the digits it was cited with
FMT_CONSTANT = "0.0#########"  # k: 44/12, 10⁻³
FMT_PCT = "0.0%"  # a share in [0, 1]
FMT_ONE_DECIMAL = "0.0"  # ± % uncertainty, a score, a percentage already ×100
FMT_INTENSITY = "0.000"  # tCO2/tce
FMT_INTEGER = "#,##0"
#: Number format of each numeric column of 清单明细.
LINE_FORMATS: dict[str, str] = {
    "no": FMT_INTEGER,
    "scope": "0",
    "ad": FMT_TONNES,
    "deduction": FMT_TONNES,
    "ncv": FMT_FACTOR,
    "cc": FMT_FACTOR,
    "of": FMT_FACTOR,
    "ef": FMT_FACTOR,
    "k": FMT_CONSTANT,
    "emissions": FMT_TONNES,
    "check": FMT_TONNES,
    "diff": FMT_TONNES,
    "coef": FMT_FACTOR,
    "k_tce": FMT_CONSTANT,
    "energy": FMT_TCE,
    "energy_check": FMT_TCE,
    "uncertainty": FMT_ONE_DECIMAL,
}
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_TITLE_FONT = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_FIRST_LINE_ROW = 3  # rows 1-2: Chinese and English headers
_EMISSION_SYMBOLS = ("NCV", "CC", "OF", "EF")
_ENERGY_LABEL = "综合能源消费量 Comprehensive energy consumption"
_CORE_LABEL = "单位能耗碳排放 CO2 per unit of energy (core indicator)"


def _letter(key: str) -> str:
    return str(get_column_letter(_COL[key]))


#: Unit-conversion constants a formula may carry (C → CO2 = 44/12; kWh × t/MWh = 10⁻³; 10⁴ Nm³),
#: and their negatives (a credited export under the net-inflow rule).
_NICE_CONSTANTS = tuple(
    sign * c for c in (1.0, 1e-3, 1e-4, 1e3, 44 / 12, 44 / 12 * 1e-3, 44 / 12 * 1e-4) for sign in (1.0, -1.0)
)


def _conversion(
    result: float, ad: float, values: Sequence[float], unit_k: float
) -> tuple[float, float] | None:
    """(k, deduction) with result = (AD − deduction) × Πvalues × k; None if a factor product is 0.

    k is the formula's unit constant when ``result / (AD × Πvalues)`` is one of
    :data:`_NICE_CONSTANTS` (no deduction); otherwise k = ``unit_k`` and the deduction is the part of
    AD the line did not multiply (green power, exports netted off), so the live formula shows it.
    """
    product = math.prod(values)
    if product == 0 or not math.isfinite(product):
        return None
    if ad != 0:
        raw = result / (ad * product)
        for c in _NICE_CONSTANTS:
            if math.isclose(raw, c, rel_tol=1e-9):
                return c, 0.0
    effective = result / (product * unit_k)
    return unit_k, ad - effective


def _unit_constant(ad_unit: str, symbols: Sequence[str], units: Sequence[str]) -> float:
    """The unit constant of a formula from its units: 44/12 with CC; 10⁻³ for kWh × …/MWh."""
    k = 44 / 12 if "CC" in symbols else 1.0
    if ad_unit == "kWh" and any(u.endswith("/MWh") for u in units):
        k *= 1e-3
    return k


def _method_label(inv: Inventory) -> str:
    if inv.method.value == "national":
        return "零碳园区碳排放核算方法（试行） national zero-carbon park method (发改环资〔2025〕910号 附件4)"
    return "GHG Protocol Corporate Standard + Scope 2 Guidance (location- and market-based)"


def _party(enterprise_id: str | None, names: Mapping[str, str]) -> str:
    if enterprise_id is None:
        return "园区 park"
    if enterprise_id in PARTY_KEYS:
        return f"{party_label(enterprise_id, names, 'zh')} {party_label(enterprise_id, names, 'en')}"
    name = names.get(enterprise_id)
    return f"{name} ({enterprise_id})" if name else enterprise_id


def _header(
    ws: Worksheet, row: int, cols: Sequence[tuple[str, str]], widths: Sequence[int] | None = None
) -> None:
    for j, (zh, en) in enumerate(cols, start=1):
        for r, text in ((row, zh), (row + 1, en)):
            c = ws.cell(row=r, column=j, value=text)
            c.fill = _HEADER_FILL
            c.font = _BOLD if r == row else Font(italic=True)
            c.alignment = Alignment(wrap_text=True, vertical="center")
        if widths is not None:
            ws.column_dimensions[get_column_letter(j)].width = widths[j - 1]


# --------------------------------------------------------------------------------------------
# 清单明细 Line items
# --------------------------------------------------------------------------------------------


def _write_line(
    ws: Worksheet, r: int, n: int, li: LineItem, names: Mapping[str, str], zones: Mapping[str, str]
) -> None:
    label_zh, label_en = CATEGORY_LABEL.get(li.category, (li.category.value, li.category.value))
    by_symbol = {f.symbol: f for f in li.factors}
    values: dict[str, Any] = {
        "no": n,
        "id": li.id,
        "category": f"{label_zh} {label_en}",
        "category_code": li.category.value,
        "scope": li.scope,
        "basis": li.basis.value if li.basis is not None else "",
        "party": _party(li.enterprise_id, names),
        "zone": zones.get(li.zone_id or "", li.zone_id or ""),
        "carrier": CARRIER_LABEL_ZH.get(li.carrier, "") if isinstance(li.carrier, Carrier) else "",
        "month": li.month.strftime("%Y-%m") if li.month else "",
        "ad": li.activity,
        "ad_unit": li.activity_unit,
        "emissions": li.emissions_tco2e,
        "formula": li.formula,
        "energy": li.energy_tce,
        "uncertainty": li.uncertainty_pct,
        "factor_ids": "; ".join(f.id for f in li.factors),
        "evidence": "; ".join(li.evidence[:20])
        + (f" … (+{len(li.evidence) - 20})" if len(li.evidence) > 20 else ""),
        "note": li.note,
        "party_key": li.enterprise_id or "park",
        "carrier_code": "-" if li.carrier is None else li.carrier.value,
    }
    for sym, key, unit_key in (
        ("NCV", "ncv", "ncv_unit"),
        ("CC", "cc", "cc_unit"),
        ("OF", "of", None),
        ("EF", "ef", "ef_unit"),
    ):
        f = by_symbol.get(sym)
        if f is not None:
            values[key] = f.value
            if unit_key:
                values[unit_key] = f.unit
    coef = by_symbol.get("coef")
    if coef is not None:
        values["coef"] = coef.value
        values["coef_unit"] = coef.unit
    for key, v in values.items():
        ws.cell(row=r, column=_COL[key], value=v)
    for key, number_format in LINE_FORMATS.items():
        ws.cell(row=r, column=_COL[key]).number_format = number_format

    ad = f"{_letter('ad')}{r}"
    ad_net = f"({ad}-{_letter('deduction')}{r})"
    used = [s for s in _EMISSION_SYMBOLS if s in by_symbol]
    unit_k = _unit_constant(li.activity_unit, used, [by_symbol[s].unit for s in used])
    conv = _conversion(li.emissions_tco2e, li.activity, [by_symbol[s].value for s in used], unit_k)
    if li.category is Category.GREEN_POWER and not used:
        # a certificate or green-power trade: its MWh × 0 tCO2/MWh (ACCOUNTING.md §1.3), written out
        ws.cell(row=r, column=_COL["ef"], value=0.0)
        ws.cell(row=r, column=_COL["ef_unit"], value="tCO2/MWh")
        ws.cell(row=r, column=_COL["k"], value=1e-3 if li.activity_unit == "kWh" else 1.0)
        ws.cell(row=r, column=_COL["deduction"], value=0.0)
        cells = [ad_net, f"{_letter('ef')}{r}", f"{_letter('k')}{r}"]
        ws.cell(row=r, column=_COL["check"], value="=" + "*".join(cells))
    elif used and conv is not None:
        k, deduction = conv
        ws.cell(row=r, column=_COL["k"], value=k)
        ws.cell(row=r, column=_COL["deduction"], value=deduction)
        cells = [ad_net] + [f"{_letter(s.lower())}{r}" for s in used] + [f"{_letter('k')}{r}"]
        ws.cell(row=r, column=_COL["check"], value="=" + "*".join(cells))
    else:  # no emission factor (on-site PV, feedstock, eliminated transfer): the stated value
        ws.cell(row=r, column=_COL["check"], value=f"={_letter('emissions')}{r}")
    ws.cell(row=r, column=_COL["diff"], value=f"={_letter('check')}{r}-{_letter('emissions')}{r}")
    conv_t = _conversion(li.energy_tce, li.activity, [coef.value], 1.0) if coef is not None else None
    if coef is not None and conv_t is not None and conv_t[1] == 0.0:
        ws.cell(row=r, column=_COL["k_tce"], value=conv_t[0])
        ws.cell(row=r, column=_COL["energy_check"], value=f"={ad}*{_letter('coef')}{r}*{_letter('k_tce')}{r}")
    else:
        ws.cell(row=r, column=_COL["energy_check"], value=f"={_letter('energy')}{r}")


def _write_lines(ws: Worksheet, inv: Inventory, names: Mapping[str, str], zones: Mapping[str, str]) -> int:
    _header(ws, 1, [(zh, en) for _k, zh, en, _w in LINE_COLUMNS], [w for *_r, w in LINE_COLUMNS])
    r = _FIRST_LINE_ROW
    for n, li in enumerate(inv.lines, start=1):
        _write_line(ws, r, n, li, names, zones)
        r += 1
    last = r - 1
    end = max(last, _FIRST_LINE_ROW)
    basis_col = f"${_letter('basis')}${_FIRST_LINE_ROW}:${_letter('basis')}${end}"
    # location- and market-based lines are two views of the same MWh: never added together
    totals = (
        [
            ("合计（基于位置）Total (location-based)", "<>market"),
            ("合计（基于市场）Total (market-based)", "<>location"),
        ]
        if inv.method.value == "ghg"
        else [("合计 Total", None)]
    )
    for label, crit in totals:
        ws.cell(row=r, column=_COL["id"], value=label).font = _BOLD
        for key in ("emissions", "check", "energy", "energy_check"):
            col = _letter(key)
            rng = f"${col}${_FIRST_LINE_ROW}:${col}${end}"
            formula = f"=SUM({rng})" if crit is None else f'=SUMIFS({rng},{basis_col},"{crit}")'
            cell = ws.cell(row=r, column=_COL[key], value=formula)
            cell.font = _BOLD
            cell.number_format = LINE_FORMATS[key]
        r += 1
    ws.freeze_panes = ws.cell(row=_FIRST_LINE_ROW, column=_COL["category"])
    ws.auto_filter.ref = f"A2:{get_column_letter(len(LINE_COLUMNS))}{max(last, 2)}"
    _print_setup(ws, f"A1:{get_column_letter(len(LINE_COLUMNS))}{r - 1}", title_rows="1:2")
    return last


def _print_setup(ws: Worksheet, area: str, *, title_rows: str | None = None) -> None:
    """A4 landscape, fitted to one page wide, the header rows repeated on every printed page."""
    ws.print_area = area
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows is not None:
        ws.print_title_rows = title_rows


# --------------------------------------------------------------------------------------------
# 汇总 Summary
# --------------------------------------------------------------------------------------------


def _column_range(key: str, last: int) -> str:
    col = _letter(key)
    return f"'{SHEET_LINES}'!${col}${_FIRST_LINE_ROW}:${col}${max(last, _FIRST_LINE_ROW)}"


def _sumifs(last: int, criteria: Sequence[tuple[str, str]], value_key: str = "check") -> str:
    """``=SUMIFS`` of a live-formula column of 清单明细 (default: the formula check of each line)."""

    def rng(key: str) -> str:
        return _column_range(key, last)

    parts = [rng(value_key)]
    for key, crit in criteria:
        parts += [rng(key), f'"{crit}"']
    return f"=SUMIFS({', '.join(parts)})"


def _write_summary(
    ws: Worksheet,
    inv: Inventory,
    park_name: str,
    indicators: IndicatorTable | None,
    names: Mapping[str, str],
    last: int,
) -> None:
    ws.column_dimensions["A"].width = 42
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["C"].width = 22
    ws.column_dimensions["D"].width = 22
    ws["A1"] = f"{park_name} {inv.year} 年度碳排放清单 Carbon inventory"
    ws["A1"].font = _TITLE_FONT
    meta: list[tuple[str, Any]] = [
        ("园区 Park", f"{park_name} ({inv.park_id})"),
        ("核算年度 Year", inv.year),
        ("核算方法 Method", _method_label(inv)),
        (
            "核算范围 Scope of run",
            _party(inv.enterprise_id, names) if inv.enterprise_id else "全园区 whole park",
        ),
        ("因子集 Factor set", inv.factor_set_name),
        ("因子集版本 Factor set version", inv.factor_set_version),
        ("因子集 SHA-256", inv.factor_set_sha256),
        ("输入指纹 Input fingerprint (SHA-256)", inv.input_fingerprint),
        ("程序版本 Code version", inv.code_version),
        ("核算选项（中文）Options statement", inv.options_statement_zh),
        ("Options statement (English)", inv.options_statement_en),
    ]
    r = 3
    for label, value in meta:
        ws.cell(row=r, column=1, value=label).font = _BOLD
        c = ws.cell(row=r, column=2, value=value)
        c.alignment = Alignment(wrap_text=True, vertical="top")
        if isinstance(value, int):
            c.number_format = "0"  # a year, not a quantity
        r += 1

    r += 1
    ws.cell(row=r, column=1, value="总量 Totals").font = _TITLE_FONT
    r += 1
    _header(
        ws,
        r,
        [
            ("项目", "Item"),
            ("数值", "Value (engine)"),
            ("单位", "Unit"),
            ("复核（公式）", "Check (live formula)"),
        ],
    )
    r += 2
    not_market = ("basis", "<>market")
    national = inv.method.value == "national"
    totals: list[tuple[str, float | None, str, str | None, str]] = [
        (
            "碳排放总量 Total emissions" + ("" if national else " (location-based)"),
            inv.total_tco2e,
            "tCO2e",
            _sumifs(last, [not_market]),
            FMT_TONNES,
        ),
    ]
    if inv.total_market_tco2e is not None:
        totals.append(
            (
                "碳排放总量（市场法）Total (market-based)",
                inv.total_market_tco2e,
                "tCO2e",
                _sumifs(last, [("basis", "<>location")]),
                FMT_TONNES,
            )
        )
    totals.append(
        (_ENERGY_LABEL, inv.energy_tce, "tce", _sumifs(last, [not_market], "energy_check"), FMT_TCE)
    )
    if national:  # the core indicator is the national method's (发改环资〔2025〕910号), not GHG Protocol's
        totals.append((_CORE_LABEL, inv.intensity_tco2_per_tce, "tCO2/tce", None, FMT_INTENSITY))
    totals += [
        ("95% 置信区间下限 95 % interval low", inv.interval_95.low_tco2e, "tCO2e", None, FMT_TONNES),
        ("95% 置信区间上限 95 % interval high", inv.interval_95.high_tco2e, "tCO2e", None, FMT_TONNES),
        ("清洁能源消费占比 Clean-energy share (annual)", inv.clean_energy_share, "%", None, FMT_PCT),
        ("绿电占比 Green-electricity share", inv.green_electricity_share, "%", None, FMT_PCT),
    ]
    total_rows: dict[str, int] = {}
    for label, value, unit, check, number_format in totals:
        ws.cell(row=r, column=1, value=label)
        cell = ws.cell(row=r, column=2, value=value if value is not None else "—（无数据 not available）")
        cell.number_format = number_format
        ws.cell(row=r, column=3, value=unit)
        if check:
            ws.cell(row=r, column=4, value=check).number_format = number_format
        total_rows[label] = r
        r += 1
    total_row = total_rows[totals[0][0]]
    energy_row = total_rows[_ENERGY_LABEL]
    if national:  # the core indicator as a live ratio of the two checked totals above
        core_check = ws.cell(
            row=total_rows[_CORE_LABEL], column=4, value=f'=IFERROR(D{total_row}/D{energy_row},"—")'
        )
        core_check.number_format = FMT_INTENSITY

    def block(
        title: str,
        data: Mapping[str, float],
        label_of: Any,
        criteria_of: Any,
        *,
        sum_row: bool = True,
        note: str = "",
    ) -> int:
        """A breakdown with its engine values, a live SUMIFS check per row and a checked sum row."""
        nonlocal r
        r += 1
        ws.cell(row=r, column=1, value=title).font = _TITLE_FONT
        r += 1
        _header(
            ws,
            r,
            [
                ("项目", "Item"),
                ("排放量", "Emissions (engine)"),
                ("单位", "Unit"),
                ("复核（公式）", "Check (live formula)"),
            ],
        )
        r += 2
        first = r
        for key, value in sorted(data.items(), key=lambda kv: -abs(kv[1])):
            ws.cell(row=r, column=1, value=label_of(key))
            ws.cell(row=r, column=2, value=value).number_format = FMT_TONNES
            ws.cell(row=r, column=3, value="tCO2e")
            criteria = criteria_of(key)
            if criteria is not None:
                ws.cell(row=r, column=4, value=_sumifs(last, criteria)).number_format = FMT_TONNES
            r += 1
        if sum_row and r > first:
            ws.cell(row=r, column=1, value="合计 Sum (= total above)").font = _BOLD
            ws.cell(row=r, column=2, value=f"=SUM(B{first}:B{r - 1})").number_format = FMT_TONNES
            ws.cell(row=r, column=3, value="tCO2e")
            ws.cell(row=r, column=4, value=f"=D{total_row}").number_format = FMT_TONNES
            for c in (1, 2, 4):
                ws.cell(row=r, column=c).font = _BOLD
            r += 1
        if note:
            ws.cell(row=r, column=1, value=note).alignment = Alignment(wrap_text=True, vertical="top")
            r += 1
        return r

    def source_label(code: str) -> str:
        try:
            zh, en = CATEGORY_LABEL[Category(code)]
        except ValueError:
            return code
        return f"{zh} {en}"

    scope_criteria: dict[str, list[tuple[str, str]]] = {
        "1": [("scope", "1")],
        "2-location": [("scope", "2"), ("basis", "<>market")],
        "2-market": [("scope", "2"), ("basis", "<>location")],
        "national": [not_market],
    }
    block("按排放源 By source", inv.by_source, source_label, lambda k: [("category_code", k), not_market])
    # scope 2 appears twice (location, market): its rows are not added up
    block(
        "按范围 By scope",
        inv.by_scope,
        lambda s: f"范围 Scope {s}",
        lambda k: scope_criteria.get(k),
        sum_row=not inv.by_scope.keys() & {"2-location", "2-market"},
    )
    consumption = bool(inv.consumers)
    block(
        "按企业（消费端归属）By enterprise (consumption basis)",
        inv.by_enterprise,
        lambda e: _party(e, names),
        # the park view's shares come from each enterprise's own view (consumption basis), not from
        # the park's lines: their check is that they add up to the checked total
        (lambda k: None) if consumption else (lambda k: [("party_key", k), not_market]),
        note=f"{CONSUMER_BASIS_ZH}\n{CONSUMER_BASIS_EN}" if consumption else "",
    )
    block(
        "按能源品种 By carrier",
        inv.by_carrier,
        lambda c: f"{CARRIER_LABEL_ZH.get(Carrier(c), c) if c in Carrier._value2member_map_ else c} {c}",
        lambda k: [("carrier_code", k), not_market],
    )
    if indicators is not None and national:
        core = indicators.core
        r += 1
        ws.cell(row=r, column=1, value="核心指标 Core indicator").font = _TITLE_FONT
        r += 1
        ws.cell(row=r, column=1, value=f"{core.label_zh} {core.label_en}")
        ws.cell(row=r, column=2, value=core.value).number_format = FMT_INTENSITY
        ws.cell(row=r, column=3, value=core.unit)
        zh, en = STATUS_LABEL[core.status]
        ws.cell(
            row=r,
            column=4,
            value=f"{zh} {en}"
            + (f" (阈值 threshold {core.comparison} {core.threshold})" if core.threshold is not None else ""),
        )
        r += 1
        ws.cell(row=r, column=1, value=f"{indicators.size_band_zh} {indicators.size_band_en}")
    _print_setup(ws, f"A1:D{ws.max_row}")


# --------------------------------------------------------------------------------------------
# 排放因子 Factors, 指标 Indicators, 数据质量 Data quality
# --------------------------------------------------------------------------------------------


def _confidence(code: str) -> str:
    """``P`` → ``P 一手文件 primary document`` (the 可信度 column in words)."""
    key = f"confidence_{code}"
    return f"{code} {translate(key, 'zh')} {translate(key, 'en')}"


def _lookup(factor_set: FactorSet | None, factor_id: str) -> Factor | None:
    """The full factor record, or None for measured values and overrides not in the set."""
    if factor_set is None:
        return None
    try:
        return factor_set.get(factor_id)
    except FactorNotFound:
        return None


def _write_factors(ws: Worksheet, inv: Inventory, factor_set: FactorSet | None) -> None:
    cols = [
        ("因子编号", "Factor id", 34),
        ("符号", "Symbol", 7),
        ("数值", "Value", 12),
        ("单位", "Unit", 14),
        ("来源", "Source", 50),
        ("发布机构", "Issuer", 30),
        ("文号", "Document number", 24),
        ("发布日期", "Date of issue", 12),
        ("表/页", "Table / page", 40),
        ("网址", "URL", 40),
        ("可信度", "Confidence", 10),
        ("不确定度 ±%", "Uncertainty ±%", 10),
        ("说明", "Note", 50),
        ("使用条目数", "Lines using it", 10),
    ]
    _header(ws, 1, [(a, b) for a, b, _ in cols], [w for *_x, w in cols])
    used: dict[str, tuple[Any, int]] = {}
    for li in inv.lines:
        for f in li.factors:
            prev = used.get(f.id)
            used[f.id] = (f, (prev[1] if prev else 0) + 1)
    r = 3
    for fid, (use, count) in sorted(used.items()):
        row: list[Any] = [
            fid,
            use.symbol,
            use.value,
            use.unit,
            use.source,
            "",
            "",
            "",
            "",
            "",
            _confidence(use.confidence),
            use.uncertainty_pct,
            "",
            count,
        ]
        full = _lookup(factor_set, fid)
        if full is not None:
            src = full.source
            row[4:13] = [
                src.title,
                src.issuer,
                src.number,
                src.date or ("" if src.year is None else str(src.year)),
                src.table,
                src.url,
                _confidence(src.confidence.value),
                full.uncertainty_pct,
                full.note,
            ]
        for j, v in enumerate(row, start=1):
            ws.cell(row=r, column=j, value=v)
        ws.cell(row=r, column=3).number_format = FMT_FACTOR
        ws.cell(row=r, column=12).number_format = FMT_ONE_DECIMAL
        ws.cell(row=r, column=14).number_format = FMT_INTEGER
        r += 1
    ws.cell(
        row=r + 1,
        column=1,
        value=f"因子集 Factor set: {inv.factor_set_name} {inv.factor_set_version} "
        f"(SHA-256 {inv.factor_set_sha256})",
    )
    ws.freeze_panes = "B3"
    _print_setup(ws, f"A1:{get_column_letter(len(cols))}{r + 1}", title_rows="1:2")


def _write_indicators(ws: Worksheet, table: IndicatorTable) -> None:
    cols = [
        ("指标代码", "Code", 22),
        ("指标", "Indicator", 30),
        ("Indicator (EN)", "", 36),
        ("数值", "Value", 12),
        ("单位", "Unit", 12),
        ("要求", "Requirement", 12),
        ("状态", "Status", 18),
        ("缺失数据", "Missing data", 40),
        ("说明", "Note", 50),
        ("来源", "Source", 40),
    ]
    _header(ws, 1, [(a, b) for a, b, _ in cols], [w for *_x, w in cols])
    r = 3
    for row in table.rows:
        zh, en = STATUS_LABEL[row.status]
        req = f"{row.comparison} {row.threshold:g}" if row.threshold is not None and row.comparison else "—"
        vals = [
            row.code,
            row.label_zh,
            row.label_en,
            row.value,
            row.unit,
            req,
            f"{zh} {en}",
            "; ".join(row.missing),
            f"{row.note_zh} {row.note_en}".strip(),
            row.source,
        ]
        for j, v in enumerate(vals, start=1):
            ws.cell(row=r, column=j, value=v)
        ws.cell(row=r, column=4).number_format = FMT_ONE_DECIMAL if row.unit == "%" else FMT_INTENSITY
        r += 1
    ws.freeze_panes = "B3"
    _print_setup(ws, f"A1:{get_column_letter(len(cols))}{r + 2}", title_rows="1:2")
    ws.cell(row=r + 1, column=1, value=f"{table.size_band_zh} {table.size_band_en}")
    if table.veto:
        ws.cell(
            row=r + 2, column=1, value="核心指标未达标：一票否决 Core indicator failed (veto)"
        ).font = _BOLD


def _write_quality(ws: Worksheet, inv: Inventory, quality: DataQuality | None) -> None:
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 70
    r = 1
    ws.cell(row=r, column=1, value="数据质量 Data quality").font = _TITLE_FONT
    r += 2
    if quality is not None:
        ws.cell(row=r, column=1, value="数据质量评分 Score (0–100)")
        ws.cell(row=r, column=2, value=quality.score).number_format = FMT_ONE_DECIMAL
        r += 1
        ws.cell(row=r, column=1, value="数据完整率 Completeness (%)")
        ws.cell(row=r, column=2, value=quality.completeness).number_format = FMT_PCT
        r += 2
        _header(ws, r, [("企业", "Enterprise"), ("评分", "Score")])
        r += 2
        for ent, score in sorted(quality.by_enterprise().items(), key=lambda kv: kv[0] or ""):
            ws.cell(row=r, column=1, value=ent or "园区 park")
            ws.cell(row=r, column=2, value=score).number_format = FMT_ONE_DECIMAL
            r += 1
        low = sorted(quality.meters, key=lambda m: m.completeness)[:50]
        r += 1
        _header(
            ws,
            r,
            [
                ("计量器具", "Meter"),
                ("完整率", "Completeness"),
                ("应有", "Expected"),
                ("实有", "Present"),
                ("标记", "Flagged"),
                ("隔离", "Quarantined"),
            ],
        )
        r += 2
        for m in low:
            for j, v in enumerate(
                [m.meter_id, m.completeness, m.n_expected, m.n_present, m.n_flagged, m.n_quarantined], start=1
            ):
                ws.cell(row=r, column=j, value=v).number_format = FMT_PCT if j == 2 else FMT_INTEGER
            r += 1
    else:
        ws.cell(row=r, column=1, value="未提供数据质量评分 no data-quality report given")
        r += 1
    r += 1
    ws.cell(row=r, column=1, value="对账差异 Reconciliation gaps").font = _TITLE_FONT
    r += 1
    _header(ws, r, [("类型", "Kind"), ("说明", "Message"), ("数值", "Magnitude"), ("单位", "Unit")])
    r += 2
    if not inv.gaps:
        ws.cell(row=r, column=1, value="无 none")
    for g in inv.gaps:
        for j, v in enumerate(
            [g.kind.value, f"{g.message_zh} / {g.message_en}", g.magnitude, g.unit], start=1
        ):
            ws.cell(row=r, column=j, value=v)
        ws.cell(row=r, column=3).number_format = FMT_TONNES
        r += 1
    _print_setup(ws, f"A1:F{max(r, ws.max_row)}")


def _write_enterprises(ws: Worksheet, enterprises: Sequence[Enterprise], zones: Mapping[str, str]) -> None:
    cols = [
        ("企业编号", "Id", 22),
        ("企业名称", "Name", 40),
        ("统一社会信用代码", "USCC", 22),
        ("行业（GB/T 4754）", "Industry (GB/T 4754)", 40),
        ("片区", "Zone", 24),
        ("园区公共设施", "Public facility", 12),
        ("工业增加值 (万元)", "Value added (10⁴ CNY)", 16),
    ]
    _header(ws, 1, [(a, b) for a, b, _ in cols], [w for *_x, w in cols])
    r = 3
    for e in sorted(enterprises, key=lambda e: (e.is_public_facility, e.id)):
        values: list[Any] = [
            e.id,
            e.name,
            e.uscc,
            industry_label(e.industry_code),
            zones.get(e.zone_id or "", e.zone_id or ""),
            "是 yes" if e.is_public_facility else "",
            e.value_added_10k_cny,
        ]
        for j, v in enumerate(values, start=1):
            ws.cell(row=r, column=j, value=v)
        ws.cell(row=r, column=7).number_format = FMT_TONNES
        r += 1
    ws.freeze_panes = "C3"
    _print_setup(ws, f"A1:{get_column_letter(len(cols))}{max(r - 1, 2)}", title_rows="1:2")


def _write_evaluations(ws: Worksheet, evaluations: Sequence[ReportEvaluation]) -> None:
    """评价: each evaluation run's items, score, grade, blockers and [UNCERTAIN] notes.

    Per item: value [its unit], unit, threshold, points [% of its weight], status, missing data.
    """
    ws["A1"] = "评价结果 Evaluation"
    ws["A1"].font = _TITLE_FONT
    r = 3
    for ev in evaluations:
        card = ev.scorecard
        ws.cell(
            r,
            1,
            f"{ev.name_zh} ({ev.framework_code}@{ev.framework_version}) · 评价记录 #{ev.run_id} · "
            f"核算记录 #{ev.inventory_run_id}",
        ).font = Font(bold=True)
        r += 1
        score = "—" if card.score is None else f"{card.score:.2f} / 100"
        grade = card.grade_labels[card.grade][0] if card.grade else "未达到任何等级"
        ws.cell(r, 1, f"总分 Score: {score}；待补数据对应分值 {card.score_open:.2f}；等级 Grade: {grade}")
        r += 1
        _header(
            ws,
            r,
            [
                ("评价项", "Item"),
                ("数值", "Value"),
                ("单位", "Unit"),
                ("阈值", "Threshold"),
                ("得分率 %", "Points %"),
                ("状态", "Status"),
                ("缺失数据", "Missing"),
            ],
            [36, 14, 14, 14, 10, 12, 50],
        )
        r += 2
        for i in card.items:
            for c, v in enumerate(
                (
                    i.label_zh,
                    i.value,
                    i.unit_label,
                    i.threshold or "—",
                    i.points,
                    code_label("eval_status", i.status.value, "zh"),
                    "；".join(i.missing),
                ),
                1,
            ):
                ws.cell(r, c, v)
            r += 1
        if card.next_grade:
            ws.cell(r, 1, f"达到下一等级（{card.grade_labels[card.next_grade][0]}）的障碍")
            r += 1
            for b in card.blockers:
                ws.cell(r, 1, f"- {b.detail_zh}")
                r += 1
        for note in card.uncertain:
            ws.cell(r, 1, note)
            r += 1
        r += 1
    _print_setup(ws, f"A1:G{max(r, 2)}")


def _write_benchmarks(ws: Worksheet, benchmarks: Mapping[str, Any]) -> None:
    """标杆: :func:`zeropark.services.benchmarks.benchmarks` as the PDF annex shows it.

    Per park/enterprise: carbon productivity [10⁴ CNY/tCO2], energy intensity [tce/10⁴ CNY] and
    their ranks (place/of); per product: energy intensity [the limit's unit] against the GB grades.
    """
    ws["A1"] = "标杆对比 Benchmarks"
    ws["A1"].font = _TITLE_FONT
    _header(
        ws,
        3,
        [
            ("园区/企业", "Park / enterprise"),
            ("碳生产率 万元/tCO2", "Carbon productivity 10⁴ CNY/tCO2"),
            ("排名", "Rank"),
            ("能耗强度 tce/万元", "Energy intensity tce/10⁴ CNY"),
            ("排名", "Rank"),
        ],
        [30, 18, 10, 18, 10],
    )
    r = 5
    units = ([benchmarks["park"]] if benchmarks.get("park") else []) + list(benchmarks["enterprises"])
    for u in units:
        ranks = [u["productivity_rank"], u["intensity_rank"]]
        place = ["—" if k is None else f"{k['place']}/{k['of']}" for k in ranks]
        row = (u["name"] or u["id"], u["carbon_productivity_10k_cny_per_t"], place[0])
        for c, v in enumerate((*row, u["energy_intensity_tce_per_10k_cny"], place[1]), 1):
            ws.cell(r, c, v)
        r += 1
    if benchmarks["products"]:
        r += 1
        _header(
            ws,
            r,
            [
                ("企业", "Enterprise"),
                ("产品", "Product"),
                ("单位产品能耗", "Intensity"),
                ("单位", "Unit"),
                ("1级/2级/3级", "Grades 1/2/3"),
                ("等级", "Grade"),
                ("标准", "Standard"),
            ],
        )
        r += 2
        for p in benchmarks["products"]:
            grades = "/".join(f"{p[k]:g}" for k in ("grade_1", "grade_2", "grade_3") if p[k] is not None)
            standard = p["standard"] + (" [UNCERTAIN 待确认]" if p["uncertain"] else "")
            cells = (p["enterprise_name"], p["product_zh"], p["intensity"], p["intensity_unit"], grades)
            for c, v in enumerate((*cells, p["grade"] or "—", standard), 1):
                ws.cell(r, c, v)
            r += 1
    _print_setup(ws, f"A1:G{max(r, 2)}")


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def _build(
    inventory: Inventory,
    *,
    park_name: str,
    indicators: IndicatorTable | None,
    factor_set: FactorSet | None,
    enterprise_names: Mapping[str, str],
    zone_names: Mapping[str, str],
    data_quality: DataQuality | None,
    enterprises: Sequence[Enterprise] = (),
    roadmap: ChapterView | None = None,
    evaluations: Sequence[ReportEvaluation] = (),
    benchmarks: Mapping[str, Any] | None = None,
    footprints: Sequence[Mapping[str, Any]] = (),
    assets: Mapping[str, Any] | None = None,
    symbiosis: ChapterRows | None = None,
) -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = SHEET_SUMMARY
    lines = wb.create_sheet(SHEET_LINES)
    last = _write_lines(lines, inventory, enterprise_names, zone_names)
    _write_summary(summary, inventory, park_name, indicators, enterprise_names, last)
    _write_factors(wb.create_sheet(SHEET_FACTORS), inventory, factor_set)
    if indicators is not None:
        _write_indicators(wb.create_sheet(SHEET_INDICATORS), indicators)
    _write_quality(wb.create_sheet(SHEET_QUALITY), inventory, data_quality)
    if enterprises:
        _write_enterprises(wb.create_sheet(SHEET_ENTERPRISES), enterprises, zone_names)
    if roadmap is not None:
        _write_roadmap(wb.create_sheet(SHEET_ROADMAP), roadmap)
    if evaluations:
        _write_evaluations(wb.create_sheet(SHEET_EVALUATIONS), evaluations)
    if benchmarks is not None:
        _write_benchmarks(wb.create_sheet(SHEET_BENCHMARKS), benchmarks)
    if footprints:
        _write_footprints(wb.create_sheet(SHEET_FOOTPRINTS), footprints)
    if assets is not None and assets.get("balances"):
        write_assets(wb.create_sheet(SHEET_ASSETS), assets)
    if symbiosis is not None:  # industrial symbiosis (#18)
        symbiosis_chapter.write_sheet(wb.create_sheet(symbiosis_chapter.SHEET), symbiosis)
    return wb


def write_inventory_workbook(
    path: Path | str,
    inventory: Inventory,
    *,
    park_name: str,
    indicators: IndicatorTable | None = None,
    factor_set: FactorSet | None = None,
    enterprise_names: Mapping[str, str] | None = None,
    zone_names: Mapping[str, str] | None = None,
    data_quality: DataQuality | None = None,
) -> Path:
    """Write the inventory report workbook to ``path``.

    Parameters
    ----------
    path : Path or str
        Target ``.xlsx`` file.
    inventory : Inventory
        The result of :func:`zeropark.accounting.run` (either method).
    park_name : str
        Park name for the title (e.g. "示例零碳产业园（示例数据）").
    indicators : IndicatorTable, optional
        The indicator table (:func:`zeropark.indicators.evaluate`); adds the 指标 sheet.
    factor_set : FactorSet, optional
        The factor set of the run; gives every factor its full source on 排放因子.
    enterprise_names, zone_names : mapping of id to name, optional
        Names shown beside ids.
    data_quality : zeropark.monitoring.quality.DataQuality, optional
        Adds the data-quality score, per-enterprise scores and the least complete meters.

    Returns
    -------
    Path
        The path written.
    """
    path = Path(path)
    wb = _build(
        inventory,
        park_name=park_name,
        indicators=indicators,
        factor_set=factor_set,
        enterprise_names=enterprise_names or {},
        zone_names=zone_names or {},
        data_quality=data_quality,
    )
    wb.save(path)
    return path


def inventory_workbook_bytes(inventory: Inventory, **kwargs: Any) -> bytes:
    """The same workbook as :func:`write_inventory_workbook`, as bytes (for downloads)."""
    buf = io.BytesIO()
    wb = _build(
        inventory,
        park_name=kwargs.get("park_name", inventory.park_id),
        indicators=kwargs.get("indicators"),
        factor_set=kwargs.get("factor_set"),
        enterprise_names=kwargs.get("enterprise_names") or {},
        zone_names=kwargs.get("zone_names") or {},
        data_quality=kwargs.get("data_quality"),
        enterprises=kwargs.get("enterprises") or (),
        roadmap=kwargs.get("roadmap"),
        evaluations=kwargs.get("evaluations", ()),
        benchmarks=kwargs.get("benchmarks"),
        footprints=kwargs.get("footprints", ()),
        assets=kwargs.get("assets"),
        symbiosis=kwargs.get("symbiosis"),
    )
    wb.save(buf)
    return buf.getvalue()


# --- metabolism (issue 14): the roadmap sheet ------------------------------------------------------


def _write_roadmap(ws: Worksheet, view: ChapterView) -> None:
    """路线图: the roadmap chapter's figures, the rows the PDF shows (:mod:`zeropark.reports.roadmap`).

    The LMDI effects [tCO2] between the previous accounted year and the report year with the
    Tapio state, the carbon productivity trend [10⁴ CNY/tCO2], the largest energy [tce] and carbon
    [tCO2] flows with the number of line items each sums, and the scenario and pathway rows when
    they exist; a sentence instead of a table where a figure does not exist.
    """
    widths = (44, 44, 18, 18, 40)
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.cell(row=1, column=1, value="路线图 Roadmap").font = Font(bold=True, size=13)
    r = 3

    def heading(zh: str, en: str) -> None:
        nonlocal r
        ws.cell(row=r, column=1, value=f"{zh} {en}").font = Font(bold=True)
        r += 1

    def header(*cells: str) -> None:
        nonlocal r
        for j, v in enumerate(cells, start=1):
            c = ws.cell(row=r, column=j, value=v)
            c.font = Font(bold=True)
            c.fill = PatternFill("solid", fgColor="E8F1EC")
        r += 1

    def row(*cells: Any, fmt: str = FMT_TONNES) -> None:
        nonlocal r
        for j, v in enumerate(cells, start=1):
            c = ws.cell(row=r, column=j, value=v)
            if isinstance(v, float):
                c.number_format = fmt
        r += 1

    for sentence in view.sentences:
        ws.cell(row=r, column=1, value=sentence).alignment = Alignment(wrap_text=False)
        r += 1
    if view.effects:
        r += 1
        heading(f"碳排放变化归因（LMDI）{view.year_from} → {view.year_to}", "LMDI decomposition")
        header("效应 Effect", "tCO2")
        row(str(view.year_from), view.co2_from)
        for label, v in view.effects:
            row(label, v)
        row(str(view.year_to), view.co2_to)
        ws.cell(row=r, column=1, value=view.tapio)
        r += 2
        heading("碳生产率趋势", "Carbon productivity trend")
        header("年份 Year", "工业增加值 (万元)", "CO2 (t)", "碳生产率 (万元/tCO2)", "说明 Note")
        for p in view.trend:
            row(
                p["year"],
                p["output_10k_cny"],
                p["co2_t"],
                p["carbon_productivity_10k_cny_per_t"],
                p["note"],
            )
    for zh, en, rows, total, unit in (
        ("园区代谢：主要能源流", "Metabolism: largest energy flows", view.energy, view.energy_total, "tce"),
        ("园区代谢：主要碳流", "Metabolism: largest carbon flows", view.carbon, view.carbon_total, "tCO2"),
    ):
        if not rows:
            continue
        r += 1
        heading(zh, en)
        header("来源 From", "去向 To", unit, "清单条目 Line items")
        for f in rows:
            row(f.source, f.target, f.value, f.items)
        row(f"流入合计 Total inflow ({unit})", "", total)
    for note in view.notes:
        ws.cell(row=r, column=1, value=note)
        r += 1
    for zh, en, cols, table in (
        ("情景", "Scenarios", view.scenario_columns, view.scenarios),
        ("最低成本路径", "Least-cost pathway", view.pathway_columns, view.pathway),
    ):
        if not table:
            continue
        r += 1
        heading(zh, en)
        header(*cols)
        for cells in table:
            row(*cells)
    ws.freeze_panes = "A3"
    last = get_column_letter(max(5, len(view.scenario_columns), len(view.pathway_columns)))
    _print_setup(ws, f"A1:{last}{max(r - 1, 2)}", title_rows="1:2")


# --- product carbon footprint (#16): the 产品碳足迹 sheet -------------------------------------------

FOOTPRINT_HEADERS: tuple[str, ...] = (
    "产品 product",
    "企业 enterprise",
    "CN",
    "功能单位 functional unit",
    "产量 production",
    "分配规则 allocation rule",
    "项 term",
    "排放 tCO2e",
    "±95 % [%]",
    "算式 formula",
)
"""Columns of the 产品碳足迹 sheet: one row per term of each product's footprint, then its total."""


def _write_footprints(ws: Worksheet, footprints: Sequence[Mapping[str, Any]]) -> None:
    """产品碳足迹 (ISO 14067:2018 cradle-to-gate): each product's terms and its footprint per unit."""
    ws.append(["产品碳足迹（从摇篮到大门，ISO 14067:2018） Product carbon footprint (cradle-to-gate)"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(list(FOOTPRINT_HEADERS))
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for fp in footprints:
        p = fp["product"]
        head = [
            p["name"],
            p["enterprise_id"],
            p["cn_code"] or "",
            fp["functional_unit"],
            fp["production"],
            fp["rule"],
        ]
        for c in fp["contributions"]:
            flag = " [UNCERTAIN]" if c["uncertain"] else ""
            ws.append(
                [
                    *head,
                    f"{c['label_zh']} {c['label_en']}{flag}",
                    c["tco2e"],
                    c["half_width_pct"],
                    c["formula"],
                ]
            )
        ws.append(
            [
                *head,
                f"合计 total; 单位产品 per unit {fp['per_unit_tco2e']:.6g} {fp['per_unit_unit']} "
                f"(95 %: {fp['low_tco2e']:.6g} – {fp['high_tco2e']:.6g})",
                fp["total_tco2e"],
                fp["half_width_pct"],
                fp["note"],
            ]
        )
        ws.cell(ws.max_row, 7).font = Font(bold=True)
    for i, width in enumerate((22, 14, 10, 12, 12, 12, 46, 14, 10, 48), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


# --- carbon asset ledger (#17): the 碳资产 sheet ----------------------------------------------------


def write_assets(ws: Worksheet, assets: Mapping[str, Any]) -> None:
    """碳资产: balances per holder and asset, and issued − retired = held per asset.

    ``assets`` is :func:`zeropark.services.assets.balances_dict` (the figures of ``/assets``);
    units: t for CEA, CCER and park allowances, MWh for GEC and green power, points for PHP.
    """
    ws["A1"] = "碳资产 Carbon assets"
    ws["A1"].font = _TITLE_FONT
    _header(ws, 3, [("账户", "Account"), ("资产", "Asset"), ("余额", "Balance")], [34, 14, 16])
    r = 5
    for b in assets["balances"]:
        for c, v in enumerate((b["account"], b["asset"], b["quantity"]), 1):
            ws.cell(r, c, v)
        r += 1
    r += 1
    _header(ws, r, [("资产", "Asset"), ("签发", "Issued"), ("注销", "Retired"), ("持有", "Held")])
    r += 2
    for asset, t in assets["totals"].items():
        for c, v in enumerate((asset, t["issued"], t["retired"], t["held"]), 1):
            ws.cell(r, c, v)
        r += 1
    _print_setup(ws, f"A1:D{max(r, 2)}")
