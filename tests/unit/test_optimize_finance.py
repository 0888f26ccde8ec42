"""Annualisation of capital cost (CRF) checked by hand."""

import math

import pytest

from zeropark.optimize.finance import annualised_capex_cny_per_unit_a, capital_recovery_factor


def test_crf_by_hand() -> None:
    # r = 8 %, n = 20 a: 1.08**20 = 4.6609571; CRF = 0.08 × 4.6609571 / (4.6609571 − 1) = 0.1018522
    assert math.isclose(capital_recovery_factor(0.08, 20), 0.08 * 4.660957144 / 3.660957144, rel_tol=1e-9)
    assert math.isclose(capital_recovery_factor(0.08, 20), 0.1018522, rel_tol=1e-6)
    # r = 6 %, n = 10: 1.06**10 = 1.7908477; 0.06 × 1.7908477 / 0.7908477 = 0.1358680
    assert math.isclose(capital_recovery_factor(0.06, 10), 0.1358680, rel_tol=1e-6)


def test_crf_zero_rate_is_straight_line() -> None:
    assert capital_recovery_factor(0.0, 25) == pytest.approx(1 / 25)


def test_annualised_capex_adds_fixed_om() -> None:
    # 3 500 CNY/kW PV, 6 %, 25 a: CRF = 0.0782267; + 1 % O&M → 3 500 × 0.0882267 = 308.79 CNY/(kW·a)
    assert annualised_capex_cny_per_unit_a(3500, 0.06, 25, 0.01) == pytest.approx(308.79, abs=0.01)


def test_bad_lifetime_is_refused() -> None:
    with pytest.raises(ValueError, match="lifetime_years must be > 0, 0 was given"):
        capital_recovery_factor(0.05, 0)
