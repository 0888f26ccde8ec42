"""A session cleared by the continuous order book, settled in the ledger (SQLite and PostgreSQL).

Quotas as in test_market_service (E-A 400 t, E-B 200 t of PIA:2025). Orders in time order: E-A sells
100 at 80 and 50 at 95; E-B buys 120 at 90, then 5 at 70. In the book E-B's bid meets E-A's resting
80 offer: one trade of 100 t at 80.00 (the resting price; the call auction of the same orders clears
at 90.00); 20 t of the bid and the other orders find no counterpart.
"""

from __future__ import annotations

from datetime import date

import pytest
from api_support import ENT_A, ENT_B, PARK, build_park
from sqlalchemy import Engine, func, select

from zeropark.errors import InsufficientBalance, MarketError
from zeropark.services import assets, market
from zeropark.store.db import transaction
from zeropark.store.schema import AssetEntryRow, MarketClearingRow
from zeropark.store.scope import system_scope

D = date(2025, 6, 30)
RULE = {"method": "intensity", "intensity": 0.5, "cap_tco2": 600, "fee_cny_per_t": 50, "fee_on": "excess"}


def _count(engine: Engine, table: type) -> int:
    with transaction(engine) as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def test_continuous_session_settles_each_trade_at_the_resting_price(engine: Engine) -> None:
    build_park(engine)
    admin = system_scope(engine, "t")
    market.set_rule(admin, PARK, 2025, RULE, base_year=2025)
    market.issue_quotas(admin, PARK, 2025, on=D)
    for ent, side, price, qty in [(ENT_A, "sell", 80.0, 100), (ENT_A, "sell", 95.0, 50),
                                  (ENT_B, "buy", 90.0, 120), (ENT_B, "buy", 70.0, 5)]:  # fmt: skip
        market.place_order(admin, PARK, 2025, "C1", ent, side, price, qty)
    with pytest.raises(MarketError, match="mode"):
        market.clear_session(admin, PARK, 2025, "C1", on=D, mode="dutch")
    c = market.clear_session(admin, PARK, 2025, "C1", on=D, mode="continuous")
    assert (c.price_cny, c.volume, c.rule) == (80.0, 100, "continuous_price_time_priority_resting_price")
    assert [(f["seller"], f["buyer"], f["quantity"], f["price_cny"]) for f in c.fills] == [
        (ENT_A, ENT_B, 100, 80.0)
    ]
    held = {b.account: b.quantity for b in assets.balances(admin, PARK) if b.asset == "PIA:2025"}
    assert held == {f"enterprise:{ENT_A}": 300, f"enterprise:{ENT_B}": 300}
    sale = assets.journal(admin, PARK, limit=1)[0]
    assert (sale.movement, sale.price_cny) == ("sell", 80.0)
    assert {o.filled for o in market.orders(admin, PARK, 2025, "C1")} == {100, 0}
    # a seller without the balance: nothing booked, nothing stored
    market.place_order(admin, PARK, 2025, "C2", ENT_B, "sell", 60.0, 301)  # B holds 300
    market.place_order(admin, PARK, 2025, "C2", ENT_A, "buy", 61.0, 301)
    before = (_count(engine, AssetEntryRow), _count(engine, MarketClearingRow))
    with pytest.raises(InsufficientBalance):
        market.clear_session(admin, PARK, 2025, "C2", on=D, mode="continuous")
    assert (_count(engine, AssetEntryRow), _count(engine, MarketClearingRow)) == before
