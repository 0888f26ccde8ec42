"""Periodic call auction (集合竞价) of the park's internal carbon market: one uniform clearing price.

Policy
------
The clearing price is the one at which the most units trade. Bids at or above it and asks at or
below it are eligible; the executed volume is min(demand, supply) there. Ties between prices are
broken by the smallest imbalance |demand − supply|, then by the price closest to the reference
price (the last clearing price), then the lower price. This is the maximum-volume rule of
exchange call auctions (e.g. 上海证券交易所交易规则 集合竞价: the price of maximum volume, orders
better than it filled in full, at it at least one side filled in full) [UNCERTAIN: article number not
re-read]. Within a side, priority is price then time (order sequence).

An enterprise may not have both a bid and an ask in the same auction (a trade with itself):
:class:`~zeropark.errors.SelfTrade`. :func:`settle` turns the fills into balanced ledger entries
(``sell`` movements at the clearing price), which the asset ledger books like any other.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from zeropark.assets.book import Account, AssetKey, Entry, HolderKind, Movement, move
from zeropark.errors import AssetError, SelfTrade

__all__ = ["Clearing", "Fill", "Order", "Side", "clear", "settle"]


class Side(StrEnum):
    """买 or 卖."""

    BID = "bid"
    ASK = "ask"


@dataclass(frozen=True, slots=True)
class Order:
    """A limit order: ``quantity`` units at ``limit_cny`` per unit or better; ``seq`` = time priority."""

    seq: int
    holder: str  # enterprise id
    side: Side
    quantity: int
    limit_cny: float


@dataclass(frozen=True, slots=True)
class Fill:
    """Units from ``seller`` to ``buyer`` at the clearing price."""

    buyer: str
    seller: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Clearing:
    """The result: clearing price [CNY/unit], volume, the fills, and demand/supply at the price."""

    price_cny: float | None
    volume: int
    fills: tuple[Fill, ...]
    demand: int
    supply: int


def _check(orders: Sequence[Order]) -> None:
    sides: dict[str, set[Side]] = {}
    for o in orders:
        if isinstance(o.quantity, bool) or o.quantity <= 0 or not o.limit_cny >= 0:
            raise AssetError(f"order {o.seq}: quantity above 0 and a limit price ≥ 0 CNY are required")
        sides.setdefault(o.holder, set()).add(o.side)
    both = sorted(h for h, s in sides.items() if len(s) == 2)
    if both:
        raise SelfTrade(f"enterprise:{both[0]} (a bid and an ask in the same auction)")


def clear(orders: Sequence[Order], *, reference_cny: float | None = None) -> Clearing:
    """Clear a call auction: the maximum-volume uniform price and the fills (see module docstring).

    Raises
    ------
    SelfTrade
        A holder both bids and asks.
    AssetError
        An order with a quantity ≤ 0 or a negative limit.

    Examples
    --------
    >>> o = [Order(1, "A", Side.BID, 10, 100), Order(2, "B", Side.BID, 5, 90),
    ...      Order(3, "C", Side.ASK, 8, 85), Order(4, "D", Side.ASK, 10, 95)]
    >>> c = clear(o)  # at 90: demand 15, supply 8 → 8; at 95: demand 10, supply 18 → 10
    >>> c.price_cny, c.volume
    (95, 10)
    """
    _check(orders)
    bids = sorted((o for o in orders if o.side == Side.BID), key=lambda o: (-o.limit_cny, o.seq))
    asks = sorted((o for o in orders if o.side == Side.ASK), key=lambda o: (o.limit_cny, o.seq))
    if not bids or not asks:
        return Clearing(None, 0, (), 0, 0)
    bid_limits = [-o.limit_cny for o in bids]  # ascending
    ask_limits = [o.limit_cny for o in asks]  # ascending
    bid_cum = list(itertools.accumulate(o.quantity for o in bids))
    ask_cum = list(itertools.accumulate(o.quantity for o in asks))
    best: tuple[tuple[int, int, float, float], float, int, int] | None = None
    for p in sorted({o.limit_cny for o in orders}):
        nb = bisect.bisect_right(bid_limits, -p)  # bids with limit ≥ p
        na = bisect.bisect_right(ask_limits, p)  # asks with limit ≤ p
        demand = bid_cum[nb - 1] if nb else 0
        supply = ask_cum[na - 1] if na else 0
        vol = min(demand, supply)
        dist = abs(p - reference_cny) if reference_cny is not None else 0.0
        key = (-vol, abs(demand - supply), dist, p)
        if best is None or key < best[0]:
            best = (key, p, demand, supply)
    assert best is not None
    _, price, demand, supply = best
    volume = min(demand, supply)
    if volume == 0:
        return Clearing(None, 0, (), demand, supply)
    return Clearing(price, volume, tuple(_match(bids, asks, price, volume)), demand, supply)


def _match(bids: list[Order], asks: list[Order], price: float, volume: int) -> list[Fill]:
    """Fills in price-time priority on both sides up to ``volume``."""
    buyers = [o.holder for o in bids if o.limit_cny >= price]
    want = [o.quantity for o in bids if o.limit_cny >= price]
    sellers = [o.holder for o in asks if o.limit_cny <= price]
    have = [o.quantity for o in asks if o.limit_cny <= price]
    fills: list[Fill] = []
    i = j = 0
    left = volume
    while left > 0:
        q = min(want[i], have[j], left)
        fills.append(Fill(buyers[i], sellers[j], q))
        want[i] -= q
        have[j] -= q
        left -= q
        if want[i] == 0:
            i += 1
        if have[j] == 0:
            j += 1
    return fills


def settle(clearing: Clearing, asset: AssetKey, *, on: date, auction: str = "") -> list[Entry]:
    """The ledger entries of the fills: ``sell`` from seller to buyer at the clearing price."""
    if clearing.price_cny is None:
        return []
    return [
        move(
            asset,
            Account(HolderKind.ENTERPRISE, f.seller),
            Account(HolderKind.ENTERPRISE, f.buyer),
            f.quantity,
            on=on,
            movement=Movement.SELL,
            price_cny=clearing.price_cny,
            counterparty=f"internal call auction {auction}".strip(),
        )
        for f in clearing.fills
    ]
