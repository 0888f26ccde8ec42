"""Option declarations and output helpers shared by ``zeropark assets`` and ``zeropark market``.

One declaration of each option (park, output format, value date, year) and one way to print a
result (a rich table, or JSON with ``--format json``), so the two command groups cannot drift.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from zeropark.commands.common import YEAR_MAX, YEAR_MIN, console

__all__ = ["FormatOpt", "OnOpt", "ParkOpt", "out", "value_date", "year_option"]

ParkOpt = Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")]
FormatOpt = Annotated[str, typer.Option("--format", help="输出 table | json.")]
OnOpt = Annotated[
    datetime | None, typer.Option("--on", formats=["%Y-%m-%d"], help="记账日期 Value date (default today).")
]


def year_option(help_text: str) -> Any:
    """A ``--year`` option (YEAR_MIN–YEAR_MAX) with its bilingual help, e.g. ``履约年度 Compliance year.``."""
    return typer.Option("--year", min=YEAR_MIN, max=YEAR_MAX, help=help_text)


def value_date(value: datetime | None) -> date:
    """The ``--on`` date, or today."""
    return value.date() if value is not None else date.today()


def out(fmt: str, data: Any, table: Table | None = None) -> None:
    """Print ``data`` as JSON (``--format json``) or ``table``."""
    if fmt == "json":
        console.out(json.dumps(data, ensure_ascii=False, indent=1, default=str))
    elif table is not None:
        console.print(table)
