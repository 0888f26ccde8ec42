"""负荷与光伏预测: day-ahead load and PV forecasts, rolling-origin backtests, accuracy measures.

Pure core (no database, network or files): :mod:`~zeropark.forecast.features` (calendar incl.
Chinese holidays and 调休, lags), :mod:`~zeropark.forecast.load` (LightGBM),
:mod:`~zeropark.forecast.pv` (pvlib clear sky × learned cloud index),
:mod:`~zeropark.forecast.backtest` (rolling origin, seasonal-naive baseline) and
:mod:`~zeropark.forecast.metrics` (MAPE, nRMSE, skill). The shell
:mod:`zeropark.forecast.runs` reads hourly series from the store, runs the core and stores a
``ForecastRunRow``; it also offers :class:`zeropark.forecast.runs.ForecastProfileSource` to
``zeropark optimize dispatch``. Series are hourly energy [kWh] on naive local hour starts.
"""

from zeropark.forecast.backtest import (
    LOAD_SEASON_H,
    PV_SEASON_H,
    BacktestResult,
    DayResult,
    origin_days,
    rolling_origin,
    seasonal_naive_day,
)
from zeropark.forecast.features import calendar_features, day_calendar, design_matrix, lag_features
from zeropark.forecast.load import LoadModel, LoadModelParams, fit_load_model, forecast_load_day
from zeropark.forecast.metrics import Accuracy, accuracy, mae, mape, nrmse, rmse, skill_score
from zeropark.forecast.pv import (
    CloudIndex,
    PvForecast,
    PvSite,
    clear_sky_kwh,
    forecast_pv_day,
    learn_cloud_index,
)

__all__ = [
    "LOAD_SEASON_H",
    "PV_SEASON_H",
    "Accuracy",
    "BacktestResult",
    "CloudIndex",
    "DayResult",
    "LoadModel",
    "LoadModelParams",
    "PvForecast",
    "PvSite",
    "accuracy",
    "calendar_features",
    "clear_sky_kwh",
    "day_calendar",
    "design_matrix",
    "fit_load_model",
    "forecast_load_day",
    "forecast_pv_day",
    "lag_features",
    "learn_cloud_index",
    "mae",
    "mape",
    "nrmse",
    "origin_days",
    "rmse",
    "rolling_origin",
    "seasonal_naive_day",
    "skill_score",
]
