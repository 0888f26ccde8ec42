"""The hours the demo generates and their calendar: working days, 调休, the Spring Festival, months.

Loads are generated per local (Asia/Shanghai) hour from 1 January; readings are stamped in UTC.
Working days and 调休 come from ``chinese_calendar``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
import numpy as np
import pandas as pd

from zeropark.demo.site import SITE_TZ


def local_hours(year: int, days: int | None) -> pd.DatetimeIndex:
    """Local (Asia/Shanghai) hour starts of the first ``days`` days of ``year`` (all if None)."""
    start = pd.Timestamp(year=year, month=1, day=1, tz=SITE_TZ)
    n_days = (pd.Timestamp(year=year + 1, month=1, day=1, tz=SITE_TZ) - start).days
    if days is not None:
        n_days = min(n_days, days)
    return pd.date_range(start, periods=24 * n_days, freq="1h")


def day_types(days: Sequence[date]) -> tuple[np.ndarray, np.ndarray]:
    """Per day: (is_workday, is_spring_festival_period) from ``chinese_calendar`` (调休 included).

    The Spring-Festival period is the official holiday plus the week before and after it, when
    many plants run down (春节前后停工).
    """
    workday = np.array([chinese_calendar.is_workday(d) for d in days], dtype=bool)
    festival = np.zeros(len(days), dtype=bool)
    for i, d in enumerate(days):
        on, name = chinese_calendar.get_holiday_detail(d)
        if on and name == chinese_calendar.Holiday.spring_festival.value:
            festival[max(0, i - 7) : i + 8] = True
    return workday, festival


def month_end(month: date) -> date:
    """Last day of the month that starts on ``month``."""
    nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Timeline:
    """The generated hours, each with its day, hour of day and month; per day its calendar.

    Attributes
    ----------
    hours_local : pandas.DatetimeIndex
        Local hour starts (Asia/Shanghai), length T.
    ts_utc : ndarray of datetime64[s], shape (T,)
        The same hour starts in UTC (naive).
    days : tuple of date
        The local days covered, in order (length D).
    day_index : ndarray of int, shape (T,)
        Index into ``days`` of each hour.
    hour : ndarray of int, shape (T,)
        Local hour of day (0 … 23) of each hour.
    workday, festival : ndarray of bool, shape (D,)
        Per day: working day (调休 included); inside the Spring-Festival period.
    months : tuple of date
        First day of each local month covered.
    month_index : ndarray of int, shape (T,)
        Month of each hour, 0 = January.
    """

    hours_local: pd.DatetimeIndex
    ts_utc: np.ndarray
    days: tuple[date, ...]
    day_index: np.ndarray
    hour: np.ndarray
    workday: np.ndarray
    festival: np.ndarray
    months: tuple[date, ...]
    month_index: np.ndarray

    @property
    def n_hours(self) -> int:
        """Number of generated hours T."""
        return len(self.hours_local)

    @property
    def day_of_year(self) -> np.ndarray:
        """Day of the year (1 … 366) of each day, as floats."""
        return np.array([d.timetuple().tm_yday for d in self.days], dtype=float)


def timeline(year: int, days: int | None) -> Timeline:
    """The first ``days`` days of ``year`` (all if None) hour by hour, with their calendar."""
    hours = local_hours(year, days)
    day_list = sorted({d.date() for d in hours})
    workday, festival = day_types(day_list)
    return Timeline(
        hours_local=hours,
        ts_utc=hours.tz_convert("UTC").tz_localize(None).to_numpy().astype("datetime64[s]"),
        days=tuple(day_list),
        day_index=np.repeat(np.arange(len(day_list)), 24)[: len(hours)],
        hour=hours.hour.to_numpy(),
        workday=workday,
        festival=festival,
        months=tuple(sorted({date(d.year, d.month, 1) for d in day_list})),
        month_index=np.array([(d.month - 1) for d in hours]),
    )
