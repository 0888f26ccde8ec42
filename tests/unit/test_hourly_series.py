"""``hourly_series``: readings → energy per local hour, the hourly-matching arrays (pure, numpy)."""

from __future__ import annotations

import math

import numpy as np

from zeropark.accounting.matching import hourly_match
from zeropark.model import AccountingInput, Carrier, Direction, Meter, MeterKind, Park
from zeropark.store.aggregate import hourly_series
from zeropark.timeseries import HourFlag

T0 = 1_735_660_800.0  # 2025-01-01 00:00 Asia/Shanghai = 2024-12-31T16:00Z [epoch s]
PARTIAL = int(HourFlag.PARTIAL)


def _meter(kind: MeterKind, **kw: object) -> Meter:
    return Meter("M", "P", Carrier.ELECTRICITY, "kWh", Direction.CONSUMPTION, kind, **kw)  # type: ignore[arg-type]


def test_quarter_hour_interval_meter_by_hand() -> None:
    m = _meter(MeterKind.INTERVAL, interval_s=900, multiplier=2.0)
    # hour 0: all four quarter-hours (stamped 00:15 … 01:00); hour 1: only [01:00, 01:15)
    t = np.array([T0 + 900, T0 + 1800, T0 + 2700, T0 + 3600, T0 + 4500])
    out = hourly_series(m, t, np.array([1.5, 2.5, 1.0, 3.0, 4.0]), T0, 24)
    assert out.values[0] == 16.0  # (1.5 + 2.5 + 1.0 + 3.0) × 2
    assert math.isnan(out.values[1])  # one quarter of four: a gap, not 4.0 × 2
    assert out.flags[0] == 0 and out.flags[1] == PARTIAL
    assert all(math.isnan(x) for x in out.values[2:])  # no interval starts there
    assert not out.flags[2:].any()  # … and nothing was metered: a gap without the flag
    assert out.n_partial == 1


def test_half_hour_meter_with_one_half_hour_missing_is_a_flagged_gap() -> None:
    # the case: a 30-minute demand series, 01:30 reading missing
    m = _meter(MeterKind.INTERVAL, interval_s=1800)
    t = np.array([T0 + 1800, T0 + 3600, T0 + 5400, T0 + 9000, T0 + 10800])
    out = hourly_series(m, t, np.array([10.0, 12.0, 11.0, 9.0, 8.0]), T0, 4)
    assert out.values[0] == 22.0  # 10 + 12
    assert math.isnan(out.values[1]) and out.flags[1] == PARTIAL  # only [01:00, 01:30) = 11
    assert out.values[2] == 17.0  # [02:00, 02:30) 9 + [02:30, 03:00) 8
    assert math.isnan(out.values[3]) and out.flags[3] == 0


def test_register_rollover_reset_and_lookback_by_hand() -> None:
    m = _meter(MeterKind.CUMULATIVE, register_max=1000.0, multiplier=10.0)
    # previous reading from before the year (lookback) starts an interval in 2024: dropped
    t = np.array([T0 - 3600, T0, T0 + 3600, T0 + 7200, T0 + 10800])
    r = np.array([900.0, 990.0, 5.0, 3.0, 4.0])
    out = hourly_series(m, t, r, T0, 4)
    assert out.values[0] == 150.0  # 1000 − 990 + 5 = 15 ≤ 100 → rollover, × 10
    assert out.values[1] == 30.0  # 5 → 3: wrapped 998 > 100 → reset, worth the new register 3, × 10
    assert out.values[2] == 10.0  # +1 × 10
    assert math.isnan(out.values[3])  # no reading after 03:00 local
    assert not out.flags.any()


def test_register_step_across_hours_is_a_gap_in_each_hour_it_touches() -> None:
    m = _meter(MeterKind.CUMULATIVE)
    # readings 00:00, 00:30, 01:00, 02:30 (01:30 and 02:00 missing), 03:00
    t = np.array([T0, T0 + 1800, T0 + 3600, T0 + 9000, T0 + 10800])
    r = np.array([100.0, 105.0, 111.0, 140.0, 146.0])
    out = hourly_series(m, t, r, T0, 4)
    assert out.values[0] == 11.0  # 105 − 100 + 111 − 105
    # [01:00, 02:30) holds 29 kWh over 1.5 h: neither hour 1 nor hour 2 is known
    assert math.isnan(out.values[1]) and out.flags[1] == PARTIAL
    assert math.isnan(out.values[2]) and out.flags[2] == PARTIAL
    assert math.isnan(out.values[3]) and out.flags[3] == 0  # the last step [02:30, 03:00) is hour 2's


def test_a_few_seconds_late_still_completes_the_hour() -> None:
    m = _meter(MeterKind.CUMULATIVE)
    t = np.array([T0 + 5, T0 + 3600 + 12, T0 + 7200])
    out = hourly_series(m, t, np.array([0.0, 7.0, 9.0]), T0, 2)
    assert out.values[0] == 7.0 and out.values[1] == 2.0  # within the 60 s tolerance
    assert not out.flags.any()


def test_hourly_match_counts_partial_hours_among_the_missing() -> None:
    n = 8760
    load = [10.0] * n
    load[5] = math.nan  # a half-hour missing in hour 5
    inputs = AccountingInput(
        Park("P", "P", "江苏", "华东", 31.0, 121.0),
        2025,
        (),
        (),
        hourly_load_kwh=tuple(load),
        hourly_onsite_clean_kwh=tuple([4.0] * n),
        hourly_partial_hours=1,
    )
    hm = hourly_match(inputs)
    assert hm.hours_missing == 1 and hm.hours_partial == 1
    assert hm.share == 0.4  # 4 / 10 in each of the 8 759 complete hours
    assert hm.to_dict()["hours_partial"] == 1
