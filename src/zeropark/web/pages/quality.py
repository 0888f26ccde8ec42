"""数据质量 data quality: the score and completeness, each meter, quarantine, conflicts, ingest counters.

The score and completeness are :func:`zeropark.services.quality.data_quality` — the figure the
API, the inventory runs and the reports show.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from zeropark.services.quality import data_quality
from zeropark.serving import charts
from zeropark.store.queries import quality as details
from zeropark.web.context import PageDep, make_pager

router = APIRouter(include_in_schema=False)


@router.get("/quality", response_class=HTMLResponse)
def quality(page: PageDep) -> Response:
    """数据质量: completeness per meter, quarantined records, conflicts, ingest counters."""
    if page.park is None:
        return page.render("quality.html", "quality", "nav_quality", q=None)
    q = data_quality(page.scope, page.park.id, page.year)
    worst = sorted(q.meters, key=lambda m: (m.completeness, m.meter_id))
    ids = [m.meter_id for m in q.meters]
    quarantine, n_quarantine = details.open_quarantine(page.scope, page.park.id, ids)
    pager = make_pager(page.request, len(worst), per_page=25)
    shown = worst[pager.offset : pager.offset + pager.per_page]
    chart = charts.bar_chart(
        [m.meter_id for m in shown],
        [m.completeness * 100 for m in shown],
        axis_name="%",
        urls=[f"/meters/{quote(m.meter_id)}/readings" for m in shown],
        series_name=page.t("completeness_pct"),
    )
    return page.render(
        "quality.html",
        "quality",
        "nav_quality",
        q=q,
        meters=shown,
        quarantine=quarantine,
        n_quarantine=n_quarantine,
        conflicts=details.conflicts(page.scope, ids),
        counters=details.counters(page.scope),
        pager=pager,
        chart_quality=chart,
    )
