"""Data quality (数据质量): completeness, flagged, conflicts, quarantine and a 0–100 score.

From ``zeropark.monitoring.quality``; an enterprise user gets only its own meters and its own
enterprise score. A park's report is computed once and refreshed in the background after ``CACHE_TTL_S``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from zeropark.api.auth import GuardedRoute, ScopeDep
from zeropark.api.caching import caches
from zeropark.api.paging import Limit, Offset
from zeropark.api.routers.parks import park_out
from zeropark.api.schemas import Page
from zeropark.monitoring.quality import QualityReport, quality_report, view_of_report
from zeropark.serving.caching import etag_of, json_bytes
from zeropark.store.queries import views
from zeropark.store.scope import Scope

router = APIRouter(route_class=GuardedRoute, tags=["quality 数据质量"])


class MeterQualityOut(BaseModel):
    """Quality figures of one meter for the period."""

    meter_id: str
    enterprise_id: str | None
    n_expected: int
    n_present: int
    n_flagged: int
    n_conflicts: int
    n_quarantined: int
    completeness: float
    flagged_share: float
    score: float
    last_reading_utc: datetime | None
    freshness_s: float | None


class QualityOut(BaseModel):
    """Data quality of a park (or, for an enterprise user, its enterprise) for a year."""

    park_id: str
    year: int
    start_utc: datetime
    end_utc: datetime
    score: float | None
    by_enterprise: dict[str, float | None]
    meters: Page[MeterQualityOut]


async def _cached_report(request: Request, park_id: str, year: int) -> QualityReport:
    """The park's report from the memo (no thread hop on a hit; a miss computes in the pool)."""
    memo = caches(request).quality_reports
    engine = request.app.state.engine

    def work() -> QualityReport:
        return quality_report(engine, park_id, year)

    report: QualityReport | None = memo.peek((park_id, year), work)
    return report if report is not None else await run_in_threadpool(memo.get, (park_id, year), work)


@router.get("/parks/{park_id}/quality", response_model=QualityOut)
async def get_quality(
    park_id: str,
    request: Request,
    scope: ScopeDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    limit: Limit = 100,
    offset: Offset = 0,
    worst_first: bool = True,
) -> Response:
    """Data-quality score of a park and its meters (worst first by default). 数据质量.

    The JSON of a page is rendered once per report (a report is immutable; a refresh is a new
    one) and tenant view, and sent with an ETag (304 on ``If-None-Match``).
    """
    await park_out(request, scope, park_id)
    report = await _cached_report(request, park_id, year)
    key = (park_id, year, views.view_key(scope), limit, offset, worst_first)
    cache = caches(request).quality_bodies
    hit = cache.get(key)
    if hit is None or hit[0] is not report:
        out = quality_out(report, scope, park_id, year, limit, offset, worst_first)
        body = out.model_dump_json(by_alias=True).encode()
        hit = (report, body, etag_of(body))
        cache.put(key, hit)
    return json_bytes(request, hit[1], hit[2])


def quality_out(
    report: QualityReport, scope: Scope, park_id: str, year: int, limit: int, offset: int, worst_first: bool
) -> QualityOut:
    """API shape of a quality report as ``scope`` may see it (an enterprise user: its meters and score).

    The score is the view's (:func:`~zeropark.monitoring.quality.view_of_report`: the park's, or
    the enterprise's own), the figure every door shows.
    """
    view = view_of_report(report, views.view(scope, None))
    meters = list(view.meters)
    if worst_first:
        meters.sort(key=lambda m: (m.score, m.meter_id))
    sees = views.sees_enterprise(scope)
    by_ent = {(k or "park"): v for k, v in report.by_enterprise.items() if sees(k)}
    page = meters[offset : offset + limit]
    items = [
        MeterQualityOut(
            meter_id=m.meter_id,
            enterprise_id=m.enterprise_id,
            n_expected=m.n_expected,
            n_present=m.n_present,
            n_flagged=m.n_flagged,
            n_conflicts=m.n_conflicts,
            n_quarantined=m.n_quarantined,
            completeness=m.completeness,
            flagged_share=m.flagged_share,
            score=m.score,
            last_reading_utc=m.last_reading_utc,
            freshness_s=m.freshness_s,
        )
        for m in page
    ]
    return QualityOut(
        park_id=park_id,
        year=year,
        start_utc=report.start_utc,
        end_utc=report.end_utc,
        score=view.score,
        by_enterprise=by_ent,
        meters=Page(items=items, total=len(meters), limit=limit, offset=offset),
    )
