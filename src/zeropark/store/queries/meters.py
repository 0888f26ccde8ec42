"""Meters as read (计量器具): one meter, its readings and rollups, the park's meters, year totals.

Every function takes the caller's :class:`~zeropark.store.scope.Scope`: an enterprise user gets
only its own enterprise's meters; one meter outside the scope answers NotFound (audited).
Energy values come from the rollups (``rollup``, canonical units, multiplier applied).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Row, bindparam, func, select

from zeropark.errors import NotFound
from zeropark.model import Carrier, Direction
from zeropark.store.db import read_connection, session_factory
from zeropark.store.queries.paging import Slice, row_page
from zeropark.store.schema import MeterRow, ReadingRow, RollupRow
from zeropark.store.scope import Scope

__all__ = [
    "YearTotal",
    "count_readings",
    "latest_rollups",
    "meter",
    "meter_page",
    "meter_tenant",
    "meters",
    "reading_page",
    "readings",
    "rollup_page",
    "rollup_series",
    "rollup_starts",
    "year_totals",
]

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

YearTotal = tuple[float, int, int]
"""(energy in the year [canonical unit], intervals present, intervals expected)."""


def _scoped(scope: Scope, stmt: Any) -> Any:
    return scope.filter(stmt, enterprise_col=MeterRow.enterprise_id, park_col=MeterRow.park_id)


def meter(scope: Scope, meter_id: str) -> MeterRow:
    """One meter inside ``scope`` (NotFound otherwise, audited)."""
    with session_factory(scope.engine)() as session:
        row = session.get(MeterRow, meter_id)
    if row is None:
        raise NotFound(f"meter '{meter_id}' not found")
    scope.check("meter", meter_id, park_id=row.park_id, enterprise_id=row.enterprise_id)
    return row


_TENANT = select(MeterRow.park_id, MeterRow.enterprise_id).where(MeterRow.id == bindparam("meter_id"))


def meter_tenant(engine: Engine, meter_id: str) -> tuple[str, str | None]:
    """The (park, enterprise) of meter ``meter_id``; tenant-neutral: the caller checks the scope with it.

    One indexed lookup on an autocommit connection (the API keeps the answer per process and
    checks the scope on every request).

    Raises
    ------
    NotFound
        No such meter.
    """
    with read_connection(engine) as conn:
        row = conn.execute(_TENANT, {"meter_id": meter_id}).first()
    if row is None:
        raise NotFound(f"meter '{meter_id}' not found")
    return row.park_id, row.enterprise_id


def meters(
    scope: Scope, park_id: str, *, enterprise_id: str | None = None, carrier: Carrier | None = None
) -> list[MeterRow]:
    """The park's meters inside ``scope`` (optionally one enterprise's, one carrier's), by id."""
    stmt = _scoped(scope, select(MeterRow).where(MeterRow.park_id == park_id))
    if enterprise_id is not None:
        stmt = stmt.where(MeterRow.enterprise_id == enterprise_id)
    if carrier is not None:
        stmt = stmt.where(MeterRow.carrier == carrier.value)
    with session_factory(scope.engine)() as session:
        return list(session.scalars(stmt.order_by(MeterRow.id)))


def meter_page(
    scope: Scope,
    park_id: str,
    *,
    carrier: Carrier | None = None,
    direction: Direction | None = None,
    enterprise_id: str | None = None,
    level: int | None = None,
    limit: int,
    offset: int,
) -> Slice[Row[Any]]:
    """One page of the park's meters inside ``scope``, by id, as plain rows (blocking; hot path).

    Filtered by carrier, direction, enterprise and level; an enterprise user naming another
    enterprise gets an empty page. The caller has checked the park against the scope.
    """
    stmt = select(MeterRow).where(MeterRow.park_id == park_id)
    if carrier is not None:
        stmt = stmt.where(MeterRow.carrier == carrier.value)
    if direction is not None:
        stmt = stmt.where(MeterRow.direction == direction.value)
    if enterprise_id is not None:
        stmt = stmt.where(MeterRow.enterprise_id == enterprise_id)
    if level is not None:
        stmt = stmt.where(MeterRow.level == level)
    stmt = scope.filter(stmt, enterprise_col=MeterRow.enterprise_id).order_by(MeterRow.id)
    return row_page(scope.engine, stmt, limit, offset)


def reading_page(
    scope: Scope,
    meter_id: str,
    start: datetime | None,
    end: datetime | None,
    *,
    limit: int,
    offset: int,
) -> Slice[Row[Any]]:
    """Readings of a meter the caller has checked against ``scope``, in ``[start, end)``, oldest first.

    Plain rows (blocking; the hot path of the API's readings pages).
    """
    # the meter's park as a subquery: PostgreSQL prunes to that park's partitions when it runs
    park = select(MeterRow.park_id).where(MeterRow.id == meter_id).scalar_subquery()
    stmt = select(ReadingRow).where(ReadingRow.park_id == park, ReadingRow.meter_id == meter_id)
    if start is not None:
        stmt = stmt.where(ReadingRow.ts >= start)
    if end is not None:
        stmt = stmt.where(ReadingRow.ts < end)
    return row_page(scope.engine, stmt.order_by(ReadingRow.ts), limit, offset)


def rollup_page(
    scope: Scope,
    meter_id: str,
    bucket: str,
    start: datetime | None,
    end: datetime | None,
    *,
    limit: int,
    offset: int,
) -> Slice[Row[Any]]:
    """Rollups (``bucket``: 15min, hour, day, month) of a checked meter starting in ``[start, end)``.

    Oldest first, plain rows (blocking; the hot path of the API's rollup pages).
    """
    stmt = select(RollupRow).where(RollupRow.meter_id == meter_id, RollupRow.bucket == bucket)
    if start is not None:
        stmt = stmt.where(RollupRow.start >= start)
    if end is not None:
        stmt = stmt.where(RollupRow.start < end)
    return row_page(scope.engine, stmt.order_by(RollupRow.start), limit, offset)


def _month_range(month: str) -> tuple[datetime, datetime] | None:
    try:
        y, m = (int(x) for x in month.split("-")[:2])
    except ValueError:
        return None
    start = datetime(y, m, 1, tzinfo=LOCAL_TZ)
    end = datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=LOCAL_TZ)
    return start.astimezone(UTC), end.astimezone(UTC)


def _readings_stmt(meter_row: MeterRow, month: str, what: Any) -> Any:
    stmt = select(what).where(ReadingRow.park_id == meter_row.park_id, ReadingRow.meter_id == meter_row.id)
    rng = _month_range(month) if month else None
    if rng:
        stmt = stmt.where(ReadingRow.ts >= rng[0], ReadingRow.ts < rng[1])
    return stmt


def count_readings(scope: Scope, meter_row: MeterRow, month: str) -> int:
    """Number of readings of an (already scope-checked) meter in ``month`` (``YYYY-MM``, local)."""
    with session_factory(scope.engine)() as session:
        return int(session.scalar(_readings_stmt(meter_row, month, func.count())) or 0)


def readings(scope: Scope, meter_row: MeterRow, month: str, offset: int, limit: int) -> list[ReadingRow]:
    """One page of readings of an (already scope-checked) meter, oldest first."""
    with session_factory(scope.engine)() as session:
        stmt = (
            _readings_stmt(meter_row, month, ReadingRow).order_by(ReadingRow.ts).offset(offset).limit(limit)
        )
        return list(session.scalars(stmt))


def _year_range(year: int) -> tuple[datetime, datetime]:
    return (
        datetime(year, 1, 1, tzinfo=LOCAL_TZ).astimezone(UTC),
        datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ).astimezone(UTC),
    )


def year_totals(scope: Scope, ids: Iterable[str], year: int) -> dict[str, YearTotal]:
    """Meter id → its energy, intervals present and expected in the local ``year``, from the rollups.

    Day rollups where they exist, else hourly, else monthly. ``ids`` are meters the caller has
    already taken from a scoped query.
    """
    lo, hi = _year_range(year)
    ids = list(ids)
    out: dict[str, YearTotal] = {}
    if not ids:
        return out
    with session_factory(scope.engine)() as session:
        for bucket in ("day", "hour", "month"):
            rows = session.execute(
                select(
                    RollupRow.meter_id,
                    func.sum(RollupRow.value),
                    func.sum(RollupRow.n_present),
                    func.sum(RollupRow.n_expected),
                )
                .where(
                    RollupRow.meter_id.in_(ids),
                    RollupRow.bucket == bucket,
                    RollupRow.start >= lo,
                    RollupRow.start < hi,
                )
                .group_by(RollupRow.meter_id)
            ).all()
            for mid, value, present, expected in rows:
                out.setdefault(mid, (float(value or 0), int(present or 0), int(expected or 0)))
            if len(out) == len(ids):
                break
    return out


def latest_rollups(
    scope: Scope, ids: list[str], hours: float = 24.0
) -> tuple[str, datetime | None, list[tuple[str, datetime, float]]]:
    """The last ``hours`` of rollups of meters ``ids``: (bucket, newest start, rows).

    15-min rollups when every meter has them, else hourly for all; rows are (meter, start, value).
    """
    with session_factory(scope.engine)() as session:
        n_fine = session.scalar(
            select(func.count(func.distinct(RollupRow.meter_id))).where(
                RollupRow.meter_id.in_(ids), RollupRow.bucket == "15min"
            )
        )
        bucket = "15min" if n_fine == len(ids) else "hour"
        last = session.scalar(
            select(func.max(RollupRow.start)).where(RollupRow.meter_id.in_(ids), RollupRow.bucket == bucket)
        )
        if last is None:
            return bucket, None, []
        rows = session.execute(
            select(RollupRow.meter_id, RollupRow.start, RollupRow.value).where(
                RollupRow.meter_id.in_(ids),
                RollupRow.bucket == bucket,
                RollupRow.start > last - timedelta(hours=hours),
                RollupRow.start <= last,
            )
        ).all()
    return bucket, last, [(r.meter_id, r.start, r.value) for r in rows]


def rollup_series(
    scope: Scope, meter_row: MeterRow, bucket: str, start: datetime, end: datetime
) -> list[tuple[datetime, float, int, int]]:
    """Rollups of an (already scope-checked) meter starting in ``[start, end)``, oldest first.

    Rows are (start UTC, value [canonical unit], intervals present, intervals expected).
    """
    with session_factory(scope.engine)() as session:
        rows = session.execute(
            select(RollupRow.start, RollupRow.value, RollupRow.n_present, RollupRow.n_expected)
            .where(
                RollupRow.meter_id == meter_row.id,
                RollupRow.bucket == bucket,
                RollupRow.start >= start.astimezone(UTC),
                RollupRow.start < end.astimezone(UTC),
            )
            .order_by(RollupRow.start)
        ).all()
    return [(_as_utc(r[0]), float(r[1]), int(r[2]), int(r[3])) for r in rows]


def rollup_starts(scope: Scope, meter_row: MeterRow, bucket: str) -> list[datetime]:
    """Starts (UTC) of every ``bucket`` rollup of an (already scope-checked) meter, oldest first."""
    with session_factory(scope.engine)() as session:
        rows = session.scalars(
            select(RollupRow.start)
            .where(RollupRow.meter_id == meter_row.id, RollupRow.bucket == bucket)
            .order_by(RollupRow.start)
        ).all()
    return [_as_utc(r) for r in rows]


def _as_utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
