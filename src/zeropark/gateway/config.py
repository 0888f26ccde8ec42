"""The gateway's configuration file (YAML): the broker, the buffer, the devices and their points.

Example (docs/gateway.md explains each key)::

    park: P1                       # the park id of the readings' topics
    interval_s: 15                 # poll cycle
    timeout_s: 2                   # one request's answer time before the device is a gap
    buffer: /var/lib/zeropark/gateway.sqlite
    mqtt: {host: 127.0.0.1, port: 1883, prefix: zeropark, client_id: gw-north}
    devices:
      - id: meter-hall-1
        protocol: dlt645           # over an RS-485 ↔ TCP converter (transparent mode)
        host: 10.0.0.21
        port: 8899
        address: "123456789012"    # the meter's nameplate 通信地址
        backfill: true             # read hourly freezes (整点冻结) after a comms gap
        points:
          - {meter: E-HALL-1, di: "00 01 00 00"}      # 正向有功总电能, kWh
      - id: pv-inverter-3
        protocol: modbus
        host: 10.0.0.40
        port: 502
        unit_id: 1
        framer: socket             # socket = Modbus TCP, rtu = RTU frames through a TCP converter
        map: huawei_sun2000        # a built-in map, or a path to a YAML map
        points:
          - {meter: PV-3, register: total_yield_kwh}
      - id: chp-1
        protocol: opcua
        url: opc.tcp://10.0.0.50:4840/
        backfill: true             # HistoryRead after a gap
        points:
          - {meter: CHP-GAS, node: "ns=2;s=CHP1.GasTotal", unit: m3, quantity: cumulative}

A point's published value is the device's value (register × the map's scale, or the DL/T 645
value in its identifier's unit) × the point's ``multiplier`` (default 1), with the point's
``unit`` (default: the map's or identifier's unit). Set a CT/PT ratio in ONE place: either as
the point's ``multiplier`` here, or as the platform meter's ``multiplier`` (applied when
intervals are derived) — not both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from zeropark.errors import GatewayConfigError
from zeropark.gateway import dlt645
from zeropark.gateway.registers import BUILTIN_MAPS, RegisterMap, builtin_map, load_register_map

__all__ = ["DeviceConfig", "GatewayConfig", "MqttConfig", "PointConfig", "load_config", "parse_config"]


@dataclass(frozen=True, slots=True)
class PointConfig:
    """One value read from a device and published as one platform meter's readings."""

    meter: str
    unit: str
    multiplier: float
    cumulative: bool
    di: int = 0  # DL/T 645 data identifier
    register: str = ""  # Modbus register name in the device's map
    node: str = ""  # OPC UA node id


@dataclass(frozen=True, slots=True)
class DeviceConfig:
    """One device (a DL/T 645 meter, a Modbus unit) and its points."""

    id: str
    protocol: str  # dlt645 | modbus | opcua
    host: str
    port: int
    points: tuple[PointConfig, ...]
    address: str = ""  # DL/T 645 nameplate address
    backfill: bool = False
    unit_id: int = 1
    framer: str = "socket"
    register_map: RegisterMap | None = None
    url: str = ""  # OPC UA endpoint


@dataclass(frozen=True, slots=True)
class MqttConfig:
    """Where the readings go."""

    host: str = "127.0.0.1"
    port: int = 1883
    prefix: str = "zeropark"
    client_id: str = "zeropark-gateway"
    reconnect_min_s: float = 1.0
    reconnect_max_s: float = 30.0


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """The whole configuration of one gateway process."""

    park: str
    devices: tuple[DeviceConfig, ...]
    mqtt: MqttConfig
    buffer: str
    interval_s: float = 15.0
    timeout_s: float = 2.0
    concurrency: int = 200
    backfill_max: int = 48  # hourly freezes read back at most after a gap


def _num(doc: dict[str, Any], key: str, default: float, where: str, *, positive: bool = True) -> float:
    v = doc.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or (positive and v <= 0):
        raise GatewayConfigError(where, f"'{key}' = {v!r} is not a positive number")
    return float(v)


def _text(doc: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    v = doc.get(key, default)
    if v is None or str(v).strip() == "":
        raise GatewayConfigError(where, f"'{key}' is missing")
    return str(v).strip()


def _di(value: Any, where: str) -> int:
    text = str(value).replace(" ", "").replace("-", "")
    try:
        di = int(text, 16)
    except ValueError:
        raise GatewayConfigError(where, f"di '{value}' is not 4 hex bytes like '00 01 00 00'") from None
    if di not in dlt645.DATA_IDS:
        known = ", ".join(f"{k:08X}" for k in dlt645.DATA_IDS)
        raise GatewayConfigError(where, f"di {di:08X} is not one the gateway reads (known: {known})")
    return di


def _map(value: Any, where: str, base: Path) -> RegisterMap:
    name = str(value)
    if name in BUILTIN_MAPS:
        return builtin_map(name)
    path = Path(name) if Path(name).is_absolute() else base / name
    if not path.exists():
        raise GatewayConfigError(
            where, f"map '{name}' is neither built-in ({', '.join(BUILTIN_MAPS)}) nor a file"
        )
    return load_register_map(path)


def _device(doc: Any, i: int, base: Path) -> DeviceConfig:
    where = f"devices[{i}]"
    if not isinstance(doc, dict):
        raise GatewayConfigError(where, "is not a mapping")
    dev_id = _text(doc, "id", where)
    where = f"device '{dev_id}'"
    protocol = _text(doc, "protocol", where)
    if protocol not in ("dlt645", "modbus", "opcua"):
        raise GatewayConfigError(where, f"protocol '{protocol}' is not dlt645, modbus or opcua")
    if protocol == "opcua":
        return _opcua_device(doc, dev_id, where)
    host = _text(doc, "host", where)
    port = int(_num(doc, "port", 502 if protocol == "modbus" else 0, where))
    if not 0 < port < 65536:
        raise GatewayConfigError(where, f"port {port} is not 1…65535")
    raw_points = doc.get("points")
    if not isinstance(raw_points, list) or not raw_points:
        raise GatewayConfigError(where, "'points' must be a non-empty list")
    rmap = _map(_text(doc, "map", where), where, base) if protocol == "modbus" else None
    points: list[PointConfig] = []
    for j, p in enumerate(raw_points):
        pw = f"{where} points[{j}]"
        if not isinstance(p, dict):
            raise GatewayConfigError(pw, "is not a mapping")
        meter = _text(p, "meter", pw)
        mult = _num(p, "multiplier", 1.0, pw)
        if protocol == "dlt645":
            di = _di(_text(p, "di", pw), pw)
            spec = dlt645.DATA_IDS[di]
            unit, cumulative = spec.unit, spec.quantity == dlt645.Quantity.CUMULATIVE
            points.append(PointConfig(meter, str(p.get("unit", unit)), mult, cumulative, di=di))
        else:
            assert rmap is not None
            reg = rmap.register(_text(p, "register", pw))
            cumulative = reg.quantity == dlt645.Quantity.CUMULATIVE
            points.append(
                PointConfig(meter, str(p.get("unit", reg.unit)), mult, cumulative, register=reg.name)
            )
    if protocol == "dlt645":
        address = _text(doc, "address", where)
        try:
            dlt645.address_bytes(address)
        except Exception as exc:
            raise GatewayConfigError(where, str(exc)) from None
        return DeviceConfig(
            dev_id,
            protocol,
            host,
            port,
            tuple(points),
            address=address,
            backfill=bool(doc.get("backfill", False)),
        )
    unit_id = int(_num(doc, "unit_id", 1, where))
    framer = str(doc.get("framer", "socket"))
    if framer not in ("socket", "rtu"):
        raise GatewayConfigError(where, f"framer '{framer}' is not socket (Modbus TCP) or rtu")
    return DeviceConfig(
        dev_id, protocol, host, port, tuple(points), unit_id=unit_id, framer=framer, register_map=rmap
    )


def _opcua_device(doc: dict[str, Any], dev_id: str, where: str) -> DeviceConfig:
    url = _text(doc, "url", where)
    parsed = urlparse(url)
    if parsed.scheme != "opc.tcp" or not parsed.hostname:
        raise GatewayConfigError(where, f"url '{url}' is not opc.tcp://host:port/path")
    raw_points = doc.get("points")
    if not isinstance(raw_points, list) or not raw_points:
        raise GatewayConfigError(where, "'points' must be a non-empty list")
    points: list[PointConfig] = []
    for j, p in enumerate(raw_points):
        pw = f"{where} points[{j}]"
        if not isinstance(p, dict):
            raise GatewayConfigError(pw, "is not a mapping")
        quantity = str(p.get("quantity", "instant"))
        if quantity not in ("cumulative", "instant"):
            raise GatewayConfigError(pw, f"quantity '{quantity}' is not cumulative or instant")
        node = _text(p, "node", pw)
        if not node.startswith(("ns=", "i=", "s=", "g=", "b=")):
            raise GatewayConfigError(
                pw, f"node '{node}' is not an OPC UA node id like 'ns=2;s=CHP1.GasTotal'"
            )
        points.append(
            PointConfig(
                _text(p, "meter", pw),
                _text(p, "unit", pw),
                _num(p, "multiplier", 1.0, pw),
                quantity == "cumulative",
                node=node,
            )
        )
    return DeviceConfig(
        dev_id,
        "opcua",
        parsed.hostname,
        parsed.port or 4840,
        tuple(points),
        backfill=bool(doc.get("backfill", False)),
        url=url,
    )


def parse_config(doc: Any, base: Path = Path()) -> GatewayConfig:
    """A decoded YAML document → :class:`GatewayConfig`; every error names the key to fix."""
    if not isinstance(doc, dict):
        raise GatewayConfigError("(top level)", "expected a mapping with park, mqtt, buffer, devices")
    park = _text(doc, "park", "(top level)")
    m = doc.get("mqtt") or {}
    if not isinstance(m, dict):
        raise GatewayConfigError("mqtt", "is not a mapping")
    mqtt = MqttConfig(
        host=str(m.get("host", "127.0.0.1")),
        port=int(_num(m, "port", 1883, "mqtt")),
        prefix=str(m.get("prefix", "zeropark")),
        client_id=str(m.get("client_id", f"zeropark-gateway-{park}")),
        reconnect_min_s=_num(m, "reconnect_min_s", 1.0, "mqtt"),
        reconnect_max_s=_num(m, "reconnect_max_s", 30.0, "mqtt"),
    )
    devices = doc.get("devices")
    if not isinstance(devices, list) or not devices:
        raise GatewayConfigError("devices", "must be a non-empty list")
    devs = tuple(_device(d, i, base) for i, d in enumerate(devices))
    seen: dict[str, str] = {}
    for d in devs:
        for p in d.points:
            if p.meter in seen:
                raise GatewayConfigError(
                    f"device '{d.id}'", f"meter '{p.meter}' is also read by '{seen[p.meter]}'"
                )
            seen[p.meter] = d.id
    buffer = str(doc.get("buffer") or (base / "gateway-buffer.sqlite"))
    return GatewayConfig(
        park=park,
        devices=devs,
        mqtt=mqtt,
        buffer=buffer,
        interval_s=_num(doc, "interval_s", 15.0, "(top level)"),
        timeout_s=_num(doc, "timeout_s", 2.0, "(top level)"),
        concurrency=int(_num(doc, "concurrency", 200, "(top level)")),
        backfill_max=int(_num(doc, "backfill_max", 48, "(top level)")),
    )


def load_config(path: str | Path) -> GatewayConfig:
    """Read and check a gateway config file (relative map and buffer paths are beside it)."""
    p = Path(path)
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise GatewayConfigError(str(p), f"not YAML ({str(exc).splitlines()[0]})") from None
    except UnicodeDecodeError:
        raise GatewayConfigError(str(p), "is not text (UTF-8 YAML expected)") from None
    return parse_config(doc, p.parent)
