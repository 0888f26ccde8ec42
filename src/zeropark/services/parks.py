"""Parks (园区), zones (片区) and enterprises (企业) as use cases: create and change master data.

Who may write: an admin creates parks; an admin or a park manager adds zones and enterprises to a
park inside their scope and changes its enterprises. A park or enterprise outside the scope is
answered as unknown (404, audit record ``denied``), another role is refused (403, ``denied``), a
duplicate id or USCC or a zone of another park is a :class:`~zeropark.errors.ValidationError`
naming the field. Every write is stored with its audit record (after, or before and after) in
one transaction; the rows come back detached.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeropark.errors import NotFound, PermissionDenied, RowError, ValidationError
from zeropark.model import Enterprise, Park, Role, Zone
from zeropark.store import audit
from zeropark.store.db import transaction
from zeropark.store.queries import parks
from zeropark.store.schema import EnterpriseRow, ParkRow, ZoneRow
from zeropark.store.scope import Scope

__all__ = ["ENTERPRISE_FIELDS", "create_enterprise", "create_park", "create_zone", "update_enterprise"]

#: Fields of an enterprise a change may set; ``zone_id`` and ``value_added_10k_cny`` may be cleared (None).
ENTERPRISE_FIELDS: frozenset[str] = frozenset({"name", "industry_code", "zone_id", "value_added_10k_cny"})
_CLEARABLE = frozenset({"zone_id", "value_added_10k_cny"})

R = TypeVar("R", ParkRow, ZoneRow, EnterpriseRow)


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError([RowError(file="request", sheet=None, row=None, field=field, message=message)])


def _stored(session: Session, row: R) -> R:
    """Flush ``row`` and detach it from ``session`` (the transaction still commits it)."""
    session.flush()
    session.expunge(row)
    return row


def create_park(scope: Scope, park: Park) -> ParkRow:
    """Store a new park (admins) with its audit record ``create park``.

    Raises
    ------
    PermissionDenied
        The user is not an admin (audited).
    ValidationError
        A park with this id exists.
    """
    if scope.user.role != Role.ADMIN:
        scope.deny("park", park.id, f"role '{scope.user.role}' may not create parks")
        raise PermissionDenied(f"role '{scope.user.role}' may not create parks; ask an admin")
    with transaction(scope.engine) as session:
        if session.get(ParkRow, park.id) is not None:
            raise _invalid("id", f"park '{park.id}' already exists; choose another id")
        row = ParkRow(**asdict(park))
        session.add(row)
        session.flush()
        scope.audit(session, audit.CREATE, "park", row.id, after=audit.row_snapshot(row))
        return _stored(session, row)


def _zone_of_park(session: Session, zone_id: str, park_id: str) -> None:
    zone = session.get(ZoneRow, zone_id)
    if zone is None or zone.park_id != park_id:
        raise _invalid("zone_id", f"zone '{zone_id}' is not a zone of park '{park_id}'")


def create_zone(scope: Scope, zone: Zone) -> ZoneRow:
    """Add a zone to a park inside ``scope`` (admin, park manager), audited ``create zone``.

    Raises
    ------
    NotFound
        The park is outside the scope (audited) or does not exist.
    PermissionDenied
        The user is not an admin or park manager (audited).
    ValidationError
        A zone with this id exists.
    """
    parks.park(scope, zone.park_id)
    scope.require_manager("zone", zone.id)
    with transaction(scope.engine) as session:
        if session.get(ZoneRow, zone.id) is not None:
            raise _invalid("id", f"zone '{zone.id}' already exists; choose another id")
        row = ZoneRow(id=zone.id, park_id=zone.park_id, name=zone.name)
        session.add(row)
        session.flush()
        scope.audit(session, audit.CREATE, "zone", row.id, after=audit.row_snapshot(row))
        return _stored(session, row)


def create_enterprise(scope: Scope, enterprise: Enterprise) -> EnterpriseRow:
    """Add an enterprise to a park inside ``scope`` (admin, park manager), audited ``create enterprise``.

    Raises
    ------
    NotFound
        The park is outside the scope (audited) or does not exist.
    PermissionDenied
        The user is not an admin or park manager (audited).
    ValidationError
        A known id or USCC, or a zone that is not one of the park's.
    """
    park_id = enterprise.park_id
    parks.park(scope, park_id)
    scope.require_manager("enterprise", enterprise.id)
    with transaction(scope.engine) as session:
        if session.get(EnterpriseRow, enterprise.id) is not None:
            raise _invalid("id", f"enterprise '{enterprise.id}' already exists; choose another id")
        if session.scalar(select(EnterpriseRow.id).where(EnterpriseRow.uscc == enterprise.uscc)) is not None:
            raise _invalid("uscc", f"USCC {enterprise.uscc} is already registered to another enterprise")
        if enterprise.zone_id is not None:
            _zone_of_park(session, enterprise.zone_id, park_id)
        row = EnterpriseRow(**asdict(enterprise))
        session.add(row)
        session.flush()
        scope.audit(session, audit.CREATE, "enterprise", row.id, after=audit.row_snapshot(row))
        return _stored(session, row)


def update_enterprise(scope: Scope, enterprise_id: str, changes: Mapping[str, Any]) -> EnterpriseRow:
    """Change an enterprise inside ``scope`` (admin, park manager), audited ``update enterprise``.

    ``changes`` names the fields given (:data:`ENTERPRISE_FIELDS`); a None value leaves a field as
    it is, except ``zone_id`` and ``value_added_10k_cny``, which it clears.

    Raises
    ------
    NotFound
        No such enterprise, or outside the scope (audited).
    PermissionDenied
        The user is not an admin or park manager (audited).
    ValidationError
        A zone that is not one of the enterprise's park.
    TypeError
        A field that cannot be changed.
    """
    unknown = set(changes) - ENTERPRISE_FIELDS
    if unknown:
        raise TypeError(f"enterprise fields that cannot be changed: {', '.join(sorted(unknown))}")
    with transaction(scope.engine) as session:
        row = session.get(EnterpriseRow, enterprise_id)
        if row is None:
            raise NotFound(f"enterprise '{enterprise_id}' not found")
        scope.check("enterprise", enterprise_id, park_id=row.park_id, enterprise_id=row.id)
        scope.require_manager("enterprise", enterprise_id)
        before = audit.row_snapshot(row)
        if changes.get("zone_id") is not None:
            _zone_of_park(session, changes["zone_id"], row.park_id)
        for key, value in changes.items():
            if value is not None or key in _CLEARABLE:
                setattr(row, key, value)
        scope.audit(session, audit.UPDATE, "enterprise", row.id, before=before, after=audit.row_snapshot(row))
        return _stored(session, row)
