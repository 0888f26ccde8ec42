"""排放清单 Inventory and :func:`run`: one accounting run, pure and deterministic.

``run(inputs, factors, options)`` checks the green-power claims, builds the book of the requested
view (park, one enterprise, or the public facilities), asks the method (``national`` or ``ghg``) for
its line items and adds them up: totals by source, scope, enterprise, zone, carrier and month,
comprehensive energy consumption [tce], the 95 % interval (IPCC 2006 Vol.1 ch.3 Approach 1),
clean-energy shares (annual and hourly-matched), internal-transfer eliminations, reconciliation
gaps, and the provenance a verifier needs to recompute it: method, options and their statement
(with every factor used and its year, the factor-year and residual fallbacks taken, and the user's
factors loaded but unused — :mod:`zeropark.accounting.factor_choice`),
factor set name/version/sha256, input fingerprint (sha256 of a canonical serialisation of the
input) and code version. The same input gives the same inventory, byte for byte, in any input order.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any

import zeropark
from zeropark.accounting import ghg, national
from zeropark.accounting.book import AppliedClaim, Book, InputIndex, Role
from zeropark.accounting.factor_choice import STATEMENT_CODES, factor_notes
from zeropark.accounting.gaps import CLAIM_ERRORS, Gap, GapKind
from zeropark.accounting.inventory import (
    INTERNAL_TRANSFERS,
    PARK_LEVEL,
    PUBLIC_FACILITIES,
    ConsumerShare,
    Inventory,
    ShareKind,
)
from zeropark.accounting.lineitems import Category, Elimination, LineItem, Note, Scope2Basis, fmt
from zeropark.accounting.lines import energy_text, internal_value
from zeropark.accounting.matching import HourlyMatch, hourly_match, hourly_not_loaded
from zeropark.accounting.options import AccountingOptions, CleanEnergyScope, OnsiteRenewables
from zeropark.accounting.reconcile import (
    check_claims,
    park_vs_parties,
    transfers_vs_internal_purchases,
)
from zeropark.accounting.uncertainty import Interval, factors_without_uncertainty, interval_95
from zeropark.errors import DoubleClaim, DoubleCountedSaving
from zeropark.factors.factorset import FactorSet
from zeropark.model import (
    CANONICAL_UNIT,
    CARRIER_LABEL_ZH,
    FLOW_LABEL_ZH,
    AccountingInput,
    Carrier,
    Flow,
    GreenPowerClaim,
    Method,
    MonthlyQuantity,
    SymbiosisClaim,
)

_CATEGORY_ORDER = {c: i for i, c in enumerate(Category)}

#: Note of a view whose own hourly profile is not in the input (the input's hourly arrays are another view's).
HOURLY_NOT_LOADED = Note(
    "hourly_not_loaded",
    "逐时（24/7）匹配：本次核算载入的是园区（或其他视图）的逐时数据，本视图的逐时占比未计算；"
    "单独核算该企业即可得到其逐时匹配",
    "hourly (24/7) matching: the input holds the hourly profile of the park (or another view), so this "
    "view's hourly share is not computed; account the enterprise on its own to get it",
)
_GAS = frozenset({Carrier.NATURAL_GAS, Carrier.LNG})


# -- fingerprint ------------------------------------------------------------------------------------
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...] | None:
    names = _FIELD_NAMES.get(cls)
    if names is None and dataclasses.is_dataclass(cls):
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def _canon_quantity(q: MonthlyQuantity) -> dict[str, Any]:
    """Fast path of :func:`_canon` for the most numerous record (same output)."""
    return {
        "enterprise_id": q.enterprise_id,
        "carrier": q.carrier.value,
        "flow": q.flow.value,
        "month": q.month.isoformat(),
        "quantity": q.quantity,
        "evidence": list(q.evidence),
        "uncertainty_pct": q.uncertainty_pct,
        "completeness": q.completeness,
        "factor_id": q.factor_id,
        "ncv_gj_per_unit": q.ncv_gj_per_unit,
        "carbon_content_tc_per_gj": q.carbon_content_tc_per_gj,
    }


def _canon(obj: Any) -> Any:
    if type(obj) is MonthlyQuantity:
        return _canon_quantity(obj)
    if obj is None or isinstance(obj, bool | int | float | str) and not isinstance(obj, Enum):
        return obj
    names = _field_names(type(obj))
    if names is not None:
        return {n: _canon(getattr(obj, n)) for n in names}
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, dict):
        return {str(k): _canon(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_canon(x) for x in obj]
    return obj


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


_SORTED_COLLECTIONS = frozenset({"enterprises", "quantities", "claims", "transfers", "zones", "symbiosis"})


def canonical_input(inputs: AccountingInput) -> str:
    """Canonical JSON serialisation of an input: sorted keys, collections sorted by content.

    The order in which the store hands over quantities, claims, transfers, enterprises or zones does
    not change the text (nor, therefore, the fingerprint or the inventory).
    """
    data = _canon(inputs)
    if not data.get("symbiosis"):
        data.pop("symbiosis", None)  # an input without symbiosis claims keeps its fingerprint
    # Each record is encoded once: the sorted item texts are joined into the list text, which is
    # byte for byte what ``_dumps`` of the sorted lists gives (same separators, sorted keys).
    parts: list[str] = []
    for key in sorted(data):
        value = data[key]
        if key in _SORTED_COLLECTIONS:
            text = "[" + ",".join(sorted(_dumps(x) for x in value)) + "]"
        else:
            text = _dumps(value)
        parts.append(f"{_dumps(key)}:{text}")
    return "{" + ",".join(parts) + "}"


def input_fingerprint(inputs: AccountingInput) -> str:
    """sha256 (hex) of :func:`canonical_input`."""
    return hashlib.sha256(canonical_input(inputs).encode("utf-8")).hexdigest()


# -- run -------------------------------------------------------------------------------------------
def _validated_claims(inputs: AccountingInput) -> tuple[list[GreenPowerClaim], list[Gap]]:
    onsite = {
        m
        for q in inputs.quantities
        if q.flow is Flow.GENERATED and q.carrier is Carrier.ELECTRICITY
        for m in q.evidence
    }
    gaps = check_claims(inputs.claims, inputs.year, onsite)
    for g in gaps:
        if g.kind in CLAIM_ERRORS:
            raise DoubleClaim(g.rows[0], g.message_en)
    return [c for c in inputs.claims if c.claimed_year == inputs.year], gaps


def _sorted_unique(lines: Iterable[LineItem]) -> tuple[LineItem, ...]:
    def key(li: LineItem) -> tuple[Any, ...]:
        return (
            _CATEGORY_ORDER[li.category],
            li.enterprise_id or "",
            "" if li.carrier is None else li.carrier.value,
            li.month or date.min,
            "" if li.basis is None else li.basis.value,
            li.id,
            li.activity,
            li.evidence,
        )

    out: list[LineItem] = []
    seen: dict[str, int] = defaultdict(int)
    for li in sorted(lines, key=key):
        seen[li.id] += 1
        if seen[li.id] > 1:
            li = dataclasses.replace(li, id=f"{li.id}#{seen[li.id]}")
        out.append(li)
    return tuple(out)


def _totals(lines: Sequence[LineItem], key: Any) -> dict[str, float]:
    acc: dict[str, list[float]] = defaultdict(list)
    for li in lines:
        acc[key(li)].append(li.emissions_tco2e)
    return {k: math.fsum(v) for k, v in sorted(acc.items())}


def _eliminations(book: Book, method: Method) -> tuple[Elimination, ...]:
    if book.view is not None:
        return ()
    ef = national.grid_factor(book) if method is Method.NATIONAL else ghg.location_factor(book)
    out: list[Elimination] = []
    for q in book.of(Role.ELIMINATED):
        e, _, _, _ = internal_value(book, q, ef)
        tce, _, _ = energy_text(book, q)
        out.append(
            Elimination(
                id=f"elim:{q.enterprise_id or 'park'}:{q.carrier.value}:{q.month:%Y-%m}",
                enterprise_id=q.enterprise_id or "park",
                carrier=q.carrier,
                month=q.month,
                quantity=q.quantity,
                unit=CANONICAL_UNIT[q.carrier],
                emissions_tco2e=e,
                energy_tce=tce,
                evidence=tuple(q.evidence),
            )
        )
    return tuple(sorted(out, key=lambda x: (x.id, x.quantity)))


def _clean_shares(
    book: Book, lines: Sequence[LineItem], applied: Sequence[AppliedClaim], energy_tce: float
) -> tuple[float | None, float | None, dict[str, float]]:
    bal = book.electricity()
    green = math.fsum(a.applied_kwh for a in applied)
    internal_green = math.fsum(q.quantity * book.internal_green_fraction(q) for q in book.of(Role.INTERNAL))
    onsite = bal.self_consumed_kwh
    clean_kwh = green + internal_green + onsite
    coef, _ = book.coal_coefficient(Carrier.ELECTRICITY)
    counted_onsite = onsite if book.options.onsite_renewables is OnsiteRenewables.INCLUDED else 0.0
    clean_tce = (green + internal_green + counted_onsite) * coef.value
    if book.options.clean_energy_scope is CleanEnergyScope.NON_FOSSIL_AND_GAS:
        clean_tce += math.fsum(
            li.energy_tce
            for li in lines
            if li.carrier in _GAS and li.category in (Category.FUEL_COMBUSTION, Category.ENERGY_CONVERSION)
        )
    share = clean_tce / energy_tce if energy_tce > 0 else None
    consumed = bal.consumed_kwh
    el_share = clean_kwh / consumed if consumed > 0 else None
    balance = {
        "grid_kwh": bal.grid_kwh,
        "generated_kwh": bal.generated_kwh,
        "exported_kwh": bal.exported_kwh,
        "internal_kwh": bal.internal_kwh,
        "self_consumed_kwh": onsite,
        "consumed_kwh": consumed,
        "green_claimed_kwh": math.fsum(a.claim.mwh * 1000.0 for a in applied),
        "green_applied_kwh": green,
        "clean_kwh": clean_kwh,
    }
    return share, el_share, balance


def _capped_gap(applied: Sequence[AppliedClaim], excess: float) -> list[Gap]:
    if excess <= 1e-9:
        return []
    rows = tuple(a.claim.id for a in applied if a.applied_kwh < a.claim.mwh * 1000.0)
    mwh = excess / 1000.0
    return [
        Gap(
            GapKind.CLAIM_CAPPED,
            rows,
            f"绿电/绿证申报量超过上限 {fmt(mwh, 3)} MWh，超出部分未计入（先直连、再绿电交易、最后绿证）",
            f"green attributes exceed the cap by {fmt(mwh, 3)} MWh; the excess is not applied "
            "(direct first, then green trade, then GECs)",
            mwh,
            "MWh",
        )
    ]


def _completeness_gaps(book: Book) -> list[Gap]:
    gaps: list[Gap] = []
    for q, _ in book.roles:
        if q.completeness < 1.0:
            who = q.enterprise_id or "park"
            gaps.append(
                Gap(
                    GapKind.INCOMPLETE_DATA,
                    tuple(q.evidence) or (f"{who}/{q.carrier.value}/{q.month:%Y-%m}",),
                    f"{q.month:%Y-%m} {q.enterprise_id or '园区'} {CARRIER_LABEL_ZH[q.carrier]}"
                    f"（{FLOW_LABEL_ZH[q.flow]}）数据完整率 {q.completeness:.1%}",
                    f"{q.month:%Y-%m} {who} {q.carrier.value} ({q.flow.value}) "
                    f"data completeness {q.completeness:.1%}",
                    q.completeness,
                    "share",
                )
            )
    return gaps


@dataclasses.dataclass(frozen=True, slots=True)
class _Shared:
    """What every view of one input shares (computed once per run)."""

    index: InputIndex
    claims: tuple[GreenPowerClaim, ...]
    claim_gaps: tuple[Gap, ...]
    fingerprint: str
    hourly: HourlyMatch


def reconciled_symbiosis(claims: Sequence[SymbiosisClaim], tol_t: float = 1e-6) -> tuple[SymbiosisClaim, ...]:
    """The symbiosis claims in a stable order, each exchange's saving counted exactly once.

    Raises
    ------
    DoubleCountedSaving
        The claims of one exchange add up to more (or less) than its avoided CO2, or name two
        different totals for it (a saving claimed twice between enterprises).
    """
    per: dict[str, list[SymbiosisClaim]] = defaultdict(list)
    for c in claims:
        per[c.exchange_id].append(c)
    for x, cs in per.items():
        claimed = math.fsum(c.tco2 for c in cs)
        totals = {c.exchange_tco2 for c in cs}
        if len(totals) > 1 or abs(claimed - cs[0].exchange_tco2) > tol_t:
            raise DoubleCountedSaving(x, claimed, max(totals))
    return tuple(sorted(claims, key=lambda c: (c.exchange_id, c.role, c.enterprise_id or "")))


def _symbiosis_note(claims: Sequence[SymbiosisClaim]) -> Note:
    """The note of a view with symbiosis claims: what they are and that they are not deducted."""
    total = math.fsum(c.tco2 for c in claims)
    xs = ", ".join(dict.fromkeys(c.exchange_id for c in claims))
    return Note(
        "symbiosis_avoided",
        f"产业共生减排量（信息项，不从排放总量中扣减，按各交换的归属规则计一次）："
        f"{total:,.3f} tCO2，交换 {xs}",
        f"industrial-symbiosis avoided CO2 (memo, not deducted from the total; each exchange counted "
        f"once by its allocation rule): {total:,.3f} tCO2, exchanges {xs}",
    )


def _shared(inputs: AccountingInput) -> _Shared:
    claims, claim_gaps = _validated_claims(inputs)
    reconciled_symbiosis(inputs.symbiosis)
    return _Shared(
        index=InputIndex.build(inputs),
        claims=tuple(claims),
        claim_gaps=tuple(claim_gaps),
        fingerprint=input_fingerprint(inputs),
        hourly=hourly_match(inputs),
    )


@dataclasses.dataclass(frozen=True, slots=True)
class ParkViews:
    """The park view of one input and every enterprise's own view of the same input.

    ``park.consumers`` (the enterprise breakdown) is made of the enterprises' totals, so each
    enterprise's share on the park's list equals its own inventory's total, bit for bit.
    """

    park: Inventory
    enterprises: tuple[Inventory, ...]


def run(
    inputs: AccountingInput,
    factors: FactorSet,
    options: AccountingOptions | None = None,
    *,
    enterprise_id: str | None = None,
) -> Inventory:
    """Account one year of one park (or one party) with one method.

    Parameters
    ----------
    inputs : AccountingInput
        Aggregated quantities, claims, transfers, hourly profiles (canonical units) of the park.
    factors : FactorSet
        The cited factor set to take every factor from.
    options : AccountingOptions, optional
        Method and [UNCERTAIN] choices (defaults: national method, reference defaults).
    enterprise_id : str, optional
        ``None`` = park view (with the enterprise breakdown on the consumption basis and the
        park-vs-parties check); an enterprise id = that enterprise's view;
        :data:`~zeropark.accounting.inventory.PUBLIC_FACILITIES` = the park operator's public
        facilities.

    Raises
    ------
    DoubleClaim
        A green certificate/contract appears twice, lies outside its period, or certifies on-site
        generation already counted as self-consumed.
    FactorNotFound
        A factor the data need is not in ``factors``.
    AccountingError
        A quantity outside the year, negative or not finite, or with a flow that makes no sense
        for its carrier.
    DataError
        An hourly array whose length is not the number of hours of the year.
    """
    options = options or AccountingOptions()
    shared = _shared(inputs)
    if enterprise_id is not None:
        return _account_view(inputs, factors, options, enterprise_id, shared)
    parties = [_party_totals(inputs, factors, options, v, shared) for v in _party_ids(inputs)]
    return _park_view(inputs, factors, options, shared, parties)


def run_views(
    inputs: AccountingInput, factors: FactorSet, options: AccountingOptions | None = None
) -> ParkViews:
    """The park view and every enterprise's own view of ``inputs``, consistent by construction.

    Same parameters and errors as :func:`run`. Each enterprise view is what
    ``run(inputs, factors, options, enterprise_id=...)`` gives.
    """
    options = options or AccountingOptions()
    shared = _shared(inputs)
    views = tuple(
        _account_view(inputs, factors, options, e.id, shared)
        for e in sorted(inputs.enterprises, key=lambda e: e.id)
    )
    parties = [_PartyTotals.of(v) for v in views]
    if inputs.enterprises:
        parties.append(_party_totals(inputs, factors, options, PUBLIC_FACILITIES, shared))
    return ParkViews(_park_view(inputs, factors, options, shared, parties), views)


def _party_ids(inputs: AccountingInput) -> list[str]:
    if not inputs.enterprises:
        return []
    return [*(e.id for e in sorted(inputs.enterprises, key=lambda e: e.id)), PUBLIC_FACILITIES]


def _park_view(
    inputs: AccountingInput,
    factors: FactorSet,
    options: AccountingOptions,
    shared: _Shared,
    parties: Sequence[_PartyTotals],
) -> Inventory:
    inventory = _account_view(inputs, factors, options, None, shared)
    gaps = list(inventory.gaps) + transfers_vs_internal_purchases(inputs.transfers, inputs.quantities)
    if not parties:
        return dataclasses.replace(inventory, gaps=tuple(gaps))
    gaps += park_vs_parties(inventory, parties)
    consumers = consumer_shares(inventory, parties)
    return dataclasses.replace(
        inventory,
        gaps=tuple(gaps),
        consumers=consumers,
        by_enterprise={c.party: c.emissions_tco2e for c in consumers},
    )


@dataclasses.dataclass(frozen=True, slots=True)
class _PartyTotals:
    """The figures of one party view that the park's breakdown and its reconciliation use."""

    enterprise_id: str | None
    total_tco2e: float
    market_tco2e: float | None
    energy_tce: float
    electricity: dict[str, float]

    @classmethod
    def of(cls, inventory: Inventory) -> _PartyTotals:
        """The totals of a full party view."""
        return cls(
            inventory.enterprise_id,
            inventory.total_tco2e,
            inventory.total_market_tco2e,
            inventory.energy_tce,
            dict(inventory.electricity),
        )


def _party_totals(
    inputs: AccountingInput,
    factors: FactorSet,
    options: AccountingOptions,
    view: str,
    shared: _Shared,
) -> _PartyTotals:
    """Totals and electricity balance of a party view, as :func:`_account_view` computes them.

    The breakdown and the park-vs-parties check need only these, so the line sorting, the
    breakdowns, the interval, gaps and notes of a full view are skipped. The sums are ``math.fsum``
    (exact, independent of the order of the lines), so the figures equal the full view's bit for bit.
    """
    book = Book(inputs, factors, options, view, shared.claims, shared.index)
    module = national if options.method is Method.NATIONAL else ghg
    raw, applied, _ = module.account(book)
    total = math.fsum(li.emissions_tco2e for li in raw if li.basis is not Scope2Basis.MARKET)
    market = (
        math.fsum(li.emissions_tco2e for li in raw if li.basis is not Scope2Basis.LOCATION)
        if options.method is Method.GHG
        else None
    )
    energy = math.fsum(li.energy_tce for li in raw)
    _, _, balance = _clean_shares(book, raw, applied, energy)
    return _PartyTotals(view, total, market, energy, balance)


def consumer_shares(park: Inventory, parties: Sequence[_PartyTotals]) -> tuple[ConsumerShare, ...]:
    """The park's enterprise breakdown on the consumption basis (:data:`CONSUMER_BASIS_EN`).

    One row per party (its own total), a row of the internal transfers both parties count
    (−Σ eliminations) and the park-level remainder, so that the rows add up to the park total:

    ``remainder = park total − (Σ parties − Σ eliminations)`` (DESIGN.md §4: park = Σ parties −
    internal transfers; the remainder is what no party consumed — line losses, unmetered use,
    certificates held by the park). Sums are ``math.fsum``. Energy [tce] likewise.
    """
    rows: list[ConsumerShare] = []
    for p in parties:
        if p.enterprise_id == PUBLIC_FACILITIES:
            if p.total_tco2e == 0.0 and p.energy_tce == 0.0:
                continue
            kind = ShareKind.PUBLIC_FACILITIES
        else:
            kind = ShareKind.ENTERPRISE
        rows.append(
            ConsumerShare(
                p.enterprise_id or PUBLIC_FACILITIES, kind, p.total_tco2e, p.energy_tce, p.market_tco2e
            )
        )
    ghg_method = park.total_market_tco2e is not None
    elim = [e.emissions_tco2e for e in park.eliminations]
    elim_energy = [e.energy_tce for e in park.eliminations]
    if park.eliminations:
        rows.append(
            ConsumerShare(
                INTERNAL_TRANSFERS,
                ShareKind.INTERNAL_TRANSFERS,
                -math.fsum(elim),
                -math.fsum(elim_energy),
                -math.fsum(elim) if ghg_method else None,
            )
        )

    def remainder(park_value: float, values: Iterable[float]) -> float:
        return math.fsum([park_value, *(-v for v in values)])

    shown = rows  # every row above, eliminations included (they are negative)
    market_rows = [r.market_tco2e or 0.0 for r in shown]
    rows.append(
        ConsumerShare(
            PARK_LEVEL,
            ShareKind.PARK_LEVEL,
            remainder(park.total_tco2e, (r.emissions_tco2e for r in shown)),
            remainder(park.energy_tce, (r.energy_tce for r in shown)),
            remainder(park.total_market_tco2e, market_rows) if park.total_market_tco2e is not None else None,
        )
    )
    return tuple(rows)


def _account_view(
    inputs: AccountingInput,
    factors: FactorSet,
    options: AccountingOptions,
    enterprise_id: str | None,
    shared: _Shared,
) -> Inventory:
    book = Book(inputs, factors, options, enterprise_id, shared.claims, shared.index)
    module = national if options.method is Method.NATIONAL else ghg
    raw, applied, excess = module.account(book)
    lines = _sorted_unique(raw)
    primary = [li for li in lines if li.basis is not Scope2Basis.MARKET]
    total = math.fsum(li.emissions_tco2e for li in primary)
    energy = math.fsum(li.energy_tce for li in lines)
    market_total: float | None = None
    market_interval: Interval | None = None
    if options.method is Method.GHG:
        market = [li for li in lines if li.basis is not Scope2Basis.LOCATION]
        market_total = math.fsum(li.emissions_tco2e for li in market)
        market_interval = interval_95(market)
        by_scope = {
            "1": math.fsum(li.emissions_tco2e for li in lines if li.scope == 1),
            "2-location": math.fsum(
                li.emissions_tco2e for li in lines if li.scope == 2 and li.basis is not Scope2Basis.MARKET
            ),
            "2-market": math.fsum(
                li.emissions_tco2e for li in lines if li.scope == 2 and li.basis is not Scope2Basis.LOCATION
            ),
        }
    else:
        by_scope = {"national": total}
    energy_by_carrier: dict[str, list[float]] = defaultdict(list)
    for li in lines:
        if li.energy_tce:
            energy_by_carrier["-" if li.carrier is None else li.carrier.value].append(li.energy_tce)
    share, el_share, balance = _clean_shares(book, lines, applied, energy)
    claim_gaps = list(shared.claim_gaps) if enterprise_id is None else []
    gaps = claim_gaps + _capped_gap(applied, excess) + _completeness_gaps(book)
    chosen = (
        [national.grid_factor(book)]
        if options.method is Method.NATIONAL
        else [ghg.location_factor(book), ghg.market_residual_factor(book)]
    )
    notes = list(book.notes) + factor_notes(lines, factors, chosen)
    stated = [n for n in notes if n.code in STATEMENT_CODES]
    # the GHG clauses name the years of the grid factors actually used (a fallback year included)
    years = (None, None) if options.method is Method.NATIONAL else (chosen[0].year, chosen[1].year)
    hourly = shared.hourly
    if enterprise_id != inputs.hourly_of:
        hourly = hourly_not_loaded(inputs.year)
        notes.append(HOURLY_NOT_LOADED)
    missing_unc = factors_without_uncertainty(lines)
    if missing_unc:
        notes.append(
            Note(
                "factor_uncertainty_missing",
                f"以下因子未给出不确定度，区间计算按 0 处理：{'、'.join(missing_unc)}",
                f"factors without stated uncertainty, taken as 0 in the interval: {', '.join(missing_unc)}",
            )
        )
    own = tuple(
        c
        for c in reconciled_symbiosis(inputs.symbiosis)
        if enterprise_id is None or c.enterprise_id == enterprise_id
    )
    if own:
        notes.append(_symbiosis_note(own))
    return Inventory(
        method=options.method,
        park_id=inputs.park.id,
        year=inputs.year,
        enterprise_id=enterprise_id,
        options=options,
        options_statement_zh=" ".join(
            [options.statement_zh(inputs.year, *years), *(f"{n.zh}。" for n in stated)]
        ),
        options_statement_en=" ".join(
            [options.statement_en(inputs.year, *years), *(f"{n.en}." for n in stated)]
        ),
        factor_set_name=factors.name,
        factor_set_version=factors.version,
        factor_set_sha256=factors.sha256,
        input_fingerprint=shared.fingerprint,
        code_version=zeropark.__version__,
        lines=lines,
        total_tco2e=total,
        total_market_tco2e=market_total,
        energy_tce=energy,
        by_source=_totals(primary, lambda li: li.category.value),
        by_scope=by_scope,
        by_enterprise=_totals(primary, lambda li: li.enterprise_id or "park"),
        by_zone=_totals(primary, lambda li: li.zone_id or "none"),
        by_carrier=_totals(primary, lambda li: "-" if li.carrier is None else li.carrier.value),
        by_month=_totals(primary, lambda li: "year" if li.month is None else f"{li.month:%Y-%m}"),
        energy_by_carrier={k: math.fsum(v) for k, v in sorted(energy_by_carrier.items())},
        interval_95=interval_95(primary),
        interval_95_market=market_interval,
        electricity=balance,
        clean_energy_share=share,
        green_electricity_share=el_share,
        hourly=hourly,
        eliminations=_eliminations(book, options.method),
        gaps=tuple(gaps),
        notes=tuple(notes),
        symbiosis=own,
    )
