"""A park's own reduction measures as read (园区自定义减排措施), inside the caller's scope.

The rows belong to a park, not to an enterprise: every user of the park reads them (an
enterprise user too, to see what the park plans); writes are the use cases of
:mod:`zeropark.services.measures`.
"""

from __future__ import annotations

from sqlalchemy import select

from zeropark.store.db import session_factory
from zeropark.store.schema import ParkMeasureRow
from zeropark.store.scope import Scope

__all__ = ["park_measure", "park_measures"]


def park_measures(scope: Scope, park_id: str) -> list[ParkMeasureRow]:
    """The park's own measures, by measure id (the caller has checked the park is in scope)."""
    stmt = scope.filter(
        select(ParkMeasureRow).where(ParkMeasureRow.park_id == park_id),
        park_col=ParkMeasureRow.park_id,
        park_level=True,
    ).order_by(ParkMeasureRow.measure_id)
    with session_factory(scope.engine)() as session:
        return list(session.scalars(stmt))


def park_measure(scope: Scope, park_id: str, measure_id: str) -> ParkMeasureRow | None:
    """One of the park's own measures by its id, or ``None``."""
    stmt = scope.filter(
        select(ParkMeasureRow).where(
            ParkMeasureRow.park_id == park_id, ParkMeasureRow.measure_id == measure_id
        ),
        park_col=ParkMeasureRow.park_id,
        park_level=True,
    )
    with session_factory(scope.engine)() as session:
        return session.scalars(stmt).first()
