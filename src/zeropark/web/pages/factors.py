"""因子库 factor library: every factor with its cited source."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from zeropark.web import views
from zeropark.web.context import PageDep, make_pager

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


@router.get("/factors", response_class=HTMLResponse)
def factors(page: PageDep, kind: str = "") -> Response:
    """因子库: every factor with value, unit, region, year and its cited source."""
    lib = views.factor_library(kind)
    pager = make_pager(page.request, len(lib.rows), per_page=30)
    return page.render(
        "factors.html",
        "factors",
        "nav_factors",
        lib=lib,
        rows=lib.rows[pager.offset : pager.offset + pager.per_page],
        pager=pager,
        kind=kind,
    )
