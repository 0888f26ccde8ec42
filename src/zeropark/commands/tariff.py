"""``zeropark tariff list|show|import|set|cost``: 分时电价 as park data, and the electricity cost report.

Stored versions (:mod:`zeropark.services.tariffs`) are what the optimiser and the cost report
use; the bundled tables (optimize/data) are the default until ``zeropark tariff import``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from zeropark.commands.account import pick_park
from zeropark.commands.common import console, engine, guarded
from zeropark.optimize.tariff import TOU_LABEL_ZH, TouPeriod
from zeropark.services import tariffs
from zeropark.store.scope import system_scope

tariff_app = typer.Typer(
    help="分时电价 Time-of-use tariffs as park data (versioned), and the electricity cost report.",
    no_args_is_help=True,
)


@tariff_app.command("list")
@guarded
def list_() -> None:
    """列出 Every stored tariff version (valid-from month, source note, checksum)."""
    table = Table(title="分时电价版本 Tariff versions")
    for col in (
        "tariff",
        "版本 version",
        "省份 province",
        "电压 voltage",
        "起始月 valid from",
        "说明 note",
        "by",
    ):
        table.add_column(col)
    for v in tariffs.list_versions(system_scope(engine(), "cli")):
        table.add_row(
            v.tariff_id,
            str(v.version),
            v.province,
            v.voltage,
            v.valid_from,
            escape(v.note),
            v.created_by or "",
        )
    console.print(table)


@tariff_app.command("show")
@guarded
def show(
    tariff_id: Annotated[str, typer.Argument(help="Tariff id, e.g. CN-JS-large-industry-1-10kV.")],
    month: Annotated[str | None, typer.Option(help="执行月份 The version in force in YYYY-MM.")] = None,
) -> None:
    """查看 A tariff version: hours of each period per month, prices, demand charge, sources."""
    v = tariffs.show(system_scope(engine(), "cli"), tariff_id, month)
    t = v.tariff
    console.print(f"{t.id} v{v.version} ({t.name_zh}) — 自 from {v.valid_from}; {escape(v.note)}")
    for p, price in t.prices_cny_per_kwh.items():
        console.print(f"  {TOU_LABEL_ZH[p]} {p.value}: {price:g} CNY/kWh")
    console.print(f"  需量电价 demand charge: {t.demand_charge_cny_per_kw_month:g} CNY/(kW·month)")
    table = Table(title="时段小时数 Hours per period and month")
    table.add_column("月 month")
    for p in TouPeriod:
        table.add_column(f"{TOU_LABEL_ZH[p]} {p.value} [h]")
    for m in range(1, 13):
        slots = t.period_by_month[m]
        table.add_row(str(m), *(f"{slots.count(p) / 4:g}" for p in TouPeriod))
    console.print(table)
    for s in t.sources:
        console.print(f"  [{s.confidence}] {s.id}: {escape(s.title)} {escape(s.issuer)} {s.year or ''}")


@tariff_app.command("import")
@guarded
def import_(
    directory: Annotated[
        Path | None,
        typer.Argument(
            file_okay=False,
            help="目录 A directory with tariffs.csv, tou_periods.csv, tou_prices.csv, tariff_sources.csv "
            "(default: the bundled tables).",
        ),
    ] = None,
    valid_from: Annotated[
        str, typer.Option("--from", help="起始月 First month YYYY-MM it is in force.")
    ] = tariffs.BUNDLED_FROM,
    note: Annotated[str, typer.Option(help="说明 Note (the document number and date).")] = "",
) -> None:
    """导入 Store every tariff of the four CSV files as a new version (all or nothing; errors named)."""
    done = tariffs.import_tables(system_scope(engine(), "cli"), directory, valid_from=valid_from, note=note)
    for v in done:
        console.print(f"已存储 stored {v.tariff_id} v{v.version} from {v.valid_from}")


@tariff_app.command("set")
@guarded
def set_(
    tariff_id: Annotated[str, typer.Argument(help="Tariff id.")],
    valid_from: Annotated[
        str, typer.Option("--from", help="起始月 First month YYYY-MM (e.g. the 代理购电 month).")
    ],
    source: Annotated[str, typer.Option(help="依据 The document the figures come from (number and date).")],
    price: Annotated[
        list[str] | None, typer.Option(help="时段电价 PERIOD=CNY/kWh, e.g. peak=1.0521 (repeat).")
    ] = None,
    demand_charge: Annotated[float | None, typer.Option(help="需量电价 CNY/(kW·month).")] = None,
    issuer: Annotated[str, typer.Option(help="发布单位 Issuer.")] = "",
) -> None:
    """修改 A new version from a month with prices (e.g. this month's 代理购电 price) or the demand charge."""
    prices: dict[str, float] = {}
    for item in price or []:
        key, _, value = item.partition("=")
        try:
            prices[key.strip()] = float(value)
        except ValueError:
            raise typer.BadParameter(f"--price '{item}': give PERIOD=NUMBER, e.g. peak=1.0521") from None
    v = tariffs.set_prices(
        system_scope(engine(), "cli"),
        tariff_id,
        valid_from,
        prices=prices,
        demand_charge=demand_charge,
        source_title=source,
        source_issuer=issuer,
    )
    console.print(f"已存储 stored {v.tariff_id} v{v.version} from {v.valid_from}")


@tariff_app.command("cost")
@guarded
def cost(
    year: Annotated[int, typer.Option(help="年度 Year.")],
    tariff_id: Annotated[str, typer.Option("--tariff", help="Tariff id.")] = "CN-JS-large-industry-1-10kV",
    park: Annotated[str | None, typer.Option(help="园区 Park id.")] = None,
    enterprise: Annotated[str | None, typer.Option(help="企业 One enterprise.")] = None,
    output: Annotated[Path | None, typer.Option(help="CSV 文件 Write the rows as CSV.")] = None,
) -> None:
    """电费报表 Electricity cost per enterprise and month: energy and cost by TOU period, demand charge."""
    eng = engine()
    report = tariffs.electricity_cost(
        system_scope(eng, "cli"), pick_park(eng, park), year, tariff_id, enterprise_id=enterprise
    )
    rows = tariffs.cost_rows(report)
    if output is not None:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["enterprise_id"])
        w.writeheader()
        w.writerows(rows)
        output.write_text(buf.getvalue(), encoding="utf-8-sig")
        console.print(f"已写入 written {output} ({len(rows)} rows)")
    table = Table(title=f"电费 Electricity cost {year} — {tariff_id} [CNY]")
    for col in ("企业 enterprise", "月 month", "kWh", "电度电费 energy", "需量电费 demand", "合计 total"):
        table.add_column(col)
    for r in rows:
        energy = sum(r[f"{p.value}_cny"] for p in TouPeriod)
        table.add_row(
            r["enterprise"],
            r["month"],
            f"{r['total_kwh']:,.1f}",
            f"{energy:,.2f}",
            f"{r['demand_cny']:,.2f}",
            f"{r['total_cny']:,.2f}",
        )
    console.print(table)
    for a in report.assumptions:
        console.print(f"  假设 assumption: {a}")


def register(app: typer.Typer) -> None:
    """Attach ``zeropark tariff …``."""
    app.add_typer(tariff_app, name="tariff")
