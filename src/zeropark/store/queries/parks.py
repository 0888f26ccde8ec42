"""Parks as read (园区): the parks a scope sees, and the years a park has data for."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from zeropark.store.db import session_factory
from zeropark.store.schema import InventoryRunRow, MeterRow, ParkRow, RollupRow
from zeropark.store.scope import Scope

__all__ = ["parks", "years"]


def parks(scope: Scope) -> list[ParkRow]:
    """The parks inside ``scope``, by id (an enterprise user: its enterprise's park)."""
    if scope.is_enterprise:
        stmt = select(ParkRow).where(ParkRow.id == scope.user.park_id)
    else:
        stmt = scope.filter(select(ParkRow).order_by(ParkRow.id), park_col=ParkRow.id, park_level=True)
    with session_factory(scope.engine)() as session:
        return list(session.scalars(stmt))


def years(scope: Scope, park_id: str, tz: str = "Asia/Shanghai") -> list[int]:
    """Local years with an inventory run or metered data of the park, newest first (empty if none)."""
    zone = ZoneInfo(tz)
    with session_factory(scope.engine)() as session:
        found = {
            int(y)
            for y in session.scalars(select(InventoryRunRow.year).where(InventoryRunRow.park_id == park_id))
        }
        first, last = session.execute(
            select(func.min(RollupRow.start), func.max(RollupRow.start))
            .join(MeterRow, MeterRow.id == RollupRow.meter_id)
            .where(MeterRow.park_id == park_id, RollupRow.bucket == "month")
        ).one()
    for ts in (first, last):
        if ts is not None:
            found.add((ts if ts.tzinfo else ts.replace(tzinfo=UTC)).astimezone(zone).year)
    return sorted(found, reverse=True)
