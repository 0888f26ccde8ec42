"""配额缺口预测 (zeropark.forecast.quota_gap): year-end CO2, interval and gap by hand."""

from __future__ import annotations

import math

import pytest

from zeropark.forecast.quota_gap import Method, QuotaGapError, backtest, forecast_gap


def test_seasonal_run_rate_without_spread() -> None:
    """Last year 6 × 100 t then 6 × 200 t; this year 3 × 110 t: scale 330/300 = 1.1, so the rest is
    3 × 110 + 6 × 220 = 1 650 t and the year 330 + 1 650 = 1 980 t; residuals all 0 → no spread."""
    f = forecast_gap([110, 110, 110], last_year=[100] * 6 + [200] * 6, allowance_tco2=2000)
    assert f.method is Method.SEASONAL
    assert f.year_end_tco2 == pytest.approx(1980)
    assert (f.low_tco2, f.high_tco2) == pytest.approx((1980, 1980))
    assert f.gap_tco2 == pytest.approx(-20)  # a surplus of 20 t
    assert f.p_short == 0.0
    assert f.monthly_tco2[3:] == pytest.approx((110, 110, 110, 220, 220, 220, 220, 220, 220))


def test_interval_and_shortage_probability_by_hand() -> None:
    """Actual 90, 110, 100 against last year's flat 100: scale 1, residuals −0.1, +0.1, 0 → s = 0.1.
    Var = 0.1² × (9 × 100² + 900²/3) = 0.01 × 360 000 = 3 600 → σ = 60 t; Ê = 300 + 900 = 1 200 t;
    90 %: ± 1.6448536 × 60 = 98.69 t; P(Ê > 1 100) = Φ(100/60) = Φ(1.6667) = 0.95221."""
    f = forecast_gap([90, 110, 100], last_year=[100] * 12, allowance_tco2=1100, level=0.9)
    assert f.relative_sd == pytest.approx(0.1)
    assert f.year_end_tco2 == pytest.approx(1200)
    assert f.high_tco2 - f.year_end_tco2 == pytest.approx(1.6448536 * 60, rel=1e-6)
    assert f.gap_tco2 == pytest.approx(100)
    assert f.p_short == pytest.approx(0.95221, abs=1e-5)


def test_shortage_probability_follows_the_conformal_interval() -> None:
    """The same months as above with a conformal q̂ = 0.2: h = 0.2 × 900 = 180 t, so the interval is
    1 200 ± 180 t and σ* = 180 / 1.6448536 = 109.43 t (not the normal model's 60 t). An allowance at
    the upper bound, 1 380 t, is short with (1 − 0.9)/2 = 5 %; at 1 100 t P = Φ(100/109.43) =
    Φ(0.91381) = 0.81959 (the normal model's σ would say 0.95221, disagreeing with the interval)."""
    at_top = forecast_gap([90, 110, 100], last_year=[100] * 12, allowance_tco2=1380, conformal_q=0.2)
    assert (at_top.low_tco2, at_top.high_tco2) == pytest.approx((1020, 1380))
    assert at_top.p_short == pytest.approx(0.05, abs=1e-9)
    inside = forecast_gap([90, 110, 100], last_year=[100] * 12, allowance_tco2=1100, conformal_q=0.2)
    assert inside.p_short == pytest.approx(0.81959, abs=1e-5)


def test_production_plan_and_prior_spread() -> None:
    """50 t on 10 units twice → 5 t/unit; plan 10 × 20 units → 10 × 100 t; Ê = 100 + 1 000 = 1 100 t.
    Two months → the prior s = 0.10: Var = 0.01 × (10 × 100² + 1 000²/2) = 6 000."""
    f = forecast_gap([50, 50], production=[10, 10], plan=[20] * 10, level=0.9)
    assert f.method is Method.PLAN
    assert f.year_end_tco2 == pytest.approx(1100)
    assert f.relative_sd == 0.10
    assert f.high_tco2 - f.year_end_tco2 == pytest.approx(1.6448536 * math.sqrt(6000), rel=1e-6)
    assert f.gap_tco2 is None and f.p_short is None


def test_run_rate_and_a_complete_year() -> None:
    assert forecast_gap([120]).year_end_tco2 == pytest.approx(1440)  # 120 + 11 × 120
    fixed = forecast_gap([120], fixed_tco2=60)  # an annual line of 60 t: added, no spread
    assert (fixed.to_date_tco2, fixed.year_end_tco2) == pytest.approx((180, 1500))
    assert fixed.high_tco2 - fixed.year_end_tco2 == pytest.approx(forecast_gap([120]).high_tco2 - 1440)
    full = forecast_gap([100] * 12, allowance_tco2=1000)
    assert (full.year_end_tco2, full.low_tco2, full.high_tco2, full.gap_tco2) == (1200, 1200, 1200, 200)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"actual": [float("nan")]}, "actual, month 1"),
        ({"actual": [-1.0]}, "actual, month 1"),
        ({"actual": []}, "actual"),
        ({"actual": [1.0] * 13}, "actual"),
        ({"actual": [1.0], "last_year": [1.0] * 11}, "last_year"),
        ({"actual": [1.0], "production": [1.0]}, "production and plan"),
        ({"actual": [1.0], "production": [1.0], "plan": [1.0] * 10}, "plan"),
        ({"actual": [1.0], "level": 1.0}, "level"),
        ({"actual": [1.0], "allowance_tco2": float("inf")}, "allowance_tco2"),
    ],
)
def test_bad_input_is_named(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(QuotaGapError, match=field):
        forecast_gap(**kwargs)  # type: ignore[arg-type]


def test_backtest_by_hand() -> None:
    """A flat year is forecast exactly from every cut-off; a year that doubles in July is not: from
    January alone the run rate gives 12 × 100 = 1 200 t against 1 800 t, an error of −33.33 %."""
    flat = backtest([100] * 12)
    assert flat.mape_pct == 0 and flat.coverage == 1
    step = backtest([100] * 6 + [200] * 6)
    assert step.errors_pct[0] == pytest.approx(-100 / 3)
    assert len(step.errors_pct) == 11
    seasonal = backtest([100] * 6 + [200] * 6, last_year=[50] * 6 + [100] * 6)
    assert seasonal.mape_pct == pytest.approx(0)  # the same shape as last year: exact from January
