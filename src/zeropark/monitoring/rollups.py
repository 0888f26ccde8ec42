"""Incremental rollups: 15 min / hour / day / month buckets kept up to date as readings arrive.

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
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.orm import Session

from zeropark.errors import GapTooLong
from zeropark.model import MeterKind
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

__all__ = ["FILL_MAX_GAP_S", "rebuild_rollups", "update_rollups"]

#: Longest register gap spread by the declared linear fill rule [s] (6 h).
FILL_MAX_GAP_S = 6 * 3600
_HOUR = timedelta(hours=1)


def _as_utc(ts: datetime) -> datetime:
    from datetime import UTC

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
        select(RollupRow).where(
            RollupRow.meter_id == meter_id,
            RollupRow.bucket == bucket.value,
            RollupRow.start >= lo,
            RollupRow.start < hi,
        )
    )
    return [
        BucketValue(bucket, _as_utc(r.start), r.value, r.n_present, r.n_expected, r.n_flagged, r.n_filled)
        for r in rows
    ]


def _update_meter(s: Session, meter: MeterRow, tz: str, first: datetime, last: datetime) -> None:
    step = timedelta(seconds=meter.interval_s)
    mid = meter.id
    if meter.kind == MeterKind.CUMULATIVE.value:
        prev = s.scalar(
            select(func.max(ReadingRow.ts)).where(ReadingRow.meter_id == mid, ReadingRow.ts < first)
        )
        nxt = s.scalar(
            select(func.min(ReadingRow.ts)).where(ReadingRow.meter_id == mid, ReadingRow.ts > last)
        )
        h0 = bucket_start(_as_utc(prev) if prev is not None else first, Bucket.HOUR)
        hend = bucket_start(_as_utc(nxt) if nxt is not None else last, Bucket.HOUR) + _HOUR
        before = s.execute(
            select(ReadingRow.ts, ReadingRow.value)
            .where(ReadingRow.meter_id == mid, ReadingRow.ts < h0)
            .order_by(ReadingRow.ts.desc())
            .limit(1)
        ).all()
        inside = s.execute(
            select(ReadingRow.ts, ReadingRow.value)
            .where(ReadingRow.meter_id == mid, ReadingRow.ts >= h0, ReadingRow.ts < hend)
            .order_by(ReadingRow.ts)
        ).all()
        after = s.execute(
            select(ReadingRow.ts, ReadingRow.value)
            .where(ReadingRow.meter_id == mid, ReadingRow.ts >= hend)
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
            .where(ReadingRow.meter_id == mid, ReadingRow.ts >= h0 + step, ReadingRow.ts < hend + step)
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


def rebuild_rollups(engine: Engine, meter_ids: list[str] | None = None) -> int:
    """Recompute every bucket of the given meters (all meters by default) from their readings."""
    with transaction(engine) as s:
        q = select(ReadingRow.meter_id, func.min(ReadingRow.ts), func.max(ReadingRow.ts)).group_by(
            ReadingRow.meter_id
        )
        if meter_ids is not None:
            q = q.where(ReadingRow.meter_id.in_(meter_ids))
        spans = {r[0]: (_as_utc(r[1]), _as_utc(r[2])) for r in s.execute(q)}
        if meter_ids is not None:
            s.execute(delete(RollupRow).where(RollupRow.meter_id.in_(meter_ids)))
        else:
            s.execute(delete(RollupRow))
    return update_rollups(engine, spans)
