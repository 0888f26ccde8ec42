"""Meters (计量器具) and the meter tree (计量层级).

An enterprise user sees only its own meters; in the tree its meters hang from the nearest
visible ancestor, so the park's boundary meters are never shown to it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from zeropark.api.auth import ScopeDep
from zeropark.api.deps import SessionDep
from zeropark.api.paging import Limit, Offset, paginate
from zeropark.api.routers.parks import get_park_row
from zeropark.api.schemas import MeterNode, MeterOut, Page
from zeropark.errors import NotFound
from zeropark.model import Carrier, Direction
from zeropark.store.schema import MeterRow

router = APIRouter(tags=["meters 计量器具"])


def get_meter_row(session: SessionDep, scope: ScopeDep, meter_id: str) -> MeterRow:
    """The meter ``meter_id`` if the user may see it (404 + audit otherwise)."""
    row = session.get(MeterRow, meter_id)
    if row is None:
        raise NotFound(f"meter '{meter_id}' not found")
    scope.check("meter", meter_id, park_id=row.park_id, enterprise_id=row.enterprise_id)
    return row


@router.get("/parks/{park_id}/meters", response_model=Page[MeterOut])
def list_meters(
    park_id: str,
    session: SessionDep,
    scope: ScopeDep,
    carrier: Carrier | None = None,
    direction: Direction | None = None,
    enterprise_id: Annotated[str | None, Query(max_length=64)] = None,
    level: Annotated[int | None, Query(ge=1, le=9)] = None,
    limit: Limit = 200,
    offset: Offset = 0,
) -> Page[MeterOut]:
    """Meters of a park, filtered by carrier, direction, enterprise, level. 计量器具列表."""
    get_park_row(session, scope, park_id)
    stmt = select(MeterRow).where(MeterRow.park_id == park_id)
    if carrier is not None:
        stmt = stmt.where(MeterRow.carrier == carrier.value)
    if direction is not None:
        stmt = stmt.where(MeterRow.direction == direction.value)
    if enterprise_id is not None:
        stmt = stmt.where(MeterRow.enterprise_id == enterprise_id)
    if level is not None:
        stmt = stmt.where(MeterRow.level == level)
    stmt = scope.filter(stmt, enterprise_col=MeterRow.enterprise_id).order_by(MeterRow.id)
    return paginate(session, stmt, limit, offset, MeterOut.model_validate)


@router.get("/parks/{park_id}/meter-tree", response_model=list[MeterNode])
def meter_tree(
    park_id: str, session: SessionDep, scope: ScopeDep, carrier: Carrier | None = None
) -> list[MeterNode]:
    """The meter tree of a park: roots with nested children (计量层级树)."""
    get_park_row(session, scope, park_id)
    stmt = select(MeterRow).where(MeterRow.park_id == park_id)
    if carrier is not None:
        stmt = stmt.where(MeterRow.carrier == carrier.value)
    rows = session.scalars(
        scope.filter(stmt, enterprise_col=MeterRow.enterprise_id).order_by(MeterRow.id)
    ).all()
    nodes = {r.id: MeterNode.model_validate(r) for r in rows}
    roots: list[MeterNode] = []
    for r in rows:
        parent = nodes.get(r.parent_id) if r.parent_id else None
        (parent.children if parent is not None else roots).append(nodes[r.id])
    return roots


@router.get("/meters/{meter_id}", response_model=MeterOut)
def get_meter(meter_id: str, session: SessionDep, scope: ScopeDep) -> MeterOut:
    """One meter. 计量器具详情."""
    return MeterOut.model_validate(get_meter_row(session, scope, meter_id))
