"""Least-cost pathway, MACC and carbon budget on the API fixture park (SQLite and PostgreSQL).

The fixture park (api_support.build_park: E-A and E-B with 2025 electricity readings and January gas
and diesel) is planned 2025–2028 with the built-in measures library. The service, the CLI's JSON,
the API and the page must give the same figure (the plan's total cost, present value); a target
before the base year is a named error that stores nothing; an enterprise user may not see runs.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from api_support import ENT_A, PARK, build_park, invoke_cli, make_api
from sqlalchemy import Engine, func, select

from zeropark.errors import PermissionDenied
from zeropark.formatting import num
from zeropark.roadmap.pathway import TargetBeforeBaseYear
from zeropark.services import pathway as svc
from zeropark.store.db import transaction
from zeropark.store.schema import PathwayRunRow
from zeropark.store.scope import system_scope


def _cli(engine: Engine, *args: str) -> tuple[int, str, str]:
    res = invoke_cli(engine, "roadmap", *args)
    return res.exit_code, res.stdout, res.stderr


def _count(engine: Engine) -> int:
    with transaction(engine) as s:
        return int(s.scalar(select(func.count()).select_from(PathwayRunRow)) or 0)


def test_pathway_doors_agree_and_bad_targets_store_nothing(engine: Engine) -> None:
    api = make_api(engine)
    scope = system_scope(engine, "cli")
    base = svc.baseline(scope, PARK, svc.PathwayParams(base_year=2025, horizon=2028))
    # the BAU years are the accounting engine's: the base year's park total as run_views gives it
    assert base.years[0].emissions_tco2 == pytest.approx(base.base_inventory.total_tco2e, rel=1e-12)
    half = 0.5 * base.years[0].emissions_tco2
    params = svc.PathwayParams(
        base_year=2025, horizon=2028, targets=svc.targets_from(cap_tco2=half, year=2027)
    )
    run = svc.run_pathway(scope, PARK, params)
    r = run.result
    assert run.status in ("optimal", "infeasible")
    assert r["years"] == [2025, 2026, 2027, 2028] and len(r["accounted"]) == 4
    # the plan re-accounted by the engine: the base year has no measure, so it is the BAU exactly
    assert r["accounted"][0]["emissions_tco2"] == pytest.approx(base.years[0].emissions_tco2, rel=1e-9)
    if run.status == "optimal":
        assert all(e <= half * (1 + 1e-6) + 1e-6 for e in r["emissions_tco2"][2:])
    else:
        assert r["explanation"]
    stored = svc.get_run(scope, run.id)
    assert stored.params["factor_set"] and stored.params["measures"]
    again = svc.PathwayParams.from_dict(stored.params)
    assert again.targets == params.targets and again.base_year == 2025

    code, stdout, stderr = _cli(
        engine,
        "pathway",
        "--park",
        PARK,
        "--base-year",
        "2025",
        "--horizon",
        "2028",
        "--cap",
        repr(half),
        "--year",
        "2027",
        "--format",
        "json",
    )
    assert code == 0, stderr
    cli_run: dict[str, Any] = json.loads(stdout)
    client = api.login("admin")
    resp = client.post(
        f"/api/v1/parks/{PARK}/roadmap/pathway",
        json={"base_year": 2025, "horizon": 2028, "cap_tco2": half, "year": 2027},
    )
    assert resp.status_code == 201, resp.text
    cost = r["cost_cny"]["total"]
    assert cli_run["result"]["cost_cny"]["total"] == pytest.approx(cost, rel=1e-9, abs=1e-6)
    assert resp.json()["result"]["cost_cny"]["total"] == pytest.approx(cost, rel=1e-9, abs=1e-6)
    page = client.get(f"/roadmap/pathway?run={run.id}&park={PARK}")
    assert page.status_code == 200
    assert f"data-pathway-cost>{num(cost, 0)}<" in page.text

    # bad input: a target before the base year is named and nothing is stored
    before = _count(engine)
    with pytest.raises(TargetBeforeBaseYear):
        svc.run_pathway(scope, PARK, svc.PathwayParams(2025, 2028, svc.targets_from(zero_by=2020)))
    code, _, stderr = _cli(engine, "pathway", "--park", PARK, "--base-year", "2025", "--zero-by", "2020")
    assert code == 3 and "before the base year 2025" in stderr
    resp = client.post(f"/api/v1/parks/{PARK}/roadmap/pathway", json={"base_year": 2025, "zero_by": 2020})
    assert resp.status_code == 422 and "TargetBeforeBaseYear" in resp.text
    code, _, stderr = _cli(engine, "pathway", "--park", PARK, "--base-year", "2025", "--cap", "10")
    assert code == 3 and "needs the year" in stderr
    assert _count(engine) == before

    # an unreachable target is stored with its explanation in words
    out = svc.run_pathway(scope, PARK, svc.PathwayParams(2025, 2028, svc.targets_from(zero_by=2026)))
    assert out.status == "infeasible"
    assert (
        "cannot be met" in out.result["explanation"][0] and "lowest reachable" in out.result["explanation"][0]
    )

    # an enterprise user sees no park-level plan
    with pytest.raises(PermissionDenied):
        svc.list_runs(_enterprise_scope(engine), PARK)
    assert api.login("ent_a").get(f"/api/v1/parks/{PARK}/roadmap/runs").status_code == 403


def test_pathway_model_agrees_with_the_accounting_engine(engine: Engine) -> None:
    # The plan chosen by the model is re-accounted year by year by the engine (project() + run):
    # CO2 and energy agree within 1 % in every year, and the target holds by the accounted figures.
    build_park(engine)
    scope = system_scope(engine, "cli")
    base = svc.baseline(scope, PARK, svc.PathwayParams(base_year=2025, horizon=2028))
    cap = 0.8 * base.years[0].emissions_tco2
    params = svc.PathwayParams(
        base_year=2025, horizon=2028, targets=svc.targets_from(cap_tco2=cap, year=2027)
    )
    run = svc.run_pathway(scope, PARK, params)
    r = run.result
    assert run.status == "optimal", r["explanation"]
    assert r["additions"], "a 20 % cut needs measures"
    for y, lin_e, lin_t, a in zip(
        r["years"], r["emissions_tco2"], r["energy_tce"], r["accounted"], strict=True
    ):
        assert abs(a["emissions_tco2"] - lin_e) <= 0.01 * abs(a["emissions_tco2"]) + 1e-6, y
        assert abs(a["energy_tce"] - lin_t) <= 0.01 * abs(a["energy_tce"]) + 1e-6, y
    assert all(g["within_tolerance"] for g in r["gap"])
    assert r["accounted_meets_targets"] is True
    assert all(t["accounted"]["met"] for t in r["targets"])
    assert all(a["emissions_tco2"] <= cap * (1 + 1e-6) for a in r["accounted"][2:])
    assert 1 <= len(r["iterations"]) <= svc.MAX_SOLVES


def _enterprise_scope(engine: Engine) -> Any:
    from zeropark.model import Role
    from zeropark.store.scope import Principal, Scope

    return Scope(Principal(0, "ent_a", Role.ENTERPRISE, PARK, ENT_A, "system"), engine, None)


def test_macc_and_budget_through_every_door(engine: Engine) -> None:
    api = make_api(engine)
    scope = system_scope(engine, "cli")
    params = svc.PathwayParams(base_year=2025, horizon=2030, year=2030)
    m = svc.run_macc(scope, PARK, params)
    bars = m.result["bars"]
    assert bars and [b["cost_cny_per_tco2"] for b in bars] == sorted(b["cost_cny_per_tco2"] for b in bars)
    assert bars[-1]["x1"] == pytest.approx(m.result["potential_tco2"])
    client = api.login("admin")
    resp = client.post(
        f"/api/v1/parks/{PARK}/roadmap/macc", json={"base_year": 2025, "horizon": 2030, "year": 2030}
    )
    assert resp.status_code == 201
    assert [b["cost_cny_per_tco2"] for b in resp.json()["result"]["bars"]] == pytest.approx(
        [b["cost_cny_per_tco2"] for b in bars]
    )
    assert (
        client.put(f"/api/v1/parks/{PARK}/land", json={"roof_area_m2": 1000, "land_area_m2": 0}).status_code
        == 200
    )
    b = svc.run_budget(scope, PARK, svc.PathwayParams(2025, 2030, svc.targets_from(zero_by=2030)))
    inf = b.result["infrastructure"]
    # PV area = kW × 1000 / 150 W/m²; available = 1000 m² × 0.6 usable
    assert inf["pv_area_m2"] == pytest.approx(inf["pv_kw"] * 1000 / 150)
    assert b.result["land"]["available_m2"] == pytest.approx(600)
    assert b.result["land"]["suffices"] == (inf["pv_area_m2"] <= 600)
    code, stdout, stderr = _cli(
        engine,
        "budget",
        "--park",
        PARK,
        "--base-year",
        "2025",
        "--horizon",
        "2030",
        "--zero-by",
        "2030",
        "--format",
        "json",
    )
    assert code == 0, stderr
    assert json.loads(stdout)["result"]["infrastructure"]["pv_kw"] == pytest.approx(inf["pv_kw"])
    page = client.get(f"/roadmap/macc?run={m.id}&budget={b.id}&park={PARK}")
    assert page.status_code == 200 and "data-budget-cumulative" in page.text and "data-macc-bar" in page.text
