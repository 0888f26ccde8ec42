"""``zeropark verification``: the verifier workspace (核查工作台, ISO 14064-3).

Engagements, the sampling plan, the checklist, findings, corrective actions, the statement and its
sign-off, the verification pack and its offline check.

Every sub-command calls :mod:`zeropark.services.verification`. Reads run as the system scope
``cli``; a write acts as a stored user named by ``--as`` (whoever holds the database acts as them):
a verifier for the verifier's steps, the park manager or the enterprise for corrective actions.
``check-pack`` needs no database. See docs/verification.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from zeropark.commands.account import pick_park
from zeropark.commands.common import check_choice, console, engine, err_console
from zeropark.services import verification
from zeropark.store.scope import Scope, system_scope
from zeropark.verification.engagement import DEFAULT_MATERIALITY_PCT, Assurance
from zeropark.verification.findings import ActionStep, Evidence, Severity

__all__ = ["register"]

#: Exit code when ``check-pack`` finds the pack altered (as ``zeropark ledger verify``).
EXIT_TAMPERED = 7
FORMATS = ("table", "json")

app = typer.Typer(
    name="verification",
    help="核查 Verifier workspace (ISO 14064-3): engagement, sampling plan, checklist, findings, "
    "corrective actions, signed statement, verification pack and its offline check.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)

AsUser = Annotated[
    str | None,
    typer.Option(
        "--as", help="用户 Act as this stored user (a verifier; for `action respond` the park or enterprise)."
    ),
]
Fmt = Annotated[str, typer.Option("--format", help="输出 table | json.")]


def _scope(acting: str | None) -> Scope:
    eng = engine()
    return system_scope(eng, "cli") if acting is None else verification.user_scope(eng, acting)


def _json(value: Any) -> None:
    console.out(json.dumps(value, ensure_ascii=False, indent=1))


def _print_plan(ws: verification.Workspace) -> None:
    e = ws.engagement
    console.print(
        f"核查约定 engagement #{e['id']} · park {e['park_id']} · run #{e['run_id']} · {e['assurance']} · "
        f"materiality {e['materiality_pct']:g} % = {ws.materiality_tco2e:,.3f} tCO2e · seed {e['seed']}",
        highlight=False,
    )
    for kind in ("line_items", "meters"):
        p = e["plan"][kind]
        table = Table(
            title=f"{kind}: {len(p['selections'])} of {p['population']} (interval {p['interval']:.3f})"
        )
        for col in ("id", "enterprise", "tCO2e", "risk", "reason", "hits"):
            table.add_column(col)
        for s in p["selections"]:
            table.add_row(
                s["id"],
                s["enterprise_id"] or "—",
                f"{s['tco2e']:,.3f}",
                s["risk"],
                s["reason"],
                str(s["hits"]),
            )
        console.print(table)


@app.command("list")
def list_(
    park: Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")] = None,
    output_format: Fmt = "table",
) -> None:
    """核查约定 The park's engagements, newest first."""
    check_choice(output_format, FORMATS, "--format")
    eng = engine()
    items = verification.list_engagements(system_scope(eng, "cli"), pick_park(eng, park))
    if output_format == "json":
        _json(items)
        return
    table = Table(title="核查约定 verification engagements")
    for col in ("id", "run", "year", "assurance", "materiality %", "opinion", "signed by"):
        table.add_column(col)
    for d in items:
        table.add_row(
            str(d["id"]), str(d["run_id"]), str(d["year"]), d["assurance"], f"{d['materiality_pct']:g}",
            d["opinion"] or "—", d["signed_by"] or "—",
        )  # fmt: skip
    console.print(table)


@app.command("new")
def new(
    run: Annotated[
        int, typer.Option("--run", help="核算记录 The inventory run verified (`zeropark runs list`).")
    ],
    scope_text: Annotated[
        str, typer.Option("--scope", help="范围 What is verified: boundary, year, method.")
    ],
    acting: AsUser = None,
    park: Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")] = None,
    assurance: Annotated[
        Assurance, typer.Option(help="保证等级 reasonable | limited.")
    ] = Assurance.REASONABLE,
    materiality: Annotated[
        float,
        typer.Option(help="实质性 Materiality [% of total emissions]; 5 is common practice [UNCERTAIN]."),
    ] = DEFAULT_MATERIALITY_PCT,
    seed: Annotated[
        int | None, typer.Option(help="抽样种子 Seed of the sampling plan (default: random, stored).")
    ] = None,
    output_format: Fmt = "table",
) -> None:
    """新建 Open an engagement on a run and draw its risk-based sampling plan (verifier)."""
    check_choice(output_format, FORMATS, "--format")
    s = _scope(acting)
    ws = verification.create_engagement(
        s, pick_park(s.engine, park), run, scope_text=scope_text, assurance=assurance,
        materiality_pct=materiality, seed=seed,
    )  # fmt: skip
    if output_format == "json":
        _json(ws.to_dict())
        return
    _print_plan(ws)


@app.command("plan")
def plan(
    engagement: Annotated[int, typer.Argument(help="核查约定 Engagement id.")],
    output_format: Fmt = "table",
) -> None:
    """抽样计划 The engagement's sampling plan (key items and MUS/PPS selections)."""
    check_choice(output_format, FORMATS, "--format")
    ws = verification.workspace(system_scope(engine(), "cli"), engagement)
    if output_format == "json":
        _json(
            {
                "engagement": ws.engagement["id"],
                "materiality_tco2e": ws.materiality_tco2e,
                **ws.engagement["plan"],
            }
        )
        return
    _print_plan(ws)


@app.command("show")
def show(
    engagement: Annotated[int, typer.Argument(help="核查约定 Engagement id.")],
) -> None:
    """全部 The whole workspace as JSON: engagement, plan, checklist, findings, actions, sign-off."""
    _json(verification.workspace(system_scope(engine(), "cli"), engagement).to_dict())


@app.command("checklist")
def checklist_(
    engagement: Annotated[int, typer.Argument(help="核查约定 Engagement id.")],
    item: Annotated[
        str | None, typer.Option(help="清单项 Item id to record (C01 …); none: show the checklist.")
    ] = None,
    result: Annotated[str | None, typer.Option(help="结论 pass | fail | n/a.")] = None,
    note: Annotated[str, typer.Option(help="说明 Note.")] = "",
    acting: AsUser = None,
    output_format: Fmt = "table",
) -> None:
    """核查清单 Show the checklist with its results, or record one result (verifier)."""
    check_choice(output_format, FORMATS, "--format")
    check_choice(result, ("pass", "fail", "n/a"), "--result")
    if item is not None:
        verification.record_check(_scope(acting), engagement, item, result or "pass", note)
    ws = verification.workspace(system_scope(engine(), "cli"), engagement)
    results = {c["item_id"]: c for c in ws.checks}
    if output_format == "json":
        _json([{**c, "result": results.get(c["id"], {}).get("result")} for c in ws.checklist])
        return
    table = Table(title=f"核查清单 checklist of engagement #{engagement}")
    for col in ("id", "clause", "check", "result", "note"):
        table.add_column(col)
    for c in ws.checklist:
        r = results.get(c["id"], {})
        table.add_row(c["id"], c["clause"], c["text_zh"], r.get("result", "—"), r.get("note", ""))
    console.print(table)


@app.command("finding")
def finding(
    engagement: Annotated[int, typer.Argument(help="核查约定 Engagement id.")],
    severity: Annotated[Severity, typer.Option(help="严重程度 major | minor | observation.")],
    title: Annotated[str, typer.Option(help="标题 What is wrong, in a line.")],
    line_item: Annotated[
        list[str] | None, typer.Option("--line-item", help="清单条目 Line item id cited.")
    ] = None,
    meter: Annotated[list[str] | None, typer.Option("--meter", help="计量器具 Meter id cited.")] = None,
    document: Annotated[
        list[str] | None, typer.Option("--document", help="证明材料 Document SHA-256 cited.")
    ] = None,
    leaf: Annotated[
        list[int] | None, typer.Option("--leaf", help="账本叶子 Ledger leaf index cited.")
    ] = None,
    misstatement: Annotated[float, typer.Option(help="错报 Misstatement found [tCO2e].")] = 0.0,
    description: Annotated[str, typer.Option(help="说明 Details.")] = "",
    enterprise: Annotated[
        str | None, typer.Option(help="企业 Enterprise concerned (default: from the evidence).")
    ] = None,
    acting: AsUser = None,
    output_format: Fmt = "table",
) -> None:
    """核查发现 Raise a finding citing its evidence (verifier); a non-conformity opens a corrective action."""
    check_choice(output_format, FORMATS, "--format")
    ev = Evidence(tuple(line_item or ()), tuple(meter or ()), tuple(document or ()), tuple(leaf or ()))
    f = verification.add_finding(
        _scope(acting), engagement, severity=severity, title=title, evidence=ev, description=description,
        misstatement_tco2e=misstatement, enterprise_id=enterprise,
    )  # fmt: skip
    if output_format == "json":
        _json(f)
        return
    console.print(
        f"finding #{f['id']} ({f['severity']}, {f['status']}) for {f['enterprise_id'] or 'the park'}"
    )


@app.command("close")
def close(
    finding_id: Annotated[int, typer.Argument(help="核查发现 Finding id.")],
    note: Annotated[str, typer.Option(help="说明 Why it is closed unresolved.")],
    acting: AsUser = None,
) -> None:
    """关闭 Close an open finding as unresolved (verifier): it then weighs on the opinion."""
    f = verification.close_finding(_scope(acting), finding_id, note)
    console.print(f"finding #{f['id']} {f['status']}")


@app.command("action")
def action(
    action_id: Annotated[int, typer.Argument(help="纠正措施 Corrective action id (`verification show`).")],
    step: Annotated[ActionStep, typer.Option(help="respond (park/enterprise) | accept | reject (verifier).")],
    text: Annotated[str, typer.Option(help="回复/复核意见 The response, or why it is rejected.")] = "",
    acting: AsUser = None,
    output_format: Fmt = "table",
) -> None:
    """纠正措施 A step of a corrective action: open → responded → accepted / rejected."""
    check_choice(output_format, FORMATS, "--format")
    a = verification.act(_scope(acting), action_id, step, text)
    if output_format == "json":
        _json(a)
        return
    console.print(f"corrective action #{a['id']} of finding #{a['finding_id']}: {a['state']}")


@app.command("statement")
def statement(
    engagement: Annotated[int, typer.Argument(help="核查约定 Engagement id.")],
    output_format: Fmt = "table",
) -> None:
    """核查声明 The statement: the signed one, else as it would read now (opinion, zh and en)."""
    check_choice(output_format, FORMATS, "--format")
    st = verification.draft(system_scope(engine(), "cli"), engagement)
    if output_format == "json":
        _json(st.to_dict())
        return
    console.print(f"[bold]{st.opinion.value}[/]", highlight=False)
    console.print(st.text_zh, highlight=False)
    console.print(st.text_en, highlight=False)


@app.command("signoff")
def signoff(
    engagement: Annotated[int, typer.Argument(help="核查约定 Engagement id.")],
    note: Annotated[str, typer.Option(help="说明 Note of the sign-off.")] = "",
    acting: AsUser = None,
) -> None:
    """签署 Recompute the run, then sign the statement with the ledger key and log it (verifier)."""
    with console.status("复算中 recomputing the run from the readings …"):
        so = verification.sign_off(_scope(acting), engagement, note)
    console.print(f"[green]签署 signed: {so['opinion']} by {so['signed_by']} at {so['signed_at']}[/]")


@app.command("pack")
def pack(
    engagement: Annotated[int, typer.Argument(help="核查约定 Engagement id (signed off).")],
    out: Annotated[Path, typer.Option("--out", help="The zip to write (pack.json + statement.pdf).")],
    acting: AsUser = None,
) -> None:
    """核查包 Write the verification pack: PDF + JSON with the signed tree head and inclusion proofs."""
    files = verification.pack_files(_scope(acting), engagement)
    out.write_bytes(verification.write_pack(files))
    console.print(
        f"{out} ({', '.join(sorted(files))}); check it anywhere: zeropark verification check-pack {out}"
    )


@app.command("check-pack")
def check_pack(
    path: Annotated[Path, typer.Argument(help="The pack (zip, or its pack.json).")],
) -> None:
    """离线核验 Check a pack offline (no database): signatures, proofs, every object. Exit 7 if altered."""
    found = verification.check_pack_bytes(path.read_bytes())
    for f in found:
        err_console.print(f"[red]✗ {f}[/]", highlight=False)
    if found:
        err_console.print(f"{len(found)} finding(s) in {path}")
        raise typer.Exit(EXIT_TAMPERED)
    console.print(
        f"[green]✓ {path}: the tree head, the inclusion proofs, every object and the sign-off check out[/]"
    )


def register(root: typer.Typer) -> None:
    """Attach ``zeropark verification …``."""
    root.add_typer(app, name="verification")
