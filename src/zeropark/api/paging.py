"""Pagination (分页): ``limit``/``offset`` query parameters and a page with the total count."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Path, Query
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from zeropark.api.schemas import Page

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


#: A numeric id in a path: positive and within 64 bits (the databases' BIGINT).
IntId = Annotated[int, Path(ge=1, le=2**63 - 1, description="numeric id")]
