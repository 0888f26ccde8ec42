"""优化调度 optimisation: the chosen (or newest) dispatch / sizing run of the park with its charts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from zeropark.errors import NotFound
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


@router.get("/optimize", response_class=HTMLResponse)
def optimize_page(page: PageDep, run: int | None = None) -> Response:
    """优化调度 page: the chosen (or newest) run of the park with its charts, and the run list."""
    from zeropark.optimize.runs import get_run, list_runs, run_summary

    if page.scope.is_enterprise:
        page.scope.require_manager("optimization_run", page.user.enterprise_id or "")
    runs = [run_summary(r) for r in list_runs(page.engine, page.park.id, 30)] if page.park else []
    chosen = None
    if run is not None:
        row = get_run(page.engine, run)
        if page.park is None or row.park_id != page.park.id:
            raise NotFound(f"optimisation run {run} not found")
        chosen = row
    elif runs:
        chosen = get_run(page.engine, runs[0]["id"])
    charts = _charts(chosen.result) if chosen is not None and chosen.status != "infeasible" else None
    return page.render(
        "optimize.html",
        "optimize",
        "优化调度 Optimisation",
        runs=runs,
        run=chosen,
        charts=charts,
    )
