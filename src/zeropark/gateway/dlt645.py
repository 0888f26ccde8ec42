"""DL/T 645-2007 《多功能电能表通信协议》 codec: frames, the 33H offset, BCD, data identifiers.

Pure functions (no I/O): the gateway's TCP client and the simulator both use them.

What the standard says, as used here (clause numbers of DL/T 645-2007 as recalled from the text,
[UNCERTAIN] until checked against a copy of the standard; the byte layout itself is confirmed by
public implementations (the ``dlt645`` package on PyPI, C drivers converting 2007 identifiers) and
by the EMQX Neuron DL/T 645-2007 driver documentation, which uses the same identifiers):

- §4.2 帧格式: ``68H A0 A1 A2 A3 A4 A5 68H C L DATA CS 16H``.
- §4.2.2 地址域: 6 bytes, 12 BCD digits, **low byte first** — the nameplate address
  ``123456789012`` travels as ``12 90 78 56 34 12``. ``AA…AA`` is the wildcard address (a
  point-to-point line: any meter answers ``read address``, control 13H); ``99…99`` is broadcast.
- §4.2.3 控制码 C: D7 direction (1 = reply from the meter), D6 abnormal reply (1 = error, the
  single data byte is the error word ERR), D5 follow-up frames, D4…D0 function: 11H read data,
  13H read address, 08H broadcast time. Normal reply to 11H is 91H (B1H with follow-up frames),
  abnormal D1H.
- §4.2.4 数据域长度 L: bytes of DATA (≤ 200 for a read reply).
- §4.2.5 数据域: every byte is sent **plus 33H** (modulo 256) and taken back minus 33H on receipt.
  A read request carries the data identifier DI0 DI1 DI2 DI3 (low byte first); the reply carries
  the same DI followed by the value, BCD, low byte first.
- §4.2.6 校验码 CS: the modulo-256 sum of every byte from the first 68H to the last DATA byte.
- §4.3 传输事项: before a frame the master sends 1–4 bytes FEH to wake the receiver (前导字节);
  a receiver skips leading FEH.
- Appendix A 数据标识编码表: the identifiers of :data:`DATA_IDS` (电能量 00xxxxxx, 变量 02xxxxxx,
  冻结量 05xxxxxx) and their formats (``XXXXXX.XX`` kWh in 4 bytes, …). For signed quantities the
  most significant bit of the most significant byte is the sign (方向).
- ERR bits (abnormal reply): bit0 其他错误, bit1 无请求数据, bit2 密码错/未授权, bit3 通信速率不能更改,
  bit4 年时区数超, bit5 日时段数超, bit6 费率数超.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from zeropark.errors import BadChecksum, FrameError, MeterErrorReply

__all__ = [
    "CONTROL_READ",
    "CONTROL_READ_ADDRESS",
    "DATA_IDS",
    "HOURLY_FREEZE_ENERGY",
    "HOURLY_FREEZE_TIME",
    "OFFSET",
    "PREAMBLE",
    "WILDCARD_ADDRESS",
    "DataId",
    "Frame",
    "Quantity",
    "address_bytes",
    "address_text",
    "bcd_decode",
    "bcd_encode",
    "build_frame",
    "build_read_reply",
    "checksum",
    "decode_freeze_time",
    "decode_read_reply",
    "decode_value",
    "encode_freeze_time",
    "encode_value",
    "error_reply",
    "freeze_ids",
    "parse_frame",
    "read_request",
    "split_frame",
]

START, END = 0x68, 0x16
OFFSET = 0x33
PREAMBLE = b"\xfe\xfe\xfe\xfe"
WILDCARD_ADDRESS = "AAAAAAAAAAAA"
CONTROL_READ = 0x11
CONTROL_READ_ADDRESS = 0x13
_REPLY, _ABNORMAL, _FOLLOW = 0x80, 0x40, 0x20
_ERR_BITS = (
    "其他错误",
    "无请求数据",
    "密码错/未授权",
    "通信速率不能更改",
    "年时区数超",
    "日时段数超",
    "费率数超",
)


class Quantity(StrEnum):
    """How a value behaves over time: a register that only grows, or an instantaneous value."""

    CUMULATIVE = "cumulative"
    INSTANT = "instant"


@dataclass(frozen=True, slots=True)
class DataId:
    """One data identifier of Appendix A: its value's size, decimals, unit and sign rule."""

    di: int
    name: str
    length: int  # bytes of the value (BCD, low byte first)
    decimals: int
    unit: str
    quantity: Quantity
    signed: bool = False


def _ids(*rows: DataId) -> dict[int, DataId]:
    return {r.di: r for r in rows}


#: Appendix A identifiers the gateway reads (表A.1 电能量, 表A.4 变量). Formats as in the table:
#: energy XXXXXX.XX kWh (4 bytes), voltage XXX.X V (2), current XXX.XXX A (3, signed),
#: power XX.XXXX kW (3, signed), power factor X.XXX (2, signed), frequency XX.XX Hz (2).
DATA_IDS: dict[int, DataId] = _ids(
    DataId(0x00000000, "组合有功总电能 combined active", 4, 2, "kWh", Quantity.CUMULATIVE, signed=True),
    DataId(0x00010000, "正向有功总电能 forward active energy", 4, 2, "kWh", Quantity.CUMULATIVE),
    DataId(0x00010100, "正向有功费率1(尖)电能 forward active, tariff 1", 4, 2, "kWh", Quantity.CUMULATIVE),
    DataId(0x00010200, "正向有功费率2(峰)电能 forward active, tariff 2", 4, 2, "kWh", Quantity.CUMULATIVE),
    DataId(0x00010300, "正向有功费率3(平)电能 forward active, tariff 3", 4, 2, "kWh", Quantity.CUMULATIVE),
    DataId(0x00010400, "正向有功费率4(谷)电能 forward active, tariff 4", 4, 2, "kWh", Quantity.CUMULATIVE),
    DataId(0x00020000, "反向有功总电能 reverse active energy", 4, 2, "kWh", Quantity.CUMULATIVE),
    DataId(0x02010100, "A相电压 phase A voltage", 2, 1, "V", Quantity.INSTANT),
    DataId(0x02010200, "B相电压 phase B voltage", 2, 1, "V", Quantity.INSTANT),
    DataId(0x02010300, "C相电压 phase C voltage", 2, 1, "V", Quantity.INSTANT),
    DataId(0x02020100, "A相电流 phase A current", 3, 3, "A", Quantity.INSTANT, signed=True),
    DataId(0x02020200, "B相电流 phase B current", 3, 3, "A", Quantity.INSTANT, signed=True),
    DataId(0x02020300, "C相电流 phase C current", 3, 3, "A", Quantity.INSTANT, signed=True),
    DataId(0x02030000, "瞬时总有功功率 total active power", 3, 4, "kW", Quantity.INSTANT, signed=True),
    DataId(0x02060000, "总功率因数 total power factor", 2, 3, "", Quantity.INSTANT, signed=True),
    DataId(0x02800002, "电网频率 grid frequency", 2, 2, "Hz", Quantity.INSTANT),
)

#: 整点冻结 (hourly freeze, 表A.6): ``0x050400nn`` = time of the n-th last freeze (YYMMDDhhmm,
#: 5 bytes), ``0x050401nn`` = forward active energy at that freeze (XXXXXX.XX kWh), n = 01…FE.
#: The identifiers are as recalled from Appendix A and as implemented by public DL/T 645 drivers;
#: [UNCERTAIN]: whether a given meter model keeps 254 hourly freezes (many keep fewer — the meter
#: answers ``无请求数据`` past its depth, which ends the backfill).
HOURLY_FREEZE_TIME = 0x05040000
HOURLY_FREEZE_ENERGY = 0x05040100


def freeze_ids(n: int) -> tuple[int, int]:
    """(time DI, energy DI) of the n-th last hourly freeze (1 = the latest)."""
    if not 1 <= n <= 0xFE:
        raise FrameError(f"hourly freeze number {n} is outside 1…254")
    return HOURLY_FREEZE_TIME + n, HOURLY_FREEZE_ENERGY + n


# -- BCD and addresses -------------------------------------------------------------------------------


def bcd_encode(number: int, length: int) -> bytes:
    """A non-negative integer → ``length`` BCD bytes, low byte first (``1234 → 34 12``)."""
    digits = f"{number:0{2 * length}d}"
    if number < 0 or len(digits) > 2 * length:
        raise FrameError(f"{number} does not fit in {length} BCD byte(s)")
    return bytes(int(digits[i : i + 2], 16) for i in range(2 * length - 2, -2, -2))


def bcd_decode(data: bytes) -> int:
    """BCD bytes, low byte first → integer; a nibble above 9 is a :class:`FrameError`."""
    text = data[::-1].hex()
    if not text.isdigit():
        raise FrameError(f"'{data.hex(' ')}' is not BCD (a digit above 9)", data)
    return int(text)


def address_bytes(address: str) -> bytes:
    """The 12-digit nameplate address → the 6 address bytes as sent (low byte first).

    ``"123456789012"`` → ``12 90 78 56 34 12``; the wildcard ``"AAAAAAAAAAAA"`` → ``AA×6``.
    Shorter numeric addresses are left-padded with zeros (``"1"`` → ``000000000001``).
    """
    text = address.strip().upper()
    if text == WILDCARD_ADDRESS or text == "999999999999":
        return bytes.fromhex(text)
    if not text.isdigit() or len(text) > 12:
        raise FrameError(f"address '{address}' is not up to 12 decimal digits (the nameplate 通信地址)")
    return bytes.fromhex(text.zfill(12))[::-1]


def address_text(raw: bytes) -> str:
    """The 6 address bytes as sent → the 12-digit nameplate address."""
    return raw[::-1].hex().upper()


# -- frames ------------------------------------------------------------------------------------------


def checksum(data: bytes) -> int:
    """CS: the modulo-256 sum of the bytes (from the first 68H to the last DATA byte)."""
    return sum(data) & 0xFF


@dataclass(frozen=True, slots=True)
class Frame:
    """A decoded frame; ``data`` has the 33H offset already removed."""

    address: str
    control: int
    data: bytes

    @property
    def is_reply(self) -> bool:
        """D7 = 1: sent by the meter."""
        return bool(self.control & _REPLY)

    @property
    def is_abnormal(self) -> bool:
        """D6 = 1: an abnormal reply (``data`` is the error word)."""
        return bool(self.control & _ABNORMAL)

    @property
    def function(self) -> int:
        """D4…D0: the function code (11H read data, 13H read address, …)."""
        return self.control & 0x1F


def build_frame(address: str, control: int, data: bytes = b"", *, preamble: bool = False) -> bytes:
    """One frame: ``[FE×4] 68 A0…A5 68 C L DATA+33H CS 16``."""
    if len(data) > 0xFF:
        raise FrameError(f"data of {len(data)} bytes does not fit the length byte L")
    body = (
        bytes([START])
        + address_bytes(address)
        + bytes([START, control, len(data)])
        + bytes((b + OFFSET) & 0xFF for b in data)
    )
    return (PREAMBLE if preamble else b"") + body + bytes([checksum(body), END])


def read_request(address: str, di: int, *, preamble: bool = True) -> bytes:
    """The master's 读数据 request (control 11H) for data identifier ``di``."""
    return build_frame(address, CONTROL_READ, di.to_bytes(4, "little"), preamble=preamble)


def split_frame(buffer: bytes) -> tuple[Frame | None, bytes]:
    """The first complete frame of a byte stream, and what follows it.

    ``(None, buffer)`` if the frame is not complete yet. Leading FEH (and noise before 68H) is skipped.
    """
    start = buffer.find(bytes([START]))
    if start < 0:
        return None, b""
    buf = buffer[start:]
    if len(buf) < 10:
        return None, buf
    total = 12 + buf[9]
    if len(buf) < total:
        return None, buf
    return parse_frame(buf[:total]), buf[total:]


def parse_frame(raw: bytes) -> Frame:
    """Bytes of one frame (leading FEH allowed) → :class:`Frame`.

    A bad frame raises :class:`~zeropark.errors.FrameError`, a bad checksum
    :class:`~zeropark.errors.BadChecksum`.
    """
    buf = raw.lstrip(b"\xfe")
    if len(buf) < 12:
        raise FrameError(f"{len(buf)} bytes, a frame has at least 12", raw)
    if buf[0] != START or buf[7] != START:
        raise FrameError("no 68H at byte 0 and 7", raw)
    length = buf[9]
    if len(buf) != 12 + length:
        raise FrameError(f"length byte L = {length} but {len(buf) - 12} data byte(s) present", raw)
    body, cs, end = buf[: 10 + length], buf[10 + length], buf[11 + length]
    if end != END:
        raise FrameError(f"last byte {end:02X}H, expected 16H", raw)
    if checksum(body) != cs:
        raise BadChecksum(checksum(body), cs, raw)
    return Frame(address_text(buf[1:7]), buf[8], bytes((b - OFFSET) & 0xFF for b in body[10:]))


# -- values ------------------------------------------------------------------------------------------


def _spec(di: int) -> DataId:
    spec = DATA_IDS.get(di)
    if spec is None:
        low = di & 0xFFFFFF00
        if low == HOURLY_FREEZE_ENERGY:
            return DataId(di, "整点冻结正向有功总电能", 4, 2, "kWh", Quantity.CUMULATIVE)
        raise FrameError(f"data identifier {di:08X} is not in the gateway's table (dlt645.DATA_IDS)")
    return spec


def decode_value(di: int, data: bytes) -> float:
    """The value bytes of identifier ``di`` (offset removed) → number in the identifier's unit."""
    spec = _spec(di)
    if len(data) != spec.length:
        raise FrameError(f"{di:08X} needs {spec.length} value byte(s), got {len(data)}", data)
    sign = 1
    if spec.signed and data[-1] & 0x80:
        sign = -1
        data = data[:-1] + bytes([data[-1] & 0x7F])
    return float(sign * bcd_decode(data) / 10**spec.decimals)


def encode_value(di: int, value: float) -> bytes:
    """A number in the identifier's unit → its value bytes (offset not yet added; simulator)."""
    spec = _spec(di)
    scaled = round(abs(value) * 10**spec.decimals)
    if value < 0 and not spec.signed:
        raise FrameError(f"{di:08X} is unsigned; {value} cannot be sent")
    raw = bytearray(bcd_encode(scaled, spec.length))
    if value < 0:
        raw[-1] |= 0x80
    return bytes(raw)


def encode_freeze_time(ts: datetime) -> bytes:
    """A local freeze time → YYMMDDhhmm, 5 BCD bytes, low byte (minute) first."""
    return bcd_encode(int(ts.strftime("%y%m%d%H%M")), 5)


def decode_freeze_time(data: bytes) -> datetime:
    """YYMMDDhhmm (5 BCD bytes, low byte first) → naive local datetime (the meter's clock)."""
    digits = f"{bcd_decode(data):010d}"
    try:
        return datetime.strptime(digits, "%y%m%d%H%M")
    except ValueError as exc:
        raise FrameError(f"freeze time '{digits}' is not YYMMDDhhmm", data) from exc


def build_read_reply(address: str, di: int, value_bytes: bytes, *, follow: bool = False) -> bytes:
    """A meter's normal reply (91H, B1H with follow-up frames) to a read of ``di``."""
    control = CONTROL_READ | _REPLY | (_FOLLOW if follow else 0)
    return build_frame(address, control, di.to_bytes(4, "little") + value_bytes)


def error_reply(address: str, err: int = 0x02) -> bytes:
    """A meter's abnormal reply (D1H) with error word ``err`` (02H = 无请求数据)."""
    return build_frame(address, CONTROL_READ | _REPLY | _ABNORMAL, bytes([err]))


def decode_read_reply(frame: Frame, di: int, address: str | None = None) -> bytes:
    """The value bytes of a reply to a read of ``di`` (checks direction, DI and address).

    An abnormal reply raises :class:`~zeropark.errors.MeterErrorReply` naming the ERR bits.
    """
    if not frame.is_reply:
        raise FrameError("a request frame where a reply was expected (D7 = 0)")
    if address is not None and address_bytes(address) != address_bytes(frame.address):
        if address_bytes(address) != bytes.fromhex(WILDCARD_ADDRESS):
            raise FrameError(f"reply from meter {frame.address}, asked {address}")
    if frame.is_abnormal:
        err = frame.data[0] if frame.data else 0
        reasons = tuple(name for bit, name in enumerate(_ERR_BITS) if err >> bit & 1)
        raise MeterErrorReply(err, reasons)
    if len(frame.data) < 4 or int.from_bytes(frame.data[:4], "little") != di:
        got = int.from_bytes(frame.data[:4], "little") if len(frame.data) >= 4 else None
        raise FrameError(f"reply for identifier {got if got is None else f'{got:08X}'}, asked {di:08X}")
    return frame.data[4:]
