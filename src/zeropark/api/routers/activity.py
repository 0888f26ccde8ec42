"""Activity records (活动数据): create, read, update, delete, each write audited with before/after.

Enterprise users list and write only their own enterprise's records; verifiers read all of
their park's; park managers and admins write any. Units are checked against the carrier
(``zeropark.units.to_canonical``) so an unconvertible unit is refused with 422 at once.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from zeropark.api.auth import ScopeDep
from zeropark.api.deps import SessionDep
from zeropark.api.paging import Limit, Offset, paginate
from zeropark.api.routers.parks import get_park_row
from zeropark.api.schemas import ActivityCreate, ActivityOut, ActivityUpdate, Page
from zeropark.api.validation import invalid
from zeropark.errors import NotFound
from zeropark.model import ActivityRecord, Carrier, Flow
from zeropark.store import audit, repo
from zeropark.store.schema import ActivityRecordRow, EnterpriseRow

router = APIRouter(tags=["activity 活动数据"])

ENTITY = "activity_record"


def _check_unit(carrier: Carrier | None, unit: str) -> None:
    """Refuse a unit that does not convert to the carrier's canonical unit (UnitMismatch → 422)."""
    if carrier is None:
        return
    from zeropark.units import to_canonical

    to_canonical(1.0, unit, carrier)


def _get_row(session: SessionDep, scope: ScopeDep, record_id: str) -> ActivityRecordRow:
    row = session.get(ActivityRecordRow, record_id)
    if row is None:
        raise NotFound(f"activity record '{record_id}' not found")
    scope.check(ENTITY, record_id, park_id=row.park_id, enterprise_id=row.enterprise_id)
    return row


@router.get("/parks/{park_id}/activity-records", response_model=Page[ActivityOut])
def list_activity(
    park_id: str,
    session: SessionDep,
    scope: ScopeDep,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    enterprise_id: Annotated[str | None, Query(max_length=64)] = None,
    flow: Flow | None = None,
    carrier: Carrier | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[ActivityOut]:
    """Activity records of a park (period overlapping ``year``). 活动数据列表."""
    from datetime import date

    get_park_row(session, scope, park_id)
    stmt = select(ActivityRecordRow).where(ActivityRecordRow.park_id == park_id)
    if year is not None:
        stmt = stmt.where(
            ActivityRecordRow.period_start <= date(year, 12, 31),
            ActivityRecordRow.period_end >= date(year, 1, 1),
        )
    if enterprise_id is not None:
        stmt = stmt.where(ActivityRecordRow.enterprise_id == enterprise_id)
    if flow is not None:
        stmt = stmt.where(ActivityRecordRow.flow == flow.value)
    if carrier is not None:
        stmt = stmt.where(ActivityRecordRow.carrier == carrier.value)
    stmt = scope.filter(stmt, enterprise_col=ActivityRecordRow.enterprise_id).order_by(ActivityRecordRow.id)
    return paginate(session, stmt, limit, offset, ActivityOut.model_validate)


@router.get("/activity-records/{record_id}", response_model=ActivityOut)
def get_activity(record_id: str, session: SessionDep, scope: ScopeDep) -> ActivityOut:
    """One activity record with its evidence. 活动数据详情."""
    return ActivityOut.model_validate(_get_row(session, scope, record_id))


@router.post("/parks/{park_id}/activity-records", response_model=ActivityOut, status_code=201)
def create_activity(park_id: str, body: ActivityCreate, session: SessionDep, scope: ScopeDep) -> ActivityOut:
    """Add an activity record (enterprise users: for their own enterprise). 新增活动数据."""
    get_park_row(session, scope, park_id)
    enterprise_id = body.enterprise_id
    if scope.is_enterprise and enterprise_id is None:
        enterprise_id = scope.enterprise_id
    scope.check_write(ENTITY, body.id or "(new)", park_id=park_id, enterprise_id=enterprise_id)
    if enterprise_id is not None:
        ent = session.get(EnterpriseRow, enterprise_id)
        if ent is None or ent.park_id != park_id:
            raise invalid("enterprise_id", f"enterprise '{enterprise_id}' is not in park '{park_id}'")
    _check_unit(body.carrier, body.unit)
    values = body.model_dump(exclude={"id", "enterprise_id"})
    record = ActivityRecord(
        id=body.id or f"AR-{uuid.uuid4().hex[:12]}", enterprise_id=enterprise_id, **values
    )
    repo.add_activity_record(session, park_id, record)
    row = session.get(ActivityRecordRow, record.id)
    assert row is not None
    scope.audit(session, audit.CREATE, ENTITY, record.id, after=audit.row_snapshot(row))
    session.commit()
    return ActivityOut.model_validate(row)


@router.patch("/activity-records/{record_id}", response_model=ActivityOut)
def update_activity(
    record_id: str, body: ActivityUpdate, session: SessionDep, scope: ScopeDep
) -> ActivityOut:
    """Change an activity record (only the fields given). 修改活动数据."""
    row = _get_row(session, scope, record_id)
    scope.check_write(ENTITY, record_id, park_id=row.park_id, enterprise_id=row.enterprise_id)
    before = audit.row_snapshot(row)
    changes = body.model_dump(exclude_unset=True)
    for key, value in changes.items():
        if value is None and key not in ("factor_id", "carrier"):
            raise invalid(key, f"{key} may not be null; leave it out to keep the stored value")
        setattr(row, key, value.value if isinstance(value, Carrier | Flow) else value)
    if row.period_end < row.period_start:
        raise invalid("period_end", f"period_end {row.period_end} is before period_start {row.period_start}")
    _check_unit(Carrier(row.carrier) if row.carrier else None, row.unit)
    scope.audit(session, audit.UPDATE, ENTITY, record_id, before=before, after=audit.row_snapshot(row))
    session.commit()
    return ActivityOut.model_validate(row)


@router.delete("/activity-records/{record_id}", status_code=204, response_class=Response)
def delete_activity(record_id: str, session: SessionDep, scope: ScopeDep) -> Response:
    """Delete an activity record (the audit log keeps its last values). 删除活动数据."""
    row = _get_row(session, scope, record_id)
    scope.check_write(ENTITY, record_id, park_id=row.park_id, enterprise_id=row.enterprise_id)
    before = audit.row_snapshot(row)
    session.delete(row)
    scope.audit(session, audit.DELETE, ENTITY, record_id, before=before)
    session.commit()
    return Response(status_code=204)
