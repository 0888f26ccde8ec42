"""The book of one accounting view: which quantities count, in which role, and the line builders.

Both methods (``national``, ``ghg``) read the same :class:`Book` and build line items with the same
builders; they differ only in the factors they choose and in how green attributes and exports are
treated (ACCOUNTING.md §4.5 rule 2: never mix factors across methods).

Views
-----
- **park view** (``enterprise_id=None``): the park boundary. Fuels, feedstock and process activities
  of every party; electricity and heat bought at the boundary (``PURCHASED``) and sent out
  (``EXPORTED``); on-site renewable generation (``GENERATED``). An enterprise's metered consumption
  of park-grid energy (``CONSUMED``) is already in the boundary purchase and gives no line;
  energy bought from a park facility (``INTERNAL_PURCHASE``) is eliminated (the supplier's fuel is
  counted once) and listed as an :class:`~zeropark.accounting.lineitems.Elimination`.
- **party view** (an enterprise id, or :data:`PUBLIC_FACILITIES` for the park operator's public
  facilities): the party's own quantities; ``CONSUMED`` and ``INTERNAL_PURCHASE`` are purchased
  energy. For the public facilities, the park-level boundary flows (``PURCHASED``, ``EXPORTED``,
  ``GENERATED`` without an enterprise) are the park's, not the operator's, and are left out.

Roles of quantities
-------------------
``COMBUSTION`` (and a fuel ``PURCHASED``/``CONSUMED``) → fuel burned; ``FEEDSTOCK`` → 0 CO2, counted
in energy (GB/T 2589-2020 counts energy used as raw material in comprehensive energy consumption);
``INTERNATIONAL_BUNKER`` → burned, listed separately (核算方法 1.2a); ``PROCESS`` → process factor;
water and non-electric ``GENERATED`` quantities are not energy flows of the boundary and give no line.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache

from zeropark.accounting.lineitems import (
    CATEGORY_LABEL,
    Category,
    FactorUse,
    LineItem,
    Note,
    Scope2Basis,
    fmt,
)
from zeropark.accounting.options import (
    AccountingOptions,
    ElectricityCoalBasis,
    GreenCap,
    NegativeNetInflow,
    OnsiteRenewables,
    PurchasedHeatFactor,
)
from zeropark.accounting.uncertainty import line_uncertainty_pct
from zeropark.errors import AccountingError, FactorNotFound
from zeropark.factors.factorset import Factor, FactorSet
from zeropark.model import (
    CANONICAL_UNIT,
    FOSSIL_FUELS,
    HEAT_CARRIERS,
    AccountingInput,
    Carrier,
    ClaimKind,
    Flow,
    GreenPowerClaim,
    Method,
    MonthlyQuantity,
)
from zeropark.units import CO2_PER_C, GJ_PER_TCE

#: View id of the park operator's public facilities (quantities without an enterprise).
PUBLIC_FACILITIES = "__public__"

#: Gaseous fuels shown in 10⁴ Nm³ in formulas, as the guidelines print them.
GASEOUS_FUELS: frozenset[Carrier] = frozenset(
    {Carrier.NATURAL_GAS, Carrier.COKE_OVEN_GAS, Carrier.BLAST_FURNACE_GAS, Carrier.CONVERTER_GAS}
)

#: Order in which green attributes fill the cap: physical first, unbundled certificates last.
CLAIM_ORDER: dict[ClaimKind, int] = {ClaimKind.DIRECT: 0, ClaimKind.GREEN_TRADE: 1, ClaimKind.GEC: 2}

CLAIM_LABEL: dict[ClaimKind, tuple[str, str]] = {
    ClaimKind.DIRECT: ("绿电直连", "direct green power"),
    ClaimKind.GREEN_TRADE: ("绿电交易", "green power trade"),
    ClaimKind.GEC: ("绿证", "GEC"),
}


class Role(StrEnum):
    """What a quantity is in a view."""

    FUEL = "fuel"
    FEEDSTOCK = "feedstock"
    BUNKER = "bunker"
    PROCESS = "process"
    GRID = "grid"  # electricity from the grid (boundary purchase, or party's park-grid consumption)
    HEAT_IN = "heat_in"
    EXPORT = "export"
    GENERATION = "generation"
    INTERNAL = "internal"  # party view: bought from a park facility
    ELIMINATED = "eliminated"  # park view: internal purchase, counted once as the supplier's fuel


def party(eid: str | None) -> str:
    """Printable key of a party (``park`` for park-level quantities)."""
    return "park" if eid is None else eid


def role_of(q: MonthlyQuantity, view: str | None) -> Role | None:
    """Role of quantity ``q`` in ``view`` (``None``: the quantity gives no line in this view).

    Raises
    ------
    AccountingError
        For a flow that makes no sense for the carrier (e.g. a fuel exported, a process without factor).
    """
    c, f = q.carrier, q.flow
    where = f"quantity {party(q.enterprise_id)}/{c.value}/{f.value}/{q.month:%Y-%m}"
    if c in (Carrier.WATER, Carrier.MATERIAL) and f is not Flow.PROCESS:
        return None
    fossil = c in FOSSIL_FUELS
    boundary_of_public = view == PUBLIC_FACILITIES and q.enterprise_id is None
    if f is Flow.PROCESS:
        if not q.factor_id:
            raise AccountingError(f"{where}: a process activity needs factor_id (e.g. process.limestone.cn)")
        return Role.PROCESS
    if f is Flow.FEEDSTOCK:
        return Role.FEEDSTOCK if fossil else None
    if f is Flow.INTERNATIONAL_BUNKER:
        return Role.BUNKER if fossil else None
    if f is Flow.COMBUSTION:
        if not fossil:
            raise AccountingError(f"{where}: only fossil fuels can be booked as combustion")
        return Role.FUEL
    if f is Flow.INTERNAL_PURCHASE:
        return Role.ELIMINATED if view is None else Role.INTERNAL
    if f is Flow.CONSUMED and view is None:
        return None  # already in the boundary purchase
    if f in (Flow.PURCHASED, Flow.CONSUMED):
        if fossil:
            return Role.FUEL
        if f is Flow.PURCHASED and boundary_of_public:
            return None
        return Role.GRID if c is Carrier.ELECTRICITY else Role.HEAT_IN
    if f is Flow.EXPORTED:
        if fossil:
            raise AccountingError(f"{where}: fuels leaving the park are not exports of energy; drop the row")
        return None if boundary_of_public else Role.EXPORT
    if f is Flow.GENERATED:
        if c is not Carrier.ELECTRICITY or boundary_of_public:
            return None
        return Role.GENERATION
    return None


def in_view(q: MonthlyQuantity, view: str | None) -> bool:
    """Whether ``q`` belongs to ``view`` (park: all; party: its own; public: enterprise-less)."""
    if view is None:
        return True
    if view == PUBLIC_FACILITIES:
        return q.enterprise_id is None
    return q.enterprise_id == view


def quantity_sort_key(q: MonthlyQuantity) -> tuple[str, str, str, date, tuple[str, ...], float]:
    """Deterministic order of quantities."""
    return (q.enterprise_id or "", q.carrier.value, q.flow.value, q.month, q.evidence, q.quantity)


@dataclass(frozen=True, slots=True)
class ElectricityBalance:
    """Electricity of a view over the year [kWh]."""

    grid_kwh: float
    generated_kwh: float
    exported_kwh: float
    internal_kwh: float

    @property
    def self_consumed_kwh(self) -> float:
        """On-site generation used inside the boundary [kWh].

        Exports come from on-site generation first (ACCOUNTING.md §4.1).
        """
        return max(self.generated_kwh - self.exported_kwh, 0.0)

    @property
    def consumed_kwh(self) -> float:
        """Electricity consumed = grid + generated + internal − exported."""
        return self.grid_kwh + self.generated_kwh + self.internal_kwh - self.exported_kwh


@dataclass(frozen=True, slots=True)
class AppliedClaim:
    """A green-power claim and the kWh of it applied after the cap."""

    claim: GreenPowerClaim
    applied_kwh: float


@dataclass(frozen=True, slots=True)
class InputIndex:
    """Look-ups over one input built once per run and shared by all views of it.

    ``by_party`` groups quantities by enterprise id (``None`` = park level); ``generated_kwh`` is the
    on-site renewable generation per (party, month) [kWh]; ``transfers_out`` / ``transfers_to`` the
    internal electricity sold per (supplier, month) and per (supplier, buyer, month) [kWh].
    """

    by_party: dict[str | None, tuple[MonthlyQuantity, ...]]
    generated_kwh: dict[tuple[str | None, date], float]
    transfers_out: dict[tuple[str | None, date], float]
    transfers_to: dict[tuple[str, date], dict[str | None, float]]

    @classmethod
    def build(cls, inputs: AccountingInput) -> InputIndex:
        """Index ``inputs`` (one pass over quantities and transfers)."""
        by_party: dict[str | None, list[MonthlyQuantity]] = defaultdict(list)
        generated: dict[tuple[str | None, date], float] = defaultdict(float)
        for q in inputs.quantities:
            by_party[q.enterprise_id].append(q)
            if q.carrier is Carrier.ELECTRICITY and q.flow is Flow.GENERATED:
                generated[(q.enterprise_id, q.month)] += q.quantity
        out: dict[tuple[str | None, date], float] = defaultdict(float)
        to: dict[tuple[str, date], dict[str | None, float]] = defaultdict(lambda: defaultdict(float))
        for t in inputs.transfers:
            if t.carrier is Carrier.ELECTRICITY:
                out[(t.from_enterprise_id, t.month)] += t.quantity
                to[(t.to_enterprise_id, t.month)][t.from_enterprise_id] += t.quantity
        return cls(
            by_party={k: tuple(v) for k, v in by_party.items()},
            generated_kwh=dict(generated),
            transfers_out=dict(out),
            transfers_to={k: dict(v) for k, v in to.items()},
        )

    def in_view(self, view: str | None) -> tuple[MonthlyQuantity, ...]:
        """Quantities of ``view`` (see :func:`in_view`)."""
        if view is None:
            return tuple(q for qs in self.by_party.values() for q in qs)
        return self.by_party.get(None if view == PUBLIC_FACILITIES else view, ())


class Book:
    """The quantities of one view with their roles, and the factor lookups both methods share."""

    def __init__(
        self,
        inputs: AccountingInput,
        factors: FactorSet,
        options: AccountingOptions,
        view: str | None,
        claims: Sequence[GreenPowerClaim],
        index: InputIndex | None = None,
    ) -> None:
        self.inputs = inputs
        self.index = index or InputIndex.build(inputs)
        self.factors = factors
        self.options = options
        self.view = view
        self.notes: list[Note] = []
        self.zone_of = {e.id: e.zone_id for e in inputs.enterprises}
        rows = sorted(self.index.in_view(view), key=quantity_sort_key)
        for q in rows:
            if not (q.quantity >= 0.0 and math.isfinite(q.quantity)):
                raise AccountingError(
                    f"quantity {party(q.enterprise_id)}/{q.carrier.value}/{q.flow.value}/{q.month:%Y-%m} "
                    f"is {q.quantity}; quantities must be finite and ≥ 0 — fix or quarantine the readings "
                    "(exports and generation have flows of their own)"
                )
            if q.month.year != inputs.year:
                raise AccountingError(
                    f"quantity {party(q.enterprise_id)}/{q.carrier.value}/{q.flow.value} is for "
                    f"{q.month:%Y-%m}, outside the reporting year {inputs.year}; load the year's data only"
                )
        self.roles: list[tuple[MonthlyQuantity, Role]] = []
        for q in rows:
            r = role_of(q, view)
            if r is not None:
                self.roles.append((q, r))
        if view is None:
            self.claims = tuple(sorted(claims, key=lambda c: c.id))
        else:
            owner = None if view == PUBLIC_FACILITIES else view
            self.claims = tuple(
                sorted((c for c in claims if c.owner_enterprise_id == owner), key=lambda c: c.id)
            )
        sellers = {t.from_enterprise_id for t in inputs.transfers}
        heat_exporters = {
            q.enterprise_id for q, r in self.roles if r is Role.EXPORT and q.carrier in HEAT_CARRIERS
        }
        self.suppliers = sellers | heat_exporters
        el_roles = {r for q, r in self.roles if q.carrier is Carrier.ELECTRICITY}
        #: A party view whose only electricity is generation (a PV plant of the park operator): its
        #: output goes into the park grid and is counted where it is consumed, not as its own use.
        self.delivers_generation = (
            view is not None and Role.GENERATION in el_roles and not el_roles & {Role.GRID, Role.INTERNAL}
        )
        self._coef_cache: dict[Carrier, tuple[Factor, str]] = {}

    # -- selections -------------------------------------------------------------------------------
    def of(self, *roles: Role, electricity: bool | None = None) -> list[MonthlyQuantity]:
        """Quantities with one of ``roles`` (optionally only electricity / only non-electricity)."""
        out = []
        for q, r in self.roles:
            if r not in roles:
                continue
            if electricity is not None and (q.carrier is Carrier.ELECTRICITY) != electricity:
                continue
            out.append(q)
        return out

    def electricity(self) -> ElectricityBalance:
        """Electricity balance of the view [kWh]."""

        def total(*roles: Role) -> float:
            return math.fsum(q.quantity for q in self.of(*roles, electricity=True))

        return ElectricityBalance(
            grid_kwh=total(Role.GRID),
            generated_kwh=0.0 if self.delivers_generation else total(Role.GENERATION),
            exported_kwh=total(Role.EXPORT),
            internal_kwh=total(Role.INTERNAL, Role.ELIMINATED),
        )

    def zone(self, eid: str | None) -> str | None:
        """Zone of a party (None for park-level quantities)."""
        return None if eid is None else self.zone_of.get(eid)

    # -- factors ----------------------------------------------------------------------------------
    def coal_coefficient(self, carrier: Carrier) -> tuple[Factor, str]:
        """Standard-coal coefficient [tce per canonical unit] and a text of its basis (GB/T 2589-2020)."""
        if carrier in self._coef_cache:
            return self._coef_cache[carrier]
        if (
            carrier is Carrier.ELECTRICITY
            and self.options.electricity_coal_basis is ElectricityCoalBasis.EQUAL_VALUE
        ):
            year = self.inputs.year
            for y in range(year, year - 6, -1):
                try:
                    f = self.factors.standard_coal(carrier, "equal_value", y)
                except FactorNotFound:
                    continue
                if y != year:
                    self.notes.append(
                        Note(
                            "equal_value_year",
                            f"电力等价值折标系数无 {year} 年数值，"
                            f"采用 {y} 年（{fmt(f.value * 1e6, 1)} gce/kWh）",
                            f"no 等价值 electricity coefficient for {year}; the {y} value "
                            f"({fmt(f.value * 1e6, 1)} gce/kWh) is used",
                        )
                    )
                result = (f, "等价值")
                break
            else:
                f = self.factors.standard_coal(carrier, "equal_value", year)  # raises FactorNotFound
                result = (f, "等价值")
        else:
            result = (self.factors.standard_coal(carrier, "equivalent"), "当量值")
        self._coef_cache[carrier] = result
        return result

    def heat_factor(self, q: MonthlyQuantity) -> Factor:
        """Purchased-heat factor for ``q`` [tCO2/GJ]: supplier-measured (``factor_id``) or the default."""
        if q.factor_id and self.options.purchased_heat_factor is PurchasedHeatFactor.SUPPLIER_FIRST:
            return self.factors.get(q.factor_id)
        return self.factors.heat()

    def apply_claims(self, balance: ElectricityBalance) -> tuple[list[AppliedClaim], float]:
        """Apply this view's green claims up to the cap (ACCOUNTING.md §1.3, §4.5 rule 3).

        Returns the claims with their applied kWh (direct, then green trade, then GECs) and the
        kWh claimed beyond the cap (not applied).
        """
        if self.options.green_cap is GreenCap.GRID_PURCHASES:
            cap = balance.grid_kwh
        else:
            cap = max(balance.consumed_kwh - balance.self_consumed_kwh, 0.0)
        applied: list[AppliedClaim] = []
        room = cap
        for c in sorted(
            (c for c in self.claims if c.claimed_year == self.inputs.year),
            key=lambda c: (CLAIM_ORDER[c.kind], c.id),
        ):
            kwh = c.mwh * 1000.0
            take = min(kwh, max(room, 0.0))
            room -= take
            applied.append(AppliedClaim(c, take))
        excess = math.fsum(c.claim.mwh * 1000.0 - c.applied_kwh for c in applied)
        return applied, excess

    def internal_green_fraction(self, q: MonthlyQuantity) -> float:
        """Share of internally bought electricity from park renewables [0..1].

        Per supplier s of the buyer in the month (``Transfer`` records): r_s = min(1, generated_s /
        transferred_s), weighted by what s sold the buyer. Without transfer records: 0 (grid-like).
        """
        if q.carrier is not Carrier.ELECTRICITY or q.enterprise_id is None:
            return 0.0
        to_buyer = self.index.transfers_to.get((q.enterprise_id, q.month), {})
        total = math.fsum(to_buyer.values())
        if total <= 0:
            return 0.0
        green = 0.0
        for s, qty in sorted(to_buyer.items(), key=lambda kv: kv[0] or ""):
            sold = self.index.transfers_out.get((s, q.month), 0.0)
            gen = self.index.generated_kwh.get((s, q.month), 0.0)
            r = min(1.0, gen / sold) if sold > 0 else 0.0
            green += qty * r
        return green / total


# -- line builders ---------------------------------------------------------------------------------
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
