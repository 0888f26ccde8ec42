"""Modbus register maps as data: address, type, word order, scale, unit — and their decoding.

A map is a YAML file (``gateway/data/registers/<model>.yaml`` for the models shipped, or any
file named in the gateway config)::

    model: CHINT DTSU666
    source: "正泰 DTSU666 使用说明书 … (where each figure was read)"
    table: holding            # default table: holding (function 03) or input (function 04)
    word_order: big           # default: big = high word first (ABCD), little = low word first (CDAB)
    registers:
      - {name: import_kwh, address: 0x401E, type: float32, scale: 1, unit: kWh, quantity: cumulative}

``address`` is the 0-based protocol address (what goes on the wire; a manual's "4xxxx"/"3xxxx"
register numbers are 1-based: subtract 40001/30001). Bytes inside a 16-bit register are always
big-endian (Modbus application protocol v1.1b3 §4.2); only the order of the words of a 32/64-bit
value varies between vendors. Two registers of one table whose words overlap are a
:class:`~zeropark.errors.RegisterMapError` (the map would decode the same words twice).

Pure functions apart from :func:`load_register_map` (reads a file).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from zeropark.errors import RegisterMapError
from zeropark.gateway.dlt645 import Quantity

__all__ = [
    "BUILTIN_MAPS",
    "TYPES",
    "ReadBlock",
    "Register",
    "RegisterMap",
    "builtin_map",
    "decode_register",
    "encode_register",
    "load_register_map",
    "parse_register_map",
    "read_blocks",
]

#: type → (struct format of the big-endian bytes, number of 16-bit words)
TYPES: dict[str, tuple[str, int]] = {
    "int16": (">h", 1),
    "uint16": (">H", 1),
    "int32": (">i", 2),
    "uint32": (">I", 2),
    "float32": (">f", 2),
    "int64": (">q", 4),
    "uint64": (">Q", 4),
    "float64": (">d", 4),
}
_TABLES = ("holding", "input")
_ORDERS = ("big", "little")
#: Modbus application protocol v1.1b3 §6.3/§6.4: at most 125 registers per read.
MAX_READ = 125
#: the maps shipped with zeropark, beside this module
_MAPS_DIR = Path(__file__).with_name("data") / "registers"
#: the maps shipped with zeropark (file stems)
BUILTIN_MAPS = ("chint_dtsu666", "eastron_sdm630", "huawei_sun2000")


@dataclass(frozen=True, slots=True)
class Register:
    """One value of a device: where it is, how to decode it, what it means."""

    name: str
    address: int
    type: str
    word_order: str = "big"
    scale: float = 1.0
    unit: str = ""
    quantity: Quantity = Quantity.INSTANT
    table: str = "holding"

    @property
    def words(self) -> int:
        """16-bit registers the value occupies."""
        return TYPES[self.type][1]


@dataclass(frozen=True, slots=True)
class RegisterMap:
    """The registers of one device model, with where the figures come from."""

    model: str
    source: str
    registers: tuple[Register, ...]

    def register(self, name: str) -> Register:
        """The register called ``name``; a :class:`RegisterMapError` naming the known ones if absent."""
        for r in self.registers:
            if r.name == name:
                return r
        known = ", ".join(r.name for r in self.registers)
        raise RegisterMapError(self.model, f"no register '{name}' (known: {known})")


def _field(doc: dict[str, Any], key: str, where: str, model: str) -> Any:
    if key not in doc:
        raise RegisterMapError(model, f"{where}: '{key}' is missing")
    return doc[key]


def parse_register_map(doc: Any, name: str = "map") -> RegisterMap:
    """A decoded YAML document → :class:`RegisterMap`, every entry checked; overlaps refused."""
    if not isinstance(doc, dict) or not isinstance(doc.get("registers"), list) or not doc["registers"]:
        raise RegisterMapError(name, "expected a mapping with a non-empty 'registers' list")
    model = str(doc.get("model") or name)
    table0 = str(doc.get("table", "holding"))
    order0 = str(doc.get("word_order", "big"))
    regs: list[Register] = []
    for i, item in enumerate(doc["registers"], start=1):
        where = f"register #{i}"
        if not isinstance(item, dict):
            raise RegisterMapError(model, f"{where} is not a mapping")
        reg_name = str(_field(item, "name", where, model))
        where = f"register #{i} '{reg_name}'"
        address = _field(item, "address", where, model)
        if isinstance(address, str):
            try:
                address = int(address, 0)
            except ValueError:
                raise RegisterMapError(model, f"{where}: address '{address}' is not a number") from None
        if not isinstance(address, int) or isinstance(address, bool) or not 0 <= address <= 0xFFFF:
            raise RegisterMapError(model, f"{where}: address {address!r} is not 0…65535")
        kind = str(_field(item, "type", where, model))
        if kind not in TYPES:
            raise RegisterMapError(model, f"{where}: type '{kind}' is not one of {', '.join(TYPES)}")
        order = str(item.get("word_order", order0))
        table = str(item.get("table", table0))
        if order not in _ORDERS:
            raise RegisterMapError(model, f"{where}: word_order '{order}' is not big or little")
        if table not in _TABLES:
            raise RegisterMapError(model, f"{where}: table '{table}' is not holding or input")
        scale = item.get("scale", 1)
        number = isinstance(scale, int | float) and not isinstance(scale, bool)
        if not number or not math.isfinite(scale) or scale == 0:
            raise RegisterMapError(model, f"{where}: scale {scale!r} is not a non-zero number")
        try:
            quantity = Quantity(str(item.get("quantity", "instant")))
        except ValueError:
            raise RegisterMapError(model, f"{where}: quantity must be cumulative or instant") from None
        if address + TYPES[kind][1] - 1 > 0xFFFF:
            raise RegisterMapError(model, f"{where}: the {kind} value runs past register 65535")
        unit = str(item.get("unit", ""))
        regs.append(Register(reg_name, address, kind, order, float(scale), unit, quantity, table))
    _check(model, regs)
    return RegisterMap(model, str(doc.get("source", "")), tuple(regs))


def _check(model: str, regs: list[Register]) -> None:
    names: set[str] = set()
    for r in regs:
        if r.name in names:
            raise RegisterMapError(model, f"register name '{r.name}' appears twice")
        names.add(r.name)
    for table in _TABLES:
        spans = sorted((r.address, r.address + r.words - 1, r) for r in regs if r.table == table)
        for (_s1, e1, r1), (s2, _e2, r2) in zip(spans, spans[1:], strict=False):
            if s2 <= e1:
                raise RegisterMapError(
                    model,
                    f"'{r1.name}' ({r1.type} at {r1.address}, words {r1.address}…{e1}) overlaps "
                    f"'{r2.name}' (at {r2.address}) in the {table} table; fix one address or type",
                )


def load_register_map(path: str | Path) -> RegisterMap:
    """A register map file (YAML) → :class:`RegisterMap`."""
    p = Path(path)
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RegisterMapError(p.name, f"not YAML ({str(exc).splitlines()[0]})") from None
    except UnicodeDecodeError:
        raise RegisterMapError(p.name, "is not text (UTF-8 YAML expected)") from None
    return parse_register_map(doc, p.stem)


def builtin_map(name: str) -> RegisterMap:
    """One of :data:`BUILTIN_MAPS` (shipped in ``zeropark/gateway/data/registers``)."""
    if name not in BUILTIN_MAPS:
        raise RegisterMapError(name, f"no such built-in map; built-in: {', '.join(BUILTIN_MAPS)}")
    text = (_MAPS_DIR / f"{name}.yaml").read_text("utf-8")
    return parse_register_map(yaml.safe_load(text), name)


def decode_register(reg: Register, words: list[int]) -> float:
    """The 16-bit words of ``reg`` (as read, in address order) → value × scale, in ``reg.unit``."""
    fmt, n = TYPES[reg.type]
    if len(words) != n:
        raise RegisterMapError(reg.name, f"needs {n} word(s), got {len(words)}")
    ordered = words if reg.word_order == "big" else words[::-1]
    (raw,) = struct.unpack(fmt, b"".join(w.to_bytes(2, "big") for w in ordered))
    return float(raw) * reg.scale


def encode_register(reg: Register, value: float) -> list[int]:
    """A value in ``reg.unit`` → the words a device holds (simulators, tests)."""
    fmt, _n = TYPES[reg.type]
    raw = value / reg.scale
    packed = struct.pack(fmt, raw if fmt[-1] in "fd" else round(raw))
    words = [int.from_bytes(packed[i : i + 2], "big") for i in range(0, len(packed), 2)]
    return words if reg.word_order == "big" else words[::-1]


@dataclass(frozen=True, slots=True)
class ReadBlock:
    """One read request: ``count`` registers of ``table`` from ``address``, and what they hold."""

    table: str
    address: int
    count: int
    registers: tuple[Register, ...]


def read_blocks(regs: tuple[Register, ...] | list[Register], max_gap: int = 8) -> list[ReadBlock]:
    """Group registers into as few reads as possible.

    Gaps up to ``max_gap`` words are read and discarded; at most :data:`MAX_READ` registers per read.
    """
    blocks: list[ReadBlock] = []
    for table in _TABLES:
        cur: list[Register] = []
        for r in sorted((r for r in regs if r.table == table), key=lambda r: r.address):
            if cur:
                start, end = cur[0].address, cur[-1].address + cur[-1].words
                if r.address - end <= max_gap and r.address + r.words - start <= MAX_READ:
                    cur.append(r)
                    continue
                blocks.append(ReadBlock(table, start, end - start, tuple(cur)))
            cur = [r]
        if cur:
            start, end = cur[0].address, cur[-1].address + cur[-1].words
            blocks.append(ReadBlock(table, start, end - start, tuple(cur)))
    return blocks
