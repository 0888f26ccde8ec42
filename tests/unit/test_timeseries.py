"""Pure time-series core: registers → intervals, rollups, gap fills (DESIGN.md §5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zeropark.errors import GapTooLong
from zeropark.timeseries import (
    Bucket,
    Interval,
    Quality,
    bucket_start,
    combine_buckets,
    fill_gaps_linear,
    implausible_flags,
    registers_to_intervals,
    rollup,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _ts(n: int, step_min: int = 15) -> list[datetime]:
    return [T0 + timedelta(minutes=step_min * k) for k in range(n)]


def test_plain_difference_times_multiplier() -> None:
    # registers 100.0 → 101.5 → 103.0 kWh, CT ratio 40: intervals 1.5×40 = 60 and 1.5×40 = 60 kWh
    ivs = registers_to_intervals(_ts(3), [100.0, 101.5, 103.0], multiplier=40)
    assert [iv.value for iv in ivs] == [60.0, 60.0]
    assert all(iv.quality == 0 for iv in ivs)


def test_rollover_at_register_max() -> None:
    # 5-digit register wraps at 100000: 99990 → 99998 (+8), 99998 → 5 (100000 − 99998 + 5 = 7)
    ivs = registers_to_intervals(_ts(3), [99990.0, 99998.0, 5.0], register_max=100000)
    assert [iv.value for iv in ivs] == [8.0, 7.0]
    assert ivs[1].quality == Quality.ROLLOVER


def test_reset_when_backward_step_is_not_a_rollover() -> None:
    # meter replaced: register 5230 → 12 — a wrap would be 100000 − 5230 + 12 = 94782 > max/10,
    # so it is a reset; the new meter counted 12 since zero.
    ivs = registers_to_intervals(_ts(3), [5200.0, 5230.0, 12.0], register_max=100000)
    assert [iv.value for iv in ivs] == [30.0, 12.0]
    assert ivs[1].quality == Quality.RESET


def test_reset_without_register_max() -> None:
    ivs = registers_to_intervals(_ts(2), [10.0, 3.0])
    assert ivs[0].value == 3.0 and ivs[0].quality == Quality.RESET


def test_non_increasing_instants_rejected() -> None:
    with pytest.raises(ValueError, match="increase strictly"):
        registers_to_intervals([T0, T0], [1.0, 2.0])


@settings(max_examples=200, deadline=None)
@given(
    first=st.floats(min_value=0, max_value=99_999, allow_nan=False),
    steps=st.lists(st.floats(min_value=0, max_value=9_000, allow_nan=False), min_size=1, max_size=60),
    multiplier=st.sampled_from([1.0, 40.0, 0.5]),
)
def test_sum_of_intervals_equals_register_advance_plus_rollovers(
    first: float, steps: list[float], multiplier: float
) -> None:
    register_max = 100_000.0
    registers = [first]
    rollovers = 0
    for s in steps:
        nxt = registers[-1] + s
        if nxt >= register_max:
            nxt -= register_max
            rollovers += 1
        registers.append(nxt)
    ivs = registers_to_intervals(
        _ts(len(registers)), registers, register_max=register_max, multiplier=multiplier
    )
    total = sum(iv.value for iv in ivs)
    expected = (registers[-1] - registers[0] + rollovers * register_max) * multiplier
    assert total == pytest.approx(expected, rel=1e-9, abs=1e-6)
    assert sum(1 for iv in ivs if iv.quality & Quality.ROLLOVER) == rollovers
    assert all(iv.value >= 0 for iv in ivs)


def test_implausible_flags() -> None:
    # rated 100 kW, 15 min: limit 1.5 × 100 × 0.25 = 37.5 kWh
    assert implausible_flags(37.5, consumption_like=True, rated_capacity_per_h=100, interval_s=900) == 0
    assert (
        implausible_flags(37.6, consumption_like=True, rated_capacity_per_h=100, interval_s=900)
        == Quality.ABOVE_CAPACITY
    )
    assert (
        implausible_flags(-1, consumption_like=True, rated_capacity_per_h=None, interval_s=900)
        == Quality.NEGATIVE
    )


def test_rollup_hour_completeness() -> None:
    # 15-min intervals 00:00–00:45 (3 of 4) and 01:00 (1 of 4): hour 0 = 3 kWh at 3/4
    ivs = [Interval(t, t + timedelta(minutes=15), 1.0) for t in _ts(3)]
    ivs.append(
        Interval(T0 + timedelta(hours=1), T0 + timedelta(hours=1, minutes=15), 2.0, int(Quality.NEGATIVE))
    )
    out = rollup(ivs, Bucket.HOUR, interval_s=900)
    assert [(b.value, b.n_present, b.n_expected, b.n_flagged) for b in out] == [
        (3.0, 3, 4, 0),
        (2.0, 1, 4, 1),
    ]
    assert out[0].completeness == 0.75


def test_day_bucket_is_local_time() -> None:
    # 2026-01-01T15:30Z is 23:30 in Shanghai → local day 2026-01-01 starts 2025-12-31T16:00Z
    assert bucket_start(datetime(2026, 1, 1, 15, 30, tzinfo=UTC), Bucket.DAY) == datetime(
        2025, 12, 31, 16, tzinfo=UTC
    )
    # 16:30Z is already 2026-01-02 00:30 local
    assert bucket_start(datetime(2026, 1, 1, 16, 30, tzinfo=UTC), Bucket.DAY) == datetime(
        2026, 1, 1, 16, tzinfo=UTC
    )
    # month of February 2026 local starts 2026-01-31T16:00Z
    assert bucket_start(datetime(2026, 2, 14, tzinfo=UTC), Bucket.MONTH) == datetime(
        2026, 1, 31, 16, tzinfo=UTC
    )


def test_combine_hours_into_day_and_month_expected_counts() -> None:
    hours = [Interval(T0 + timedelta(hours=h), T0 + timedelta(hours=h + 1), 1.0) for h in range(20)]
    hourly = rollup(hours, Bucket.HOUR, interval_s=3600)
    days = combine_buckets(hourly, Bucket.DAY, interval_s=3600)
    # T0 = 08:00 local Jan 1: hours 0..15 fall in local Jan 1 (16 present), hours 16..19 in Jan 2
    assert [(d.value, d.n_present, d.n_expected) for d in days] == [(16.0, 16, 24), (4.0, 4, 24)]
    months = combine_buckets(days, Bucket.MONTH, interval_s=3600)
    assert months[0].n_expected == 31 * 24 and months[0].value == 20.0


def test_fill_gaps_linear_conserves_and_flags() -> None:
    # one register difference of 9 kWh across 3 expected 15-min intervals → 3 × 3 kWh, FILLED
    iv = Interval(T0, T0 + timedelta(minutes=45), 9.0)
    out = fill_gaps_linear([iv], interval_s=900, max_gap_s=6 * 3600)
    assert [o.value for o in out] == [3.0, 3.0, 3.0]
    assert all(o.quality & Quality.FILLED for o in out)
    assert out[-1].end_utc == iv.end_utc
    hourly = rollup(out, Bucket.HOUR, interval_s=900)[0]
    assert hourly.n_filled == 3 and hourly.completeness == 0.0


def test_fill_gap_too_long() -> None:
    iv = Interval(T0, T0 + timedelta(hours=10), 9.0)
    with pytest.raises(GapTooLong, match="longer than the fill rule allows"):
        fill_gaps_linear([iv], interval_s=900, max_gap_s=6 * 3600)
