"""企业 enterprises: the list with each one's share, and one enterprise's page."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zeropark.errors import NotFound
from zeropark.i18n import carrier_label
from zeropark.model import Method
from zeropark.web import charts, views
from zeropark.web.context import PageDep, make_pager
from zeropark.web.pages.common import not_found_page, page_inventory

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


@router.get("/enterprises", response_class=HTMLResponse)
def enterprises(page: PageDep) -> Response:
    """企业 list with emissions and energy per enterprise (park users); enterprise users go to their own."""
    if page.scope.is_enterprise:
        return RedirectResponse(f"/enterprises/{page.user.enterprise_id}", status_code=303)
    if page.park is None:
        return page.render("enterprises.html", "enterprises", "nav_enterprises", rows=[], pager=None)
    inv = page_inventory(page, Method.NATIONAL)
    rows = views.enterprise_rows(page.scope, page.park.id, inv)
    pager = make_pager(page.request, len(rows), per_page=25)
    return page.render(
        "enterprises.html",
        "enterprises",
        "nav_enterprises",
        rows=rows[pager.offset : pager.offset + pager.per_page],
        pager=pager,
        inv=inv,
    )


@router.get("/enterprises/{enterprise_id}", response_class=HTMLResponse)
def enterprise_page(page: PageDep, enterprise_id: str) -> Response:
    """One enterprise: its own totals, trends, line items and meters (only inside the user's scope)."""
    try:
        ent = views.enterprise(page.scope, enterprise_id)
    except NotFound as exc:
        return not_found_page(page, exc)
    inv = page_inventory(page, Method.NATIONAL, enterprise_id=ent.id)
    detail = views.enterprise_detail(page.scope, ent, inv)
    months = list(detail.by_month)
    chart = charts.bar_chart(
        months,
        [detail.by_month[m] for m in months],
        axis_name="tCO2",
        urls=[
            f"/inventory/items?method=national&by=month&key={quote(m)}&view={quote(ent.id)}&year={page.year}"
            for m in months
        ],
        series_name=page.t("emissions_tco2"),
    )
    mix = charts.pie_chart(
        [(carrier_label(c, page.lang), v) for c, v in detail.by_carrier.items() if v > 0],
        unit="tCO2",
        urls=None,
    )
    active = "enterprise" if page.scope.is_enterprise else "enterprises"
    indicators = (
        views.guiding_indicators(page.scope, page.park.id, page.year, inv, page.lang, include_core=True)
        if inv is not None and page.park is not None
        else []
    )
    return page.render(
        "enterprise.html",
        active,
        "nav_enterprise" if page.scope.is_enterprise else "nav_enterprises",
        ent=ent,
        detail=detail,
        indicators=indicators,
        chart_months=chart,
        chart_mix=mix,
    )
