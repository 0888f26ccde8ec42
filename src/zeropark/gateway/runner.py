"""The gateway process: poll every device each cycle, buffer on disk, publish QoS 1.

One asyncio loop polls; a thread publishes (paho-mqtt, as the ingester uses). Per cycle:

1. Every device is read, concurrently across lines and one request at a time on a line (an
   RS-485 bus behind one converter is half-duplex; a Modbus TCP gateway answers one request at a
   time). A request that does not answer within ``timeout_s`` is a gap with reason ``timeout``;
   any other failure is a gap with a named reason (:class:`GapReason`) — never a crash.
2. Each value becomes an item ``{"ts", "value", "unit"}`` of a message on
   ``<prefix>/<park>/<meter>/reading`` (exactly what the MQTT ingester accepts), written to the
   buffer (SQLite) in one commit with the cycle's gaps.
3. A cumulative register lower than its last value is not published: a gap
   ``register_backwards`` names both values (the next reading is compared with the new value,
   so a replaced meter carries on).
4. A DL/T 645 meter with ``backfill: true`` that answers again after a gap is asked for its
   hourly freezes (整点冻结) back to the start of the gap; they are published with their own
   timestamps.

The publisher thread sends the buffer's messages in order and deletes each on its PUBACK; while
the broker is down they wait on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode
from pymodbus import FramerType
from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ConnectionException, ModbusException
from pymodbus.pdu import ExceptionResponse

from zeropark.errors import BadChecksum, FrameError, MeterErrorReply, RegisterMapError
from zeropark.gateway import dlt645
from zeropark.gateway.buffer import Buffer, Gap
from zeropark.gateway.config import DeviceConfig, GatewayConfig, MqttConfig, PointConfig
from zeropark.gateway.opcua import OpcUaLine, OpcUaReadError
from zeropark.gateway.registers import decode_register, read_blocks

__all__ = ["CycleResult", "Gateway", "GapReason", "Publisher", "reading_topic"]

log = logging.getLogger(__name__)
#: the meters' clocks (hourly freeze times) are Beijing time
METER_TZ = ZoneInfo("Asia/Shanghai")


class GapReason(StrEnum):
    """Why a reading is missing (``gaps.reason`` in the buffer)."""

    TIMEOUT = "timeout"
    CONNECTION = "connection"
    BAD_CHECKSUM = "bad_checksum"
    BAD_FRAME = "bad_frame"
    METER_ERROR = "meter_error"
    MODBUS_EXCEPTION = "modbus_exception"
    REGISTER_BACKWARDS = "register_backwards"
    NOT_FINITE = "not_finite"
    OPCUA_BAD_STATUS = "opcua_bad_status"


def reading_topic(prefix: str, park: str, meter: str) -> str:
    """The topic the ingester reads a meter's readings from (``zeropark/<park>/<meter>/reading``)."""
    return f"{prefix}/{park}/{meter}/reading"


class DeviceFailed(Exception):
    """A device could not be read this cycle; ``reason`` is the gap's reason."""

    def __init__(self, reason: GapReason, detail: str) -> None:
        self.reason, self.detail = reason, detail
        super().__init__(f"{reason}: {detail}")


# -- lines: one connection per converter / Modbus TCP server ------------------------------------------


class DltLine:
    """A TCP connection to an RS-485 ↔ TCP converter in transparent mode; one request at a time."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.lock = asyncio.Lock()
        self._rw: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._rw is None:
            try:
                self._rw = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), self.timeout)
            except TimeoutError:
                raise DeviceFailed(
                    GapReason.TIMEOUT, f"no TCP connection to {self.host}:{self.port}"
                ) from None
            except OSError as exc:
                raise DeviceFailed(GapReason.CONNECTION, f"{self.host}:{self.port}: {exc}") from None
        return self._rw

    def close(self) -> None:
        """Drop the connection (after a timeout or a bad frame the stream is out of step)."""
        if self._rw is not None:
            self._rw[1].close()
            self._rw = None

    async def read(self, address: str, di: int) -> bytes:
        """The value bytes of ``di`` from the meter at ``address``; failures as :class:`DeviceFailed`."""
        reader, writer = await self._open()
        try:
            writer.write(dlt645.read_request(address, di))
            await writer.drain()
            buf = b""
            end = time.monotonic() + self.timeout
            while True:
                frame, buf = dlt645.split_frame(buf)
                if frame is not None:
                    return dlt645.decode_read_reply(frame, di, address)
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                chunk = await asyncio.wait_for(reader.read(512), left)
                if not chunk:
                    raise DeviceFailed(GapReason.CONNECTION, f"{self.host}:{self.port} closed the connection")
                buf += chunk
        except TimeoutError:
            self.close()
            raise DeviceFailed(
                GapReason.TIMEOUT, f"meter {address} did not answer {di:08X} in {self.timeout} s"
            ) from None
        except BadChecksum as exc:
            self.close()
            raise DeviceFailed(GapReason.BAD_CHECKSUM, f"meter {address}: {exc}") from None
        except MeterErrorReply as exc:  # a well-formed error reply: the line is in step
            raise DeviceFailed(GapReason.METER_ERROR, f"meter {address}: {exc}") from None
        except FrameError as exc:
            self.close()
            raise DeviceFailed(GapReason.BAD_FRAME, f"meter {address}: {exc}") from None
        except OSError as exc:
            self.close()
            raise DeviceFailed(GapReason.CONNECTION, f"{self.host}:{self.port}: {exc}") from None


class ModbusLine:
    """A Modbus TCP connection (or RTU frames through a TCP converter); one request at a time."""

    def __init__(self, host: str, port: int, framer: str, timeout: float) -> None:
        self.host, self.port = host, port
        self.lock = asyncio.Lock()
        self.client = AsyncModbusTcpClient(
            host,
            port=port,
            framer=FramerType.RTU if framer == "rtu" else FramerType.SOCKET,
            timeout=timeout,
            retries=0,
            reconnect_delay=0,  # the poll cycle reconnects
        )

    def close(self) -> None:
        """Drop the connection."""
        self.client.close()

    async def read(self, table: str, address: int, count: int, unit_id: int) -> list[int]:
        """``count`` registers from ``address``; failures as :class:`DeviceFailed`."""
        try:
            if not self.client.connected and not await self.client.connect():
                raise DeviceFailed(GapReason.CONNECTION, f"no Modbus connection to {self.host}:{self.port}")
            call = (
                self.client.read_input_registers if table == "input" else self.client.read_holding_registers
            )
            rr = await call(address, count=count, device_id=unit_id)
        except ConnectionException as exc:
            self.close()
            raise DeviceFailed(GapReason.CONNECTION, f"{self.host}:{self.port}: {exc}") from None
        except ModbusException as exc:  # no answer in time (ModbusIOException) and the like
            self.close()
            reason = (
                GapReason.TIMEOUT
                if "timeout" in str(exc).lower() or "no response" in str(exc).lower()
                else GapReason.BAD_FRAME
            )
            raise DeviceFailed(reason, f"unit {unit_id} at {self.host}:{self.port}: {exc}") from None
        if rr.isError():
            code = rr.exception_code if isinstance(rr, ExceptionResponse) else None
            raise DeviceFailed(
                GapReason.MODBUS_EXCEPTION,
                f"unit {unit_id} at {self.host}:{self.port} answered exception {code} "
                f"to a read of {table} {address}+{count}",
            )
        regs = list(rr.registers)
        if len(regs) != count:
            raise DeviceFailed(GapReason.BAD_FRAME, f"unit {unit_id}: {len(regs)} registers, asked {count}")
        return regs


# -- the publisher -----------------------------------------------------------------------------------


class Publisher:
    """Sends the buffer's messages at QoS 1 in order; deletes each on its PUBACK."""

    def __init__(self, cfg: MqttConfig, buffer: Buffer, window: int = 1000) -> None:
        self.cfg, self.buffer, self.window = cfg, buffer, window
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=cfg.client_id, clean_session=True)
        self.client.max_inflight_messages_set(window)
        self.client.reconnect_delay_set(
            min_delay=max(1, round(cfg.reconnect_min_s)), max_delay=max(1, round(cfg.reconnect_max_s))
        )
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_publish = self._on_publish
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._acks: deque[int] = deque()
        self._generation = 0
        self._thread = threading.Thread(target=self._loop, name="gateway-publisher", daemon=True)
        self.sent = 0
        self.acked = 0

    def _on_connect(self, _c: mqtt.Client, _u: object, _f: object, reason: ReasonCode, _p: object) -> None:
        if reason.is_failure:
            log.error("MQTT connect refused: %s", reason)
            return
        self._generation += 1
        self.connected.set()
        log.info("connected to %s:%s", self.cfg.host, self.cfg.port)

    def _on_disconnect(self, _c: mqtt.Client, _u: object, _f: object, reason: object, _p: object) -> None:
        self.connected.clear()
        if not self._stop.is_set():
            log.warning("MQTT disconnected (%s); buffering on disk, reconnecting", reason)

    def _on_publish(self, _c: mqtt.Client, _u: object, mid: int, _r: object, _p: object) -> None:
        self._acks.append(mid)

    def start(self) -> None:
        """Connect in the background (retrying) and start sending."""
        self.client.connect_async(self.cfg.host, self.cfg.port, keepalive=15)
        self.client.loop_start()
        self._thread.start()

    def stop(self) -> None:
        """Stop sending and disconnect (what is not acknowledged stays in the buffer)."""
        self._stop.set()
        self._thread.join(10)
        self.client.disconnect()
        self.client.loop_stop()

    def drain(self, timeout: float) -> bool:
        """Wait until the buffer is empty (True) or ``timeout`` passes (False)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.buffer.backlog() == 0:
                return True
            time.sleep(0.05)
        return self.buffer.backlog() == 0

    def _loop(self) -> None:
        inflight: dict[int, int] = {}  # mid → outbox id
        cursor, generation = 0, -1
        while not self._stop.is_set():
            try:
                if not self.connected.is_set():
                    self._stop.wait(0.05)
                    continue
                if generation != self._generation:  # new connection: resend what was not acknowledged
                    generation, cursor = self._generation, 0
                    inflight.clear()
                    self._acks.clear()
                done: list[int] = []
                while self._acks:
                    oid = inflight.pop(self._acks.popleft(), None)
                    if oid is not None:
                        done.append(oid)
                if done:
                    self.buffer.acknowledged(done)
                    self.acked += len(done)
                room = self.window - len(inflight)
                rows = self.buffer.pending(cursor, room) if room > 0 else []
                for oid, topic, payload in rows:
                    info = self.client.publish(topic, payload, qos=1)
                    if info.rc != mqtt.MQTT_ERR_SUCCESS:
                        break
                    inflight[info.mid] = oid
                    cursor = oid
                    self.sent += 1
                if not rows and not done:
                    self._stop.wait(0.02)
            except Exception:  # the publisher must never die: log and carry on
                log.exception("publisher error; retrying")
                self._stop.wait(0.5)


# -- the poller --------------------------------------------------------------------------------------


@dataclass(slots=True)
class CycleResult:
    """What one poll cycle did."""

    ts: datetime
    readings: int = 0
    gaps: list[Gap] = field(default_factory=list)
    backfilled: int = 0
    seconds: float = 0.0


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat()


class Gateway:
    """Polls the configured devices and feeds the buffer; :meth:`run` is the process."""

    def __init__(self, config: GatewayConfig, buffer: Buffer | None = None) -> None:
        self.config = config
        self.buffer = buffer if buffer is not None else Buffer(config.buffer)
        self.publisher = Publisher(config.mqtt, self.buffer)
        self._dlt: dict[tuple[str, int], DltLine] = {}
        self._modbus: dict[tuple[str, int, str], ModbusLine] = {}
        self._opcua: dict[str, OpcUaLine] = {}
        self._last = {m: v for m, (v, _ts) in self.buffer.last_values().items()}
        self._last_ok: dict[str, datetime] = {}  # device → instant of its last answered poll
        self._down: set[str] = set()
        self._sem = asyncio.Semaphore(config.concurrency)
        self.cycles: list[CycleResult] = []

    def _line(self, dev: DeviceConfig) -> DltLine | ModbusLine | OpcUaLine:
        if dev.protocol == "opcua":
            if dev.url not in self._opcua:
                self._opcua[dev.url] = OpcUaLine(dev.url, self.config.timeout_s)
            return self._opcua[dev.url]
        if dev.protocol == "dlt645":
            key = (dev.host, dev.port)
            if key not in self._dlt:
                self._dlt[key] = DltLine(dev.host, dev.port, self.config.timeout_s)
            return self._dlt[key]
        mkey = (dev.host, dev.port, dev.framer)
        if mkey not in self._modbus:
            self._modbus[mkey] = ModbusLine(dev.host, dev.port, dev.framer, self.config.timeout_s)
        return self._modbus[mkey]

    async def _read_device(self, dev: DeviceConfig) -> list[tuple[PointConfig, float]]:
        line = self._line(dev)
        async with line.lock, self._sem:
            if isinstance(line, DltLine):
                out = []
                for p in dev.points:
                    raw = await line.read(dev.address, p.di)
                    try:
                        out.append((p, dlt645.decode_value(p.di, raw)))
                    except FrameError as exc:
                        raise DeviceFailed(GapReason.BAD_FRAME, f"meter {dev.address}: {exc}") from None
                return out
            if isinstance(line, OpcUaLine):
                try:
                    got = await line.read([p.node for p in dev.points])
                except OpcUaReadError as exc:
                    reason = {"timeout": GapReason.TIMEOUT, "connection": GapReason.CONNECTION}.get(
                        exc.kind, GapReason.OPCUA_BAD_STATUS
                    )
                    raise DeviceFailed(reason, exc.detail) from None
                return list(zip(dev.points, got, strict=True))
            assert dev.register_map is not None
            regs = {p.register: dev.register_map.register(p.register) for p in dev.points}
            values: dict[str, float] = {}
            for block in read_blocks(list(regs.values())):
                words = await line.read(block.table, block.address, block.count, dev.unit_id)
                for r in block.registers:
                    off = r.address - block.address
                    try:
                        values[r.name] = decode_register(r, words[off : off + r.words])
                    except RegisterMapError as exc:
                        raise DeviceFailed(GapReason.BAD_FRAME, str(exc)) from None
            return [(p, values[p.register]) for p in dev.points]

    async def _backfill(
        self, dev: DeviceConfig, since: datetime, ts: datetime
    ) -> list[tuple[PointConfig, list[dict[str, object]]]]:
        """Stored values between ``since`` (the last answered poll, already sent) and ``ts``.

        DL/T 645: the hourly freezes of forward active energy. OPC UA: the server's raw history of
        each cumulative point (HistoryRead), where the server keeps one.
        """
        if dev.protocol == "opcua":
            return await self._backfill_opcua(dev, since, ts)
        points = [p for p in dev.points if p.di == 0x00010000]
        if not points:
            return []
        line = self._line(dev)
        assert isinstance(line, DltLine)
        items: list[tuple[str, float]] = []
        async with line.lock, self._sem:
            for n in range(1, self.config.backfill_max + 1):
                t_di, e_di = dlt645.freeze_ids(n)
                try:
                    when = dlt645.decode_freeze_time(await line.read(dev.address, t_di)).replace(
                        tzinfo=METER_TZ
                    )
                    energy = dlt645.decode_value(e_di, await line.read(dev.address, e_di))
                except (DeviceFailed, FrameError) as exc:
                    log.info("backfill of %s stopped at freeze %d: %s", dev.id, n, exc)
                    break
                if when <= since:
                    break
                if when < ts:
                    items.append((_iso(when), energy))
        items.reverse()
        return [(p, [{"ts": t, "value": v * p.multiplier, "unit": p.unit} for t, v in items]) for p in points]

    async def _backfill_opcua(
        self, dev: DeviceConfig, since: datetime, ts: datetime
    ) -> list[tuple[PointConfig, list[dict[str, object]]]]:
        line = self._line(dev)
        assert isinstance(line, OpcUaLine)
        out: list[tuple[PointConfig, list[dict[str, object]]]] = []
        async with line.lock, self._sem:
            for p in dev.points:
                if not p.cumulative:
                    continue
                try:
                    hist = await line.history(p.node, since, ts)
                except OpcUaReadError as exc:
                    log.info("backfill of %s %s: %s", dev.id, p.meter, exc)
                    continue
                items: list[dict[str, object]] = [
                    {"ts": _iso(t), "value": v * p.multiplier, "unit": p.unit} for t, v in hist
                ]
                out.append((p, items))
        return out

    async def poll_cycle(self, ts: datetime) -> CycleResult:
        """Read every device once, buffer the readings and gaps of instant ``ts``."""
        t0 = time.perf_counter()
        result = CycleResult(ts)
        devices = self.config.devices
        outcomes = await asyncio.gather(*(self._read_device(d) for d in devices), return_exceptions=True)
        messages: list[tuple[str, bytes]] = []
        last: dict[str, tuple[float, str]] = {}
        stamp = _iso(ts)
        prefix, park = self.config.mqtt.prefix, self.config.park
        recovered: list[tuple[DeviceConfig, datetime]] = []
        for dev, outcome in zip(devices, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                if isinstance(outcome, DeviceFailed):
                    reason, detail = outcome.reason, outcome.detail
                else:  # a bug in a driver must not stop the gateway: a gap, logged
                    log.exception("device %s", dev.id, exc_info=outcome)
                    reason, detail = GapReason.BAD_FRAME, f"{type(outcome).__name__}: {outcome}"
                self._down.add(dev.id)
                result.gaps.extend(Gap(stamp, dev.id, p.meter, reason, detail) for p in dev.points)
                continue
            since = self._last_ok.get(dev.id)
            if dev.id in self._down and since is not None and dev.backfill:
                recovered.append((dev, since))
            self._down.discard(dev.id)
            self._last_ok[dev.id] = ts
            for p, raw in outcome:
                value = raw * p.multiplier
                if not math.isfinite(value):
                    result.gaps.append(
                        Gap(stamp, dev.id, p.meter, GapReason.NOT_FINITE, f"device value {raw!r}")
                    )
                    continue
                prev = self._last.get(p.meter)
                self._last[p.meter] = value
                last[p.meter] = (value, stamp)
                if p.cumulative and prev is not None and value < prev:
                    result.gaps.append(
                        Gap(
                            stamp,
                            dev.id,
                            p.meter,
                            GapReason.REGISTER_BACKWARDS,
                            f"cumulative register went from {prev} to {value} {p.unit}; not published "
                            "(a replaced or reset meter: record the change in the meter register)",
                        )
                    )
                    continue
                item = {"ts": stamp, "value": value, "unit": p.unit}
                messages.append((reading_topic(prefix, park, p.meter), orjson.dumps([item])))
                result.readings += 1
        for dev, since in recovered:
            for p, items in await self._backfill(dev, since, ts):
                if items:
                    messages.append((reading_topic(prefix, park, p.meter), orjson.dumps(items)))
                    result.backfilled += len(items)
        self.buffer.put(messages, result.gaps, last)
        for g in result.gaps:
            log.warning("gap %s %s %s: %s", g.device, g.meter, g.reason, g.detail)
        result.seconds = time.perf_counter() - t0
        self.cycles.append(result)
        return result

    async def run(
        self, stop: asyncio.Event | None = None, cycles: int | None = None, drain_s: float = 10.0
    ) -> None:
        """Poll every ``interval_s`` until ``stop`` is set (or ``cycles`` cycles), then flush."""
        stop = stop or asyncio.Event()
        interval = self.config.interval_s
        self.publisher.start()
        done = 0
        try:
            while not stop.is_set():
                now = time.time()
                ts = datetime.fromtimestamp(math.floor(now / interval) * interval, UTC)
                res = await self.poll_cycle(ts)
                log.info(
                    "cycle %s: %d readings, %d gaps, %.2f s, backlog %d",
                    _iso(ts),
                    res.readings,
                    len(res.gaps),
                    res.seconds,
                    self.buffer.backlog(),
                )
                done += 1
                if cycles is not None and done >= cycles:
                    break
                wait = ts.timestamp() + interval - time.time()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), max(0.0, wait))
        finally:
            await asyncio.to_thread(self.publisher.drain, drain_s)
            self.publisher.stop()
            await self.aclose()

    async def aclose(self) -> None:
        """Close every device connection, OPC UA sessions included."""
        for ol in self._opcua.values():
            await ol.close()
        self.close()

    def close(self) -> None:
        """Close the DL/T 645 and Modbus connections."""
        for line in self._dlt.values():
            line.close()
        for mline in self._modbus.values():
            mline.close()
