"""``zeropark cbam``: CBAM goods (Annex I), specific embedded emissions, the communication workbook.

Every sub-command calls :mod:`zeropark.services.footprint` (the figures of the API
``/api/v1/parks/{id}/cbam…`` and of the page ``/footprint``). Exit codes: 3 a CN code outside CBAM
(``NotCbamGood``) or other rejected input, 4 an unknown park or product.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from zeropark.commands.account import pick_park
from zeropark.commands.common import YEAR_MAX, YEAR_MIN, check_choice, console, engine
from zeropark.footprint import cbam as core
from zeropark.formatting import sig
from zeropark.services import footprint as service
from zeropark.store.scope import system_scope

__all__ = ["register"]

cbam_app = typer.Typer(
    name="cbam",
    help="CBAM 碳边境调节机制: goods by CN code, specific embedded emissions, communication to importers.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)

ParkOpt = Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")]
YearOpt = Annotated[int, typer.Option(help="年度 Year.", min=YEAR_MIN, max=YEAR_MAX)]
PeriodOpt = Annotated[str, typer.Option(help="transitional | definitive (indirect emissions counted?).")]
FormatOpt = Annotated[str, typer.Option("--format", help="输出 table | json.")]


@cbam_app.command("goods")
def goods_cmd(
    cn_code: Annotated[str | None, typer.Argument(help="CN 编码 A CN code to look up.")] = None,
    output_format: FormatOpt = "table",
) -> None:
    """CBAM 货物 Look a CN code up in Annex I (sector, aggregated goods category), or list the table."""
    check_choice(output_format, ("table", "json"), "--format")
    if cn_code is not None:
        good = core.cbam_good(cn_code).to_dict()
        if output_format == "json":
            console.out(json.dumps(good, ensure_ascii=False, indent=1))
        else:
            console.print(f"{good['cn_code']}: {good['sector_zh']} {good['sector_en']} — {good['category']}")
        return
    rows = [r for r in core.cbam_goods() if r.included]
    if output_format == "json":
        console.out(
            json.dumps(
                [{"cn": r.prefix, "sector": r.sector, "category": r.category} for r in rows],
                ensure_ascii=False,
            )
        )
        return
    table = Table(title="CBAM goods (Regulation (EU) 2023/956 Annex I) [UNCERTAIN: recalled, see docs]")
    for col in ("CN", "行业 sector", "类别 category", "description"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.prefix, r.sector, r.category, r.description)
    console.print(table)


@cbam_app.command("see")
def see_cmd(
    product_id: Annotated[str, typer.Argument(help="产品编号 Product id with a CBAM CN code.")],
    year: YearOpt,
    period: PeriodOpt = "definitive",
    basis: Annotated[str, typer.Option(help="actual | default.")] = "actual",
    park: ParkOpt = None,
    output_format: FormatOpt = "table",
) -> None:
    """隐含排放 Specific embedded emissions (direct, indirect) of a product [tCO2e/t]."""
    check_choice(output_format, ("table", "json"), "--format")
    park_id = pick_park(engine(), park)
    res = service.cbam_see(
        system_scope(engine(), "cli"), park_id, product_id, year=year, period=period, basis=basis
    )
    if output_format == "json":
        console.out(json.dumps(res.to_dict(), ensure_ascii=False, indent=1))
        return
    s = res.see
    console.print(
        f"{product_id} CN {s.good.cn_code} ({s.good.sector}/{s.good.category}), {year}, {s.period.value}, "
        f"{s.basis.value}: SEE direct {sig(s.direct)}, indirect {sig(s.indirect)}"
        f"{'' if s.indirect_counted else ' (not counted)'}, total {sig(s.total)} tCO2e/t"
        + (" [UNCERTAIN]" if s.uncertain else "")
    )
    console.print(f"  {s.formula}")


@cbam_app.command("export")
def export_cmd(
    out: Annotated[Path, typer.Option("--out", help="输出文件 xlsx path.", dir_okay=False)],
    year: YearOpt,
    period: PeriodOpt = "definitive",
    park: ParkOpt = None,
) -> None:
    """通报 Write the operator's communication to EU importers (xlsx, the template's sheet names)."""
    check_choice(period, tuple(p.value for p in core.Period), "--period")
    park_id = pick_park(engine(), park)
    data = service.cbam_export(system_scope(engine(), "cli"), park_id, year=year, period=period)
    out.write_bytes(data)
    console.print(f"wrote {out} ({len(data)} bytes)")


def register(app: typer.Typer) -> None:
    """Attach ``cbam`` to the ``zeropark`` app."""
    app.add_typer(cbam_app)
