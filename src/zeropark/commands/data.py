"""``zeropark template`` and ``zeropark import``: the enterprise workbook and file imports.

``import`` looks at the file and dispatches: enterprise activity data (the workbook's sheets, a
YAML/JSON mapping of them, or a CSV with a 能源品种 column) go to
:func:`zeropark.ingest.workbook.import_workbook`; meter-reading exports (columns meter_id, ts,
value / 表号, 时间, 读数) go to :func:`zeropark.ingest.files.import_readings`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from zeropark.commands.common import EXIT_DATA_ERROR, console, engine, err_console
from zeropark.errors import DataError

__all__ = ["register"]

DEFAULT_TEMPLATE = "企业能源消费与碳排放数据填报表.xlsx"


def template(
    path: Annotated[Path, typer.Argument(help="输出文件 Where to write the workbook (.xlsx).")] = Path(
        DEFAULT_TEMPLATE
    ),
) -> None:
    """Write the blank enterprise data workbook 企业能源消费与碳排放数据填报表. 生成填报模板."""
    from zeropark.ingest.workbook import write_template

    written = write_template(path)
    console.print(f"已写入 written {written} — 填好后 fill it in, then `zeropark import {written.name}`")


def _import_enterprise_data(path: Path, partial: bool) -> None:
    from zeropark.ingest.workbook import import_workbook

    result = import_workbook(engine(), path, partial=partial, created_by="cli")
    if result.errors:
        t = Table(title=f"{path.name}: 被拒绝的行 rejected rows ({len(result.errors)})")
        for col in ("表 Sheet", "行 Row", "列 Column", "如何修改 What to fix"):
            t.add_column(col)
        for e in result.errors:
            t.add_row(e.sheet or "", str(e.row or ""), e.field or "", e.message)
        err_console.print(t)
    colour = {"stored": "green", "partial": "yellow"}.get(result.status, "red")
    console.print(f"[{colour}]{result.summary()}[/] (batch #{result.batch_id})")
    if result.status == "rejected":
        if result.errors and not partial:
            err_console.print(
                "未存储任何数据 nothing was stored: fix the rows above and import again, "
                "or add --partial to store the good rows"
            )
        raise typer.Exit(EXIT_DATA_ERROR)


def _import_readings(path: Path) -> None:
    from zeropark.commands.ingest import import_readings_file

    import_readings_file(path)


def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="xlsx / csv / yaml / json")],
    partial: Annotated[
        bool, typer.Option("--partial", help="仅导入正确的行 Store the good rows, report the rejected ones.")
    ] = False,
) -> None:
    """Import an enterprise workbook (xlsx/csv/yaml/json) or a meter-readings export. 导入数据文件.

    Enterprise data is all-or-nothing unless --partial; every rejected row is listed with its
    sheet, row, column and what to fix. Readings files store good rows and quarantine bad ones.
    """
    from zeropark.ingest.files import is_readings_file
    from zeropark.ingest.workbook import is_enterprise_data_file

    try:
        if is_enterprise_data_file(file):
            _import_enterprise_data(file, partial)
        elif is_readings_file(file):
            _import_readings(file)
        else:
            err_console.print(
                f"[red]{file.name}: not recognised. An enterprise workbook has the sheets of "
                "`zeropark template` (or YAML/JSON sections enterprise, energy, …; or a CSV with 能源品种); "
                "a readings export has the columns meter_id, ts, value (表号, 时间, 读数). "
                "See docs/data-formats.md[/]"
            )
            raise typer.Exit(EXIT_DATA_ERROR)
    except DataError as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(EXIT_DATA_ERROR) from None


def register(app: typer.Typer) -> None:
    """Attach ``zeropark template`` and ``zeropark import``."""
    app.command("template")(template)
    app.command("import")(import_file)
