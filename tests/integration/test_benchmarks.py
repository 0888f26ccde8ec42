"""标杆 and 入园门槛 on the API fixture park (SQLite and PostgreSQL): figures by hand, the doors agree.

The fixture park (api_support.build_park: E-A 甲公司, value added 1000, and E-B 乙公司, 500 [10⁴ CNY];
2025 electricity readings and January gas/diesel) is accounted for 2025 (national method). Then:

- benchmarks: each enterprise's carbon productivity = its value added / its run's CO2, energy
  intensity = its run's energy / value added, ranks by hand, a product output graded against the
  table; the service, the API, the CLI's JSON and the page show the same figures; an enterprise user
  sees only its own row and never the other enterprise's name;
- admission: a process-only project of 100 tCO2 adds exactly 100 t and no energy; a gas project of
  10 000 m³ adds 10 000 × 0.00216219 tCO2 (natural gas NCV 0.038931 GJ/m³ × CC 0.0153 tC/GJ × OF 0.99
  × 44/12, NDRC guideline defaults); carbon productivity with the project = (1500 + 300) / (CO2 + 100);
  bad input answers named errors; only managers assess and decide; each write is audited.
"""

from __future__ import annotations

import io
import json
from typing import Any

import openpyxl
import pytest
from api_support import ENT_A, ENT_B, PARK, invoke_cli, make_api
from pypdf import PdfReader
from sqlalchemy import Engine, select

from zeropark.accounting import AccountingOptions
from zeropark.commands import common
from zeropark.formatting import num
from zeropark.model import Method, ProductOutput
from zeropark.services import admission, benchmarks, inventory, reporting, scenarios
from zeropark.settings import get_settings
from zeropark.store.db import session_factory
from zeropark.store.schema import AuditLogRow
from zeropark.store.scope import system_scope

NATIONAL = AccountingOptions(method=Method.NATIONAL)
CAUSTIC = "caustic_soda_membrane_30"


@pytest.fixture
def park(engine: Engine) -> tuple[Engine, Any]:
    api = make_api(engine)
    scope = system_scope(engine, "cli")
    inventory.account_year(scope, PARK, 2025, NATIONAL, get_settings().factor_set)
    benchmarks.put_product_outputs(
        scope, PARK, ENT_A, 2025, [ProductOutput(ENT_A, 2025, CAUSTIC, 10.0, "t (100% NaOH)")]
    )
    return engine, api


def _cli(engine: Engine, *args: str) -> tuple[int, str]:
    res = invoke_cli(engine, *args)
    return res.exit_code, res.stdout + res.stderr


def _audit(engine: Engine, entity: str) -> list[AuditLogRow]:
    with session_factory(engine)() as s:
        return list(s.scalars(select(AuditLogRow).where(AuditLogRow.entity == entity)).all())


def test_benchmark_figures_by_hand_and_the_doors_agree(park: tuple[Engine, Any]) -> None:
    engine, api = park
    scope = system_scope(engine, "cli")
    result = benchmarks.benchmarks(scope, PARK, 2025)
    by_id = {u.id: u for u in result.enterprises}
    a, b = by_id[ENT_A], by_id[ENT_B]
    run_a = inventory.latest_view(scope, PARK, 2025, Method.NATIONAL, enterprise_id=ENT_A)
    run_b = inventory.latest_view(scope, PARK, 2025, Method.NATIONAL, enterprise_id=ENT_B)
    assert run_a is not None and run_b is not None
    co2_a, tce_a = run_a.inventory.total_tco2e, run_a.inventory.energy_tce
    co2_b = run_b.inventory.total_tco2e
    # carbon productivity = value added / CO2; energy intensity = energy / value added
    assert a.carbon_productivity == pytest.approx(1000.0 / co2_a, rel=1e-12)
    assert b.carbon_productivity == pytest.approx(500.0 / co2_b, rel=1e-12)
    assert a.value_added_10k_cny == pytest.approx(1000.0, rel=1e-12)
    assert a.energy_intensity == pytest.approx(tce_a / 1000.0, rel=1e-12)
    # two enterprises ranked: the higher productivity is 1st (100 %), the other 2nd (0 %)
    first, second = (a, b) if 1000.0 / co2_a > 500.0 / co2_b else (b, a)
    assert (first.productivity_rank.place, first.productivity_rank.percentile) == (1, 100.0)  # type: ignore[union-attr]
    assert (second.productivity_rank.place, second.productivity_rank.of) == (2, 2)  # type: ignore[union-attr]
    assert result.enterprises_ranked == 2
    # one park in the database: 1 of 1
    assert result.park is not None and result.park.productivity_rank is not None
    assert (result.park.productivity_rank.place, result.park.productivity_rank.of) == (1, 1)
    # E-A's only product: its whole accounted energy / output = tce × 1000 / 10 t [kgce/t]
    (product,) = result.products
    assert product.energy_rule == "enterprise"
    assert product.intensity == pytest.approx(tce_a * 1000.0 / 10.0, rel=1e-12)
    assert product.grade is not None and product.limit.is_uncertain
    assert "[UNCERTAIN]" in product.note_en

    admin = api.login("admin")
    from_api = admin.get(f"/api/v1/parks/{PARK}/benchmarks", params={"year": 2025})
    assert from_api.status_code == 200, from_api.text
    assert from_api.json() == json.loads(json.dumps(result.to_dict()))
    code, out = _cli(engine, "benchmark", "show", "--year", "2025", "--park", PARK, "--format", "json")
    assert code == 0, out
    assert json.loads(out) == from_api.json()
    html = admin.get("/benchmarks", params={"year": 2025}).text
    assert f"data-bm-cp>{num(a.carbon_productivity, 4)}</td>" in html
    assert "data-uncertain" in html and "GB 21257-2014" in html
    limits = admin.get("/api/v1/benchmark-limits").json()
    assert CAUSTIC in limits["uncertain"]
    assert _cli(engine, "benchmark", "limits", "--format", "json")[0] == 0


def test_an_enterprise_user_sees_only_its_own_figures_and_ranks(park: tuple[Engine, Any]) -> None:
    _, api = park
    ent = api.login("ent_a")
    res = ent.get(f"/api/v1/parks/{PARK}/benchmarks", params={"year": 2025})
    assert res.status_code == 200, res.text
    body = res.json()
    assert [u["id"] for u in body["enterprises"]] == [ENT_A]
    assert body["enterprises"][0]["productivity_rank"]["of"] == 2  # ranked among both
    assert body["park"] is None and body["parks"] == []
    assert ENT_B not in res.text and "乙公司" not in res.text
    assert "乙公司" not in ent.get("/benchmarks", params={"year": 2025}).text
    # another enterprise's outputs may not be written; assessments are park-level
    put = ent.put(
        f"/api/v1/parks/{PARK}/enterprises/{ENT_B}/product-outputs/2025",
        json=[{"product": CAUSTIC, "quantity": 1.0, "unit": "t (100% NaOH)"}],
    )
    assert put.status_code == 404
    assert ent.post(f"/api/v1/parks/{PARK}/admissions", json={}).status_code == 403
    assert ent.get(f"/api/v1/parks/{PARK}/admissions").status_code == 403


def test_product_outputs_reject_unknown_products_and_units(park: tuple[Engine, Any]) -> None:
    engine, api = park
    manager = api.login("manager")
    url = f"/api/v1/parks/{PARK}/enterprises/{ENT_B}/product-outputs/2025"
    bad = manager.put(url, json=[{"product": "unobtainium", "quantity": 1.0, "unit": "t"}])
    assert bad.status_code == 422 and bad.json()["error"] == "UnknownProduct"
    assert "caustic_soda_membrane_30" in bad.json()["detail"]
    unit = manager.put(url, json=[{"product": CAUSTIC, "quantity": 1.0, "unit": "kg"}])
    assert unit.status_code == 422 and unit.json()["error"] == "WrongOutputUnit"
    neg = manager.put(url, json=[{"product": CAUSTIC, "quantity": -1.0, "unit": "t (100% NaOH)"}])
    assert neg.status_code == 422
    ok = manager.put(
        url, json=[{"product": CAUSTIC, "quantity": 5.0, "unit": "t (100% NaOH)", "energy_tce": 1.6}]
    )
    assert ok.status_code == 200 and ok.json() == {"stored": 1}
    figs = benchmarks.benchmarks(system_scope(engine, "cli"), PARK, 2025).products
    own = next(p for p in figs if p.enterprise_id == ENT_B)
    # its own energy: 1.6 tce × 1000 / 5 t = 320 kgce/t → 2级 (315 < 320 ≤ 340)
    assert own.energy_rule == "own" and own.intensity == pytest.approx(320.0, rel=1e-12)
    assert own.grade is not None and own.grade.value == "2"
    assert len(_audit(engine, "product_output")) == 2  # the fixture's and this one


def test_admission_runs_the_accounting_core_with_and_without(park: tuple[Engine, Any]) -> None:
    engine, api = park
    scope = system_scope(engine, "cli")
    process = admission.parse_proposal(
        {
            "name": "过程项目",
            "industry_code": "3011",
            "energy": {},
            "value_added_10k_cny": 300,
            "process_tco2": 100,
        }
    )
    r = admission.evaluate_proposal(scope, PARK, process)
    wo, wi = r.without, r.with_project
    assert r.project_co2_t == pytest.approx(100.0, abs=1e-9)  # 100 t declared × 1 tCO2/t
    assert r.project_energy_tce == pytest.approx(0.0, abs=1e-12)
    assert wi.co2_t == pytest.approx(wo.co2_t + 100.0, rel=1e-12)
    # park value added 1000 + 500 (no park figure reported), + 300 with the project
    assert wo.carbon_productivity == pytest.approx(1500.0 / wo.co2_t, rel=1e-12)
    assert wi.carbon_productivity == pytest.approx(1800.0 / (wo.co2_t + 100.0), rel=1e-12)
    assert wi.core_intensity == pytest.approx((wo.co2_t + 100.0) / wo.energy_tce, rel=1e-12)
    # the park is below 200 000 tce: no core threshold ([UNCERTAIN]); productivity falls → conditions
    checks = {c.code: c for c in r.checks}
    assert checks["core"].passed is None and checks["productivity"].passed is False
    assert r.recommendation is admission.Decision.CONDITIONS
    assert r.roadmap is None and any("roadmap" in n for n in r.notes)

    gas = admission.parse_proposal(
        {
            "name": "燃气项目",
            "industry_code": "C2651",
            "energy": {"natural_gas": 10_000},
            "value_added_10k_cny": 0,
        }
    )
    g = admission.evaluate_proposal(scope, PARK, gas, year=2025)
    assert g.project_co2_t == pytest.approx(10_000 * 0.038931 * 0.0153 * 0.99 * 44 / 12, rel=1e-4)
    assert g.project_energy_tce > 0


def test_admission_doors_errors_decision_and_audit(park: tuple[Engine, Any]) -> None:
    engine, api = park
    manager = api.login("manager")
    url = f"/api/v1/parks/{PARK}/admissions"
    body = {
        "name": "新项目",
        "industry_code": "2651",
        "energy": {"electricity": 120000},
        "value_added_10k_cny": 300,
    }
    for bad, error in (
        ({**body, "energy": {"electricity": -5}}, "NegativeEnergy"),
        ({**body, "energy": {"plutonium": 5}}, "UnknownCarrier"),
        ({**body, "energy": {"water": 5}}, "UnknownCarrier"),
        ({**body, "industry_code": "9999"}, "UnknownIndustry"),
        ({**body, "enterprise_id": "E-NONE"}, "NotFound"),
    ):
        res = manager.post(url, json=bad)
        assert res.status_code in (404, 422) and res.json()["error"] == error, res.text
    assert admission.list_assessments(system_scope(engine, "cli"), PARK) == []  # nothing half-stored
    created = manager.post(url, json=body)
    assert created.status_code == 201, created.text
    rec = created.json()
    assert rec["decision"] == "pending" and rec["result"]["with"]["co2_t"] > rec["result"]["without"]["co2_t"]
    code, out = _cli(engine, "admission", "list", "--park", PARK, "--format", "json")
    assert code == 0 and json.loads(out)[0]["result"] == rec["result"]
    page = manager.get(f"/admission/{rec['id']}")
    assert page.status_code == 200 and "data-adm-decide" in page.text
    verifier = api.login("verifier")
    assert (
        verifier.post(f"/api/v1/admissions/{rec['id']}/decision", json={"decision": "approved"}).status_code
        == 403
    )
    no_reason = manager.post(f"/api/v1/admissions/{rec['id']}/decision", json={"decision": "rejected"})
    assert no_reason.status_code == 422
    decided = manager.post(
        f"/api/v1/admissions/{rec['id']}/decision", json={"decision": "conditions", "reason": "配套光伏 2 MW"}
    )
    assert decided.status_code == 200 and decided.json()["decided_by"] == "manager"
    again = manager.post(f"/api/v1/admissions/{rec['id']}/decision", json={"decision": "approved"})
    assert again.status_code == 422 and "already decided" in again.json()["detail"]
    actions = sorted(a.action for a in _audit(engine, "admission"))
    assert actions.count("create") == 1 and actions.count("update") == 1
    code, out = _cli(
        engine,
        "admission",
        "assess",
        "--park",
        PARK,
        "--name",
        "CLI 项目",
        "--industry",
        "2651",
        "--energy",
        "electricity=1000",
        "--format",
        "json",
    )
    assert code == 0, out
    assert json.loads(out)["result"]["proposal"]["energy"] == {"electricity": 1000.0}
    code, out = _cli(
        engine,
        "admission",
        "assess",
        "--park",
        PARK,
        "--name",
        "x",
        "--industry",
        "2651",
        "--energy",
        "electricity",
    )
    assert code == common.EXIT_DATA_ERROR and "CARRIER=QUANTITY" in out


def test_admission_on_the_roadmap_uses_the_scenario_projection(park: tuple[Engine, Any]) -> None:
    engine, api = park
    scope = system_scope(engine, "cli")
    bau = {
        "name": "测试基准",
        "kind": "bau",
        "base_year": 2025,
        "horizon": 2060,
        "drivers": {"default": {"production_growth_pct": 10.0, "output_growth_pct": 5.0}},
        "target": {"kind": "core_indicator", "year": 2030, "value": 0.2},
    }
    scenario = scenarios.create(scope, PARK, bau)
    proposal = admission.parse_proposal(
        {"name": "过程项目", "industry_code": "3011", "value_added_10k_cny": 300, "process_tco2": 100}
    )
    r = admission.evaluate_proposal(scope, PARK, proposal, scenario_id=scenario.summary.id)
    road = r.roadmap
    assert road is not None and road["year"] == 2030  # the scenario target's year
    # the case without the project is the scenario's own 2030 (the same projection and core)
    assert road["without"]["co2_t"] == pytest.approx(scenario.year(2030).total_tco2e, rel=1e-9)
    # the project's declared 100 t are added as proposed in the target year
    assert road["change"]["co2_t"] == pytest.approx(100.0, abs=1e-9)
    assert road["change"]["energy_tce"] == pytest.approx(0.0, abs=1e-12)
    target = next(c for c in road["checks"] if c["code"] == "roadmap_target")
    assert target["passed"] is (road["with"]["core_intensity"] <= 0.2)
    manager = api.login("manager")
    body = {
        "name": "过程项目",
        "industry_code": "3011",
        "process_tco2": 100,
        "scenario_id": scenario.summary.id,
    }
    res = manager.post(f"/api/v1/parks/{PARK}/admissions", json={**body, "target_year": 2040})
    assert res.status_code == 201, res.text
    assert res.json()["result"]["roadmap"]["year"] == 2040
    page = manager.get(f"/admission/{res.json()['id']}")
    assert 'data-adm-roadmap="2040"' in page.text
    outside = manager.post(f"/api/v1/parks/{PARK}/admissions", json={**body, "target_year": 2020})
    assert outside.status_code == 422 and "covers 2025–2060" in outside.json()["detail"]
    unknown = manager.post(f"/api/v1/parks/{PARK}/admissions", json={**body, "scenario_id": 999999})
    assert unknown.status_code == 404


def test_the_annual_report_has_the_benchmarks_and_admission_annex(park: tuple[Engine, Any]) -> None:
    engine, _ = park
    scope = system_scope(engine, "cli")
    proposal = admission.parse_proposal(
        {
            "name": "报告项目",
            "industry_code": "2651",
            "energy": {"electricity": 1000},
            "value_added_10k_cny": 10,
        }
    )
    admission.assess(scope, PARK, proposal)
    data = reporting.report_data(scope, PARK, 2025)
    assert data.benchmarks == json.loads(json.dumps(benchmarks.benchmarks(scope, PARK, 2025).to_dict()))
    assert [a["name"] for a in data.admissions] == ["报告项目"]
    text = "".join(
        "".join((p.extract_text() or "").split())
        for p in PdfReader(io.BytesIO(reporting.render(data, reporting.ReportKind.PDF))).pages
    )
    a = next(u for u in data.benchmarks["enterprises"] if u["id"] == ENT_A)
    assert "标杆对比与入园评估" in text and "报告项目" in text
    assert num(a["carbon_productivity_10k_cny_per_t"], 4).replace(" ", "") in text
    assert "GB21257-2014" in text and "待确认" in text
    # the workbook's 标杆 sheet: the same figures (carbon productivity of E-A, its rank)
    sheet = openpyxl.load_workbook(io.BytesIO(reporting.render(data, reporting.ReportKind.XLSX)))["标杆"]
    units = ([data.benchmarks["park"]] if data.benchmarks["park"] else []) + data.benchmarks["enterprises"]
    rows = list(sheet.iter_rows(min_row=5, max_row=4 + len(units), values_only=True))
    ea = rows[units.index(a)]
    assert ea[0] == a["name"]
    assert ea[1] == pytest.approx(
        a["carbon_productivity_10k_cny_per_t"], rel=1e-12
    )  # xlsx keeps 15-16 digits
    assert ea[2] == f"{a['productivity_rank']['place']}/{a['productivity_rank']['of']}"
    # an enterprise's report: its own row only, no assessments
    own = reporting.report_data(scope, PARK, 2025, enterprise_id=ENT_B)
    assert own.benchmarks is not None and [u["id"] for u in own.benchmarks["enterprises"]] == [ENT_B]
    assert own.benchmarks["products"] == [] and own.admissions == ()
