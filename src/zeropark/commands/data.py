"""``zeropark template`` and ``zeropark import``: the enterprise workbook and file imports.

``import`` calls :func:`zeropark.services.imports.import_file` as the command line's principal
(:func:`zeropark.store.scope.system_scope`: user ``cli``, role admin), so a file is checked,
stored and audited as through the API and the 数据导入 page. The service looks at the file:
enterprise activity data (the workbook's sheets, a YAML/JSON mapping of them, or a CSV with a
能源品种 column) is an enterprise workbook; a meter-reading export (columns meter_id, ts, value /
表号, 时间, 读数) is streamed with a progress bar, bad rows quarantined.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from zeropark.commands.common import EXIT_DATA_ERROR, console, engine, err_console
from zeropark.commands.ingest import readings_progress, show_readings_result
from zeropark.errors import DataError
from zeropark.ingest.workbook import ImportResult, write_template
from zeropark.services.imports import ImportKind, detect_kind, import_file
from zeropark.settings import get_settings
from zeropark.store.scope import system_scope

__all__ = ["register"]

DEFAULT_TEMPLATE = "企业能源消费与碳排放数据填报表.xlsx"


def template(
    path: Annotated[Path, typer.Argument(help="输出文件 Where to write the workbook (.xlsx).")] = Path(
        DEFAULT_TEMPLATE
    ),
) -> None:
    """Write the blank enterprise data workbook 企业能源消费与碳排放数据填报表. 生成填报模板."""
    written = write_template(path)
    console.print(f"已写入 written {written} — 填好后 fill it in, then `zeropark import {written.name}`")


def show_workbook_result(result: ImportResult, partial: bool) -> None:
    """Print the rejected rows (sheet, row, column, what to fix) and the one-line summary.

    Exits with ``EXIT_DATA_ERROR`` when nothing was stored.
    """
    if result.errors:
        t = Table(title=f"{result.file}: 被拒绝的行 rejected rows ({len(result.errors)})")
        for col in ("表 Sheet", "行 Row", "列 Column", "如何修改 What to fix"):
            t.add_column(col)
        for e in result.errors:
            t.add_row(e.sheet or "", str(e.row or ""), e.field or "", e.message)
        err_console.print(t)
    for note in result.notes:
        console.print(f"[cyan]注 note[/] {note}")
    colour = {"stored": "green", "partial": "yellow"}.get(result.status, "red")
    console.print(f"[{colour}]{result.summary()}[/] (batch #{result.batch_id})")
    if result.status == "rejected":
        if result.errors and not partial:
            err_console.print(
                "未存储任何数据 nothing was stored: fix the rows above and import again, "
                "or add --partial to store the good rows"
            )
        raise typer.Exit(EXIT_DATA_ERROR)


def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="xlsx / csv / yaml / json")],
    partial: Annotated[
        bool, typer.Option("--partial", help="仅导入正确的行 Store the good rows, report the rejected ones.")
    ] = False,
    steam_default_heat: Annotated[
        bool,
        typer.Option(
            "--steam-default-heat",
            help="蒸汽按吨填报时采用缺省热值 Steam given in t without its heat: apply the named option "
            "DEFAULT_STEAM_HEAT, 3.763 GJ/t (GB/T 2589 低压蒸汽), marked on each record.",
        ),
    ] = False,
) -> None:
    """Import an enterprise workbook, a filed 205-1 form or a meter-readings export. 导入数据文件.

    Enterprise data is all-or-nothing unless --partial; every rejected row is listed with its
    sheet, row, column and what to fix. Readings files store good rows and quarantine bad ones.
    The import is audited as user ``cli``.
    """
    scope = system_scope(engine(), "cli")
    try:
        kind = detect_kind(file)
        if kind in (ImportKind.WORKBOOK, ImportKind.FORM_205_1, ImportKind.ONLINE_MONITORING):
            outcome = import_file(
                scope, file, kind=kind, partial=partial, steam_default_heat=steam_default_heat
            )
        else:
            with readings_progress(file) as progress:
                outcome = import_file(
                    scope,
                    file,
                    kind=kind,
                    progress=progress,
                    earliest_year=get_settings().earliest_reading_year,
                )
    except DataError as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(EXIT_DATA_ERROR) from None
    if outcome.workbook is not None:
        show_workbook_result(outcome.workbook, partial)
    if outcome.readings is not None:
        show_readings_result(file.name, outcome.readings)
    if outcome.kind is ImportKind.ONLINE_MONITORING:
        console.print(
            f"{outcome.file}: {outcome.status} — {outcome.stored} of {outcome.rows} upload records "
            f"stored, {outcome.rejected} rejected (batch #{outcome.batch_id}); "
            "more options: `zeropark online-monitoring import`"
        )


def register(app: typer.Typer) -> None:
    """Attach ``zeropark template`` and ``zeropark import``."""
    app.command("template")(template)
    app.command("import")(import_command)
