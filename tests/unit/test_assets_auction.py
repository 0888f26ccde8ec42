"""The internal call auction (zeropark.assets.auction): maximum-volume price, fills, settlement."""

from __future__ import annotations

from datetime import date

import pytest

from zeropark.assets.auction import Order, Side, clear, settle
from zeropark.assets.book import Account, AssetKey, Book, HolderKind, Instrument, Movement, issue
from zeropark.errors import SelfTrade

PIA = AssetKey(Instrument.PARK_ALLOWANCE, 2026)
D = date(2026, 6, 30)


def test_clearing_by_hand_and_settlement_in_the_ledger() -> None:
    orders = [
        Order(1, "A", Side.BID, 30, 60.0),
        Order(2, "B", Side.BID, 20, 55.0),
        Order(3, "C", Side.ASK, 25, 50.0),
        Order(4, "D", Side.ASK, 40, 58.0),
    ]
    # at 50: demand 50, supply 25 → 25; at 55: 50 vs 25 → 25; at 58: 30 vs 65 → 30; at 60: 30 vs 65 → 30
    # 58 and 60 tie on volume 30 and imbalance 35; no reference → the lower price, 58
    c = clear(orders)
    assert (c.price_cny, c.volume) == (58.0, 30)
    # A (first bid) buys 25 from C (cheapest ask) then 5 from D
    assert [(f.buyer, f.seller, f.quantity) for f in c.fills] == [("A", "C", 25), ("A", "D", 5)]
    book = Book()
    for h in ("C", "D"):
        book.post(issue(PIA, Account(HolderKind.ENTERPRISE, h), 40, on=D, movement=Movement.ALLOCATE))
    for e in settle(c, PIA, on=D, auction="2026-06"):
        book.post(e)
    a = Account(HolderKind.ENTERPRISE, "A")
    assert book.balance(a, PIA) == 30 and book.totals(PIA) == (80, 0, 80)
    assert {e.price_cny for e in book.journal[2:]} == {58.0}


def test_reference_price_breaks_ties_and_self_trade_is_refused() -> None:
    orders = [Order(1, "A", Side.BID, 10, 60.0), Order(2, "B", Side.ASK, 10, 50.0)]
    assert clear(orders, reference_cny=52.0).price_cny == 50.0  # 50 and 60 tie; 50 is nearer 52
    assert clear(orders, reference_cny=59.0).price_cny == 60.0
    with pytest.raises(SelfTrade, match="a bid and an ask"):
        clear([*orders, Order(3, "A", Side.ASK, 1, 70.0)])
    assert clear([Order(1, "A", Side.BID, 10, 40.0), Order(2, "B", Side.ASK, 10, 50.0)]).volume == 0
