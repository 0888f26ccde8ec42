"""Periodic call auction (集合竞价) of the park's internal carbon market: one clearing price.

Pure: orders in, clearing out, no I/O. Quantities are whole units of the traded instrument (t of
park-internal allowance, t of CEA/CCER, MWh of green certificates); prices are CNY per unit, on a
tick of 0.01 CNY (held as integer fen inside, so ties are exact).

Clearing rule (:data:`RULE`), the call-auction price principle of China's exchanges, 《上海证券交易所
交易规则》 集合竞价成交价格的确定原则 [UNCERTAIN: the clause number (第3.5.2条 in the 2006–2020
editions as recalled) and the edition in force were not verified at the exchange's site]:

1. the price at which the executable volume ``min(D(p), S(p))`` is largest, where ``D(p)`` is the
   quantity bid at ``p`` or higher and ``S(p)`` the quantity offered at ``p`` or lower,
2. at which every bid above and every offer below the price execute in full (and, at the price
   itself, at least one side executes in full — true of any price whose volume is ``min(D, S)``);
3. among several such prices, the one that leaves the smallest unmatched quantity ``|D(p) − S(p)|``;
4. among several still, their middle price (rounded down to the tick). Between two prices that meet
   1–2, the curves are flat, so the middle price meets them too.

Every candidate price is some order's limit. Allocation at the clearing price is price-then-time
priority on both sides (better limit first, then earlier ``seq``); an order may fill partly.

A holder may not buy and sell in the same auction (:class:`SelfTrade`): a park-internal market is
there to move allowances between enterprises, and a crossed pair of one holder's own orders would
book a trade with itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from zeropark.errors import DataError

__all__ = [
    "RULE",
    "AuctionError",
    "Clearing",
    "Fill",
    "Order",
    "SelfTrade",
    "Side",
    "clear",
    "price_fen",
]

#: The name of the clearing rule above, stated in every clearing and report.
RULE = "call_auction_max_volume_min_imbalance_midpoint"
#: Price tick [fen]: 1 fen = 0.01 CNY.
TICK_FEN = 1
#: Largest accepted price [CNY/unit]: far above any carbon price, below float precision trouble.
MAX_PRICE = 1e7


class Side(StrEnum):
    """Buy (买入) or sell (卖出)."""

    BUY = "buy"
    SELL = "sell"


class AuctionError(DataError):
    """An order that cannot enter the auction; ``order_id`` and ``field`` name it."""

    def __init__(self, order_id: str, field: str, message: str) -> None:
        self.order_id, self.field = order_id, field
        super().__init__(f"order {order_id!r}, field {field!r}: {message}")


class SelfTrade(AuctionError):
    """One holder placed both a buy and a sell order in the same auction."""


@dataclass(frozen=True, slots=True)
class Order:
    """A limit order: ``quantity`` [unit] at ``price`` [CNY/unit] or better; ``seq`` orders time."""

    id: str
    holder: str
    side: Side
    price: float
    quantity: int
    seq: int


@dataclass(frozen=True, slots=True)
class Fill:
    """``quantity`` [unit] from seller to buyer at the clearing price."""

    buy_order: str
    sell_order: str
    buyer: str
    seller: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Clearing:
    """The auction's outcome: price [CNY/unit] (None when no bid meets an offer), volume [unit]."""

    price: float | None
    volume: int
    demand_at_price: int
    supply_at_price: int
    fills: tuple[Fill, ...]
    rule: str = RULE

    @property
    def imbalance(self) -> int:
        """Quantity left unmatched at the clearing price [unit]: ``|D(p) − S(p)|``."""
        return abs(self.demand_at_price - self.supply_at_price)

    def filled(self, order_id: str) -> int:
        """Units of one order executed [unit]."""
        return sum(f.quantity for f in self.fills if order_id in (f.buy_order, f.sell_order))


def price_fen(order: Order) -> int:
    """The order's price in fen (0.01 CNY), checked: finite, in (0, MAX_PRICE], on the tick."""
    return _fen(order)


def _fen(order: Order) -> int:
    p = order.price
    if not isinstance(p, (int, float)) or isinstance(p, bool) or not math.isfinite(p):
        raise AuctionError(order.id, "price", f"{p!r} is not a finite number; give CNY per unit, e.g. 85.50")
    if p <= 0 or p > MAX_PRICE:
        raise AuctionError(order.id, "price", f"{p} is outside (0, {MAX_PRICE:g}] CNY per unit")
    fen = round(p * 100)
    if abs(fen - p * 100) > 1e-6 * max(1.0, p * 100):
        raise AuctionError(order.id, "price", f"{p} is not on the 0.01 CNY tick; round it to two decimals")
    return fen


def _check(orders: Sequence[Order]) -> None:
    seen: set[str] = set()
    sides: dict[str, Side] = {}
    for o in orders:
        if not o.id or o.id in seen:
            raise AuctionError(o.id, "id", "order ids must be non-empty and unique within an auction")
        seen.add(o.id)
        if not o.holder:
            raise AuctionError(o.id, "holder", "the order names no holder (an enterprise or the park)")
        if isinstance(o.quantity, bool) or not isinstance(o.quantity, int) or o.quantity <= 0:
            raise AuctionError(o.id, "quantity", f"{o.quantity!r} is not a positive whole number of units")
        if not isinstance(o.side, Side):
            raise AuctionError(o.id, "side", f"{o.side!r} is neither 'buy' nor 'sell'")
        other = sides.setdefault(o.holder, o.side)
        if other is not o.side:
            raise SelfTrade(
                o.id, "holder", f"{o.holder} both buys and sells in this auction; withdraw one side's orders"
            )


def clear(orders: Sequence[Order]) -> Clearing:
    """Clear one call auction by :data:`RULE`; raises :class:`AuctionError` for a bad order.

    O(n log n) in the number of orders: cumulative bid and offer curves over the sorted distinct
    limits, evaluated at every candidate price with ``searchsorted``.
    """
    _check(orders)
    fen = {o.id: _fen(o) for o in orders}
    buys = sorted((o for o in orders if o.side is Side.BUY), key=lambda o: (-fen[o.id], o.seq, o.id))
    sells = sorted((o for o in orders if o.side is Side.SELL), key=lambda o: (fen[o.id], o.seq, o.id))
    if not buys or not sells or fen[buys[0].id] < fen[sells[0].id]:
        return Clearing(None, 0, 0, 0, ())
    bid_p = np.array([fen[o.id] for o in buys], dtype=np.int64)  # descending
    bid_q = np.cumsum([o.quantity for o in buys], dtype=np.int64)
    ask_p = np.array([fen[o.id] for o in sells], dtype=np.int64)  # ascending
    ask_q = np.cumsum([o.quantity for o in sells], dtype=np.int64)
    cand = np.unique(np.concatenate([bid_p, ask_p]))
    asc_bids = bid_p[::-1]

    def cum(q: np.ndarray[Any, Any], n: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return np.where(n > 0, q[np.maximum(n - 1, 0)], 0)

    # D(p) bids with limit ≥ p, S(p) offers with limit ≤ p; the strict curves exclude the price itself.
    demand = cum(bid_q, len(bid_p) - np.searchsorted(asc_bids, cand, side="left"))
    supply = cum(ask_q, np.searchsorted(ask_p, cand, side="right"))
    above = cum(bid_q, len(bid_p) - np.searchsorted(asc_bids, cand, side="right"))
    below = cum(ask_q, np.searchsorted(ask_p, cand, side="left"))
    volume = np.minimum(demand, supply)
    v_max = volume.max()
    # 1. largest volume; 2. bids above and offers below the price execute in full (at the price one
    # side then does too, as the volume is the smaller of D and S).
    best = (volume == v_max) & (above <= v_max) & (below <= v_max)
    imbalance = np.abs(demand - supply)
    best &= imbalance == imbalance[best].min()  # 3. the smallest unmatched quantity
    chosen = cand[best]
    price_fen = int((int(chosen.min()) + int(chosen.max())) // 2)  # middle price, down to the tick
    d_at = int(len(bid_p) - np.searchsorted(bid_p[::-1], price_fen, side="left"))
    s_at = int(np.searchsorted(ask_p, price_fen, side="right"))
    dem = int(bid_q[d_at - 1]) if d_at else 0
    sup = int(ask_q[s_at - 1]) if s_at else 0
    vol = min(dem, sup)
    return Clearing(price_fen / 100, vol, dem, sup, _allocate(buys[:d_at], sells[:s_at], vol))


def _allocate(buys: Sequence[Order], sells: Sequence[Order], volume: int) -> tuple[Fill, ...]:
    """Match ``volume`` units down both priority queues (price, then time); partial fills allowed."""
    fills: list[Fill] = []
    bi = si = 0
    b_left = buys[0].quantity if buys else 0
    s_left = sells[0].quantity if sells else 0
    left = volume
    while left > 0:
        q = min(b_left, s_left, left)
        b, s = buys[bi], sells[si]
        fills.append(Fill(b.id, s.id, b.holder, s.holder, q))
        left -= q
        b_left -= q
        s_left -= q
        if b_left == 0 and left > 0:
            bi += 1
            b_left = buys[bi].quantity
        if s_left == 0 and left > 0:
            si += 1
            s_left = sells[si].quantity
    return tuple(fills)
