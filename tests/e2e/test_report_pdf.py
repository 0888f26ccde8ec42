"""The annual PDF report: text extractable, Chinese rendered, sane page count (pypdf)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from e2e_park import (  # noqa: F401 - fixtures used by name
    PASSWORD,
    USERS,
    YEAR,
    Server,
    artifacts_fixture,
    browser_fixture,
    demo_server_fixture,
    server_fixture,
)
from pypdf import PdfReader
from sqlalchemy import text as sql_text

from conftest import login_form

pytestmark = pytest.mark.browser


def _fetch(server: Server, who: str, path: str) -> Any:
    import httpx

    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=60) as client:
        r = login_form(client, USERS[who][0], PASSWORD)
        assert r.status_code == 303
        return client.get(path)


def test_annual_pdf_has_chinese_text_and_sections(server: Server, artifacts: Path) -> None:
    resp = _fetch(server, "park_manager", f"/reports/annual.pdf?year={YEAR}")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/pdf"
    (artifacts / "annual-report.pdf").write_bytes(resp.content)
    reader = PdfReader(io.BytesIO(resp.content))
    # cover + ~4 pages of tables and charts; far more would mean a runaway table
    assert 3 <= len(reader.pages) <= 15
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    compact = "".join(text.split())
    # known Chinese headings (zeropark.web.i18n) prove CJK glyphs render as real text
    for heading in (
        "2025年度园区碳排放报告",
        "一、摘要",
        "十一、核查状态与溯源信息",
        "示例数据",
        "滨江零碳产业园",
    ):
        assert heading in compact, heading
    # core indicator 1 142.091 tCO2 / 268.61 tce = 4.252 tCO2/tce; below 200 000 tce no limit applies
    assert "4.252" in compact
    assert "仅报告数值" in compact
    # factor provenance and the run's input fingerprint are printed
    assert "发改办气候〔2015〕1722号" in compact
    sql = "SELECT input_fingerprint FROM inventory_run WHERE method = 'national' AND enterprise_id IS NULL"
    with server.engine.connect() as conn:
        fingerprint = conn.execute(sql_text(sql)).scalar_one()
    assert fingerprint in compact


def test_enterprise_pdf_contains_only_its_own_enterprise(server: Server) -> None:
    resp = _fetch(server, "enterprise", f"/reports/annual.pdf?year={YEAR}")
    assert resp.status_code == 200
    text = "".join("".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(resp.content)).pages).split())
    assert "甲精密制造有限公司" in text
    assert "乙新材料有限公司" not in text
    # enterprise A alone: 309.591 tCO2 / 145.71 tce = 2.125 tCO2/tce
    assert "2.125" in text
