"""负荷与光伏预测 forecasts: start a day-ahead forecast, watch its backtest, read it with its interval.

The forecast is made by the use case ``zeropark forecast`` calls
(:func:`zeropark.services.forecasting.run_forecast`) on a background job whose progress bar
counts the backtest days. The page shows the chosen (or newest) run: the day's forecast with its
prediction interval, the seasonal-naive baseline and what was metered, and the backtest's
accuracy (MAPE, nRMSE, skill against the baseline). Park managers forecast the park's load, its
PV or one enterprise's load; an enterprise user sees and makes only its own enterprise's forecast
(the use case decides; the form offers what it allows).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from zeropark.errors import NotFound, PermissionDenied
from zeropark.forecast.target import Target, TargetKind, parse_target
from zeropark.services import forecasting
from zeropark.services.forecasting import StoredForecast
from zeropark.serving.jobs import Reporter
from zeropark.store.queries import enterprises, parks
from zeropark.web.context import Page, PageDep
from zeropark.web.pages.common import error_page, not_found_page
from zeropark.web.pages.jobs import start_job

router = APIRouter(include_in_schema=False)

#: Backtest days the form proposes, and the most it accepts.
BACKTEST_DAYS = 7
MAX_BACKTEST_DAYS = 60
#: Days of history the model is fitted on (the command line's default).
HISTORY_DAYS = 365

Translate = Callable[..., str]
#: Colour of the interval band.
BAND = "#1a7f5a"


def targets(page: Page) -> list[Target]:
    """What the user may forecast.

    An enterprise user its own enterprise; the others the park, its PV and each enterprise.
    """
    assert page.park is not None
    own = forecasting.own_target(page.scope)
    if own is not None:
        return [own]
    ents = enterprises.names(page.scope, page.park.id)
    return [Target(TargetKind.PARK), Target(TargetKind.PV)] + [
        Target(TargetKind.ENTERPRISE, e) for e in sorted(ents)
    ]


def target_label(target: str, names: dict[str, str], t: Translate) -> str:
    """预测对象 label: 园区负荷, 园区光伏, an enterprise's name (负荷), a meter id."""
    kind, _, ident = target.partition(":")
    if kind == "enterprise":
        return t("fc_target_enterprise", name=names.get(ident, ident))
    if kind == "meter":
        return t("fc_target_meter", name=ident)
    return t(f"fc_target_{kind}")


def _chart(run: StoredForecast, t: Translate) -> dict[str, Any]:
    """ECharts option: the interval as a band, the forecast, the baseline and the metered hours."""
    s = run.series
    hours = [f"{h:02d}:00" for h in range(len(s.get("forecast_kwh") or []))]
    lower, upper = s.get("lower_kwh"), s.get("upper_kwh")
    series: list[dict[str, Any]] = []
    if lower and upper:
        series += [
            {
                "name": t("fc_interval"),
                "type": "line",
                "stack": "band",
                "data": lower,
                "lineStyle": {"opacity": 0},
                "itemStyle": {"color": BAND},
                "symbol": "none",
                "tooltip": {"show": False},
            },
            {
                "name": t("fc_interval"),
                "type": "line",
                "stack": "band",
                "data": [
                    None if u is None or lo is None else round(u - lo, 3)
                    for lo, u in zip(lower, upper, strict=True)
                ],
                "lineStyle": {"opacity": 0},
                "itemStyle": {"color": BAND},
                "areaStyle": {"color": BAND, "opacity": 0.18},
                "symbol": "none",
            },
        ]
    series.append(
        {
            "name": t("fc_forecast"),
            "type": "line",
            "data": s.get("forecast_kwh"),
            "symbol": "none",
            "lineStyle": {"width": 2.5},
        }
    )
    series.append(
        {
            "name": t("fc_baseline"),
            "type": "line",
            "data": s.get("baseline_kwh"),
            "symbol": "none",
            "lineStyle": {"type": "dashed"},
        }
    )
    if s.get("actual_kwh"):
        series.append(
            {
                "name": t("fc_actual"),
                "type": "line",
                "data": s.get("actual_kwh"),
                "symbol": "circle",
                "symbolSize": 4,
            }
        )
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "top": 0},
        "grid": {"left": 50, "right": 20, "top": 40, "containLabel": True},
        "xAxis": {"type": "category", "data": hours},
        "yAxis": {"type": "value", "name": "kWh", "scale": True},
        "series": series,
    }


def _run_row(run: StoredForecast, names: dict[str, str], t: Translate) -> dict[str, Any]:
    pooled = ((run.metrics or {}).get("backtest") or {}).get("pooled") or {}
    return {
        "id": run.id,
        "target": target_label(run.target, names, t),
        "day": run.params.get("date", ""),
        "model": run.model,
        "mape": pooled.get("mape"),
        "skill": pooled.get("skill"),
        "issued_at": run.issued_at,
    }


@router.get("/forecast", response_class=HTMLResponse)
def forecast_page(page: PageDep, run: int | None = None) -> Response:
    """预测 page: the form, the chosen (or newest) forecast with its interval and backtest, the runs."""
    if page.park is None:
        return page.render("forecast.html", "forecast", "nav_forecast", runs=[], run=None)
    t = page.t
    try:
        runs = forecasting.list_forecast_runs(page.scope, page.park.id, 30)
        chosen = (
            forecasting.get_forecast_run(page.scope, run) if run is not None else (runs[0] if runs else None)
        )
    except NotFound as exc:
        return not_found_page(page, exc)
    except PermissionDenied as exc:
        return error_page(page, 403, "forbidden", "", str(exc))
    if chosen is not None and chosen.park_id != page.park.id:
        return not_found_page(page, NotFound(f"forecast run {run} not found"))
    names = enterprises.names(page.scope, page.park.id)
    last = parks.last_metered_day(page.scope, page.park.id)
    backtest = (chosen.metrics or {}).get("backtest") if chosen else None
    return page.render(
        "forecast.html",
        "forecast",
        "nav_forecast",
        runs=[_run_row(r, names, t) for r in runs],
        run=chosen,
        run_target=target_label(chosen.target, names, t) if chosen else "",
        chart=_chart(chosen, t) if chosen else None,
        backtest=backtest,
        day_accuracy=(chosen.metrics or {}).get("day") if chosen else None,
        interval=_interval(chosen.params or {}, backtest) if chosen else None,
        targets=[(str(x), target_label(str(x), names, t)) for x in targets(page)],
        day=last or date(page.year, 12, 31),
        backtest_days=BACKTEST_DAYS,
        max_backtest_days=MAX_BACKTEST_DAYS,
    )


def _interval(params: dict[str, Any], backtest: dict[str, Any] | None) -> dict[str, Any] | None:
    """The run's interval as the page states it: its quantiles [%] and the backtest's coverage [%]."""
    q = params.get("interval_quantiles")
    if not q:
        return None
    scored = (backtest or {}).get("interval")
    return {
        "lo": round(q[0] * 100),
        "hi": round(q[-1] * 100),
        "covered": None if not scored else scored["coverage"] * 100,
        "hours": None if not scored else scored["n_hours"],
    }


@router.post("/forecast/runs", response_class=HTMLResponse)
def start_forecast(
    page: PageDep,
    target: Annotated[str, Form()] = "park",
    day: Annotated[str, Form()] = "",
    backtest_days: Annotated[str, Form()] = str(BACKTEST_DAYS),
) -> Response:
    """开始预测 start a day-ahead forecast on a background job; answers its progress bar."""
    if page.park is None:
        return error_page(page, 404, "not_found", "no_park")
    try:
        tgt = parse_target(target)
        the_day = date.fromisoformat(day)
        n_backtest = int(backtest_days)
        if not 0 <= n_backtest <= MAX_BACKTEST_DAYS:
            raise ValueError(f"backtest_days: {n_backtest} is outside 0…{MAX_BACKTEST_DAYS}")
    except ValueError as exc:
        return page.partial("partials/form_error.html", message=str(exc))  # 200: htmx swaps it in
    scope, park_id = page.scope, page.park.id

    def work(report: Reporter) -> str:
        report.stage("job_stage_history", 0, max(n_backtest, 1))

        def step(done: int, total: int) -> None:
            report.stage("job_stage_backtest", done, total)

        outcome = forecasting.run_forecast(
            scope,
            park_id=park_id,
            target=tgt,
            day=the_day,
            backtest_days=n_backtest,
            history_days=HISTORY_DAYS,
            progress=step,
        )
        return f"/forecast?run={outcome.run_id}&park={park_id}"

    return start_job(page, "forecast", work)
