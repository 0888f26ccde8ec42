"""The vectorised rollup core equals the scalar ``zeropark.timeseries`` chain, bit for bit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from zeropark.errors import GapTooLong
from zeropark.monitoring.rollup_arrays import US, fill_linear, meter_rollups, register_intervals
from zeropark.timeseries import (
    Bucket,
    BucketValue,
    Interval,
    combine_buckets,
    fill_gaps_linear,
    interval_values_to_intervals,
    registers_to_intervals,
    rollup,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_GAP_S = 6 * 3600


def _us(t: datetime) -> int:
    return (t - EPOCH) // timedelta(microseconds=1)


def _scalar(
    ts: list[datetime],
    values: list[float],
    quality: list[int],
    *,
    cumulative: bool,
    interval_s: int,
    multiplier: float,
    register_max: float | None,
    tz: str,
) -> list[list[BucketValue]]:
    """The incremental path's chain on a whole history (rollups._fill: a too-long gap stays whole)."""
    if cumulative:
        ivs: list[Interval] = []
        for iv in registers_to_intervals(ts, values, register_max=register_max, multiplier=multiplier):
            try:
                ivs.extend(fill_gaps_linear([iv], interval_s=interval_s, max_gap_s=MAX_GAP_S))
            except GapTooLong:
                ivs.append(iv)
    else:
        ivs = interval_values_to_intervals(
            ts, values, interval_s=interval_s, multiplier=multiplier, qualities=quality
        )
    out = []
    if interval_s <= 900:
        out.append(rollup(ivs, Bucket.MIN15, interval_s=interval_s, tz=tz))
    hours = rollup(ivs, Bucket.HOUR, interval_s=interval_s, tz=tz)
    days = combine_buckets(hours, Bucket.DAY, interval_s=interval_s, tz=tz)
    months = combine_buckets(days, Bucket.MONTH, interval_s=interval_s, tz=tz)
    return [*out, hours, days, months]


def _vector(
    ts: list[datetime], values: list[float], quality: list[int], **kw: object
) -> list[list[BucketValue]]:
    buckets = meter_rollups(
        np.array([_us(t) for t in ts], dtype=np.int64),
        np.array(values, dtype=np.float64),
        np.array(quality, dtype=np.int64),
        max_gap_s=MAX_GAP_S,
        **kw,  # type: ignore[arg-type]
    )
    return [b.to_values() for b in buckets]


def test_register_rollover_reset_fill_and_month_boundary_by_hand() -> None:
    # 15-min register ×40 wrapping at 100000, Asia/Shanghai; 2026-02-28 16:00Z is local 1 March 00:00
    t = datetime(2026, 2, 28, 15, 0, tzinfo=UTC)
    q = timedelta(minutes=15)
    ts = [t, t + q, t + 2 * q, t + 3 * q, t + 4 * q, t + 7 * q, t + 8 * q, t + 8 * q + timedelta(hours=8)]
    regs = [99990.0, 99995.0, 99999.0, 3.0, 10.0, 16.0, 5.0, 25.0]
    kw = {"cumulative": True, "interval_s": 900, "multiplier": 40.0, "register_max": 100000.0}
    got = _vector(ts, regs, [0] * len(ts), tz="Asia/Shanghai", **kw)
    assert got == _scalar(ts, regs, [0] * len(ts), tz="Asia/Shanghai", **kw)  # type: ignore[arg-type]
    _, hours, days, months = got
    # 15:00Z hour: (5 + 4 + ((100000 − 99999) + 3 = 4, rollover) + 7) × 40 = 800, 4 of 4
    # 16:00Z hour: 45-min gap 10 → 16 filled as 3 × (6/3 × 40 = 80) + reset 16 → 5 = 5 × 40 = 200 → 440,
    #   4 present, 1 flagged (reset), 3 filled
    # 17:00Z hour: the 8 h gap (> 6 h) stays one interval in the hour it starts: 20 × 40 = 800, 1 of 4
    assert [
        (h.start_utc.hour, h.value, h.n_present, h.n_expected, h.n_flagged, h.n_filled) for h in hours
    ] == [
        (15, 800.0, 4, 4, 0, 0),
        (16, 440.0, 4, 4, 1, 3),
        (17, 800.0, 1, 4, 0, 0),
    ]
    # local days: 28 Feb gets the 15:00Z hour (800), 1 March the rest (440 + 800 = 1240); 96 expected each
    assert [(d.start_utc, d.value, d.n_present, d.n_expected) for d in days] == [
        (datetime(2026, 2, 27, 16, tzinfo=UTC), 800.0, 4, 96),
        (datetime(2026, 2, 28, 16, tzinfo=UTC), 1240.0, 5, 96),
    ]
    # local months: February 28 d × 96 = 2688 expected, March 31 d × 96 = 2976
    assert [(m.start_utc, m.value, m.n_expected) for m in months] == [
        (datetime(2026, 1, 31, 16, tzinfo=UTC), 800.0, 2688),
        (datetime(2026, 2, 28, 16, tzinfo=UTC), 1240.0, 2976),
    ]


def test_fill_part_length_rounds_half_to_even_like_timedelta() -> None:
    # 1800.000001 s at 900 s: n = round(2.0000000011) = 2;
    #   1 800 000 001 µs / 2 = 900 000 000.5 → 900 000 000 (even)
    # 1800.000003 s: 900 000 001.5 → 900 000 002 (even)
    t0 = _us(datetime(2026, 1, 1, tzinfo=UTC))
    for dur_us, part_us in ((1_800_000_001, 900_000_000), (1_800_000_003, 900_000_002)):
        iv = register_intervals(np.array([t0, t0 + dur_us]), np.array([0.0, 3.0]))
        filled = fill_linear(iv, interval_s=900, max_gap_s=MAX_GAP_S)
        assert filled.start_us.tolist() == [t0, t0 + part_us]
        assert filled.value.tolist() == [1.5, 1.5]
        assert timedelta(microseconds=dur_us) / 2 == timedelta(microseconds=part_us)


def test_interval_meter_missing_hour_and_quality_carried() -> None:
    t = datetime(2026, 3, 2, 1, tzinfo=UTC)
    ts = [t, t + timedelta(hours=1), t + timedelta(hours=3)]  # the reading ending at t+2h is missing
    kw = {"cumulative": False, "interval_s": 3600, "multiplier": 2.0, "register_max": None}
    got = _vector(ts, [10.0, -1.0, 30.0], [0, 1, 0], tz="Asia/Shanghai", **kw)
    assert got == _scalar(ts, [10.0, -1.0, 30.0], [0, 1, 0], tz="Asia/Shanghai", **kw)  # type: ignore[arg-type]
    hours, days, _months = got
    # value at ts covers the hour before it, × 2; the NEGATIVE reading (quality 1) counts as flagged
    assert [(h.start_utc.hour, h.value, h.n_flagged) for h in hours] == [
        (0, 20.0, 0),
        (1, -2.0, 1),
        (3, 60.0, 0),
    ]
    # one local day (2 March, 16:00Z the day before → 16:00Z): 20 − 2 + 60 = 78, 3 of 24 present
    assert [(d.value, d.n_present, d.n_expected, d.n_flagged) for d in days] == [(78.0, 3, 24, 1)]


@pytest.mark.parametrize("tz", ["Asia/Shanghai", "Europe/Berlin", "Asia/Kolkata"])
@pytest.mark.parametrize("interval_s", [900, 3600])
def test_random_histories_equal_the_scalar_chain(tz: str, interval_s: int) -> None:
    """Seeded register walks with gaps of every kind, DST and half-hour offsets, rollovers and resets."""
    rng = np.random.default_rng(20261123)
    for _ in range(5):
        n = 600
        steps = rng.choice([1, 1, 1, 1, 2, 3, 5, 30], size=n) * interval_s + rng.choice(
            [0, 0, 0, 7, 450], size=n
        )
        ts_s = 1_774_000_000 + np.cumsum(steps)  # around the March 2026 DST change in Europe
        ts = [
            datetime.fromtimestamp(int(s), tz=UTC) + timedelta(microseconds=int(u))
            for s, u in zip(ts_s, rng.choice([0, 0, 1, 3, 500_001], size=n), strict=True)
        ]
        inc = rng.uniform(0, 700, size=n)
        regs = np.cumsum(inc) % 10_000.0
        regs[rng.integers(0, n, size=3)] = rng.uniform(0, 50, size=3)  # resets
        quality = rng.choice([0, 0, 0, 1, 2, 16], size=n).tolist()
        for cumulative in (True, False):
            kw = {
                "cumulative": cumulative,
                "interval_s": interval_s,
                "multiplier": 1.7,
                "register_max": 10_000.0,
                "tz": tz,
            }
            assert _vector(ts, regs.tolist(), quality, **kw) == _scalar(ts, regs.tolist(), quality, **kw)  # type: ignore[arg-type]


def test_register_instants_must_increase() -> None:
    t0 = 1_774_000_000 * US
    with pytest.raises(ValueError, match="increase strictly"):
        register_intervals(np.array([t0, t0]), np.array([1.0, 2.0]))
