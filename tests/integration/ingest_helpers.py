"""Shared set-up for the ingest/monitoring integration tests: a small park with meters, and an
ingester process (``python -m zeropark.ingest.mqtt|nats``) whose output the test can wait on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, func, select

import zeropark
from zeropark.model import Carrier, Direction, Meter, MeterKind, Park
from zeropark.store import repo
from zeropark.store.schema import IngestCounterRow, QuarantineRow, ReadingConflictRow, ReadingRow

PARK = Park("P1", "测试园区", "江苏", "华东", 31.3, 120.6)


def make_park(engine: Engine, park_id: str = "P1") -> None:
    """Park P1 with: E1 interval kWh meter (rated 100 kW, 15 min), R1 register (max 100000, ×40),
    G1 gas register in m3, and a tree MAIN → (SUB1, SUB2) of hourly interval meters."""
    repo.add_park(engine, Park(park_id, "测试园区", "江苏", "华东", 31.3, 120.6))
    meters = [
        Meter(
            "E1",
            park_id,
            Carrier.ELECTRICITY,
            "kWh",
            Direction.CONSUMPTION,
            MeterKind.INTERVAL,
            rated_capacity=100.0,
            interval_s=900,
        ),
        Meter(
            "R1",
            park_id,
            Carrier.ELECTRICITY,
            "kWh",
            Direction.CONSUMPTION,
            MeterKind.CUMULATIVE,
            multiplier=40.0,
            interval_s=900,
            register_max=100000.0,
        ),
        Meter("G1", park_id, Carrier.NATURAL_GAS, "m3", Direction.CONSUMPTION, MeterKind.CUMULATIVE),
        Meter("MAIN", park_id, Carrier.ELECTRICITY, "kWh", Direction.IMPORT, MeterKind.INTERVAL),
        Meter(
            "SUB1",
            park_id,
            Carrier.ELECTRICITY,
            "kWh",
            Direction.CONSUMPTION,
            MeterKind.INTERVAL,
            parent_id="MAIN",
            level=2,
        ),
        Meter(
            "SUB2",
            park_id,
            Carrier.ELECTRICITY,
            "kWh",
            Direction.CONSUMPTION,
            MeterKind.INTERVAL,
            parent_id="MAIN",
            level=2,
        ),
    ]
    for m in meters:
        repo.add_meter(engine, m)


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as c:
        return {
            "readings": c.scalar(select(func.count()).select_from(ReadingRow)) or 0,
            "quarantine": c.scalar(
                select(func.count()).select_from(QuarantineRow).where(QuarantineRow.status == "open")
            )
            or 0,
            "conflicts": c.scalar(select(func.count()).select_from(ReadingConflictRow)) or 0,
        }


def counter(engine: Engine, source: str) -> IngestCounterRow:
    with engine.connect() as c:
        row = c.execute(select(IngestCounterRow).where(IngestCounterRow.source == source)).first()
    assert row is not None, f"no ingest_counter row for {source}"
    return row[0] if not hasattr(row, "received") else row  # type: ignore[return-value]


def assert_identity(engine: Engine, source: str) -> None:
    with engine.connect() as c:
        r = c.execute(select(IngestCounterRow.__table__).where(IngestCounterRow.source == source)).one()
    assert r.received == r.stored + r.duplicates + r.conflicts + r.quarantined, r


class IngesterProc:
    """An ingester process whose output is drained in a thread (a full pipe would block it)."""

    def __init__(self, module: str, args: list[str], pg_url: str, env_extra: dict[str, str]) -> None:
        env = {
            **os.environ,
            "ZEROPARK_DATABASE_URL": pg_url,
            "PYTHONPATH": str(Path(zeropark.__file__).resolve().parents[1]),
            **env_extra,
        }
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=Path(__file__).parent,
        )
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def wait_for(self, needle: str, timeout: float = 60.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if any(needle in line for line in self.lines):
                return
            if self.proc.poll() is not None:
                time.sleep(0.5)  # let the drain thread read the last words
                break
            time.sleep(0.05)
        raise AssertionError(f"'{needle}' not printed:\n{''.join(self.lines)}")

    def terminate(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(20)


def wait_until(cond: Callable[[], bool], timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")
