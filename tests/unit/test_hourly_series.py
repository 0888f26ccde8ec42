"""``hourly_series``: readings → energy per local hour, the hourly-matching arrays (pure, numpy)."""

from __future__ import annotations

import math

import numpy as np

from zeropark.model import Carrier, Direction, Meter, MeterKind
from zeropark.store.aggregate import hourly_series

T0 = 1_735_660_800.0  # 2025-01-01 00:00 Asia/Shanghai = 2024-12-31T16:00Z [epoch s]


def _meter(kind: MeterKind, **kw: object) -> Meter:
    return Meter("M", "P", Carrier.ELECTRICITY, "kWh", Direction.CONSUMPTION, kind, **kw)  # type: ignore[arg-type]


def test_quarter_hour_interval_meter_by_hand() -> None:
    m = _meter(MeterKind.INTERVAL, interval_s=900, multiplier=2.0)
    # values stamped 00:15, 00:30, 01:15 local cover [00:00, 00:15), [00:15, 00:30), [01:00, 01:15)
    t = np.array([T0 + 900, T0 + 1800, T0 + 4500])
    out = hourly_series(m, t, np.array([1.5, 2.5, 4.0]), T0, 24)
    assert out[0] == 8.0  # (1.5 + 2.5) × 2
    assert out[1] == 8.0  # 4.0 × 2
    assert all(math.isnan(x) for x in out[2:])  # no interval starts there


def test_register_rollover_reset_and_lookback_by_hand() -> None:
    m = _meter(MeterKind.CUMULATIVE, register_max=1000.0, multiplier=10.0)
    # previous reading from before the year (lookback) starts an interval in 2024: dropped
    t = np.array([T0 - 3600, T0, T0 + 3600, T0 + 7200, T0 + 10800])
    r = np.array([900.0, 990.0, 5.0, 3.0, 4.0])
    out = hourly_series(m, t, r, T0, 4)
    assert out[0] == 150.0  # 1000 − 990 + 5 = 15 ≤ 100 → rollover, × 10
    assert out[1] == 30.0  # 5 → 3: wrapped 998 > 100 → reset, worth the new register 3, × 10
    assert out[2] == 10.0  # +1 × 10
    assert math.isnan(out[3])  # no reading after 03:00 local
