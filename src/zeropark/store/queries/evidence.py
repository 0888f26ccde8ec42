"""Evidence (依据) behind a line item: what each evidence id is, as the scope may see it.

A line item names its evidence by id: meters, activity records, green-power claims, transfers.
:func:`resolve_evidence` looks each id up with one query per kind (not one per id and kind) and
says what it is; a row of another tenant is ``restricted`` (the id stays, the row does not), an id
found nowhere is ``unknown``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeropark.store.db import session_factory
from zeropark.store.schema import ActivityRecordRow, GreenPowerClaimRow, MeterRow, TransferRow
from zeropark.store.scope import Scope

__all__ = ["Evidence", "EvidenceKind", "resolve_evidence"]


class EvidenceKind(StrEnum):
    """What an evidence id turned out to be."""

    METER = "meter"
    ACTIVITY_RECORD = "activity_record"
    CLAIM = "claim"
    TRANSFER = "transfer"
    RESTRICTED = "restricted"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Evidence:
    """One evidence id and its row (detached; None when restricted or unknown)."""

    id: str
    kind: EvidenceKind
    row: Any = None


#: (table, kind, the enterprise that owns a row), looked up in this order.
_KINDS: tuple[tuple[Any, EvidenceKind, Callable[[Any], str | None]], ...] = (
    (MeterRow, EvidenceKind.METER, lambda r: r.enterprise_id),
    (ActivityRecordRow, EvidenceKind.ACTIVITY_RECORD, lambda r: r.enterprise_id),
    (GreenPowerClaimRow, EvidenceKind.CLAIM, lambda r: r.owner_enterprise_id),
    (TransferRow, EvidenceKind.TRANSFER, lambda r: r.to_enterprise_id),
)


def _rows(session: Session, model: Any, ids: Sequence[str]) -> list[Any]:
    return list(session.scalars(select(model).where(model.id.in_(ids)))) if ids else []


def resolve_evidence(scope: Scope, ids: Sequence[str]) -> list[Evidence]:
    """What each of ``ids`` is, in the order given, as ``scope`` may see it."""
    found: dict[str, Evidence] = {}
    with session_factory(scope.engine)() as session:
        for model, kind, owner in _KINDS:
            for row in _rows(session, model, [i for i in ids if i not in found]):
                visible = scope.sees(park_id=row.park_id, enterprise_id=owner(row))
                found[row.id] = (
                    Evidence(row.id, kind, row) if visible else Evidence(row.id, EvidenceKind.RESTRICTED)
                )
            session.expunge_all()
    return [found.get(i) or Evidence(i, EvidenceKind.UNKNOWN) for i in ids]
