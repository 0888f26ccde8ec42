"""``zeropark runs`` and ``zeropark report``: read stored inventory runs, write the annual report.

``runs latest`` prints the run every door shows for a view — the newest signed-off run, else the
newest (:mod:`zeropark.store.queries.runs`) — with its totals, the enterprises' shares on the
consumption basis, the indicator table and the data-quality score, as a table or as JSON (the
same figures as the API and the pages). ``report`` writes the PDF or the Excel workbook through
the reporting use case, kept and audited like a download from the web or the API.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from zeropark.commands.account import (
    indicator_table,
    inventory_table,
    pick_park,
    print_statement,
    statement_json,
)
from zeropark.commands.common import (
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    YEAR_MAX,
    YEAR_MIN,
    check_choice,
    console,
    engine,
    err_console,
)
from zeropark.errors import NotFound, PermissionDenied
from zeropark.model import Method
from zeropark.services import inventory, reporting
from zeropark.services.inventory import RunView
from zeropark.settings import get_settings
from zeropark.store.runs import RunSummary
from zeropark.store.scope import system_scope

__all__ = ["register", "run_figures"]

runs_app = typer.Typer(
    name="runs",
    help="核算记录 Inventory runs: the latest run of a view, or a list (table or JSON).",
    no_args_is_help=True,
    rich_markup_mode="rich",
)


def _summary(s: RunSummary) -> dict[str, Any]:
    return {
        "id": s.id,
        "park_id": s.park_id,
        "year": s.year,
        "method": s.method.value,
        "enterprise_id": s.enterprise_id,
        "parent_run_id": s.parent_run_id,
        "total_tco2e": s.total_tco2e,
        "energy_tce": s.energy_tce,
        "data_quality_score": s.data_quality_score,
        "factor_set": f"{s.factor_set}@{s.factor_set_version}",
        "input_fingerprint": s.input_fingerprint,
        "created_at": s.created_at.isoformat(),
        "created_by": s.created_by,
        "signed_off_by": s.signed_off_by,
        "frozen": s.frozen,
        "superseded": None if s.superseded is None else superseded_json(s),
    }


def superseded_json(s: RunSummary) -> dict[str, Any] | None:
    """A run's supersession (已被取代) as plain JSON: the data version that replaced what it used."""
    if s.superseded is None:
        return None
    sup = s.superseded
    return {
        "data_version_id": sup.data_version_id,
        "enterprise_id": sup.enterprise_id,
        "year": sup.year,
        "version": sup.number,
        "reason": sup.reason,
        "at": sup.at.isoformat(),
        "by": sup.by,
    }


def _superseded_text(s: RunSummary) -> str:
    if s.superseded is None:
        return "—"
    sup = s.superseded
    return f"已被取代 superseded: {sup.enterprise_id} {sup.year} v{sup.number} ({sup.reason})"


def run_figures(view: RunView) -> dict[str, Any]:
    """The figures of a run as ``runs latest --format json`` prints them (plain JSON values)."""
    inv = view.inventory
    return {
        "run": _summary(view.summary),
        "newer_draft_run_id": None if view.newer_draft is None else view.newer_draft.id,
        "total_tco2e": inv.total_tco2e,
        "total_market_tco2e": inv.total_market_tco2e,
        "energy_tce": inv.energy_tce,
        "intensity_tco2_per_tce": inv.intensity_tco2_per_tce,
        "by_enterprise": dict(inv.by_enterprise),
        "consumers": [c.to_dict() for c in inv.consumers],
        "by_source": dict(inv.by_source),
        "by_scope": dict(inv.by_scope),
        "indicators": None if view.indicators is None else view.indicators.to_dict(),
        "statement": statement_json(inv),
    }


def _fail(exc: Exception, code: int) -> typer.Exit:
    err_console.print(f"[red]{exc}[/]")
    return typer.Exit(code)


@runs_app.command("latest")
def latest(
    year: Annotated[int, typer.Option(help="核算年度 Reporting year.", min=YEAR_MIN, max=YEAR_MAX)],
    park: Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")] = None,
    enterprise: Annotated[str | None, typer.Option(help="企业 One enterprise's own view.")] = None,
    output_format: Annotated[str, typer.Option("--format", help="输出 table | json.")] = "table",
) -> None:
    """最新核算 The run each method shows for the view (newest signed off, else newest)."""
    check_choice(output_format, ("table", "json"), "--format")
    eng = engine()
    scope = system_scope(eng, "cli")
    try:
        park_id = pick_park(eng, park)
        views = {m: inventory.latest_view(scope, park_id, year, m, enterprise_id=enterprise) for m in Method}
    except NotFound as exc:
        raise _fail(exc, EXIT_NOT_FOUND) from None
    if output_format == "json":
        payload = {m.value: None if v is None else run_figures(v) for m, v in views.items()}
        console.out(json.dumps(payload, ensure_ascii=False, indent=1, default=str))
        return
    for method, view in views.items():
        if view is None:
            console.print(f"[yellow]{method.value}: no run for {year}; `zeropark account --year {year}`[/]")
            continue
        s = view.summary
        state = f"signed off by {s.signed_off_by}" if s.frozen else "not signed off"
        if s.superseded is not None:
            state += "; " + _superseded_text(s)
        console.print(
            inventory_table(view.inventory, f"{park_id} {year} — {method.value} (run #{s.id}, {state})")
        )
        if view.newer_draft is not None:
            console.print(f"[dim]a newer unsigned run #{view.newer_draft.id} exists[/]")
        if view.indicators is not None:
            console.print(indicator_table(view.indicators, view.inventory.energy_tce))
        print_statement(view.inventory)


@runs_app.command("list")
def list_runs(
    park: Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")] = None,
    year: Annotated[
        int | None, typer.Option(help="核算年度 Reporting year.", min=YEAR_MIN, max=YEAR_MAX)
    ] = None,
    method: Annotated[Method | None, typer.Option(help="核算方法 national | ghg.")] = None,
    enterprise: Annotated[str | None, typer.Option(help="企业 One enterprise's runs.")] = None,
    all_views: Annotated[
        bool, typer.Option(help="园区与各企业 The park's runs and every enterprise's.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=500, help="条数 How many (newest first).")] = 50,
    output_format: Annotated[str, typer.Option("--format", help="输出 table | json.")] = "table",
) -> None:
    """核算记录 Stored runs, newest first."""
    check_choice(output_format, ("table", "json"), "--format")
    eng = engine()
    try:
        park_id = pick_park(eng, park)
        items, total = inventory.list_runs(
            system_scope(eng, "cli"),
            park_id,
            year=year,
            method=method,
            enterprise_id=enterprise,
            all_views=all_views,
            limit=limit,
        )
    except NotFound as exc:
        raise _fail(exc, EXIT_NOT_FOUND) from None
    if output_format == "json":
        console.out(json.dumps({"items": [_summary(s) for s in items], "total": total}, ensure_ascii=False))
        return
    table = Table(title=f"{park_id}: {len(items)} of {total} runs 核算记录")
    for column in (
        "id",
        "year",
        "method",
        "enterprise",
        "tCO2e",
        "tce",
        "signed off",
        "created",
        "superseded",
    ):
        table.add_column(column)
    for s in items:
        table.add_row(
            str(s.id),
            str(s.year),
            s.method.value,
            s.enterprise_id or "park",
            f"{s.total_tco2e:,.2f}",
            f"{s.energy_tce:,.2f}",
            s.signed_off_by or "—",
            s.created_at.strftime("%Y-%m-%d %H:%M"),
            _superseded_text(s),
        )
    console.print(table)


def report(
    year: Annotated[int, typer.Option(help="报告年度 Reporting year.", min=YEAR_MIN, max=YEAR_MAX)],
    kind: Annotated[
        reporting.ReportKind, typer.Option(help="pdf | xlsx | 205-1 (能源购进、消费与库存).")
    ] = reporting.ReportKind.PDF,
    output: Annotated[
        Path | None, typer.Option(help="输出文件 Where to write it (default: its name).")
    ] = None,
    park: Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")] = None,
    enterprise: Annotated[str | None, typer.Option(help="企业 One enterprise's report.")] = None,
    method: Annotated[Method, typer.Option(help="xlsx: 核算方法 national | ghg.")] = Method.NATIONAL,
    lang: Annotated[str, typer.Option(help="语言 zh | en.")] = "zh",
) -> None:
    """报告 Write the annual PDF report or the Excel inventory of the latest run (kept and audited)."""
    if lang not in ("zh", "en"):
        err_console.print(f"[red]--lang must be zh or en, '{lang}' was given[/]")
        raise typer.Exit(EXIT_USAGE)
    eng = engine()
    try:
        park_id = pick_park(eng, park)
        made = reporting.create_report(
            system_scope(eng, "cli"),
            park_id,
            year,
            kind,
            method=method,
            lang=lang,
            enterprise_id=enterprise,
            account_with=get_settings().factor_set,
        )
    except (NotFound, PermissionDenied) as exc:
        raise _fail(exc, EXIT_NOT_FOUND) from None
    path = output or Path(made.file_name)
    path.write_bytes(made.content)
    console.print(f"已写入 written {path} (report #{made.id}, run #{made.inventory_run_id})")


def register(app: typer.Typer) -> None:
    """Attach ``zeropark runs …`` and ``zeropark report``."""
    app.add_typer(runs_app, name="runs")
    app.command("report")(report)
