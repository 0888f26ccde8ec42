"""GHG Protocol corporate standard: Scope 1, Scope 2 location- and market-based, Scope 3 where possible.

- Scope 1: fuels ``AD × NCV × CC × OF × 44/12`` (CO2; combustion CH4/N2O not included — no cited
  factor in the factor set), process ``AD × EF``; international bunker fuel listed separately.
- Scope 2 location-based (GHG Protocol Scope 2 Guidance 2015, ch. 6): grid electricity bought ×
  MEE/NBS average factor (a) — national by default, or the park's regional grid — of year Y-2 by
  default; certificates are ignored; exports are never deducted.
- Scope 2 market-based: contractual instruments first (绿电直连, 绿电交易, 绿证 at 0 tCO2/MWh,
  capped at grid purchases), uncovered MWh × the residual-mix proxy (b) "excluding market-traded
  non-fossil electricity" (no official residual mix in China, ACCOUNTING.md §3.2); a custom set
  without its own residual factor falls back as the option ``residual_fallback`` says, stated.
- The grid factors' year is reporting year − 2 by default; a year not published yet falls back to
  the newest published one, stated (option ``ghg_factor_year_fallback``).
- Purchased heat: ``AD × EF_heat`` in both bases.
- Scope 3: category 3 (fuel- and energy-related activities) needs well-to-tank and T&D-loss
  factors that the factor set does not hold with a citation; not computed, and the inventory says so.
"""

from __future__ import annotations

import math

from zeropark.accounting.book import AppliedClaim, Book
from zeropark.accounting.factor_choice import ghg_grid_factor, residual_error, residual_note
from zeropark.accounting.lineitems import LineItem, Note, Scope2Basis
from zeropark.accounting.lines import (
    direct_lines,
    eliminated_lines,
    export_electricity_lines,
    export_heat_lines,
    generation_lines,
    green_lines,
    grid_lines,
    heat_lines,
    internal_lines,
)
from zeropark.accounting.options import GridArea, ResidualFallback
from zeropark.factors import is_builtin_factor, user_factors
from zeropark.factors.factorset import NATIONAL, Factor, GridCalibre
from zeropark.model import Method

SCOPE3_NOTE = Note(
    "scope3_not_computed",
    "范围三未核算：第3类（燃料和能源相关活动：燃料上游、输配电损耗）需要有出处的上游及线损因子，当前因子集未收录；"
    "其他类别需要本平台未采集的数据（采购、运输、差旅等）",
    "Scope 3 not computed: category 3 (fuel- and energy-related activities: upstream of fuels, T&D losses) "
    "needs cited well-to-tank and T&D-loss factors the factor set does not hold; other categories need "
    "data the platform does not collect (purchases, transport, travel)",
)
NON_CO2_NOTE = Note(
    "combustion_non_co2",
    "燃料燃烧的 CH4、N2O 未计：因子集中无有出处的缺省值（中国行业指南亦仅计 CO2）",
    "CH4 and N2O from fuel combustion not included: no cited default in the factor set (the Chinese "
    "industry guidelines count CO2 only)",
)


def _note(book: Book, note: Note | None) -> None:
    if note is not None and note not in book.notes:
        book.notes.append(note)


def location_factor(book: Book) -> Factor:
    """Location-based grid factor (a): national or the park's regional grid, year by the options' rule.

    A year not published yet falls back to the newest published one when the options allow it
    (:func:`~zeropark.accounting.factor_choice.ghg_grid_factor`, stated in a note).
    """
    o = book.options
    region = NATIONAL if o.ghg_grid_area is GridArea.NATIONAL else book.inputs.park.grid_region
    factor, note = ghg_grid_factor(book.factors, o, book.inputs.year, GridCalibre.AVERAGE, region)
    _note(book, note)
    return factor


def market_residual_factor(book: Book) -> Factor:
    """Market-based residual-mix proxy: national factor (b) by default, same year rule.

    When the user's custom set holds no residual factor of its own (the one found is a built-in row
    under it), the options' ``residual_fallback`` decides: the built-in proxy (``builtin``), the
    location-based grid average (``grid_average``) — each stated in a note — or an error.

    Raises
    ------
    AccountingError
        ``residual_fallback=error`` and the user's set has no residual factor of its own.
    """
    o = book.options
    factor, note = ghg_grid_factor(book.factors, o, book.inputs.year, o.market_residual_calibre, NATIONAL)
    _note(book, note)
    if not user_factors(book.factors) or not is_builtin_factor(factor):
        return factor  # a built-in set, or the user's own residual factor
    if o.residual_fallback is ResidualFallback.ERROR:
        year = factor.year if factor.year is not None else o.ghg_factor_year(book.inputs.year)
        raise residual_error(book.factors, o.market_residual_calibre, year)
    if o.residual_fallback is ResidualFallback.GRID_AVERAGE:
        factor = location_factor(book)
    grid_average = o.residual_fallback is ResidualFallback.GRID_AVERAGE
    _note(book, residual_note(book.factors, factor, grid_average=grid_average))
    return factor


def account(book: Book) -> tuple[list[LineItem], list[AppliedClaim], float]:
    """Line items of the GHG method for the book's view (location and market Scope 2 lines).

    Returns
    -------
    (lines, applied_claims, claimed_beyond_cap_kwh)
    """
    m = Method.GHG
    loc = location_factor(book)
    mkt = market_residual_factor(book)
    lines = direct_lines(book, m, scope=1)
    bal = book.electricity()
    applied, excess = book.apply_claims(bal)
    green_kwh = math.fsum(a.applied_kwh for a in applied)
    lines += grid_lines(book, m, loc, green_kwh=0.0, scope=2, basis=Scope2Basis.LOCATION, with_energy=True)
    lines += grid_lines(
        book, m, mkt, green_kwh=green_kwh, scope=2, basis=Scope2Basis.MARKET, with_energy=False
    )
    lines += green_lines(book, m, applied, basis=Scope2Basis.MARKET, scope=2)
    lines += generation_lines(book, m)
    reason = "GHG Protocol: 外送不抵扣 / exports never deducted"
    lines += export_electricity_lines(book, m, None, credit_scale=0.0, reason=reason)
    lines += heat_lines(book, m, scope=2)
    lines += export_heat_lines(book, m, credit_scale=0.0, reason=reason)
    lines += internal_lines(book, m, lambda c: loc, scope=2, basis=Scope2Basis.LOCATION, with_energy=True)
    lines += internal_lines(book, m, lambda c: mkt, scope=2, basis=Scope2Basis.MARKET, with_energy=False)
    lines += eliminated_lines(book, m)
    book.notes.extend([SCOPE3_NOTE, NON_CO2_NOTE])
    return lines, applied, excess
