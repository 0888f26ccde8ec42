"""The carbon asset doors agree: API, CLI ``--format json`` and the page ``/assets`` show one ledger.

Also: a refused posting answers its named error (422) through the API and exit code 3 through the
CLI, with nothing booked; an enterprise user sees only its own accounts on every door.
"""

from __future__ import annotations

import json
import re

import openpyxl
from api_support import ENT_A, ENT_B, PARK, invoke_cli, make_api
from sqlalchemy import Engine

from zeropark.reports.excel import write_assets
from zeropark.services.reporting import report_data
from zeropark.store.scope import system_scope


def _cli(engine: Engine, *args: str) -> tuple[int, str, str]:
    res = invoke_cli(engine, "assets", *args)
    return res.exit_code, res.stdout, res.stderr


def test_api_cli_and_page_agree(sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    api = make_api(engine)
    manager = api.login("manager")
    base = f"/api/v1/parks/{PARK}/assets"
    r = manager.post(f"{base}/issue", json={"asset": "CEA:2024", "to": ENT_A, "quantity": 1000,
                                            "kind": "allocate", "on": "2025-03-01"})  # fmt: skip
    assert r.status_code == 201, r.text
    sell = ("--kind", "sell", "--price", "95.5", "--on", "2025-04-01")
    code, out, err = _cli(engine, "transfer", "CEA:2024", ENT_A, ENT_B, "300", *sell, "--park", PARK,
                          "--format", "json")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["lines"][1] == {"account": f"enterprise:{ENT_B}", "asset": "CEA:2024",
                                          "quantity": 300, "ranges": []}  # fmt: skip
    # a refused posting: named, 422, nothing booked; the CLI exits 3
    r = manager.post(f"{base}/transfer", json={"asset": "CEA:2024", "from": ENT_A, "to": ENT_B,
                                               "quantity": 701, "on": "2025-04-02"})  # fmt: skip
    assert r.status_code == 422 and r.json()["error"] == "InsufficientBalance", r.text
    code, _, err = _cli(engine, "transfer", "CEA:2024", ENT_B, ENT_B, "1", "--park", PARK)
    assert code == 3 and "to itself" in err
    from_api = manager.get(f"{base}/balances").json()
    code, out, err = _cli(engine, "balances", "--park", PARK, "--format", "json")
    assert code == 0, err
    assert json.loads(out) == from_api
    assert from_api["totals"] == {"CEA:2024": {"issued": 1000, "retired": 0, "held": 1000}}
    pos_api = manager.get(f"{base}/positions/{ENT_A}", params={"year": 2024, "verified_t": 900}).json()
    code, out, err = _cli(engine, "position", ENT_A, "--year", "2024", "--verified-t", "900", "--park", PARK,
                          "--format", "json")  # fmt: skip
    assert code == 0, err
    # remaining 900; held 700 → gap 200 t (the deadline default, [UNCERTAIN])
    assert json.loads(out) == pos_api and pos_api["gap_t"] == 200
    # the 碳资产 sheet of the workbook shows the same balances and totals
    ws = openpyxl.Workbook().create_sheet("碳资产")
    write_assets(ws, report_data(system_scope(engine, "t"), PARK, 2024).assets or {})
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=5, max_row=6, max_col=3)] == [
        [f"enterprise:{ENT_A}", "CEA:2024", 700],
        [f"enterprise:{ENT_B}", "CEA:2024", 300],
    ]
    assert [c.value for c in ws[10][:4]] == ["CEA:2024", 1000, 0, 1000]
    page = manager.get("/assets", params={"year": 2024}).text
    shown = dict(re.findall(r'data-assets-balance="([^"]+)"><td[^>]*>[^<]*</td><td[^>]*>[^<]*</td>'
                            r'<td class="num">([^<]*)</td>', page))  # fmt: skip
    assert shown == {f"enterprise:{ENT_A}|CEA:2024": "700", f"enterprise:{ENT_B}|CEA:2024": "300"}
    assert 'data-assets-position="E-A"' in page and "履约状况" in page
    # an enterprise user: its own balance only, on the API and the page; another's position is 404
    ent_a = api.login("ent_a")
    assert [b["account"] for b in ent_a.get(f"{base}/balances").json()["balances"]] == [f"enterprise:{ENT_A}"]
    # (the journal shows its own entries whole: the counterparty of its sale is part of its record)
    assert f'data-assets-balance="enterprise:{ENT_B}' not in ent_a.get("/assets", params={"year": 2024}).text
    assert ent_a.get(f"{base}/positions/{ENT_B}", params={"year": 2024, "verified_t": 1}).status_code == 404
    r = ent_a.post(f"{base}/transfer", json={"asset": "CEA:2024", "from": ENT_B, "to": ENT_A,
                                             "quantity": 1, "on": "2025-04-02"})  # fmt: skip
    assert r.status_code == 404
