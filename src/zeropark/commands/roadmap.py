"""``zeropark roadmap``: the park's roadmap analyses; ``roadmap lmdi`` explains a change in CO2.

``roadmap lmdi --from 2024 --to 2025`` decomposes the change in CO2 between the latest
national-method runs of two years (:func:`zeropark.services.roadmap.lmdi`, the same function the
API calls) into activity, structure, energy-intensity, energy-mix, carbon-factor and grid-factor
effects, per enterprise or per sector, with the Tapio decoupling state and carbon productivity.
Exit codes: 2 same year twice or a bad option, 3 missing output values or a negative figure,
4 a year without a run or an unknown park.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from zeropark.commands.account import pick_park
from zeropark.commands.common import EXIT_USAGE, check_choice, console, engine, err_console
from zeropark.i18n import translate
from zeropark.roadmap.lmdi import Effect
from zeropark.services import roadmap
from zeropark.services.metabolism import FlowKind, metabolism
from zeropark.store.scope import system_scope

__all__ = ["register"]

roadmap_app = typer.Typer(
    name="roadmap",
    help="路线图 Roadmap analyses: explain the change in CO2 between two accounted years (LMDI, Tapio).",
    no_args_is_help=True,
    rich_markup_mode="rich",
)


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
    """园区代谢 Energy [tce], carbon [tCO2] or water [m³] flows of a year: sources → conversion → sectors.

    The same figures as GET /api/v1/parks/{id}/metabolism and the page /roadmap/metabolism
    (zeropark.services.metabolism.metabolism); each flow lists the line items (water: the meters)
    it sums in JSON. Exit codes: 2 a bad option, 4 a year without a national-method run (water:
    without water-meter data) or an unknown park.
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
    run = "meters" if result.run_id is None else f"run #{result.run_id}"
    table = Table(title=f"{_label('metab_title')} — {park_id} {year} ({run}), {result.unit}")
    table.add_column(_label("metab_from"))
    table.add_column(_label("metab_to"))
    table.add_column(result.unit, justify="right")
    table.add_column(_label("metab_items"), justify="right")
    for link in result.links:
        count = len(link.meters) if result.kind is FlowKind.WATER else len(link.items)
        table.add_row(names[link.source], names[link.target], f"{link.value:,.3f}", str(count))
    console.print(table)
    console.print(
        f"{_label('metab_total')}: {result.total():,.3f} {result.unit}; "
        f"{_label('metab_inventory_total')}: {result.inventory_total:,.3f} {result.unit}"
    )
    for zh, en in result.notes:
        console.print(f"[yellow]{zh} {en}[/]")


def register(app: typer.Typer) -> None:
    """Attach ``roadmap`` to the ``zeropark`` app."""
    app.add_typer(roadmap_app)
