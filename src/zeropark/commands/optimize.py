"""``zeropark optimize``: day-ahead dispatch, sizing, demand-response events (优化调度与容量配置).

Each command calls :mod:`zeropark.services.optimization` as the CLI principal ``cli``
(:func:`zeropark.store.scope.system_scope`), so runs made here are stored and audited as the API's are.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from zeropark.commands.common import (
    EXIT_DATA_ERROR,
    EXIT_INFEASIBLE,
    EXIT_NOT_FOUND,
    console,
    engine,
    err_console,
)
from zeropark.errors import DataError, NotFound, OptimizationError
from zeropark.forecast.features import check_calendar
from zeropark.optimize.result import SolverOptions
from zeropark.optimize.scenario import ScenarioParams
from zeropark.optimize.system import DemandResponseEvent, Mode
from zeropark.optimize.tariff import TOU_LABEL_ZH
from zeropark.services import optimization
from zeropark.services.optimization import (
    DEFAULT_FACTOR_SET,
    DEFAULT_TARIFF,
    ForecastProfiles,
    MeteredHistory,
    PriceFile,
    ProfileFile,
    ProfileInput,
    RunRequest,
)
from zeropark.store.scope import system_scope

optimize_app = typer.Typer(
    name="optimize",
    help="优化 Energy optimisation (linopy + HiGHS): day-ahead dispatch, sizing (PV, battery, heat pump, "
    "thermal storage), demand-response events; runs are stored and shown in the web/API.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)

ParkOpt = Annotated[str, typer.Option("--park", "-p", help="园区 Park id the run belongs to.")]
ProfileOpt = Annotated[
    Path | None,
    typer.Option(
        "--profile",
        help="负荷曲线 CSV with time,load_kw[,heat_kw][,pv_pu|pv_kw]; default: the park's "
        "metered history in the store.",
    ),
]
TariffOpt = Annotated[
    str, typer.Option("--tariff", help="分时电价 Tariff id (see `zeropark optimize tariffs`).")
]
TariffDirOpt = Annotated[
    Path | None, typer.Option("--tariff-dir", help="Directory with your own tariff CSVs (same four files).")
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        "-s",
        help="Scenario figure KEY=VALUE (repeatable), e.g. pv_kw=5000 battery_kwh=8000 "
        "carbon_price_cny_per_tco2=100 clean_share_min=0.9; see docs/optimisation.md.",
    ),
]
TimeLimitOpt = Annotated[float | None, typer.Option("--time-limit", help="Solver time limit \\[s].")]
GapOpt = Annotated[float | None, typer.Option("--mip-gap", help="Relative MIP gap, e.g. 0.01.")]
FactorSetOpt = Annotated[str, typer.Option("--factor-set", help="因子集 FactorSet for emissions.")]
PricesOpt = Annotated[
    Path | None,
    typer.Option(
        "--prices",
        help="电价序列 CSV time,price_cny_per_kwh (local step starts, one row per step of the horizon); "
        "replaces the tariff's TOU energy prices (demand charge and export price stay the tariff's).",
    ),
]


def _fail(message: str, code: int) -> typer.Exit:
    err_console.print(f"[red]{message}[/red]")
    return typer.Exit(code)


def _params(pairs: list[str] | None) -> ScenarioParams:
    fields = {f.name: f for f in dataclasses.fields(ScenarioParams)}
    values: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or key not in fields:
            raise typer.BadParameter(
                f"'{pair}': expected KEY=VALUE with KEY one of {', '.join(sorted(fields))}"
            )
        if key in ("capex_overrides", "annualised_capex"):
            try:
                values[key] = {str(k): float(v) for k, v in json.loads(raw).items()}
            except (ValueError, AttributeError, TypeError) as exc:
                raise typer.BadParameter(
                    f"'{pair}': expected a JSON object of asset → number, e.g. {key}='{{\"pv\": 300}}'"
                ) from exc
        elif key == "chp_commitment":
            values[key] = raw.strip().lower() in {"1", "true", "yes", "on"}
        elif raw.strip().lower() in {"none", ""}:
            values[key] = None
        else:
            try:
                values[key] = float(raw)
            except ValueError as exc:
                raise typer.BadParameter(f"'{pair}': {raw!r} is not a number") from exc
    return ScenarioParams(**values)


def _options(time_limit: float | None, mip_gap: float | None) -> SolverOptions:
    return SolverOptions(time_limit_s=time_limit, mip_rel_gap=mip_gap)


def _run(park_id: str, request: RunRequest) -> None:
    """Solve and store one run as the CLI principal; print it, or its conflicts (exit code 6)."""
    logging.getLogger("linopy").setLevel(logging.ERROR)  # the conflicts are reported below instead
    try:
        with console.status("solving (HiGHS)…"):
            outcome = optimization.create_run(system_scope(engine(), "cli"), park_id, request)
    except OptimizationError as exc:
        raise _fail(str(exc), EXIT_INFEASIBLE) from exc
    except NotFound as exc:
        raise _fail(str(exc), EXIT_NOT_FOUND) from exc
    except DataError as exc:
        raise _fail(str(exc), EXIT_DATA_ERROR) from exc
    run = outcome.run
    if run.infeasible:
        err_console.print(f"[red]无可行解 infeasible[/red] (run {run.id} stored):")
        for c in run.conflicts:
            err_console.print(f"  • {c}")
        raise typer.Exit(EXIT_INFEASIBLE)
    _print_result(run.id, run.result)


def _print_result(run_id: int, r: dict[str, Any]) -> None:
    console.print(
        f"[bold]run {run_id}[/bold] · {r['mode']} · {r['status']} · "
        f"objective {r['objective_cny']:,.2f} CNY · "
        f"build {r['build_time_s']:.2f} s, solve {r['solve_time_s']:.2f} s"
        + (f", MIP gap {r['mip_gap']:.2e}" if r.get("mip_gap") is not None else "")
    )
    if r.get("sizes"):
        t = Table(title="容量 Sizes")
        for col in ("asset", "added", "unit", "annual cost CNY"):
            t.add_column(col)
        for k, v in r["sizes"].items():
            t.add_row(k, f"{v['added']:,.1f}", v["unit"], f"{v['annual_cost_cny']:,.0f}")
        console.print(t)
    t = Table(title="成本 Costs (CNY, horizon)")
    t.add_column("item")
    t.add_column("CNY", justify="right")
    for k, v in r["costs_cny"].items():
        t.add_row(k, f"{v:,.2f}")
    console.print(t)
    em = r["emissions_tco2"]

    def pct(x: float | None) -> str:
        return "—" if x is None else f"{x:.1%}"

    core = r.get("core_indicator_tco2_per_tce")
    console.print(
        f"CO2 {em['total']:,.3f} t (grid {em['grid_electricity']:,.3f}, gas {em['natural_gas']:,.3f}, "
        f"heat {em['purchased_heat']:,.3f}) · energy {r['energy_tce']:,.3f} tce · "
        f"核心指标 {'—' if core is None else f'{core:.3f}'} tCO2/tce · clean share {pct(r['clean_share'])} · "
        f"hourly matching {pct(r['hourly_matching'])}"
    )
    eff = r.get("effect")
    if eff is None and r.get("mode") == "size":
        console.print("效果 effect not computed (--no-effect)")
    if eff and eff.get("reference"):
        ref, ch = eff["reference"], eff["change"]
        ci = ref["core_indicator_tco2_per_tce"]
        console.print(
            f"效果 effect vs today's park: cost {ch['objective_cny']:+,.0f} CNY, "
            f"CO2 {ch['emissions_tco2']:+,.1f} t, "
            f"核心指标 {'—' if ci is None else f'{ci:.3f}'} → "
            f"{'—' if core is None else f'{core:.3f}'} tCO2/tce, clean share {pct(ref['clean_share'])} → "
            f"{pct(r['clean_share'])}"
        )
    elif eff:
        console.print(
            f"today's park without new capacity is infeasible: {'; '.join(eff['reference_conflicts'])}"
        )
    conf = r["tariff"]["confidence"]
    energy = r["tariff"].get("energy_prices", "tou")
    console.print(
        f"tariff {r['tariff']['id']} (confidence: {', '.join(f'{k} {v}' for k, v in conf.items())}"
        f"{'' if energy == 'tou' else '; energy prices from the price series'}); "
        f"factors {r['carbon_factors']['factor_set']}"
    )
    baseline = r.get("baseline")
    if baseline is not None:
        console.print(
            f"demand response: baseline {baseline['objective_cny']:,.2f} CNY → "
            f"{r['objective_cny']:,.2f} CNY; " + "; ".join(r.get("notes", []))
        )


SourceOpt = Annotated[
    str,
    typer.Option(
        "--source",
        help="预测来源 Where a day-ahead profile comes from when no --profile is given: 'forecast' "
        "(zeropark.forecast models: LightGBM load, pvlib PV), 'store' (metered history, seasonal-naive "
        "after it) or 'auto' (the same as forecast).",
    ),
]


CalendarOpt = Annotated[
    str,
    typer.Option(
        "--calendar",
        help="节假日日历 of the load forecast (--source forecast): CN (default), none, or a holidays "
        "country code (DE, JP, US-CA, …).",
    ),
]


def _local_time(text: str, option: str) -> pd.Timestamp:
    """A local date or date-time given on the command line (``2026-07-15``, ``2026-07-15 14:00``).

    Raises
    ------
    typer.BadParameter
        Text that is not a date (exit 2, naming the option and the expected form).
    """
    try:
        return pd.Timestamp(text)
    except ValueError:
        raise typer.BadParameter(
            f"'{text}' is not a date or time; write the day as YYYY-MM-DD and a time as HH:MM",
            param_hint=option,
        ) from None


def _profile_input(profile: Path | None, year: int, source: str, calendar: str = "CN") -> ProfileInput:
    """Where a run's profiles come from: the CSV file, else forecast or the stored history."""
    if profile is not None:
        return ProfileFile(profile)
    if source in ("auto", "forecast"):
        try:
            return ForecastProfiles(calendar=check_calendar(calendar))
        except DataError as exc:
            raise typer.BadParameter(str(exc)) from exc
    if source == "store":
        return MeteredHistory(year)
    raise typer.BadParameter(f"--source must be auto, forecast or store, '{source}' was given")


@optimize_app.command("dispatch")
def dispatch(
    park: ParkOpt,
    day: Annotated[str, typer.Option("--date", help="Day to plan (local), e.g. 2026-07-15.")],
    profile: ProfileOpt = None,
    hours: Annotated[int, typer.Option(help="Horizon \\[h].")] = 24,
    history_year: Annotated[
        int | None, typer.Option("--history-year", help="Stored year to forecast from.")
    ] = None,
    source: SourceOpt = "auto",
    calendar: CalendarOpt = "CN",
    tariff: TariffOpt = DEFAULT_TARIFF,
    tariff_dir: TariffDirOpt = None,
    sets: SetOpt = None,
    factor_set: FactorSetOpt = DEFAULT_FACTOR_SET,
    time_limit: TimeLimitOpt = None,
    mip_gap: GapOpt = None,
    prices: PricesOpt = None,
) -> None:
    """日前调度 Day-ahead dispatch of the existing assets at least cost (energy + demand + carbon)."""
    start = _local_time(day, "--date")
    request = RunRequest(
        mode=Mode.DISPATCH,
        profiles=_profile_input(profile, history_year or start.year, source, calendar),
        start_local=start,
        hours=hours,
        scenario=_params(sets),
        tariff_id=tariff,
        tariff_dir=tariff_dir,
        factor_set=factor_set,
        options=_options(time_limit, mip_gap),
        energy_prices=None if prices is None else PriceFile(prices),
    )
    _run(park, request)


@optimize_app.command("size")
def size(
    park: ParkOpt,
    year: Annotated[int, typer.Option(help="Year of profiles (8760 h) to size on.")],
    profile: ProfileOpt = None,
    rep_days: Annotated[int, typer.Option("--rep-days", help="Representative days (0 = all 8760 h).")] = 0,
    tariff: TariffOpt = DEFAULT_TARIFF,
    tariff_dir: TariffDirOpt = None,
    sets: SetOpt = None,
    factor_set: FactorSetOpt = DEFAULT_FACTOR_SET,
    time_limit: TimeLimitOpt = None,
    mip_gap: GapOpt = None,
    prices: PricesOpt = None,
    no_effect: Annotated[
        bool,
        typer.Option(
            "--no-effect", help="Skip the second solve (today's park without new capacity) and its effect."
        ),
    ] = False,
) -> None:
    """容量配置 Size PV, battery, heat pump and thermal storage (give pv_max_kw=…, battery_max_kwh=…).

    A battery of fixed duration: battery_duration_h=4 (E = 4·P, sized together); capital cost per
    year given directly: annualised_capex='{"pv": 300}' [CNY/(kW·a)].
    """
    request = RunRequest(
        mode=Mode.SIZE,
        profiles=_profile_input(profile, year, "store"),
        scenario=_params(sets),
        tariff_id=tariff,
        tariff_dir=tariff_dir,
        factor_set=factor_set,
        options=_options(time_limit, mip_gap),
        representative_days=rep_days,
        energy_prices=None if prices is None else PriceFile(prices),
        effect=not no_effect,
    )
    _run(park, request)


@optimize_app.command("dr")
def dr(
    park: ParkOpt,
    day: Annotated[str, typer.Option("--date", help="Event day (local).")],
    start: Annotated[str, typer.Option(help="Window start HH:MM (local).")],
    end: Annotated[str, typer.Option(help="Window end HH:MM (local).")],
    reduce_mw: Annotated[float, typer.Option("--reduce-mw", help="Import cut below the baseline [MW].")],
    incentive: Annotated[float, typer.Option(help="Incentive [CNY/kWh] reduced.")] = 0.0,
    profile: ProfileOpt = None,
    history_year: Annotated[int | None, typer.Option("--history-year")] = None,
    source: SourceOpt = "auto",
    calendar: CalendarOpt = "CN",
    tariff: TariffOpt = DEFAULT_TARIFF,
    tariff_dir: TariffDirOpt = None,
    sets: SetOpt = None,
    factor_set: FactorSetOpt = DEFAULT_FACTOR_SET,
    time_limit: TimeLimitOpt = None,
    mip_gap: GapOpt = None,
    prices: PricesOpt = None,
) -> None:
    """需求响应 Least-cost way to cut grid import by X MW in a window (like an OpenADR event)."""
    d = _local_time(day, "--date")
    event = DemandResponseEvent(
        _local_time(f"{day} {start}", "--start"),
        _local_time(f"{day} {end}", "--end"),
        reduce_mw * 1000,
        incentive,
    )
    request = RunRequest(
        mode=Mode.DEMAND_RESPONSE,
        profiles=_profile_input(profile, history_year or d.year, source, calendar),
        start_local=d,
        hours=24,
        scenario=_params(sets),
        tariff_id=tariff,
        tariff_dir=tariff_dir,
        factor_set=factor_set,
        options=_options(time_limit, mip_gap),
        event=event,
        energy_prices=None if prices is None else PriceFile(prices),
    )
    _run(park, request)


@optimize_app.command("tariffs")
def tariffs(tariff_dir: TariffDirOpt = None) -> None:
    """分时电价 The TOU tariffs with their periods, prices, confidence and sources."""
    for t in optimization.list_tariffs(tariff_dir):
        table = Table(title=f"{t.id} · {t.name_zh}")
        table.add_column("period")
        table.add_column("hours (Jan / Jul)")
        table.add_column("CNY/kWh", justify="right")
        for p, price in t.prices_cny_per_kwh.items():
            hours = []
            for month in (1, 7):
                slots = [i for i, q in enumerate(t.period_by_month[month]) if q == p]
                hours.append(",".join(sorted({f"{i // 4:02d}" for i in slots})) or "-")
            table.add_row(f"{TOU_LABEL_ZH[p]} {p}", " / ".join(hours), f"{price:.4f}")
        console.print(table)
        console.print(
            f"demand charge {t.demand_charge_cny_per_kw_month} CNY/(kW·month), "
            f"export {t.export_price_cny_per_kwh} CNY/kWh; confidence {dict(t.confidence)}; "
            f"sources: {', '.join(s.id for s in t.sources)}"
        )


@optimize_app.command("runs")
def runs(park: Annotated[str | None, typer.Option("--park", "-p")] = None, limit: int = 20) -> None:
    """List stored optimisation runs, newest first."""
    try:
        summaries = optimization.list_runs(system_scope(engine(), "cli"), park, limit)
    except NotFound as exc:
        raise _fail(str(exc), EXIT_NOT_FOUND) from exc
    table = Table(title="优化运行 Optimisation runs")
    for col in ("id", "park", "mode", "status", "objective CNY", "created"):
        table.add_column(col)
    for r in summaries:
        obj = (
            "—"
            if r.objective_cny is None or not math.isfinite(r.objective_cny)
            else f"{r.objective_cny:,.2f}"
        )
        table.add_row(str(r.id), r.park_id, r.mode, r.status, obj, f"{r.created_at:%Y-%m-%d %H:%M}")
    console.print(table)


@optimize_app.command("show")
def show(run_id: int, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show one stored run (``--json`` prints everything incl. series)."""
    try:
        run = optimization.get_run(system_scope(engine(), "cli"), run_id)
    except NotFound as exc:
        raise _fail(str(exc), EXIT_NOT_FOUND) from exc
    if as_json:
        console.print_json(json.dumps({"params": run.params, "result": run.result}))
    elif run.infeasible:
        console.print(f"run {run.id}: infeasible")
        for c in run.conflicts:
            console.print(f"  • {c}")
    else:
        _print_result(run.id, run.result)


def register(app: typer.Typer) -> None:
    """Attach ``zeropark optimize …``."""
    app.add_typer(optimize_app)
