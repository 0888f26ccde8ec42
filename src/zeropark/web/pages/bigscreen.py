"""大屏 the park's big screen for the control room: indicators, live curves, energy flows, open alarms.

Full screen, no navigation, refreshing itself: the live curves come over Server-Sent Events from
``/api/v1/parks/{id}/live`` (the same stream as 能源监测), the indicator and alarm panel is
re-rendered by htmx every ``refresh`` seconds (default 60) from ``/bigscreen/panel``. Every figure
comes from the same functions as the overview and monitoring pages: the latest national run of the
park's view (:func:`zeropark.services.inventory.latest_view` via ``page_run``), the live curves and
the Sankey (:mod:`zeropark.services.monitoring`), the alarms' read model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zeropark.model import Method
from zeropark.services import monitoring as monitoring_view
from zeropark.serving import charts
from zeropark.store.queries import alarms as alarm_queries
from zeropark.store.queries import views
from zeropark.web.context import Page, PageDep
from zeropark.web.pages.common import core_indicator, page_run

router = APIRouter(include_in_schema=False)

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
#: Shortest panel refresh the page accepts [s] (a wall display, not a load test).
MIN_REFRESH_S = 2
DEFAULT_REFRESH_S = 60
#: Open alarms listed on the screen.
ALARMS_SHOWN = 8


def _panel(page: Page) -> dict[str, Any]:
    """Indicators and open alarms (what the panel re-renders)."""
    assert page.park is not None
    national = page_run(page, Method.NATIONAL)
    ctx: dict[str, Any] = {"run": national, "now": datetime.now(LOCAL_TZ)}
    if national is not None:
        inv = national.inventory
        ctx["inv"] = inv
        ctx["core"] = core_indicator(national, page.lang)
        ctx["clean_annual"] = None if inv.clean_energy_share is None else inv.clean_energy_share * 100
        ctx["clean_hourly"] = None if inv.hourly.share is None else inv.hourly.share * 100
    ctx["n_open"] = alarm_queries.count_alarms(page.scope, page.park.id, "open")
    ctx["n_acknowledged"] = alarm_queries.count_alarms(page.scope, page.park.id, "acknowledged")
    ctx["alarms"] = alarm_queries.alarms(page.scope, page.park.id, "open", 0, ALARMS_SHOWN)
    return ctx


@router.get("/bigscreen", response_class=HTMLResponse)
def bigscreen(page: PageDep, refresh: int = DEFAULT_REFRESH_S) -> Response:
    """大屏: full-screen control-room view of the park (enterprise users go to their monitoring)."""
    if not views.sees_park_level(page.scope):  # an enterprise user: its own monitoring
        return RedirectResponse("/monitoring", status_code=303)
    if page.park is None:
        return page.render("bigscreen.html", "bigscreen", "nav_bigscreen", refresh=refresh)
    live = monitoring_view.live_curves(page.scope, page.park.id, page.lang)
    flows = monitoring_view.energy_flows(page.scope, page.park.id, page.year, page.lang)
    option = charts.line_chart(live.x, live.series, axis_name="kW") if live.x else None
    return page.render(
        "bigscreen.html",
        "bigscreen",
        "nav_bigscreen",
        refresh=max(MIN_REFRESH_S, refresh),
        live=live,
        chart_live=option,
        sankey=charts.sankey_chart(flows.nodes, flows.links, unit="MWh", kinds=flows.kinds)
        if flows.links
        else None,
        sankey_height=charts.sankey_height(flows.kinds),
        **_panel(page),
    )


@router.get("/bigscreen/panel", response_class=HTMLResponse)
def bigscreen_panel(page: PageDep, refresh: int = DEFAULT_REFRESH_S) -> Response:
    """The indicators and open alarms of the big screen (htmx, every ``refresh`` seconds)."""
    if not views.sees_park_level(page.scope) or page.park is None:
        return RedirectResponse("/monitoring", status_code=303)
    return page.partial("partials/bigscreen_panel.html", refresh=max(MIN_REFRESH_S, refresh), **_panel(page))
