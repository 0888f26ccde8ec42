"""Simulated field devices for tests and the benchmark (run in-process on asyncio).

- :class:`Dlt645Simulator`: an RS-485 ↔ TCP converter with DL/T 645-2007 meters behind it. It
  answers reads of :data:`~zeropark.gateway.dlt645.DATA_IDS` and of the hourly freezes, and can be
  told to stay silent (a timeout), to send a bad checksum, or to move a register back.
- :class:`ModbusSimulator`: a pymodbus TCP server with one unit per device id, its registers
  written from a :class:`~zeropark.gateway.registers.RegisterMap`.
- :class:`OpcUaSimulator`: an asyncua server with numeric variables that keep history.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, cast

from asyncua import ua
from asyncua.server.server import Server
from pymodbus import FramerType
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from zeropark.errors import FrameError
from zeropark.gateway import dlt645
from zeropark.gateway.registers import RegisterMap, encode_register

__all__ = ["Dlt645Simulator", "ModbusSimulator", "OpcUaSimulator", "SimMeter"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SimMeter:
    """One simulated DL/T 645 meter: its values by identifier and its hourly freezes (newest first)."""

    address: str
    values: dict[int, float] = field(default_factory=dict)
    freezes: list[tuple[datetime, float]] = field(default_factory=list)
    silent: bool = False
    bad_checksum: bool = False


class Dlt645Simulator:
    """A TCP server speaking DL/T 645-2007 for the meters on its simulated bus."""

    def __init__(self, meters: list[SimMeter], host: str = "127.0.0.1", port: int = 0) -> None:
        self.meters = {dlt645.address_bytes(m.address): m for m in meters}
        self.host, self.port = host, port
        self.requests = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        """Listen; returns the port."""
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        """Stop listening and close the connections."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1)

    def meter(self, address: str) -> SimMeter:
        """The simulated meter at ``address``."""
        return self.meters[dlt645.address_bytes(address)]

    def reply(self, request: dlt645.Frame) -> bytes | None:
        """The bytes a meter sends back for ``request`` (None: silent)."""
        addr = dlt645.address_bytes(request.address)
        meter = next(iter(self.meters.values())) if addr == b"\xaa" * 6 else self.meters.get(addr)
        if meter is None or meter.silent or request.function != dlt645.CONTROL_READ or len(request.data) != 4:
            return None
        di = int.from_bytes(request.data, "little")
        value: bytes | None = None
        if di in meter.values:
            value = dlt645.encode_value(di, meter.values[di])
        elif di & 0xFFFFFF00 in (
            dlt645.HOURLY_FREEZE_TIME,
            dlt645.HOURLY_FREEZE_ENERGY,
        ) and 0 < di & 0xFF <= len(meter.freezes):
            when, energy = meter.freezes[(di & 0xFF) - 1]
            is_time = di & 0xFFFFFF00 == dlt645.HOURLY_FREEZE_TIME
            value = dlt645.encode_freeze_time(when) if is_time else dlt645.encode_value(di, energy)
        if value is None:
            return dlt645.error_reply(meter.address, 0x02)  # 无请求数据
        frame = dlt645.PREAMBLE + dlt645.build_read_reply(meter.address, di, value)
        if meter.bad_checksum:
            frame = frame[:-2] + bytes([(frame[-2] + 1) & 0xFF, 0x16])
        return frame

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        buf = b""
        try:
            while True:
                chunk = await reader.read(1024)
                if not chunk:
                    break
                buf += chunk
                while True:
                    try:
                        frame, buf = dlt645.split_frame(buf)
                    except FrameError:
                        buf = b""
                        break
                    if frame is None:
                        break
                    self.requests += 1
                    out = self.reply(frame)
                    if out is not None:
                        writer.write(out)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


class ModbusSimulator:
    """A Modbus TCP server (pymodbus) with devices ``unit id → register map`` and their values.

    Each unit answers reads of the whole span of its map's registers (a read over a gap between
    two registers returns zeros there, as most meters do).
    """

    def __init__(
        self, devices: dict[int, RegisterMap], host: str = "127.0.0.1", port: int = 0, framer: str = "socket"
    ) -> None:
        self.maps = devices
        self.host, self.port = host, port
        self.words: dict[int, dict[tuple[int, int], int]] = {unit: {} for unit in devices}
        self.sim_devices = [self._device(unit, rmap) for unit, rmap in devices.items()]
        self.framer = FramerType.RTU if framer == "rtu" else FramerType.SOCKET
        self.requests = 0
        self._server: ModbusTcpServer | None = None
        self._task: asyncio.Task[None] | None = None

    def _device(self, unit: int, rmap: RegisterMap) -> SimDevice:
        blocks: list[list[SimData]] = []
        for table in ("holding", "input"):
            regs = [r for r in rmap.registers if r.table == table]
            if not regs:
                blocks.append([SimData(0, values=0, datatype=DataType.REGISTERS)])
                continue
            lo = min(r.address for r in regs)
            hi = max(r.address + r.words for r in regs)
            blocks.append([SimData(lo, count=hi - lo, values=0, datatype=DataType.REGISTERS)])
        bits = [SimData(0, values=False, datatype=DataType.BITS)]
        return SimDevice(
            id=unit, simdata=(bits, bits, blocks[0], blocks[1]), action=partial(self._action, unit)
        )

    async def _action(
        self,
        unit: int,
        function_code: int,
        start_address: int,
        address: int,
        count: int,
        current_registers: list[int],
        _set_values: object,
    ) -> None:
        self.requests += 1
        fc = 4 if function_code == 4 else 3
        words = self.words[unit]
        for a in range(address, address + count):
            current_registers[a - start_address] = words.get((fc, a), 0)

    def set(self, unit: int, register: str, value: float) -> None:
        """Write ``value`` (in the register's unit) into unit ``unit``."""
        reg = self.maps[unit].register(register)
        fc = 4 if reg.table == "input" else 3
        for i, w in enumerate(encode_register(reg, value)):
            self.words[unit][(fc, reg.address + i)] = w

    async def start(self) -> int:
        """Listen; returns the port (a free one when constructed with port 0)."""
        if self.port == 0:
            probe = await asyncio.start_server(lambda _r, _w: None, self.host, 0)
            self.port = probe.sockets[0].getsockname()[1]
            probe.close()
            await probe.wait_closed()
        self._server = ModbusTcpServer(self.sim_devices, address=(self.host, self.port), framer=self.framer)
        self._task = asyncio.create_task(self._server.serve_forever())
        for _ in range(200):
            await asyncio.sleep(0.01)
            with contextlib.suppress(OSError):
                _r, w = await asyncio.open_connection(self.host, self.port)
                w.close()
                return self.port
        return self.port

    async def stop(self) -> None:
        """Stop the server."""
        if self._server is not None:
            with contextlib.suppress(Exception):
                await self._server.shutdown()  # type: ignore[no-untyped-call]
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task


class OpcUaSimulator:
    """An OPC UA server (asyncua) with numeric variables ``"ns=…;s=<name>"`` that keep history.

    ``history=True`` makes the server record each written value (Historical Access, in memory),
    so that the gateway can backfill a gap with HistoryRead.
    """

    def __init__(
        self, names: list[str], host: str = "127.0.0.1", port: int = 0, history: bool = True
    ) -> None:
        self.names, self.host, self.port, self.history = names, host, port, history
        self.server = Server()
        self.nodes: dict[str, Any] = {}
        self.ns = 0

    @property
    def url(self) -> str:
        """The endpoint the gateway connects to."""
        return f"opc.tcp://{self.host}:{self.port}/zeropark/"

    def node_id(self, name: str) -> str:
        """The node id of variable ``name``."""
        return f"ns={self.ns};s={name}"

    async def start(self) -> int:
        """Start serving; returns the port."""
        if self.port == 0:
            probe = await asyncio.start_server(lambda _r, _w: None, self.host, 0)
            self.port = probe.sockets[0].getsockname()[1]
            probe.close()
            await probe.wait_closed()
        await self.server.init()
        self.server.set_endpoint(self.url)
        self.ns = await self.server.register_namespace("urn:zeropark:sim")
        objects = self.server.get_objects_node()
        plant = await objects.add_object(self.ns, "Plant")
        for name in self.names:
            var = await plant.add_variable(ua.NodeId(ua.String(name), ua.Int16(self.ns)), name, 0.0)
            self.nodes[name] = var
        await self.server.start()
        if self.history:
            for var in self.nodes.values():
                # kept by count, not by age: the simulated instants are set by the caller and may
                # lie long before the wall clock, which asyncua's period is measured against
                await self.server.historize_node_data_change(var, period=timedelta(days=36_500), count=1000)
        return self.port

    async def set(self, name: str, value: float, when: datetime | None = None) -> None:
        """Write ``value``, stamped ``when`` (UTC; default: now) as its source timestamp."""
        stamp = cast(ua.DateTime, when)  # asyncua types its timestamps as a datetime subclass
        dv = ua.DataValue(
            ua.Variant(float(value), ua.VariantType.Double), SourceTimestamp=stamp, ServerTimestamp=stamp
        )
        await self.nodes[name].write_value(dv)
        if self.history and when is not None:
            await self._historized(name, when)

    async def _historized(self, name: str, when: datetime, timeout_s: float = 5.0) -> None:
        """Wait until the server's history holds the value stamped ``when``.

        asyncua records history from a subscription that publishes every 10 ms and keeps the last
        change of a node per publish: two values written within one interval would leave only the
        second in the history. Waiting here makes every value set part of the history.
        """
        storage = self.server.iserver.history_manager.storage
        node_id = self.nodes[name].nodeid
        stamp = cast(ua.DateTime, when)
        deadline = asyncio.get_running_loop().time() + timeout_s
        while asyncio.get_running_loop().time() < deadline:
            found, _ = await storage.read_node_history(node_id, stamp, stamp, 0)
            if found:
                return
            await asyncio.sleep(0.005)
        raise TimeoutError(
            f"OPC UA simulator: {name} @ {when.isoformat()} not in the history after {timeout_s} s"
        )

    async def stop(self) -> None:
        """Stop the server."""
        with contextlib.suppress(Exception):
            await self.server.stop()
