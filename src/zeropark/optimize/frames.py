"""Time-indexed tables a user gives the optimiser (load profiles, hourly prices): shared checks.

Rows are counted as a spreadsheet shows them: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from zeropark.errors import RowError, ValidationError

#: The local time of every table's ``time`` column (an offset given with a time is converted).
LOCAL_TZ = "Asia/Shanghai"


def parse_times(
    frame: pd.DataFrame, *, label: str, required: Sequence[str]
) -> tuple[pd.Series, list[RowError]]:
    """The ``time`` column parsed, and one error per row whose time is not a date-time.

    Raises
    ------
    ValidationError
        A ``required`` column is missing (naming the file ``label`` and the columns it has).
    """
    missing = [
        RowError(label, None, 1, col, f"column '{col}' is missing; columns are {list(frame.columns)}")
        for col in required
        if col not in frame.columns
    ]
    if missing:
        raise ValidationError(missing)
    times = pd.to_datetime(frame["time"], errors="coerce")
    errors = [
        RowError(label, None, int(i) + 2, "time", f"'{frame['time'].iloc[i]}' is not a date-time")
        for i in np.flatnonzero(times.isna().to_numpy()).tolist()
    ]
    return times, errors


def local_index(times: pd.Series) -> pd.DatetimeIndex:
    """Naive local times (:data:`LOCAL_TZ`): a time given with an offset is converted first."""
    index = pd.DatetimeIndex(times)
    if index.tz is not None:
        index = index.tz_convert(LOCAL_TZ).tz_localize(None)
    return index
