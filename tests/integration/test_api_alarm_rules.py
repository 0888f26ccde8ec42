"""Alarm rules and channels over the API × roles, and the same rules on the web page (one source).

Fixture park (api_support.build_park): E-A owns meter M-A, E-B owns M-B, M-GRID is the park's.
"""

from __future__ import annotations

import re

from api_support import ApiModule, api_module  # noqa: F401  (module-scoped fixture)

KEY = "api-test-key-7c1d2e"


def test_rules_and_channels_over_the_api_agree_with_the_page(api_module: ApiModule) -> None:  # noqa: F811
    c = api_module.clients
    # 企业A: its own meter only
    made = c["ent_a"].post(
        "/api/v1/parks/P1/alarm-rules",
        json={
            "meter_id": "M-A",
            "kind": "threshold",
            "params": {"bucket": "hour", "max": 12},
            "name": "A 超限",
        },
    )
    assert made.status_code == 201, made.text
    rule = made.json()
    assert rule["enterprise_id"] == "E-A" and rule["params"] == {"bucket": "hour", "max": 12.0}
    assert (
        c["ent_a"]
        .post(
            "/api/v1/parks/P1/alarm-rules",
            json={"meter_id": "M-B", "kind": "threshold", "params": {"max": 1}},
        )
        .status_code
        == 404
    )
    bad = c["manager"].post(
        "/api/v1/parks/P1/alarm-rules",
        json={"meter_id": "M-GRID", "kind": "rate_of_change", "params": {"max_change_pct": "x"}},
    )
    assert bad.status_code == 422 and "max_change_pct" in bad.text
    assert (
        c["verifier"]
        .post(
            "/api/v1/parks/P1/alarm-rules",
            json={"meter_id": "M-A", "kind": "threshold", "params": {"max": 1}},
        )
        .status_code
        == 403
    )
    grid = c["manager"].post(
        "/api/v1/parks/P1/alarm-rules",
        json={
            "meter_id": "M-GRID",
            "kind": "missing_data",
            "params": {"intervals": 4},
            "severity": "critical",
        },
    )
    assert grid.status_code == 201, grid.text
    # who sees what
    ids = {
        u: [r["id"] for r in c[u].get("/api/v1/parks/P1/alarm-rules").json()]
        for u in ("manager", "ent_a", "verifier")
    }
    assert rule["id"] in ids["manager"] and grid.json()["id"] in ids["manager"]
    assert ids["ent_a"] == [rule["id"]]
    assert ids["verifier"] == ids["manager"]
    # the page shows the same rules as the API, for each user
    for user in ("manager", "ent_a"):
        html = c[user].get("/alarms/rules").text
        assert [int(x) for x in re.findall(r'data-rule="(\d+)"', html)] == ids[user]
    # replace and delete, audited
    changed = c["ent_a"].put(
        f"/api/v1/parks/P1/alarm-rules/{rule['id']}",
        json={"meter_id": "M-A", "kind": "threshold", "params": {"bucket": "hour", "max": 15}},
    )
    assert changed.status_code == 200 and changed.json()["params"]["max"] == 15.0
    assert c["ent_a"].delete(f"/api/v1/alarm-rules/{grid.json()['id']}").status_code == 404
    assert c["manager"].delete(f"/api/v1/alarm-rules/{grid.json()['id']}").status_code == 204
    # channels: the key goes in, never comes out
    ch = c["ent_a"].post(
        "/api/v1/parks/P1/alarm-channels",
        json={
            "kind": "wecom",
            "name": "甲值班",
            "target": f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}",
        },
    )
    assert ch.status_code == 201, ch.text
    assert KEY not in ch.text and ch.json()["target_masked"].endswith("key=ap****2e")
    listed = c["ent_a"].get("/api/v1/parks/P1/alarm-channels")
    assert KEY not in listed.text and [x["id"] for x in listed.json()] == [ch.json()["id"]]
    assert KEY not in c["ent_a"].get("/alarms/rules").text
    assert c["manager"].get("/api/v1/parks/P1/alarm-channels").json()[0]["enterprise_id"] == "E-A"
