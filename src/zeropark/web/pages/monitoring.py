"""能源监测 monitoring: live curves, the meter tree with balances, the Sankey of energy flows."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from zeropark.web import charts, views
from zeropark.web.context import PageDep

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


@router.get("/monitoring", response_class=HTMLResponse)
def monitoring(page: PageDep) -> Response:
    """能源监测: live curves, meter tree with balance, Sankey of energy flows.

    The live chart is rendered here and then updated by Server-Sent Events from
    ``/api/v1/parks/{id}/live`` (``zeropark.api.routers.live``): no polling.
    """
    if page.park is None:
        return page.render("monitoring.html", "monitoring", "nav_monitoring", live=None)
    live = views.live_curves(page.scope, page.park.id, page.t)
    tree = views.meter_tree(page.scope, page.park.id, page.year)
    flows = views.energy_flows(page.scope, page.park.id, page.year, page.t, page.lang)
    sankey = charts.sankey_chart(flows.nodes, flows.links, unit="MWh") if flows.links else None
    return page.render(
        "monitoring.html",
        "monitoring",
        "nav_monitoring",
        live=live,
        chart_live=charts.line_chart(live.x, live.series, axis_name="kW") if live.x else None,
        tree=tree,
        sankey=sankey,
    )
