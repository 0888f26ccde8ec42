"""Meter time series (pure): quality bits, registers → intervals, rollups, declared gap fills.

Policy (DESIGN.md §5):

- A cumulative register (表底数) becomes interval values by difference. A register that passes
  its maximum wraps to zero (rollover, flagged ``ROLLOVER``); a register that goes backwards in
  a way a rollover cannot explain is a meter replacement or reset (换表/清零, flagged ``RESET``),
  and the interval takes the new register as consumption since zero. Every interval is multiplied
  by the meter's multiplier (CT/PT ratio).
- Interval ``[start, end)`` belongs to the bucket that contains ``start``. Aggregates (15 min,
  hour, day, month) carry ``n_present`` / ``n_expected`` so completeness is always visible; day
  and month buckets are local-time periods (Asia/Shanghai by default), 15 min and hour are
  identical in UTC and UTC+8.
- Gaps are filled only by a declared rule (``fill_gaps_linear``: linear interpolation of the
  register, i.e. the energy of a long interval spread evenly over the missing intervals); every
  filled interval carries ``Quality.FILLED``. Nothing is filled silently.

Values are floats in the carrier's canonical unit (DESIGN.md §3); times are timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntFlag, StrEnum
from zoneinfo import ZoneInfo

from zeropark.errors import GapTooLong

__all__ = [
    "HOUR_COVERAGE_TOLERANCE_S",
    "Bucket",
    "BucketValue",
    "HourFlag",
    "Interval",
    "Quality",
    "bucket_end",
    "bucket_start",
    "expected_intervals",
    "combine_buckets",
    "fill_gaps_linear",
    "implausible_flags",
    "interval_values_to_intervals",
    "registers_to_intervals",
    "rollup",
]


class Quality(IntFlag):
    """计量数据质量位: bit flags stored with each reading and interval (``reading.quality``).

    ``NEGATIVE`` and ``ABOVE_CAPACITY`` mark physically implausible values that are stored and
    flagged (DESIGN.md §5); ``ROLLOVER`` and ``RESET`` mark register discontinuities;
    ``FILLED`` marks a value made by a declared gap-fill rule; ``REPROCESSED`` a reading that came
    out of quarantine.
    """

    OK = 0
    NEGATIVE = 1
    ABOVE_CAPACITY = 2
    ROLLOVER = 4
    RESET = 8
    FILLED = 16
    REPROCESSED = 32

    @classmethod
    def implausible(cls) -> Quality:
        """The bits that count as *flagged* (implausible) in data-quality statistics."""
        return cls.NEGATIVE | cls.ABOVE_CAPACITY | cls.RESET


class HourFlag(IntFlag):
    """Quality of one hour of an hourly energy series (逐时电量质量位).

    ``PARTIAL``: some of the hour was metered but not all of it (a 30-minute meter with one
    half-hour missing, or a register step that runs past the hour's end). The hour's value is a
    gap (NaN), never the energy of the part that was metered: half an hour's energy is not an
    hour's. An hour with no metered interval at all is a gap without a flag.
    """

    OK = 0
    PARTIAL = 1


#: An hour counts as completely metered when the intervals starting in it cover 3 600 s within
#: this tolerance [s] (a reading a few seconds late does not make the hour a gap).
HOUR_COVERAGE_TOLERANCE_S = 60.0

_NEGATIVE = int(Quality.NEGATIVE)
_ABOVE_CAPACITY = int(Quality.ABOVE_CAPACITY)
_QUALITY_CACHE = {f: Quality(f) for f in range(4)}
#: Bits counted as flagged, as a plain int (see :meth:`Quality.implausible`).
IMPLAUSIBLE_MASK = int(Quality.NEGATIVE | Quality.ABOVE_CAPACITY | Quality.RESET)

#: Plausibility limit: a value above this multiple of rated capacity × interval is flagged
#: (DESIGN.md §5: "beyond 1.5× rated capacity").
CAPACITY_FACTOR_LIMIT = 1.5


class Bucket(StrEnum):
    """Rollup bucket widths."""

    MIN15 = "15min"
    HOUR = "hour"
    DAY = "day"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class Interval:
    """Energy (or volume, mass) of one meter over ``[start_utc, end_utc)`` [canonical unit]."""

    start_utc: datetime
    end_utc: datetime
    value: float
    quality: int = 0

    @property
    def seconds(self) -> float:
        """Length of the interval [s]."""
        return (self.end_utc - self.start_utc).total_seconds()


@dataclass(frozen=True, slots=True)
class BucketValue:
    """One rollup bucket: summed value [canonical unit] with its completeness counts."""

    bucket: Bucket
    start_utc: datetime
    value: float
    n_present: int
    n_expected: int
    n_flagged: int = 0
    n_filled: int = 0

    @property
    def completeness(self) -> float:
        """Share of expected intervals present (filled ones excluded) [0..1]."""
        if self.n_expected <= 0:
            return 0.0
        return min(1.0, (self.n_present - self.n_filled) / self.n_expected)


def implausible_flags(
    value: float,
    *,
    consumption_like: bool,
    rated_capacity_per_h: float | None,
    interval_s: float,
    multiplier: float = 1.0,
) -> Quality:
    """Quality bits for a physically implausible interval value (stored and flagged, not rejected).

    Parameters
    ----------
    value : float
        Interval value [canonical unit], multiplier already applied.
    consumption_like : bool
        Whether a negative value is impossible (consumption, import, generation meters).
    rated_capacity_per_h : float or None
        Rated capacity [canonical unit per hour], before the multiplier; ``None`` skips the check.
    interval_s : float
        Length of the interval [s].
    multiplier : float
        CT/PT ratio, so the limit is compared in the same terms as ``value``.

    Notes
    -----
    ``value > 1.5 × rated_capacity × interval_h × multiplier`` → ``ABOVE_CAPACITY`` (DESIGN.md §5).

    Examples
    --------
    >>> implausible_flags(160.0, consumption_like=True, rated_capacity_per_h=100.0, interval_s=3600)
    <Quality.ABOVE_CAPACITY: 2>
    """
    flags = 0  # plain ints on the hot path (IntFlag arithmetic is slow), one Quality at the end
    if consumption_like and value < 0:
        flags |= _NEGATIVE
    if rated_capacity_per_h is not None and interval_s > 0:
        limit = CAPACITY_FACTOR_LIMIT * rated_capacity_per_h * (interval_s / 3600.0) * multiplier
        if value > limit:
            flags |= _ABOVE_CAPACITY
    return _QUALITY_CACHE[flags]


def registers_to_intervals(
    ts_utc: Sequence[datetime],
    registers: Sequence[float],
    *,
    register_max: float | None = None,
    multiplier: float = 1.0,
    max_step: float | None = None,
) -> list[Interval]:
    """Difference a cumulative register into interval values, detecting rollover and resets.

    Parameters
    ----------
    ts_utc : sequence of datetime
        Reading instants, strictly increasing (UTC).
    registers : sequence of float
        Register values [meter unit] at those instants.
    register_max : float or None
        The value at which the register wraps to zero (e.g. ``100000`` for a 5-digit kWh
        register). ``None``: the register never wraps, every backward step is a reset.
    multiplier : float
        CT/PT ratio applied to each difference.
    max_step : float or None
        Largest plausible advance between two readings [meter unit]; a backward step whose
        wrapped difference ``register_max − prev + cur`` exceeds it is a reset, not a rollover.
        Defaults to ``register_max / 10``.

    Returns
    -------
    list of Interval
        ``len(registers) − 1`` intervals ``[ts[i−1], ts[i])``, value
        ``(r[i] − r[i−1]) × multiplier`` (rollover: ``(register_max − r[i−1] + r[i]) × multiplier``
        flagged ``ROLLOVER``; reset: ``r[i] × multiplier`` flagged ``RESET``).

    Raises
    ------
    ValueError
        If the lengths differ or the instants are not strictly increasing.

    Notes
    -----
    Without resets, ``Σ intervals = (r_last − r_first + n_rollovers × register_max) × multiplier``.

    Examples
    --------
    >>> t = [datetime(2026, 1, 1, h, tzinfo=UTC) for h in range(3)]
    >>> [i.value for i in registers_to_intervals(t, [99990.0, 99998.0, 5.0], register_max=100000)]
    [8.0, 7.0]
    """
    if len(ts_utc) != len(registers):
        raise ValueError(f"{len(ts_utc)} instants but {len(registers)} registers were given")
    step_limit = max_step if max_step is not None else (register_max / 10 if register_max else None)
    out: list[Interval] = []
    for i in range(1, len(registers)):
        start, end = ts_utc[i - 1], ts_utc[i]
        if end <= start:
            raise ValueError(f"register instants must increase strictly: {start} then {end}")
        prev, cur = registers[i - 1], registers[i]
        delta = cur - prev
        quality = Quality.OK
        if delta < 0:
            wrapped = register_max - prev + cur if register_max is not None else None
            if wrapped is not None and step_limit is not None and 0 <= wrapped <= step_limit:
                delta, quality = wrapped, Quality.ROLLOVER
            else:
                delta, quality = cur, Quality.RESET
        out.append(Interval(start, end, delta * multiplier, int(quality)))
    return out


def interval_values_to_intervals(
    ts_utc: Sequence[datetime],
    values: Sequence[float],
    *,
    interval_s: int,
    multiplier: float = 1.0,
    qualities: Sequence[int] | None = None,
) -> list[Interval]:
    """Interval-meter readings → intervals: the value at ``ts`` covers ``[ts − interval, ts)``.

    Parameters
    ----------
    ts_utc : sequence of datetime
        End instants of the intervals (UTC).
    values : sequence of float
        Interval values [meter unit].
    interval_s : int
        Reporting interval of the meter [s].
    multiplier : float
        CT/PT ratio.
    qualities : sequence of int, optional
        Stored quality bits of each reading, carried over.
    """
    step = timedelta(seconds=interval_s)
    q = qualities if qualities is not None else [0] * len(values)
    return [Interval(t - step, t, v * multiplier, int(f)) for t, v, f in zip(ts_utc, values, q, strict=True)]


def fill_gaps_linear(intervals: Iterable[Interval], *, interval_s: int, max_gap_s: float) -> list[Interval]:
    """Split each interval longer than ``interval_s`` evenly (linear register interpolation).

    The declared fill rule of DESIGN.md §5: between two register readings ``n`` expected
    intervals apart, the register is interpolated linearly, so each of the ``n`` parts gets
    ``value / n``. Every part is flagged ``FILLED`` (the energy is measured, its distribution is
    not). The sum is conserved exactly.

    Raises
    ------
    GapTooLong
        If an interval is longer than ``max_gap_s``; names the gap and the limit.
    """
    out: list[Interval] = []
    for iv in intervals:
        n = round(iv.seconds / interval_s)
        if n <= 1:
            out.append(iv)
            continue
        if iv.seconds > max_gap_s:
            raise GapTooLong(
                f"gap {iv.start_utc.isoformat()} → {iv.end_utc.isoformat()} ({iv.seconds / 3600:.1f} h) is "
                f"longer than the fill rule allows ({max_gap_s / 3600:.1f} h); leave it unfilled or "
                "raise max_gap_s explicitly"
            )
        part = iv.value / n
        step = (iv.end_utc - iv.start_utc) / n
        for k in range(n):
            out.append(
                Interval(
                    iv.start_utc + k * step, iv.start_utc + (k + 1) * step, part, iv.quality | Quality.FILLED
                )
            )
    return out


_BUCKET_SECONDS = {Bucket.MIN15: 900, Bucket.HOUR: 3600}


def bucket_start(ts_utc: datetime, bucket: Bucket, tz: str = "Asia/Shanghai") -> datetime:
    """The UTC instant at which the bucket containing ``ts_utc`` starts (day/month: local time)."""
    if bucket in _BUCKET_SECONDS:
        width = _BUCKET_SECONDS[bucket]
        epoch = int(ts_utc.timestamp())
        return datetime.fromtimestamp(epoch - epoch % width, tz=UTC)
    local = ts_utc.astimezone(ZoneInfo(tz))
    if bucket is Bucket.DAY:
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return start.astimezone(UTC)


def bucket_end(start_utc: datetime, bucket: Bucket, tz: str = "Asia/Shanghai") -> datetime:
    """The UTC instant at which the bucket starting at ``start_utc`` ends."""
    if bucket in _BUCKET_SECONDS:
        return start_utc + timedelta(seconds=_BUCKET_SECONDS[bucket])
    local = start_utc.astimezone(ZoneInfo(tz))
    if bucket is Bucket.DAY:
        nxt = (local + timedelta(days=1, hours=12)).replace(hour=0, minute=0)
    else:
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        nxt = local.replace(year=year, month=month, day=1)
    return nxt.astimezone(UTC)


def expected_intervals(
    start_utc: datetime, bucket: Bucket, interval_s: int, tz: str = "Asia/Shanghai"
) -> int:
    """Number of reporting intervals of ``interval_s`` in the bucket starting at ``start_utc``."""
    seconds = (bucket_end(start_utc, bucket, tz) - start_utc).total_seconds()
    return max(1, int(seconds // interval_s))


def rollup(
    intervals: Iterable[Interval],
    bucket: Bucket,
    *,
    interval_s: int,
    tz: str = "Asia/Shanghai",
) -> list[BucketValue]:
    """Sum intervals into buckets with completeness (intervals assigned by their start).

    Parameters
    ----------
    intervals : iterable of Interval
        Interval values [canonical unit].
    bucket : Bucket
        Bucket width; day and month are local periods in ``tz``.
    interval_s : int
        Expected reporting interval of the meter [s]; sets ``n_expected``.
    tz : str
        Time zone of the local day and month periods.

    Returns
    -------
    list of BucketValue
        One per bucket that holds at least one interval, ordered by start. An interval longer
        than ``interval_s`` counts as one present interval (fill it first to spread it).

    Examples
    --------
    >>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
    >>> q = timedelta(minutes=15)
    >>> ivs = [Interval(t0 + k * q, t0 + (k + 1) * q, 1.0) for k in range(3)]
    >>> b = rollup(ivs, Bucket.HOUR, interval_s=900)[0]
    >>> (b.value, b.n_present, b.n_expected, b.completeness)
    (3.0, 3, 4, 0.75)
    """
    acc: dict[datetime, list[float]] = {}
    for iv in intervals:
        start = bucket_start(iv.start_utc, bucket, tz)
        cell = acc.setdefault(start, [0.0, 0, 0, 0])
        cell[0] += iv.value
        cell[1] += 1
        if iv.quality & Quality.implausible():
            cell[2] += 1
        if iv.quality & Quality.FILLED:
            cell[3] += 1
    return [
        BucketValue(
            bucket,
            start,
            cell[0],
            int(cell[1]),
            expected_intervals(start, bucket, interval_s, tz),
            int(cell[2]),
            int(cell[3]),
        )
        for start, cell in sorted(acc.items())
    ]


def combine_buckets(
    parts: Iterable[BucketValue], bucket: Bucket, *, interval_s: int, tz: str = "Asia/Shanghai"
) -> list[BucketValue]:
    """Roll finer buckets (e.g. hours) up into coarser ones (days), summing counts.

    ``n_expected`` is recomputed for the coarse bucket, so a day with only 20 hourly buckets
    present is 20/24 complete, not 100 %.
    """
    acc: dict[datetime, list[float]] = {}
    for p in parts:
        start = bucket_start(p.start_utc, bucket, tz)
        cell = acc.setdefault(start, [0.0, 0, 0, 0])
        cell[0] += p.value
        cell[1] += p.n_present
        cell[2] += p.n_flagged
        cell[3] += p.n_filled
    return [
        BucketValue(
            bucket,
            start,
            cell[0],
            int(cell[1]),
            expected_intervals(start, bucket, interval_s, tz),
            int(cell[2]),
            int(cell[3]),
        )
        for start, cell in sorted(acc.items())
    ]
