"""Audit log (审计日志) read access: ``GET /api/v1/audit`` for admin, park manager and verifier."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func, select

from zeropark.api.auth import require_roles
from zeropark.api.deps import SessionDep
from zeropark.api.schemas import AuditOut, Page
from zeropark.model import Role
from zeropark.store.schema import AuditLogRow
from zeropark.store.scope import Principal

router = APIRouter(prefix="/audit", tags=["audit 审计"])

Auditor = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.PARK_MANAGER, Role.VERIFIER))]


@router.get("", response_model=Page[AuditOut])
def list_audit(
    _user: Auditor,
    session: SessionDep,
    action: Annotated[str | None, Query(max_length=64)] = None,
    entity: Annotated[str | None, Query(max_length=64)] = None,
    user: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[AuditOut]:
    """Audit records, newest first, filtered by action/entity/user/time. 审计日志."""
    stmt = select(AuditLogRow)
    if action:
        stmt = stmt.where(AuditLogRow.action == action)
    if entity:
        stmt = stmt.where(AuditLogRow.entity == entity)
    if user:
        stmt = stmt.where(AuditLogRow.user == user)
    if since:
        stmt = stmt.where(AuditLogRow.at >= since)
    if until:
        stmt = stmt.where(AuditLogRow.at < until)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(AuditLogRow.id.desc()).limit(limit).offset(offset)).all()
    return Page(items=[AuditOut.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)
