"""``zeropark benchmark``: 标杆 — the energy-limit table, a park's benchmarks of a year, product outputs.

``benchmark show --year 2025`` prints :func:`zeropark.services.benchmarks.benchmarks` (the same
function the API and the page ``/benchmarks`` call): the park's and each enterprise's carbon
productivity [10⁴ CNY/tCO2], energy intensity [tce/10⁴ CNY] and ranks among the parks and
enterprises in the database, and each product's energy intensity graded against the GB 能耗限额.
``benchmark limits`` prints the table with its sources; rows marked [UNCERTAIN] were not read in
the official text. ``benchmark output`` records an enterprise's output of one product in a year.
Exit codes: 2 a bad option, 3 a rejected value (unknown product, wrong unit), 4 unknown park or
enterprise, or a year without a national run.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from zeropark.commands.account import pick_park
from zeropark.commands.common import YEAR_MAX, YEAR_MIN, check_choice, console, engine
from zeropark.formatting import num, sig
from zeropark.model import ProductOutput
from zeropark.services import benchmarks
from zeropark.store.scope import system_scope

__all__ = ["register"]

benchmark_app = typer.Typer(
    name="benchmark",
    help="标杆 Benchmarks: carbon productivity, energy intensity, GB energy-limit grades and ranks.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)

_GRADE = {"1": "1级", "2": "2级", "3": "3级", "above": "超限额"}
_LEVEL = {"benchmark": "达标杆", "between": "标杆–基准之间", "below_baseline": "未达基准"}


def _num(value: float | None, decimals: int = 4) -> str:
    return "—" if value is None else num(value, decimals)


def _rank(rank: dict[str, float] | None) -> str:
    return "—" if rank is None else f"{int(rank['place'])}/{int(rank['of'])} ({rank['percentile']:.0f}%)"


@benchmark_app.command("show")
def show(
    year: Annotated[int, typer.Option(min=YEAR_MIN, max=YEAR_MAX, help="年份 The accounted year.")],
    park: Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")] = None,
    output_format: Annotated[str, typer.Option("--format", help="输出 table | json.")] = "table",
) -> None:
    """标杆对比 A park's benchmarks of a year: productivity, intensity, product grades, ranks."""
    check_choice(output_format, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    result = benchmarks.benchmarks(system_scope(eng, "cli"), park_id, year).to_dict()
    if output_format == "json":
        console.out(json.dumps(result, ensure_ascii=False, indent=1))
        return
    units = Table(title=f"标杆 Benchmarks — {park_id} {year}")
    for col in (
        "",
        "碳生产率 10⁴ CNY/tCO2",
        "排名",
        "单位增加值能耗 tce/10⁴ CNY",
        "排名",
        "单位能耗碳排放 tCO2/tce",
    ):
        units.add_column(col, justify="right" if col else "left")
    rows = ([result["park"]] if result["park"] else []) + result["enterprises"]
    for u in rows:
        units.add_row(
            u["name"] or u["id"] or "—",
            _num(u["carbon_productivity_10k_cny_per_t"]),
            _rank(u["productivity_rank"]),
            _num(u["energy_intensity_tce_per_10k_cny"]),
            _rank(u["intensity_rank"]),
            _num(u["core_intensity_t_per_tce"]),
        )
    console.print(units)
    if result["products"]:
        products = Table(title="产品单位能耗 Product energy intensity (GB 能耗限额)")
        for col in ("企业", "产品", "产量", "单位能耗", "1/2/3级", "等级", "标杆/基准", "标准", "说明"):
            products.add_column(col)
        for p in result["products"]:
            grades = "/".join(_num(p[f"grade_{i}"], 2) for i in (1, 2, 3))
            products.add_row(
                p["enterprise_name"],
                p["product_zh"],
                f"{sig(p['quantity'])} {p['unit']}",
                f"{_num(p['intensity'])} {p['intensity_unit']}",
                grades,
                _GRADE.get(p["grade"] or "", "—"),
                _LEVEL.get(p["level"] or "", "—"),
                p["standard"] + (" [UNCERTAIN]" if p["uncertain"] else ""),
                p["note_zh"],
            )
        console.print(products)
    console.print(
        f"参与排名的企业 enterprises ranked: {result['enterprises_ranked']}; "
        f"园区 parks ranked: {sum(1 for p in result['parks'] if p['productivity_rank'])}"
    )
    if result["uncertain"]:
        console.print(
            "[yellow]限额数值 [待确认] limit figures [UNCERTAIN]: see `zeropark benchmark limits`[/]"
        )


@benchmark_app.command("limits")
def limits(
    output_format: Annotated[str, typer.Option("--format", help="输出 table | json.")] = "table",
) -> None:
    """能耗限额标杆表 The energy-limit table: GB grades, 标杆/基准 levels, cited standards."""
    check_choice(output_format, ("table", "json"), "--format")
    table = benchmarks.limit_table()
    if output_format == "json":
        console.out(json.dumps(table.to_dict(), ensure_ascii=False, indent=1))
        return
    out = Table(title="能耗限额 Energy-consumption limits")
    for col in ("产品", "指标", "单位", "1级", "2级", "3级", "标杆", "基准", "标准", "状态"):
        out.add_column(col)
    for r in table.limits:
        out.add_row(
            f"{r.name_zh} ({r.product})",
            r.indicator_zh,
            r.unit,
            *(_num(v, 2) for v in (r.grade_1, r.grade_2, r.grade_3, r.benchmark, r.baseline)),
            f"{r.standard} {r.url}",
            "[UNCERTAIN]" if r.is_uncertain else r.confidence,
        )
    console.print(out)
    for s in table.sources:
        console.print(f"{s.id}: {s.issuer}《{s.title}》{s.number}, {s.issued}, {s.url} [{s.confidence}]")


@benchmark_app.command("output")
def output(
    enterprise: Annotated[str, typer.Argument(help="企业 Enterprise id.")],
    product: Annotated[str, typer.Argument(help="产品 Product code of the table (`benchmark limits`).")],
    quantity: Annotated[float, typer.Argument(help="产量 Output of the year, in the table's output unit.")],
    year: Annotated[int, typer.Option(min=YEAR_MIN, max=YEAR_MAX, help="年份 Year.")],
    unit: Annotated[str | None, typer.Option(help="产量单位 Output unit (default: the table's).")] = None,
    energy_tce: Annotated[
        float | None, typer.Option(help="该产品自身能耗 This product's own energy (tce), if metered.")
    ] = None,
    park: Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")] = None,
) -> None:
    """填报产品产量 Record an enterprise's output of one product in a year (others kept; audited)."""
    eng = engine()
    park_id = pick_park(eng, park)
    scope = system_scope(eng, "cli")
    limit = benchmarks.limit_of(product)
    kept = [
        o
        for o in benchmarks.product_outputs(scope, park_id, year)
        if o.enterprise_id == enterprise and o.product != product
    ]
    new = ProductOutput(enterprise, year, product, quantity, unit or limit.output_unit, energy_tce, "cli")
    n = benchmarks.put_product_outputs(scope, park_id, enterprise, year, [*kept, new])
    console.print(f"stored {n} product output(s) of {enterprise} for {year}")


def register(app: typer.Typer) -> None:
    """Attach ``benchmark`` to the ``zeropark`` app."""
    app.add_typer(benchmark_app)
