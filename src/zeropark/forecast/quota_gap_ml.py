"""配额缺口预测, machine-learning method: a LightGBM model of each month's CO2, pooled over enterprises.

What is learnt (pure; no I/O): for an origin after month *k*, every known month *m* of every
enterprise-year is a row with

- features: the month of the year *m*; the planned production of *m* relative to the mean plan of
  months 1…k (``P_m / P̄_{1..k}``, missing without a plan); last year's CO2 of *m* relative to
  last year's mean of months 1…k (``L_m / L̄_{1..k}``, missing without last year);
- target: the month's CO2 relative to the enterprise's mean of months 1…k, divided by the base
  ratio of the simple methods (the plan ratio, else last year's ratio, else 1):
  ``y = (E_m / Ē_{1..k}) / base_m``. The trees learn a multiplicative correction of the plan /
  seasonal / run-rate forecast (boosting from a baseline), so with little to learn they return
  that forecast, and they never have to extrapolate a ratio outside the months seen.

The rows are this year's months 1…k of every enterprise (what is known at the origin) and all
twelve months of the earlier complete years given as ``history`` (normalised by *their* months
1…k, so the scale is the same). A gradient-boosted tree ensemble (LightGBM, Ke et al. 2017,
*NeurIPS* 30, squared loss) maps features to the ratio; the remaining months' CO2 is
``Ê_m = Ē_{1..k} · base_m · f̂(m, P_m/P̄, L_m/L̄)`` [tCO2].

Prediction interval: the relative residuals ``r = y / ŷ − 1`` of **out-of-fold** predictions
(K-fold cross-validation grouped by enterprise, so an enterprise is never scored by a model that
saw it; Hastie, Tibshirani & Friedman, *The Elements of Statistical Learning*, 2nd ed., §7.10)
give the relative standard deviation *s* (ddof = 1), which enters the same normal interval of the
year total as the other methods (Hyndman & Athanasopoulos, *Forecasting: Principles and
Practice*, 3rd ed., §5.5; :mod:`zeropark.forecast.quota_gap`), with the months of one
enterprise-year taken as equicorrelated: ρ is the intraclass correlation of those residuals
(:func:`_intraclass`), since a model error of one enterprise tends to repeat month after month.
The enterprise's own elapsed months are fitted by those out-of-fold models too. With fewer than
two enterprises (no fold possible) the model is still fitted and *s* is the prior
:data:`~zeropark.forecast.quota_gap.DEFAULT_RELATIVE_SD`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from zeropark.forecast.quota_gap import DEFAULT_RELATIVE_SD, MONTHS, QuotaGapError

__all__ = ["MIN_ROWS", "MlFit", "MlParams", "YearSeries", "fit_months"]

#: Fewest known enterprise-months the model is fitted on (below it the forecast is refused).
MIN_ROWS = 2


@dataclass(frozen=True, slots=True)
class YearSeries:
    """One enterprise-year: monthly CO2 [tCO2] (the known months), last year's 12, the 12-month plan."""

    enterprise_id: str
    months: tuple[float, ...]
    last_year: tuple[float, ...] | None = None
    plan: tuple[float, ...] | None = None  # planned output [the enterprise's product unit]


@dataclass(frozen=True, slots=True)
class MlParams:
    """LightGBM settings: small trees for a few hundred rows; deterministic, one thread."""

    n_estimators: int = 60
    learning_rate: float = 0.05
    num_leaves: int = 7
    min_child_samples: int = 10
    folds: int = 5
    seed: int = 0


@dataclass(frozen=True, slots=True)
class MlFit:
    """Per enterprise the 12 monthly values [tCO2] (out-of-fold fits for months ≤ k, forecasts after)."""

    k: int
    monthly: Mapping[str, tuple[float, ...]]
    relative_sd: float
    rows: int
    correlation: float = 0.0  # intraclass correlation of the residuals within an enterprise-year [1]


def _mean(values: Sequence[float] | None, k: int) -> float | None:
    if values is None:
        return None
    m = sum(values[:k]) / k
    return m if m > 0 else None


def _features(s: YearSeries, k: int, months: range) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Feature rows of ``months`` and each month's base ratio (plan, else last year, else 1)."""
    pm, lm = _mean(s.plan, k), _mean(s.last_year, k)
    out = np.full((len(months), 3), np.nan)
    base = np.ones(len(months))
    for i, m in enumerate(months):
        out[i, 0] = m
        if s.last_year is not None and lm is not None:
            out[i, 2] = base[i] = s.last_year[m - 1] / lm
        if s.plan is not None and pm is not None:
            out[i, 1] = base[i] = s.plan[m - 1] / pm
    return out, base


def fit_months(
    current: Sequence[YearSeries], k: int, history: Sequence[YearSeries] = (), params: MlParams | None = None
) -> MlFit:
    """Fit the pooled model at origin ``k`` and give every current enterprise's 12 months [tCO2].

    ``current`` holds this year's months 1…k (at least k values each); ``history`` complete
    earlier years (12 months). Raises :class:`QuotaGapError` naming the bad series.
    """
    p = params or MlParams()
    if not 1 <= k <= MONTHS - 1:
        raise QuotaGapError(f"k: {k}; the machine-learning forecast needs an origin after month 1–11")
    xs, ys, bases, groups = [], [], [], []
    series_ids: list[np.ndarray[Any, Any]] = []
    for s, full in [*((c, False) for c in current), *((h, True) for h in history)]:
        if len(s.months) < (MONTHS if full else k):
            need = MONTHS if full else k
            raise QuotaGapError(f"{s.enterprise_id}: {len(s.months)} months given, {need} needed")
        for name, vals in (("months", s.months), ("last_year", s.last_year), ("plan", s.plan)):
            if vals is not None and any(not math.isfinite(v) or v < 0 for v in vals):
                raise QuotaGapError(
                    f"{s.enterprise_id}, {name}: a value is not a finite, non-negative number"
                )
        mean = _mean(s.months, k)
        if mean is None:
            continue
        rng = range(1, (MONTHS if full else k) + 1)
        feats, base = _features(s, k, rng)
        xs.append(feats)
        bases.append(base)
        ys.append(np.array([s.months[m - 1] / mean for m in rng]) / np.where(base > 0, base, 1.0))
        groups.append(np.full(len(rng), hash(s.enterprise_id) & 0xFFFFFFF))
        series_ids.append(np.full(len(rng), len(series_ids)))
    if not xs:
        raise QuotaGapError("no enterprise has CO2 above 0 t in months 1…k; nothing to learn from")
    x, y, g, b = np.vstack(xs), np.concatenate(ys), np.concatenate(groups), np.concatenate(bases)
    series = np.concatenate(series_ids)
    if len(y) < MIN_ROWS:
        raise QuotaGapError(
            f"only {len(y)} known enterprise-months to learn from (need {MIN_ROWS}); "
            "wait for more months or use the plan, seasonal or run_rate method"
        )
    import lightgbm as lgb  # deferred (1.1 s): `zeropark --help` does not fit models

    settings: dict[str, Any] = {
        "n_estimators": p.n_estimators,
        "learning_rate": p.learning_rate,
        "num_leaves": p.num_leaves,
        "min_child_samples": p.min_child_samples,
        "random_state": p.seed,
        "n_jobs": 1,
        "deterministic": True,
        "force_row_wise": True,
        "verbose": -1,
    }
    model = lgb.LGBMRegressor(**settings).fit(x, y)
    distinct = np.unique(g)
    oof = np.full(len(y), np.nan)
    if len(distinct) >= 2:
        order = np.random.default_rng(p.seed).permutation(distinct)
        fold_of = {int(grp): i % min(p.folds, len(distinct)) for i, grp in enumerate(order)}
        fold = np.array([fold_of[int(v)] for v in g])
        for f in range(min(p.folds, len(distinct))):
            test = fold == f
            if (~test).sum() < MIN_ROWS:
                continue  # too few rows outside the fold: its rows keep no out-of-fold fit
            m = lgb.LGBMRegressor(**settings).fit(x[~test], y[~test])
            oof[test] = m.predict(x[test])
    ok = np.isfinite(oof) & (oof > 0)
    rel = y[ok] / oof[ok] - 1
    sd = float(np.std(rel, ddof=1)) if len(rel) >= 3 else DEFAULT_RELATIVE_SD
    rho = _intraclass(rel, series[ok])
    out: dict[str, tuple[float, ...]] = {}
    start = 0
    for s in current:
        mean = _mean(s.months, k)
        if mean is None:
            continue
        fitted = oof[start : start + k]
        if not np.isfinite(fitted).all():  # no fold: the model's own fit of the elapsed months
            fitted = np.asarray(model.predict(x[start : start + k]), dtype=float)
        fitted = fitted * b[start : start + k]
        start += k
        feats, base = _features(s, k, range(k + 1, MONTHS + 1))
        rest = np.asarray(model.predict(feats), dtype=float) * base
        out[s.enterprise_id] = tuple(max(0.0, float(v)) * mean for v in (*fitted, *rest))
    return MlFit(k, out, sd, len(y), rho)


def _intraclass(values: np.ndarray[Any, Any], groups: np.ndarray[Any, Any]) -> float:
    """One-way ANOVA intraclass correlation of ``values`` by ``groups``, clipped to [0, 1].

    ρ = (MSB − MSW) / (MSB + (n₀ − 1)·MSW), n₀ the adjusted mean group size (Shrout & Fleiss 1979,
    ICC(1); Snedecor & Cochran, *Statistical Methods*, 8th ed., §13.6). 0 with fewer than two groups
    of two.
    """
    ids, counts = np.unique(groups, return_counts=True)
    keep = counts >= 2
    if keep.sum() < 2:
        return 0.0
    mask = np.isin(groups, ids[keep])
    v, gr = values[mask], groups[mask]
    ids, counts = np.unique(gr, return_counts=True)
    n, a = len(v), len(ids)
    means = np.array([v[gr == i].mean() for i in ids])
    grand = v.mean()
    msb = float(np.sum(counts * (means - grand) ** 2) / (a - 1))
    msw = float(sum(np.sum((v[gr == i] - m) ** 2) for i, m in zip(ids, means, strict=True)) / (n - a))
    n0 = (n - np.sum(counts**2) / n) / (a - 1)
    denom = msb + (n0 - 1) * msw
    return 0.0 if denom <= 0 else float(min(1.0, max(0.0, (msb - msw) / denom)))
