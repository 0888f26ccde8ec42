"""Verification rows (第三方核查) as the ledger hashes them, and the reads of the verifier workspace.

The ``*_fields`` functions give the JSON of each object exactly as it is hashed into its ledger leaf
and written into the verification pack (so the offline check compares like with like);
:func:`fields_of` reads them back by kind and id for the ledger's check
(:func:`zeropark.store.ledger.current_fields`). Instants are stored as the ISO UTC strings hashed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from zeropark.store.schema import (
    VerificationActionRow,
    VerificationCheckRow,
    VerificationEngagementRow,
    VerificationFindingRow,
    VerificationSignoffRow,
)

__all__ = [
    "action_fields",
    "check_fields",
    "engagement_fields",
    "fields_of",
    "finding_fields",
    "signoff_fields",
]

_ENGAGEMENT = (
    "id", "park_id", "run_id", "run_fingerprint", "year", "method", "total_tco2e", "scope_text",
    "assurance", "materiality_pct", "seed", "plan", "created_at", "created_by",
)  # fmt: skip
_FINDING = (
    "id", "engagement_id", "enterprise_id", "severity", "title", "description", "evidence",
    "misstatement_tco2e", "status", "close_note", "created_at", "created_by",
)  # fmt: skip
_ACTION = (
    "id", "finding_id", "state", "response", "responded_by", "responded_at", "review_note",
    "reviewed_by", "reviewed_at",
)  # fmt: skip
_SIGNOFF = (
    "engagement_id", "run_id", "run_fingerprint", "opinion", "uncorrected_tco2e", "materiality_tco2e",
    "text_zh", "text_en", "sections", "signed_by", "signed_at", "key_id", "signature",
)  # fmt: skip
_CHECK = ("item_id", "result", "note", "checked_by", "checked_at")


def _plain(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in names:
        v = getattr(row, n)
        out[n] = float(v) if isinstance(v, float) else v
    return out


def engagement_fields(row: VerificationEngagementRow) -> dict[str, Any]:
    """An engagement as hashed and packed: every column (it never changes)."""
    return _plain(row, _ENGAGEMENT)


def finding_fields(row: VerificationFindingRow) -> dict[str, Any]:
    """A finding as hashed and packed (its status included: a new leaf on each change)."""
    return _plain(row, _FINDING)


def action_fields(row: VerificationActionRow) -> dict[str, Any]:
    """A corrective action as hashed and packed (a new leaf on each step)."""
    return _plain(row, _ACTION)


def signoff_fields(row: VerificationSignoffRow) -> dict[str, Any]:
    """The signed statement as hashed and packed (signature included)."""
    return _plain(row, _SIGNOFF)


def check_fields(row: VerificationCheckRow) -> dict[str, Any]:
    """A checklist result as packed (covered by the sign-off's section hash, not a leaf of its own)."""
    return _plain(row, _CHECK)


def fields_of(db: Connection | Session, kind: str, object_id: str) -> dict[str, Any] | None:
    """The fields of a recorded verification object as the rows are now (None: gone)."""
    table: Any
    fn: Any
    if kind == "verification_engagement":
        table, fn, key = VerificationEngagementRow, engagement_fields, VerificationEngagementRow.id
    elif kind == "verification_finding":
        table, fn, key = VerificationFindingRow, finding_fields, VerificationFindingRow.id
    elif kind == "verification_action":
        table, fn, key = VerificationActionRow, action_fields, VerificationActionRow.id
    elif kind == "verification_signoff":
        table, fn, key = VerificationSignoffRow, signoff_fields, VerificationSignoffRow.engagement_id
    else:
        return {}
    row = db.execute(select(table).where(key == int(object_id))).first()
    return None if row is None else dict(fn(row[0] if isinstance(db, Session) else row))
