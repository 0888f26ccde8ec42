"""``zeropark admission``: 入园门槛 — assess a proposed project against the park's indicators, decide.

``admission assess --name 新项目 --industry 2651 --energy electricity=1200000 --energy
natural_gas=50000 --value-added 3000`` runs :func:`zeropark.services.admission.assess` (the
same function as the API and the page ``/admission``): the accounting core on the park's latest
national-method input with and without the project, the core indicator, clean-energy share and
carbon productivity, the checks and a recommendation; the assessment is stored, pending.
``admission decide ID --decision approved|rejected|conditions --reason …`` records the decision;
``admission list`` lists them. Exit codes: 2 a bad option, 3 a rejected value (unknown carrier,
negative energy, unknown industry code, a decision already taken), 4 unknown park, enterprise or
assessment, or no national run.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from zeropark.commands.account import pick_park
from zeropark.commands.common import YEAR_MAX, YEAR_MIN, check_choice, console, engine
from zeropark.errors import DataError
from zeropark.formatting import num
from zeropark.services import admission
from zeropark.store.scope import system_scope

__all__ = ["register"]

admission_app = typer.Typer(
    name="admission",
    help="入园门槛 Low-carbon admission: assess a proposed project against the park's indicators, decide.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)

_DECISION = {"pending": "待决定", "approved": "同意", "rejected": "不同意", "conditions": "附条件同意"}


def _energy(items: list[str]) -> dict[str, float | str]:
    out: dict[str, float | str] = {}
    for item in items:
        carrier, sep, value = item.partition("=")
        if not sep:
            raise DataError(f"--energy '{item}': write CARRIER=QUANTITY, e.g. electricity=1200000 (kWh/year)")
        out[carrier.strip()] = value.strip()
    return out


def _num(value: object) -> str:
    return "—" if value is None else num(value, 4)


@admission_app.command("assess")
def assess(
    name: Annotated[str, typer.Option(help="项目名称 Project name.")],
    industry: Annotated[str, typer.Option(help="行业代码 GB/T 4754-2017 class or division, e.g. 2651.")],
    energy: Annotated[
        list[str] | None,
        typer.Option(help="年用能 CARRIER=QUANTITY in the canonical unit (kWh, m3, t, GJ); repeat."),
    ] = None,
    value_added: Annotated[float, typer.Option(help="工业增加值 Value added (10⁴ CNY/year).")] = 0.0,
    process_tco2: Annotated[float, typer.Option(help="过程排放 Process CO2 (t/year).")] = 0.0,
    enterprise: Annotated[str | None, typer.Option(help="所属企业 Enterprise id (default: new).")] = None,
    year: Annotated[
        int | None, typer.Option(min=YEAR_MIN, max=YEAR_MAX, help="评估年 Year (default: latest accounted).")
    ] = None,
    scenario: Annotated[
        int | None, typer.Option(help="路线图情景 Scenario id: also assess its target year.")
    ] = None,
    target_year: Annotated[
        int | None, typer.Option(min=YEAR_MIN, max=YEAR_MAX, help="目标年 Year of the scenario.")
    ] = None,
    park: Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")] = None,
    output_format: Annotated[str, typer.Option("--format", help="输出 table | json.")] = "table",
) -> None:
    """入园评估 Assess a proposed project with the accounting core and store it (pending)."""
    check_choice(output_format, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    proposal = admission.parse_proposal(
        {
            "name": name,
            "industry_code": industry,
            "energy": _energy(energy or []),
            "value_added_10k_cny": value_added,
            "process_tco2": process_tco2,
            "enterprise_id": enterprise,
        }
    )
    record = admission.assess(
        system_scope(eng, "cli"), park_id, proposal, year=year, scenario_id=scenario, target_year=target_year
    )
    if output_format == "json":
        console.out(json.dumps(record.to_dict(), ensure_ascii=False, indent=1))
        return
    r = record.result
    table = Table(
        title=f"入园评估 #{record.id} {record.name} — {park_id} {r['year']} (run #{r['base_run_id']})"
    )
    for col in ("", "不含项目 without", "含项目 with", "变化 change"):
        table.add_column(col, justify="right" if col else "left")
    wo, wi, ch = r["without"], r["with"], r["change"]
    table.add_row("CO2 (t)", _num(wo["co2_t"]), _num(wi["co2_t"]), _num(ch["co2_t"]))
    table.add_row("综合能耗 (tce)", _num(wo["energy_tce"]), _num(wi["energy_tce"]), _num(ch["energy_tce"]))
    table.add_row(
        "单位能耗碳排放 (tCO2/tce)",
        _num(wo["core_intensity"]),
        _num(wi["core_intensity"]),
        _num(ch["core_intensity"]),
    )
    table.add_row(
        "碳生产率 (10⁴ CNY/tCO2)",
        _num(wo["carbon_productivity"]),
        _num(wi["carbon_productivity"]),
        _num(ch["carbon_productivity"]),
    )
    console.print(table)
    road = r["roadmap"]
    if road is not None:
        rt = Table(title=f"路线图 roadmap: {road['scenario_name']} (#{road['scenario_id']}) {road['year']}")
        for col in ("", "不含项目 without", "含项目 with", "变化 change"):
            rt.add_column(col, justify="right" if col else "left")
        for key, label in (
            ("co2_t", "CO2 (t)"),
            ("energy_tce", "综合能耗 (tce)"),
            ("core_intensity", "单位能耗碳排放 (tCO2/tce)"),
            ("carbon_productivity", "碳生产率 (10⁴ CNY/tCO2)"),
        ):
            rt.add_row(label, _num(road["without"][key]), _num(road["with"][key]), _num(road["change"][key]))
        console.print(rt)
        for c in road["checks"]:
            mark = {True: "[green]✔[/]", False: "[red]✘[/]", None: "[yellow]?[/]"}[c["passed"]]
            console.print(f"{mark} {road['year']}: {c['note_zh']}")
    for c in r["checks"]:
        mark = {True: "[green]✔[/]", False: "[red]✘[/]", None: "[yellow]?[/]"}[c["passed"]]
        console.print(f"{mark} {c['note_zh']}")
    console.print(f"建议 recommendation: {_DECISION[r['recommendation']]} ({r['recommendation']})")
    for note in r["notes"]:
        console.print(f"[dim]{note}[/]")


@admission_app.command("decide")
def decide(
    admission_id: Annotated[int, typer.Argument(help="评估编号 Assessment id.")],
    decision: Annotated[str, typer.Option(help="决定 approved | rejected | conditions.")],
    reason: Annotated[str, typer.Option(help="理由/条件 Reason or conditions.")] = "",
) -> None:
    """入园决定 Record the park's decision on an assessment, once (audited)."""
    check_choice(decision, tuple(d.value for d in admission.Decision), "--decision")
    record = admission.decide(system_scope(engine(), "cli"), admission_id, decision, reason)
    console.print(
        f"#{record.id} {record.name}: {_DECISION[record.decision]} ({record.decision}) {record.reason}"
    )


@admission_app.command("list")
def list_(
    park: Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")] = None,
    output_format: Annotated[str, typer.Option("--format", help="输出 table | json.")] = "table",
) -> None:
    """入园评估记录 The park's assessments, newest first."""
    check_choice(output_format, ("table", "json"), "--format")
    eng = engine()
    records = admission.list_assessments(system_scope(eng, "cli"), pick_park(eng, park))
    if output_format == "json":
        console.out(json.dumps([r.to_dict() for r in records], ensure_ascii=False, indent=1))
        return
    table = Table(title="入园评估 Admission assessments")
    for col in ("#", "项目", "行业", "年份", "建议", "决定", "决定人", "理由"):
        table.add_column(col)
    for r in records:
        table.add_row(
            str(r.id),
            r.name,
            r.industry_code,
            str(r.year),
            _DECISION[str(r.result["recommendation"])],
            _DECISION[r.decision],
            r.decided_by or "—",
            r.reason,
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    """Attach ``admission`` to the ``zeropark`` app."""
    app.add_typer(admission_app)
