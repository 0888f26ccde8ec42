"""The asset chapter of the annual report (碳资产章节): gathered from the use cases every door uses.

Positions (:func:`zeropark.services.assets.position`), ledger totals by instrument
(:func:`zeropark.services.assets.totals` via ``balances_dict``), surrenders and retirements of the
year (the journal), market clearings (:func:`zeropark.services.market.overview`) and the
quota-gap forecasts (:func:`zeropark.services.assets.gap_forecasts`) — the figures of ``/assets``,
``/assets/forecasts``, the API and ``zeropark assets …``; the report only lays them out.
"""

from __future__ import annotations

from typing import Any

from zeropark.assets.book import TO_RETIRED
from zeropark.errors import AssetError, NotFound
from zeropark.forecast.quota_gap import QuotaGapError
from zeropark.services import assets, market
from zeropark.store.scope import Scope

__all__ = ["asset_chapter"]


def asset_chapter(scope: Scope, park_id: str, year: int) -> dict[str, Any]:
    """The chapter's figures for ``year``: positions, totals, retirements, clearings, forecasts.

    Every quantity is in its instrument's unit (t CO2 for CEA/CCER/park allowances, MWh for GEC
    and green power, points for 碳普惠); prices in CNY per unit. A part without data is empty and
    says why (``forecast_note``).
    """
    ledger = assets.balances_dict(scope, park_id)
    positions: list[dict[str, Any]] = []
    for ent in assets.position_candidates(scope, park_id, year):
        try:
            positions.append(assets.position(scope, park_id, ent, year).to_dict())
        except (AssetError, NotFound):
            continue  # no verified emissions for it: the page shows why; the report lists what it can
    retired: dict[tuple[str, str], int] = {}
    for e in assets.journal(scope, park_id, limit=100_000):
        if e.value_date.year != year or e.movement not in {m.value for m in TO_RETIRED}:
            continue
        for _acct, asset, q, _r in e.lines:
            if q < 0:
                retired[(e.movement, asset)] = retired.get((e.movement, asset), 0) - q
    forecasts: list[dict[str, Any]] = []
    note = ""
    try:
        forecasts = [r.to_dict() for r in assets.gap_forecasts(scope, park_id, year)]
    except (NotFound, QuotaGapError) as exc:
        note = str(exc)
    return {
        "positions": positions,
        "totals": ledger["totals"],
        "retired": [{"movement": m, "asset": a, "quantity": q} for (m, a), q in sorted(retired.items())],
        "clearings": market.overview(scope, park_id, year)["clearings"],
        "forecasts": forecasts,
        "forecast_note": note,
    }
