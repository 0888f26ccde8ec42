"""产业共生 the industrial-symbiosis page: the park's registry, its exchange map, the latest match.

Every figure is :mod:`zeropark.services.symbiosis` — those of the API
``/api/v1/parks/{id}/symbiosis/…`` and of ``zeropark symbiosis …``. An enterprise user sees its
own sources and sinks, the exchanges it is a party to and the suggestions for its own streams.
Entries are registered through the API or the CLI (the page reads).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from zeropark.errors import DataError
from zeropark.services import symbiosis as service
from zeropark.serving import charts
from zeropark.symbiosis.registry import UNIT
from zeropark.web.context import PageDep

router = APIRouter(include_in_schema=False)


@router.get("/symbiosis", response_class=HTMLResponse)
def symbiosis_page(page: PageDep) -> Response:
    """产业共生: sources, sinks and exchanges, the exchange map, indicators and the latest match."""
    if page.park is None:
        return page.render("symbiosis.html", "symbiosis", "sym_title", registry=None)
    park_id = page.park.id
    registry = service.park_registry(page.scope, park_id)
    notes = service.registry_notes(page.scope, park_id)
    latest = service.latest_match(page.scope, park_id)
    error = None
    indicators: dict[str, Any] | None = None
    try:
        indicators = service.indicators_dict(service.indicators(registry))
    except DataError as exc:  # a stored registry the rules now refuse: say so, show the rest
        error = str(exc)
    names = {s.id: s.name or s.id for s in registry.sources} | {k.id: k.name or k.id for k in registry.sinks}
    nodes = [
        (f"src:{s.id}", names[s.id], "source", s.location.x_km, s.location.y_km) for s in registry.sources
    ]
    nodes += [(f"snk:{k.id}", names[k.id], "sink", k.location.x_km, k.location.y_km) for k in registry.sinks]
    src_unit = {s.id: UNIT[s.kind] for s in registry.sources}
    links = [
        (f"src:{a.exchange.source}", f"snk:{a.exchange.sink}", a.exchange.id, False)
        for a in registry.exchanges
    ]
    realised = {(a.exchange.source, a.exchange.sink) for a in registry.exchanges}
    known = {n[0] for n in nodes}
    for x in (latest or {}).get("exchanges", []):
        pair = (f"src:{x['source']}", f"snk:{x['sink']}")
        if (x["source"], x["sink"]) not in realised and pair[0] in known and pair[1] in known:
            links.append((*pair, f"{x['sent_per_year']:,.0f} {x['unit']}/a", True))
    return page.render(
        "symbiosis.html",
        "symbiosis",
        "sym_title",
        registry=registry,
        notes=notes,
        latest=latest,
        indicators=indicators,
        error=error,
        units={k.value: v for k, v in UNIT.items()},
        src_unit=src_unit,
        chart_map=charts.exchange_map(nodes, links) if nodes else None,
    )


@router.get("/symbiosis/sharing", response_class=HTMLResponse)
def sharing_page(page: PageDep) -> Response:
    """能源共享仪表盘: energy supplied/received, CO2 avoided and saving per exchange, enterprise, period.

    The figures are :func:`zeropark.services.symbiosis.park_sharing` (the API's
    ``/symbiosis/sharing`` and ``zeropark symbiosis sharing``).
    """
    if page.park is None:
        return page.render("symbiosis_sharing.html", "symbiosis", "sym_sharing_title", sharing=None)
    got = service.park_sharing(page.scope, page.park.id)
    periods = [str(i + 1) for i in range(len(got.weights))]
    chart = charts.line_chart(
        periods,
        [
            (page.t("sym_sharing_surplus"), got.surplus),
            (page.t("sym_sharing_shared"), got.shared),
            (page.t("sym_sharing_unmet"), got.unmet),
        ],
        axis_name="GJ",
        area=True,
    )
    return page.render(
        "symbiosis_sharing.html",
        "symbiosis",
        "sym_sharing_title",
        sharing=got,
        chart_sharing=chart if got.exchanges else None,
    )
