"""Line builders (清单条目): one function per kind of line item, with the formula written out.

Each builder takes the :class:`~zeropark.accounting.book.Book` of a view and returns
:class:`~zeropark.accounting.lineitems.LineItem` values whose ``formula`` shows the numbers, the
factors (with their sources) and the result, so a verifier can recompute every line by hand.
Both methods use the same builders with the factors they choose.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date
from functools import lru_cache

from zeropark.accounting.book import (
    CLAIM_LABEL,
    GASEOUS_FUELS,
    AppliedClaim,
    Book,
    Role,
    party,
)
from zeropark.accounting.lineitems import CATEGORY_LABEL, Category, FactorUse, LineItem, Scope2Basis, fmt
from zeropark.accounting.options import AccountingOptions, NegativeNetInflow, OnsiteRenewables
from zeropark.accounting.uncertainty import line_uncertainty_pct
from zeropark.factors.factorset import Factor
from zeropark.model import CANONICAL_UNIT, FOSSIL_FUELS, Carrier, Method, MonthlyQuantity
from zeropark.units import CO2_PER_C, GJ_PER_TCE


@lru_cache(maxsize=4096)
def _use(f: Factor, symbol: str) -> FactorUse:
    return FactorUse(
        id=f.id,
        symbol=symbol,
        value=f.value,
        unit=f.unit,
        source=f.source.citation(),
        confidence=f.confidence.value,
        uncertainty_pct=f.uncertainty_pct,
    )


def _labels(category: Category) -> tuple[str, str]:
    return CATEGORY_LABEL[category]


def _month_key(m: date | None) -> str:
    # same text as f"{m:%Y-%m}" (years 1000–9999) without strftime, which dominated line ids
    return "year" if m is None else f"{m.year:04d}-{m.month:02d}"


def line_id(
    method: Method, category: Category, eid: str | None, carrier: Carrier | None, m: date | None
) -> str:
    """Content-based id of a line (made unique by the engine with ``#n`` when repeated)."""
    prefix = "N" if method is Method.NATIONAL else "G"
    c = "-" if carrier is None else carrier.value
    return f"{prefix}:{category.value}:{party(eid)}:{c}:{_month_key(m)}"


def energy_text(book: Book, q: MonthlyQuantity, sign: float = 1.0) -> tuple[float, list[FactorUse], str]:
    """Energy [tce] of ``q`` (GB/T 2589-2020) with the factor used and the text of the formula.

    A measured NCV on the quantity (实测低位发热量) takes precedence over the Table A.1 coefficient:
    tce = AD × NCV / 29.3076 GJ/tce.
    """
    unit = CANONICAL_UNIT[q.carrier]
    if q.ncv_gj_per_unit is not None and q.carrier in FOSSIL_FUELS:
        tce = sign * q.quantity * q.ncv_gj_per_unit / GJ_PER_TCE
        text = (
            f"能耗/energy {fmt(q.quantity)} {unit} × {fmt(q.ncv_gj_per_unit)} GJ/{unit} "
            f"÷ 29.3076 GJ/tce = {fmt(tce, 2)} tce"
        )
        return tce, [], text
    f, basis = book.coal_coefficient(q.carrier)
    tce = sign * q.quantity * f.value
    text = f"能耗/energy {fmt(q.quantity)} {unit} × {fmt(f.value)} {f.unit} ({basis}) = {fmt(tce, 2)} tce"
    return tce, [_use(f, "coef")], text


def make_line(
    book: Book,
    method: Method,
    category: Category,
    q: MonthlyQuantity,
    *,
    scope: int | None,
    factors: list[FactorUse],
    emissions_tco2e: float,
    energy_tce: float,
    formula: str,
    basis: Scope2Basis | None = None,
    note: str = "",
) -> LineItem:
    """A line for quantity ``q`` with its uncertainty combined by IPCC eq. 3.1."""
    zh, en = _labels(category)
    unc = line_uncertainty_pct(q.uncertainty_pct, (f.uncertainty_pct for f in factors if f.symbol != "coef"))
    lid = line_id(method, category, q.enterprise_id, q.carrier, q.month)
    if basis is not None:
        lid += f":{basis.value}"
    return LineItem(
        id=lid,
        method=method,
        category=category,
        scope=scope,
        enterprise_id=q.enterprise_id,
        zone_id=book.zone(q.enterprise_id),
        carrier=q.carrier,
        month=q.month,
        activity=q.quantity,
        activity_unit=CANONICAL_UNIT[q.carrier],
        factors=tuple(factors),
        emissions_tco2e=emissions_tco2e,
        energy_tce=energy_tce,
        formula=formula,
        evidence=tuple(q.evidence),
        uncertainty_pct=unc if emissions_tco2e else 0.0,
        activity_uncertainty_pct=q.uncertainty_pct,
        basis=basis,
        note=note,
        label_zh=zh,
        label_en=en,
    )


def fuel_line(
    book: Book, method: Method, q: MonthlyQuantity, category: Category, scope: int | None
) -> LineItem:
    """Fuel combustion: E = AD × NCV × CC × OF × 44/12 [tCO2] (NDRC 24-industry guidelines; GB/T 32150).

    Measured NCV [GJ/unit] and carbon content [tC/GJ] on the quantity (实测) override the defaults.
    """
    fp = book.factors.fuel(q.carrier)
    uses: list[FactorUse] = []
    if q.ncv_gj_per_unit is not None:
        ncv = q.ncv_gj_per_unit
        uses.append(
            FactorUse(
                f"measured:ncv:{q.carrier.value}", "NCV", ncv, fp.ncv.unit, "实测 / measured (quantity)"
            )
        )
    else:
        ncv = fp.ncv_gj_per_unit
        uses.append(_use(fp.ncv, "NCV"))
    if q.carbon_content_tc_per_gj is not None:
        cc = q.carbon_content_tc_per_gj
        uses.append(
            FactorUse(f"measured:cc:{q.carrier.value}", "CC", cc, "tC/GJ", "实测 / measured (quantity)")
        )
    else:
        cc = fp.cc_tc_per_gj
        uses.append(_use(fp.cc, "CC"))
    of = fp.oxidation
    uses.append(_use(fp.of, "OF"))
    e = q.quantity * ncv * cc * of * CO2_PER_C
    unit = CANONICAL_UNIT[q.carrier]
    if q.carrier in GASEOUS_FUELS:
        ad_text = f"{fmt(q.quantity / 1e4)} ×10⁴Nm³ × {fmt(ncv * 1e4)} GJ/10⁴Nm³"
    else:
        ad_text = f"{fmt(q.quantity)} {unit} × {fmt(ncv)} GJ/{unit}"
    tce, coef_uses, etext = energy_text(book, q)
    formula = f"{ad_text} × {fmt(cc)} tC/GJ × {fmt(of)} × 44/12 = {fmt(e, 2)} tCO2；{etext}"
    return make_line(
        book,
        method,
        category,
        q,
        scope=scope,
        factors=uses + coef_uses,
        emissions_tco2e=e,
        energy_tce=tce,
        formula=formula,
    )


def feedstock_line(book: Book, method: Method, q: MonthlyQuantity) -> LineItem:
    """Fossil energy used as raw material: 0 CO2 (not combustion, 核算方法 1.2a), counted in energy."""
    tce, coef_uses, etext = energy_text(book, q)
    return make_line(
        book,
        method,
        Category.FEEDSTOCK,
        q,
        scope=None,
        factors=coef_uses,
        emissions_tco2e=0.0,
        energy_tce=tce,
        formula=f"用作原料，不计燃烧排放 / feedstock, no combustion CO2 = 0 tCO2；{etext}",
    )


def process_line(book: Book, method: Method, q: MonthlyQuantity, scope: int | None) -> LineItem:
    """Industrial process: E = AD × EF [tCO2] (e.g. carbonate decomposition, IPCC 2006 Vol.3 ch.2)."""
    assert q.factor_id is not None  # checked by role_of
    f = book.factors.process(q.factor_id)
    unit = CANONICAL_UNIT[q.carrier]
    e = q.quantity * f.value
    return make_line(
        book,
        method,
        Category.PROCESS,
        q,
        scope=scope,
        factors=[_use(f, "EF")],
        emissions_tco2e=e,
        energy_tce=0.0,
        formula=f"{fmt(q.quantity)} {unit} × {fmt(f.value)} {f.unit} = {fmt(e, 2)} tCO2",
    )


def fuel_category(book: Book, q: MonthlyQuantity) -> Category:
    """Fuel of a party that supplies heat/power to others (or exports heat) is 能源加工转换."""
    return Category.ENERGY_CONVERSION if q.enterprise_id in book.suppliers else Category.FUEL_COMBUSTION


def direct_lines(book: Book, method: Method, *, scope: int | None) -> list[LineItem]:
    """Fuel, bunker, feedstock and process lines of the view (both methods)."""
    out: list[LineItem] = []
    for q, r in book.roles:
        if r is Role.FUEL:
            out.append(fuel_line(book, method, q, fuel_category(book, q), scope))
        elif r is Role.BUNKER:
            out.append(fuel_line(book, method, q, Category.INTERNATIONAL_BUNKER, scope))
        elif r is Role.FEEDSTOCK:
            out.append(feedstock_line(book, method, q))
        elif r is Role.PROCESS:
            out.append(process_line(book, method, q, scope))
    return out


def green_lines(
    book: Book,
    method: Method,
    applied: Sequence[AppliedClaim],
    *,
    basis: Scope2Basis | None,
    scope: int | None,
) -> list[LineItem]:
    """One line per applied claim: its MWh count 0 tCO2 (ACCOUNTING.md §1.3)."""
    out: list[LineItem] = []
    for a in applied:
        c = a.claim
        zh, en = CLAIM_LABEL[c.kind]
        capped = (
            ""
            if a.applied_kwh >= c.mwh * 1000.0
            else f"（上限后 / after cap {fmt(a.applied_kwh / 1000.0, 2)} MWh）"
        )
        lid = f"{'N' if method is Method.NATIONAL else 'G'}:green_power:{c.id}" + (
            f":{basis.value}" if basis else ""
        )
        out.append(
            LineItem(
                id=lid,
                method=method,
                category=Category.GREEN_POWER,
                scope=scope,
                enterprise_id=c.owner_enterprise_id,
                zone_id=book.zone(c.owner_enterprise_id),
                carrier=Carrier.ELECTRICITY,
                month=None,
                activity=a.applied_kwh,
                activity_unit="kWh",
                factors=(),
                emissions_tco2e=0.0,
                energy_tce=0.0,
                formula=f"{zh}/{en} {c.id}: {fmt(c.mwh, 2)} MWh{capped} × 0 tCO2/MWh = 0 tCO2",
                evidence=(c.id,),
                basis=basis,
                label_zh=CATEGORY_LABEL[Category.GREEN_POWER][0],
                label_en=CATEGORY_LABEL[Category.GREEN_POWER][1],
            )
        )
    return out


def grid_lines(
    book: Book,
    method: Method,
    ef: Factor,
    *,
    green_kwh: float,
    scope: int | None,
    basis: Scope2Basis | None,
    with_energy: bool,
) -> list[LineItem]:
    """Grid electricity: E = (AD − green) × EF, green attributes spread pro rata to AD [tCO2].

    AD [kWh] ÷ 1000 = MWh; EF [tCO2/MWh] (MEE/NBS electricity CO2 factor, ACCOUNTING.md §2.4).
    """
    rows = book.of(Role.GRID, electricity=True)
    total = math.fsum(q.quantity for q in rows)
    out: list[LineItem] = []
    for q in rows:
        g = green_kwh * q.quantity / total if total > 0 else 0.0
        mwh, g_mwh = q.quantity / 1000.0, g / 1000.0
        e = (mwh - g_mwh) * ef.value
        if green_kwh > 0:
            text = (
                f"({fmt(mwh, 3)} MWh − {fmt(g_mwh, 3)} MWh 绿电/green) × {fmt(ef.value)} tCO2/MWh "
                f"= {fmt(e, 2)} tCO2"
            )
        else:
            text = f"{fmt(mwh, 3)} MWh × {fmt(ef.value)} tCO2/MWh = {fmt(e, 2)} tCO2"
        uses = [_use(ef, "EF")]
        tce = 0.0
        if with_energy:
            tce, coef_uses, etext = energy_text(book, q)
            uses += coef_uses
            text += f"；{etext}"
        out.append(
            make_line(
                book,
                method,
                Category.PURCHASED_ELECTRICITY,
                q,
                scope=scope,
                factors=uses,
                emissions_tco2e=e,
                energy_tce=tce,
                formula=text,
                basis=basis,
            )
        )
    return out


def export_electricity_lines(
    book: Book, method: Method, ef: Factor | None, *, credit_scale: float, reason: str
) -> list[LineItem]:
    """Exported electricity: credit −AD × EF × s (net inflow) or 0; energy deducted (GB/T 2589-2020)."""
    bal = book.electricity()
    energy_scale = 1.0
    if book.delivers_generation:
        energy_scale = 0.0  # exports of generation that this view does not count as its own use
    elif book.options.onsite_renewables is OnsiteRenewables.EXCLUDED and bal.exported_kwh > 0:
        energy_scale = max(bal.exported_kwh - bal.generated_kwh, 0.0) / bal.exported_kwh
    out: list[LineItem] = []
    for q in book.of(Role.EXPORT, electricity=True):
        mwh = q.quantity / 1000.0
        tce, coef_uses, etext = energy_text(book, q, -energy_scale)
        if ef is not None and credit_scale > 0:
            e = -mwh * ef.value * credit_scale
            s = "" if credit_scale == 1.0 else f" × {fmt(credit_scale)} (净受入不低于零 / floored)"
            text = f"−{fmt(mwh, 3)} MWh × {fmt(ef.value)} tCO2/MWh{s} = {fmt(e, 2)} tCO2 ({reason})"
            uses = [_use(ef, "EF"), *coef_uses]
        else:
            e = 0.0
            text = f"{fmt(mwh, 3)} MWh 外送 / exported: 0 tCO2 ({reason})"
            uses = coef_uses
        out.append(
            make_line(
                book,
                method,
                Category.EXPORTED_ELECTRICITY,
                q,
                scope=None,
                factors=uses,
                emissions_tco2e=e,
                energy_tce=tce,
                formula=f"{text}；{etext}",
            )
        )
    return out


def generation_lines(book: Book, method: Method) -> list[LineItem]:
    """On-site renewable generation: 0 tCO2 for self-consumption; energy counted if the option says so."""
    include = book.options.onsite_renewables is OnsiteRenewables.INCLUDED
    out: list[LineItem] = []
    for q in book.of(Role.GENERATION, electricity=True):
        coef_uses: list[FactorUse]
        if book.delivers_generation:
            tce, coef_uses, etext = (
                0.0,
                [],
                "送入园区电网，由用电方计入 / delivered to the park grid, counted where it is consumed",
            )
        elif include:
            tce, coef_uses, etext = energy_text(book, q)
        else:
            tce, coef_uses, etext = 0.0, [], "不计入综合能耗 / not counted in energy (option)"
        out.append(
            make_line(
                book,
                method,
                Category.ONSITE_RENEWABLE,
                q,
                scope=None,
                factors=coef_uses,
                emissions_tco2e=0.0,
                energy_tce=tce,
                formula=f"{fmt(q.quantity / 1000.0, 3)} MWh × 0 tCO2/MWh = 0 tCO2；{etext}",
            )
        )
    return out


def heat_lines(book: Book, method: Method, *, scope: int | None) -> list[LineItem]:
    """Purchased heat/steam: E = AD [GJ] × EF [tCO2/GJ] (0.11 default, GB/T 32150; ACCOUNTING.md §2.3)."""
    out: list[LineItem] = []
    for q in book.of(Role.HEAT_IN, electricity=False):
        f = book.heat_factor(q)
        e = q.quantity * f.value
        tce, coef_uses, etext = energy_text(book, q)
        out.append(
            make_line(
                book,
                method,
                Category.PURCHASED_HEAT,
                q,
                scope=scope,
                factors=[_use(f, "EF"), *coef_uses],
                emissions_tco2e=e,
                energy_tce=tce,
                formula=f"{fmt(q.quantity)} GJ × {fmt(f.value)} tCO2/GJ = {fmt(e, 2)} tCO2；{etext}",
            )
        )
    return out


def export_heat_lines(book: Book, method: Method, *, credit_scale: float, reason: str) -> list[LineItem]:
    """Exported heat: credit −AD × EF_heat × s (net inflow) or 0; energy deducted."""
    out: list[LineItem] = []
    for q in book.of(Role.EXPORT, electricity=False):
        f = book.factors.heat()
        tce, coef_uses, etext = energy_text(book, q, -1.0)
        if credit_scale > 0:
            e = -q.quantity * f.value * credit_scale
            s = "" if credit_scale == 1.0 else f" × {fmt(credit_scale)} (净受入不低于零 / floored)"
            text = f"−{fmt(q.quantity)} GJ × {fmt(f.value)} tCO2/GJ{s} = {fmt(e, 2)} tCO2 ({reason})"
            uses = [_use(f, "EF"), *coef_uses]
        else:
            e = 0.0
            text = f"{fmt(q.quantity)} GJ 外送 / exported: 0 tCO2 ({reason})"
            uses = coef_uses
        out.append(
            make_line(
                book,
                method,
                Category.EXPORTED_HEAT,
                q,
                scope=None,
                factors=uses,
                emissions_tco2e=e,
                energy_tce=tce,
                formula=f"{text}；{etext}",
            )
        )
    return out


def internal_value(
    book: Book, q: MonthlyQuantity, grid_ef: Factor
) -> tuple[float, list[FactorUse], str, float]:
    """Value of internally bought energy in the buyer's view: (tCO2, factors, formula text, green kWh).

    Heat at the purchased-heat factor; electricity at the grid factor × (1 − r), r = the supplier's
    renewable share (:meth:`Book.internal_green_fraction`).
    """
    if q.carrier is Carrier.ELECTRICITY:
        r = book.internal_green_fraction(q)
        mwh = q.quantity / 1000.0
        e = mwh * (1.0 - r) * grid_ef.value
        text = (
            f"{fmt(mwh, 3)} MWh × (1 − {fmt(r)} 园区可再生/park renewable) × {fmt(grid_ef.value)} tCO2/MWh "
            f"= {fmt(e, 2)} tCO2"
        )
        return e, [_use(grid_ef, "EF")], text, q.quantity * r
    f = book.heat_factor(q)
    e = q.quantity * f.value
    return e, [_use(f, "EF")], f"{fmt(q.quantity)} GJ × {fmt(f.value)} tCO2/GJ = {fmt(e, 2)} tCO2", 0.0


def internal_lines(
    book: Book,
    method: Method,
    grid_ef_for: Callable[[Carrier], Factor],
    *,
    scope: int | None,
    basis: Scope2Basis | None,
    with_energy: bool,
) -> list[LineItem]:
    """Party view: energy bought from a park facility, shown as purchased energy (内部转供)."""
    out: list[LineItem] = []
    for q in book.of(Role.INTERNAL):
        e, uses, text, _ = internal_value(book, q, grid_ef_for(q.carrier))
        tce = 0.0
        if with_energy:
            tce, coef_uses, etext = energy_text(book, q)
            uses = uses + coef_uses
            text += f"；{etext}"
        category = (
            Category.PURCHASED_ELECTRICITY if q.carrier is Carrier.ELECTRICITY else Category.PURCHASED_HEAT
        )
        line = make_line(
            book,
            method,
            category,
            q,
            scope=scope,
            factors=uses,
            emissions_tco2e=e,
            energy_tce=tce,
            formula=text,
            basis=basis,
            note="内部转供（园区设施供给）/ bought from a park facility",
        )
        out.append(line)
    return out


def eliminated_lines(book: Book, method: Method) -> list[LineItem]:
    """Park view: internal purchases give 0 here (the supplier's fuel is counted once)."""
    out: list[LineItem] = []
    for q in book.of(Role.ELIMINATED):
        out.append(
            make_line(
                book,
                method,
                Category.INTERNAL_TRANSFER,
                q,
                scope=None,
                factors=[],
                emissions_tco2e=0.0,
                energy_tce=0.0,
                formula=(
                    f"{fmt(q.quantity)} {CANONICAL_UNIT[q.carrier]} 内部转供："
                    "园区层面已按供方燃料计一次，此处抵消 = 0 tCO2 / "
                    "internal transfer: counted once at park level as the supplier's fuel, eliminated here"
                ),
            )
        )
    return out


def floor_scale(options: AccountingOptions, uncovered: float, credit: float) -> float:
    """Scale s of an export credit so that a carrier's net inflow emissions stay ≥ 0 (floor option)."""
    if credit <= 0:
        return 1.0
    if options.negative_net_inflow is NegativeNetInflow.CREDIT:
        return 1.0
    return min(1.0, max(uncovered, 0.0) / credit)
