"""Alarms (告警): list, acknowledge, close. Enterprise users see and handle only their own."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select

from zeropark.api.auth import ScopeDep
from zeropark.api.caching import caches
from zeropark.api.deps import SessionDep
from zeropark.api.paging import IntId, Limit, Offset, read_page
from zeropark.api.routers.parks import park_out
from zeropark.api.schemas import AlarmOut, Page
from zeropark.errors import NotFound
from zeropark.services.alarms import AlarmAction, change_alarm
from zeropark.serving.caching import etag_of, json_bytes
from zeropark.store.schema import AlarmRow

router = APIRouter(tags=["alarms 告警"])


class AlarmState(StrEnum):
    """Alarm lifecycle: open → acknowledged → closed."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


def _get_row(session: SessionDep, scope: ScopeDep, alarm_id: IntId) -> AlarmRow:
    row = session.get(AlarmRow, alarm_id)
    if row is None:
        raise NotFound(f"alarm {alarm_id} not found")
    scope.check("alarm", str(alarm_id), park_id=row.park_id, enterprise_id=row.enterprise_id)
    return row


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
    key = (park_id, state, kind, meter_id, limit, offset, scope.is_enterprise, scope.enterprise_id)
    stmt = select(AlarmRow).where(AlarmRow.park_id == park_id)
    if state is not None:
        stmt = stmt.where(AlarmRow.state == state.value)
    if kind is not None:
        stmt = stmt.where(AlarmRow.kind == kind)
    if meter_id is not None:
        stmt = stmt.where(AlarmRow.meter_id == meter_id)
    stmt = scope.filter(stmt, enterprise_col=AlarmRow.enterprise_id).order_by(
        AlarmRow.opened_at.desc(), AlarmRow.id.desc()
    )
    engine = request.app.state.engine

    def render() -> tuple[bytes, str]:
        items, total = read_page(engine, stmt, limit, offset, AlarmOut.model_validate)
        body = Page[AlarmOut](items=items, total=total, limit=limit, offset=offset).model_dump_json(
            by_alias=True
        )
        return body.encode(), etag_of(body.encode())

    hit = await caches(request).alarm_pages.load(key, render)
    return json_bytes(request, *hit)


@router.get("/alarms/{alarm_id}", response_model=AlarmOut)
def get_alarm(alarm_id: IntId, session: SessionDep, scope: ScopeDep) -> AlarmOut:
    """One alarm. 告警详情."""
    return AlarmOut.model_validate(_get_row(session, scope, alarm_id))


@router.post("/alarms/{alarm_id}/acknowledge", response_model=AlarmOut)
def acknowledge_alarm(alarm_id: IntId, scope: ScopeDep) -> AlarmOut:
    """Acknowledge an open alarm. 确认告警."""
    return AlarmOut.model_validate(change_alarm(scope, alarm_id, AlarmAction.ACKNOWLEDGE))


@router.post("/alarms/{alarm_id}/close", response_model=AlarmOut)
def close_alarm(alarm_id: IntId, scope: ScopeDep) -> AlarmOut:
    """Close an alarm (open or acknowledged). 关闭告警."""
    return AlarmOut.model_validate(change_alarm(scope, alarm_id, AlarmAction.CLOSE))
