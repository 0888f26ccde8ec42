"""总览 overview: the core indicator with pass/fail, guiding indicators, trends, mix, top emitters."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zeropark.accounting import PARK_LEVEL
from zeropark.model import Method
from zeropark.serving import charts
from zeropark.store.queries import enterprises
from zeropark.web.context import PageDep
from zeropark.web.pages.common import (
    core_indicator,
    drill_url,
    indicator_rows,
    label_maker,
    page_run,
    run_statements,
)

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def overview(page: PageDep) -> Response:
    """总览: core indicator with pass/fail, guiding indicators, trends, mix, clean share, top emitters."""
    if page.scope.is_enterprise:
        return RedirectResponse(f"/enterprises/{page.user.enterprise_id}", status_code=303)
    if page.park is None:
        return page.render("overview.html", "overview", "nav_overview", run=None)
    national = page_run(page, Method.NATIONAL)
    ghg = page_run(page, Method.GHG)
    ctx: dict[str, Any] = {"run": national, "ghg": ghg}
    ctx["statements"] = run_statements(("national", national), ("ghg", ghg))
    if national is not None:
        inv = national.inventory
        label = label_maker(page, enterprises.names(page.scope, page.park.id))
        ctx["inv"] = inv
        ctx["core"] = core_indicator(national, page.lang)
        ctx["guiding"] = indicator_rows(national, page.lang)
        months = list(inv.by_month)
        ctx["chart_emissions"] = charts.bar_chart(
            [label("month", m) for m in months],
            [inv.by_month[m] for m in months],
            axis_name="tCO2",
            urls=[drill_url(page, "national", "month", m) for m in months],
            series_name=page.t("emissions_tco2"),
        )
        energy = inv.energy_by_month
        ctx["chart_energy"] = charts.line_chart(
            [label("month", m) for m in energy],
            [(page.t("energy_tce"), list(energy.values()))],
            axis_name="tce",
            area=True,
        )
        mix = [(label("carrier", c), v) for c, v in inv.energy_by_carrier.items() if v > 0]
        ctx["chart_mix"] = charts.pie_chart(mix, unit="tce")
        ctx["chart_clean_annual"] = charts.gauge_chart(
            None if inv.clean_energy_share is None else inv.clean_energy_share * 100,
            name=page.t("clean_share_annual"),
            target_pct=90.0,
        )
        ctx["chart_clean_hourly"] = charts.gauge_chart(
            None if inv.hourly.share is None else inv.hourly.share * 100,
            name=page.t("clean_share_hourly"),
            target_pct=90.0,
        )
        top = sorted(
            (
                (c.party, c.emissions_tco2e)
                for c in inv.consumers
                if c.party != PARK_LEVEL and c.emissions_tco2e > 0
            ),
            key=lambda kv: -kv[1],
        )[:10]
        ctx["chart_top"] = charts.bar_chart(
            [label("enterprise", k) for k, _ in top],
            [v for _, v in top],
            axis_name="tCO2",
            urls=[drill_url(page, "national", "enterprise", k) for k, _ in top],
            horizontal=True,
            series_name=page.t("emissions_tco2"),
        )
    return page.render("overview.html", "overview", "nav_overview", **ctx)
