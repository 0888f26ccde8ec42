"""``zeropark application``: the application workspace (申报) — diagnosis, gap tasks, evidence, outline.

Every subcommand calls :mod:`zeropark.services.application`, the use cases of the 申报 page and of
``/api/v1/parks/{park_id}/application/…``, as the audited local user ``cli``:

- ``application diagnose --year 2025``: every 910号 item with value, target, gap and status;
- ``application tasks`` / ``application task add`` / ``application task set``: gap tasks;
- ``application evidence add FILE`` / ``evidence list`` / ``evidence get ID``: documents stored by
  SHA-256 (``get`` re-hashes and refuses a changed file);
- ``application deliverable --year 2025 --kind docx|pdf``: the 申报书 outline, refused with
  ``DataNotApproved`` until the year's national run is signed off.

Exit codes: 2 a bad option or an unreadable path, 3 input rejected or data not approved, 4 an
unknown park, task, document or run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from zeropark.commands.account import pick_park
from zeropark.commands.common import YEAR_MAX, YEAR_MIN, check_choice, console, engine
from zeropark.formatting import sig
from zeropark.i18n import code_label, translate
from zeropark.services import application as service
from zeropark.store.scope import Scope, system_scope

__all__ = ["register"]

application_app = typer.Typer(
    name="application",
    help="申报 Application workspace: 910号 diagnosis, gap tasks, evidence, the 申报书 outline (Word/PDF).",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
task_app = typer.Typer(name="task", help="整改任务 Add or change one gap task.", no_args_is_help=True)
evidence_app = typer.Typer(
    name="evidence", help="证明材料 Evidence documents: add, list, get (re-hashed).", no_args_is_help=True
)
application_app.add_typer(task_app)
application_app.add_typer(evidence_app)

YearOpt = Annotated[int, typer.Option(help="年度 Year.", min=YEAR_MIN, max=YEAR_MAX)]
ParkOpt = Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")]
FormatOpt = Annotated[str, typer.Option("--format", help="输出 table | json.")]


def _both(key: str) -> str:
    return f"{translate(key, 'zh')} {translate(key, 'en')}"


def _scope() -> Scope:
    return system_scope(engine(), "cli")


FrameworkOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--framework", help="评价方法 Add a framework's rubric items (repeatable; `zeropark evaluate`)."
    ),
]


@application_app.command("diagnose")
def diagnose(
    year: YearOpt, park: ParkOpt = None, framework: FrameworkOpt = None, output_format: FormatOpt = "table"
) -> None:
    """指标诊断 Every 910号 item (and rubric item): value, target, gap (in its unit), status, missing."""
    check_choice(output_format, ("table", "json"), "--format")
    park_id = pick_park(engine(), park)
    d = service.diagnose(_scope(), park_id, year, frameworks=framework or ())
    if output_format == "json":
        console.out(json.dumps(d.to_dict(), ensure_ascii=False, indent=1))
        return
    state = f"signed off by {d.signed_off_by}" if d.signed_off_at else "not signed off"
    table = Table(title=f"{_both('app_diagnosis')} — {park_id} {year} (run #{d.run_id}, {state})")
    for key in ("app_item", "app_value", "app_target", "app_gap", "app_status", "app_missing"):
        table.add_column(_both(key))
    for it in d.items:
        target = "—" if it.target is None else f"{it.comparison} {it.target:g}"
        table.add_row(
            f"{it.label_zh} ({it.unit})" if it.unit else it.label_zh,
            "—" if it.value is None else sig(it.value, 4),
            target,
            "—" if it.gap is None else sig(it.gap, 4),
            code_label("ind_status", it.status, "zh"),
            ", ".join(it.missing) or "",
        )
    console.print(table)
    console.print(f"[dim]input fingerprint {d.input_fingerprint}, factor set {d.factor_set}[/]")


def _print_tasks(tasks: list[service.GapTask]) -> None:
    table = Table(title=_both("app_tasks"))
    for col in ("#", "item", "title", "owner", "due", "measure", "status"):
        table.add_column(col)
    for t in tasks:
        owner = " / ".join(x for x in (t.owner_user, t.owner_enterprise_id) if x)
        due = t.due_date.isoformat() + (" [red]overdue 已逾期[/]" if t.overdue else "")
        table.add_row(str(t.id), t.item_code, t.title, owner, due, t.measure_ref, t.status)
    console.print(table)


@application_app.command("tasks")
def tasks(
    park: ParkOpt = None,
    year: Annotated[int | None, typer.Option(help="年度 Only this year.", min=YEAR_MIN, max=YEAR_MAX)] = None,
    status: Annotated[str | None, typer.Option(help="状态 open | in_progress | done.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="只列逾期 Only overdue tasks.")] = False,
    output_format: FormatOpt = "table",
) -> None:
    """整改任务 Gap tasks of the park, by due date (overdue = past due and not done)."""
    check_choice(output_format, ("table", "json"), "--format")
    check_choice(status, tuple(s.value for s in service.TaskStatus), "--status")
    park_id = pick_park(engine(), park)
    found = service.list_tasks(_scope(), park_id, year=year, status=status, overdue=True if overdue else None)
    if output_format == "json":
        console.out(json.dumps([t.to_dict() for t in found], ensure_ascii=False, indent=1))
        return
    _print_tasks(found)


@task_app.command("add")
def task_add(
    year: YearOpt,
    item: Annotated[str, typer.Option(help="诊断项 Diagnosis item code (see `application diagnose`).")],
    title: Annotated[str, typer.Option(help="任务 What is to be done.")],
    due: Annotated[str, typer.Option(help="截止日期 Due date YYYY-MM-DD.")],
    park: ParkOpt = None,
    owner_user: Annotated[str | None, typer.Option(help="责任人 A user name.")] = None,
    owner_enterprise: Annotated[str | None, typer.Option(help="责任企业 An enterprise id.")] = None,
    measure: Annotated[str, typer.Option(help="措施 Measure id or description.")] = "",
    evidence_required: Annotated[str, typer.Option(help="所需证明材料 Evidence required.")] = "",
) -> None:
    """新建整改任务 Create a gap task from a diagnosis item (audited as user cli)."""
    park_id = pick_park(engine(), park)
    form = service.TaskForm(
        item_code=item,
        title=title,
        due_date=service.parse_due_date(due),
        owner_user=owner_user,
        owner_enterprise_id=owner_enterprise,
        measure_ref=measure,
        evidence_required=evidence_required,
    )
    made = service.create_task(_scope(), park_id, year, form)
    console.print(f"task #{made.id} created 已创建: {made.item_code} — {made.title}, due {made.due_date}")


@task_app.command("set")
def task_set(
    task_id: Annotated[int, typer.Argument(help="任务编号 Task id.")],
    status: Annotated[str | None, typer.Option(help="状态 open | in_progress | done.")] = None,
    due: Annotated[str | None, typer.Option(help="截止日期 Due date YYYY-MM-DD.")] = None,
    title: Annotated[str | None, typer.Option(help="任务 New title.")] = None,
    measure: Annotated[str | None, typer.Option(help="措施 Measure id or description.")] = None,
) -> None:
    """修改整改任务 Change a task's status, due date, title or measure (audited)."""
    check_choice(status, tuple(s.value for s in service.TaskStatus), "--status")
    changes: dict[str, object] = {}
    if status is not None:
        changes["status"] = status
    if due is not None:
        changes["due_date"] = service.parse_due_date(due)
    if title is not None:
        changes["title"] = title
    if measure is not None:
        changes["measure_ref"] = measure
    if not changes:
        raise typer.BadParameter("give at least one of --status, --due, --title, --measure")
    t = service.update_task(_scope(), task_id, changes)
    console.print(f"task #{t.id}: {t.status}, due {t.due_date}{' (overdue 已逾期)' if t.overdue else ''}")


@evidence_app.command("add")
def evidence_add(
    file: Annotated[Path, typer.Argument(help="文件 The document (any type, up to 20 MiB).")],
    park: ParkOpt = None,
    task: Annotated[int | None, typer.Option(help="关联任务 Link to this task id.")] = None,
    run_id: Annotated[int | None, typer.Option(help="核算运行 Link to a line item of this run.")] = None,
    line_item: Annotated[str | None, typer.Option(help="清单条目 The line item id (with --run-id).")] = None,
    enterprise: Annotated[str | None, typer.Option(help="企业 The enterprise the document is of.")] = None,
    note: Annotated[str, typer.Option(help="说明 A note.")] = "",
) -> None:
    """上传证明材料 Store a document by its SHA-256 (kept once) and link it to a task or line item."""
    park_id = pick_park(engine(), park)
    content = file.read_bytes()
    doc = service.add_document(
        _scope(),
        park_id,
        file.name,
        content,
        enterprise_id=enterprise,
        note=note,
        task_id=task,
        run_id=run_id,
        line_item_id=line_item,
    )
    dedup = " (same bytes already stored 已有相同文件)" if doc.deduplicated else ""
    console.print(
        f"document #{doc.id} {doc.file_name} {doc.media_type} {doc.size} B sha256 {doc.sha256}{dedup}"
    )


@evidence_app.command("list")
def evidence_list(
    park: ParkOpt = None,
    task: Annotated[int | None, typer.Option(help="关联任务 Only documents of this task.")] = None,
    output_format: FormatOpt = "table",
) -> None:
    """证明材料 Documents of the park with their hashes and links."""
    check_choice(output_format, ("table", "json"), "--format")
    park_id = pick_park(engine(), park)
    docs = service.list_documents(_scope(), park_id, task_id=task)
    if output_format == "json":
        console.out(json.dumps([d.to_dict() for d in docs], ensure_ascii=False, indent=1))
        return
    table = Table(title=_both("app_evidence"))
    for col in ("#", "file", "type", "bytes", "sha256", "links"):
        table.add_column(col)
    for d in docs:
        links = "; ".join(
            f"task #{lk.task_id}" if lk.task_id is not None else f"run #{lk.run_id} {lk.line_item_id}"
            for lk in d.links
        )
        table.add_row(str(d.id), d.file_name, d.media_type, str(d.size), d.sha256, links)
    console.print(table)


@evidence_app.command("get")
def evidence_get(
    document_id: Annotated[int, typer.Argument(help="材料编号 Document id.")],
    out: Annotated[Path | None, typer.Option(help="输出 File to write (default: its stored name).")] = None,
) -> None:
    """下载证明材料 Write a document, re-hashed first: a changed file is refused (EvidenceTampered)."""
    doc, content = service.open_document(_scope(), document_id)
    path = out or Path(doc.file_name)
    path.write_bytes(content)
    console.print(f"{path} ({len(content)} B, sha256 {doc.sha256} verified 校验通过)")


@application_app.command("deliverable")
def deliverable(
    year: YearOpt,
    park: ParkOpt = None,
    kind: Annotated[str, typer.Option(help="格式 docx | pdf.")] = "docx",
    lang: Annotated[str, typer.Option(help="语言 zh | en.")] = "zh",
    out: Annotated[Path | None, typer.Option(help="输出 File to write (default: its own name).")] = None,
    framework: FrameworkOpt = None,
) -> None:
    """申报书大纲 The application outline from approved data (refused until the year is signed off)."""
    check_choice(kind, tuple(k.value for k in service.DeliverableKind), "--kind")
    check_choice(lang, ("zh", "en"), "--lang")
    park_id = pick_park(engine(), park)
    made = service.deliverable(
        _scope(), park_id, year, service.DeliverableKind(kind), lang=lang, frameworks=framework or ()
    )
    path = out or Path(made.file_name)
    path.write_bytes(made.content)
    console.print(f"{path} ({len(made.content)} B, run #{made.run_id})")


def register(app: typer.Typer) -> None:
    """Attach ``application`` to the ``zeropark`` app."""
    app.add_typer(application_app)
