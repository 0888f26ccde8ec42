"""The gateway's poll cycle against simulated devices: values, named gaps, backfill (issue #19).

No broker here: the cycle's output is the buffer (the messages the publisher will send).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from zeropark.errors import GatewayConfigError, RegisterMapError
from zeropark.gateway.buffer import Buffer
from zeropark.gateway.config import load_config, parse_config
from zeropark.gateway.opcua import OpcUaLine
from zeropark.gateway.registers import builtin_map
from zeropark.gateway.runner import GapReason, Gateway
from zeropark.gateway.simulators import Dlt645Simulator, ModbusSimulator, OpcUaSimulator, SimMeter

T0 = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)  # 12:00 Beijing time


def _config(dport: int, mport: int, tmp: Path) -> dict[str, Any]:
    return {
        "park": "P1",
        "timeout_s": 0.3,
        "buffer": str(tmp / "buf.sqlite"),
        "devices": [
            {
                "id": "hall",
                "protocol": "dlt645",
                "host": "127.0.0.1",
                "port": dport,
                "address": "123456789012",
                "backfill": True,
                "points": [{"meter": "E1", "di": "00 01 00 00"}, {"meter": "E1P", "di": "02 03 00 00"}],
            },
            {
                "id": "noisy",
                "protocol": "dlt645",
                "host": "127.0.0.1",
                "port": dport,
                "address": "000000000002",
                "points": [{"meter": "E2", "di": "00010000"}],
            },
            {
                "id": "dtsu",
                "protocol": "modbus",
                "host": "127.0.0.1",
                "port": mport,
                "unit_id": 1,
                "map": "chint_dtsu666",
                "points": [{"meter": "M1", "register": "import_kwh", "multiplier": 80}],
            },
            {
                "id": "inverter",
                "protocol": "modbus",
                "host": "127.0.0.1",
                "port": mport,
                "unit_id": 2,
                "map": "huawei_sun2000",
                "points": [{"meter": "PV1", "register": "total_yield_kwh"}],
            },
            {
                "id": "absent-unit",
                "protocol": "modbus",
                "host": "127.0.0.1",
                "port": mport,
                "unit_id": 9,
                "map": "chint_dtsu666",
                "points": [{"meter": "M9", "register": "import_kwh"}],
            },
        ],
    }


def _messages(buf: Buffer) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for _id, topic, payload in buf.pending(limit=10_000):
        out.setdefault(topic.split("/")[2], []).extend(orjson.loads(payload))
    return out


def test_poll_cycles_values_gaps_backwards_and_backfill(tmp_path: Path) -> None:
    async def scenario() -> None:
        hall = SimMeter("123456789012", {0x00010000: 1000.25, 0x02030000: -1.5})
        noisy = SimMeter("2", {0x00010000: 5.0}, bad_checksum=True)
        dlt = Dlt645Simulator([hall, noisy])
        dport = await dlt.start()
        mb = ModbusSimulator({1: builtin_map("chint_dtsu666"), 2: builtin_map("huawei_sun2000")})
        mport = await mb.start()
        mb.set(1, "import_kwh", 100.5)  # exactly representable as float32
        mb.set(2, "total_yield_kwh", 4321.07)  # uint32 432107 × 0.01
        gw = Gateway(parse_config(_config(dport, mport, tmp_path)))
        try:
            # cycle 1: everything answers but the noisy meter (bad checksum) and unit 9 (no such unit)
            r1 = await gw.poll_cycle(T0)
            assert r1.readings == 4
            reasons = {g.meter: g.reason for g in r1.gaps}
            assert reasons == {"E2": GapReason.BAD_CHECKSUM, "M9": GapReason.MODBUS_EXCEPTION}
            msgs = _messages(gw.buffer)
            assert msgs["E1"] == [{"ts": "2026-03-01T04:00:00+00:00", "value": 1000.25, "unit": "kWh"}]
            assert msgs["E1P"][0]["value"] == -1.5 and msgs["E1P"][0]["unit"] == "kW"
            assert msgs["M1"][0]["value"] == 100.5 * 80  # CT ratio given as the point's multiplier
            assert msgs["PV1"][0]["value"] == pytest.approx(4321.07)
            gw.buffer.acknowledged([i for i, _t, _p in gw.buffer.pending(limit=100)])

            # cycle 2: the hall meter is silent (timeout); the DTSU register goes backwards
            hall.silent = True
            mb.set(1, "import_kwh", 90.0)
            r2 = await gw.poll_cycle(T0 + timedelta(hours=2))
            reasons = {g.meter: g.reason for g in r2.gaps}
            assert reasons["E1"] == reasons["E1P"] == GapReason.TIMEOUT
            assert reasons["M1"] == GapReason.REGISTER_BACKWARDS
            assert "8040.0 to 7200.0" in next(g.detail for g in r2.gaps if g.meter == "M1")
            assert "M1" not in _messages(gw.buffer)

            # cycle 3: the hall meter answers again; its hourly freezes since the gap are backfilled
            # (meter clock: Beijing time; 13:00 and 14:00 local = 05:00 and 06:00 UTC; 12:00 local is
            # the last value before the gap and is not re-sent)
            hall.silent = False
            hall.values[0x00010000] = 1003.0
            hall.freezes = [
                (datetime(2026, 3, 1, 14, 0), 1002.0),
                (datetime(2026, 3, 1, 13, 0), 1001.0),
                (datetime(2026, 3, 1, 12, 0), 1000.25),
            ]
            mb.set(1, "import_kwh", 91.0)
            r3 = await gw.poll_cycle(T0 + timedelta(hours=3))
            assert r3.backfilled == 2 and r3.readings == 4  # M1 carries on from the new value
            e1 = _messages(gw.buffer)["E1"]
            assert [(i["ts"][11:16], i["value"]) for i in e1] == [
                ("07:00", 1003.0),
                ("05:00", 1001.0),
                ("06:00", 1002.0),
            ]
            # gaps: cycle 1 E2, M9; cycle 2 E1, E1P, E2, M1, M9; cycle 3 E2, M9
            assert len(gw.buffer.gaps()) == 2 + 5 + 2
        finally:
            gw.close()
            gw.buffer.close()
            await dlt.stop()
            await mb.stop()

    asyncio.run(scenario())


def test_unreachable_or_silent_devices_are_gaps_not_a_crash(tmp_path: Path) -> None:
    """Nothing listening → ``connection``; a Modbus server that accepts and never answers → ``timeout``."""

    async def scenario() -> Any:
        async def black_hole(reader: asyncio.StreamReader, _w: asyncio.StreamWriter) -> None:
            await reader.read()  # never answers

        hole = await asyncio.start_server(black_hole, "127.0.0.1", 0)
        hole_port = hole.sockets[0].getsockname()[1]
        cfg = parse_config(
            {
                "park": "P1",
                "timeout_s": 0.2,
                "buffer": str(tmp_path / "b.sqlite"),
                "devices": [
                    {
                        "id": "d",
                        "protocol": "dlt645",
                        "host": "127.0.0.1",
                        "port": 1,
                        "address": "1",
                        "points": [{"meter": "E", "di": "00000000"}],
                    },
                    {
                        "id": "m",
                        "protocol": "modbus",
                        "host": "127.0.0.1",
                        "port": 1,
                        "map": "eastron_sdm630",
                        "points": [{"meter": "M", "register": "import_kwh"}],
                    },
                    {
                        "id": "silent",
                        "protocol": "modbus",
                        "host": "127.0.0.1",
                        "port": hole_port,
                        "map": "eastron_sdm630",
                        "points": [{"meter": "S", "register": "import_kwh"}],
                    },
                ],
            }
        )
        gw = Gateway(cfg)
        try:
            return await gw.poll_cycle(T0)
        finally:
            gw.close()
            hole.close()

    res = asyncio.run(scenario())
    assert res.readings == 0
    assert {g.meter: g.reason for g in res.gaps} == {
        "E": GapReason.CONNECTION,
        "M": GapReason.CONNECTION,
        "S": GapReason.TIMEOUT,
    }


@pytest.mark.mqtt
def test_the_buffer_survives_a_gateway_restart(tmp_path: Path, mqtt_broker: tuple[str, int]) -> None:
    """Readings buffered while no broker was reachable are sent by the next gateway process."""
    host, port = mqtt_broker
    prefix = f"zpgwr{uuid.uuid4().hex[:8]}"
    dlt = Dlt645Simulator([SimMeter("7", {0x00010000: 42.42})])

    def doc(mqtt_port: int) -> dict[str, Any]:
        return {
            "park": "P1",
            "timeout_s": 0.5,
            "buffer": str(tmp_path / "buf.sqlite"),
            "mqtt": {"host": host, "port": mqtt_port, "prefix": prefix, "client_id": f"gw-{prefix}"},
            "devices": [
                {
                    "id": "e",
                    "protocol": "dlt645",
                    "host": "127.0.0.1",
                    "port": dlt.port,
                    "address": "7",
                    "points": [{"meter": "E7", "di": "00010000"}],
                }
            ],
        }

    async def first_run() -> int:
        await dlt.start()
        gw = Gateway(parse_config(doc(1)))  # no broker there: the publisher is never connected
        await gw.poll_cycle(T0)
        gw.close()
        await dlt.stop()
        backlog = gw.buffer.backlog()
        gw.buffer.close()
        return backlog

    assert asyncio.run(first_run()) == 1
    got: list[bytes] = []
    sub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"t-{prefix}")
    sub.on_message = lambda _c, _u, msg: got.append(bytes(msg.payload))
    sub.connect(host, port)
    sub.subscribe(f"{prefix}/#", qos=1)
    sub.loop_start()
    time.sleep(0.3)
    gw2 = Gateway(parse_config(doc(port)))  # a new process: same buffer file, broker reachable
    gw2.publisher.start()
    try:
        assert gw2.publisher.drain(10)
        end = time.monotonic() + 5
        while not got and time.monotonic() < end:
            time.sleep(0.05)
    finally:
        gw2.publisher.stop()
        sub.loop_stop()
        sub.disconnect()
    assert [orjson.loads(p) for p in got] == [
        [{"ts": "2026-03-01T04:00:00+00:00", "value": 42.42, "unit": "kWh"}]
    ]


@pytest.mark.parametrize(
    ("patch", "needle"),
    [
        ({"park": ""}, "'park' is missing"),
        ({"devices": []}, "non-empty list"),
        ({"devices": [{"id": "x", "protocol": "bacnet", "host": "h", "points": [{}]}]}, "protocol"),
        (
            {
                "devices": [
                    {
                        "id": "x",
                        "protocol": "dlt645",
                        "host": "h",
                        "port": 1,
                        "address": "1",
                        "points": [{"meter": "E", "di": "12 34 56 78"}],
                    }
                ]
            },
            "not one the gateway reads",
        ),
        (
            {
                "devices": [
                    {
                        "id": "x",
                        "protocol": "dlt645",
                        "host": "h",
                        "port": 1,
                        "address": "12X",
                        "points": [{"meter": "E", "di": "00010000"}],
                    }
                ]
            },
            "12 decimal digits",
        ),
        (
            {
                "devices": [
                    {
                        "id": "x",
                        "protocol": "modbus",
                        "host": "h",
                        "map": "nope.yaml",
                        "points": [{"meter": "E", "register": "a"}],
                    }
                ]
            },
            "neither built-in",
        ),
        ({"timeout_s": -1}, "timeout_s"),
    ],
)
def test_bad_config_is_named(patch: dict[str, Any], needle: str) -> None:
    doc = {
        "park": "P1",
        "devices": [
            {
                "id": "d",
                "protocol": "dlt645",
                "host": "h",
                "port": 1,
                "address": "1",
                "points": [{"meter": "E", "di": "00010000"}],
            }
        ],
    }
    with pytest.raises(GatewayConfigError, match=needle):
        parse_config({**doc, **patch})


def test_config_file_with_a_bad_register_map(tmp_path: Path) -> None:
    (tmp_path / "map.yaml").write_text(
        "model: bad\nregisters:\n"
        "  - {name: e, address: 100, type: float32}\n"
        "  - {name: p, address: 101, type: int16}\n",
        encoding="utf-8",
    )
    (tmp_path / "gw.yaml").write_text(
        "park: P1\ndevices:\n"
        "  - {id: m, protocol: modbus, host: h, map: map.yaml, points: [{meter: E, register: e}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(RegisterMapError, match="overlaps"):
        load_config(tmp_path / "gw.yaml")


def test_opcua_points_gaps_and_history_backfill(tmp_path: Path) -> None:
    """An OPC UA server (asyncua): values read, a server down is a gap, HistoryRead fills it."""

    async def scenario() -> None:
        sim = OpcUaSimulator(["CHP1.GasTotal", "CHP1.Power"])
        await sim.start()
        cfg = parse_config(
            {
                "park": "P1",
                "timeout_s": 1.0,
                "buffer": str(tmp_path / "b.sqlite"),
                "devices": [
                    {
                        "id": "chp",
                        "protocol": "opcua",
                        "url": sim.url,
                        "backfill": True,
                        "points": [
                            {
                                "meter": "CHP-GAS",
                                "node": sim.node_id("CHP1.GasTotal"),
                                "unit": "m3",
                                "quantity": "cumulative",
                            },
                            {"meter": "CHP-P", "node": sim.node_id("CHP1.Power"), "unit": "kW"},
                        ],
                    },
                    {
                        "id": "typo",
                        "protocol": "opcua",
                        "url": sim.url,
                        "points": [{"meter": "X", "node": sim.node_id("CHP1.NoSuchNode"), "unit": "kW"}],
                    },
                ],
            }
        )
        gw = Gateway(cfg)
        try:
            await sim.set("CHP1.GasTotal", 500.0, T0)
            await sim.set("CHP1.Power", 812.5, T0)
            r1 = await gw.poll_cycle(T0)
            assert r1.readings == 2
            assert [(g.meter, g.reason) for g in r1.gaps] == [("X", GapReason.OPCUA_BAD_STATUS)]
            assert "BadNodeIdUnknown" in r1.gaps[0].detail
            assert _messages(gw.buffer)["CHP-GAS"] == [
                {"ts": "2026-03-01T04:00:00+00:00", "value": 500.0, "unit": "m3"}
            ]
            gw.buffer.acknowledged([i for i, _t, _p in gw.buffer.pending()])
            # the gateway loses its session (network cut): a gap; the server records on
            await gw.aclose()
            gw._opcua[sim.url] = OpcUaLine("opc.tcp://127.0.0.1:1/", 0.5)  # unreachable for one cycle
            r2 = await gw.poll_cycle(T0 + timedelta(minutes=15))
            assert {g.reason for g in r2.gaps} == {GapReason.CONNECTION}
            await sim.set("CHP1.GasTotal", 510.0, T0 + timedelta(minutes=15))
            await sim.set("CHP1.GasTotal", 520.0, T0 + timedelta(minutes=30))
            del gw._opcua[sim.url]
            r3 = await gw.poll_cycle(T0 + timedelta(minutes=30))
            # HistoryRead between the last answered poll (04:00) and now (04:30): the 04:15 value
            assert r3.backfilled == 1
            gas = _messages(gw.buffer)["CHP-GAS"]
            assert [(i["ts"][11:16], i["value"]) for i in gas] == [("04:30", 520.0), ("04:15", 510.0)]
        finally:
            await gw.aclose()
            gw.buffer.close()
            await sim.stop()

    asyncio.run(scenario())
