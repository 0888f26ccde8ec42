"""园区内部碳市场 use cases: the quota rule, quotas as allowances, a call auction, its settlement, fees.

One set of functions for the CLI (``zeropark market …``), the API (``/api/v1/parks/{id}/market/…``)
and the page ``/assets``:

- :func:`set_rule` stores the park's internal quota rule of a year as data
  (:func:`zeropark.market.quota.rule_from_dict` checks it), audited; park managers.
- :func:`issue_quotas` computes each enterprise's quota (:func:`zeropark.market.quota.allocate`)
  from its basis — base-year CO2 of the latest national run (历史排放法), base-year production of
  the master data (``product_output``, summed over products: 基准线法), value added of the master
  data (强度目标法) — and books them as park-internal allowances ``PIA:<year>`` (``allocate`` entries
  from the issuer ``issuer:<park>``) in **one** transaction with the audit record; once per year.
- :func:`place_order` / :func:`withdraw_order`: an enterprise orders only for itself; the order is
  checked against the session's open book by the core (:class:`~zeropark.market.auction.AuctionError`,
  :class:`~zeropark.market.auction.SelfTrade`).
- :func:`clear_session` (park managers) clears the session by the core's rule, settles the fills
  in the asset ledger (:func:`zeropark.assets.auction.settle`) and stores the clearing, all in one
  transaction: a seller without the balance raises the ledger's
  :class:`~zeropark.errors.InsufficientBalance` and nothing is booked or stored.
- :func:`fees`: each enterprise's internal carbon fee of the year from its CO2 (latest national
  run of the year) and the ``PIA:<year>`` it holds (its quota after trading).
- :func:`simulate`: the same quotas, positions, clearing and fees for a rule that is not adopted,
  **without writing anything**.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml

from zeropark.assets.auction import settle, settle_trades
from zeropark.assets.book import Account, AssetKey, HolderKind, Instrument, Movement
from zeropark.assets.book import issue as issue_entry
from zeropark.errors import MarketError, NotFound
from zeropark.market.auction import Clearing, Order, Side, clear
from zeropark.market.continuous import RULE as CONTINUOUS_RULE
from zeropark.market.continuous import Trade, match_all
from zeropark.market.quota import (
    EnterpriseBasis,
    QuotaMethod,
    QuotaRule,
    QuotaRuleError,
    allocate,
    fee,
    rule_from_dict,
)
from zeropark.model import Method
from zeropark.services import benchmarks
from zeropark.services.inventory import latest_view
from zeropark.services.park_runs import require_park
from zeropark.store import assets as ledger
from zeropark.store import market as store
from zeropark.store import repo
from zeropark.store.db import transaction
from zeropark.store.market import ClearingView, OrderView, RuleView
from zeropark.store.scope import Scope

__all__ = [
    "Assumptions",
    "FeeLine",
    "Simulation",
    "asset_of",
    "basis",
    "clear_session",
    "clearing",
    "clearing_dict",
    "fees",
    "get_rule",
    "issue_quotas",
    "order_dict",
    "overview",
    "orders",
    "place_order",
    "rule_dict",
    "rule_from_text",
    "set_rule",
    "simulate",
    "withdraw_order",
]

RULE_ENTITY = "market_rule"
ORDER_ENTITY = "market_order"
CLEARING_ENTITY = "market_clearing"


def asset_of(year: int) -> AssetKey:
    """The park-internal allowance of ``year`` (``PIA:2025``)."""
    return AssetKey(Instrument.PARK_ALLOWANCE, year)


def _year(year: int) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise MarketError(f"year: {year!r} is not a year 2000–2100")
    return year


def _session_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise MarketError(f"session: {name!r}; name the auction session in 1–64 characters, e.g. 2025-Q1")
    return name


# --- rule and quotas ------------------------------------------------------------------------------


def set_rule(
    scope: Scope, park_id: str, year: int, data: Mapping[str, Any], *, base_year: int | None = None
) -> RuleView:
    """Store the park's quota rule of ``year`` (park managers); refused once the quotas are issued.

    Raises
    ------
    QuotaRuleError
        A rule the core cannot read (names the field).
    MarketError
        The year's quotas were already issued under the stored rule.
    """
    require_park(scope.engine, park_id)
    scope.check_park(park_id)
    scope.require_manager(RULE_ENTITY, f"{park_id}:{year}")
    _year(year)
    base = _year(year - 1 if base_year is None else base_year)
    rule_from_dict(data)
    with transaction(scope.engine) as s:
        before = store.rule(s, park_id, year)
        if before is not None and before.issued_entry_ids:
            raise MarketError(
                f"rule of {year}: the quotas were issued under the stored rule (entries "
                f"{list(before.issued_entry_ids)}); a new rule applies to another year"
            )
        store.put_rule(s, park_id, year, dict(data), base, scope.user.username)
        after = store.rule(s, park_id, year)
        assert after is not None
        scope.audit(
            s,
            "set",
            RULE_ENTITY,
            f"{park_id}:{year}",
            before=None if before is None else {"rule": before.rule, "base_year": before.base_year},
            after={"rule": after.rule, "base_year": after.base_year},
        )
    return after


def get_rule(scope: Scope, park_id: str, year: int) -> RuleView:
    """The stored rule of ``year``; every reader of the park.

    Raises
    ------
    NotFound
        The park, or no rule set for ``year``.
    """
    require_park(scope.engine, park_id)
    scope.check_park(park_id)
    with transaction(scope.engine) as s:
        found = store.rule(s, park_id, year)
    if found is None:
        raise NotFound(
            f"no internal quota rule for {year} in park '{park_id}'; set one with `zeropark market rule`"
        )
    if scope.enterprise_id is not None:  # an enterprise sees its own quota only
        mine = {e: q for e, q in found.quotas.items() if e == scope.enterprise_id}
        found = RuleView(found.park_id, found.year, found.rule, found.base_year, found.set_by, (), mine)
    return found


def _co2_by_enterprise(scope: Scope, park_id: str, year: int, *, required: bool) -> dict[str, float]:
    """CO2 [t] per enterprise of the latest national run of ``year`` ({} when none and not required)."""
    view = latest_view(scope, park_id, year, Method.NATIONAL)
    if view is None:
        if required:
            raise NotFound(
                f"no national run of {year} for park '{park_id}': run `zeropark account --year {year}` first"
            )
        return {}
    out: dict[str, float] = defaultdict(float)
    for line in view.inventory.lines:
        if line.enterprise_id is not None:
            out[line.enterprise_id] += line.emissions_tco2e
    return dict(out)


def basis(scope: Scope, park_id: str, rule: QuotaRule, base_year: int) -> list[EnterpriseBasis]:
    """What the rule reads of each enterprise of the park (public facilities excluded)."""
    ents = [e for e in repo.list_enterprises(scope.engine, park_id) if not e.is_public_facility]
    co2 = _co2_by_enterprise(scope, park_id, base_year, required=rule.method is QuotaMethod.GRANDFATHERING)
    output: dict[str, float] = defaultdict(float)
    if rule.method is QuotaMethod.BENCHMARK:
        for o in benchmarks.product_outputs(scope, park_id, base_year):
            output[o.enterprise_id] += o.quantity
    return [
        EnterpriseBasis(
            e.id,
            e.industry_code,
            base_tco2=co2.get(e.id),
            output=output.get(e.id),
            value_added_10k_cny=e.value_added_10k_cny,
        )
        for e in ents
    ]


def issue_quotas(scope: Scope, park_id: str, year: int, *, on: date) -> RuleView:
    """Compute the year's quotas by the stored rule and book them as ``PIA:<year>`` in one transaction.

    Raises
    ------
    NotFound
        No rule for ``year`` (or, for 历史排放法, no national run of the base year).
    QuotaRuleError
        An enterprise without the basis the rule reads (names it and the fix).
    MarketError
        The year's quotas were already issued.
    """
    stored = get_rule(scope, park_id, year)
    scope.require_manager(RULE_ENTITY, f"{park_id}:{year}")
    if stored.issued_entry_ids:
        raise MarketError(
            f"the quotas of {year} were already issued (entries {list(stored.issued_entry_ids)})"
        )
    rule = rule_from_dict(stored.rule)
    alloc = allocate(rule, basis(scope, park_id, rule, stored.base_year))
    asset = asset_of(year)
    quotas = dict(sorted(alloc.quotas.items()))
    with transaction(scope.engine) as s:
        ids: list[int] = []
        for ent, q in quotas.items():
            if q <= 0:
                continue
            entry = issue_entry(
                asset,
                Account(HolderKind.ENTERPRISE, ent),
                q,
                on=on,
                movement=Movement.ALLOCATE,
                issuer=park_id,
                evidence=f"internal quota {year}: {rule.method.value}, scale {alloc.scale:.6f}",
            )
            ids.append(ledger.post(s, park_id, entry, booked_by=scope.user.username))
        store.set_issued(s, park_id, year, ids, quotas)
        scope.audit(
            s,
            "issue",
            RULE_ENTITY,
            f"{park_id}:{year}",
            after={"quotas": quotas, "entries": ids, "scale": alloc.scale},
        )
    return get_rule(scope, park_id, year)


# --- orders and the call auction -------------------------------------------------------------------


def _core_order(o: OrderView) -> Order:
    return Order(str(o.id), o.enterprise_id, Side(o.side), o.price_cny, o.quantity, o.id)


def place_order(
    scope: Scope,
    park_id: str,
    year: int,
    session: str,
    enterprise_id: str,
    side: str,
    price_cny: float,
    quantity: int,
) -> OrderView:
    """Place a limit order for ``enterprise_id`` in a session (an enterprise user only for itself).

    Raises
    ------
    NotFound
        The park or enterprise (or an enterprise outside the user's scope).
    AuctionError
        The core refuses the order against the session's open book (price, quantity, side, SelfTrade).
    MarketError
        The session is already cleared.
    """
    require_park(scope.engine, park_id)
    _year(year)
    name = _session_name(session)
    scope.check_write(ORDER_ENTITY, enterprise_id, park_id=park_id, enterprise_id=enterprise_id)
    if enterprise_id not in {e.id for e in repo.list_enterprises(scope.engine, park_id)}:
        raise NotFound(f"enterprise '{enterprise_id}' is not in park '{park_id}'")
    try:
        side_v = Side(side)
    except ValueError:
        raise MarketError(f"side: {side!r}; use 'buy' or 'sell'") from None
    with transaction(scope.engine) as s:
        if store.clearing(s, park_id, year, name) is not None:
            raise MarketError(
                f"session {name!r} of {year} is already cleared; place the order in a new session"
            )
        book = [_core_order(o) for o in store.session_orders(s, park_id, year, name) if o.status == "open"]
        new_seq = max((o.seq for o in book), default=0) + 1
        clear([*book, Order("new", enterprise_id, side_v, price_cny, quantity, new_seq)])  # validates
        placed = store.add_order(
            s,
            park_id,
            year,
            name,
            enterprise_id,
            side_v.value,
            float(price_cny),
            quantity,
            scope.user.username,
        )
        scope.audit(s, "place", ORDER_ENTITY, str(placed.id), after=order_dict(placed))
    return placed


def withdraw_order(scope: Scope, park_id: str, order_id: int) -> OrderView:
    """Withdraw an open order (its enterprise, or a park manager).

    Raises
    ------
    NotFound
        No such order in the park (or outside the scope).
    MarketError
        The order is not open (withdrawn or cleared).
    """
    require_park(scope.engine, park_id)
    with transaction(scope.engine) as s:
        o = store.get_order(s, park_id, order_id)
        if o is None:
            raise NotFound(f"order {order_id} not found in park '{park_id}'")
        scope.check_write(ORDER_ENTITY, str(order_id), park_id=park_id, enterprise_id=o.enterprise_id)
        if o.status != "open":
            raise MarketError(f"order {order_id} is {o.status}; only an open order can be withdrawn")
        store.set_status(s, order_id, "withdrawn")
        after = store.get_order(s, park_id, order_id)
        assert after is not None
        scope.audit(s, "withdraw", ORDER_ENTITY, str(order_id), before=order_dict(o), after=order_dict(after))
    return after


def orders(scope: Scope, park_id: str, year: int, session: str | None = None) -> list[OrderView]:
    """Orders of a year (or one session) the user may see: an enterprise only its own."""
    require_park(scope.engine, park_id)
    scope.check_park(park_id)
    return store.orders(scope, park_id, year, session)


def _clearing_view(
    c: Clearing, year: int, session: str, quota_rule: str, by: str, ids: list[int]
) -> ClearingView:
    fills = [
        {
            "buy_order": f.buy_order,
            "sell_order": f.sell_order,
            "buyer": f.buyer,
            "seller": f.seller,
            "quantity": f.quantity,
        }
        for f in c.fills
    ]
    return ClearingView(
        0,
        year,
        session,
        str(asset_of(year)),
        c.price,
        c.volume,
        c.demand_at_price,
        c.supply_at_price,
        fills,
        c.rule,
        quota_rule,
        ids,
        by,
    )


def _continuous_view(
    trades: Sequence[Trade], year: int, session: str, quota_rule: str, by: str, ids: list[int]
) -> ClearingView:
    volume = sum(t.quantity for t in trades)
    vwap = round(sum(t.price * t.quantity for t in trades) / volume, 2) if volume else None
    fills = [
        {"buy_order": t.buy_order, "sell_order": t.sell_order, "buyer": t.buyer, "seller": t.seller,
         "quantity": t.quantity, "price_cny": t.price}
        for t in trades
    ]  # fmt: skip
    return ClearingView(
        0, year, session, str(asset_of(year)), vwap, volume, volume, volume, fills, CONTINUOUS_RULE,
        quota_rule, ids, by,
    )  # fmt: skip


def clear_session(
    scope: Scope, park_id: str, year: int, session: str, *, on: date, mode: str = "call"
) -> ClearingView:
    """Clear a session (park managers), settle its fills in the ledger, store the clearing: one transaction.

    ``mode`` ``call`` (default): one call auction (:func:`zeropark.market.auction.clear`), every fill
    at the clearing price. ``continuous``: the session's orders enter a continuous book in the
    order they were placed (:func:`zeropark.market.continuous.match_all`), each trade at the
    resting order's price; the stored price is the volume-weighted mean [CNY/unit] and each fill
    carries its own ``price_cny``. Both settle through the same batch posting
    (:func:`zeropark.store.assets.post_many`), all or nothing.

    Raises
    ------
    MarketError
        The session has no open order, or is already cleared.
    InsufficientBalance
        A seller does not hold what it sold (the ledger's refusal): nothing is booked or stored.
    """
    require_park(scope.engine, park_id)
    scope.check_park(park_id)
    name = _session_name(session)
    scope.require_manager(CLEARING_ENTITY, f"{park_id}:{year}:{name}")
    with transaction(scope.engine) as s:
        if store.clearing(s, park_id, year, name) is not None:
            raise MarketError(f"session {name!r} of {year} is already cleared")
        book = [o for o in store.session_orders(s, park_id, year, name) if o.status == "open"]
        if not book:
            raise MarketError(f"session {name!r} of {year} has no open order; place orders first")
        stored_rule = store.rule(s, park_id, year)
        quota_rule = str(stored_rule.rule.get("method", "")) if stored_rule else ""
        if mode == "continuous":
            trades, _ = match_all([_core_order(o) for o in book])
            entries = settle_trades(trades, asset_of(year), on=on, book=name)
            ids = ledger.post_many(s, park_id, entries, booked_by=scope.user.username)
            view = _continuous_view(trades, year, name, quota_rule, scope.user.username, ids)
            filled = {
                o.id: sum(t.quantity for t in trades if str(o.id) in (t.buy_order, t.sell_order))
                for o in book
            }
        elif mode == "call":
            c = clear([_core_order(o) for o in book])
            ids = ledger.post_many(
                s, park_id, settle(c, asset_of(year), on=on, auction=name), booked_by=scope.user.username
            )
            view = _clearing_view(c, year, name, quota_rule, scope.user.username, ids)
            filled = {o.id: c.filled(str(o.id)) for o in book}
        else:
            raise MarketError(f"mode: {mode!r}; use 'call' (call auction) or 'continuous' (order book)")
        cid = store.add_clearing(s, park_id, view)
        store.mark_cleared(s, filled, [o.id for o in book])
        scope.audit(s, "clear", CLEARING_ENTITY, str(cid), after=clearing_dict(view))
        found = store.clearing(s, park_id, year, name)
    assert found is not None
    return found


def _visible(scope: Scope, c: ClearingView) -> ClearingView:
    """An enterprise user sees the price and volume, and only the fills it is party to."""
    if scope.enterprise_id is None:
        return c
    mine = [f for f in c.fills if scope.enterprise_id in (f["buyer"], f["seller"])]
    return ClearingView(
        c.id,
        c.year,
        c.session,
        c.asset,
        c.price_cny,
        c.volume,
        c.demand_at_price,
        c.supply_at_price,
        mine,
        c.rule,
        c.quota_rule,
        [],
        c.cleared_by,
    )


def overview(scope: Scope, park_id: str, year: int) -> dict[str, Any]:
    """The market of ``year`` as the page shows it: rule (or None), clearings, orders the user may see."""
    require_park(scope.engine, park_id)
    scope.check_park(park_id)
    with transaction(scope.engine) as s:
        found = store.rule(s, park_id, year)
        done = store.clearings(s, park_id, year)
    rule = None if found is None else rule_dict(found)
    if rule is not None and scope.enterprise_id is not None:
        rule["quotas"] = {e: q for e, q in rule["quotas"].items() if e == scope.enterprise_id}
    return {
        "rule": rule,
        "clearings": [clearing_dict(_visible(scope, c)) for c in done],
        "orders": [order_dict(o) for o in store.orders(scope, park_id, year)],
    }


def clearing(scope: Scope, park_id: str, year: int, session: str) -> ClearingView:
    """The stored clearing of a session (an enterprise user sees only fills it is party to)."""
    require_park(scope.engine, park_id)
    scope.check_park(park_id)
    with transaction(scope.engine) as s:
        c = store.clearing(s, park_id, year, _session_name(session))
    if c is None:
        raise NotFound(f"session {session!r} of {year} is not cleared")
    return _visible(scope, c)


# --- fees -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeeLine:
    """One enterprise's internal carbon fee: CO2 [t], quota held [t], fee [CNY]."""

    enterprise_id: str
    emissions_tco2: float
    quota_t: int
    fee_cny: float

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "enterprise_id": self.enterprise_id,
            "emissions_tco2": self.emissions_tco2,
            "quota_t": self.quota_t,
            "position_t": self.quota_t - self.emissions_tco2,
            "fee_cny": self.fee_cny,
        }


def fees(scope: Scope, park_id: str, year: int) -> list[FeeLine]:
    """Each visible enterprise's internal carbon fee of ``year`` by the stored rule.

    CO2 from the latest national run of ``year``; the quota is the ``PIA:<year>`` the enterprise
    holds now (after its trades). An enterprise user sees only its own line.
    """
    stored = get_rule(scope, park_id, year)
    rule = rule_from_dict(stored.rule)
    co2 = _co2_by_enterprise(scope, park_id, year, required=True)
    out: list[FeeLine] = []
    for e in repo.list_enterprises(scope.engine, park_id, enterprise_id=scope.enterprise_id):
        if e.is_public_facility or not scope.sees(park_id=park_id, enterprise_id=e.id):
            continue
        q = ledger.holdings_of(scope.engine, park_id, e.id).get(str(asset_of(year)), 0)
        em = co2.get(e.id, 0.0)
        out.append(FeeLine(e.id, em, q, fee(rule, em, q)))
    return out


# --- simulation -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Assumptions:
    """Orders assumed when none are given: the short bid their shortfall, the long offer their surplus."""

    bid_cny: float  # CNY per t
    ask_cny: float  # CNY per t


@dataclass(frozen=True, slots=True)
class Simulation:
    """A rule tried without adopting it: quotas, positions before trading, clearing, fees after it."""

    year: int
    rule: QuotaRule
    scale: float
    quotas: dict[str, int]
    emissions: dict[str, float]
    orders: list[Order]
    clearing: Clearing
    fees: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (every door)."""
        c = self.clearing
        return {
            "year": self.year,
            "method": self.rule.method.value,
            "scale": self.scale,
            "quotas": self.quotas,
            "emissions_tco2": self.emissions,
            "positions_t": {e: self.quotas[e] - self.emissions.get(e, 0.0) for e in self.quotas},
            "orders": [
                {
                    "id": o.id,
                    "holder": o.holder,
                    "side": o.side.value,
                    "price": o.price,
                    "quantity": o.quantity,
                }
                for o in self.orders
            ],
            "clearing": {
                "price_cny": c.price,
                "volume": c.volume,
                "rule": c.rule,
                "fills": [{"buyer": f.buyer, "seller": f.seller, "quantity": f.quantity} for f in c.fills],
            },
            "fees_cny": self.fees,
        }


def simulate(
    scope: Scope,
    park_id: str,
    rule_data: Mapping[str, Any],
    year: int,
    *,
    base_year: int | None = None,
    orders: Sequence[Order] | None = None,
    assumptions: Assumptions | None = None,
) -> Simulation:
    """Quotas, positions, a clearing and fees of a rule for ``year`` — nothing is written.

    Emissions are the latest national run of ``year``; with no ``orders``, ``assumptions`` make
    them (each short enterprise bids its whole shortfall at ``bid_cny``, each long one offers its
    whole surplus at ``ask_cny``); with neither, no trade. Fees are charged on the quota after
    the simulated trades. Park managers (it shows every enterprise).
    """
    require_park(scope.engine, park_id)
    scope.check_park(park_id)
    scope.require_manager(RULE_ENTITY, f"{park_id}:{year}:simulation")
    _year(year)
    base = _year(year - 1 if base_year is None else base_year)
    rule = rule_from_dict(rule_data)
    alloc = allocate(rule, basis(scope, park_id, rule, base))
    quotas = dict(sorted(alloc.quotas.items()))
    co2 = _co2_by_enterprise(scope, park_id, year, required=True)
    emissions = {e: co2.get(e, 0.0) for e in quotas}
    if orders is None:
        orders = []
        if assumptions is not None:
            for seq, (e, q) in enumerate(quotas.items(), start=1):
                pos = q - emissions[e]
                if pos <= -1:
                    orders.append(
                        Order(f"sim-{seq}", e, Side.BUY, assumptions.bid_cny, math.floor(-pos), seq)
                    )
                elif pos >= 1:
                    orders.append(
                        Order(f"sim-{seq}", e, Side.SELL, assumptions.ask_cny, math.floor(pos), seq)
                    )
    unknown = sorted({o.holder for o in orders} - set(quotas))
    if unknown:
        raise MarketError(
            f"simulated orders of {unknown}: not enterprises of the park's quota list {sorted(quotas)}"
        )
    c = clear(list(orders))
    held = dict(quotas)
    for f in c.fills:
        held[f.buyer] = held.get(f.buyer, 0) + f.quantity
        held[f.seller] = held.get(f.seller, 0) - f.quantity
    if any(q < 0 for q in held.values()):
        short = sorted(e for e, q in held.items() if q < 0)
        raise MarketError(
            f"simulated sellers {short} sell more than their simulated quota; lower their orders"
        )
    out_fees = {e: fee(rule, emissions.get(e, 0.0), q) for e, q in held.items()}
    return Simulation(year, rule, alloc.scale, quotas, emissions, list(orders), c, out_fees)


# --- JSON forms -----------------------------------------------------------------------------------


def rule_dict(r: RuleView) -> dict[str, Any]:
    """JSON form of a stored rule."""
    return {
        "year": r.year,
        "rule": r.rule,
        "base_year": r.base_year,
        "set_by": r.set_by,
        "issued_entry_ids": list(r.issued_entry_ids),
        "quotas": r.quotas,
    }


def order_dict(o: OrderView) -> dict[str, Any]:
    """JSON form of an order."""
    return {
        "id": o.id,
        "year": o.year,
        "session": o.session,
        "enterprise_id": o.enterprise_id,
        "side": o.side,
        "price_cny": o.price_cny,
        "quantity": o.quantity,
        "status": o.status,
        "filled": o.filled,
    }


def clearing_dict(c: ClearingView) -> dict[str, Any]:
    """JSON form of a clearing (the same in every door)."""
    return {
        "year": c.year,
        "session": c.session,
        "asset": c.asset,
        "price_cny": c.price_cny,
        "volume": c.volume,
        "demand_at_price": c.demand_at_price,
        "supply_at_price": c.supply_at_price,
        "fills": c.fills,
        "rule": c.rule,
        "quota_rule": c.quota_rule,
        "entry_ids": c.entry_ids,
    }


def rule_from_text(text: str) -> dict[str, Any]:
    """A rule document (YAML or JSON) → its mapping; :class:`QuotaRuleError` if it is not one."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise QuotaRuleError(f"the rule is not YAML or JSON: {exc}") from None
    if not isinstance(data, dict):
        raise QuotaRuleError("the rule must be a mapping with 'method' and its parameters")
    rule_from_dict(data)
    return data
