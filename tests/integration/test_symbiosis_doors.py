"""The symbiosis doors agree: API, CLI ``--format json`` and the service give one match, one indicator set.

Also: an enterprise user registers its own sources through the API (not another's: 403), a write to
an unknown park is 404, a refused entry 422 with its named error.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from api_support import ENT_A, ENT_B, PARK, make_api
from sqlalchemy import Engine
from test_symbiosis_service import _cli, park_example

from zeropark.services import symbiosis
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
