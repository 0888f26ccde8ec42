"""Continuous order book: examples by hand and hypothesis properties (no cross, volume, resting price)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zeropark.market.auction import AuctionError, Order, SelfTrade, Side
from zeropark.market.continuous import OrderBook, match_all

B, S = Side.BUY, Side.SELL


def test_price_time_priority_partial_fill_at_the_resting_price() -> None:
    book = OrderBook()
    assert book.submit(Order("s1", "E1", S, 80.00, 100, 1)) == []
    assert book.submit(Order("s2", "E2", S, 79.50, 50, 2)) == []
    assert book.submit(Order("s3", "E3", S, 79.50, 50, 3)) == []
    # a buy of 120 at 81: best price first (s2, then s3 at 79.50, earlier first), then s1 at 80.00
    trades = book.submit(Order("b1", "E4", B, 81.00, 120, 4))
    assert [(t.sell_order, t.quantity, t.price) for t in trades] == [("s2", 50, 79.5), ("s3", 50, 79.5),
                                                                    ("s1", 20, 80.0)]  # fmt: skip
    assert book.best_ask() == 80.0 and book.best_bid() is None  # s1 rests with 80 left
    assert book.submit(Order("b2", "E5", B, 79.00, 10, 5)) == []  # does not cross: rests
    assert (book.best_bid(), book.best_ask()) == (79.0, 80.0)
    assert book.cancel("s1") == 80
    with pytest.raises(AuctionError, match="no resting order"):
        book.cancel("s1")
    # E5 rests a buy: its sell is a self-trade, refused, the book unchanged
    with pytest.raises(SelfTrade):
        book.submit(Order("s4", "E5", S, 70.00, 5, 6))
    assert book.resting() == [(Order("b2", "E5", B, 79.0, 10, 5), 10)]


orders = st.lists(
    st.tuples(
        st.sampled_from(["E1", "E2", "E3", "E4", "E5", "E6"]),
        st.sampled_from([B, S]),
        st.integers(min_value=9500, max_value=10500),  # fen
        st.integers(min_value=1, max_value=500),
        st.booleans(),  # cancel a random resting order afterwards
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(orders)
def test_book_properties(spec: list[tuple[str, Side, int, int, bool]]) -> None:
    book = OrderBook()
    submitted: dict[str, Order] = {}
    filled: dict[str, int] = {}
    cancelled: dict[str, int] = {}
    for i, (holder, side, fen, qty, cancel) in enumerate(spec):
        o = Order(f"o{i}", holder, side, fen / 100, qty, i)
        before = book.resting()
        try:
            trades = book.submit(o)
        except SelfTrade:
            assert book.resting() == before  # a refusal changes nothing
            continue
        submitted[o.id] = o
        for t in trades:
            resting = submitted[t.resting_order]
            assert t.resting_order != o.id and t.price == resting.price  # at the resting order's price
            assert (t.price >= o.price) if side is S else (t.price <= o.price)  # never worse than the limit
            assert t.buyer != t.seller
            filled[t.buy_order] = filled.get(t.buy_order, 0) + t.quantity
            filled[t.sell_order] = filled.get(t.sell_order, 0) + t.quantity
        bid, ask = book.best_bid(), book.best_ask()
        assert bid is None or ask is None or bid < ask  # no cross left in the book
        if cancel and book.resting():
            victim = book.resting()[i % len(book.resting())][0]
            cancelled[victim.id] = book.cancel(victim.id)
    left = {o.id: q for o, q in book.resting()}
    for oid, o in submitted.items():  # volume conserved per order
        assert filled.get(oid, 0) + left.get(oid, 0) + cancelled.get(oid, 0) == o.quantity
    bought = sum(q for oid, q in filled.items() if submitted[oid].side is B)
    sold = sum(q for oid, q in filled.items() if submitted[oid].side is S)
    assert bought == sold


def test_match_all_orders_by_time() -> None:
    trades, book = match_all([Order("b", "E1", B, 90.0, 10, 2), Order("s", "E2", S, 85.0, 4, 1)])
    assert [(t.quantity, t.price, t.resting_order) for t in trades] == [(4, 85.0, "s")]
    assert book.best_bid() == 90.0
