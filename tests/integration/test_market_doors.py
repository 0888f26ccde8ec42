"""The internal market's doors agree: service, API, CLI ``--format json`` and the page show one clearing.

Intensity rule I = 0.5 tCO2 per 10⁴ CNY on value added 1000 (E-A) and 500 (E-B) → 500 and 250 t.
Orders: E-A sells 100 t at 80.00, E-B bids 60 t at 90.00 → at 80 D = 60, S = 100; at 90 D = 60,
S = 100; both volume 60; at 90 the 100 t offered below the price would not fill in full (rule 2),
at 80 the 60 t bid above it does: 80.00 CNY/t, 60 t.
"""

from __future__ import annotations

import json
from datetime import date

from api_support import ENT_A, ENT_B, PARK, invoke_cli, make_api
from sqlalchemy import Engine

from zeropark.services import market
from zeropark.store.scope import system_scope


def _cli(engine: Engine, *args: str) -> tuple[int, str, str]:
    res = invoke_cli(engine, "market", *args)
    return res.exit_code, res.stdout, res.stderr


def test_service_api_cli_and_page_agree(sqlite_engine: Engine, tmp_path: object) -> None:
    engine = sqlite_engine
    api = make_api(engine)
    manager = api.login("manager")
    base = f"/api/v1/parks/{PARK}/market"
    rule = {"method": "intensity", "intensity": 0.5, "fee_cny_per_t": 20}
    r = manager.put(f"{base}/rules/2025", json={"rule": rule, "base_year": 2025})
    assert r.status_code == 200, r.text
    assert (
        manager.put(f"{base}/rules/2025", json={"rule": {"method": "x"}}).json()["error"] == "QuotaRuleError"
    )
    code, out, err = _cli(
        engine, "quotas", "--year", "2025", "--on", "2025-07-01", "--park", PARK, "--format", "json"
    )
    assert code == 0, err
    assert json.loads(out)["quotas"] == {ENT_A: 500, ENT_B: 250}
    ent_a, ent_b = api.login("ent_a"), api.login("ent_b")
    body = {"year": 2025, "session": "Q3", "side": "sell", "price_cny": 80.0, "quantity": 100}
    assert (
        ent_a.post(f"{base}/orders", json={**body, "enterprise_id": ENT_B}).status_code == 404
    )  # not its own
    assert ent_a.post(f"{base}/orders", json={**body, "enterprise_id": ENT_A}).status_code == 201
    code, _, err = _cli(
        engine,
        "order",
        "--year",
        "2025",
        "--session",
        "Q3",
        "--enterprise",
        ENT_A,
        "--side",
        "buy",
        "--price",
        "99",
        "--quantity",
        "1",
        "--park",
        PARK,
    )
    assert code == 3 and "both buys and sells" in err  # SelfTrade, nothing stored
    r = ent_b.post(
        f"{base}/orders",
        json={**body, "enterprise_id": ENT_B, "side": "buy", "price_cny": 90.0, "quantity": 60},
    )
    assert r.status_code == 201, r.text
    assert (
        ent_a.post(f"{base}/clearings", json={"year": 2025, "session": "Q3", "on": "2025-07-02"}).status_code
        == 403
    )
    code, out, err = _cli(
        engine,
        "clear",
        "--year",
        "2025",
        "--session",
        "Q3",
        "--on",
        "2025-07-02",
        "--park",
        PARK,
        "--format",
        "json",
    )
    assert code == 0, err
    from_cli = json.loads(out)
    from_api = manager.get(f"{base}/clearings/2025/Q3").json()
    from_service = market.clearing_dict(market.clearing(system_scope(engine, "t"), PARK, 2025, "Q3"))
    assert from_cli == from_api == from_service
    assert (from_api["price_cny"], from_api["volume"]) == (80.0, 60)
    code, out, _ = _cli(
        engine, "clear", "--year", "2025", "--session", "Q3", "--show", "--park", PARK, "--format", "json"
    )
    assert code == 0 and json.loads(out) == from_api
    # fees: no national run of 2025 in this fixture → not found, on both doors
    assert manager.get(f"{base}/fees/2025").status_code == 404
    assert _cli(engine, "fees", "--year", "2025", "--park", PARK)[0] == 4
    page = manager.get("/assets", params={"year": 2025}).text
    assert 'data-market-clearing="Q3"' in page and "80.00" in page and 'data-market-quota="E-B"' in page
    # an enterprise: its own quota and orders on the page and the API
    page_a = ent_a.get("/assets", params={"year": 2025}).text
    assert 'data-market-quota="E-A"' in page_a and 'data-market-quota="E-B"' not in page_a
    assert {o["enterprise_id"] for o in ent_a.get(f"{base}/orders", params={"year": 2025}).json()} == {ENT_A}
    assert ent_a.get(f"{base}/rules/2025").json()["quotas"] == {ENT_A: 500}
    # simulation writes nothing, through the API and the CLI
    sim = manager.post(f"{base}/simulate", json={"rule": rule, "year": 2025, "base_year": 2025})
    assert sim.status_code == 404  # needs the national run of 2025 for the emissions
    path = tmp_path / "rule.yaml"  # type: ignore[operator]
    path.write_text("method: intensity\nintensity: 0.5\n", encoding="utf-8")
    assert _cli(engine, "simulate", "--year", "2025", "--file", str(path), "--park", PARK)[0] == 4
    # the continuous book on the API and the CLI: E-B's later bid at 85 meets E-A's resting offer at 80
    q4 = {**body, "session": "Q4"}
    assert ent_a.post(f"{base}/orders", json={**q4, "enterprise_id": ENT_A, "side": "sell", "price_cny": 80.0,
                                              "quantity": 10}).status_code == 201  # fmt: skip
    assert ent_b.post(f"{base}/orders", json={**q4, "enterprise_id": ENT_B, "side": "buy", "price_cny": 85.0,
                                              "quantity": 10}).status_code == 201  # fmt: skip
    assert (
        _cli(engine, "clear", "--year", "2025", "--session", "Q4", "--mode", "dutch", "--park", PARK)[0] != 0
    )
    r = manager.post(f"{base}/clearings", json={"year": 2025, "session": "Q4", "on": "2025-07-03",
                                                "mode": "continuous"})  # fmt: skip
    assert r.status_code in (200, 201), r.text
    assert (r.json()["price_cny"], r.json()["volume"], r.json()["fills"][0]["price_cny"]) == (80.0, 10, 80.0)
    code, out, _ = _cli(engine, "clear", "--year", "2025", "--session", "Q4", "--show", "--park", PARK,
                        "--format", "json")  # fmt: skip
    assert code == 0 and json.loads(out) == r.json()


def test_assets_page_with_the_market_renders_for_every_role(sqlite_engine: Engine) -> None:
    api = make_api(sqlite_engine)
    admin = system_scope(sqlite_engine, "t")
    market.set_rule(admin, PARK, 2025, {"method": "intensity", "intensity": 0.5}, base_year=2025)
    market.issue_quotas(admin, PARK, 2025, on=date(2025, 7, 1))
    market.place_order(admin, PARK, 2025, "Q1", ENT_A, "sell", 70.0, 10)
    for user in ("admin", "manager", "ent_a", "ent_b", "verifier"):
        r = api.login(user).get("/assets", params={"year": 2025})
        assert r.status_code == 200, (user, r.text[:300])
        assert "data-market" in r.text
        # the open order is E-A's: E-B does not see it
        assert ('data-market-order="1"' in r.text) is (user != "ent_b"), user
