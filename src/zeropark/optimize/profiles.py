"""Load and generation profiles a run optimises over, built from frames, arrays or history (pure).

A :class:`Profiles` holds, for each step of a horizon, the electric load, the heat load and the PV
(and wind) availability. This module builds one from plain values; reading a CSV file, the store's
metered history or a forecast is the shell's job (:mod:`zeropark.services.optimization`):

- :func:`profiles_from_frame` parses a frame with ``time,load_kw[,heat_kw][,pv_pu|pv_kw]`` (a CSV
  file's rows) and :func:`window` cuts a horizon out of it;
- :func:`profiles_from_values` takes one value per step (the API's inline profile);
- :func:`profiles_from_history` turns a year of hourly load and PV [kW] into the whole year
  (sizing) or a day-ahead window — the stored hours themselves, or a seasonal-naive forecast
  (:func:`seasonal_naive`: the same hour one week earlier) for hours after them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from zeropark.errors import DataError, RowError, ValidationError
from zeropark.optimize.frames import local_index, parse_times
from zeropark.optimize.system import FloatArray


@dataclass(frozen=True, slots=True, eq=False)
class Profiles:
    """Series aligned with ``index_local`` (interval starts, local time).

    Attributes
    ----------
    load_kw : FloatArray
        Electric load [kW].
    heat_kw : FloatArray
        Heat load of the steam/hot-water network [kW_th] (zeros when none).
    pv_pu : FloatArray
        PV availability per unit of installed capacity [-].
    wind_pu : FloatArray | None
        Wind availability per unit [-] (``None`` when the park has no wind profile).
    pv_capacity_kw : float
        PV capacity the profile was observed with [kW] (0 when ``pv_pu`` is a model, not a meter).
    source : str
        Where the profiles came from, stored with the run (e.g. ``"csv:/path"``, ``"store:seasonal-naive"``).
    """

    index_local: pd.DatetimeIndex
    load_kw: FloatArray
    heat_kw: FloatArray
    pv_pu: FloatArray
    pv_capacity_kw: float
    source: str
    dt_h: float = 1.0
    wind_pu: FloatArray | None = None


def profiles_from_frame(frame: pd.DataFrame, *, label: str) -> Profiles:
    """Parse a frame with ``time, load_kw`` and optionally ``heat_kw``, ``pv_pu`` or ``pv_kw``, ``wind_pu``.

    ``time`` is the interval start in local time (Asia/Shanghai), evenly spaced. ``pv_kw`` is turned
    into availability by dividing by its maximum (the observed capacity).

    Raises
    ------
    ValidationError
        Naming the file (``label``), row and column of a missing column, a bad number or time, or an
        uneven time step.
    """
    times, errors = parse_times(frame, label=label, required=("time", "load_kw"))
    values: dict[str, FloatArray] = {}
    for col in ("load_kw", "heat_kw", "pv_pu", "pv_kw", "wind_pu"):
        if col not in frame.columns:
            continue
        num = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
        for i in np.flatnonzero(~np.isfinite(num) | (num < 0)).tolist():
            errors.append(
                RowError(label, None, int(i) + 2, col, f"'{frame[col].iloc[i]}' is not a number ≥ 0")
            )
        values[col] = num
    if errors:
        raise ValidationError(errors)
    index = local_index(times)
    steps = np.asarray((index[1:] - index[:-1]).total_seconds()) if len(index) > 1 else np.array([3600.0])
    if np.any(steps != steps[0]) or steps[0] <= 0:
        uneven = np.flatnonzero(steps != steps[0])
        bad = int(uneven[0]) + 3 if len(uneven) else 3
        raise ValidationError(
            [RowError(label, None, bad, "time", "time steps must be evenly spaced and increasing")]
        )
    dt_h = float(steps[0]) / 3600.0
    n = len(index)
    pv_cap = 0.0
    if "pv_pu" in values:
        pv = values["pv_pu"]
        if np.any(pv > 1.0 + 1e-9):
            bad_i = int(np.flatnonzero(pv > 1.0 + 1e-9)[0])
            raise ValidationError(
                [RowError(label, None, bad_i + 2, "pv_pu", "availability must be ≤ 1 (per unit)")]
            )
    elif "pv_kw" in values:
        pv_cap = float(values["pv_kw"].max())
        pv = values["pv_kw"] / pv_cap if pv_cap > 0 else np.zeros(n)
    else:
        pv = np.zeros(n)
    return Profiles(
        index_local=index,
        load_kw=values["load_kw"],
        heat_kw=values.get("heat_kw", np.zeros(n)),
        pv_pu=pv,
        pv_capacity_kw=pv_cap,
        source=label,
        dt_h=dt_h,
        wind_pu=values.get("wind_pu"),
    )


def seasonal_naive(
    history_index: pd.DatetimeIndex,
    history_kw: FloatArray,
    start_local: pd.Timestamp,
    hours: int,
    *,
    lag_days: int = 7,
) -> FloatArray:
    """The same hours ``lag_days`` earlier, repeated by week if the history ends sooner (hourly).

    Raises
    ------
    ValueError
        If the history holds no week before ``start_local``.
    """
    series = pd.Series(history_kw, index=history_index)
    out = np.empty(hours)
    for h in range(hours):
        ts = start_local + pd.Timedelta(hours=h)
        for k in range(1, 60):
            back = ts - pd.Timedelta(days=lag_days * k)
            if back in series.index and np.isfinite(series[back]):
                out[h] = float(series[back])
                break
        else:
            raise ValueError(
                f"no history for {ts:%Y-%m-%d %H:%M} on the same weekday in the previous weeks; "
                "load a year of readings first or give a CSV profile"
            )
    return out


def window(profiles: Profiles, start_local: pd.Timestamp, hours: int) -> Profiles:
    """The steps of ``profiles`` in ``[start_local, start_local + hours)``.

    Raises
    ------
    ValidationError
        Naming the source (``profiles.source``) and the span it covers, if no step is in the window.
    """
    end = start_local + pd.Timedelta(hours=hours)
    mask = np.asarray((profiles.index_local >= start_local) & (profiles.index_local < end))
    if not mask.any():
        raise ValidationError(
            [
                RowError(
                    profiles.source,
                    None,
                    None,
                    "time",
                    f"no rows between {start_local} and {end}; the file covers "
                    f"{profiles.index_local[0]} – {profiles.index_local[-1]}",
                )
            ]
        )
    return Profiles(
        index_local=profiles.index_local[mask],
        load_kw=profiles.load_kw[mask],
        heat_kw=profiles.heat_kw[mask],
        pv_pu=profiles.pv_pu[mask],
        pv_capacity_kw=profiles.pv_capacity_kw,
        source=profiles.source,
        dt_h=profiles.dt_h,
        wind_pu=None if profiles.wind_pu is None else profiles.wind_pu[mask],
    )


def profiles_from_values(
    start_local: pd.Timestamp,
    dt_h: float,
    load_kw: Sequence[float],
    *,
    heat_kw: Sequence[float] | None = None,
    pv_pu: Sequence[float] | None = None,
    wind_pu: Sequence[float] | None = None,
    source: str,
) -> Profiles:
    """Profiles of one value per step from ``start_local`` at steps of ``dt_h`` hours.

    A missing heat or PV series is zero; a missing wind series means no wind profile.

    Raises
    ------
    DataError
        If a series has another length than ``load_kw``.
    """
    n = len(load_kw)

    def arr(values: Sequence[float] | None) -> FloatArray:
        if values is None:
            return np.zeros(n)
        if len(values) != n:
            raise DataError(f"every profile series needs {n} values, one has {len(values)}")
        return np.asarray(values, dtype=float)

    index = pd.date_range(start_local, periods=n, freq=pd.Timedelta(hours=dt_h))
    return Profiles(
        index,
        arr(load_kw),
        arr(heat_kw),
        arr(pv_pu),
        0.0,
        source,
        dt_h,
        None if wind_pu is None else arr(wind_pu),
    )


def profiles_from_history(
    index_local: pd.DatetimeIndex,
    load_kw: FloatArray,
    pv_kw: FloatArray,
    *,
    source: str,
    start_local: pd.Timestamp | None = None,
    hours: int | None = None,
) -> Profiles:
    """Hourly history (load and on-site PV [kW]) as profiles: all of it, a window, or a forecast.

    Without ``start_local`` the whole history is returned (sizing on a stored year). With it, the
    ``hours`` from ``start_local``: the stored hours when they are all inside the history and
    complete, else a seasonal-naive forecast (:func:`seasonal_naive`, same weekday one week earlier)
    and the source says so. PV availability is the PV divided by its largest value (the observed
    capacity). No heat load.

    Raises
    ------
    ValueError
        From :func:`seasonal_naive`, when no week before ``start_local`` has history.
    """
    cap = float(np.nanmax(pv_kw)) if np.any(np.isfinite(pv_kw)) else 0.0
    pv_pu = pv_kw / cap if cap > 0 else np.zeros_like(pv_kw)
    if start_local is None or hours is None:
        return Profiles(index_local, load_kw, np.zeros_like(load_kw), np.nan_to_num(pv_pu), cap, source)
    span = pd.date_range(start_local, periods=hours, freq="h")
    if span[0] >= index_local[0] and span[-1] <= index_local[-1]:
        sel = index_local.get_indexer(span)
        if np.all(np.isfinite(load_kw[sel])):
            return Profiles(span, load_kw[sel], np.zeros(hours), np.nan_to_num(pv_pu[sel]), cap, source)
    return Profiles(
        span,
        seasonal_naive(index_local, load_kw, start_local, hours),
        np.zeros(hours),
        seasonal_naive(index_local, pv_pu, start_local, hours),
        cap,
        f"{source} seasonal-naive (same weekday, 7 d earlier)",
    )
