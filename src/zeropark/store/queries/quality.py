"""What data quality is made of, as read (数据质量明细): quarantined records, conflicts, ingest counters."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from zeropark.store.db import session_factory
from zeropark.store.schema import IngestCounterRow, QuarantineRow, ReadingConflictRow
from zeropark.store.scope import Scope

__all__ = ["conflicts", "counters", "open_quarantine"]


def open_quarantine(
    scope: Scope, park_id: str, meter_ids: Sequence[str], *, limit: int = 50
) -> tuple[list[QuarantineRow], int]:
    """Open quarantine records, newest first, and how many there are.

    A park user sees the park's (including rows of unknown meters, which carry the park);
    an enterprise user only those of its own meters (``meter_ids``, from a scoped meter query).
    """
    stmt = select(QuarantineRow).where(QuarantineRow.status == "open")
    if scope.is_enterprise:
        stmt = stmt.where(QuarantineRow.meter_id.in_(list(meter_ids)))
    else:
        scope.check_park(park_id)
        stmt = stmt.where(QuarantineRow.park_id == park_id)
    with session_factory(scope.engine)() as session:
        total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
        rows = list(session.scalars(stmt.order_by(QuarantineRow.received_at.desc()).limit(limit)))
    return rows, total


def conflicts(scope: Scope, meter_ids: Sequence[str], *, limit: int = 50) -> list[ReadingConflictRow]:
    """The newest conflicting second values of the given (already scoped) meters."""
    with session_factory(scope.engine)() as session:
        return list(
            session.scalars(
                select(ReadingConflictRow)
                .where(ReadingConflictRow.meter_id.in_(list(meter_ids)))
                .order_by(ReadingConflictRow.received_at.desc())
                .limit(limit)
            )
        )


def counters(scope: Scope) -> list[IngestCounterRow]:
    """Ingest counters per source (park users only: sources are not an enterprise's data)."""
    if scope.is_enterprise:
        return []
    with session_factory(scope.engine)() as session:
        return list(session.scalars(select(IngestCounterRow).order_by(IngestCounterRow.source)))
