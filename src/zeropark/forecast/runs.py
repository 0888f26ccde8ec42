"""Shell around the forecast core: hourly series from the store, forecast runs, a profile source.

- :func:`read_series` turns stored readings into the core's hourly series (naive local hour
  starts, [kWh]): the park's and an enterprise's electric load as the accounting aggregation
  defines it (``zeropark.store.aggregate.load_accounting_input(...).hourly_load_kwh`` — the
  same load ``zeropark optimize`` plans for), one meter's energy
  (``zeropark.store.aggregate.meter_hourly``, registers differenced, multiplier applied), or the
  park's rooftop PV (the top-level electricity generation meters with technology ``pv``).
- :func:`run_forecast` forecasts a day, backtests the model on the days before it against the
  seasonal-naive baseline, and stores a ``ForecastRunRow`` (table ``forecast_run``).
- :class:`ForecastProfileSource` gives ``zeropark optimize dispatch`` forecast profiles (park
  load by LightGBM, PV by pvlib × cloud index) through the optimiser's ``ProfileSource`` protocol.

Temperature: stored data has no weather series (the demo park publishes none). The load model
uses temperature only when the caller passes an hourly series — ``zeropark forecast --weather
FILE.csv`` (``time,temperature_c``, local hour starts, covering the history and the forecast
day, e.g. a weather service's observations + forecast); otherwise it runs on calendar and lags.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from zeropark.errors import DataError, NotFound, RowError, ValidationError
from zeropark.forecast.backtest import (
    LOAD_SEASON_H,
    PV_SEASON_H,
    BacktestResult,
    origin_days,
    rolling_origin,
    seasonal_naive_day,
)
from zeropark.forecast.load import LoadModelParams, day_index, forecast_load_day, load_forecaster
from zeropark.forecast.metrics import accuracy
from zeropark.forecast.pv import PvSite, forecast_pv_day
from zeropark.model import Carrier, Direction, Meter
from zeropark.store.db import get_detached, newest_detached, session_factory
from zeropark.store.schema import ForecastRunRow

#: Default orientation of rooftop PV when the store holds none [°] (pvlib: azimuth 180 = south).
DEFAULT_TILT_DEG = 12.0
DEFAULT_AZIMUTH_DEG = 180.0
#: PV hours whose metered energy is below this share of the capacity [kWh per kWp] are left out
#: of the PV MAPE (dawn, dusk, night: MAPE is undefined or explodes there).
PV_MAPE_MIN_SHARE = 0.05
#: Model labels stored with a run.
LOAD_MODEL = "lightgbm-calendar-lags"
PV_MODEL = "pvlib-clearsky-x-cloud-index"

Progress = Callable[[int, int], None]


class TargetKind(StrEnum):
    """What is forecast: the park, an enterprise, a meter, or the park's PV."""

    PARK = "park"
    ENTERPRISE = "enterprise"
    METER = "meter"
    PV = "pv"


@dataclass(frozen=True, slots=True)
class Target:
    """A forecast target: ``park``, ``enterprise:<id>``, ``meter:<id>`` or ``pv``."""

    kind: TargetKind
    ident: str | None = None

    def __str__(self) -> str:
        return self.kind.value if self.ident is None else f"{self.kind.value}:{self.ident}"


def parse_target(text: str) -> Target:
    """Parse ``park``, ``pv``, ``enterprise:<id>`` or ``meter:<id>``.

    Raises
    ------
    ValueError
        Naming the accepted forms.

    Examples
    --------
    >>> parse_target("meter:demo-park-EL-DIST")
    Target(kind=<TargetKind.METER: 'meter'>, ident='demo-park-EL-DIST')
    """
    kind, sep, ident = text.strip().partition(":")
    forms = "park, pv, enterprise:<id> or meter:<id>"
    try:
        k = TargetKind(kind.lower())
    except ValueError as exc:
        raise ValueError(f"target '{text}' is not one of {forms}") from exc
    if k in (TargetKind.PARK, TargetKind.PV):
        if sep:
            raise ValueError(f"target '{text}': '{k.value}' takes no id ({forms})")
        return Target(k)
    if not ident:
        raise ValueError(f"target '{text}': give the id, e.g. '{k.value}:<id>' ({forms})")
    return Target(k, ident)


# --- reading series --------------------------------------------------------------------------


def _year_index(year: int, n: int) -> pd.DatetimeIndex:
    return pd.date_range(f"{year}-01-01", periods=n, freq="h")


def pv_meters(engine: Engine, park_id: str) -> list[Meter]:
    """The park's top-level PV generation meters (children of another PV meter are left out)."""
    from zeropark.store import repo

    meters = repo.list_meters(engine, park_id, carrier=Carrier.ELECTRICITY, direction=Direction.GENERATION)
    pv = {m.id: m for m in meters if m.technology == "pv"}
    return [m for m in pv.values() if m.parent_id not in pv]


def _resolve(engine: Engine, park_id: str, target: Target) -> tuple[str, list[Meter]]:
    """Check the target exists; return the park timezone and the meters read directly."""
    from zeropark.store import repo

    park = repo.get_park(engine, park_id)
    if target.kind is TargetKind.ENTERPRISE:
        assert target.ident is not None
        ent = repo.get_enterprise(engine, target.ident)
        if ent.park_id != park_id:
            raise NotFound(f"enterprise '{target.ident}' is not in park '{park_id}'")
        return park.timezone, []
    if target.kind is TargetKind.METER:
        assert target.ident is not None
        meter = repo.get_meter(engine, target.ident)
        if meter.park_id != park_id:
            raise NotFound(f"meter '{target.ident}' is not in park '{park_id}'")
        return park.timezone, [meter]
    if target.kind is TargetKind.PV:
        meters = pv_meters(engine, park_id)
        if not meters:
            raise NotFound(
                f"park '{park_id}' has no PV generation meter (electricity, direction generation, "
                "technology 'pv'); add one or forecast another target"
            )
        return park.timezone, meters
    return park.timezone, []


def read_series(engine: Engine, park_id: str, target: Target, first_day: date, last_day: date) -> pd.Series:
    """Hourly energy of ``target`` from ``first_day`` to ``last_day`` inclusive [kWh].

    Returns
    -------
    Series
        On naive local hour starts; NaN where no reading covers the hour.

    Raises
    ------
    NotFound
        If the park, enterprise or meter does not exist (or is in another park).
    """
    from zeropark.store.aggregate import load_accounting_input, meter_hourly

    tz, meters = _resolve(engine, park_id, target)
    parts: list[pd.Series] = []
    for year in range(first_day.year, last_day.year + 1):
        if target.kind in (TargetKind.PARK, TargetKind.ENTERPRISE):
            inputs = load_accounting_input(engine, park_id, year, target.ident)
            values = np.asarray(inputs.hourly_load_kwh, dtype=float)
        else:
            by_meter = meter_hourly(engine, park_id, year, meters, tz=tz)
            values = np.sum([by_meter[m.id] for m in meters], axis=0)
        if values.size == 0:
            n = (date(year + 1, 1, 1) - date(year, 1, 1)).days * 24
            values = np.full(n, np.nan)
        parts.append(pd.Series(values, index=_year_index(year, values.size)))
    series = pd.concat(parts)
    lo = pd.Timestamp(first_day)
    hi = pd.Timestamp(last_day) + pd.Timedelta(days=1)
    out: pd.Series = series[(series.index >= lo) & (series.index < hi)]
    return out


def read_temperature_csv(path: Path) -> pd.Series:
    """Hourly air temperature [°C] from a CSV with columns ``time,temperature_c`` (local hour starts).

    Raises
    ------
    ValidationError
        Naming the file, row and column of a missing column, a bad time or a bad number.
    """
    label = str(path)
    if not path.exists():
        raise ValidationError([RowError(label, None, None, None, "file not found")])
    frame = pd.read_csv(path, encoding="utf-8-sig")
    errors: list[RowError] = []
    for col in ("time", "temperature_c"):
        if col not in frame.columns:
            errors.append(
                RowError(label, None, 1, col, f"column '{col}' is missing; columns are {list(frame.columns)}")
            )
    if errors:
        raise ValidationError(errors)
    times = pd.to_datetime(frame["time"], errors="coerce")
    temps = pd.to_numeric(frame["temperature_c"], errors="coerce")
    for i in np.flatnonzero(times.isna().to_numpy()).tolist():
        errors.append(RowError(label, None, i + 2, "time", f"'{frame['time'].iloc[i]}' is not a date-time"))
    bad_t = ~np.isfinite(temps.to_numpy(dtype=float)) | (temps.abs().to_numpy(dtype=float) > 70)
    for i in np.flatnonzero(bad_t).tolist():
        errors.append(
            RowError(
                label,
                None,
                i + 2,
                "temperature_c",
                f"'{frame['temperature_c'].iloc[i]}' is not a temperature in °C",
            )
        )
    if errors:
        raise ValidationError(errors)
    index = pd.DatetimeIndex(times)
    if index.tz is not None:
        index = index.tz_convert("Asia/Shanghai").tz_localize(None)
    hourly: pd.Series = pd.Series(temps.to_numpy(dtype=float), index=index.floor("h")).groupby(level=0).mean()
    return hourly


def pv_site(
    engine: Engine,
    park_id: str,
    *,
    tilt_deg: float = DEFAULT_TILT_DEG,
    azimuth_deg: float = DEFAULT_AZIMUTH_DEG,
    capacity_kwp: float | None = None,
) -> PvSite:
    """The park's PV as a :class:`PvSite`.

    Location from the park, the given orientation, and the capacity given or else the sum of the
    PV meters' rated capacities [kW].

    Raises
    ------
    NotFound
        If the park has no PV meter.
    DataError
        If no capacity is given and the meters have none.
    """
    from zeropark.store import repo

    park = repo.get_park(engine, park_id)
    if capacity_kwp is None:
        _, meters = _resolve(engine, park_id, Target(TargetKind.PV))
        capacity_kwp = sum(m.rated_capacity or 0.0 for m in meters)
        if capacity_kwp <= 0:
            raise DataError(
                f"the PV meters of park '{park_id}' have no rated capacity; pass the capacity "
                "(zeropark forecast --pv-kwp N)"
            )
    return PvSite(park.latitude, park.longitude, 0.0, park.timezone, tilt_deg, azimuth_deg, capacity_kwp)


# --- a forecast run --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class ForecastOutcome:
    """A stored forecast run: the day's forecast, baseline, actual (if metered) and backtest."""

    run_id: int
    park_id: str
    target: Target
    day: date
    model: str
    index_local: pd.DatetimeIndex
    forecast_kwh: np.ndarray
    baseline_kwh: np.ndarray
    actual_kwh: np.ndarray | None
    backtest: BacktestResult | None
    params: dict[str, Any]
    metrics: dict[str, Any]


def _clean(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [_clean(float(v)) for v in obj.tolist()]
    if isinstance(obj, np.generic):
        return _clean(obj.item())
    return obj


def _last_complete_day(series: pd.Series) -> date | None:
    ok = series.dropna()
    if ok.empty:
        return None
    days = ok.groupby(pd.DatetimeIndex(ok.index).normalize()).size()
    full = days[days == 24]
    return None if full.empty else full.index.max().date()


def run_forecast(
    engine: Engine,
    *,
    park_id: str,
    target: Target,
    day: date,
    backtest_days: int = 28,
    history_days: int = 365,
    refit_every_days: int = 1,
    params: LoadModelParams | None = None,
    tilt_deg: float = DEFAULT_TILT_DEG,
    azimuth_deg: float = DEFAULT_AZIMUTH_DEG,
    pv_kwp: float | None = None,
    temperature_c: pd.Series | None = None,
    temperature_source: str | None = None,
    progress: Progress | None = None,
) -> ForecastOutcome:
    """Forecast ``day`` for ``target``, backtest on the ``backtest_days`` before it, store the run.

    The backtest uses the last ``backtest_days`` days with metered data before ``day`` (rolling
    origins, model refitted every ``refit_every_days``); 0 skips it.

    Raises
    ------
    NotFound
        Unknown park, enterprise or meter.
    DataError
        Too little history to fit, or the history ends more than 7 days before ``day``.
    """
    p = params or LoadModelParams(history_days=history_days)
    first = day - timedelta(days=history_days + backtest_days + 1)
    series = read_series(engine, park_id, target, first, day)
    history = series[series.index < pd.Timestamp(day)]
    last_full = _last_complete_day(history)
    if last_full is None:
        raise DataError(
            f"no complete day of readings for {target} of park '{park_id}' before {day:%Y-%m-%d}; "
            "import readings (zeropark demo / zeropark ingest) first"
        )
    is_pv = target.kind is TargetKind.PV
    site = (
        pv_site(engine, park_id, tilt_deg=tilt_deg, azimuth_deg=azimuth_deg, capacity_kwp=pv_kwp)
        if is_pv
        else None
    )
    season = PV_SEASON_H if is_pv else LOAD_SEASON_H
    min_actual = PV_MAPE_MIN_SHARE * site.capacity_kwp if site is not None else 0.0

    def pv_forecaster(h: pd.Series, d: date) -> np.ndarray:
        assert site is not None
        return forecast_pv_day(h, d, site).energy_kwh

    forecaster = (
        pv_forecaster
        if is_pv
        else load_forecaster(params=p, refit_every_days=refit_every_days, temperature_c=temperature_c)
    )
    backtest = None
    if backtest_days > 0:
        days = origin_days(last_full, backtest_days)
        backtest = rolling_origin(
            series[series.index < pd.Timestamp(last_full) + pd.Timedelta(days=1)],
            days,
            forecaster,
            season_h=season,
            min_actual=min_actual,
            progress=progress,
        )
    idx = day_index(day)
    cloud: dict[str, Any] | None = None
    if site is not None:
        pvf = forecast_pv_day(history, day, site)
        fc = pvf.energy_kwh
        cloud = {
            "by_hour": list(pvf.cloud_index.by_hour),
            "overall": pvf.cloud_index.overall,
            "learned_from": [pvf.cloud_index.first_day.isoformat(), pvf.cloud_index.last_day.isoformat()],
            "clear_sky_kwh": pvf.clear_sky_kwh,
        }
    else:
        fc = forecast_load_day(history, day, params=p, temperature_c=temperature_c)
    baseline = seasonal_naive_day(history, day, season_h=season)
    actual_all = series.reindex(idx).to_numpy(dtype=float)
    actual = actual_all if np.isfinite(actual_all).all() else None
    metrics: dict[str, Any] = {"backtest": backtest.to_dict() if backtest else None, "day": None}
    if actual is not None:
        try:
            metrics["day"] = accuracy(actual, fc, baseline, min_actual=min_actual).to_dict()
        except ValueError:
            metrics["day"] = None
    model = PV_MODEL if is_pv else LOAD_MODEL
    run_params: dict[str, Any] = {
        "date": day.isoformat(),
        "backtest_days": backtest_days,
        "backtest_first_day": backtest.days[0].day.isoformat() if backtest and backtest.days else None,
        "backtest_last_day": last_full.isoformat() if backtest_days > 0 else None,
        "history_first_day": first.isoformat(),
        "history_last_complete_day": last_full.isoformat(),
        "baseline": f"seasonal-naive m={season} h",
        "timezone_index": "local hour starts",
    }
    if site is not None:
        run_params |= {"site": site.to_dict(), "mape_min_actual_kwh": min_actual, "cloud_index": cloud}
    else:
        run_params |= {
            "lightgbm": p.to_dict(),
            "refit_every_days": refit_every_days,
            "temperature": temperature_source if temperature_c is not None else None,
        }
    series_payload = {
        "start_local": str(idx[0]),
        "step_h": 1,
        "forecast_kwh": fc,
        "baseline_kwh": baseline,
        "actual_kwh": actual,
    }
    run_id = save_forecast_run(
        engine,
        park_id=park_id,
        target=str(target),
        model=model,
        params=run_params,
        metrics=metrics,
        series=series_payload,
    )
    return ForecastOutcome(
        run_id, park_id, target, day, model, idx, fc, baseline, actual, backtest, run_params, metrics
    )


def save_forecast_run(
    engine: Engine,
    *,
    park_id: str,
    target: str,
    model: str,
    params: dict[str, Any],
    metrics: dict[str, Any],
    series: dict[str, Any],
) -> int:
    """Store one forecast run (``ForecastRunRow``); returns its id."""
    row = ForecastRunRow(
        park_id=park_id,
        target=target,
        model=model,
        issued_at=datetime.now(UTC),
        params=_clean(params),
        metrics=_clean(metrics),
        series=_clean(series),
    )
    with session_factory(engine)() as session:
        session.add(row)
        session.commit()
        return int(row.id)


def get_forecast_run(engine: Engine, run_id: int) -> ForecastRunRow:
    """One stored run.

    Raises
    ------
    NotFound
        If there is no run ``run_id``.
    """
    return get_detached(engine, ForecastRunRow, run_id, f"forecast run {run_id} not found")


def list_forecast_runs(engine: Engine, park_id: str | None = None, limit: int = 50) -> list[ForecastRunRow]:
    """The newest runs first (of one park if given)."""
    return newest_detached(engine, ForecastRunRow, park_id, limit)


# --- profiles for the optimiser --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ForecastProfileSource:
    """Forecast profiles for ``zeropark optimize dispatch`` (the optimiser's ``ProfileSource``).

    Load: the park's hourly load forecast by the LightGBM model day by day (days after the first
    use the earlier forecast days as history). PV: clear-sky yield × learned cloud index of the
    park's PV meters, as availability per unit of :attr:`PvSite.capacity_kwp`. Heat: zeros (no
    heat forecast yet).
    """

    engine: Engine
    park_id: str
    tilt_deg: float = DEFAULT_TILT_DEG
    azimuth_deg: float = DEFAULT_AZIMUTH_DEG
    pv_kwp: float | None = None
    history_days: int = 365

    def profiles(self, start_local: pd.Timestamp, hours: int, dt_h: float = 1.0) -> Any:
        """Forecast ``hours`` hours from ``start_local`` (local midnight, hourly steps).

        Raises
        ------
        ValueError
            If ``dt_h`` is not 1 or ``start_local`` is not a midnight.
        DataError
            Too little history (see :func:`zeropark.forecast.load.fit_load_model`).
        """
        from zeropark.optimize.profiles import Profiles

        if dt_h != 1.0:
            raise ValueError(f"forecast profiles are hourly; dt_h={dt_h} was asked for")
        start = pd.Timestamp(start_local)
        if start != start.normalize():
            raise ValueError(f"forecast profiles start at local midnight, {start} was given")
        first_day = start.date()
        n_days = math.ceil(hours / 24)
        hist_first = first_day - timedelta(days=self.history_days + 1)
        load_hist = read_series(self.engine, self.park_id, Target(TargetKind.PARK), hist_first, first_day)
        load_hist = load_hist[load_hist.index < start]
        loads: list[np.ndarray] = []
        for k in range(n_days):
            d = first_day + timedelta(days=k)
            fc = forecast_load_day(load_hist, d, params=LoadModelParams(history_days=self.history_days))
            loads.append(fc)
            load_hist = pd.concat([load_hist, pd.Series(fc, index=day_index(d))])
        pv_pu = np.zeros(24 * n_days)
        capacity = 0.0
        if pv_meters(self.engine, self.park_id):
            site = pv_site(
                self.engine,
                self.park_id,
                tilt_deg=self.tilt_deg,
                azimuth_deg=self.azimuth_deg,
                capacity_kwp=self.pv_kwp,
            )
            capacity = site.capacity_kwp
            pv_hist = read_series(
                self.engine, self.park_id, Target(TargetKind.PV), first_day - timedelta(days=30), first_day
            )
            pv_hist = pv_hist[pv_hist.index < start]
            pv_kwh = np.concatenate(
                [
                    forecast_pv_day(pv_hist, first_day + timedelta(days=k), site).energy_kwh
                    for k in range(n_days)
                ]
            )
            pv_pu = np.clip(pv_kwh / capacity, 0.0, 1.0)
        index = pd.date_range(start, periods=hours, freq="h")
        return Profiles(
            index_local=index,
            load_kw=np.concatenate(loads)[:hours],
            heat_kw=np.zeros(hours),
            pv_pu=pv_pu[:hours],
            pv_capacity_kw=capacity,
            source=f"forecast:{self.park_id} load {LOAD_MODEL}, PV {PV_MODEL}",
        )
