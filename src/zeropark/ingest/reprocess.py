"""Re-processing quarantine (隔离区重新处理): validate open rows again after the metadata was fixed.

A reading quarantined because its meter was not registered yet, or its unit was wrong, passes
once the meter is registered or corrected. :func:`reprocess` re-runs validation on open
quarantine rows against the current meters (:mod:`zeropark.ingest.meters`) with the shared
validation of every transport (:func:`zeropark.ingest.validate.validate_item`), writes the rows
that now pass through the normal idempotent write path and moves their counts from
``quarantined`` to ``stored`` (or ``duplicates``/``conflicts``) of their original source, so the
counter identity of :mod:`zeropark.ingest.quarantine` keeps holding. This module sits above both
the pipeline and quarantine; neither imports it.

Re-processing authorises like ingest: a row sent by gateway G (source ``http:G``, or the
``gateway_id`` kept in the raw record) may only be stored for a meter G owns, and a row whose
MQTT topic named park P (``park_id`` in the raw record) only for a meter of P. A row quarantined
because its sender was not allowed to write that meter stays quarantined.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select, update

from zeropark.ingest.hooks import CommitHooks, Span, merge_span
from zeropark.ingest.meters import MeterDirectory
from zeropark.ingest.pipeline import CONVERT as _CONVERT
from zeropark.ingest.validate import Accepted, Rejected, validate_item
from zeropark.model import Reading
from zeropark.store.db import transaction
from zeropark.store.readings import add_to_counter, write_readings
from zeropark.store.schema import QuarantineRow
from zeropark.timeseries import Quality

__all__ = ["ReprocessResult", "reprocess"]


@dataclass(frozen=True, slots=True)
class ReprocessResult:
    """Outcome of ``zeropark quarantine reprocess``."""

    examined: int
    stored: int
    duplicates: int
    still_quarantined: int


@dataclass(frozen=True, slots=True)
class _Record:
    """A quarantined record decoded for re-validation, with who sent it."""

    meter_id: str | None
    item: Any
    park_id: str | None  # the park its MQTT topic named
    gateway_id: str | None  # the HTTP gateway that sent it


_HTTP_PREFIX = "http:"


def _decode(raw: str, encoding: str, source: str) -> _Record:
    gateway = source[len(_HTTP_PREFIX) :] if source.startswith(_HTTP_PREFIX) else None
    if encoding != "text":
        return _Record(None, raw, None, gateway)
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        return _Record(None, raw, None, gateway)
    if isinstance(doc, dict) and "meter_id" in doc and "item" in doc:
        park = doc.get("park_id")
        kept = doc.get("gateway_id")
        return _Record(
            str(doc["meter_id"]),
            doc["item"],
            str(park) if park is not None else None,
            str(kept) if kept is not None else gateway,
        )
    return _Record(None, doc, None, gateway)


def reprocess(
    engine: Engine,
    *,
    ids: Iterable[int] | None = None,
    reason: str | None = None,
    park_id: str | None = None,
    now_utc: datetime | None = None,
    batch_size: int = 5_000,
    hooks: CommitHooks | None = None,
    earliest_utc: datetime | None = None,
) -> ReprocessResult:
    """Re-run validation on open quarantine rows against the current metadata.

    Rows that now pass are written through the normal idempotent write path with the
    ``REPROCESSED`` quality bit and marked ``reprocessed``; rows that still fail stay open with
    their reason and detail updated. Counters move from ``quarantined`` to ``stored`` /
    ``duplicates`` / ``conflicts`` of the row's original source, keeping the counter identity.

    Parameters
    ----------
    engine : Engine
        The store.
    ids, reason, park_id : optional
        Only these quarantine rows, this reason, this park.
    now_utc : datetime, optional
        The time a timestamp may not exceed by more than 5 min (default: now).
    batch_size : int
        Rows validated and written per round.
    hooks : CommitHooks, optional
        Told the spans of the written readings after the last write
        (:func:`zeropark.services.ingestion.commit_hooks`: the rollups).
    earliest_utc : datetime, optional
        The first accepted instant (default :func:`~zeropark.ingest.validate.earliest_instant`).
    """
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
    touched: dict[str, Span] = {}
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        decoded = [_decode(r.raw, r.raw_encoding, r.source) for r in chunk]
        results = [
            validate_item(
                rec.meter_id or (row.meter_id or ""),
                rec.item,
                meters=meters,
                now_utc=now,
                convert=_CONVERT,
                gateway_id=rec.gateway_id,
                park_id=rec.park_id,
                earliest_utc=earliest_utc,
            )
            for rec, row in zip(decoded, chunk, strict=True)
        ]
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
                Reading(r.meter_id, r.ts_utc, r.value, r.quality | Quality.REPROCESSED)
                for r in (a.reading for _, a in pairs)
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
            for r in readings:
                merge_span(touched, r.meter_id, r.ts_utc, r.ts_utc)
    if hooks is not None:
        hooks.notify(touched)
    return ReprocessResult(examined, stored, duplicates, still)
