"""Meters (计量器具) and the meter tree (计量层级).

An enterprise user sees only its own meters; in the tree its meters hang from the nearest
visible ancestor, so the park's boundary meters are never shown to it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import Engine

from zeropark.api.auth import GuardedRoute, ScopeDep
from zeropark.api.caching import caches
from zeropark.api.paging import Limit, Offset
from zeropark.api.routers.parks import park_out
from zeropark.api.schemas import MeterNode, MeterOut, Page
from zeropark.model import Carrier, Direction
from zeropark.serving.caching import TtlCache, etag_of, json_bytes
from zeropark.store.queries import meters, parks
from zeropark.store.queries.views import view_key
from zeropark.store.scope import Scope

router = APIRouter(route_class=GuardedRoute, tags=["meters 计量器具"])


MeterTenants = TtlCache[str, tuple[str, str | None]]
"""A meter's (park, enterprise) by meter id, cached per process."""


def check_meter(tenants: MeterTenants, engine: Engine, scope: Scope, meter_id: str) -> None:
    """404 (+ audit) unless meter ``meter_id`` exists inside the scope; blocking (thread pool).

    The meter's park and enterprise come from the per-process cache ``tenants``
    (:class:`~zeropark.api.caching.ApiCaches`) or one indexed query
    (:func:`zeropark.store.queries.meters.meter_tenant`); the scope check itself runs every time.
    """
    tenant = tenants.get(meter_id)
    if tenant is None:
        generation = tenants.generation()
        tenant = meters.meter_tenant(engine, meter_id)
        tenants.put(meter_id, tenant, generation)
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
    key = (park_id, carrier, direction, enterprise_id, level, limit, offset, view_key(scope))

    def render() -> tuple[bytes, str]:
        found = meters.meter_page(
            scope,
            park_id,
            carrier=carrier,
            direction=direction,
            enterprise_id=enterprise_id,
            level=level,
            limit=limit,
            offset=offset,
        )
        page = Page[MeterOut](
            items=[MeterOut.model_validate(r) for r in found.items],
            total=found.total,
            limit=limit,
            offset=offset,
        )
        body = page.model_dump_json(by_alias=True).encode()
        return body, etag_of(body)

    hit = await caches(request).meter_pages.load(key, render)
    return json_bytes(request, *hit)


@router.get("/parks/{park_id}/meter-tree", response_model=list[MeterNode])
def meter_tree(park_id: str, scope: ScopeDep, carrier: Carrier | None = None) -> list[MeterNode]:
    """The meter tree of a park: roots with nested children (计量层级树)."""
    parks.park(scope, park_id)
    rows = meters.meters(scope, park_id, carrier=carrier)
    nodes = {r.id: MeterNode.model_validate(r) for r in rows}
    roots: list[MeterNode] = []
    for r in rows:
        parent = nodes.get(r.parent_id) if r.parent_id else None
        (parent.children if parent is not None else roots).append(nodes[r.id])
    return roots


@router.get("/meters/{meter_id}", response_model=MeterOut)
def get_meter(meter_id: str, scope: ScopeDep) -> MeterOut:
    """One meter. 计量器具详情."""
    return MeterOut.model_validate(meters.meter(scope, meter_id))
