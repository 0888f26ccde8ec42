"""``zeropark gateway --config gateway.yaml``: the field gateway (采集网关) as its own process.

Polls DL/T 645-2007 meters (through RS-485 ↔ TCP converters) and Modbus devices, buffers the
readings on disk and publishes them to the park's MQTT topics (docs/gateway.md). It needs no
database: only the config file, the devices and the broker.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path
from typing import Annotated

import typer

from zeropark.commands.common import console
from zeropark.gateway.buffer import Buffer
from zeropark.gateway.config import load_config
from zeropark.gateway.runner import Gateway


def gateway(
    config: Annotated[
        Path, typer.Option("--config", help="网关配置 The gateway's YAML config (docs/gateway.md).")
    ],
    once: Annotated[
        bool, typer.Option(help="Poll once, send what is buffered, exit (commissioning).")
    ] = False,
    gaps: Annotated[
        bool, typer.Option(help="List the latest recorded gaps (缺测) of the buffer and exit.")
    ] = False,
    drain: Annotated[float, typer.Option(min=0, help="Seconds to wait for the broker at exit.")] = 10.0,
) -> None:
    """采集网关 Poll DL/T 645, Modbus and OPC UA devices; buffer on disk; publish over MQTT (QoS 1).

    Runs until SIGTERM/SIGINT. A device that does not answer is a gap with a reason (listed by
    ``--gaps``), never a stop; a broker outage only fills the on-disk buffer.
    """
    cfg = load_config(config)  # every error names the key to fix, before anything starts
    if gaps:
        buf = Buffer(cfg.buffer)
        try:
            rows = buf.gaps(200)
            console.print(f"buffer {cfg.buffer}: {buf.backlog()} message(s) waiting for the broker")
        finally:
            buf.close()
        for g in rows:
            console.print(f"{g.ts}  {g.device}  {g.meter}  {g.reason}  {g.detail}")
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)  # device errors are logged as gaps
    asyncio.run(_run(Gateway(cfg), once, drain))


async def _run(gw: Gateway, once: bool, drain: float) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await gw.run(stop, cycles=1 if once else None, drain_s=drain)
    left = gw.buffer.backlog()
    console.print(
        f"stopped: {sum(c.readings for c in gw.cycles)} reading(s), {left} message(s) left in the buffer"
    )


def register(app: typer.Typer) -> None:
    """Attach ``zeropark gateway``."""
    app.command("gateway")(gateway)
