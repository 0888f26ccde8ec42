"""Carbon assets (碳资产): the asset ledger, compliance positions and 碳普惠 points.

``GET /parks/{park_id}/assets/balances`` (balances, totals issued/retired/held, serial ranges),
``GET .../assets/journal``, ``GET .../assets/positions/{enterprise_id}?year=`` (the compliance
position), ``GET .../assets/points/rules``; postings ``POST .../assets/issue|transfer|surrender|
retire|points/earn|points/redeem`` answer the booked entry (201). A refused posting
(InsufficientBalance, RangeOverlap, SelfTrade, AfterDeadline, …) answers 422 with the error's
name and nothing is booked. An enterprise user sees and moves only its own accounts. The answers
are those of ``zeropark assets … --format json`` and of the page ``/assets``
(:mod:`zeropark.services.assets`).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from zeropark.api.auth import MANAGERS, WRITERS, GuardedRoute, ScopeDep
from zeropark.assets.book import Movement
from zeropark.forecast.quota_gap import Method as GapMethod
from zeropark.forecast.quota_gap import QuotaGapError
from zeropark.services import assets as service
from zeropark.services import quota_gap
from zeropark.services.quota_gap import plan_dict

router = APIRouter(route_class=GuardedRoute, tags=["assets 碳资产"])

Qty = Field(gt=0, le=10**15, description="whole units: t (CEA, CCER), MWh (GEC, GPC), points (PHP)")


class IssueIn(BaseModel):
    """New units from the issuer to a holder (park managers)."""

    asset: str = Field(max_length=16, description="CEA:2024, CCER, GEC:2025, GPC, PHP, PIA:2025")
    to: str = Field(max_length=200, description="enterprise id, park:P, external:X, person:名字")
    quantity: int = Qty
    kind: Literal["issue", "allocate"] = "issue"
    ranges: str | None = Field(None, max_length=2000)
    on: date
    evidence: str = Field("", max_length=2000)


class TransferIn(BaseModel):
    """Units from one holder to another (a trade with its price in CNY per unit)."""

    asset: str = Field(max_length=16)
    frm: str = Field(max_length=200, alias="from")
    to: str = Field(max_length=200)
    quantity: int = Qty
    kind: Literal["transfer", "buy", "sell"] = "transfer"
    price_cny: float | None = Field(None, ge=0, le=1e9)
    counterparty: str = Field("", max_length=200)
    ranges: str | None = Field(None, max_length=2000)
    on: date
    evidence: str = Field("", max_length=2000)


class SurrenderIn(BaseModel):
    """清缴: CEA or CCER for a compliance year, by its deadline."""

    enterprise_id: str = Field(max_length=64)
    asset: str = Field(max_length=16)
    quantity: int = Qty
    compliance_year: int = Field(ge=2000, le=2100)
    deadline: date | None = None
    on: date
    evidence: str = Field("", max_length=2000)


class RetireIn(BaseModel):
    """注销 (a GEC range becomes a green-power claim), cancel or expire."""

    holder: str = Field(max_length=200)
    asset: str = Field(max_length=16)
    quantity: int = Qty
    kind: Literal["retire", "cancel", "expire"] = "retire"
    claim_year: int | None = Field(None, ge=2000, le=2100)
    ranges: str | None = Field(None, max_length=2000)
    on: date
    evidence: str = Field("", max_length=2000)


class EarnIn(BaseModel):
    """A recorded green action earning 碳普惠 points (park managers)."""

    holder: str = Field(max_length=200)
    action: str = Field(max_length=64)
    quantity: float = Field(gt=0, le=1e9)
    on: date
    evidence: str = Field("", max_length=2000)


class RedeemIn(BaseModel):
    """Points redeemed for a reward."""

    holder: str = Field(max_length=200)
    quantity: int = Qty
    on: date
    reward: str = Field("", max_length=400)


@router.get("/parks/{park_id}/assets/balances", response_model=dict[str, Any])
def balances(park_id: str, scope: ScopeDep) -> dict[str, Any]:
    """Balances of the holders the user may see, totals per asset and serial ranges. 碳资产余额."""
    return service.balances_dict(scope, park_id)


@router.get("/parks/{park_id}/assets/journal", response_model=list[dict[str, Any]])
def journal(park_id: str, scope: ScopeDep, limit: int = Query(200, ge=1, le=10_000)) -> list[dict[str, Any]]:
    """The newest journal entries the user may see, each with its balanced lines. 记账凭证."""
    return [service.entry_dict(e) for e in service.journal(scope, park_id, limit=limit)]


@router.get("/parks/{park_id}/assets/positions/{enterprise_id}", response_model=dict[str, Any])
def position(
    park_id: str,
    enterprise_id: str,
    scope: ScopeDep,
    year: int = Query(ge=2000, le=2100),
    verified_t: int | None = Query(None, ge=0, le=10**12),
) -> dict[str, Any]:
    """Compliance position: allocation, verified, CCER limit, gap or surplus, deadline. 履约状况."""
    return service.position(scope, park_id, enterprise_id, year, verified_t=verified_t).to_dict()


GapMethodName = Literal["plan", "seasonal", "run_rate", "ml"]


@router.get("/parks/{park_id}/assets/forecasts", response_model=list[dict[str, Any]])
def forecasts(
    park_id: str,
    scope: ScopeDep,
    year: int = Query(ge=2000, le=2100),
    as_of_month: int | None = Query(None, ge=1, le=12),
    method: GapMethodName | None = None,
) -> list[dict[str, Any]]:
    """配额缺口预测: per enterprise CEA allocated/held, year-end CO2 with interval, gap [t]; P(short)."""
    found = service.gap_forecasts(
        scope, park_id, year, as_of_month=as_of_month, method=None if method is None else GapMethod(method)
    )
    return [r.to_dict() for r in found]


@router.get("/parks/{park_id}/assets/forecasts/backtest", response_model=list[dict[str, Any]])
def forecast_backtest(
    park_id: str, scope: ScopeDep, year: int = Query(ge=2000, le=2100)
) -> list[dict[str, Any]]:
    """Rolling-origin backtest of a complete year: MAPE [%] and interval coverage per method. 回测."""
    return [sc.to_dict() for sc in quota_gap.backtest_methods(scope, park_id, year)]


class PlanIn(BaseModel):
    """Months of one enterprise's production plan: {"1": 1200, …} in ``unit``."""

    enterprise_id: str = Field(max_length=64)
    year: int = Field(ge=2000, le=2100)
    months: dict[int, float]
    unit: str = Field("t", max_length=32)


@router.get("/parks/{park_id}/production-plans", response_model=list[dict[str, Any]])
def production_plans(
    park_id: str, scope: ScopeDep, year: int | None = Query(None, ge=2000, le=2100)
) -> list[dict[str, Any]]:
    """生产计划: stored plan months (an enterprise user: its own) [the product unit]."""
    return [plan_dict(p) for p in quota_gap.plans(scope, park_id, year)]


@router.put("/parks/{park_id}/production-plans", response_model=list[dict[str, Any]],
            dependencies=[WRITERS])  # fmt: skip
def put_production_plan(park_id: str, body: PlanIn, scope: ScopeDep) -> list[dict[str, Any]]:
    """Set months of one enterprise's production plan; the stored plan of that year."""
    found = quota_gap.set_plan(scope, park_id, body.enterprise_id, body.year, body.months, body.unit)
    return [plan_dict(p) for p in found]


@router.post("/parks/{park_id}/production-plans/import", response_model=dict[str, Any],
             dependencies=[MANAGERS])  # fmt: skip
async def import_production_plans(park_id: str, scope: ScopeDep, request: Request) -> dict[str, Any]:
    """Import a production-plan CSV (body: text/csv, columns enterprise_id,year,month,quantity,unit)."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise QuotaGapError("plan.csv: the body is not UTF-8 text") from None
    return {"imported_months": quota_gap.import_plans(scope, park_id, text, source="plan.csv")}


@router.get("/parks/{park_id}/assets/points/rules", response_model=list[dict[str, Any]])
def points_rules(park_id: str, scope: ScopeDep) -> list[dict[str, Any]]:
    """碳普惠 rules: action, unit, points per unit, monthly cap, source."""
    return service.points_rules(scope, park_id)


@router.post("/parks/{park_id}/assets/issue", response_model=dict[str, Any], status_code=201,
             dependencies=[MANAGERS])  # fmt: skip
def issue(park_id: str, body: IssueIn, scope: ScopeDep) -> dict[str, Any]:
    """Issue or allocate units (park managers; audited). 签发/分配."""
    return service.issue(
        scope, park_id, body.asset, body.to, body.quantity, on=body.on, ranges=body.ranges,
        movement=Movement(body.kind), evidence=body.evidence,
    ).to_dict()  # fmt: skip


@router.post("/parks/{park_id}/assets/transfer", response_model=dict[str, Any], status_code=201,
             dependencies=[WRITERS])  # fmt: skip
def transfer(park_id: str, body: TransferIn, scope: ScopeDep) -> dict[str, Any]:
    """Move units between holders; an enterprise only out of its own account. 划转/买卖."""
    return service.transfer(
        scope, park_id, body.asset, body.frm, body.to, body.quantity, on=body.on, ranges=body.ranges,
        movement=Movement(body.kind), price_cny=body.price_cny, counterparty=body.counterparty,
        evidence=body.evidence,
    ).to_dict()  # fmt: skip


@router.post("/parks/{park_id}/assets/surrender", response_model=dict[str, Any], status_code=201,
             dependencies=[WRITERS])  # fmt: skip
def surrender(park_id: str, body: SurrenderIn, scope: ScopeDep) -> dict[str, Any]:
    """Surrender CEA or CCER for a compliance year (refused after the deadline). 清缴."""
    deadline = body.deadline or service.compliance_deadline(body.compliance_year)
    return service.surrender(
        scope, park_id, body.enterprise_id, body.asset, body.quantity, on=body.on,
        compliance_year=body.compliance_year, deadline=deadline, evidence=body.evidence,
    ).to_dict()  # fmt: skip


@router.post("/parks/{park_id}/assets/retire", response_model=dict[str, Any], status_code=201,
             dependencies=[WRITERS])  # fmt: skip
def retire(park_id: str, body: RetireIn, scope: ScopeDep) -> dict[str, Any]:
    """Retire (claim), cancel or expire units. 注销/核销."""
    return service.retire(
        scope, park_id, body.holder, body.asset, body.quantity, on=body.on, ranges=body.ranges,
        movement=Movement(body.kind), claim_year=body.claim_year, evidence=body.evidence,
    ).to_dict()  # fmt: skip


@router.post("/parks/{park_id}/assets/points/earn", response_model=dict[str, Any], status_code=201,
             dependencies=[MANAGERS])  # fmt: skip
def earn(park_id: str, body: EarnIn, scope: ScopeDep) -> dict[str, Any]:
    """Points for a recorded green action by the park's rules (0 at the monthly cap). 碳普惠积分."""
    n, posted = service.earn_points(
        scope, park_id, body.holder, body.action, body.quantity, on=body.on, evidence=body.evidence
    )
    return {"points": n, "entry": posted.to_dict() if posted else None}


@router.post("/parks/{park_id}/assets/points/redeem", response_model=dict[str, Any], status_code=201,
             dependencies=[MANAGERS])  # fmt: skip
def redeem(park_id: str, body: RedeemIn, scope: ScopeDep) -> dict[str, Any]:
    """Redeem points for a reward. 积分兑换."""
    return service.redeem_points(
        scope, park_id, body.holder, body.quantity, on=body.on, reward=body.reward
    ).to_dict()
