"""Field gateway benchmark: one gateway polling 500 Modbus devices and 500 DL/T 645 meters.

    .venv/bin/python benchmarks/gateway.py                       # 500 + 500 devices, 50 per line
    .venv/bin/python benchmarks/gateway.py --modbus 100 --dlt 100 --cycles 2 --outage-cycles 3

The devices run in a child process (so that their CPU is not the gateway's): ``--modbus`` units
on Modbus TCP servers (pymodbus, CHINT DTSU666 map, import and export energy: one read of 12
registers per device) and ``--dlt`` DL/T 645-2007 meters behind simulated RS-485 ↔ TCP converters
(forward active energy and active power: two requests per meter), ``--per-line`` devices per
server/converter. Lines are polled in parallel, the devices of a line one after the other (an
RS-485 bus is half-duplex). The broker is a private Mosquitto on a free port.

Prints:

- poll-cycle time (mean and max of ``--cycles`` cycles with the broker up) and its share of the
  15 s interval, readings per cycle and readings/s the gateway can read (readings / cycle time);
- buffer throughput during a broker outage: ``--outage-cycles`` cycles run back to back with the
  broker stopped — messages written to the SQLite buffer per second — then the broker is started
  again and the backlog's drain rate (messages acknowledged per second) is measured.

Simulated devices answer in microseconds; a real RS-485 line at 9600 baud takes ~30–60 ms per
DL/T 645 request, so a bus of 50 meters × 2 requests needs 3–6 s of the 15 s interval
(docs/gateway.md §sizing) — the figure here is the gateway's own overhead.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import multiprocessing as mp
import shutil
import socket
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from zeropark.gateway.config import parse_config
from zeropark.gateway.registers import builtin_map
from zeropark.gateway.runner import Gateway
from zeropark.gateway.simulators import Dlt645Simulator, ModbusSimulator, SimMeter

MAP = "chint_dtsu666"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _address(line: int, i: int) -> str:
    return f"{line + 1:06d}{i + 1:06d}"


def _devices(args: argparse.Namespace, conn: Any) -> None:
    """Child process: start the simulated lines, send their ports, serve until told to stop."""
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)

    async def main() -> None:
        rmap = builtin_map(MAP)
        m_ports, d_ports = [], []
        sims: list[Any] = []
        for line in range(math.ceil(args.modbus / args.per_line)):
            n = min(args.per_line, args.modbus - line * args.per_line)
            sim = ModbusSimulator(dict.fromkeys(range(1, n + 1), rmap))
            for u in range(1, n + 1):
                sim.set(u, "import_kwh", 1000.0 + u)
                sim.set(u, "export_kwh", 10.0 + u)
            m_ports.append(await sim.start())
            sims.append(sim)
        for line in range(math.ceil(args.dlt / args.per_line)):
            n = min(args.per_line, args.dlt - line * args.per_line)
            meters = [
                SimMeter(_address(line, i), {0x00010000: 5000.0 + i, 0x02030000: 1.5}) for i in range(n)
            ]
            dsim = Dlt645Simulator(meters)
            d_ports.append(await dsim.start())
            sims.append(dsim)
        conn.send((m_ports, d_ports))
        await asyncio.to_thread(conn.recv)  # stop
        for s in sims:
            await s.stop()

    asyncio.run(main())


def _config(
    args: argparse.Namespace, m_ports: list[int], d_ports: list[int], broker: int, tmp: Path
) -> dict[str, Any]:
    devices: list[dict[str, Any]] = []
    for line, port in enumerate(m_ports):
        n = min(args.per_line, args.modbus - line * args.per_line)
        devices += [
            {
                "id": f"mb{line}-{u}",
                "protocol": "modbus",
                "host": "127.0.0.1",
                "port": port,
                "unit_id": u,
                "map": MAP,
                "points": [
                    {"meter": f"MB{line}-{u}-IMP", "register": "import_kwh"},
                    {"meter": f"MB{line}-{u}-EXP", "register": "export_kwh"},
                ],
            }
            for u in range(1, n + 1)
        ]
    for line, port in enumerate(d_ports):
        n = min(args.per_line, args.dlt - line * args.per_line)
        devices += [
            {
                "id": f"dl{line}-{i}",
                "protocol": "dlt645",
                "host": "127.0.0.1",
                "port": port,
                "address": _address(line, i),
                "points": [
                    {"meter": f"DL{line}-{i}-E", "di": "00 01 00 00"},
                    {"meter": f"DL{line}-{i}-P", "di": "02 03 00 00"},
                ],
            }
            for i in range(n)
        ]
    return {
        "park": "BENCH",
        "timeout_s": 2.0,
        "buffer": str(tmp / "buffer.sqlite"),
        "mqtt": {
            "port": broker,
            "prefix": "zpbench",
            "client_id": "gw-bench",
            "reconnect_min_s": 1,
            "reconnect_max_s": 1,
        },
        "devices": devices,
    }


class Broker:
    """A private Mosquitto (no persistence needed: nobody subscribes; PUBACK is what counts)."""

    def __init__(self, tmp: Path) -> None:
        self.port = _free_port()
        self.conf = tmp / "mosquitto.conf"
        self.conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\n", encoding="utf-8")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.proc = subprocess.Popen([exe, "-c", str(self.conf)], stderr=subprocess.DEVNULL)
        end = time.monotonic() + 10
        while time.monotonic() < end:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


async def _measure(
    args: argparse.Namespace,
    m_ports: list[int],
    d_ports: list[int],
    broker: Broker,
    tmp: Path,
    out: dict[str, Any],
) -> None:
    """Cycles with the broker up, then during an outage, then the drain (one event loop)."""
    gw = Gateway(parse_config(_config(args, m_ports, d_ports, broker.port, tmp)))
    gw.publisher.start()
    await asyncio.to_thread(gw.publisher.connected.wait, 10)
    base = datetime.fromtimestamp(math.floor(time.time() / 15) * 15, UTC) - timedelta(hours=1)

    async def cycles(n: int, start: int) -> list[Any]:
        return [await gw.poll_cycle(base + timedelta(seconds=15 * (start + k))) for k in range(n)]

    try:
        up = await cycles(args.cycles, 0)
        await asyncio.to_thread(gw.publisher.drain, 60)
        times = [c.seconds for c in up]
        out.update(
            devices=len(gw.config.devices),
            readings_per_cycle=up[-1].readings,
            gaps_per_cycle=len(up[-1].gaps),
            cycle_s_mean=sum(times) / len(times),
            cycle_s_max=max(times),
        )
        # broker outage: cycles back to back, everything goes to the buffer
        await asyncio.to_thread(broker.stop)
        end = time.monotonic() + 10
        while gw.publisher.connected.is_set() and time.monotonic() < end:
            await asyncio.sleep(0.02)
        t0 = time.perf_counter()
        await cycles(args.outage_cycles, args.cycles)
        t_down = time.perf_counter() - t0
        backlog = gw.buffer.backlog()
        out.update(outage_messages=backlog, outage_s=t_down, buffer_write_per_s=backlog / t_down)
        t1 = time.perf_counter()
        await asyncio.to_thread(broker.start)
        await asyncio.to_thread(gw.publisher.connected.wait, 30)
        t2 = time.perf_counter()
        drained = await asyncio.to_thread(gw.publisher.drain, 300)
        t_drain = time.perf_counter() - t2
        out.update(drained=drained, reconnect_s=t2 - t1, drain_s=t_drain, drain_per_s=backlog / t_drain)
    finally:
        gw.publisher.stop()
        gw.close()


def run(args: argparse.Namespace) -> dict[str, Any]:
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    parent, child = mp.Pipe()
    proc = mp.Process(target=_devices, args=(args, child), daemon=True)
    proc.start()
    m_ports, d_ports = parent.recv()
    tmp = Path(tempfile.mkdtemp(prefix="zp-gw-bench-"))
    broker = Broker(tmp)
    broker.start()
    out: dict[str, Any] = {}
    try:
        asyncio.run(_measure(args, m_ports, d_ports, broker, tmp, out))
    finally:
        broker.stop()
        parent.send("stop")
        proc.join(10)
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--modbus", type=int, default=500)
    p.add_argument("--dlt", type=int, default=500)
    p.add_argument("--per-line", type=int, default=50, help="devices per Modbus server / DL/T 645 converter")
    p.add_argument("--cycles", type=int, default=3, help="cycles timed with the broker up")
    p.add_argument("--outage-cycles", type=int, default=5, help="cycles run while the broker is down")
    args = p.parse_args()
    r = run(args)
    interval = 15.0
    print(
        f"devices                         {r['devices']} ({args.modbus} Modbus + {args.dlt} DL/T 645, "
        f"{args.per_line} per line)"
    )
    print(f"readings per cycle              {r['readings_per_cycle']} (gaps {r['gaps_per_cycle']})")
    print(
        f"poll-cycle time                 mean {r['cycle_s_mean']:.2f} s, max {r['cycle_s_max']:.2f} s "
        f"= {100 * r['cycle_s_mean'] / interval:.1f} % of the {interval:.0f} s interval"
    )
    print(
        f"readings/s (capacity)           {r['readings_per_cycle'] / r['cycle_s_mean']:,.0f} "
        f"(needed at 15 s: {r['readings_per_cycle'] / interval:,.0f}; ratio "
        f"{interval / r['cycle_s_mean']:.1f}×)"
    )
    print(
        f"outage: buffered                {r['outage_messages']} messages in {r['outage_s']:.2f} s "
        f"= {r['buffer_write_per_s']:,.0f} messages/s written to SQLite (poll included)"
    )
    print(f"outage: reconnect after restart {r['reconnect_s']:.2f} s (broker start + reconnect backoff)")
    print(
        f"outage: backlog drained         {r['drain_s']:.2f} s = {r['drain_per_s']:,.0f} messages/s "
        f"acknowledged (QoS 1); all sent: {r['drained']}"
    )


if __name__ == "__main__":
    main()
