"""The park's water meters and its metered fresh-water intake of a year (用水计量).

One reading of the water meters for the water Sankey (:mod:`zeropark.services.metabolism`) and for
the water reuse rate's denominator (:mod:`zeropark.services.symbiosis`: the accounting and the
report's chapter), so both show one intake figure [m³].
"""

from __future__ import annotations

from zeropark.model import Carrier
from zeropark.roadmap.metabolism import WaterMeter, water_intake
from zeropark.store.queries import meters as meter_queries
from zeropark.store.scope import Scope

__all__ = ["fresh_water_m3", "water_meters"]


def water_meters(scope: Scope, park_id: str, year: int) -> list[WaterMeter]:
    """The park's water meters the scope sees, each with its year total [m³] (None: no data)."""
    rows = meter_queries.meters(scope, park_id, carrier=Carrier.WATER)
    totals = meter_queries.year_totals(scope, (m.id for m in rows), year)
    return [
        WaterMeter(
            m.id,
            m.name,
            m.parent_id,
            m.enterprise_id,
            m.direction,
            totals[m.id][0] if m.id in totals else None,  # rollups: canonical m³, multiplier applied
        )
        for m in rows
    ]


def fresh_water_m3(scope: Scope, park_id: str, year: int) -> float | None:
    """The park's metered fresh-water intake of ``year`` [m³] (the core's ``water_intake``).

    The water Sankey's supply flows; the reclaimed water the registry reuses is no intake. ``None``:
    no top water meter with readings in the year.
    """
    return water_intake(water_meters(scope, park_id, year))
