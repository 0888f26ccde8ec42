"""``zeropark demo``: build the demo park (示例数据), account it both ways, optionally serve the web app.

Steps, each with a progress bar: generate (pure, seeded) → store metadata, readings (bulk path),
activity data → feed the deliberately bad inputs through the normal validation paths (they are
quarantined or rejected, never stored silently) → account the park with the national method and
the GHG Protocol → print both inventories side by side and the indicator table. Rebuilding
replaces the demo park; if the stored demo already has the same fingerprint it is kept as it is
(``--rebuild`` forces a rebuild).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.columns import Columns
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine

from zeropark.accounting import AccountingOptions
from zeropark.app import create_app
from zeropark.commands.account import indicator_table, inventory_table
from zeropark.commands.common import (
    EXIT_DATA_ERROR,
    EXIT_USAGE,
    console,
    engine,
    err_console,
    open_engine,
)
from zeropark.demo import (
    PARK_ID,
    DemoPark,
    DemoSize,
    feed_bad_inputs,
    generate,
    record_build,
    stored_fingerprint,
    write_demo,
)
from zeropark.demo.alarms import evaluate_demo_alarms, install_demo_alarm_rules
from zeropark.errors import DataError
from zeropark.model import Method
from zeropark.monitoring.rollups import build_rollups
from zeropark.services import inventory
from zeropark.services.users import ensure_demo_users
from zeropark.settings import get_settings
from zeropark.store.scope import system_scope

__all__ = ["build", "register"]


def build(
    eng: Engine,
    *,
    year: int,
    seed: int,
    n_enterprises: int,
    days: int | None,
    rebuild: bool,
    show_progress: bool = True,
) -> tuple[DemoPark, bool]:
    """Generate and store the demo park; returns (DemoPark, whether it was (re)written)."""
    size = DemoSize(n_enterprises=n_enterprises, days=days)
    with console.status("生成示例数据 generating the demo park …"):
        park = generate(seed=seed, size=size, year=year)
    fingerprint = park.fingerprint()
    if not rebuild and stored_fingerprint(eng, park.park.id) == fingerprint:
        console.print(
            f"示例园区已是最新 demo park up to date (fingerprint {fingerprint[:16]}…); --rebuild to rebuild"
        )
        return park, False
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not show_progress,
    ) as bar:
        tasks = {
            "metadata": bar.add_task("园区/企业/计量器具 park, enterprises, meters", total=1),
            "readings": bar.add_task("计量数据 readings", total=park.n_readings),
            "activity": bar.add_task("活动数据/绿证/转供 activity, claims, transfers", total=1),
        }

        def progress(step: str, done: int, total: int) -> None:
            bar.update(tasks[step], completed=done, total=total)

        result = write_demo(eng, park, progress=progress)
        _build_rollups(eng, [m.id for m in park.meters], bar)
    install_demo_alarm_rules(eng)
    n_alarms = evaluate_demo_alarms(eng)
    console.print(f"示例告警规则 demo alarm rules installed: {n_alarms} alarm(s) opened (告警 page)")
    record_build(eng, park.park.id, fingerprint, park.n_readings)
    console.print(
        f"已存储 stored: {result.n_meters} 计量器具 meters, {result.n_stored:,} 读数 readings, "
        f"{result.n_activities} 活动数据 activity records, {result.n_claims} 绿证/绿电 claims, "
        f"{result.n_transfers} 内部转供 transfers "
        f"({', '.join(f'{k} {v:.1f} s' for k, v in result.steps_s.items())})"
    )
    return park, True


def _build_rollups(eng: Engine, meter_ids: list[str], bar: Progress) -> None:
    """15-min/hour/day/month rollups of every demo meter (the monitoring pages and meter tree read them).

    The bulk readings path does not maintain rollups (the ingest path does, incrementally), so the demo
    builds them once from the stored readings with the bulk build (``build_rollups``, the same code as
    `zeropark ingest rollups`; the same rows as the incremental path), a batch of meters at a time.
    """
    task = bar.add_task("汇总 rollups (15 min/时/日/月)", total=len(meter_ids))

    def progress(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    build_rollups(eng, meter_ids, progress=progress)


def _bad_inputs(eng: Engine, park: DemoPark) -> None:
    """Feed the bad inputs through validation and show what happened to each."""
    with tempfile.TemporaryDirectory() as tmp:
        outcome = feed_bad_inputs(eng, park, Path(tmp))
    t = Table(title="错误数据校验 Bad inputs (示例: 错误数据) — validation at work")
    t.add_column("输入 Input")
    t.add_column("结果 Outcome")
    r = outcome.readings
    t.add_row(
        "读数文件 readings CSV",
        f"{r.rows} 行 rows: 存储 stored {r.stored} (标记 flagged {r.flagged}), "
        f"隔离 quarantined {r.quarantined}",
    )
    for e in r.errors[:8]:
        t.add_row("", f"[yellow]{e}[/]")
    w = outcome.workbook
    t.add_row(
        "企业填报 enterprise data", f"{w.rows} 行 rows: 存储 stored {w.stored}, 拒绝 rejected {w.rejected}"
    )
    for e2 in w.errors[:8]:
        t.add_row("", f"[yellow]{e2}[/]")
    console.print(t)
    console.print("[dim]隔离数据 quarantined rows: `zeropark quarantine list`[/]")


def _account_both(eng: Engine, park_id: str, year: int) -> None:
    """Account the demo year by both methods through the accounting use case (stored, audited as ``demo``)."""
    scope = system_scope(eng, "demo")
    factor_set = get_settings().factor_set
    with console.status("核算 accounting (national + GHG Protocol, with every enterprise's own view) …"):
        both = (AccountingOptions(method=Method.NATIONAL), AccountingOptions(method=Method.GHG))
        national, ghg = inventory.account(scope, park_id, year, both, factor_set)
    console.print(
        Columns(
            [
                inventory_table(national.inventory, f"园区法 National method (run #{national.run.id})"),
                inventory_table(ghg.inventory, f"GHG Protocol (run #{ghg.run.id})"),
            ]
        )
    )
    if national.indicators is not None:
        console.print(indicator_table(national.indicators, national.inventory.energy_tce))
    console.print(f"[dim]{national.inventory.options_statement_zh}[/]")


def demo_command(
    year: Annotated[
        int, typer.Option(help="数据年度 Year of the demo data (2025 = national base year).")
    ] = 2025,
    serve: Annotated[
        bool, typer.Option("--serve", help="构建后启动 Web 服务 Serve the web app afterwards.")
    ] = False,
    database_url: Annotated[
        str | None,
        typer.Option(help="数据库 Database URL (default: ZEROPARK_DATABASE_URL or ./zeropark.db)."),
    ] = None,
    rebuild: Annotated[
        bool, typer.Option(help="强制重建 Rebuild even if the stored demo is identical.")
    ] = False,
    seed: Annotated[int, typer.Option(help="随机种子 Seed of the generator.")] = 20250101,
    enterprises: Annotated[int, typer.Option(help="企业数 Number of enterprises (6–36).")] = 32,
    days: Annotated[
        int | None, typer.Option(help="天数 Days of readings from 1 January (default: all).")
    ] = None,
    host: Annotated[str, typer.Option(help="监听地址 Address for --serve.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 Port for --serve.")] = 8000,
) -> None:
    """Build the demo park (示例数据) and show both inventories; --serve starts the web app. 构建示例园区."""
    eng = engine() if database_url is None else open_engine(database_url)
    console.print(f"数据库 database: {eng.url.render_as_string(hide_password=True)}")
    try:
        park, _written = build(
            eng, year=year, seed=seed, n_enterprises=enterprises, days=days, rebuild=rebuild
        )
    except ValueError as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(EXIT_USAGE) from None
    except NotImplementedError as exc:  # the holiday calendar does not cover the year
        err_console.print(
            f"[red]--year {year}: the Chinese holiday calendar the demo uses does not cover it ({exc}); "
            "choose a year it covers, e.g. 2025[/]"
        )
        raise typer.Exit(EXIT_USAGE) from None
    except DataError as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(EXIT_DATA_ERROR) from None
    _bad_inputs(eng, park)
    _account_both(eng, PARK_ID, year)
    if serve:
        _serve(eng, host, port)


def _serve(eng: Engine, host: str, port: int) -> None:
    users = ensure_demo_users(eng, PARK_ID)
    t = Table(title="示例账户 Demo accounts (示例数据 only; passwords are new on every start)")
    t.add_column("用户名 User")
    t.add_column("密码 Password")
    t.add_column("角色 Role")
    for username, password, role in users:
        t.add_row(username, password, role)
    console.print(t)
    console.print(
        f"[bold green]打开 Open http://{host}:{port}[/]  (API docs: http://{host}:{port}/api/v1/docs)"
    )
    uvicorn.run(create_app(eng), host=host, port=port, log_level="info")


def register(app: typer.Typer) -> None:
    """Attach ``zeropark demo``."""
    app.command("demo")(demo_command)
