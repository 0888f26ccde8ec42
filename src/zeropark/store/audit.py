"""Audit log (审计日志): every write and every denied attempt, with who, when, what, before/after.

Writes are audited in the same transaction as the write itself (:func:`record` with the
route's session), so a write without its audit record cannot be committed. Denied attempts are
audited in a transaction of their own (:func:`record_denied`), because the request that caused
them is about to fail and its session will be rolled back.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from zeropark.store.db import transaction
from zeropark.store.schema import AuditLogRow

log = logging.getLogger(__name__)

#: Action names used in the log.
CREATE = "create"
UPDATE = "update"
DELETE = "delete"
DENIED = "denied"
SIGN_OFF = "sign_off"
LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOGOUT = "logout"


def _jsonable(value: Any) -> Any:
    """Make ``value`` storable in a JSON column (dates as ISO strings, enums as values)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    return value


def row_snapshot(row: Any, *, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The column values of an ORM row as a JSON-able dict (for before/after).

    Secrets (``password_hash``, ``token_hash``, ``api_key_hash``) and binary content are left out.
    """
    hidden = exclude | {"password_hash", "token_hash", "api_key_hash", "content"}
    cols = row.__table__.columns
    return {c.key: _jsonable(getattr(row, c.key)) for c in cols if c.key not in hidden}


def record(
    session: Session,
    *,
    user: str | None,
    role: str | None,
    action: str,
    entity: str,
    entity_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip: str | None = None,
) -> None:
    """Add an audit record to ``session`` (committed together with the write it describes)."""
    session.add(
        AuditLogRow(
            at=datetime.now(UTC),
            user=user,
            role=role,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=_jsonable(before) if before is not None else None,
            after=_jsonable(after) if after is not None else None,
            ip=ip,
        )
    )


def record_now(engine: Engine, **kwargs: Any) -> None:
    """Write one audit record in a transaction of its own (see :func:`record` for the fields)."""
    with transaction(engine) as session:
        record(session, **kwargs)


def record_denied(
    engine: Engine,
    *,
    user: str | None,
    role: str | None,
    entity: str,
    entity_id: str | None,
    reason: str,
    ip: str | None,
) -> None:
    """Record a denied attempt (wrong role, other tenant's resource) in its own transaction."""
    log.warning("denied: user=%s role=%s %s/%s: %s", user, role, entity, entity_id, reason)
    record_now(
        engine,
        user=user,
        role=role,
        action=DENIED,
        entity=entity,
        entity_id=entity_id,
        after={"reason": reason},
        ip=ip,
    )
