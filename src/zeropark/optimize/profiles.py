"""Load and generation profiles a run optimises over, and where they come from (pluggable).

A :class:`ProfileSource` hands back a :class:`Profiles` for a horizon: electric load, heat load and
the PV availability. Sources (the shell implements the I/O ones in ``zeropark.optimize.runs``):

- a CSV file (``time,load_kw[,heat_kw][,pv_pu|pv_kw]``) — :func:`profiles_from_frame` parses it;
- the store's metered history (hourly park load and on-site PV from ``load_accounting_input``),
  used as a seasonal-naive forecast (same weekday one week earlier) until ``zeropark.forecast``
  lands — then a forecast source implements the same protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from zeropark.errors import RowError, ValidationError
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


class ProfileSource(Protocol):
    """Anything that gives profiles for a horizon (CSV, store history, a forecast model)."""

    def profiles(self, start_local: pd.Timestamp, hours: int, dt_h: float) -> Profiles:
        """Profiles for ``hours`` from ``start_local`` at steps of ``dt_h`` hours."""
        ...


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
    errors: list[RowError] = []
    for col in ("time", "load_kw"):
        if col not in frame.columns:
            errors.append(
                RowError(label, None, 1, col, f"column '{col}' is missing; columns are {list(frame.columns)}")
            )
    if errors:
        raise ValidationError(errors)
    times = pd.to_datetime(frame["time"], errors="coerce")
    for i in np.flatnonzero(times.isna().to_numpy()).tolist():
        errors.append(
            RowError(label, None, int(i) + 2, "time", f"'{frame['time'].iloc[i]}' is not a date-time")
        )
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
    index = pd.DatetimeIndex(times)
    if index.tz is not None:
        index = index.tz_convert("Asia/Shanghai").tz_localize(None)
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
