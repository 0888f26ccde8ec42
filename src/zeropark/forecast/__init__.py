"""负荷与光伏预测: day-ahead load and PV forecasts, rolling-origin backtests, accuracy measures.

Pure core (no database, network or files): :mod:`~zeropark.forecast.features` (calendar incl.
Chinese holidays and 调休, lags), :mod:`~zeropark.forecast.weather` (temperature rows),
:mod:`~zeropark.forecast.load` (LightGBM), :mod:`~zeropark.forecast.pv` (pvlib clear sky ×
learned cloud index), :mod:`~zeropark.forecast.backtest` (rolling origin, seasonal-naive
baseline), :mod:`~zeropark.forecast.metrics` (MAPE, nRMSE, skill),
:mod:`~zeropark.forecast.target` (what is forecast) and :mod:`~zeropark.forecast.dayahead` (one
day-ahead forecast with its backtest, and multi-day profiles). The shell
:mod:`zeropark.services.forecasting` reads hourly series from the store, runs the core and stores
a forecast run; it also gives ``zeropark optimize dispatch`` its forecast profiles. Series are
hourly energy [kWh] on naive local hour starts.
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
from zeropark.forecast.dayahead import (
    LOAD_MODEL,
    PV_MAPE_MIN_SHARE,
    PV_MODEL,
    DayAhead,
    history_start,
    last_complete_day,
    load_day_ahead,
    load_profile_kwh,
    pv_day_ahead,
    pv_profile_kwh,
)
from zeropark.forecast.features import calendar_features, day_calendar, design_matrix, lag_features
from zeropark.forecast.load import LoadModel, LoadModelParams, fit_load_model, forecast_load_day
from zeropark.forecast.metrics import Accuracy, accuracy, mae, mape, nrmse, rmse, skill_score
from zeropark.forecast.pv import (
    DEFAULT_AZIMUTH_DEG,
    DEFAULT_TILT_DEG,
    CloudIndex,
    PvForecast,
    PvSite,
    clear_sky_kwh,
    forecast_pv_day,
    learn_cloud_index,
)
from zeropark.forecast.target import Target, TargetKind, parse_target
from zeropark.forecast.weather import temperature_from_frame

__all__ = [
    "DEFAULT_AZIMUTH_DEG",
    "DEFAULT_TILT_DEG",
    "LOAD_MODEL",
    "LOAD_SEASON_H",
    "PV_MAPE_MIN_SHARE",
    "PV_MODEL",
    "PV_SEASON_H",
    "Accuracy",
    "BacktestResult",
    "CloudIndex",
    "DayAhead",
    "DayResult",
    "LoadModel",
    "LoadModelParams",
    "PvForecast",
    "PvSite",
    "Target",
    "TargetKind",
    "accuracy",
    "calendar_features",
    "clear_sky_kwh",
    "day_calendar",
    "design_matrix",
    "fit_load_model",
    "forecast_load_day",
    "forecast_pv_day",
    "history_start",
    "lag_features",
    "last_complete_day",
    "learn_cloud_index",
    "load_day_ahead",
    "load_profile_kwh",
    "mae",
    "mape",
    "nrmse",
    "origin_days",
    "parse_target",
    "pv_day_ahead",
    "pv_profile_kwh",
    "rmse",
    "rolling_origin",
    "seasonal_naive_day",
    "skill_score",
    "temperature_from_frame",
]
