"""Carbon assets (碳资产) as use cases: post movements to the asset ledger, read balances and the journal.

One set of functions for the web page, the API and the CLI:

- :func:`issue` (issue, allocate, earn), :func:`transfer` (transfer, buy, sell), :func:`surrender`
  (清缴, for a compliance year, refused after its deadline) and :func:`retire` (retire/claim, cancel,
  expire, redeem) build a balanced entry (:mod:`zeropark.assets.book`) and post it in **one**
  transaction with its audit record (:func:`zeropark.store.assets.post`): nothing is half-booked.
- Who may post: issuing, allocating, earning, cancelling, expiring and moving from a park or
  external account need a park manager (or admin); an enterprise user moves only out of its own
  account; verifiers and devices are read-only.
- Green certificates (GEC) and the green-power claims (``green_power_claim``, used by the
  inventory): a GEC range cannot enter the ledger if a claim already names one of its serial
  numbers, and **retiring** a GEC range in the ledger records it as a green-power claim of the
  holder for the claim year in the same transaction — so the certificate is counted by the
  inventory, once, and the claim's overlap check refuses any second claim of those numbers.
- :func:`balances`, :func:`ranges`, :func:`journal`: scoped reads (an enterprise sees only its own).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from zeropark.assets import compliance, points
from zeropark.assets.book import (
    FROM_ISSUER,
    Account,
    AssetKey,
    Entry,
    HolderKind,
    Instrument,
    Movement,
)
from zeropark.assets.book import issue as issue_entry
from zeropark.assets.book import move as move_entry
from zeropark.assets.book import retire as retire_entry
from zeropark.assets.book import surrender as surrender_entry
from zeropark.assets.compliance import Allocation, Position, PowerUnit
from zeropark.errors import AssetError, DoubleClaim, NotFound, RangeOverlap
from zeropark.forecast.quota_gap import Method as GapMethod
from zeropark.model import ClaimKind, GreenPowerClaim, Method, SerialRange, serial_range
from zeropark.services import inventory, quota_gap
from zeropark.services.park_runs import require_park
from zeropark.services.quota_gap import EnterpriseGap
from zeropark.store import assets as store
from zeropark.store import repo
from zeropark.store.assets import BalanceView, EntryView, RangeView
from zeropark.store.db import transaction
from zeropark.store.scope import Scope

__all__ = [
    "Posted",
    "PositionView",
    "PowerUnit",
    "allocate",
    "earn_points",
    "ForecastRow",
    "gap_forecast",
    "gap_forecasts",
    "redeem_points",
    "position",
    "account",
    "balances",
    "issue",
    "journal",
    "parse_ranges",
    "post_entries",
    "post_entry",
    "ranges",
    "retire",
    "surrender",
    "transfer",
]

ENTITY = "asset_entry"


@dataclass(frozen=True, slots=True)
class Posted:
    """A booked entry: its id and what it moved."""

    id: int
    entry: Entry

    def to_dict(self) -> dict[str, Any]:
        """JSON form (API, ``--format json``)."""
        e = self.entry
        return {
            "id": self.id,
            "movement": e.movement.value,
            "value_date": e.on.isoformat(),
            "counterparty": e.counterparty,
            "price_cny": e.price_cny,
            "evidence": e.evidence,
            "compliance_year": e.compliance_year,
            "lines": [
                {
                    "account": str(ln.account),
                    "asset": str(ln.asset),
                    "quantity": ln.quantity,
                    "ranges": [str(r) for r in ln.ranges],
                }
                for ln in e.lines
            ],
        }


def account(text: str) -> Account:
    """An account from a door: ``enterprise:E01``, ``park:P1``, ``external:交易所`` or a bare enterprise."""
    return Account.parse(text) if ":" in text else Account(HolderKind.ENTERPRISE, text.strip())


def parse_ranges(text: str | None) -> list[SerialRange]:
    """``GEC-0001..GEC-0100, GEC-0200`` → the serial ranges (none for empty text).

    Raises
    ------
    AssetError
        A part that is not a serial number or range.
    """
    out: list[SerialRange] = []
    for part in (text or "").replace(";", ",").split(","):
        if not part.strip():
            continue
        try:
            r = serial_range(part)
        except ValueError as exc:
            raise AssetError(f"range '{part.strip()}': {exc}") from exc
        if r is None:
            raise AssetError(
                f"range '{part.strip()}' does not end in a serial number; write e.g. GEC-0001..0100"
            )
        out.append(r)
    return out


def _check_accounts(scope: Scope, park_id: str, entry: Entry, known: set[str] | None = None) -> None:
    """Refuse unknown enterprises and postings the user may not make (``known``: the park's enterprises)."""
    if known is None:
        require_park(scope.engine, park_id)
        scope.check_park(park_id)
        known = {e.id for e in repo.list_enterprises(scope.engine, park_id)}
    for ln in entry.lines:
        if ln.account.kind == HolderKind.ENTERPRISE and ln.account.holder not in known:
            raise NotFound(
                f"enterprise '{ln.account.holder}' is not in park '{park_id}'; "
                "list the enterprises with `zeropark park show`"
            )
        if ln.account.kind == HolderKind.PARK and ln.account.holder != park_id:
            raise AssetError(f"account {ln.account}: the park account of this park is park:{park_id}")
    if entry.movement in FROM_ISSUER or entry.movement in (Movement.CANCEL, Movement.EXPIRE):
        scope.require_manager(ENTITY, park_id)
        return
    for ln in entry.lines:
        if ln.quantity >= 0:
            continue
        if ln.account.kind == HolderKind.ENTERPRISE:
            scope.check_write(ENTITY, str(ln.account), park_id=park_id, enterprise_id=ln.account.holder)
        else:
            scope.require_manager(ENTITY, str(ln.account))


def _claims_of_gec(session: Any, park_id: str, entry: Entry, claim_year: int) -> None:
    """Green-power claims: a GEC range entering must be unclaimed; one retired becomes a claim."""
    for ln in entry.lines:
        if ln.asset.instrument != Instrument.GEC:
            continue
        if entry.movement in FROM_ISSUER and ln.quantity > 0:
            for r in ln.ranges:
                hit = next(iter(repo.claim_overlaps(session, str(r))), None)
                if hit is not None:
                    raise RangeOverlap(
                        str(r),
                        str(hit.shared),
                        f"already claimed as green power '{hit.claim_id}' for {hit.claimed_year}",
                    )
        if entry.movement == Movement.RETIRE and ln.quantity < 0:
            vintage = ln.asset.vintage or claim_year
            for r in ln.ranges:
                claim = GreenPowerClaim(
                    id=str(r),
                    kind=ClaimKind.GEC,
                    mwh=float(r.count),
                    period_start=date(vintage, 1, 1),
                    period_end=date(vintage, 12, 31),
                    owner_enterprise_id=ln.account.holder
                    if ln.account.kind == HolderKind.ENTERPRISE
                    else None,
                    claimed_year=claim_year,
                )
                try:
                    repo.add_claim(
                        session, park_id, claim, evidence=f"asset ledger: {entry.evidence}".strip()
                    )
                except DoubleClaim as exc:
                    raise RangeOverlap(str(r), exc.claim_id, exc.reason) from exc


def post_entry(scope: Scope, park_id: str, entry: Entry, *, claim_year: int | None = None) -> Posted:
    """Post ``entry`` in one transaction with its audit record (and a GEC claim when GEC is retired).

    Raises
    ------
    NotFound
        The park, or an enterprise named by an account, does not exist (or is outside the scope).
    PermissionDenied
        The user may not make this movement.
    AssetError
        A named refusal of the ledger's rules; nothing is booked.
    """
    return post_entries(scope, park_id, [entry], claim_year=claim_year)[0]


def post_entries(
    scope: Scope, park_id: str, entries: Sequence[Entry], *, claim_year: int | None = None
) -> list[Posted]:
    """Batch posting: ``entries`` in order, in **one** transaction, by the rules of one posting.

    Each entry is checked (accounts, permission) and planned against the state the earlier ones
    left (:func:`zeropark.store.assets.post_many`); the first refusal raises its named error and
    nothing of the batch is booked. One entry gets one audit record (``post``, the entry); a batch
    gets one (``post_batch``, the ids and counts per movement).

    Raises
    ------
    NotFound, PermissionDenied, AssetError
        As :func:`post_entry`, for the first entry refused.
    """
    require_park(scope.engine, park_id)
    scope.check_park(park_id)
    known = {e.id for e in repo.list_enterprises(scope.engine, park_id)}
    for e in entries:
        _check_accounts(scope, park_id, e, known)
    with transaction(scope.engine) as s:
        ids = store.post_many(s, park_id, entries, booked_by=scope.user.username)
        for e in entries:
            _claims_of_gec(s, park_id, e, claim_year or e.on.year)
        posted = [Posted(i, e) for i, e in zip(ids, entries, strict=True)]
        if len(posted) == 1:
            scope.audit(s, "post", ENTITY, str(ids[0]), after=posted[0].to_dict())
        elif posted:
            counts: dict[str, int] = {}
            for e in entries:
                counts[e.movement.value] = counts.get(e.movement.value, 0) + 1
            scope.audit(
                s, "post_batch", ENTITY, f"{ids[0]}..{ids[-1]}",
                after={"count": len(ids), "ids": ids, "movements": counts},
            )  # fmt: skip
    return posted


def _book(
    scope: Scope,
    park_id: str,
    build: Callable[..., Entry],
    asset: str | AssetKey,
    accounts: Sequence[str],
    quantity: int,
    *,
    on: date,
    ranges: str | None = None,
    claim_year: int | None = None,
    **kw: Any,
) -> Posted:
    """The one posting shape: parse the door's text, build the entry with ``build``, post it."""
    key = asset if isinstance(asset, AssetKey) else AssetKey.parse(asset)
    e = build(key, *(account(a) for a in accounts), quantity, on=on, ranges=parse_ranges(ranges), **kw)
    return post_entry(scope, park_id, e, claim_year=claim_year)


def issue(
    scope: Scope,
    park_id: str,
    asset: str,
    to: str,
    quantity: int,
    *,
    on: date,
    ranges: str | None = None,
    movement: Movement = Movement.ISSUE,
    issuer: str = "registry",
    evidence: str = "",
    note: str = "",
) -> Posted:
    """签发/分配/积分: bring ``quantity`` new units of ``asset`` (``CEA:2024``) to account ``to``."""
    return _book(
        scope, park_id, issue_entry, asset, [to], quantity, on=on, ranges=ranges, movement=movement,
        issuer=issuer, evidence=evidence, note=note,
    )  # fmt: skip


def transfer(
    scope: Scope,
    park_id: str,
    asset: str,
    frm: str,
    to: str,
    quantity: int,
    *,
    on: date,
    ranges: str | None = None,
    movement: Movement = Movement.TRANSFER,
    price_cny: float | None = None,
    counterparty: str = "",
    evidence: str = "",
) -> Posted:
    """划转/买入/卖出: move units from ``frm`` to ``to`` (price in CNY per unit for a trade)."""
    if price_cny is not None and not price_cny >= 0:
        raise AssetError(f"price must be 0 CNY or more per unit, {price_cny} was given")
    return _book(
        scope, park_id, move_entry, asset, [frm, to], quantity, on=on, ranges=ranges, movement=movement,
        price_cny=price_cny, counterparty=counterparty, evidence=evidence,
    )  # fmt: skip


def surrender(
    scope: Scope,
    park_id: str,
    frm: str,
    asset: str,
    quantity: int,
    *,
    on: date,
    compliance_year: int,
    deadline: date,
    evidence: str = "",
) -> Posted:
    """清缴: surrender ``quantity`` of ``asset`` (CEA or CCER) for ``compliance_year`` by ``deadline``."""
    key = AssetKey.parse(asset)
    if key.instrument not in (Instrument.CEA, Instrument.CCER):
        raise AssetError(f"only CEA allowances and CCER credits are surrendered for compliance, not {key}")
    return _book(
        scope, park_id, surrender_entry, key, [frm], quantity, on=on, compliance_year=compliance_year,
        deadline=deadline, evidence=evidence,
    )  # fmt: skip


def retire(
    scope: Scope,
    park_id: str,
    frm: str,
    asset: str,
    quantity: int,
    *,
    on: date,
    ranges: str | None = None,
    movement: Movement = Movement.RETIRE,
    claim_year: int | None = None,
    evidence: str = "",
) -> Posted:
    """注销/核销 (a claim), 撤销, 过期, 兑换: take units out of circulation; a retired GEC becomes a claim."""
    return _book(
        scope, park_id, retire_entry, asset, [frm], quantity, on=on, ranges=ranges, movement=movement,
        claim_year=claim_year, evidence=evidence,
    )  # fmt: skip


def balances(scope: Scope, park_id: str) -> list[BalanceView]:
    """Non-zero balances of the park's holders the user may see."""
    require_park(scope.engine, park_id)
    scope.check_park(park_id)
    return store.balances(scope, park_id)


def ranges(scope: Scope, park_id: str) -> list[RangeView]:
    """Serial ranges held (and retired) on accounts the user may see."""
    require_park(scope.engine, park_id)
    scope.check_park(park_id)
    return store.ranges(scope, park_id)


def journal(scope: Scope, park_id: str, *, limit: int = 200) -> list[EntryView]:
    """The newest journal entries the user may see."""
    require_park(scope.engine, park_id)
    scope.check_park(park_id)
    return store.entries(scope, park_id, limit=limit)


def totals(scope: Scope, park_id: str) -> dict[str, tuple[int, int, int]]:
    """(issued, retired, held) per asset of the park the user may see (held = issued − retired)."""
    require_park(scope.engine, park_id)
    scope.check_park(park_id)
    out: dict[str, list[int]] = {}
    for b in store.balances(scope, park_id, include_sinks=True):
        t = out.setdefault(b.asset, [0, 0, 0])
        if b.account.startswith("issuer:"):
            t[0] -= b.quantity
        elif b.account.startswith("retired:"):
            t[1] += b.quantity
        else:
            t[2] += b.quantity
    return {k: (v[0], v[1], v[2]) for k, v in sorted(out.items())}


def enterprise_accounts(ids: Sequence[str]) -> list[Account]:
    """The accounts of enterprises ``ids``."""
    return [Account(HolderKind.ENTERPRISE, i) for i in ids]


# --- compliance (履约) ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PositionView:
    """A compliance position with what the doors show beside it."""

    position: Position
    on: date
    uncertain: bool  # the CCER share or deadline is an [UNCERTAIN] default

    @property
    def status(self) -> str:
        """``settled``, ``gap``, ``surplus`` or ``overdue``."""
        return self.position.status(self.on)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: every figure in t CO2."""
        p = self.position
        return {
            "enterprise_id": p.enterprise_id,
            "year": p.year,
            "allocation_t": p.allocation_t,
            "verified_t": p.verified_t,
            "verified_source": p.verified_source,
            "allocation_balance_t": p.allocation_balance_t,
            "surrendered_cea_t": p.surrendered_cea_t,
            "surrendered_ccer_t": p.surrendered_ccer_t,
            "held_cea_t": p.held_cea_t,
            "held_ccer_t": p.held_ccer_t,
            "ccer_limit_t": p.ccer_limit_t,
            "remaining_t": p.remaining_t,
            "gap_t": p.gap_t,
            "surplus_t": p.surplus_t,
            "deadline": p.deadline.isoformat(),
            "status": self.status,
            "uncertain": self.uncertain,
        }


def _verified(scope: Scope, park_id: str, enterprise_id: str, year: int) -> tuple[int, str]:
    """Verified emissions [t] from the enterprise's latest signed-off GHG run (else its latest run)."""
    found, _ = inventory.list_runs(scope, park_id, year=year, method=Method.GHG, enterprise_id=enterprise_id)
    if not found:
        raise AssetError(
            f"enterprise '{enterprise_id}' has no inventory run for {year}; account the year "
            "(`zeropark account`) or give the verified emissions (--verified-t)"
        )
    signed = [r for r in found if r.signed_off_by]
    run = signed[0] if signed else found[0]
    state = "signed off" if signed else "NOT signed off"
    return int(math.floor(run.total_tco2e + 0.5)), f"inventory run {run.id} ({run.method.value}, {state})"


def position(
    scope: Scope,
    park_id: str,
    enterprise_id: str,
    year: int,
    *,
    verified_t: int | None = None,
    deadline: date | None = None,
    on: date | None = None,
) -> PositionView:
    """履约状况: allocation, verified emissions, CCER limit, surrendered, held; gap or surplus, deadline.

    Raises
    ------
    NotFound
        The park or enterprise is not there (or not visible: an enterprise sees only itself).
    AssetError
        No verified emissions: no inventory run of the year and none given.
    """
    require_park(scope.engine, park_id)
    scope.check("enterprise", enterprise_id, park_id=park_id, enterprise_id=enterprise_id)
    if enterprise_id not in {e.id for e in repo.list_enterprises(scope.engine, park_id)}:
        raise NotFound(f"enterprise '{enterprise_id}' is not in park '{park_id}'")
    params = compliance.parameters()
    if verified_t is None:
        verified, source = _verified(scope, park_id, enterprise_id, year)
    else:
        if verified_t < 0:
            raise AssetError(f"verified emissions must be 0 t or more, {verified_t} was given")
        verified, source = verified_t, "entered"
    held = store.holdings_of(scope.engine, park_id, enterprise_id)
    held_by = {
        "CEA": held.get(f"CEA:{year}", 0),
        "CCER": sum(q for a, q in held.items() if a.split(":")[0] == "CCER"),
    }
    p = compliance.position(
        enterprise_id,
        year,
        allocation_t=store.allocated(scope.engine, park_id, enterprise_id, f"CEA:{year}"),
        verified_t=verified,
        verified_source=source,
        surrendered=store.surrendered(scope.engine, park_id, enterprise_id, year),
        held=held_by,
        deadline=deadline or compliance.default_deadline(year, params["deadline_month_day"]),
        ccer_share=float(params["ccer_offset_share"]),
    )
    return PositionView(p, on or date.today(), uncertain=deadline is None)


def allocate(
    scope: Scope,
    park_id: str,
    enterprise_id: str,
    year: int,
    units: Sequence[PowerUnit],
    *,
    post: bool = False,
    on: date | None = None,
) -> tuple[list[Allocation], Posted | None]:
    """Allocation of the enterprise's power units for ``year`` by the benchmark method; ``post`` books it.

    The posted ``allocate`` entry carries each unit's formula as its evidence.
    """
    require_park(scope.engine, park_id)
    scope.check("enterprise", enterprise_id, park_id=park_id, enterprise_id=enterprise_id)
    table = compliance.benchmarks()
    air = float(compliance.parameters()["air_cooling_factor"])
    found = [compliance.allocate(u, year, table, air_cooling_factor=air) for u in units]
    if not post:
        return found, None
    total = sum(a.allocation_t for a in found)
    evidence = "; ".join(f"{a.unit_id}: {a.formula}" for a in found)
    posted = issue(
        scope, park_id, f"CEA:{year}", enterprise_id, total, on=on or date.today(),
        movement=Movement.ALLOCATE, issuer="MEE", evidence=evidence[:4000],
    )  # fmt: skip
    return found, posted


# --- 碳普惠 points --------------------------------------------------------------------------------

POINTS = "PHP"
POINTS_ISSUER = "碳普惠"


def earn_points(
    scope: Scope, park_id: str, holder: str, action: str, quantity: float, *, on: date, evidence: str = ""
) -> tuple[int, Posted | None]:
    """Points for a recorded green action by the park's rules; (points, entry) — (0, None) at the cap.

    Raises
    ------
    AssetError
        An unknown action (names the known ones) or a quantity not above 0.
    """
    table = points.rules()
    rule = table.get(action)
    if rule is None:
        raise AssetError(f"unknown action '{action}'; the rules know {', '.join(sorted(table))}")
    acct = account(holder)
    month = date(on.year, on.month, 1)
    nxt = date(on.year + on.month // 12, on.month % 12 + 1, 1)
    require_park(scope.engine, park_id)
    earned = store.earned_between(scope.engine, park_id, str(acct), action, month, nxt)
    n = points.points_for(rule, quantity, earned)
    if n == 0:
        return 0, None
    e = issue_entry(
        AssetKey.parse(POINTS), acct, n, on=on, movement=Movement.EARN, issuer=POINTS_ISSUER,
        evidence=evidence or f"{quantity:g} {rule.unit} {rule.name_zh}", note=action,
    )  # fmt: skip
    return n, post_entry(scope, park_id, e)


def redeem_points(
    scope: Scope, park_id: str, holder: str, quantity: int, *, on: date, reward: str = ""
) -> Posted:
    """Redeem points (积分兑换) for ``reward``: the points leave circulation."""
    e = retire_entry(
        AssetKey.parse(POINTS), account(holder), quantity, on=on, movement=Movement.REDEEM, evidence=reward
    )
    return post_entry(scope, park_id, e)


def entry_dict(e: EntryView) -> dict[str, Any]:
    """JSON form of a stored journal entry (API, CLI ``--format json``)."""
    return {
        "id": e.id,
        "movement": e.movement,
        "value_date": e.value_date.isoformat(),
        "counterparty": e.counterparty,
        "price_cny": e.price_cny,
        "evidence": e.evidence,
        "compliance_year": e.compliance_year,
        "booked_by": e.booked_by,
        "lines": [{"account": a, "asset": k, "quantity": q, "ranges": list(r)} for a, k, q, r in e.lines],
    }


def rule_dict(r: points.PointsRule) -> dict[str, Any]:
    """JSON form of a 碳普惠 rule."""
    return {
        "action": r.action,
        "name_zh": r.name_zh,
        "name_en": r.name_en,
        "unit": r.unit,
        "points_per_unit": r.points_per_unit,
        "monthly_cap": r.monthly_cap,
        "source_id": r.source_id,
        "note": r.note,
    }


def balances_dict(scope: Scope, park_id: str) -> dict[str, Any]:
    """Balances, totals (issued, retired, held) and serial ranges, as every door shows them."""
    rows = balances(scope, park_id)
    return {
        "balances": [{"account": b.account, "asset": b.asset, "quantity": b.quantity} for b in rows],
        "totals": {
            a: {"issued": t[0], "retired": t[1], "held": t[2]} for a, t in totals(scope, park_id).items()
        },
        "ranges": [
            {"account": r.account, "asset": r.asset, "range": r.range, "count": r.count}
            for r in ranges(scope, park_id)
        ],
    }


def points_rules(scope: Scope, park_id: str) -> list[dict[str, Any]]:
    """The park's 碳普惠 rules (every reader of the park)."""
    require_park(scope.engine, park_id)
    scope.check_park(park_id)
    return [rule_dict(r) for r in points.rules().values()]


def compliance_deadline(year: int) -> date:
    """The default surrender deadline of ``year`` (``compliance.csv``, [UNCERTAIN])."""
    return compliance.default_deadline(year, compliance.parameters()["deadline_month_day"])


def position_candidates(scope: Scope, park_id: str, year: int) -> list[str]:
    """Enterprises the user may see that hold or were allocated CEA of ``year`` (the positions to show)."""
    seen = {b.enterprise_id for b in balances(scope, park_id) if b.enterprise_id and b.asset == f"CEA:{year}"}
    for e in journal(scope, park_id, limit=10_000):
        for acct, asset, _q, _r in e.lines:
            if (
                e.movement in ("allocate", "surrender")
                and asset == f"CEA:{year}"
                and acct.startswith("enterprise:")
            ):
                ent = acct.split(":", 1)[1]
                if scope.sees(park_id=park_id, enterprise_id=ent):
                    seen.add(ent)
    return sorted(seen)


# --- quota-gap forecast -------------------------------------------------------------------------


def gap_forecast(
    scope: Scope,
    park_id: str,
    enterprise_id: str,
    year: int,
    *,
    as_of_month: int | None = None,
    method: GapMethod | None = None,
) -> EnterpriseGap:
    """配额缺口预测 of one enterprise against its CEA allocation of the year in the ledger.

    The forecast is :func:`zeropark.services.quota_gap.forecast` (the latest national run's months,
    last year's shape, the prediction interval and backtest); the allowance is the ledger's
    ``CEA:year`` allocate/issue entries of the enterprise [t].

    Raises
    ------
    NotFound
        The enterprise outside the scope, or no national run of the year.
    AssetError
        The run has no monthly lines for the enterprise.
    """
    require_park(scope.engine, park_id)
    scope.check("enterprise", enterprise_id, park_id=park_id, enterprise_id=enterprise_id)
    allocation = store.allocated(scope.engine, park_id, enterprise_id, f"CEA:{year}")
    found = quota_gap.forecast(
        scope,
        park_id,
        year,
        enterprise_id=enterprise_id,
        through_month=as_of_month,
        allowances={enterprise_id: float(allocation)},
        method=method,
    )
    if not found:
        raise AssetError(
            f"enterprise '{enterprise_id}' has no monthly figures in the national run of {year}; "
            "account the year first (`zeropark account`)"
        )
    return found[0]


@dataclass(frozen=True, slots=True)
class ForecastRow:
    """One enterprise on the forecast page: its CEA position in the ledger and its gap forecast."""

    enterprise_id: str
    name: str
    allocated_t: int  # CEA of the year allocated or issued to it [t]
    held_t: int  # CEA of the year it holds now [t]
    gap: EnterpriseGap

    def to_dict(self) -> dict[str, Any]:
        """JSON form: t CO2; ``p_short`` in [0, 1]."""
        return {**self.gap.to_dict(), "allocated_t": self.allocated_t, "held_t": self.held_t}


def gap_forecasts(
    scope: Scope,
    park_id: str,
    year: int,
    *,
    as_of_month: int | None = None,
    method: GapMethod | None = None,
) -> list[ForecastRow]:
    """配额缺口预测 of every visible enterprise against its ``CEA:year`` allocation in the ledger.

    The one source of the forecast page, ``GET …/assets/forecasts``, ``zeropark assets forecasts``
    and the report chapter. ``as_of_month`` forecasts as if only months 1…N were known; ``method``
    forces plan, seasonal, run_rate or ml (:func:`zeropark.services.quota_gap.forecast`).

    Raises
    ------
    NotFound
        No national run of the year.
    QuotaGapError
        A month outside 1–12, or a forced method without its data (names the field).
    """
    require_park(scope.engine, park_id)
    scope.check_park(park_id)
    ents = [
        e.id
        for e in repo.list_enterprises(scope.engine, park_id)
        if scope.sees(park_id=park_id, enterprise_id=e.id)
    ]
    allowances = {e: float(store.allocated(scope.engine, park_id, e, f"CEA:{year}")) for e in ents}
    found = quota_gap.forecast(
        scope, park_id, year, through_month=as_of_month, allowances=allowances, method=method
    )
    return [
        ForecastRow(
            g.enterprise_id,
            g.name,
            int(allowances.get(g.enterprise_id, 0)),
            store.holdings_of(scope.engine, park_id, g.enterprise_id).get(f"CEA:{year}", 0),
            g,
        )
        for g in found
    ]
