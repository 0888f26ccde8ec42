"""Forecast accuracy measures on a series small enough to compute by hand.

Formulas: Hyndman & Athanasopoulos, FPP3 §5.8 (MAPE, RMSE) and §5.9 (skill score);
nRMSE = RMSE / mean(actual) as defined in zeropark.forecast.metrics.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from zeropark.forecast.metrics import accuracy, mae, mape, nrmse, rmse, skill_score

ACTUAL = [100.0, 200.0, 50.0, 150.0]
FORECAST = [110.0, 180.0, 50.0, 120.0]
BASELINE = [120.0, 150.0, 100.0, 150.0]


def test_mape_by_hand() -> None:
    # |e|/y = 10/100, 20/200, 0/50, 30/150 = 0.1, 0.1, 0, 0.2 → mean 0.4/4 = 0.1
    assert mape(ACTUAL, FORECAST) == pytest.approx(0.10, abs=1e-12)


def test_rmse_nrmse_mae_by_hand() -> None:
    # e² = 100, 400, 0, 900 → mean 350 → RMSE √350 = 18.70829; mean(y) = 500/4 = 125
    assert rmse(ACTUAL, FORECAST) == pytest.approx(math.sqrt(350.0), rel=1e-12)
    assert nrmse(ACTUAL, FORECAST) == pytest.approx(18.708287 / 125.0, rel=1e-6)  # 0.149666
    # |e| = 10, 20, 0, 30 → 60/4 = 15
    assert mae(ACTUAL, FORECAST) == pytest.approx(15.0)


def test_skill_by_hand() -> None:
    # baseline e² = 400, 2500, 2500, 0 → mean 1350 → RMSE 36.742346
    # skill = 1 − √350/√1350 = 1 − 0.509175 = 0.490825
    assert skill_score(ACTUAL, FORECAST, BASELINE) == pytest.approx(0.490825, abs=1e-6)
    assert skill_score(ACTUAL, BASELINE, BASELINE) == pytest.approx(0.0)
    assert skill_score(ACTUAL, ACTUAL, BASELINE) == pytest.approx(1.0)


def test_accuracy_bundle_and_baseline_mape() -> None:
    acc = accuracy(ACTUAL, FORECAST, BASELINE)
    # baseline |e|/y = 20/100, 50/200, 50/50, 0/150 = 0.2, 0.25, 1, 0 → 1.45/4 = 0.3625
    assert acc.mape_baseline == pytest.approx(0.3625)
    assert acc.n_hours == 4
    assert acc.rmse_baseline_kwh == pytest.approx(math.sqrt(1350.0))


def test_mape_skips_zero_and_small_actuals() -> None:
    # PV at night: hours with y ≤ min_actual are left out; only 100 → 90 counts: 10 %
    assert mape([0.0, 0.5, 100.0], [3.0, 2.0, 90.0], min_actual=1.0) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="at least one actual value above 1.0"):
        mape([0.0, 0.5], [1.0, 1.0], min_actual=1.0)


def test_nan_hours_are_left_out() -> None:
    assert mape([100.0, np.nan, 200.0], [110.0, 5.0, 180.0]) == pytest.approx(0.1)


def test_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="same length"):
        rmse([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="baseline forecast is perfect"):
        skill_score([1.0, 2.0], [1.0, 1.0], [1.0, 2.0])
