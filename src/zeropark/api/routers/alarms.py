"""Alarms (告警): list, acknowledge, close. Enterprise users see and handle only their own."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from zeropark.api.auth import WRITERS, GuardedRoute, ScopeDep
from zeropark.api.caching import caches
from zeropark.api.paging import IntId, Limit, Offset
from zeropark.api.routers.parks import park_out
from zeropark.api.schemas import AlarmOut, Page
from zeropark.services.alarms import AlarmAction, change_alarm
from zeropark.serving.caching import etag_of, json_bytes
from zeropark.store.queries import alarms
from zeropark.store.queries.views import view_key

router = APIRouter(route_class=GuardedRoute, tags=["alarms 告警"])


class AlarmState(StrEnum):
    """Alarm lifecycle: open → acknowledged → closed."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


@router.get("/parks/{park_id}/alarms", response_model=Page[AlarmOut])
async def list_alarms(
    park_id: str,
    request: Request,
    scope: ScopeDep,
    state: AlarmState | None = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    meter_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Alarms of a park, newest first. 告警列表.

    A page is rendered once per (filters, tenant view) and reused while no alarm changes
    (``ALARM_TTL_S`` for changes made by other processes); sent with an ETag.
    """
    await park_out(request, scope, park_id)
    key = (park_id, state, kind, meter_id, limit, offset, view_key(scope))

    def render() -> tuple[bytes, str]:
        found = alarms.alarm_page(
            scope,
            park_id,
            state="" if state is None else state.value,
            kind=kind,
            meter_id=meter_id,
            limit=limit,
            offset=offset,
        )
        items = [AlarmOut.model_validate(r) for r in found.items]
        page = Page[AlarmOut](items=items, total=found.total, limit=limit, offset=offset)
        body = page.model_dump_json(by_alias=True).encode()
        return body, etag_of(body)

    hit = await caches(request).alarm_pages.load(key, render)
    return json_bytes(request, *hit)


@router.get("/alarms/{alarm_id}", response_model=AlarmOut)
def get_alarm(alarm_id: IntId, scope: ScopeDep) -> AlarmOut:
    """One alarm. 告警详情."""
    return AlarmOut.model_validate(alarms.alarm(scope, alarm_id))


@router.post("/alarms/{alarm_id}/acknowledge", response_model=AlarmOut, dependencies=[WRITERS])
def acknowledge_alarm(alarm_id: IntId, scope: ScopeDep) -> AlarmOut:
    """Acknowledge an open alarm. 确认告警."""
    return AlarmOut.model_validate(change_alarm(scope, alarm_id, AlarmAction.ACKNOWLEDGE))


@router.post("/alarms/{alarm_id}/close", response_model=AlarmOut, dependencies=[WRITERS])
def close_alarm(alarm_id: IntId, scope: ScopeDep) -> AlarmOut:
    """Close an alarm (open or acknowledged). 关闭告警."""
    return AlarmOut.model_validate(change_alarm(scope, alarm_id, AlarmAction.CLOSE))
