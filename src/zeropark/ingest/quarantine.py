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
``duplicates``/``conflicts``) of its original source.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from zeropark.ingest.validate import Accepted, Rejected
from zeropark.store.db import transaction
from zeropark.store.schema import IngestCounterRow, QuarantineRow

__all__ = [
    "ReprocessResult",
    "counter_stats",
    "fingerprint",
    "list_quarantine",
    "quarantine_rows",
    "reprocess",
]


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
    from zeropark.store.readings import add_to_counter

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


@dataclass(frozen=True, slots=True)
class ReprocessResult:
    """Outcome of ``zeropark quarantine reprocess``."""

    examined: int
    stored: int
    duplicates: int
    still_quarantined: int


def _decode(raw: str) -> tuple[str | None, Any]:
    try:
        doc = json.loads(raw)
    except ValueError:
        return None, raw
    if isinstance(doc, dict) and "meter_id" in doc and "item" in doc:
        return str(doc["meter_id"]), doc["item"]
    return None, doc


def reprocess(
    engine: Engine,
    *,
    ids: Iterable[int] | None = None,
    reason: str | None = None,
    park_id: str | None = None,
    now_utc: datetime | None = None,
    batch_size: int = 5_000,
) -> ReprocessResult:
    """Re-run validation on open quarantine rows against the current metadata.

    Rows that now pass are written through the normal idempotent write path with the
    ``REPROCESSED`` quality bit and marked ``reprocessed``; rows that still fail stay open with
    their reason and detail updated. Counters move from ``quarantined`` to ``stored`` /
    ``duplicates`` / ``conflicts`` of the row's original source, keeping the counter identity.
    """
    from zeropark.ingest.pipeline import MeterDirectory, validate_many
    from zeropark.store.readings import add_to_counter, write_readings
    from zeropark.timeseries import Quality

    now = now_utc or datetime.now(UTC)
    meters = MeterDirectory(engine)
    q = select(QuarantineRow).where(QuarantineRow.status == "open").order_by(QuarantineRow.id)
    if ids is not None:
        q = q.where(QuarantineRow.id.in_(list(ids)))
    if reason is not None:
        q = q.where(QuarantineRow.reason == reason)
    if park_id is not None:
        q = q.where(QuarantineRow.park_id == park_id)
    with transaction(engine) as s:
        rows = list(s.scalars(q))
    examined = stored = duplicates = still = 0
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        decoded = [_decode(r.raw) for r in chunk]
        results = validate_many(
            [(mid or (r.meter_id or ""), item) for (mid, item), r in zip(decoded, chunk, strict=True)],
            meters=meters,
            now_utc=now,
        )
        by_source: dict[str, list[tuple[QuarantineRow, Accepted]]] = {}
        with transaction(engine) as s:
            for row, res in zip(chunk, results, strict=True):
                examined += 1
                if isinstance(res, Rejected):
                    still += 1
                    live = s.get(QuarantineRow, row.id)
                    if live is not None:
                        live.reason, live.detail = res.reason.value, res.detail
                        live.park_id = live.park_id or res.park_id
                else:
                    by_source.setdefault(row.source, []).append((row, res))
        for source, pairs in by_source.items():
            readings = [
                type(a.reading)(
                    a.reading.meter_id,
                    a.reading.ts_utc,
                    a.reading.value,
                    a.reading.quality | Quality.REPROCESSED,
                )
                for _, a in pairs
            ]
            result = write_readings(engine, readings, source=source)
            stored += result.stored
            duplicates += result.duplicates
            with engine.begin() as conn:
                conn.execute(
                    update(QuarantineRow)
                    .where(QuarantineRow.id.in_([row.id for row, _ in pairs]))
                    .values(status="reprocessed", reprocessed_at=now)
                )
                # write_readings counted them as received again: move them out of quarantined
                add_to_counter(conn, source, received=-len(pairs), quarantined=-len(pairs))
    return ReprocessResult(examined, stored, duplicates, still)
