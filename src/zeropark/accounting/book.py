"""The book of one accounting view: which quantities count, in which role, and the factor look-ups.

Both methods (``national``, ``ghg``) read the same :class:`Book` and build line items with the same
builders (:mod:`zeropark.accounting.lines`); they differ only in the factors they choose and in how
green attributes and exports are treated (ACCOUNTING.md §4.5 rule 2: never mix factors across
methods).

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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from zeropark.accounting.inventory import PUBLIC_FACILITIES
from zeropark.accounting.lineitems import Note, fmt
from zeropark.accounting.options import (
    AccountingOptions,
    ElectricityCoalBasis,
    GreenCap,
    PurchasedHeatFactor,
)
from zeropark.errors import AccountingError, FactorNotFound
from zeropark.factors.factorset import Factor, FactorSet
from zeropark.model import (
    FOSSIL_FUELS,
    HEAT_CARRIERS,
    AccountingInput,
    Carrier,
    ClaimKind,
    Flow,
    GreenPowerClaim,
    MonthlyQuantity,
)

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
