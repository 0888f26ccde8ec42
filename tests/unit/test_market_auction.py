"""The internal market's call auction (zeropark.market.auction): hand-cleared books and invariants."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zeropark.market.auction import RULE, AuctionError, Order, SelfTrade, Side, clear


def _o(oid: str, holder: str, side: Side, price: float, qty: int, seq: int) -> Order:
    return Order(oid, holder, side, price, qty, seq)


def test_max_volume_then_midpoint_by_hand() -> None:
    """Bids 10@90, 20@88, 15@85; offers 12@84, 18@87, 10@89.

    Candidate  D(p)  S(p)  min
       84       45    12   12
       85       45    12   12
       87       30    30   30   ← max volume, imbalance 0
       88       30    30   30   ← max volume, imbalance 0
       89       10    40   10
       90       10    40   10
    Two prices tie on volume and imbalance: the middle price (8700 + 8800) // 2 fen = 87.50 CNY.
    Price-time priority: B1 10 from S1; B2 2 more from S1 (S1 = 12), then 18 from S2.
    """
    book = [
        _o("B1", "A", Side.BUY, 90, 10, 1),
        _o("B2", "B", Side.BUY, 88, 20, 2),
        _o("B3", "C", Side.BUY, 85, 15, 3),
        _o("S1", "D", Side.SELL, 84, 12, 4),
        _o("S2", "E", Side.SELL, 87, 18, 5),
        _o("S3", "F", Side.SELL, 89, 10, 6),
    ]
    c = clear(book)
    assert c.rule == RULE
    assert c.price == 87.5
    assert (c.volume, c.demand_at_price, c.supply_at_price, c.imbalance) == (30, 30, 30, 0)
    assert [(f.buy_order, f.sell_order, f.quantity) for f in c.fills] == [
        ("B1", "S1", 10),
        ("B2", "S1", 2),
        ("B2", "S2", 18),
    ]
    assert c.filled("B3") == 0 and c.filled("S3") == 0


def test_smallest_imbalance_breaks_a_volume_tie() -> None:
    """Bid 10@100; offers 4@98, 6@99, 3@100: volume 10 at 99 and 100; imbalance 0 at 99, 3 at 100."""
    c = clear(
        [
            _o("b", "A", Side.BUY, 100, 10, 1),
            _o("s1", "B", Side.SELL, 98, 4, 2),
            _o("s2", "C", Side.SELL, 99, 6, 3),
            _o("s3", "D", Side.SELL, 100, 3, 4),
        ]
    )
    assert (c.price, c.volume, c.imbalance) == (99.0, 10, 0)
    assert c.filled("s3") == 0


def test_time_priority_at_the_same_limit() -> None:
    """Two offers at 50: the earlier (seq 1) fills first; 7 units bid take 5 + 2."""
    c = clear(
        [
            _o("late", "A", Side.SELL, 50, 5, 2),
            _o("early", "B", Side.SELL, 50, 5, 1),
            _o("bid", "C", Side.BUY, 50, 7, 3),
        ]
    )
    assert c.price == 50.0
    assert (c.filled("early"), c.filled("late")) == (5, 2)


def test_no_cross_no_trade() -> None:
    c = clear([_o("b", "A", Side.BUY, 80, 5, 1), _o("s", "B", Side.SELL, 81, 5, 2)])
    assert (c.price, c.volume, c.fills) == (None, 0, ())
    assert clear([]).price is None


@pytest.mark.parametrize(
    ("order", "field"),
    [
        (Order("x", "A", Side.BUY, 85.555, 1, 1), "price"),
        (Order("x", "A", Side.BUY, float("nan"), 1, 1), "price"),
        (Order("x", "A", Side.BUY, -1.0, 1, 1), "price"),
        (Order("x", "A", Side.BUY, 1e20, 1, 1), "price"),
        (Order("x", "A", Side.BUY, 80.0, 0, 1), "quantity"),
        (Order("x", "A", Side.BUY, 80.0, True, 1), "quantity"),
        (Order("x", "", Side.BUY, 80.0, 1, 1), "holder"),
        (Order("x", "A", "hold", 80.0, 1, 1), "side"),  # type: ignore[arg-type]
    ],
)
def test_a_bad_order_is_named(order: Order, field: str) -> None:
    with pytest.raises(AuctionError) as err:
        clear([order, Order("y", "B", Side.SELL, 80.0, 1, 2)])
    assert err.value.order_id == "x" and err.value.field == field


def test_a_holder_on_both_sides_is_a_self_trade() -> None:
    with pytest.raises(SelfTrade, match="both buys and sells"):
        clear([_o("b", "A", Side.BUY, 80, 5, 1), _o("s", "A", Side.SELL, 79, 5, 2)])
    with pytest.raises(AuctionError, match="unique"):
        clear([_o("b", "A", Side.BUY, 80, 5, 1), _o("b", "B", Side.SELL, 79, 5, 2)])


_orders = st.lists(
    st.tuples(st.booleans(), st.integers(1, 40), st.integers(1, 30)),  # buy?, price [CNY], quantity
    min_size=0,
    max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(_orders)
def test_clearing_matches_brute_force_and_priority(raw: list[tuple[bool, int, int]]) -> None:
    """Against every whole-CNY price: the volume is the largest possible, fills conserve it, no
    order fills beyond its size or limit, and every strictly better order fills in full."""
    book = [
        Order(f"o{i}", f"{'b' if buy else 's'}{i}", Side.BUY if buy else Side.SELL, float(p), q, i)
        for i, (buy, p, q) in enumerate(raw)
    ]
    c = clear(book)

    def at(price: float) -> int:
        d = sum(o.quantity for o in book if o.side is Side.BUY and o.price >= price)
        s = sum(o.quantity for o in book if o.side is Side.SELL and o.price <= price)
        return min(d, s)

    best = max((at(p) for p in range(1, 41)), default=0)
    assert c.volume == best
    if c.price is None:
        assert best == 0
        return
    assert at(c.price) == best
    assert sum(f.quantity for f in c.fills) == c.volume
    for o in book:
        got = c.filled(o.id)
        assert 0 <= got <= o.quantity
        if got:
            assert (o.price >= c.price) if o.side is Side.BUY else (o.price <= c.price)
        better = o.price > c.price if o.side is Side.BUY else o.price < c.price
        if better:
            assert got == o.quantity
