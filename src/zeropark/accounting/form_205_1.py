"""205-1 《工业企业能源购进、消费与库存》: an enterprise's form, filled from its accounted lines (pure).

The form (国家统计局 《能源统计报表制度》, table 205-1) has one row per energy (甲 能源名称, 乙 计量
单位, 丙 代码) and the columns

    1 期初库存量 · 2 购进量 实物量 · 3 购进量 金额(千元) · 4 消费量合计 · 5 工业生产消费 ·
    6 #用作原材料 · 7 非工业生产消费 · 8 合计中: 运输工具消费 · 9 期末库存量 · 10 采用折标系数

with the checks ``4 = 5 + 7`` and ``9 = 1 + 2 − 4``, and the row 能源合计 (吨标准煤) = Σ col 4 × col 10
(``../shared/reference/DATA-INTERFACES.md`` §1: the columns and the rules are seen in public code
implementing the form; the row order and units in a public importer).

What the accounted lines of one enterprise's own view give, per carrier, in the form's unit:

- col 4 消费量合计: fuel burned (化石燃料燃烧, 能源加工转换), fuel used as feedstock, fuel of
  transport (国际航空航海 lines), and electricity and heat received (净购入, 内部转供) plus on-site
  renewable electricity used (自发自用);
- col 5 = col 4 − col 7, col 6 = the feedstock lines, col 8 = the transport lines; col 7
  非工业生产消费 is not told apart by any line: 0, stated in the form's note;
- col 2 购进量 for electricity and heat: what was received from outside (净购入 and 内部转供);
  for fuels, and cols 1, 3 and 9 (stocks, money), zeropark records nothing: left empty, and the
  check ``9 = 1 + 2 − 4`` is made only where all four are present (an imported form);
- col 10 采用折标系数: the coefficient the run itself used (line energy / line activity), in tce per
  the form's unit.

[UNCERTAIN] The numeric codes (丙) other than 01 原煤, 14 发生炉煤气 and 40 能源合计 are the row order of
a public importer, not read from the official form: :data:`CODES_VERIFIED` names the three.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from zeropark.accounting.lineitems import Category, LineItem
from zeropark.errors import DataError
from zeropark.model import Carrier

__all__ = [
    "CODES_VERIFIED",
    "COLUMNS",
    "ROWS",
    "FormCheckError",
    "FormRow",
    "FormRowSpec",
    "by_code",
    "check_row",
    "form_rows",
    "total_tce",
]


@dataclass(frozen=True, slots=True)
class FormRowSpec:
    """One energy row of the form: code, name, unit, and the carrier with canonical units per form unit."""

    code: str
    name: str
    unit: str
    carrier: Carrier | None
    per_unit: float  # canonical units of the carrier in one form unit (1e4 kWh in 1 万千瓦时)


#: The energy rows zeropark fills, in the form's order (codes [UNCERTAIN] but 01, 14, 40).
ROWS: tuple[FormRowSpec, ...] = (
    FormRowSpec("01", "原煤", "吨", Carrier.RAW_COAL, 1.0),
    FormRowSpec("06", "洗精煤", "吨", Carrier.CLEANED_COAL, 1.0),
    FormRowSpec("09", "焦炭", "吨", Carrier.COKE, 1.0),
    FormRowSpec("11", "焦炉煤气", "万立方米", Carrier.COKE_OVEN_GAS, 1e4),
    FormRowSpec("12", "高炉煤气", "万立方米", Carrier.BLAST_FURNACE_GAS, 1e4),
    FormRowSpec("13", "转炉煤气", "万立方米", Carrier.CONVERTER_GAS, 1e4),
    FormRowSpec("15", "天然气", "万立方米", Carrier.NATURAL_GAS, 1e4),
    FormRowSpec("16", "液化天然气", "吨", Carrier.LNG, 1.0),
    FormRowSpec("18", "原油", "吨", Carrier.CRUDE_OIL, 1.0),
    FormRowSpec("19", "汽油", "吨", Carrier.GASOLINE, 1.0),
    FormRowSpec("20", "煤油", "吨", Carrier.KEROSENE, 1.0),
    FormRowSpec("21", "柴油", "吨", Carrier.DIESEL, 1.0),
    FormRowSpec("22", "燃料油", "吨", Carrier.FUEL_OIL, 1.0),
    FormRowSpec("23", "液化石油气", "吨", Carrier.LPG, 1.0),
    FormRowSpec("32", "热力", "百万千焦", Carrier.STEAM, 1.0),  # GJ = 百万千焦; steam and hot water
    FormRowSpec("33", "电力", "万千瓦时", Carrier.ELECTRICITY, 1e4),
)
#: Codes seen in public code implementing the form; the others are [UNCERTAIN].
CODES_VERIFIED = frozenset({"01", "14", "40"})
#: Column headings 1–10 (甲乙丙 are name, unit, code).
COLUMNS: tuple[str, ...] = (
    "期初库存量",
    "购进量 实物量",
    "购进量 金额(千元)",
    "消费量合计",
    "工业生产消费",
    "#用作原材料",
    "非工业生产消费",
    "合计中: 运输工具消费",
    "期末库存量",
    "采用折标系数",
)

_FUEL = {
    Category.FUEL_COMBUSTION,
    Category.ENERGY_CONVERSION,
    Category.FEEDSTOCK,
    Category.INTERNATIONAL_BUNKER,
}
_RECEIVED = {Category.PURCHASED_ELECTRICITY, Category.PURCHASED_HEAT, Category.INTERNAL_TRANSFER}
_EXPORTED = {Category.EXPORTED_ELECTRICITY, Category.EXPORTED_HEAT}


class FormCheckError(DataError):
    """A form row whose columns break ``4 = 5 + 7`` or ``9 = 1 + 2 − 4``; names the row and columns."""


@dataclass(frozen=True, slots=True)
class FormRow:
    """One filled row; columns 1–10 in the form's unit (None = not recorded), ``tce`` = col 4 × col 10."""

    spec: FormRowSpec
    values: tuple[float | None, ...]  # 10 columns

    @property
    def tce(self) -> float:
        """The row's share of 能源合计 [tce]: col 4 × col 10."""
        consumed, coef = self.values[3], self.values[9]
        return 0.0 if consumed is None or coef is None else consumed * coef


def _row_of(carrier: Carrier | None) -> FormRowSpec | None:
    target = Carrier.STEAM if carrier is Carrier.HOT_WATER else carrier
    return next((r for r in ROWS if r.carrier is not None and r.carrier is target), None)


def form_rows(lines: Iterable[LineItem]) -> list[FormRow]:
    """The rows of one enterprise's form from its own view's line items (module docstring).

    Electricity and heat consumed = received + on-site generation − sent out (ACCOUNTING.md §4.1:
    exports come from on-site generation first), as :class:`~zeropark.accounting.book.ElectricityBalance`
    counts it; col 10 is the tce per unit of the fuel and received lines (on-site generation carries
    no energy of its own in the run).
    """
    cons: dict[str, float] = defaultdict(float)
    feed: dict[str, float] = defaultdict(float)
    transport: dict[str, float] = defaultdict(float)
    received: dict[str, float] = defaultdict(float)
    valued: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])  # activity, tce of coefficient lines
    for line in lines:
        spec = _row_of(line.carrier)
        if spec is None or line.activity == 0:
            continue
        q = abs(line.activity) / spec.per_unit
        code, cat = spec.code, line.category
        if cat in _EXPORTED:
            cons[code] -= q
            continue
        if cat not in _FUEL and cat not in _RECEIVED and cat is not Category.ONSITE_RENEWABLE:
            continue
        cons[code] += q
        if cat in _FUEL or cat in _RECEIVED:
            valued[code][0] += q
            valued[code][1] += line.energy_tce
        if cat is Category.FEEDSTOCK:
            feed[code] += q
        elif cat is Category.INTERNATIONAL_BUNKER:
            transport[code] += q
        elif cat in _RECEIVED:
            received[code] += q
    out = []
    for spec in ROWS:
        if spec.code not in valued and spec.code not in cons:
            continue
        c4 = max(cons[spec.code], 0.0)
        q, tce = valued[spec.code]
        purchased = received[spec.code] if spec.carrier in (Carrier.ELECTRICITY, Carrier.STEAM) else None
        coef = tce / q if q > 0 else None
        values = (None, purchased, None, c4, c4, feed[spec.code], 0.0, transport[spec.code], None, coef)
        out.append(FormRow(spec, values))
    return out


def check_row(code: str, values: Sequence[float | None], *, where: str = "", tol: float = 1e-6) -> None:
    """Check ``4 = 5 + 7`` and, where 1, 2, 4 and 9 are all present, ``9 = 1 + 2 − 4``.

    ``values`` are columns 1–10; ``tol`` is relative to the largest figure compared.
    """
    v = list(values)
    if len(v) != len(COLUMNS):
        raise FormCheckError(f"{where}row {code}: {len(v)} columns, the form has {len(COLUMNS)} (1–10)")
    for i, x in enumerate(v, start=1):
        if x is not None and (not math.isfinite(x) or x < 0):
            raise FormCheckError(
                f"{where}row {code}, column {i} ({COLUMNS[i - 1]}): {x!r} is not a number ≥ 0"
            )

    def close(a: float, b: float) -> bool:
        return abs(a - b) <= tol * max(1.0, abs(a), abs(b))

    c4, c5, c7 = v[3], v[4], v[6]
    if c4 is not None and c5 is not None and not close(c4, c5 + (c7 or 0.0)):
        raise FormCheckError(
            f"{where}row {code}: column 4 消费量合计 {c4:g} ≠ column 5 工业生产消费 {c5:g} + column 7 "
            f"非工业生产消费 {c7 or 0:g}; correct one of them"
        )
    c1, c2, c9 = v[0], v[1], v[8]
    if c1 is None or c2 is None or c4 is None or c9 is None:
        return  # stocks not recorded: the balance cannot be checked
    if not close(c9, c1 + c2 - c4):
        raise FormCheckError(
            f"{where}row {code}: column 9 期末库存量 {c9:g} ≠ 1 + 2 − 4 = {c1:g} + {c2:g} − {c4:g}; "
            "correct the stocks or the purchase"
        )


def total_tce(rows: Sequence[FormRow]) -> float:
    """能源合计 (code 40) [tce]: Σ col 4 × col 10 over the rows."""
    return math.fsum(r.tce for r in rows)


def by_code(rows: Sequence[FormRow]) -> Mapping[str, FormRow]:
    """The rows keyed by code."""
    return {r.spec.code: r for r in rows}
