"""205-1 表 from accounted line items, written as xlsx and read back with its arithmetic checked."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from zeropark.accounting.form205 import check_205_1, form_205_1
from zeropark.accounting.lineitems import Category, LineItem
from zeropark.errors import ValidationError
from zeropark.model import Carrier, Method
from zeropark.reports.form205 import SHEET, read_205_1, write_205_1


def _line(
    i: int,
    carrier: Carrier,
    activity: float,
    tce: float,
    *,
    ent: str = "E1",
    cat: Category = Category.FUEL_COMBUSTION,
    method: Method = Method.NATIONAL,
) -> LineItem:
    return LineItem(f"L{i}", method, cat, 1, ent, None, carrier, None, activity, "-", (), 0.0, tce, "-")


LINES = [
    # electricity 1 200 000 kWh in two lines = 120 万kWh; 147.48 tce → 1.229 tce/万kWh (0.1229 kgce/kWh)
    _line(1, Carrier.ELECTRICITY, 700_000, 86.03),
    _line(2, Carrier.ELECTRICITY, 500_000, 61.45),
    # natural gas 300 000 m3 = 30 万m3, 399.0 tce (13.3 tce/万m3); 50 000 m3 of it as feedstock
    _line(3, Carrier.NATURAL_GAS, 250_000, 332.5),
    _line(4, Carrier.NATURAL_GAS, 50_000, 66.5, cat=Category.FEEDSTOCK),
    _line(5, Carrier.ELECTRICITY, -100_000, -12.29),  # an export: not consumption
    _line(6, Carrier.DIESEL, 10, 14.57, ent="E2"),  # another enterprise
    _line(7, Carrier.DIESEL, 10, 14.57, method=Method.GHG),  # the other method
    _line(8, Carrier.WATER, 1000, 0.0),  # not an energy
]


def test_rows_from_line_items() -> None:
    rows = {r.code: r for r in form_205_1(LINES, "E1")}
    assert list(rows) == ["15", "33", "40"]
    gas, el, total = rows["15"], rows["33"], rows["40"]
    assert (gas.consumption, gas.as_material, gas.factor_tce) == pytest.approx((30.0, 5.0, 13.3))
    assert (el.consumption, el.industrial, el.non_industrial) == pytest.approx((120.0, 120.0, 0.0))
    assert el.factor_tce == pytest.approx(1.229)
    assert total.consumption == pytest.approx(147.48 + 399.0)  # 能源合计 吨标准煤
    assert check_205_1(rows.values()) == []


def test_xlsx_round_trip_and_filled_stocks_checked() -> None:
    rows = form_205_1(LINES, "E1")
    data = write_205_1(rows, enterprise="示例化工有限公司", uscc="91320500MA1XXXXXX0", year=2025)
    back = read_205_1(data)
    assert [(r.code, r.consumption, r.factor_tce) for r in back] == [
        (r.code, r.consumption, r.factor_tce) for r in rows
    ]
    # the enterprise fills stocks for electricity's neighbour row (gas): 期初 2 + 购进 30 − 消费 30 = 期末 2
    wb = load_workbook(io.BytesIO(data))
    ws = wb[SHEET]
    gas_row = next(r for r in ws.iter_rows(min_row=7) if r[2].value == "15")
    gas_row[3].value, gas_row[4].value, gas_row[11].value = 2, 30, 3  # 期末 3 is wrong: 2 + 30 − 30 = 2
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ValidationError) as exc:
        read_205_1(buf.getvalue(), "filled.xlsx")
    assert "期末库存 3.0" in str(exc.value) and "column '9'" in str(exc.value)
    gas_row[11].value = 2
    buf = io.BytesIO()
    wb.save(buf)
    assert next(r for r in read_205_1(buf.getvalue()) if r.code == "15").closing_stock == 2.0


def test_bad_files_are_named() -> None:
    with pytest.raises(ValidationError, match="not an xlsx"):
        read_205_1(b"garbage")
    data = write_205_1(form_205_1(LINES, "E1"), enterprise="x", uscc="y", year=2025)
    wb = load_workbook(io.BytesIO(data))
    ws = wb[SHEET]
    ws.cell(row=7, column=7).value = "many"  # col 4 of the first energy row
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ValidationError, match="'many' is not a number"):
        read_205_1(buf.getvalue())
