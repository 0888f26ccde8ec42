"""DL/T 645-2007 frames computed by hand, and Modbus register maps as data (issue #19)."""

from __future__ import annotations

import struct
from datetime import datetime

import pytest

from zeropark.errors import BadChecksum, FrameError, MeterErrorReply, RegisterMapError
from zeropark.gateway import dlt645
from zeropark.gateway.registers import (
    BUILTIN_MAPS,
    builtin_map,
    decode_register,
    encode_register,
    parse_register_map,
    read_blocks,
)

# Read 正向有功总电能 (DI 00 01 00 00) from the meter with nameplate address 123456789012.
# Address low byte first: 12 90 78 56 34 12. DI low byte first 00 00 01 00, +33H: 33 33 34 33.
# CS = 68+12+90+78+56+34+12+68+11+04+33+33+34+33 (hex) = 104+18+144+120+86+52+18+104+17+4+51+51+52+51
#    = 872 = 3×256 + 104 → 104 = 68H.
REQUEST = bytes.fromhex("FEFEFEFE 68 129078563412 68 11 04 33333433 68 16".replace(" ", ""))
# The meter's reply: 1234.56 kWh = XXXXXX.XX BCD 00 12 34 56, low byte first 56 34 12 00, +33H:
# 89 67 45 33. C = 91H, L = 08. CS = 872 − 17 − 4 (11H, 04H of the request) + 145 + 8 (91H, 08H)
#    + 89+67+45+33 (hex: 137+103+69+51 = 360) = 1364 = 5×256 + 84 → 84 = 54H.
REPLY = bytes.fromhex("68 129078563412 68 91 08 33333433 89674533 54 16".replace(" ", ""))


def test_read_request_matches_the_hand_computed_frame() -> None:
    assert dlt645.read_request("123456789012", 0x00010000) == REQUEST
    assert dlt645.read_request("123456789012", 0x00010000, preamble=False) == REQUEST[4:]


def test_reply_decodes_to_kwh() -> None:
    frame = dlt645.parse_frame(b"\xfe\xfe" + REPLY)  # leading wake-up bytes are skipped
    assert (frame.address, frame.control) == ("123456789012", 0x91)
    assert frame.is_reply and not frame.is_abnormal
    value = dlt645.decode_read_reply(frame, 0x00010000, "123456789012")
    assert value == bytes.fromhex("56341200")
    assert dlt645.decode_value(0x00010000, value) == 1234.56
    # and the simulator's encoder builds the same bytes
    built = dlt645.build_read_reply("123456789012", 0x00010000, dlt645.encode_value(0x00010000, 1234.56))
    assert built == REPLY


def test_bad_checksum_is_named() -> None:
    bad = REPLY[:-2] + bytes([0x55, 0x16])
    with pytest.raises(BadChecksum) as exc:
        dlt645.parse_frame(bad)
    assert (exc.value.expected, exc.value.got) == (0x54, 0x55)
    assert "54H" in str(exc.value)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        bytes.fromhex("68 129078563412 68 91 08 3333".replace(" ", "")),  # truncated
        REPLY[:-1] + b"\x17",  # no 16H
        REPLY[:9] + b"\x09" + REPLY[10:],  # L says 9 bytes, 8 present
    ],
)
def test_malformed_frames_are_named(raw: bytes) -> None:
    with pytest.raises(FrameError):
        dlt645.parse_frame(raw)


def test_signed_values_and_instantaneous_formats() -> None:
    # power XX.XXXX kW, 3 bytes: −1.2345 kW → 012345, low first 45 23 01, sign bit on the top byte → 81
    raw = dlt645.encode_value(0x02030000, -1.2345)
    assert raw == bytes.fromhex("452381")
    assert dlt645.decode_value(0x02030000, raw) == -1.2345
    # voltage XXX.X V, 2 bytes: 220.1 V → 2201 → 01 22
    assert dlt645.encode_value(0x02010100, 220.1) == bytes.fromhex("0122")
    # not BCD → named error
    with pytest.raises(FrameError):
        dlt645.decode_value(0x02010100, bytes.fromhex("0A22"))


def test_abnormal_reply_names_the_error_bits() -> None:
    frame = dlt645.parse_frame(dlt645.error_reply("123456789012", 0x02))
    assert frame.control == 0xD1
    with pytest.raises(MeterErrorReply) as exc:
        dlt645.decode_read_reply(frame, 0x00010000)
    assert exc.value.reasons == ("无请求数据",)


def test_stream_split_and_freeze_time() -> None:
    frame, rest = dlt645.split_frame(b"\xfe\xfe" + REPLY + b"\xfe")
    assert frame is not None and frame.control == 0x91 and rest == b"\xfe"
    assert dlt645.split_frame(REPLY[:12]) == (None, REPLY[:12])
    # 2026-03-01 14:00 → "2603011400", low byte first: 00 14 01 03 26
    t = datetime(2026, 3, 1, 14, 0)
    assert dlt645.encode_freeze_time(t) == bytes.fromhex("0014010326")
    assert dlt645.decode_freeze_time(bytes.fromhex("0014010326")) == t
    assert dlt645.freeze_ids(1) == (0x05040001, 0x05040101)
    with pytest.raises(FrameError):
        dlt645.freeze_ids(0)


def test_address_rules() -> None:
    assert dlt645.address_bytes("1") == bytes.fromhex("010000000000")
    assert dlt645.address_bytes("AAAAAAAAAAAA") == b"\xaa" * 6
    with pytest.raises(FrameError):
        dlt645.address_bytes("12345678901X")


# -- Modbus register maps ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUILTIN_MAPS)
def test_builtin_maps_load_and_cite_a_source(name: str) -> None:
    m = builtin_map(name)
    assert m.source and any(r.quantity == "cumulative" for r in m.registers)


def test_decode_word_orders_and_scales() -> None:
    m = parse_register_map(
        {
            "model": "t",
            "registers": [
                {"name": "a", "address": 0, "type": "float32"},
                {"name": "b", "address": 2, "type": "float32", "word_order": "little"},
                {"name": "c", "address": 4, "type": "uint32", "scale": 0.01, "unit": "kWh"},
                {"name": "d", "address": 6, "type": "int16", "scale": 0.1},
            ],
        }
    )
    # 1.5 as float32 = 3F C0 00 00 → words 3FC0 0000 (big) or 0000 3FC0 (little)
    assert struct.pack(">f", 1.5) == bytes.fromhex("3FC00000")
    assert decode_register(m.register("a"), [0x3FC0, 0x0000]) == 1.5
    assert decode_register(m.register("b"), [0x0000, 0x3FC0]) == 1.5
    # uint32 0x0001E240 = 123456 × 0.01 = 1234.56 kWh
    assert decode_register(m.register("c"), [0x0001, 0xE240]) == pytest.approx(1234.56)
    # int16 0xFF9C = −100 × 0.1 = −10.0
    assert decode_register(m.register("d"), [0xFF9C]) == pytest.approx(-10.0)
    assert encode_register(m.register("c"), 1234.56) == [0x0001, 0xE240]
    assert [(b.address, b.count) for b in read_blocks(m.registers)] == [(0, 7)]


def test_overlapping_registers_are_refused() -> None:
    with pytest.raises(RegisterMapError, match="overlaps"):
        parse_register_map(
            {
                "model": "bad",
                "registers": [
                    {"name": "energy", "address": 100, "type": "float32"},  # words 100, 101
                    {"name": "power", "address": 101, "type": "int16"},
                ],
            }
        )
    # the same address in the input table is not an overlap with the holding table
    parse_register_map(
        {
            "registers": [
                {"name": "x", "address": 100, "type": "float32"},
                {"name": "y", "address": 101, "type": "int16", "table": "input"},
            ]
        }
    )


@pytest.mark.parametrize(
    "entry",
    [
        {"name": "x", "address": 1, "type": "float16"},
        {"name": "x", "address": 70000, "type": "int16"},
        {"name": "x", "address": 1, "type": "int16", "word_order": "middle"},
        {"name": "x", "address": 1, "type": "int16", "scale": 0},
        {"name": "x", "type": "int16"},
    ],
)
def test_bad_register_entries_are_named(entry: dict[str, object]) -> None:
    with pytest.raises(RegisterMapError):
        parse_register_map({"model": "bad", "registers": [entry]})
