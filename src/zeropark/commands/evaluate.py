"""``zeropark evaluate``: evaluation frameworks (list, show, add) and evaluation runs (run, show, list).

Every sub-command calls :mod:`zeropark.services.evaluation`, the functions the API, the 评价 page
and the report call. ``evaluate run --year 2025 --framework cn-ndrc-910-2025`` scores the park on
its latest national-method inventory run of the year and stores the result; ``--enterprise``
scores one enterprise. Bad framework files are named errors naming each field (exit 1).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from zeropark.commands.account import pick_park
from zeropark.commands.common import YEAR_MAX, YEAR_MIN, check_choice, console, engine
from zeropark.errors import DataError
from zeropark.i18n import code_label, translate
from zeropark.services import evaluation
from zeropark.services.evaluation import EvaluationRun
from zeropark.store.scope import system_scope

__all__ = ["register"]

evaluate_app = typer.Typer(
    name="evaluate",
    help="评价 Evaluate a park or an enterprise against a framework (910号, T/CGDF 00046-2024, …).",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
frameworks_app = typer.Typer(
    name="frameworks",
    help="评价方法 Evaluation frameworks: list, show (or print the file), add a park's own.",
    no_args_is_help=True,
)
evaluate_app.add_typer(frameworks_app)

ParkOpt = Annotated[str | None, typer.Option("--park", help="园区 Park id (default: the only park).")]
FormatOpt = Annotated[str, typer.Option("--format", help="输出 table | json.")]


def _read_text(path: Path) -> str:
    """A UTF-8 text file (a named error for anything else)."""
    try:
        return path.read_text("utf-8")
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a UTF-8 text file; save the framework as YAML or JSON text") from None


def _l(key: str) -> str:
    return f"{translate(key, 'zh')} {translate(key, 'en')}"


@frameworks_app.command("list")
def frameworks_list(park: ParkOpt = None, output_format: FormatOpt = "table") -> None:
    """列出评价方法 The built-in frameworks and those the park added."""
    check_choice(output_format, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    fws = evaluation.list_frameworks(system_scope(eng, "cli"), park_id)
    if output_format == "json":
        console.out(json.dumps([f.to_dict() for f in fws], ensure_ascii=False, indent=1))
        return
    table = Table(title=_l("eval_frameworks"))
    for key in ("eval_framework", "eval_version", "eval_source", "eval_uncertain"):
        table.add_column(_l(key))
    for f in fws:
        origin = translate("eval_builtin" if f.builtin else "eval_added_by_park", "zh")
        table.add_row(
            f"{f.code}\n{f.name_zh}",
            f"{f.version} ({origin})",
            escape(f.source.text()),
            str(len(f.uncertain_notes)),
        )
    console.print(table)


@frameworks_app.command("show")
def frameworks_show(
    code: Annotated[str, typer.Argument(help="评价方法代码 Framework code, e.g. cn-ndrc-910-2025.")],
    version: Annotated[str | None, typer.Option(help="版本 Version (default: the newest).")] = None,
    park: ParkOpt = None,
    output_format: Annotated[
        str, typer.Option("--format", help="输出 table | json | file (the YAML/JSON text).")
    ] = "table",
) -> None:
    """查看评价方法 A framework's items, thresholds, weights, grades and [UNCERTAIN] notes."""
    check_choice(output_format, ("table", "json", "file"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    f = evaluation.get_framework(system_scope(eng, "cli"), park_id, code, version)
    if output_format == "file":
        console.out(f.text)
        return
    if output_format == "json":
        console.out(json.dumps(f.to_dict(), ensure_ascii=False, indent=1))
        return
    table = Table(title=f"{f.name_zh} — {f.code}@{f.version}")
    for key in ("eval_section", "eval_item", "eval_threshold", "eval_weight"):
        table.add_column(_l(key))
    for s in f.sections:
        for i in s.items:
            thresholds = "; ".join(
                f"{t.compare} {t.value:g} {i.unit_label} → {t.points:g}%" for t in i.thresholds
            )
            kind = code_label("eval_kind", i.kind, "zh")
            weight = "—" if i.weight is None else f"{s.weight:g} × {i.weight:g}"
            table.add_row(s.label_zh, f"{i.label_zh} ({kind})", escape(thresholds or "—"), weight)
    console.print(table)
    console.print(f"{_l('eval_source')}: {escape(f.source.text())}")
    for g in f.grades:
        need = ", ".join(g.require_pass) or "—"
        score = "" if g.min_score is None else f" ≥ {g.min_score:g}"
        console.print(f"{_l('eval_grade')}: {g.label_zh}{score}; {need}")
    for note in f.uncertain_notes:
        console.print(f"[yellow]{escape(note)}[/]")


@frameworks_app.command("add")
def frameworks_add(
    path: Annotated[
        Path, typer.Argument(help="评价方法文件 YAML or JSON file (format: docs/evaluation.md).")
    ],
    park: ParkOpt = None,
) -> None:
    """添加评价方法 Check and store a framework file for the park (a new code, or a new version)."""
    eng = engine()
    park_id = pick_park(eng, park)
    f = evaluation.add_framework(system_scope(eng, "cli"), park_id, _read_text(path))
    console.print(translate("eval_saved", "zh", code=f.code, version=f.version))
    for note in f.uncertain_notes:
        console.print(f"[yellow]{escape(note)}[/]")


def _print_run(run: EvaluationRun) -> None:
    card = run.scorecard
    who = run.enterprise_id or translate("eval_park_view", "zh")
    table = Table(
        title=f"#{run.id} {run.framework_code}@{run.framework_version} — {run.park_id} {who} {run.year} "
        f"({_l('eval_inventory_run')} #{run.inventory_run_id})"
    )
    for key in ("eval_item", "eval_value", "eval_threshold", "eval_points", "eval_status", "eval_missing"):
        table.add_column(_l(key))
    for i in card.items:
        value = "—" if i.value is None else f"{i.value:.6g} {i.unit_label}"
        points = "—" if i.points is None else f"{i.points:g}%"
        table.add_row(
            i.label_zh,
            value,
            i.threshold or "—",
            points,
            code_label("eval_status", i.status.value, "zh"),
            escape("; ".join(i.missing)),
        )
    console.print(table)
    if card.score is None:
        console.print(_l("eval_unscored"))
    else:
        console.print(
            f"{_l('eval_score')}: {card.score:.2f} / 100 ({_l('eval_score_open')} {card.score_open:.2f})"
        )
    grade = card.grade_labels.get(card.grade or "", (translate("eval_no_grade", "zh"), ""))[0]
    console.print(f"{_l('eval_grade')}: {grade}")
    if card.next_grade:
        console.print(f"{_l('eval_next_grade')}: {card.grade_labels[card.next_grade][0]}")
        for b in card.blockers:
            console.print(f"  - {escape(b.detail_zh)} / {escape(b.detail_en)}")
    for note in card.uncertain:
        console.print(f"[yellow]{escape(note)}[/]")


@evaluate_app.command("run")
def run(
    year: Annotated[int, typer.Option(help="年份 The accounted year.", min=YEAR_MIN, max=YEAR_MAX)],
    framework: Annotated[
        str, typer.Option(help="评价方法代码 Framework code (see `evaluate frameworks list`).")
    ],
    version: Annotated[str | None, typer.Option(help="版本 Version (default: the newest).")] = None,
    enterprise: Annotated[
        str | None, typer.Option(help="企业 Evaluate this enterprise instead of the park.")
    ] = None,
    declarations: Annotated[
        Path | None, typer.Option(help='自评声明 JSON file {"item": {"met": true, "evidence": ["id"]}}.')
    ] = None,
    park: ParkOpt = None,
    output_format: FormatOpt = "table",
) -> None:
    """开始评价 Score the park (or an enterprise) for a year and store the evaluation run."""
    check_choice(output_format, ("table", "json"), "--format")
    decl = None
    if declarations is not None:
        try:
            decl = evaluation.parse_declarations(json.loads(_read_text(declarations)))
        except json.JSONDecodeError as exc:
            raise DataError(f"{declarations}: not JSON ({exc})") from None
    eng = engine()
    park_id = pick_park(eng, park)
    result = evaluation.evaluate(
        system_scope(eng, "cli"),
        park_id,
        year,
        framework,
        version=version,
        enterprise_id=enterprise,
        declarations=decl,
    )
    if output_format == "json":
        console.out(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    _print_run(result)


@evaluate_app.command("show")
def show(
    run_id: Annotated[int, typer.Argument(help="评价记录编号 Evaluation run id.")],
    output_format: FormatOpt = "table",
) -> None:
    """查看评价结果 One stored evaluation run: items, score, grade and what blocks the next grade."""
    check_choice(output_format, ("table", "json"), "--format")
    result = evaluation.get_run(system_scope(engine(), "cli"), run_id)
    if output_format == "json":
        console.out(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    _print_run(result)


@evaluate_app.command("list")
def list_runs(
    year: Annotated[int | None, typer.Option(help="年份 Only this year.", min=YEAR_MIN, max=YEAR_MAX)] = None,
    park: ParkOpt = None,
    output_format: FormatOpt = "table",
) -> None:
    """评价记录 The park's evaluation runs, newest first."""
    check_choice(output_format, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    runs = evaluation.list_runs(system_scope(eng, "cli"), park_id, year=year)
    if output_format == "json":
        console.out(json.dumps([r.to_dict() for r in runs], ensure_ascii=False, indent=1))
        return
    table = Table(title=_l("eval_runs"))
    for key in ("eval_run", "eval_framework", "eval_year", "eval_enterprise", "eval_score", "eval_grade"):
        table.add_column(_l(key))
    for r in runs:
        card = r.scorecard
        grade = card.grade_labels.get(card.grade or "", (translate("eval_no_grade", "zh"), ""))[0]
        table.add_row(
            f"#{r.id}",
            f"{r.framework_code}@{r.framework_version}",
            str(r.year),
            r.enterprise_id or translate("eval_park_view", "zh"),
            "—" if card.score is None else f"{card.score:.2f}",
            grade,
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    """Attach ``evaluate`` to the ``zeropark`` app."""
    app.add_typer(evaluate_app)
