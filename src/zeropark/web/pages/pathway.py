"""减排路径 pages: the least-cost pathway, the MACC and 以碳定产/以产定基/以土为界.

``/roadmap/pathway`` and ``/roadmap/macc`` (the MACC and the budget on one page).

The figures are :mod:`zeropark.services.pathway` — the runs the API and the CLI make and read. A
pathway is solved on a background job with a progress bar (:mod:`zeropark.web.pages.jobs`); the MACC
and the budget are quick and answered at once. Bad input is shown as the service's own message.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zeropark.errors import NotFound, PermissionDenied, ZeroparkError
from zeropark.roadmap.budget import InfraOptions
from zeropark.roadmap.pathway import DEFAULT_DISCOUNT_RATE, CapexMode
from zeropark.services import pathway as svc
from zeropark.serving.jobs import Reporter
from zeropark.store.scope import MANAGE_ROLES
from zeropark.web.context import Page, PageDep
from zeropark.web.pages.common import error_page, not_found_page
from zeropark.web.pages.jobs import start_job

router = APIRouter(include_in_schema=False)

TARGET_KINDS = ("zero", "cap", "budget", "indicator")


def _float(text: str, name: str, lo: float, hi: float) -> float:
    try:
        value = float(text.strip())
    except ValueError as exc:
        raise ValueError(f"{name}: '{text}' is not a number") from exc
    if not lo <= value <= hi:
        raise ValueError(f"{name}: {value:g} is outside {lo:g}…{hi:g}")
    return value


def form_params(
    base_year: str,
    horizon: str,
    target: str,
    value: str,
    year: str,
    growth: str,
    discount_rate: str,
    *,
    need_target: bool = True,
) -> svc.PathwayParams:
    """The service parameters of the pages' form (the same targets as the CLI and the API).

    Raises
    ------
    ValueError
        Naming the field that is wrong and what it accepts.
    zeropark.errors.ZeroparkError
        From :func:`zeropark.services.pathway.targets_from` (a cap without a year, ...).
    """
    by = int(_float(base_year, "base_year", 2000, 2100))
    hz = int(_float(horizon, "horizon", by + 1, 2100))
    yr = int(_float(year, "year", by, hz)) if year.strip() else None
    targets: tuple[Any, ...] = ()
    if need_target:
        if target not in TARGET_KINDS:
            raise ValueError(f"target: '{target}' is not one of {', '.join(TARGET_KINDS)}")
        v = _float(value, "value", 0, 1e12) if value.strip() else 0.0
        targets = svc.targets_from(
            budget_tco2=v if target == "budget" else None,
            cap_tco2=v if target == "cap" else None,
            zero_by=yr if target == "zero" else None,
            indicator=v if target == "indicator" else None,
            year=yr,
        )
    return svc.PathwayParams(
        base_year=by,
        horizon=hz,
        targets=targets,
        discount_rate=_float(discount_rate, "discount_rate", 0, 0.5),
        capex_mode=CapexMode.LUMP,
        year=yr,
        growth_pct=_float(growth, "growth", -20, 30),
        infra=InfraOptions(),
    )


def _emissions_chart(r: dict[str, Any], t: Any) -> dict[str, Any]:
    years = [str(y) for y in r["years"]]
    series = [
        {"name": t("pw_bau"), "type": "line", "data": [round(x, 1) for x in r["bau_emissions_tco2"]]},
        {"name": t("pw_plan_linear"), "type": "line", "data": [round(x, 1) for x in r["emissions_tco2"]]},
    ]
    if r.get("accounted"):
        series.append(
            {
                "name": t("pw_plan_accounted"),
                "type": "line",
                "data": [round(a["emissions_tco2"], 1) for a in r["accounted"]],
            }
        )
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 64, "right": 24, "top": 40, "containLabel": True},
        "xAxis": {"type": "category", "data": years},
        "yAxis": {"type": "value", "name": "tCO2/a"},
        "series": series,
    }


def _abatement_chart(r: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    years = [str(y) for y in r["years"]]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "top": 0},
        "grid": {"left": 64, "right": 24, "top": 48, "containLabel": True},
        "xAxis": {"type": "category", "data": years},
        "yAxis": {"type": "value", "name": "tCO2/a"},
        "series": [
            {"name": names.get(k, k), "type": "bar", "stack": "a", "data": [round(x, 1) for x in v]}
            for k, v in r["abatement_by_measure"].items()
        ],
    }


def macc_chart(bars: list[dict[str, Any]], t: Any) -> dict[str, Any]:
    """A step chart of the MACC: cost [CNY/tCO2] over cumulative potential [tCO2/a] (pure JSON)."""
    data: list[list[float]] = []
    for b in bars:
        data.append([round(b["x0"], 1), round(b["cost_cny_per_tco2"], 1)])
        data.append([round(b["x1"], 1), round(b["cost_cny_per_tco2"], 1)])
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 72, "right": 24, "top": 32, "containLabel": True},
        "xAxis": {"type": "value", "name": t("pw_potential_axis")},
        "yAxis": {"type": "value", "name": t("pw_cost_axis")},
        "series": [{"name": t("pw_macc"), "type": "line", "data": data, "symbol": "none", "areaStyle": {}}],
    }


def _names(page: Page, park_id: str) -> dict[str, str]:
    zh = page.lang != "en"
    return {m.id: (m.name_zh if zh else m.name_en) for m in svc.library_measures(page.scope, park_id)}


def _pick(
    page: Page, kind: str, run: int | None
) -> tuple[list[svc.StoredPathwayRun], svc.StoredPathwayRun | None]:
    assert page.park is not None
    runs = svc.list_runs(page.scope, page.park.id, kind=kind, limit=30)
    chosen = None
    if run is not None:
        chosen = svc.get_run(page.scope, run)
        if chosen.park_id != page.park.id or chosen.kind != kind:
            raise NotFound(f"roadmap run {run} not found")
    elif runs:
        chosen = svc.get_run(page.scope, runs[0].id)
    return runs, chosen


@router.get("/roadmap/pathway", response_class=HTMLResponse)
def pathway_page(page: PageDep, run: int | None = None) -> Response:
    """最低成本减排路径: the form, the chosen (or newest) pathway run with its charts, the run list."""
    ctx: dict[str, Any] = {"target_kinds": TARGET_KINDS, "discount_rate": DEFAULT_DISCOUNT_RATE}
    if page.park is None:
        return page.render("roadmap_pathway.html", "pathway", "pw_title", runs=[], run=None, **ctx)
    try:
        runs, chosen = _pick(page, "pathway", run)
    except NotFound as exc:
        return not_found_page(page, exc)
    except PermissionDenied as exc:
        return error_page(page, 403, "forbidden", "", str(exc))
    charts: dict[str, Any] = {}
    names = _names(page, page.park.id)
    if chosen is not None:
        charts = {
            "emissions": _emissions_chart(chosen.result, page.t),
            "abatement": _abatement_chart(chosen.result, names),
        }
    return page.render(
        "roadmap_pathway.html",
        "pathway",
        "pw_title",
        runs=runs,
        run=chosen,
        charts=charts,
        names=names,
        can_run=page.user.role in MANAGE_ROLES,
        **ctx,
    )


@router.post("/roadmap/pathway/runs", response_class=HTMLResponse)
def start_pathway(
    page: PageDep,
    base_year: Annotated[str, Form()] = "",
    horizon: Annotated[str, Form()] = "2060",
    target: Annotated[str, Form()] = "zero",
    value: Annotated[str, Form()] = "",
    year: Annotated[str, Form()] = "",
    growth: Annotated[str, Form()] = "0",
    discount_rate: Annotated[str, Form()] = "0.06",
) -> Response:
    """开始求解 solve a pathway on a background job; answers its progress bar."""
    if page.park is None:
        return error_page(page, 404, "not_found", "no_park")
    try:
        params = form_params(base_year, horizon, target, value, year, growth, discount_rate)
    except (ValueError, ZeroparkError) as exc:
        return page.partial("partials/form_error.html", message=str(exc))
    scope, park_id = page.scope, page.park.id

    def work(report: Reporter) -> str:
        def stage(name: str) -> None:
            report.stage(f"job_stage_{name}", svc.STAGES.index(name), len(svc.STAGES))

        run = svc.run_pathway(scope, park_id, params, progress=stage)
        return f"/roadmap/pathway?run={run.id}&park={park_id}"

    return start_job(page, "pathway", work)


@router.get("/roadmap/macc", response_class=HTMLResponse)
def macc_page(page: PageDep, run: int | None = None, budget: int | None = None) -> Response:
    """边际减排成本曲线 and 以碳定产、以产定基、以土为界: forms, the chosen runs, their charts and tables."""
    ctx: dict[str, Any] = {"target_kinds": TARGET_KINDS, "discount_rate": DEFAULT_DISCOUNT_RATE}
    if page.park is None:
        return page.render("roadmap_macc.html", "pathway", "pw_macc_title", run=None, budget_run=None, **ctx)
    try:
        runs, chosen = _pick(page, "macc", run)
        budgets, budget_run = _pick(page, "budget", budget)
        land = svc.get_land(page.scope, page.park.id)
    except NotFound as exc:
        return not_found_page(page, exc)
    except PermissionDenied as exc:
        return error_page(page, 403, "forbidden", "", str(exc))
    chart = macc_chart(chosen.result["bars"], page.t) if chosen is not None else None
    return page.render(
        "roadmap_macc.html",
        "pathway",
        "pw_macc_title",
        runs=runs,
        run=chosen,
        budgets=budgets,
        budget_run=budget_run,
        land=land,
        chart_macc=chart,
        can_run=page.user.role in MANAGE_ROLES,
        **ctx,
    )


@router.post("/roadmap/macc/runs", response_class=HTMLResponse)
def make_macc(
    page: PageDep,
    base_year: Annotated[str, Form()] = "",
    horizon: Annotated[str, Form()] = "2060",
    year: Annotated[str, Form()] = "",
    growth: Annotated[str, Form()] = "0",
    discount_rate: Annotated[str, Form()] = "0.06",
) -> Response:
    """计算 MACC now and show it."""
    if page.park is None:
        return error_page(page, 404, "not_found", "no_park")
    try:
        params = form_params(base_year, horizon, "zero", "", year, growth, discount_rate, need_target=False)
        run = svc.run_macc(page.scope, page.park.id, params)
    except (ValueError, ZeroparkError) as exc:
        return error_page(page, 422, "form_invalid", "", str(exc))
    return RedirectResponse(f"/roadmap/macc?run={run.id}&park={page.park.id}", status_code=303)


@router.post("/roadmap/budget/runs", response_class=HTMLResponse)
def make_budget(
    page: PageDep,
    base_year: Annotated[str, Form()] = "",
    horizon: Annotated[str, Form()] = "2060",
    target: Annotated[str, Form()] = "zero",
    value: Annotated[str, Form()] = "",
    year: Annotated[str, Form()] = "",
) -> Response:
    """以碳定产、以产定基、以土为界 now and show it."""
    if page.park is None:
        return error_page(page, 404, "not_found", "no_park")
    try:
        params = form_params(base_year, horizon, target, value, year, "0", str(DEFAULT_DISCOUNT_RATE))
        run = svc.run_budget(page.scope, page.park.id, params)
    except (ValueError, ZeroparkError) as exc:
        return error_page(page, 422, "form_invalid", "", str(exc))
    return RedirectResponse(f"/roadmap/macc?budget={run.id}&park={page.park.id}", status_code=303)
