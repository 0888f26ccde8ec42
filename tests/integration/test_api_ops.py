"""Data quality, workbook imports, reports — roles and tenant isolation, both backends.

Fixture park (api_support.build_park): M-A, M-B, M-GRID each hold 24 hourly readings of the 8760
expected in 2025 → completeness 24 / 8760 = 0.00274 per meter.
"""

from __future__ import annotations

import json

import pytest
from api_support import ApiModule, api_module  # noqa: F401  (module-scoped fixture)
from fastapi.testclient import TestClient


@pytest.fixture
def api(api_module: ApiModule) -> ApiModule:  # noqa: F811
    return api_module


@pytest.fixture
def c(api_module: ApiModule) -> dict[str, TestClient]:  # noqa: F811
    return api_module.clients


def test_quality_park_and_enterprise_views(c: dict[str, TestClient]) -> None:
    park = c["verifier"].get("/api/v1/parks/P1/quality?year=2025").json()
    assert park["meters"]["total"] == 3
    m = park["meters"]["items"][0]
    assert m["n_expected"] == 8760 and m["n_present"] == 24
    assert m["completeness"] == pytest.approx(24 / 8760)
    own = c["ent_a"].get("/api/v1/parks/P1/quality?year=2025").json()
    assert [x["meter_id"] for x in own["meters"]["items"]] == ["M-A"]
    assert set(own["by_enterprise"]) == {"E-A"}
    assert c["device"].get("/api/v1/parks/P1/quality?year=2025").status_code == 403


def _workbook(enterprise: str, *energy: dict[str, object]) -> tuple[str, bytes]:
    doc = {"enterprise": {"id": enterprise, "year": 2025}, "energy": list(energy)}
    return f"{enterprise}.json", json.dumps(doc, ensure_ascii=False).encode()


GOOD = {"month": "2025-03", "carrier": "natural_gas", "quantity": 100, "unit": "m3", "evidence": "发票 A-3"}
BAD = {"month": "2025-13", "carrier": "natural_gas", "quantity": -1, "unit": "m3"}


def test_import_reports_every_row_error_and_stores_nothing(api: ApiModule, c: dict[str, TestClient]) -> None:
    before = c["ent_a"].get("/api/v1/parks/P1/activity-records?year=2025").json()["total"]
    r = c["ent_a"].post("/api/v1/imports", files={"file": _workbook("E-A", GOOD, BAD)})
    assert r.status_code == 422
    body = r.json()
    assert body["status"] == "rejected" and body["stored"] == 0
    fields = {(e["sheet"], e["row"], e["field"]) for e in body["errors"]}
    assert ("能源消费", 2, "月份（YYYY-MM）") in fields and ("能源消费", 2, "消费量") in fields
    assert c["ent_a"].get("/api/v1/parks/P1/activity-records?year=2025").json()["total"] == before
    # partial keeps the good row
    r = c["ent_a"].post(
        "/api/v1/imports", files={"file": _workbook("E-A", GOOD, BAD)}, data={"partial": "true"}
    )
    assert r.status_code == 201 and r.json()["status"] == "partial" and r.json()["stored"] == 1
    batch = c["ent_a"].get(f"/api/v1/imports/{r.json()['batch_id']}").json()
    assert batch["n_stored"] == 1 and batch["errors"]
    assert api.audit_actions("create")[-1].entity == "import_batch"


def test_import_for_another_enterprise_is_refused_before_storing(
    api: ApiModule, c: dict[str, TestClient]
) -> None:
    n_denied = api.audit_count("denied")
    b_before = c["manager"].get("/api/v1/parks/P1/activity-records?enterprise_id=E-B").json()["total"]
    r = c["ent_a"].post("/api/v1/imports", files={"file": _workbook("E-B", GOOD)})
    assert r.status_code == 404
    assert api.audit_count("denied") == n_denied + 1
    assert c["manager"].get("/api/v1/parks/P1/activity-records?enterprise_id=E-B").json()["total"] == b_before
    # the manager may import for E-B
    r = c["manager"].post("/api/v1/imports", files={"file": _workbook("E-B", GOOD)})
    assert r.status_code == 201 and r.json()["enterprise_id"] == "E-B"
    assert c["verifier"].post("/api/v1/imports", files={"file": _workbook("E-B", GOOD)}).status_code == 403
    # ent_a's import list holds only its own uploads
    mine = c["ent_a"].get("/api/v1/parks/P1/imports").json()["items"]
    assert all(b["created_by"] == "ent_a" for b in mine)
    assert c["ent_a"].get(f"/api/v1/imports/{r.json()['batch_id']}").status_code == 404


def test_import_rejects_unsupported_file(c: dict[str, TestClient]) -> None:
    r = c["manager"].post("/api/v1/imports", files={"file": ("x.exe", b"MZ")})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"


def test_reports_roles(api: ApiModule, c: dict[str, TestClient]) -> None:
    # an enterprise user lists reports (its own enterprise's only, checked below); device may not
    assert c["ent_a"].get("/api/v1/parks/P1/reports").status_code == 200
    assert c["device"].get("/api/v1/parks/P1/reports").status_code == 403
    assert c["verifier"].post("/api/v1/parks/P1/reports", json={"year": 2025}).status_code == 403
    assert c["verifier"].get("/api/v1/parks/P1/reports").status_code == 200
    # no national run for 2031 → 404 naming the way out
    r = c["manager"].post("/api/v1/parks/P1/reports", json={"year": 2031})
    assert r.status_code == 404


def test_pdf_report_generate_and_download(api: ApiModule, c: dict[str, TestClient]) -> None:
    assert c["manager"].post("/api/v1/parks/P1/inventory-runs", json={"year": 2025}).status_code == 201
    r = c["manager"].post("/api/v1/parks/P1/reports", json={"year": 2025, "kind": "pdf"})
    assert r.status_code == 201, r.text
    rep = r.json()
    d = c["verifier"].get(f"/api/v1/reports/{rep['id']}/download")
    assert d.status_code == 200 and d.headers["content-type"] == "application/pdf"
    assert d.content.startswith(b"%PDF") and "attachment" in d.headers["content-disposition"]
    # the park report is not an enterprise user's: 404 and an audit record, as for other tenants
    n = api.audit_count("denied")
    assert c["ent_a"].get(f"/api/v1/reports/{rep['id']}/download").status_code == 404
    assert api.audit_count("denied") == n + 1
    assert rep["id"] not in [x["id"] for x in c["ent_a"].get("/api/v1/parks/P1/reports").json()["items"]]
    assert rep["id"] in [x["id"] for x in c["verifier"].get("/api/v1/parks/P1/reports").json()["items"]]


def test_xlsx_inventory_report(c: dict[str, TestClient]) -> None:
    import io

    import openpyxl

    assert (
        c["manager"].post("/api/v1/parks/P1/inventory-runs", json={"year": 2025, "method": "ghg"}).status_code
        == 201
    )
    r = c["manager"].post("/api/v1/parks/P1/reports", json={"year": 2025, "kind": "xlsx", "method": "ghg"})
    assert r.status_code == 201, r.text
    assert r.json()["file_name"].endswith("-ghg.xlsx")
    d = c["verifier"].get(f"/api/v1/reports/{r.json()['id']}/download")
    assert d.status_code == 200 and d.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(io.BytesIO(d.content))
    assert len(wb.sheetnames) >= 3
    none = c["manager"].post("/api/v1/parks/P1/reports", json={"year": 2029, "kind": "xlsx"})
    assert none.status_code == 404 and "POST" in none.json()["detail"]


def _cells(content: bytes) -> list[object]:
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(content))
    return [v for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None]


def test_enterprise_user_generates_and_downloads_its_own_reports(
    api: ApiModule, c: dict[str, TestClient]
) -> None:
    """E-A's report is built on E-A's own inventory run and only E-A's users (and park users) get it.

    E-A's view, national method: M-A 24 h × 10 kWh = 240 kWh purchased electricity
    → 0.240 MWh × 0.8325 tCO2/MWh = 0.1998 tCO2 (ACCOUNTING.md national fossil-power factor 2022).
    """
    n_runs = api.audit_count("create")
    r = c["ent_a"].post("/api/v1/parks/P1/reports", json={"year": 2025, "kind": "xlsx"})
    assert r.status_code == 201, r.text
    xlsx = r.json()
    assert xlsx["enterprise_id"] == "E-A" and xlsx["file_name"] == "P1-E-A-2025-inventory-national.xlsx"
    # built on E-A's own view: accounted with the park run (a child run), or — when there was none —
    # accounted now by E-A through the inventory use case (audited)
    run = c["ent_a"].get(f"/api/v1/inventory-runs/{xlsx['inventory_run_id']}").json()["run"]
    assert run["enterprise_id"] == "E-A"
    accounted_now = run["parent_run_id"] is None
    assert run["created_by"] == "ent_a" or not accounted_now
    assert api.audit_count("create") == n_runs + (2 if accounted_now else 1)  # (the run and) the report
    d = c["ent_a"].get(f"/api/v1/reports/{xlsx['id']}/download")
    assert d.status_code == 200 and d.headers["content-type"].startswith("application/vnd.openxmlformats")
    cells = _cells(d.content)
    assert any(isinstance(v, float) and abs(v - 0.1998) < 1e-9 for v in cells)  # E-A's electricity
    assert not any(isinstance(v, str) and ("E-B" in v or "乙公司" in v) for v in cells)
    assert not any(isinstance(v, float) and abs(v - 0.3996) < 1e-9 for v in cells)  # E-B's 480 kWh
    # its indicator sheet is the enterprise's: park-only indicators are stated as such
    assert any(isinstance(v, str) and "仅适用于园区整体" in v for v in cells)

    pdf = c["ent_a"].post("/api/v1/parks/P1/reports", json={"year": 2025, "kind": "pdf"}).json()
    assert pdf["enterprise_id"] == "E-A" and pdf["file_name"] == "P1-E-A-2025-carbon-report-zh.pdf"
    d = c["ent_a"].get(f"/api/v1/reports/{pdf['id']}/download")
    assert d.status_code == 200 and d.content.startswith(b"%PDF")

    # E-A lists only E-A's reports; park users see them too and may download them
    mine = c["ent_a"].get("/api/v1/parks/P1/reports").json()["items"]
    assert mine and {x["enterprise_id"] for x in mine} == {"E-A"}
    for user in ("manager", "verifier", "admin"):
        assert c[user].get(f"/api/v1/reports/{xlsx['id']}/download").status_code == 200, user
    listed = c["verifier"].get("/api/v1/parks/P1/reports?enterprise_id=E-A").json()["items"]
    assert {x["id"] for x in listed} >= {xlsx["id"], pdf["id"]}


def test_enterprise_reports_cross_tenant_are_404_and_audited(
    api: ApiModule, c: dict[str, TestClient]
) -> None:
    # a park manager generates E-B's report (any enterprise of the park)
    r = c["manager"].post(
        "/api/v1/parks/P1/reports", json={"year": 2025, "kind": "xlsx", "enterprise_id": "E-B"}
    )
    assert r.status_code == 201, r.text
    b = r.json()
    assert b["enterprise_id"] == "E-B"
    # E-B: M-B 24 h × 20 kWh = 480 kWh → 0.480 MWh × 0.8325 tCO2/MWh = 0.3996 tCO2
    cells = _cells(c["manager"].get(f"/api/v1/reports/{b['id']}/download").content)
    assert any(isinstance(v, float) and abs(v - 0.3996) < 1e-9 for v in cells)
    n = api.audit_count("denied")
    # E-A may neither download, generate nor list E-B's reports
    assert c["ent_a"].get(f"/api/v1/reports/{b['id']}/download").status_code == 404
    r = c["ent_a"].post(
        "/api/v1/parks/P1/reports", json={"year": 2025, "kind": "xlsx", "enterprise_id": "E-B"}
    )
    assert r.status_code == 404
    assert api.audit_count("denied") == n + 2
    denied = api.audit_actions("denied")[-2:]
    assert [d.user for d in denied] == ["ent_a", "ent_a"] and {d.entity for d in denied} == {"report"}
    assert b["id"] not in [x["id"] for x in c["ent_a"].get("/api/v1/parks/P1/reports").json()["items"]]
    # verifiers may not generate reports, devices may not download them
    assert (
        c["verifier"]
        .post("/api/v1/parks/P1/reports", json={"year": 2025, "enterprise_id": "E-A"})
        .status_code
        == 403
    )
    assert c["device"].get(f"/api/v1/reports/{b['id']}/download").status_code == 403
    # an enterprise that is not in the park
    r = c["manager"].post("/api/v1/parks/P1/reports", json={"year": 2025, "enterprise_id": "E-ZZ"})
    assert r.status_code == 404
