"""``zeropark roadmap``: the park's roadmap analyses; ``roadmap lmdi`` explains a change in CO2.

``roadmap lmdi --from 2024 --to 2025`` decomposes the change in CO2 between the latest
national-method runs of two years (:func:`zeropark.services.roadmap.lmdi`, the same function the
API calls) into activity, structure, energy-intensity, energy-mix, carbon-factor and grid-factor
effects, per enterprise or per sector, with the Tapio decoupling state and carbon productivity.
Exit codes: 2 same year twice or a bad option, 3 missing output values or a negative figure,
4 a year without a run or an unknown park.

``roadmap scenario new|list|show|compare|delete`` are the scenarios to 2030/2060
(:mod:`zeropark.services.scenarios`, the same use cases as the API and the page). Exit codes:
3 bad assumptions (a target before the base year, drivers that miss enterprises, an unknown
measure), 4 no such scenario or no national run of the base year, 5 the base year's data changed
since its run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from zeropark.commands import roadmap_pathway
from zeropark.commands.account import pick_park
from zeropark.commands.common import EXIT_USAGE, check_choice, console, engine, err_console
from zeropark.commands.roadmap_measures import measures_app
from zeropark.i18n import translate
from zeropark.roadmap.lmdi import Effect
from zeropark.roadmap.scenario import ScenarioError, ScenarioKind
from zeropark.services import roadmap, scenarios
from zeropark.services.metabolism import FlowKind, metabolism
from zeropark.store.scope import system_scope

__all__ = ["register"]

roadmap_app = typer.Typer(
    name="roadmap",
    help="路线图 Roadmap analyses: explain the change in CO2 between two accounted years (LMDI, Tapio).",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
# slice: measures — `zeropark roadmap measures list|show|add|import|delete`
roadmap_app.add_typer(measures_app)


def _label(key: str) -> str:
    return f"{translate(key, 'zh')} {translate(key, 'en')}"


@roadmap_app.command("lmdi")
def lmdi(
    year_from: Annotated[int, typer.Option("--from", help="基准年 The earlier accounted year.")],
    year_to: Annotated[int, typer.Option("--to", help="比较年 The later accounted year.")],
    park: Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")] = None,
    by: Annotated[roadmap.By, typer.Option(help="分解单元 enterprise | sector.")] = roadmap.By.ENTERPRISE,
    output_format: Annotated[str, typer.Option("--format", help="输出 table | json.")] = "table",
) -> None:
    """变化归因 LMDI decomposition of the CO2 change between two accounted years (national method)."""
    check_choice(output_format, ("table", "json"), "--format")
    eng = engine()
    try:
        park_id = pick_park(eng, park)
        result = roadmap.lmdi(system_scope(eng, "cli"), park_id, year_from, year_to, by=by)
    except roadmap.SameYear as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(EXIT_USAGE) from None
    if output_format == "json":
        console.out(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    d = result.decomposition
    b, a = result.before, result.after
    title = (
        f"{_label('lmdi_title')} — {park_id} {b.year} (run #{b.run_id}) → {a.year} (run #{a.run_id}), "
        f"by {result.by.value}"
    )
    table = Table(title=title)
    table.add_column("")
    table.add_column("tCO2", justify="right")
    table.add_column(_label("lmdi_multiplicative"), justify="right")
    for effect in Effect:
        table.add_row(
            _label(f"lmdi_effect_{effect.value}"),
            f"{d.additive[effect]:,.3f}",
            f"{d.multiplicative[effect]:.6f}",
        )
    table.add_row(
        _label("lmdi_change"), f"{d.change:,.3f}", f"{d.co2_to / d.co2_from:.6f}" if d.co2_from else "—"
    )
    console.print(table)
    units = Table(title=f"{result.by.value} (tCO2)")
    units.add_column(result.by.value)
    units.add_column(str(b.year), justify="right")
    units.add_column(str(a.year), justify="right")
    for effect in Effect:
        units.add_column(effect.value, justify="right")
    for u in d.units:
        units.add_row(
            u.unit, f"{u.co2_from:,.2f}", f"{u.co2_to:,.2f}", *(f"{u.effects[e]:,.2f}" for e in Effect)
        )
    console.print(units)
    for fig in (b, a):
        f = fig.to_dict()
        cp = f["carbon_productivity_10k_cny_per_t"]
        console.print(
            f"{fig.year}: {_label('lmdi_output')} {f['output_10k_cny']:,.2f}; "
            f"{_label('lmdi_carbon_productivity')} {'—' if cp is None else f'{cp:.4f}'}; "
            f"{_label('lmdi_not_decomposed')} {f['not_decomposed_t']:,.2f}"
        )
    for point in result.trend:
        cp = point.carbon_productivity
        value = "—" if cp is None else f"{cp:.4f}"
        console.print(f"{_label('lmdi_carbon_productivity')} {point.year}: {value} {point.note}".rstrip())
    if result.decoupling is None:
        console.print(f"[yellow]Tapio: {result.decoupling_note}[/]")
    else:
        t = result.decoupling
        console.print(f"{_label('lmdi_elasticity')} {t.elasticity:.4f}: {_label('tapio_' + t.state.value)}")


# --- metabolism (issue 14): the park's energy and carbon flows -----------------------------------


@roadmap_app.command("metabolism")
def metabolism_command(
    year: Annotated[int, typer.Option("--year", help="年度 The accounted year.")],
    park: Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")] = None,
    kind: Annotated[
        str, typer.Option("--kind", help="流 energy (tce) | carbon (tCO2) | water (m³).")
    ] = "energy",
    output_format: Annotated[str, typer.Option("--format", help="输出 table | json.")] = "table",
) -> None:
    """园区代谢 Energy [tce], carbon [tCO2], materials [t] or water [m³] flows of a year: sources → sinks.

    The same figures as GET /api/v1/parks/{id}/metabolism and the page /roadmap/metabolism
    (zeropark.services.metabolism.metabolism); each flow lists the line items (water: the meters;
    materials and water reuse: the symbiosis exchanges) it sums in JSON. Exit codes: 2 a bad
    option, 4 a year without a national-method run (water: without water-meter data or reuse;
    materials: without a by-product or solid-waste stream in the registry) or an unknown park.
    """
    check_choice(kind, tuple(k.value for k in FlowKind), "--kind")
    check_choice(output_format, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    result = metabolism(system_scope(eng, "cli"), park_id, year, FlowKind(kind))
    if output_format == "json":
        console.out(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    names = {n.id: f"{n.label_zh} {n.label_en}" for n in result.nodes}
    run = {FlowKind.WATER: "meters", FlowKind.MATERIALS: "symbiosis registry"}.get(
        result.kind, f"run #{result.run_id}"
    )
    table = Table(title=f"{_label('metab_title')} — {park_id} {year} ({run}), {result.unit}")
    table.add_column(_label("metab_from"))
    table.add_column(_label("metab_to"))
    table.add_column(result.unit, justify="right")
    table.add_column(_label("metab_items"), justify="right")
    for link in result.links:
        count = (
            len(link.meters)
            if result.kind is FlowKind.WATER
            else len(link.exchanges)
            if result.kind is FlowKind.MATERIALS
            else len(link.items)
        )
        table.add_row(names[link.source], names[link.target], f"{link.value:,.3f}", str(count))
    console.print(table)
    console.print(
        f"{_label('metab_total')}: {result.total():,.3f} {result.unit}; "
        f"{_label('metab_inventory_total')}: {result.inventory_total:,.3f} {result.unit}"
    )
    for zh, en in result.notes:
        console.print(f"[yellow]{zh} {en}[/]")


# -- roadmap scenario (issue 14: scenarios to 2030 and 2060) ----------------------------------------
scenario_app = typer.Typer(
    name="scenario",
    help=(
        "情景 Scenarios to 2030/2060 from an accounted base year: new (BAU / policy / zero-by-year, "
        "or your assumptions JSON), list, show, compare, delete."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
)
roadmap_app.add_typer(scenario_app)


def _read_assumptions(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioError(f"{path}: not a JSON file of scenario assumptions ({exc})") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: the assumptions are one JSON object (see docs/roadmap.md, Scenarios)")
    return data


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


@scenario_app.command("new")
def scenario_new(
    park: Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")] = None,
    base_year: Annotated[int | None, typer.Option(help="基准年 Accounted base year (default: 2025).")] = None,
    kind: Annotated[
        ScenarioKind, typer.Option(help="情景类型 bau | policy | zero_by (default assumptions).")
    ] = ScenarioKind.BAU,
    assumptions: Annotated[
        Path | None, typer.Option(help="假设 JSON file of assumptions (instead of the defaults).")
    ] = None,
    horizon: Annotated[int, typer.Option(help="终止年 Last year.")] = 2060,
    production_growth: Annotated[
        float | None, typer.Option(help="产量年增长 Production growth of every enterprise [%/a].")
    ] = None,
    output_growth: Annotated[
        float | None, typer.Option(help="增加值年增长 Value-added growth of every enterprise [%/a].")
    ] = None,
    target_year: Annotated[int | None, typer.Option(help="目标年 Zero-by year (zero_by).")] = None,
    name: Annotated[str | None, typer.Option(help="名称 Name of the scenario.")] = None,
    output_format: Annotated[str, typer.Option("--format", help="输出 table | json.")] = "table",
) -> None:
    """新建情景 Compute every year base … horizon through the accounting core and store it."""
    check_choice(output_format, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    scope = system_scope(eng, "cli")
    if assumptions is not None:
        data = _read_assumptions(assumptions)
        if name:
            data["name"] = name
    else:
        data = scenarios.simple_assumptions(
            scope,
            park_id,
            kind,
            base_year or 2025,
            horizon=horizon,
            production_growth_pct=production_growth,
            output_growth_pct=output_growth,
            target_year=target_year,
            name=name,
        )
    with Progress(
        TextColumn("情景 scenario"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
    ) as bar:
        task = bar.add_task("years", total=None)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        view = scenarios.create(scope, park_id, data, progress=step)
    _print_view(view, output_format, None)


def _print_view(view: scenarios.ScenarioView, output_format: str, only: int | None) -> None:
    if output_format == "json":
        data = view.to_dict()
        if only is not None:
            data["years"] = [y for y in data["years"] if y["year"] == only]
        console.out(json.dumps(data, ensure_ascii=False, indent=1))
        return
    s = view.summary
    table = Table(title=f"#{s.id} {s.name} ({s.kind.value}) — base run #{s.base_run_id}, {s.factor_set}")
    for col in (
        _label("scenario_year"),
        f"{_label('scenario_total')} [tCO2]",
        f"{_label('scenario_energy')} [tce]",
        f"{_label('scenario_core')} [tCO2/tce]",
        f"{_label('scenario_captured')} [tCO2]",
        f"{_label('scenario_grid_factor')} [tCO2/MWh]",
    ):
        table.add_column(col, justify="right")
    for y in view.years:
        if only is not None and y.year != only:
            continue
        table.add_row(
            str(y.year),
            _fmt(y.total_tco2e),
            _fmt(y.energy_tce),
            _fmt(y.core_tco2_per_tce, 4),
            _fmt(y.captured_tco2),
            _fmt(y.grid_factor, 4),
        )
    console.print(table)
    if s.target is not None:
        t = s.target
        console.print(
            f"{_label('scenario_target')} {t['kind']} {t['year']}: "
            f"met={t['met']}, first={t['first_year_met']}"
        )
    if s.uncertain:
        console.print(f"[yellow][UNCERTAIN] {', '.join(s.uncertain)}[/]")


@scenario_app.command("list")
def scenario_list(
    park: Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")] = None,
    output_format: Annotated[str, typer.Option("--format", help="输出 table | json.")] = "table",
) -> None:
    """情景列表 The park's scenarios, newest first."""
    check_choice(output_format, ("table", "json"), "--format")
    eng = engine()
    items = scenarios.list_scenarios(system_scope(eng, "cli"), pick_park(eng, park))
    if output_format == "json":
        console.out(json.dumps([s.to_dict() for s in items], ensure_ascii=False, indent=1))
        return
    table = Table(title=_label("scenario_title"))
    for col in ("id", "name", "kind", "base run", "years", "created"):
        table.add_column(col)
    for s in items:
        table.add_row(
            str(s.id),
            s.name,
            s.kind.value,
            str(s.base_run_id),
            f"{s.base_year}–{s.horizon}",
            f"{s.created_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)


@scenario_app.command("show")
def scenario_show(
    scenario_id: Annotated[int, typer.Argument(help="情景编号 Scenario id.")],
    year: Annotated[int | None, typer.Option(help="年份 Only this year.")] = None,
    output_format: Annotated[str, typer.Option("--format", help="输出 table | json.")] = "table",
) -> None:
    """情景详情 One scenario's assumptions and every year's figures."""
    check_choice(output_format, ("table", "json"), "--format")
    view = scenarios.get(system_scope(engine(), "cli"), scenario_id)
    if year is not None:
        view.year(year)  # NotFound for a year outside the scenario
    _print_view(view, output_format, year)


@scenario_app.command("compare")
def scenario_compare(
    scenario_ids: Annotated[
        list[int] | None, typer.Argument(help="情景编号 Scenario ids (default: all).")
    ] = None,
    park: Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")] = None,
    output_format: Annotated[str, typer.Option("--format", help="输出 table | json.")] = "table",
) -> None:
    """情景对比 Scenarios side by side: CO2 [t] and the core indicator [tCO2/tce] per year."""
    check_choice(output_format, ("table", "json"), "--format")
    eng = engine()
    views = scenarios.compare(system_scope(eng, "cli"), pick_park(eng, park), scenario_ids)
    if output_format == "json":
        console.out(json.dumps([v.to_dict() for v in views], ensure_ascii=False, indent=1))
        return
    table = Table(title=_label("scenario_compare"))
    table.add_column(_label("scenario_year"))
    for v in views:
        table.add_column(f"#{v.summary.id} {v.summary.kind.value} tCO2", justify="right")
        table.add_column(f"#{v.summary.id} tCO2/tce", justify="right")
    years = sorted({y.year for v in views for y in v.years})
    by = {(v.summary.id, y.year): y for v in views for y in v.years}
    for year in years:
        cells = []
        for v in views:
            y = by.get((v.summary.id, year))
            cells += [
                _fmt(None if y is None else y.total_tco2e),
                _fmt(None if y is None else y.core_tco2_per_tce, 4),
            ]
        table.add_row(str(year), *cells)
    console.print(table)


@scenario_app.command("delete")
def scenario_delete(scenario_id: Annotated[int, typer.Argument(help="情景编号 Scenario id.")]) -> None:
    """删除情景 Delete a scenario and its years (audited)."""
    s = scenarios.delete(system_scope(engine(), "cli"), scenario_id)
    console.print(f"deleted scenario #{s.id} {s.name}")


def register(app: typer.Typer) -> None:
    """Attach ``roadmap`` to the ``zeropark`` app."""
    roadmap_pathway.attach(roadmap_app)  # roadmap pathway | macc | budget | land | runs | show
    app.add_typer(roadmap_app)
