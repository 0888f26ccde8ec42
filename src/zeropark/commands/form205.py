"""``zeropark form205 export|check``: the 205-1 energy statistics form 《工业企业能源购进、消费与库存》."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zeropark.commands.account import pick_park
from zeropark.commands.common import YEAR_MAX, YEAR_MIN, console, engine
from zeropark.services.form205 import check_form_205_1, form_205_1_of
from zeropark.store.scope import system_scope

form205_app = typer.Typer(
    help="205-1 表 能源购进、消费与库存: export an enterprise's form from its accounted run; check one.",
    no_args_is_help=True,
)


@form205_app.command("export")
def export(
    year: Annotated[int, typer.Option(help="统计年度 Year.", min=YEAR_MIN, max=YEAR_MAX)],
    enterprise: Annotated[str, typer.Option(help="企业 Enterprise id.")],
    park: Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")] = None,
    output: Annotated[
        Path | None, typer.Option(help="输出文件 xlsx path (default: 205-1_<ENT>_<YEAR>.xlsx).")
    ] = None,
) -> None:
    """导出 Write the enterprise's 205-1 form (xlsx, the form's layout) from its latest national run."""
    eng = engine()
    form = form_205_1_of(system_scope(eng, "cli"), pick_park(eng, park), year, enterprise)
    path = output or Path(f"205-1_{enterprise}_{year}.xlsx")
    path.write_bytes(form.xlsx)
    for r in form.rows:
        console.print(f"{r.code}  {r.name}  {r.consumption:.4f} {r.unit}")
    console.print(f"written {path} (run #{form.run_id}); fill 期初/期末库存 and 购进 before filing")


@form205_app.command("check")
def check(file: Annotated[Path, typer.Argument(help="A 205-1 workbook (xlsx).")]) -> None:
    """核对 Read a (filled-in) 205-1 workbook; check 4 = 5 + 7, 9 = 1 + 2 − 4 and 能源合计."""
    rows = check_form_205_1(file.read_bytes(), file.name)
    console.print(f"{file}: {len(rows)} row(s), the form's arithmetic holds")


def register(app: typer.Typer) -> None:
    """Attach ``zeropark form205``."""
    app.add_typer(form205_app, name="form205")
