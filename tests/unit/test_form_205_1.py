"""205-1 能源购进、消费与库存 from accounted lines (zeropark.accounting.form_205_1), by hand."""

from __future__ import annotations

import pytest

from zeropark.accounting.form_205_1 import FormCheckError, by_code, check_row, form_rows, total_tce
from zeropark.accounting.lineitems import Category, LineItem
from zeropark.model import Carrier, Method


def _line(category: Category, carrier: Carrier, activity: float, tce: float) -> LineItem:
    return LineItem(
        id=f"{category.value}-{carrier.value}",
        method=Method.NATIONAL,
        category=category,
        scope=None,
        enterprise_id="E1",
        zone_id=None,
        carrier=carrier,
        month=None,
        activity=activity,
        activity_unit="",
        factors=(),
        emissions_tco2e=0.0,
        energy_tce=tce,
        formula="",
    )


LINES = [
    _line(Category.FUEL_COMBUSTION, Carrier.NATURAL_GAS, 150_000, 182.145),  # 1.2143 kgce/m³
    _line(Category.FEEDSTOCK, Carrier.NATURAL_GAS, 50_000, 60.715),
    _line(Category.PURCHASED_ELECTRICITY, Carrier.ELECTRICITY, 2_000_000, 245.8),  # 0.1229 kgce/kWh
    _line(Category.ONSITE_RENEWABLE, Carrier.ELECTRICITY, 300_000, 0.0),
    _line(Category.EXPORTED_ELECTRICITY, Carrier.ELECTRICITY, 100_000, -12.29),
    _line(Category.INTERNATIONAL_BUNKER, Carrier.DIESEL, 10, 14.571),  # 1.4571 kgce/kg
    _line(Category.PROCESS, Carrier.MATERIAL, 1_000, 0.0),  # not energy: no row
    _line(Category.GREEN_POWER, Carrier.ELECTRICITY, 500_000, 0.0),  # a claim, not consumption
]


def test_rows_by_hand() -> None:
    """天然气: 15 + 5 = 20 万m³, of which 5 as feedstock, (182.145 + 60.715)/20 = 12.143 tce/万m³.
    电力: 200 received + 30 generated − 10 sent out = 220 万kWh; purchased 200; 245.8/200 = 1.229.
    柴油: 10 t, all transport (col 8); 1.4571 tce/t.
    能源合计 = 20 × 12.143 + 220 × 1.229 + 10 × 1.4571 = 242.86 + 270.38 + 14.571 = 527.811 tce."""
    rows = by_code(form_rows(LINES))
    assert list(rows) == ["15", "21", "33"]  # the form's order: 天然气, 柴油, 电力
    gas, diesel, power = rows["15"].values, rows["21"].values, rows["33"].values
    assert gas[3:8] == pytest.approx((20.0, 20.0, 5.0, 0.0, 0.0))
    assert gas[9] == pytest.approx(12.143)
    assert gas[1] is None and gas[0] is None and gas[8] is None  # fuel purchases and stocks: not recorded
    assert power[1] == pytest.approx(200.0) and power[3] == pytest.approx(220.0)
    assert power[9] == pytest.approx(1.229)
    assert diesel[3] == pytest.approx(10.0) and diesel[7] == pytest.approx(10.0)
    assert total_tce(list(rows.values())) == pytest.approx(527.811)
    for code, row in rows.items():
        check_row(code, row.values)


def test_checks_name_the_row_and_columns() -> None:
    ok = (5.0, 20.0, None, 18.0, 16.0, 0.0, 2.0, 0.0, 7.0, 0.7143)  # 4 = 16 + 2; 9 = 5 + 20 − 18
    check_row("01", ok)
    with pytest.raises(FormCheckError, match=r"row 01: column 4 消费量合计 18 ≠ column 5"):
        check_row("01", (5.0, 20.0, None, 18.0, 15.0, 0.0, 2.0, 0.0, 7.0, 0.7143))
    with pytest.raises(FormCheckError, match=r"column 9 期末库存量 8 ≠ 1 \+ 2 − 4"):
        check_row("01", (5.0, 20.0, None, 18.0, 16.0, 0.0, 2.0, 0.0, 8.0, 0.7143))
    with pytest.raises(FormCheckError, match=r"column 2 \(购进量 实物量\)"):
        check_row("01", (5.0, -1.0, None, 18.0, 16.0, 0.0, 2.0, 0.0, 8.0, 0.7143))
    with pytest.raises(FormCheckError, match="9 columns"):
        check_row("01", (1.0,) * 9)
