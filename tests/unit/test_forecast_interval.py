"""预测区间: the empirical interval from the backtest's hourly errors (FPP3 §5.5), by hand."""

from __future__ import annotations

import numpy as np
import pytest

from zeropark.forecast.metrics import empirical_interval


def test_quantiles_of_the_errors_hour_by_hour() -> None:
    # hour 0: errors −2, −1, 0, 1, 2 → 10 % quantile −2 + 0.4 × 1 = −1.6, 90 % 1.6 (type 7)
    # hour 1: errors 0, 0, 0, 0, 10 → 10 % 0, 90 % 0 + 0.6 × 10 = 6.0
    forecast = np.array([10.0, 20.0])
    actual = [[8.0, 20.0], [9.0, 20.0], [10.0, 20.0], [11.0, 20.0], [12.0, 30.0]]
    band = empirical_interval(forecast, actual, [forecast] * 5)
    assert band is not None
    lower, upper = band
    assert lower == pytest.approx([8.4, 20.0]) and upper == pytest.approx([11.6, 26.0])


def test_the_interval_is_cut_at_zero_and_ordered() -> None:
    # errors −5 … −1 at a forecast of 2: 10 % = −4.6, 90 % = −1.4 → [−2.6, 0.6] → [0, 0.6]
    band = empirical_interval([2.0], [[-3.0], [-2.0], [-1.0], [0.0], [1.0]], [[2.0]] * 5)
    assert band is not None
    assert band[0] == pytest.approx([0.0]) and band[1] == pytest.approx([0.6])


def test_too_few_days_give_no_interval_and_bad_shapes_are_named() -> None:
    assert empirical_interval([1.0], [[1.0]] * 4, [[1.0]] * 4) is None
    with pytest.raises(ValueError, match="24 hours"):
        empirical_interval([1.0] * 24, [[1.0] * 23] * 5, [[1.0] * 23] * 5)
    with pytest.raises(ValueError, match="coverage"):
        empirical_interval([1.0], [[1.0]] * 5, [[1.0]] * 5, coverage=1.0)
