"""``zeropark assets``: the carbon asset ledger (碳资产) — post movements, read balances, positions, points.

Every sub-command calls :mod:`zeropark.services.assets` (the functions of the API and of the page
``/assets``); see docs/assets.md. Not ``zeropark ledger``, which is the evidence ledger. Exit codes:
3 a refused posting (InsufficientBalance, RangeOverlap, SelfTrade, AfterDeadline, …: nothing booked),
4 an unknown park or enterprise.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from zeropark.assets.book import Movement
from zeropark.assets.compliance import units_from_rows
from zeropark.commands.account import pick_park
from zeropark.commands.assets_options import FormatOpt, OnOpt, ParkOpt, out, value_date, year_option
from zeropark.commands.common import YEAR_MAX, YEAR_MIN, check_choice, console, engine
from zeropark.errors import AssetError
from zeropark.forecast.quota_gap import Interval
from zeropark.forecast.quota_gap import Method as GapMethod
from zeropark.services import assets as service
from zeropark.services import quota_gap
from zeropark.store.scope import system_scope

__all__ = ["register"]

assets_app = typer.Typer(
    name="assets",
    help="碳资产 Carbon asset ledger: CEA allowances, CCER, green certificates (GEC), 碳普惠 points.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)

AssetArg = Annotated[
    str, typer.Argument(help="资产 Instrument[:vintage], e.g. CEA:2024, CCER, GEC:2025, PHP.")
]
QtyArg = Annotated[int, typer.Argument(help="数量 Whole units: t (CEA, CCER), MWh (GEC), points.")]
RangesOpt = Annotated[
    str | None, typer.Option("--ranges", help="序列号 Serial ranges, e.g. GEC-0001..GEC-0100,GEC-0200.")
]
EvidenceOpt = Annotated[str, typer.Option("--evidence", help="凭证 Contract, registry record or file name.")]
YearOpt = Annotated[int, year_option("履约年度 Compliance year.")]
AsOfOpt = Annotated[
    int | None, typer.Option("--as-of-month", min=1, max=12, help="截至月份 Months used (default all).")
]
MethodOpt = Annotated[
    str | None,
    typer.Option("--method", help="预测方法 plan | seasonal | run_rate | ml (default: first with data)."),
]
IntervalOpt = Annotated[
    str,
    typer.Option(
        "--interval", help="预测区间 conformal (calibrated on past windows; normal where too few) | normal."
    ),
]


def _posted(fmt: str, posted: service.Posted) -> None:
    d = posted.to_dict()
    if fmt == "json":
        out(fmt, d)
        return
    console.print(f"凭证 entry {d['id']} ({d['movement']}, {d['value_date']}) booked / 已记账:")
    for ln in d["lines"]:
        rng = f"  {', '.join(ln['ranges'])}" if ln["ranges"] else ""
        console.print(f"  {ln['account']:<32} {ln['asset']:<10} {ln['quantity']:>+12d}{rng}")


@assets_app.command("issue")
def issue_cmd(
    asset: AssetArg,
    to: Annotated[
        str, typer.Argument(help="收方 Account: enterprise id, enterprise:E, park:P, person:名字.")
    ],
    quantity: QtyArg,
    park: ParkOpt = None,
    kind: Annotated[str, typer.Option("--kind", help="issue | allocate.")] = "issue",
    ranges: RangesOpt = None,
    on: OnOpt = None,
    evidence: EvidenceOpt = "",
    fmt: FormatOpt = "table",
) -> None:
    """签发/分配 Issue or allocate new units to a holder (park manager)."""
    check_choice(kind, ("issue", "allocate"), "--kind")
    check_choice(fmt, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    posted = service.issue(
        system_scope(eng, "cli"), park_id, asset, to, quantity, on=value_date(on), ranges=ranges,
        movement=Movement(kind), evidence=evidence,
    )  # fmt: skip
    _posted(fmt, posted)


@assets_app.command("transfer")
def transfer_cmd(
    asset: AssetArg,
    frm: Annotated[str, typer.Argument(metavar="FROM", help="付方 Account the units leave.")],
    to: Annotated[str, typer.Argument(help="收方 Account the units reach.")],
    quantity: QtyArg,
    park: ParkOpt = None,
    kind: Annotated[str, typer.Option("--kind", help="transfer | buy | sell.")] = "transfer",
    price: Annotated[float | None, typer.Option("--price", help="价格 CNY per unit.")] = None,
    counterparty: Annotated[str, typer.Option("--counterparty", help="交易对手 Exchange or broker.")] = "",
    ranges: RangesOpt = None,
    on: OnOpt = None,
    evidence: EvidenceOpt = "",
    fmt: FormatOpt = "table",
) -> None:
    """划转/买卖 Move units between two holders (a trade with its price)."""
    check_choice(kind, ("transfer", "buy", "sell"), "--kind")
    check_choice(fmt, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    posted = service.transfer(
        system_scope(eng, "cli"), park_id, asset, frm, to, quantity, on=value_date(on), ranges=ranges,
        movement=Movement(kind), price_cny=price, counterparty=counterparty, evidence=evidence,
    )  # fmt: skip
    _posted(fmt, posted)


@assets_app.command("surrender")
def surrender_cmd(
    enterprise: Annotated[str, typer.Argument(help="企业 Enterprise id.")],
    asset: AssetArg,
    quantity: QtyArg,
    year: YearOpt,
    deadline: Annotated[
        datetime | None,
        typer.Option("--deadline", formats=["%Y-%m-%d"], help="截止日 Deadline (default 31 Dec of year+1)."),
    ] = None,
    park: ParkOpt = None,
    on: OnOpt = None,
    evidence: EvidenceOpt = "",
    fmt: FormatOpt = "table",
) -> None:
    """清缴 Surrender CEA or CCER for a compliance year (refused after the deadline)."""
    check_choice(fmt, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    end = deadline.date() if deadline else service.compliance_deadline(year)
    posted = service.surrender(
        system_scope(eng, "cli"), park_id, enterprise, asset, quantity, on=value_date(on),
        compliance_year=year,
        deadline=end, evidence=evidence,
    )  # fmt: skip
    _posted(fmt, posted)


@assets_app.command("retire")
def retire_cmd(
    holder: Annotated[str, typer.Argument(help="持有方 Account the units leave.")],
    asset: AssetArg,
    quantity: QtyArg,
    park: ParkOpt = None,
    kind: Annotated[str, typer.Option("--kind", help="retire | cancel | expire.")] = "retire",
    claim_year: Annotated[
        int | None, typer.Option("--claim-year", min=YEAR_MIN, max=YEAR_MAX, help="GEC 声明年度 Claim year.")
    ] = None,
    ranges: RangesOpt = None,
    on: OnOpt = None,
    evidence: EvidenceOpt = "",
    fmt: FormatOpt = "table",
) -> None:
    """注销/核销 Retire (a GEC range becomes the holder's green-power claim), cancel or expire units."""
    check_choice(kind, ("retire", "cancel", "expire"), "--kind")
    check_choice(fmt, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    posted = service.retire(
        system_scope(eng, "cli"), park_id, holder, asset, quantity, on=value_date(on), ranges=ranges,
        movement=Movement(kind), claim_year=claim_year, evidence=evidence,
    )  # fmt: skip
    _posted(fmt, posted)


@assets_app.command("balances")
def balances_cmd(
    park: ParkOpt = None,
    show_ranges: Annotated[bool, typer.Option("--ranges", help="Also list serial ranges 序列号.")] = False,
    fmt: FormatOpt = "table",
) -> None:
    """余额 Balances of every holder (and issued, retired, held per asset)."""
    check_choice(fmt, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    scope = system_scope(eng, "cli")
    data = service.balances_dict(scope, park_id)
    rows = service.balances(scope, park_id)
    totals = service.totals(scope, park_id)
    rngs = data["ranges"] if show_ranges else []
    table = Table(title=f"碳资产余额 Balances — {park_id}")
    for col in ("账户 account", "资产 asset", "余额 balance"):
        table.add_column(col, justify="right" if "balance" in col else "left")
    for b in rows:
        table.add_row(b.account, b.asset, f"{b.quantity:,}")
    for a, (iss, ret, held) in totals.items():
        table.add_row(f"[dim]合计 total (issued {iss:,} − retired {ret:,})[/dim]", a, f"{held:,}")
    out(fmt, data, table)
    if fmt == "table" and rngs:
        for r in rngs:
            console.print(f"  {r['account']:<32} {r['asset']:<10} {r['range']} ({r['count']})")


@assets_app.command("journal")
def journal_cmd(
    park: ParkOpt = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000, help="最近条数 Newest entries.")] = 50,
    fmt: FormatOpt = "table",
) -> None:
    """记账凭证 The journal: each entry with its balanced lines, counterparty, price and evidence."""
    check_choice(fmt, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    entries = service.journal(system_scope(eng, "cli"), park_id, limit=limit)
    data = [service.entry_dict(e) for e in entries]
    table = Table(title=f"碳资产凭证 Journal — {park_id}")
    for col in (
        "#",
        "日期 date",
        "业务 movement",
        "账户 account",
        "资产 asset",
        "数量 quantity",
        "价格 CNY/unit",
    ):
        table.add_column(col)
    for e in entries:
        for i, (acct, asset, q, _r) in enumerate(e.lines):
            price = "" if e.price_cny is None or i else f"{e.price_cny:g}"
            head = (str(e.id), e.value_date.isoformat(), e.movement) if i == 0 else ("", "", "")
            table.add_row(*head, acct, asset, f"{q:+,}", price)
    out(fmt, data, table)


@assets_app.command("position")
def position_cmd(
    enterprise: Annotated[str, typer.Argument(help="企业 Enterprise id.")],
    year: YearOpt,
    park: ParkOpt = None,
    verified: Annotated[
        int | None,
        typer.Option("--verified-t", min=0, help="核查排放量 Verified emissions [t] (default: run)."),
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """履约状况 Allocation, verified emissions, CCER limit, surrendered, held: gap or surplus, deadline."""
    check_choice(fmt, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    pv = service.position(system_scope(eng, "cli"), park_id, enterprise, year, verified_t=verified)
    d = pv.to_dict()
    table = Table(title=f"履约状况 Compliance position — {enterprise} {year}")
    table.add_column("项目 item")
    table.add_column("t CO2", justify="right")
    for key in ("allocation_t", "verified_t", "surrendered_cea_t", "surrendered_ccer_t", "held_cea_t",
                "held_ccer_t", "ccer_limit_t", "remaining_t", "gap_t", "surplus_t"):  # fmt: skip
        table.add_row(key, f"{d[key]:,}")
    table.add_row("deadline 截止日", d["deadline"] + (" [UNCERTAIN]" if d["uncertain"] else ""))
    table.add_row("status 状态", d["status"])
    table.add_row("verified from", d["verified_source"])
    out(fmt, d, table)


@assets_app.command("allocate")
def allocate_cmd(
    enterprise: Annotated[str, typer.Argument(help="企业 Enterprise id.")],
    units: Annotated[Path, typer.Argument(help="机组 CSV: unit_id,unit_type,supply_mwh,heat_gj,cooling,…")],
    year: YearOpt,
    park: ParkOpt = None,
    post: Annotated[bool, typer.Option("--post", help="Book the allocation in the ledger 记账.")] = False,
    fmt: FormatOpt = "table",
) -> None:
    """配额核算 Benchmark allocation of power units (MEE plan, benchmarks [UNCERTAIN]); --post books it."""
    check_choice(fmt, ("table", "json"), "--format")
    try:
        with units.open(encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise AssetError(f"{units}: not a UTF-8 CSV of power units ({exc}); save it as CSV UTF-8") from exc
    eng = engine()
    park_id = pick_park(eng, park)
    scope = system_scope(eng, "cli")
    found, posted = service.allocate(scope, park_id, enterprise, year, units_from_rows(rows), post=post)
    data = {
        "allocations": [
            {
                "unit_id": a.unit_id,
                "allocation_t": a.allocation_t,
                "formula": a.formula,
                "source_id": a.benchmark.source_id,
                "uncertain": a.benchmark.uncertain,
            }  # fmt: skip
            for a in found
        ],
        "entry_id": posted.id if posted else None,
    }
    table = Table(title=f"配额核算 Allocation — {enterprise} {year}")
    table.add_column("机组 unit")
    table.add_column("t CO2", justify="right")
    table.add_column("公式 formula")
    for a in found:
        table.add_row(
            a.unit_id, f"{a.allocation_t:,}", a.formula + (" [UNCERTAIN]" if a.benchmark.uncertain else "")
        )
    out(fmt, data, table)


@assets_app.command("points")
def points_cmd(
    holder: Annotated[str | None, typer.Argument(help="持有方 person:名字 or an enterprise.")] = None,
    action: Annotated[str | None, typer.Option("--action", help="绿色行为 Action of the rules.")] = None,
    quantity: Annotated[float | None, typer.Option("--quantity", help="数量 In the action's unit.")] = None,
    redeem: Annotated[int | None, typer.Option("--redeem", help="兑换 Points to redeem.")] = None,
    reward: Annotated[str, typer.Option("--reward", help="兑换物 What the points buy.")] = "",
    park: ParkOpt = None,
    on: OnOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """碳普惠 Points: without a holder list the rules; --action/--quantity earns, --redeem redeems."""
    check_choice(fmt, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    scope = system_scope(eng, "cli")
    if holder is None:
        rules = service.points_rules(scope, park_id)
        table = Table(title="碳普惠规则 Points rules")
        for col in ("action", "名称", "name", "unit", "points/unit", "cap/month"):
            table.add_column(col)
        for r in rules:
            per = f"{r['points_per_unit']:g}"
            table.add_row(r["action"], r["name_zh"], r["name_en"], r["unit"], per, str(r["monthly_cap"]))
        out(fmt, rules, table)
        return
    if redeem is not None:
        _posted(fmt, service.redeem_points(scope, park_id, holder, redeem, on=value_date(on), reward=reward))
        return
    if action is None or quantity is None:
        raise typer.BadParameter("give --action and --quantity to earn, or --redeem N")
    n, posted = service.earn_points(scope, park_id, holder, action, quantity, on=value_date(on))
    if posted is None:
        console.print(f"0 points: the monthly cap of '{action}' is reached / 已达本月上限")
        out(fmt, {"points": 0, "entry": None})
        return
    _posted(fmt, posted)


@assets_app.command("gap")
def gap_cmd(
    enterprise: Annotated[str, typer.Argument(help="企业 Enterprise id.")],
    year: YearOpt,
    as_of: Annotated[
        int | None, typer.Option("--as-of-month", min=1, max=12, help="截至月份 Months used (default all).")
    ] = None,
    method: MethodOpt = None,
    interval: IntervalOpt = "conformal",
    park: ParkOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """配额缺口预测 Year-end emissions (interval) and allowance gap from the months so far; backtest."""
    check_choice(fmt, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    g = service.gap_forecast(
        system_scope(eng, "cli"), park_id, enterprise, year, as_of_month=as_of, method=_method(method),
        interval=_interval(interval),
    )  # fmt: skip
    data = g.to_dict()
    f = g.forecast
    table = Table(
        title=f"配额缺口预测 Gap forecast — {enterprise} {year} "
        f"(months 1–{g.through_month}, {f.method.value}, {f.level:.0%} {f.interval.value} interval)"
    )
    table.add_column("项目 item")
    table.add_column("t CO2", justify="right")
    for key in ("to_date_tco2", "year_end_tco2", "low_tco2", "high_tco2", "allowance_tco2", "gap_tco2"):
        table.add_row(key, "—" if data[key] is None else f"{data[key]:,.1f}")
    if f.p_short is not None:
        table.add_row("p_short 缺口概率", f"{f.p_short:.0%}")
    if g.backtest is not None:
        for k, e in enumerate(g.backtest.errors_pct, start=1):
            table.add_row(f"backtest {year - 1} after month {k}", f"{e:+.1f} %")
    out(fmt, data, table)


@assets_app.command("forecasts")
def forecasts_cmd(
    year: YearOpt,
    as_of: AsOfOpt = None,
    method: MethodOpt = None,
    interval: IntervalOpt = "conformal",
    park: ParkOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """配额缺口预测 Each enterprise: CEA allocated, held; year-end CO2, interval, gap, P(short)."""
    check_choice(fmt, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    rows = service.gap_forecasts(
        system_scope(eng, "cli"), park_id, year, as_of_month=as_of, method=_method(method),
        interval=_interval(interval),
    )  # fmt: skip
    table = Table(title=f"配额缺口预测 Quota-gap forecasts {year} [t CO2]")
    for col in ("企业 enterprise", "方法 method", "截至 months", "配额 allocated t", "持有 held t",
                "预测 year-end t", "区间 interval t", "缺口 gap t", "缺口概率 P(short)"):  # fmt: skip
        table.add_column(col, justify="left" if col.startswith("企业") or col.startswith("方法") else "right")
    for r in rows:
        f = r.gap.forecast
        table.add_row(
            r.enterprise_id, f.method.value, f"1–{r.gap.through_month}", f"{r.allocated_t:,}",
            f"{r.held_t:,}",
            f"{f.year_end_tco2:,.1f}",
            f"{f.low_tco2:,.1f} – {f.high_tco2:,.1f} ({f.level:.0%} {f.interval.value})",
            "—" if f.gap_tco2 is None else f"{f.gap_tco2:+,.1f}",
            "—" if f.p_short is None else f"{f.p_short:.0%}",
        )  # fmt: skip
    out(fmt, [r.to_dict() for r in rows], table)


@assets_app.command("backtest")
def backtest_cmd(
    year: YearOpt, interval: IntervalOpt = "conformal", park: ParkOpt = None, fmt: FormatOpt = "table"
) -> None:
    """配额缺口回测 Rolling-origin backtest of a complete year: MAPE and interval coverage per method."""
    check_choice(fmt, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    scores = quota_gap.backtest_methods(system_scope(eng, "cli"), park_id, year, interval=_interval(interval))
    table = Table(title=f"配额缺口回测 Backtest {year}, cut-offs after months 1–11, {interval} interval")
    for col in ("方法 method", "企业 enterprises", "预测 forecasts", "MAPE %", "覆盖率 coverage",
                "正态 normal", "按区间 by interval: n, coverage (normal)"):  # fmt: skip
        table.add_column(col, justify="right")
    for sc in scores:
        parts = [f"{k} {n}: {c:.0%} ({c0:.0%})" for k, (n, c, c0) in sc.by_interval.items()]
        table.add_row(sc.method, str(sc.enterprises), str(sc.cutoffs), f"{sc.mape_pct:.2f}",
                      f"{sc.coverage:.0%} (of {sc.level:.0%})", f"{sc.coverage_normal:.0%}",
                      "; ".join(parts))  # fmt: skip
    out(fmt, [sc.to_dict() for sc in scores], table)


@assets_app.command("plans")
def plans_cmd(
    year: Annotated[
        int | None, typer.Option("--year", min=YEAR_MIN, max=YEAR_MAX, help="计划年度 Plan year.")
    ] = None,
    import_file: Annotated[
        Path | None, typer.Option("--import", help="生产计划 CSV: enterprise_id,year,month,quantity,unit.")
    ] = None,
    enterprise: Annotated[
        str | None,
        typer.Option("--enterprise", help="企业 Enterprise (with --set; alone: its plan)."),
    ] = None,
    set_months: Annotated[
        str | None, typer.Option("--set", help="月计划 Months, e.g. 1=1200,2=1150 [the product unit].")
    ] = None,
    unit: Annotated[str, typer.Option("--unit", help="单位 Product unit, e.g. t.")] = "t",
    park: ParkOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """生产计划 Monthly production plans (the quota-gap driver): list, --import a CSV, or --set months."""
    check_choice(fmt, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    scope = system_scope(eng, "cli")
    if import_file is not None:
        try:
            text = import_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise AssetError(f"{import_file}: cannot be read as UTF-8 text ({exc})") from exc
        n = quota_gap.import_plans(scope, park_id, text, source=import_file.name)
        console.print(f"{n} 个计划月已导入 plan months imported from {import_file.name}")
    elif set_months is not None:
        if enterprise is None or year is None:
            raise typer.BadParameter("--set needs --enterprise and --year")
        months: dict[int, float] = {}
        for part in set_months.split(","):
            m, sep, q = part.partition("=")
            if not sep or not m.strip().isdigit():
                raise typer.BadParameter(f"--set: '{part}' is not MONTH=QUANTITY, e.g. 3=1200")
            months[int(m)] = q  # type: ignore[assignment]  # the service checks the number
        quota_gap.set_plan(scope, park_id, enterprise, year, months, unit)
    found = quota_gap.plans(scope, park_id, year, enterprise_id=enterprise)
    table = Table(title="生产计划 Production plans")
    for col in ("企业 enterprise", "年 year", "月 month", "计划 quantity", "单位 unit"):
        table.add_column(col)
    for p in found:
        table.add_row(p.enterprise_id, str(p.year), str(p.month), f"{p.quantity:,.2f}", p.unit)
    out(fmt, [quota_gap.plan_dict(p) for p in found], table)


def _interval(value: str) -> Interval:
    check_choice(value, (Interval.CONFORMAL.value, Interval.NORMAL.value), "--interval")
    return Interval(value)


def _method(value: str | None) -> GapMethod | None:
    if value is None:
        return None
    check_choice(value, tuple(m.value for m in GapMethod), "--method")
    return GapMethod(value)


def register(app: typer.Typer) -> None:
    """Attach ``zeropark assets …``."""
    app.add_typer(assets_app, name="assets")
