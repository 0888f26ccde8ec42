"""Meter simulator (模拟数据): publishes realistic readings over MQTT, in real time or accelerated.

Each simulated meter follows a daily load shape (night base, working-day peak) with noise:
``P(t) = P_rated × (0.35 + 0.45 × max(0, sin(π (h − 6) / 14))) × (1 + 0.05 ε)`` for the local hour
``h`` in [6, 20] and the base share outside, ``ε`` standard normal. Interval meters publish
``P × Δt`` [kWh]; cumulative meters publish their register, which wraps at ``register_max`` when
it is set. The clock: reading ``k`` of a meter has timestamp ``start + k × speed / rate``, so
``speed = 1`` is real time and ``speed = 900, rate = 1`` plays 15-minute data at one reading per
second (starting in the past so that nothing lies in the future).

A share of messages is deliberately bad (``bad_share``): not JSON, NaN, a timestamp an hour in the
future, a value that is not a number, an unknown meter, and the poison messages of issue 12 that
once crashed or stalled the ingester — a NUL byte in a non-JSON payload, ``0001-01-01``, epoch
``1e20``, 100 000 nested ``[``, a year-1800 reading beside current ones, 1970, a topic of the
wrong shape — the ingester must quarantine each one and go on.
:class:`SimStats` counts *records* exactly as the ingester counts them (a non-JSON message is one
record), so ``sent == stored + duplicates + conflicts + quarantined`` can be checked end to end.

Part of the demo shell (it publishes over the network; nothing in the core uses it). Used by
``zeropark simulate`` (demo) and by ``benchmarks/ingest.py`` (load generator).
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Engine, select

from zeropark.store.db import transaction
from zeropark.store.schema import MeterRow

__all__ = ["SimConfig", "SimMeter", "SimStats", "meters_from_db", "run_simulation", "synthetic_meters"]


@dataclass(frozen=True, slots=True)
class SimMeter:
    """A meter to simulate: park, id, kind, rated power [kW or unit/h], register start and max."""

    park_id: str
    meter_id: str
    cumulative: bool = False
    rated: float = 100.0
    interval_s: int = 900
    register_start: float = 0.0
    register_max: float | None = None


@dataclass(frozen=True, slots=True)
class SimConfig:
    """Publisher settings (see the module docstring for the clock)."""

    host: str = "127.0.0.1"
    port: int = 1883
    prefix: str = "zeropark"
    rate_per_meter: float = 1.0  # readings per wall second per meter
    speed: float = 1.0  # simulated seconds per wall second
    batch: int = 1  # readings per MQTT message
    duration_s: float = 0.0  # 0 = until stopped
    bad_share: float = 0.01
    seed: int = 1
    start_utc: datetime | None = None  # default: accelerated → now − duration × speed; real time → now
    client_id: str = ""
    qos: int = 1


@dataclass(slots=True)
class SimStats:
    """What was published (``records`` counts as the ingester counts received records)."""

    messages: int = 0
    readings: int = 0
    bad: int = 0
    #: bad records published per kind (``_BAD_KINDS``)
    bad_kinds: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    acked: int = 0
    per_meter_last_ts: dict[str, datetime] = field(default_factory=dict)

    @property
    def records(self) -> int:
        """Records the ingester will count as received (good readings + bad records)."""
        return self.readings + self.bad


def synthetic_meters(
    n: int, *, seed: int = 1, park_id: str = "SIM", cumulative_share: float = 0.3
) -> list[SimMeter]:
    """``n`` synthetic electricity meters ``SIM-00001``…; about 30 % report a register."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        cumulative = rng.random() < cumulative_share
        out.append(
            SimMeter(
                park_id,
                f"SIM-{i + 1:05d}",
                cumulative=cumulative,
                rated=rng.choice([50.0, 100.0, 250.0, 630.0, 1250.0]),
                interval_s=900,
                register_start=rng.uniform(0, 90_000) if cumulative else 0.0,
                register_max=100_000.0 if cumulative else None,
            )
        )
    return out


def meters_from_db(engine: Engine, park_id: str) -> list[SimMeter]:
    """The active meters of ``park_id`` as simulation targets (rated capacity or 100 per hour)."""
    with transaction(engine) as s:
        rows = list(s.scalars(select(MeterRow).where(MeterRow.park_id == park_id, MeterRow.active.is_(True))))
    return [
        SimMeter(
            r.park_id,
            r.id,
            cumulative=r.kind == "cumulative",
            rated=(r.rated_capacity or 100.0) * 0.6,
            interval_s=r.interval_s,
            register_start=0.0,
            register_max=r.register_max,
        )
        for r in rows
    ]


def _shape(ts: datetime) -> float:
    hour = (ts.hour + 8 + ts.minute / 60) % 24  # local Asia/Shanghai hour
    day = 0.45 * max(0.0, math.sin(math.pi * (hour - 6) / 14)) if 6 <= hour <= 20 else 0.0
    return 0.35 + day


class _MeterState:
    __slots__ = ("k", "meter", "register")

    def __init__(self, meter: SimMeter) -> None:
        self.meter = meter
        self.k = 0
        self.register = meter.register_start


def _reading(st: _MeterState, ts: datetime, step_s: float, rng: random.Random) -> dict[str, object]:
    m = st.meter
    energy = m.rated * _shape(ts) * (1 + 0.05 * rng.gauss(0, 1)) * step_s / 3600.0
    energy = max(0.0, energy)
    if m.cumulative:
        st.register += energy
        if m.register_max is not None and st.register >= m.register_max:
            st.register -= m.register_max
        return {"ts": ts.isoformat(), "value": round(st.register, 4)}
    return {"ts": ts.isoformat(), "value": round(energy, 4)}


def _batch_items(
    st: _MeterState, start: datetime, step_s: float, n: int, nrng: np.random.Generator
) -> tuple[list[dict[str, object]], datetime]:
    """The next ``n`` readings of a meter at once (numpy; same load shape as :func:`_reading`).

    Returns the items and the timestamp of the last one.
    """
    m = st.meter
    k = np.arange(st.k, st.k + n, dtype=np.float64)
    st.k += n
    offset_s = k * step_s
    start64 = np.datetime64(start.astimezone(UTC).replace(tzinfo=None), "us")
    ts64 = start64 + np.round(offset_s * 1e6).astype("timedelta64[us]")
    sod_s = (ts64 - ts64.astype("datetime64[D]")).astype(np.int64) / 1e6  # UTC second of day
    hour = (sod_s / 3600.0 + 8.0) % 24.0  # local Asia/Shanghai hour
    day = np.where((hour >= 6) & (hour <= 20), 0.45 * np.maximum(0.0, np.sin(np.pi * (hour - 6) / 14)), 0.0)
    energy = m.rated * (0.35 + day) * (1 + 0.05 * nrng.standard_normal(n)) * step_s / 3600.0
    energy = np.maximum(0.0, energy)
    if m.cumulative:
        register = st.register + np.cumsum(energy)
        if m.register_max is not None:
            register = np.mod(register, m.register_max)
        st.register = float(register[-1])
        values = np.round(register, 4)
    else:
        values = np.round(energy, 4)
    stamps = np.datetime_as_string(ts64, unit="us").tolist()
    items: list[dict[str, object]] = [
        {"ts": f"{t}+00:00", "value": v} for t, v in zip(stamps, values.tolist(), strict=True)
    ]
    return items, datetime.fromisoformat(f"{stamps[-1]}+00:00")


def _encode(items: list[dict[str, object]], *, nan: bool) -> bytes:
    """A batch payload: orjson, or the standard library for the deliberately bad ``NaN`` token.

    orjson would write NaN as ``null``; the ``nan`` quarantine reason needs the token itself.
    """
    return json.dumps(items).encode() if nan else orjson.dumps(items)


_BAD_KINDS = (
    "not_json",
    "nan",
    "future",
    "not_number",
    "unknown_meter",
    # poison messages (issue 12): each crashed or stalled the ingester once
    "nul_bytes",
    "zero_date",
    "epoch_1e20",
    "deep_nesting",
    "year_1800",
    "epoch_1970",
    "bad_topic",
)
#: bad kinds that replace the last item of a normal message (the others are extra messages)
_IN_BATCH = {
    "nan": None,
    "future": None,
    "not_number": None,
    "zero_date": "0001-01-01",
    "epoch_1e20": 1e20,
    "year_1800": "1800-01-01T00:00:00+08:00",  # beside the current readings of the same message
    "epoch_1970": 0,
}
_EXTRA_MESSAGE = {"not_json", "unknown_meter", "nul_bytes", "deep_nesting", "bad_topic"}


def tick_s_of(cfg: SimConfig) -> float:
    """Wall seconds between two messages of one meter (``batch / rate``)."""
    return cfg.batch / cfg.rate_per_meter


def run_simulation(
    meters: Sequence[SimMeter], cfg: SimConfig, *, stop: threading.Event | None = None
) -> SimStats:
    """Publish readings for ``meters`` until ``duration_s`` elapses or ``stop`` is set.

    Waits for the broker's PUBACK of every QoS-1 message before returning, so
    :attr:`SimStats.records` is exactly what the broker accepted.
    """
    rng = random.Random(cfg.seed)
    nrng = np.random.default_rng(cfg.seed)
    stop = stop or threading.Event()
    step_s = cfg.speed / cfg.rate_per_meter  # simulated seconds between two readings of a meter
    if cfg.start_utc is not None:
        start = cfg.start_utc
    elif cfg.speed > 1:  # accelerated: play the past so that the last reading is about now
        span_s = cfg.duration_s * cfg.speed if cfg.duration_s else 30 * 86400.0  # default: the last 30 days
        start = datetime.now(UTC) - timedelta(seconds=span_s)
    else:  # real time: each batch is published when its newest reading is taken
        start = datetime.now(UTC) - timedelta(seconds=tick_s_of(cfg))
    states = [_MeterState(m) for m in meters]
    stats = SimStats()
    acked = threading.Semaphore(0)
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=cfg.client_id or f"zeropark-sim-{rng.getrandbits(32):08x}",
        protocol=mqtt.MQTTv311,
    )
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)

    def on_publish(_c: mqtt.Client, _u: object, _mid: int, _rc: object, _p: object) -> None:
        acked.release()

    client.on_publish = on_publish
    client.connect(cfg.host, cfg.port, keepalive=60)
    client.loop_start()
    wall0 = time.monotonic()
    tick_s = cfg.batch / cfg.rate_per_meter  # wall seconds per batch per meter
    tick = 0
    pending = 0
    try:
        while not stop.is_set():
            if cfg.duration_s and time.monotonic() - wall0 >= cfg.duration_s:
                break
            if (
                cfg.speed > 1
                and states
                and start + timedelta(seconds=states[0].k * step_s) > datetime.now(UTC)
            ):
                break  # accelerated replay has caught up with the present: later readings would be future
            for st in states:
                m = st.meter
                topic = f"{cfg.prefix}/{m.park_id}/{m.meter_id}/reading"
                if cfg.batch > 1:
                    items, ts = _batch_items(st, start, step_s, cfg.batch, nrng)
                else:
                    ts = start + timedelta(seconds=st.k * step_s)
                    st.k += 1
                    items = [_reading(st, ts, step_s, rng)]
                stats.per_meter_last_ts[m.meter_id] = ts
                # which messages are bad is random; the kinds take turns, so that even a share of
                # 0.1 % sends every kind (the poison ones included) once a dozen messages are bad
                bad_kind = (
                    _BAD_KINDS[sum(stats.bad_kinds.values()) % len(_BAD_KINDS)]
                    if cfg.bad_share and rng.random() < cfg.bad_share
                    else None
                )
                if bad_kind is not None:
                    stats.bad_kinds[bad_kind] = stats.bad_kinds.get(bad_kind, 0) + 1
                if bad_kind in _IN_BATCH:
                    bad = dict(items[-1])
                    if bad_kind == "nan":
                        bad["value"] = float("nan")
                    elif bad_kind == "future":
                        bad["ts"] = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
                    elif bad_kind == "not_number":
                        bad["value"] = "n/a"
                    else:
                        bad["ts"] = _IN_BATCH[bad_kind]
                    items[-1] = bad
                    stats.bad += 1
                    stats.readings += len(items) - 1
                else:
                    stats.readings += len(items)
                client.publish(
                    topic,
                    _encode(items, nan=bad_kind == "nan") if cfg.batch > 1 else json.dumps(items[0]),
                    qos=cfg.qos,
                )
                stats.messages += 1
                pending += 1
                if bad_kind in _EXTRA_MESSAGE:
                    # unique bad payloads: an identical one would rightly count as a duplicate
                    extra_topic, extra = topic, f"{{this is not json #{stats.messages}".encode()
                    if bad_kind == "unknown_meter":
                        extra_topic = f"{cfg.prefix}/{m.park_id}/NO-SUCH-METER-{stats.messages}/reading"
                        extra = json.dumps(items[0]).encode()
                    elif bad_kind == "nul_bytes":
                        extra = f"not json \x00 #{stats.messages} ".encode() + b"\xff"
                    elif bad_kind == "deep_nesting":
                        extra = b"[" * 100_000 + f" #{stats.messages}".encode()
                    elif bad_kind == "bad_topic":
                        extra_topic = f"{cfg.prefix}/{m.park_id}/{m.meter_id}"
                        extra = json.dumps({**items[0], "n": stats.messages}).encode()
                    client.publish(extra_topic, extra, qos=cfg.qos)
                    stats.bad += 1
                    stats.messages += 1
                    pending += 1
            tick += 1
            # pace: tick n ends at wall0 + n × tick_s
            delay = wall0 + tick * tick_s - time.monotonic()
            if delay > 0:
                stop.wait(delay)
        # wait for every PUBACK
        deadline = time.monotonic() + 120
        while stats.acked < pending and time.monotonic() < deadline:
            if acked.acquire(timeout=1.0):
                stats.acked += 1
    finally:
        client.disconnect()
        client.loop_stop()
        stats.seconds = time.monotonic() - wall0
    return stats
