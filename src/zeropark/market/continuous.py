"""Continuous order book (连续竞价) of the park's internal carbon market: price-time priority (pure).

The alternative to the periodic call auction (:mod:`zeropark.market.auction`): each incoming limit
order is matched at once against the resting orders of the other side, best price first and, at
one price, earliest first (price-time priority, 价格优先、时间优先 — the continuous-trading rule of
China's exchanges, e.g. 《上海证券交易所交易规则》 连续竞价; [UNCERTAIN]: clause number not
verified at the exchange's site). Each trade executes **at the resting order's price** (the
incoming order improves on it or meets it). An order may fill partly; what is left of a buy or a
sell rests in the book until it is matched or cancelled. After every submission the book is not
crossed: the best bid is below the best ask.

Orders are :class:`~zeropark.market.auction.Order` (CNY per unit on the 0.01 CNY tick, whole
units) and are checked as in the auction. As in the auction, a holder may not have orders on both
sides of the book (:class:`~zeropark.market.auction.SelfTrade`): a park-internal market moves
allowances between enterprises, never from a holder to itself. A refused order changes nothing.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field

from zeropark.market.auction import AuctionError, Order, SelfTrade, Side
from zeropark.market.auction import price_fen as _fen

__all__ = ["RULE", "OrderBook", "Trade", "match_all"]

#: The name of the matching rule, stated in every stored result.
RULE = "continuous_price_time_priority_resting_price"


@dataclass(frozen=True, slots=True)
class Trade:
    """``quantity`` [unit] from seller to buyer at ``price`` [CNY/unit], the resting order's limit."""

    buy_order: str
    sell_order: str
    buyer: str
    seller: str
    quantity: int
    price: float
    resting_order: str


@dataclass
class OrderBook:
    """The resting orders of both sides; :meth:`submit` matches, :meth:`cancel` withdraws."""

    _bids: list[tuple[int, int, str]] = field(default_factory=list)  # (−fen, seq, id): a min-heap
    _asks: list[tuple[int, int, str]] = field(default_factory=list)  # (fen, seq, id)
    _orders: dict[str, Order] = field(default_factory=dict)
    _left: dict[str, int] = field(default_factory=dict)  # resting quantity by order id
    _seen: set[str] = field(default_factory=set)
    _resting_by: dict[tuple[str, Side], int] = field(default_factory=dict)  # resting orders per holder, side

    def _take(self, order_id: str, q: int) -> None:
        """Reduce a resting order by ``q``; count it out of its holder's side when it is gone."""
        self._left[order_id] -= q
        if self._left[order_id] == 0:
            o = self._orders[order_id]
            self._resting_by[(o.holder, o.side)] -= 1

    def _top(self, heap: list[tuple[int, int, str]]) -> str | None:
        while heap and self._left.get(heap[0][2], 0) == 0:
            heapq.heappop(heap)  # filled or cancelled: drop lazily
        return heap[0][2] if heap else None

    def best_bid(self) -> float | None:
        """Highest resting buy limit [CNY/unit], or None."""
        top = self._top(self._bids)
        return None if top is None else self._orders[top].price

    def best_ask(self) -> float | None:
        """Lowest resting sell limit [CNY/unit], or None."""
        top = self._top(self._asks)
        return None if top is None else self._orders[top].price

    def resting(self) -> list[tuple[Order, int]]:
        """Every resting order with its remaining quantity [unit], by id."""
        return [(self._orders[i], q) for i, q in sorted(self._left.items()) if q > 0]

    def _check(self, order: Order) -> int:
        if not order.id or order.id in self._seen:
            raise AuctionError(order.id, "id", "order ids must be non-empty and unique within a book")
        if not order.holder:
            raise AuctionError(order.id, "holder", "the order names no holder (an enterprise or the park)")
        if isinstance(order.quantity, bool) or not isinstance(order.quantity, int) or order.quantity <= 0:
            raise AuctionError(
                order.id, "quantity", f"{order.quantity!r} is not a positive whole number of units"
            )
        if not isinstance(order.side, Side):
            raise AuctionError(order.id, "side", f"{order.side!r} is neither 'buy' nor 'sell'")
        fen = _fen(order)
        opposite = Side.SELL if order.side is Side.BUY else Side.BUY
        if self._resting_by.get((order.holder, opposite), 0) > 0:
            raise SelfTrade(
                order.id, "holder", f"{order.holder} has a resting {opposite} order; cancel it first"
            )
        return fen

    def submit(self, order: Order) -> list[Trade]:
        """Match ``order`` against the book (price-time priority), rest what is left; the trades.

        Raises
        ------
        AuctionError, SelfTrade
            A bad order (named field), or a holder on both sides; the book is unchanged.
        """
        fen = self._check(order)
        self._seen.add(order.id)
        self._orders[order.id] = order
        buy = order.side is Side.BUY
        other = self._asks if buy else self._bids
        left = order.quantity
        trades: list[Trade] = []
        while left > 0:
            top = self._top(other)
            if top is None:
                break
            resting = self._orders[top]
            rfen = _fen(resting)
            if (buy and rfen > fen) or (not buy and rfen < fen):
                break  # no longer crosses
            q = min(left, self._left[top])
            left -= q
            self._take(top, q)
            b, s = (order, resting) if buy else (resting, order)
            trades.append(Trade(b.id, s.id, b.holder, s.holder, q, rfen / 100, resting.id))
        if left > 0:
            self._left[order.id] = left
            key = (order.holder, order.side)
            self._resting_by[key] = self._resting_by.get(key, 0) + 1
            heapq.heappush(self._bids if buy else self._asks, ((-fen if buy else fen), order.seq, order.id))
        return trades

    def cancel(self, order_id: str) -> int:
        """Withdraw a resting order; the quantity cancelled [unit].

        Raises
        ------
        AuctionError
            No resting order with that id (unknown, filled or already cancelled).
        """
        q = self._left.get(order_id, 0)
        if q == 0:
            raise AuctionError(order_id, "id", "no resting order with this id (filled, cancelled or unknown)")
        self._take(order_id, q)
        return q


def match_all(orders: Iterable[Order]) -> tuple[list[Trade], OrderBook]:
    """Submit ``orders`` in time order (``seq``, then id) to an empty book; the trades and the book."""
    book = OrderBook()
    trades: list[Trade] = []
    for o in sorted(orders, key=lambda o: (o.seq, o.id)):
        trades.extend(book.submit(o))
    return trades, book
