"""Enterprises as read (企业): the park's enterprises in the scope, one enterprise, names, meter counts.

``activity_record`` (one activity record) lives in :mod:`zeropark.store.queries.activity` and is
named here too for the pages that read it beside the enterprise.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from zeropark.errors import NotFound
from zeropark.store.db import read_connection, session_factory
from zeropark.store.queries import parks
from zeropark.store.queries.activity import activity_record
from zeropark.store.queries.paging import Slice, orm_page
from zeropark.store.schema import EnterpriseRow, MeterRow
from zeropark.store.scope import Scope

__all__ = [
    "activity_record",
    "check_in_park",
    "enterprise",
    "enterprise_page",
    "enterprises",
    "meter_counts",
    "names",
]


def _stmt(scope: Scope, park_id: str) -> Select[Any]:
    return scope.filter(
        select(EnterpriseRow).where(EnterpriseRow.park_id == park_id),
        enterprise_col=EnterpriseRow.id,
        park_col=EnterpriseRow.park_id,
    ).order_by(EnterpriseRow.id)


def enterprises(scope: Scope, park_id: str) -> list[EnterpriseRow]:
    """The park's enterprises inside ``scope`` (an enterprise user: its own), by id."""
    with session_factory(scope.engine)() as session:
        return list(session.scalars(_stmt(scope, park_id)))


def enterprise_page(scope: Scope, park_id: str, *, limit: int, offset: int) -> Slice[EnterpriseRow]:
    """One page of :func:`enterprises`, and how many there are.

    Raises
    ------
    NotFound
        The park is outside the scope (audited), or there is no such park.
    """
    parks.park(scope, park_id)
    return orm_page(scope.engine, _stmt(scope, park_id), limit, offset)


def names(scope: Scope, park_id: str) -> dict[str, str]:
    """Enterprise id → name, for the enterprises inside ``scope``."""
    return {e.id: e.name for e in enterprises(scope, park_id)}


def enterprise(scope: Scope, enterprise_id: str) -> EnterpriseRow:
    """One enterprise inside ``scope`` (NotFound otherwise, audited)."""
    with session_factory(scope.engine)() as session:
        row = session.get(EnterpriseRow, enterprise_id)
    if row is None:
        raise NotFound(f"enterprise '{enterprise_id}' not found")
    scope.check("enterprise", enterprise_id, park_id=row.park_id, enterprise_id=row.id)
    return row


def meter_counts(scope: Scope, park_id: str) -> dict[str | None, int]:
    """Number of meters per enterprise (None = park-owned) inside ``scope``."""
    stmt = scope.filter(
        select(MeterRow.enterprise_id, func.count()).where(MeterRow.park_id == park_id),
        enterprise_col=MeterRow.enterprise_id,
        park_col=MeterRow.park_id,
    ).group_by(MeterRow.enterprise_id)
    with session_factory(scope.engine)() as session:
        return {k: int(v) for k, v in session.execute(stmt).all()}


def check_in_park(scope: Scope, park_id: str, enterprise_id: str) -> None:
    """Raise :class:`NotFound` unless enterprise ``enterprise_id`` is one of the park ``park_id``.

    For a request of a park the caller has checked against ``scope`` that names one of its
    enterprises (an enterprise user can name only its own: :func:`zeropark.store.queries.views.check_view`).
    """
    with read_connection(scope.engine) as conn:
        found = conn.execute(
            select(EnterpriseRow.park_id).where(EnterpriseRow.id == enterprise_id)
        ).scalar_one_or_none()
    if found != park_id:
        raise NotFound(f"enterprise '{enterprise_id}' not found in park '{park_id}'")
