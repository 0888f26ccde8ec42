"""One number, one source: every door shows the same figures of the demo park (SQLite and PostgreSQL).

The small demo park is built, a park manager accounts 2025 from the 碳排放核算 page (both methods,
every enterprise's own view stored with the park run), and then the same figures are asked of
every door — the HTTP API, the web pages, the CLI's JSON, the Excel workbook and the PDF report:

- the latest run of the view (its id) for both methods;
- the park's total [tCO2e] and energy [tce] by both methods;
- each enterprise's share on the consumption basis, which is also the total of its own page and
  of its own run;
- the indicator table's core value 单位能耗碳排放 [tCO2/tce];
- the data-quality score [0–100] and completeness.

Machine-readable doors (API, CLI JSON, the stored run) must agree exactly, bit for bit; the
workbook's cells to the 16 significant digits a cell keeps; the pages and the PDF print numbers
rounded for reading, so their text must be the same numbers formatted as they format them
(``zeropark.formatting``).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
from api_support import cli_database
from demo_parks import DemoPark, demo_park_fixture  # noqa: F401 - fixture used by name
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import Engine
from typer.testing import CliRunner

from conftest import login_form
from zeropark import demo
from zeropark.app import create_app
from zeropark.cli import app as cli
from zeropark.formatting import num, pct
from zeropark.settings import Settings
from zeropark.store import runs

YEAR_OF = demo.SMALL_SIZE


@pytest.fixture
def park(demo_park: DemoPark) -> Iterator[tuple[Engine, Any, dict[str, TestClient]]]:
    """The small demo park (a copy of the session's, demo_parks.py), accounted again from the web
    page (the newest runs, which every door must show); a logged-in client per demo role."""
    engine, generated, passwords = demo_park.engine, demo_park.generated, demo_park.passwords
    app = create_app(engine, settings=Settings(secret_key="consistency-" + "k" * 24))
    clients = {}
    for user in ("demo-manager", "demo-enterprise", "demo-verifier"):
        client = TestClient(app)
        r = login_form(client, user, passwords[user])
        assert r.status_code == 303, r.text
        clients[user] = client
    manager = clients["demo-manager"]
    r = manager.post(
        "/inventory/runs",
        data={"year": str(generated.year), "csrf_token": manager.cookies["csrf_token"]},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    yield engine, generated, clients


def _cli_latest(engine: Engine, year: int, *extra: str) -> dict[str, Any]:
    with cli_database(engine):
        res = CliRunner().invoke(cli, ["runs", "latest", "--year", str(year), "--format", "json", *extra])
    assert res.exit_code == 0, res.output
    payload: dict[str, Any] = json.loads(res.stdout)
    return payload


def _page_numbers(html: str, attribute: str) -> dict[str, str]:
    """``data-<attribute>="key"`` cells of a page → the number text inside them."""
    pattern = rf'data-{attribute}="([^"]+)"[^>]*>(?:<a[^>]*>)?\s*([-\d,\.]+)'
    return dict(re.findall(pattern, html))


def _cells(content: bytes) -> list[Any]:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    return [v for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None]


def _report(client: TestClient, park_id: str, body: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    r = client.post(
        f"/api/v1/parks/{park_id}/reports", json=body, headers={"X-CSRF-Token": client.cookies["csrf_token"]}
    )
    assert r.status_code == 201, r.text
    made = r.json()
    d = client.get(f"/api/v1/reports/{made['id']}/download")
    assert d.status_code == 200
    return made, d.content


def test_every_door_shows_the_same_figures(park: tuple[Engine, Any, dict[str, TestClient]]) -> None:
    engine, generated, clients = park
    pid, year = generated.park.id, generated.year
    manager, ent_user = clients["demo-manager"], clients["demo-enterprise"]

    # --- the API ------------------------------------------------------------------------------
    compare = manager.get(f"/api/v1/parks/{pid}/inventory-runs/compare?year={year}").json()
    run_id = {m: compare[m]["run"]["id"] for m in ("national", "ghg")}
    runs_api = {m: manager.get(f"/api/v1/inventory-runs/{run_id[m]}").json() for m in run_id}
    national = runs_api["national"]
    total = {m: runs_api[m]["total_tco2e"] for m in run_id}
    energy = {m: runs_api[m]["energy_tce"] for m in run_id}
    shares = {c["party"]: c for c in national["consumers"] if c["kind"] == "enterprise"}
    assert national["by_enterprise"] == {c["party"]: c["emissions_tco2e"] for c in national["consumers"]}
    assert sum(national["by_enterprise"].values()) == pytest.approx(total["national"], rel=1e-12)
    indicators = manager.get(f"/api/v1/parks/{pid}/indicators?year={year}").json()
    assert indicators["run_id"] == run_id["national"]
    core = next(r for r in indicators["rows"] if r["code"] == "core_intensity")["value"]
    assert core == total["national"] / energy["national"]
    quality = manager.get(f"/api/v1/parks/{pid}/quality?year={year}").json()

    # each enterprise's share is the total of its own run (accounted with the park run) and of
    # its own indicator table
    for eid, share in shares.items():
        own = manager.get(
            f"/api/v1/parks/{pid}/inventory-runs/compare?year={year}&enterprise_id={eid}"
        ).json()
        assert own["national"]["run"]["parent_run_id"] == run_id["national"], eid
        assert own["national"]["total_tco2e"] == share["emissions_tco2e"], eid
        assert own["national"]["energy_tce"] == share["energy_tce"], eid

    # --- the stored runs (what every door reads) -------------------------------------------------
    stored = runs.get_run(engine, run_id["national"])
    assert stored.inventory.total_tco2e == total["national"]
    assert stored.summary.data_quality_score == quality["score"]

    # --- the CLI's JSON -------------------------------------------------------------------------
    latest = _cli_latest(engine, year)
    for m in ("national", "ghg"):
        assert latest[m]["run"]["id"] == run_id[m]
        assert latest[m]["total_tco2e"] == total[m] and latest[m]["energy_tce"] == energy[m]
    assert latest["national"]["by_enterprise"] == national["by_enterprise"]
    cli_core = latest["national"]["indicators"]["rows"][0]
    assert cli_core["code"] == "core_intensity" and cli_core["value"] == core
    assert latest["national"]["run"]["data_quality_score"] == quality["score"]
    some_eid = sorted(shares)[0]
    own_cli = _cli_latest(engine, year, "--enterprise", some_eid)
    assert own_cli["national"]["total_tco2e"] == shares[some_eid]["emissions_tco2e"]

    # --- the web pages --------------------------------------------------------------------------
    overview = manager.get(f"/?year={year}").text
    assert f'data-run-status="{run_id["national"]}"' in overview
    assert f'data-drill="total">{num(total["national"], 1)}<' in overview
    assert f'data-drill="core">{num(core, 3)}<' in overview
    listed = _page_numbers(manager.get(f"/enterprises?year={year}").text, "share")
    assert listed == {eid: num(s["emissions_tco2e"], 1) for eid, s in shares.items() if eid in listed}
    assert set(listed) == set(shares)
    for eid, share in shares.items():
        page = manager.get(f"/enterprises/{eid}?year={year}").text
        assert f"data-enterprise-total>{num(share['emissions_tco2e'], 1)}<" in page, eid
    quality_page = manager.get(f"/quality?year={year}").text
    assert f"data-quality-score>{num(quality['score'], 1)} <small>" in quality_page
    completeness = sum(min(m["n_present"], m["n_expected"]) for m in quality["meters"]["items"]) / sum(
        m["n_expected"] for m in quality["meters"]["items"]
    )
    assert quality["meters"]["total"] == len(quality["meters"]["items"])  # the page above held every meter
    assert f"data-completeness>{pct(completeness)}<" in quality_page
    # the enterprise user's own page shows its share of the park's list
    own_id = next(iter(_page_numbers(ent_user.get(f"/enterprises?year={year}").text, "share")), None)
    own_page = ent_user.get(f"/enterprises/{own_id or some_eid}?year={year}")
    if own_id is not None:
        assert f"data-enterprise-total>{num(shares[own_id]['emissions_tco2e'], 1)}<" in own_page.text

    # --- the Excel workbook (the same file from the API and the web) ----------------------------
    made, xlsx = _report(manager, pid, {"year": year, "kind": "xlsx"})
    assert made["inventory_run_id"] == run_id["national"]
    cells = _cells(xlsx)
    figures = [
        total["national"],
        energy["national"],
        core,
        quality["score"],
        *national["by_enterprise"].values(),
    ]
    for figure in figures:
        # a workbook holds numbers to 16 significant digits (openpyxl writes "%.16g")
        assert float(f"{figure:.16g}") in cells, figure
    web_xlsx = manager.get(f"/reports/annual.xlsx?year={year}")
    assert web_xlsx.status_code == 200
    assert _cells(web_xlsx.content) == cells
    made_ghg, xlsx_ghg = _report(manager, pid, {"year": year, "kind": "xlsx", "method": "ghg"})
    assert made_ghg["inventory_run_id"] == run_id["ghg"] and float(f"{total['ghg']:.16g}") in _cells(xlsx_ghg)

    # --- the PDF report ---------------------------------------------------------------------------
    made_pdf, pdf = _report(manager, pid, {"year": year, "kind": "pdf"})
    assert made_pdf["inventory_run_id"] == run_id["national"]
    text = "".join("".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages).split())
    for shown in (
        num(total["national"], 1),
        num(energy["national"], 1),
        num(core, 3),
        f"{num(quality['score'], 1)}/100",
        f"{run_id['national']}/{run_id['ghg']}",
        *(num(s["emissions_tco2e"], 2) for s in shares.values()),
    ):
        assert shown.replace(" ", "") in text, shown
