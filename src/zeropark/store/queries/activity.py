"""Activity records as read (活动数据): one record, and a park's records in the scope, filtered."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from zeropark.errors import NotFound
from zeropark.model import Carrier, Flow
from zeropark.store.db import session_factory
from zeropark.store.queries import parks
from zeropark.store.queries.paging import Slice, orm_page
from zeropark.store.schema import ActivityRecordRow
from zeropark.store.scope import Scope

__all__ = ["activity_page", "activity_record"]

#: The entity name of an activity record in the audit log.
ENTITY = "activity_record"


def activity_record(scope: Scope, record_id: str) -> ActivityRecordRow:
    """One activity record inside ``scope`` (NotFound otherwise, audited)."""
    with session_factory(scope.engine)() as session:
        row = session.get(ActivityRecordRow, record_id)
    if row is None:
        raise NotFound(f"activity record '{record_id}' not found")
    scope.check(ENTITY, record_id, park_id=row.park_id, enterprise_id=row.enterprise_id)
    return row


def activity_page(
    scope: Scope,
    park_id: str,
    *,
    year: int | None = None,
    enterprise_id: str | None = None,
    flow: Flow | None = None,
    carrier: Carrier | None = None,
    limit: int,
    offset: int,
) -> Slice[ActivityRecordRow]:
    """One page of the park's activity records inside ``scope``, by id, and how many there are.

    ``year``: records whose period overlaps the (local) calendar year; the other filters match
    the record's enterprise, flow and carrier. An enterprise user gets only its own records.

    Raises
    ------
    NotFound
        The park is outside the scope (audited), or there is no such park.
    """
    parks.park(scope, park_id)
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
    return orm_page(scope.engine, stmt, limit, offset)
