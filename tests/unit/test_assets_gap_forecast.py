"""The quota-gap forecast (zeropark.assets.gap_forecast), by hand."""

from __future__ import annotations

import pytest

from zeropark.assets.gap_forecast import backtest, forecast
from zeropark.errors import AssetError


def test_seasonal_profile_and_interval() -> None:
    # last year: winter months (1, 2, 12) 200 t, others 100 t → 1 500 t; Jan+Feb share 400/1500
    profile = {m: 200.0 if m in (1, 2, 12) else 100.0 for m in range(1, 13)}
    f = forecast([220, 180], allocation_t=1_400, profile=profile)
    # 400 / (400/1500) = 1 500 t; estimates 220/(200/1500) = 1 650 and 1 500: σ = 75 → ±147
    assert f.year_end_t == pytest.approx(1_500)
    assert (f.low_t, f.high_t) == pytest.approx((1_353, 1_647))
    assert f.gap_t == pytest.approx(100) and f.profile == "previous year"


def test_backtest_of_a_flat_year_is_exact_and_bad_input_is_named() -> None:
    assert all(ape == pytest.approx(0) for _, _, ape in backtest([50.0] * 12))
    with pytest.raises(AssetError, match="1 to 12 months"):
        forecast([], allocation_t=0)
