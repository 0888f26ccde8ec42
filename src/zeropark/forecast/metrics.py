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


def pinball_loss(actual: ArrayLike, quantile_forecast: ArrayLike, q: float) -> float:
    """Mean pinball (quantile) loss of a forecast of the ``q`` quantile [unit of y].

    ``L_q = mean(max(q (y − ŷ), (q − 1)(y − ŷ)))`` (Koenker & Bassett 1978; FPP3 [2]_ §5.9
    "quantile scores"). Lower is better; for ``q = 0.5`` it is half the MAE.

    Examples
    --------
    >>> pinball_loss([10.0, 10.0], [8.0, 13.0], 0.9)  # (0.9·2 + 0.1·3) / 2
    1.05
    """
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must be in (0, 1), {q} was given")
    y, f = _pair(actual, quantile_forecast)
    d = y - f
    return float(np.mean(np.maximum(q * d, (q - 1.0) * d)))


def interval_coverage(actual: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> float:
    """Share of actual values inside ``[lower, upper]`` [-] (nominal: upper q − lower q).

    Examples
    --------
    >>> interval_coverage([1.0, 5.0, 9.0, 4.0], [0.0, 0.0, 0.0, 4.5], [6.0, 6.0, 6.0, 8.0])
    0.5
    """
    y = np.asarray(actual, dtype=float).ravel()
    lo = np.asarray(lower, dtype=float).ravel()
    hi = np.asarray(upper, dtype=float).ravel()
    if not y.shape == lo.shape == hi.shape:
        raise ValueError(f"lengths differ: actual {y.size}, lower {lo.size}, upper {hi.size}")
    ok = np.isfinite(y) & np.isfinite(lo) & np.isfinite(hi)
    if not ok.any():
        raise ValueError("no hour has an actual value and both bounds")
    return float(np.mean((y[ok] >= lo[ok]) & (y[ok] <= hi[ok])))


@dataclass(frozen=True, slots=True)
class IntervalScore:
    """Score of a prediction interval ``[q_lo, q_hi]`` over the same hours.

    Attributes
    ----------
    quantiles : tuple of float
        The bounds' quantiles, e.g. (0.1, 0.9).
    nominal : float
        Nominal coverage ``q_hi − q_lo`` [-].
    coverage : float
        Share of actual values inside the interval [-].
    pinball_lower_kwh, pinball_upper_kwh : float
        Pinball loss of each bound [kWh].
    mean_width_kwh : float
        Mean ``upper − lower`` [kWh].
    n_hours : int
        Hours scored.
    """

    quantiles: tuple[float, ...]
    nominal: float
    coverage: float
    pinball_lower_kwh: float
    pinball_upper_kwh: float
    mean_width_kwh: float
    n_hours: int

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-ready)."""
        return asdict(self) | {"quantiles": list(self.quantiles)}


def interval_score(
    actual: ArrayLike, lower: ArrayLike, upper: ArrayLike, quantiles: tuple[float, ...]
) -> IntervalScore:
    """Coverage, pinball loss of each bound and mean width of an interval (hours with all three).

    Hours where the actual value and both bounds are exactly 0 (PV at night) are left out: they
    are certain, and counting them would lift the coverage of a PV interval toward 100 %.

    Examples
    --------
    >>> s = interval_score([10.0, 10.0], [8.0, 11.0], [12.0, 13.0], (0.1, 0.9))
    >>> s.coverage, round(s.pinball_lower_kwh, 6), round(s.pinball_upper_kwh, 6), s.mean_width_kwh
    (0.5, 0.55, 0.25, 3.0)
    """
    q_lo, q_hi = quantiles
    y = np.asarray(actual, dtype=float).ravel()
    lo = np.asarray(lower, dtype=float).ravel()
    hi = np.asarray(upper, dtype=float).ravel()
    ok = np.isfinite(y) & np.isfinite(lo) & np.isfinite(hi)
    ok &= ~((y == 0) & (lo == 0) & (hi == 0))
    y, lo, hi = y[ok], lo[ok], hi[ok]
    return IntervalScore(
        quantiles=(q_lo, q_hi),
        nominal=round(q_hi - q_lo, 12),
        coverage=interval_coverage(y, lo, hi),
        pinball_lower_kwh=pinball_loss(y, lo, q_lo),
        pinball_upper_kwh=pinball_loss(y, hi, q_hi),
        mean_width_kwh=float(np.mean(hi - lo)),
        n_hours=int(y.size),
    )
