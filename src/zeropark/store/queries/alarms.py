"""Alarms as read (告警): the park's alarms inside the scope, open first, newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from zeropark.store.db import session_factory
from zeropark.store.schema import AlarmRow
from zeropark.store.scope import Scope

__all__ = ["alarms", "count_alarms"]


def _stmt(scope: Scope, park_id: str, state: str, what: Any) -> Any:
    stmt = scope.filter(
        select(what).where(AlarmRow.park_id == park_id),
        enterprise_col=AlarmRow.enterprise_id,
        park_col=AlarmRow.park_id,
    )
    return stmt.where(AlarmRow.state == state) if state else stmt


def count_alarms(scope: Scope, park_id: str, state: str = "") -> int:
    """Number of alarms (in ``state`` if given) inside ``scope``."""
    with session_factory(scope.engine)() as session:
        return int(session.scalar(_stmt(scope, park_id, state, func.count())) or 0)


def alarms(scope: Scope, park_id: str, state: str, offset: int, limit: int) -> list[AlarmRow]:
    """One page of alarms inside ``scope``, open first, newest first."""
    order = (AlarmRow.state != "open", AlarmRow.state != "acknowledged", AlarmRow.opened_at.desc())
    with session_factory(scope.engine)() as session:
        stmt = _stmt(scope, park_id, state, AlarmRow).order_by(*order).offset(offset).limit(limit)
        return list(session.scalars(stmt))
