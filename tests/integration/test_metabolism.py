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
from typing import Any

import pytest
from api_support import ENT_A, PARK, make_api
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from zeropark.accounting import AccountingOptions
from zeropark.cli import app as cli
from zeropark.commands import common
from zeropark.errors import NotFound
from zeropark.formatting import num
from zeropark.model import Method
from zeropark.services import inventory
from zeropark.services.metabolism import FlowKind, item_url, metabolism
from zeropark.settings import get_settings
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
    mp = pytest.MonkeyPatch()
    mp.setenv("ZEROPARK_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    common.engine.cache_clear()
    try:
        res = CliRunner().invoke(cli, ["roadmap", "metabolism", "--park", PARK, *args])
    finally:
        mp.undo()
        get_settings.cache_clear()
        common.engine.cache_clear()
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
