"""The park's internal carbon market (园区内部碳市场): quota rule, quotas, call auction, fees, simulation.

``PUT /parks/{park_id}/market/rules/{year}`` (park managers) stores the rule, ``GET`` reads it;
``POST .../market/quotas/{year}`` issues the quotas as ``PIA:<year>``; ``POST .../market/orders``
(an enterprise only for itself), ``POST .../market/orders/{id}/withdraw``, ``GET .../market/orders``;
``POST .../market/clearings`` (park managers) clears and settles a session, ``GET
.../market/clearings/{year}/{session}`` reads it; ``GET .../market/fees/{year}``; ``POST
.../market/simulate`` (park managers, writes nothing). A refused request answers 422 with the
error's name; nothing is stored. The answers are those of ``zeropark market … --format json``
(:mod:`zeropark.services.market`).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from zeropark.api.auth import MANAGERS, WRITERS, GuardedRoute, ScopeDep
from zeropark.market.auction import Order, Side
from zeropark.services import market as service

router = APIRouter(route_class=GuardedRoute, tags=["market 内部碳市场"])

Session = Field(min_length=1, max_length=64, description="auction session, e.g. 2025-Q1")


class RuleIn(BaseModel):
    """The quota rule as data (zeropark.market.quota.rule_from_dict) and its basis year."""

    rule: dict[str, Any]
    base_year: int | None = Field(None, ge=2000, le=2100)


class QuotasIn(BaseModel):
    """Value date of the quota issue."""

    on: date


class OrderIn(BaseModel):
    """A limit order of an enterprise in one session."""

    year: int = Field(ge=2000, le=2100)
    session: str = Session
    enterprise_id: str = Field(max_length=64)
    side: Literal["buy", "sell"]
    price_cny: float = Field(gt=0, le=1e7, description="CNY per t, 0.01 tick")
    quantity: int = Field(gt=0, le=10**12, description="whole t")


class ClearIn(BaseModel):
    """The session to clear and the value date of its settlement."""

    year: int = Field(ge=2000, le=2100)
    session: str = Session
    on: date
    mode: Literal["call", "continuous"] = "call"  # call auction, or the continuous order book


class SimOrderIn(BaseModel):
    """An assumed order of a simulation."""

    holder: str = Field(min_length=1, max_length=64)
    side: Literal["buy", "sell"]
    price_cny: float = Field(gt=0, le=1e7)
    quantity: int = Field(gt=0, le=10**12)


class SimulateIn(BaseModel):
    """A rule to try, and the orders (or the bid/ask of the short and the long) to clear."""

    rule: dict[str, Any]
    year: int = Field(ge=2000, le=2100)
    base_year: int | None = Field(None, ge=2000, le=2100)
    orders: list[SimOrderIn] | None = Field(None, max_length=10_000)
    bid_cny: float | None = Field(None, gt=0, le=1e7)
    ask_cny: float | None = Field(None, gt=0, le=1e7)


@router.get("/parks/{park_id}/market/rules/{year}", response_model=dict[str, Any])
def get_rule(park_id: str, year: int, scope: ScopeDep) -> dict[str, Any]:
    """The year's internal quota rule and the quotas issued under it. 内部配额规则."""
    return service.rule_dict(service.get_rule(scope, park_id, year))


@router.put("/parks/{park_id}/market/rules/{year}", response_model=dict[str, Any], dependencies=[MANAGERS])
def put_rule(park_id: str, year: int, body: RuleIn, scope: ScopeDep) -> dict[str, Any]:
    """Set the year's internal quota rule (park managers; audited). 设定规则."""
    return service.rule_dict(service.set_rule(scope, park_id, year, body.rule, base_year=body.base_year))


@router.post("/parks/{park_id}/market/quotas/{year}", response_model=dict[str, Any], status_code=201,
             dependencies=[MANAGERS])  # fmt: skip
def issue_quotas(park_id: str, year: int, body: QuotasIn, scope: ScopeDep) -> dict[str, Any]:
    """Issue the year's quotas as park allowances PIA:<year>, one transaction. 配额发放."""
    return service.rule_dict(service.issue_quotas(scope, park_id, year, on=body.on))


@router.get("/parks/{park_id}/market/orders", response_model=list[dict[str, Any]])
def list_orders(
    park_id: str,
    scope: ScopeDep,
    year: int = Query(ge=2000, le=2100),
    session: str | None = Query(None, max_length=64),
) -> list[dict[str, Any]]:
    """Orders of a year or session the user may see (an enterprise its own). 委托."""
    return [service.order_dict(o) for o in service.orders(scope, park_id, year, session)]


@router.post("/parks/{park_id}/market/orders", response_model=dict[str, Any], status_code=201,
             dependencies=[WRITERS])  # fmt: skip
def place_order(park_id: str, body: OrderIn, scope: ScopeDep) -> dict[str, Any]:
    """Place a limit order (an enterprise only for itself). 下单."""
    return service.order_dict(
        service.place_order(scope, park_id, body.year, body.session, body.enterprise_id, body.side,
                            body.price_cny, body.quantity)
    )  # fmt: skip


@router.post("/parks/{park_id}/market/orders/{order_id}/withdraw", response_model=dict[str, Any],
             dependencies=[WRITERS])  # fmt: skip
def withdraw_order(park_id: str, order_id: int, scope: ScopeDep) -> dict[str, Any]:
    """Withdraw an open order. 撤单."""
    return service.order_dict(service.withdraw_order(scope, park_id, order_id))


@router.post("/parks/{park_id}/market/clearings", response_model=dict[str, Any], status_code=201,
             dependencies=[MANAGERS])  # fmt: skip
def clear(park_id: str, body: ClearIn, scope: ScopeDep) -> dict[str, Any]:
    """Clear a session and settle its fills in the asset ledger, one transaction. 集合竞价撮合."""
    return service.clearing_dict(
        service.clear_session(scope, park_id, body.year, body.session, on=body.on, mode=body.mode)
    )


@router.get("/parks/{park_id}/market/clearings/{year}/{session}", response_model=dict[str, Any])
def get_clearing(park_id: str, year: int, session: str, scope: ScopeDep) -> dict[str, Any]:
    """A stored clearing (an enterprise sees the fills it is party to). 成交结果."""
    return service.clearing_dict(service.clearing(scope, park_id, year, session))


@router.get("/parks/{park_id}/market/fees/{year}", response_model=list[dict[str, Any]])
def fees(park_id: str, year: int, scope: ScopeDep) -> list[dict[str, Any]]:
    """Each visible enterprise's internal carbon fee of the year. 内部碳价."""
    return [f.to_dict() for f in service.fees(scope, park_id, year)]


@router.post("/parks/{park_id}/market/simulate", response_model=dict[str, Any], dependencies=[MANAGERS])
def simulate(park_id: str, body: SimulateIn, scope: ScopeDep) -> dict[str, Any]:
    """Try a rule without adopting it: quotas, positions, clearing, fees; nothing stored. 规则模拟."""
    orders = None
    if body.orders is not None:
        orders = [
            Order(f"sim-{i}", o.holder, Side(o.side), o.price_cny, o.quantity, i)
            for i, o in enumerate(body.orders, start=1)
        ]
    assumptions = None
    if body.bid_cny is not None and body.ask_cny is not None:
        assumptions = service.Assumptions(body.bid_cny, body.ask_cny)
    return service.simulate(
        scope, park_id, body.rule, body.year, base_year=body.base_year, orders=orders, assumptions=assumptions
    ).to_dict()
