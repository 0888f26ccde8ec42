"""Enterprises as read (企业): the park's enterprises in the scope, one enterprise, names, meter counts."""

from __future__ import annotations

from sqlalchemy import func, select

from zeropark.errors import NotFound
from zeropark.store.db import session_factory
from zeropark.store.schema import ActivityRecordRow, EnterpriseRow, MeterRow
from zeropark.store.scope import Scope

__all__ = ["activity_record", "enterprise", "enterprises", "meter_counts", "names"]


def enterprises(scope: Scope, park_id: str) -> list[EnterpriseRow]:
    """The park's enterprises inside ``scope`` (an enterprise user: its own), by id."""
    stmt = scope.filter(
        select(EnterpriseRow).where(EnterpriseRow.park_id == park_id),
        enterprise_col=EnterpriseRow.id,
        park_col=EnterpriseRow.park_id,
    )
    with session_factory(scope.engine)() as session:
        return list(session.scalars(stmt.order_by(EnterpriseRow.id)))


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


def activity_record(scope: Scope, record_id: str) -> ActivityRecordRow:
    """One activity record inside ``scope`` (NotFound otherwise, audited)."""
    with session_factory(scope.engine)() as session:
        row = session.get(ActivityRecordRow, record_id)
    if row is None:
        raise NotFound(f"activity record '{record_id}' not found")
    scope.check("activity_record", record_id, park_id=row.park_id, enterprise_id=row.enterprise_id)
    return row
