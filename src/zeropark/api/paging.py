"""Pagination (分页): ``limit``/``offset`` query parameters and a page with the total count."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Path, Query
from sqlalchemy import Engine, Select, func, select
from sqlalchemy.orm import Session

from zeropark.api.schemas import Page
from zeropark.store.db import read_connection

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=1000, description="page size")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="rows to skip")]


def paginate(
    session: Session,
    stmt: Select[Any],
    limit: int,
    offset: int,
    convert: Callable[[Any], T],
) -> Page[T]:
    """One page of ``stmt`` (already ordered) and the total count of its rows."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.scalars(stmt.limit(limit).offset(offset)).all()
    return Page[Any](items=[convert(r) for r in rows], total=total, limit=limit, offset=offset)


def read_page(
    engine: Engine,
    stmt: Select[Any],
    limit: int,
    offset: int,
    convert: Callable[[Any], T],
) -> tuple[list[T], int]:
    """One page of ``stmt`` (an ordered select of one ORM entity) read as plain rows, and the total.

    The hot-path variant of :func:`paginate` for async routes (blocking: call it in the thread pool): the
    entity's table columns are selected on one connection (no ORM session, identity map or
    instances; ``convert`` reads the row's attributes, which carry the column names), and the
    total is counted only when the page does not tell it: a short page at ``offset`` means
    ``total = offset + len(rows)``. The route wraps the items in its own ``Page[Model]`` (items
    that are instances of the declared model are not validated again).
    """
    entity = stmt.column_descriptions[0]["entity"]
    core = stmt.with_only_columns(*entity.__table__.c)
    with read_connection(engine) as conn:
        rows = conn.execute(core.limit(limit).offset(offset)).all()
        if len(rows) < limit and (rows or offset == 0):
            total = offset + len(rows)
        else:
            count = select(func.count()).select_from(core.order_by(None).subquery())
            total = conn.execute(count).scalar_one()
    return [convert(r) for r in rows], total


#: A numeric id in a path: positive and within 64 bits (the databases' BIGINT).
IntId = Annotated[int, Path(ge=1, le=2**63 - 1, description="numeric id")]
