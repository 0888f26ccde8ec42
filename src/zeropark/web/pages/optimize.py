"""优化调度 optimisation: the chosen (or newest) dispatch / sizing run of the park with its charts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from zeropark.errors import NotFound
from zeropark.services import optimization
from zeropark.services.optimization import RunSummary, StoredRun
from zeropark.web.context import PageDep

router = APIRouter(include_in_schema=False)


def _charts(result: dict[str, Any]) -> dict[str, Any]:
    """ECharts options of a run: dispatch stack with price, storage, cost breakdown."""
    s = result.get("series", {})
    x = [t[5:16].replace("T", " ") for t in result.get("index_local", [])]
    stack = []
    for key, label in (("grid_import_kw", "电网购电 grid import"),):
        stack.append({"name": label, "type": "bar", "stack": "supply", "data": s.get(key, [])})
    for key, values in s.items():
        if key.endswith("_kw") and key.split(":")[0] in ("pv", "wind", "chp", "green") and "heat" not in key:
            stack.append({"name": key[:-3], "type": "bar", "stack": "supply", "data": values})
        if key.startswith("battery:") and key.endswith("discharge_kw"):
            stack.append({"name": key[:-3], "type": "bar", "stack": "supply", "data": values})
    lines = [
        {"name": "负荷 load", "type": "line", "data": s.get("electric_load_kw", []), "symbol": "none"},
        {
            "name": "电价 price CNY/kWh",
            "type": "line",
            "yAxisIndex": 1,
            "step": "start",
            "data": s.get("price_cny_per_kwh", []),
            "symbol": "none",
        },
    ]
    dispatch = {
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll"},
        "grid": {"left": 60, "right": 60},
        "xAxis": {"type": "category", "data": x},
        "yAxis": [{"type": "value", "name": "kW"}, {"type": "value", "name": "CNY/kWh"}],
        "dataZoom": [{"type": "inside"}, {"type": "slider"}],
        "series": stack + lines,
    }
    soc_series = [
        {"name": k.split(":")[1].removesuffix("_soc_kwh"), "type": "line", "data": v, "symbol": "none"}
        for k, v in s.items()
        if k.endswith("_soc_kwh")
    ]
    storage = {
        "tooltip": {"trigger": "axis"},
        "legend": {},
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
                    {"name": k, "value": round(v, 2)} for k, v in result.get("costs_cny", {}).items() if v > 0
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
        "created_at": s.created_at.isoformat(),
    }


@router.get("/optimize", response_class=HTMLResponse)
def optimize_page(page: PageDep, run: int | None = None) -> Response:
    """优化调度 page: the chosen (or newest) run of the park with its charts, and the run list."""
    runs = optimization.list_runs(page.scope, page.park.id, 30) if page.park else []
    chosen: StoredRun | None = None
    if run is not None:
        chosen = optimization.get_run(page.scope, run)
        if page.park is None or chosen.park_id != page.park.id:
            raise NotFound(f"optimisation run {run} not found")
    elif runs:
        chosen = optimization.get_run(page.scope, runs[0].id)
    charts = _charts(chosen.result) if chosen is not None and not chosen.infeasible else None
    return page.render(
        "optimize.html",
        "optimize",
        "优化调度 Optimisation",
        runs=[_row(s) for s in runs],
        run=chosen,
        charts=charts,
    )
