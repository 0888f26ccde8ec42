"""The internal carbon market's store (园区内部碳市场): the year's quota rule, orders, clearings.

Writes run in the caller's transaction (a :class:`~sqlalchemy.orm.Session`); reads of orders take
a :class:`~zeropark.store.scope.Scope` so that an enterprise user sees only its own orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from zeropark.store.db import transaction
from zeropark.store.schema import MarketClearingRow, MarketOrderRow, MarketRuleRow
from zeropark.store.scope import Scope

__all__ = [
    "ClearingView",
    "OrderView",
    "RuleView",
    "add_clearing",
    "add_order",
    "clearing",
    "clearings",
    "get_order",
    "mark_cleared",
    "orders",
    "put_rule",
    "rule",
    "session_orders",
    "set_issued",
    "set_status",
]


@dataclass(frozen=True, slots=True)
class RuleView:
    """The stored quota rule of a year and what was issued under it."""

    park_id: str
    year: int
    rule: dict[str, Any]
    base_year: int
    set_by: str
    issued_entry_ids: tuple[int, ...]
    quotas: dict[str, int]


@dataclass(frozen=True, slots=True)
class OrderView:
    """One stored order."""

    id: int
    year: int
    session: str
    enterprise_id: str
    side: str
    price_cny: float
    quantity: int
    status: str
    filled: int
    placed_by: str


@dataclass(frozen=True, slots=True)
class ClearingView:
    """One stored clearing."""

    id: int
    year: int
    session: str
    asset: str
    price_cny: float | None
    volume: int
    demand_at_price: int
    supply_at_price: int
    fills: list[dict[str, Any]]
    rule: str
    quota_rule: str
    entry_ids: list[int]
    cleared_by: str


def _now() -> datetime:
    return datetime.now(UTC)


def _rule(r: MarketRuleRow) -> RuleView:
    return RuleView(
        r.park_id,
        r.year,
        dict(r.rule),
        r.base_year,
        r.set_by,
        tuple(r.issued_entry_ids or ()),
        {str(k): int(v) for k, v in (r.quotas or {}).items()},
    )


def rule(session: Session, park_id: str, year: int) -> RuleView | None:
    """The stored rule of ``year`` (None when the park set none)."""
    r = session.get(MarketRuleRow, (park_id, year))
    return None if r is None else _rule(r)


def put_rule(
    session: Session, park_id: str, year: int, data: dict[str, Any], base_year: int, by: str
) -> None:
    """Store (or replace) the rule of ``year``."""
    r = session.get(MarketRuleRow, (park_id, year))
    if r is None:
        session.add(
            MarketRuleRow(
                park_id=park_id,
                year=year,
                rule=data,
                base_year=base_year,
                set_by=by,
                set_at=_now(),
                issued_entry_ids=[],
                quotas={},
            )
        )
    else:
        r.rule, r.base_year, r.set_by, r.set_at = data, base_year, by, _now()
    session.flush()


def set_issued(
    session: Session, park_id: str, year: int, entry_ids: list[int], quotas: dict[str, int]
) -> None:
    """Record the entries that issued the year's quotas."""
    session.execute(
        update(MarketRuleRow)
        .where(MarketRuleRow.park_id == park_id, MarketRuleRow.year == year)
        .values(issued_entry_ids=entry_ids, quotas=quotas)
    )


def _order(r: MarketOrderRow) -> OrderView:
    return OrderView(
        r.id,
        r.year,
        r.session,
        r.enterprise_id,
        r.side,
        r.price_cny,
        r.quantity,
        r.status,
        r.filled,
        r.placed_by,
    )


def add_order(
    session: Session,
    park_id: str,
    year: int,
    name: str,
    enterprise_id: str,
    side: str,
    price: float,
    quantity: int,
    by: str,
) -> OrderView:
    """Store an open order; its id."""
    row = MarketOrderRow(
        park_id=park_id,
        year=year,
        session=name,
        enterprise_id=enterprise_id,
        side=side,
        price_cny=price,
        quantity=quantity,
        status="open",
        filled=0,
        placed_by=by,
        placed_at=_now(),
    )
    session.add(row)
    session.flush()
    return _order(row)


def get_order(session: Session, park_id: str, order_id: int) -> OrderView | None:
    """One order of the park (unscoped: the service checks the scope)."""
    r = session.get(MarketOrderRow, order_id)
    return None if r is None or r.park_id != park_id else _order(r)


def set_status(session: Session, order_id: int, status: str) -> None:
    """Change an order's status (``withdrawn``)."""
    session.execute(update(MarketOrderRow).where(MarketOrderRow.id == order_id).values(status=status))


def session_orders(session: Session, park_id: str, year: int, name: str) -> list[OrderView]:
    """Every order of a session, unscoped (the clearing sees the whole book), by id."""
    stmt = (
        select(MarketOrderRow)
        .where(MarketOrderRow.park_id == park_id, MarketOrderRow.year == year, MarketOrderRow.session == name)
        .order_by(MarketOrderRow.id)
    )
    return [_order(r) for r in session.scalars(stmt)]


def orders(scope: Scope, park_id: str, year: int, name: str | None = None) -> list[OrderView]:
    """Orders of a year (one session or all) the user may see: an enterprise only its own."""
    stmt = select(MarketOrderRow).where(MarketOrderRow.park_id == park_id, MarketOrderRow.year == year)
    if name is not None:
        stmt = stmt.where(MarketOrderRow.session == name)
    stmt = scope.filter(stmt, enterprise_col=MarketOrderRow.enterprise_id).order_by(MarketOrderRow.id)
    with transaction(scope.engine) as s:
        return [_order(r) for r in s.scalars(stmt)]


def mark_cleared(session: Session, filled: dict[int, int], ids: list[int]) -> None:
    """Set the orders ``ids`` cleared, with their filled quantities [t]."""
    for oid in ids:
        session.execute(
            update(MarketOrderRow)
            .where(MarketOrderRow.id == oid)
            .values(status="cleared", filled=filled.get(oid, 0))
        )


def _clearing(r: MarketClearingRow) -> ClearingView:
    return ClearingView(
        r.id,
        r.year,
        r.session,
        r.asset,
        r.price_cny,
        r.volume,
        r.demand_at_price,
        r.supply_at_price,
        list(r.fills),
        r.rule,
        r.quota_rule,
        list(r.entry_ids),
        r.cleared_by,
    )


def add_clearing(session: Session, park_id: str, view: ClearingView) -> int:
    """Store a clearing; its id."""
    row = MarketClearingRow(
        park_id=park_id,
        year=view.year,
        session=view.session,
        asset=view.asset,
        price_cny=view.price_cny,
        volume=view.volume,
        demand_at_price=view.demand_at_price,
        supply_at_price=view.supply_at_price,
        fills=view.fills,
        rule=view.rule,
        quota_rule=view.quota_rule,
        entry_ids=view.entry_ids,
        cleared_by=view.cleared_by,
        cleared_at=_now(),
    )
    session.add(row)
    session.flush()
    return int(row.id)


def clearing(session: Session, park_id: str, year: int, name: str) -> ClearingView | None:
    """The stored clearing of a session (None before it is cleared)."""
    stmt = select(MarketClearingRow).where(
        MarketClearingRow.park_id == park_id,
        MarketClearingRow.year == year,
        MarketClearingRow.session == name,
    )
    r = session.scalars(stmt).first()
    return None if r is None else _clearing(r)


def clearings(session: Session, park_id: str, year: int) -> list[ClearingView]:
    """The stored clearings of a year, by id."""
    stmt = (
        select(MarketClearingRow)
        .where(MarketClearingRow.park_id == park_id, MarketClearingRow.year == year)
        .order_by(MarketClearingRow.id)
    )
    return [_clearing(r) for r in session.scalars(stmt)]
