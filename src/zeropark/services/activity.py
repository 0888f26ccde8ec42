"""Activity records (活动数据) as use cases: add, change and delete, each audited with before/after.

Enterprise users write only their own enterprise's records (a record they add without an
enterprise is their own); park managers and admins write any record of a park they see;
verifiers and devices are read-only (403). A record outside the scope is answered as unknown
(404, audit record ``denied``). Units are checked against the carrier
(:func:`zeropark.units.to_canonical`), so a unit that does not convert is refused at once (422).
Every write is stored with its audit record in one transaction; rows come back detached.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from zeropark.errors import NotFound, RowError, ValidationError
from zeropark.model import ActivityRecord, Carrier, Flow
from zeropark.services.approval import check_editable, years_of
from zeropark.store import audit, repo
from zeropark.store.db import transaction
from zeropark.store.queries import parks
from zeropark.store.queries.activity import ENTITY
from zeropark.store.schema import ActivityRecordRow, EnterpriseRow
from zeropark.store.scope import Scope
from zeropark.units import to_canonical

__all__ = ["ACTIVITY_FIELDS", "create_activity", "delete_activity", "update_activity"]

#: Fields of an activity record a change may set; only ``factor_id`` and ``carrier`` may be cleared.
ACTIVITY_FIELDS: frozenset[str] = frozenset(
    {
        "carrier",
        "flow",
        "period_start",
        "period_end",
        "quantity",
        "unit",
        "factor_id",
        "evidence",
        "uncertainty_pct",
        "description",
    }
)
_CLEARABLE = frozenset({"factor_id", "carrier"})


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError([RowError(file="request", sheet=None, row=None, field=field, message=message)])


def _check_unit(carrier: Carrier | None, unit: str) -> None:
    """Refuse a unit that does not convert to the carrier's canonical unit (UnitMismatch → 422)."""
    if carrier is not None:
        to_canonical(1.0, unit, carrier)


def _new_id() -> str:
    return f"AR-{uuid.uuid4().hex[:12]}"


def create_activity(scope: Scope, park_id: str, record: ActivityRecord) -> ActivityRecordRow:
    """Add ``record`` to the park ``park_id``, audited ``create activity_record``.

    ``record.id`` empty: a new id (``AR-`` and 12 hex digits). ``record.enterprise_id`` None from
    an enterprise user: its own enterprise (from a park user: a record of the park itself).

    Raises
    ------
    NotFound
        The park, or the record's enterprise, is outside the scope (audited); no such park.
    PermissionDenied
        A read-only role (verifier, device; audited).
    ValidationError
        The enterprise is not one of the park's.
    DataError
        A unit that does not convert to the carrier's, a period that ends before it starts, or
        a record with this id exists.
    """
    parks.park(scope, park_id)
    enterprise_id = record.enterprise_id if record.enterprise_id is not None else scope.enterprise_id
    scope.check_write(ENTITY, record.id or "(new)", park_id=park_id, enterprise_id=enterprise_id)
    with transaction(scope.engine) as session:
        if enterprise_id is not None:
            ent = session.get(EnterpriseRow, enterprise_id)
            if ent is None or ent.park_id != park_id:
                raise _invalid("enterprise_id", f"enterprise '{enterprise_id}' is not in park '{park_id}'")
        _check_unit(record.carrier, record.unit)
        record = replace(record, id=record.id or _new_id(), enterprise_id=enterprise_id)
        check_editable(
            session,
            enterprise_id=enterprise_id,
            years=years_of(record.period_start, record.period_end),
            what=f"add activity record '{record.id}'",
        )
        repo.add_activity_record(session, park_id, record)
        row = session.get(ActivityRecordRow, record.id)
        assert row is not None
        scope.audit(session, audit.CREATE, ENTITY, record.id, after=audit.row_snapshot(row))
        return _detached(session, row)


def _writable(session: Session, scope: Scope, record_id: str) -> ActivityRecordRow:
    row = session.get(ActivityRecordRow, record_id)
    if row is None:
        raise NotFound(f"activity record '{record_id}' not found")
    scope.check_write(ENTITY, record_id, park_id=row.park_id, enterprise_id=row.enterprise_id)
    return row


def _detached(session: Session, row: ActivityRecordRow) -> ActivityRecordRow:
    session.flush()
    session.expunge(row)
    return row


def update_activity(scope: Scope, record_id: str, changes: Mapping[str, Any]) -> ActivityRecordRow:
    """Apply ``changes`` (field → value, the fields given) to a record, audited with before/after.

    Raises
    ------
    NotFound
        No such record, or outside the scope (audited).
    PermissionDenied
        A read-only role (verifier, device; audited).
    ValidationError
        A None for a field that cannot be cleared, or a period that ends before it starts.
    DataError
        A unit that does not convert to the carrier's.
    TypeError
        A field that cannot be changed (:data:`ACTIVITY_FIELDS`).
    """
    unknown = set(changes) - ACTIVITY_FIELDS
    if unknown:
        raise TypeError(f"activity record fields that cannot be changed: {', '.join(sorted(unknown))}")
    with transaction(scope.engine) as session:
        row = _writable(session, scope, record_id)
        before = audit.row_snapshot(row)
        what = f"change activity record '{record_id}'"
        years = years_of(row.period_start, row.period_end)
        check_editable(session, enterprise_id=row.enterprise_id, years=years, what=what)
        for key, value in changes.items():
            if value is None and key not in _CLEARABLE:
                raise _invalid(key, f"{key} may not be null; leave it out to keep the stored value")
            setattr(row, key, value.value if isinstance(value, Carrier | Flow) else value)
        if row.period_end < row.period_start:
            raise _invalid(
                "period_end", f"period_end {row.period_end} is before period_start {row.period_start}"
            )
        _check_unit(Carrier(row.carrier) if row.carrier else None, row.unit)
        years = years_of(row.period_start, row.period_end)
        check_editable(session, enterprise_id=row.enterprise_id, years=years, what=what)
        scope.audit(session, audit.UPDATE, ENTITY, record_id, before=before, after=audit.row_snapshot(row))
        return _detached(session, row)


def delete_activity(scope: Scope, record_id: str) -> None:
    """Delete a record; its audit record ``delete activity_record`` keeps its last values.

    Raises
    ------
    NotFound
        No such record, or outside the scope (audited).
    PermissionDenied
        A read-only role (verifier, device; audited).
    """
    with transaction(scope.engine) as session:
        row = _writable(session, scope, record_id)
        before = audit.row_snapshot(row)
        check_editable(
            session,
            enterprise_id=row.enterprise_id,
            years=years_of(row.period_start, row.period_end),
            what=f"delete activity record '{record_id}'",
        )
        session.delete(row)
        scope.audit(session, audit.DELETE, ENTITY, record_id, before=before)
