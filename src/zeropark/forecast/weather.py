"""气温: the hourly air temperature the load model may use, from a frame ``time,temperature_c`` (pure).

The store holds no weather series; a caller that has one (a weather service's observations plus
its forecast, as a CSV file) hands its rows here. ``time`` is the local hour start
(Asia/Shanghai); an aware time is converted to it. Values within an hour are averaged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zeropark.errors import RowError, ValidationError

#: Largest plausible air temperature magnitude [°C]; anything beyond is refused as a typo.
MAX_ABS_TEMPERATURE_C = 70.0


def temperature_from_frame(frame: pd.DataFrame, *, label: str) -> pd.Series:
    """Hourly air temperature [°C] on naive local hour starts from ``time,temperature_c`` rows.

    Raises
    ------
    ValidationError
        Naming the file (``label``), row and column of a missing column, a bad time or a value that
        is not a temperature in °C.
    """
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
    bad_t = ~np.isfinite(temps.to_numpy(dtype=float)) | (
        temps.abs().to_numpy(dtype=float) > MAX_ABS_TEMPERATURE_C
    )
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
