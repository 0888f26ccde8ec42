"""``zeropark forecast``: day-ahead load / PV forecast with a rolling-origin backtest (负荷与光伏预测).

Calls :mod:`zeropark.services.forecasting` as the CLI principal ``cli``
(:func:`zeropark.store.scope.system_scope`); the run is stored and audited as ``create forecast_run``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from zeropark.commands.common import (
    EXIT_DATA_ERROR,
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    console,
    engine,
    err_console,
)
from zeropark.errors import DataError, NotFound
from zeropark.forecast.features import CALENDAR_CN, check_calendar
from zeropark.forecast.pv import DEFAULT_AZIMUTH_DEG, DEFAULT_TILT_DEG
from zeropark.forecast.target import parse_target
from zeropark.services.forecasting import ForecastOutcome, park_ids, read_temperature_csv, run_forecast
from zeropark.store.scope import Scope, system_scope


def _fail(message: str, code: int) -> typer.Exit:
    err_console.print(f"[red]{message}[/red]")
    return typer.Exit(code)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def _num(x: float | None) -> str:
    return "—" if x is None or x != x else f"{x:,.1f}"


def _park_id(scope: Scope, park: str | None) -> str:
    if park is not None:
        return park
    parks = park_ids(scope)
    if len(parks) == 1:
        return parks[0]
    if not parks:
        raise _fail("no park in the database; run `zeropark demo` or import a park first", EXIT_NOT_FOUND)
    raise _fail(f"several parks ({', '.join(parks)}): choose one with --park", EXIT_USAGE)


def _print(outcome: ForecastOutcome) -> None:
    actual = outcome.actual_kwh
    table = Table(
        title=f"{outcome.target} · {outcome.day:%Y-%m-%d} 日前预测 day-ahead forecast [kWh] · {outcome.model}"
    )
    table.add_column("hour 时段")
    table.add_column("forecast 预测", justify="right")
    lo, hi = outcome.lower_kwh, outcome.upper_kwh
    q = outcome.quantiles
    if lo is not None and hi is not None and q:
        table.add_column(f"P{q[0] * 100:g}–P{q[1] * 100:g} 区间", justify="right")
    table.add_column("seasonal naive 基准", justify="right")
    if actual is not None:
        table.add_column("metered 实测", justify="right")
    for i, ts in enumerate(outcome.index_local):
        row = [f"{ts:%H}:00", _num(float(outcome.forecast_kwh[i]))]
        if lo is not None and hi is not None and q:
            row.append(f"{_num(float(lo[i]))} – {_num(float(hi[i]))}")
        row.append(_num(float(outcome.baseline_kwh[i])))
        if actual is not None:
            row.append(_num(float(actual[i])))
        table.add_row(*row)
    total = [f"Σ {outcome.forecast_kwh.sum():,.0f}"]
    if lo is not None and hi is not None and q:
        total.append("")
    total.append(f"Σ {outcome.baseline_kwh.sum():,.0f}")
    if actual is not None:
        total.append(f"Σ {actual.sum():,.0f}")
    table.add_row("day 全天", *total)
    console.print(table)
    bt = outcome.backtest
    if bt is not None:
        acc = bt.pooled
        first, last = bt.days[0].day, bt.days[-1].day
        t = Table(
            title=f"回测 Rolling-origin backtest {first:%Y-%m-%d} … {last:%Y-%m-%d} "
            f"({len(bt.days)} days, {acc.n_hours} h)"
        )
        for col in ("model", "MAPE", "nRMSE", "RMSE kWh", "skill vs seasonal naive"):
            t.add_column(col, justify="right" if col != "model" else "left")
        t.add_row(outcome.model, _pct(acc.mape), _pct(acc.nrmse), f"{acc.rmse_kwh:,.1f}", _pct(acc.skill))
        t.add_row(
            f"seasonal naive (m={bt.season_h} h)",
            _pct(acc.mape_baseline),
            _pct(acc.nrmse_baseline),
            f"{acc.rmse_baseline_kwh:,.1f}",
            "0.0%",
        )
        console.print(t)
        iv = bt.interval
        if iv is not None:
            console.print(
                f"预测区间 interval P{iv.quantiles[0] * 100:g}–P{iv.quantiles[1] * 100:g}: coverage "
                f"{iv.coverage:.1%} (nominal {iv.nominal:.0%}), pinball loss {iv.pinball_lower_kwh:,.2f} / "
                f"{iv.pinball_upper_kwh:,.2f} kWh, mean width {iv.mean_width_kwh:,.1f} kWh"
            )
        if acc.skill is not None and acc.skill <= 0:
            console.print(
                "[yellow]the model does not beat the seasonal-naive baseline on these days[/yellow]"
            )
        for d, why in bt.skipped:
            console.print(f"[yellow]skipped {d:%Y-%m-%d}: {why}[/yellow]")
    day_acc = outcome.metrics.get("day")
    if day_acc:
        console.print(
            f"{outcome.day:%Y-%m-%d} vs metered: MAPE {_pct(day_acc['mape'])}, nRMSE {_pct(day_acc['nrmse'])}"
        )
    console.print(f"resolution 时间分辨率: {outcome.params.get('resolution')}")
    console.print(f"stored as forecast run {outcome.run_id} (table forecast_run)")


def forecast(
    target: Annotated[
        str,
        typer.Option("--target", "-t", help="预测对象 park | enterprise:<id> | meter:<id> | pv"),
    ],
    day: Annotated[str, typer.Option("--date", help="Day to forecast (local), YYYY-MM-DD.")],
    park: Annotated[
        str | None, typer.Option("--park", "-p", help="园区 Park id (default: the only park).")
    ] = None,
    backtest_days: Annotated[
        int,
        typer.Option("--backtest-days", help="回测天数 Rolling-origin test days before --date (0 = none)."),
    ] = 28,
    history_days: Annotated[int, typer.Option("--history-days", help="Days of history to fit on.")] = 365,
    refit_every: Annotated[
        int, typer.Option("--refit-every", help="Backtest: refit the load model every N days (1 = nightly).")
    ] = 1,
    tilt: Annotated[float, typer.Option("--tilt", help="PV tilt [°] (target pv).")] = DEFAULT_TILT_DEG,
    azimuth: Annotated[
        float, typer.Option("--azimuth", help="PV azimuth [°], 180 = south (target pv).")
    ] = DEFAULT_AZIMUTH_DEG,
    pv_kwp: Annotated[
        float | None,
        typer.Option("--pv-kwp", help="PV capacity in kWp; default: the PV meters' rated capacity."),
    ] = None,
    weather: Annotated[
        Path | None,
        typer.Option(
            "--weather",
            help="气温 CSV time,temperature_c (local hours, history + forecast day); adds temperature "
            "to the load model. Without it the model uses calendar and lags only.",
        ),
    ] = None,
    calendar: Annotated[
        str,
        typer.Option(
            "--calendar",
            help="节假日日历 Holiday calendar of the load model: CN (法定节假日 and 调休, default), "
            "none (Monday–Friday) or a country code of the holidays package (DE, JP, US-CA, …).",
        ),
    ] = CALENDAR_CN,
) -> None:
    """日前预测 Day-ahead forecast of load or PV, with a rolling-origin backtest; the run is stored.

    Load: LightGBM on calendar (法定节假日, 调休) and lag features; PV: pvlib clear sky × a cloud
    index learned from recent weeks. Backtest: MAPE, nRMSE and skill against seasonal naive.
    """
    try:
        tgt = parse_target(target)
        the_day = date.fromisoformat(day)
        cal = check_calendar(calendar)
    except (ValueError, DataError) as exc:
        raise _fail(str(exc), EXIT_USAGE) from exc
    if backtest_days < 0 or history_days < 28 or refit_every < 1:
        raise _fail("--backtest-days ≥ 0, --history-days ≥ 28 and --refit-every ≥ 1 please", EXIT_USAGE)
    scope = system_scope(engine(), "cli")
    park_id = _park_id(scope, park)
    try:
        temp = read_temperature_csv(weather) if weather is not None else None
        with Progress(
            TextColumn("backtest 回测"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
        ) as bar:
            task = bar.add_task("backtest", total=max(backtest_days, 1))

            def step(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            outcome = run_forecast(
                scope,
                park_id=park_id,
                target=tgt,
                day=the_day,
                backtest_days=backtest_days,
                history_days=history_days,
                refit_every_days=refit_every,
                tilt_deg=tilt,
                azimuth_deg=azimuth,
                pv_kwp=pv_kwp,
                temperature_c=temp,
                temperature_source=None if weather is None else f"csv:{weather}",
                calendar=cal,
                progress=step,
            )
    except NotFound as exc:
        raise _fail(str(exc), EXIT_NOT_FOUND) from exc
    except (DataError, ValueError) as exc:
        raise _fail(str(exc), EXIT_DATA_ERROR) from exc
    _print(outcome)


def register(app: typer.Typer) -> None:
    """Attach ``zeropark forecast``."""
    app.command("forecast", no_args_is_help=True)(forecast)
