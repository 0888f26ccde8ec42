"""Alarms (告警) as use cases: acknowledge and close — one rule for the API, the web page and the CLI.

An open alarm can be acknowledged (确认); an open or acknowledged one can be closed (关闭), which
also acknowledges it if nobody had; a closed alarm never changes. Every change is audited in the
same transaction, with the row before and after.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from zeropark.errors import NotFound, RowError, ValidationError
from zeropark.store import audit
from zeropark.store.db import transaction
from zeropark.store.schema import AlarmRow
from zeropark.store.scope import Scope

__all__ = ["AlarmAction", "change_alarm"]


class AlarmAction(StrEnum):
    """What a user does to an alarm."""

    ACKNOWLEDGE = "acknowledge"
    CLOSE = "close"


def _refuse(alarm_id: int, message: str) -> ValidationError:
    return ValidationError([RowError("request", None, None, "state", f"alarm {alarm_id}: {message}")])


def change_alarm(scope: Scope, alarm_id: int, action: AlarmAction) -> AlarmRow:
    """Acknowledge or close alarm ``alarm_id`` inside ``scope``; returns the changed row (detached).

    Raises
    ------
    NotFound
        No such alarm, or outside the scope (audited).
    PermissionDenied
        A read-only role (verifier, device).
    ValidationError
        The alarm is closed, or acknowledging an alarm that is not open.
    """
    now = datetime.now(UTC)
    with transaction(scope.engine) as session:
        row = session.get(AlarmRow, alarm_id)
        if row is None:
            raise NotFound(f"alarm {alarm_id} not found")
        scope.check_write("alarm", str(alarm_id), park_id=row.park_id, enterprise_id=row.enterprise_id)
        if row.state == "closed":
            raise _refuse(alarm_id, "it is closed; a closed alarm cannot change")
        if action is AlarmAction.ACKNOWLEDGE and row.state != "open":
            raise _refuse(alarm_id, f"it is {row.state}; only an open alarm can be acknowledged")
        before = audit.row_snapshot(row)
        if action is AlarmAction.ACKNOWLEDGE or row.acknowledged_by is None:
            row.acknowledged_at = now
            row.acknowledged_by = scope.user.username
        if action is AlarmAction.CLOSE:
            row.closed_at = now
        row.state = "acknowledged" if action is AlarmAction.ACKNOWLEDGE else "closed"
        scope.audit(
            session, audit.UPDATE, "alarm", str(alarm_id), before=before, after=audit.row_snapshot(row)
        )
        session.flush()
        session.expunge(row)
    return row
