"""``zeropark account``: run an inventory (national or GHG), save the run, print or write it.

Every [UNCERTAIN] accounting choice of ACCOUNTING.md is a named option flag here
(:class:`zeropark.accounting.AccountingOptions`); the chosen options are saved with the run and
stated in every output.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine

from zeropark.accounting import (
    AccountingOptions,
    CleanEnergyScope,
    ElectricityCoalBasis,
    ExportRule,
    FactorYearFallback,
    FactorYearRule,
    GreenCap,
    GridArea,
    GwpSet,
    Inventory,
    NegativeNetInflow,
    OnsiteRenewables,
    PurchasedHeatFactor,
    ResidualFallback,
)
from zeropark.accounting.lineitems import CATEGORY_LABEL, Category
from zeropark.commands.common import (
    EXIT_ACCOUNTING_ERROR,
    EXIT_DATA_ERROR,
    EXIT_NOT_FOUND,
    YEAR_MAX,
    YEAR_MIN,
    check_choice,
    console,
    engine,
    err_console,
)
from zeropark.errors import AccountingError, DataError, NotFound
from zeropark.factors import GridCalibre
from zeropark.indicators import STATUS_LABEL, IndicatorTable
from zeropark.model import Method
from zeropark.services import inventory, reporting
from zeropark.settings import get_settings
from zeropark.store import repo
from zeropark.store.scope import system_scope

__all__ = [
    "print_statement",
    "statement_json",
    "indicator_table",
    "indicator_title",
    "inventory_table",
    "pick_park",
    "register",
]


def pick_park(eng: Engine, park_id: str | None) -> str:
    """The park to account: the one given, or the only one in the database.

    Raises
    ------
    NotFound
        If no park exists, or several do and none was named.
    """
    if park_id is not None:
        repo.get_park(eng, park_id)
        return park_id
    parks = repo.list_parks(eng)
    if not parks:
        raise NotFound("no park in the database; run `zeropark demo` or import your park first")
    if len(parks) == 1:
        return parks[0].id
    raise NotFound(f"several parks ({', '.join(p.id for p in parks)}); choose one with --park")


def _fmt(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def _source_label(code: str) -> str:
    try:
        zh, en = CATEGORY_LABEL[Category(code)]
    except ValueError:
        return code
    return f"{zh} {en}"


def inventory_table(inv: Inventory, title: str) -> Table:
    """A rich table of one inventory: totals by source and scope, energy, core indicator."""
    t = Table(title=title, show_lines=False)
    t.add_column("项目 Item")
    t.add_column("tCO2e / tce", justify="right")
    for code, value in sorted(inv.by_source.items(), key=lambda kv: -abs(kv[1])):
        t.add_row(_source_label(code), _fmt(value))
    t.add_section()
    for scope, value in sorted(inv.by_scope.items()):
        t.add_row(f"范围 Scope {scope}", _fmt(value))
    t.add_section()
    label = "合计（基于位置）Total (location)" if inv.method is Method.GHG else "合计 Total CO2"
    t.add_row(f"[bold]{label}[/]", f"[bold]{_fmt(inv.total_tco2e)}[/]")
    if inv.total_market_tco2e is not None:
        t.add_row("[bold]合计（基于市场）Total (market)[/]", f"[bold]{_fmt(inv.total_market_tco2e)}[/]")
    t.add_row(
        "95% 区间 interval",
        f"{_fmt(inv.interval_95.low_tco2e, 0)} – {_fmt(inv.interval_95.high_tco2e, 0)}",
    )
    t.add_row("综合能耗 Energy \\[tce]", _fmt(inv.energy_tce))  # "\\[" = a literal "[" in rich markup
    if inv.method is Method.NATIONAL:  # the core indicator is defined on the national method only
        t.add_row("单位能耗碳排放 \\[tCO2/tce]", _fmt(inv.intensity_tco2_per_tce, 3))
    return t


def statement_json(inv: Inventory) -> dict[str, Any]:
    """The run's statement as JSON (:func:`zeropark.services.inventory.run_statement`, as in the API)."""
    st = inventory.run_statement(inv)
    return {
        "options_statement_zh": st.options_zh,
        "options_statement_en": st.options_en,
        "notices": [n.to_dict() for n in st.notices],
    }


def print_statement(inv: Inventory) -> None:
    """Print the run's notices (fallbacks taken, factors loaded but unused), then its full statement."""
    st = inventory.run_statement(inv)
    for n in st.notices:
        console.print(f"[yellow]! {escape(n.zh)}[/]")
        console.print(f"[yellow]  {escape(n.en)}[/]")
    console.print(f"[dim]{escape(st.options_zh)}[/]")


def indicator_title(table: IndicatorTable, energy_tce: float | None = None) -> str:
    """Title of the indicator table: energy, size band and the core threshold, Chinese then English.

    E.g. ``指标 Indicators — 综合能耗 30.55万 tce（规模档 20万–100万 tce：核心指标 ≤ 0.2）`` and, on a
    second line, ``energy 305,510 tce (band 200 000 – 1 000 000 tce: core ≤ 0.2)``. A band without a
    threshold (< 20万 tce, ACCOUNTING.md §1.1 [UNCERTAIN]) says the value is reported only.
    """
    core = table.core
    if core.threshold is not None and core.comparison:
        req_zh = f"核心指标 {core.comparison} {core.threshold:g}"
        req_en = f"core {core.comparison} {core.threshold:g}"
    else:
        req_zh, req_en = "无阈值，仅报告数值", "no threshold, value reported only"
    if energy_tce is None:
        zh = f"指标 Indicators —（规模档 {table.size_band_zh}：{req_zh}）"
        en = f"band {table.size_band_en}: {req_en}"
    else:
        wan_tce = energy_tce / 1e4  # 1万 tce = 10 000 tce
        zh = f"指标 Indicators — 综合能耗 {wan_tce:,.2f}万 tce（规模档 {table.size_band_zh}：{req_zh}）"
        en = f"energy {energy_tce:,.0f} tce (band {table.size_band_en}: {req_en})"
    return f"{zh}\n{en}"


def indicator_table(table: IndicatorTable, energy_tce: float | None = None) -> Table:
    """A rich table of the 1 + 5 indicators (and carbon productivity, hourly share).

    ``energy_tce`` is the park's comprehensive energy consumption [tce] (the core indicator's
    denominator), shown in the title with the size band it falls in.
    """
    t = Table(title=indicator_title(table, energy_tce))
    t.add_column("指标 Indicator")
    t.add_column("数值 Value", justify="right")
    t.add_column("要求 Req.", justify="center")
    t.add_column("状态 Status")
    colours = {"pass": "green", "fail": "red", "missing": "yellow"}
    for row in table.rows:
        zh, en = STATUS_LABEL[row.status]
        req = f"{row.comparison} {row.threshold:g}" if row.threshold is not None and row.comparison else "—"
        colour = colours.get(row.status.value, "white")
        missing = f" ({'; '.join(row.missing)})" if row.missing else ""
        t.add_row(
            f"{row.label_zh} {row.label_en}",
            f"{_fmt(row.value, 3)} {row.unit}",
            req,
            f"[{colour}]{zh} {en}[/]{missing}",
        )
    return t


def account(
    method: Annotated[Method, typer.Option(help="核算方法 Method: national (园区法) or ghg (GHG Protocol).")],
    year: Annotated[
        int, typer.Option(help="核算年度 Reporting year (local calendar year).", min=YEAR_MIN, max=YEAR_MAX)
    ],
    park: Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")] = None,
    enterprise: Annotated[
        str | None, typer.Option(help="企业 Account one enterprise only (its own view).")
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="输出 table | json | xlsx (inventory report workbook).")
    ] = "table",
    output: Annotated[Path | None, typer.Option(help="输出文件 Output file (json/xlsx).")] = None,
    coal_basis: Annotated[
        ElectricityCoalBasis,
        typer.Option(help="电力折标 equivalent 当量值 | equal_value 等价值 [UNCERTAIN]."),
    ] = ElectricityCoalBasis.EQUIVALENT,
    export_rule: Annotated[
        ExportRule, typer.Option(help="外送 net_inflow 净受入 | no_credit 不抵扣 [UNCERTAIN].")
    ] = ExportRule.NET_INFLOW,
    negative_net_inflow: Annotated[
        NegativeNetInflow, typer.Option(help="净受入为负 floor_zero | credit [UNCERTAIN].")
    ] = NegativeNetInflow.FLOOR_ZERO,
    national_grid_calibre: Annotated[
        GridCalibre, typer.Option(help="园区法电网因子口径 fossil | average | excl_market_nonfossil.")
    ] = GridCalibre.FOSSIL,
    national_grid_year: Annotated[
        int, typer.Option(help="园区法电网因子年份 Factor year.", min=YEAR_MIN, max=YEAR_MAX)
    ] = 2022,
    ghg_grid_area: Annotated[
        GridArea, typer.Option(help="GHG 基于位置 national | regional.")
    ] = GridArea.NATIONAL,
    ghg_grid_year: Annotated[
        int | None,
        typer.Option(help="GHG 因子年份 (default: reporting year − 2).", min=YEAR_MIN, max=YEAR_MAX),
    ] = None,
    market_residual_calibre: Annotated[
        GridCalibre, typer.Option(help="GHG 市场法剩余电量因子口径 Residual-mix proxy.")
    ] = GridCalibre.EXCL_MARKET_NONFOSSIL,
    green_cap: Annotated[
        GreenCap, typer.Option(help="绿电上限 grid_purchases | electricity_consumed [UNCERTAIN].")
    ] = GreenCap.GRID_PURCHASES,
    onsite_renewables: Annotated[
        OnsiteRenewables, typer.Option(help="自发自用可再生电力计入能耗 included | excluded [UNCERTAIN].")
    ] = OnsiteRenewables.INCLUDED,
    purchased_heat_factor: Annotated[
        PurchasedHeatFactor, typer.Option(help="外购热力因子 supplier_first | default_only.")
    ] = PurchasedHeatFactor.SUPPLIER_FIRST,
    gwp: Annotated[GwpSet, typer.Option(help="GWP IPCC SAR | AR4 | AR5 | AR6.")] = GwpSet.AR6,
    clean_energy_scope: Annotated[
        CleanEnergyScope, typer.Option(help="清洁能源口径 non_fossil | non_fossil_and_gas [UNCERTAIN].")
    ] = CleanEnergyScope.NON_FOSSIL,
    ghg_factor_year_fallback: Annotated[
        FactorYearFallback,
        typer.Option(help="GHG 因子年份（报告年−2）未发布时 newest_published 采用最新发布年份 | error 报错."),
    ] = FactorYearFallback.NEWEST_PUBLISHED,
    residual_fallback: Annotated[
        ResidualFallback,
        typer.Option(
            help="自定义因子集无剩余电量因子时 builtin 内置代理因子 | grid_average 电网平均 | error 报错."
        ),
    ] = ResidualFallback.BUILTIN,
    factor_set: Annotated[
        str | None,
        typer.Option(
            "--factor-set",
            help="因子集 NAME or NAME@VERSION: a stored custom set or a built-in one "
            "(default: ZEROPARK_FACTOR_SET, else CN-park-2025).",
        ),
    ] = None,
) -> None:
    """Account a park's (or one enterprise's) emissions for a year and store the run. 碳排放核算.

    A park is accounted together with each enterprise's own view of the same data (stored with the
    park run), as the API and the web do; the run and its indicator table are stored and audited.
    Examples: `zeropark account --method national --year 2025`;
    `zeropark account --method ghg --year 2025 --format xlsx --output 清单.xlsx`.
    """
    check_choice(output_format, ("table", "json", "xlsx"), "--format")
    options = AccountingOptions(
        method=method,
        electricity_coal_basis=coal_basis,
        export_rule=export_rule,
        negative_net_inflow=negative_net_inflow,
        national_grid_calibre=national_grid_calibre,
        national_grid_year=national_grid_year,
        ghg_grid_area=ghg_grid_area,
        ghg_grid_year_rule=FactorYearRule.EXPLICIT if ghg_grid_year is not None else FactorYearRule.Y_MINUS_2,
        ghg_grid_year=ghg_grid_year,
        market_residual_calibre=market_residual_calibre,
        green_cap=green_cap,
        onsite_renewables=onsite_renewables,
        purchased_heat_factor=purchased_heat_factor,
        gwp=gwp,
        clean_energy_scope=clean_energy_scope,
        ghg_factor_year_fallback=ghg_factor_year_fallback,
        residual_fallback=residual_fallback,
    )
    eng = engine()
    scope = system_scope(eng, "cli")
    try:
        park_id = pick_park(eng, park)
        with console.status(f"核算中 accounting {park_id} {year} ({method.value}) …"):
            res = inventory.account_year(
                scope,
                park_id,
                year,
                options,
                factor_set or get_settings().factor_set,
                enterprise_id=enterprise,
            )
    except NotFound as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(EXIT_NOT_FOUND) from None
    except DataError as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(EXIT_DATA_ERROR) from None
    except AccountingError as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(EXIT_ACCOUNTING_ERROR) from None
    inv = res.inventory
    saved = f"run #{res.run.id}"
    if output_format == "json":
        payload: dict[str, Any] = {
            "run_id": res.run.id,
            "enterprise_runs": {r.enterprise_id: r.id for r in res.enterprise_runs},
            "statement": statement_json(inv),
            "inventory": inv.to_dict(),
        }
        if res.indicators is not None:
            payload["indicators"] = res.indicators.to_dict()
        text = json.dumps(payload, ensure_ascii=False, indent=1, default=str)
        if output is not None:
            output.write_text(text, encoding="utf-8")
            console.print(f"written {output} ({saved})")
        else:
            console.out(text)
        return
    if output_format == "xlsx":
        path = output or Path(f"inventory_{park_id}_{year}_{method.value}.xlsx")
        data = reporting.report_data(scope, park_id, year, enterprise_id=enterprise, run_id=res.run.id)
        path.write_bytes(reporting.render(data, reporting.ReportKind.XLSX, method=method))
        console.print(f"已写入 written {path} ({saved}; {len(inv.lines)} line items)")
        return
    view = f" / {enterprise}" if enterprise else ""
    console.print(inventory_table(inv, f"{park_id}{view} {year} — {method.value} ({saved})"))
    if res.indicators is not None:
        console.print(indicator_table(res.indicators, inv.energy_tce))
    print_statement(inv)
    console.print(
        f"[dim]factor set {inv.factor_set_name} {inv.factor_set_version}; "
        f"input {inv.input_fingerprint[:16]}…[/]"
    )
    for gap in inv.gaps[:10]:
        console.print(f"[yellow]• {gap.message_zh} / {gap.message_en}[/]")
    if len(inv.gaps) > 10:
        console.print(f"[yellow]… {len(inv.gaps) - 10} more reconciliation notes (see --format json)[/]")


def register(app: typer.Typer) -> None:
    """Attach ``zeropark account``."""
    app.command("account")(account)
