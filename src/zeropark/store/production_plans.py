"""生产计划 store: monthly planned output per enterprise (the quota-gap forecast's production driver).

:func:`put` replaces the given months of one enterprise and year in the caller's transaction;
:func:`plans` reads them, filtered by the caller's :class:`~zeropark.store.scope.Scope` (an
enterprise user sees its own plans only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from zeropark.store.schema import ProductionPlanRow
from zeropark.store.scope import Scope

__all__ = ["PlanMonth", "plans", "put"]


@dataclass(frozen=True, slots=True)
class PlanMonth:
    """One month of one enterprise's production plan [unit]."""

    enterprise_id: str
    year: int
    month: int
    quantity: float
    unit: str


def put(
    session: Session,
    park_id: str,
    enterprise_id: str,
    year: int,
    months: Mapping[int, float],
    unit: str,
    *,
    by: str | None,
) -> None:
    """Replace the plan of ``months`` (1–12 → quantity [unit]) of one enterprise and year."""
    session.execute(
        delete(ProductionPlanRow).where(
            ProductionPlanRow.park_id == park_id,
            ProductionPlanRow.enterprise_id == enterprise_id,
            ProductionPlanRow.year == year,
            ProductionPlanRow.month.in_(list(months)),
        )
    )
    session.add_all(
        ProductionPlanRow(
            park_id=park_id,
            enterprise_id=enterprise_id,
            year=year,
            month=m,
            quantity=q,
            unit=unit,
            updated_by=by,
        )  # fmt: skip
        for m, q in sorted(months.items())
    )
    session.flush()


def plans(
    scope: Scope, park_id: str, *, year: int | None = None, enterprise_id: str | None = None
) -> list[PlanMonth]:
    """Stored plan months the user may see, by enterprise, year and month."""
    stmt = select(ProductionPlanRow).where(ProductionPlanRow.park_id == park_id)
    if year is not None:
        stmt = stmt.where(ProductionPlanRow.year == year)
    if enterprise_id is not None:
        stmt = stmt.where(ProductionPlanRow.enterprise_id == enterprise_id)
    stmt = scope.filter(
        stmt, enterprise_col=ProductionPlanRow.enterprise_id, park_col=ProductionPlanRow.park_id
    )
    stmt = stmt.order_by(ProductionPlanRow.enterprise_id, ProductionPlanRow.year, ProductionPlanRow.month)
    with Session(scope.engine) as s:
        return [PlanMonth(r.enterprise_id, r.year, r.month, r.quantity, r.unit) for r in s.scalars(stmt)]
