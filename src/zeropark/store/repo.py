"""Repositories: the domain types of :mod:`zeropark.model` in and out of the database.

Policy:

- Every function takes ``db`` — an :class:`~sqlalchemy.Engine` (the function runs in its own
  transaction) or an open :class:`~sqlalchemy.orm.Session` (the caller owns the transaction; the
  function only flushes). ORM rows never leave this module: callers get frozen model values.
- ``add_*`` refuses an id that exists (:class:`~zeropark.errors.DataError` naming the way out);
  ``upsert_*`` inserts or replaces; ``get_*`` raises :class:`~zeropark.errors.NotFound`.
- Tenant isolation lives here, in the query layer (DESIGN.md §7): every ``list_*``/``get_*`` that
  reads enterprise data takes an optional ``enterprise_id`` scope. With a scope, only that
  enterprise's rows are returned and anything else is :class:`~zeropark.errors.NotFound` (the
  same answer as for an id that does not exist, so a tenant cannot probe others' ids).
- Meter tree (计量层级): ``parent_id`` links a meter to its parent; :func:`meter_children`,
  :func:`meter_ancestors`, :func:`meter_subtree` and :func:`meters_by_level` walk it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Engine, Select, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zeropark.errors import DataError, DoubleClaim, NotFound
from zeropark.model import (
    SERIAL_DIGITS,
    ActivityRecord,
    Carrier,
    ClaimKind,
    Direction,
    Enterprise,
    Flow,
    GreenPowerClaim,
    IndicatorData,
    Meter,
    MeterKind,
    Park,
    SerialRange,
    Transfer,
    Zone,
    serial_range,
)
from zeropark.store.db import session_factory
from zeropark.store.schema import (
    ActivityRecordRow,
    Base,
    EnterpriseRow,
    GatewayRow,
    GreenPowerClaimRow,
    IndicatorDataRow,
    MeterMonthSummaryRow,
    MeterRow,
    ParkRow,
    TransferRow,
    ZoneRow,
)

__all__ = [
    "Db",
    "Gateway",
    "add_activity_record",
    "add_claim",
    "add_enterprise",
    "add_gateway",
    "add_meter",
    "add_park",
    "add_transfer",
    "add_zone",
    "claim_overlaps",
    "get_activity_record",
    "get_claim",
    "get_enterprise",
    "get_gateway",
    "get_indicator_data",
    "get_meter",
    "get_park",
    "get_zone",
    "list_activity_records",
    "list_claims",
    "list_enterprises",
    "list_gateways",
    "list_meters",
    "list_parks",
    "list_transfers",
    "list_zones",
    "meter_ancestors",
    "meter_children",
    "meter_subtree",
    "meters_by_level",
    "put_indicator_data",
    "upsert_activity_record",
    "upsert_enterprise",
    "upsert_gateway",
    "upsert_meter",
    "upsert_park",
    "upsert_transfer",
    "upsert_zone",
]

Db = Engine | Session
_R = TypeVar("_R", bound=Base)
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Gateway:
    """采集网关: a data-collection gateway; its API key is kept only as an argon2 hash."""

    id: str
    park_id: str
    name: str
    api_key_hash: str
    api_key_prefix: str


@contextmanager
def _session(db: Db) -> Iterator[Session]:
    """A session on ``db``: a new transaction for an engine, the caller's session as it is."""
    if isinstance(db, Session):
        yield db
        db.flush()
        return
    with session_factory(db)() as session, session.begin():
        yield session


def _insert(db: Db, row: Base, what: str, ident: str, upsert_fn: str) -> None:
    try:
        with _session(db) as s:
            if s.get(type(row), _pk(row)) is not None:
                raise DataError(f"{what} '{ident}' already exists; use {upsert_fn}() to replace it")
            s.add(row)
            s.flush()
    except IntegrityError as exc:
        raise DataError(f"{what} '{ident}' was not stored: {exc.orig}") from exc


def _merge(db: Db, row: Base) -> None:
    with _session(db) as s:
        s.merge(row)


def _pk(row: Base) -> tuple[Any, ...]:
    return tuple(row.__mapper__.primary_key_from_instance(row))


def _get(db: Db, row_type: type[_R], ident: Any, what: str, to_model: Callable[[_R], _T]) -> _T:
    with _session(db) as s:
        row = s.get(row_type, ident)
        if row is None:
            raise NotFound(f"{what} '{ident}' does not exist")
        return to_model(row)


def _all(db: Db, stmt: Select[_R], to_model: Callable[[_R], _T]) -> list[_T]:
    with _session(db) as s:
        return [to_model(r) for r in s.scalars(stmt)]


# --- parks and zones ----------------------------------------------------------------------------


def _park_row(p: Park) -> ParkRow:
    return ParkRow(**{f.name: getattr(p, f.name) for f in fields(Park)})


def _park(r: ParkRow) -> Park:
    return Park(**{f.name: getattr(r, f.name) for f in fields(Park)})


def add_park(db: Db, park: Park) -> None:
    """Store a new park (园区); raises DataError if its id exists."""
    _insert(db, _park_row(park), "park", park.id, "upsert_park")


def upsert_park(db: Db, park: Park) -> None:
    """Insert or replace a park."""
    _merge(db, _park_row(park))


def get_park(db: Db, park_id: str) -> Park:
    """The park ``park_id``; raises NotFound."""
    return _get(db, ParkRow, park_id, "park", _park)


def list_parks(db: Db) -> list[Park]:
    """All parks, ordered by id."""
    return _all(db, select(ParkRow).order_by(ParkRow.id), _park)


def _zone(r: ZoneRow) -> Zone:
    return Zone(id=r.id, park_id=r.park_id, name=r.name)


def add_zone(db: Db, zone: Zone) -> None:
    """Store a new zone (片区/园中园)."""
    _insert(db, ZoneRow(id=zone.id, park_id=zone.park_id, name=zone.name), "zone", zone.id, "upsert_zone")


def upsert_zone(db: Db, zone: Zone) -> None:
    """Insert or replace a zone."""
    _merge(db, ZoneRow(id=zone.id, park_id=zone.park_id, name=zone.name))


def get_zone(db: Db, zone_id: str) -> Zone:
    """The zone ``zone_id``; raises NotFound."""
    return _get(db, ZoneRow, zone_id, "zone", _zone)


def list_zones(db: Db, park_id: str) -> list[Zone]:
    """The zones of a park, ordered by id."""
    return _all(db, select(ZoneRow).where(ZoneRow.park_id == park_id).order_by(ZoneRow.id), _zone)


# --- enterprises --------------------------------------------------------------------------------


def _enterprise_row(e: Enterprise) -> EnterpriseRow:
    return EnterpriseRow(**{f.name: getattr(e, f.name) for f in fields(Enterprise)})


def _enterprise(r: EnterpriseRow) -> Enterprise:
    return Enterprise(**{f.name: getattr(r, f.name) for f in fields(Enterprise)})


def add_enterprise(db: Db, enterprise: Enterprise) -> None:
    """Store a new enterprise (企业) or public facility; raises DataError on a known id or USCC."""
    _insert(db, _enterprise_row(enterprise), "enterprise", enterprise.id, "upsert_enterprise")


def upsert_enterprise(db: Db, enterprise: Enterprise) -> None:
    """Insert or replace an enterprise."""
    _merge(db, _enterprise_row(enterprise))


def get_enterprise(db: Db, enterprise_id: str, *, scope: str | None = None) -> Enterprise:
    """The enterprise ``enterprise_id``; with ``scope`` (an enterprise id) only that one is visible."""
    if scope is not None and scope != enterprise_id:
        raise NotFound(f"enterprise '{enterprise_id}' does not exist")
    return _get(db, EnterpriseRow, enterprise_id, "enterprise", _enterprise)


def list_enterprises(db: Db, park_id: str, *, enterprise_id: str | None = None) -> list[Enterprise]:
    """The enterprises of a park (only ``enterprise_id`` itself when scoped), ordered by id."""
    stmt = select(EnterpriseRow).where(EnterpriseRow.park_id == park_id).order_by(EnterpriseRow.id)
    if enterprise_id is not None:
        stmt = stmt.where(EnterpriseRow.id == enterprise_id)
    return _all(db, stmt, _enterprise)


# --- meters and the meter tree ------------------------------------------------------------------

_METER_PLAIN = (
    "id",
    "park_id",
    "unit",
    "enterprise_id",
    "parent_id",
    "level",
    "multiplier",
    "accuracy_class",
    "rated_capacity",
    "name",
    "interval_s",
    "gateway_id",
    "technology",
    "register_max",
)


def _meter_row(m: Meter) -> MeterRow:
    kw = {k: getattr(m, k) for k in _METER_PLAIN}
    return MeterRow(**kw, carrier=m.carrier.value, direction=m.direction.value, kind=m.kind.value)


def meter_from_row(r: MeterRow) -> Meter:
    """Map a ``MeterRow`` to :class:`~zeropark.model.Meter` (for other store modules)."""
    kw = {k: getattr(r, k) for k in _METER_PLAIN}
    return Meter(**kw, carrier=Carrier(r.carrier), direction=Direction(r.direction), kind=MeterKind(r.kind))


def add_meter(db: Db, meter: Meter) -> None:
    """Store a new meter (计量器具); its parent, enterprise and gateway must exist."""
    _insert(db, _meter_row(meter), "meter", meter.id, "upsert_meter")


def upsert_meter(db: Db, meter: Meter) -> None:
    """Insert or replace a meter; its month summaries are dropped (kind, interval or register may differ).

    A meter never moves to another park: its readings are stored, and partitioned, under the park
    it has (:mod:`zeropark.store.readings`).

    Raises
    ------
    DataError
        If ``meter.id`` is registered in another park.
    """
    with _session(db) as s:
        old_park = s.scalar(select(MeterRow.park_id).where(MeterRow.id == meter.id))
        if old_park is not None and old_park != meter.park_id:
            raise DataError(
                f"meter '{meter.id}' is registered in park '{old_park}'; a meter cannot move to park "
                f"'{meter.park_id}' — give the meter there another id"
            )
        s.merge(_meter_row(meter))
        s.execute(delete(MeterMonthSummaryRow).where(MeterMonthSummaryRow.meter_id == meter.id))


def get_meter(db: Db, meter_id: str, *, enterprise_id: str | None = None) -> Meter:
    """The meter ``meter_id``; with an ``enterprise_id`` scope, only that enterprise's meters exist."""
    m = _get(db, MeterRow, meter_id, "meter", meter_from_row)
    if enterprise_id is not None and m.enterprise_id != enterprise_id:
        raise NotFound(f"meter '{meter_id}' does not exist")
    return m


def list_meters(
    db: Db,
    park_id: str,
    *,
    enterprise_id: str | None = None,
    carrier: Carrier | None = None,
    direction: Direction | None = None,
    active_only: bool = False,
) -> list[Meter]:
    """The meters of a park, filtered; ``enterprise_id`` scopes to one enterprise's meters."""
    stmt = select(MeterRow).where(MeterRow.park_id == park_id).order_by(MeterRow.id)
    if enterprise_id is not None:
        stmt = stmt.where(MeterRow.enterprise_id == enterprise_id)
    if carrier is not None:
        stmt = stmt.where(MeterRow.carrier == carrier.value)
    if direction is not None:
        stmt = stmt.where(MeterRow.direction == direction.value)
    if active_only:
        stmt = stmt.where(MeterRow.active.is_(True))
    return _all(db, stmt, meter_from_row)


def meter_children(db: Db, meter_id: str, *, enterprise_id: str | None = None) -> list[Meter]:
    """The direct children of a meter (next 计量层级), ordered by id."""
    stmt = select(MeterRow).where(MeterRow.parent_id == meter_id).order_by(MeterRow.id)
    if enterprise_id is not None:
        stmt = stmt.where(MeterRow.enterprise_id == enterprise_id)
    return _all(db, stmt, meter_from_row)


def meter_ancestors(db: Db, meter_id: str) -> list[Meter]:
    """The chain of parents of a meter, nearest first (excludes the meter itself).

    Raises
    ------
    DataError
        If the parent links form a cycle (a meter is its own ancestor).
    """
    out: list[Meter] = []
    seen = {meter_id}
    current = get_meter(db, meter_id)
    while current.parent_id is not None:
        if current.parent_id in seen:
            raise DataError(f"meter tree has a cycle through '{current.parent_id}'; fix its parent_id")
        seen.add(current.parent_id)
        current = get_meter(db, current.parent_id)
        out.append(current)
    return out


def meter_subtree(db: Db, meter_id: str) -> list[Meter]:
    """The meter and all its descendants, breadth-first (parents before children)."""
    root = get_meter(db, meter_id)
    park_meters = list_meters(db, root.park_id)
    by_parent: dict[str | None, list[Meter]] = {}
    for m in park_meters:
        by_parent.setdefault(m.parent_id, []).append(m)
    out, frontier, seen = [root], [root], {root.id}
    while frontier:
        nxt: list[Meter] = []
        for m in frontier:
            for child in by_parent.get(m.id, []):
                if child.id not in seen:
                    seen.add(child.id)
                    nxt.append(child)
        out.extend(nxt)
        frontier = nxt
    return out


def meters_by_level(db: Db, park_id: str, *, enterprise_id: str | None = None) -> dict[int, list[Meter]]:
    """Meters of a park grouped by tree depth (1 = no parent, 2 = child of a level-1 meter, ...).

    The depth is computed from the ``parent_id`` links, not taken from the stored ``level``, so
    a wrongly declared level shows up when the two are compared (monitoring does).
    """
    meters = list_meters(db, park_id)
    by_id = {m.id: m for m in meters}
    depth: dict[str, int] = {}

    def _depth(m: Meter) -> int:
        chain: list[Meter] = []
        cur: Meter | None = m
        while cur is not None and cur.id not in depth:
            if cur in chain:
                raise DataError(f"meter tree has a cycle through '{cur.id}'; fix its parent_id")
            chain.append(cur)
            cur = by_id.get(cur.parent_id) if cur.parent_id is not None else None
        base = depth[cur.id] if cur is not None else 0
        for k, node in enumerate(reversed(chain), start=1):
            depth[node.id] = base + k
        return depth[m.id]

    out: dict[int, list[Meter]] = {}
    for m in meters:
        d = _depth(m)
        if enterprise_id is None or m.enterprise_id == enterprise_id:
            out.setdefault(d, []).append(m)
    return dict(sorted(out.items()))


# --- gateways -----------------------------------------------------------------------------------


def _gateway(r: GatewayRow) -> Gateway:
    return Gateway(r.id, r.park_id, r.name, r.api_key_hash, r.api_key_prefix)


def _gateway_row(g: Gateway) -> GatewayRow:
    return GatewayRow(
        id=g.id, park_id=g.park_id, name=g.name, api_key_hash=g.api_key_hash, api_key_prefix=g.api_key_prefix
    )


def add_gateway(db: Db, gateway: Gateway) -> None:
    """Store a new gateway (its key already argon2-hashed by the caller)."""
    _insert(db, _gateway_row(gateway), "gateway", gateway.id, "upsert_gateway")


def upsert_gateway(db: Db, gateway: Gateway) -> None:
    """Insert or replace a gateway."""
    _merge(db, _gateway_row(gateway))


def get_gateway(db: Db, gateway_id: str) -> Gateway:
    """The gateway ``gateway_id``; raises NotFound."""
    return _get(db, GatewayRow, gateway_id, "gateway", _gateway)


def list_gateways(db: Db, park_id: str | None = None, *, api_key_prefix: str | None = None) -> list[Gateway]:
    """Gateways of a park (or all), optionally those whose key starts with ``api_key_prefix``."""
    stmt = select(GatewayRow).order_by(GatewayRow.id)
    if park_id is not None:
        stmt = stmt.where(GatewayRow.park_id == park_id)
    if api_key_prefix is not None:
        stmt = stmt.where(GatewayRow.api_key_prefix == api_key_prefix)
    return _all(db, stmt, _gateway)


# --- activity records ---------------------------------------------------------------------------

_ACTIVITY_PLAIN = (
    "id",
    "enterprise_id",
    "period_start",
    "period_end",
    "quantity",
    "unit",
    "factor_id",
    "evidence",
    "uncertainty_pct",
    "ncv_gj_per_unit",
    "carbon_content_tc_per_gj",
    "description",
)


def _activity_row(park_id: str, a: ActivityRecord, import_batch_id: int | None) -> ActivityRecordRow:
    if a.period_end < a.period_start:
        raise DataError(
            f"activity record '{a.id}': period_end {a.period_end} is before period_start {a.period_start}"
        )
    kw = {k: getattr(a, k) for k in _ACTIVITY_PLAIN}
    carrier = a.carrier.value if a.carrier is not None else None
    return ActivityRecordRow(
        **kw, park_id=park_id, carrier=carrier, flow=a.flow.value, import_batch_id=import_batch_id
    )


def _activity(r: ActivityRecordRow) -> ActivityRecord:
    kw = {k: getattr(r, k) for k in _ACTIVITY_PLAIN}
    return ActivityRecord(**kw, carrier=Carrier(r.carrier) if r.carrier else None, flow=Flow(r.flow))


def add_activity_record(
    db: Db, park_id: str, record: ActivityRecord, *, import_batch_id: int | None = None
) -> None:
    """Store a new activity record (活动数据) of a park."""
    row = _activity_row(park_id, record, import_batch_id)
    _insert(db, row, "activity record", record.id, "upsert_activity_record")


def upsert_activity_record(
    db: Db, park_id: str, record: ActivityRecord, *, import_batch_id: int | None = None
) -> None:
    """Insert or replace an activity record."""
    _merge(db, _activity_row(park_id, record, import_batch_id))


def get_activity_record(db: Db, record_id: str, *, enterprise_id: str | None = None) -> ActivityRecord:
    """One activity record; with a scope, only that enterprise's records exist."""
    a = _get(db, ActivityRecordRow, record_id, "activity record", _activity)
    if enterprise_id is not None and a.enterprise_id != enterprise_id:
        raise NotFound(f"activity record '{record_id}' does not exist")
    return a


def list_activity_records(
    db: Db, park_id: str, *, year: int | None = None, enterprise_id: str | None = None
) -> list[ActivityRecord]:
    """Activity records of a park whose period overlaps ``year`` (local calendar year)."""
    stmt = select(ActivityRecordRow).where(ActivityRecordRow.park_id == park_id)
    if year is not None:
        stmt = stmt.where(
            ActivityRecordRow.period_start <= date(year, 12, 31),
            ActivityRecordRow.period_end >= date(year, 1, 1),
        )
    if enterprise_id is not None:
        stmt = stmt.where(ActivityRecordRow.enterprise_id == enterprise_id)
    return _all(db, stmt.order_by(ActivityRecordRow.id), _activity)


# --- green-power claims -------------------------------------------------------------------------


def _padded(n: int) -> str:
    return str(n).zfill(SERIAL_DIGITS)


def _serials(claim_id: str) -> SerialRange | None:
    try:
        return serial_range(claim_id)
    except ValueError as exc:
        raise DataError(f"claim '{claim_id}': {exc}") from exc


@dataclass(frozen=True, slots=True)
class ClaimOverlap:
    """A stored claim that shares serial numbers with a new one, and which serial numbers."""

    claim_id: str
    park_id: str
    owner_enterprise_id: str | None
    claimed_year: int
    shared: SerialRange


def claim_overlaps(db: Db, claim_id: str) -> list[ClaimOverlap]:
    """Stored claims (any park, owner or year) other than ``claim_id`` naming a serial number it names.

    ``HOB-0001..HOB-3000`` overlaps a stored ``HOB-2999..HOB-4000`` or ``HOB-0042``: one certificate
    is claimed once, however the runs are split.

    Raises
    ------
    DataError
        ``claim_id`` is a malformed range (see :func:`zeropark.model.serial_range`).
    """
    rng = _serials(claim_id)
    if rng is None:
        return []
    stmt = (
        select(GreenPowerClaimRow)
        .where(GreenPowerClaimRow.serial_prefix == rng.prefix)
        .where(GreenPowerClaimRow.serial_first <= _padded(rng.last))
        .where(GreenPowerClaimRow.serial_last >= _padded(rng.first))
        .where(GreenPowerClaimRow.id != claim_id)
        .order_by(GreenPowerClaimRow.serial_first)
    )
    with _session(db) as s:
        found = []
        for r in s.scalars(stmt):
            other = SerialRange(rng.prefix, int(r.serial_first or 0), int(r.serial_last or 0))
            found.append(
                ClaimOverlap(r.id, r.park_id, r.owner_enterprise_id, r.claimed_year, rng.shared(other))
            )
        return found


def _claim_row(park_id: str, c: GreenPowerClaim, evidence: str) -> GreenPowerClaimRow:
    if c.period_end < c.period_start:
        raise DataError(f"claim '{c.id}': period_end {c.period_end} is before period_start {c.period_start}")
    rng = _serials(c.id)
    return GreenPowerClaimRow(
        serial_prefix=rng.prefix if rng else None,
        serial_first=_padded(rng.first) if rng else None,
        serial_last=_padded(rng.last) if rng else None,
        id=c.id,
        park_id=park_id,
        kind=c.kind.value,
        mwh=c.mwh,
        period_start=c.period_start,
        period_end=c.period_end,
        owner_enterprise_id=c.owner_enterprise_id,
        claimed_year=c.claimed_year,
        source_meter_id=c.source_meter_id,
        evidence=evidence,
    )


def _claim(r: GreenPowerClaimRow) -> GreenPowerClaim:
    return GreenPowerClaim(
        id=r.id,
        kind=ClaimKind(r.kind),
        mwh=r.mwh,
        period_start=r.period_start,
        period_end=r.period_end,
        owner_enterprise_id=r.owner_enterprise_id,
        claimed_year=r.claimed_year,
        source_meter_id=r.source_meter_id,
    )


def add_claim(db: Db, park_id: str, claim: GreenPowerClaim, *, evidence: str = "") -> None:
    """Register a green certificate or contract (绿证/绿电); each id can be claimed only once.

    An id written as a run of serial numbers (``HOB-0001..HOB-3000``, see
    :func:`zeropark.model.serial_range`) is stored as that run, and no serial number may be claimed
    twice: a stored claim (any park, owner or year) naming one of them is a double claim.

    Raises
    ------
    DoubleClaim
        If a claim with this certificate/contract id is already stored (in any park), or a stored
        claim names one of its serial numbers.
    DataError
        A malformed range or period.
    """
    row = _claim_row(park_id, claim, evidence)
    try:
        with _session(db) as s:
            existing = s.get(GreenPowerClaimRow, claim.id)
            if existing is not None:
                raise DoubleClaim(
                    claim.id,
                    f"already claimed by '{existing.owner_enterprise_id or 'park operator'}' "
                    f"for {existing.claimed_year} in park '{existing.park_id}'",
                )
            overlap = next(iter(claim_overlaps(s, claim.id)), None)
            if overlap is not None:
                raise DoubleClaim(
                    claim.id,
                    f"serial numbers {overlap.shared} are already claimed as '{overlap.claim_id}' by "
                    f"'{overlap.owner_enterprise_id or 'park operator'}' for {overlap.claimed_year} "
                    f"in park '{overlap.park_id}'",
                )
            s.add(row)
            s.flush()
    except IntegrityError as exc:
        raise DoubleClaim(claim.id, f"not stored: {exc.orig}") from exc


def get_claim(db: Db, claim_id: str, *, enterprise_id: str | None = None) -> GreenPowerClaim:
    """One claim; with a scope, only claims owned by that enterprise exist."""
    c = _get(db, GreenPowerClaimRow, claim_id, "green-power claim", _claim)
    if enterprise_id is not None and c.owner_enterprise_id != enterprise_id:
        raise NotFound(f"green-power claim '{claim_id}' does not exist")
    return c


def list_claims(
    db: Db, park_id: str, *, year: int | None = None, enterprise_id: str | None = None
) -> list[GreenPowerClaim]:
    """Claims of a park (for ``claimed_year`` = ``year``), optionally of one owner."""
    stmt = select(GreenPowerClaimRow).where(GreenPowerClaimRow.park_id == park_id)
    if year is not None:
        stmt = stmt.where(GreenPowerClaimRow.claimed_year == year)
    if enterprise_id is not None:
        stmt = stmt.where(GreenPowerClaimRow.owner_enterprise_id == enterprise_id)
    return _all(db, stmt.order_by(GreenPowerClaimRow.id), _claim)


# --- internal transfers -------------------------------------------------------------------------


def _transfer_row(park_id: str, t: Transfer) -> TransferRow:
    if t.month.day != 1:
        raise DataError(f"transfer '{t.id}': month {t.month} must be the first day of a month")
    return TransferRow(
        id=t.id,
        park_id=park_id,
        from_enterprise_id=t.from_enterprise_id,
        to_enterprise_id=t.to_enterprise_id,
        carrier=t.carrier.value,
        month=t.month,
        quantity=t.quantity,
    )


def _transfer(r: TransferRow) -> Transfer:
    return Transfer(r.id, r.from_enterprise_id, r.to_enterprise_id, Carrier(r.carrier), r.month, r.quantity)


def add_transfer(db: Db, park_id: str, transfer: Transfer) -> None:
    """Store a new internal transfer (内部转供) for one month."""
    _insert(db, _transfer_row(park_id, transfer), "transfer", transfer.id, "upsert_transfer")


def upsert_transfer(db: Db, park_id: str, transfer: Transfer) -> None:
    """Insert or replace an internal transfer."""
    _merge(db, _transfer_row(park_id, transfer))


def list_transfers(
    db: Db, park_id: str, *, year: int | None = None, enterprise_id: str | None = None
) -> list[Transfer]:
    """Transfers of a park in ``year``; a scope keeps those the enterprise sends or receives."""
    stmt = select(TransferRow).where(TransferRow.park_id == park_id)
    if year is not None:
        stmt = stmt.where(TransferRow.month >= date(year, 1, 1), TransferRow.month <= date(year, 12, 1))
    if enterprise_id is not None:
        stmt = stmt.where(
            or_(
                TransferRow.to_enterprise_id == enterprise_id, TransferRow.from_enterprise_id == enterprise_id
            )
        )
    return _all(db, stmt.order_by(TransferRow.month, TransferRow.id), _transfer)


# --- guiding-indicator data ---------------------------------------------------------------------


def put_indicator_data(db: Db, park_id: str, year: int, data: IndicatorData) -> None:
    """Store (replace) the guiding-indicator inputs a park reports for ``year``."""
    payload: dict[str, Any] = {f.name: getattr(data, f.name) for f in fields(IndicatorData)}
    payload["product_energy_intensity"] = {k: list(v) for k, v in data.product_energy_intensity.items()}
    _merge(db, IndicatorDataRow(park_id=park_id, year=year, data=payload))


def get_indicator_data(db: Db, park_id: str, year: int) -> IndicatorData:
    """The guiding-indicator inputs of ``year``; an empty IndicatorData (all None) if none stored."""
    with _session(db) as s:
        row = s.get(IndicatorDataRow, (park_id, year))
        if row is None:
            return IndicatorData()
        payload = dict(row.data)
    known = {f.name for f in fields(IndicatorData)}
    kw = {k: v for k, v in payload.items() if k in known}
    pei: dict[str, Sequence[float]] = kw.pop("product_energy_intensity", {}) or {}
    return IndicatorData(
        **kw, product_energy_intensity={k: (float(v[0]), float(v[1])) for k, v in pei.items()}
    )
