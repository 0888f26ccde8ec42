"""省级视图 ``/province`` (#20): ranking, totals and indicator distributions of many parks.

The page shows :func:`zeropark.services.provincial.stored_view` of the user's scope — the same
figures as ``GET /api/v1/province/view`` and ``zeropark province view``. Provincial users and
admins only; another role gets the service's refusal (403, audited).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from zeropark.errors import PermissionDenied
from zeropark.services import provincial
from zeropark.serving import charts
from zeropark.web.context import PageDep

router = APIRouter(include_in_schema=False)


@router.get("/province", response_class=HTMLResponse)
def province_page(page: PageDep) -> Response:
    """省级视图 of the selected year: parks ranked by emissions, totals, indicator quartiles."""
    try:
        found = provincial.stored_view(page.scope, page.year)
    except PermissionDenied as exc:
        return page.render("province.html", "province", "prov_title", status_code=403, error=str(exc))
    ranking = found.view.ranking
    chart = None
    if ranking:
        chart = charts.bar_chart(
            [found.names.get(pid, pid) for pid, _ in ranking],
            [t for _, t in ranking],
            axis_name="tCO2",
            horizontal=True,
        )
    by_id = {o.park_id: o for o in found.view.parks}
    return page.render(
        "province.html",
        "province",
        "prov_title",
        found=found,
        by_id=by_id,
        chart_prov=chart,
        error=None,
    )
