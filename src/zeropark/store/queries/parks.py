"""Parks as read (园区): the parks a scope sees, one park, its zones, and the years it has data for."""

from __future__ import annotations

from datetime import UTC, date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Select, func, select

from zeropark.errors import NotFound
from zeropark.model import Park
from zeropark.store import repo
from zeropark.store.db import session_factory
from zeropark.store.queries.paging import Slice, orm_page
from zeropark.store.schema import InventoryRunRow, MeterRow, ParkRow, RollupRow, ZoneRow
from zeropark.store.scope import Scope

__all__ = ["last_metered_day", "park", "park_page", "park_record", "parks", "years", "zones"]


def _parks_stmt(scope: Scope) -> Select[Any]:
    """The parks inside ``scope``, by id (an enterprise user: its enterprise's park)."""
    if scope.is_enterprise:
        return select(ParkRow).where(ParkRow.id == scope.user.park_id).order_by(ParkRow.id)
    return scope.filter(select(ParkRow).order_by(ParkRow.id), park_col=ParkRow.id, park_level=True)


def parks(scope: Scope) -> list[Park]:
    """The parks inside ``scope``, by id (an enterprise user: its enterprise's park)."""
    return [p for p in repo.list_parks(scope.engine) if scope.sees_park(p.id)]


def park_page(scope: Scope, *, limit: int, offset: int) -> Slice[ParkRow]:
    """One page of the parks inside ``scope`` (:func:`parks`), and how many there are."""
    return orm_page(scope.engine, _parks_stmt(scope), limit, offset)


def park_record(engine: Engine, park_id: str) -> ParkRow:
    """The stored park ``park_id``, detached; tenant-neutral (the caller checks the scope first).

    The API keeps this record per process and checks the scope on every request
    (``zeropark.api.routers.parks.park_out``); everyone else calls :func:`park`.

    Raises
    ------
    NotFound
        No such park.
    """
    with session_factory(engine)() as session:
        row = session.get(ParkRow, park_id)
    if row is None:
        raise NotFound(f"park '{park_id}' not found")
    return row


def park(scope: Scope, park_id: str) -> ParkRow:
    """The park ``park_id`` inside ``scope``.

    Raises
    ------
    NotFound
        The park is outside the scope (audited), or there is no such park.
    """
    scope.check_park(park_id)
    return park_record(scope.engine, park_id)


def zones(scope: Scope, park_id: str) -> list[ZoneRow]:
    """The zones of the park ``park_id`` inside ``scope``, by id (NotFound as :func:`park`)."""
    park(scope, park_id)
    with session_factory(scope.engine)() as session:
        return list(session.scalars(select(ZoneRow).where(ZoneRow.park_id == park_id).order_by(ZoneRow.id)))


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


def last_metered_day(scope: Scope, park_id: str, tz: str = "Asia/Shanghai") -> date | None:
    """The last local day with an hourly rollup of the park's meters (None without data).

    The forecast and optimisation forms start from it (a forecast of that day can be compared
    with what was metered).
    """
    scope.check_park(park_id)
    with session_factory(scope.engine)() as session:
        last = session.scalar(
            select(func.max(RollupRow.start))
            .join(MeterRow, MeterRow.id == RollupRow.meter_id)
            .where(MeterRow.park_id == park_id, RollupRow.bucket == "hour")
        )
    if last is None:
        return None
    return (last if last.tzinfo else last.replace(tzinfo=UTC)).astimezone(ZoneInfo(tz)).date()
