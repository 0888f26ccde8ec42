"""Inventory runs, line-item drill-down, compare, sign-off, indicators, factor sets — both backends.

Fixture park (api_support.build_park), year 2025: the boundary meter M-GRID imports 24 h × 30 kWh
= 720 kWh on 2025-01-01; E-A burns 1000 m³ natural gas (AR-A1), E-B 2 t diesel (AR-B1).
National method, default options (ACCOUNTING.md: national fossil-power factor 2022 = 0.8325 tCO2/MWh):
purchased electricity = 0.720 MWh × 0.8325 tCO2/MWh = 0.5994 tCO2.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from api_support import ApiModule, api_module  # noqa: F401  (module-scoped fixture)
from fastapi.testclient import TestClient

from zeropark.factors.factorset import FACTOR_COLUMNS


@pytest.fixture
def api(api_module: ApiModule) -> ApiModule:  # noqa: F811
    return api_module


@pytest.fixture
def c(api_module: ApiModule) -> dict[str, TestClient]:  # noqa: F811
    return api_module.clients


def _run(client: TestClient, **body: Any) -> dict[str, Any]:
    r = client.post("/api/v1/parks/P1/inventory-runs", json={"year": 2025, **body})
    assert r.status_code == 201, r.text
    return r.json()


def _lines(client: TestClient, run_id: int, **params: Any) -> list[dict[str, Any]]:
    r = client.get(f"/api/v1/inventory-runs/{run_id}/line-items", params={"limit": 1000, **params})
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_create_run_and_read_totals(api: ApiModule, c: dict[str, TestClient]) -> None:
    run = _run(c["manager"])
    assert run["method"] == "national" and run["created_by"] == "manager" and not run["frozen"]
    detail = c["verifier"].get(f"/api/v1/inventory-runs/{run['id']}").json()
    lines = _lines(c["verifier"], run["id"])
    assert detail["n_line_items"] == len(lines)
    assert detail["total_tco2e"] == pytest.approx(sum(li["emissions_tco2e"] for li in lines))
    (elec,) = [li for li in lines if li["category"] == "purchased_electricity"]
    assert elec["activity"] == 720.0 and elec["activity_unit"] == "kWh"
    assert elec["emissions_tco2e"] == pytest.approx(0.5994)  # 0.720 MWh × 0.8325 tCO2/MWh
    assert "0.8325" in elec["formula"] and elec["evidence"] == ["M-GRID"]
    assert "零碳园区碳排放核算方法" in detail["options_statement_zh"]
    assert api.audit_actions("create")[-1].entity == "inventory_run"
    listed = c["manager"].get("/api/v1/parks/P1/inventory-runs?year=2025&method=national").json()
    assert run["id"] in [r["id"] for r in listed["items"]]


def test_line_item_drill_down_to_factor_source_and_readings(c: dict[str, TestClient]) -> None:
    run = _run(c["manager"])
    (elec,) = [li for li in _lines(c["verifier"], run["id"]) if li["category"] == "purchased_electricity"]
    url = f"/api/v1/inventory-runs/{run['id']}/line-items/{quote(elec['id'], safe='')}"
    d = c["verifier"].get(url).json()
    assert d["formula"] == elec["formula"]
    grid = next(f for f in d["factors"] if f["value"] == pytest.approx(0.8325))
    assert grid["detail"]["source"]["title"]  # the factor's cited source record
    ev = d["evidence_page"]
    assert (
        ev["total"] == 1 and ev["items"][0]["kind"] == "meter" and ev["items"][0]["meter"]["id"] == "M-GRID"
    )
    readings = c["verifier"].get(ev["items"][0]["readings_url"] + "&limit=10").json()
    # January 2025 local (Asia/Shanghai) holds the 24 hourly readings of 2025-01-01 UTC
    assert readings["readings"]["total"] == 24 and len(readings["readings"]["items"]) == 10
    gas = next(li for li in _lines(c["manager"], run["id"]) if li["carrier"] == "natural_gas")
    d = c["manager"].get(f"/api/v1/inventory-runs/{run['id']}/line-items/{quote(gas['id'], safe='')}").json()
    assert d["evidence_page"]["items"][0]["kind"] == "activity_record"
    assert d["evidence_page"]["items"][0]["activity_record"]["evidence"] == "发票 A-001"
    assert c["manager"].get(f"/api/v1/inventory-runs/{run['id']}/line-items/nope").status_code == 404


def test_enterprise_user_sees_only_own_runs_and_lines(api: ApiModule, c: dict[str, TestClient]) -> None:
    park_run = _run(c["manager"])
    n = api.audit_count("denied")
    assert c["ent_a"].get(f"/api/v1/inventory-runs/{park_run['id']}").status_code == 404
    assert c["ent_a"].get(f"/api/v1/inventory-runs/{park_run['id']}/line-items").status_code == 404
    assert api.audit_count("denied") == n + 2
    own = _run(c["ent_a"])
    assert own["enterprise_id"] == "E-A"
    lines = _lines(c["ent_a"], own["id"])
    assert lines and {li["enterprise_id"] for li in lines} == {"E-A"}
    listed = c["ent_a"].get("/api/v1/parks/P1/inventory-runs").json()["items"]
    assert {r["enterprise_id"] for r in listed} == {"E-A"}
    # another enterprise's run cannot be created
    r = c["ent_a"].post("/api/v1/parks/P1/inventory-runs", json={"year": 2025, "enterprise_id": "E-B"})
    assert r.status_code == 404
    # B's lines are not reachable through a park-run line id either
    b_line = next(li for li in _lines(c["manager"], park_run["id"]) if li["enterprise_id"] == "E-B")
    url = f"/api/v1/inventory-runs/{own['id']}/line-items/{quote(b_line['id'], safe='')}"
    assert c["ent_a"].get(url).status_code == 404


def test_compare_national_and_ghg_side_by_side(c: dict[str, TestClient]) -> None:
    national = _run(c["manager"])
    ghg = _run(c["manager"], method="ghg")
    cmp = c["verifier"].get("/api/v1/parks/P1/inventory-runs/compare?year=2025").json()
    assert cmp["national"]["run"]["id"] == national["id"] and cmp["ghg"]["run"]["id"] == ghg["id"]
    assert cmp["national"]["total_tco2e"] == pytest.approx(national["total_tco2e"])
    assert cmp["ghg"]["total_tco2e"] == pytest.approx(ghg["total_tco2e"])
    assert "scope1" in "".join(cmp["ghg"]["by_scope"]).replace("_", "").lower() or cmp["ghg"]["by_scope"]
    empty = c["verifier"].get("/api/v1/parks/P1/inventory-runs/compare?year=2024").json()
    assert empty["national"]["run"] is None and "POST" in empty["national"]["missing"]


def test_sign_off_freezes_run(api: ApiModule, c: dict[str, TestClient]) -> None:
    run = _run(c["manager"])
    url = f"/api/v1/inventory-runs/{run['id']}"
    n = api.audit_count("denied")
    assert c["manager"].post(url + "/sign-off", json={"note": "x"}).status_code == 403
    assert c["ent_a"].post(url + "/sign-off", json={"note": "x"}).status_code in (403, 404)
    assert api.audit_count("denied") == n + 2
    r = c["verifier"].post(url + "/sign-off", json={"note": "核查通过 verified"})
    assert r.status_code == 200 and r.json()["frozen"] and r.json()["signed_off_by"] == "verifier"
    rec = api.audit_actions("sign_off")[-1]
    assert rec.user == "verifier" and rec.entity_id == str(run["id"]) and rec.after["frozen"] is True
    # the same payload as the web page's sign-off (one sign_off_run): run summaries before/after
    assert rec.before["frozen"] is False and rec.before["signed_off_by"] is None
    assert rec.after["signed_off_by"] == "verifier" and rec.after["sign_off_note"] == "核查通过 verified"
    again = c["verifier"].post(url + "/sign-off", json={"note": "again"})
    assert again.status_code == 409 and again.json()["error"] == "RunFrozen"
    assert c["manager"].delete(url).status_code == 409
    # an unsigned run can be deleted by a manager, not by a verifier
    other = _run(c["manager"])
    assert c["verifier"].delete(f"/api/v1/inventory-runs/{other['id']}").status_code == 403
    assert c["manager"].delete(f"/api/v1/inventory-runs/{other['id']}").status_code == 204


def test_recompute_is_identical(c: dict[str, TestClient]) -> None:
    run = _run(c["manager"], method="ghg")
    r = c["verifier"].post(f"/api/v1/inventory-runs/{run['id']}/recompute").json()
    assert r["fingerprint_match"] and r["totals_match"] and r["identical"], r["differences"]


def test_run_roles_and_bad_options(c: dict[str, TestClient]) -> None:
    assert c["verifier"].post("/api/v1/parks/P1/inventory-runs", json={"year": 2025}).status_code == 403
    assert c["device"].post("/api/v1/parks/P1/inventory-runs", json={"year": 2025}).status_code == 403
    r = c["manager"].post("/api/v1/parks/P1/inventory-runs", json={"year": 2025, "options": {"bogus": 1}})
    assert (
        r.status_code == 422 and r.json()["errors"][0]["field"] == "options" and "bogus" in r.json()["detail"]
    )
    r = c["manager"].post("/api/v1/parks/P1/inventory-runs", json={"year": 2025, "factor_set": "nope"})
    assert r.status_code == 404


def test_indicators(c: dict[str, TestClient]) -> None:
    run = _run(c["manager"])
    r = c["verifier"].get("/api/v1/parks/P1/indicators?year=2025")
    assert r.status_code == 200
    core = r.json()["rows"][0]
    assert core["code"] == "core_intensity"
    # 单位能耗碳排放 = park CO2 / energy consumption of the newest national run
    latest = c["manager"].get("/api/v1/parks/P1/inventory-runs?year=2025&method=national&limit=1").json()
    assert latest["items"][0]["id"] >= run["id"]
    assert core["value"] == pytest.approx(
        latest["items"][0]["total_tco2e"] / latest["items"][0]["energy_tce"]
    )
    assert c["manager"].get("/api/v1/indicators?year=2025").json()["run_id"] == r.json()["run_id"]
    assert c["manager"].get("/api/v1/parks/P1/indicators?year=2030").status_code == 404


def test_enterprise_indicators(api: ApiModule, c: dict[str, TestClient]) -> None:
    """E-A's own indicators on its own national run (fixture: AR-A1 1 000 m³ gas, M-A 240 kWh):

    gas 1 000 m³ × 0.038931 GJ/m³ × 0.0153 tC/GJ × 0.99 × 44/12 = 2.162189 tCO2;
    electricity 0.240 MWh × 0.8325 tCO2/MWh = 0.1998 tCO2; total 2.361989 tCO2.
    energy: 1 000 m³ × 1.2143 kgce/m³ = 1.2143 tce + 240 kWh × 0.1229 kgce/kWh = 0.029496 tce
    = 1.243796 tce; 单位能耗碳排放 2.361989 / 1.243796 = 1.899016 tCO2/tce;
    carbon productivity 1 000 ×10⁴ CNY / 2.361989 tCO2 = 423.372 ×10⁴ CNY/tCO2.
    """
    # no E-A run yet for 2030: 404 telling how to create one
    r = c["ent_a"].get("/api/v1/parks/P1/indicators?year=2030")
    assert r.status_code == 404 and '"enterprise_id": "E-A"' in r.json()["detail"]
    _run(c["ent_a"])
    r = c["ent_a"].get("/api/v1/parks/P1/indicators?year=2025")
    assert r.status_code == 200, r.text
    t = r.json()
    # the table of E-A's latest national run (the newest signed off, else the newest: the rule of
    # every door, so the same run as the comparison's)
    latest = c["ent_a"].get("/api/v1/parks/P1/inventory-runs/compare?year=2025").json()["national"]["run"]
    run = {"id": latest["id"]}
    assert t["level"] == "enterprise" and t["enterprise_id"] == "E-A" and t["run_id"] == run["id"]
    assert not t["veto"]
    rows = {row["code"]: row for row in t["rows"]}
    assert rows["emissions"]["value"] == pytest.approx(2.361989, abs=1e-6)
    assert rows["energy_consumption"]["value"] == pytest.approx(1.243796, abs=1e-6)
    core = rows["core_intensity"]
    assert core["value"] == pytest.approx(1.899016, abs=1e-6)
    # the park's size-band limit is not applied to one enterprise
    assert core["status"] == "no_threshold" and core["threshold"] is None
    assert rows["carbon_productivity"]["value"] == pytest.approx(423.372, abs=1e-3)
    assert rows["clean_energy_share"]["status"] in ("no_threshold", "missing")
    assert rows["product_energy_intensity"]["status"] == "missing"  # E-A reported no production
    for code in ("solid_waste_utilisation", "waste_heat_utilisation", "water_reuse"):
        assert rows[code]["status"] == "park_level" and rows[code]["value"] is None, code
    # the same via /indicators, and a park user may ask for E-A explicitly
    assert c["ent_a"].get("/api/v1/indicators?year=2025").json()["enterprise_id"] == "E-A"
    for user in ("manager", "verifier", "admin"):
        r = c[user].get("/api/v1/parks/P1/indicators?year=2025&enterprise_id=E-A")
        assert r.status_code == 200 and r.json()["run_id"] == run["id"], user
    # the park table stays the park's
    assert c["manager"].get("/api/v1/parks/P1/indicators?year=2025").json()["level"] == "park"
    # cross-tenant: E-A asking for E-B → 404 + audit; device → 403; unknown enterprise → 404
    n = api.audit_count("denied")
    assert c["ent_a"].get("/api/v1/parks/P1/indicators?year=2025&enterprise_id=E-B").status_code == 404
    assert c["ent_a"].get("/api/v1/indicators?year=2025&enterprise_id=E-B").status_code == 404
    assert c["device"].get("/api/v1/parks/P1/indicators?year=2025").status_code == 403
    assert api.audit_count("denied") == n + 3
    assert api.audit_actions("denied")[-2].entity == "indicators"
    assert c["manager"].get("/api/v1/parks/P1/indicators?year=2025&enterprise_id=E-ZZ").status_code == 404


def test_factor_sets_list_show_and_upload(api: ApiModule, c: dict[str, TestClient]) -> None:
    sets = c["ent_a"].get("/api/v1/factor-sets").json()
    assert any(s["name"] == "CN-park-2025" and s["is_builtin"] for s in sets)
    show = c["verifier"].get("/api/v1/factor-sets/CN-park-2025?kind=grid_electricity&limit=5").json()
    assert show["factors"]["total"] >= 1 and all(
        f["kind"] == "grid_electricity" for f in show["factors"]["items"]
    )
    assert all(f["source"]["title"] for f in show["factors"]["items"])
    header = ",".join(FACTOR_COLUMNS)
    good = (
        header
        + "\ngrid.fossil.cn.2022,grid_electricity,electricity,fossil,0.8325,kgCO2/kWh,全国,2022,"
        + "mee_grid_2022,2,narrower\n"
    )
    files = {"file": ("my.csv", good.encode(), "text/csv")}
    assert c["verifier"].post("/api/v1/factor-sets", data={"name": "mine"}, files=files).status_code == 403
    r = c["manager"].post("/api/v1/factor-sets", data={"name": "mine"}, files=files)
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "mine" and r.json()["version"].startswith("2025.2+")
    bad = (
        header
        + "\ng1,grid_electricity,electricity,average,zero point five,kgCO2/kWh,全国,2024,mee_grid_2022,,\n"
    )
    r = c["manager"].post(
        "/api/v1/factor-sets", data={"name": "bad"}, files={"file": ("bad.csv", bad.encode())}
    )
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["file"] == "bad.csv" and err["row"] == 2 and err["field"] == "value"
