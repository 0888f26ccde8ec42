"""Evaluation (评价): frameworks and evaluation runs — the same use cases as the CLI and the 评价 page.

- ``GET /frameworks[?park_id=]``: built-in frameworks and those the park added (the caller's park
  by default); ``GET /frameworks/{code}[?version=&park_id=]`` one, with its file ``text``;
  ``POST /frameworks?park_id=`` adds a park's framework (managers; 422 lists every fault in
  ``problems`` with its field; 422 ``FrameworkVersionExists`` for a version that exists);
- ``GET /parks/{park_id}/evaluations[?year=&enterprise_id=]``, ``POST`` the same path to evaluate
  (writers; an enterprise user evaluates its own enterprise), ``GET /evaluations/{run_id}``.

Answers are :meth:`EvaluationRun.to_dict` / :meth:`Framework.to_dict` as they are — what the CLI's
``--format json`` prints.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from zeropark.api.auth import MANAGERS, WRITERS, GuardedRoute, ScopeDep
from zeropark.api.paging import IntId
from zeropark.errors import DataError
from zeropark.services import evaluation
from zeropark.store.scope import Scope

router = APIRouter(route_class=GuardedRoute, tags=["evaluation 评价"])


class FrameworkIn(BaseModel):
    """A framework file as text (YAML or JSON, docs/evaluation.md)."""

    text: str = Field(min_length=1, max_length=evaluation.MAX_FRAMEWORK_CHARS)


class EvaluationIn(BaseModel):
    """What to evaluate: a year, a framework (newest version by default), optionally one enterprise."""

    year: int = Field(ge=2000, le=2100)
    framework: str = Field(min_length=1, max_length=64)
    version: str | None = Field(default=None, max_length=32)
    enterprise_id: str | None = Field(default=None, max_length=64)
    declarations: dict[str, dict[str, Any]] | None = None


def _park(scope: Scope, park_id: str | None) -> str | None:
    return park_id if park_id is not None else scope.park_id


def _framework_dict(f: Any) -> dict[str, Any]:
    return {**f.to_dict(), "text": f.text}


@router.get("/frameworks", response_model=list[dict[str, Any]])
def list_frameworks(scope: ScopeDep, park_id: str | None = None) -> list[dict[str, Any]]:
    """Evaluation frameworks: built-in and the park's own (all versions). 评价方法."""
    return [f.to_dict() for f in evaluation.list_frameworks(scope, _park(scope, park_id))]


@router.get("/frameworks/{code}", response_model=dict[str, Any])
def get_framework(
    code: str, scope: ScopeDep, version: str | None = None, park_id: str | None = None
) -> dict[str, Any]:
    """One framework (newest version by default), with its file text. 评价方法详情."""
    return _framework_dict(evaluation.get_framework(scope, _park(scope, park_id), code, version))


@router.post("/frameworks", response_model=dict[str, Any], status_code=201, dependencies=[MANAGERS])
def add_framework(
    body: FrameworkIn, scope: ScopeDep, park_id: Annotated[str | None, Query(max_length=64)] = None
) -> dict[str, Any]:
    """Add the park's own framework or version (checked; every fault named by field). 添加评价方法."""
    park = _park(scope, park_id)
    if park is None:
        raise DataError("give park_id: the park the framework is for")
    return _framework_dict(evaluation.add_framework(scope, park, body.text))


@router.get("/parks/{park_id}/evaluations", response_model=list[dict[str, Any]])
def list_evaluations(
    park_id: str,
    scope: ScopeDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    enterprise_id: str | None = None,
) -> list[dict[str, Any]]:
    """Evaluation runs of the park, newest first (an enterprise user: its own). 评价记录."""
    return [r.to_dict() for r in evaluation.list_runs(scope, park_id, year=year, enterprise_id=enterprise_id)]


@router.post(
    "/parks/{park_id}/evaluations", response_model=dict[str, Any], status_code=201, dependencies=[WRITERS]
)
async def create_evaluation(park_id: str, body: EvaluationIn, scope: ScopeDep) -> dict[str, Any]:
    """Evaluate the park (or one enterprise) for a year and store the run (audited). 开始评价."""
    declarations = evaluation.parse_declarations(body.declarations)
    run = await run_in_threadpool(
        lambda: evaluation.evaluate(
            scope,
            park_id,
            body.year,
            body.framework,
            version=body.version,
            enterprise_id=body.enterprise_id,
            declarations=declarations,
        )
    )
    return run.to_dict()


@router.get("/evaluations/{run_id}", response_model=dict[str, Any])
def get_evaluation(run_id: IntId, scope: ScopeDep) -> dict[str, Any]:
    """One evaluation run: items (value, threshold, points, status, trace), grade, blockers. 评价结果."""
    return evaluation.get_run(scope, run_id).to_dict()
