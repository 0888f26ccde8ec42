"""园区代谢 the metabolism Sankey: energy [tce] or carbon [tCO2] flows of an accounted year.

The figures are :func:`zeropark.services.metabolism.metabolism` — the ones the API and the CLI
give. Every flow of the chart links to its row of the table below it, which lists the inventory
line items the flow sums, each opening its line-item page (formula, factors, evidence).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from zeropark.errors import DataError, NotFound
from zeropark.services.metabolism import FlowKind, exchange_url, item_url, metabolism, meter_url
from zeropark.serving import charts
from zeropark.web.context import PageDep

router = APIRouter(include_in_schema=False)

#: Line items listed in a flow's row before the rest fold away.
ITEMS_SHOWN = 5


@router.get("/roadmap/metabolism", response_class=HTMLResponse)
def metabolism_page(
    page: PageDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    kind: FlowKind = FlowKind.ENERGY,
) -> Response:
    """园区代谢: the Sankey of the year's flows and, per flow, the line items it sums."""
    y = year if year is not None else page.year
    ctx: dict[str, Any] = {"year": y, "kind": kind.value, "kinds": list(FlowKind)}
    if page.park is None:
        return page.render(
            "roadmap_metabolism.html", "roadmap", "metab_title", result=None, error=None, **ctx
        )
    try:
        result = metabolism(page.scope, page.park.id, y, kind)
    except (NotFound, DataError) as exc:
        status = 404 if isinstance(exc, NotFound) else 422
        if year is None:
            status = 200  # the default view of a park without a run this year: a guide
        return page.render(
            "roadmap_metabolism.html",
            "roadmap",
            "metab_title",
            status_code=status,
            result=None,
            error=str(exc),
            **ctx,
        )
    lang = page.lang
    label = {n.id: n.label(lang) for n in result.nodes}
    option = charts.sankey_chart(
        [label[n.id] for n in result.nodes],
        [(label[lk.source], label[lk.target], lk.value) for lk in result.links],
        unit=result.unit,
        kinds={label[n.id]: n.kind.value for n in result.nodes},
    )
    for i, link in enumerate(option["series"][0]["links"]):
        link["url"] = f"#flow-{i}"
    rows = [
        {
            "i": i,
            "source": label[lk.source],
            "target": label[lk.target],
            "value": lk.value,
            "derived": lk.derived,
            "refs": [(r.line_id, item_url(r)) for r in lk.items]
            + [(m, meter_url(m)) for m in lk.meters]
            + [(x, exchange_url(x)) for x in lk.exchanges],
        }
        for i, lk in enumerate(result.links)
    ]
    return page.render(
        "roadmap_metabolism.html",
        "roadmap",
        "metab_title",
        result=result,
        error=None,
        chart_metab=option,
        chart_height=charts.sankey_height({n.id: n.kind.value for n in result.nodes}),
        rows=rows,
        items_shown=ITEMS_SHOWN,
        **ctx,
    )
