"""Scenarios to 2030/2060 on the API fixture park (SQLite and PostgreSQL): service, API, CLI, page.

The fixture park (api_support.build_park: enterprises E-A and E-B, 2025 electricity readings and
January gas/diesel) is accounted for 2025 (national method) and projected to 2060. Checked: the
base year equals the base run bit for bit; 2026 of a 10 %/a scenario is 1.1 × the base's activity;
the same assumptions give the same figures again; the API, the CLI and the page show the same 2030
figure; an enterprise user reads only its own line and may not write; bad assumptions are named
errors and store nothing; a base whose data changed is refused.
"""

from __future__ import annotations

import json
import math
import re
import time
from datetime import date
from typing import Any

import pytest
from api_support import ENT_A, ENT_B, PARK, invoke_cli, make_api
from sqlalchemy import Engine, func, select

from zeropark.accounting import AccountingOptions
from zeropark.commands import common
from zeropark.errors import PermissionDenied
from zeropark.formatting import num
from zeropark.model import Method, Role
from zeropark.roadmap.scenario import DriversIncomplete, ScenarioKind, TargetBeforeBase
from zeropark.services import inventory, measures
from zeropark.services import scenarios as service
from zeropark.settings import get_settings
from zeropark.store.db import transaction
from zeropark.store.schema import ActivityRecordRow, AuditLogRow, ScenarioRow, ScenarioYearRow
from zeropark.store.scope import Principal, Scope, system_scope

NATIONAL = AccountingOptions(method=Method.NATIONAL)


def _bau(growth: float = 10.0, **extra: Any) -> dict[str, Any]:
    return {
        "name": "测试基准",
        "kind": "bau",
        "base_year": 2025,
        "horizon": 2060,
        "drivers": {"default": {"production_growth_pct": growth, "output_growth_pct": 5.0}},
        **extra,
    }


EFFICIENCY = {
    "id": "park-eff",
    "name_zh": "园区节电",
    "mechanism": "efficiency",
    "carrier": "electricity",
    "unit": "MWh/a",
    "effect_per_unit": 1000.0,
    "lifetime_years": 10,
    "source_id": "park-audit-2025",
    "max_share": 0.3,
}


@pytest.fixture
def park(engine: Engine) -> tuple[Engine, Any]:
    api = make_api(engine)
    inventory.account_year(system_scope(engine, "cli"), PARK, 2025, NATIONAL, get_settings().factor_set)
    return engine, api


def _count(engine: Engine, table: Any) -> int:
    with transaction(engine) as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def _cli(engine: Engine, *args: str) -> tuple[int, str, str]:
    res = invoke_cli(engine, "roadmap", "scenario", *args)
    return res.exit_code, res.stdout, res.stderr


def test_years_through_the_accounting_core(park: tuple[Engine, Any]) -> None:
    engine, _ = park
    scope = system_scope(engine, "cli")
    base = inventory.latest_view(scope, PARK, 2025, Method.NATIONAL)
    assert base is not None
    done: list[tuple[int, int]] = []
    view = service.create(scope, PARK, _bau(), progress=lambda d, t: done.append((d, t)))
    assert [y.year for y in view.years] == list(range(2025, 2061))
    assert done[-1] == (36, 36) and len(done) == 36
    # the base year is the base run, bit for bit
    y25 = view.year(2025)
    assert y25.total_tco2e == base.inventory.total_tco2e
    assert y25.energy_tce == base.inventory.energy_tce
    assert view.summary.base_run_id == base.summary.id
    assert view.summary.base_fingerprint == base.inventory.input_fingerprint
    # every line of the fixture scales with activity (no hourly, no claims, grid factor held):
    # CO2(y) = 1.1^(y − 2025) × CO2(2025)
    for year in (2026, 2030, 2060):
        y = view.year(year)
        assert y.total_tco2e == pytest.approx(1.1 ** (year - 2025) * base.inventory.total_tco2e, rel=1e-9)
        assert y.total_tco2e is not None and y.energy_tce is not None
        assert y.core_tco2_per_tce == pytest.approx(y.total_tco2e / y.energy_tce, rel=1e-12)
        assert y.grid_factor == 0.8325
    assert "grid_trajectory" in view.summary.uncertain
    assert set(view.year(2030).by_enterprise) >= {ENT_A, ENT_B}
    assert any(n["code"] == "hourly_not_projected" for n in view.year(2030).notes)


def test_same_assumptions_same_figures(park: tuple[Engine, Any]) -> None:
    engine, _ = park
    scope = system_scope(engine, "cli")
    a = service.create(scope, PARK, _bau())
    b = service.create(scope, PARK, _bau())
    assert a.summary.id != b.summary.id
    assert [y.to_dict() for y in a.years] == [y.to_dict() for y in b.years]
    assert a.assumptions == b.assumptions


def test_policy_with_a_park_measure_and_compare(park: tuple[Engine, Any]) -> None:
    engine, _ = park
    scope = system_scope(engine, "cli")
    bau = service.create(scope, PARK, _bau())
    policy = service.create(
        scope,
        PARK,
        _bau(
            name="节电政策",
            kind="policy",
            measures=[EFFICIENCY],
            adoption=[{"measure_id": "park-eff", "units": {"2027": 1.0}}],
        ),
    )
    # the measure is stored with the scenario in full (a recomputation needs no library)
    assert policy.assumptions["measures"][0]["id"] == "park-eff"
    b, p = bau.year(2030), policy.year(2030)
    assert p.total_tco2e is not None and b.total_tco2e is not None
    assert p.total_tco2e < b.total_tco2e
    assert policy.year(2026).total_tco2e == bau.year(2026).total_tco2e  # not yet in force
    applied = p.applied[0]
    assert applied["measure_id"] == "park-eff" and applied["unit"] == "kWh"
    assert 0 < applied["quantity"] <= 1_000_000.0
    views = service.compare(scope, PARK)
    assert [v.summary.id for v in views] == [bau.summary.id, policy.summary.id]


def test_a_stored_park_measure_is_adopted_by_its_id(park: tuple[Engine, Any]) -> None:
    """A measure the park added to its library (zeropark roadmap measures add) needs no inline copy."""
    engine, _ = park
    scope = system_scope(engine, "cli")
    fields = {k: str(v) for k, v in EFFICIENCY.items() if k != "source_id"}
    fields |= {"id": "park-eff-stored", "pathway": "energy_efficiency", "capex_cny_per_unit": "0"}
    fields |= {"opex_cny_per_unit_year": "0", "source_id": "gbt2589_2020"}
    measures.add_measure(scope, PARK, fields)
    adoption = [{"measure_id": "park-eff-stored", "units": {"2027": 1.0}}]
    policy = service.create(scope, PARK, _bau(name="库内措施", kind="policy", adoption=adoption))
    bau = service.create(scope, PARK, _bau())
    assert policy.assumptions["measures"][0]["id"] == "park-eff-stored"
    b, p = bau.year(2030).total_tco2e, policy.year(2030).total_tco2e
    assert b is not None and p is not None and p < b


def test_bad_assumptions_are_named_and_store_nothing(park: tuple[Engine, Any]) -> None:
    engine, api = park
    scope = system_scope(engine, "cli")
    before = (_count(engine, ScenarioRow), _count(engine, ScenarioYearRow))
    with pytest.raises(TargetBeforeBase, match="before the base year"):
        service.create(scope, PARK, _bau(target={"kind": "zero_by", "year": 2020}))
    partial = _bau(drivers={"by_enterprise": {ENT_A: {"production_growth_pct": 1.0}}})
    with pytest.raises(DriversIncomplete) as err:
        service.create(scope, PARK, partial)
    assert ENT_B in err.value.missing and ENT_A not in err.value.missing
    client = api.login("admin")
    r = client.post(f"/api/v1/parks/{PARK}/scenarios", json=_bau(target={"kind": "zero_by", "year": 2020}))
    assert r.status_code == 422 and r.json()["error"] == "TargetBeforeBase"
    r = client.post(f"/api/v1/parks/{PARK}/scenarios", json=partial)
    assert r.status_code == 422 and ENT_B in r.json()["detail"]
    r = client.post(
        f"/api/v1/parks/{PARK}/scenarios", json=_bau(adoption=[{"measure_id": "nope", "units": {"2030": 1}}])
    )
    assert r.status_code == 422 and r.json()["error"] == "UnknownMeasure"
    assert (_count(engine, ScenarioRow), _count(engine, ScenarioYearRow)) == before
    code, _, stderr = _cli(engine, "new", "--park", PARK, "--base-year", "2025", "--production-growth", "nan")
    assert code == common.EXIT_DATA_ERROR and "growth" in stderr
    assert (_count(engine, ScenarioRow), _count(engine, ScenarioYearRow)) == before


def test_changed_base_data_is_refused(park: tuple[Engine, Any]) -> None:
    engine, _ = park
    with transaction(engine) as s:  # an invoice entered after the run
        s.add(
            ActivityRecordRow(
                id="AR-late",
                park_id=PARK,
                enterprise_id=ENT_A,
                carrier="natural_gas",
                flow="combustion",
                period_start=date(2025, 3, 1),
                period_end=date(2025, 3, 31),
                quantity=100.0,
                unit="m3",
                evidence="发票 late",
                uncertainty_pct=2.0,
            )
        )
    with pytest.raises(service.BaseInputChanged, match="account the year again"):
        service.create(system_scope(engine, "cli"), PARK, _bau())


def test_api_cli_and_page_agree_on_2030(park: tuple[Engine, Any]) -> None:
    engine, api = park
    client = api.login("manager")
    r = client.post(f"/api/v1/parks/{PARK}/scenarios", json=_bau(growth=4.0))
    assert r.status_code == 201, r.text
    created = r.json()
    sid = created["id"]
    service_2030 = service.get(system_scope(engine, "cli"), sid).year(2030)
    api_2030 = next(
        y for y in client.get(f"/api/v1/parks/{PARK}/scenarios/{sid}").json()["years"] if y["year"] == 2030
    )
    assert api_2030["total_tco2e"] == service_2030.total_tco2e
    assert api_2030["core_tco2_per_tce"] == service_2030.core_tco2_per_tce
    code, stdout, stderr = _cli(engine, "show", str(sid), "--year", "2030", "--format", "json")
    assert code == 0, stderr
    cli_2030 = json.loads(stdout)["years"]
    assert [y["year"] for y in cli_2030] == [2030]
    assert cli_2030[0]["total_tco2e"] == service_2030.total_tco2e
    page = api.login("admin").get("/roadmap/scenarios", params={"ids": sid})
    assert page.status_code == 200
    cell = re.search(rf'data-scenario-year="2030">.*?data-scenario-co2="{sid}">([^<]+)<', page.text, re.S)
    assert cell is not None and cell.group(1) == num(service_2030.total_tco2e, 2)
    for lang in ("zh", "en"):  # every label from the catalogue, no float artefacts in the table
        text = api.login("admin").get("/roadmap/scenarios", params={"ids": sid, "lang": lang}).text
        body = text.split('<script type="application/json"')[0]
        assert not re.findall(r">[^<]*\bscenario_[a-z_]+", body)
        assert not re.findall(r">\s*-?[\d,]+\.\d{5,}\s*<", body)
    assert "基准情景" in page.text or "测试基准" in page.text
    # list and compare through the API
    assert [s["id"] for s in client.get(f"/api/v1/parks/{PARK}/scenarios").json()] == [sid]
    compared = client.get(f"/api/v1/parks/{PARK}/scenarios/compare", params={"ids": [sid]}).json()
    assert compared[0]["years"] == created["years"]
    code, stdout, _ = _cli(engine, "compare", str(sid), "--park", PARK, "--format", "json")
    assert code == 0 and json.loads(stdout)[0]["years"] == created["years"]
    # delete: audited, gone
    assert client.delete(f"/api/v1/parks/{PARK}/scenarios/{sid}").status_code == 204
    assert client.get(f"/api/v1/parks/{PARK}/scenarios/{sid}").status_code == 404
    with transaction(engine) as s:
        actions = [
            a
            for (a,) in s.execute(
                select(AuditLogRow.action).where(AuditLogRow.entity == service.ENTITY)
            ).all()
        ]
    assert actions == ["create", "delete"]
    assert _count(engine, ScenarioYearRow) == 0


def test_enterprise_reads_only_its_own_line_and_may_not_write(park: tuple[Engine, Any]) -> None:
    engine, api = park
    sid = service.create(system_scope(engine, "cli"), PARK, _bau()).summary.id
    ent = api.login("ent_a")
    r = ent.get(f"/api/v1/parks/{PARK}/scenarios/{sid}")
    assert r.status_code == 200
    body = r.json()
    assert body["enterprise_only"] == ENT_A and body["assumptions"] == {}
    for y in body["years"]:
        assert y["total_tco2e"] is None and y["energy_tce"] is None and y["indicators"] == {}
        assert set(y["by_enterprise"]) == {ENT_A}
    full = service.get(system_scope(engine, "cli"), sid)
    assert body["years"][5]["by_enterprise"][ENT_A] == full.years[5].by_enterprise[ENT_A]
    assert ent.post(f"/api/v1/parks/{PARK}/scenarios", json=_bau()).status_code == 403
    assert ent.delete(f"/api/v1/parks/{PARK}/scenarios/{sid}").status_code == 403
    assert api.login("verifier").post(f"/api/v1/parks/{PARK}/scenarios", json=_bau()).status_code == 403
    page = ent.get("/roadmap/scenarios")
    assert page.status_code == 200 and "data-scenario-form" not in page.text
    ent_scope = Scope(Principal(9, "ent_a", Role.ENTERPRISE, PARK, ENT_A, "session"), engine, None)
    with pytest.raises(PermissionDenied):
        service.delete(ent_scope, sid)
    assert math.isfinite(full.year(2030).total_tco2e or math.nan)


def test_default_bau_policy_and_zero_by(park: tuple[Engine, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # the library of this installation (roadmap/data/measures.csv) is stood in for by the policy
    # set's ids, so the default policy is built the way it is with the real library
    from zeropark.roadmap import measures as lib

    library = [
        service.measure_from_dict(
            {
                "id": "pv_rooftop_ci",
                "mechanism": "onsite_generation",
                "unit": "kW",
                "effect_per_unit": 1100.0,
                "source_id": "s",
                "max_share": 0.3,
            }
        ),
        service.measure_from_dict(
            {
                "id": "green_power_multiyear",
                "mechanism": "green_power",
                "unit": "MWh",
                "effect_per_unit": 1000.0,
                "source_id": "s",
            }
        ),
    ]
    monkeypatch.setattr(lib, "builtin_measures", lambda: tuple(library), raising=False)
    engine, _ = park
    scope = system_scope(engine, "cli")
    defaults = service.default_assumptions(scope, PARK, 2025)
    assert set(defaults) == {"bau", "policy"}
    base = inventory.latest_view(scope, PARK, 2025, Method.NATIONAL)
    assert base is not None
    # PV sized to 30 % of the enterprises' electricity by 2030: units = 0.3 × consumed kWh / 1 100
    pv = next(a for a in defaults["policy"]["adoption"] if a["measure_id"] == "pv_rooftop_ci")
    assert pv["units"]["2030"] == pytest.approx(
        0.3 * base.inventory.electricity["consumed_kwh"] / 1100.0, abs=1e-3
    )
    bau, policy = service.create_defaults(scope, PARK, 2025)
    assert bau.summary.kind.value == "bau" and policy.summary.kind.value == "policy"
    assert policy.year(2030).total_tco2e < bau.year(2030).total_tco2e  # type: ignore[operator]
    assert policy.assumptions["measures"][0]["id"] in {"green_power_multiyear", "pv_rooftop_ci"}
    zero = service.create(
        scope, PARK, service.simple_assumptions(scope, PARK, ScenarioKind.ZERO_BY, 2025, target_year=2050)
    )
    target = zero.summary.target
    assert target is not None and target["year"] == 2050 and target["kind"] == "zero_by"
    assert target["met"] is (zero.year(2050).total_tco2e == 0.0)


def test_the_page_creates_on_a_job_with_progress(park: tuple[Engine, Any]) -> None:
    engine, api = park
    client = api.login("manager")
    form = {
        "kind": "bau",
        "base_year": "2025",
        "horizon": "2030",
        "production_growth": "2",
        "output_growth": "4",
    }
    r = client.post("/roadmap/scenarios", data=form)
    assert r.status_code == 200, r.text
    match = re.search(r'data-job="([^"]+)"', r.text)
    assert match is not None
    redirect = None
    for _ in range(600):
        poll = client.get(f"/jobs/{match.group(1)}")
        redirect = poll.headers.get("HX-Redirect")
        if redirect or 'data-job-state="failed"' in poll.text:
            break
        time.sleep(0.05)
    assert redirect is not None and redirect.startswith("/roadmap/scenarios?ids="), poll.text
    sid = int(redirect.rsplit("=", 1)[1])
    view = service.get(system_scope(engine, "cli"), sid)
    assert [y.year for y in view.years] == list(range(2025, 2031))
    assert view.assumptions["drivers"]["default"]["production_growth_pct"] == 2.0
    # a bad assumption fails the job with the service's message; a verifier is refused
    bad = client.post("/roadmap/scenarios", data={**form, "target_year": "2020"})
    job = re.search(r'data-job="([^"]+)"', bad.text)
    assert job is not None
    for _ in range(600):
        poll = client.get(f"/jobs/{job.group(1)}")
        if 'data-job-state="failed"' in poll.text:
            break
        time.sleep(0.05)
    assert "before the base year" in poll.text
    assert api.login("verifier").post("/roadmap/scenarios", data=form).status_code == 403
