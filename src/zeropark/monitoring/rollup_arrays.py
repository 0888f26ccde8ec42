"""Columnar rollups of one meter (pure, numpy): the bulk equivalent of the ``zeropark.timeseries`` chain.

:func:`meter_rollups` turns one meter's whole reading history (instants in integer microseconds
since the Unix epoch, UTC) into its 15-min / hour / day / month buckets in one vectorised pass.
It gives *exactly* the buckets the incremental path (``zeropark.monitoring.rollups``) stores,
bit for bit, because every step mirrors the scalar function it replaces:

- registers → intervals as :func:`zeropark.timeseries.registers_to_intervals` (rollover when the
  wrapped difference ``(register_max − prev) + cur`` lies in ``[0, register_max / 10]``, else a
  reset counted from zero; each difference × multiplier);
- interval meters as :func:`~zeropark.timeseries.interval_values_to_intervals` (the value at
  ``ts`` covers ``[ts − interval_s, ts)``, stored quality carried over);
- the declared linear fill as :func:`~zeropark.timeseries.fill_gaps_linear`, with gaps longer
  than ``max_gap_s`` kept whole (``n = round(seconds / interval_s)`` half to even, part
  ``value / n``, part length ``(end − start) / n`` rounded half to even to the microsecond as
  :class:`datetime.timedelta` does);
- buckets as :func:`~zeropark.timeseries.rollup` (hours and 15 min from intervals) and
  :func:`~zeropark.timeseries.combine_buckets` (days from hours, months from days), with sums
  accumulated one term at a time in time order (``numpy.bincount`` adds its weights in input
  order, as the scalar loop does), so the floating-point result is identical, not merely close;
- local day and month boundaries and ``n_expected`` come from the scalar
  :func:`~zeropark.timeseries.bucket_start` / :func:`~zeropark.timeseries.expected_intervals`
  themselves (memoised), so time-zone and DST rules cannot drift apart.

No I/O here; ``zeropark.monitoring.rollups.build_rollups`` reads readings and writes the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from zeropark.timeseries import (
    IMPLAUSIBLE_MASK,
    Bucket,
    BucketValue,
    Quality,
    bucket_start,
    expected_intervals,
)

__all__ = [
    "BucketArrays",
    "IntervalArrays",
    "fill_linear",
    "meter_rollups",
    "register_intervals",
    "rollup_arrays",
]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

#: Microseconds per second.
US = 1_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FIXED_US = {Bucket.MIN15: 900 * US, Bucket.HOUR: 3600 * US}
_ROLLOVER = int(Quality.ROLLOVER)
_RESET = int(Quality.RESET)
_FILLED = int(Quality.FILLED)


def to_datetime(us: int) -> datetime:
    """UTC instant of ``us`` microseconds since the Unix epoch (exact)."""
    return _EPOCH + timedelta(microseconds=us)


@dataclass(frozen=True, slots=True)
class IntervalArrays:
    """Intervals ``[start_us, end_us)`` of one meter [µs since epoch, UTC], value [canonical unit], bits."""

    start_us: I64
    end_us: I64
    value: F64
    quality: I64

    def __len__(self) -> int:
        return len(self.value)


@dataclass(frozen=True, slots=True)
class BucketArrays:
    """The buckets of one width for one meter, as columns (one element per bucket, by start)."""

    bucket: Bucket
    start_us: I64
    value: F64
    n_present: I64
    n_expected: I64
    n_flagged: I64
    n_filled: I64

    def __len__(self) -> int:
        return len(self.value)

    def to_values(self) -> list[BucketValue]:
        """The same buckets as :class:`zeropark.timeseries.BucketValue` objects."""
        return [
            BucketValue(self.bucket, to_datetime(s), v, p, e, f, fl)
            for s, v, p, e, f, fl in zip(
                self.start_us.tolist(),
                self.value.tolist(),
                self.n_present.tolist(),
                self.n_expected.tolist(),
                self.n_flagged.tolist(),
                self.n_filled.tolist(),
                strict=True,
            )
        ]


def register_intervals(
    ts_us: I64, registers: F64, *, register_max: float | None = None, multiplier: float = 1.0
) -> IntervalArrays:
    """Difference a cumulative register (vectorised :func:`zeropark.timeseries.registers_to_intervals`).

    Parameters
    ----------
    ts_us : array of int64
        Reading instants [µs since epoch, UTC], strictly increasing.
    registers : array of float64
        Register values [meter unit].
    register_max : float or None
        Wrap value of the register; ``None``: every backward step is a reset.
    multiplier : float
        CT/PT ratio applied to each difference.

    Returns
    -------
    IntervalArrays
        ``len − 1`` intervals: ``(r[i] − r[i−1]) × m``; rollover ``((register_max − r[i−1]) + r[i]) × m``
        flagged ``ROLLOVER`` when that lies in ``[0, register_max / 10]``; otherwise a backward step is
        a reset ``r[i] × m`` flagged ``RESET``.

    Raises
    ------
    ValueError
        If the lengths differ or the instants do not increase strictly.
    """
    ts = np.asarray(ts_us, dtype=np.int64)
    reg = np.asarray(registers, dtype=np.float64)
    if len(ts) != len(reg):
        raise ValueError(f"{len(ts)} instants but {len(reg)} registers were given")
    if len(ts) < 2:
        empty = np.zeros(0, dtype=np.int64)
        return IntervalArrays(empty, empty.copy(), np.zeros(0), empty.copy())
    if np.any(ts[1:] <= ts[:-1]):
        i = int(np.flatnonzero(ts[1:] <= ts[:-1])[0])
        a, b = to_datetime(int(ts[i])), to_datetime(int(ts[i + 1]))
        raise ValueError(f"register instants must increase strictly: {a} then {b}")
    prev, cur = reg[:-1], reg[1:]
    delta = cur - prev
    backward = delta < 0
    rollover = np.zeros(len(delta), dtype=bool)
    # same guards as the scalar rule: register_max None → no wrap; register_max 0 → no step limit → resets
    if register_max is not None and register_max:
        wrapped = (register_max - prev) + cur
        rollover = backward & (wrapped >= 0) & (wrapped <= register_max / 10)
        delta = np.where(rollover, wrapped, delta)
    reset = backward & ~rollover
    delta = np.where(reset, cur, delta)
    quality = np.where(rollover, _ROLLOVER, np.where(reset, _RESET, 0)).astype(np.int64)
    return IntervalArrays(ts[:-1].copy(), ts[1:].copy(), delta * multiplier, quality)


def interval_meter_intervals(
    ts_us: I64, values: F64, qualities: I64, *, interval_s: int, multiplier: float = 1.0
) -> IntervalArrays:
    """Interval-meter readings → intervals ``[ts − interval_s, ts)``, value × multiplier, quality kept."""
    ts = np.asarray(ts_us, dtype=np.int64)
    return IntervalArrays(
        ts - interval_s * US,
        ts.copy(),
        np.asarray(values, dtype=np.float64) * multiplier,
        np.asarray(qualities, dtype=np.int64),
    )


def _divide_and_round(a: I64, b: I64) -> I64:
    """``a / b`` rounded half to even, in integers (``timedelta / int`` for positive ``a``, ``b``)."""
    q, r = np.divmod(a, b)
    r2 = 2 * r
    up = (r2 > b) | ((r2 == b) & (q % 2 == 1))
    return np.asarray(q + up, dtype=np.int64)


def fill_linear(iv: IntervalArrays, *, interval_s: int, max_gap_s: float) -> IntervalArrays:
    """Spread intervals longer than ``interval_s`` evenly, keeping gaps longer than ``max_gap_s`` whole.

    Vectorised ``fill_gaps_linear`` applied interval by interval with ``GapTooLong`` caught (the
    rollups' rule): ``n = round(seconds / interval_s)``; if ``n > 1`` and ``seconds ≤ max_gap_s`` the
    interval becomes ``n`` parts of ``value / n`` flagged ``FILLED``.
    """
    dur_us = iv.end_us - iv.start_us
    seconds = dur_us / US  # exact µs → correctly rounded float, as timedelta.total_seconds()
    n = np.rint(seconds / interval_s).astype(np.int64)  # round half to even, as round()
    split = (n > 1) & ~(seconds > max_gap_s)
    if not split.any():
        return iv
    reps = np.where(split, n, 1)
    src = np.repeat(np.arange(len(iv)), reps)
    first = np.repeat(np.cumsum(reps) - reps, reps)
    k = np.arange(len(src), dtype=np.int64) - first
    step = np.where(split, _divide_and_round(dur_us, np.maximum(n, 1)), dur_us)[src]
    start = iv.start_us[src] + k * step
    end = np.where(split[src], start + step, iv.end_us[src])
    value = np.where(split, iv.value / np.maximum(n, 1), iv.value)[src]
    quality = np.where(split, iv.quality | _FILLED, iv.quality)[src]
    return IntervalArrays(start, end, value, quality)


@lru_cache(maxsize=1 << 16)
def _local_start_us(us: int, bucket: Bucket, tz: str) -> int:
    start = bucket_start(to_datetime(us), bucket, tz)
    return (start - _EPOCH) // timedelta(microseconds=1)


@lru_cache(maxsize=1 << 16)
def _expected(us: int, bucket: Bucket, interval_s: int, tz: str) -> int:
    return expected_intervals(to_datetime(us), bucket, interval_s, tz)


def _bucket_starts(start_us: I64, bucket: Bucket, tz: str) -> I64:
    """Bucket start of each instant, as :func:`zeropark.timeseries.bucket_start` [µs]."""
    width = _FIXED_US.get(bucket)
    if width is not None:
        # bucket_start truncates the POSIX timestamp to whole seconds toward zero, then floors to the width
        secs = np.where(start_us >= 0, start_us // US, -((-start_us) // US))
        w = width // US
        return np.asarray((secs - secs % w) * US, dtype=np.int64)
    uniq, inverse = np.unique(start_us, return_inverse=True)
    local = np.array([_local_start_us(u, bucket, tz) for u in uniq.tolist()], dtype=np.int64)
    return local[inverse]


def _group(
    keys: I64,
    bucket: Bucket,
    value: F64,
    present: I64,
    flagged: I64,
    filled: I64,
    *,
    interval_s: int,
    tz: str,
) -> BucketArrays:
    starts, inv = np.unique(keys, return_inverse=True)
    m = len(starts)
    # bincount adds weights one at a time in input order: the same float sum as the scalar loop
    total = np.asarray(np.bincount(inv, weights=value, minlength=m), dtype=np.float64)
    expected = np.array([_expected(s, bucket, interval_s, tz) for s in starts.tolist()], dtype=np.int64)

    def count(w: I64) -> I64:
        return np.asarray(np.bincount(inv, weights=w, minlength=m), dtype=np.int64)

    return BucketArrays(
        bucket, starts.astype(np.int64), total, count(present), expected, count(flagged), count(filled)
    )


def rollup_arrays(iv: IntervalArrays, bucket: Bucket, *, interval_s: int, tz: str) -> BucketArrays:
    """Sum intervals into buckets by their start (vectorised :func:`zeropark.timeseries.rollup`)."""
    keys = _bucket_starts(iv.start_us, bucket, tz)
    ones = np.ones(len(iv), dtype=np.int64)
    flagged = ((iv.quality & IMPLAUSIBLE_MASK) != 0).astype(np.int64)
    filled = ((iv.quality & _FILLED) != 0).astype(np.int64)
    return _group(keys, bucket, iv.value, ones, flagged, filled, interval_s=interval_s, tz=tz)


def combine_arrays(parts: BucketArrays, bucket: Bucket, *, interval_s: int, tz: str) -> BucketArrays:
    """Roll finer buckets up into coarser ones (vectorised :func:`zeropark.timeseries.combine_buckets`)."""
    keys = _bucket_starts(parts.start_us, bucket, tz)
    return _group(
        keys,
        bucket,
        parts.value,
        parts.n_present,
        parts.n_flagged,
        parts.n_filled,
        interval_s=interval_s,
        tz=tz,
    )


def meter_rollups(
    ts_us: I64,
    values: F64,
    qualities: I64,
    *,
    cumulative: bool,
    interval_s: int,
    multiplier: float,
    register_max: float | None,
    tz: str,
    max_gap_s: float,
) -> list[BucketArrays]:
    """All rollup buckets of one meter from its whole, time-ordered reading history.

    Parameters
    ----------
    ts_us : array of int64
        Reading instants [µs since epoch, UTC], strictly increasing.
    values : array of float64
        Register values (cumulative meters) or interval values (interval meters) [meter unit].
    qualities : array of int64
        Stored quality bits of the readings (carried over by interval meters only).
    cumulative : bool
        Whether the meter reports a register (表底数).
    interval_s : int
        Expected reporting interval [s]; 15-min buckets only when it is ≤ 900 s.
    multiplier : float
        CT/PT ratio.
    register_max : float or None
        Register wrap value.
    tz : str
        Park time zone of the day and month buckets.
    max_gap_s : float
        Longest register gap spread by the linear fill rule [s].

    Returns
    -------
    list of BucketArrays
        15 min (if ``interval_s ≤ 900``), hour, day, month — hours and 15 min from intervals, days
        from hours, months from days.
    """
    if cumulative:
        iv = register_intervals(ts_us, values, register_max=register_max, multiplier=multiplier)
        iv = fill_linear(iv, interval_s=interval_s, max_gap_s=max_gap_s)
    else:
        iv = interval_meter_intervals(ts_us, values, qualities, interval_s=interval_s, multiplier=multiplier)
    out = []
    if interval_s <= 900:
        out.append(rollup_arrays(iv, Bucket.MIN15, interval_s=interval_s, tz=tz))
    hours = rollup_arrays(iv, Bucket.HOUR, interval_s=interval_s, tz=tz)
    days = combine_arrays(hours, Bucket.DAY, interval_s=interval_s, tz=tz)
    months = combine_arrays(days, Bucket.MONTH, interval_s=interval_s, tz=tz)
    return [*out, hours, days, months]
