"""数据质量 data quality: completeness per meter, quarantine, conflicts, ingest counters."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from zeropark.web import charts, views
from zeropark.web.context import PageDep, make_pager

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


@router.get("/quality", response_class=HTMLResponse)
def quality(page: PageDep) -> Response:
    """数据质量: completeness per meter, quarantined records, conflicts, ingest counters."""
    if page.park is None:
        return page.render("quality.html", "quality", "nav_quality", q=None)
    q = views.quality(page.scope, page.park.id, page.year)
    pager = make_pager(page.request, len(q.meters), per_page=25)
    chart = charts.bar_chart(
        [m.id for m in q.meters[pager.offset : pager.offset + pager.per_page]],
        [m.completeness * 100 for m in q.meters[pager.offset : pager.offset + pager.per_page]],
        axis_name="%",
        urls=[
            f"/meters/{quote(m.id)}/readings" for m in q.meters[pager.offset : pager.offset + pager.per_page]
        ],
        series_name=page.t("completeness_pct"),
    )
    return page.render("quality.html", "quality", "nav_quality", q=q, pager=pager, chart_quality=chart)
