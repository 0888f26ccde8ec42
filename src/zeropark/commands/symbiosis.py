"""``zeropark symbiosis``: industrial symbiosis — match, indicators, contract, import, reference, example.

``match``, ``indicators`` and ``contract`` read a registry file when one is given, else the park's
stored registry (``--park``; ``match`` then keeps its result as the park's latest); ``import FILE``
loads a registry file into the park, all or nothing. Every door calls
:mod:`zeropark.services.symbiosis`; see docs/symbiosis.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from zeropark.commands.account import pick_park
from zeropark.commands.common import check_choice, console, engine
from zeropark.errors import DataError
from zeropark.services import symbiosis
from zeropark.store.scope import system_scope
from zeropark.symbiosis.matching import MatchingResult, Objective

__all__ = ["register"]

FORMATS = ("table", "json")
CONTRACT_FORMATS = ("docx", "pdf")
OBJECTIVES = tuple(o.value for o in Objective)

ParkOpt = Annotated[
    str | None, typer.Option("--park", help="园区 Park id, when no file is given (default: the only park).")
]
RegistryArg = Annotated[
    Path | None,
    typer.Argument(help="registry JSON file (docs/symbiosis.md §4); without it, the park's stored registry"),
]


def _registry(path: Path | None, park: str | None) -> symbiosis.Registry:
    """The registry of the file, or (no file) the park's stored one."""
    if path is not None:
        return symbiosis.load_registry(path)
    eng = engine()
    return symbiosis.park_registry(system_scope(eng, "cli"), pick_park(eng, park))


symbiosis_app = typer.Typer(
    name="symbiosis",
    help="产业共生 Industrial symbiosis: match sources to sinks, guiding indicators from flows, "
    "Ulsan reference.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)


def _print_json(value: Any) -> None:
    console.out(json.dumps(value, ensure_ascii=False, indent=1))


def _result_json(res: MatchingResult) -> dict[str, Any]:
    return symbiosis.result_dict(res)


def _print_result(res: MatchingResult, money: str) -> None:
    table = Table(title=f"建议共生交换 exchanges to build (objective {res.objective.value})")
    for col in (
        "供方 source",
        "需方 sink",
        "距离 km",
        "年输送量 /a",
        "CO2 减排 t/a",
        f"投资 {money}",
        f"年净收益 {money}/a",
        "回收期 a",
    ):
        table.add_column(col)
    for x in res.exchanges:
        table.add_row(
            x.source,
            x.sink,
            f"{x.distance_km:.2f}",
            f"{x.sent_per_year:,.1f} {x.unit}",
            f"{x.co2_avoided_t_per_year:,.1f}",
            f"{x.capex_cny:,.0f}",
            f"{x.net_benefit_cny_per_year:,.0f}",
            "—" if x.payback_years is None else f"{x.payback_years:.2f}",
        )
    console.print(table)
    pb = res.payback_years
    payback = "—" if pb is None else f"{pb:.2f} a"
    console.print(
        f"合计 total: CO2 {res.co2_avoided_t_per_year:,.1f} t/a · 投资 capex {res.capex_cny:,.0f} {money} · "
        f"年净收益 {res.net_benefit_cny_per_year:,.0f} {money}/a · 回收期 payback {payback}"
        f" · {res.candidates} candidate links × {res.periods} periods, build {res.build_time_s:.2f} s, "
        f"solve {res.solve_time_s:.2f} s"
    )


@symbiosis_app.command("match")
def match_cmd(
    registry: RegistryArg = None,
    objective: Annotated[str, typer.Option("--objective", help="cost | co2")] = "cost",
    binary: Annotated[
        bool, typer.Option("--binary", help="build decisions 0/1 (MILP) instead of shares")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    park: ParkOpt = None,
) -> None:
    """匹配 Match sources to sinks: the exchanges to build with CO2 avoided, capex and payback."""
    check_choice(objective, OBJECTIVES, "--objective")
    check_choice(fmt, FORMATS, "--format")
    if registry is None:
        eng = engine()
        res = symbiosis.match_park(
            system_scope(eng, "cli"), pick_park(eng, park), Objective(objective), binary
        )
    else:
        res = symbiosis.match_registry(symbiosis.load_registry(registry), Objective(objective), binary)
    if fmt == "json":
        _print_json(_result_json(res))
    else:
        _print_result(res, "CNY")


@symbiosis_app.command("indicators")
def indicators_cmd(
    registry: RegistryArg = None,
    fresh_water_m3: Annotated[
        float | None, typer.Option("--fresh-water-m3", help="park fresh water intake of the year [m³]")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    park: ParkOpt = None,
) -> None:
    """引导性指标 Solid-waste, waste-heat and water-reuse inputs from the realised flows; saving claims."""
    check_choice(fmt, FORMATS, "--format")
    got = symbiosis.indicators(_registry(registry, park), fresh_water_m3=fresh_water_m3)
    d = got.data

    def rate(n: float | None, t: float | None) -> float | None:
        return None if n is None or not t else 100.0 * n / t

    rows = [
        (
            "solid_waste_utilisation",
            "工业固体废物综合利用率",
            d.industrial_solid_waste_utilised_t,
            d.industrial_solid_waste_generated_t,
            "t",
        ),
        (
            "waste_heat_utilisation",
            "余热/余冷/余压综合利用率",
            d.waste_heat_utilised_gj,
            d.waste_heat_available_gj,
            "GJ",
        ),
        ("water_reuse", "工业用水重复利用率", d.water_reused_m3, d.water_total_use_m3, "m³"),
    ]
    if fmt == "json":
        _print_json(symbiosis.indicators_dict(got))
        return
    table = Table(title="引导性指标（来自交换流量）guiding indicators from flows")
    for col in ("指标 indicator", "分子 numerator", "分母 denominator", "比率 rate %", "来源 provenance"):
        table.add_column(col)
    for c, zh, n, t, u in rows:
        r = rate(n, t)
        table.add_row(
            zh,
            "—" if n is None else f"{n:,.1f} {u}",
            "—" if t is None else f"{t:,.1f} {u}",
            "—" if r is None else f"{r:.1f}",
            d.provenance.get(c, "missing"),
        )
    console.print(table)
    claims = Table(title="减排量归属 avoided-emission claims (each exchange counted once)")
    for col in ("交换 exchange", "企业 enterprise", "角色 role", "tCO2/a"):
        claims.add_column(col)
    for cl in got.claims:
        claims.add_row(cl.exchange_id, cl.enterprise_id, cl.role, f"{cl.tco2:,.3f}")
    console.print(claims)
    console.print(f"合计 total avoided {got.total_avoided_t:,.3f} tCO2/a (= Σ claims, reconciled)")


@symbiosis_app.command("reference")
def reference_cmd(fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table") -> None:
    """蔚山参考案例 The Ulsan steam-symbiosis table of seed 000 through the engine (amounts in USD)."""
    check_choice(fmt, FORMATS, "--format")
    res = symbiosis.ulsan_reference()
    if fmt == "json":
        _print_json(_result_json(res))
    else:
        _print_result(res, "USD")


@symbiosis_app.command("contract")
def contract_cmd(
    exchange: Annotated[str, typer.Option("--exchange", help="id of the realised exchange")],
    out: Annotated[Path, typer.Option("--out", help="file to write (.docx or .pdf)")],
    registry: RegistryArg = None,
    fmt: Annotated[str, typer.Option("--format", help="docx | pdf")] = "docx",
    park: ParkOpt = None,
) -> None:
    """协议 Generate the exchange agreement (Word/PDF): parties, quantities, grade, price, metering, rule."""
    check_choice(fmt, CONTRACT_FORMATS, "--format")
    data = symbiosis.contract(_registry(registry, park), exchange, fmt)
    out.write_bytes(data)
    console.print(f"协议已生成 agreement written: {out} ({len(data):,} bytes)")


@symbiosis_app.command("example")
def example_cmd() -> None:
    """示例 Print a small example registry (示例数据) as JSON, to start a park's own file from."""
    _print_json(symbiosis.example_registry())


@symbiosis_app.command("import")
def import_cmd(
    registry: Annotated[Path, typer.Argument(help="registry JSON file (docs/symbiosis.md §4)")],
    park: ParkOpt = None,
) -> None:
    """导入 Load a registry file into the park's database, all or nothing (checked, audited)."""
    eng = engine()
    park_id = pick_park(eng, park)
    new = symbiosis.import_registry(system_scope(eng, "cli"), park_id, registry)
    console.print(
        f"已导入 imported into park {park_id}: {len(new.sources)} sources, {len(new.sinks)} sinks, "
        f"{len(new.exchanges)} exchanges"
    )


@symbiosis_app.command("sharing")
def sharing_cmd(
    registry: RegistryArg = None,
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    park: ParkOpt = None,
) -> None:
    """能源共享 Energy sharing: supplied/received GJ, CO2 avoided and saving per exchange and enterprise."""
    check_choice(fmt, FORMATS, "--format")
    got = symbiosis.sharing(_registry(registry, park))
    if fmt == "json":
        _print_json(symbiosis.sharing_dict(got))
        return
    table = Table(title="能源共享 energy sharing (GJ/a, tCO2/a, CNY/a)")
    for col in (
        "企业 enterprise",
        "供出 supplied GJ/a",
        "受入 received GJ/a",
        "归属减排 tCO2/a",
        "节省 CNY/a",
    ):
        table.add_column(col)
    for p in got.parties:
        table.add_row(
            p.enterprise_id or "—",
            f"{p.supplied_gj:,.1f}",
            f"{p.received_gj:,.1f}",
            f"{p.avoided_claimed_t:,.3f}",
            f"{p.saving_cny:,.0f}",
        )
    console.print(table)
    console.print(
        f"合计 total: {got.supplied_gj:,.1f} GJ/a supplied, {got.received_gj:,.1f} GJ/a received, "
        f"CO2 {got.avoided_t:,.3f} t/a, saving {got.saving_cny:,.0f} CNY/a"
    )


KINDS = symbiosis.ENTRY_KINDS


@symbiosis_app.command("edit")
def edit_cmd(
    kind: Annotated[str, typer.Argument(help="source | sink | exchange")],
    item_id: Annotated[str, typer.Argument(help="id of the stored entry")],
    file: Annotated[Path, typer.Option("--file", help="JSON file: the entry's new file form")],
    park: ParkOpt = None,
) -> None:
    """修改 Replace a stored source, sink or exchange by a JSON file (checked, audited)."""
    check_choice(kind, KINDS, "KIND")
    try:
        payload = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(
            f"{file}: not a UTF-8 JSON entry ({exc}); write one entry as docs/symbiosis.md §4 shows"
        ) from None
    eng = engine()
    item = symbiosis.update_entry(system_scope(eng, "cli"), pick_park(eng, park), kind, item_id, payload)
    console.print(f"已修改 updated {kind} {item_id}")
    _print_json(symbiosis.entry_dict(item))


@symbiosis_app.command("delete")
def delete_cmd(
    kind: Annotated[str, typer.Argument(help="source | sink | exchange")],
    item_id: Annotated[str, typer.Argument(help="id of the stored entry")],
    park: ParkOpt = None,
) -> None:
    """删除 Delete a stored source, sink or exchange (one a realised exchange uses is refused; audited)."""
    check_choice(kind, KINDS, "KIND")
    eng = engine()
    symbiosis.delete_entry(system_scope(eng, "cli"), pick_park(eng, park), kind, item_id)
    console.print(f"已删除 deleted {kind} {item_id}")


def register(app: typer.Typer) -> None:
    """Attach ``zeropark symbiosis``."""
    app.add_typer(symbiosis_app)
