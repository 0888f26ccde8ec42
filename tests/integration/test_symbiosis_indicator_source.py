"""Per guiding indicator, the park says whether its registry is complete: the run takes flows or declared.

One park (the fixture park) with the example registry (test_symbiosis_service's renaming)
and typed-in guiding data. Hand computation of the example's flows (test_symbiosis_cli):

- solid waste: steel slag 1.2 t/h × 8 760 h = 10 512 t generated, X2 1.0 t/h × 8 760 h = 8 760 t
  utilised → 8 760 / 10 512 = 83.333 %;
- waste heat: 5 GJ/h × 4 380 h = 21 900 GJ available, X1 4.5 × 4 380 = 19 710 GJ utilised → 90 %;
- water: X3 reuses 436 445.1 m³, but the fixture park has no water meter, so the fresh intake (the
  denominator's other part) is unknown: from flows the rate is missing, never the typed value.

The typed values are 500 / 1 000 t (50 %), 40 / 100 GJ (40 %) and 300 / 1 000 m³ (30 %).
"""

from __future__ import annotations

import json
import re

import pytest
from api_support import PARK, make_api
from sqlalchemy import Engine, select
from test_symbiosis_service import _cli, park_example

from zeropark.accounting import AccountingOptions
from zeropark.errors import PermissionDenied, SymbiosisError
from zeropark.evaluation.catalogue import measures
from zeropark.model import IndicatorData, Method
from zeropark.services import indicators, inventory, reporting, symbiosis
from zeropark.store import repo
from zeropark.store.db import transaction
from zeropark.store.schema import AuditLogRow
from zeropark.store.scope import Principal, Role, Scope, system_scope

DECLARED = IndicatorData(
    industrial_solid_waste_generated_t=1000.0,
    industrial_solid_waste_utilised_t=500.0,
    waste_heat_available_gj=100.0,
    waste_heat_utilised_gj=40.0,
    water_total_use_m3=1000.0,
    water_reused_m3=300.0,
)
SOLID_WASTE_FLOWS_PCT = 100.0 * 8760.0 / 10512.0  # 83.333 %
WASTE_HEAT_FLOWS_PCT = 100.0 * 19710.0 / 21900.0  # 90 %


def _rows(scope: Scope) -> dict[str, tuple[float | None, str]]:
    """The stored national run's guiding rows: value [%] and note."""
    table = indicators.indicators(scope, PARK, 2025).table
    return {
        r.code: (r.value, r.note_en)
        for r in table.rows
        if r.code in ("solid_waste_utilisation", "waste_heat_utilisation", "water_reuse")
    }


def test_the_run_takes_flows_where_the_registry_is_marked_complete(engine: Engine) -> None:
    """SQLite and PostgreSQL (the option is a JSON column of symbiosis_settings)."""
    api = make_api(engine)
    scope = system_scope(engine, "t")
    repo.put_indicator_data(engine, PARK, 2025, DECLARED)
    symbiosis.store_registry(scope, PARK, park_example(), file="example")
    # default: declared everywhere — the typed values, marked declared
    code, out, err = _cli(engine, "indicator-source", "--park", PARK, "--format", "json")
    assert code == 0, err
    assert json.loads(out) == dict.fromkeys(symbiosis.GUIDING_CODES, "declared")
    inventory.account_year(scope, PARK, 2025, AccountingOptions(), "CN-park-2025")
    rows = _rows(scope)
    assert rows["solid_waste_utilisation"][0] == pytest.approx(50.0)
    assert rows["waste_heat_utilisation"][0] == pytest.approx(40.0)
    assert rows["water_reuse"][0] == pytest.approx(30.0)
    assert all("declared value" in note for _, note in rows.values())

    # solid waste by the CLI, waste heat and water by the API (park managers only)
    code, out, err = _cli(
        engine, "indicator-source", "solid_waste_utilisation", "flows", "--park", PARK, "--format", "json"
    )
    assert code == 0, err
    assert json.loads(out)["solid_waste_utilisation"] == "flows"
    manager = api.login("manager")
    base = f"/api/v1/parks/{PARK}/symbiosis/indicator-sources"
    r = manager.put(f"{base}/waste_heat_utilisation", json={"source": "flows"})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "solid_waste_utilisation": "flows",
        "waste_heat_utilisation": "flows",
        "water_reuse": "declared",
    }
    assert api.login("ent_a").put(f"{base}/water_reuse", json={"source": "flows"}).status_code == 403
    r = manager.put(f"{base}/energy_intensity", json={"source": "flows"})
    assert r.status_code == 422 and "solid_waste_utilisation" in r.text  # names the valid codes
    assert manager.get(base).json()["waste_heat_utilisation"] == "flows"

    run = inventory.account_year(scope, PARK, 2025, AccountingOptions(), "CN-park-2025")
    assert inventory.recompute(scope, run.run.id).identical  # the choice is in the run's input
    rows = _rows(scope)
    flows = symbiosis.indicators_dict(symbiosis.guiding_indicators(scope, PARK, 2025))
    rate = {r["code"]: r["rate_pct"] for r in flows["indicators"]}
    # one number one source: the stored run's row is services.symbiosis' figure, hand-checked
    assert rows["solid_waste_utilisation"][0] == pytest.approx(rate["solid_waste_utilisation"], rel=1e-12)
    assert rows["solid_waste_utilisation"][0] == pytest.approx(SOLID_WASTE_FLOWS_PCT, rel=1e-9)
    assert rows["waste_heat_utilisation"][0] == pytest.approx(rate["waste_heat_utilisation"], rel=1e-12)
    assert rows["waste_heat_utilisation"][0] == pytest.approx(WASTE_HEAT_FLOWS_PCT, rel=1e-9)
    assert "registry and meters" in rows["solid_waste_utilisation"][1]
    assert rows["water_reuse"][0] == pytest.approx(30.0)  # still declared
    assert "declared value" in rows["water_reuse"][1]
    # the evaluation's measures and the report read the same run
    view = inventory.latest_view(scope, PARK, 2025, Method.NATIONAL)
    assert view is not None
    got = measures(view.inventory, view.indicators)
    assert got["solid_waste_utilisation"].value == pytest.approx(SOLID_WASTE_FLOWS_PCT, rel=1e-9)
    data = reporting.report_data(scope, PARK, 2025)
    assert data.symbiosis is not None
    chapter = {r["code"]: r["rate_pct"] for r in data.symbiosis.indicators}
    assert chapter["solid_waste_utilisation"] == pytest.approx(SOLID_WASTE_FLOWS_PCT, rel=1e-9)
    used = {r["code"]: r["accounting_source"] for r in data.symbiosis.indicators}
    assert used["solid_waste_utilisation"] == "flows" and used["water_reuse"] == "declared"
    assert data.national is not None and data.national.indicators is not None
    assert data.national.indicators.row("solid_waste_utilisation").value == pytest.approx(
        SOLID_WASTE_FLOWS_PCT, rel=1e-9
    )
    body = manager.get(f"/api/v1/parks/{PARK}/indicators", params={"year": 2025}).json()
    api_rows = {r["code"]: r["value"] for r in body["rows"]}
    assert api_rows["solid_waste_utilisation"] == pytest.approx(SOLID_WASTE_FLOWS_PCT, rel=1e-9)

    # water from flows: no metered fresh intake → missing, not the typed 30 %
    symbiosis.set_indicator_source(scope, PARK, "water_reuse", "flows")
    inventory.account_year(scope, PARK, 2025, AccountingOptions(), "CN-park-2025")
    assert _rows(scope)["water_reuse"][0] is None

    # audited, before and after
    with transaction(engine) as s:
        audits = [
            (a.entity_id, a.action)
            for a in s.scalars(
                select(AuditLogRow).where(AuditLogRow.entity == "symbiosis_settings").order_by(AuditLogRow.id)
            )
        ]
    assert audits[-3:] == [
        (f"{PARK}/solid_waste_utilisation", "update"),
        (f"{PARK}/waste_heat_utilisation", "update"),
        (f"{PARK}/water_reuse", "update"),
    ]


def test_the_page_shows_and_sets_the_source(sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    api = make_api(engine)
    scope = system_scope(engine, "t")
    symbiosis.store_registry(scope, PARK, park_example(), file="example")
    manager = api.login("manager")
    html = manager.get("/symbiosis").text
    assert re.findall(r'data-sym-source-of="([^"]+)" data-value="([^"]+)"', html) == [
        (c, "declared") for c in symbiosis.GUIDING_CODES
    ]
    assert "data-sym-source-set" in html
    r = manager.post(
        "/symbiosis/indicator-source",
        data={"code": "waste_heat_utilisation", "source": "flows"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert symbiosis.indicator_sources(scope, PARK)["waste_heat_utilisation"] == "flows"
    assert 'data-sym-source-of="waste_heat_utilisation" data-value="flows"' in manager.get("/symbiosis").text
    # CSRF checked: the same form without the token is refused, nothing changes
    token = manager.headers.pop("X-CSRF-Token")
    r = manager.post(
        "/symbiosis/indicator-source",
        data={"code": "waste_heat_utilisation", "source": "declared"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert symbiosis.indicator_sources(scope, PARK)["waste_heat_utilisation"] == "flows"
    manager.headers["X-CSRF-Token"] = token
    r = manager.post(
        "/symbiosis/indicator-source", data={"code": "water_reuse", "source": "both"}, follow_redirects=False
    )
    assert r.status_code == 422 and "flows or declared" in r.text
    writer = api.login("ent_a")  # a writer but no park manager: no form, and refused
    assert "data-sym-source-set" not in writer.get("/symbiosis").text
    r = writer.post(
        "/symbiosis/indicator-source",
        data={"code": "water_reuse", "source": "flows"},
        follow_redirects=False,
    )
    assert r.status_code == 403


def test_flows_refused_without_a_source_of_the_kind(sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    make_api(engine)
    scope = system_scope(engine, "t")
    with pytest.raises(SymbiosisError, match="no source of solid_waste"):
        symbiosis.set_indicator_source(scope, PARK, "solid_waste_utilisation", "flows")
    symbiosis.set_indicator_source(scope, PARK, "solid_waste_utilisation", "declared")  # always allowed
    # the settings row it created keeps no weights; the registry stored afterwards brings its own
    symbiosis.store_registry(scope, PARK, park_example() | {"weights": [5000.0, 3760.0]}, file="example")
    assert symbiosis.park_registry(scope, PARK).weights == (5000.0, 3760.0)
    enterprise = Scope(Principal(99, "t-ent", Role.ENTERPRISE, PARK, "E-A", "session"), engine, None)
    with pytest.raises(PermissionDenied):
        symbiosis.set_indicator_source(enterprise, PARK, "solid_waste_utilisation", "declared")
