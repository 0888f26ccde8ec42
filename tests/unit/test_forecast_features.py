"""Calendar and lag features on known dates.

Holiday dates: 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号): Spring Festival
2025-01-28 … 2025-02-04 off, working Sunday 2025-01-26 and Saturday 2025-02-08 (调休);
国务院办公厅关于2026年部分节假日安排的通知: Saturday 2026-02-14 is a working day (调休).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from zeropark.errors import DataError
from zeropark.forecast.features import (
    CALENDAR_COLUMNS,
    LAG_COLUMNS,
    calendar_features,
    day_calendar,
    design_matrix,
    lag_features,
)


@pytest.mark.parametrize(
    ("day", "workday", "statutory", "adjusted", "festival"),
    [
        (date(2025, 1, 27), 1, 0, 0, 1),  # Monday before the holiday: works, run-down period
        (date(2025, 1, 28), 0, 1, 0, 1),  # 除夕 eve: first day of the statutory holiday (Tuesday)
        (date(2025, 1, 29), 0, 1, 0, 1),  # 春节 (Wednesday)
        (date(2025, 2, 4), 0, 1, 0, 1),  # last holiday day (Tuesday)
        (date(2025, 1, 26), 1, 0, 1, 1),  # Sunday worked (调休)
        (date(2025, 2, 8), 1, 0, 1, 1),  # Saturday worked (调休)
        (date(2025, 2, 9), 0, 0, 0, 1),  # ordinary Sunday, 5 days after the holiday
        (date(2025, 3, 15), 0, 0, 0, 0),  # ordinary Saturday
        (date(2025, 3, 17), 1, 0, 0, 0),  # ordinary Monday
        (date(2025, 10, 1), 0, 1, 0, 0),  # National Day (Wednesday)
        (date(2026, 2, 14), 1, 0, 1, 1),  # Saturday worked (调休) before the 2026 Spring Festival
    ],
)
def test_day_calendar_known_dates(
    day: date, workday: int, statutory: int, adjusted: int, festival: int
) -> None:
    row = day_calendar([day]).iloc[0]
    assert (row.is_workday, row.is_statutory_holiday, row.is_adjusted_workday, row.is_spring_festival) == (
        workday,
        statutory,
        adjusted,
        festival,
    )


def test_calendar_features_hours() -> None:
    idx = pd.date_range("2025-01-26", periods=48, freq="h")  # Sunday worked, Monday
    f = calendar_features(idx)
    assert tuple(f.columns) == CALENDAR_COLUMNS
    assert f["hour"].tolist()[:3] == [0, 1, 2]
    assert f["weekday"].iloc[0] == 6 and f["weekday"].iloc[24] == 0
    assert f["is_workday"].sum() == 48
    assert f["is_adjusted_workday"].sum() == 24


def test_unknown_year_is_a_clear_error() -> None:
    with pytest.raises(DataError, match="no Chinese holiday calendar for 2099-01-05"):
        day_calendar([date(2099, 1, 5)])


def test_lag_features_on_a_counting_series() -> None:
    # value = hours since 2025-03-01 00:00, so a lag of k hours is value − k
    idx = pd.date_range("2025-03-01", periods=24 * 21, freq="h")
    series = pd.Series(np.arange(len(idx), dtype=float), index=idx)
    day = pd.date_range("2025-03-21", periods=24, freq="h")  # a Friday; index 480 … 503
    f = lag_features(series[series.index < day[0]], day)
    assert tuple(f.columns) == LAG_COLUMNS
    assert f["lag_24h"].iloc[5] == 480 + 5 - 24
    assert f["lag_48h"].iloc[5] == 480 + 5 - 48
    assert f["lag_168h"].iloc[5] == 480 + 5 - 168
    # the previous working day of Friday 21 March is Thursday 20 March → lag 24 h
    assert f["lag_same_daytype"].iloc[5] == 480 + 5 - 24
    # mean of day D−1 (hours 456 … 479) = 467.5; of D−7 … D−1 (hours 312 … 479) = 395.5
    assert f["mean_prev_day"].iloc[0] == pytest.approx(467.5)
    assert f["mean_prev_7d"].iloc[0] == pytest.approx(395.5)
    # level: working days among the 28 days before Friday 21 March with data — 3–7, 10–14,
    # 17–20 March (day k holds hours 24k … 24k+23, mean 24k + 11.5): mean over k = 2…6, 9…13,
    # 16…19 of (24k + 11.5) = 24 · 145/14 + 11.5 = 260.07143
    assert f["mean_prev_28d"].iloc[0] == pytest.approx(24 * 145 / 14 + 11.5)


def test_same_daytype_lag_skips_the_holiday() -> None:
    # Monday 2025-02-10 (working) — previous working day: Saturday 2025-02-08 (调休), 48 h back
    idx = pd.date_range("2025-01-15", "2025-02-10", freq="h", inclusive="left")
    series = pd.Series(np.arange(len(idx), dtype=float), index=idx)
    day = pd.date_range("2025-02-10", periods=24, freq="h")
    f = lag_features(series, day)
    start = len(idx)  # value the series would have at 2025-02-10 00:00
    assert f["lag_same_daytype"].iloc[0] == start - 48
    # Wednesday 2025-02-05, first working day after the holiday: previous working day Monday
    # 2025-01-27 (28 Jan … 4 Feb off), 9 days back; the plain 24 h lag sees the holiday
    day2 = pd.date_range("2025-02-05", periods=24, freq="h")
    f2 = lag_features(series[series.index < day2[0]], day2)
    pos = int(idx.searchsorted(pd.Timestamp("2025-02-05")))
    assert f2["lag_same_daytype"].iloc[0] == pos - 24 * 9
    assert f2["lag_24h"].iloc[0] == pos - 24


def test_design_matrix_with_and_without_temperature() -> None:
    idx = pd.date_range("2025-03-01", periods=24 * 15, freq="h")
    series = pd.Series(1.0, index=idx)
    day = pd.date_range("2025-03-16", periods=24, freq="h")
    assert "temperature_c" not in design_matrix(series, day).columns
    temp = pd.Series(np.linspace(5, 15, 24), index=day)
    m = design_matrix(series, day, temp)
    assert m["temperature_c"].iloc[-1] == pytest.approx(15.0)
