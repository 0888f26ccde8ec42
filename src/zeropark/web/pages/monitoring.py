"""能源监测 monitoring: live curves, the meter tree with balances, the Sankey of energy flows."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from zeropark.services import monitoring as monitoring_view
from zeropark.serving import charts
from zeropark.web.context import PageDep

router = APIRouter(include_in_schema=False)


@router.get("/monitoring", response_class=HTMLResponse)
def monitoring(page: PageDep) -> Response:
    """能源监测: live curves, meter tree with balance, Sankey of energy flows.

    The live chart is rendered here and then updated by Server-Sent Events from
    ``/api/v1/parks/{id}/live`` (``zeropark.api.routers.live``): no polling. Both draw from
    :mod:`zeropark.services.monitoring`.
    """
    if page.park is None:
        return page.render("monitoring.html", "monitoring", "nav_monitoring", live=None)
    live = monitoring_view.live_curves(page.scope, page.park.id, page.lang)
    tree = monitoring_view.meter_tree(page.scope, page.park.id, page.year)
    flows = monitoring_view.energy_flows(page.scope, page.park.id, page.year, page.lang)
    sankey = (
        charts.sankey_chart(flows.nodes, flows.links, unit="MWh", kinds=flows.kinds) if flows.links else None
    )
    return page.render(
        "monitoring.html",
        "monitoring",
        "nav_monitoring",
        live=live,
        chart_live=charts.line_chart(live.x, live.series, axis_name="kW") if live.x else None,
        tree=tree,
        sankey=sankey,
        sankey_height=charts.sankey_height(flows.kinds),
    )
