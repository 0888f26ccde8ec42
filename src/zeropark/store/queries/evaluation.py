"""Evaluation frameworks a park added and evaluation runs, as read inside the caller's scope.

An enterprise user gets only the runs of its own enterprise (never the park's); frameworks are
park-level definitions every user of the park may read.
"""

from __future__ import annotations

from sqlalchemy import select

from zeropark.errors import NotFound
from zeropark.store.db import session_factory
from zeropark.store.schema import EvaluationFrameworkRow, EvaluationRunRow
from zeropark.store.scope import Scope

__all__ = ["framework_rows", "run_row", "run_rows"]


def framework_rows(scope: Scope, park_id: str, code: str | None = None) -> list[EvaluationFrameworkRow]:
    """The frameworks the park added (optionally of one ``code``), by code then id."""
    stmt = select(EvaluationFrameworkRow).where(EvaluationFrameworkRow.park_id == park_id)
    if code is not None:
        stmt = stmt.where(EvaluationFrameworkRow.code == code)
    stmt = scope.filter(stmt, park_col=EvaluationFrameworkRow.park_id, park_level=True)
    with session_factory(scope.engine)() as session:
        return list(session.scalars(stmt.order_by(EvaluationFrameworkRow.code, EvaluationFrameworkRow.id)))


def run_rows(
    scope: Scope,
    park_id: str,
    *,
    year: int | None = None,
    enterprise_id: str | None = None,
    park_only: bool = False,
) -> list[EvaluationRunRow]:
    """The evaluation runs of the park inside ``scope``, newest first.

    ``enterprise_id`` narrows to one enterprise's runs; ``park_only`` to the park's own runs.
    """
    stmt = select(EvaluationRunRow).where(EvaluationRunRow.park_id == park_id)
    if year is not None:
        stmt = stmt.where(EvaluationRunRow.year == year)
    if enterprise_id is not None:
        stmt = stmt.where(EvaluationRunRow.enterprise_id == enterprise_id)
    elif park_only:
        stmt = stmt.where(EvaluationRunRow.enterprise_id.is_(None))
    stmt = scope.filter(
        stmt, enterprise_col=EvaluationRunRow.enterprise_id, park_col=EvaluationRunRow.park_id
    )
    with session_factory(scope.engine)() as session:
        return list(session.scalars(stmt.order_by(EvaluationRunRow.id.desc())))


def run_row(scope: Scope, run_id: int) -> EvaluationRunRow:
    """One evaluation run inside ``scope`` (NotFound otherwise, audited)."""
    with session_factory(scope.engine)() as session:
        row = session.get(EvaluationRunRow, run_id)
    if row is None:
        raise NotFound(f"evaluation run {run_id} not found")
    scope.check("evaluation_run", str(run_id), park_id=row.park_id, enterprise_id=row.enterprise_id)
    return row
