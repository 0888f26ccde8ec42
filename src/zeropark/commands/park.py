"""``zeropark park``: register a park from a file, show it, write the register template (园区登记).

``park init FILE`` calls :func:`zeropark.services.park_register.register_park` as the command
line's principal (user ``cli``, role admin), so a register is checked, stored and audited as a use
case: a file with any error stores nothing and lists every error (sheet, row, column, what to
fix; exit 3); the same file again changes nothing and says so. ``park show PARK`` prints the park,
its zones, enterprises and meter tree (or, ``--format yaml``, a register file ``park init`` reads
back); ``park template [PATH]`` writes the template (.xlsx or .yaml) with an example park.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.tree import Tree

from zeropark.commands import common  # common.engine() looked up per call: tests point it elsewhere
from zeropark.commands.common import EXIT_DATA_ERROR, EXIT_NOT_FOUND, EXIT_USAGE, console, err_console
from zeropark.errors import NotFound, PermissionDenied, RowError, ValidationError
from zeropark.ingest.register import ParkRegister, register_yaml, write_register_template
from zeropark.model import CARRIER_LABEL_ZH, Meter
from zeropark.services.park_register import park_register, register_document_of, register_park
from zeropark.store.scope import system_scope

__all__ = ["park_app", "register"]

DEFAULT_TEMPLATE = "园区登记表.xlsx"

park_app = typer.Typer(
    name="park",
    help="园区登记 Register a park, its zones, enterprises and meter tree from a file; show it.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)


def _show_errors(file: str, errors: list[RowError]) -> None:
    t = Table(title=f"{file}: 错误 errors ({len(errors)})")
    for col in ("表 Sheet", "行 Row", "列 Column", "如何修改 What to fix"):
        t.add_column(col)
    for e in errors:
        t.add_row(e.sheet or "", str(e.row or ""), e.field or "", e.message)
    err_console.print(t)
    err_console.print(
        "未存储任何数据 nothing was stored: fix the rows above and run `zeropark park init` again"
    )


@park_app.command("init")
def init(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="园区登记表 register file (.yaml / .xlsx)")
    ],
) -> None:
    """登记园区 Register (or update) a park, its zones, enterprises and meters from a file.

    All or nothing: any error lists sheet, row, column and what to fix and stores nothing
    (exit 3). Registering the same file again changes nothing. Audited as user ``cli``.
    """
    scope = system_scope(common.engine(), "cli")
    try:
        result = register_park(scope, file)
    except ValidationError as exc:
        _show_errors(file.name, exc.errors)
        raise typer.Exit(EXIT_DATA_ERROR) from None
    except (NotFound, PermissionDenied) as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(EXIT_NOT_FOUND) from None
    colour = "green" if result.changed else "cyan"
    console.print(f"[{colour}]{result.summary()}[/]")
    console.print(f"查看 show it: zeropark park show {result.park_id}")


def _meter_label(m: Meter) -> str:
    owner = m.enterprise_id or "园区 park"
    extra = [m.direction.value, m.kind.value, m.unit]
    if m.technology:
        extra.append(m.technology)
    if m.multiplier != 1.0:
        extra.append(f"×{m.multiplier:g}")
    extra.append(f"{m.interval_s // 60} min")
    return (
        f"[bold]{m.id}[/] {m.name} — {CARRIER_LABEL_ZH[m.carrier]}, {owner}, L{m.level} ({', '.join(extra)})"
    )


def _print_register(reg: ParkRegister) -> None:
    p = reg.park
    console.print(
        f"[bold]{p.name}[/] ({p.id}) — {p.province}, 区域电网 grid {p.grid_region}, "
        f"{p.latitude:g}°N {p.longitude:g}°E, {p.timezone}"
    )
    if reg.zones:
        console.print("片区 zones: " + ", ".join(f"{z.id} {z.name}" for z in reg.zones))
    t = Table(title=f"企业 Enterprises ({len(reg.enterprises)})")
    for col in (
        "企业编号 ID",
        "名称 Name",
        "统一社会信用代码 USCC",
        "行业 Industry",
        "片区 Zone",
        "公共设施 Public",
    ):
        t.add_column(col)
    for e in reg.enterprises:
        t.add_row(
            e.id, e.name, e.uscc, e.industry_code, e.zone_id or "", "是" if e.is_public_facility else ""
        )
    console.print(t)
    tree = Tree(f"计量器具 Meters ({len(reg.meters)})")
    nodes: dict[str, Tree] = {}
    for m in reg.meters:  # parents first
        parent = nodes.get(m.parent_id or "", tree)
        nodes[m.id] = parent.add(_meter_label(m))
    console.print(tree)


@park_app.command("show")
def show(
    park_id: Annotated[str, typer.Argument(help="园区编号 Park ID")],
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", help="table (default) or yaml (a register file `park init` reads)"),
    ] = "table",
) -> None:
    """查看园区 Show a park: zones, enterprises and the meter tree (or the register as YAML)."""
    common.check_choice(fmt, ("table", "yaml"), "--format")
    scope = system_scope(common.engine(), "cli")
    try:
        if fmt == "yaml":
            typer.echo(register_yaml(register_document_of(scope, park_id)), nl=False)
            return
        reg = park_register(scope, park_id)
    except NotFound as exc:
        err_console.print(
            f"[red]{exc}; register a park with `zeropark park init FILE` (see `park template`)[/]"
        )
        raise typer.Exit(EXIT_NOT_FOUND) from None
    _print_register(reg)


@park_app.command("template")
def template(
    path: Annotated[
        Path, typer.Argument(help="输出文件 Where to write the register template (.xlsx or .yaml).")
    ] = Path(DEFAULT_TEMPLATE),
) -> None:
    """生成园区登记表 Write the park register template (.xlsx or .yaml) with an example park."""
    try:
        written = write_register_template(path)
    except ValueError as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(EXIT_USAGE) from None
    except OSError as exc:
        err_console.print(f"[red]{path}: cannot write there ({exc.strerror}); choose another path[/]")
        raise typer.Exit(EXIT_USAGE) from None
    console.print(
        f"已写入 written {written} — 将示例替换为贵园区 replace the example park by yours, "
        f"then `zeropark park init {written.name}`"
    )


def register(app: typer.Typer) -> None:
    """Attach ``zeropark park``."""
    app.add_typer(park_app, name="park")
