"""Indicators (指标): the 1+5 national zero-carbon park indicators of a year.

The table stored with the latest national-method run of the view (:mod:`zeropark.services.indicators`:
evaluated when the year was accounted, on the same input as the inventory), rendered once per run.
With ``enterprise_id`` (always the user's own for an enterprise user) the table is one
enterprise's (:func:`zeropark.indicators.evaluate_enterprise`): its emissions, energy,
单位能耗碳排放, clean-energy share, product energy intensity and carbon productivity; park-only
indicators are marked ``park_level``. Another enterprise's table answers 404 with an audit record
``denied``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from zeropark.api.auth import GuardedRoute, ScopeDep
from zeropark.api.caching import caches
from zeropark.api.routers.inventory import latest
from zeropark.api.routers.parks import park_out
from zeropark.api.schemas import IndicatorsOut
from zeropark.errors import NotFound
from zeropark.model import Method
from zeropark.services.indicators import no_run, of_run
from zeropark.serving.caching import etag_of, json_bytes
from zeropark.store import runs
from zeropark.store.queries import enterprises, views
from zeropark.store.scope import Scope

router = APIRouter(route_class=GuardedRoute, tags=["indicators 指标"])


async def _indicator_enterprise(scope: Scope, park_id: str, requested: str | None) -> str | None:
    """The enterprise whose indicators are asked for (None = the park), scope-checked (404 + audit).

    An enterprise user gets its own (naming another: 404, audited); an enterprise a park user
    names must be one of the park's. Decided without I/O unless a park user names an enterprise.
    """
    if not views.may_name(scope, requested):
        await run_in_threadpool(
            views.check_view,
            scope,
            requested,
            entity="indicators",
            entity_id=f"{park_id}/{requested}",
            reason="indicators of another enterprise",
        )
    if requested is not None and requested != scope.enterprise_id:  # a park user names one
        await run_in_threadpool(enterprises.check_in_park, scope, park_id, requested)
    return views.view(scope, requested)


async def park_indicators(
    request: Request, scope: Scope, park_id: str, year: int, enterprise_id: str | None = None
) -> Response:
    """The indicator table of ``park_id`` (or one enterprise of it) for ``year`` (see module docstring).

    The park check comes from the per-process park cache; one query finds the newest national
    run; the table of that run is rendered once per process and sent with an ETag.
    """
    await park_out(request, scope, park_id)
    ent_id = await _indicator_enterprise(scope, park_id, enterprise_id)
    engine: Engine = request.app.state.engine
    found = (await latest(request, park_id, year, ent_id))[Method.NATIONAL]
    if found is None:
        raise no_run(park_id, year, ent_id)
    run_id = found.run.id

    def compute() -> tuple[bytes, str]:
        result = of_run(found.run, runs.get_run(engine, run_id).indicators)
        table = result.table
        out = IndicatorsOut(
            park_id=park_id,
            year=year,
            run_id=run_id,
            enterprise_id=ent_id,
            level="park" if ent_id is None else "enterprise",
            size_band_zh=table.size_band_zh,
            size_band_en=table.size_band_en,
            veto=table.veto,
            rows=[r.to_dict() for r in table.rows],
        )
        rendered = out.model_dump_json().encode()
        return rendered, etag_of(rendered)

    memo = caches(request).indicator_bodies
    hit = memo.peek(run_id)
    if hit is None:
        hit = await run_in_threadpool(memo.get, run_id, compute)
    return json_bytes(request, *hit)


@router.get("/parks/{park_id}/indicators", response_model=IndicatorsOut)
async def get_indicators(
    park_id: str,
    request: Request,
    scope: ScopeDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    enterprise_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The 1+5 indicators with pass/fail and what is missing (or one enterprise's). 零碳园区指标.

    An enterprise user always gets its own enterprise's table (another enterprise's: 404, audited).
    """
    return await park_indicators(request, scope, park_id, year, enterprise_id)


@router.get("/indicators", response_model=IndicatorsOut)
async def get_indicators_of_my_park(
    request: Request,
    scope: ScopeDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    park_id: Annotated[str | None, Query(max_length=64)] = None,
    enterprise_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Indicators of ``park_id`` (default: the user's park; enterprise user: its own). 零碳园区指标."""
    pid = park_id or scope.user.park_id
    if pid is None:
        raise NotFound("no park given and the user has none; pass ?park_id=")
    return await park_indicators(request, scope, pid, year, enterprise_id)
