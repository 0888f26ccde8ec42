"""标杆 (benchmarks) and 入园门槛 (admission): the same use cases as the CLI and the pages.

- ``GET /benchmark-limits``: the published energy-limit table with its sources and [UNCERTAIN] rows;
- ``GET /parks/{park_id}/benchmarks?year=``: :func:`zeropark.services.benchmarks.benchmarks` as it is
  (the same figures as ``zeropark benchmark show --format json`` and the page ``/benchmarks``);
- ``GET|PUT .../product-outputs``: an enterprise's product outputs of a year (writers; audited);
- ``GET|POST /parks/{park_id}/admissions``, ``GET /admissions/{id}``, ``POST /admissions/{id}/decision``:
  assess a proposed project and record the decision (park managers and admins; audited).

Bad input answers 422 naming the field (unknown carrier, negative energy, unknown industry code,
unknown product, wrong output unit); a year without a national run 404 with how to make one.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from zeropark.api.auth import MANAGERS, WRITERS, GuardedRoute, ScopeDep
from zeropark.api.paging import IntId
from zeropark.model import ProductOutput
from zeropark.services import admission, benchmarks

router = APIRouter(route_class=GuardedRoute, tags=["benchmarks 标杆与入园门槛"])

Year = Annotated[int, Query(ge=2000, le=2100)]


class ProductOutputIn(BaseModel):
    """One product's output of the year: a code of the energy-limit table, in its output unit."""

    product: str = Field(max_length=64)
    quantity: float
    unit: str = Field(max_length=32)
    energy_tce: float | None = None
    evidence: str = Field(default="", max_length=500)


class ProposalIn(BaseModel):
    """A proposed project: annual energy use by carrier in canonical units (kWh, m3, t, GJ)."""

    name: str = Field(max_length=200)
    industry_code: str = Field(max_length=8)
    energy: dict[str, float] = Field(default_factory=dict)
    value_added_10k_cny: float = 0.0
    process_tco2: float = 0.0
    enterprise_id: str | None = Field(default=None, max_length=64)
    year: int | None = Field(default=None, ge=2000, le=2100)
    scenario_id: int | None = Field(default=None, ge=1, le=2**62)
    target_year: int | None = Field(default=None, ge=2000, le=2100)


class DecisionIn(BaseModel):
    """The park's decision: approved, rejected or conditions, and why."""

    decision: str = Field(max_length=16)
    reason: str = Field(default="", max_length=2000)


@router.get("/benchmark-limits", response_model=dict[str, Any])
def get_limits(scope: ScopeDep) -> dict[str, Any]:
    """The energy-limit table (GB 能耗限额 grades, 标杆/基准 levels), cited. 能耗限额标杆表."""
    del scope  # any logged-in user: the table is public data
    return benchmarks.limit_table().to_dict()


@router.get("/parks/{park_id}/benchmarks", response_model=dict[str, Any])
async def get_benchmarks(park_id: str, year: Year, scope: ScopeDep) -> dict[str, Any]:
    """Carbon productivity, energy intensity, product grades and ranks of a year. 标杆对比."""
    result = await run_in_threadpool(benchmarks.benchmarks, scope, park_id, year)
    return result.to_dict()


@router.get("/parks/{park_id}/product-outputs", response_model=list[dict[str, Any]])
def get_outputs(park_id: str, year: Year, scope: ScopeDep) -> list[dict[str, Any]]:
    """Product outputs of a year inside the caller's scope. 产品产量."""
    return [
        {
            "enterprise_id": o.enterprise_id,
            "year": o.year,
            "product": o.product,
            "quantity": o.quantity,
            "unit": o.unit,
            "energy_tce": o.energy_tce,
            "evidence": o.evidence,
        }
        for o in benchmarks.product_outputs(scope, park_id, year)
    ]


@router.put(
    "/parks/{park_id}/enterprises/{enterprise_id}/product-outputs/{year}",
    response_model=dict[str, int],
    dependencies=[WRITERS],
)
def put_outputs(
    park_id: str, enterprise_id: str, year: int, body: list[ProductOutputIn], scope: ScopeDep
) -> dict[str, int]:
    """Replace an enterprise's product outputs of a year (audited). 填报产品产量."""
    outputs = [
        ProductOutput(enterprise_id, year, o.product, o.quantity, o.unit, o.energy_tce, o.evidence)
        for o in body
    ]
    return {"stored": benchmarks.put_product_outputs(scope, park_id, enterprise_id, year, outputs)}


@router.get("/parks/{park_id}/admissions", response_model=list[dict[str, Any]])
def list_admissions(park_id: str, scope: ScopeDep) -> list[dict[str, Any]]:
    """The park's admission assessments, newest first (park users). 入园评估记录."""
    return [r.to_dict() for r in admission.list_assessments(scope, park_id)]


@router.post(
    "/parks/{park_id}/admissions", response_model=dict[str, Any], status_code=201, dependencies=[MANAGERS]
)
async def create_admission(park_id: str, body: ProposalIn, scope: ScopeDep) -> dict[str, Any]:
    """Assess a proposed project with the accounting core and store it, pending (audited). 入园评估."""
    proposal = admission.parse_proposal(body.model_dump())
    record = await run_in_threadpool(
        admission.assess,
        scope,
        park_id,
        proposal,
        year=body.year,
        scenario_id=body.scenario_id,
        target_year=body.target_year,
    )
    return record.to_dict()


@router.get("/admissions/{admission_id}", response_model=dict[str, Any])
def get_admission(admission_id: IntId, scope: ScopeDep) -> dict[str, Any]:
    """One assessment and its decision. 入园评估详情."""
    return admission.assessment(scope, admission_id).to_dict()


@router.post("/admissions/{admission_id}/decision", response_model=dict[str, Any], dependencies=[MANAGERS])
def post_decision(admission_id: IntId, body: DecisionIn, scope: ScopeDep) -> dict[str, Any]:
    """Record the decision (approved / rejected / conditions) once, with its reason (audited). 入园决定."""
    return admission.decide(scope, admission_id, body.decision, body.reason).to_dict()
