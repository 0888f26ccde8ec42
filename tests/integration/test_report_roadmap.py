"""The reports' roadmap chapter shows the figures of the services every other door calls.

Two years of the API fixture park are accounted (2024 with value added E-A 1000, E-B 500; 2025 with
1200 and 450 — test_roadmap_lmdi's fixture). The 2025 report's chapter must carry exactly
``services.roadmap.lmdi(2024, 2025)`` and ``services.metabolism.metabolism(2025)``: the workbook's
路线图 sheet holds the same floats, the PDF prints them rounded as the template does. The 2024
report has no earlier accounted year and says so in a sentence, never an empty table.
"""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from api_support import PARK
from pypdf import PdfReader
from sqlalchemy import Engine
from test_roadmap_lmdi import two_years  # noqa: F401 — the two-year fixture

from zeropark.formatting import num
from zeropark.i18n import translate
from zeropark.roadmap.lmdi import Effect
from zeropark.services import pathway, reporting, scenarios
from zeropark.services.metabolism import FlowKind, metabolism
from zeropark.services.roadmap import lmdi
from zeropark.store.scope import system_scope


def _pdf_text(pdf: bytes) -> str:
    return "".join("".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def _sheet(xlsx: bytes) -> list[tuple[Any, ...]]:
    ws = openpyxl.load_workbook(io.BytesIO(xlsx))["路线图"]
    return [row for row in ws.iter_rows(values_only=True) if any(v is not None for v in row)]


def test_the_chapter_is_the_services_figures(two_years: tuple[Engine, Any]) -> None:  # noqa: F811
    engine, _ = two_years
    scope = system_scope(engine, "cli")
    data = reporting.report_data(scope, PARK, 2025)
    chapter = data.roadmap
    assert chapter is not None and chapter.previous_year == 2024
    service = lmdi(scope, PARK, 2024, 2025)
    assert chapter.lmdi == service.to_dict()
    energy = metabolism(scope, PARK, 2025, FlowKind.ENERGY)
    carbon = metabolism(scope, PARK, 2025, FlowKind.CARBON)
    assert chapter.energy is not None and chapter.energy.to_dict() == energy.to_dict()
    assert chapter.carbon is not None and chapter.carbon.to_dict() == carbon.to_dict()
    # the workbook: the same floats (openpyxl writes 16 significant digits: equal to 1e-14)
    rows = _sheet(reporting.render(data, reporting.ReportKind.XLSX))
    d = service.decomposition
    by_label = {r[0]: r[1] for r in rows if isinstance(r[1], float)}
    assert by_label["2024"] == pytest.approx(d.co2_from, rel=1e-14)
    assert by_label["2025"] == pytest.approx(d.co2_to, rel=1e-14)
    number = (int, float)
    effects = [
        r[1] for r in rows if isinstance(r[0], str) and r[0].endswith("(tCO2)") and isinstance(r[1], number)
    ]
    assert effects == pytest.approx([d.additive[e] for e in Effect], rel=1e-14, abs=1e-15)
    trend = [r for r in rows if r[0] in (2024, 2025)]
    assert [r[0] for r in trend] == [p.year for p in service.trend]
    assert [r[3] for r in trend] == pytest.approx([p.carbon_productivity for p in service.trend], rel=1e-14)
    energy_rows = [r[2] for r in rows if isinstance(r[2], float) and isinstance(r[3], int)]
    want = [lk.value for lk in energy.top(10)] + [lk.value for lk in carbon.top(10)]
    assert energy_rows == pytest.approx(want, rel=1e-14)
    total = next(r for r in rows if r[0] == "流入合计 Total inflow (tce)")
    assert total[2] == pytest.approx(energy.total(), rel=1e-14)
    # the PDF: the same figures, rounded as printed
    text = _pdf_text(reporting.render(data, reporting.ReportKind.PDF))
    assert "碳排放变化归因（LMDI）：2024→2025" in text
    for e in Effect:
        assert num(d.additive[e], 1) in text, e
    assert service.decoupling is not None
    assert "Tapio脱钩状态" in text
    for lk in energy.top(10):
        assert num(lk.value, 1) in text
    assert "园区代谢：主要能源流（tce）" in text and "园区代谢：主要碳流（tCO2）" in text
    assert "平台尚无已确认的分年度减排路线图" not in text


def test_a_year_without_an_earlier_one_says_so(two_years: tuple[Engine, Any]) -> None:  # noqa: F811
    engine, _ = two_years
    data = reporting.report_data(system_scope(engine, "cli"), PARK, 2024)
    assert data.roadmap is not None and data.roadmap.previous_year is None and data.roadmap.lmdi is None
    sentence = "2024 年之前没有已核算的年度（国家核算方法），尚不能做变化归因、脱钩分析和碳生产率趋势。"
    assert "".join(sentence.split()) in _pdf_text(reporting.render(data, reporting.ReportKind.PDF))
    rows = _sheet(reporting.render(data, reporting.ReportKind.XLSX))
    assert (sentence, None, None, None) in rows
    assert not [r for r in rows if r[0] == "效应 Effect"]


def test_the_scenario_table_is_the_scenario_service(two_years: tuple[Engine, Any]) -> None:  # noqa: F811
    engine, _ = two_years
    scope = system_scope(engine, "cli")
    made = scenarios.create_defaults(scope, PARK, 2025)
    data = reporting.report_data(scope, PARK, 2025)
    assert data.roadmap is not None
    rows = data.roadmap.scenarios
    assert [r["id"] for r in rows] == [v.summary.id for v in made]
    for row, view in zip(rows, made, strict=True):
        for y in (2030, 2035, 2060):
            assert row["years"][y]["total_tco2e"] == view.year(y).total_tco2e
            assert row["years"][y]["core_tco2_per_tce"] == view.year(y).core_tco2_per_tce
    sheet = _sheet(reporting.render(data, reporting.ReportKind.XLSX))
    header = next(r for r in sheet if r[0] == "情景（编号、基准年）")
    assert header[2:8] == (
        "2030 tCO2",
        "2030 tCO2/tce",
        "2035 tCO2",
        "2035 tCO2/tce",
        "2060 tCO2",
        "2060 tCO2/tce",
    )
    first = next(r for r in sheet if isinstance(r[0], str) and r[0].startswith(made[0].summary.name))
    assert first[2] == pytest.approx(made[0].year(2030).total_tco2e, rel=1e-14)
    text = _pdf_text(reporting.render(data, reporting.ReportKind.PDF))
    assert "情景（BAU、政策、零碳）" in text and "基准情景" in text
    assert num(made[0].year(2060).total_tco2e, 1) in text
    # a 2024 report does not show scenarios based on 2025
    early = reporting.report_data(scope, PARK, 2024)
    assert early.roadmap is not None and early.roadmap.scenarios == ()


def test_the_pathway_summary_is_the_pathway_service(two_years: tuple[Engine, Any]) -> None:  # noqa: F811
    engine, _ = two_years
    scope = system_scope(engine, "cli")
    run = pathway.run_pathway(
        scope, PARK, pathway.PathwayParams(2025, 2028, pathway.targets_from(zero_by=2026))
    )
    data = reporting.report_data(scope, PARK, 2025)
    assert data.roadmap is not None
    (row,) = data.roadmap.pathway
    (target,) = run.result["targets"]
    status = target.get("accounted") or target
    assert (row["run_id"], row["status"], row["cost_cny"]) == (run.id, run.status, run.cost_cny)
    assert (row["kind"], row["year"], row["met"], row["year_met"]) == (
        "zero",
        2026,
        status["met"],
        status["year_met"],
    )
    text = _pdf_text(reporting.render(data, reporting.ReportKind.PDF))
    label = translate(f"pw_status_{run.status}", "zh")
    assert f"最低成本路径：求解记录#{run.id}（{label}），总成本" in text
    assert "最低成本路径" in text and "某年起零排放" in text
    sheet = _sheet(reporting.render(data, reporting.ReportKind.XLSX))
    assert any(r[0] == "某年起零排放" and r[2] == 2026 for r in sheet)
    # a 2024 report does not show a pathway based on 2025
    early = reporting.report_data(scope, PARK, 2024)
    assert early.roadmap is not None and early.roadmap.pathway == ()
