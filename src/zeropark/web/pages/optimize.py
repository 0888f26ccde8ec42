"""优化调度 optimisation: start a dispatch or sizing run, watch it, read the chosen (or newest) run.

A park manager (or admin) fills in the form; the run is made by the same use case the CLI and
the API call (:func:`zeropark.services.optimization.create_run`) on a background job whose
progress bar the page shows (:mod:`zeropark.web.pages.jobs`), and the browser is taken to the
stored run when it is done. Every label of a run (costs, assets, series, statuses) comes from the
catalogue, in Chinese first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from zeropark.errors import NotFound, PermissionDenied
from zeropark.model import Role
from zeropark.optimize.scenario import ScenarioParams
from zeropark.optimize.system import Mode
from zeropark.services import optimization
from zeropark.services.optimization import (
    STAGES,
    ForecastProfiles,
    MeteredHistory,
    RunRequest,
    RunSummary,
    StoredRun,
)
from zeropark.serving.jobs import Reporter
from zeropark.store.queries import parks
from zeropark.store.scope import Scope
from zeropark.web.context import Page, PageDep
from zeropark.web.pages.common import error_page, not_found_page
from zeropark.web.pages.jobs import start_job

router = APIRouter(include_in_schema=False)

#: Roles that may start a run (the use case refuses the others, audited).
MANAGERS = (Role.ADMIN, Role.PARK_MANAGER)
#: Longest horizon the form offers [days].
MAX_DAYS = 14
#: Profile sources of the form: the park's metered history, or the day-ahead forecast.
SOURCES = ("history", "forecast")

Translate = Callable[..., str]


def series_label(key: str, t: Translate) -> str:
    """The label of a dispatch series key (``grid_import_kw``, ``battery:BESS_discharge_kw``, …)."""
    plain = {
        "grid_import_kw": "opt_grid_import",
        "grid_export_kw": "opt_grid_export",
        "electric_load_kw": "opt_load",
        "price_cny_per_kwh": "opt_price",
        "heat_load_kw": "opt_heat_load",
        "heat_purchase_kw": "opt_heat_purchase",
        "load_curtailment_kw": "opt_curtailment",
    }
    if key in plain:
        return t(plain[key])
    kind, _, rest = key.partition(":")
    for suffix, what in (
        ("_charge_kw", "opt_charge"),
        ("_discharge_kw", "opt_discharge"),
        ("_soc_kwh", "opt_soc"),
        ("_electric_kw", "opt_electric"),
        ("_heat_kw", "opt_heat"),
        ("_kw", ""),
    ):
        if rest.endswith(suffix):
            name = rest.removesuffix(suffix)
            return f"{asset_label(kind, t)} {name}" + (f" {t(what)}" if what else "")
    return f"{asset_label(kind, t)} {rest}"


def asset_label(kind: str, t: Translate) -> str:
    """设备 label of an asset kind (``pv``, ``battery_energy``, ``heat_pump`` …)."""
    return t(f"asset_{kind}")


def size_label(key: str, t: Translate) -> str:
    """The label of a sized asset (``battery_energy:BESS`` → 储能容量 BESS)."""
    kind, _, name = key.partition(":")
    return f"{asset_label(kind, t)} {name}".strip()


def _charts(result: dict[str, Any], t: Translate) -> dict[str, Any]:
    """ECharts options of a run: dispatch stack with load and price, storage, cost breakdown."""
    s = result.get("series", {})
    x = [v[5:16].replace("T", " ") for v in result.get("index_local", [])]
    stack = [
        {"name": t("opt_grid_import"), "type": "bar", "stack": "supply", "data": s.get("grid_import_kw", [])}
    ]
    for key, values in s.items():
        kind = key.split(":")[0]
        supply = kind in ("pv", "wind", "green") or (kind == "chp" and key.endswith("_electric_kw"))
        if (supply and key.endswith("_kw")) or (kind == "battery" and key.endswith("_discharge_kw")):
            stack.append({"name": series_label(key, t), "type": "bar", "stack": "supply", "data": values})
    lines = [
        {"name": t("opt_load"), "type": "line", "data": s.get("electric_load_kw", []), "symbol": "none"},
        {
            "name": t("opt_price"),
            "type": "line",
            "yAxisIndex": 1,
            "step": "start",
            "data": s.get("price_cny_per_kwh", []),
            "symbol": "none",
        },
    ]
    dispatch = {
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "top": 0},
        "grid": {"left": 56, "right": 56, "top": 40, "containLabel": True},
        "xAxis": {"type": "category", "data": x},
        "yAxis": [{"type": "value", "name": "kW"}, {"type": "value", "name": t("unit_cny_per_kwh")}],
        "dataZoom": [{"type": "inside"}, {"type": "slider"}],
        "series": stack + lines,
    }
    soc_series = [
        {"name": series_label(k, t), "type": "line", "data": v, "symbol": "none"}
        for k, v in s.items()
        if k.endswith("_soc_kwh")
    ]
    storage = {
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll"},
        "grid": {"containLabel": True},
        "xAxis": {"type": "category", "data": x},
        "yAxis": {"type": "value", "name": "kWh"},
        "dataZoom": [{"type": "inside"}],
        "series": soc_series,
    }
    costs = {
        "tooltip": {"trigger": "item"},
        "series": [
            {
                "type": "pie",
                "radius": ["40%", "70%"],
                "data": [
                    {"name": t(f"cost_{k}"), "value": round(v, 2)}
                    for k, v in result.get("costs_cny", {}).items()
                    if v > 0
                ],
            }
        ],
    }
    return {"dispatch": dispatch, "storage": storage if soc_series else None, "costs": costs}


def _row(s: RunSummary) -> dict[str, Any]:
    """One line of the run list."""
    return {
        "id": s.id,
        "mode": s.mode,
        "status": s.status,
        "objective_cny": s.objective_cny,
        "created_at": s.created_at,
    }


def default_start(scope: Scope, park_id: str, year: int, days: int) -> date:
    """The form's first day: the last metered days of the park (else the first week of ``year``)."""
    last = parks.last_metered_day(scope, park_id)
    if last is None:
        return date(year, 1, 1)
    return max(last - timedelta(days=days - 1), date(last.year, 1, 1))


def _render(page: Page, run: int | None, *, form_error: str = "", status_code: int = 200) -> Response:
    assert page.park is not None
    runs = optimization.list_runs(page.scope, page.park.id, 30)
    chosen: StoredRun | None = None
    if run is not None:
        chosen = optimization.get_run(page.scope, run)
        if chosen.park_id != page.park.id:
            raise NotFound(f"optimisation run {run} not found")
    elif runs:
        chosen = optimization.get_run(page.scope, runs[0].id)
    t = page.t
    charts = _charts(chosen.result, t) if chosen is not None and not chosen.infeasible else None
    return page.render(
        "optimize.html",
        "optimize",
        "nav_optimize",
        status_code=status_code,
        runs=[_row(s) for s in runs],
        run=chosen,
        charts=charts,
        can_run=page.user.role in MANAGERS,
        start=default_start(page.scope, page.park.id, page.year, 2),
        max_days=MAX_DAYS,
        sources=SOURCES,
        form_error=form_error,
        size_label=lambda k: size_label(k, t),
    )


@router.get("/optimize", response_class=HTMLResponse)
def optimize_page(page: PageDep, run: int | None = None) -> Response:
    """优化调度 page: the form, the chosen (or newest) run of the park with its charts, the run list."""
    if page.park is None:
        return page.render("optimize.html", "optimize", "nav_optimize", runs=[], run=None, charts=None)
    try:
        return _render(page, run)
    except NotFound as exc:
        return not_found_page(page, exc)
    except PermissionDenied as exc:
        return error_page(page, 403, "forbidden", "", str(exc))


def _number(text: str, name: str, lo: float, hi: float) -> float:
    """A form number in ``[lo, hi]`` (empty = 0).

    Raises
    ------
    ValueError
        Naming the field and the accepted range.
    """
    try:
        value = float(text.strip() or 0)
    except ValueError as exc:
        raise ValueError(f"{name}: '{text}' is not a number") from exc
    if not lo <= value <= hi:
        raise ValueError(f"{name}: {value:g} is outside {lo:g}…{hi:g}")
    return value


def run_request(
    mode: str,
    start: str,
    days: str,
    source: str,
    battery_kw: str,
    battery_kwh: str,
    pv_max_kw: str,
    battery_max_kwh: str,
) -> RunRequest:
    """The :class:`RunRequest` of the form's fields.

    Raises
    ------
    ValueError
        Naming the field that is wrong and what it accepts.
    """
    try:
        the_mode = Mode(mode)
    except ValueError as exc:
        raise ValueError(f"mode: '{mode}' is not dispatch or size") from exc
    if the_mode is Mode.DEMAND_RESPONSE:
        raise ValueError("mode: demand response needs an event; use the API or the command line")
    try:
        first = date.fromisoformat(start)
    except ValueError as exc:
        raise ValueError(f"start: '{start}' is not a date YYYY-MM-DD") from exc
    n_days = int(_number(days, "days", 1, MAX_DAYS))
    if source not in SOURCES:
        raise ValueError(f"source: '{source}' is not one of {', '.join(SOURCES)}")
    scenario = ScenarioParams(
        battery_kw=_number(battery_kw, "battery_kw", 0, 1e6),
        battery_kwh=_number(battery_kwh, "battery_kwh", 0, 1e7),
        pv_max_kw=_number(pv_max_kw, "pv_max_kw", 0, 1e6) if the_mode is Mode.SIZE else 0.0,
        battery_max_kwh=_number(battery_max_kwh, "battery_max_kwh", 0, 1e7) if the_mode is Mode.SIZE else 0.0,
    )
    profiles = MeteredHistory(first.year) if source == "history" else ForecastProfiles()
    return RunRequest(
        mode=the_mode,
        profiles=profiles,
        start_local=pd.Timestamp(first),
        hours=24 * n_days,
        scenario=scenario,
    )


@router.post("/optimize/runs", response_class=HTMLResponse)
def start_run(
    page: PageDep,
    mode: Annotated[str, Form()] = "dispatch",
    start: Annotated[str, Form()] = "",
    days: Annotated[str, Form()] = "2",
    source: Annotated[str, Form()] = "history",
    battery_kw: Annotated[str, Form()] = "0",
    battery_kwh: Annotated[str, Form()] = "0",
    pv_max_kw: Annotated[str, Form()] = "0",
    battery_max_kwh: Annotated[str, Form()] = "0",
) -> Response:
    """开始优化 start a dispatch or sizing run on a background job; answers its progress bar."""
    if page.park is None:
        return error_page(page, 404, "not_found", "no_park")
    try:
        request = run_request(mode, start, days, source, battery_kw, battery_kwh, pv_max_kw, battery_max_kwh)
    except ValueError as exc:
        return page.partial("partials/form_error.html", message=str(exc))  # 200: htmx swaps it in
    scope, park_id = page.scope, page.park.id

    def work(report: Reporter) -> str:
        def stage(name: str) -> None:
            report.stage(f"job_stage_{name}", STAGES.index(name), len(STAGES))

        outcome = optimization.create_run(scope, park_id, request, progress=stage)
        return f"/optimize?run={outcome.run.id}&park={park_id}"

    return start_job(page, "optimization", work)
