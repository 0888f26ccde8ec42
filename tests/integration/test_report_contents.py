"""The annual PDF holds what a reviewer of a zero-carbon park application looks for, from the data.

The small demo park is accounted (both methods) and its report rendered through the service every
door uses. The text must show: the park profile and boundary with its zones, the enterprise list
with USCC and industry, both methods in one table by source, the year-on-year comparison, the
reduction measures (green power, on-site PV) and the roadmap's status, the data sources and the
data-quality statement, the verification status, the commitment and signature page, timestamps in
Beijing time, and the confidence of every factor in words.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from datetime import UTC, datetime

import pandas as pd
import pytest
from demo_parks import DEMO_KEY, DemoPark, build_accounted_demo, demo_park_fixture  # noqa: F401 - fixture by name
from pypdf import PdfReader

from conftest import BACKENDS, built_copy
from zeropark.formatting import num
from zeropark.industry import industry_label
from zeropark.model import Method
from zeropark.optimize.profiles import profiles_from_values
from zeropark.optimize.system import Mode
from zeropark.services import optimization, reporting
from zeropark.store.scope import system_scope


def _text(pdf: bytes) -> str:
    return "".join("".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture(scope="module", params=BACKENDS)
def data(request: pytest.FixtureRequest) -> Iterator[reporting.ReportData]:
    """The report data of the accounted small demo park (a copy each backend), shared by the module:
    the tests that take it only read it (a frozen value)."""
    with built_copy(request, DEMO_KEY, build_accounted_demo) as (engine, (generated, _)):
        yield reporting.report_data(system_scope(engine, "test"), generated.park.id, generated.year)


def test_the_report_shows_what_a_reviewer_expects(data: reporting.ReportData) -> None:
    assert data.previous is None  # the demo has one year only
    text = _text(reporting.render(data, reporting.ReportKind.PDF))
    # park profile, boundary and zones; the enterprise list with USCC and industry
    for heading in ("二、园区概况与核算边界", "核算边界", "园区企业名录"):
        assert heading in text, heading
    for zone in data.zones:
        assert "".join(zone.name.split()) in text
    for e in data.enterprises:
        assert e.uscc and e.uscc in text, e.name
        assert "".join(industry_label(e.industry_code).split()) in text, e.industry_code
    # both methods in one table: national, GHG location-based and market-based side by side
    assert "国家方法(tCO2)GHG基于位置(tCO2e)GHG基于市场(tCO2e)" in text
    national, ghg = data.run(Method.NATIONAL).inventory, data.run(Method.GHG).inventory
    assert ghg.total_market_tco2e is not None
    totals = f"合计{num(national.total_tco2e, 2)}{num(ghg.total_tco2e, 2)}{num(ghg.total_market_tco2e, 2)}"
    assert totals in text
    # no year before: said so, with the base year
    assert "五、同比变化" in text and f"无{data.year - 1}年度核算结果" in text
    # reduction measures: each green-power line's MWh × the grid factor the run used
    assert "七、减排措施与路线图" in text
    # the roadmap chapter: no earlier accounted year, said in a sentence; the metabolism's flows
    assert f"{data.year}年之前没有已核算的年度" in text and "园区代谢：主要能源流（tce）" in text
    ef = next(
        f.value
        for li in national.lines
        if li.category.value == "purchased_electricity"
        for f in li.factors
        if f.symbol == "EF"
    )
    greens = [li for li in national.lines if li.category.value == "green_power" and li.activity > 0]
    assert greens
    for li in greens:
        mwh = li.activity / 1000.0
        assert f"{num(mwh, 1)}{num(mwh * ef, 1)}" in text, li.id
    # data sources, quality statement, verification, commitment and signatures
    for heading in ("十、数据来源与数据质量", "数据来源", "数据质量声明", "核查状态", "尚未经核查人员签核"):
        assert heading in text, heading
    assert "十二、承诺与签章" in text and "园区管理机构（盖章）" in text and "负责人（签字）" in text
    assert "北京时间" in text
    # the confidence of each factor in words (P → 一手文件, S → 二手来源)
    assert "一手文件" in text and "二手来源" in text


def test_year_on_year_and_a_signed_off_run(data: reporting.ReportData) -> None:
    national = data.run(Method.NATIONAL)
    # a previous year with 20 000 tCO2 and 8 000 tce (a stand-in for the year before)
    before = dataclasses.replace(
        national.inventory, year=data.year - 1, total_tco2e=20_000.0, energy_tce=8_000.0
    )
    signed = dataclasses.replace(
        national.summary, signed_off_by="demo-verifier", signed_off_at=datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    )
    changed = dataclasses.replace(
        data,
        previous=dataclasses.replace(national, inventory=before),
        national=dataclasses.replace(national, summary=signed),
    )
    text = _text(reporting.render(changed, reporting.ReportKind.PDF))
    now = national.inventory.total_tco2e
    # change = now − 20 000 tCO2; rate = change / 20 000 × 100 %
    row = (
        f"{num(20_000.0, 1)}{num(now, 1)}{num(now - 20_000.0, 1)}{num(100 * (now - 20_000.0) / 20_000.0, 1)}"
    )
    assert row in text
    # signed off 2026-01-05 02:00 UTC = 10:00 Beijing time
    assert "已由demo-verifier于2026-01-0510:00（北京时间）签核" in text


def test_an_optimisation_run_is_listed_among_the_measures(demo_park: DemoPark) -> None:
    scope = system_scope(demo_park.engine, "test")
    # 100 kW flat for a day (the hand-computed day of test_run_services.py)
    day = pd.Timestamp("2026-03-02")
    request = optimization.RunRequest(Mode.DISPATCH, profiles_from_values(day, 1.0, [100.0] * 24, source="t"))
    out = optimization.create_run(scope, demo_park.park_id, request)
    again = reporting.report_data(scope, demo_park.park_id, demo_park.year)
    measure = next(m for m in again.measures if m.name_en.startswith("optimisation"))
    assert measure.name_zh == "优化方案：运行优化调度" and f"#{out.run.id}" in measure.detail
    text = _text(reporting.render(again, reporting.ReportKind.PDF))
    assert "优化方案：运行优化调度" in text and "".join(measure.detail.split()) in text


def test_the_workbook_lists_the_enterprises_with_uscc_and_industry(data: reporting.ReportData) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(reporting.render(data, reporting.ReportKind.XLSX)))
    ws = wb["企业名录"]
    rows = {ws.cell(r, 1).value: [ws.cell(r, c).value for c in range(1, 8)] for r in range(3, ws.max_row + 1)}
    assert set(rows) == {e.id for e in data.enterprises}
    for e in data.enterprises:
        assert rows[e.id][2] == e.uscc and rows[e.id][3] == industry_label(e.industry_code)
    assert ws.freeze_panes == "C3" and ws.print_area
