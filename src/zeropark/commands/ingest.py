"""CLI: ``zeropark ingest …``, ``zeropark quarantine …``, ``zeropark alarms …``, ``zeropark simulate``."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from zeropark.commands.common import (
    EXIT_DATA_ERROR,
    EXIT_NOT_FOUND,
    check_choice,
    check_park,
    console,
    engine,
    err_console,
)
from zeropark.demo.simulator import SimConfig, meters_from_db, run_simulation, synthetic_meters
from zeropark.errors import DataError, NotFound
from zeropark.ingest.files import ImportResult, ProgressFn
from zeropark.ingest.http import create_gateway
from zeropark.ingest.mqtt import DEFAULT_TOPIC, IngesterConfig, parse_mqtt_url
from zeropark.ingest.nats import DEFAULT_DURABLE, DEFAULT_STREAM, DEFAULT_SUBJECT, NatsConfig
from zeropark.ingest.quarantine import counter_stats, list_quarantine
from zeropark.monitoring.alarms import acknowledge, escalate_alarms, evaluate_rules, list_alarms
from zeropark.monitoring.alarms import close as close_alarm
from zeropark.monitoring.rollups import rebuild_rollups
from zeropark.services import alarm_rules
from zeropark.services.imports import import_readings
from zeropark.services.ingestion import mqtt_ingester, nats_ingester, reprocess_quarantine
from zeropark.settings import get_settings
from zeropark.store import repo
from zeropark.store.scope import system_scope

ingest_app = typer.Typer(
    help="Readings ingestion 计量数据采集: MQTT service, files, gateways, counters.", no_args_is_help=True
)
quarantine_app = typer.Typer(help="Quarantined records 隔离区: list and re-process.", no_args_is_help=True)
alarms_app = typer.Typer(
    help="Alarms 告警: evaluate rules and escalate, list rules and alarms, acknowledge, close.",
    no_args_is_help=True,
)


def show_readings_result(title: str, result: ImportResult) -> None:
    """Print the outcome of a readings import: counts, the first row errors, what to do next."""
    counts = {
        "rows": result.rows,
        "stored": result.stored,
        "duplicates": result.duplicates,
        "conflicts": result.conflicts,
        "flagged": result.flagged,
        "quarantined": result.quarantined,
    }
    table = Table(title=f"{title} 计量数据 readings")
    for col in counts:
        table.add_column(col, justify="right")
    table.add_row(*(str(n) for n in counts.values()))
    console.print(table)
    for e in result.errors[:20]:
        err_console.print(f"  - {e}")
    if result.quarantined:
        console.print(
            "隔离 quarantined: `zeropark quarantine list`; fix metadata, then `zeropark quarantine reprocess`"
        )


def register(app: typer.Typer) -> None:
    """Attach the ingest, quarantine and alarms sub-commands and ``simulate``."""
    app.add_typer(ingest_app, name="ingest")
    app.add_typer(quarantine_app, name="quarantine")
    app.add_typer(alarms_app, name="alarms")
    app.command("simulate")(simulate)


def _logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@ingest_app.command("mqtt")
def ingest_mqtt(
    url: Annotated[
        str | None, typer.Option(help="Broker, mqtt://host:port (default ZEROPARK_MQTT_URL)")
    ] = None,
    topic: Annotated[
        str,
        typer.Option(
            help="Topic filter 订阅主题; other shapes than <prefix>/<park>/<meter>/reading are quarantined"
        ),
    ] = DEFAULT_TOPIC,
    share_group: Annotated[
        str | None,
        typer.Option(
            "--share-group",
            "--shared",
            help="Shared subscription group ($share/<group>/…) to run N ingesters 多实例",
        ),
    ] = None,
    client_id: Annotated[
        str, typer.Option(help="Stable MQTT client id (persistent session); default per host")
    ] = "",
    batch_rows: Annotated[int, typer.Option(help="Readings per bulk write")] = 20_000,
    max_delay: Annotated[
        float, typer.Option(help="Longest wait before a partial batch is written [s]")
    ] = 0.25,
    rollup_every: Annotated[
        float, typer.Option(help="Update rollups of new data every N s (0 = off)")
    ] = 10.0,
    earliest_year: Annotated[
        int | None,
        typer.Option(
            help="Quarantine readings before 1 January of this year (default ZEROPARK_EARLIEST_READING_YEAR)"
        ),
    ] = None,
) -> None:
    """Run the MQTT ingester (long-running; SIGTERM flushes and exits). 运行MQTT采集服务."""
    _logging(get_settings().log_level)
    host, port = parse_mqtt_url(url or get_settings().mqtt_url)
    cfg = IngesterConfig(
        host=host,
        port=port,
        topic=topic,
        share_group=share_group,
        client_id=client_id
        or f"zeropark-ingest-{socket.gethostname()}" + (f"-{share_group}" if share_group else ""),
        batch_rows=batch_rows,
        max_delay_s=max_delay,
        notify_every_s=rollup_every,
        earliest_year=earliest_year or get_settings().earliest_reading_year,
    )
    ingester = mqtt_ingester(engine(), cfg)
    ingester.install_signal_handlers()
    console.print(
        f"ingesting [bold]{cfg.subscription}[/] from {host}:{port} as {cfg.client_id} (Ctrl-C to stop)"
    )
    totals = ingester.run()
    console.print(
        f"stopped: received {totals.received}, stored {totals.stored}, duplicates {totals.duplicates}, "
        f"conflicts {totals.conflicts}, quarantined {totals.quarantined}"
    )


@ingest_app.command("nats")
def ingest_nats(
    url: Annotated[
        str | None, typer.Option(help="NATS server, nats://host:port (default ZEROPARK_NATS_URL)")
    ] = None,
    stream: Annotated[
        str, typer.Option(help="JetStream stream (created if missing) 消息流")
    ] = DEFAULT_STREAM,
    subject: Annotated[
        str,
        typer.Option(
            help="Subject filter: the devices' topic prefix with '.' for '/', then '.>' "
            "(zeropark → zeropark.>, zp/east → zp.east.>); subjects <prefix>.<park>.<meter>.reading"
        ),
    ] = DEFAULT_SUBJECT,
    durable: Annotated[
        str, typer.Option(help="Durable consumer shared by all N ingesters 共享消费者")
    ] = DEFAULT_DURABLE,
    ack_wait: Annotated[
        float, typer.Option(help="Seconds before an unacknowledged message goes to another ingester", min=1.0)
    ] = 30.0,
    fetch_batch: Annotated[int, typer.Option(help="Messages asked for per pull request", min=1)] = 500,
    batch_rows: Annotated[int, typer.Option(help="Readings per bulk write", min=1)] = 20_000,
    max_delay: Annotated[
        float, typer.Option(help="Longest wait before a partial batch is written [s]", min=0.0)
    ] = 0.25,
    rollup_every: Annotated[
        float, typer.Option(help="Update rollups of new data every N s (0 = off)", min=0.0)
    ] = 10.0,
    earliest_year: Annotated[
        int | None,
        typer.Option(
            help="Quarantine readings before 1 January of this year (default ZEROPARK_EARLIEST_READING_YEAR)"
        ),
    ] = None,
) -> None:
    """Run the NATS JetStream ingester (long-running; SIGTERM flushes and exits). 运行NATS采集服务.

    Start N of them with the same --durable to share the load; a message not acknowledged (the
    process died) goes to another one after --ack-wait seconds and is stored once.
    """
    _logging(get_settings().log_level)
    cfg = NatsConfig(
        url=url or get_settings().nats_url,
        stream=stream,
        subject=subject,
        durable=durable,
        ack_wait_s=ack_wait,
        fetch_batch=fetch_batch,
        batch_rows=batch_rows,
        max_delay_s=max_delay,
        notify_every_s=rollup_every,
        earliest_year=earliest_year or get_settings().earliest_reading_year,
    )
    ingester = nats_ingester(engine(), cfg)
    ingester.install_signal_handlers()
    console.print(
        f"ingesting [bold]{cfg.subject}[/] (stream {cfg.stream}, consumer {cfg.durable}) from {cfg.url} "
        "(Ctrl-C to stop)"
    )
    totals = ingester.run()
    console.print(
        f"stopped: received {totals.received}, stored {totals.stored}, duplicates {totals.duplicates}, "
        f"conflicts {totals.conflicts}, quarantined {totals.quarantined}"
    )


@ingest_app.command("file")
def ingest_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or xlsx export")],
) -> None:
    """Import a readings export (meter_id, ts, value[, unit] / 表号, 时间, 读数). 导入抄表数据文件.

    Rejected rows are quarantined; the import is audited as user ``cli``
    (:func:`zeropark.services.imports.import_readings`).
    """
    try:
        with readings_progress(file) as progress:
            result = import_readings(
                system_scope(engine(), "cli"),
                file,
                progress=progress,
                earliest_year=get_settings().earliest_reading_year,
            )
    except DataError as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(EXIT_DATA_ERROR) from None
    show_readings_result(file.name, result)


@contextmanager
def readings_progress(file: Path) -> Iterator[ProgressFn]:
    """A progress bar for streaming ``file``; yields the ``progress(done, total)`` to pass on."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as bar:
        task = bar.add_task(file.name, total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield progress


@ingest_app.command("stats")
def ingest_stats() -> None:
    """Counters per source: received = stored + duplicates + conflicts + quarantined. 采集统计."""
    table = Table(title="ingest counters 采集计数")
    for col in (
        "source",
        "received",
        "stored",
        "duplicates",
        "conflicts",
        "quarantined",
        "flagged",
        "balanced",
    ):
        table.add_column(col, justify="right" if col != "source" else "left", no_wrap=col == "source")
    for r in counter_stats(engine()):
        ok = r.received == r.stored + r.duplicates + r.conflicts + r.quarantined
        table.add_row(
            r.source,
            *(str(x) for x in (r.received, r.stored, r.duplicates, r.conflicts, r.quarantined, r.flagged)),
            "[green]yes[/]" if ok else "[red]NO[/]",
        )
    console.print(table)


@ingest_app.command("gateway-create")
def gateway_create(
    park_id: Annotated[str, typer.Argument(help="Park id")],
    gateway_id: Annotated[str, typer.Argument(help="New gateway id 网关编号")],
    meters: Annotated[str, typer.Option(help="Comma-separated meter ids the gateway may write")] = "",
    name: Annotated[str, typer.Option(help="Display name")] = "",
) -> None:
    """Create a gateway and print its API key once (store it now). 创建采集网关并显示一次密钥."""
    try:
        key = create_gateway(
            engine(),
            park_id,
            gateway_id,
            name=name,
            meter_ids=[m.strip() for m in meters.split(",") if m.strip()],
        )
    except NotFound as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(EXIT_NOT_FOUND) from None
    except DataError as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(EXIT_DATA_ERROR) from None
    console.print(f"gateway [bold]{gateway_id}[/] created. API key (shown once, 仅显示一次):")
    typer.echo(key)


@ingest_app.command("rollups")
def ingest_rollups(
    meter: Annotated[list[str] | None, typer.Option(help="Only these meters (repeatable)")] = None,
) -> None:
    """Rebuild rollups (15 min/hour/day/month) from readings. 重建汇总."""
    for meter_id in meter or ():
        repo.get_meter(engine(), meter_id)  # an unknown meter is NotFound (exit 4), not "0 meters"
    n = rebuild_rollups(engine(), list(meter) if meter else None)
    console.print(f"rollups rebuilt for {n} meter(s)")


@quarantine_app.command("list")
def quarantine_list(
    reason: Annotated[
        str | None,
        typer.Option(
            help="unknown_meter, forbidden_meter, malformed, nan, future_ts, early_ts, unit, "
            "bad_topic, store_refused"
        ),
    ] = None,
    park: Annotated[str | None, typer.Option(help="Park id")] = None,
    status: Annotated[str, typer.Option(help="open / reprocessed / all")] = "open",
    limit: Annotated[int, typer.Option(help="Rows to show")] = 50,
) -> None:
    """List quarantined records with reason and raw payload. 查看隔离记录."""
    check_park(park)
    check_choice(status, ("open", "reprocessed", "all"), "--status")
    rows = list_quarantine(
        engine(), park_id=park, reason=reason, status=None if status == "all" else status, limit=limit
    )
    table = Table(title=f"quarantine 隔离区 ({len(rows)} shown)")
    for col in ("id", "received", "source", "meter", "reason", "detail", "raw"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            str(r.id),
            r.received_at.isoformat(timespec="seconds"),
            r.source,
            r.meter_id or "",
            r.reason,
            r.detail[:120],
            r.raw[:80] if r.raw_encoding == "text" else f"base64:{r.raw[:73]}",
        )
    console.print(table)


@quarantine_app.command("reprocess")
def quarantine_reprocess(
    reason: Annotated[str | None, typer.Option(help="Only rows with this reason")] = None,
    park: Annotated[str | None, typer.Option(help="Park id")] = None,
    ids: Annotated[list[int] | None, typer.Option("--id", help="Only these ids (repeatable)")] = None,
) -> None:
    """Re-validate open quarantine rows after metadata was fixed. 重新处理隔离记录."""
    check_park(park)
    res = reprocess_quarantine(
        engine(),
        ids=ids or None,
        reason=reason,
        park_id=park,
        earliest_year=get_settings().earliest_reading_year,
    )
    console.print(
        f"examined {res.examined}: stored {res.stored}, duplicates {res.duplicates}, "
        f"still quarantined {res.still_quarantined}"
    )


@alarms_app.command("evaluate")
def alarms_evaluate(
    park: Annotated[str, typer.Argument(help="Park id")],
    webhook: Annotated[
        bool, typer.Option(help="Notify new and escalated alarms (MQTT, webhooks, channels)")
    ] = True,
    every: Annotated[
        float, typer.Option(help="Repeat every this many seconds until stopped (0: once)", min=0.0)
    ] = 0.0,
) -> None:
    """Evaluate all alarm rules of a park now, then escalate unacknowledged alarms. 评估告警规则."""
    check_park(park)
    while True:
        new = evaluate_rules(engine(), park, notify=webhook, mqtt_url=get_settings().mqtt_url)
        up = escalate_alarms(engine(), park, notify=webhook)
        console.print(f"{len(new)} new alarm(s), {len(up)} escalated")
        for a in new:
            console.print(f"  #{a.id} [{a.kind}] {a.message}")
        for a in up:
            console.print(f"  #{a.id} escalated → {a.severity}")
        if not every:
            return
        time.sleep(every)


@alarms_app.command("rules")
def alarms_rules(park: Annotated[str, typer.Argument(help="Park id")]) -> None:
    """List the alarm rules of a park (edit them on the web page 告警规则与通知). 查看告警规则."""
    check_park(park)
    table = Table(title=f"alarm rules 告警规则 — {park}")
    for col in ("id", "name", "meter", "kind", "params", "severity", "channels", "escalate (min)", "enabled"):
        table.add_column(col, overflow="fold")
    for r in alarm_rules.rules(system_scope(engine(), "cli"), park):
        table.add_row(
            str(r.id),
            r.name,
            r.meter_id or "",
            r.kind,
            json.dumps(r.params, ensure_ascii=False),
            r.severity,
            ", ".join(str(i) for i in r.channel_ids or []),
            str(r.escalate_after_min or ""),
            "yes" if r.enabled else "no",
        )
    console.print(table)


@alarms_app.command("list")
def alarms_list(
    park: Annotated[str, typer.Argument(help="Park id")],
    state: Annotated[str | None, typer.Option(help="open / acknowledged / closed")] = None,
) -> None:
    """List alarms of a park. 查看告警."""
    check_park(park)
    check_choice(state, ("open", "acknowledged", "closed"), "--state")
    table = Table(title=f"alarms 告警 — {park}")
    for col in ("id", "opened", "kind", "state", "meter", "message"):
        table.add_column(col, overflow="fold")
    for a in list_alarms(engine(), park, state=state):
        table.add_row(
            str(a.id), a.opened_at.isoformat(timespec="seconds"), a.kind, a.state, a.meter_id or "", a.message
        )
    console.print(table)


@alarms_app.command("ack")
def alarms_ack(alarm_id: int, user: Annotated[str, typer.Option(help="Who acknowledges")] = "cli") -> None:
    """Acknowledge an alarm. 确认告警."""
    acknowledge(engine(), alarm_id, user=user)
    console.print(f"alarm {alarm_id} acknowledged")


@alarms_app.command("close")
def alarms_close(alarm_id: int) -> None:
    """Close an alarm. 关闭告警."""
    close_alarm(engine(), alarm_id)
    console.print(f"alarm {alarm_id} closed")


def simulate(
    meters: Annotated[int, typer.Option(help="Synthetic meters when --park is not given 模拟表数")] = 100,
    park: Annotated[str | None, typer.Option(help="Publish for this park's meters from the database")] = None,
    rate: Annotated[float, typer.Option(help="Readings per second per meter (wall clock)")] = 1.0,
    speed: Annotated[float, typer.Option(help="Simulated seconds per wall second (1 = real time)")] = 1.0,
    batch: Annotated[int, typer.Option(help="Readings per MQTT message (batch payload)")] = 1,
    duration: Annotated[float, typer.Option(help="Stop after N wall seconds (0 = run until Ctrl-C)")] = 0.0,
    bad_share: Annotated[
        float, typer.Option(help="Share of deliberately bad payloads (quarantine demo)")
    ] = 0.01,
    url: Annotated[
        str | None, typer.Option(help="Broker mqtt://host:port (default ZEROPARK_MQTT_URL)")
    ] = None,
    prefix: Annotated[str, typer.Option(help="Topic prefix")] = "zeropark",
    seed: Annotated[int, typer.Option(help="Random seed")] = 1,
) -> None:
    """Publish realistic meter readings over MQTT (demo, load generator). 模拟计量数据发布."""
    host, port = parse_mqtt_url(url or get_settings().mqtt_url)
    sim_meters = meters_from_db(engine(), park) if park else synthetic_meters(meters, seed=seed)
    cfg = SimConfig(
        host=host,
        port=port,
        prefix=prefix,
        rate_per_meter=rate,
        speed=speed,
        batch=batch,
        duration_s=duration,
        bad_share=bad_share,
        seed=seed,
    )
    console.print(
        f"simulating {len(sim_meters)} meters → {host}:{port} ({rate}/s each, batch {batch}, ×{speed})"
    )
    stats = run_simulation(sim_meters, cfg)
    console.print(
        f"published {stats.messages} messages, {stats.readings} readings ({stats.bad} bad) "
        f"in {stats.seconds:.1f} s"
    )
