"""``zeropark cold archive|restore|drop|check``: park-months as Parquet files with a SHA-256 manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zeropark.commands.common import (
    EXIT_DATA_ERROR,
    YEAR_MAX,
    YEAR_MIN,
    check_park,
    console,
    engine,
    err_console,
)
from zeropark.services import cold_storage
from zeropark.store.scope import system_scope

cold_app = typer.Typer(
    help="冷数据归档 Cold storage: a park's month of readings as Parquet (SHA-256 manifest), restore, check.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Attach ``zeropark cold``."""
    app.add_typer(cold_app, name="cold")


_Park = Annotated[str, typer.Argument(help="Park id 园区")]
_Year = Annotated[int, typer.Argument(help="Year 年份", min=YEAR_MIN, max=YEAR_MAX)]
_Month = Annotated[int, typer.Argument(help="Month 月份 (1-12, park local time)", min=1, max=12)]
_Dir = Annotated[Path, typer.Option("--dir", help="Archive directory (manifest.json and park=…/month=…/)")]


@cold_app.command("archive")
def cold_archive(park: _Park, year: _Year, month: _Month, directory: _Dir = Path("cold")) -> None:
    """Write a park-month's readings to Parquet and record its SHA-256 (the rows stay in the store). 归档."""
    check_park(park)
    e = cold_storage.archive(system_scope(engine(), "cli"), park, year, month, directory)
    console.print(f"archived {e.rows} readings of {e.park_id} {e.month} → {directory / e.path}")
    console.print(f"SHA-256 {e.sha256}")


@cold_app.command("restore")
def cold_restore(park: _Park, year: _Year, month: _Month, directory: _Dir = Path("cold")) -> None:
    """Write an archived park-month back into the store (hash checked first; idempotent). 恢复."""
    check_park(park)
    r = cold_storage.restore(system_scope(engine(), "cli"), park, year, month, directory)
    console.print(f"restored: stored {r.stored}, already there {r.duplicates}, conflicts {r.conflicts}")


@cold_app.command("drop")
def cold_drop(park: _Park, year: _Year, month: _Month, directory: _Dir = Path("cold")) -> None:
    """Delete an archived park-month's readings from the store (the file must be intact). 删除热数据."""
    check_park(park)
    n = cold_storage.drop_hot(system_scope(engine(), "cli"), park, year, month, directory)
    console.print(f"dropped {n} readings from the store; `zeropark cold restore` brings them back")


@cold_app.command("check")
def cold_check(directory: _Dir = Path("cold")) -> None:
    """Re-hash every archived file against the manifest, and the manifest against the ledger. 校验."""
    problems = cold_storage.check(system_scope(engine(), "cli"), directory)
    for p in problems:
        err_console.print(f"[red]{p}[/]")
    if problems:
        raise typer.Exit(EXIT_DATA_ERROR)
    console.print("[green]every archived file matches its SHA-256 (and its ledger leaf, if any)[/]")
