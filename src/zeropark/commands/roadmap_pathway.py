"""``zeropark roadmap pathway | macc | budget | land | runs | show``: least-cost pathway and its kin.

Every command calls :mod:`zeropark.services.pathway` (the functions the API and the pages call)
and stores its run with the parameters that make it again. Exit codes: 2 bad option, 3 bad input
(a target before the base year, a cap without a year, a bad price), 4 unknown park / run / measure.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from zeropark.commands.account import pick_park
from zeropark.commands.common import check_choice, console
from zeropark.commands.common import engine as open_store
from zeropark.roadmap.budget import InfraOptions, ParkLand
from zeropark.roadmap.pathway import DEFAULT_DISCOUNT_RATE, CapexMode
from zeropark.services import pathway as svc
from zeropark.store.scope import system_scope

__all__ = ["attach"]

Park = Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")]
BaseYear = Annotated[int, typer.Option("--base-year", help="基准年 Base year (its data must be stored).")]
Horizon = Annotated[int, typer.Option(help="规划末年 Last year of the plan.")]
Budget = Annotated[float | None, typer.Option("--budget", help="碳预算 Cumulative CO2 budget \\[tCO2].")]
Cap = Annotated[float | None, typer.Option("--cap", help="排放上限 CO2 cap from --year on \\[tCO2/a].")]
ZeroBy = Annotated[int | None, typer.Option("--zero-by", help="零碳年份 Zero CO2 from this year.")]
Indicator = Annotated[
    float | None,
    typer.Option("--indicator", help="单位能耗碳排放上限 Core indicator cap from --year \\[tCO2/tce]."),
]
Year = Annotated[
    int | None, typer.Option("--year", help="目标/分析年份 Year of --cap / --indicator (MACC: year).")
]
Growth = Annotated[float, typer.Option("--growth", help="产值增速 BAU growth of every enterprise \\[%/a].")]
Rate = Annotated[
    float, typer.Option("--discount-rate", help="折现率 Real discount rate \\[1/a] (UNCERTAIN default).")
]
Capex = Annotated[str, typer.Option("--capex", help="投资计入 lump (with salvage) | annuity.")]
Price = Annotated[
    list[str] | None,
    typer.Option(
        "--price", help="能源价格 CARRIER=CNY per unit, e.g. electricity=0.7 (\\[UNCERTAIN] defaults)."
    ),
]
MeasureIds = Annotated[
    list[str] | None, typer.Option("--measure", help="措施 Measure id (repeat; default all).")
]
Format = Annotated[str, typer.Option("--format", help="输出 table | json.")]


def _prices(items: list[str] | None) -> dict[str, float]:
    pairs: dict[str, float] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        try:
            pairs[key.strip()] = float(value)
        except ValueError:
            raise typer.BadParameter(f"'{item}' is not CARRIER=NUMBER", param_hint="--price") from None
        if not sep:
            raise typer.BadParameter(f"'{item}' is not CARRIER=NUMBER", param_hint="--price")
    return svc.prices_from(pairs)


def _params(
    base_year: int,
    horizon: int,
    budget: float | None,
    cap: float | None,
    zero_by: int | None,
    indicator: float | None,
    year: int | None,
    growth: float,
    rate: float,
    capex: str,
    price: list[str] | None,
    measure: list[str] | None,
    *,
    need_target: bool = True,
    infra: InfraOptions | None = None,
) -> svc.PathwayParams:
    check_choice(capex, tuple(m.value for m in CapexMode), "--capex")
    targets = (
        svc.targets_from(budget_tco2=budget, cap_tco2=cap, zero_by=zero_by, indicator=indicator, year=year)
        if need_target or any(x is not None for x in (budget, cap, zero_by, indicator))
        else ()
    )
    return svc.PathwayParams(
        base_year=base_year,
        horizon=horizon,
        targets=targets,
        discount_rate=rate,
        prices=_prices(price),
        capex_mode=CapexMode(capex),
        measure_ids=tuple(measure or ()),
        year=year,
        growth_pct=growth,
        infra=infra or InfraOptions(),
    )


def _print_pathway(run: svc.StoredPathwayRun) -> None:
    r = run.result
    console.print(
        f"路径 Pathway run #{run.id} — {run.park_id}: {r['status']}; "
        f"费用现值 cost (present value) {r['cost_cny']['total']:,.0f} CNY "
        f"(投资 capex {r['cost_cny']['capex']:,.0f}, 运维 opex {r['cost_cny']['opex']:,.0f}, "
        f"节能收益 energy saved {r['cost_cny']['energy_saving']:,.0f}); "
        f"build {r['build_time_s']:.2f} s, solve {r['solve_time_s']:.2f} s"
    )
    table = Table(title="排放 Emissions [tCO2/a]")
    for col in ("year", "BAU", "plan (linear)", "plan (accounted)", "tCO2/tce (accounted)"):
        table.add_column(col, justify="right")
    acc = {a["year"]: a for a in r.get("accounted", [])}
    for i, y in enumerate(r["years"]):
        a = acc.get(y)
        ind = r["indicator_tco2_per_tce"][i] if a is None else a["indicator_tco2_per_tce"]
        table.add_row(
            str(y),
            f"{r['bau_emissions_tco2'][i]:,.0f}",
            f"{r['emissions_tco2'][i]:,.0f}",
            "—" if a is None else f"{a['emissions_tco2']:,.0f}",
            "—" if ind is None else f"{ind:.3f}",
        )
    console.print(table)
    for t in r["targets"]:
        acc_t = t.get("accounted") or {}
        console.print(
            f"目标 target {t['target']}: met={t['met']} year_met={t['year_met']}; "
            f"accounted met={acc_t.get('met')} year_met={acc_t.get('year_met')}"
        )
    for line in r["explanation"]:
        console.print(f"[yellow]{line}[/]")
    for line in r["notes"]:
        console.print(f"[dim]{line}[/]")


def pathway(
    base_year: BaseYear,
    park: Park = None,
    horizon: Horizon = 2060,
    budget: Budget = None,
    cap: Cap = None,
    zero_by: ZeroBy = None,
    indicator: Indicator = None,
    year: Year = None,
    growth: Growth = 0.0,
    discount_rate: Rate = DEFAULT_DISCOUNT_RATE,
    capex: Capex = "lump",
    price: Price = None,
    measure: MeasureIds = None,
    output_format: Format = "table",
) -> None:
    """最低成本路径 Least-cost pathway: which measures, where and when, under a budget or a target."""
    check_choice(output_format, ("table", "json"), "--format")
    params = _params(
        base_year,
        horizon,
        budget,
        cap,
        zero_by,
        indicator,
        year,
        growth,
        discount_rate,
        capex,
        price,
        measure,
    )
    eng = open_store()
    park_id = pick_park(eng, park)
    with console.status("baseline", spinner="dots") as status:
        run = svc.run_pathway(
            system_scope(eng, "cli"), park_id, params, progress=lambda s: status.update(f"路径 pathway: {s}")
        )
    if output_format == "json":
        console.out(json.dumps(run.to_dict(), ensure_ascii=False, indent=1))
        return
    _print_pathway(run)


def macc(
    base_year: BaseYear,
    park: Park = None,
    horizon: Horizon = 2060,
    year: Year = None,
    growth: Growth = 0.0,
    discount_rate: Rate = DEFAULT_DISCOUNT_RATE,
    price: Price = None,
    measure: MeasureIds = None,
    output_format: Format = "table",
) -> None:
    """边际减排成本曲线 MACC of a year: each measure's potential (tCO2/a) and cost (CNY/tCO2)."""
    check_choice(output_format, ("table", "json"), "--format")
    params = _params(
        base_year,
        horizon,
        None,
        None,
        None,
        None,
        year,
        growth,
        discount_rate,
        "lump",
        price,
        measure,
        need_target=False,
    )
    eng = open_store()
    park_id = pick_park(eng, park)
    run = svc.run_macc(system_scope(eng, "cli"), park_id, params)
    if output_format == "json":
        console.out(json.dumps(run.to_dict(), ensure_ascii=False, indent=1))
        return
    r = run.result
    table = Table(title=f"MACC {r['year']} — run #{run.id} (BAU {r['bau_tco2']:,.0f} tCO2/a)")
    for col in ("measure", "措施", "potential tCO2/a", "CNY/tCO2", "cumulative tCO2/a"):
        table.add_column(col, justify="right")
    for b in r["bars"]:
        table.add_row(
            b["measure"] + (" [UNCERTAIN]" if b["uncertain"] else ""),
            b["name_zh"],
            f"{b['potential_tco2']:,.1f}",
            f"{b['cost_cny_per_tco2']:,.1f}",
            f"{b['x1']:,.1f}",
        )
    console.print(table)
    for line in r["notes"]:
        console.print(f"[dim]{line}[/]")


def budget(
    base_year: BaseYear,
    park: Park = None,
    horizon: Horizon = 2060,
    budget: Budget = None,
    cap: Cap = None,
    zero_by: ZeroBy = None,
    indicator: Indicator = None,
    year: Year = None,
    pv_w_per_m2: Annotated[float, typer.Option(help="光伏功率密度 \\[W/m²] (\\[UNCERTAIN]).")] = 150.0,
    pv_hours: Annotated[float, typer.Option(help="光伏利用小时 \\[h/a] (\\[UNCERTAIN]).")] = 1100.0,
    roof_usable_share: Annotated[float, typer.Option(help="屋顶可用比例 \\[0–1] (\\[UNCERTAIN]).")] = 0.6,
    storage_kwh_per_kw: Annotated[float, typer.Option(help="配储 \\[kWh per kW PV] (\\[UNCERTAIN]).")] = 0.2,
    output_format: Format = "table",
) -> None:
    """以碳定产、以产定基、以土为界: budget per sector, PV/storage/grid needed, whether the land suffices."""
    check_choice(output_format, ("table", "json"), "--format")
    infra = InfraOptions(pv_w_per_m2, pv_hours, roof_usable_share, storage_kwh_per_kw)
    params = _params(
        base_year,
        horizon,
        budget,
        cap,
        zero_by,
        indicator,
        year,
        0.0,
        DEFAULT_DISCOUNT_RATE,
        "lump",
        None,
        None,
        infra=infra,
    )
    eng = open_store()
    park_id = pick_park(eng, park)
    run = svc.run_budget(system_scope(eng, "cli"), park_id, params)
    if output_format == "json":
        console.out(json.dumps(run.to_dict(), ensure_ascii=False, indent=1))
        return
    r = run.result
    console.print(
        f"碳预算 Budget run #{run.id} — {r['target']['target']}: "
        f"cumulative {r['cumulative_tco2']:,.0f} tCO2; year {r['year']}"
    )
    t = Table(title=f"以碳定产 allowance per sector {r['year']}")
    for col in ("sector", "base tCO2", "allowance tCO2", "output allowed 10⁴ CNY"):
        t.add_column(col, justify="right")
    for s in r["sectors"]:
        out = s["output_allowed_10k_cny"]
        t.add_row(
            s["sector"],
            f"{s['base_co2_t']:,.0f}",
            f"{s['allowance_tco2']:,.0f}",
            "—" if out is None else f"{out:,.0f}",
        )
    console.print(t)
    inf = r["infrastructure"]
    console.print(
        f"以产定基 PV {inf['pv_kw']:,.0f} kW on {inf['pv_area_m2']:,.0f} m², "
        f"storage {inf['storage_kwh']:,.0f} kWh, grid connection {inf['grid_connection_mw']:,.2f} MW "
        "(UNCERTAIN options)"
    )
    land = r["land"]
    console.print(f"以土为界 available {land.get('available_m2')} m²; suffices: {land.get('suffices')}")
    for line in r["notes"]:
        console.print(f"[dim]{line}[/]")


def land(
    park: Park = None,
    roof_m2: Annotated[float | None, typer.Option("--roof-m2", help="屋顶面积 Roof area \\[m²].")] = None,
    land_m2: Annotated[float | None, typer.Option("--land-m2", help="可用土地 Land for PV \\[m²].")] = None,
    grid_mw: Annotated[float | None, typer.Option("--grid-mw", help="并网容量 Grid \\[MW].")] = None,
) -> None:
    """园区面积 Show, or set with any option, the park's roof/land area (m²) and grid connection (MW)."""
    eng = open_store()
    park_id = pick_park(eng, park)
    scope = system_scope(eng, "cli")
    if any(x is not None for x in (roof_m2, land_m2, grid_mw)):
        old = svc.get_land(scope, park_id)
        svc.set_land(
            scope,
            park_id,
            ParkLand(
                roof_m2 if roof_m2 is not None else old.roof_area_m2,
                land_m2 if land_m2 is not None else old.land_area_m2,
                grid_mw if grid_mw is not None else old.grid_connection_mw,
            ),
        )
    cur = svc.get_land(scope, park_id)
    console.print(
        f"{park_id}: roof {cur.roof_area_m2} m², land {cur.land_area_m2} m², grid {cur.grid_connection_mw} MW"
    )


def runs(
    park: Park = None,
    kind: Annotated[str | None, typer.Option(help="pathway | macc | budget.")] = None,
    output_format: Format = "table",
) -> None:
    """路线图运行记录 Stored pathway, MACC and budget runs (newest first)."""
    check_choice(output_format, ("table", "json"), "--format")
    check_choice(kind, ("pathway", "macc", "budget"), "--kind")
    eng = open_store()
    park_id = pick_park(eng, park)
    found = svc.list_runs(system_scope(eng, "cli"), park_id, kind=kind)
    if output_format == "json":
        console.out(json.dumps([r.summary() for r in found], ensure_ascii=False, indent=1))
        return
    t = Table(title=f"roadmap runs — {park_id}")
    for col in ("id", "kind", "status", "cost CNY", "by", "at"):
        t.add_column(col)
    for r in found:
        t.add_row(
            str(r.id),
            r.kind,
            r.status,
            "—" if r.cost_cny is None else f"{r.cost_cny:,.0f}",
            r.created_by,
            r.created_at.isoformat(timespec="seconds"),
        )
    console.print(t)


def show(
    run_id: Annotated[int, typer.Argument(help="运行编号 Run id.")],
    output_format: Format = "json",
) -> None:
    """查看 One stored run with its parameters and result (JSON, or the pathway table)."""
    check_choice(output_format, ("table", "json"), "--format")
    run = svc.get_run(system_scope(open_store(), "cli"), run_id)
    if output_format == "table" and run.kind == "pathway":
        _print_pathway(run)
        return
    console.out(json.dumps(run.to_dict(), ensure_ascii=False, indent=1))


def attach(app: typer.Typer) -> None:
    """Add the pathway commands to the ``roadmap`` command group."""
    app.command("pathway")(pathway)
    app.command("macc")(macc)
    app.command("budget")(budget)
    app.command("land")(land)
    app.command("runs")(runs)
    app.command("show")(show)
