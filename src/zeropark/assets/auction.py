"""Settlement of the park's internal call auction in the asset ledger (pure).

The auction itself — orders, the clearing price by the exchanges' call-auction rule, price-time
allocation, the refusal of a holder on both sides — is :mod:`zeropark.market.auction`. This module
turns its fills into the ledger's balanced entries: a ``sell`` movement from seller to buyer at the
clearing price, which the asset ledger books (and refuses, with nothing booked, beyond a balance)
like any other entry.
"""

from __future__ import annotations

from datetime import date

from zeropark.assets.book import Account, AssetKey, Entry, HolderKind, Movement, move
from zeropark.market.auction import Clearing

__all__ = ["settle"]


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
