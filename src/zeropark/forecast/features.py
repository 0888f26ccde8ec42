"""Calendar and lag features of an hourly energy series for day-ahead forecasting (pure).

Conventions
-----------
- A series is a :class:`pandas.Series` of energy per hour [kWh] (or the meter's canonical unit)
  on a **naive local-time index of hour starts** (Asia/Shanghai for Chinese parks): the value
  at ``2025-03-03 08:00`` is the energy of 08:00–09:00 local time. The shell converts the stored
  UTC readings to this form once; the core never sees UTC.
- A day-ahead forecast for day D is issued at the end of D − 1 (00:00 local of D) and covers
  the 24 hours of D. Every lag feature therefore looks back at least 24 h, so the same features
  are available in training (history) and at forecast time.

Calendar (``chinese_calendar``, ``holidays`` or none)
-----------------------------------------------------
China's working calendar is not Monday–Friday: statutory holidays (法定节假日) are bridged by
调休 — weekend days that become working days (e.g. Saturday 2026-02-14 before the 2026 Spring
Festival) and weekdays that become days off. With the default calendar ``"CN"``,
:func:`calendar_features` takes both from the State Council's annual notice as encoded by the
``chinese_calendar`` package (2004 – the last year the installed version knows; a date outside
that range raises :class:`~zeropark.errors.DataError` saying which end it is beyond).

A park outside mainland China chooses another calendar (:data:`CALENDARS`): ``"none"`` —
Monday–Friday working days, no holidays — or a country (or subdivision, ``"US-CA"``) code of the
``holidays`` package, whose public holidays are days off (no 调休 and no Spring-Festival period).

Features (columns of :func:`design_matrix`)
-------------------------------------------
``hour``                 hour of day 0–23 (local)
``weekday``              0 = Monday … 6 = Sunday
``is_workday``           1 on a working day per the official calendar (调休 included)
``is_statutory_holiday`` 1 on a 法定节假日 day (Spring Festival, National Day, …)
``is_adjusted_workday``  1 on a 调休 working day (a Saturday/Sunday that is a working day)
``is_spring_festival``   1 from 7 days before to 7 days after the Spring Festival holiday, when
                         many plants run down (春节前后停工); 0 elsewhere
``doy_sin``, ``doy_cos`` day of year on the unit circle (annual seasonality)
``lag_24h``              energy of the same hour one day earlier
``lag_48h``              … two days earlier
``lag_168h``             … one week earlier (the seasonal-naive forecast)
``lag_same_daytype``     same hour on the most recent earlier day of the same kind
                         (working vs non-working): after a holiday the model sees the last
                         working day, not the holiday
``mean_prev_day``        mean hourly energy of day D − 1
``mean_prev_7d``         mean hourly energy of days D − 7 … D − 1
``mean_prev_28d``        level: mean hourly energy of the working days among D − 28 … D − 1
                         (at least 5 with data; else of all days with data, at least 7) — the
                         scale of the target in :mod:`zeropark.forecast.load`, chosen so that
                         a holiday (8 days at National Day) does not drag the level down
``temperature_c``        air temperature [°C] of the hour — only when a temperature series is
                         given (the demo park has none; see docs/optimisation.md)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
import holidays as holidays_lib
import numpy as np
import pandas as pd

from zeropark.errors import DataError

#: Calendar feature columns, in order.
CALENDAR_COLUMNS: tuple[str, ...] = (
    "hour",
    "weekday",
    "is_workday",
    "is_statutory_holiday",
    "is_adjusted_workday",
    "is_spring_festival",
    "doy_sin",
    "doy_cos",
)
#: Lag feature columns, in order (all look back ≥ 24 h).
LAG_COLUMNS: tuple[str, ...] = (
    "lag_24h",
    "lag_48h",
    "lag_168h",
    "lag_same_daytype",
    "mean_prev_day",
    "mean_prev_7d",
    "mean_prev_28d",
)
#: Optional weather column, used only when a temperature series is given.
TEMPERATURE_COLUMN = "temperature_c"
#: Days around the Spring Festival holiday counted as its run-down period.
SPRING_FESTIVAL_MARGIN_DAYS = 7
#: Longest look-back of the same-daytype lag [days].
MAX_LOOKBACK_DAYS = 14
#: Window of the level (scale) feature ``mean_prev_28d`` [days] and the fewest days it needs.
LEVEL_WINDOW_DAYS = 28
LEVEL_MIN_DAYS = 7
#: Working days the level needs before it is taken over working days only.
LEVEL_MIN_WORKDAYS = 5


#: The default holiday calendar: mainland China's (法定节假日 and 调休).
CALENDAR_CN = "CN"
#: No holidays: Monday–Friday are working days.
CALENDAR_NONE = "none"
#: Calendars besides a ``holidays`` country code: see :func:`check_calendar`.
CALENDARS = (CALENDAR_CN, CALENDAR_NONE)


def cn_calendar_years() -> tuple[int, int]:
    """First and last year the installed ``chinese_calendar`` has the State Council's notice for."""
    years = [d.year for d in chinese_calendar.constants.holidays]
    return min(years), max(years)


def check_calendar(calendar: str) -> str:
    """``calendar`` normalised (``"CN"``, ``"none"`` or a ``holidays`` code such as ``"DE"``, ``"US-CA"``).

    Raises
    ------
    DataError
        If it is none of these, listing what is accepted.

    Examples
    --------
    >>> check_calendar("cn"), check_calendar("None"), check_calendar("us-ca")
    ('CN', 'none', 'US-CA')
    """
    c = calendar.strip()
    if c.upper() == CALENDAR_CN:
        return CALENDAR_CN
    if c.lower() == CALENDAR_NONE:
        return CALENDAR_NONE
    country, _, subdiv = c.upper().partition("-")
    supported = holidays_lib.list_supported_countries()
    if country not in supported:
        raise DataError(
            f"unknown holiday calendar '{calendar}': give CN (China, 法定节假日 and 调休), none "
            "(Monday–Friday, no holidays) or a country code of the holidays package (e.g. DE, JP, US-CA)"
        )
    if subdiv and subdiv not in supported[country]:
        raise DataError(
            f"unknown subdivision '{subdiv}' of holiday calendar {country}; known: "
            f"{', '.join(supported[country][:20])}{' …' if len(supported[country]) > 20 else ''}"
        )
    return f"{country}-{subdiv}" if subdiv else country


def _check_known(d: date) -> None:
    first, last = cn_calendar_years()
    if d.year < first:
        raise DataError(
            f"no Chinese holiday calendar for {d:%Y-%m-%d}: chinese-calendar starts in {first} "
            f"(the first State Council notice it encodes) and knows {first}–{last}; forecast with "
            f"history from {first} on, or choose another calendar (--calendar none)"
        )
    if d.year > last:
        raise DataError(
            f"no Chinese holiday calendar for {d:%Y-%m-%d}: the installed chinese-calendar knows "
            f"{first}–{last}; upgrade it (pip install -U chinese-calendar) once the State Council "
            "notice for the year is out, or choose another calendar (--calendar none)"
        )


def _other_calendar(days: Sequence[date], calendar: str) -> pd.DataFrame:
    """Per day flags of a non-Chinese calendar: weekends and public holidays off, no 调休."""
    workday = np.array([d.weekday() < 5 for d in days], dtype=np.int8)
    holiday = np.zeros(len(days), dtype=np.int8)
    if calendar != CALENDAR_NONE and days:
        country, _, subdiv = calendar.partition("-")
        years = sorted({d.year for d in days})
        off = holidays_lib.country_holidays(country, subdiv=subdiv or None, years=years)
        holiday = np.array([d in off for d in days], dtype=np.int8)
        workday = np.where(holiday == 1, 0, workday).astype(np.int8)
    zeros = np.zeros(len(days), dtype=np.int8)
    return pd.DataFrame(
        {
            "is_workday": workday,
            "is_statutory_holiday": holiday,
            "is_adjusted_workday": zeros,
            "is_spring_festival": zeros,
        },
        index=pd.Index(list(days), name="day"),
    )


def day_calendar(days: Sequence[date], calendar: str = CALENDAR_CN) -> pd.DataFrame:
    """Per day: working day, statutory holiday, 调休 working day and Spring-Festival period flags.

    Parameters
    ----------
    days : sequence of date
        Local calendar days.
    calendar : str
        ``"CN"`` (default), ``"none"`` or a ``holidays`` country code (:func:`check_calendar`).

    Returns
    -------
    DataFrame
        Index ``days``; int8 columns ``is_workday``, ``is_statutory_holiday``,
        ``is_adjusted_workday``, ``is_spring_festival``.

    Raises
    ------
    DataError
        If a day lies outside the years the installed ``chinese_calendar`` knows (calendar CN),
        or the calendar is unknown.

    Examples
    --------
    >>> day_calendar([date(2026, 2, 14)]).iloc[0].to_dict()  # Saturday, 调休 working day
    {'is_workday': 1, 'is_statutory_holiday': 0, 'is_adjusted_workday': 1, 'is_spring_festival': 1}
    """
    days = list(days)
    calendar = check_calendar(calendar)
    if calendar != CALENDAR_CN:
        return _other_calendar(days, calendar)
    workday = np.zeros(len(days), dtype=np.int8)
    holiday = np.zeros(len(days), dtype=np.int8)
    adjusted = np.zeros(len(days), dtype=np.int8)
    festival_days: set[date] = set()
    for i, d in enumerate(days):
        _check_known(d)
        workday[i] = chinese_calendar.is_workday(d)
        on, name = chinese_calendar.get_holiday_detail(d)
        holiday[i] = bool(on and name is not None)
        adjusted[i] = bool(workday[i] and d.weekday() >= 5)
        if on and name == chinese_calendar.Holiday.spring_festival.value:
            festival_days.add(d)
    festival = np.zeros(len(days), dtype=np.int8)
    margin = timedelta(days=SPRING_FESTIVAL_MARGIN_DAYS)
    # the holiday itself may lie outside ``days``: look it up around the first days of each year
    for year in sorted({d.year for d in days} | {d.year + 1 for d in days}):
        for k in range(0, 60):
            d = date(year, 1, 10) + timedelta(days=k)
            try:
                on, name = chinese_calendar.get_holiday_detail(d)
            except NotImplementedError:
                break
            if on and name == chinese_calendar.Holiday.spring_festival.value:
                festival_days.add(d)
    if festival_days:
        for i, d in enumerate(days):
            festival[i] = any(abs(d - f) <= margin for f in festival_days)
    return pd.DataFrame(
        {
            "is_workday": workday,
            "is_statutory_holiday": holiday,
            "is_adjusted_workday": adjusted,
            "is_spring_festival": festival,
        },
        index=pd.Index(days, name="day"),
    )


def calendar_features(index_local: pd.DatetimeIndex, calendar: str = CALENDAR_CN) -> pd.DataFrame:
    """Calendar features (:data:`CALENDAR_COLUMNS`) of hourly local timestamps.

    Parameters
    ----------
    index_local : DatetimeIndex
        Naive local hour starts.
    calendar : str
        Holiday calendar (:func:`check_calendar`).

    Returns
    -------
    DataFrame
        One row per timestamp, columns :data:`CALENDAR_COLUMNS`.

    Raises
    ------
    DataError
        If a day lies beyond the years the installed ``chinese_calendar`` knows.
    """
    days = [ts.date() for ts in index_local]
    unique = sorted(set(days))
    cal = day_calendar(unique, calendar)
    pos = {d: i for i, d in enumerate(unique)}
    rows = np.array([pos[d] for d in days], dtype=np.int64)
    doy = np.asarray(index_local.day_of_year, dtype=float)
    out = pd.DataFrame(index=index_local)
    out["hour"] = np.asarray(index_local.hour, dtype=np.int16)
    out["weekday"] = np.asarray(index_local.day_of_week, dtype=np.int16)
    for col in ("is_workday", "is_statutory_holiday", "is_adjusted_workday", "is_spring_festival"):
        out[col] = cal[col].to_numpy()[rows]
    out["doy_sin"] = np.sin(2 * np.pi * doy / 365.25)
    out["doy_cos"] = np.cos(2 * np.pi * doy / 365.25)
    return out


#: Meter intervals a series may come in [min]: each divides the hour.
SUPPORTED_STEPS_MIN = (5, 10, 15, 20, 30, 60)


@dataclass(frozen=True, slots=True, eq=False)
class HourlyInput:
    """A series brought to hourly energy, with what was done to it (stored with a forecast run).

    Attributes
    ----------
    series : Series
        Hourly energy [kWh] on naive local hour starts.
    step_min : int
        Step of the series as given [min] (60: it was hourly already).
    n_partial_hours : int
        Hours left as gaps because some of their sub-hourly values were missing.
    """

    series: pd.Series
    step_min: int
    n_partial_hours: int = 0

    @property
    def note(self) -> str:
        """What was done, in words."""
        if self.step_min == 60:
            return "hourly series, used as given"
        per = 60 // self.step_min
        return (
            f"{self.step_min}-min series summed to hours ({per} values per hour); "
            f"{self.n_partial_hours} hours with a missing {self.step_min}-min value left as gaps"
        )


def series_step_min(series: pd.Series) -> int:
    """The step of a series [min]: the most common spacing of its (sorted) index.

    Raises
    ------
    DataError
        If the spacing is not one of :data:`SUPPORTED_STEPS_MIN` (it must divide the hour).
    """
    idx = pd.DatetimeIndex(series.index)
    if len(idx) < 2:
        return 60
    minutes = (idx.sort_values()[1:] - idx.sort_values()[:-1]) / pd.Timedelta(minutes=1)
    diffs = np.round(np.asarray(minutes, dtype=float)).astype(np.int64)
    diffs = diffs[diffs > 0]
    if diffs.size == 0:
        return 60
    values, counts = np.unique(diffs, return_counts=True)
    step = int(values[np.argmax(counts)])
    if step not in SUPPORTED_STEPS_MIN:
        raise DataError(
            f"the series has a step of {step} min; forecasts take 15-, 30- or 60-minute series "
            f"(any of {', '.join(map(str, SUPPORTED_STEPS_MIN))} min, which divide the hour)"
        )
    return step


def to_hourly(series: pd.Series) -> HourlyInput:
    """Sum a sub-hourly energy series to hours, explicitly; an hourly series is returned as is.

    An interval value at ``t`` (interval start, the convention of this module) belongs to the hour
    holding ``t``. An hour is summed only when all ``60 / step`` of its values are present and
    finite; otherwise it is a gap (NaN), counted in ``n_partial_hours`` when some were present
    — never the energy of the part that was metered.

    Raises
    ------
    DataError
        If the step does not divide the hour, or values are not aligned to it.

    Examples
    --------
    >>> s = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2025-01-01", periods=3, freq="30min"))
    >>> h = to_hourly(s)
    >>> h.series.tolist(), h.step_min, h.n_partial_hours
    ([3.0, nan], 30, 1)
    """
    step = series_step_min(series)
    idx = pd.DatetimeIndex(series.index)
    if step == 60:
        if len(idx) and (np.asarray(idx.minute) != 0).any():
            raise DataError("an hourly series must be stamped at hour starts (minute 0)")
        return HourlyInput(series, 60)
    if (np.asarray(idx.minute) % step != 0).any() or (np.asarray(idx.second) != 0).any():
        raise DataError(f"a {step}-min series must be stamped at multiples of {step} min past the hour")
    per = 60 // step
    values = series.to_numpy(dtype=float)
    hours = idx.floor("h")
    frame = pd.DataFrame({"v": values, "ok": np.isfinite(values)}, index=hours)
    grouped = frame.groupby(level=0)
    total = grouped["v"].sum(min_count=1)
    n_ok = grouped["ok"].sum()
    complete = n_ok == per
    hourly = total.where(complete)
    full = regular_hours(hours.min(), hours.max() + pd.Timedelta(hours=1))
    out = hourly.reindex(full)
    partial = int(((n_ok > 0) & ~complete).sum())
    return HourlyInput(out.astype(float), step, partial)


def require_hourly(series: pd.Series) -> None:
    """Refuse a sub-hourly series where hourly energy is expected (no silent resampling).

    Raises
    ------
    DataError
        Naming the step and :func:`to_hourly`.
    """
    idx = pd.DatetimeIndex(series.index)
    if len(idx) and (np.asarray(idx.minute) != 0).any():
        step = series_step_min(series)
        raise DataError(
            f"the load model works on hourly energy but the series has a {step}-min step; sum it "
            "to hours with zeropark.forecast.features.to_hourly (load_day_ahead does so and says so)"
        )


def regular_hours(start_local: pd.Timestamp, end_local: pd.Timestamp) -> pd.DatetimeIndex:
    """Hour starts ``[start_local, end_local)``."""
    return pd.date_range(start_local, end_local, freq="h", inclusive="left")


def lag_features(
    series: pd.Series, index_local: pd.DatetimeIndex, calendar: str = CALENDAR_CN
) -> pd.DataFrame:
    """Lag features (:data:`LAG_COLUMNS`) for the hours ``index_local`` from ``series``.

    Parameters
    ----------
    series : Series
        Hourly energy [kWh] on naive local hour starts; missing hours may be absent or NaN.
        Values at or after a target hour's day are never used for that hour.
    index_local : DatetimeIndex
        Hours to build features for (whole days).
    calendar : str
        Holiday calendar of the same-daytype lag and the level (:func:`check_calendar`).

    Returns
    -------
    DataFrame
        One row per hour of ``index_local``; NaN where the history does not reach back far
        enough (LightGBM treats NaN as missing).
    """
    if len(index_local) == 0:
        return pd.DataFrame(columns=list(LAG_COLUMNS), index=index_local)
    first = min(index_local[0], series.index.min() if len(series) else index_local[0]).normalize()
    first = first - pd.Timedelta(days=max(MAX_LOOKBACK_DAYS, LEVEL_WINDOW_DAYS) + 1)
    last = index_local[-1].normalize() + pd.Timedelta(days=1)
    full = regular_hours(first, last)
    values = series.reindex(full).to_numpy(dtype=float)
    n_days = len(full) // 24
    by_day = values.reshape(n_days, 24)
    day_start = full[::24]
    target_day = ((index_local.normalize() - first) // pd.Timedelta(days=1)).to_numpy(dtype=np.int64)
    hour = np.asarray(index_local.hour, dtype=np.int64)

    def back(days_back: int) -> np.ndarray:
        d = target_day - days_back
        ok = d >= 0
        return np.where(ok, by_day[np.clip(d, 0, None), hour], np.nan)

    finite = np.isfinite(by_day)
    n_finite = finite.sum(axis=1)
    day_sum = np.where(finite, by_day, 0.0).sum(axis=1)
    day_mean = np.full(n_days, np.nan)
    np.divide(day_sum, n_finite, out=day_mean, where=n_finite > 0)
    workday = day_calendar([ts.date() for ts in day_start], calendar)["is_workday"].to_numpy()
    same_type = np.full(n_days, -1, dtype=np.int64)
    for d in range(n_days):
        for k in range(1, MAX_LOOKBACK_DAYS + 1):
            if d - k >= 0 and workday[d - k] == workday[d] and not np.isnan(by_day[d - k]).all():
                same_type[d] = d - k
                break
    st = same_type[target_day]
    mean7 = np.full(n_days, np.nan)
    mean28 = np.full(n_days, np.nan)
    for d in range(n_days):
        window = day_mean[max(0, d - 7) : d]
        window = window[np.isfinite(window)]
        if window.size:
            mean7[d] = float(window.mean())
        lo = max(0, d - LEVEL_WINDOW_DAYS)
        window = day_mean[lo:d]
        worked = window[np.isfinite(window) & (workday[lo:d] == 1)]
        window = window[np.isfinite(window)]
        if worked.size >= LEVEL_MIN_WORKDAYS:
            mean28[d] = float(worked.mean())
        elif window.size >= LEVEL_MIN_DAYS:
            mean28[d] = float(window.mean())
    out = pd.DataFrame(index=index_local)
    out["lag_24h"] = back(1)
    out["lag_48h"] = back(2)
    out["lag_168h"] = back(7)
    out["lag_same_daytype"] = np.where(st >= 0, by_day[np.clip(st, 0, None), hour], np.nan)
    prev = target_day - 1
    out["mean_prev_day"] = np.where(prev >= 0, day_mean[np.clip(prev, 0, None)], np.nan)
    out["mean_prev_7d"] = mean7[target_day]
    out["mean_prev_28d"] = mean28[target_day]
    return out


def design_matrix(
    series: pd.Series,
    index_local: pd.DatetimeIndex,
    temperature_c: pd.Series | None = None,
    calendar: str = CALENDAR_CN,
) -> pd.DataFrame:
    """Calendar + lag (+ temperature) features of the hours ``index_local``.

    Parameters
    ----------
    series : Series
        Hourly energy history [kWh], naive local hour starts.
    index_local : DatetimeIndex
        Whole days of hours to describe.
    temperature_c : Series, optional
        Air temperature [°C] on the same kind of index, covering ``index_local`` (for a forecast
        day: the weather forecast). ``None`` leaves the column out.
    calendar : str
        Holiday calendar (:func:`check_calendar`).

    Returns
    -------
    DataFrame
        Columns :data:`CALENDAR_COLUMNS` + :data:`LAG_COLUMNS` (+ ``temperature_c``).
    """
    frame = pd.concat(
        [calendar_features(index_local, calendar), lag_features(series, index_local, calendar)], axis=1
    )
    if temperature_c is not None:
        frame[TEMPERATURE_COLUMN] = temperature_c.reindex(index_local).to_numpy(dtype=float)
    return frame
