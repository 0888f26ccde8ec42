"""碳资产 the carbon asset page: compliance positions, balances, serial ranges and the journal.

Every figure is :mod:`zeropark.services.assets` — those of the API ``/api/v1/parks/{id}/assets…``
and of ``zeropark assets …``. An enterprise user sees only its own accounts and position.
Postings are made through the API or the CLI (the page reads).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from zeropark.errors import AssetError, NotFound
from zeropark.forecast.quota_gap import Method as GapMethod
from zeropark.forecast.quota_gap import QuotaGapError
from zeropark.services import assets as service
from zeropark.services import market
from zeropark.web.context import PageDep

router = APIRouter(include_in_schema=False)


@router.get("/assets", response_class=HTMLResponse)
def assets_page(page: PageDep) -> Response:
    """碳资产: positions of the year, balances, serial ranges and the newest journal entries."""
    if page.park is None:
        return page.render("assets.html", "assets", "assets_title", data=None)
    park_id = page.park.id
    year = page.year
    data = service.balances_dict(page.scope, park_id)
    positions: list[dict[str, Any]] = []
    for ent in service.position_candidates(page.scope, park_id, year):
        try:
            positions.append(service.position(page.scope, park_id, ent, year).to_dict())
        except (AssetError, NotFound) as exc:
            positions.append({"enterprise_id": ent, "year": year, "error": str(exc)})
    entries = [service.entry_dict(e) for e in service.journal(page.scope, park_id, limit=50)]
    return page.render(
        "assets.html",
        "assets",
        "assets_title",
        data=data,
        positions=positions,
        entries=entries,
        rules=service.points_rules(page.scope, park_id),
        market=market.overview(page.scope, park_id, year),
    )


@router.get("/assets/forecasts", response_class=HTMLResponse)
def forecasts_page(page: PageDep) -> Response:
    """配额缺口预测: each enterprise's CEA position and year-end CO2 forecast (interval, gap, P(short)).

    ``?method=plan|seasonal|run_rate|ml`` and ``?as_of=1…12`` are those of the API and the CLI;
    the figures are :func:`zeropark.services.assets.gap_forecasts`.
    """
    methods = [m.value for m in GapMethod]
    if page.park is None:
        return page.render(
            "assets_forecasts.html", "assets", "assets_forecasts_title", rows=None, methods=methods
        )
    q = page.request.query_params
    method = q.get("method", "")
    as_of_text = q.get("as_of", "")
    as_of = int(as_of_text) if as_of_text.isdigit() and 1 <= int(as_of_text) <= 12 else None
    error = ""
    rows: list[dict[str, Any]] = []
    try:
        found = service.gap_forecasts(
            page.scope, page.park.id, page.year, as_of_month=as_of,
            method=GapMethod(method) if method in methods else None,
        )  # fmt: skip
        rows = [r.to_dict() for r in found]
    except NotFound:
        rows = []  # no national run of the year: the page says so in its language
    except QuotaGapError as exc:
        error = str(exc)  # a forced method without its data: the named error, as on the API
    return page.render(
        "assets_forecasts.html", "assets", "assets_forecasts_title", rows=rows, methods=methods,
        method=method if method in methods else "", as_of=as_of, error=error,
    )  # fmt: skip
