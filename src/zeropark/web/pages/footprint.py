"""产品碳足迹 / CBAM page: each visible product's cradle-to-gate footprint and CBAM embedded emissions.

The rows are :func:`zeropark.services.footprint.compute` and :func:`~zeropark.services.footprint.cbam_see`
of the page's year — the figures of ``zeropark footprint product compute`` and ``zeropark cbam see``
and of the API. A product not yet allocated, or an enterprise without a GHG run of the year, is
shown with the reason (the service's own message). An enterprise user sees only its own products.
Products are added and allocated through the CLI or the API (docs/footprint.md).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from zeropark.errors import DataError, NotFound
from zeropark.services import footprint as service
from zeropark.web.context import PageDep
from zeropark.web.pages.common import not_found_page

router = APIRouter(include_in_schema=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/footprint", response_class=HTMLResponse)
def footprint_page(page: PageDep) -> Response:
    """产品碳足迹: products, footprint per functional unit with its 95 % interval, CBAM SEE."""
    if page.park is None:
        return page.render("footprint.html", "footprint", "footprint_title", rows=None)
    rows: list[dict[str, Any]] = []
    for p in service.list_products(page.scope, page.park.id):
        row: dict[str, Any] = {"product": p, "fp": None, "reason": "", "see": None, "see_reason": ""}
        try:
            row["fp"] = service.compute(page.scope, page.park.id, p.id, year=page.year)
        except (DataError, NotFound) as exc:
            row["reason"] = str(exc)
        if p.cn_code:
            try:
                row["see"] = service.cbam_see(page.scope, page.park.id, p.id, year=page.year).see
            except (DataError, NotFound) as exc:
                row["see_reason"] = str(exc)
        rows.append(row)
    materials = service.list_materials()
    return page.render("footprint.html", "footprint", "footprint_title", rows=rows, materials=materials)


@router.get("/footprint/cbam.xlsx")
def cbam_download(page: PageDep) -> Response:
    """CBAM 通报 the operator's communication to EU importers of the page's year (xlsx)."""
    if page.park is None:
        return not_found_page(page, NotFound("no park"))
    data = service.cbam_export(page.scope, page.park.id, year=page.year)
    name = f"cbam-{page.park.id}-{page.year}.xlsx"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})
