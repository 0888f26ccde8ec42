"""``zeropark`` command line (typer). Each area's commands live in ``zeropark.commands.<area>``.

The sub-command modules are loaded lazily, by name: :data:`COMMANDS` maps each top-level command
to the module that registers it and to the one-line summary ``zeropark --help`` shows. Why: the
command modules import the services, the store, the accounting engine, the report renderers and
the web app at their top, so importing them all up front cost every invocation well over a second
before typer even parsed its arguments. Loaded by name, a command pays only for its own module
and the listing for none; ``zeropark COMMAND --help`` loads COMMAND's module and shows its own
help as before. tests/unit/test_cli.py checks that every entry imports, registers its command and
carries that command's summary, and that ``zeropark --help`` imports no command module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol, cast

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_group

from zeropark import __version__

if TYPE_CHECKING:
    # typer ≥ 0.26 carries its own copy of click; its Context and Command have no public alias
    from typer._click import Command, Context

__all__ = ["COMMANDS", "LazyCommand", "app", "load_command"]


@dataclass(frozen=True, slots=True)
class LazyCommand:
    """A top-level command known by name until it runs: where it is registered, what it does."""

    module: str  # a module of zeropark.commands with ``register(app: typer.Typer) -> None``
    summary: str  # the first paragraph of the command's own help, shown by ``zeropark --help``


#: Every top-level command but ``version``, in the order ``zeropark --help`` lists them.
COMMANDS: Mapping[str, LazyCommand] = {
    "init": LazyCommand(
        "zeropark.commands.serve",
        "Create or migrate the database at ZEROPARK_DATABASE_URL. 初始化/升级数据库.",
    ),
    "park": LazyCommand(
        "zeropark.commands.park",
        "园区登记 Register a park, its zones, enterprises and meter tree from a file; show it.",
    ),
    "account": LazyCommand(
        "zeropark.commands.account",
        "Account a park's (or one enterprise's) emissions for a year and store the run. 碳排放核算.",
    ),
    "runs": LazyCommand(
        "zeropark.commands.runs",
        "核算记录 Inventory runs: the latest run of a view, or a list (table or JSON).",
    ),
    "report": LazyCommand(
        "zeropark.commands.runs",
        "报告 Write the annual PDF report or the Excel inventory of the latest run (kept and audited).",
    ),
    "verify": LazyCommand(
        "zeropark.commands.verify",
        "复核 Recompute a stored inventory run from the raw readings and compare it bit for bit.",
    ),
    "template": LazyCommand(
        "zeropark.commands.data",
        "Write the blank enterprise data workbook 企业能源消费与碳排放数据填报表. 生成填报模板.",
    ),
    "import": LazyCommand(
        "zeropark.commands.data",
        "Import an enterprise workbook, a filed 205-1 form or a meter-readings export. 导入数据文件.",
    ),
    "demo": LazyCommand(
        "zeropark.commands.demo",
        "Build the demo park (示例数据) and show both inventories; --serve starts the web app. 构建示例园区.",
    ),
    "simulate": LazyCommand(
        "zeropark.commands.ingest",
        "Publish realistic meter readings over MQTT (demo, load generator). 模拟计量数据发布.",
    ),
    "serve": LazyCommand(
        "zeropark.commands.serve",
        "Serve the web pages and the HTTP API (/api/v1, docs at /api/v1/docs). 启动 Web 服务与 API.",
    ),
    "forecast": LazyCommand(
        "zeropark.commands.forecast",
        "日前预测 Day-ahead forecast of load or PV, with a rolling-origin backtest; the run is stored.",
    ),
    "factors": LazyCommand(
        "zeropark.commands.factors",
        "因子库 Emission factors and coefficients: list, show, load a custom set.",
    ),
    "ingest": LazyCommand(
        "zeropark.commands.ingest",
        "Readings ingestion 计量数据采集: MQTT service, files, gateways, counters.",
    ),
    "quarantine": LazyCommand("zeropark.commands.ingest", "Quarantined records 隔离区: list and re-process."),
    "alarms": LazyCommand(
        "zeropark.commands.ingest",
        "Alarms 告警: evaluate rules and escalate, list rules and alarms, acknowledge, close.",
    ),
    "users": LazyCommand(
        "zeropark.commands.serve",
        "用户 Users: add and list accounts (roles: admin, park_manager, enterprise, verifier, device, "
        "province, group).",
    ),
    "optimize": LazyCommand(
        "zeropark.commands.optimize",
        "优化 Energy optimisation (linopy + HiGHS): day-ahead dispatch, sizing (PV, battery, heat pump, "
        "thermal storage), demand-response events; runs are stored and shown in the web/API.",
    ),
    "roadmap": LazyCommand(
        "zeropark.commands.roadmap",
        "路线图 Roadmap analyses: explain the change in CO2 between two accounted years (LMDI, Tapio).",
    ),
    # issue #15: benchmarks (标杆) and low-carbon admission (入园门槛)
    "benchmark": LazyCommand(
        "zeropark.commands.benchmark",
        "标杆 Benchmarks: carbon productivity, energy intensity, GB energy-limit grades and ranks.",
    ),
    "admission": LazyCommand(
        "zeropark.commands.admission",
        "入园门槛 Low-carbon admission: assess a proposed project against the park's indicators, decide.",
    ),
    # evidence ledger (#16 verification)
    "ledger": LazyCommand(
        "zeropark.commands.ledger",
        "证据账本 Tamper-evident evidence ledger: verify it against the database, export it, prove entries.",
    ),
    # application workspace (申报)
    "application": LazyCommand(
        "zeropark.commands.application",
        "申报 Application workspace: 910号 diagnosis, gap tasks, evidence, the 申报书 outline (Word/PDF).",
    ),
    # evaluation slice
    "evaluate": LazyCommand(
        "zeropark.commands.evaluate",
        "评价 Evaluate a park or an enterprise against a framework (910号, T/CGDF 00046-2024, …).",
    ),
    # data approval and period close (issue #15)
    "approval": LazyCommand(
        "zeropark.commands.approval",
        "数据审核 Data approval: submit, review, approve or return an enterprise's year; close the "
        "period (locks approved data); correct after the lock (a new data version); status.",
    ),
    # evaluation slice
    # field gateway (#19)
    "gateway": LazyCommand(
        "zeropark.commands.gateway",
        "采集网关 Poll DL/T 645, Modbus and OPC UA devices; buffer on disk; publish over MQTT (QoS 1).",
    ),
    # verifier workspace (#16)
    "verification": LazyCommand(
        "zeropark.commands.verification",
        "核查 Verifier workspace (ISO 14064-3): engagement, sampling plan, checklist, findings, corrective "
        "actions, signed statement, verification pack and its offline check.",
    ),
    # product carbon footprint and CBAM (#16)
    "footprint": LazyCommand(
        "zeropark.commands.footprint",
        "产品碳足迹 Product carbon footprint (ISO 14067, cradle-to-gate): products, allocation, materials.",
    ),
    "cbam": LazyCommand(
        "zeropark.commands.cbam",
        "CBAM 碳边境调节机制: goods by CN code, specific embedded emissions, communication to importers.",
    ),
    # industrial symbiosis (#18)
    "symbiosis": LazyCommand(
        "zeropark.commands.symbiosis",
        "产业共生 Industrial symbiosis: match sources to sinks, guiding indicators from flows, "
        "Ulsan reference.",
    ),
    # reporting out and tariffs as data (#19)
    "online-monitoring": LazyCommand(
        "zeropark.commands.online_monitoring",
        "能耗在线监测 Online-monitoring upload records: export, pre-submission check, import.",
    ),
    "tariff": LazyCommand(
        "zeropark.commands.tariff",
        "分时电价 Time-of-use tariffs as park data (versioned), and the electricity cost report.",
    ),
    # scale-out (#20)
    "province": LazyCommand(
        "zeropark.commands.province",
        "省级 Province: account and re-verify many parks, serially or fanned out on Dask; provincial view.",
    ),
    "cold": LazyCommand(
        "zeropark.commands.cold",
        "冷数据归档 Cold storage: a park's month of readings as Parquet (SHA-256 manifest), restore, check.",
    ),
    # carbon asset ledger (#17 碳资产)
    "assets": LazyCommand(
        "zeropark.commands.assets",
        "碳资产 Carbon asset ledger: CEA allowances, CCER, green certificates (GEC), 碳普惠 points.",
    ),
    # internal carbon market (#17 园区内部碳市场)
    "market": LazyCommand(
        "zeropark.commands.market",
        "内部碳市场 Internal carbon market: quota rule, park allowances, call auction, internal fee.",
    ),
}


class _CommandModule(Protocol):
    """What a module of ``zeropark.commands`` offers the CLI."""

    def register(self, app: typer.Typer) -> None:
        """Attach the module's commands to ``app``."""


class _Guard(Protocol):
    """``zeropark.commands.common.guarded``: a callback whose user errors end in an exit code."""

    def __call__(self, callback: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap ``callback``."""


def _guard_leaves(command: Command, guard: _Guard) -> None:
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            _guard_leaves(sub, guard)
    elif command.callback is not None:
        command.callback = guard(command.callback)


@cache
def load_command(name: str) -> Command:
    """The typer command ``name`` of :data:`COMMANDS`, its module imported now (once).

    Every leaf command runs inside ``zeropark.commands.common.guarded``: no user error ends in a
    traceback (tests/integration/test_cli_bad_arguments.py walks every command with bad values).
    """
    module = cast(_CommandModule, importlib.import_module(COMMANDS[name].module))
    guard = cast(_Guard, importlib.import_module("zeropark.commands.common").guarded)
    scratch = typer.Typer(rich_markup_mode="rich")
    module.register(scratch)
    command = get_group(scratch).commands[name]
    _guard_leaves(command, guard)
    return command


class _Deferred(TyperCommand):
    """Stands for a command in the listing; parsing its arguments loads and runs the real one."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: Context | None = None, **extra: Any
    ) -> Context:
        """Hand over to the loaded command: its own options, help and callback."""
        return load_command(self.name or "").make_context(info_name, args, parent=parent, **extra)


class _Group(TyperGroup):
    """The ``zeropark`` group: its own commands first, then :data:`COMMANDS` in their order."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for name, lazy in COMMANDS.items():
            self.add_command(_Deferred(name=name, help=lazy.summary))


app = typer.Typer(
    name="zeropark",
    help="zeropark 零碳园区能碳管理平台 — measure, account, plan and prove a park's way to zero carbon.",
    cls=_Group,
    no_args_is_help=True,
    rich_markup_mode="rich",
)


@app.callback()
def main() -> None:
    """Options of ``zeropark`` itself (none yet); a callback keeps it a group with one own command."""


@app.command()
def version() -> None:
    """Print the zeropark version. 打印版本号."""
    typer.echo(__version__)
