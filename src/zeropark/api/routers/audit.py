"""Audit log (审计日志) read access: ``GET /api/v1/audit`` for admin, park manager and verifier."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from zeropark.api.auth import GuardedRoute, require_roles
from zeropark.api.schemas import AuditOut, Page
from zeropark.serving.sessions import client_ip
from zeropark.store.queries import audit
from zeropark.store.scope import Principal, Scope

router = APIRouter(route_class=GuardedRoute, prefix="/audit", tags=["audit 审计"])

Auditor = Annotated[Principal, Depends(require_roles(*audit.AUDITOR_ROLES))]


@router.get("", response_model=Page[AuditOut])
def list_audit(
    auditor: Auditor,
    request: Request,
    action: Annotated[str | None, Query(max_length=64)] = None,
    entity: Annotated[str | None, Query(max_length=64)] = None,
    user: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[AuditOut]:
    """Audit records, newest first, filtered by action/entity/user/time. 审计日志."""
    scope = Scope(auditor, request.app.state.engine, client_ip(request))
    found = audit.audit_page(
        scope, action=action, entity=entity, user=user, since=since, until=until, limit=limit, offset=offset
    )
    items = [AuditOut.model_validate(r) for r in found.items]
    return Page(items=items, total=found.total, limit=limit, offset=offset)
