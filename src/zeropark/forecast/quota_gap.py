"""配额缺口预测: an enterprise's year-end emissions and allowance gap, forecast as the year runs (pure).

Inputs are monthly CO2 [t] — the months of this year accounted so far, and, where they exist, the
twelve months of last year — with, optionally, the production of the elapsed months and the plan of
the remaining ones [the enterprise's product unit]. The forecast of the year is

    Ê = Σ_{i≤k} E_i + Σ_{m>k} Ê_m

over the *k* elapsed months, where each remaining month's Ê_m comes from the first method that has
its data (:class:`Method`):

- ``plan``: this year's carbon intensity times the planned production, ``Ê_m = (ΣE_i / ΣP_i)·P_m``;
- ``seasonal``: last year's month scaled by this year's run rate, ``Ê_m = (ΣE_i / ΣL_i)·L_m``;
- ``run_rate``: the mean of the elapsed months, ``Ê_m = ΣE_i / k``;
- ``ml``: a LightGBM model of the months pooled over the park's enterprises
  (:mod:`zeropark.forecast.quota_gap_ml`), its 12 values given as ``ml_months``.

``method`` forces one of them (a named error when its data are missing); by default the first of
plan, seasonal, run rate that has its data is used. For ``plan``, the production of the elapsed
months is the actual one when given, else the plan of those months (the intensity is then
CO2 per planned unit).

Prediction interval (Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed.,
§5.5, normal intervals from the residuals): the elapsed months' relative residuals
``r_i = E_i / Ê_i − 1`` (each month fitted by the same method) give a relative standard deviation
*s* (ddof = 1; with fewer than three elapsed months :data:`DEFAULT_RELATIVE_SD`, an [UNCERTAIN]
prior). The remaining months' errors are taken as independent around a scale estimated from *k*
months, so ``Var(Ê) = s²·(Σ_{m>k} Ê_m²  +  (Σ_{m>k} Ê_m)² / k)``; the interval is
``Ê ± z·√Var`` with ``z = Φ⁻¹((1 + level)/2)``. For ``ml`` the months' errors of one
enterprise-year are taken as equicorrelated with the intraclass correlation ρ of the model's
out-of-fold residuals, ``Var(Ê) = s²·((1 − ρ)·Σ Ê_m² + ρ·(Σ Ê_m)² + (Σ Ê_m)² / k)``.

The gap is ``Ê − allowance`` [t]: positive = short (must buy or offset), negative = surplus. The
probability of being short is ``1 − Φ((allowance − Ê)/√Var)``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from zeropark.errors import DataError

__all__ = [
    "DEFAULT_LEVEL",
    "DEFAULT_RELATIVE_SD",
    "Backtest",
    "GapForecast",
    "Interval",
    "Method",
    "QuotaGapError",
    "backtest",
    "forecast_gap",
    "window_sd",
]

#: Relative monthly standard deviation used until three months are known [1]. [UNCERTAIN]: a
#: prior, not a published figure — 10 % is the spread of the demo park's monthly emissions around
#: their seasonal fit; edit it per park.
DEFAULT_RELATIVE_SD = 0.10
#: Central coverage of the prediction interval [1].
DEFAULT_LEVEL = 0.90
MONTHS = 12


class QuotaGapError(DataError):
    """Monthly data that cannot give a forecast; the message names the field."""


class Method(StrEnum):
    """How the remaining months are forecast (the module docstring gives each formula)."""

    PLAN = "plan"
    SEASONAL = "seasonal"
    RUN_RATE = "run_rate"
    ML = "ml"  # LightGBM pooled over enterprises (zeropark.forecast.quota_gap_ml)


class Interval(StrEnum):
    """How the prediction interval of the year total is made (named in every output)."""

    NORMAL = "normal"  # normal interval from the elapsed months' residuals (FPP3 §5.5)
    CONFORMAL = "conformal"  # split-conformal by horizon (zeropark.forecast.quota_gap_conformal)
    CONFORMAL_SCALED = "conformal_scaled"  # split-conformal of errors over the normal σ, all horizons


@dataclass(frozen=True, slots=True)
class GapForecast:
    """Year-end emissions [tCO2] with their interval, the gap to the allowance [tCO2] and P(short)."""

    months_known: int
    method: Method
    to_date_tco2: float
    year_end_tco2: float
    low_tco2: float
    high_tco2: float
    level: float
    relative_sd: float
    allowance_tco2: float | None
    gap_tco2: float | None
    p_short: float | None
    monthly_tco2: tuple[float, ...]  # 12 values: actual for known months, forecast for the rest
    interval: Interval = Interval.NORMAL  # how low/high were made
    correlation: float = 0.0  # ρ of the month errors used by the normal interval (ml) [1]


def _clean(values: Sequence[float], field: str, *, length: int | None = None) -> list[float]:
    out = []
    for i, v in enumerate(values, start=1):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise QuotaGapError(f"{field}, month {i}: {v!r} is not a finite, non-negative number")
        out.append(float(v))
    if length is not None and len(out) != length:
        raise QuotaGapError(f"{field}: {len(out)} months given, {length} needed")
    return out


def _fitted(
    actual: list[float],
    last_year: list[float] | None,
    production: list[float] | None,
    plan: list[float] | None,
    method: Method | None = None,
    ml_months: list[float] | None = None,
) -> tuple[Method, list[float]]:
    """The method and its 12 monthly values (fitted for elapsed months, forecast for the rest)."""
    k = len(actual)
    total = sum(actual)
    if method is Method.ML:
        if ml_months is None:
            raise QuotaGapError("ml_months: the machine-learning method needs its 12 fitted months")
        return Method.ML, ml_months
    if method in (None, Method.PLAN) and production is not None and plan is not None and sum(production) > 0:
        rate = total / sum(production)
        return Method.PLAN, [rate * p for p in [*production, *plan]]
    if method is Method.PLAN:
        raise QuotaGapError("plan: no production plan with output above 0 in the elapsed months; import one")
    if method in (None, Method.SEASONAL) and last_year is not None and sum(last_year[:k]) > 0:
        scale = total / sum(last_year[:k])
        return Method.SEASONAL, [scale * v for v in last_year]
    if method is Method.SEASONAL:
        raise QuotaGapError("last_year: the seasonal method needs last year's 12 months with CO2 above 0")
    return Method.RUN_RATE, [total / k] * MONTHS


def forecast_gap(
    actual: Sequence[float],
    *,
    allowance_tco2: float | None = None,
    last_year: Sequence[float] | None = None,
    production: Sequence[float] | None = None,
    plan: Sequence[float] | None = None,
    fixed_tco2: float = 0.0,
    level: float = DEFAULT_LEVEL,
    prior_sd: float = DEFAULT_RELATIVE_SD,
    method: Method | None = None,
    ml_months: Sequence[float] | None = None,
    ml_sd: float | None = None,
    ml_rho: float = 0.0,
    conformal_q: float | None = None,
    scaled_q: float | None = None,
) -> GapForecast:
    """Forecast the year-end CO2 [t] and the allowance gap from ``actual`` (the elapsed months).

    ``last_year`` is 12 months [tCO2]; ``production`` (elapsed months) and ``plan`` (the remaining
    12 − k months) are in the enterprise's product unit. ``fixed_tco2`` is CO2 of the whole year
    already known and not spread over months (lines of annual activity records): it is added to
    every figure and has no spread. ``conformal_q`` [1], when given, makes the interval the
    split-conformal one, ``Ê ± q̂·Σ_{m>k} Ê_m`` (:mod:`zeropark.forecast.quota_gap_conformal`);
    ``scaled_q`` [1] (when ``conformal_q`` is not given) makes it ``Ê ± q̂·σ``, σ the normal
    model's standard deviation of the remaining months' sum [tCO2] (the normalised score of
    Angelopoulos & Bates 2023, §2.3). ``p_short`` = 1 − Φ((allowance − Ê)/σ*) with σ* = h/z, h the
    interval's half-width and z = Φ⁻¹((1 + level)/2): the normal law whose central ``level``
    interval is the one shown (σ* is the normal model's σ for the normal interval), so the
    probability and the interval never disagree — at the interval's upper bound P(short) is
    (1 − level)/2. Raises :class:`QuotaGapError` naming the field of bad input.
    """
    act = _clean(actual, "actual")
    k = len(act)
    if not 1 <= k <= MONTHS:
        raise QuotaGapError(f"actual: {k} months given; give 1 to 12 elapsed months of this year")
    if not 0 < level < 1:
        raise QuotaGapError(f"level: {level} is not between 0 and 1 (e.g. 0.9 for a 90 % interval)")
    last = _clean(last_year, "last_year", length=MONTHS) if last_year is not None else None
    prod = _clean(production, "production", length=k) if production is not None else None
    pln = _clean(plan, "plan", length=MONTHS - k) if plan is not None else None
    mlm = _clean(ml_months, "ml_months", length=MONTHS) if ml_months is not None else None
    if (prod is None) != (pln is None):
        raise QuotaGapError(
            "production and plan: give both (elapsed production and the remaining plan) or neither"
        )
    if not math.isfinite(fixed_tco2):
        raise QuotaGapError(f"fixed_tco2: {fixed_tco2!r} is not a finite number of t")
    if allowance_tco2 is not None and (not math.isfinite(allowance_tco2) or allowance_tco2 < 0):
        raise QuotaGapError(f"allowance_tco2: {allowance_tco2!r} is not a finite, non-negative number of t")
    method, fit = _fitted(act, last, prod, pln, method, mlm)
    residuals = [a / f - 1 for a, f in zip(act, fit[:k], strict=True) if f > 0]
    if method is Method.ML and ml_sd is not None:
        sd = ml_sd  # pooled out-of-fold residuals (zeropark.forecast.quota_gap_ml)
    else:
        sd = statistics.stdev(residuals) if len(residuals) >= 3 else prior_sd
    rest = fit[k:]
    rho = min(max(ml_rho, 0.0), 1.0) if method is Method.ML else 0.0
    # equicorrelated month errors (correlation ρ within an enterprise-year): Var Σ = s²((1−ρ)Σv² + ρ(Σv)²)
    var = _window_var(rest, k, sd, rho)
    to_date = sum(act) + fixed_tco2
    mean = to_date + sum(rest)
    for name, q in (("conformal_q", conformal_q), ("scaled_q", scaled_q)):
        if q is not None and (not math.isfinite(q) or q < 0):
            raise QuotaGapError(f"{name}: {q!r} is not a finite number ≥ 0")
    z = statistics.NormalDist().inv_cdf((1 + level) / 2)
    if conformal_q is not None:
        half, interval = conformal_q * sum(rest), Interval.CONFORMAL
    elif scaled_q is not None:
        half, interval = scaled_q * math.sqrt(var), Interval.CONFORMAL_SCALED
    else:
        half, interval = z * math.sqrt(var), Interval.NORMAL
    gap = p_short = None
    if allowance_tco2 is not None:
        gap = mean - allowance_tco2
        spread = half / z  # the σ of the normal law whose central `level` interval is the one shown
        if spread > 0:
            p_short = 1 - statistics.NormalDist(mean, spread).cdf(allowance_tco2)
        else:
            p_short = 1.0 if mean > allowance_tco2 else 0.0
    return GapForecast(
        months_known=k,
        method=method,
        to_date_tco2=to_date,
        year_end_tco2=mean,
        low_tco2=max(to_date, mean - half),
        high_tco2=mean + half,
        level=level,
        relative_sd=sd,
        allowance_tco2=allowance_tco2,
        gap_tco2=gap,
        p_short=p_short,
        monthly_tco2=(*act, *rest),
        interval=interval,
        correlation=rho,
    )


def _window_var(rest: Sequence[float], k: int, sd: float, rho: float) -> float:
    """Var of the sum of forecast months ``rest`` [tCO2²] (module docstring; ρ = 0 but for ml)."""
    return sd**2 * ((1 - rho) * sum(v * v for v in rest) + rho * sum(rest) ** 2 + sum(rest) ** 2 / k)


def window_sd(f: GapForecast, end: int) -> float:
    """The normal model's standard deviation [tCO2] of ``f``'s forecast of months k+1…``end``."""
    k = f.months_known
    return math.sqrt(_window_var(f.monthly_tco2[k:end], k, f.relative_sd, f.correlation))


@dataclass(frozen=True, slots=True)
class Backtest:
    """Rolling-origin backtest over one past year: per cut-off month, the year-end error.

    ``errors_pct`` [%] = (forecast − actual)/actual × 100 for cut-offs k = 1 … 11; ``covered``
    whether the actual year total lay in the interval; ``mape_pct`` the mean absolute error [%].
    """

    actual_tco2: float
    forecasts_tco2: tuple[float, ...]
    errors_pct: tuple[float, ...]
    covered: tuple[bool, ...]
    runs: tuple[GapForecast, ...] = ()  # per cut-off k = 1 … 11, the forecast

    @property
    def intervals(self) -> tuple[Interval, ...]:
        """Per cut-off k, how its interval was made."""
        return tuple(r.interval for r in self.runs)

    @property
    def mape_pct(self) -> float:
        """Mean absolute percentage error of the year-end forecasts [%]."""
        return sum(abs(e) for e in self.errors_pct) / len(self.errors_pct)

    @property
    def coverage(self) -> float:
        """Share of cut-offs whose interval held the actual year total [1]."""
        return sum(self.covered) / len(self.covered)


def backtest(
    year: Sequence[float],
    *,
    last_year: Sequence[float] | None = None,
    plan: Sequence[float] | None = None,
    method: Method | None = None,
    ml_months: Mapping[int, Sequence[float]] | None = None,
    ml_sd: Mapping[int, float] | None = None,
    ml_rho: Mapping[int, float] | None = None,
    level: float = DEFAULT_LEVEL,
    conformal_q: Mapping[int, float] | None = None,
    scaled_q: Mapping[int, float] | None = None,
) -> Backtest:
    """Forecast a known year (12 months [tCO2]) from each cut-off k = 1 … 11 and score it.

    ``plan`` is the year's 12-month production plan (the ``plan`` method); ``ml_months`` and
    ``ml_sd`` the machine-learning fit at each cut-off k (``method=Method.ML``); ``conformal_q``
    the calibrated quantile [1] by cut-off k, ``scaled_q`` the normalised one (a cut-off without
    either keeps the normal interval).
    """
    months = _clean(year, "year", length=MONTHS)
    actual = sum(months)
    if actual <= 0:
        raise QuotaGapError("year: the twelve months sum to 0 t; nothing to backtest")
    runs = [
        forecast_gap(
            months[:k],
            last_year=last_year,
            production=None if plan is None else plan[:k],
            plan=None if plan is None else plan[k:],
            method=method,
            ml_months=None if ml_months is None else ml_months[k],
            ml_sd=None if ml_sd is None else ml_sd[k],
            ml_rho=0.0 if ml_rho is None else ml_rho[k],
            level=level,
            conformal_q=None if conformal_q is None else conformal_q.get(k),
            scaled_q=None if scaled_q is None else scaled_q.get(k),
        )
        for k in range(1, MONTHS)
    ]
    return Backtest(
        actual_tco2=actual,
        forecasts_tco2=tuple(r.year_end_tco2 for r in runs),
        errors_pct=tuple((r.year_end_tco2 - actual) / actual * 100 for r in runs),
        covered=tuple(r.low_tco2 <= actual <= r.high_tco2 for r in runs),
        runs=tuple(runs),
    )
