"""Evidence (依据) behind a line item: what each evidence id is, as the scope may see it; document bytes.

A line item names its evidence by id: meters, activity records, green-power claims, transfers.
:func:`resolve_evidence` looks each id up with one query per kind (not one per id and kind) and
says what it is; a row of another tenant is ``restricted`` (the id stays, the row does not), an id
found nowhere is ``unknown``. An id ``sha256:<hex>`` names an uploaded document (证明材料, the
application workspace): it is a ``document`` when the scope sees an upload of those bytes.

Document bytes are stored once by their SHA-256 (:func:`put_blob`, content-addressed, so the same
file uploaded twice is kept once) and re-hashed whenever they are read (:func:`get_blob`): bytes
that no longer match their hash raise :class:`EvidenceTampered` instead of being handed out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeropark.errors import NotFound, ZeroparkError
from zeropark.store import ledger
from zeropark.store.db import session_factory
from zeropark.store.schema import (
    ActivityRecordRow,
    EvidenceBlobRow,
    EvidenceDocumentRow,
    GreenPowerClaimRow,
    MeterRow,
    TransferRow,
)
from zeropark.store.scope import Scope

__all__ = [
    "DOCUMENT_PREFIX",
    "Evidence",
    "EvidenceKind",
    "EvidenceTampered",
    "get_blob",
    "put_blob",
    "resolve_evidence",
]

#: Prefix of an evidence id that names an uploaded document by its SHA-256.
DOCUMENT_PREFIX = "sha256:"


class EvidenceTampered(ZeroparkError):
    """Stored document bytes no longer match the SHA-256 they were stored under (changed after upload)."""

    def __init__(self, sha256: str, actual: str, what: str) -> None:
        self.sha256 = sha256
        self.actual = actual
        super().__init__(
            f"{what}: the stored bytes hash to {actual}, not to {sha256} as when uploaded — the file was "
            "changed in the database after upload and is not handed out; restore it from a backup or "
            "upload the original again"
        )


def put_blob(session: Session, content: bytes) -> tuple[str, bool]:
    """Store ``content`` under its SHA-256 (once); returns (hex digest, whether it was already stored)."""
    digest = hashlib.sha256(content).hexdigest()
    if session.get(EvidenceBlobRow, digest) is not None:
        return digest, True
    session.add(
        EvidenceBlobRow(sha256=digest, size=len(content), content=content, created_at=datetime.now(UTC))
    )
    session.flush()
    ledger.record(session, "document", digest)  # evidence ledger (#16)
    return digest, False


def get_blob(session: Session, sha256: str, what: str) -> bytes:
    """The bytes stored under ``sha256``, re-hashed on the way out.

    Raises
    ------
    NotFound
        No bytes under that hash.
    EvidenceTampered
        The bytes no longer hash to ``sha256``.
    """
    row = session.get(EvidenceBlobRow, sha256)
    if row is None:
        raise NotFound(f"{what}: no stored bytes with SHA-256 {sha256}")
    content = bytes(row.content)
    actual = hashlib.sha256(content).hexdigest()
    if actual != sha256:
        raise EvidenceTampered(sha256, actual, what)
    return content


class EvidenceKind(StrEnum):
    """What an evidence id turned out to be."""

    METER = "meter"
    ACTIVITY_RECORD = "activity_record"
    CLAIM = "claim"
    TRANSFER = "transfer"
    DOCUMENT = "document"
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
        hashes = [i.removeprefix(DOCUMENT_PREFIX) for i in ids if i.startswith(DOCUMENT_PREFIX)]
        if hashes:
            docs = scope.filter(
                select(EvidenceDocumentRow).where(EvidenceDocumentRow.sha256.in_(hashes)),
                park_col=EvidenceDocumentRow.park_id,
                enterprise_col=EvidenceDocumentRow.enterprise_id,
            )
            for doc in session.scalars(docs.order_by(EvidenceDocumentRow.id)):
                key = DOCUMENT_PREFIX + doc.sha256
                found.setdefault(key, Evidence(key, EvidenceKind.DOCUMENT, doc))
            session.expunge_all()
        for model, kind, owner in _KINDS:
            for row in _rows(session, model, [i for i in ids if i not in found]):
                visible = scope.sees(park_id=row.park_id, enterprise_id=owner(row))
                found[row.id] = (
                    Evidence(row.id, kind, row) if visible else Evidence(row.id, EvidenceKind.RESTRICTED)
                )
            session.expunge_all()
    return [found.get(i) or Evidence(i, EvidenceKind.UNKNOWN) for i in ids]
