"""Sub-hourly series, prediction intervals and holiday calendars of the forecasts (pure, no store)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from zeropark import demo
from zeropark.cli import app as cli_app
from zeropark.errors import DataError
from zeropark.forecast.backtest import origin_days, rolling_origin
from zeropark.forecast.dayahead import load_day_ahead
from zeropark.forecast.features import check_calendar, day_calendar, to_hourly
from zeropark.forecast.load import (
    LoadModelParams,
    conformal_widening,
    fit_load_model,
    forecast_load_day,
    load_forecaster,
)
from zeropark.forecast.metrics import interval_score, pinball_loss
from zeropark.forecast.pv import PvSite, clear_sky_kwh, forecast_pv_day, learn_cloud_index

FAST = LoadModelParams(n_estimators=60, learning_rate=0.1)


@pytest.fixture(scope="module")
def hourly() -> pd.Series:
    """The demo park's 10 kV distribution total, first 70 days of 2025 (示例数据) [kWh per hour]."""
    park = demo.generate(seed=7, size=demo.DemoSize(n_enterprises=6, max_submeters=2, days=70))
    s = park.series_of("demo-park-EL-DIST")
    return pd.Series(s.values, index=demo.local_hours(2025, 70).tz_localize(None))


def _half_hours(hourly: pd.Series) -> pd.Series:
    """The same energy as a 30-minute series: each hour split 40 % / 60 % over its two halves."""
    idx = pd.date_range(hourly.index[0], periods=2 * len(hourly), freq="30min")
    v = hourly.to_numpy()
    return pd.Series(np.column_stack([0.4 * v, 0.6 * v]).ravel(), index=idx)


def test_to_hourly_sums_complete_hours_and_leaves_partial_ones_as_gaps() -> None:
    idx = pd.date_range("2025-01-01", periods=6, freq="30min")
    s = pd.Series([1.0, 2.0, 3.0, np.nan, 5.0, 6.0], index=idx)
    h = to_hourly(s)
    assert h.step_min == 30 and h.n_partial_hours == 1
    assert h.series.iloc[0] == 3.0  # 1 + 2
    assert np.isnan(h.series.iloc[1])  # 3 + missing: a gap, not 3
    assert h.series.iloc[2] == 11.0  # 5 + 6
    assert "30-min series summed to hours" in h.note


def test_a_step_that_does_not_divide_the_hour_is_refused() -> None:
    s = pd.Series(1.0, index=pd.date_range("2025-01-01", periods=10, freq="7min"))
    with pytest.raises(DataError, match="step of 7 min"):
        to_hourly(s)


def test_the_model_refuses_a_half_hour_series_instead_of_reading_only_full_hours(hourly: pd.Series) -> None:
    with pytest.raises(DataError, match="30-min step; sum it to hours"):
        fit_load_model(_half_hours(hourly), until=date(2025, 3, 3), params=FAST)


def test_a_half_hour_series_is_forecast_as_the_sum_of_its_halves(hourly: pd.Series) -> None:
    day = date(2025, 3, 3)
    half = load_day_ahead(_half_hours(hourly), day, label="30 min", backtest_days=0, params=FAST)
    full = load_day_ahead(hourly, day, label="60 min", backtest_days=0, params=FAST)
    # 0.4 v + 0.6 v = v exactly: the same hourly history, so the same forecast (not 0.4 × it)
    np.testing.assert_allclose(half.forecast_kwh, full.forecast_kwh, rtol=1e-9)
    assert half.params["input_step_min"] == 30 and full.params["input_step_min"] == 60
    assert half.params["resolution"].startswith("30-min series summed to hours (2 values per hour)")


def test_load_interval_brackets_the_forecast_and_is_scored_in_the_backtest(hourly: pd.Series) -> None:
    fc = forecast_load_day(hourly, date(2025, 3, 3), params=FAST)
    assert fc.quantiles == (0.1, 0.9)
    assert fc.lower_kwh is not None and fc.upper_kwh is not None
    assert np.all(fc.lower_kwh <= fc.point_kwh) and np.all(fc.point_kwh <= fc.upper_kwh)
    assert np.any(fc.upper_kwh - fc.lower_kwh > 0)
    bt = rolling_origin(
        hourly,
        origin_days(date(2025, 3, 5), 3),
        load_forecaster(params=FAST, refit_every_days=7),
        season_h=168,
    )
    iv = bt.interval
    assert iv is not None and iv.n_hours == 72 and iv.nominal == 0.8
    lo = np.concatenate([np.asarray(r.lower_kwh) for r in bt.days])
    hi = np.concatenate([np.asarray(r.upper_kwh) for r in bt.days])
    y = np.concatenate([r.actual_kwh for r in bt.days])
    assert iv.coverage == float(np.mean((y >= lo) & (y <= hi)))
    assert iv.pinball_lower_kwh == pytest.approx(pinball_loss(y, lo, 0.1))
    assert bt.to_dict()["interval"]["coverage"] == iv.coverage


def test_conformal_widening_by_hand() -> None:
    # interval [10, 20] on 9 calibration hours; scores max(10 − y, y − 20):
    # y = 5 → 5, 12 → −2, 15 → −5, 18 → −2, 25 → 5, 19 → −1, 11 → −1, 30 → 10, 14 → −4
    y = np.array([5.0, 12.0, 15.0, 18.0, 25.0, 19.0, 11.0, 30.0, 14.0])
    lo, hi = np.full(9, 10.0), np.full(9, 20.0)
    # 80 %: k = ⌈(9 + 1) × 0.8⌉ = 8 → sorted scores −5 −4 −2 −2 −1 −1 5 5 10: the 8th is 5
    assert conformal_widening(lo, hi, y, coverage=0.8) == 5.0
    # 50 %: k = ⌈10 × 0.5⌉ = 5 → −1: the interval was too wide, it narrows by 1
    assert conformal_widening(lo, hi, y, coverage=0.5) == -1.0


def test_interval_score_by_hand() -> None:
    # y = 10, 10, 20; P10 = 8, 11, 20; P90 = 12, 13, 25
    s = interval_score([10.0, 10.0, 20.0], [8.0, 11.0, 20.0], [12.0, 13.0, 25.0], (0.1, 0.9))
    assert s.coverage == 2 / 3  # 10 ∈ [8, 12], 10 ∉ [11, 13], 20 ∈ [20, 25]
    # lower: max(0.1·2, −0.9·2) = 0.2; max(0.1·−1, 0.9·1) = 0.9; 0 → (0.2 + 0.9 + 0) / 3
    assert s.pinball_lower_kwh == pytest.approx(1.1 / 3)
    # upper: max(0.9·−2, 0.1·2) = 0.2; max(0.9·−3, 0.1·3) = 0.3; max(0.9·−5, 0.1·5) = 0.5
    assert s.pinball_upper_kwh == pytest.approx(1.0 / 3)
    assert s.mean_width_kwh == pytest.approx(11.0 / 3)  # (4 + 2 + 5) / 3
    # a night hour (0 metered, bounds 0 – 0) is left out, not counted as covered
    night = interval_score([0.0, 10.0], [0.0, 11.0], [0.0, 13.0], (0.1, 0.9))
    assert night.n_hours == 1 and night.coverage == 0.0


SITE = PvSite(31.3, 120.6, 0.0, "Asia/Shanghai", 12.0, 180.0, 100.0)


def test_pv_interval_is_the_spread_of_the_daily_clear_sky_ratios() -> None:
    # 14 days of PV at exactly half the clear-sky yield on even days and all of it on odd days
    idx = pd.date_range("2025-06-01", periods=14 * 24, freq="h")
    clear = clear_sky_kwh(idx, SITE)
    k = np.where((np.arange(len(idx)) // 24) % 2 == 0, 0.5, 1.0)
    history = pd.Series(clear * k, index=idx)
    ci = learn_cloud_index(history, SITE, until=date(2025, 6, 15))
    # per hour: 7 ratios of 0.5 and 7 of 1.0; np.quantile (linear): q0.1 → 0.5, q0.9 → 1.0
    noon = 12
    assert ci.lower_by_hour[noon] == pytest.approx(0.5)
    assert ci.upper_by_hour[noon] == pytest.approx(1.0)
    assert ci.lower_by_hour[noon] <= ci.by_hour[noon] <= ci.upper_by_hour[noon]
    f = forecast_pv_day(history, date(2025, 6, 15), SITE)
    assert f.lower_kwh is not None and f.upper_kwh is not None
    assert f.lower_kwh[noon] == pytest.approx(0.5 * f.clear_sky_kwh[noon])
    assert f.upper_kwh[noon] == pytest.approx(1.0 * f.clear_sky_kwh[noon])


def test_calendars_other_than_chinas() -> None:
    days = [date(2025, 10, 1), date(2025, 12, 25), date(2025, 9, 28)]  # Wed, Thu, Sun
    cn = day_calendar(days)
    assert cn["is_workday"].tolist() == [0, 1, 1]  # National Day off; 25 Dec worked; 调休 Sunday
    de = day_calendar(days, "DE")
    assert de["is_workday"].tolist() == [1, 0, 0]  # Christmas off, Sunday off
    assert de["is_statutory_holiday"].tolist() == [0, 1, 0]
    assert de["is_adjusted_workday"].tolist() == [0, 0, 0]
    none = day_calendar(days, "none")
    assert none["is_workday"].tolist() == [1, 1, 0]
    assert check_calendar("us-ca") == "US-CA"
    with pytest.raises(DataError, match="unknown holiday calendar 'XX'"):
        check_calendar("XX")


def test_a_year_before_the_chinese_calendar_says_so() -> None:
    with pytest.raises(DataError, match=r"chinese-calendar starts in 2004 .*--calendar none"):
        day_calendar([date(2003, 6, 2)])
    assert day_calendar([date(2003, 6, 2)], "none")["is_workday"].tolist() == [1]


def test_load_model_uses_the_chosen_calendar(hourly: pd.Series) -> None:
    p = LoadModelParams(n_estimators=30, learning_rate=0.1, quantiles=(), calendar="none")
    fc = forecast_load_day(hourly, date(2025, 3, 3), params=p)
    assert fc.lower_kwh is None and fc.point_kwh.shape == (24,)


@pytest.mark.parametrize(
    "argv",
    [
        ["forecast", "--target", "park", "--date", "2025-03-03", "--calendar", "XX"],
        ["optimize", "dispatch", "--park", "P", "--date", "2025-03-03", "--calendar", "XX"],
    ],
)
def test_cli_rejects_an_unknown_calendar_without_a_traceback(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the CLI in-process (typer's runner): the test is about the options, not the interpreter
    monkeypatch.chdir(tmp_path)  # a default zeropark.db, if one were opened, lands here
    out = CliRunner().invoke(cli_app, argv, env={"COLUMNS": "300"})
    assert out.exit_code == 2
    assert "unknown holiday calendar 'XX'" in out.stderr
    assert out.exception is None or isinstance(out.exception, SystemExit), out.exception
    assert "Traceback" not in out.output
