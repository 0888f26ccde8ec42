"""Quarantine (隔离区) and ingest counters: nothing is dropped silently.

Every record that fails validation is written to ``quarantine`` with its raw payload, the source
and the reason, and can be re-processed after the metadata is fixed (a meter registered late, a
unit corrected). Every source keeps running counts in ``ingest_counter`` so that::

    received = stored + duplicates + conflicts + quarantined

holds at any time (``zeropark ingest stats``), where ``duplicates`` are repeats of a stored
value and ``conflicts`` different values for a stored (meter, ts) (the first is kept, the second
recorded in ``reading_conflict``); flagged readings are stored and counted in ``stored`` and in
``flagged``. The store's write path counts what it writes in the same transaction
(:func:`zeropark.store.readings.write_readings`); this module counts what is quarantined. A
re-processed quarantine row moves one count from ``quarantined`` to ``stored`` (or
``duplicates``/``conflicts``) of its original source (:mod:`zeropark.ingest.reprocess`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, select

from zeropark.ingest.validate import Rejected
from zeropark.store.db import transaction
from zeropark.store.readings import add_to_counter
from zeropark.store.schema import IngestCounterRow, QuarantineRow

__all__ = ["counter_stats", "fingerprint", "list_quarantine", "quarantine_rows"]


def fingerprint(meter_id: str | None, raw: str) -> str:
    """SHA-256 of a quarantined record (meter id + raw payload): the key that makes quarantine idempotent."""
    return hashlib.sha256(f"{meter_id or ''}\n{raw}".encode()).hexdigest()


def quarantine_rows(
    conn: Connection, rejects: Sequence[Rejected], *, source: str, received_at: datetime
) -> int:
    """Write rejected records with raw payload and reason, and count them (caller's transaction).

    A record already in quarantine (same meter and raw payload, e.g. redelivered after a crash
    between commit and acknowledgement) is not written again; it counts as a duplicate.

    Returns
    -------
    int
        Records newly quarantined.
    """
    if not rejects:
        return 0
    prints = [fingerprint(r.meter_id, r.raw) for r in rejects]
    existing: set[str] = set()
    unique = list(dict.fromkeys(prints))
    for lo in range(0, len(unique), 1000):
        existing.update(
            conn.scalars(
                select(QuarantineRow.fingerprint).where(QuarantineRow.fingerprint.in_(unique[lo : lo + 1000]))
            )
        )
    rows = []
    for r, fp in zip(rejects, prints, strict=True):
        if fp in existing:
            continue
        existing.add(fp)
        rows.append(
            {
                "park_id": r.park_id,
                "meter_id": r.meter_id[:64] if r.meter_id else None,
                "source": source[:32],
                "reason": r.reason.value,
                "detail": r.detail,
                "raw": r.raw,
                "fingerprint": fp,
                "received_at": received_at,
                "status": "open",
            }
        )
    if rows:
        conn.execute(insert(QuarantineRow), rows)
    add_to_counter(
        conn, source, received=len(rejects), quarantined=len(rows), duplicates=len(rejects) - len(rows)
    )
    return len(rows)


def counter_stats(engine: Engine) -> list[IngestCounterRow]:
    """All counters, one row per source, ordered by source."""
    with transaction(engine) as s:
        return list(s.scalars(select(IngestCounterRow).order_by(IngestCounterRow.source)))


def list_quarantine(
    engine: Engine,
    *,
    park_id: str | None = None,
    reason: str | None = None,
    status: str | None = "open",
    limit: int = 100,
) -> list[QuarantineRow]:
    """Quarantined records, newest first, optionally filtered."""
    q = select(QuarantineRow).order_by(QuarantineRow.id.desc()).limit(limit)
    if park_id is not None:
        q = q.where(QuarantineRow.park_id == park_id)
    if reason is not None:
        q = q.where(QuarantineRow.reason == reason)
    if status is not None:
        q = q.where(QuarantineRow.status == status)
    with transaction(engine) as s:
        return list(s.scalars(q))
