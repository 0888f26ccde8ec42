"""Rollups: 15 min / hour / day / month buckets kept up to date as readings arrive, or built in bulk.

Late data re-aggregates only its own buckets (DESIGN.md §5): for each meter touched between
``first`` and ``last``, the hour (and 15-min) buckets whose intervals those readings change are
recomputed from the readings (a register reading changes the interval before and after it), then
only the days that contain those hours (from hour rows) and the months that contain those days
(from day rows). The rest of the history is not read.

Registers are differenced with rollover/reset detection and the multiplier
(:func:`zeropark.timeseries.registers_to_intervals`); gaps up to ``FILL_MAX_GAP_S`` are spread by the
declared linear register rule and flagged (``n_filled``); longer gaps stay in the bucket where
they start and show as missing intervals. ``RollupRow`` is derived data: ``rebuild_rollups``
recomputes a meter's whole history from its readings.

Two paths, one result: :func:`update_rollups` is the incremental path for new readings (per meter,
only the touched buckets, days re-summed from stored hours, months from stored days, each in
chronological order). :func:`build_rollups` (behind :func:`rebuild_rollups` and the demo) is the
bulk path for whole histories: it reads each meter's readings once with one ordered query,
computes every bucket with the vectorised core :func:`zeropark.monitoring.rollup_arrays.meter_rollups`
and inserts a batch of meters at a time (``executemany`` on SQLite, binary ``COPY`` on
PostgreSQL). Both store the same rows, bit for bit (tests/integration/test_rollups.py checks it on
both databases; benchmarks/rollups.py on the demo park).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, Engine, delete, func, insert, select
from sqlalchemy.orm import Session

from zeropark.errors import GapTooLong
from zeropark.model import MeterKind
from zeropark.monitoring.rollup_arrays import BucketArrays, meter_rollups
from zeropark.store.db import transaction
from zeropark.store.schema import MeterRow, ParkRow, ReadingRow, RollupRow
from zeropark.timeseries import (
    Bucket,
    BucketValue,
    Interval,
    bucket_end,
    bucket_start,
    combine_buckets,
    fill_gaps_linear,
    interval_values_to_intervals,
    registers_to_intervals,
    rollup,
)

__all__ = ["FILL_MAX_GAP_S", "build_rollups", "rebuild_rollups", "update_rollups"]

#: Longest register gap spread by the declared linear fill rule [s] (6 h).
FILL_MAX_GAP_S = 6 * 3600
_HOUR = timedelta(hours=1)


def _as_utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def _fill(intervals: list[Interval], interval_s: int) -> list[Interval]:
    out: list[Interval] = []
    for iv in intervals:
        try:
            out.extend(fill_gaps_linear([iv], interval_s=interval_s, max_gap_s=FILL_MAX_GAP_S))
        except GapTooLong:
            out.append(iv)
    return out


def _replace(
    s: Session, meter_id: str, bucket: Bucket, lo: datetime, hi: datetime, values: list[BucketValue]
) -> None:
    s.execute(
        delete(RollupRow).where(
            RollupRow.meter_id == meter_id,
            RollupRow.bucket == bucket.value,
            RollupRow.start >= lo,
            RollupRow.start < hi,
        )
    )
    rows = [
        {
            "meter_id": meter_id,
            "bucket": bucket.value,
            "start": v.start_utc,
            "value": v.value,
            "n_present": v.n_present,
            "n_expected": v.n_expected,
            "n_flagged": v.n_flagged,
            "n_filled": v.n_filled,
        }
        for v in values
        if lo <= v.start_utc < hi
    ]
    if rows:
        s.execute(insert(RollupRow), rows)


def _stored(s: Session, meter_id: str, bucket: Bucket, lo: datetime, hi: datetime) -> list[BucketValue]:
    rows = s.scalars(
        select(RollupRow)
        .where(
            RollupRow.meter_id == meter_id,
            RollupRow.bucket == bucket.value,
            RollupRow.start >= lo,
            RollupRow.start < hi,
        )
        .order_by(RollupRow.start)  # sums in time order, whatever the physical row order
    )
    return [
        BucketValue(bucket, _as_utc(r.start), r.value, r.n_present, r.n_expected, r.n_flagged, r.n_filled)
        for r in rows
    ]


def _update_meter(s: Session, meter: MeterRow, tz: str, first: datetime, last: datetime) -> None:
    step = timedelta(seconds=meter.interval_s)
    mid = meter.id
    # the meter's park first: PostgreSQL probes only that park's partitions of `reading`
    of_meter = (ReadingRow.park_id == meter.park_id, ReadingRow.meter_id == mid)
    if meter.kind == MeterKind.CUMULATIVE.value:
        prev = s.scalar(select(func.max(ReadingRow.ts)).where(*of_meter, ReadingRow.ts < first))
        nxt = s.scalar(select(func.min(ReadingRow.ts)).where(*of_meter, ReadingRow.ts > last))
        h0 = bucket_start(_as_utc(prev) if prev is not None else first, Bucket.HOUR)
        hend = bucket_start(_as_utc(nxt) if nxt is not None else last, Bucket.HOUR) + _HOUR
        before = s.execute(
            select(ReadingRow.ts, ReadingRow.value)
            .where(*of_meter, ReadingRow.ts < h0)
            .order_by(ReadingRow.ts.desc())
            .limit(1)
        ).all()
        inside = s.execute(
            select(ReadingRow.ts, ReadingRow.value)
            .where(*of_meter, ReadingRow.ts >= h0, ReadingRow.ts < hend)
            .order_by(ReadingRow.ts)
        ).all()
        after = s.execute(
            select(ReadingRow.ts, ReadingRow.value)
            .where(*of_meter, ReadingRow.ts >= hend)
            .order_by(ReadingRow.ts)
            .limit(1)
        ).all()
        regs = [*before, *inside, *after]
        intervals = registers_to_intervals(
            [_as_utc(p.ts) for p in regs],
            [p.value for p in regs],
            register_max=meter.register_max,
            multiplier=meter.multiplier,
        )
        intervals = _fill(intervals, meter.interval_s)
    else:
        h0 = bucket_start(first - step, Bucket.HOUR)
        hend = bucket_start(last - step, Bucket.HOUR) + _HOUR
        pts = s.execute(
            select(ReadingRow.ts, ReadingRow.value, ReadingRow.quality)
            .where(*of_meter, ReadingRow.ts >= h0 + step, ReadingRow.ts < hend + step)
            .order_by(ReadingRow.ts)
        ).all()
        intervals = interval_values_to_intervals(
            [_as_utc(p.ts) for p in pts],
            [p.value for p in pts],
            interval_s=meter.interval_s,
            multiplier=meter.multiplier,
            qualities=[p.quality for p in pts],
        )
    intervals = [iv for iv in intervals if h0 <= iv.start_utc < hend]
    if meter.interval_s <= 900:
        _replace(
            s,
            mid,
            Bucket.MIN15,
            h0,
            hend,
            rollup(intervals, Bucket.MIN15, interval_s=meter.interval_s, tz=tz),
        )
    _replace(
        s, mid, Bucket.HOUR, h0, hend, rollup(intervals, Bucket.HOUR, interval_s=meter.interval_s, tz=tz)
    )
    d0 = bucket_start(h0, Bucket.DAY, tz)
    dend = bucket_end(bucket_start(hend - _HOUR, Bucket.DAY, tz), Bucket.DAY, tz)
    days = combine_buckets(
        _stored(s, mid, Bucket.HOUR, d0, dend), Bucket.DAY, interval_s=meter.interval_s, tz=tz
    )
    _replace(s, mid, Bucket.DAY, d0, dend, days)
    m0 = bucket_start(d0, Bucket.MONTH, tz)
    mend = bucket_end(bucket_start(dend - _HOUR, Bucket.MONTH, tz), Bucket.MONTH, tz)
    months = combine_buckets(
        _stored(s, mid, Bucket.DAY, m0, mend), Bucket.MONTH, interval_s=meter.interval_s, tz=tz
    )
    _replace(s, mid, Bucket.MONTH, m0, mend, months)


def update_rollups(engine: Engine, touched: Mapping[str, tuple[datetime, datetime]]) -> int:
    """Recompute the buckets of each meter touched by readings between ``first`` and ``last``.

    Parameters
    ----------
    engine : Engine
        The store.
    touched : mapping of meter id to (first ts, last ts)
        The span of newly committed readings per meter (UTC).

    Returns
    -------
    int
        Number of meters updated (unknown meters are skipped).
    """
    if not touched:
        return 0
    n = 0
    with transaction(engine) as s:
        meters = {m.id: m for m in s.scalars(select(MeterRow).where(MeterRow.id.in_(list(touched))))}
        tzs = {p.id: p.timezone for p in s.scalars(select(ParkRow))}
        for mid, (first, last) in sorted(touched.items()):
            meter = meters.get(mid)
            if meter is None:
                continue
            _update_meter(s, meter, tzs.get(meter.park_id, "Asia/Shanghai"), _as_utc(first), _as_utc(last))
            n += 1
    return n


def rebuild_rollups(
    engine: Engine, meter_ids: list[str] | None = None, *, progress: Progress | None = None
) -> int:
    """Recompute every bucket of the given meters (all meters by default) from their readings.

    Uses the bulk path :func:`build_rollups`; returns the number of meters with readings.
    """
    return build_rollups(engine, meter_ids, progress=progress)


# --- bulk build -----------------------------------------------------------------------------------

#: Called after each batch with (meters done, meters to do).
Progress = Callable[[int, int], None]

#: Readings per batch (one transaction, one bulk insert): ≈ 28 hourly meter-years.
BATCH_READINGS = 250_000
#: SQLite page cache while a batch is inserted [KiB, as a negative cache_size] (default is 2 MiB).
_SQLITE_CACHE_KIB = -131_072
_MAX_PARAMS = 900  # bound parameters per IN list (SQLite allows 999 in old builds)
_PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01T00:00Z − 1970-01-01T00:00Z [µs]
_INSERT_SQLITE = (
    "INSERT INTO rollup (meter_id, bucket, start, value, n_present, n_expected, n_flagged, n_filled) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True, slots=True)
class _Meter:
    id: str
    cumulative: bool
    interval_s: int
    multiplier: float
    register_max: float | None
    tz: str


def build_rollups(
    engine: Engine,
    meter_ids: Sequence[str] | None = None,
    *,
    progress: Progress | None = None,
    batch_readings: int = BATCH_READINGS,
) -> int:
    """Build the 15-min/hour/day/month rollups of whole meter histories in bulk.

    Replaces every stored bucket of the given meters (all meters by default) with buckets computed
    from their readings — the same rows :func:`update_rollups` stores for the same readings.
    Meters are processed in batches of about ``batch_readings`` readings, one transaction each:
    every meter's readings are read once, with one query in primary-key order, through the driver
    cursor; :func:`~zeropark.monitoring.rollup_arrays.meter_rollups` computes all its buckets; then
    the batch's old rows are deleted and the new ones inserted in bulk (``executemany`` on SQLite,
    binary ``COPY`` on PostgreSQL), so a reader sees each meter's old or new buckets, never a mix.

    Parameters
    ----------
    engine : Engine
        The store (SQLite or PostgreSQL).
    meter_ids : sequence of str, optional
        Meters to rebuild; ``None`` = all (rollups of meters without readings are deleted).
    progress : callable, optional
        ``progress(done, total)`` in meters, after each batch.
    batch_readings : int
        Target readings per batch (memory ≈ 100 bytes per reading).

    Returns
    -------
    int
        Number of known meters with at least one reading (their buckets were rebuilt).
    """
    with engine.begin() as conn:
        meters = _load_meters(conn, meter_ids)
        counts = _reading_counts(conn, meter_ids)
        todo = [meters[mid] for mid in sorted(counts) if mid in meters]
        keep = {m.id for m in todo}
        in_scope = (
            set(meter_ids)
            if meter_ids is not None
            else set(conn.scalars(select(RollupRow.meter_id).distinct()))
        )
        _delete(conn, sorted(in_scope - keep))
    done = 0
    if progress is not None:
        progress(0, len(todo))
    for batch in _batches(todo, counts, batch_readings):
        with engine.begin() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            built = []
            for m in batch:
                ts_us, values, quality = _read_meter(raw, conn.dialect.name, m.id)
                buckets = meter_rollups(
                    ts_us,
                    values,
                    quality,
                    cumulative=m.cumulative,
                    interval_s=m.interval_s,
                    multiplier=m.multiplier,
                    register_max=m.register_max,
                    tz=m.tz,
                    max_gap_s=FILL_MAX_GAP_S,
                )
                built.append((m.id, buckets))
            _delete(conn, [m.id for m in batch])
            if conn.dialect.name == "postgresql":
                _copy_pg(raw, built)
            else:
                _insert_sqlite(raw, built)
        done += len(batch)
        if progress is not None:
            progress(done, len(todo))
    return len(todo)


_Series = tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.int64]]


def _load_meters(conn: Connection, meter_ids: Sequence[str] | None) -> dict[str, _Meter]:
    tzs: dict[str, str] = {r.id: r.timezone for r in conn.execute(select(ParkRow.id, ParkRow.timezone))}
    q = select(
        MeterRow.id,
        MeterRow.park_id,
        MeterRow.kind,
        MeterRow.interval_s,
        MeterRow.multiplier,
        MeterRow.register_max,
    )
    if meter_ids is not None:
        q = q.where(MeterRow.id.in_(list(meter_ids)))
    return {
        r.id: _Meter(
            r.id,
            r.kind == MeterKind.CUMULATIVE.value,
            r.interval_s,
            r.multiplier,
            r.register_max,
            tzs.get(r.park_id, "Asia/Shanghai"),
        )
        for r in conn.execute(q)
    }


def _reading_counts(conn: Connection, meter_ids: Sequence[str] | None) -> dict[str, int]:
    q = select(ReadingRow.meter_id, func.count()).group_by(ReadingRow.meter_id)
    if meter_ids is not None:
        q = q.where(ReadingRow.meter_id.in_(list(meter_ids)))
    return {mid: int(n) for mid, n in conn.execute(q)}


def _batches(meters: list[_Meter], counts: Mapping[str, int], limit: int) -> Iterator[list[_Meter]]:
    batch: list[_Meter] = []
    size = 0
    for m in meters:
        if batch and size + counts[m.id] > limit:
            yield batch
            batch, size = [], 0
        batch.append(m)
        size += counts[m.id]
    if batch:
        yield batch


def _delete(conn: Connection, meter_ids: Sequence[str]) -> None:
    for lo in range(0, len(meter_ids), _MAX_PARAMS):
        chunk = list(meter_ids[lo : lo + _MAX_PARAMS])
        conn.execute(delete(RollupRow).where(RollupRow.meter_id.in_(chunk)))


def _read_meter(raw: Any, dialect: str, meter_id: str) -> _Series:
    """One meter's readings in time order via the driver cursor: (ts [µs since epoch], value, quality)."""
    cur = raw.cursor()
    try:
        if dialect == "postgresql":
            cur.execute(
                "SELECT (extract(epoch FROM ts) * 1000000)::bigint, value, quality FROM reading "
                "WHERE park_id = (SELECT park_id FROM meter WHERE id = %s) AND meter_id = %s ORDER BY ts",
                (meter_id, meter_id),
            )
        else:
            cur.execute("SELECT ts, value, quality FROM reading WHERE meter_id = ? ORDER BY ts", (meter_id,))
        rows = cur.fetchall()
    finally:
        cur.close()
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.float64), np.zeros(0, np.int64)
    ts, vals, qual = zip(*rows, strict=True)
    if dialect == "postgresql":
        ts_us = np.array(ts, dtype=np.int64)
    else:  # UTC text 'YYYY-MM-DD HH:MM:SS.ffffff' (zeropark.store.readings)
        ts_us = np.array(ts, dtype="datetime64[us]").astype(np.int64)
    return ts_us, np.array(vals, dtype=np.float64), np.array(qual, dtype=np.int64)


def _insert_sqlite(raw: Any, built: list[tuple[str, list[BucketArrays]]]) -> None:
    """``executemany`` of a batch's buckets.

    Rows go in (bucket, start, meter) order with a larger page cache for the statement: the
    ``(bucket, start)`` index then takes one sequential pass per batch instead of one per meter
    (full demo park, loaded machine: 79 s unsorted with the default cache, 49 s like this).
    """
    meters: list[str] = []
    names: list[str] = []
    arrays: list[BucketArrays] = []
    for meter_id, buckets in built:
        for b in buckets:
            meters.extend([meter_id] * len(b))
            names.extend([b.bucket.value] * len(b))
            arrays.append(b)
    if not meters:
        return
    start = np.concatenate([b.start_us for b in arrays])
    meter_col = np.array(meters, dtype=object)
    name_col = np.array(names, dtype=object)
    order = np.lexsort((meter_col, start, name_col))
    text = np.char.replace(np.datetime_as_string(start.astype("datetime64[us]"), unit="us"), "T", " ")
    columns = [
        meter_col[order].tolist(),
        name_col[order].tolist(),
        text[order].tolist(),
        *(
            np.concatenate([getattr(b, col) for b in arrays])[order].tolist()
            for col in ("value", "n_present", "n_expected", "n_flagged", "n_filled")
        ),
    ]
    cur = raw.cursor()
    try:
        cache = cur.execute("PRAGMA cache_size").fetchone()[0]
        cur.execute(f"PRAGMA cache_size = {_SQLITE_CACHE_KIB}")
        try:
            cur.executemany(_INSERT_SQLITE, zip(*columns, strict=True))
        finally:
            cur.execute(f"PRAGMA cache_size = {int(cache)}")
    finally:
        cur.close()


def _copy_pg(raw: Any, built: list[tuple[str, list[BucketArrays]]]) -> None:
    """Binary COPY of a batch's buckets (one numpy structured block per meter and bucket width)."""
    blocks = [b"PGCOPY\n\xff\r\n\x00" + bytes(8)]
    for meter_id, buckets in built:
        mid = meter_id.encode()
        for b in buckets:
            if not len(b):
                continue
            name = b.bucket.value.encode()
            dt = np.dtype(
                [
                    ("nf", ">i2"),
                    ("l1", ">i4"),
                    ("id", f"S{len(mid)}"),
                    ("l2", ">i4"),
                    ("bucket", f"S{len(name)}"),
                    ("l3", ">i4"),
                    ("start", ">i8"),
                    ("l4", ">i4"),
                    ("value", ">f8"),
                    ("l5", ">i4"),
                    ("n_present", ">i4"),
                    ("l6", ">i4"),
                    ("n_expected", ">i4"),
                    ("l7", ">i4"),
                    ("n_flagged", ">i4"),
                    ("l8", ">i4"),
                    ("n_filled", ">i4"),
                ]
            )
            block = np.empty(len(b), dtype=dt)
            block["nf"] = 8
            block["l1"] = len(mid)
            block["id"] = mid
            block["l2"] = len(name)
            block["bucket"] = name
            block["l3"] = 8
            block["start"] = b.start_us - _PG_EPOCH_US
            block["l4"] = 8
            block["value"] = b.value
            for i, col in enumerate(("n_present", "n_expected", "n_flagged", "n_filled"), start=5):
                block[f"l{i}"] = 4
                block[col] = getattr(b, col)
            blocks.append(block.tobytes())
    blocks.append((-1).to_bytes(2, "big", signed=True))
    with (
        raw.cursor() as cur,
        cur.copy(
            "COPY rollup (meter_id, bucket, start, value, n_present, n_expected, n_flagged, n_filled) "
            "FROM STDIN WITH (FORMAT binary)"
        ) as cp,
    ):
        cp.write(b"".join(blocks))
