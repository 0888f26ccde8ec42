"""Rolling-origin backtests of day-ahead forecasts against a seasonal-naive baseline (pure).

Procedure (FPP3 §5.10, "time series cross-validation" / evaluation on a rolling forecasting
origin [1]_): for each test day D in turn, the forecaster sees only the history before D (origin
00:00 local of D), forecasts the 24 hours of D, and the forecast is compared with what was
metered. The seasonal-naive baseline ``ŷ_t = y_{t−m}`` (FPP3 §5.2) with m = 168 h (same hour a
week earlier) for load and m = 24 h (yesterday) for PV is scored on the same hours. Accuracy is
pooled over all test hours (:func:`zeropark.forecast.metrics.accuracy`) and also kept per day.

References
----------
.. [1] Hyndman, R.J. & Athanasopoulos, G., 2021, "Forecasting: Principles and Practice", 3rd ed.,
   OTexts, §5.2, §5.10. https://otexts.com/fpp3/
.. [2] Tashman, L.J., 2000, "Out-of-sample tests of forecasting accuracy: an analysis and
   review", International Journal of Forecasting 16(4), 437–450 (rolling origins).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from zeropark.errors import DataError
from zeropark.forecast.features import regular_hours
from zeropark.forecast.metrics import Accuracy, IntervalScore, accuracy, interval_score


@dataclass(frozen=True, slots=True, eq=False)
class DayForecast:
    """A day's forecast [kWh per hour]: the point forecast and, when the model gives one, an interval.

    ``lower_kwh`` and ``upper_kwh`` are the ``quantiles`` of the predictive distribution (e.g.
    P10 and P90: an 80 % central interval); ``None`` when the model has no interval.
    """

    point_kwh: np.ndarray
    lower_kwh: np.ndarray | None = None
    upper_kwh: np.ndarray | None = None
    quantiles: tuple[float, ...] = ()


#: Forecaster: (history before the day, day) → 24 hourly values [kWh], or a :class:`DayForecast`.
Forecaster = Callable[[pd.Series, date], "np.ndarray | DayForecast"]
#: Progress callback: (days done, days in all).
Progress = Callable[[int, int], None]

#: Seasonal period of the baseline [h]: weekly for load, daily for PV.
LOAD_SEASON_H = 168
PV_SEASON_H = 24


def seasonal_naive_day(history: pd.Series, day: date, *, season_h: int) -> np.ndarray:
    """Seasonal-naive forecast of the 24 hours of ``day``: ``ŷ_t = y_{t − m}`` [kWh].

    ``m = season_h`` ≥ 24, so every value comes from before ``day``. Missing lagged hours are NaN.

    Examples
    --------
    >>> h = pd.Series(range(48), index=pd.date_range("2025-01-01", periods=48, freq="h"), dtype=float)
    >>> seasonal_naive_day(h, date(2025, 1, 3), season_h=24)[:3]
    array([24., 25., 26.])
    """
    if season_h < 24:
        raise ValueError(f"season_h must be at least 24 for a day-ahead baseline, {season_h} was given")
    start = pd.Timestamp(day)
    idx = regular_hours(start, start + pd.Timedelta(days=1)) - pd.Timedelta(hours=season_h)
    return history.reindex(idx).to_numpy(dtype=float)


@dataclass(frozen=True, slots=True, eq=False)
class DayResult:
    """One test day: forecast, baseline and actual hours [kWh]."""

    day: date
    forecast_kwh: np.ndarray
    baseline_kwh: np.ndarray
    actual_kwh: np.ndarray
    accuracy: Accuracy | None  # None when the day could not be scored (e.g. PV MAPE undefined)
    lower_kwh: np.ndarray | None = None
    upper_kwh: np.ndarray | None = None


@dataclass(frozen=True, slots=True, eq=False)
class BacktestResult:
    """A rolling-origin backtest: per-day results and the accuracy pooled over all test hours."""

    days: tuple[DayResult, ...]
    pooled: Accuracy
    season_h: int
    skipped: tuple[tuple[date, str], ...]  # days left out, with the reason
    interval: IntervalScore | None = None  # pooled over the days with an interval

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (pooled metrics, interval score, per-day MAPE/nRMSE, skipped days)."""
        return {
            "pooled": self.pooled.to_dict(),
            "interval": None if self.interval is None else self.interval.to_dict(),
            "baseline": f"seasonal-naive m={self.season_h} h",
            "n_days": len(self.days),
            "days": [
                {
                    "day": r.day.isoformat(),
                    "mape": None if r.accuracy is None else r.accuracy.mape,
                    "nrmse": None if r.accuracy is None else r.accuracy.nrmse,
                    "mape_baseline": None if r.accuracy is None else r.accuracy.mape_baseline,
                }
                for r in self.days
            ],
            "skipped": [{"day": d.isoformat(), "reason": why} for d, why in self.skipped],
        }


def origin_days(last_day: date, n_days: int) -> list[date]:
    """The ``n_days`` days ending on ``last_day`` (inclusive), oldest first."""
    return [last_day - timedelta(days=k) for k in range(n_days - 1, -1, -1)]


def rolling_origin(
    series: pd.Series,
    days: Sequence[date],
    forecaster: Forecaster,
    *,
    season_h: int,
    min_actual: float = 0.0,
    progress: Progress | None = None,
) -> BacktestResult:
    """Backtest ``forecaster`` on ``days``, each from the history before it.

    Parameters
    ----------
    series : Series
        Metered hourly energy [kWh] on naive local hour starts.
    days : sequence of date
        Test days (origins at their 00:00).
    forecaster : callable
        ``(history, day) -> 24 values`` or a :class:`DayForecast` with an interval; it is given
        only ``series`` before ``day``. Intervals are scored pooled (pinball loss of each bound,
        coverage, mean width: :func:`zeropark.forecast.metrics.interval_score`).
    season_h : int
        Period of the seasonal-naive baseline [h].
    min_actual : float
        Threshold below which an actual hour does not count in MAPE [kWh].
    progress : callable, optional
        Called with (days done, days in all) after each day.

    Raises
    ------
    DataError
        If no test day has complete actuals and a complete baseline.
    """
    results: list[DayResult] = []
    skipped: list[tuple[date, str]] = []
    quantiles: tuple[float, ...] = ()
    for i, day in enumerate(days, start=1):
        start = pd.Timestamp(day)
        idx = regular_hours(start, start + pd.Timedelta(days=1))
        actual = series.reindex(idx).to_numpy(dtype=float)
        history = series[series.index < start]
        baseline = seasonal_naive_day(history, day, season_h=season_h)
        if not np.isfinite(actual).all():
            skipped.append((day, "actual readings incomplete"))
        elif not np.isfinite(baseline).all():
            skipped.append((day, f"no readings {season_h} h earlier for the baseline"))
        else:
            try:
                out = forecaster(history, day)
            except DataError as exc:
                skipped.append((day, str(exc)))
            else:
                dfc = out if isinstance(out, DayForecast) else DayForecast(np.asarray(out, dtype=float))
                if dfc.quantiles:
                    quantiles = dfc.quantiles
                fc = np.asarray(dfc.point_kwh, dtype=float)
                try:
                    acc: Accuracy | None = accuracy(actual, fc, baseline, min_actual=min_actual)
                except ValueError:
                    acc = None
                results.append(DayResult(day, fc, baseline, actual, acc, dfc.lower_kwh, dfc.upper_kwh))
        if progress is not None:
            progress(i, len(days))
    if not results:
        reasons = "; ".join(f"{d:%Y-%m-%d}: {why}" for d, why in skipped[:3])
        raise DataError(f"no test day could be backtested ({reasons})")
    pooled = accuracy(
        np.concatenate([r.actual_kwh for r in results]),
        np.concatenate([r.forecast_kwh for r in results]),
        np.concatenate([r.baseline_kwh for r in results]),
        min_actual=min_actual,
    )
    with_interval = [r for r in results if r.lower_kwh is not None and r.upper_kwh is not None]
    interval = None
    if with_interval and quantiles:
        interval = interval_score(
            np.concatenate([r.actual_kwh for r in with_interval]),
            np.concatenate([np.asarray(r.lower_kwh) for r in with_interval]),
            np.concatenate([np.asarray(r.upper_kwh) for r in with_interval]),
            quantiles,
        )
    return BacktestResult(tuple(results), pooled, season_h, tuple(skipped), interval)
