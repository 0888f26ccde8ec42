"""总览 overview: the core indicator with pass/fail, guiding indicators, trends, mix, top emitters."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zeropark.model import Method
from zeropark.web import charts, views
from zeropark.web.context import PageDep
from zeropark.web.inventory_view import enterprise_names
from zeropark.web.pages.common import drill_url, label_maker, page_inventory

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def overview(page: PageDep) -> Response:
    """总览: core indicator with pass/fail, guiding indicators, trends, mix, clean share, top emitters."""
    if page.scope.is_enterprise:
        return RedirectResponse(f"/enterprises/{page.user.enterprise_id}", status_code=303)
    if page.park is None:
        return page.render("overview.html", "overview", "nav_overview", inv=None)
    inv = page_inventory(page, Method.NATIONAL)
    ghg = page_inventory(page, Method.GHG)
    names = enterprise_names(page.scope, page.park.id)
    ctx: dict[str, Any] = {"inv": inv, "ghg": ghg}
    if inv is not None:
        label = label_maker(page, names)
        core = views.core_indicator(inv, page.lang)
        ctx["core"] = core
        ctx["guiding"] = views.guiding_indicators(page.scope, page.park.id, page.year, inv, page.lang)
        months = list(inv.by_month)
        ctx["chart_emissions"] = charts.bar_chart(
            months,
            [inv.by_month[m] for m in months],
            axis_name="tCO2",
            urls=[drill_url(page, "national", "month", m) for m in months],
            series_name=page.t("emissions_tco2"),
        )
        e_months = list(inv.energy_by_month_tce)
        ctx["chart_energy"] = charts.line_chart(
            e_months,
            [(page.t("energy_tce"), [inv.energy_by_month_tce[m] for m in e_months])],
            axis_name="tce",
            area=True,
        )
        mix = [(label("carrier", c), v) for c, v in inv.energy_by_carrier_tce.items() if v > 0]
        ctx["chart_mix"] = charts.pie_chart(mix, unit="tce")
        ctx["chart_clean_annual"] = charts.gauge_chart(
            None if inv.clean_share_annual is None else inv.clean_share_annual * 100,
            name=page.t("clean_share_annual"),
            target_pct=90.0,
        )
        ctx["chart_clean_hourly"] = charts.gauge_chart(
            None if inv.clean_share_hourly is None else inv.clean_share_hourly * 100,
            name=page.t("clean_share_hourly"),
            target_pct=90.0,
        )
        top = [(k, v) for k, v in inv.by_enterprise.items() if k != "park"][:10]
        ctx["chart_top"] = charts.bar_chart(
            [label("enterprise", k) for k, _ in top],
            [v for _, v in top],
            axis_name="tCO2",
            urls=[drill_url(page, "national", "enterprise", k) for k, _ in top],
            horizontal=True,
            series_name=page.t("emissions_tco2"),
        )
    return page.render("overview.html", "overview", "nav_overview", **ctx)
