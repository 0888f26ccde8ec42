"""Line items (清单条目) of a run: list, one item with formula, factors and evidence, its readings.

Enterprise users see only their own enterprise's line items. A run's line items never change, so
each one's JSON is rendered once per run (:class:`~zeropark.api.caching.RenderedLines`); a line
item's drill-down is rendered once per (run, item, tenant view, page) and kept while no meter,
activity record, claim or transfer changes (``ROW_TTL_S`` for changes made outside this process).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from zeropark.accounting import Inventory, LineItem
from zeropark.api.auth import GuardedRoute, ScopeDep
from zeropark.api.caching import RenderedLines, caches
from zeropark.api.paging import IntId, Limit, Offset
from zeropark.api.routers.inventory import stored_inventory, visible_summary
from zeropark.api.routers.readings import readings_page
from zeropark.api.schemas import EvidenceOut, LineItemDetail, LineItemOut, Page
from zeropark.api.shapes import evidence_out, line_out
from zeropark.errors import NotFound
from zeropark.factors import FactorSet
from zeropark.services.factor_sets import resolve_factor_set
from zeropark.serving.caching import etag_of, json_bytes
from zeropark.store import changes
from zeropark.store.changes import METER_TOPIC
from zeropark.store.queries import parks, views
from zeropark.store.queries.evidence import resolve_evidence
from zeropark.store.runs import RunSummary
from zeropark.store.scope import Scope

router = APIRouter(route_class=GuardedRoute, tags=["inventory 排放清单"])

_NOT_MODIFIED: dict[int | str, dict[str, Any]] = {304: {"description": "Not Modified (ETag matched)"}}


def _render_lines(inv: Inventory) -> RenderedLines:
    lines = tuple(inv.lines)
    return RenderedLines(lines, tuple(line_out(li).model_dump_json(by_alias=True).encode() for li in lines))


async def _rendered_lines(request: Request, summary: RunSummary, inv: Inventory) -> RenderedLines:
    memo = caches(request).line_renderings
    key = (summary.id, summary.input_fingerprint)
    rendered = memo.peek(key)
    if rendered is None:
        rendered = await run_in_threadpool(memo.get, key, lambda: _render_lines(inv))
    return rendered


@router.get("/inventory-runs/{run_id}/line-items", response_model=Page[LineItemOut], responses=_NOT_MODIFIED)
async def list_line_items(
    run_id: IntId,
    request: Request,
    scope: ScopeDep,
    category: Annotated[str | None, Query(max_length=64)] = None,
    enterprise_id: Annotated[str | None, Query(max_length=64)] = None,
    carrier: Annotated[str | None, Query(max_length=32)] = None,
    month: Annotated[date | None, Query(description="first day of the local month")] = None,
    scope_no: Annotated[int | None, Query(alias="scope", ge=1, le=3)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Line items of a run, filtered (category, enterprise, carrier, month, scope). 清单条目.

    Each line item's JSON is rendered once per run; a page is joined from them (ETag, 304).
    """
    summary = await visible_summary(request, scope, run_id)
    inv = await stored_inventory(request, summary)
    rendered = await _rendered_lines(request, summary, inv)
    sees = views.sees_enterprise(scope)
    picked = [
        i
        for i, li in enumerate(rendered.lines)
        if sees(li.enterprise_id)
        and (category is None or li.category.value == category)
        and (enterprise_id is None or li.enterprise_id == enterprise_id)
        and (carrier is None or (li.carrier is not None and li.carrier.value == carrier))
        and (month is None or li.month == month)
        and (scope_no is None or li.scope == scope_no)
    ]
    items = b",".join(rendered.json[i] for i in picked[offset : offset + limit])
    body = b'{"items":[%b],"total":%d,"limit":%d,"offset":%d}' % (items, len(picked), limit, offset)
    return json_bytes(request, body)


def _find_line(scope: Scope, inv: Inventory, run_id: int, item_id: str) -> LineItem:
    for li in inv.lines:
        if li.id == item_id:
            if not views.sees_enterprise(scope)(li.enterprise_id):
                scope.deny("line_item", f"{run_id}/{item_id}", "line item of another enterprise")
                break
            return li
    raise NotFound(f"line item '{item_id}' not found in inventory run {run_id}")


@router.get("/inventory-runs/{run_id}/line-items/{item_id}", response_model=LineItemDetail)
async def get_line_item(
    run_id: IntId,
    item_id: str,
    request: Request,
    scope: ScopeDep,
    evidence_limit: Limit = 50,
    evidence_offset: Offset = 0,
) -> Response:
    """One line item: formula with numbers, factors with their sources, evidence (paginated). 条目溯源."""
    summary = await visible_summary(request, scope, run_id)
    key = (
        run_id,
        summary.input_fingerprint,
        item_id,
        views.view_key(scope),
        evidence_limit,
        evidence_offset,
        changes.generation(METER_TOPIC),
    )
    cache = caches(request).line_bodies
    hit = cache.get(key)
    if hit is None:
        generation = cache.generation()
        inv = await stored_inventory(request, summary)
        detail = await run_in_threadpool(
            _line_detail, request, scope, summary, inv, item_id, evidence_limit, evidence_offset
        )
        body = detail.model_dump_json(by_alias=True).encode()
        hit = (body, etag_of(body))
        cache.put(key, hit, generation)
    return json_bytes(request, *hit)


def _factor_set(request: Request, name: str, version: str) -> FactorSet | None:
    """The run's factor set, kept per process (a stored version is immutable); None if gone."""
    cache = caches(request).factor_sets
    fs = cache.get((name, version))
    if fs is None:
        try:
            fs = resolve_factor_set(request.app.state.engine, name, version)
        except NotFound:
            return None
        cache.put((name, version), fs)
    return fs


def _line_detail(
    request: Request,
    scope: Scope,
    summary: RunSummary,
    inv: Inventory,
    item_id: str,
    evidence_limit: int,
    evidence_offset: int,
) -> LineItemDetail:
    """The drill-down of one line item (blocking: factor set, evidence rows; thread pool)."""
    run_id = summary.id
    li = _find_line(scope, inv, run_id, item_id)
    base = line_out(li, _factor_set(request, summary.factor_set, summary.factor_set_version))
    ids = list(li.evidence)[evidence_offset : evidence_offset + evidence_limit]
    evidence = [
        evidence_out(e, f"/api/v1/inventory-runs/{run_id}/line-items/{li.id}/readings?meter_id={e.id}")
        for e in resolve_evidence(scope, ids)
    ]
    page: Page[EvidenceOut] = Page(
        items=evidence, total=len(li.evidence), limit=evidence_limit, offset=evidence_offset
    )
    return LineItemDetail(**dict(base), run_id=run_id, evidence_page=page)


def _month_range_utc(month: date, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    nxt = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start.astimezone(UTC), nxt.astimezone(UTC)


@router.get("/inventory-runs/{run_id}/line-items/{item_id}/readings")
async def line_item_readings(
    run_id: IntId,
    item_id: str,
    request: Request,
    scope: ScopeDep,
    meter_id: Annotated[str, Query(max_length=64)],
    limit: Limit = 500,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Readings of an evidence meter in the line item's month (local), paginated. 条目依据读数."""
    summary = await visible_summary(request, scope, run_id)
    inv = await stored_inventory(request, summary)
    li = _find_line(scope, inv, run_id, item_id)
    if meter_id not in li.evidence:
        raise NotFound(f"meter '{meter_id}' is not evidence of line item '{item_id}'")
    park = await run_in_threadpool(parks.park, scope, summary.park_id)
    if li.month is not None:
        start, end = _month_range_utc(li.month, park.timezone)
    else:
        start = _month_range_utc(date(summary.year, 1, 1), park.timezone)[0]
        end = _month_range_utc(date(summary.year + 1, 1, 1), park.timezone)[0]
    page = await run_in_threadpool(
        readings_page,
        caches(request).meter_tenants,
        request.app.state.engine,
        scope,
        meter_id,
        start,
        end,
        limit,
        offset,
    )
    return {"meter_id": meter_id, "start": start, "end": end, "readings": page}
