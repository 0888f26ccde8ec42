"""Meters (计量器具) and the meter tree (计量层级).

An enterprise user sees only its own meters; in the tree its meters hang from the nearest
visible ancestor, so the park's boundary meters are never shown to it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import Engine, bindparam, select

from zeropark.api.auth import ScopeDep
from zeropark.api.caching import caches
from zeropark.api.deps import SessionDep
from zeropark.api.paging import Limit, Offset, read_page
from zeropark.api.routers.parks import get_park_row, park_out
from zeropark.api.schemas import MeterNode, MeterOut, Page
from zeropark.errors import NotFound
from zeropark.model import Carrier, Direction
from zeropark.serving.caching import TtlCache, etag_of, json_bytes
from zeropark.store.db import read_connection
from zeropark.store.schema import MeterRow
from zeropark.store.scope import Scope

router = APIRouter(tags=["meters 计量器具"])


def get_meter_row(session: SessionDep, scope: ScopeDep, meter_id: str) -> MeterRow:
    """The meter ``meter_id`` if the user may see it (404 + audit otherwise)."""
    row = session.get(MeterRow, meter_id)
    if row is None:
        raise NotFound(f"meter '{meter_id}' not found")
    scope.check("meter", meter_id, park_id=row.park_id, enterprise_id=row.enterprise_id)
    return row


_METER_TENANT = select(MeterRow.park_id, MeterRow.enterprise_id).where(MeterRow.id == bindparam("meter_id"))


MeterTenants = TtlCache[str, tuple[str, str | None]]
"""A meter's (park, enterprise) by meter id, cached per process."""


def check_meter(tenants: MeterTenants, engine: Engine, scope: Scope, meter_id: str) -> None:
    """404 (+ audit) unless meter ``meter_id`` exists inside the scope; blocking (thread pool).

    The meter's park and enterprise come from the per-process cache ``tenants``
    (:class:`~zeropark.api.caching.ApiCaches`) or one indexed query; the scope check itself runs
    every time.
    """
    cache = tenants
    tenant = cache.get(meter_id)
    if tenant is None:
        generation = cache.generation()
        with read_connection(engine) as conn:
            row = conn.execute(_METER_TENANT, {"meter_id": meter_id}).first()
        if row is None:
            raise NotFound(f"meter '{meter_id}' not found")
        tenant = (row.park_id, row.enterprise_id)
        cache.put(meter_id, tenant, generation)
    scope.check("meter", meter_id, park_id=tenant[0], enterprise_id=tenant[1])


@router.get("/parks/{park_id}/meters", response_model=Page[MeterOut])
async def list_meters(
    park_id: str,
    request: Request,
    scope: ScopeDep,
    carrier: Carrier | None = None,
    direction: Direction | None = None,
    enterprise_id: Annotated[str | None, Query(max_length=64)] = None,
    level: Annotated[int | None, Query(ge=1, le=9)] = None,
    limit: Limit = 200,
    offset: Offset = 0,
) -> Response:
    """Meters of a park, filtered by carrier, direction, enterprise, level. 计量器具列表.

    Master data: a page's JSON is kept per process for ``ROW_TTL_S`` (a meter written through
    the ORM here drops it at once) and sent with an ETag; the scope is checked every request.
    """
    await park_out(request, scope, park_id)
    key = (
        park_id,
        carrier,
        direction,
        enterprise_id,
        level,
        limit,
        offset,
        scope.is_enterprise,
        scope.enterprise_id,
    )
    engine = request.app.state.engine

    def render() -> tuple[bytes, str]:
        page = _meter_page(engine, scope, park_id, carrier, direction, enterprise_id, level, limit, offset)
        body = page.model_dump_json(by_alias=True).encode()
        return body, etag_of(body)

    hit = await caches(request).meter_pages.load(key, render)
    return json_bytes(request, *hit)


def _meter_page(
    engine: Engine,
    scope: Scope,
    park_id: str,
    carrier: Carrier | None,
    direction: Direction | None,
    enterprise_id: str | None,
    level: int | None,
    limit: int,
    offset: int,
) -> Page[MeterOut]:
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
    items, total = read_page(engine, stmt, limit, offset, MeterOut.model_validate)
    return Page[MeterOut](items=items, total=total, limit=limit, offset=offset)


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
