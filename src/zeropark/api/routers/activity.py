"""Activity records (活动数据): create, read, update, delete, each write audited with before/after.

Enterprise users list and write only their own enterprise's records; verifiers read all of
their park's; park managers and admins write any (:mod:`zeropark.store.queries.activity`,
:mod:`zeropark.services.activity`). Units are checked against the carrier
(``zeropark.units.to_canonical``) so an unconvertible unit is refused with 422 at once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from zeropark.api.auth import WRITERS, GuardedRoute, ScopeDep
from zeropark.api.paging import Limit, Offset
from zeropark.api.schemas import ActivityCreate, ActivityOut, ActivityUpdate, Page
from zeropark.model import ActivityRecord, Carrier, Flow
from zeropark.services import activity as service
from zeropark.store.queries import activity

router = APIRouter(route_class=GuardedRoute, tags=["activity 活动数据"])


@router.get("/parks/{park_id}/activity-records", response_model=Page[ActivityOut])
def list_activity(
    park_id: str,
    scope: ScopeDep,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    enterprise_id: Annotated[str | None, Query(max_length=64)] = None,
    flow: Flow | None = None,
    carrier: Carrier | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[ActivityOut]:
    """Activity records of a park (period overlapping ``year``). 活动数据列表."""
    found = activity.activity_page(
        scope,
        park_id,
        year=year,
        enterprise_id=enterprise_id,
        flow=flow,
        carrier=carrier,
        limit=limit,
        offset=offset,
    )
    items = [ActivityOut.model_validate(r) for r in found.items]
    return Page(items=items, total=found.total, limit=limit, offset=offset)


@router.get("/activity-records/{record_id}", response_model=ActivityOut)
def get_activity(record_id: str, scope: ScopeDep) -> ActivityOut:
    """One activity record with its evidence. 活动数据详情."""
    return ActivityOut.model_validate(activity.activity_record(scope, record_id))


@router.post(
    "/parks/{park_id}/activity-records", response_model=ActivityOut, status_code=201, dependencies=[WRITERS]
)
def create_activity(park_id: str, body: ActivityCreate, scope: ScopeDep) -> ActivityOut:
    """Add an activity record (enterprise users: for their own enterprise). 新增活动数据."""
    record = ActivityRecord(id=body.id or "", **body.model_dump(exclude={"id"}))
    return ActivityOut.model_validate(service.create_activity(scope, park_id, record))


@router.patch("/activity-records/{record_id}", response_model=ActivityOut, dependencies=[WRITERS])
def update_activity(record_id: str, body: ActivityUpdate, scope: ScopeDep) -> ActivityOut:
    """Change an activity record (only the fields given). 修改活动数据."""
    row = service.update_activity(scope, record_id, body.model_dump(exclude_unset=True))
    return ActivityOut.model_validate(row)


@router.delete(
    "/activity-records/{record_id}", status_code=204, response_class=Response, dependencies=[WRITERS]
)
def delete_activity(record_id: str, scope: ScopeDep) -> Response:
    """Delete an activity record (the audit log keeps its last values). 删除活动数据."""
    service.delete_activity(scope, record_id)
    return Response(status_code=204)
