"""The application workspace over the API and the CLI: the service's figures, roles, hostile uploads.

Fixture park P1 (api_support.build_park), accounted for 2025 with the national method. The API,
the CLI (``zeropark application diagnose --format json``) and the service must give the same
diagnosis; the outline the API hands out must show the service's figures.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from api_support import Api, cli_database, make_api
from application_support import account, approve_year
from docx import Document
from sqlalchemy import Engine, update
from typer.testing import CliRunner

from zeropark.accounting import AccountingOptions
from zeropark.cli import app as cli_app
from zeropark.formatting import num
from zeropark.model import Method
from zeropark.services import application as service
from zeropark.services.inventory import account_year
from zeropark.store.db import transaction
from zeropark.store.schema import EvidenceBlobRow
from zeropark.store.scope import system_scope

BASE = "/api/v1/parks/P1/application"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture
def api(engine: Engine) -> Api:
    made = make_api(engine)
    account_year(
        system_scope(engine, "test"), "P1", 2025, AccountingOptions(method=Method.NATIONAL), "CN-park-2025"
    )
    return made


@pytest.fixture
def cli_db(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    with cli_database(sqlite_engine):
        yield sqlite_engine


def test_api_cli_and_service_give_the_same_diagnosis(cli_db: Engine) -> None:
    api = make_api(cli_db)
    scope = system_scope(cli_db, "test")
    account_year(scope, "P1", 2025, AccountingOptions(method=Method.NATIONAL), "CN-park-2025")
    from_service = service.diagnose(scope, "P1", 2025).to_dict()
    from_api = api.login("manager").get(f"{BASE}/diagnosis", params={"year": 2025})
    assert from_api.status_code == 200, from_api.text
    res = CliRunner().invoke(
        cli_app, ["application", "diagnose", "--year", "2025", "--park", "P1", "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    from_cli = json.loads(res.output)
    assert from_api.json() == from_service == from_cli
    clean = next(i for i in from_service["items"] if i["code"] == "clean_energy_share")
    assert clean["gap"] == pytest.approx(90.0)  # ≥ 90 % target, 0 % clean energy: 90 − 0


def test_tasks_over_the_api_by_role(api: Api) -> None:
    manager, ent_a, ent_b, verifier = (api.login(u) for u in ("manager", "ent_a", "ent_b", "verifier"))
    body = {
        "year": 2025,
        "item_code": "clean_energy_share",
        "title": "屋顶光伏",
        "due_date": "2099-06-30",
        "owner_enterprise_id": "E-A",
        "measure_ref": "M-PV-ROOF",
        "evidence_required": "并网验收单",
    }
    made = manager.post(f"{BASE}/tasks", json=body)
    assert made.status_code == 201, made.text
    task = made.json()
    assert verifier.post(f"{BASE}/tasks", json=body).status_code == 403
    assert ent_a.post(f"{BASE}/tasks", json=body).status_code == 403
    bad = manager.post(f"{BASE}/tasks", json=body | {"item_code": "nope"})
    assert bad.status_code == 422 and "'item_code': 'nope'" in bad.json()["detail"]
    assert [t["id"] for t in ent_a.get(f"{BASE}/tasks").json()] == [task["id"]]
    assert ent_b.get(f"{BASE}/tasks").json() == []
    assert ent_b.patch(f"{BASE}/tasks/{task['id']}", json={"status": "done"}).status_code == 404
    assert ent_a.patch(f"{BASE}/tasks/{task['id']}", json={"title": "x"}).status_code == 403
    moved = ent_a.patch(f"{BASE}/tasks/{task['id']}", json={"status": "in_progress"})
    assert moved.status_code == 200 and moved.json()["status"] == "in_progress"
    assert manager.get(f"{BASE}/tasks", params={"overdue": True}).json() == []


def _multipart(filename: bytes, content: bytes) -> tuple[bytes, str]:
    """A multipart body whose file name is raw bytes (not necessarily UTF-8)."""
    boundary = "zpboundary"
    body = (
        f"--{boundary}\r\n".encode()
        + b'Content-Disposition: form-data; name="file"; filename="'
        + filename
        + b'"\r\nContent-Type: text/plain\r\n\r\n'
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def test_hostile_uploads_are_stored_safely_or_refused_with_a_clear_error(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    manager = api.login("manager")
    traversal = manager.post(f"{BASE}/documents", files={"file": ("../../../etc/passwd", PDF, "text/plain")})
    assert traversal.status_code == 201, traversal.text
    doc = traversal.json()
    assert doc["file_name"] == "passwd" and doc["media_type"] == "application/pdf"
    assert doc["sha256"] == hashlib.sha256(PDF).hexdigest()
    nul = manager.post(f"{BASE}/documents", files={"file": ("a\x00b.txt", b"\x00\x01\x02", "text/plain")})
    assert nul.status_code == 201, nul.text
    assert nul.json()["media_type"] == "application/octet-stream" and "\x00" not in nul.json()["file_name"]
    body, ctype = _multipart(b"\xff\xfe\xc3(.pdf", PDF)
    raw = manager.post(f"{BASE}/documents", content=body, headers={"content-type": ctype})
    assert raw.status_code == 201, raw.text
    assert raw.json()["file_name"].endswith(".pdf") and raw.json()["deduplicated"] is True
    monkeypatch.setattr(service, "MAX_DOCUMENT_BYTES", 1000)
    big = manager.post(f"{BASE}/documents", files={"file": ("big.bin", b"x" * 5000, "application/pdf")})
    assert big.status_code == 422
    assert big.json()["error"] == "DocumentTooLarge"
    assert "has 5000 bytes, more than the limit of 1000 bytes" in big.json()["detail"]
    assert api.login("verifier").post(f"{BASE}/documents", files={"file": ("a.pdf", PDF)}).status_code == 403
    # download: re-hashed, named for any client, then refused once the bytes change
    got = manager.get(f"{BASE}/documents/{doc['id']}/download")
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["x-content-sha256"] == doc["sha256"]
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("attachment;")
    # a page of script claimed as HTML is kept and served as plain text, never rendered
    html = b"<html><script>alert(1)</script></html>"
    page = manager.post(f"{BASE}/documents", files={"file": ("x.html", html, "text/html")}).json()
    served = manager.get(f"{BASE}/documents/{page['id']}/download")
    assert page["media_type"] == "text/plain" and served.headers["content-type"].startswith("text/plain")
    with transaction(api.engine) as s:
        s.execute(update(EvidenceBlobRow).values(content=b"changed"))
    tampered = manager.get(f"{BASE}/documents/{doc['id']}/download")
    assert tampered.json()["error"] == "EvidenceTampered" and tampered.status_code >= 400


def test_links_and_enterprise_isolation_of_documents(api: Api) -> None:
    manager, ent_a, ent_b = (api.login(u) for u in ("manager", "ent_a", "ent_b"))
    name = "电力发票 2025.pdf"
    mine = ent_a.post(f"{BASE}/documents", files={"file": (name, PDF)}, data={"note": "甲"})
    assert mine.status_code == 201 and mine.json()["enterprise_id"] == "E-A"
    doc_id = mine.json()["id"]
    assert [d["id"] for d in ent_b.get(f"{BASE}/documents").json()] == []
    assert ent_b.get(f"{BASE}/documents/{doc_id}/download").status_code == 404
    runs = manager.get("/api/v1/parks/P1/inventory-runs", params={"year": 2025}).json()
    run_id = runs["items"][0]["id"] if isinstance(runs, dict) else runs[0]["id"]
    bad = manager.post(f"{BASE}/documents/{doc_id}/links", json={"run_id": run_id, "line_item_id": "nope"})
    assert bad.status_code == 422 and "has no line item 'nope'" in bad.json()["detail"]
    download = ent_a.get(f"{BASE}/documents/{doc_id}/download")
    assert f"filename*=UTF-8''{quote(name)}" in download.headers["content-disposition"]  # RFC 5987


def _docx_text(content: bytes) -> str:
    d = Document(io.BytesIO(content))
    cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


def test_the_outline_waits_for_approval_and_then_shows_the_api_figures(api: Api) -> None:
    manager, verifier = api.login("manager"), api.login("verifier")
    early = manager.get(f"{BASE}/deliverable", params={"year": 2025, "kind": "docx"})
    assert early.status_code == 409 and early.json()["error"] == "NotApproved"
    approve_year(api.engine)
    stale = manager.get(f"{BASE}/deliverable", params={"year": 2025, "kind": "docx"})
    assert stale.status_code == 409 and stale.json()["error"] == "DataNotApproved"
    account(api.engine)
    d = manager.get(f"{BASE}/diagnosis", params={"year": 2025}).json()
    docx = manager.get(f"{BASE}/deliverable", params={"year": 2025, "kind": "docx"})
    assert docx.status_code == 200, docx.text
    text = _docx_text(docx.content)
    core = next(i for i in d["items"] if i["code"] == "core_intensity")
    assert num(core["value"], 3) in text and d["input_fingerprint"] in text and f"#{d['run_id']}" in text
    pdf = verifier.get(f"{BASE}/deliverable", params={"year": 2025, "kind": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert api.login("ent_a").get(f"{BASE}/deliverable", params={"year": 2025}).status_code == 403


def test_rubric_items_over_the_api_equal_the_service(api: Api) -> None:
    got = api.login("manager").get(
        f"{BASE}/diagnosis",
        params={"year": 2025, "framework": ["t-cgdf-00046-2024", "eu-races-self-assessment"]},
    )
    assert got.status_code == 200, got.text
    want = service.diagnose(
        system_scope(api.engine, "test"),
        "P1",
        2025,
        frameworks=["t-cgdf-00046-2024", "eu-races-self-assessment"],
    )
    assert got.json() == want.to_dict()
    assert any(i["code"].startswith("eu-races-self-assessment:") for i in got.json()["items"])
    unknown = api.login("manager").get(f"{BASE}/diagnosis", params={"year": 2025, "framework": "nope"})
    assert unknown.status_code == 404 and "no evaluation framework 'nope'" in unknown.json()["detail"]
