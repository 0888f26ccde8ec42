"""Pages of a list read (分页): one slice of an ordered query, and how many rows the whole list has.

Two ways to read a page, both here so the doors never build SQL themselves:

- :func:`orm_page`: ORM rows, detached (a route maps them to its response model);
- :func:`row_page`: the hot-path variant for the API's async routes (blocking: call it in the
  thread pool) — the entity's table columns on one autocommit connection (no ORM session,
  identity map or instances), and the total counted only when the page does not tell it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine, Row, Select, func, select

from zeropark.store.db import read_connection, session_factory

__all__ = ["Slice", "orm_page", "row_page"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Slice(Generic[T]):
    """One page of a list (``items``) and the number of rows of the whole list (``total``)."""

    items: list[T]
    total: int


def orm_page(engine: Engine, stmt: Select[Any], limit: int, offset: int) -> Slice[Any]:
    """One page of ``stmt`` (an ordered select of one ORM entity) as detached rows, and the total."""
    with session_factory(engine)() as session:
        total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        rows = list(session.scalars(stmt.limit(limit).offset(offset)))
    return Slice(rows, int(total))


def row_page(engine: Engine, stmt: Select[Any], limit: int, offset: int) -> Slice[Row[Any]]:
    """One page of ``stmt`` (an ordered select of one ORM entity) as plain rows, and the total.

    The rows carry the entity's column names as attributes. A short page at ``offset`` tells the
    total (``offset + len(rows)``); otherwise it is counted on the same connection.
    """
    entity = stmt.column_descriptions[0]["entity"]
    core = stmt.with_only_columns(*entity.__table__.c)
    with read_connection(engine) as conn:
        rows = list(conn.execute(core.limit(limit).offset(offset)).all())
        if len(rows) < limit and (rows or offset == 0):
            total = offset + len(rows)
        else:
            count = select(func.count()).select_from(core.order_by(None).subquery())
            total = conn.execute(count).scalar_one()
    return Slice(rows, int(total))
