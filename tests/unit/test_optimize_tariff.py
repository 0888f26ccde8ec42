"""Time-of-use tariff data: lookups for known hours, 15-minute resolution, overrides, bad files."""

import shutil
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from zeropark.errors import ValidationError
from zeropark.optimize.tariff import TouPeriod, load_tariff, load_tariffs

JS = "CN-JS-large-industry-1-10kV"
ZJ = "CN-ZJ-large-industry-1-10kV"


def test_both_provinces_load_with_sources_and_confidence() -> None:
    tariffs = load_tariffs()
    assert {JS, ZJ} <= set(tariffs)
    for t in tariffs.values():
        assert t.sources, t.id
        assert set(t.confidence) == {"periods", "prices", "demand_charge", "export"}
        # every quarter-hour of every month has a period with a price
        for month in range(1, 13):
            assert len(t.period_by_month[month]) == 96
            assert all(p in t.prices_cny_per_kwh for p in t.period_by_month[month])


@pytest.mark.parametrize(
    ("tariff_id", "month", "hour", "minute", "period", "price"),
    [
        (JS, 7, 14, 30, TouPeriod.CRITICAL, 1.0697 * 1.2),  # 苏发改价格发〔2023〕555号 summer 尖峰 14–15
        (JS, 7, 9, 0, TouPeriod.PEAK, 1.0697),  # 峰 8–11
        (JS, 1, 9, 0, TouPeriod.CRITICAL, 1.0697 * 1.2),  # winter 尖峰 9–11
        (JS, 3, 3, 0, TouPeriod.VALLEY, 0.3139),  # 谷 0–8
        (JS, 3, 12, 45, TouPeriod.FLAT, 0.6418),  # 平 11–17
        (ZJ, 5, 12, 0, TouPeriod.VALLEY, 0.4164),  # Zhejiang midday 低谷 11–13
        (ZJ, 5, 10, 0, TouPeriod.CRITICAL, 1.0824),  # 尖峰 9–11
    ],
)
def test_tou_lookup_for_known_hours(
    tariff_id: str, month: int, hour: int, minute: int, period: TouPeriod, price: float
) -> None:
    t = load_tariff(tariff_id)
    assert t.period_at(month, hour, minute) == period
    assert t.price_at(month, hour, minute) == pytest.approx(price)


def test_price_series_at_15_minutes() -> None:
    t = load_tariff(JS)
    idx = pd.date_range("2026-07-15 13:30", periods=8, freq="15min")  # 13:30 … 15:15
    prices = t.prices(idx)
    # 13:30, 13:45 平; 14:00–14:45 尖峰; 15:00, 15:15 平 again
    np.testing.assert_allclose(prices, [0.6418] * 2 + [1.28364] * 4 + [0.6418] * 2)


def test_override_prices_and_demand_charge() -> None:
    t = load_tariff(JS).with_overrides(prices_cny_per_kwh={"peak": 0.9}, demand_charge_cny_per_kw_month=38.4)
    assert t.price_at(3, 9) == 0.9
    assert t.demand_charge_cny_per_kw_month == 38.4
    assert t.confidence["prices"] == "user"


def test_directory_override_and_bad_row_named(tmp_path: Path) -> None:
    data = resources.files("zeropark.optimize").joinpath("data")
    for name in ("tariffs.csv", "tou_periods.csv", "tou_prices.csv", "tariff_sources.csv"):
        shutil.copy(str(data.joinpath(name)), tmp_path / name)
    assert JS in load_tariffs(tmp_path)
    prices = (tmp_path / "tou_prices.csv").read_text(encoding="utf-8").splitlines()
    prices[1] = prices[1].replace("1.0697", "abc")
    (tmp_path / "tou_prices.csv").write_text("\n".join(prices), encoding="utf-8")
    with pytest.raises(ValidationError, match=r"tou_prices.csv, row 2, column 'price_cny_per_kwh'"):
        load_tariffs(tmp_path)


def test_gap_in_periods_is_reported(tmp_path: Path) -> None:
    data = resources.files("zeropark.optimize").joinpath("data")
    for name in ("tariffs.csv", "tou_prices.csv", "tariff_sources.csv"):
        shutil.copy(str(data.joinpath(name)), tmp_path / name)
    rows = data.joinpath("tou_periods.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "tou_periods.csv").write_text(
        "\n".join(r for r in rows if "00:00,08:00" not in r or "ZJ" in r)
    )
    with pytest.raises(ValidationError, match="month 1: 00:00 is in no period block"):
        load_tariffs(tmp_path)
