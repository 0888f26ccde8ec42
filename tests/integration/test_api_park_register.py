"""The park register over HTTP (the use case of `zeropark park init`); import notes on the page.

The fixture park P1 (api_support) gets a second zone and a meter tree from a register file; the
document ``GET /parks/P1/register`` returns is the one ``zeropark park show P1 --format yaml``
prints (one source), and uploading it again changes nothing. Who may register: admin and the park's
manager; enterprise users, verifiers and devices are refused (403); an error names sheet, row,
column and stores nothing (422).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import yaml
from api_support import ApiModule, api_module, cli_database  # noqa: F401  (module-scoped fixture)
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from zeropark.cli import app
from zeropark.ingest.workbook import write_template

REGISTER = """\
park: {id: P1, name: 测试园区, province: 江苏, grid_region: 华东, latitude: 31.0, longitude: 120.0}
zones:
  - {id: Z-REG, name: 登记片区}
meters:
  - id: REG-GRID
    carrier: 电力
    direction: 购入
    interval_min: 15
    children:
      - {id: REG-SUB-1, carrier: 电力, direction: 消费, enterprise: E-A}
      - {id: REG-SUB-2, carrier: 电力, direction: 消费}
"""


@pytest.fixture
def c(api_module: ApiModule) -> dict[str, TestClient]:  # noqa: F811
    return api_module.clients


def _upload(client: TestClient, text: str, name: str = "p1.yaml") -> tuple[int, dict[str, object]]:
    r = client.post("/api/v1/park-registers", files={"file": (name, text.encode("utf-8"))})
    return r.status_code, r.json()


def test_register_over_http_matches_the_cli(
    api_module: ApiModule,  # noqa: F811
    c: dict[str, TestClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for role in ("ent_a", "verifier", "device"):
        assert _upload(c[role], REGISTER)[0] == 403, role
    status, bad = _upload(c["manager"], REGISTER.replace("direction: 消费}", "direction: 用能X}"))
    assert status == 422 and {(e["sheet"], e["field"]) for e in bad["errors"]} == {("计量器具", "计量方向")}  # type: ignore[union-attr,index]
    before = api_module.audit_count("create")
    status, out = _upload(c["manager"], REGISTER)
    assert status == 201 and out["changed"] is True
    assert out["created"] == {
        "park": [],
        "zone": ["Z-REG"],
        "enterprise": [],
        "meter": ["REG-GRID", "REG-SUB-1", "REG-SUB-2"],
    }
    assert api_module.audit_count("create") == before + 4
    status, again = _upload(c["manager"], REGISTER)
    assert status == 201 and again["changed"] is False and "nothing changed" in str(again["summary"])
    # the document the API gives is the one the CLI prints, and it registers as unchanged
    document = c["manager"].get("/api/v1/parks/P1/register").json()
    grid = next(m for m in document["meters"] if m["id"] == "REG-GRID")
    assert [k["id"] for k in grid["children"]] == ["REG-SUB-1", "REG-SUB-2"]
    with cli_database(api_module.engine):
        shown = CliRunner().invoke(app, ["park", "show", "P1", "--format", "yaml"])
    assert shown.exit_code == 0 and yaml.safe_load(shown.stdout) == document
    status, round_trip = _upload(c["admin"], shown.stdout, "p1-export.yaml")
    assert status == 201 and round_trip["changed"] is False, round_trip
    assert c["ent_a"].get("/api/v1/parks/P2/register").status_code == 404


def test_import_page_shows_what_the_import_decided(c: dict[str, TestClient], tmp_path: Path) -> None:
    # 用途 blank for electricity: the page says how it was read (the same notes as the CLI and the API)
    path = write_template(tmp_path / "wb.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["企业信息"].append(["E-A", None, None, None, 2025])
    wb["能源消费"].append(["2025-05", "电力", None, 10, "kWh"])
    wb.save(path)
    r = c["manager"].post(
        "/import", files={"file": ("wb.xlsx", path.read_bytes())}, data={"kind": "workbook"}
    )
    assert r.status_code == 200, r.text[:500]
    assert "data-import-notes" in r.text and "能源消费 row 4: 用途 blank for 电力" in r.text


def test_api_import_applies_the_steam_default_only_when_asked(
    c: dict[str, TestClient], tmp_path: Path
) -> None:
    path = write_template(tmp_path / "steam.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["企业信息"].append(["E-A", None, None, None, 2025])
    wb["能源消费"].append(["2025-06", "蒸汽", "园区外购入", 10, "t"])
    wb.save(path)
    upload = {"file": ("steam.xlsx", path.read_bytes())}
    refused = c["manager"].post("/api/v1/imports", files=upload)
    assert refused.status_code == 422 and "--steam-default-heat" in refused.json()["errors"][0]["message"]
    stored = c["manager"].post("/api/v1/imports", files=upload, data={"steam_default_heat": "true"})
    assert stored.status_code == 201, stored.text
    # 10 t × 3.763 GJ/t = 37.63 GJ
    assert "= 37.63 GJ — DEFAULT_STEAM_HEAT" in stored.json()["notes"][0]
