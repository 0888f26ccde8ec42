"""零碳园区碳排放核算方法（试行） (发改环资〔2025〕910号 附件4), as reconstructed in ACCOUNTING.md §1.2a–1.4.

Park CO2 (CO2 only) = E(fuel use) + E(energy processing and conversion) + E(industrial processes)
+ E(indirect: net inflow of electricity and heat):

- fuels: ``E = AD × NCV × CC × OF × 44/12`` (measured NCV/CC override the defaults);
- feedstock: 0 CO2; international aviation/shipping fuel: counted, listed separately;
- process: ``E = AD × EF``;
- electricity: ``E = (inflow − green attributes − outflow) × EF_fossil`` with the national fossil-energy
  power factor (0.8325 tCO2/MWh for 2022 by default), green attributes (绿电直连, 绿电交易, 绿证)
  capped at grid purchases, on-site renewables self-consumed at 0; the outflow term follows the
  export rule (``net_inflow`` default, ``no_credit`` alternative) and a negative net inflow is floored
  at 0 by default;
- heat: ``E = (inflow − outflow) × EF_heat`` (0.11 tCO2/GJ unless supplier-measured);
- energy (denominator): GB/T 2589-2020, every carrier × its standard-coal coefficient, exports deducted.
"""

from __future__ import annotations

import math

from zeropark.accounting.book import AppliedClaim, Book, Role
from zeropark.accounting.lineitems import LineItem
from zeropark.accounting.lines import (
    direct_lines,
    eliminated_lines,
    export_electricity_lines,
    export_heat_lines,
    floor_scale,
    generation_lines,
    green_lines,
    grid_lines,
    heat_lines,
    internal_lines,
)
from zeropark.accounting.options import ExportRule
from zeropark.factors.factorset import NATIONAL, Factor
from zeropark.model import Method


def grid_factor(book: Book) -> Factor:
    """The park method's grid factor: national calibre and year of the options (default fossil, 2022)."""
    o = book.options
    return book.factors.grid_electricity(o.national_grid_calibre, o.national_grid_year, NATIONAL)


def account(book: Book) -> tuple[list[LineItem], list[AppliedClaim], float]:
    """Line items of the national method for the book's view.

    Returns
    -------
    (lines, applied_claims, claimed_beyond_cap_kwh)
    """
    m = Method.NATIONAL
    ef = grid_factor(book)
    lines = direct_lines(book, m, scope=None)
    bal = book.electricity()
    applied, excess = book.apply_claims(bal)
    green_kwh = math.fsum(a.applied_kwh for a in applied)
    lines += grid_lines(book, m, ef, green_kwh=green_kwh, scope=None, basis=None, with_energy=True)
    lines += green_lines(book, m, applied, basis=None, scope=None)
    lines += generation_lines(book, m)
    net = book.options.export_rule is ExportRule.NET_INFLOW
    uncovered_mwh = (bal.grid_kwh - green_kwh) / 1000.0
    s_el = (
        floor_scale(book.options, uncovered_mwh * ef.value, bal.exported_kwh / 1000.0 * ef.value)
        if net
        else 0.0
    )
    reason = "净受入 / net inflow (1.2a)" if net else "外送不抵扣 / no credit (option)"
    lines += export_electricity_lines(book, m, ef, credit_scale=s_el, reason=reason)
    heat_in = heat_lines(book, m, scope=None)
    lines += heat_in
    heat_out = sum(q.quantity for q in book.of(Role.EXPORT, electricity=False))
    s_heat = 0.0
    if net and heat_out > 0:
        s_heat = floor_scale(
            book.options,
            math.fsum(li.emissions_tco2e for li in heat_in),
            heat_out * book.factors.heat().value,
        )
    lines += export_heat_lines(book, m, credit_scale=s_heat, reason=reason)
    lines += internal_lines(
        book,
        m,
        lambda c: ef,
        scope=None,
        basis=None,
        with_energy=True,
    )
    lines += eliminated_lines(book, m)
    return lines, applied, excess
