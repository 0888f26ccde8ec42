"""情景 roadmap scenarios: the park's scenarios to 2030/2060 side by side, and a form to create one.

The figures are :mod:`zeropark.services.scenarios` — the ones the API and the CLI give. The chart
shows CO2 [tCO2] and the core indicator [tCO2/tce] of each year for the chosen scenarios; the table
gives every year with units. An enterprise user sees only its own enterprise's line.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zeropark.errors import NotFound, PermissionDenied
from zeropark.roadmap.scenario import ScenarioKind
from zeropark.services import scenarios as service
from zeropark.serving import charts
from zeropark.serving.jobs import Reporter
from zeropark.web.context import PageDep
from zeropark.web.pages.common import error_page, not_found_page
from zeropark.web.pages.jobs import start_job

router = APIRouter(include_in_schema=False)

#: Scenarios drawn at once when none is chosen (the newest).
SHOWN = 4


@router.get("/roadmap/scenarios", response_class=HTMLResponse)
def scenarios_page(page: PageDep, ids: Annotated[list[int] | None, Query()] = None) -> Response:
    """情景分析: list, chart and table of the chosen scenarios, and the create form."""
    ctx: dict[str, Any] = {"kinds": [k.value for k in ScenarioKind]}
    if page.park is None:
        return page.render("roadmap_scenarios.html", "roadmap", "scenario_title", items=[], views=[], **ctx)
    park_id = page.park.id
    items = service.list_scenarios(page.scope, park_id)
    chosen = ids or [s.id for s in items[:SHOWN]][::-1]
    try:
        views = service.compare(page.scope, park_id, chosen) if chosen else []
    except NotFound as exc:
        return not_found_page(page, exc)
    own = page.scope.enterprise_id
    years = sorted({y.year for v in views for y in v.years})
    by = {(v.summary.id, y.year): y for v in views for y in v.years}
    t = page.t

    def name(v: service.ScenarioView) -> str:
        return f"#{v.summary.id} {v.summary.name}"

    if own is None:
        co2 = [(name(v), [y.total_tco2e for y in v.years]) for v in views]
        core = [(name(v), [y.core_tco2_per_tce for y in v.years]) for v in views]
    else:
        co2 = [(name(v), [y.by_enterprise.get(own) for y in v.years]) for v in views]
        core = []
    x = [str(y) for y in years]
    return page.render(
        "roadmap_scenarios.html",
        "roadmap",
        "scenario_title",
        items=items,
        views=views,
        years=years,
        by=by,
        own=own,
        chart_co2=charts.line_chart(x, co2, axis_name="tCO2") if views else None,
        chart_core=charts.line_chart(x, core, axis_name="tCO2/tce") if views and core else None,
        co2_title=t("scenario_chart_co2"),
        default_year=page.year,
        **ctx,
    )


@router.post("/roadmap/scenarios", response_class=HTMLResponse)
def scenarios_create(
    page: PageDep,
    kind: Annotated[ScenarioKind, Form()],
    base_year: Annotated[int, Form(ge=2000, le=2100)],
    horizon: Annotated[int, Form(ge=2000, le=2100)] = 2060,
    production_growth: Annotated[float | None, Form()] = None,
    output_growth: Annotated[float | None, Form()] = None,
    target_year: Annotated[int | None, Form(ge=2000, le=2100)] = None,
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """新建情景 (admin, park manager) on a background job; answers its progress bar (one per year).

    The same use case as the API's POST and ``zeropark roadmap scenario new``; a bad assumption or a
    refused role is shown as the job's failure, with the service's message.
    """
    if page.park is None:
        return error_page(page, 404, "not_found", "no_park")
    scope, park_id = page.scope, page.park.id
    try:
        scope.require_manager(service.ENTITY, "(new)")
    except PermissionDenied as exc:
        return error_page(page, 403, "forbidden", "", str(exc))

    def work(report: Reporter) -> str:
        report.stage("job_stage_scenario_years", 0, horizon - base_year + 1)
        data = service.simple_assumptions(
            scope,
            park_id,
            kind,
            base_year,
            horizon=horizon,
            production_growth_pct=production_growth,
            output_growth_pct=output_growth,
            target_year=target_year,
            name=name.strip() or None,
        )
        view = service.create(scope, park_id, data, progress=report.step)
        return f"/roadmap/scenarios?ids={view.summary.id}"

    return start_job(page, "scenario", work)


@router.post("/roadmap/scenarios/{scenario_id}/delete")
def scenarios_delete(page: PageDep, scenario_id: int) -> Response:
    """删除情景 (admin, park manager), audited."""
    try:
        service.delete(page.scope, scenario_id, park_id=None if page.park is None else page.park.id)
    except NotFound as exc:
        return not_found_page(page, exc)
    except PermissionDenied as exc:
        return error_page(page, 403, "forbidden", "", str(exc))
    return RedirectResponse("/roadmap/scenarios", status_code=303)
