"""排放清单 Inventory and :func:`run`: one accounting run, pure and deterministic.

``run(inputs, factors, options)`` checks the green-power claims, builds the book of the requested
view (park, one enterprise, or the public facilities), asks the method (``national`` or ``ghg``) for
its line items and adds them up: totals by source, scope, enterprise, zone, carrier and month,
comprehensive energy consumption [tce], the 95 % interval (IPCC 2006 Vol.1 ch.3 Approach 1),
clean-energy shares (annual and hourly-matched), internal-transfer eliminations, reconciliation
gaps, and the provenance a verifier needs to recompute it: method, options and their statement,
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
from zeropark.accounting.book import (
    PUBLIC_FACILITIES,
    AppliedClaim,
    Book,
    InputIndex,
    Role,
    energy_text,
    internal_value,
)
from zeropark.accounting.lineitems import Category, Elimination, LineItem, Note, Scope2Basis, fmt
from zeropark.accounting.matching import HourlyMatch, hourly_match
from zeropark.accounting.options import AccountingOptions, CleanEnergyScope, OnsiteRenewables
from zeropark.accounting.reconcile import (
    CLAIM_ERRORS,
    Gap,
    GapKind,
    check_claims,
    park_vs_parties,
    transfers_vs_internal_purchases,
)
from zeropark.accounting.uncertainty import Interval, factors_without_uncertainty, interval_95
from zeropark.errors import DoubleClaim
from zeropark.factors.factorset import FactorSet
from zeropark.model import (
    CANONICAL_UNIT,
    AccountingInput,
    Carrier,
    Flow,
    GreenPowerClaim,
    Method,
    MonthlyQuantity,
)

_CATEGORY_ORDER = {c: i for i, c in enumerate(Category)}
_GAS = frozenset({Carrier.NATURAL_GAS, Carrier.LNG})


@dataclasses.dataclass(frozen=True, slots=True)
class Inventory:
    """排放清单: the result of one accounting run (see module docstring).

    Attributes
    ----------
    total_tco2e : float
        National method: park CO2 [tCO2]. GHG: location-based total (Scope 1 + Scope 2 location) [tCO2e].
    total_market_tco2e : float or None
        GHG only: market-based total [tCO2e].
    energy_tce : float
        Comprehensive energy consumption [tce] (GB/T 2589-2020, exports deducted).
    by_source, by_scope, by_enterprise, by_zone, by_carrier, by_month : dict of str to float
        Totals [tCO2e] over the line items (GHG: location basis; market lines in ``by_scope['2-market']``).
    clean_energy_share : float or None
        Annual 清洁能源消费占比 [0..1] on a tce basis (None when energy is 0).
    hourly : HourlyMatch
        Hourly-matched (24/7) clean-electricity share; ``missing`` when there are no hourly data.
    """

    method: Method
    park_id: str
    year: int
    enterprise_id: str | None
    options: AccountingOptions
    options_statement_zh: str
    options_statement_en: str
    factor_set_name: str
    factor_set_version: str
    factor_set_sha256: str
    input_fingerprint: str
    code_version: str
    lines: tuple[LineItem, ...]
    total_tco2e: float
    total_market_tco2e: float | None
    energy_tce: float
    by_source: dict[str, float]
    by_scope: dict[str, float]
    by_enterprise: dict[str, float]
    by_zone: dict[str, float]
    by_carrier: dict[str, float]
    by_month: dict[str, float]
    energy_by_carrier: dict[str, float]
    interval_95: Interval
    interval_95_market: Interval | None
    electricity: dict[str, float]
    clean_energy_share: float | None
    green_electricity_share: float | None
    hourly: HourlyMatch
    eliminations: tuple[Elimination, ...]
    gaps: tuple[Gap, ...]
    notes: tuple[Note, ...]

    @property
    def international_bunker_tco2e(self) -> float:
        """国际航空航海 fuel emissions [tCO2e], included in the total and listed separately."""
        return self.by_source.get(Category.INTERNATIONAL_BUNKER.value, 0.0)

    @property
    def intensity_tco2_per_tce(self) -> float | None:
        """单位能耗碳排放 [tCO2/tce] = total / energy (None when energy ≤ 0)."""
        return self.total_tco2e / self.energy_tce if self.energy_tce > 0 else None

    def line(self, line_id: str) -> LineItem:
        """The line item with id ``line_id`` (``KeyError`` naming it otherwise)."""
        for li in self.lines:
            if li.id == line_id:
                return li
        raise KeyError(f"no line item '{line_id}' in this inventory")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping; :meth:`from_dict` restores an equal inventory."""
        return {
            "method": self.method.value,
            "park_id": self.park_id,
            "year": self.year,
            "enterprise_id": self.enterprise_id,
            "options": {
                k: (v.value if isinstance(v, Enum) else v) for k, v in self.options.to_dict().items()
            },
            "options_statement_zh": self.options_statement_zh,
            "options_statement_en": self.options_statement_en,
            "factor_set_name": self.factor_set_name,
            "factor_set_version": self.factor_set_version,
            "factor_set_sha256": self.factor_set_sha256,
            "input_fingerprint": self.input_fingerprint,
            "code_version": self.code_version,
            "lines": [li.to_dict() for li in self.lines],
            "total_tco2e": self.total_tco2e,
            "total_market_tco2e": self.total_market_tco2e,
            "energy_tce": self.energy_tce,
            "by_source": dict(self.by_source),
            "by_scope": dict(self.by_scope),
            "by_enterprise": dict(self.by_enterprise),
            "by_zone": dict(self.by_zone),
            "by_carrier": dict(self.by_carrier),
            "by_month": dict(self.by_month),
            "energy_by_carrier": dict(self.energy_by_carrier),
            "interval_95": self.interval_95.to_dict(),
            "interval_95_market": None
            if self.interval_95_market is None
            else self.interval_95_market.to_dict(),
            "electricity": dict(self.electricity),
            "clean_energy_share": self.clean_energy_share,
            "green_electricity_share": self.green_electricity_share,
            "hourly": self.hourly.to_dict(),
            "eliminations": [e.to_dict() for e in self.eliminations],
            "gaps": [g.to_dict() for g in self.gaps],
            "notes": [n.to_dict() for n in self.notes],
        }

    def to_json(self) -> str:
        """Canonical JSON text (sorted keys, UTF-8 characters kept)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Inventory:
        """Inverse of :meth:`to_dict`."""

        def floats(m: dict[str, Any]) -> dict[str, float]:
            return {str(k): float(v) for k, v in m.items()}

        return cls(
            method=Method(d["method"]),
            park_id=d["park_id"],
            year=int(d["year"]),
            enterprise_id=d["enterprise_id"],
            options=AccountingOptions.from_dict(d["options"]),
            options_statement_zh=d["options_statement_zh"],
            options_statement_en=d["options_statement_en"],
            factor_set_name=d["factor_set_name"],
            factor_set_version=d["factor_set_version"],
            factor_set_sha256=d["factor_set_sha256"],
            input_fingerprint=d["input_fingerprint"],
            code_version=d["code_version"],
            lines=tuple(LineItem.from_dict(x) for x in d["lines"]),
            total_tco2e=float(d["total_tco2e"]),
            total_market_tco2e=None if d["total_market_tco2e"] is None else float(d["total_market_tco2e"]),
            energy_tce=float(d["energy_tce"]),
            by_source=floats(d["by_source"]),
            by_scope=floats(d["by_scope"]),
            by_enterprise=floats(d["by_enterprise"]),
            by_zone=floats(d["by_zone"]),
            by_carrier=floats(d["by_carrier"]),
            by_month=floats(d["by_month"]),
            energy_by_carrier=floats(d["energy_by_carrier"]),
            interval_95=Interval.from_dict(d["interval_95"]),
            interval_95_market=None
            if d["interval_95_market"] is None
            else Interval.from_dict(d["interval_95_market"]),
            electricity=floats(d["electricity"]),
            clean_energy_share=d["clean_energy_share"],
            green_electricity_share=d["green_electricity_share"],
            hourly=HourlyMatch.from_dict(d["hourly"]),
            eliminations=tuple(Elimination.from_dict(x) for x in d["eliminations"]),
            gaps=tuple(Gap.from_dict(x) for x in d["gaps"]),
            notes=tuple(Note.from_dict(x) for x in d["notes"]),
        )

    @classmethod
    def from_json(cls, text: str) -> Inventory:
        """Inverse of :meth:`to_json`."""
        return cls.from_dict(json.loads(text))


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


_SORTED_COLLECTIONS = frozenset({"enterprises", "quantities", "claims", "transfers", "zones"})


def canonical_input(inputs: AccountingInput) -> str:
    """Canonical JSON serialisation of an input: sorted keys, collections sorted by content.

    The order in which the store hands over quantities, claims, transfers, enterprises or zones does
    not change the text (nor, therefore, the fingerprint or the inventory).
    """
    data = _canon(inputs)
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
                    f"{q.month:%Y-%m} {who} {q.carrier.value}（{q.flow.value}）"
                    f"数据完整率 {q.completeness:.1%}",
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


def run(
    inputs: AccountingInput,
    factors: FactorSet,
    options: AccountingOptions | None = None,
    *,
    enterprise_id: str | None = None,
    check_parties: bool = True,
) -> Inventory:
    """Account one year of one park (or one party) with one method.

    Parameters
    ----------
    inputs : AccountingInput
        Aggregated quantities, claims, transfers, hourly profiles (canonical units).
    factors : FactorSet
        The cited factor set to take every factor from.
    options : AccountingOptions, optional
        Method and [UNCERTAIN] choices (defaults: national method, reference defaults).
    enterprise_id : str, optional
        ``None`` = park view; an enterprise id = that enterprise's view;
        :data:`~zeropark.accounting.book.PUBLIC_FACILITIES` = the park operator's public facilities.
    check_parties : bool
        Park view only: also account every party and report a ``park_vs_parties`` gap if the park
        total ≠ Σ parties − eliminations.

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
    claims, claim_gaps = _validated_claims(inputs)
    shared = _Shared(
        index=InputIndex.build(inputs),
        claims=tuple(claims),
        claim_gaps=tuple(claim_gaps),
        fingerprint=input_fingerprint(inputs),
        hourly=hourly_match(inputs),
    )
    inventory = _account_view(inputs, factors, options, enterprise_id, shared)
    if enterprise_id is not None:
        return inventory
    gaps = list(inventory.gaps) + transfers_vs_internal_purchases(inputs.transfers, inputs.quantities)
    if check_parties and inputs.enterprises:
        views: list[str] = [e.id for e in sorted(inputs.enterprises, key=lambda e: e.id)]
        views.append(PUBLIC_FACILITIES)
        parties = [_party_totals(inputs, factors, options, v, shared) for v in views]
        gaps += park_vs_parties(inventory, parties)
    return dataclasses.replace(inventory, gaps=tuple(gaps))


@dataclasses.dataclass(frozen=True, slots=True)
class _PartyTotals:
    """The figures :func:`park_vs_parties` compares of one party view."""

    enterprise_id: str | None
    total_tco2e: float
    electricity: dict[str, float]


def _party_totals(
    inputs: AccountingInput,
    factors: FactorSet,
    options: AccountingOptions,
    view: str,
    shared: _Shared,
) -> _PartyTotals:
    """Total and electricity balance of a party view, as :func:`_account_view` computes them.

    The park-vs-parties check needs only these, so the line sorting, the breakdowns, the interval,
    gaps and notes of a full view are skipped. The sums are ``math.fsum`` (exact, independent of
    the order of the lines), so the figures equal the full view's bit for bit.
    """
    book = Book(inputs, factors, options, view, shared.claims, shared.index)
    module = national if options.method is Method.NATIONAL else ghg
    raw, applied, _ = module.account(book)
    total = math.fsum(li.emissions_tco2e for li in raw if li.basis is not Scope2Basis.MARKET)
    energy = math.fsum(li.energy_tce for li in raw)
    _, _, balance = _clean_shares(book, raw, applied, energy)
    return _PartyTotals(view, total, balance)


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
    notes = list(book.notes)
    missing_unc = factors_without_uncertainty(lines)
    if missing_unc:
        notes.append(
            Note(
                "factor_uncertainty_missing",
                f"以下因子未给出不确定度，区间计算按 0 处理：{'、'.join(missing_unc)}",
                f"factors without stated uncertainty, taken as 0 in the interval: {', '.join(missing_unc)}",
            )
        )
    return Inventory(
        method=options.method,
        park_id=inputs.park.id,
        year=inputs.year,
        enterprise_id=enterprise_id,
        options=options,
        options_statement_zh=options.statement_zh(inputs.year),
        options_statement_en=options.statement_en(inputs.year),
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
        hourly=shared.hourly,
        eliminations=_eliminations(book, options.method),
        gaps=tuple(gaps),
        notes=tuple(notes),
    )
