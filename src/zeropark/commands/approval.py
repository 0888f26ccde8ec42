"""``zeropark approval``: the data approval and period close of a park's year (数据审核与关账).

Every sub-command calls :mod:`zeropark.services.approval` as the system scope ``cli`` (an admin,
audited as ``cli``), so a step taken here is stored, audited and shown exactly as one taken on
the 数据审核 page or through ``/api/v1/parks/{park_id}/submissions``.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from zeropark.commands.account import pick_park
from zeropark.commands.common import YEAR_MAX, YEAR_MIN, check_choice, console, engine
from zeropark.i18n import code_label
from zeropark.services import approval
from zeropark.store.scope import system_scope

__all__ = ["register"]

approval_app = typer.Typer(
    name="approval",
    help=(
        "数据审核 Data approval: submit, review, approve or return an enterprise's year; close the "
        "period (locks approved data); correct after the lock (a new data version); status."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
)

Year = Annotated[int, typer.Option(help="核算年度 Accounting year.", min=YEAR_MIN, max=YEAR_MAX)]
Park = Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")]
Enterprise = Annotated[str, typer.Option(help="企业 Enterprise id.")]
Format = Annotated[str, typer.Option("--format", help="输出 table | json.")]


def _label(status: approval.Status) -> str:
    return f"{code_label('approval_status', status.value, 'zh')} {status.value}"


def _print_submission(sub: approval.Submission, output_format: str) -> None:
    if output_format == "json":
        console.out(json.dumps(sub.to_dict(), ensure_ascii=False))
        return
    lock = " 已锁定 locked" if sub.locked else ""
    console.print(f"{sub.enterprise_id} {sub.enterprise_name} {sub.year}: {_label(sub.status)}{lock}")
    if sub.correction_reason:
        console.print(f"更正中 correction open: {sub.correction_reason}")
    for e in sub.events:
        note = f" — {e.comment}" if e.comment else ""
        console.print(
            f"  {e.at:%Y-%m-%d %H:%M} {e.user} {e.action}: {e.from_status.value} → {e.to_status.value}{note}"
        )
    for v in sub.versions:
        console.print(
            f"  数据版本 version {v.number} ({v.n_records} records, {v.sha256[:12]}): {v.reason or '—'}"
        )


def _step(
    action: approval.Action, park: str | None, enterprise: str, year: int, comment: str, output_format: str
) -> None:
    check_choice(output_format, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    sub = approval.take_step(system_scope(eng, "cli"), park_id, enterprise, year, action, comment)
    _print_submission(sub, output_format)


Comment = Annotated[str, typer.Option(help="意见 Comment kept with the step.")]


@approval_app.command("submit")
def submit(
    enterprise: Enterprise,
    year: Year,
    park: Park = None,
    comment: Comment = "",
    output_format: Format = "table",
) -> None:
    """提交 Submit an enterprise's data of the year for review."""
    _step(approval.Action.SUBMIT, park, enterprise, year, comment, output_format)


@approval_app.command("withdraw")
def withdraw(
    enterprise: Enterprise,
    year: Year,
    park: Park = None,
    comment: Comment = "",
    output_format: Format = "table",
) -> None:
    """撤回 Withdraw a submission that is not reviewed yet."""
    _step(approval.Action.WITHDRAW, park, enterprise, year, comment, output_format)


@approval_app.command("review")
def review(
    enterprise: Enterprise,
    year: Year,
    park: Park = None,
    comment: Comment = "",
    output_format: Format = "table",
) -> None:
    """审核 Mark a submission reviewed (the step before approval)."""
    _step(approval.Action.REVIEW, park, enterprise, year, comment, output_format)


@approval_app.command("approve")
def approve(
    enterprise: Enterprise,
    year: Year,
    park: Park = None,
    comment: Comment = "",
    output_format: Format = "table",
) -> None:
    """批准 Approve reviewed data (stores a data version)."""
    _step(approval.Action.APPROVE, park, enterprise, year, comment, output_format)


@approval_app.command("return")
def return_(
    enterprise: Enterprise,
    year: Year,
    comment: Annotated[str, typer.Option(help="意见 What the enterprise must fix (required).")],
    park: Park = None,
    output_format: Format = "table",
) -> None:
    """退回 Return a submission with a comment saying what to fix."""
    _step(approval.Action.RETURN, park, enterprise, year, comment, output_format)


@approval_app.command("correct")
def correct(
    enterprise: Enterprise,
    year: Year,
    reason: Annotated[str, typer.Option(help="原因 Why the locked data are corrected (required).")],
    park: Park = None,
    output_format: Format = "table",
) -> None:
    """更正 Reopen one enterprise's locked year for a correction (its approval is a new data version)."""
    _step(approval.Action.CORRECT, park, enterprise, year, reason, output_format)


@approval_app.command("close")
def close(
    year: Year,
    park: Park = None,
    exception: Annotated[
        list[str] | None,
        typer.Option(
            "--except",
            help="例外 ENTERPRISE=REASON: an enterprise closed without approval (repeatable).",
        ),
    ] = None,
    output_format: Format = "table",
) -> None:
    """关账 Close the park's year: every enterprise approved (or an --except); approved data are locked."""
    check_choice(output_format, ("table", "json"), "--format")
    exceptions: dict[str, str] = {}
    for item in exception or []:
        ent, sep, why = item.partition("=")
        if not sep or not ent.strip() or not why.strip():
            raise typer.BadParameter(f"'{item}' is not ENTERPRISE=REASON", param_hint="--except")
        exceptions[ent.strip()] = why.strip()
    eng = engine()
    park_id = pick_park(eng, park)
    board = approval.close_period(system_scope(eng, "cli"), park_id, year, exceptions)
    _print_board(board, output_format)


@approval_app.command("status")
def status(
    year: Year,
    park: Park = None,
    enterprise: Annotated[str | None, typer.Option(help="企业 One enterprise, with its history.")] = None,
    output_format: Format = "table",
) -> None:
    """状态 Which enterprises are approved for the year, and whether the period is closed."""
    check_choice(output_format, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    scope = system_scope(eng, "cli")
    if enterprise is not None:
        _print_submission(approval.submission(scope, park_id, enterprise, year), output_format)
        return
    _print_board(approval.board(scope, park_id, year), output_format)


def _print_board(board: approval.Board, output_format: str) -> None:
    if output_format == "json":
        console.out(json.dumps(board.to_dict(), ensure_ascii=False))
        return
    approved = board.counts[approval.Status.APPROVED]
    table = Table(title=f"{board.park_id} {board.year}: {approved}/{len(board.submissions)} 已批准 approved")
    for column in ("enterprise", "name", "status", "locked", "versions", "latest comment"):
        table.add_column(column)
    for s in board.submissions:
        table.add_row(
            s.enterprise_id,
            s.enterprise_name,
            _label(s.status),
            "是 yes" if s.locked else "—",
            str(len(s.versions)),
            s.last_comment or "—",
        )
    console.print(table)
    if board.closed is None:
        console.print(f"{board.year} 年度未关账 the period is not closed")
    else:
        c = board.closed
        console.print(f"{board.year} 年度已关账 closed on {c.closed_at:%Y-%m-%d %H:%M} by {c.closed_by}")
        for ent, was, why in c.exceptions:
            console.print(f"  例外 exception {ent} ({was}): {why}")
    if board.missing:
        console.print(f"[yellow]待批准 not approved: {', '.join(s.enterprise_id for s in board.missing)}[/]")


def register(app: typer.Typer) -> None:
    """Attach ``zeropark approval …``."""
    app.add_typer(approval_app, name="approval")
