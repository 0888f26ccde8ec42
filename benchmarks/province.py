"""Benchmark: 50 simulated parks accounted and re-verified on a Dask LocalCluster vs serially.

A fresh PostgreSQL database gets ``--parks`` small simulated parks (``zeropark.demo.province``:
3 enterprises, a grid meter and one hourly meter per enterprise, ``--days`` days of readings).
Then each path accounts every park's year (national method, one stored run per park with its
enterprise runs) and re-verifies every run from the readings (复核):

- serial — one park after the other in this process (``SerialFanout``);
- dask — one task per park on a ``LocalCluster`` of ``--workers`` worker processes
  (``DaskFanout``; the cluster's start-up is timed on its own and not in the ratio).

Printed: both times, the ratio serial/dask, and the bit-identity check — every park's inventory
digest (SHA-256 of the serialised inventory), fingerprint, totals and indicators, and the
provincial view (totals, ranking, indicator distributions) equal between the two paths; every
re-verification identical.

Usage::

    PYTHONPATH=src .venv/bin/python benchmarks/province.py               # 50 parks, 2 workers
    PYTHONPATH=src .venv/bin/python benchmarks/province.py --parks 10 --workers 2 --days 31
"""

from __future__ import annotations

import argparse
import os
import time
import uuid

from sqlalchemy import create_engine, text

from zeropark.demo.province import write_province
from zeropark.services import province
from zeropark.settings import get_settings
from zeropark.store.db import make_engine
from zeropark.store.migrate import upgrade

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def main() -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parks", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--days", type=int, default=31)
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("--pg-admin-url", default=ADMIN)
    args = ap.parse_args()
    name = f"zeropark_bench_province_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = args.pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        engine = make_engine(url)
        upgrade(engine)
        t = time.perf_counter()
        parks = write_province(engine, args.parks, days=args.days, year=args.year)
        print(f"{len(parks)} parks written in {time.perf_counter() - t:.1f} s ({os.cpu_count()} CPUs here)")
        fs = get_settings().factor_set

        t = time.perf_counter()
        serial = province.account_province(
            url, parks, args.year, factor_set=fs, fanout=province.SerialFanout()
        )
        serial_account = time.perf_counter() - t
        t = time.perf_counter()
        serial_checks = province.verify_province(
            url, parks, [o.run_id for o in serial.parks], fanout=province.SerialFanout()
        )
        serial_verify = time.perf_counter() - t

        t = time.perf_counter()
        with province.dask_fanout(workers=args.workers) as fan:
            startup = time.perf_counter() - t
            t = time.perf_counter()
            fanned = province.account_province(url, parks, args.year, factor_set=fs, fanout=fan)
            dask_account = time.perf_counter() - t
            t = time.perf_counter()
            dask_checks = province.verify_province(url, parks, [o.run_id for o in fanned.parks], fanout=fan)
            dask_verify = time.perf_counter() - t
        engine.dispose()
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    workers = {o.worker for o in fanned.parks}
    print(f"dask LocalCluster: {args.workers} worker processes, start-up {startup:.1f} s (not in the ratio)")
    print(f"{'':12}{'serial [s]':>12}{'dask [s]':>12}{'ratio':>8}")
    for label, a, b in (
        ("account", serial_account, dask_account),
        ("verify", serial_verify, dask_verify),
        ("both", serial_account + serial_verify, dask_account + dask_verify),
    ):
        print(f"{label:12}{a:12.2f}{b:12.2f}{a / b:8.2f}")
    print(
        f"per park: serial {1000 * serial_account / len(parks):.0f} ms account, "
        f"{1000 * serial_verify / len(parks):.0f} ms verify; tasks ran in {len(workers)} worker processes"
    )
    identical = fanned.same_result(serial)
    verified = all(c.identical and c.fingerprint_match for c in (*serial_checks, *dask_checks))
    same_digests = [c.digest for c in dask_checks] == [c.digest for c in serial_checks]
    print(
        f"bit-identical accounting (digests, fingerprints, totals, indicators, provincial view): {identical}"
    )
    print(f"re-verification: every run reproduces: {verified}; digests equal on both paths: {same_digests}")
    print(f"provincial total {serial.total_tco2e!r} tCO2 (serial) vs {fanned.total_tco2e!r} (dask)")
    if not (identical and verified and same_digests):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
