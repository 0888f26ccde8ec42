"""Settling the internal call auction (zeropark.assets.auction) in the asset ledger, by hand."""

from __future__ import annotations

from datetime import date

from zeropark.assets.auction import settle
from zeropark.assets.book import Account, AssetKey, Book, HolderKind, Instrument, Movement, issue
from zeropark.market.auction import Order, Side, clear

PIA = AssetKey(Instrument.PARK_ALLOWANCE, 2026)
D = date(2026, 6, 30)


def test_clearing_by_hand_and_settlement_in_the_ledger() -> None:
    orders = [
        Order("1", "A", Side.BUY, 60.0, 30, 1),
        Order("2", "B", Side.BUY, 55.0, 20, 2),
        Order("3", "C", Side.SELL, 50.0, 25, 3),
        Order("4", "D", Side.SELL, 58.0, 40, 4),
    ]
    # at 50: demand 50, supply 25 → 25; at 55: 50 vs 25 → 25; at 58: 30 vs 65 → 30; at 60: 30 vs 65 → 30
    # 58 and 60 tie on volume 30, but at 60 the offers below it (65) cannot all fill: 58
    c = clear(orders)
    assert (c.price, c.volume) == (58.0, 30)
    # A (the best bid) buys 25 from C (the cheapest offer) then 5 from D
    assert [(f.buyer, f.seller, f.quantity) for f in c.fills] == [("A", "C", 25), ("A", "D", 5)]
    book = Book()
    for h in ("C", "D"):
        book.post(issue(PIA, Account(HolderKind.ENTERPRISE, h), 40, on=D, movement=Movement.ALLOCATE))
    for e in settle(c, PIA, on=D, auction="2026-06"):
        book.post(e)
    a = Account(HolderKind.ENTERPRISE, "A")
    assert book.balance(a, PIA) == 30 and book.totals(PIA) == (80, 0, 80)
    assert {e.price_cny for e in book.journal[2:]} == {58.0}
    assert (
        settle(
            clear([Order("x", "A", Side.BUY, 40.0, 10, 1), Order("y", "B", Side.SELL, 50.0, 10, 2)]),
            PIA,
            on=D,
        )
        == []
    )
