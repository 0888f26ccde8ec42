"""``zeropark online-monitoring export|check|import``: 重点用能单位能耗在线监测 upload records.

The records come from :mod:`zeropark.services.online_monitoring` (the one source for the CLI,
the API and the page); the upload profile (field names, codes, data-code composition, quality
limits) is a YAML file, the bundled default unless ``--profile`` names another (docs/reporting-out.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from zeropark.accounting.online_monitoring import CHECK_LABELS, CheckResult
from zeropark.commands.account import pick_park
from zeropark.commands.common import console, engine, err_console, guarded
from zeropark.services import online_monitoring as svc
from zeropark.store.scope import system_scope

om_app = typer.Typer(
    help="能耗在线监测 Online-monitoring upload records: export, pre-submission check, import.",
    no_args_is_help=True,
)

ProfileOpt = Annotated[
    Path | None,
    typer.Option(
        "--profile", help="上传配置 Upload profile YAML (default: the bundled yn-nhjc-2020 profile)."
    ),
]


def _show_checks(checks: tuple[CheckResult, ...]) -> bool:
    table = Table(title="上报前检查 Pre-submission checks")
    for col in ("企业 enterprise", "检查 check", "结果 result", "值 value", "限值 limit", "说明 detail"):
        table.add_column(col)
    ok = True
    for c in checks:
        zh, en = CHECK_LABELS[c.name]
        ok = ok and c.passed
        table.add_row(
            c.enterprise_code,
            f"{zh} / {en}",
            "[green]通过 pass[/]" if c.passed else "[red]不通过 FAIL[/]",
            f"{c.value:.4g}",
            f"{c.limit:g}",
            escape(c.detail),
        )
    console.print(table)
    return ok


@om_app.command("export")
@guarded
def export(
    month: Annotated[str, typer.Option(help="统计月份 Month YYYY-MM.")],
    park: Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")] = None,
    enterprise: Annotated[str | None, typer.Option(help="企业 One enterprise only.")] = None,
    output: Annotated[Path | None, typer.Option(help="输出文件 Where to write (default: its name).")] = None,
    profile: ProfileOpt = None,
) -> None:
    """导出上传记录 Write the month's upload records (JSON, stating its profile) and print the checks."""
    eng = engine()
    made = svc.export_upload(
        system_scope(eng, "cli"), pick_park(eng, park), month, profile_path=profile, enterprise_id=enterprise
    )
    path = output or Path(made.file_name)
    path.write_bytes(made.content)
    console.print(f"已写入 written {path}: {made.n_records} records, profile {made.profile}")
    _show_checks(made.checks)


@om_app.command("check")
@guarded
def check(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="上传文件 An upload file.")],
    profile: ProfileOpt = None,
) -> None:
    """上报前检查 Check an upload file against the upload quality rules; exit 3 when one fails."""
    if not _show_checks(svc.check_file(file.read_bytes(), file.name, profile_path=profile)):
        raise typer.Exit(3)


@om_app.command("import")
@guarded
def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="上传文件 A filed upload file.")],
    as_month: Annotated[
        str | None, typer.Option("--as-month", help="按另一月份导入 Load it as month YYYY-MM (same length).")
    ] = None,
    partial: Annotated[
        bool, typer.Option("--partial", help="仅导入正确的记录 Store the good records.")
    ] = False,
    profile: ProfileOpt = None,
) -> None:
    """导入历史上传记录 Load a filed upload file as the enterprises' history (bad records quarantined)."""
    done = svc.import_upload(
        system_scope(engine(), "cli"), file, as_month=as_month, profile_path=profile, partial=partial
    )
    console.print(
        f"{done.file}: {done.status} — {done.stored} of {done.records} records stored, "
        f"{done.rejected} rejected (batch #{done.batch_id}, profile {done.profile})"
    )
    for e in done.errors[:20]:
        err_console.print(f"[yellow]{escape(str(e))}[/]")
    _show_checks(done.checks)


def register(app: typer.Typer) -> None:
    """Attach ``zeropark online-monitoring …``."""
    app.add_typer(om_app, name="online-monitoring")
