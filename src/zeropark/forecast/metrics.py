"""Forecast accuracy measures: MAPE, RMSE, nRMSE, MAE and skill against a baseline (pure).

All measures take the actual values ``y`` and the forecasts ``ŷ`` as arrays of the same length
(hours with a NaN in either are left out and counted) and return plain floats. Percentages are
returned as fractions (0.08 = 8 %).

References
----------
.. [1] Hyndman, R.J. & Koehler, A.B., 2006, "Another look at measures of forecast accuracy",
   International Journal of Forecasting 22(4), 679–688 (MAPE, RMSE and their pitfalls).
.. [2] Hyndman, R.J. & Athanasopoulos, G., 2021, "Forecasting: Principles and Practice", 3rd ed.
   (FPP3), OTexts, §5.2 (seasonal naïve method), §5.8 (point forecast accuracy) and §5.9
   (skill scores). https://otexts.com/fpp3/
.. [3] Koutsandreas, D., Spiliotis, E., Petropoulos, F. & Assimakopoulos, V., 2022, "On the
   selection of forecasting accuracy measures", Journal of the Operational Research Society
   73(5), 937–954 (why a scale-free error and a relative measure are reported side by side).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike


def _pair(actual: ArrayLike, forecast: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(actual, dtype=float).ravel()
    f = np.asarray(forecast, dtype=float).ravel()
    if y.shape != f.shape:
        raise ValueError(f"actual and forecast must have the same length, got {y.size} and {f.size}")
    ok = np.isfinite(y) & np.isfinite(f)
    if not ok.any():
        raise ValueError("no hour has both an actual and a forecast value")
    return y[ok], f[ok]


def mape(actual: ArrayLike, forecast: ArrayLike, *, min_actual: float = 0.0) -> float:
    """Mean absolute percentage error [-] (fraction; 0.08 = 8 %).

    Parameters
    ----------
    actual, forecast : array_like
        Actual and forecast values [kWh].
    min_actual : float
        Hours whose ``|y|`` is not above this are left out (MAPE is undefined at ``y = 0`` [1]_;
        for PV pass a small threshold so that night hours do not count).

    Returns
    -------
    float
        ``MAPE = mean(|y_t − ŷ_t| / |y_t|)`` over the hours kept ([2]_ §5.8).

    Raises
    ------
    ValueError
        If no hour has ``|y| > min_actual``.

    Examples
    --------
    >>> round(mape([100, 200, 50, 150], [110, 180, 50, 120]), 6)
    0.1
    """
    y, f = _pair(actual, forecast)
    keep = np.abs(y) > min_actual
    if not keep.any():
        raise ValueError(f"MAPE needs at least one actual value above {min_actual}; all are at or below it")
    return float(np.mean(np.abs(y[keep] - f[keep]) / np.abs(y[keep])))


def rmse(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Root mean squared error ``sqrt(mean((y_t − ŷ_t)²))`` [unit of y] ([2]_ §5.8)."""
    y, f = _pair(actual, forecast)
    return float(np.sqrt(np.mean((y - f) ** 2)))


def mae(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Mean absolute error ``mean(|y_t − ŷ_t|)`` [unit of y] ([2]_ §5.8)."""
    y, f = _pair(actual, forecast)
    return float(np.mean(np.abs(y - f)))


def nrmse(actual: ArrayLike, forecast: ArrayLike) -> float:
    """RMSE normalised by the mean of the actual values [-] (fraction).

    ``nRMSE = RMSE / mean(y)``. Normalising by the mean (not the range) keeps the measure
    comparable with MAPE and defined for PV, whose many zero hours make MAPE ill-suited [1]_.

    Raises
    ------
    ValueError
        If the mean of the actual values is not positive.

    Examples
    --------
    >>> round(nrmse([100, 200, 50, 150], [110, 180, 50, 120]), 6)  # √350 / 125
    0.149666
    """
    y, f = _pair(actual, forecast)
    mean = float(np.mean(y))
    if mean <= 0:
        raise ValueError(f"nRMSE needs a positive mean of the actual values, got {mean}")
    return float(np.sqrt(np.mean((y - f) ** 2)) / mean)


def skill_score(actual: ArrayLike, forecast: ArrayLike, baseline: ArrayLike) -> float:
    """Skill of a forecast against a baseline forecast, on RMSE [-].

    ``skill = 1 − RMSE(forecast) / RMSE(baseline)`` (FPP3 [2]_ §5.9: "the proportion by which the
    forecast improves on the benchmark"). 1 is perfect, 0 is no better than the baseline,
    negative is worse. Hours missing in any of the three series are left out of both RMSEs.

    Raises
    ------
    ValueError
        If the baseline is perfect (RMSE 0), when skill is undefined.

    Examples
    --------
    >>> round(skill_score([100, 200, 50, 150], [110, 180, 50, 120], [120, 150, 100, 150]), 6)
    0.490825
    """
    y = np.asarray(actual, dtype=float).ravel()
    f = np.asarray(forecast, dtype=float).ravel()
    b = np.asarray(baseline, dtype=float).ravel()
    if not y.shape == f.shape == b.shape:
        raise ValueError(f"lengths differ: actual {y.size}, forecast {f.size}, baseline {b.size}")
    ok = np.isfinite(y) & np.isfinite(f) & np.isfinite(b)
    rmse_b = rmse(y[ok], b[ok])
    if rmse_b == 0:
        raise ValueError("the baseline forecast is perfect (RMSE 0); skill is undefined")
    return 1.0 - rmse(y[ok], f[ok]) / rmse_b


@dataclass(frozen=True, slots=True)
class Accuracy:
    """Accuracy of a forecast and its baseline over the same hours.

    Attributes
    ----------
    mape, nrmse : float | None
        Of the forecast [-] (``None`` where undefined, e.g. MAPE with no positive actual).
    mape_baseline, nrmse_baseline : float | None
        Of the baseline [-].
    rmse_kwh, mae_kwh, rmse_baseline_kwh : float
        [kWh].
    skill : float | None
        ``1 − RMSE / RMSE_baseline`` [-].
    n_hours : int
        Hours compared.
    """

    mape: float | None
    nrmse: float | None
    skill: float | None
    mape_baseline: float | None
    nrmse_baseline: float | None
    rmse_kwh: float
    mae_kwh: float
    rmse_baseline_kwh: float
    n_hours: int

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-ready)."""
        return asdict(self)


def _or_none(fn: Any, *args: Any, **kwargs: Any) -> float | None:
    try:
        return float(fn(*args, **kwargs))
    except ValueError:
        return None


def accuracy(
    actual: ArrayLike, forecast: ArrayLike, baseline: ArrayLike, *, min_actual: float = 0.0
) -> Accuracy:
    """All measures of ``forecast`` and ``baseline`` against ``actual`` (same hours for all)."""
    y = np.asarray(actual, dtype=float).ravel()
    f = np.asarray(forecast, dtype=float).ravel()
    b = np.asarray(baseline, dtype=float).ravel()
    ok = np.isfinite(y) & np.isfinite(f) & np.isfinite(b)
    y, f, b = y[ok], f[ok], b[ok]
    if y.size == 0:
        raise ValueError("no hour has an actual, a forecast and a baseline value")
    return Accuracy(
        mape=_or_none(mape, y, f, min_actual=min_actual),
        nrmse=_or_none(nrmse, y, f),
        skill=_or_none(skill_score, y, f, b),
        mape_baseline=_or_none(mape, y, b, min_actual=min_actual),
        nrmse_baseline=_or_none(nrmse, y, b),
        rmse_kwh=rmse(y, f),
        mae_kwh=mae(y, f),
        rmse_baseline_kwh=rmse(y, b),
        n_hours=int(y.size),
    )


#: Nominal coverage of a forecast's prediction interval (the central 80 %).
INTERVAL_COVERAGE = 0.8
#: Fewest backtest days an interval is estimated from (fewer: no interval is given).
INTERVAL_MIN_DAYS = 5


def empirical_interval(
    forecast: ArrayLike,
    backtest_actual: Sequence[ArrayLike],
    backtest_forecast: Sequence[ArrayLike],
    *,
    coverage: float = INTERVAL_COVERAGE,
) -> tuple[np.ndarray, np.ndarray] | None:
    """预测区间: an interval around a day's 24-hour ``forecast`` from the backtest's errors [kWh].

    For each hour of the day ``h``, the errors ``e_d,h = actual_d,h − forecast_d,h`` of the backtest
    days ``d`` give the empirical quantiles ``q_lo`` at ``(1 − coverage)/2`` and ``q_hi`` at
    ``(1 + coverage)/2`` (linear interpolation, Hyndman–Fan type 7); the interval is
    ``[forecast + q_lo, forecast + q_hi]``, cut at 0 (energy is not negative). This is the
    empirical-residual interval of Hyndman & Athanasopoulos, *Forecasting: Principles and
    Practice*, 3rd ed., §5.5, with the residuals of rolling-origin forecasts (out of sample)
    instead of fitted ones, hour by hour because the errors of a load differ by hour.

    Returns None with fewer than :data:`INTERVAL_MIN_DAYS` backtest days.

    Examples
    --------
    Five days whose errors at every hour are −2, −1, 0, 1, 2: the 10 % quantile is
    −2 + 0.4 × 1 = −1.6 and the 90 % one 1.6, so a forecast of 10 gives [8.4, 11.6]:

    >>> f = [10.0] * 24
    >>> days = [[10.0 + e] * 24 for e in (-2, -1, 0, 1, 2)]
    >>> lo, hi = empirical_interval(f, days, [f] * 5)
    >>> round(float(lo[0]), 6), round(float(hi[0]), 6)
    (8.4, 11.6)
    """
    if not 0.0 < coverage < 1.0:
        raise ValueError(f"coverage must be between 0 and 1, {coverage} was given")
    if len(backtest_actual) < INTERVAL_MIN_DAYS:
        return None
    f = np.asarray(forecast, dtype=float).ravel()
    errors = np.asarray(backtest_actual, dtype=float) - np.asarray(backtest_forecast, dtype=float)
    if errors.ndim != 2 or errors.shape[1] != f.size:
        raise ValueError(f"backtest days must have {f.size} hours like the forecast, shape {errors.shape}")
    lo_q = np.nanquantile(errors, (1.0 - coverage) / 2.0, axis=0)
    hi_q = np.nanquantile(errors, (1.0 + coverage) / 2.0, axis=0)
    lower = np.maximum(f + lo_q, 0.0)
    upper = np.maximum(f + hi_q, lower)
    return lower, upper
