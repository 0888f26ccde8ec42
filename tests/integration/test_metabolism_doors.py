"""``zeropark roadmap metabolism``, ``GET /api/v1/parks/{id}/metabolism`` and ``/roadmap/metabolism`` agree.

The API fixture park (api_support.build_park: grid 720 kWh = E-A 240 + E-B 480 kWh on 2025-01-01,
January gas 1 000 m³ of E-A and diesel of E-B) is accounted for 2025 (national method) on SQLite
and PostgreSQL. The service's figures must be the CLI's JSON and the API's answer exactly, the
page must show them, every link must open a line item that exists, and an enterprise user must
see only its own flows.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from api_support import ENT_A, ENT_B, PARK, invoke_cli, make_api
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from zeropark.accounting import AccountingOptions
from zeropark.errors import NotFound
from zeropark.formatting import num
from zeropark.model import Method
from zeropark.services import inventory
from zeropark.services.metabolism import FlowKind, NoWaterData, item_url, metabolism
from zeropark.settings import get_settings
from zeropark.store.db import transaction
from zeropark.store.schema import MeterRow, RollupRow
from zeropark.store.scope import system_scope


@pytest.fixture
def accounted(engine: Engine) -> tuple[Engine, Any]:
    api = make_api(engine)
    inventory.account_year(
        system_scope(engine, "cli"),
        PARK,
        2025,
        AccountingOptions(method=Method.NATIONAL),
        get_settings().factor_set,
    )
    return engine, api


def _cli(engine: Engine, *args: str) -> tuple[int, str, str]:
    res = invoke_cli(engine, "roadmap", "metabolism", "--park", PARK, *args)
    return res.exit_code, res.stdout, res.stderr


def test_the_doors_agree(accounted: tuple[Engine, Any]) -> None:
    engine, api = accounted
    client: TestClient = api.login("admin")
    for kind in ("energy", "carbon"):
        service = metabolism(system_scope(engine, "cli"), PARK, 2025, FlowKind(kind))
        want = service.to_dict()
        code, stdout, stderr = _cli(engine, "--year", "2025", "--kind", kind, "--format", "json")
        assert code == 0, stderr
        assert json.loads(stdout) == want
        r = client.get(f"/api/v1/parks/{PARK}/metabolism", params={"year": 2025, "kind": kind})
        assert r.status_code == 200, r.text
        assert r.json() == want
        page = client.get("/roadmap/metabolism", params={"year": 2025, "kind": kind})
        assert page.status_code == 200, page.text
        shown = re.findall(r"data-metab-value>([-\d,\.]+)<", page.text)
        assert shown == [num(lk.value, 3) for lk in service.links]
        assert 'data-chart="ch-metab-opt"' in page.text
        # balance: every network and converter node, within rounding
        assert all(abs(v) < 1e-9 for v in service.imbalance().values())
    # energy: grid 720 kWh × 0.0001229 tce/kWh = 0.088488 tce, all metered (no loss)
    energy = metabolism(system_scope(engine, "cli"), PARK, 2025)
    grid = next(lk for lk in energy.links if lk.source == "src:grid")
    assert grid.value == pytest.approx(720 * 0.0001229, rel=1e-12)
    assert not [lk for lk in energy.links if lk.target == "loss:network"]
    # every line item a link names opens on the line-item page
    for link in energy.links:
        for ref in link.items:
            r = client.get(item_url(ref))
            assert r.status_code == 200, (item_url(ref), r.status_code)
            assert ref.line_id in r.text
    code, stdout, _ = _cli(engine, "--year", "2025")
    assert code == 0 and "外购电力" in stdout and "tce" in stdout


def _add_water(engine: Engine) -> None:
    """Water meters: the inlet 100 m³ over E-A 60 m³ and E-B 35 m³ on 2025-01-01 (5 m³ lost)."""
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    common = {"park_id": PARK, "carrier": "water", "unit": "m3", "kind": "cumulative", "multiplier": 1.0}
    with transaction(engine) as s:
        s.add(
            MeterRow(
                id="W-IN",
                enterprise_id=None,
                parent_id=None,
                name="进水总表",
                direction="import",
                level=1,
                **common,
            )
        )
        s.flush()
        for mid, ent in (("W-A", ENT_A), ("W-B", ENT_B)):
            s.add(
                MeterRow(
                    id=mid,
                    enterprise_id=ent,
                    parent_id="W-IN",
                    name=f"{ent} 水表",
                    direction="consumption",
                    level=2,
                    **common,
                )
            )
        s.flush()
        for mid, m3 in (("W-IN", 100.0), ("W-A", 60.0), ("W-B", 35.0)):
            s.add(
                RollupRow(
                    meter_id=mid,
                    bucket="day",
                    start=t0,
                    value=m3,
                    n_present=96,
                    n_expected=96,
                    n_flagged=0,
                    n_filled=0,
                )
            )


def test_water_flows_from_the_meters(accounted: tuple[Engine, Any]) -> None:
    engine, api = accounted
    client: TestClient = api.login("admin")
    with pytest.raises(NoWaterData, match="no water meter with readings in 2025"):
        metabolism(system_scope(engine, "cli"), PARK, 2025, FlowKind.WATER)
    assert _cli(engine, "--year", "2025", "--kind", "water")[0] == 4
    _add_water(engine)
    service = metabolism(system_scope(engine, "cli"), PARK, 2025, FlowKind.WATER)
    flows = {(lk.source, lk.target): lk.value for lk in service.links}
    # 100 m³ in; E-A (C26 → division 26) 60, E-B (C33 → 33) 35; loss 100 − 60 − 35 = 5 m³
    assert flows == {
        ("src:water:W-IN", "bus:water"): 100.0,
        ("bus:water", "sink:sector:26"): 60.0,
        ("bus:water", "sink:sector:33"): 35.0,
        ("bus:water", "loss:water"): pytest.approx(5.0, abs=1e-9),
    }
    code, stdout, stderr = _cli(engine, "--year", "2025", "--kind", "water", "--format", "json")
    assert code == 0, stderr
    assert json.loads(stdout) == service.to_dict()
    r = client.get(f"/api/v1/parks/{PARK}/metabolism", params={"year": 2025, "kind": "water"})
    assert r.status_code == 200 and r.json() == service.to_dict()
    page = client.get("/roadmap/metabolism", params={"year": 2025, "kind": "water"})
    assert page.status_code == 200 and 'href="/meters/W-A/readings"' in page.text
    # an enterprise user: its own meter, straight into its sink
    own = api.login("ent_a").get(f"/api/v1/parks/{PARK}/metabolism", params={"year": 2025, "kind": "water"})
    assert own.status_code == 200, own.text
    assert {(lk["source"], lk["target"], lk["value"]) for lk in own.json()["links"]} == {
        ("src:water:W-A", "sink:sector:26", 60.0)
    }


def test_errors_and_isolation(accounted: tuple[Engine, Any]) -> None:
    engine, api = accounted
    with pytest.raises(NotFound, match="zeropark account --year 2024"):
        metabolism(system_scope(engine, "cli"), PARK, 2024)
    assert _cli(engine, "--year", "2024")[0] == 4
    assert _cli(engine, "--year", "2025", "--kind", "heat")[0] == 2
    admin = api.login("admin")
    assert admin.get(f"/api/v1/parks/{PARK}/metabolism", params={"year": 2024}).status_code == 404
    r = admin.get("/roadmap/metabolism", params={"year": 2024})
    assert r.status_code == 404 and "data-metab-error" in r.text
    # an enterprise user: its own view only — its own lines, no other enterprise's
    inventory.account_year(
        system_scope(engine, "cli"),
        PARK,
        2025,
        AccountingOptions(method=Method.NATIONAL),
        get_settings().factor_set,
        enterprise_id=ENT_A,
    )
    ent = api.login("ent_a")
    r = ent.get(f"/api/v1/parks/{PARK}/metabolism", params={"year": 2025})
    assert r.status_code == 200, r.text
    body = r.json()
    views = {i["view"] for lk in body["links"] for i in lk["items"]}
    assert views == {ENT_A}
    assert "E-B" not in json.dumps(body)
