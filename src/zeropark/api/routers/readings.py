"""Readings (计量数据) and rollups (汇总) of one meter over a time range, paginated.

Times are UTC instants (ISO 8601 with offset); values are in the carrier's canonical unit.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import Engine, Row
from starlette.concurrency import run_in_threadpool

from zeropark.api.auth import GuardedRoute, ScopeDep
from zeropark.api.caching import caches
from zeropark.api.paging import Limit, Offset
from zeropark.api.routers.meters import MeterTenants, check_meter
from zeropark.api.schemas import Page, ReadingOut, RollupOut
from zeropark.api.validation import invalid
from zeropark.store.queries import meters
from zeropark.store.scope import Scope

router = APIRouter(route_class=GuardedRoute, tags=["readings 计量数据"])


class Bucket(StrEnum):
    """Rollup bucket sizes."""

    MIN15 = "15min"
    HOUR = "hour"
    DAY = "day"
    MONTH = "month"


def _check_range(start: datetime | None, end: datetime | None) -> None:
    for name, ts in (("start", start), ("end", end)):
        if ts is not None and ts.tzinfo is None:
            raise invalid(name, f"{name}={ts.isoformat()} has no UTC offset; add one, e.g. +08:00 or Z")
    if start is not None and end is not None and end < start:
        raise invalid("end", f"end {end.isoformat()} is before start {start.isoformat()}")


def _json(page: Page[ReadingOut] | Page[RollupOut]) -> Response:
    """The page as JSON bytes, serialised once (not validated again against the response model)."""
    return Response(page.model_dump_json(by_alias=True).encode(), media_type="application/json")


def _reading_out(r: Row[Any]) -> ReadingOut:
    return ReadingOut(meter_id=r.meter_id, ts=r.ts, value=r.value, quality=r.quality)


def readings_page(
    tenants: MeterTenants,
    engine: Engine,
    scope: Scope,
    meter_id: str,
    start: datetime | None,
    end: datetime | None,
    limit: int,
    offset: int,
) -> Page[ReadingOut]:
    """Readings of a visible meter in ``[start, end)``, oldest first (blocking: thread pool)."""
    check_meter(tenants, engine, scope, meter_id)
    _check_range(start, end)
    found = meters.reading_page(scope, meter_id, start, end, limit=limit, offset=offset)
    items = [_reading_out(r) for r in found.items]
    return Page[ReadingOut](items=items, total=found.total, limit=limit, offset=offset)


@router.get("/meters/{meter_id}/readings", response_model=Page[ReadingOut])
async def list_readings(
    meter_id: str,
    request: Request,
    scope: ScopeDep,
    start: Annotated[datetime | None, Query(description="from (inclusive), ISO 8601 with offset")] = None,
    end: Annotated[datetime | None, Query(description="to (exclusive), ISO 8601 with offset")] = None,
    limit: Limit = 500,
    offset: Offset = 0,
) -> Response:
    """Readings of a meter in ``[start, end)``, oldest first. 计量数据."""
    engine = request.app.state.engine
    page = await run_in_threadpool(
        readings_page, caches(request).meter_tenants, engine, scope, meter_id, start, end, limit, offset
    )
    return _json(page)


def _rollup_out(r: Row[Any]) -> RollupOut:
    return RollupOut(
        meter_id=r.meter_id,
        bucket=r.bucket,
        start=r.start,
        value=r.value,
        completeness=r.n_present / r.n_expected if r.n_expected else 0.0,
        n_present=r.n_present,
        n_expected=r.n_expected,
        n_flagged=r.n_flagged,
        n_filled=r.n_filled,
    )


def _rollups_page(
    tenants: MeterTenants,
    engine: Engine,
    scope: Scope,
    meter_id: str,
    bucket: Bucket,
    start: datetime | None,
    end: datetime | None,
    limit: int,
    offset: int,
) -> Page[RollupOut]:
    check_meter(tenants, engine, scope, meter_id)
    _check_range(start, end)
    found = meters.rollup_page(scope, meter_id, bucket.value, start, end, limit=limit, offset=offset)
    items = [_rollup_out(r) for r in found.items]
    return Page[RollupOut](items=items, total=found.total, limit=limit, offset=offset)


@router.get("/meters/{meter_id}/rollups", response_model=Page[RollupOut])
async def list_rollups(
    meter_id: str,
    request: Request,
    scope: ScopeDep,
    bucket: Bucket = Bucket.HOUR,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: Limit = 500,
    offset: Offset = 0,
) -> Response:
    """Interval energy per bucket with completeness (share of expected intervals present). 汇总数据."""
    engine = request.app.state.engine
    page = await run_in_threadpool(
        _rollups_page,
        caches(request).meter_tenants,
        engine,
        scope,
        meter_id,
        bucket,
        start,
        end,
        limit,
        offset,
    )
    return _json(page)
