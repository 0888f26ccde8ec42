"""The symbiosis doors agree: API, CLI ``--format json`` and the service give one match, one indicator set.

Also: an enterprise user registers its own sources through the API (not another's: 403), a write to
an unknown park is 404, a refused entry 422 with its named error.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

import openpyxl
import pytest
from api_support import ENT_A, ENT_B, PARK, make_api
from pypdf import PdfReader
from sqlalchemy import Engine
from test_symbiosis_service import _cli, park_example

from zeropark.accounting import AccountingOptions
from zeropark.roadmap.metabolism import FlowKind
from zeropark.services import inventory, metabolism, reporting, symbiosis
from zeropark.store.scope import system_scope

TIMES = ("build_time_s", "solve_time_s", "computed_at", "computed_by")


def _figures(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k not in TIMES}


def test_cli_api_and_service_agree(sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    api = make_api(engine)
    manager = api.login("manager")
    base = f"/api/v1/parks/{PARK}/symbiosis"
    r = manager.post(f"{base}/registry", json=park_example())
    assert r.status_code == 201 and r.json() == {"sources": 3, "sinks": 3, "exchanges": 3}, r.text
    r = manager.post(f"{base}/match", json={"objective": "cost"})
    assert r.status_code == 201, r.text
    from_api = r.json()
    code, out, err = _cli(engine, "match", "--park", PARK, "--format", "json")
    assert code == 0, err
    from_cli = json.loads(out)
    scope = system_scope(engine, "t")
    from_service = symbiosis.result_dict(symbiosis.match_registry(symbiosis.park_registry(scope, PARK)))
    assert _figures(from_api) == _figures(from_cli) == _figures(from_service)
    assert len(from_api["exchanges"]) == 3
    latest = manager.get(f"{base}/match").json()
    assert _figures(latest) == _figures(from_cli)  # the CLI's run is the latest
    got = manager.get(f"{base}/indicators", params={"fresh_water_m3": 100000}).json()
    code, out, err = _cli(
        engine, "indicators", "--park", PARK, "--fresh-water-m3", "100000", "--format", "json"
    )
    assert code == 0, err
    assert json.loads(out) == got
    service = symbiosis.indicators_dict(symbiosis.park_indicators(scope, PARK, 100000.0))
    assert got == json.loads(json.dumps(service))
    # X1 + X2 + X3 = 1 204.423 + 438.0 + 130.9335 tCO2/a (hand computation in test_symbiosis_cli)
    assert got["total_avoided_t_per_year"] == pytest.approx(1773.3565, abs=1e-3)
    # the energy-sharing dashboard: API, CLI and page from the one service function
    sharing = manager.get(f"{base}/sharing").json()
    code, out, err = _cli(engine, "sharing", "--park", PARK, "--format", "json")
    assert code == 0, err
    assert (
        json.loads(out)
        == sharing
        == json.loads(json.dumps(symbiosis.sharing_dict(symbiosis.park_sharing(scope, PARK))))
    )
    # X1, the only heat exchange: 4 380 h × (2.5 + 2.0) GJ/h = 19 710 GJ/a sent; × 0.992 = 19 552.32 in
    assert [x["id"] for x in sharing["exchanges"]] == ["X1"]
    assert sharing["received_gj_per_year"] == pytest.approx(19552.32)
    page = manager.get("/symbiosis/sharing").text
    assert re.findall(r'data-sharing-exchange="([^"]+)"', page) == ["X1"]
    kpis = dict(re.findall(r'data-sharing="(\w+)">([^<]+)<', page))
    assert kpis["received"] == "19,552.3" and kpis["avoided"] == "1,204.423", kpis
    assert 'data-chart="ch-sym-sharing-opt"' in page
    assert "Energy sharing dashboard" in manager.get("/symbiosis/sharing", params={"lang": "en"}).text


def test_api_scope_and_errors(sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    api = make_api(engine)
    ent_a = api.login("ent_a")
    base = f"/api/v1/parks/{PARK}/symbiosis"
    own = {"id": "a-steam", "kind": "steam", "grade": "LP", "quantity": [2.0], "enterprise_id": ENT_A}
    r = ent_a.post(f"{base}/sources", json=own)
    assert r.status_code == 201 and r.json()["enterprise_id"] == ENT_A, r.text
    r = ent_a.post(f"{base}/sources", json=own | {"id": "b-steam", "enterprise_id": ENT_B})
    assert r.status_code == 403, r.text
    r = ent_a.post(f"{base}/sources", json=own)
    assert r.status_code == 422 and r.json()["error"] == "SymbiosisError", r.text
    r = ent_a.post(f"{base}/sinks", json={"id": "a-dryer", "kind": "steam", "grade": "HP", "demand": [1.0],
                                          "enterprise_id": ENT_A})  # fmt: skip
    assert r.status_code == 201, r.text
    # LP steam cannot serve a sink needing HP: the core's named error
    r = ent_a.post(f"{base}/exchanges", json={"exchange": {"id": "XA", "source": "a-steam", "sink": "a-dryer",
                                                           "quantity": [1.0]}})  # fmt: skip
    assert r.status_code == 422 and r.json()["error"] == "IncompatibleGrade", r.text
    r = ent_a.post(f"{base}/match", json={})
    assert r.status_code == 403
    assert api.login("ent_b").get(f"{base}/registry").json()["sources"] == []
    r = api.login("manager").post("/api/v1/parks/NOPE/symbiosis/sources", json=own)
    assert r.status_code == 404, r.text


def test_page_renders_for_every_role_and_shows_the_registry(sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    api = make_api(engine)
    manager = api.login("manager")
    assert manager.get("/symbiosis").status_code == 200  # nothing registered yet
    assert manager.post(f"/api/v1/parks/{PARK}/symbiosis/registry", json=park_example()).status_code == 201
    matched = manager.post(f"/api/v1/parks/{PARK}/symbiosis/match", json={}).json()
    page = manager.get("/symbiosis").text
    assert re.findall(r'data-sym-source="([^"]+)"', page) == [
        "incinerator-steam",
        "steel-slag",
        "wwtp-reclaimed",
    ]
    assert re.findall(r'data-sym-exchange="([^"]+)"', page) == ["X1", "X2", "X3"]
    suggested = re.findall(r'data-sym-suggested="([^"]+)"', page)
    assert suggested == [f"{x['source']}|{x['sink']}" for x in matched["exchanges"]]
    assert 'data-chart="ch-sym-opt"' in page and '"type": "graph"' in page
    assert "1,773.4" in page or "1 773.4" in page or "1773.4" in page  # total avoided tCO2/a
    mine = api.login("ent_a").get("/symbiosis").text
    assert re.findall(r'data-sym-source="([^"]+)"', mine) == ["incinerator-steam"]
    assert re.findall(r'data-sym-exchange="([^"]+)"', mine) == ["X1"]
    assert "steel-slag" not in mine
    for user in ("ent_b", "verifier"):
        r = api.login(user).get("/symbiosis", params={"lang": "en"})
        assert r.status_code == 200 and "Industrial symbiosis" in r.text, user


def test_accounting_carries_the_claims_and_the_inventory_page_shows_them(sqlite_engine: Engine) -> None:
    """The stored registry's realised exchanges are in the accounting input of every run of the park.

    X1 (split 50/50: 1 204.423 tCO2/a → E-A 602.2115 as supplier and 602.2115 as receiver), X2 (to
    the receiver E-B, 438.0) and X3 (to the supplier, the park's WWTP without an enterprise: 130.9335)
    — the figures of test_symbiosis_cli; the park's total is unchanged by them (memo).
    """
    engine = sqlite_engine
    api = make_api(engine)
    scope = system_scope(engine, "t")
    before = inventory.account_year(scope, PARK, 2025, AccountingOptions(), "CN-park-2025")
    symbiosis.store_registry(scope, PARK, park_example(), file="example")
    run = inventory.account_year(scope, PARK, 2025, AccountingOptions(), "CN-park-2025")
    inv = run.inventory
    assert inv.total_tco2e == before.inventory.total_tco2e
    got = {(c.exchange_id, c.enterprise_id, c.role): round(c.tco2, 4) for c in inv.symbiosis}
    assert got == {
        ("X1", ENT_A, "supplier"): 602.2115,
        ("X1", ENT_A, "receiver"): 602.2115,
        ("X2", ENT_B, "receiver"): 438.0,
        ("X3", None, "supplier"): 130.9335,
    }
    assert inv.symbiosis_avoided_tco2 == pytest.approx(1773.3565, abs=1e-3)
    assert inventory.recompute(scope, run.run.id).identical
    page = api.login("manager").get("/inventory").text
    assert re.findall(r'data-sym-claim="([^"]+)"', page) == [
        "X1|receiver",
        "X1|supplier",
        "X2|receiver",
        "X3|supplier",
    ]
    # the report's chapter (one PDF and one workbook in this module): the same figures, by rule:
    # split X1 1 204.423, receiver X2 438.0, supplier X3 130.9335 tCO2/a
    data = reporting.report_data(scope, PARK, 2025)
    assert data.symbiosis is not None
    assert data.symbiosis.by_rule() == {
        "split": pytest.approx(1204.423, abs=1e-3),
        "receiver": pytest.approx(438.0),
        "supplier": pytest.approx(130.9335, abs=1e-3),
    }
    service_rows = symbiosis.indicators_dict(
        symbiosis.park_indicators(scope, PARK, data.symbiosis.fresh_water_m3)
    )
    assert list(data.symbiosis.indicators) == service_rows["indicators"]
    pdf = reporting.render(data, reporting.ReportKind.PDF)
    text = "".join("".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    at = text.find("产业共生与循环经济")
    assert at >= 0 and "1,773.356tCO2/a" in text, text[at : at + 1500]  # 1 773.3565 rounded half-even
    assert all(x in text for x in ("X1", "X2", "X3", "GB/T7119-2018", "GB/T1028-2018"))
    book = openpyxl.load_workbook(io.BytesIO(reporting.render(data, reporting.ReportKind.XLSX)))
    cells = [c for row in book["产业共生"].iter_rows(values_only=True) for c in row if c is not None]
    assert 1204.423 == pytest.approx(next(c for c in cells if isinstance(c, float) and 1204 < c < 1205))
    assert any(isinstance(c, float) and abs(c - 1773.3565) < 1e-3 for c in cells)


def test_materials_and_water_reuse_in_the_metabolism(sqlite_engine: Engine) -> None:
    """The example registry's material and water flows in the Sankey of the page, the API and the service.

    Materials: steel slag 4 380 h × (1.2 + 1.2) t = 10 512 t/a generated; X2 sends 4 380 × 2 × 1.0 =
    8 760 t/a to the cement mill (utilised); the rest, 1 752 t/a, is not exchanged. Water: X3 delivers
    4 380 × 2 × 50 × (1 − 0.005 × 0.71) = 436 445.1 m³/a of reclaimed water to E-B's sink (the fixture
    park has no water meters: reuse is the only water flow).
    """
    engine = sqlite_engine
    api = make_api(engine)
    scope = system_scope(engine, "t")
    manager = api.login("manager")
    assert (
        manager.get(
            f"/api/v1/parks/{PARK}/metabolism", params={"year": 2025, "kind": "materials"}
        ).status_code
        == 404
    )
    symbiosis.store_registry(scope, PARK, park_example(), file="example")
    got = metabolism.metabolism(scope, PARK, 2025, FlowKind.MATERIALS)
    flows = {(lk.source, lk.target): (round(lk.value, 3), lk.exchanges) for lk in got.links}
    assert flows == {
        ("src:mat:steel-slag", "sink:mat:cement-mill"): (8760.0, ("X2",)),
        ("src:mat:steel-slag", "loss:mat:other"): (1752.0, ()),
    }
    assert got.unit == "t" and got.total() == pytest.approx(10512.0)
    api_body = manager.get(
        f"/api/v1/parks/{PARK}/metabolism", params={"year": 2025, "kind": "materials"}
    ).json()
    assert api_body == json.loads(json.dumps(got.to_dict()))
    water = metabolism.metabolism(scope, PARK, 2025, FlowKind.WATER)
    (reuse,) = water.links
    assert reuse.source == "src:water:reuse:wwtp-reclaimed" and reuse.exchanges == ("X3",)
    assert reuse.value == pytest.approx(4380 * 2 * 50 * (1 - 0.005 * 0.71))
    page = manager.get("/roadmap/metabolism", params={"year": 2025, "kind": "materials"}).text
    assert 'value="materials" selected' in page and "/symbiosis#x-X2" in page
    assert (
        "Materials (t)"
        in manager.get("/roadmap/metabolism", params={"year": 2025, "kind": "materials", "lang": "en"}).text
    )
