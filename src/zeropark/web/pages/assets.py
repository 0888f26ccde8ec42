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
