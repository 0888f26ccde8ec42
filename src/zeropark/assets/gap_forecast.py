"""Quota-gap forecast (配额缺口预测): year-end emissions from the months so far, with an interval.

Policy
------
The year-end total is the emissions to date divided by the share of a year's emissions that
usually falls in those months (the seasonal profile: the enterprise's previous year by month, or
flat 1/12 when there is none): ``Ŷ = Y_m / s_m``. The spread of the same estimate made at each
earlier month (``Y_k / s_k``, k ≤ m) gives the interval: ``Ŷ ± 1.96 σ`` (σ their standard
deviation, at least ``min_rel_sd`` of Ŷ) — an approximate 95 % interval, not a calibrated one.
The gap is ``Ŷ − allocation`` (> 0: allowances to buy). :func:`backtest` replays the rule on a
complete year, month by month, and reports the absolute percentage error of each month's forecast.

This is a ratio estimator, not the machine-learning forecaster of the issue (not done).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from zeropark.errors import AssetError

__all__ = ["GapForecast", "backtest", "forecast"]


@dataclass(frozen=True, slots=True)
class GapForecast:
    """Year-end emissions [t] with its interval, and the gap against the allocation [t]."""

    as_of_month: int
    to_date_t: float
    year_end_t: float
    low_t: float
    high_t: float
    allocation_t: float
    profile: str  # "previous year" or "flat"

    @property
    def gap_t(self) -> float:
        """Forecast gap (> 0: to buy; < 0: surplus)."""
        return self.year_end_t - self.allocation_t


def _shares(profile: Mapping[int, float] | None) -> tuple[list[float], str]:
    if profile and sum(profile.values()) > 0:
        total = sum(profile.get(m, 0.0) for m in range(1, 13))
        return [profile.get(m, 0.0) / total for m in range(1, 13)], "previous year"
    return [1 / 12] * 12, "flat"


def forecast(
    monthly_t: Sequence[float],
    *,
    allocation_t: float,
    profile: Mapping[int, float] | None = None,
    min_rel_sd: float = 0.02,
) -> GapForecast:
    """Forecast from the emissions of months 1 … m (``monthly_t``, t CO2).

    Raises
    ------
    AssetError
        No month, more than 12, a negative month, or a profile with no emissions in months 1 … m.

    Examples
    --------
    >>> f = forecast([100, 100, 100], allocation_t=1000)  # flat profile: 300 / (3/12) = 1 200
    >>> round(f.year_end_t), round(f.gap_t), round(f.low_t)  # σ = 0 → floor 2 % = 24 → ± 47
    (1200, 200, 1153)
    """
    m = len(monthly_t)
    if not 1 <= m <= 12 or any(x < 0 for x in monthly_t):
        raise AssetError(f"give 1 to 12 months of emissions ≥ 0 t, {m} month(s) were given")
    shares, kind = _shares(profile)
    estimates = []
    cum_y = cum_s = 0.0
    for k in range(m):
        cum_y += monthly_t[k]
        cum_s += shares[k]
        if cum_s > 0:
            estimates.append(cum_y / cum_s)
    if not estimates:
        raise AssetError("the profile has no emissions in the months given; use a flat profile")
    y = estimates[-1]
    sd = max(statistics.pstdev(estimates) if len(estimates) > 1 else 0.0, min_rel_sd * y)
    return GapForecast(m, cum_y, y, max(cum_y, y - 1.96 * sd), y + 1.96 * sd, allocation_t, kind)


def backtest(
    monthly_t: Sequence[float], profile: Mapping[int, float] | None = None
) -> list[tuple[int, float, float]]:
    """(month, forecast [t], absolute percentage error [%]) of each month's forecast of a complete year."""
    if len(monthly_t) != 12:
        raise AssetError(f"a backtest needs the 12 months of a year, {len(monthly_t)} were given")
    actual = sum(monthly_t)
    out = []
    for m in range(1, 12):
        f = forecast(monthly_t[:m], allocation_t=0.0, profile=profile)
        ape = abs(f.year_end_t - actual) / actual * 100 if actual else math.nan
        out.append((m, f.year_end_t, ape))
    return out
