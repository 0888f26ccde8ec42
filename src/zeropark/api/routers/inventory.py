"""Inventory runs (排放清单): create, read, list, compare, sign off, recompute, delete.

Each route parses the request, calls the use case in :mod:`zeropark.services.inventory` and maps
its typed result to the response model (:mod:`zeropark.api.shapes`). A park run is accounted with
every enterprise's own view of the same input (its child runs, ``parent_run_id``); the latest run
of a view is the newest signed-off run, else the newest (:mod:`zeropark.store.queries.runs`).

Hot paths (read a run, compare) are async: a run's summary (existence, tenant, sign-off state)
comes from a per-process cache (:class:`~zeropark.api.caching.ApiCaches`, dropped by any run
written through this process's ORM, ``ROW_TTL_S`` for changes made elsewhere) and is checked
against the scope on every request; a run's full JSON is rendered once per (run, sign-off state,
tenant view) and sent as bytes with an ETag (304 on ``If-None-Match``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from zeropark.accounting import AccountingOptions, Inventory
from zeropark.api.auth import MANAGERS, WRITERS, GuardedRoute, ScopeDep, require_roles
from zeropark.api.caching import caches
from zeropark.api.paging import IntId, Limit, Offset
from zeropark.api.routers.parks import park_out
from zeropark.api.schemas import (
    CompareOut,
    CompareSide,
    InventoryOut,
    Page,
    RecomputeOut,
    RunCreate,
    RunOut,
    SignOff,
)
from zeropark.api.shapes import inventory_out, run_out
from zeropark.api.validation import invalid
from zeropark.model import Method, Role
from zeropark.services import inventory as service
from zeropark.serving.caching import etag_of, json_bytes
from zeropark.store import runs
from zeropark.store.queries import views
from zeropark.store.queries.runs import LatestRun, latest_runs, run_summary
from zeropark.store.scope import Principal, Scope

router = APIRouter(route_class=GuardedRoute, tags=["inventory 排放清单"])

Verifier = Annotated[Principal, Depends(require_roles(Role.VERIFIER))]
#: Who may recompute a run (it reads the whole park's readings: not an enterprise user).
RECOMPUTERS = Depends(require_roles(Role.ADMIN, Role.PARK_MANAGER, Role.VERIFIER))

_NOT_MODIFIED: dict[int | str, dict[str, Any]] = {304: {"description": "Not Modified (ETag matched)"}}


# --- cached reads ------------------------------------------------------------------------------


async def visible_summary(request: Request, scope: Scope, run_id: int) -> runs.RunSummary:
    """The run's summary (cached for ``ROW_TTL_S``, else one query); 404 + audit outside the scope.

    The scope is checked on every call.
    """
    engine = request.app.state.engine
    summary = await caches(request).run_summaries.load(run_id, lambda: run_summary(engine, run_id))
    if not scope.sees(park_id=summary.park_id, enterprise_id=summary.enterprise_id):
        await run_in_threadpool(
            scope.check,
            service.ENTITY,
            str(run_id),
            park_id=summary.park_id,
            enterprise_id=summary.enterprise_id,
        )
    return summary


async def stored_inventory(request: Request, summary: runs.RunSummary) -> Inventory:
    """The run's inventory from the per-process memo (loaded in the thread pool on a miss).

    The memo is keyed by run id; an entry whose input fingerprint is not the summary's (an id
    reused after a deletion, SQLite) is dropped and loaded again.
    """
    engine = request.app.state.engine
    memo = caches(request).inventories
    run_id = summary.id
    inv = memo.peek(run_id)
    if inv is not None and inv.input_fingerprint != summary.input_fingerprint:
        memo.pop(run_id)
        inv = None
    if inv is None:
        inv = await run_in_threadpool(memo.get, run_id, lambda: runs.get_run(engine, run_id).inventory)
    return inv


async def latest(
    request: Request, park_id: str, year: int, enterprise_id: str | None
) -> dict[Method, LatestRun | None]:
    """The latest national and GHG runs of a view, cached as run summaries are.

    No scope check here: the caller checks the park and the enterprise first.
    """
    engine = request.app.state.engine
    key = (park_id, year, enterprise_id)
    return await caches(request).latest_runs.load(
        key, lambda: latest_runs(engine, park_id, year, enterprise_id)
    )


# --- runs -------------------------------------------------------------------------------------


def _options(body: RunCreate) -> AccountingOptions:
    try:
        return AccountingOptions.from_dict({**body.options, "method": body.method})
    except (ValueError, TypeError) as exc:
        raise invalid("options", str(exc)) from exc


def _factor_set_reference(request: Request, body: RunCreate) -> str:
    name = body.factor_set or request.app.state.settings.factor_set
    return name if body.factor_set_version is None else f"{name}@{body.factor_set_version}"


@router.post(
    "/parks/{park_id}/inventory-runs", response_model=RunOut, status_code=201, dependencies=[WRITERS]
)
def create_run(park_id: str, body: RunCreate, request: Request, scope: ScopeDep) -> RunOut:
    """Account a year from the store (national or GHG) and save the run. 核算并保存排放清单.

    A park run stores every enterprise's own view of the same input with it (``parent_run_id``);
    an enterprise user accounts its own enterprise only.
    """
    accounted = service.account_year(
        scope,
        park_id,
        body.year,
        _options(body),
        _factor_set_reference(request, body),
        enterprise_id=body.enterprise_id,
    )
    caches(request).inventories.put(accounted.run.id, accounted.inventory)
    return run_out(accounted.run)


@router.get("/parks/{park_id}/inventory-runs", response_model=Page[RunOut])
def list_runs(
    park_id: str,
    scope: ScopeDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    method: Method | None = None,
    enterprise_id: Annotated[str | None, Query(max_length=64)] = None,
    all_views: Annotated[
        bool, Query(description="every run of the park: park runs and the enterprises' views")
    ] = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[RunOut]:
    """Runs of the park's view (or one enterprise's), newest first (enterprise user: its own). 清单列表."""
    items, total = service.list_runs(
        scope,
        park_id,
        year=year,
        method=method,
        enterprise_id=enterprise_id,
        all_views=all_views,
        limit=limit,
        offset=offset,
    )
    return Page(items=[run_out(s) for s in items], total=total, limit=limit, offset=offset)


@router.get("/parks/{park_id}/inventory-runs/compare", response_model=CompareOut)
async def compare(
    park_id: str,
    request: Request,
    scope: ScopeDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    enterprise_id: Annotated[str | None, Query(max_length=64)] = None,
) -> CompareOut:
    """National method and GHG Protocol side by side for a year (the latest run of each). 方法对比.

    The latest run of a view is the newest signed-off run, else the newest run; a newer unsigned
    run is named in ``newer_draft``.
    """
    await park_out(request, scope, park_id)
    if not views.may_name(scope, enterprise_id):
        await run_in_threadpool(
            views.check_view,
            scope,
            enterprise_id,
            entity=service.ENTITY,
            entity_id=f"compare:{enterprise_id}",
            reason="other enterprise's comparison",
        )
    enterprise_id = views.view(scope, enterprise_id)
    found = await latest(request, park_id, year, enterprise_id)
    sides = {}
    for method in (Method.NATIONAL, Method.GHG):
        side = found[method]
        if side is None:
            sides[method] = CompareSide(
                method=method,
                run=None,
                missing=f"no {method.value} run for {year}; "
                f"create one with POST /api/v1/parks/{park_id}/inventory-runs",
            )
            continue
        summary = await visible_summary(request, scope, side.run.id)
        inv = await stored_inventory(request, summary)
        sides[method] = CompareSide(
            method=method,
            run=run_out(summary),
            total_tco2e=inv.total_tco2e,
            total_market_tco2e=inv.total_market_tco2e,
            energy_tce=inv.energy_tce,
            intensity_tco2_per_tce=inv.intensity_tco2_per_tce,
            by_scope=dict(inv.by_scope),
            by_source=dict(inv.by_source),
            options_statement_zh=inv.options_statement_zh,
            options_statement_en=inv.options_statement_en,
            newer_draft=None if side.newer_draft is None else run_out(side.newer_draft),
        )
    return CompareOut(
        park_id=park_id,
        year=year,
        enterprise_id=enterprise_id,
        national=sides[Method.NATIONAL],
        ghg=sides[Method.GHG],
    )


@router.get("/inventory-runs/{run_id}", response_model=InventoryOut, responses=_NOT_MODIFIED)
async def get_run(run_id: IntId, request: Request, scope: ScopeDep) -> Response:
    """A run with totals, breakdowns (enterprises on the consumption basis), interval, gaps, notes. 清单详情.

    Rendered once per (run, sign-off state, tenant view) and sent with an ETag.
    """
    summary = await visible_summary(request, scope, run_id)
    head = run_out(summary).model_dump_json(by_alias=True)
    key = (run_id, summary.input_fingerprint, views.view_key(scope), head)
    cache = caches(request).run_bodies
    hit = cache.get(key)
    if hit is None:
        inv = await stored_inventory(request, summary)
        body = await run_in_threadpool(
            lambda: inventory_out(summary, inv, scope).model_dump_json(by_alias=True).encode()
        )
        hit = (body, etag_of(body))
        cache.put(key, hit)
    return json_bytes(request, hit[0], hit[1])


@router.get("/inventory-runs/{run_id}/enterprise-runs", response_model=list[RunOut])
def enterprise_runs(run_id: IntId, scope: ScopeDep) -> list[RunOut]:
    """The enterprises' own views stored with a park run (an enterprise user: its own). 企业清单."""
    return [run_out(s) for s in service.enterprise_runs(scope, run_id)]


@router.post("/inventory-runs/{run_id}/sign-off", response_model=RunOut)
def sign_off(run_id: IntId, body: SignOff, verifier: Verifier, scope: ScopeDep) -> RunOut:
    """A verifier signs the run (and its enterprise views) off; frozen from then on. 核查签发.

    409 when it is already signed off.
    """
    return run_out(service.sign_off(scope, run_id, body.note))


@router.post("/inventory-runs/{run_id}/recompute", response_model=RecomputeOut, dependencies=[RECOMPUTERS])
def recompute(run_id: IntId, scope: ScopeDep) -> RecomputeOut:
    """Recompute a stored run from the readings now and compare bit for bit (verifiers check runs). 复算."""
    result = service.recompute(scope, run_id)
    return RecomputeOut(
        run_id=result.run_id,
        stored_fingerprint=result.stored_fingerprint,
        recomputed_fingerprint=result.recomputed_fingerprint,
        fingerprint_match=result.fingerprint_match,
        totals_match=result.totals_match,
        identical=result.identical,
        differences=list(result.differences),
    )


@router.delete("/inventory-runs/{run_id}", status_code=204, response_class=Response, dependencies=[MANAGERS])
def delete_run(run_id: IntId, request: Request, scope: ScopeDep) -> Response:
    """Delete a run that is not signed off, with its enterprise views (admin, park manager). 删除清单.

    409 when the run is signed off (frozen).
    """
    service.delete_run(scope, run_id)
    caches(request).inventories.pop(run_id)
    return Response(status_code=204)
