"""Forecast runs (预测运行): forecast a day, store the run, list and read runs — one function per use case.

``zeropark forecast`` and the optimiser's forecast profiles (``zeropark optimize dispatch --source
forecast``, :func:`forecast_profiles`) call these; the models are the pure core
(:mod:`zeropark.forecast`), which gets plain series from here.

Series (the store's data definitions, read through :mod:`zeropark.store`): hourly energy [kWh] on
naive local hour starts, NaN where the readings do not cover the whole hour (an hour with one
half-hour of a 30-minute meter missing is a gap, not half an hour's energy) —

- park and enterprise: the electric load as the accounting aggregation defines it,
  ``zeropark.store.aggregate.load_accounting_input(...).hourly_load_kwh`` (the same load
  ``zeropark optimize`` plans for);
- meter: ``zeropark.store.aggregate.meter_hourly`` (registers differenced, multiplier applied);
- PV: the sum of the park's top-level electricity generation meters with technology ``pv``.

Temperature: the store has no weather series. The load model uses temperature only when the
caller passes an hourly series (:func:`read_temperature_csv` of ``zeropark forecast --weather``);
otherwise it runs on calendar and lags.

Access (:mod:`zeropark.services.park_runs`): admin and park managers create forecast runs (audited
``create forecast_run``), verifiers read them. An enterprise user sees and makes only the forecast of
its own enterprise's load (target ``enterprise:<its id>``); every other run is refused to it (audited).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from zeropark.errors import DataError, NotFound, PermissionDenied, RowError, ValidationError
from zeropark.forecast.backtest import BacktestResult, Progress
from zeropark.forecast.dayahead import (
    LOAD_MODEL,
    PV_MODEL,
    DayAhead,
    history_start,
    load_day_ahead,
    load_profile_kwh,
    pv_day_ahead,
    pv_profile_kwh,
)
from zeropark.forecast.features import CALENDAR_CN
from zeropark.forecast.load import LoadModelParams
from zeropark.forecast.pv import DEFAULT_AZIMUTH_DEG, DEFAULT_TILT_DEG, PvSite
from zeropark.forecast.target import Target, TargetKind
from zeropark.forecast.weather import temperature_from_frame
from zeropark.model import Carrier, Direction, Meter, Park
from zeropark.optimize.profiles import Profiles
from zeropark.services.park_runs import check_create, check_read, json_safe, require_park, utc, visible_rows
from zeropark.store import audit, repo
from zeropark.store.aggregate import load_accounting_input, meter_hourly
from zeropark.store.db import get_detached, newest_detached, transaction
from zeropark.store.schema import ForecastRunRow
from zeropark.store.scope import Scope

#: Entity name of forecast runs in the audit log.
ENTITY = "forecast_run"


@dataclass(frozen=True, slots=True, eq=False)
class ForecastOutcome:
    """A forecast run just made and stored: the day's forecast, baseline, actual and backtest."""

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
    lower_kwh: np.ndarray | None = None
    upper_kwh: np.ndarray | None = None
    quantiles: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class StoredForecast:
    """A stored forecast run as the table keeps it (JSON parameters, metrics and series)."""

    id: int
    park_id: str
    target: str
    model: str
    issued_at: datetime
    params: dict[str, Any]
    metrics: dict[str, Any]
    series: dict[str, Any]


def own_target(scope: Scope) -> Target | None:
    """The one target an enterprise user may forecast and read: its own enterprise (else None)."""
    if scope.is_enterprise and scope.enterprise_id:
        return Target(TargetKind.ENTERPRISE, scope.enterprise_id)
    return None


def _refuse_other_target(scope: Scope, park_id: str, target: str, entity_id: str) -> None:
    """Refuse an enterprise user any target but its own (audited ``denied``)."""
    own = own_target(scope)
    if own is not None and target != str(own):
        scope.deny(ENTITY, entity_id, f"target {target} is not the enterprise's own ({own})")
        raise PermissionDenied(
            f"an enterprise user may forecast only its own enterprise ({own}), not {target}; "
            "ask a park manager"
        )
    scope.check_park(park_id)


def _stored(row: ForecastRunRow) -> StoredForecast:
    return StoredForecast(
        row.id, row.park_id, row.target, row.model, utc(row.issued_at), row.params, row.metrics, row.series
    )


# --- reading series --------------------------------------------------------------------------


def park_ids(scope: Scope) -> list[str]:
    """The ids of the stored parks the user may forecast for, in order."""
    return [p.id for p in repo.list_parks(scope.engine) if scope.sees_park(p.id)]


def _pv_meters(engine: Engine, park_id: str) -> list[Meter]:
    """The park's top-level PV generation meters (children of another PV meter are left out)."""
    meters = repo.list_meters(engine, park_id, carrier=Carrier.ELECTRICITY, direction=Direction.GENERATION)
    pv = {m.id: m for m in meters if m.technology == "pv"}
    return [m for m in pv.values() if m.parent_id not in pv]


def _meters_of(engine: Engine, park: Park, target: Target) -> list[Meter]:
    """The meters read directly for ``target`` (none for park and enterprise load).

    Raises
    ------
    NotFound
        If the enterprise or meter does not exist or is in another park, or the park has no PV meter.
    """
    if target.kind is TargetKind.ENTERPRISE:
        assert target.ident is not None
        ent = repo.get_enterprise(engine, target.ident)
        if ent.park_id != park.id:
            raise NotFound(f"enterprise '{target.ident}' is not in park '{park.id}'")
        return []
    if target.kind is TargetKind.METER:
        assert target.ident is not None
        meter = repo.get_meter(engine, target.ident)
        if meter.park_id != park.id:
            raise NotFound(f"meter '{target.ident}' is not in park '{park.id}'")
        return [meter]
    if target.kind is TargetKind.PV:
        meters = _pv_meters(engine, park.id)
        if not meters:
            raise NotFound(
                f"park '{park.id}' has no PV generation meter (electricity, direction generation, "
                "technology 'pv'); add one or forecast another target"
            )
        return meters
    return []


def _series(engine: Engine, park: Park, target: Target, first_day: date, last_day: date) -> pd.Series:
    """Hourly energy of ``target`` from ``first_day`` to ``last_day`` inclusive [kWh] (unchecked)."""
    meters = _meters_of(engine, park, target)
    parts: list[pd.Series] = []
    for year in range(first_day.year, last_day.year + 1):
        if target.kind in (TargetKind.PARK, TargetKind.ENTERPRISE):
            inputs = load_accounting_input(engine, park.id, year, target.ident)
            values = np.asarray(inputs.hourly_load_kwh, dtype=float)
        else:
            by_meter = meter_hourly(engine, park.id, year, meters, tz=park.timezone)
            values = np.sum([by_meter[m.id].values for m in meters], axis=0)
        if values.size == 0:
            n = (date(year + 1, 1, 1) - date(year, 1, 1)).days * 24
            values = np.full(n, np.nan)
        parts.append(pd.Series(values, index=pd.date_range(f"{year}-01-01", periods=values.size, freq="h")))
    series = pd.concat(parts)
    lo = pd.Timestamp(first_day)
    hi = pd.Timestamp(last_day) + pd.Timedelta(days=1)
    out: pd.Series = series[(series.index >= lo) & (series.index < hi)]
    return out


def hourly_history(scope: Scope, park_id: str, target: Target, first_day: date, last_day: date) -> pd.Series:
    """Hourly energy of ``target`` from ``first_day`` to ``last_day`` inclusive [kWh].

    Returns
    -------
    Series
        On naive local hour starts; NaN where no reading covers the hour.

    Raises
    ------
    NotFound
        If the park, enterprise or meter does not exist (or is in another park).
    PermissionDenied
        For an enterprise user (forecasts are park-level).
    """
    check_read(scope, park_id, ENTITY, str(target))
    park = require_park(scope.engine, park_id)
    return _series(scope.engine, park, target, first_day, last_day)


def _site(
    engine: Engine, park: Park, *, tilt_deg: float, azimuth_deg: float, capacity_kwp: float | None
) -> PvSite:
    if capacity_kwp is None:
        meters = _meters_of(engine, park, Target(TargetKind.PV))
        capacity_kwp = sum(m.rated_capacity or 0.0 for m in meters)
        if capacity_kwp <= 0:
            raise DataError(
                f"the PV meters of park '{park.id}' have no rated capacity; pass the capacity "
                "(zeropark forecast --pv-kwp N)"
            )
    return PvSite(park.latitude, park.longitude, 0.0, park.timezone, tilt_deg, azimuth_deg, capacity_kwp)


def pv_site(
    scope: Scope,
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
    check_read(scope, park_id, ENTITY, "pv")
    park = require_park(scope.engine, park_id)
    return _site(scope.engine, park, tilt_deg=tilt_deg, azimuth_deg=azimuth_deg, capacity_kwp=capacity_kwp)


def read_temperature_csv(path: Path) -> pd.Series:
    """Hourly air temperature [°C] from a CSV with columns ``time,temperature_c`` (local hour starts).

    Raises
    ------
    ValidationError
        Naming the file, row and column of a missing file or column, a bad time or a bad number.
    """
    if not path.exists():
        raise ValidationError([RowError(str(path), None, None, None, "file not found")])
    return temperature_from_frame(pd.read_csv(path, encoding="utf-8-sig"), label=str(path))


# --- a forecast run --------------------------------------------------------------------------


def run_forecast(
    scope: Scope,
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
    calendar: str = CALENDAR_CN,
    progress: Progress | None = None,
) -> ForecastOutcome:
    """Forecast ``day`` for ``target``, backtest on the ``backtest_days`` before it, store the run.

    The backtest uses the last ``backtest_days`` days with metered data before ``day`` (rolling
    origins, model refitted every ``refit_every_days``); 0 skips it. The run and its audit record
    ``create forecast_run`` are written in one transaction. ``calendar`` is the load model's
    holiday calendar (``"CN"``, ``"none"`` or a ``holidays`` country code). The store gives hourly
    energy (a meter's 15- or 30-minute intervals summed per hour, partly metered hours as gaps);
    the run's ``params["source_interval_s"]`` names the meters' own intervals.

    Raises
    ------
    NotFound
        Unknown (or invisible) park, enterprise or meter.
    PermissionDenied
        The user may not create forecast runs (verifier, enterprise user).
    DataError
        Too little history to fit, or the history ends more than 7 days before ``day``.
    """
    if own_target(scope) is not None:
        _refuse_other_target(scope, park_id, str(target), f"new run of {park_id}")
        park = require_park(scope.engine, park_id)
    else:
        park = check_create(scope, park_id, ENTITY)
    first = history_start(day, history_days=history_days, backtest_days=backtest_days)
    series = _series(scope.engine, park, target, first, day)
    label = f"{target} of park '{park_id}'"
    forecast: DayAhead
    if target.kind is TargetKind.PV:
        site = _site(scope.engine, park, tilt_deg=tilt_deg, azimuth_deg=azimuth_deg, capacity_kwp=pv_kwp)
        forecast = pv_day_ahead(
            series,
            day,
            site,
            label=label,
            backtest_days=backtest_days,
            history_days=history_days,
            progress=progress,
        )
    else:
        forecast = load_day_ahead(
            series,
            day,
            label=label,
            backtest_days=backtest_days,
            history_days=history_days,
            refit_every_days=refit_every_days,
            params=params,
            temperature_c=temperature_c,
            temperature_source=temperature_source,
            calendar=calendar,
            progress=progress,
        )
    meters = _meters_of(scope.engine, park, target)
    if not meters:
        forecast.params["resolution"] = (
            "hourly: the store's hourly load of the accounting aggregation (each meter's intervals "
            "summed per hour; an hour a meter covers only in part is a gap)"
        )
    else:
        steps = sorted({m.interval_s for m in meters})
        forecast.params["source_interval_s"] = steps
        forecast.params["resolution"] = (
            f"hourly: the store sums the meter intervals ({', '.join(f'{s // 60} min' for s in steps)}) "
            "per hour; an hour with a missing interval is a gap"
        )
    run_id = _save(scope, park_id, target, forecast)
    return ForecastOutcome(
        run_id,
        park_id,
        target,
        day,
        forecast.model,
        forecast.index_local,
        forecast.forecast_kwh,
        forecast.baseline_kwh,
        forecast.actual_kwh,
        forecast.backtest,
        forecast.params,
        forecast.metrics,
        forecast.lower_kwh,
        forecast.upper_kwh,
        forecast.quantiles,
    )


def _save(scope: Scope, park_id: str, target: Target, forecast: DayAhead) -> int:
    """Store the run and its audit record in one transaction; returns the run id."""
    with transaction(scope.engine) as session:
        row = ForecastRunRow(
            park_id=park_id,
            target=str(target),
            model=forecast.model,
            issued_at=datetime.now(UTC),
            params=json_safe(forecast.params),
            metrics=json_safe(forecast.metrics),
            series=json_safe(forecast.series()),
        )
        session.add(row)
        session.flush()
        scope.audit(
            session,
            audit.CREATE,
            ENTITY,
            str(row.id),
            after={"park_id": park_id, "target": str(target), "model": forecast.model, "date": forecast.day},
        )
        return int(row.id)


def get_forecast_run(scope: Scope, run_id: int) -> StoredForecast:
    """One stored run.

    Raises
    ------
    NotFound
        If there is no run ``run_id`` (or its park is outside the scope).
    PermissionDenied
        For an enterprise user, unless the run is its own enterprise's forecast.
    """
    row = get_detached(
        scope.engine,
        ForecastRunRow,
        run_id,
        f"forecast run {run_id} not found; the runs are listed in table forecast_run",
    )
    if own_target(scope) is not None:
        _refuse_other_target(scope, row.park_id, row.target, str(run_id))
    else:
        check_read(scope, row.park_id, ENTITY, str(run_id))
    return _stored(row)


def list_forecast_runs(scope: Scope, park_id: str | None = None, limit: int = 50) -> list[StoredForecast]:
    """The newest runs first, of ``park_id`` (else of every park the user sees).

    Raises
    ------
    NotFound
        If ``park_id`` is outside the scope.

    An enterprise user gets the runs of its own enterprise's forecast only.
    """
    own = own_target(scope)
    if own is not None:
        park = park_id or scope.park_id
        if park is None:
            return []
        scope.check_park(park)
        rows = newest_detached(scope.engine, ForecastRunRow, park, limit, ForecastRunRow.target == str(own))
        return [_stored(r) for r in rows]
    return [_stored(r) for r in visible_rows(scope, ForecastRunRow, ENTITY, park_id, limit)]


# --- profiles for the optimiser --------------------------------------------------------------


def forecast_profiles(
    scope: Scope,
    park_id: str,
    start_local: pd.Timestamp,
    hours: int,
    *,
    tilt_deg: float = DEFAULT_TILT_DEG,
    azimuth_deg: float = DEFAULT_AZIMUTH_DEG,
    pv_kwp: float | None = None,
    history_days: int = 365,
    calendar: str = CALENDAR_CN,
) -> Profiles:
    """Forecast profiles of ``hours`` hours from ``start_local`` (local midnight) for the optimiser.

    Load: the park's hourly load forecast by the LightGBM model day by day (days after the first
    use the earlier forecast days as history). PV: clear-sky yield × learned cloud index of the
    park's PV meters, as availability per unit of :attr:`PvSite.capacity_kwp` (zero without PV
    meters). Heat: zeros (no heat forecast yet).

    Raises
    ------
    DataError
        If ``start_local`` is not a midnight, or too little history (see
        :func:`zeropark.forecast.load.fit_load_model`).
    """
    check_read(scope, park_id, ENTITY, "profiles")
    park = require_park(scope.engine, park_id)
    start = pd.Timestamp(start_local)
    if start != start.normalize():
        raise DataError(f"forecast profiles start at local midnight, {start} was given")
    first_day = start.date()
    n_days = math.ceil(hours / 24)
    load_hist = _series(
        scope.engine, park, Target(TargetKind.PARK), first_day - timedelta(days=history_days + 1), first_day
    )
    load_kwh = load_profile_kwh(load_hist, first_day, n_days, history_days=history_days, calendar=calendar)
    pv_pu = np.zeros(24 * n_days)
    capacity = 0.0
    if _pv_meters(scope.engine, park_id):
        site = _site(scope.engine, park, tilt_deg=tilt_deg, azimuth_deg=azimuth_deg, capacity_kwp=pv_kwp)
        capacity = site.capacity_kwp
        pv_hist = _series(
            scope.engine, park, Target(TargetKind.PV), first_day - timedelta(days=30), first_day
        )
        pv_pu = np.clip(pv_profile_kwh(pv_hist, first_day, n_days, site) / capacity, 0.0, 1.0)
    return Profiles(
        index_local=pd.date_range(start, periods=hours, freq="h"),
        load_kw=load_kwh[:hours],
        heat_kw=np.zeros(hours),
        pv_pu=pv_pu[:hours],
        pv_capacity_kw=capacity,
        source=f"forecast:{park_id} load {LOAD_MODEL}, PV {PV_MODEL}",
    )
