"""Tariff tables as data (named errors) and one month's electricity bill, computed by hand."""

from __future__ import annotations

import math

import pytest

from zeropark.errors import TariffDataError
from zeropark.optimize.bill import month_bill
from zeropark.optimize.tariff import TouPeriod, read_tariff_tables, tariffs_from_tables

JS = "CN-JS-large-industry-1-10kV"


def _tables() -> dict[str, list[dict[str, str]]]:
    tables, _ = read_tariff_tables()
    return {k: [dict(r) for r in v] for k, v in tables.items()}


def _errors(tables: dict[str, list[dict[str, str]]]) -> list[tuple[str, int | None, str | None]]:
    with pytest.raises(TariffDataError) as exc:
        tariffs_from_tables(tables)
    return [(e.file, e.row, e.field) for e in exc.value.errors]


def test_overlapping_blocks_are_named() -> None:
    t = _tables()
    # make the summer 尖峰 row (row 7 of tou_periods.csv) an ordinary block: it now overlaps 平 11-17
    t["tou_periods.csv"][5]["override"] = ""
    assert _errors(t) == [("tou_periods.csv", 7, "start")]


def test_hours_not_covering_the_day_and_bad_prices_are_named() -> None:
    t = _tables()
    t["tou_periods.csv"][4]["end"] = "23:00"  # 22:00-23:00 平: 23:00-24:00 now uncovered
    t["tou_prices.csv"][0]["price_cny_per_kwh"] = "-0.1"
    t["tariffs.csv"][0]["demand_charge_cny_per_kw_month"] = "-40"
    errs = _errors(t)
    assert ("tou_prices.csv", 2, "price_cny_per_kwh") in errs
    assert ("tariffs.csv", 2, "demand_charge_cny_per_kw_month") in errs
    assert any(f == "tou_periods.csv" and r is None for f, r, _ in errs)  # a month with 23:00 in no block
    t = _tables()
    t["tou_periods.csv"][0]["start"] = "07:10"
    assert _errors(t)[0] == ("tou_periods.csv", 2, "start")


def test_a_july_bill_of_the_jiangsu_table_by_hand() -> None:
    tariff = tariffs_from_tables(_tables())[JS]
    # 1 kWh in every hour of July (31 days), 5 kWh at 09:00-10:00 on 3 July
    hourly = [1.0] * (31 * 24)
    hourly[2 * 24 + 9] = 5.0
    hourly[10] = math.nan  # 1 July 10:00-11:00 missing
    bill = month_bill(tariff, 2025, 7, hourly)
    # July hours per period (苏发改价格发〔2023〕555号 summer 尖峰 14-15 and 20-21):
    #   谷 0-8 = 8 h; 峰 8-11 + 17-22 minus 20-21 = 3 + 4 = 7 h;
    #   平 11-17 minus 14-15 + 22-24 = 5 + 2 = 7 h; 尖峰 2 h
    assert bill.energy_kwh[TouPeriod.VALLEY] == pytest.approx(8 * 31)
    assert bill.energy_kwh[TouPeriod.PEAK] == pytest.approx(
        7 * 31 - 1 + 4
    )  # one 峰 hour missing, +4 kWh on the 3rd
    assert bill.energy_kwh[TouPeriod.FLAT] == pytest.approx(7 * 31)
    assert bill.energy_kwh[TouPeriod.CRITICAL] == pytest.approx(2 * 31)
    # energy charge: 248 × 0.3139 + 220 × 1.0697 + 217 × 0.6418 + 62 × 1.28364
    #   = 77.8472 + 235.334 + 139.2706 + 79.58568 = 532.03748
    assert math.fsum(bill.energy_cost_cny.values()) == pytest.approx(532.03748, abs=1e-6)
    # demand: 5 kW × 40 CNY/(kW·month) = 200
    assert bill.max_demand_kw == 5.0 and bill.demand_cost_cny == pytest.approx(200.0)
    assert bill.total_cny == pytest.approx(732.03748, abs=1e-6)
    assert bill.missing_hours == 1
