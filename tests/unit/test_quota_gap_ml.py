"""配额缺口预测: the plan method by hand, method selection, and the LightGBM method's interval coverage."""

from __future__ import annotations

import numpy as np
import pytest

from zeropark.forecast.quota_gap import Method, QuotaGapError, backtest, forecast_gap
from zeropark.forecast.quota_gap_ml import YearSeries, fit_months


def test_plan_method_by_hand() -> None:
    # CO2 10 + 20 = 30 t on 1 + 2 = 3 planned units → 10 t/unit; 10 months × 3 units × 10 = 300 t
    f = forecast_gap([10, 20], production=[1, 2], plan=[3] * 10, method=Method.PLAN, allowance_tco2=330)
    assert f.method is Method.PLAN
    assert f.year_end_tco2 == pytest.approx(330.0)
    assert f.gap_tco2 == pytest.approx(0.0)
    assert f.p_short == pytest.approx(0.5)  # the mean sits on the allowance
    # run rate forced although a plan is there: (10 + 20) / 2 × 12 = 180 t
    assert (
        forecast_gap([10, 20], production=[1, 2], plan=[3] * 10, method=Method.RUN_RATE).year_end_tco2 == 180
    )


def test_a_forced_method_without_its_data_is_a_named_error() -> None:
    with pytest.raises(QuotaGapError, match="last_year"):
        forecast_gap([10, 20], method=Method.SEASONAL)
    with pytest.raises(QuotaGapError, match="plan"):
        forecast_gap([10, 20], method=Method.PLAN)
    with pytest.raises(QuotaGapError, match="ml_months"):
        forecast_gap([10, 20], method=Method.ML)


def _park(n: int = 14, seed: int = 3) -> tuple[list[YearSeries], dict[str, float]]:
    """n enterprises: CO2 = intensity × planned output × (1 + 4 % noise); plans of varied shapes."""
    rng = np.random.default_rng(seed)
    out, totals = [], {}
    m = np.arange(12)
    for i in range(n):
        shape = 1 + 0.3 * np.sin(2 * np.pi * (m + rng.integers(0, 12)) / 12) + 0.02 * i * (m - 6) / 6
        plan = 100 * rng.uniform(0.5, 2.0) * shape
        co2 = rng.uniform(0.5, 3.0) * plan * (1 + rng.normal(0, 0.04, 12))
        out.append(YearSeries(f"E{i:02d}", tuple(co2), None, tuple(plan)))
        totals[f"E{i:02d}"] = float(co2.sum())
    return out, totals


def test_ml_method_follows_the_plans_and_its_interval_covers() -> None:
    park, totals = _park()
    covered = errors = 0
    cases = 0
    for k in (2, 4, 6, 8, 10):
        known = [YearSeries(s.enterprise_id, s.months[:k], None, s.plan) for s in park]
        fit = fit_months(known, k)
        again = fit_months(known, k)
        assert fit.monthly == again.monthly  # deterministic
        for s in park:
            f = forecast_gap(
                s.months[:k], method=Method.ML, ml_months=fit.monthly[s.enterprise_id], ml_sd=fit.relative_sd
            )
            assert f.monthly_tco2[:k] == pytest.approx(s.months[:k])  # known months are the actual ones
            assert f.low_tco2 <= f.year_end_tco2 <= f.high_tco2
            covered += f.low_tco2 <= totals[s.enterprise_id] <= f.high_tco2
            errors += abs(f.year_end_tco2 / totals[s.enterprise_id] - 1)
            cases += 1
    # 90 % intervals: at least 75 % of 70 cases covered; mean error below the run rate's
    assert covered / cases >= 0.75, covered / cases
    run_rate = np.mean([
        abs(forecast_gap(s.months[:k]).year_end_tco2 / totals[s.enterprise_id] - 1)
        for k in (2, 4, 6, 8, 10) for s in park
    ])  # fmt: skip
    assert errors / cases < run_rate, (errors / cases, run_rate)


def test_backtest_per_method_scores_each_cutoff() -> None:
    park, _ = _park(6)
    s = park[0]
    fits = {k: fit_months([YearSeries(p.enterprise_id, p.months[:k], None, p.plan) for p in park], k)
            for k in range(1, 12)}  # fmt: skip
    ml = backtest(
        s.months,
        method=Method.ML,
        ml_months={k: f.monthly[s.enterprise_id] for k, f in fits.items()},
        ml_sd={k: f.relative_sd for k, f in fits.items()},
    )
    plan = backtest(s.months, plan=s.plan, method=Method.PLAN)
    assert len(ml.errors_pct) == len(plan.errors_pct) == 11
    assert 0 <= ml.coverage <= 1 and plan.mape_pct < 10  # CO2 ∝ plan within 4 % noise
