"""The 申报 page (server-side): the diagnosis the service computes, a task created from an item, an
upload listed with its hash, the outline refused before sign-off and downloaded after it.

Fixture park P1 (api_support.build_park) on SQLite and PostgreSQL, accounted for 2025.
"""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from api_support import PASSWORD, Api, make_api
from application_support import account, approve_year
from docx import Document
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from conftest import login_form
from zeropark.accounting import AccountingOptions
from zeropark.formatting import sig
from zeropark.model import Method
from zeropark.services import application as service
from zeropark.services.inventory import account_year
from zeropark.store.scope import system_scope


@pytest.fixture
def api(engine: Engine) -> Api:
    made = make_api(engine)
    account_year(
        system_scope(engine, "test"), "P1", 2025, AccountingOptions(method=Method.NATIONAL), "CN-park-2025"
    )
    return made


def _browser(api: Api, username: str) -> tuple[TestClient, str]:
    client = TestClient(api.client.app)
    assert login_form(client, username, PASSWORD).status_code == 303
    page = client.get("/application?year=2025")
    assert page.status_code == 200, page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    return client, token.group(1)


def test_the_page_shows_the_services_diagnosis_and_the_workflow(api: Api) -> None:
    client, csrf = _browser(api, "manager")
    d = service.diagnose(system_scope(api.engine, "test"), "P1", 2025)
    html = client.get("/application?year=2025").text
    for item in d.items:
        row = re.search(rf'data-app-item="{item.code}">(.*?)</tr>', html, re.S)
        assert row is not None, item.code
        value = re.search(r"data-app-value>([^<]*)<", row.group(1))
        assert value is not None and value.group(1) == (sig(item.value, 4) if item.value is not None else "—")
        gap = re.search(r"data-app-gap>([^<]*)<", row.group(1))
        assert gap is not None and gap.group(1) == (sig(item.gap, 4) if item.gap is not None else "—")
    assert 'data-gap-bar title="0 %"' in html  # clean-energy share 0 % of the ≥ 90 % target
    assert "工业用水重复利用率" in html and "重复用水量" in html  # missing inputs named, in Chinese
    assert "data-app-not-approved" in html
    refused = client.get("/application/outline.docx?year=2025")
    assert refused.status_code == 409 and "are not approved" in refused.text
    made = client.post(
        "/application/tasks?year=2025",
        data={
            "csrf_token": csrf,
            "item_code": "clean_energy_share",
            "title": "屋顶光伏二期",
            "owner_enterprise_id": "E-A",
            "due_date": "2099-03-31",
            "measure_ref": "M-PV",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    bad = client.post(
        "/application/tasks?year=2025",
        data={"csrf_token": csrf, "item_code": "clean_energy_share", "title": "x", "due_date": "2099-13-01"},
    )
    assert bad.status_code == 422 and "is not a date" in bad.text
    content = b"%PDF-1.4 evidence"
    up = client.post(
        "/application/documents?year=2025",
        data={"csrf_token": csrf, "note": "合同"},
        files={"file": ("../合同.pdf", content, "text/plain")},
        follow_redirects=False,
    )
    assert up.status_code == 303, up.text
    html = client.get("/application?year=2025").text
    assert "屋顶光伏二期" in html and hashlib.sha256(content).hexdigest() in html and "合同.pdf" in html
    ent_b, _ = _browser(api, "ent_b")
    assert "屋顶光伏二期" not in ent_b.get("/application?year=2025").text
    approve_year(api.engine)
    account(api.engine)
    assert "data-app-approved" in client.get("/application?year=2025").text
    docx = client.get("/application/outline.docx?year=2025")
    assert docx.status_code == 200
    text = "\n".join(
        c.text for t in Document(io.BytesIO(docx.content)).tables for r in t.rows for c in r.cells
    )
    assert "屋顶光伏二期" in text and hashlib.sha256(content).hexdigest() in text


def test_a_too_large_upload_is_refused_on_the_page_with_its_size(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, csrf = _browser(api, "ent_a")
    monkeypatch.setattr(service, "MAX_DOCUMENT_BYTES", 1000)
    big = client.post(
        "/application/documents?year=2025",
        data={"csrf_token": csrf},
        files={"file": ("大文件.bin", b"\x00" * 5000, "application/pdf")},
    )
    assert big.status_code == 422
    assert "has 5000 bytes, more than the limit of 1000 bytes" in big.text
    assert service.list_documents(system_scope(api.engine, "test"), "P1") == []
