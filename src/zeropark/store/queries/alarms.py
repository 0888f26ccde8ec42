"""Alarms as read (告警): one alarm, and the park's alarms inside the scope (a page, a count)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, func, select

from zeropark.errors import NotFound
from zeropark.store.db import session_factory
from zeropark.store.queries.paging import Slice, row_page
from zeropark.store.schema import AlarmRow
from zeropark.store.scope import Scope

__all__ = ["alarm", "alarm_page", "alarms", "count_alarms"]


def _stmt(scope: Scope, park_id: str, state: str, what: Any) -> Any:
    stmt = scope.filter(
        select(what).where(AlarmRow.park_id == park_id),
        enterprise_col=AlarmRow.enterprise_id,
        park_col=AlarmRow.park_id,
    )
    return stmt.where(AlarmRow.state == state) if state else stmt


def alarm(scope: Scope, alarm_id: int) -> AlarmRow:
    """One alarm inside ``scope`` (NotFound otherwise, audited)."""
    with session_factory(scope.engine)() as session:
        row = session.get(AlarmRow, alarm_id)
    if row is None:
        raise NotFound(f"alarm {alarm_id} not found")
    scope.check("alarm", str(alarm_id), park_id=row.park_id, enterprise_id=row.enterprise_id)
    return row


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


def alarm_page(
    scope: Scope,
    park_id: str,
    *,
    state: str = "",
    kind: str | None = None,
    meter_id: str | None = None,
    limit: int,
    offset: int,
) -> Slice[Row[Any]]:
    """One page of the park's alarms inside ``scope``, newest first, as plain rows (blocking; hot path).

    Filtered by state, kind and meter; the caller has checked the park against the scope.
    """
    stmt = _stmt(scope, park_id, state, AlarmRow)
    if kind is not None:
        stmt = stmt.where(AlarmRow.kind == kind)
    if meter_id is not None:
        stmt = stmt.where(AlarmRow.meter_id == meter_id)
    return row_page(scope.engine, stmt.order_by(AlarmRow.opened_at.desc(), AlarmRow.id.desc()), limit, offset)
