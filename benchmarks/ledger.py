"""Benchmark: the carbon asset ledger (碳资产账本) — journal entries per second, and a call auction.

Three figures:

1. ``core`` — ``--entries`` (default 1 000 000) balanced entries posted to the in-memory
   :class:`zeropark.assets.book.Book` by the pure rule book (allocations, then random transfers
   among ``--holders`` enterprises, some refused for want of balance); entries/s, and the
   invariant checked at the end (held = issued − retired);
2. ``sqlite`` / ``postgres`` — ``--db-entries`` (default 1 000 000) valid entries posted through
   the store by batch posting (``zeropark.store.assets.post_many``: ``--batch`` entries per
   transaction, the same rule book and locks as one posting), entries/s and the PG/SQLite ratio;
   at the end the stored lines are checked to sum to 0 and no holder to be below 0.
   ``--batch 1`` posts each entry in its own transaction (``zeropark.store.assets.post``);
3. ``auction`` — a call auction of ``--orders`` (default 10 000) random limit orders
   (:func:`zeropark.market.auction.clear`): clearing time in ms (median of 5);
4. ``book`` — the same orders through the continuous order book in time order
   (:func:`zeropark.market.continuous.match_all`): matching time in ms (median of 5).

Usage::

    .venv/bin/python benchmarks/ledger.py                          # core 1 M, DB 1 M each, auction 10 k
    .venv/bin/python benchmarks/ledger.py --db-entries 2000 --batch 1   # one transaction per entry
    .venv/bin/python benchmarks/ledger.py --no-postgres
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from auction import book as auction_book
from sqlalchemy import Engine, create_engine, text

from zeropark.assets.book import Account, AssetKey, Book, HolderKind, Instrument, Movement, issue, move
from zeropark.errors import InsufficientBalance
from zeropark.market.auction import clear
from zeropark.market.continuous import match_all
from zeropark.store import assets as store
from zeropark.store.db import make_engine, transaction
from zeropark.store.migrate import upgrade
from zeropark.store.schema import EnterpriseRow, ParkRow

CEA = AssetKey(Instrument.CEA, 2025)
D = date(2025, 6, 1)
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _entries(n: int, holders: int, seed: int) -> list:
    rng = random.Random(seed)
    accts = [Account(HolderKind.ENTERPRISE, f"E{i:03d}") for i in range(holders)]
    out = [issue(CEA, a, 1_000_000, on=D, movement=Movement.ALLOCATE) for a in accts]
    while len(out) < n:
        a, b = rng.sample(accts, 2)
        out.append(move(CEA, a, b, rng.randint(1, 5_000), on=D, movement=Movement.SELL, price_cny=90.0))
    return out


def bench_core(n: int, holders: int) -> float:
    entries = _entries(n, holders, 1)
    book = Book()
    refused = 0
    t0 = time.perf_counter()
    for e in entries:
        try:
            book.post(e)
        except InsufficientBalance:
            refused += 1
    dt = time.perf_counter() - t0
    issued, retired, held = book.totals(CEA)
    assert held == issued - retired
    print(f"core      {n:>9,} entries in {dt:7.2f} s = {n / dt:>10,.0f} entries/s ({refused:,} refused)")
    return n / dt


def _park(engine: Engine, holders: int) -> None:
    with transaction(engine) as s:
        where = {"province": "江苏", "grid_region": "华东", "latitude": 31.0, "longitude": 120.0}
        s.add(ParkRow(id="B", name="bench", timezone="Asia/Shanghai", is_demo=True, **where))
        s.flush()
        for i in range(holders):
            s.add(
                EnterpriseRow(
                    id=f"E{i:03d}", park_id="B", name=f"E{i}", uscc=f"U{i:017d}", industry_code="2511"
                )
            )


def _valid(entries: list) -> list:
    """The entries the rule book accepts in order (pure): a batch is all or nothing."""
    book = Book()
    out = []
    for e in entries:
        try:
            out.append(book.post(e))
        except InsufficientBalance:
            pass
    return out


def bench_db(engine: Engine, label: str, n: int, holders: int, batch: int) -> float:
    """Post ``n`` valid entries through the store: ``batch`` entries per transaction (1 = one by one)."""
    upgrade(engine)
    _park(engine, holders)
    entries = _valid(_entries(n + n // 4, holders, 2))[:n]
    t0 = time.perf_counter()
    for i in range(0, len(entries), batch):
        with transaction(engine) as s:
            if batch == 1:
                store.post(s, "B", entries[i], booked_by="bench")
            else:
                store.post_many(s, "B", entries[i : i + batch], booked_by="bench")
    dt = time.perf_counter() - t0
    with engine.connect() as c:
        stored = c.execute(text("SELECT count(*) FROM asset_entry")).scalar_one()
        lines = c.execute(text("SELECT count(*), coalesce(sum(quantity), 0) FROM asset_line")).one()
        neg = c.execute(
            text("SELECT count(*) FROM asset_balance WHERE quantity < 0 AND account NOT LIKE 'issuer:%'")
        ).scalar_one()
    assert stored == len(entries) and lines[1] == 0 and neg == 0, (stored, lines, neg)
    rate = len(entries) / dt
    print(f"{label:<9} {len(entries):>9,} entries in {dt:7.2f} s = {rate:>10,.0f} entries/s "
          f"(batches of {batch:,}; {lines[0]:,} lines, debits = credits, no negative balance)")  # fmt: skip
    return rate


def bench_auction(n: int) -> float:
    """Clear the random book of ``benchmarks/auction.py`` (n orders) five times: median [ms]."""
    orders = auction_book(n)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        c = clear(orders)
        times.append(time.perf_counter() - t0)
    ms = statistics.median(times) * 1000
    print(f"auction   {n:>9,} orders cleared in {ms:7.1f} ms (price {c.price} CNY, volume {c.volume:,}, "
          f"{len(c.fills):,} fills)")  # fmt: skip
    return ms


def bench_book(n: int) -> float:
    """The same n orders through the continuous book in time order (median of 5) [ms]."""
    orders = auction_book(n)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        trades, _ = match_all(orders)
        times.append(time.perf_counter() - t0)
    ms = statistics.median(times) * 1000
    vol = sum(t.quantity for t in trades)
    print(f"book      {n:>9,} orders matched in {ms:7.1f} ms (continuous, {len(trades):,} trades, "
          f"volume {vol:,})")  # fmt: skip
    return ms


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--db-entries", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=10_000, help="entries per transaction (1 = one by one)")
    ap.add_argument("--holders", type=int, default=50)
    ap.add_argument("--orders", type=int, default=10_000)
    ap.add_argument("--no-postgres", action="store_true")
    a = ap.parse_args()
    print(f"carbon asset ledger benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    bench_core(a.entries, a.holders)
    with tempfile.TemporaryDirectory() as tmp:
        eng = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        sq = bench_db(eng, "sqlite", a.db_entries, a.holders, a.batch)
        eng.dispose()
    if not a.no_postgres:
        name = f"zeropark_bench_ledger_{int(time.time())}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            eng = make_engine(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}")
            pg = bench_db(eng, "postgres", a.db_entries, a.holders, a.batch)
            eng.dispose()
            print(f"ratio     postgres/sqlite entries/s = {pg / sq:.2f}")
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    bench_auction(a.orders)
    bench_book(a.orders)


if __name__ == "__main__":
    main()
