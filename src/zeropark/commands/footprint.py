"""``zeropark footprint product``: products, allocation, materials and the cradle-to-gate footprint.

Every sub-command calls :mod:`zeropark.services.footprint` (the figures of the API
``/api/v1/parks/{id}/products…`` and of the page ``/footprint``). Exit codes: 3 rejected input
(shares over 100 %, an unknown material, …, the field named), 4 an unknown park or product, or no
GHG run of the year.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from zeropark.commands.account import pick_park
from zeropark.commands.common import YEAR_MAX, YEAR_MIN, check_choice, console, engine
from zeropark.formatting import sig
from zeropark.services import footprint as service
from zeropark.store.scope import system_scope

__all__ = ["register"]

footprint_app = typer.Typer(
    name="footprint",
    help="产品碳足迹 Product carbon footprint (ISO 14067, cradle-to-gate): products, allocation, materials.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
product_app = typer.Typer(
    name="product",
    help="产品 Products of an enterprise: add, list, allocate, material, compute.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
footprint_app.add_typer(product_app)

ParkOpt = Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")]
YearOpt = Annotated[int, typer.Option(help="年度 Year.", min=YEAR_MIN, max=YEAR_MAX)]
FormatOpt = Annotated[str, typer.Option("--format", help="输出 table | json.")]
ProductArg = Annotated[str, typer.Argument(help="产品编号 Product id (unique in the park).")]


def _json(value: Any) -> None:
    console.out(json.dumps(value, ensure_ascii=False, indent=1))


def _scope() -> Any:
    return system_scope(engine(), "cli")


@product_app.command("add")
def add_cmd(
    product_id: ProductArg,
    enterprise: Annotated[str, typer.Option(help="企业 Enterprise id that makes it.")],
    name: Annotated[str, typer.Option(help="名称 Product name.")],
    unit: Annotated[str, typer.Option(help="功能单位 Functional unit (e.g. t).")] = "t",
    cn_code: Annotated[str | None, typer.Option(help="CN 编码 8-digit CN code (exports to the EU).")] = None,
    park: ParkOpt = None,
) -> None:
    """新增产品 Add a product of an enterprise (audited)."""
    eng = engine()
    park_id = pick_park(eng, park)
    p = service.add_product(
        _scope(),
        park_id,
        enterprise_id=enterprise,
        product_id=product_id,
        name=name,
        unit=unit,
        cn_code=cn_code,
    )
    console.print(f"added product {p.id} ({p.name}, per 1 {p.unit}) of {p.enterprise_id}")


@product_app.command("list")
def list_cmd(
    park: ParkOpt = None,
    enterprise: Annotated[str | None, typer.Option(help="企业 Only this enterprise.")] = None,
    output_format: FormatOpt = "table",
) -> None:
    """产品列表 The park's products: enterprise, name, functional unit, CN code."""
    check_choice(output_format, ("table", "json"), "--format")
    park_id = pick_park(engine(), park)
    products = service.list_products(_scope(), park_id, enterprise_id=enterprise)
    if output_format == "json":
        _json([p.to_dict() for p in products])
        return
    table = Table(title=f"产品 Products — {park_id}")
    for col in ("产品 id", "企业 enterprise", "名称 name", "功能单位 unit", "CN"):
        table.add_column(col)
    for p in products:
        table.add_row(p.id, p.enterprise_id, p.name, p.unit, p.cn_code or "—")
    console.print(table)


@product_app.command("allocate")
def allocate_cmd(
    product_id: ProductArg,
    year: YearOpt,
    production: Annotated[float, typer.Option(help="产量 Production in the product's unit.")],
    rule: Annotated[str, typer.Option(help="分配规则 mass | economic | metered.")],
    basis: Annotated[
        float | None, typer.Option(help="依据 Mass [t] (mass) or revenue [CNY] (economic).")
    ] = None,
    share_pct: Annotated[float | None, typer.Option(help="份额 Stated share of every line [%].")] = None,
    direct_pct: Annotated[
        float | None, typer.Option(help="直接排放份额 Metered share of direct [%].")
    ] = None,
    electricity_pct: Annotated[
        float | None, typer.Option(help="电力份额 Metered share of electricity [%].")
    ] = None,
    heat_pct: Annotated[float | None, typer.Option(help="热力份额 Metered share of heat [%].")] = None,
    note: Annotated[str, typer.Option(help="说明 How the basis/shares were measured.")] = "",
    park: ParkOpt = None,
) -> None:
    """分配 Record a product's production and allocation rule for a year (shares ≤ 100 %; audited)."""
    park_id = pick_park(engine(), park)
    v = service.allocate(
        _scope(),
        park_id,
        product_id,
        year=year,
        production=production,
        rule=rule,
        basis=basis,
        share_pct=share_pct,
        direct_pct=direct_pct,
        electricity_pct=electricity_pct,
        heat_pct=heat_pct,
        note=note,
    )
    shares = ", ".join(f"{k} {sig(x)} %" for k, x in v.allocation.to_dict()["shares_pct"].items())
    console.print(
        f"{product_id} {year}: {sig(production)} {v.product.unit}, rule {v.allocation.rule.value}"
        + (f", basis {sig(v.allocation.basis)}" if v.allocation.basis is not None else "")
        + (f", shares {shares}" if shares else "")
    )


@product_app.command("material")
def material_cmd(
    product_id: ProductArg,
    year: YearOpt,
    material: Annotated[str, typer.Option(help="材料 Upstream factor id (see --list).")],
    quantity: Annotated[float, typer.Option(help="数量 Quantity [t] (transport: t·km).")],
    evidence: Annotated[str, typer.Option(help="凭证 Invoice or delivery note.")] = "",
    park: ParkOpt = None,
) -> None:
    """外购材料 Record a purchased material or transport leg of a product (audited)."""
    park_id = pick_park(engine(), park)
    use = service.add_material(
        _scope(), park_id, product_id, year=year, material_id=material, quantity=quantity, evidence=evidence
    )
    console.print(
        f"{product_id} {year}: {sig(use.quantity)} {use.factor.quantity_unit} {use.factor.id} "
        f"× {sig(use.factor.value)} {use.factor.unit} = {sig(use.tco2e)} tCO2e"
    )


@product_app.command("materials")
def materials_cmd(output_format: FormatOpt = "table") -> None:
    """上游因子 The upstream factor table: value, unit, uncertainty, source ([UNCERTAIN] marked)."""
    check_choice(output_format, ("table", "json"), "--format")
    factors = service.list_materials()
    if output_format == "json":
        _json([f.to_dict() for f in factors])
        return
    table = Table(title="上游排放因子 Upstream factors (cradle-to-gate)")
    for col in ("id", "名称 name", "值 value", "单位 unit", "±95 %", "出处 source"):
        table.add_column(col)
    for f in factors:
        flag = " [UNCERTAIN]" if f.uncertain else ""
        pct = "—" if f.uncertainty_pct is None else f"{sig(f.uncertainty_pct)} %"
        table.add_row(f.id, f"{f.name_zh} {f.name_en}{flag}", sig(f.value), f.unit, pct, f.source_id)
    console.print(table)


@product_app.command("compute")
def compute_cmd(
    product_id: ProductArg, year: YearOpt, park: ParkOpt = None, output_format: FormatOpt = "table"
) -> None:
    """碳足迹 Cradle-to-gate footprint per functional unit with its 95 % interval."""
    check_choice(output_format, ("table", "json"), "--format")
    park_id = pick_park(engine(), park)
    fp = service.compute(_scope(), park_id, product_id, year=year)
    if output_format == "json":
        _json(fp.to_dict())
        return
    table = Table(title=f"产品碳足迹 {fp.product.name} — {year} (per 1 {fp.product.unit}, cradle-to-gate)")
    for col in ("项 term", "tCO2e", "±95 %", "算式 formula"):
        table.add_column(col)
    for c in fp.contributions:
        flag = " [UNCERTAIN]" if c.uncertain else ""
        table.add_row(
            f"{c.label_zh} {c.label_en}{flag}", sig(c.tco2e), f"{sig(c.half_width_pct)} %", c.formula
        )
    console.print(table)
    console.print(
        f"total {sig(fp.total_tco2e)} tCO2e / {sig(fp.production)} {fp.product.unit} = "
        f"{sig(fp.per_unit_tco2e)} tCO2e/{fp.product.unit} "
        f"(95 %: {sig(fp.low_tco2e)} – {sig(fp.high_tco2e)}; rule {fp.rule.value})"
    )


def register(app: typer.Typer) -> None:
    """Attach ``footprint`` to the ``zeropark`` app."""
    app.add_typer(footprint_app)
