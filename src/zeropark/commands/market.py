"""``zeropark market``: the park's internal carbon market (园区内部碳市场) — rule, quotas, auction, fees.

Every sub-command calls :mod:`zeropark.services.market` (the functions of the API
``/api/v1/parks/{id}/market/…`` and of the page ``/assets``); see docs/assets.md. Exit codes:
3 a refused request (a rule the core cannot read, an order the auction refuses, a seller without
the balance: nothing stored), 4 an unknown park, enterprise, order, rule or session.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from zeropark.commands.account import pick_park
from zeropark.commands.assets_options import FormatOpt, OnOpt, ParkOpt, out, value_date, year_option
from zeropark.commands.common import YEAR_MAX, YEAR_MIN, check_choice, console, engine
from zeropark.errors import MarketError
from zeropark.services import market as service
from zeropark.store.scope import system_scope

__all__ = ["register"]

market_app = typer.Typer(
    name="market",
    help="内部碳市场 Internal carbon market: quota rule, park allowances, call auction, internal fee.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)

YearOpt = Annotated[int, year_option("配额年度 Quota year.")]
SessionOpt = Annotated[str, typer.Option("--session", help="竞价场次 Auction session, e.g. 2025-Q1.")]
RuleFile = Annotated[
    Path | None, typer.Option("--file", help="规则 Rule document (YAML or JSON): method and parameters.")
]


def _read_rule(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise MarketError(f"{path}: not a UTF-8 text file; give the rule as YAML or JSON") from None
    return service.rule_from_text(text)


def _rule_table(d: dict[str, Any]) -> Table:
    table = Table(title=f"内部配额规则 Internal quota rule {d['year']} (base year {d['base_year']})")
    table.add_column("项目 item")
    table.add_column("值 value")
    for k, v in d["rule"].items():
        table.add_row(k, str(v))
    for ent, q in d["quotas"].items():
        table.add_row(f"配额 quota {ent}", f"{q:,} t")
    return table


@market_app.command("rule")
def rule_cmd(
    year: YearOpt,
    file: RuleFile = None,
    base_year: Annotated[
        int | None, typer.Option("--base-year", min=YEAR_MIN, max=YEAR_MAX, help="基准年 Basis year.")
    ] = None,
    park: ParkOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """规则 Set the year's internal quota rule from a file (park manager), or show it."""
    check_choice(fmt, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    scope = system_scope(eng, "cli")
    if file is None:
        found = service.get_rule(scope, park_id, year)
    else:
        found = service.set_rule(scope, park_id, year, _read_rule(file), base_year=base_year)
    d = service.rule_dict(found)
    out(fmt, d, _rule_table(d))


@market_app.command("quotas")
def quotas_cmd(year: YearOpt, park: ParkOpt = None, on: OnOpt = None, fmt: FormatOpt = "table") -> None:
    """配额发放 Issue the year's quotas by the stored rule as park allowances PIA:<year> (park manager)."""
    check_choice(fmt, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    d = service.rule_dict(service.issue_quotas(system_scope(eng, "cli"), park_id, year, on=value_date(on)))
    out(fmt, d, _rule_table(d))


@market_app.command("order")
def order_cmd(
    year: YearOpt,
    session: SessionOpt,
    enterprise: Annotated[str, typer.Option("--enterprise", help="企业 Enterprise id.")],
    side: Annotated[str, typer.Option("--side", help="buy | sell.")],
    price: Annotated[float, typer.Option("--price", help="限价 Limit price, CNY per t (0.01 tick).")],
    quantity: Annotated[int, typer.Option("--quantity", help="数量 Whole t.")],
    park: ParkOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """下单 Place a limit order in an auction session."""
    check_choice(side, ("buy", "sell"), "--side")
    check_choice(fmt, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    o = service.place_order(
        system_scope(eng, "cli"), park_id, year, session, enterprise, side, price, quantity
    )
    d = service.order_dict(o)
    if fmt == "json":
        out(fmt, d)
    else:
        console.print(
            f"委托 order {o.id}: {o.enterprise_id} {o.side} {o.quantity} t @ {o.price_cny:.2f} CNY/t"
        )


@market_app.command("withdraw")
def withdraw_cmd(
    order: Annotated[int, typer.Argument(help="委托号 Order id.")],
    park: ParkOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """撤单 Withdraw an open order."""
    check_choice(fmt, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    o = service.withdraw_order(system_scope(eng, "cli"), park_id, order)
    if fmt == "json":
        out(fmt, service.order_dict(o))
    else:
        console.print(f"委托 order {o.id} withdrawn / 已撤单")


def _clearing_table(d: dict[str, Any]) -> Table:
    price = "—" if d["price_cny"] is None else f"{d['price_cny']:.2f}"
    table = Table(
        title=f"集合竞价 Clearing {d['year']} {d['session']}: {price} CNY/t, {d['volume']} t ({d['rule']})"
    )
    for col in ("买方 buyer", "卖方 seller", "t"):
        table.add_column(col)
    for f in d["fills"]:
        table.add_row(f["buyer"], f["seller"], str(f["quantity"]))
    return table


@market_app.command("clear")
def clear_cmd(
    year: YearOpt,
    session: SessionOpt,
    park: ParkOpt = None,
    on: OnOpt = None,
    show: Annotated[bool, typer.Option("--show", help="只查看 Show a stored clearing.")] = False,
    mode: Annotated[
        str, typer.Option("--mode", help="撮合方式 call (集合竞价) | continuous (连续竞价 order book).")
    ] = "call",
    fmt: FormatOpt = "table",
) -> None:
    """撮合 Clear a session and settle it in the asset ledger (park manager), or show it."""
    check_choice(mode, ("call", "continuous"), "--mode")
    check_choice(fmt, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    scope = system_scope(eng, "cli")
    if show:
        c = service.clearing(scope, park_id, year, session)
    else:
        c = service.clear_session(scope, park_id, year, session, on=value_date(on), mode=mode)
    d = service.clearing_dict(c)
    out(fmt, d, _clearing_table(d))


@market_app.command("fees")
def fees_cmd(year: YearOpt, park: ParkOpt = None, fmt: FormatOpt = "table") -> None:
    """内部碳价 Each enterprise's internal carbon fee of the year by the stored rule."""
    check_choice(fmt, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    lines = [f.to_dict() for f in service.fees(system_scope(eng, "cli"), park_id, year)]
    table = Table(title=f"内部碳价 Internal carbon fee {year}")
    for col in ("企业 enterprise", "CO2 t", "配额 quota t", "费用 fee CNY"):
        table.add_column(col)
    for f in lines:
        table.add_row(
            f["enterprise_id"], f"{f['emissions_tco2']:,.1f}", f"{f['quota_t']:,}", f"{f['fee_cny']:,.2f}"
        )
    out(fmt, lines, table)


@market_app.command("simulate")
def simulate_cmd(
    year: YearOpt,
    file: Annotated[Path, typer.Option("--file", help="规则 Rule document to try (YAML or JSON).")],
    base_year: Annotated[
        int | None, typer.Option("--base-year", min=YEAR_MIN, max=YEAR_MAX, help="基准年 Basis year.")
    ] = None,
    bid: Annotated[float | None, typer.Option("--bid", help="买价 Bid of the short, CNY per t.")] = None,
    ask: Annotated[float | None, typer.Option("--ask", help="卖价 Ask of the long, CNY per t.")] = None,
    park: ParkOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """模拟 Try a rule without adopting it: quotas, positions, a clearing, fees (nothing is stored)."""
    check_choice(fmt, ("table", "json"), "--format")
    if (bid is None) != (ask is None):
        raise typer.BadParameter("give both --bid and --ask, or neither", param_hint="--bid/--ask")
    eng = engine()
    park_id = pick_park(eng, park)
    assumptions = None if bid is None or ask is None else service.Assumptions(bid, ask)
    sim = service.simulate(
        system_scope(eng, "cli"),
        park_id,
        _read_rule(file),
        year,
        base_year=base_year,
        assumptions=assumptions,
    )
    d = sim.to_dict()
    c = d["clearing"]
    price = "—" if c["price_cny"] is None else f"{c['price_cny']:.2f}"
    table = Table(
        title=f"模拟 Simulation {year} ({d['method']}, scale {d['scale']:.4f}): "
        f"{price} CNY/t, {c['volume']} t"
    )
    for col in ("企业 enterprise", "配额 quota t", "CO2 t", "头寸 position t", "费用 fee CNY"):
        table.add_column(col)
    for e, q in d["quotas"].items():
        table.add_row(
            e,
            f"{q:,}",
            f"{d['emissions_tco2'][e]:,.1f}",
            f"{d['positions_t'][e]:,.1f}",
            f"{d['fees_cny'][e]:,.2f}",
        )
    out(fmt, d, table)


def register(app: typer.Typer) -> None:
    """Attach ``zeropark market …``."""
    app.add_typer(market_app, name="market")
