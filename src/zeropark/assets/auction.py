"""Settlement of the park's internal call auction and continuous book in the asset ledger (pure).

The auction itself — orders, the clearing price by the exchanges' call-auction rule, price-time
allocation, the refusal of a holder on both sides — is :mod:`zeropark.market.auction`. This module
turns its fills into the ledger's balanced entries: a ``sell`` movement from seller to buyer at the
clearing price, which the asset ledger books (and refuses, with nothing booked, beyond a balance)
like any other entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from zeropark.assets.book import Account, AssetKey, Entry, HolderKind, Movement, move
from zeropark.market.auction import Clearing
from zeropark.market.continuous import Trade

__all__ = ["settle", "settle_trades"]


def settle(clearing: Clearing, asset: AssetKey, *, on: date, auction: str = "") -> list[Entry]:
    """The ledger entries of the fills: ``sell`` from seller to buyer at the clearing price [CNY/unit]."""
    if clearing.price is None:
        return []
    return [
        move(
            asset,
            Account(HolderKind.ENTERPRISE, f.seller),
            Account(HolderKind.ENTERPRISE, f.buyer),
            f.quantity,
            on=on,
            movement=Movement.SELL,
            price_cny=clearing.price,
            counterparty=f"internal call auction {auction}".strip(),
        )
        for f in clearing.fills
    ]


def settle_trades(trades: Sequence[Trade], asset: AssetKey, *, on: date, book: str = "") -> list[Entry]:
    """The ledger entries of continuous-book trades: ``sell`` at each trade's price [CNY/unit]."""
    return [
        move(
            asset,
            Account(HolderKind.ENTERPRISE, t.seller),
            Account(HolderKind.ENTERPRISE, t.buyer),
            t.quantity,
            on=on,
            movement=Movement.SELL,
            price_cny=t.price,
            counterparty=f"internal continuous book {book}".strip(),
        )
        for t in trades
    ]
