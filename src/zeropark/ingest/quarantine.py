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

import base64
import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, select

from zeropark.ingest.validate import Rejected
from zeropark.store.db import transaction
from zeropark.store.readings import add_to_counter
from zeropark.store.schema import IngestCounterRow, QuarantineRow

__all__ = ["counter_stats", "fingerprint", "list_quarantine", "quarantine_rows", "storable_raw"]


def fingerprint(meter_id: str | None, raw: str | bytes, source: str = "", origin: str = "") -> str:
    """SHA-256 of source + origin + meter id + raw payload: the key that makes quarantine idempotent.

    The source is part of it: the same record sent by two gateways is two attempts, each
    quarantined and counted for its own source; so is the origin (the MQTT topic of a message
    quarantined whole).
    """
    body = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")
    head = f"{source}\n{origin}\n{meter_id or ''}\n" if origin else f"{source}\n{meter_id or ''}\n"
    return hashlib.sha256(head.encode("utf-8", "surrogatepass") + body).hexdigest()


def storable_raw(raw: str | bytes) -> tuple[str, str]:
    """``(text, encoding)`` to store a raw record: ``text`` as is, or ``base64`` of its bytes.

    Text databases refuse a NUL character (PostgreSQL) and text that is not valid UTF-8; such a
    record is kept byte for byte as base64 (``quarantine.raw_encoding = 'base64'``) rather than
    lost or allowed to fail the write.
    """
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(raw).decode("ascii"), "base64"
    else:
        text = raw
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates (e.g. "\ud800" from a JSON escape)
            return base64.b64encode(text.encode("utf-8", "surrogatepass")).decode("ascii"), "base64"
    if "\x00" in text:
        return base64.b64encode(text.encode("utf-8")).decode("ascii"), "base64"
    return text, "text"


def _clean(text: str | None) -> str | None:
    """A label (meter id, detail) safe for a text column: NUL and lone surrogates escaped."""
    if text is None:
        return None
    if "\x00" in text:
        text = text.replace("\x00", "\\x00")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def quarantine_rows(
    conn: Connection, rejects: Sequence[Rejected], *, source: str, received_at: datetime
) -> int:
    """Write rejected records with raw payload and reason, and count them (caller's transaction).

    A record already in quarantine (same source, meter and raw payload, e.g. redelivered after a
    crash between commit and acknowledgement) is not written again; it counts as a duplicate.
    Raw records that a text column cannot hold are kept as base64 (:func:`storable_raw`).

    Returns
    -------
    int
        Records newly quarantined.
    """
    if not rejects:
        return 0
    prints = [fingerprint(r.meter_id, r.raw, source, r.origin) for r in rejects]
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
        raw, encoding = storable_raw(r.raw)
        rows.append(
            {
                "park_id": _clean(r.park_id[:64]) if r.park_id else None,
                "meter_id": _clean(r.meter_id[:64]) if r.meter_id else None,
                "source": source,
                "reason": r.reason.value,
                "detail": _clean(r.detail),
                "raw": raw,
                "raw_encoding": encoding,
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
