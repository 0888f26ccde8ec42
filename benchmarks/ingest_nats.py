"""Benchmark: the NATS JetStream ingester — readings/s and ingester CPU per 1 M readings.

A fresh PostgreSQL database gets one park with ``--meters`` 15-minute interval meters; ``--readings``
readings (``--per-message`` per message, meter by meter) are published to a new JetStream stream
first (each publish acknowledged by the stream); then ``--ingesters`` ingesters (threads of this
process, one durable consumer) drain it. Printed: drain time, readings/s, this process's CPU per
1 M readings (the ingesters; PostgreSQL's CPU is not included), and the count check (every reading
stored once). Compare with the MQTT figures in docs/ingestion.md (ingester CPU 15.5 s per 1 M).

Usage::

    PYTHONPATH=src .venv/bin/python benchmarks/ingest_nats.py                  # 200 000 readings
    PYTHONPATH=src .venv/bin/python benchmarks/ingest_nats.py --readings 1000000 --ingesters 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import nats
from sqlalchemy import create_engine, func, select, text

from zeropark.ingest.nats import NatsConfig, NatsIngester
from zeropark.model import Carrier, Direction, Meter, MeterKind, Park
from zeropark.store import repo
from zeropark.store.db import make_engine
from zeropark.store.migrate import upgrade
from zeropark.store.schema import ReadingRow

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


async def _publish(url: str, stream: str, subject: str, msgs: list[tuple[str, bytes]]) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(name=stream, subjects=[subject])
    for i in range(0, len(msgs), 200):  # 200 publishes in flight, then their acknowledgements
        await asyncio.gather(*(js.publish(s, p) for s, p in msgs[i : i + 200]))
    await nc.close()


async def _drop(url: str, stream: str) -> None:
    nc = await nats.connect(url)
    await nc.jetstream().delete_stream(stream)
    await nc.close()


def main() -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--readings", type=int, default=200_000)
    ap.add_argument("--meters", type=int, default=200)
    ap.add_argument("--per-message", type=int, default=100)
    ap.add_argument("--ingesters", type=int, default=1)
    ap.add_argument("--nats-url", default="nats://127.0.0.1:4222")
    args = ap.parse_args()
    tag = uuid.uuid4().hex[:8]
    name, stream, prefix = f"zeropark_bench_nats_{tag}", f"ZPBENCH{tag}", f"zpbench{tag}"
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        engine = make_engine(url)
        upgrade(engine)
        repo.add_park(engine, Park("NB", "基准园区", "江苏", "华东", 31.0, 120.0))
        for m in range(args.meters):
            repo.add_meter(
                engine,
                Meter(
                    f"NB-{m:05d}",
                    "NB",
                    Carrier.ELECTRICITY,
                    "kWh",
                    Direction.CONSUMPTION,
                    MeterKind.INTERVAL,
                    interval_s=900,
                ),
            )
        per_meter = args.readings // args.meters
        start = datetime(2026, 1, 1, tzinfo=UTC)
        msgs = []
        for m in range(args.meters):
            for k0 in range(0, per_meter, args.per_message):
                items = [
                    {"ts": (start + timedelta(minutes=15 * k)).isoformat(), "value": 1.0 + (k % 7)}
                    for k in range(k0, min(k0 + args.per_message, per_meter))
                ]
                msgs.append((f"{prefix}.NB.NB-{m:05d}.reading", json.dumps(items).encode()))
        total = per_meter * args.meters
        t = time.perf_counter()
        asyncio.run(_publish(args.nats_url, stream, f"{prefix}.>", msgs))
        print(f"published {total} readings in {len(msgs)} messages in {time.perf_counter() - t:.1f} s")

        cfg = NatsConfig(url=args.nats_url, stream=stream, subject=f"{prefix}.>", durable=f"d{tag}")
        ingesters = [NatsIngester(engine, cfg) for _ in range(args.ingesters)]
        cpu0, t0 = time.process_time(), time.perf_counter()
        threads = [threading.Thread(target=i.run, daemon=True) for i in ingesters]
        for th in threads:
            th.start()

        def stored() -> int:
            with engine.connect() as c:
                return int(c.scalar(select(func.count()).select_from(ReadingRow)) or 0)

        while stored() < total:
            time.sleep(0.2)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        for i in ingesters:
            i.stop()
        for th in threads:
            th.join(30)
        with engine.connect() as c:
            n, distinct = c.execute(
                select(
                    func.count(), func.count(func.distinct(func.concat(ReadingRow.meter_id, ReadingRow.ts)))
                )
            ).one()
        print(
            f"{args.ingesters} ingester(s): {total} readings stored in {wall:.1f} s "
            f"= {total / wall:,.0f} readings/s"
        )
        print(
            f"ingester CPU {cpu:.1f} s = {cpu / total * 1e6:.1f} s per 1 M readings (PostgreSQL not included)"
        )
        print(
            f"count check: {n} rows, {distinct} distinct (meter, ts), {total} published: "
            f"{n == distinct == total}"
        )
        engine.dispose()
    finally:
        asyncio.run(_drop(args.nats_url, stream))
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
