"""Device → gateway → Mosquitto → ingester → PostgreSQL, with a broker outage (issue #19).

The broker is a private Mosquitto (free port, persistence on, started and stopped by the test) so
that stopping it does not touch the machine's shared broker on 1883. Simulated DL/T 645 meters
behind a TCP converter and a Modbus TCP server stand for the devices.
"""

from __future__ import annotations

import asyncio
import math
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ingest_helpers import make_park, wait_until
from sqlalchemy import Engine, select

from zeropark.gateway.config import parse_config
from zeropark.gateway.registers import builtin_map
from zeropark.gateway.runner import GapReason, Gateway
from zeropark.gateway.simulators import Dlt645Simulator, ModbusSimulator, SimMeter
from zeropark.ingest.mqtt import IngesterConfig, MqttIngester, reading_topic
from zeropark.model import Carrier, Direction, Meter, MeterKind
from zeropark.store import repo
from zeropark.store.schema import ReadingRow

pytestmark = [pytest.mark.mqtt, pytest.mark.postgres]
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class PrivateBroker:
    """A Mosquitto of this test only; ``stop``/``start`` make the outage."""

    def __init__(self, tmp: Path) -> None:
        self.port = _free_port()
        self.conf = tmp / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\n"
            f"persistence true\npersistence_location {tmp}/\n" + ("user root\n" if os.geteuid() == 0 else ""),
            # as root, Mosquitto would switch to its own user, who cannot write the test's directory
            encoding="utf-8",
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stderr=subprocess.DEVNULL)
        wait_until(lambda: _listening(self.port), 10)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()  # SIGTERM: the sessions are saved to the persistence file
            self.proc.wait(10)
            self.proc = None


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateBroker]:
    if not Path(MOSQUITTO).exists():
        pytest.skip("mosquitto is not installed")
    b = PrivateBroker(tmp_path)
    b.start()
    yield b
    b.stop()


def _values(engine: Engine) -> dict[str, list[tuple[datetime, float]]]:
    out: dict[str, list[tuple[datetime, float]]] = {}
    with engine.connect() as c:
        for meter, ts, value in c.execute(
            select(ReadingRow.meter_id, ReadingRow.ts, ReadingRow.value).order_by(ReadingRow.ts)
        ):
            out.setdefault(meter, []).append((ts, value))
    return out


def _count(engine: Engine) -> int:
    return sum(len(v) for v in _values(engine).values())


def test_device_to_database_through_a_broker_outage(
    pg_engine: Engine, broker: PrivateBroker, tmp_path: Path
) -> None:
    make_park(pg_engine)
    for mid in ("GW-E1", "GW-E2", "GW-M1", "GW-PV"):
        repo.add_meter(
            pg_engine,
            Meter(
                mid,
                "P1",
                Carrier.ELECTRICITY,
                "kWh",
                Direction.CONSUMPTION,
                MeterKind.CUMULATIVE,
                interval_s=15,
            ),
        )
    prefix = f"zpgw{uuid.uuid4().hex[:8]}"
    ingester = MqttIngester(
        pg_engine,
        IngesterConfig(
            host="127.0.0.1",
            port=broker.port,
            topic=f"{prefix}/+/+/reading",
            client_id=f"t-gw-{uuid.uuid4().hex[:8]}",
            max_delay_s=0.05,
        ),
    )
    ing_thread = threading.Thread(target=ingester.run, daemon=True)
    ing_thread.start()
    assert ingester.wait_subscribed()

    # four cycles 15 s apart, ending a minute ago (the ingester refuses future timestamps)
    base = datetime.fromtimestamp(math.floor(time.time() / 15) * 15, UTC) - timedelta(minutes=2)
    stamps = [base + timedelta(seconds=15 * k) for k in range(4)]

    async def scenario() -> tuple[list[int], int]:
        e1 = SimMeter("110000000001", {0x00010000: 5000.00})
        e2 = SimMeter("110000000002", {0x00010000: 70.5})
        silent = SimMeter("110000000003", {0x00010000: 1.0}, silent=True)
        dlt = Dlt645Simulator([e1, e2, silent])
        dport = await dlt.start()
        mb = ModbusSimulator({1: builtin_map("chint_dtsu666"), 3: builtin_map("huawei_sun2000")})
        mport = await mb.start()
        cfg = parse_config(
            {
                "park": "P1",
                "timeout_s": 0.3,
                "buffer": str(tmp_path / "gw.sqlite"),
                "mqtt": {
                    "port": broker.port,
                    "prefix": prefix,
                    "client_id": f"gw-{prefix}",
                    "reconnect_min_s": 1,
                    "reconnect_max_s": 1,
                },
                "devices": [
                    {
                        "id": "e1",
                        "protocol": "dlt645",
                        "host": "127.0.0.1",
                        "port": dport,
                        "address": "110000000001",
                        "points": [{"meter": "GW-E1", "di": "00 01 00 00"}],
                    },
                    {
                        "id": "e2",
                        "protocol": "dlt645",
                        "host": "127.0.0.1",
                        "port": dport,
                        "address": "110000000002",
                        "points": [{"meter": "GW-E2", "di": "00 01 00 00"}],
                    },
                    {
                        "id": "e3",
                        "protocol": "dlt645",
                        "host": "127.0.0.1",
                        "port": dport,
                        "address": "110000000003",
                        "points": [{"meter": "GW-E3", "di": "00 01 00 00"}],
                    },
                    {
                        "id": "m1",
                        "protocol": "modbus",
                        "host": "127.0.0.1",
                        "port": mport,
                        "unit_id": 1,
                        "map": "chint_dtsu666",
                        "points": [{"meter": "GW-M1", "register": "import_kwh"}],
                    },
                    {
                        "id": "pv",
                        "protocol": "modbus",
                        "host": "127.0.0.1",
                        "port": mport,
                        "unit_id": 3,
                        "map": "huawei_sun2000",
                        "points": [{"meter": "GW-PV", "register": "total_yield_kwh"}],
                    },
                ],
            }
        )
        gw = Gateway(cfg)
        gw.publisher.start()
        backlogs: list[int] = []
        try:
            for k, ts in enumerate(stamps):
                e1.values[0x00010000] = 5000.00 + 1.25 * k
                e2.values[0x00010000] = 70.5 + 0.5 * k
                mb.set(1, "import_kwh", 200.0 + 2.5 * k)
                mb.set(3, "total_yield_kwh", 1234.56 + 10 * k)
                if k == 1:  # broker outage for cycles 1 and 2
                    await asyncio.to_thread(broker.stop)
                    await asyncio.to_thread(wait_until, lambda: not gw.publisher.connected.is_set(), 20)
                if k == 3:
                    await asyncio.to_thread(broker.start)
                res = await gw.poll_cycle(ts)
                assert res.readings == 4
                assert [g.reason for g in res.gaps] == [GapReason.TIMEOUT]  # the silent meter, each cycle
                if k == 0:
                    await asyncio.to_thread(wait_until, lambda: gw.buffer.backlog() == 0, 20)
                backlogs.append(gw.buffer.backlog())
            assert await asyncio.to_thread(gw.publisher.drain, 20.0)
            return backlogs, gw.publisher.acked
        finally:
            gw.publisher.stop()
            gw.close()
            await dlt.stop()
            await mb.stop()

    backlogs, acked = asyncio.run(scenario())
    # during the outage the messages wait on disk: 4 after cycle 1, 8 after cycle 2
    assert backlogs[1:3] == [4, 8]
    assert acked >= 16
    wait_until(lambda: _count(pg_engine) >= 16, 20)
    time.sleep(0.3)  # any duplicate (PUBACK lost in the cut) has arrived: it must be a no-op
    ingester.stop()
    ing_thread.join(10)
    got = _values(pg_engine)
    assert _count(pg_engine) == 16  # 4 meters × 4 cycles, nothing lost, nothing twice
    assert [v for _t, v in got["GW-E1"]] == [5000.0, 5001.25, 5002.5, 5003.75]
    assert [v for _t, v in got["GW-E2"]] == [70.5, 71.0, 71.5, 72.0]
    assert [v for _t, v in got["GW-M1"]] == [200.0, 202.5, 205.0, 207.5]  # float32, exactly representable
    # uint32 × 0.01: 123456 → 1234.56, 124456 → 1244.56, …
    assert [v for _t, v in got["GW-PV"]] == pytest.approx([1234.56, 1244.56, 1254.56, 1264.56])
    assert [t for t, _v in got["GW-E1"]] == stamps
    assert reading_topic("P1", "GW-E1", prefix) == f"{prefix}/P1/GW-E1/reading"  # the ingester's own rule
