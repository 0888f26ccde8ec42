"""The verifier workspace through its doors (SQLite): the CLI, the API, the service and the page give
the same figures; the pack written by the CLI checks out offline and a tampered one is named."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from api_support import ENT_A, PARK, PASSWORD, cli_database, make_api
from fastapi.testclient import TestClient
from pypdf import PdfReader
from typer.testing import CliRunner

from conftest import login_form
from zeropark.accounting import AccountingOptions
from zeropark.cli import app as cli_app
from zeropark.commands import common
from zeropark.model import Method
from zeropark.services import inventory, reporting, verification
from zeropark.store.scope import system_scope


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with cli_database(
        f"sqlite:///{tmp_path / 'doors.db'}",
        ZEROPARK_LEDGER_KEY=str(tmp_path / "keys" / "ledger.pem"),
        COLUMNS="200",
    ):
        yield common.engine()


def cli(*args: str) -> str:
    out = CliRunner().invoke(cli_app, list(args))
    assert out.exit_code == 0, out.output
    return out.output


def test_cli_api_service_and_page_agree(env, tmp_path: Path) -> None:
    engine = env
    api = make_api(engine)
    run = inventory.account_year(
        system_scope(engine, "test"), PARK, 2025, AccountingOptions(method=Method.NATIONAL), "CN-park-2025"
    )
    rid = run.run.id
    made = json.loads(
        cli("verification", "new", "--run", str(rid), "--scope", "P1 2025", "--seed", "5", "--as", "verifier",
            "--park", PARK, "--format", "json")
    )  # fmt: skip
    eid = made["engagement"]["id"]
    v = api.login("verifier")
    base = f"/api/v1/parks/{PARK}/verifications"
    got = v.post(base, json={"run_id": rid, "scope": "P1 2025", "seed": 5})
    assert got.status_code == 201, got.text
    assert got.json()["engagement"]["plan"] == made["engagement"]["plan"]  # same seed, same plan
    plan_cli = json.loads(cli("verification", "plan", str(eid), "--format", "json"))
    assert plan_cli["line_items"] == made["engagement"]["plan"]["line_items"]
    ws = verification.workspace(system_scope(engine, "t"), eid).to_dict()
    assert v.get(f"{base}/{eid}").json() == ws
    assert (
        plan_cli["materiality_tco2e"] == ws["materiality_tco2e"] == pytest.approx(run.run.total_tco2e * 0.05)
    )

    line = next(li for li in run.inventory.lines if li.enterprise_id == ENT_A)
    body = {"severity": "minor", "title": "读数缺失甲", "line_items": [line.id], "misstatement_tco2e": 0.25}
    f = v.post(f"{base}/{eid}/findings", json=body)
    assert f.status_code == 201, f.text
    assert (
        v.post(
            f"{base}/{eid}/findings", json={"severity": "minor", "title": "x", "meters": ["NOPE"]}
        ).status_code
        == 422
    )
    assert (
        api.login("manager")
        .post(f"{base}/{eid}/findings", json={"severity": "minor", "title": "x"})
        .status_code
        == 403
    )
    action_id = v.get(f"{base}/{eid}").json()["actions"][0]["id"]
    cli("verification", "action", str(action_id), "--step", "respond", "--text", "已更正", "--as", "ent_a")
    # the page's form: the verifier rejects, E-A responds again, E-B may not touch E-A's action
    for user, step, text, status in (
        ("verifier", "reject", "缺检定证书", 303),
        ("ent_a", "respond", "附检定证书", 303),
        ("ent_b", "respond", "x", 404),
    ):
        client = TestClient(api.client.app)
        assert login_form(client, user, PASSWORD).status_code == 303
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/verification").text)
        assert token is not None, user
        form = {"csrf_token": token.group(1), "e": str(eid), "step": step, "text": text}
        got = client.post(f"/verification/actions/{action_id}", data=form, follow_redirects=False)
        assert got.status_code == status, (user, got.text[-500:])
    assert v.get(f"{base}/{eid}").json()["actions"][0]["state"] == "responded"
    ok = v.post(f"{base}/actions/{action_id}/steps", json={"step": "accept"})
    assert ok.status_code == 200 and ok.json()["state"] == "accepted", ok.text
    st_cli = json.loads(cli("verification", "statement", str(eid), "--format", "json"))
    assert v.get(f"{base}/{eid}/statement").json() == st_cli
    assert verification.draft(system_scope(engine, "t"), eid).to_dict() == st_cli
    assert st_cli["opinion"] == "unmodified"

    page = v.get(f"/verification?e={eid}")
    assert page.status_code == 200 and f'data-verification="{eid}"' in page.text
    assert "{:,.3f}".format(ws["materiality_tco2e"]) in page.text
    ent_page = api.login("ent_b").get(f"/verification?e={eid}")
    assert ent_page.status_code == 200 and "读数缺失甲" not in ent_page.text  # E-B does not see E-A's finding

    cli("verification", "signoff", str(eid), "--as", "verifier")
    # the annual report has the signed statement as a chapter, with its opinion and signature
    data = reporting.report_data(system_scope(engine, "t"), PARK, 2025)
    assert data.verification is not None and data.verification["engagement_id"] == eid
    pdf = reporting.render(data, reporting.ReportKind.PDF)
    text = "".join("".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "核查声明" in text and "无保留意见" in text and data.verification["signature"][:24] in text
    assert v.post(f"{base}/{eid}/sign-off", json={}).status_code == 409  # signed once
    path = tmp_path / "pack.zip"
    cli("verification", "pack", str(eid), "--out", str(path))
    assert "check out" in cli("verification", "check-pack", str(path))
    z = zipfile.ZipFile(path)
    assert z.read("statement.pdf")[:5] == b"%PDF-"
    doc = json.loads(z.read("pack.json"))
    via_api = v.get(f"{base}/{eid}/pack")
    assert via_api.status_code == 200
    assert verification.check_pack_bytes(via_api.content) == []
    assert (
        json.loads(zipfile.ZipFile(io.BytesIO(via_api.content)).read("pack.json"))["signoff"]
        == doc["signoff"]
    )
    doc["engagement"]["materiality_pct"] = 50.0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    out = CliRunner().invoke(cli_app, ["verification", "check-pack", str(bad)])
    assert out.exit_code == 7
    assert f"verification_engagement {eid}" in out.output and "materiality_pct altered" in out.output
    assert "section 'engagement' altered" in out.output
