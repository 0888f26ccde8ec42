"""The one ingest path every transport uses: validate → write readings → quarantine → count.

MQTT, HTTP and files all hand a list of ``(meter_id, item)`` pairs (plus records that could not
even be decoded) to :func:`ingest_items`, which

1. validates each item against the registered meters (:mod:`zeropark.ingest.validate`),
2. writes the accepted readings with the store's idempotent bulk path
   (:func:`zeropark.store.readings.write_readings`: duplicates are no-ops, a different value
   keeps the first and records a conflict; COPY on PostgreSQL),
3. writes the rejected ones to quarantine; both steps add to the source's ``ingest_counter``.

Steps 2 and 3 are one transaction: either the whole batch (readings, quarantine rows, counters)
is committed or none of it is, so a caller that answers with an error has stored nothing.
It returns only after everything is committed, so a transport may acknowledge its input then,
and tell its after-commit listeners (:mod:`zeropark.ingest.hooks`) the spans in
:attr:`IngestOutcome.touched`.
Crash after the commit, before the acknowledgement: the redelivered input is written again, its
readings count as duplicates, its rejects are recognised by fingerprint, and the counter
identity still holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from zeropark.ingest.hooks import Span, merge_span, merge_spans
from zeropark.ingest.quarantine import quarantine_rows
from zeropark.ingest.validate import (
    Accepted,
    Converter,
    MeterInfo,
    Reason,
    Rejected,
    accept_clean,
    caching_converter,
    flagged,
    validate_item,
)
from zeropark.model import Reading
from zeropark.store.readings import write_readings_in
from zeropark.units import to_canonical

__all__ = ["CONVERT", "IngestOutcome", "RowResult", "ingest_items", "validate_many"]


#: The shared unit converter of every transport, memoised per (unit, carrier).
CONVERT: Converter = caching_converter(to_canonical)
_CONVERT = CONVERT


def validate_many(
    items: Sequence[tuple[str, Any]],
    *,
    meters: Mapping[str, MeterInfo],
    now_utc: datetime,
    gateway_id: str | None = None,
    parks: Sequence[str | None] | None = None,
    assume_tz: str = "Asia/Shanghai",
    earliest_utc: datetime | None = None,
) -> list[Accepted | Rejected]:
    """Validate ``(meter_id, item)`` pairs with the shared cached unit converter.

    ``parks`` (MQTT) gives the park named by each item's topic; the meter must belong to it.
    ``earliest_utc`` is the first accepted instant (default
    :func:`~zeropark.ingest.validate.earliest_instant`).
    """
    convert = _CONVERT
    park_of = parks if parks is not None else [None] * len(items)
    return [
        validate_item(
            mid,
            item,
            meters=meters,
            now_utc=now_utc,
            convert=convert,
            gateway_id=gateway_id,
            park_id=park,
            assume_tz=assume_tz,
            earliest_utc=earliest_utc,
        )
        for (mid, item), park in zip(items, park_of, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class RowResult:
    """Per-row outcome for HTTP and file callers: ``status`` accepted / flagged / quarantined."""

    index: int
    meter_id: str | None
    status: str
    reason: str | None = None
    detail: str | None = None


@dataclass(slots=True)
class IngestOutcome:
    """Counts of one :func:`ingest_items` call: received = stored + duplicates + conflicts + quarantined."""

    received: int = 0
    stored: int = 0
    duplicates: int = 0
    conflicts: int = 0
    quarantined: int = 0
    flagged: int = 0
    rows: list[RowResult] = field(default_factory=list)
    #: meter id → (first ts, last ts) of the accepted readings: what the after-commit hooks are told
    touched: dict[str, Span] = field(default_factory=dict)

    def add(self, other: IngestOutcome) -> None:
        """Accumulate another outcome (rows are not merged)."""
        self.received += other.received
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.conflicts += other.conflicts
        self.quarantined += other.quarantined
        self.flagged += other.flagged
        merge_spans(self.touched, other.touched)


def ingest_items(
    engine: Engine,
    items: Sequence[tuple[str, Any]],
    *,
    source: str,
    meters: Mapping[str, MeterInfo],
    undecodable: Sequence[tuple[str | None, str, str]] = (),
    now_utc: datetime | None = None,
    gateway_id: str | None = None,
    parks: Sequence[str | None] | None = None,
    assume_tz: str = "Asia/Shanghai",
    keep_rows: bool = False,
    grouped: Sequence[tuple[str, str | None, Sequence[Any]]] = (),
    rejected: Sequence[Rejected] = (),
    earliest_utc: datetime | None = None,
) -> IngestOutcome:
    """Validate and commit ``items``; return only when readings, quarantine and counters are durable.

    Parameters
    ----------
    engine : Engine
        The store.
    items : sequence of (meter_id, item)
        Decoded reading items.
    source : str
        Counter key: ``mqtt``, ``http:<gateway>``, ``file:<name>``.
    meters : mapping
        Registered meters (a :class:`~zeropark.ingest.meters.MeterDirectory`).
    undecodable : sequence of (meter_id or None, raw text, detail)
        Records that could not be decoded at all (bad JSON, bad CSV row): quarantined as
        ``malformed``; each counts as one received record.
    now_utc : datetime, optional
        Receive time (default: now).
    gateway_id : str, optional
        Restrict writes to this gateway's meters (others → ``forbidden_meter``).
    parks : sequence of str or None, optional
        Park of each item as named by its MQTT topic.
    assume_tz : str
        Time zone for naive timestamps.
    keep_rows : bool
        Return a :class:`RowResult` per item of ``items`` (HTTP responses; not for ``grouped``).
    grouped : sequence of (meter_id, park_id or None, items)
        Items that arrive per meter (one MQTT batch message each): validated with the batch fast
        path :func:`~zeropark.ingest.validate.accept_clean`; only items it does not accept
        outright go through the per-item path. Same outcome as passing them in ``items``.
    rejected : sequence of Rejected
        Records the transport already rejected with their own reason (an MQTT message on a
        topic of the wrong shape, a payload kept as raw bytes): quarantined, one received each.
    earliest_utc : datetime, optional
        Readings before it are quarantined as ``early_ts`` (default
        :func:`~zeropark.ingest.validate.earliest_instant`).
    """
    now = now_utc or datetime.now(UTC)
    items = list(items)
    park_list: list[str | None] = list(parks) if parks is not None else [None] * len(items)
    n_items = len(items)
    convert = _CONVERT
    readings: list[Reading] = []
    fast_flagged = 0
    fast_touched: dict[str, Span] = {}
    for mid, park, its in grouped:
        meter = meters.get(mid)
        if (
            meter is None
            or not meter.active
            or (park is not None and meter.park_id != park)
            or (gateway_id is not None and meter.gateway_id != gateway_id)
        ):
            items.extend((mid, it) for it in its)
            park_list.extend([park] * len(its))
            continue
        ok, slow = accept_clean(meter, its, now_utc=now, convert=convert, earliest_utc=earliest_utc)
        if ok:
            readings.extend(ok)
            fast_flagged += sum(1 for r in ok if r.quality)
            merge_span(fast_touched, mid, min(r.ts_utc for r in ok), max(r.ts_utc for r in ok))
        for i in slow:
            items.append((mid, its[i]))
            park_list.append(park)
    results = validate_many(
        items,
        meters=meters,
        now_utc=now,
        gateway_id=gateway_id,
        parks=park_list,
        assume_tz=assume_tz,
        earliest_utc=earliest_utc,
    )
    out = IngestOutcome(
        received=n_items + len(undecodable) + len(rejected) + sum(len(its) for _m, _p, its in grouped),
        flagged=fast_flagged,
        touched=fast_touched,
    )
    rejects: list[Rejected] = [
        Rejected(mid, None, Reason.MALFORMED, detail, raw) for mid, raw, detail in undecodable
    ]
    rejects.extend(rejected)
    for idx, res in enumerate(results):
        if isinstance(res, Accepted):
            r = res.reading
            readings.append(r)
            is_flagged = flagged(r.quality)
            out.flagged += is_flagged
            merge_span(out.touched, r.meter_id, r.ts_utc, r.ts_utc)
            if keep_rows and idx < n_items:
                out.rows.append(RowResult(idx, r.meter_id, "flagged" if is_flagged else "accepted"))
        else:
            rejects.append(res)
            if keep_rows and idx < n_items:
                out.rows.append(RowResult(idx, res.meter_id, "quarantined", res.reason.value, res.detail))
    if not readings and not rejects:
        return out
    with engine.begin() as conn:  # one transaction: all of the batch is stored, or none of it
        if readings:
            written = write_readings_in(conn, readings, source=source)
            out.stored, out.duplicates, out.conflicts = written.stored, written.duplicates, written.conflicts
        if rejects:
            out.quarantined = quarantine_rows(conn, rejects, source=source, received_at=now)
            out.duplicates += len(rejects) - out.quarantined
    return out
