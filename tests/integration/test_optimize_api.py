"""Optimisation runs through the API and the store, on SQLite and PostgreSQL.

Hand-computed case: 100 kW flat for 24 h on 2026-03-02 under the Jiangsu large-industry tariff
(zeropark/optimize/data): 谷 00–08 (8 h × 0.3139), 峰 08–11 + 17–22 (8 h × 1.0697), 平 11–17 + 22–24
(8 h × 0.6418) → energy 100 × 8 × (0.3139 + 1.0697 + 0.6418) = 1 620.32 CNY; demand charge
40 CNY/(kW·month) × 100 kW = 4 000 CNY; objective 5 620.32 CNY. CO2 = 2 400 kWh × 0.8325e-3 = 1.998 t.
"""

from __future__ import annotations

import pytest
from api_support import Api, build_park
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from zeropark.app import create_app
from zeropark.settings import Settings
from zeropark.store.db import transaction
from zeropark.store.schema import OptimizationRunRow


@pytest.fixture
def clients(engine: Engine) -> dict[str, TestClient]:
    build_park(engine)
    app = create_app(engine, settings=Settings(secret_key="test-secret-" + "x" * 20))
    api = Api(engine=engine, client=TestClient(app))
    return {u: api.login(u) for u in ("manager", "verifier", "ent_a")}


BODY = {"mode": "dispatch", "start_local": "2026-03-02", "hours": 24, "profile": {"load_kw": [100.0] * 24}}


def test_dispatch_run_is_solved_stored_and_read_back(clients: dict[str, TestClient], engine: Engine) -> None:
    r = clients["manager"].post("/api/v1/parks/P1/optimization-runs", json=BODY)
    assert r.status_code == 201, r.text
    summary = r.json()
    assert summary["status"] == "optimal"
    assert summary["objective_cny"] == pytest.approx(5620.32, rel=1e-9)
    assert summary["costs_cny"]["demand_charge"] == pytest.approx(4000.0)
    assert summary["emissions_tco2"]["total"] == pytest.approx(1.998, rel=1e-9)
    run = clients["verifier"].get(f"/api/v1/optimization-runs/{summary['id']}").json()
    assert run["params"]["tariff_id"] == "CN-JS-large-industry-1-10kV"
    assert run["params"]["factor_set"].startswith("CN-park-2025")
    assert run["result"]["tou_periods"][:9] == ["谷"] * 8 + ["峰"]
    assert len(run["result"]["series"]["grid_import_kw"]) == 24
    listed = clients["verifier"].get("/api/v1/parks/P1/optimization-runs").json()
    assert [x["id"] for x in listed] == [summary["id"]]
    with transaction(engine) as s:
        rows = list(s.scalars(select(OptimizationRunRow)))
    assert [(x.mode, x.status) for x in rows] == [("dispatch", "optimal")]
    page = clients["manager"].get(f"/optimize?run={summary['id']}")
    assert page.status_code == 200
    assert "opt-dispatch-opt" in page.text


def test_infeasible_run_is_stored_with_conflicts(clients: dict[str, TestClient], engine: Engine) -> None:
    body = {**BODY, "scenario": {"clean_share_min": 0.5}}
    r = clients["manager"].post("/api/v1/parks/P1/optimization-runs", json=body)
    assert r.status_code == 422
    payload = r.json()
    assert payload["conflicts"][0] == (
        "clean-energy share 50% is unreachable: at most 0.0% with no renewable, storage or green-power assets"
    )
    stored = clients["manager"].get(f"/api/v1/optimization-runs/{payload['run_id']}").json()
    assert stored["status"] == "infeasible"
    assert stored["result"]["conflicts"] == payload["conflicts"]
    page = clients["manager"].get(f"/optimize?run={payload['run_id']}")
    assert "clean-energy share 50% is unreachable" in page.text


def test_roles(clients: dict[str, TestClient]) -> None:
    assert clients["verifier"].post("/api/v1/parks/P1/optimization-runs", json=BODY).status_code == 403
    assert clients["ent_a"].post("/api/v1/parks/P1/optimization-runs", json=BODY).status_code == 403
    assert clients["ent_a"].get("/api/v1/parks/P1/optimization-runs").status_code == 403
    bad = {**BODY, "scenario": {"no_such_field": 1}}
    r = clients["manager"].post("/api/v1/parks/P1/optimization-runs", json=bad)
    assert r.status_code in (400, 422) and "no_such_field" in r.text


def test_tariffs_listed_with_confidence(clients: dict[str, TestClient]) -> None:
    tariffs = clients["verifier"].get("/api/v1/optimize/tariffs").json()
    js = next(t for t in tariffs if t["id"] == "CN-JS-large-industry-1-10kV")
    assert js["periods_by_month"]["7"][14 * 4] == "critical"
    assert js["confidence"]["prices"] == "UNCERTAIN"
    assert any(s["id"] == "JS-2023-555" for s in js["sources"])


def test_price_series_and_no_effect_through_the_api(clients: dict[str, TestClient]) -> None:
    # 100 kW flat for 24 h at 0.5 CNY/kWh every hour instead of the TOU table: energy 1 200 CNY,
    # demand charge still the tariff's 40 × 100 = 4 000 CNY → 5 200 CNY.
    body = {**BODY, "energy_price_cny_per_kwh": [0.5] * 24}
    r = clients["manager"].post("/api/v1/parks/P1/optimization-runs", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["objective_cny"] == pytest.approx(5200.0, rel=1e-9)
    run = clients["manager"].get(f"/api/v1/optimization-runs/{r.json()['id']}").json()
    assert run["params"]["energy_prices"]["source"] == "series"
    short = {**BODY, "energy_price_cny_per_kwh": [0.5] * 23}
    bad = clients["manager"].post("/api/v1/parks/P1/optimization-runs", json=short)
    assert bad.status_code in (400, 422) and "no price for 1 of the run's 24 steps" in bad.text
    sized = {
        "mode": "size",
        "start_local": "2026-03-02",
        "hours": 24,
        "profile": {"load_kw": [100.0] * 24, "pv_pu": [0.0] * 6 + [0.5] * 12 + [0.0] * 6},
        "scenario": {"pv_max_kw": 50.0, "annualised_capex": {"pv": 10.0}},
        "effect": False,
    }
    r = clients["manager"].post("/api/v1/parks/P1/optimization-runs", json=sized)
    assert r.status_code == 201, r.text
    run = clients["manager"].get(f"/api/v1/optimization-runs/{r.json()['id']}").json()
    assert run["params"]["effect"] is False and run["result"]["effect"] is None
    assert run["result"]["sizes"]["pv:PV"]["annualised_cny_per_unit_a"] == 10.0
