"""The audit log as read (审计日志): records newest first, filtered by action, entity, user and time.

Auditors read it: admins, park managers and verifiers. The records carry no park (a denied
attempt may name none), so an auditor reads the whole log; enterprise users and devices may not.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from zeropark.errors import PermissionDenied
from zeropark.model import Role
from zeropark.store.queries.paging import Slice, orm_page
from zeropark.store.schema import AuditLogRow
from zeropark.store.scope import Scope

__all__ = ["AUDITOR_ROLES", "audit_page"]

#: Roles that may read the audit log.
AUDITOR_ROLES: tuple[Role, ...] = (Role.ADMIN, Role.PARK_MANAGER, Role.VERIFIER)


def audit_page(
    scope: Scope,
    *,
    action: str | None = None,
    entity: str | None = None,
    user: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int,
    offset: int,
) -> Slice[AuditLogRow]:
    """One page of audit records in ``[since, until)``, newest first, and how many match.

    Raises
    ------
    PermissionDenied
        The scope's user is not an auditor (:data:`AUDITOR_ROLES`).
    """
    if scope.user.role not in AUDITOR_ROLES:
        raise PermissionDenied(f"role '{scope.user.role}' may not read the audit log")
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
    return orm_page(scope.engine, stmt.order_by(AuditLogRow.id.desc()), limit, offset)
