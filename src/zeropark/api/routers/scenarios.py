"""Roadmap scenarios (情景) to 2030 and 2060: create from a base run, list, read, compare, delete.

The same use cases as ``zeropark roadmap scenario …`` and the page ``/roadmap/scenarios``
(:mod:`zeropark.services.scenarios`). ``POST`` takes the assumptions as JSON (the form of
:func:`zeropark.roadmap.scenario.scenario_to_dict`, optionally ``base_run_id`` and the park's own
``measures``) and answers the stored scenario with every year. Writes: admins and park managers.
An enterprise user reads only its own enterprise's line of each year. Bad assumptions answer 422
naming the field (a target before the base year, drivers that miss enterprises, an unknown
measure); a base run whose data changed since it was accounted 409.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from starlette.concurrency import run_in_threadpool

from zeropark.api.auth import MANAGERS, GuardedRoute, ScopeDep
from zeropark.api.paging import IntId
from zeropark.services import scenarios as service

router = APIRouter(route_class=GuardedRoute, tags=["roadmap 路线图"])


@router.get("/parks/{park_id}/scenarios", response_model=list[dict[str, Any]])
def list_scenarios(park_id: str, scope: ScopeDep) -> list[dict[str, Any]]:
    """The park's scenarios, newest first (without their years). 情景列表."""
    return [s.to_dict() for s in service.list_scenarios(scope, park_id)]


@router.post(
    "/parks/{park_id}/scenarios", response_model=dict[str, Any], status_code=201, dependencies=[MANAGERS]
)
async def create_scenario(
    park_id: str, scope: ScopeDep, assumptions: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    """Compute every year of a scenario from a base run and store it (audited). 新建情景."""
    view = await run_in_threadpool(service.create, scope, park_id, assumptions)
    return view.to_dict()


@router.get("/parks/{park_id}/scenarios/compare", response_model=list[dict[str, Any]])
def compare_scenarios(
    park_id: str, scope: ScopeDep, ids: Annotated[list[int] | None, Query()] = None
) -> list[dict[str, Any]]:
    """Several scenarios side by side, every year (default: all of the park). 情景对比."""
    return [v.to_dict() for v in service.compare(scope, park_id, ids)]


@router.get("/parks/{park_id}/scenarios/{scenario_id}", response_model=dict[str, Any])
def get_scenario(park_id: str, scenario_id: IntId, scope: ScopeDep) -> dict[str, Any]:
    """One scenario with its assumptions and every year's figures. 情景详情."""
    return service.get(scope, scenario_id, park_id=park_id).to_dict()


@router.delete("/parks/{park_id}/scenarios/{scenario_id}", status_code=204, dependencies=[MANAGERS])
def delete_scenario(park_id: str, scenario_id: IntId, scope: ScopeDep) -> Response:
    """Delete a scenario and its years (audited). 删除情景."""
    service.delete(scope, scenario_id, park_id=park_id)
    return Response(status_code=204)
