"""Which grid factors a run takes, and what it says about the factors it loaded (ACCOUNTING.md §2.4, §3.2).

Three rules that used to be silent are stated here, each as a :class:`~zeropark.accounting.lineitems.Note`
of the inventory and a clause of its options statement:

- **factor year** (:class:`~zeropark.accounting.options.FactorYearFallback`): the GHG method's grid
  factors are those of reporting year − 2; when that year is not published yet (every current
  year: in 2026 the newest MEE/NBS factors are those of 2023) the newest year held before it is
  used, "2023 factor used for 2026: the newest published", or the run stops (``error``);
- **residual factor** (:class:`~zeropark.accounting.options.ResidualFallback`): when the user's
  custom set has no residual-mix row of its own, the market-based rule takes the built-in proxy,
  the location-based grid average, or stops — and says which;
- **factors used and unused**: every cited factor the line items use, with its year, and every
  factor of the user's own set that the chosen options never use ("loaded but unused", e.g. a grid
  factor for 2022 while the GHG method picks reporting year − 2 = 2023).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from zeropark.accounting.lineitems import LineItem, Note
from zeropark.accounting.options import AccountingOptions, FactorYearFallback, FactorYearRule
from zeropark.errors import AccountingError, FactorNotFound
from zeropark.factors import Factor, FactorKind, FactorSet, GridCalibre, user_factors

__all__ = [
    "FACTORS_UNUSED",
    "FACTORS_USED",
    "FACTOR_YEAR_FALLBACK",
    "RESIDUAL_FALLBACK",
    "STATEMENT_CODES",
    "factor_notes",
    "ghg_grid_factor",
    "residual_error",
    "residual_note",
]

#: Note codes of this module (what :func:`zeropark.services.inventory.run_statement` gathers).
FACTOR_YEAR_FALLBACK = "factor_year_fallback"
RESIDUAL_FALLBACK = "residual_fallback"
FACTORS_USED = "factors_used"
FACTORS_UNUSED = "factors_unused"
STATEMENT_CODES = (FACTOR_YEAR_FALLBACK, RESIDUAL_FALLBACK, FACTORS_USED, FACTORS_UNUSED)

_CALIBRE_ZH = {
    GridCalibre.AVERAGE: "电网平均",
    GridCalibre.EXCL_MARKET_NONFOSSIL: "不包括市场化交易非化石能源电量的平均",
    GridCalibre.FOSSIL: "化石能源电力",
}
_CALIBRE_EN = {
    GridCalibre.AVERAGE: "grid average",
    GridCalibre.EXCL_MARKET_NONFOSSIL: "average excluding market-traded non-fossil",
    GridCalibre.FOSSIL: "fossil-power",
}


def _held_years(factors: FactorSet, calibre: GridCalibre, region: str) -> list[int]:
    return sorted(
        f.year
        for f in factors.of_kind(FactorKind.GRID_ELECTRICITY)
        if f.parameter == calibre.value and f.region == region and f.year is not None
    )


def ghg_grid_factor(
    factors: FactorSet, options: AccountingOptions, reporting_year: int, calibre: GridCalibre, region: str
) -> tuple[Factor, Note | None]:
    """The GHG grid factor of ``calibre`` and ``region`` for ``reporting_year``, and a fallback's note.

    The year is the options' (reporting year − 2 by default). When the set does not hold it and the
    rule is ``y_minus_2`` with ``newest_published``, the newest year held *before* it is used and a
    note states it; an explicit year, the ``error`` choice, or no earlier year raise.

    Raises
    ------
    FactorNotFound
        No factor of that year (and no fallback allowed or possible); the message lists the years held.
    """
    year = options.ghg_factor_year(reporting_year)
    try:
        return factors.grid_electricity(calibre, year, region), None
    except FactorNotFound:
        falls_back = (
            options.ghg_grid_year_rule is FactorYearRule.Y_MINUS_2
            and options.ghg_factor_year_fallback is FactorYearFallback.NEWEST_PUBLISHED
        )
        earlier = [y for y in _held_years(factors, calibre, region) if y < year]
        if not falls_back or not earlier:
            raise
    used = factors.grid_electricity(calibre, earlier[-1], region)
    where = region or "全国"
    note = Note(
        FACTOR_YEAR_FALLBACK,
        f"{used.year}年因子用于{reporting_year}年核算：报告年−2（{year}年）的{where}{_CALIBRE_ZH[calibre]}"
        f"二氧化碳排放因子尚未发布，采用最新发布的 {used.year} 年因子 {used.value:g} {used.unit}"
        f"（{used.id}；选项 ghg_factor_year_fallback=newest_published）",
        f"{used.year} factor used for {reporting_year}: the newest published — the {year} "
        f"{_CALIBRE_EN[calibre]} factor ({where}) of reporting year − 2 is not published; "
        f"{used.value:g} {used.unit} ({used.id}; option ghg_factor_year_fallback=newest_published)",
    )
    return used, note


def residual_note(factor_set: FactorSet, used: Factor, *, grid_average: bool) -> Note:
    """The note of a residual factor the user's set did not give (``builtin`` or ``grid_average``)."""
    if grid_average:
        zh_how, en_how = (
            "采用本次基于位置的电网平均因子",
            "the run's location-based grid-average factor is used",
        )
        option = "grid_average"
    else:
        zh_how, en_how = "采用内置因子集的剩余电量代理因子", "the built-in residual proxy is used"
        option = "builtin"
    return Note(
        RESIDUAL_FALLBACK,
        f"基于市场的剩余电量因子：因子集 {factor_set.label} 未提供自己的剩余电量因子，{zh_how}："
        f"{used.label_zh} {used.region} {used.year}年 {used.value:g} {used.unit}（{used.id}；"
        f"选项 residual_fallback={option}）",
        f"market-based residual factor: the set {factor_set.label} gives none of its own, {en_how}: "
        f"{used.label_en} {used.region} {used.year} {used.value:g} {used.unit} ({used.id}; "
        f"option residual_fallback={option})",
    )


def residual_error(factor_set: FactorSet, calibre: GridCalibre, year: int) -> AccountingError:
    """The error of ``residual_fallback=error`` when the user's set has no residual factor of its own."""
    return AccountingError(
        f"the factor set {factor_set.label} has no residual-mix factor of its own for {year} "
        f"(kind grid_electricity, parameter {calibre.value}, region 全国, year {year}); add that row to "
        "the custom factor CSV and load it again, or choose --residual-fallback builtin or grid_average"
    )


def _factor_text_zh(f: Factor) -> str:
    year = f"{f.year}年 " if f.year is not None else ""
    region = f"{f.region} " if f.region else ""
    return f"{f.label_zh} {region}{year}{f.value:g} {f.unit}（{f.id}）"


def _factor_text_en(f: Factor) -> str:
    year = f"{f.year} " if f.year is not None else ""
    region = f"{f.region} " if f.region else ""
    return f"{f.label_en} {region}{year}{f.value:g} {f.unit} ({f.id})"


def _used_factors(lines: Iterable[LineItem], factors: FactorSet, extra: Sequence[Factor]) -> list[Factor]:
    ids = {use.id for li in lines for use in li.factors} | {f.id for f in extra}
    return [f for f in factors.factors if f.id in ids]  # the set's order (by id)


def factor_notes(lines: Sequence[LineItem], factors: FactorSet, chosen: Sequence[Factor]) -> list[Note]:
    """Notes of the factors a view uses (with their years) and of the user's factors it never uses.

    Parameters
    ----------
    lines : sequence of LineItem
        The view's line items (each lists the factors it multiplies by).
    factors : FactorSet
        The run's set.
    chosen : sequence of Factor
        Factors the options chose even where no line uses them (the grid factors of the method).
    """
    used = _used_factors(lines, factors, chosen)
    notes = [
        Note(
            FACTORS_USED,
            "所用因子：" + "；".join(_factor_text_zh(f) for f in used),
            "factors used: " + "; ".join(_factor_text_en(f) for f in used),
        )
    ]
    used_ids = {f.id for f in used}
    unused = [f for f in user_factors(factors) if f.id not in used_ids]
    if unused:
        notes.append(
            Note(
                FACTORS_UNUSED,
                f"已载入但未使用的自定义因子（因子集 {factors.label}，所选选项未用到）："
                + "；".join(_factor_text_zh(f) for f in unused),
                f"loaded but unused custom factors (set {factors.label}; the chosen options never use them): "
                + "; ".join(_factor_text_en(f) for f in unused),
            )
        )
    return notes
