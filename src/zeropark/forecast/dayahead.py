"""日前预测: one day-ahead forecast of a series, scored by a backtest and against the metered day (pure).

:func:`load_day_ahead` (LightGBM, :mod:`~zeropark.forecast.load`) and :func:`pv_day_ahead` (pvlib ×
cloud index, :mod:`~zeropark.forecast.pv`) take the hourly series of a target — history before the
day, and the day itself when it is metered — and return a :class:`DayAhead`: the day's 24 hourly
values, the seasonal-naive baseline, the metered values (when the day is complete), a rolling-origin
backtest over the last ``backtest_days`` complete days before it, and the parameters and metrics a
forecast run stores. :func:`load_profile_kwh` and :func:`pv_profile_kwh` forecast several days in a
row for the optimiser. Series are hourly energy [kWh] on naive local hour starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from zeropark.errors import DataError
from zeropark.forecast.backtest import (
    LOAD_SEASON_H,
    PV_SEASON_H,
    BacktestResult,
    Forecaster,
    Progress,
    origin_days,
    rolling_origin,
    seasonal_naive_day,
)
from zeropark.forecast.load import LoadModelParams, day_index, forecast_load_day, load_forecaster
from zeropark.forecast.metrics import INTERVAL_COVERAGE, accuracy, empirical_interval
from zeropark.forecast.pv import PvSite, forecast_pv_day

#: PV hours whose metered energy is below this share of the capacity [kWh per kWp] are left out
#: of the PV MAPE (dawn, dusk, night: MAPE is undefined or explodes there).
PV_MAPE_MIN_SHARE = 0.05
#: Model labels stored with a run.
LOAD_MODEL = "lightgbm-calendar-lags"
PV_MODEL = "pvlib-clearsky-x-cloud-index"


@dataclass(frozen=True, slots=True, eq=False)
class DayAhead:
    """A day-ahead forecast: the day's forecast, baseline, actual (if metered) and backtest.

    Attributes
    ----------
    forecast_kwh, baseline_kwh : ndarray
        The 24 hours of ``day`` [kWh]: the model's forecast and the seasonal-naive baseline.
    actual_kwh : ndarray | None
        The metered hours of ``day`` [kWh] when all 24 are stored, else None.
    lower_kwh, upper_kwh : ndarray | None
        The prediction interval of the forecast [kWh] (central :data:`INTERVAL_COVERAGE`, from
        the backtest's errors hour by hour, :func:`~zeropark.forecast.metrics.empirical_interval`);
        None without a backtest of enough days.
    params : dict
        What the forecast was made with (day, windows, model settings or PV site).
    metrics : dict
        ``backtest`` (pooled and per day) and ``day`` (accuracy against the metered day).
    """

    day: date
    model: str
    index_local: pd.DatetimeIndex
    forecast_kwh: np.ndarray
    baseline_kwh: np.ndarray
    actual_kwh: np.ndarray | None
    backtest: BacktestResult | None
    params: dict[str, Any]
    metrics: dict[str, Any]
    lower_kwh: np.ndarray | None = None
    upper_kwh: np.ndarray | None = None

    def series(self) -> dict[str, Any]:
        """The day's series as stored with a run (forecast, interval, baseline, actual; from hour 0)."""
        return {
            "start_local": str(self.index_local[0]),
            "step_h": 1,
            "forecast_kwh": self.forecast_kwh,
            "lower_kwh": self.lower_kwh,
            "upper_kwh": self.upper_kwh,
            "baseline_kwh": self.baseline_kwh,
            "actual_kwh": self.actual_kwh,
        }


def history_start(day: date, *, history_days: int, backtest_days: int) -> date:
    """First day of the series a forecast of ``day`` reads: the fit window before every test day.

    Examples
    --------
    >>> history_start(date(2025, 2, 18), history_days=365, backtest_days=28)
    datetime.date(2024, 1, 20)
    """
    return day - timedelta(days=history_days + backtest_days + 1)


def last_complete_day(series: pd.Series) -> date | None:
    """The last day with all 24 hours present in ``series`` (None if there is none)."""
    ok = series.dropna()
    if ok.empty:
        return None
    days = ok.groupby(pd.DatetimeIndex(ok.index).normalize()).size()
    full = days[days == 24]
    return None if full.empty else full.index.max().date()


@dataclass(frozen=True, slots=True, eq=False)
class _Scored:
    """The part every forecast run shares: history, backtest, baseline and the metered day."""

    history: pd.Series
    last_full: date
    backtest: BacktestResult | None
    index_local: pd.DatetimeIndex
    actual_kwh: np.ndarray | None


def _score(
    series: pd.Series,
    day: date,
    *,
    label: str,
    forecaster: Forecaster,
    season_h: int,
    min_actual: float,
    backtest_days: int,
    progress: Progress | None,
) -> _Scored:
    history = series[series.index < pd.Timestamp(day)]
    last_full = last_complete_day(history)
    if last_full is None:
        raise DataError(
            f"no complete day of readings for {label} before {day:%Y-%m-%d}; "
            "import readings (zeropark demo / zeropark ingest) first"
        )
    backtest = None
    if backtest_days > 0:
        backtest = rolling_origin(
            series[series.index < pd.Timestamp(last_full) + pd.Timedelta(days=1)],
            origin_days(last_full, backtest_days),
            forecaster,
            season_h=season_h,
            min_actual=min_actual,
            progress=progress,
        )
    idx = day_index(day)
    actual_all = series.reindex(idx).to_numpy(dtype=float)
    actual = actual_all if np.isfinite(actual_all).all() else None
    return _Scored(history, last_full, backtest, idx, actual)


def _assemble(
    scored: _Scored,
    day: date,
    *,
    model: str,
    forecast_kwh: np.ndarray,
    season_h: int,
    min_actual: float,
    backtest_days: int,
    history_days: int,
    model_params: dict[str, Any],
) -> DayAhead:
    baseline = seasonal_naive_day(scored.history, day, season_h=season_h)
    bt = scored.backtest
    metrics: dict[str, Any] = {"backtest": bt.to_dict() if bt else None, "day": None}
    if scored.actual_kwh is not None:
        try:
            metrics["day"] = accuracy(
                scored.actual_kwh, forecast_kwh, baseline, min_actual=min_actual
            ).to_dict()
        except ValueError:
            metrics["day"] = None
    band = (
        empirical_interval(forecast_kwh, [d.actual_kwh for d in bt.days], [d.forecast_kwh for d in bt.days])
        if bt is not None
        else None
    )
    params: dict[str, Any] = {
        "date": day.isoformat(),
        "backtest_days": backtest_days,
        "backtest_first_day": bt.days[0].day.isoformat() if bt and bt.days else None,
        "backtest_last_day": scored.last_full.isoformat() if backtest_days > 0 else None,
        "history_first_day": history_start(
            day, history_days=history_days, backtest_days=backtest_days
        ).isoformat(),
        "history_last_complete_day": scored.last_full.isoformat(),
        "baseline": f"seasonal-naive m={season_h} h",
        "timezone_index": "local hour starts",
        "interval": None
        if band is None
        else {
            "coverage": INTERVAL_COVERAGE,
            "method": "empirical quantiles of the backtest errors by hour of day (FPP3 §5.5)",
            "n_days": len(bt.days) if bt else 0,
        },
    } | model_params
    return DayAhead(
        day,
        model,
        scored.index_local,
        forecast_kwh,
        baseline,
        scored.actual_kwh,
        bt,
        params,
        metrics,
        None if band is None else band[0],
        None if band is None else band[1],
    )


def load_day_ahead(
    series: pd.Series,
    day: date,
    *,
    label: str,
    backtest_days: int = 28,
    history_days: int = 365,
    refit_every_days: int = 1,
    params: LoadModelParams | None = None,
    temperature_c: pd.Series | None = None,
    temperature_source: str | None = None,
    progress: Progress | None = None,
) -> DayAhead:
    """Forecast the load of ``day`` (LightGBM) and backtest the model on the days before it.

    Parameters
    ----------
    series : Series
        Hourly energy [kWh] from :func:`history_start` to ``day`` inclusive (NaN where missing).
    day : date
        The day to forecast (origin 00:00 local).
    label : str
        What the series is, for messages (e.g. ``"park of park 'P'"``).
    backtest_days : int
        Rolling origins over the last complete days before ``day``; 0 skips the backtest.
    history_days : int
        Days of history to fit on (when ``params`` is not given).
    refit_every_days : int
        Backtest: refit the model every N origins (1 = nightly).
    params : LoadModelParams, optional
        LightGBM settings (default: :class:`LoadModelParams` with ``history_days``).
    temperature_c : Series, optional
        Hourly air temperature [°C]; a feature when given.
    temperature_source : str, optional
        Where the temperature came from (stored with the run).
    progress : callable, optional
        Called with (days done, days in all) during the backtest.

    Raises
    ------
    DataError
        No complete day before ``day``, too little history to fit, or history ending more than 7
        days before ``day``.
    """
    p = params or LoadModelParams(history_days=history_days)
    scored = _score(
        series,
        day,
        label=label,
        forecaster=load_forecaster(params=p, refit_every_days=refit_every_days, temperature_c=temperature_c),
        season_h=LOAD_SEASON_H,
        min_actual=0.0,
        backtest_days=backtest_days,
        progress=progress,
    )
    forecast = forecast_load_day(scored.history, day, params=p, temperature_c=temperature_c)
    return _assemble(
        scored,
        day,
        model=LOAD_MODEL,
        forecast_kwh=forecast,
        season_h=LOAD_SEASON_H,
        min_actual=0.0,
        backtest_days=backtest_days,
        history_days=history_days,
        model_params={
            "lightgbm": p.to_dict(),
            "refit_every_days": refit_every_days,
            "temperature": temperature_source if temperature_c is not None else None,
        },
    )


def pv_day_ahead(
    series: pd.Series,
    day: date,
    site: PvSite,
    *,
    label: str,
    backtest_days: int = 28,
    history_days: int = 365,
    progress: Progress | None = None,
) -> DayAhead:
    """Forecast the PV of ``day`` (clear sky × cloud index of ``site``) and backtest it.

    Hours metered below :data:`PV_MAPE_MIN_SHARE` of the capacity are left out of the MAPE.
    Parameters as :func:`load_day_ahead`.

    Raises
    ------
    DataError
        No complete day before ``day``, or no PV history in daylight to learn the cloud index.
    """
    min_actual = PV_MAPE_MIN_SHARE * site.capacity_kwp

    def forecaster(history: pd.Series, d: date) -> np.ndarray:
        return forecast_pv_day(history, d, site).energy_kwh

    scored = _score(
        series,
        day,
        label=label,
        forecaster=forecaster,
        season_h=PV_SEASON_H,
        min_actual=min_actual,
        backtest_days=backtest_days,
        progress=progress,
    )
    pvf = forecast_pv_day(scored.history, day, site)
    cloud = {
        "by_hour": list(pvf.cloud_index.by_hour),
        "overall": pvf.cloud_index.overall,
        "learned_from": [pvf.cloud_index.first_day.isoformat(), pvf.cloud_index.last_day.isoformat()],
        "clear_sky_kwh": pvf.clear_sky_kwh,
    }
    return _assemble(
        scored,
        day,
        model=PV_MODEL,
        forecast_kwh=pvf.energy_kwh,
        season_h=PV_SEASON_H,
        min_actual=min_actual,
        backtest_days=backtest_days,
        history_days=history_days,
        model_params={"site": site.to_dict(), "mape_min_actual_kwh": min_actual, "cloud_index": cloud},
    )


def load_profile_kwh(
    history: pd.Series, first_day: date, n_days: int, *, history_days: int = 365
) -> np.ndarray:
    """The load of ``n_days`` days from ``first_day`` [kWh per hour], forecast day by day.

    Each day is forecast from the history before ``first_day`` plus the days already forecast
    (recursive), so the profile continues past the data as an operator's day-ahead plan would.

    Raises
    ------
    DataError
        Too little history (see :func:`zeropark.forecast.load.fit_load_model`).
    """
    hist = history[history.index < pd.Timestamp(first_day)]
    days: list[np.ndarray] = []
    for k in range(n_days):
        d = first_day + timedelta(days=k)
        fc = forecast_load_day(hist, d, params=LoadModelParams(history_days=history_days))
        days.append(fc)
        hist = pd.concat([hist, pd.Series(fc, index=day_index(d))])
    return np.concatenate(days)


def pv_profile_kwh(history: pd.Series, first_day: date, n_days: int, site: PvSite) -> np.ndarray:
    """The PV of ``site`` on ``n_days`` days from ``first_day`` [kWh per hour].

    Every day takes the cloud index learned from the history before ``first_day``.

    Raises
    ------
    DataError
        If no PV history precedes ``first_day``.
    """
    hist = history[history.index < pd.Timestamp(first_day)]
    return np.concatenate(
        [forecast_pv_day(hist, first_day + timedelta(days=k), site).energy_kwh for k in range(n_days)]
    )
