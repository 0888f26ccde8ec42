"""205-1 表《工业企业能源购进、消费与库存》: the rows of an enterprise's form from its accounted lines.

Pure: line items in, form rows out; the checks of the form's own arithmetic.

Layout (columns 甲 能源名称 · 乙 计量单位 · 丙 代码 · 1 期初库存量 · 2 购进量-实物量 · 3 购进量-金额(千元) ·
4 消费量合计 · 5 工业生产消费 · 6 #用作原材料 · 7 非工业生产消费 · 8 合计中:运输工具消费 · 9 期末库存量 ·
10 采用折标系数 · 丁 参考折标系数) and the rules 4 = 5 + 7, 9 = 1 + 2 − 4, 能源合计 = Σ qty × col 10 are as
seen in public code implementing the form [S]; the row codes other than 01 原煤, 14 发生炉煤气 and 40
能源合计 are reconstructed from the row order of public importers and are **[UNCERTAIN]**: check them
against the current 国家统计局《能源统计报表制度》 before filing.

What the accounted data gives: consumption (col 4 = col 5, industrial production; col 7 = 0) in
the form's units, #用作原材料 (col 6, the lines of category ``feedstock``) and the conversion factor
actually used (col 10 = tce of the lines ÷ quantity). Stocks and purchases (cols 1–3, 9) and
运输工具 (8) are not in the accounted data:
they are left empty for the enterprise to fill in, and :func:`check_205_1` checks them once filled.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from zeropark.accounting.lineitems import Category, LineItem
from zeropark.errors import RowError
from zeropark.model import Carrier, Method

__all__ = ["COLUMNS", "FORM_ROWS", "TOTAL_CODE", "Form205Row", "check_205_1", "form_205_1"]

#: (code, 能源名称, form unit, carrier, form units per canonical unit) in the form's order.
FORM_ROWS: tuple[tuple[str, str, str, Carrier, float], ...] = (
    ("01", "原煤", "吨", Carrier.RAW_COAL, 1.0),
    ("06", "洗精煤", "吨", Carrier.CLEANED_COAL, 1.0),
    ("09", "焦炭", "吨", Carrier.COKE, 1.0),
    ("11", "焦炉煤气", "万立方米", Carrier.COKE_OVEN_GAS, 1e-4),
    ("12", "高炉煤气", "万立方米", Carrier.BLAST_FURNACE_GAS, 1e-4),
    ("13", "转炉煤气", "万立方米", Carrier.CONVERTER_GAS, 1e-4),
    ("15", "天然气(气态)", "万立方米", Carrier.NATURAL_GAS, 1e-4),
    ("16", "液化天然气(液态)", "吨", Carrier.LNG, 1.0),
    ("18", "原油", "吨", Carrier.CRUDE_OIL, 1.0),
    ("19", "汽油", "吨", Carrier.GASOLINE, 1.0),
    ("20", "煤油", "吨", Carrier.KEROSENE, 1.0),
    ("21", "柴油", "吨", Carrier.DIESEL, 1.0),
    ("22", "燃料油", "吨", Carrier.FUEL_OIL, 1.0),
    ("23", "液化石油气", "吨", Carrier.LPG, 1.0),
    ("32", "热力", "百万千焦", Carrier.STEAM, 1.0),  # 1 GJ = 10⁶ kJ; hot water adds to the same row
    ("33", "电力", "万千瓦时", Carrier.ELECTRICITY, 1e-4),
)
_EXTRA_CARRIERS = {Carrier.HOT_WATER: "32"}
TOTAL_CODE = "40"
#: the numbered columns: attribute name and header
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("opening_stock", "1", "期初库存量"),
    ("purchase_qty", "2", "购进量 实物量"),
    ("purchase_kcny", "3", "购进量 金额(千元)"),
    ("consumption", "4", "消费量 合计"),
    ("industrial", "5", "工业生产消费"),
    ("as_material", "6", "#用作原材料"),
    ("non_industrial", "7", "非工业生产消费"),
    ("transport", "8", "合计中:运输工具消费"),
    ("closing_stock", "9", "期末库存量"),
    ("factor_tce", "10", "采用折标系数"),
)


@dataclass(frozen=True, slots=True)
class Form205Row:
    """One row of the form (``None`` = left empty)."""

    code: str
    name: str
    unit: str
    opening_stock: float | None = None
    purchase_qty: float | None = None
    purchase_kcny: float | None = None
    consumption: float | None = None
    industrial: float | None = None
    as_material: float | None = None
    non_industrial: float | None = None
    transport: float | None = None
    closing_stock: float | None = None
    factor_tce: float | None = None  # tce per form unit
    reference_factor: str = ""


def form_205_1(lines: Iterable[LineItem], enterprise_id: str) -> list[Form205Row]:
    """The form's rows for ``enterprise_id`` from national-method line items (all months summed).

    Only consumption lines count (activity > 0 and energy > 0: exports, deducted with a negative
    energy, are not consumption). The last row is 40 能源合计 (吨标准煤) = Σ tce of the rows.
    """
    by_code = {code: (name, unit, carrier, k) for code, name, unit, carrier, k in FORM_ROWS}
    code_of = {carrier: code for code, _n, _u, carrier, _k in FORM_ROWS} | _EXTRA_CARRIERS
    qty: dict[str, list[float]] = {}
    tce: dict[str, list[float]] = {}
    material: dict[str, list[float]] = {}
    for li in lines:
        if li.method is not Method.NATIONAL or li.enterprise_id != enterprise_id or li.carrier is None:
            continue
        code = code_of.get(li.carrier)
        if code is None or li.activity <= 0 or li.energy_tce <= 0:
            continue
        qty.setdefault(code, []).append(li.activity * by_code[code][3])
        tce.setdefault(code, []).append(li.energy_tce)
        if li.category is Category.FEEDSTOCK:
            material.setdefault(code, []).append(li.activity * by_code[code][3])
    rows: list[Form205Row] = []
    total = 0.0
    for code, name, unit, _carrier, _k in FORM_ROWS:
        if code not in qty:
            continue
        q, t = math.fsum(qty[code]), math.fsum(tce[code])
        total += t
        rows.append(
            Form205Row(
                code,
                name,
                unit,
                consumption=q,
                industrial=q,
                as_material=math.fsum(material[code]) if code in material else None,
                non_industrial=0.0,
                factor_tce=t / q if q else None,
            )
        )
    rows.append(
        Form205Row(
            TOTAL_CODE, "能源合计", "吨标准煤", consumption=total, industrial=total, non_industrial=0.0
        )
    )
    return rows


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)


def check_205_1(rows: Iterable[Form205Row], file: str = "205-1", sheet: str | None = None) -> list[RowError]:
    """The form's arithmetic: 4 = 5 + 7; 9 = 1 + 2 − 4 (when 1, 2, 9 are filled); 40 = Σ qty × col 10."""
    errors: list[RowError] = []
    total_tce = 0.0
    total_row: Form205Row | None = None
    for r in rows:
        where = f"{r.code} {r.name}"
        if r.code == TOTAL_CODE:
            total_row = r
            continue
        if r.consumption is not None and r.industrial is not None:
            rhs = r.industrial + (r.non_industrial or 0.0)
            if not _close(r.consumption, rhs):
                errors.append(
                    RowError(
                        file,
                        sheet,
                        None,
                        "4",
                        f"{where}: 消费量合计 {r.consumption} ≠ 工业 {r.industrial} + 非工业 "
                        f"{r.non_industrial or 0.0}; col 4 must equal col 5 + col 7",
                    )
                )
        if None not in (r.opening_stock, r.purchase_qty, r.closing_stock, r.consumption):
            expected = (r.opening_stock or 0.0) + (r.purchase_qty or 0.0) - (r.consumption or 0.0)
            if not _close(r.closing_stock or 0.0, expected):
                errors.append(
                    RowError(
                        file,
                        sheet,
                        None,
                        "9",
                        f"{where}: 期末库存 {r.closing_stock} ≠ 期初 + 购进 − 消费 = "
                        f"{expected:.6g}; fix col 1, 2, 4 or 9 (a transfer out is consumption here)",
                    )
                )
        if r.consumption is not None and r.factor_tce is not None:
            total_tce += r.consumption * r.factor_tce
    if (
        total_row is not None
        and total_row.consumption is not None
        and not _close(total_row.consumption, total_tce)
    ):
        errors.append(
            RowError(
                file,
                sheet,
                None,
                "4",
                f"40 能源合计 {total_row.consumption} ≠ Σ 消费量 × 折标系数 = {total_tce:.6g}",
            )
        )
    return errors
