"""Day-ahead load forecast with LightGBM on calendar + lag features (pure).

Model
-----
One gradient-boosted tree ensemble (LightGBM [1]_) per target series (a meter, an enterprise or
the park) maps the features of :func:`zeropark.forecast.features.design_matrix` of an hour to
its energy. The target and the energy-valued features are divided by ``mean_prev_28d`` (the
mean hourly energy of the previous four weeks) before fitting and the prediction is multiplied
back, so the trees learn shapes and ratios and a slow change of level (season, a new production
line) does not leave the forecast outside the range seen in training. Four weeks rather than one:
after the 8-day National Day holiday a one-week level is a holiday level, and the ratios of the
first working day fall outside anything seen in training. The level is taken over the working
days of the four weeks, so a holiday inside them does not lower it either (measured on the demo
park, two-shift enterprise, 28 origins 2025-09-22 … 10-19: MAPE 20.5 % with a 7-day all-days
scale, 5.6 % with this one).

Prediction interval: two more ensembles of the same features fitted on the pinball (quantile)
loss at ``quantiles`` (default 0.1 and 0.9, an 80 % central interval; LightGBM
``objective="quantile"``, Koenker & Bassett 1978 [2]_) give the interval's bounds, conformalised
(CQR, Romano et al. 2019 [3]_): they are fitted on the training hours before the last
:data:`CALIBRATION_DAYS` days and widened by the ``(1 − α)(1 + 1/n)`` quantile of the conformity
scores ``max(lo − y, y − hi)`` of those days — quantile trees fitted in sample are too narrow out of
it (measured on the demo park: 28 % coverage of a nominal 80 % before, see docs/optimisation.md).
The point forecast stays the squared-error ensemble. The backtest scores the bounds by pinball loss and the
interval by its coverage (:mod:`zeropark.forecast.metrics`).

Determinism: fixed ``seed``, ``deterministic=True``, ``force_row_wise=True`` and a small
``num_threads`` make a fit bit-for-bit repeatable on one machine (LightGBM docs,
"Parameters: deterministic").

References
----------
.. [1] Ke, G. et al., 2017, "LightGBM: A Highly Efficient Gradient Boosting Decision Tree",
   NeurIPS 30, 3146–3154.
.. [2] Koenker, R. & Bassett, G., 1978, "Regression Quantiles", Econometrica 46(1), 33–50.
.. [3] Romano, Y., Patterson, E. & Candès, E., 2019, "Conformalized Quantile Regression",
   NeurIPS 32, 3543–3553.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from zeropark.errors import DataError
from zeropark.forecast.backtest import DayForecast
from zeropark.forecast.features import (
    CALENDAR_CN,
    LAG_COLUMNS,
    TEMPERATURE_COLUMN,
    check_calendar,
    design_matrix,
    regular_hours,
    require_hourly,
)

if TYPE_CHECKING:
    import lightgbm as lgb

#: Minimum history before the first training day [days]: the lags reach back 14 days.
MIN_HISTORY_DAYS = 21
#: The last days of the training window that calibrate the prediction interval [days] (default).
CALIBRATION_DAYS = 14
#: Energy-valued feature columns scaled by ``mean_prev_7d`` (not the scale itself).
_SCALED = tuple(c for c in LAG_COLUMNS if c != "mean_prev_28d")


@dataclass(frozen=True, slots=True)
class LoadModelParams:
    """LightGBM settings of the load model (defaults tuned on the demo park, stated in docs).

    Attributes
    ----------
    n_estimators, learning_rate, num_leaves, min_child_samples : LightGBM tree settings.
    seed : int
        Seed of every random draw in LightGBM.
    num_threads : int
        Threads per fit. 1 by default: on a loaded machine (the API, ingesters and other fits
        sharing two cores) LightGBM's OpenMP threads spin-wait on each other — measured 2.9 s
        with 1 thread vs 123 s with 2 threads for the same 300-tree fit at load average 15.
    history_days : int
        Days of history used for fitting (the most recent ones) [days].
    quantiles : tuple of float
        Lower and upper quantile of the prediction interval [-] (default 0.1, 0.9: 80 %);
        ``()`` fits no interval.
    calendar : str
        Holiday calendar of the calendar features: ``"CN"`` (法定节假日, 调休), ``"none"`` or a
        ``holidays`` country code (:func:`zeropark.forecast.features.check_calendar`).
    calibration_days : int
        Last days of the training window held out to conformalise the interval [days]; 0 keeps
        the quantile trees' own bounds (fitted on all days, not calibrated).
    """

    n_estimators: int = 300
    learning_rate: float = 0.05
    num_leaves: int = 31
    min_child_samples: int = 20
    seed: int = 20250101
    num_threads: int = 1
    history_days: int = 365
    quantiles: tuple[float, ...] = (0.1, 0.9)
    calendar: str = CALENDAR_CN
    calibration_days: int = CALIBRATION_DAYS

    def __post_init__(self) -> None:
        q = self.quantiles
        if q and (len(q) != 2 or not 0.0 < q[0] < 0.5 < q[1] < 1.0):
            raise ValueError(
                f"quantiles must be a lower and an upper quantile around the median, e.g. (0.1, 0.9); "
                f"{q} was given"
            )
        object.__setattr__(self, "calendar", check_calendar(self.calendar))
        if self.calibration_days < 0:
            raise ValueError(f"calibration_days must be ≥ 0, {self.calibration_days} was given")

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (stored with a forecast run)."""
        return asdict(self)


def day_index(day: date) -> pd.DatetimeIndex:
    """The 24 local hour starts of ``day``."""
    start = pd.Timestamp(day)
    return regular_hours(start, start + pd.Timedelta(days=1))


def _scaled(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    scale = frame["mean_prev_28d"].to_numpy(dtype=float)
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, np.nan)
    out = frame.copy()
    for col in _SCALED:
        out[col] = out[col].to_numpy(dtype=float) / scale
    return out, scale


@dataclass(frozen=True, slots=True, eq=False)
class LoadModel:
    """A fitted load model: the booster, its feature columns and what it was fitted on."""

    booster: lgb.Booster
    columns: tuple[str, ...]
    params: LoadModelParams
    train_start: pd.Timestamp
    train_end: pd.Timestamp  # exclusive
    n_train_hours: int
    quantile_boosters: tuple[lgb.Booster, ...] = ()
    #: Conformal widening of both bounds, in units of the level (``mean_prev_28d``) [-].
    interval_widen: float = 0.0

    def _frame(
        self, history: pd.Series, day: date, temperature_c: pd.Series | None
    ) -> tuple[pd.DataFrame, np.ndarray]:
        idx = day_index(day)
        hist = history[history.index < idx[0]]
        frame, scale = _scaled(design_matrix(hist, idx, temperature_c, self.params.calendar))
        if not np.isfinite(scale).all():
            raise DataError(
                f"fewer than 7 days with energy in the 28 days before {day:%Y-%m-%d} to forecast "
                "from; check that readings of the weeks before are stored"
            )
        return frame[list(self.columns)], scale

    def predict_interval(
        self, history: pd.Series, day: date, temperature_c: pd.Series | None = None
    ) -> DayForecast:
        """Forecast the 24 hours of ``day`` [kWh] with the prediction interval (when fitted).

        The bounds are sorted and widened to contain the point forecast (quantile ensembles
        fitted separately can cross).

        Raises
        ------
        DataError
            As :meth:`predict`.
        """
        frame, scale = self._frame(history, day, temperature_c)
        threads = self.params.num_threads
        point = np.asarray(self.booster.predict(frame, num_threads=threads), dtype=float)
        point = np.clip(point * scale, 0, None)
        if not self.quantile_boosters:
            return DayForecast(point)
        lo, hi = (
            np.asarray(b.predict(frame, num_threads=threads), dtype=float) for b in self.quantile_boosters
        )
        lo, hi = np.minimum(lo, hi) - self.interval_widen, np.maximum(lo, hi) + self.interval_widen
        lo, hi = np.clip(lo * scale, 0, None), np.clip(hi * scale, 0, None)
        lower = np.minimum(np.minimum(lo, hi), point)
        upper = np.maximum(np.maximum(lo, hi), point)
        return DayForecast(point, lower, upper, self.params.quantiles)

    def predict(self, history: pd.Series, day: date, temperature_c: pd.Series | None = None) -> np.ndarray:
        """Forecast the 24 hours of ``day`` [kWh] from ``history`` before it.

        Raises
        ------
        DataError
            If the history has no energy in the week before ``day`` (no scale to forecast on).
        """
        frame, scale = self._frame(history, day, temperature_c)
        ratio = self.booster.predict(frame, num_threads=self.params.num_threads)
        return np.asarray(np.clip(np.asarray(ratio, dtype=float) * scale, 0.0, None))


def conformal_widening(lower: np.ndarray, upper: np.ndarray, actual: np.ndarray, *, coverage: float) -> float:
    """How much to widen both bounds so the interval covers ``coverage`` of calibration data [unit of y].

    Conformalised quantile regression (Romano, Patterson & Candès 2019, eq. 6–7): the conformity
    score of a calibration point is ``E_i = max(lo_i − y_i, y_i − hi_i)`` (negative inside the
    interval); the widening is the ``⌈(n + 1) · coverage⌉``-th smallest score (capped at the
    largest). Negative when the interval was too wide: it then narrows.

    Examples
    --------
    >>> y = np.array([1.0, 2.0, 3.0, 4.0])
    >>> conformal_widening(np.full(4, 1.5), np.full(4, 3.5), y, coverage=0.5)  # scores .5 −.5 −.5 .5
    0.5
    """
    score = np.maximum(np.minimum(lower, upper) - actual, actual - np.maximum(lower, upper))
    n = score.size
    k = min(n, int(np.ceil((n + 1) * coverage)))
    return float(np.sort(score)[k - 1])


def fit_load_model(
    history: pd.Series,
    *,
    until: date,
    params: LoadModelParams | None = None,
    temperature_c: pd.Series | None = None,
) -> LoadModel:
    """Fit the load model on the hours of ``history`` before ``until``.

    Parameters
    ----------
    history : Series
        Hourly energy [kWh] on naive local hour starts (gaps NaN or absent).
    until : date
        First day *not* used (the forecast origin).
    params : LoadModelParams, optional
        Model settings (defaults: :class:`LoadModelParams`).
    temperature_c : Series, optional
        Hourly air temperature [°C]; used as a feature when given.

    Raises
    ------
    DataError
        If fewer than :data:`MIN_HISTORY_DAYS` days of history with energy precede ``until``.
    """
    p = params or LoadModelParams()
    require_hourly(history)
    end = pd.Timestamp(until)
    hist = history[history.index < end].dropna()
    if hist.empty:
        raise DataError(f"no hourly history before {until:%Y-%m-%d} to fit the load model on")
    first_day = max(hist.index.min().normalize(), end - pd.Timedelta(days=p.history_days))
    n_days = int((end - first_day) / pd.Timedelta(days=1))
    if n_days < MIN_HISTORY_DAYS:
        raise DataError(
            f"the load model needs at least {MIN_HISTORY_DAYS} days of hourly history before "
            f"{until:%Y-%m-%d}, found {n_days} (from {first_day:%Y-%m-%d}); store more readings "
            "or forecast a later day"
        )
    # the first week has no level (mean_prev_28d needs 7 days) yet: train from the 8th day on
    idx = regular_hours(first_day + pd.Timedelta(days=7), end)
    frame, scale = _scaled(design_matrix(hist, idx, temperature_c, p.calendar))
    y = hist.reindex(idx).to_numpy(dtype=float) / scale
    ok = np.isfinite(y)
    if ok.sum() < 24 * 7:
        raise DataError(
            f"only {int(ok.sum())} usable training hours before {until:%Y-%m-%d} "
            "(need a week with readings and the week before it)"
        )
    import lightgbm as lgb  # deferred (1.1 s): `zeropark --help` does not fit models

    columns = tuple(frame.columns)
    settings: dict[str, Any] = {
        "n_estimators": p.n_estimators,
        "learning_rate": p.learning_rate,
        "num_leaves": p.num_leaves,
        "min_child_samples": p.min_child_samples,
        "random_state": p.seed,
        "n_jobs": p.num_threads,
        "deterministic": True,
        "force_row_wise": True,
        "verbose": -1,
    }
    x, y_ok = frame.loc[ok, list(columns)], y[ok]
    model = lgb.LGBMRegressor(**settings)
    model.fit(x, y_ok)
    bounds: list[lgb.Booster] = []
    widen = 0.0
    if p.quantiles:
        # conformalised quantile regression (Romano, Patterson & Candès 2019): fit the bounds on the
        # training hours before the last CALIBRATION_DAYS, widen them by the conformity score of
        # those days, so the interval's coverage is checked out of sample, not in it
        cal = ok & np.asarray(idx >= end - pd.Timedelta(days=p.calibration_days))
        fit_rows = ok & ~cal
        if fit_rows.sum() < 24 * 7 or cal.sum() < 24:
            fit_rows, cal = ok, np.zeros_like(ok)
        for q in p.quantiles:
            qm = lgb.LGBMRegressor(objective="quantile", alpha=q, **settings)
            qm.fit(frame.loc[fit_rows, list(columns)], y[fit_rows])
            bounds.append(qm.booster_)
        if cal.any():
            xc = frame.loc[cal, list(columns)]
            lo, hi = (np.asarray(b.predict(xc, num_threads=p.num_threads), dtype=float) for b in bounds)
            widen = conformal_widening(lo, hi, y[cal], coverage=p.quantiles[1] - p.quantiles[0])
    return LoadModel(model.booster_, columns, p, idx[0], end, int(ok.sum()), tuple(bounds), widen)


def forecast_load_day(
    history: pd.Series,
    day: date,
    *,
    params: LoadModelParams | None = None,
    temperature_c: pd.Series | None = None,
) -> DayForecast:
    """Fit on the history before ``day`` and forecast its 24 hours [kWh] with the interval.

    If the history ends before ``day − 1`` the days in between are forecast first and used as
    history (recursive), at most 7 of them.

    Raises
    ------
    DataError
        From :func:`fit_load_model`, or if the history ends more than 7 days before ``day``.
    """
    require_hourly(history)
    hist = history[history.index < pd.Timestamp(day)].dropna()
    if hist.empty:
        raise DataError(f"no hourly history before {day:%Y-%m-%d}")
    last_day = hist.index.max().date()
    if hist.index.max().hour != 23:  # last day incomplete: start the recursion on it
        last_day -= timedelta(days=1)
    gap = (day - last_day).days - 1
    if gap > 7:
        raise DataError(
            f"the stored history ends on {last_day:%Y-%m-%d}, {gap} days before {day:%Y-%m-%d}; "
            "a day-ahead forecast can bridge at most 7 days — import the missing readings"
        )
    model = fit_load_model(
        hist, until=last_day + timedelta(days=1), params=params, temperature_c=temperature_c
    )
    work = hist[hist.index < pd.Timestamp(last_day + timedelta(days=1))]
    for k in range(1, gap + 1):
        d = last_day + timedelta(days=k)
        work = pd.concat([work, pd.Series(model.predict(work, d, temperature_c), index=day_index(d))])
    return model.predict_interval(work, day, temperature_c)


def load_forecaster(
    *,
    params: LoadModelParams | None = None,
    refit_every_days: int = 7,
    temperature_c: pd.Series | None = None,
) -> Callable[[pd.Series, date], DayForecast]:
    """A forecaster for :func:`zeropark.forecast.backtest.rolling_origin` that refits periodically.

    The model is refitted when the origin is ``refit_every_days`` or more days after the end of
    its training data (or before it); in between, the same trees forecast each day from the
    up-to-date lags — as an operator would retrain weekly and forecast daily. ``1`` refits
    every day.
    """
    if refit_every_days < 1:
        raise ValueError(f"refit_every_days must be at least 1, {refit_every_days} was given")
    cache: list[LoadModel] = []

    def forecast(history: pd.Series, day: date) -> DayForecast:
        origin = pd.Timestamp(day)
        if (
            not cache
            or origin < cache[0].train_end
            or (origin - cache[0].train_end) >= pd.Timedelta(days=refit_every_days)
        ):
            cache[:] = [fit_load_model(history, until=day, params=params, temperature_c=temperature_c)]
        return cache[0].predict_interval(history, day, temperature_c)

    return forecast


def uses_temperature(model: LoadModel) -> bool:
    """Whether the model was fitted with the temperature feature."""
    return TEMPERATURE_COLUMN in model.columns
