"""路线图 roadmap: the LMDI waterfall of the change in CO2 between two accounted years.

The figures are :func:`zeropark.services.roadmap.lmdi` — the ones the API and the CLI give. A year
without a run, missing value added or the same year twice is shown as the error's own message.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from zeropark.errors import DataError, NotFound
from zeropark.roadmap.lmdi import Effect
from zeropark.services import roadmap
from zeropark.serving import charts
from zeropark.web.context import PageDep

router = APIRouter(include_in_schema=False)


@router.get("/roadmap/lmdi", response_class=HTMLResponse)
def lmdi_page(
    page: PageDep,
    year_from: Annotated[int | None, Query(alias="from", ge=2000, le=2100)] = None,
    year_to: Annotated[int | None, Query(alias="to", ge=2000, le=2100)] = None,
    by: roadmap.By = roadmap.By.ENTERPRISE,
) -> Response:
    """碳排放变化归因: additive effects as a waterfall, multiplicative factors, units, Tapio state."""
    y1 = year_to if year_to is not None else page.year
    y0 = year_from if year_from is not None else y1 - 1
    ctx: dict[str, Any] = {"year_from": y0, "year_to": y1, "by": by.value, "effects": list(Effect)}
    if page.park is None:
        return page.render("roadmap_lmdi.html", "roadmap", "lmdi_title", result=None, error=None, **ctx)
    try:
        result = roadmap.lmdi(page.scope, page.park.id, y0, y1, by=by)
    except (roadmap.SameYear, NotFound, DataError) as exc:
        status = 404 if isinstance(exc, NotFound) else 422 if isinstance(exc, DataError) else 400
        if year_from is None and year_to is None:
            status = 200  # the default view of a park with fewer than two accounted years: a guide
        return page.render(
            "roadmap_lmdi.html",
            "roadmap",
            "lmdi_title",
            status_code=status,
            result=None,
            error=str(exc),
            **ctx,
        )
    d = result.decomposition
    t = page.t
    chart = charts.waterfall_chart(
        (str(y0), d.co2_from),
        [(t(f"lmdi_effect_{e.value}"), d.additive[e]) for e in Effect],
        (str(y1), d.co2_to),
        axis_name="tCO2",
        increase=t("lmdi_increase"),
        decrease=t("lmdi_decrease"),
    )
    return page.render(
        "roadmap_lmdi.html",
        "roadmap",
        "lmdi_title",
        result=result,
        before=result.before.to_dict(),
        after=result.after.to_dict(),
        error=None,
        chart_lmdi=chart,
        **ctx,
    )
