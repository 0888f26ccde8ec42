"""Benchmark: the internal carbon market through its service (SQLite file) — quotas, orders, clearing.

Figures: the time to issue the quotas of ``--enterprises`` enterprises (强度目标法, one transaction),
to place ``--orders`` orders one by one (each checked against the open book by the core, so the
placement cost grows with the book), to clear and settle the session (one transaction: the fills
posted in the ledger, the clearing stored). Measured 2026-12-05 on the shared 2-core machine (defaults):
50 quotas in 575 ms; 500 orders at 26 orders/s; 205 fills settled in 2.76 s (13.5 ms per fill).

Usage::

    PYTHONPATH=src .venv/bin/python benchmarks/market.py [--enterprises 50] [--orders 500]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from zeropark.services import market
from zeropark.store.db import make_engine, transaction
from zeropark.store.migrate import upgrade
from zeropark.store.schema import EnterpriseRow, ParkRow
from zeropark.store.scope import system_scope

D = date(2025, 6, 30)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--enterprises", type=int, default=50)
    ap.add_argument("--orders", type=int, default=500)
    a = ap.parse_args()
    print(f"internal carbon market benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    rnd = random.Random(17)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'market.db'}")
        upgrade(engine)
        with transaction(engine) as s:
            where = {"province": "江苏", "grid_region": "华东", "latitude": 31.0, "longitude": 120.0}
            s.add(ParkRow(id="B", name="bench", timezone="Asia/Shanghai", is_demo=True, **where))
            s.flush()
            for i in range(a.enterprises):
                s.add(
                    EnterpriseRow(
                        id=f"E{i:03d}",
                        park_id="B",
                        name=f"E{i}",
                        uscc=f"U{i:017d}",
                        industry_code="C26",
                        value_added_10k_cny=1000.0 + i,
                    )
                )
        scope = system_scope(engine, "bench")
        market.set_rule(scope, "B", 2025, {"method": "intensity", "intensity": 0.5}, base_year=2025)
        t0 = time.perf_counter()
        market.issue_quotas(scope, "B", 2025, on=D)
        t_issue = time.perf_counter() - t0
        sellers = {f"E{i:03d}" for i in range(0, a.enterprises, 2)}
        t0 = time.perf_counter()
        for _ in range(a.orders):
            ent = f"E{rnd.randrange(a.enterprises):03d}"
            side = "sell" if ent in sellers else "buy"
            price = round(rnd.uniform(60, 100), 2)
            market.place_order(scope, "B", 2025, "S1", ent, side, price, rnd.randint(1, 5))
        t_orders = time.perf_counter() - t0
        t0 = time.perf_counter()
        c = market.clear_session(scope, "B", 2025, "S1", on=D)
        t_clear = time.perf_counter() - t0
    print(f"quotas    {a.enterprises:>6} enterprises issued in {t_issue * 1000:8.1f} ms (one transaction)")
    print(f"orders    {a.orders:>6} placed in {t_orders:8.2f} s = {a.orders / t_orders:8.1f} orders/s")
    print(
        f"clear     {len(c.fills):>6} fills settled in {t_clear * 1000:8.1f} ms "
        f"(price {c.price_cny} CNY/t, {c.volume} t; {t_clear / max(1, len(c.fills)) * 1000:.2f} ms per fill)"
    )


if __name__ == "__main__":
    main()
