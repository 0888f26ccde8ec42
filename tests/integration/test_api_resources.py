"""Parks, enterprises, meters, readings, activity records, alarms × every role, on both backends.

The fixture park (api_support.build_park): park P1 with E-A (meter M-A, 10 kWh/h), E-B (meter
M-B, 20 kWh/h) under the boundary meter M-GRID (30 kWh/h), 24 hourly readings each on 2025-01-01,
activity records AR-A1 (E-A) and AR-B1 (E-B), one open alarm per enterprise; a second park P2.
"""

from __future__ import annotations

import pytest
from api_support import ApiModule, api_module  # noqa: F401  (module-scoped fixture)
from fastapi.testclient import TestClient


@pytest.fixture
def api(api_module: ApiModule) -> ApiModule:  # noqa: F811
    return api_module


@pytest.fixture
def clients(api_module: ApiModule) -> dict[str, TestClient]:  # noqa: F811
    return api_module.clients


def _ids(page: dict) -> list[str]:
    return [str(i["id"]) for i in page["items"]]


def test_read_matrix_and_tenant_filtering(api: ApiModule, clients: dict[str, TestClient]) -> None:
    for user in ("admin", "manager", "verifier"):
        c = clients[user]
        assert {"E-A", "E-B"} <= set(_ids(c.get("/api/v1/parks/P1/enterprises").json())), user
        assert _ids(c.get("/api/v1/parks/P1/meters").json()) == ["M-A", "M-B", "M-GRID"], user
        assert {"AR-A1", "AR-B1"} <= set(_ids(c.get("/api/v1/parks/P1/activity-records").json())), user
        assert c.get("/api/v1/parks/P1/alarms").json()["total"] == 2, user
    # admin sees both parks, the park-bound manager only its own
    assert {"P1", "P2"} <= set(_ids(clients["admin"].get("/api/v1/parks").json()))
    assert _ids(clients["manager"].get("/api/v1/parks").json()) == ["P1"]
    # the enterprise user sees only its own enterprise everywhere
    a = clients["ent_a"]
    assert _ids(a.get("/api/v1/parks").json()) == ["P1"]
    assert _ids(a.get("/api/v1/parks/P1/enterprises").json()) == ["E-A"]
    assert _ids(a.get("/api/v1/parks/P1/meters").json()) == ["M-A"]
    assert {r["enterprise_id"] for r in a.get("/api/v1/parks/P1/activity-records").json()["items"]} == {"E-A"}
    assert [al["enterprise_id"] for al in a.get("/api/v1/parks/P1/alarms").json()["items"]] == ["E-A"]
    # asking for another enterprise's rows by filter yields nothing, not them
    assert a.get("/api/v1/parks/P1/meters?enterprise_id=E-B").json()["total"] == 0
    tree = a.get("/api/v1/parks/P1/meter-tree").json()
    assert [n["id"] for n in tree] == ["M-A"]  # boundary meter M-GRID is hidden, M-A becomes a root
    # device users are ingest-only
    for path in ("/api/v1/parks", "/api/v1/parks/P1/meters", "/api/v1/meters/M-A/readings"):
        assert clients["device"].get(path).status_code == 403


def test_meter_tree_nests_children(clients: dict[str, TestClient]) -> None:
    tree = clients["manager"].get("/api/v1/parks/P1/meter-tree").json()
    assert [n["id"] for n in tree] == ["M-GRID"]
    assert [ch["id"] for ch in tree[0]["children"]] == ["M-A", "M-B"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/enterprises/E-B",
        "/api/v1/meters/M-B",
        "/api/v1/meters/M-GRID",
        "/api/v1/meters/M-B/readings",
        "/api/v1/meters/M-B/rollups?bucket=day",
        "/api/v1/activity-records/AR-B1",
        "/api/v1/parks/P2",
        "/api/v1/parks/P2/meters",
    ],
)
def test_cross_tenant_reads_are_404_and_audited(
    api: ApiModule, clients: dict[str, TestClient], path: str
) -> None:
    n = api.audit_count("denied")
    r = clients["ent_a"].get(path)
    assert r.status_code == 404, r.text
    denied = api.audit_actions("denied")
    assert len(denied) == n + 1 and denied[-1].user == "ent_a" and denied[-1].role == "enterprise"


def test_cross_tenant_writes_are_404_and_audited(api: ApiModule, clients: dict[str, TestClient]) -> None:
    a = clients["ent_a"]
    n = api.audit_count("denied")
    assert a.patch("/api/v1/activity-records/AR-B1", json={"quantity": 1}).status_code == 404
    assert a.delete("/api/v1/activity-records/AR-B1").status_code == 404
    alarm_b = next(
        x["id"]
        for x in clients["admin"].get("/api/v1/parks/P1/alarms").json()["items"]
        if x["enterprise_id"] == "E-B"
    )
    assert a.post(f"/api/v1/alarms/{alarm_b}/acknowledge").status_code == 404
    body = {
        "enterprise_id": "E-B",
        "carrier": "diesel",
        "flow": "combustion",
        "period_start": "2025-02-01",
        "period_end": "2025-02-28",
        "quantity": 1,
        "unit": "t",
    }
    assert a.post("/api/v1/parks/P1/activity-records", json=body).status_code == 404
    assert api.audit_count("denied") == n + 4
    # nothing changed
    b1 = clients["admin"].get("/api/v1/activity-records/AR-B1").json()
    assert b1["quantity"] == 2.0


def test_readings_and_rollups_time_range_pagination(clients: dict[str, TestClient]) -> None:
    c = clients["ent_a"]
    page = c.get(
        "/api/v1/meters/M-A/readings",
        params={"start": "2025-01-01T02:00:00Z", "end": "2025-01-01T08:00:00+00:00", "limit": 4},
    ).json()
    # [02:00, 08:00) holds 6 hourly readings; a page of 4
    assert page["total"] == 6 and len(page["items"]) == 4
    assert page["items"][0]["ts"].startswith("2025-01-01T02:00")
    page2 = c.get(
        "/api/v1/meters/M-A/readings",
        params={"start": "2025-01-01T02:00:00Z", "end": "2025-01-01T08:00:00Z", "limit": 4, "offset": 4},
    ).json()
    assert len(page2["items"]) == 2 and page2["items"][-1]["ts"].startswith("2025-01-01T07:00")
    r = c.get("/api/v1/meters/M-A/rollups?bucket=day").json()
    # 24 h × 10 kWh = 240 kWh, 24 of 24 intervals present
    assert r["items"][0]["value"] == 240.0 and r["items"][0]["completeness"] == 1.0
    bad = c.get(
        "/api/v1/meters/M-A/readings", params={"start": "2025-01-02T00:00:00Z", "end": "2025-01-01T00:00:00Z"}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "end"
    naive = c.get("/api/v1/meters/M-A/readings", params={"start": "2025-01-01T00:00:00"})
    assert naive.status_code == 422 and "offset" in naive.json()["detail"]


def test_activity_crud_roles_and_audit(api: ApiModule, clients: dict[str, TestClient]) -> None:
    body = {
        "carrier": "natural_gas",
        "flow": "combustion",
        "period_start": "2025-02-01",
        "period_end": "2025-02-28",
        "quantity": 500,
        "unit": "m3",
        "evidence": "发票 A-002",
    }
    # enterprise user: created for its own enterprise automatically
    r = clients["ent_a"].post("/api/v1/parks/P1/activity-records", json=body)
    assert r.status_code == 201, r.text
    rec = r.json()
    assert rec["enterprise_id"] == "E-A"
    created = api.audit_actions("create")[-1]
    assert (
        created.entity == "activity_record" and created.user == "ent_a" and created.after["quantity"] == 500
    )
    # verifier and device may not write
    assert clients["verifier"].post("/api/v1/parks/P1/activity-records", json=body).status_code == 403
    assert clients["device"].post("/api/v1/parks/P1/activity-records", json=body).status_code == 403
    assert (
        clients["verifier"].patch(f"/api/v1/activity-records/{rec['id']}", json={"quantity": 1}).status_code
        == 403
    )
    # manager updates; before/after recorded
    r = clients["manager"].patch(f"/api/v1/activity-records/{rec['id']}", json={"quantity": 600})
    assert r.status_code == 200 and r.json()["quantity"] == 600
    upd = api.audit_actions("update")[-1]
    assert upd.before["quantity"] == 500 and upd.after["quantity"] == 600 and upd.user == "manager"
    # a unit that does not convert to m³ is refused
    r = clients["manager"].patch(f"/api/v1/activity-records/{rec['id']}", json={"unit": "kWh"})
    assert r.status_code == 422 and "kWh" in r.json()["detail"]
    r = clients["manager"].patch(f"/api/v1/activity-records/{rec['id']}", json={"period_end": "2025-01-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "period_end"
    # delete: the audit log keeps the last values
    assert clients["ent_a"].delete(f"/api/v1/activity-records/{rec['id']}").status_code == 204
    deleted = api.audit_actions("delete")[-1]
    assert deleted.before["quantity"] == 600
    assert clients["admin"].get(f"/api/v1/activity-records/{rec['id']}").status_code == 404
    # duplicate id → 422 naming it
    dup = clients["manager"].post(
        "/api/v1/parks/P1/activity-records", json={**body, "id": "AR-A1", "enterprise_id": "E-A"}
    )
    assert dup.status_code == 422 and "AR-A1" in dup.json()["detail"]


def test_alarm_acknowledge_close(api: ApiModule, clients: dict[str, TestClient]) -> None:
    mine = clients["ent_a"].get("/api/v1/parks/P1/alarms?state=open").json()["items"][0]
    r = clients["ent_a"].post(f"/api/v1/alarms/{mine['id']}/acknowledge")
    assert (
        r.status_code == 200
        and r.json()["state"] == "acknowledged"
        and r.json()["acknowledged_by"] == "ent_a"
    )
    assert clients["ent_a"].post(f"/api/v1/alarms/{mine['id']}/acknowledge").status_code == 422
    assert clients["verifier"].post(f"/api/v1/alarms/{mine['id']}/close").status_code == 403
    r = clients["manager"].post(f"/api/v1/alarms/{mine['id']}/close")
    assert r.status_code == 200 and r.json()["state"] == "closed"
    assert clients["manager"].post(f"/api/v1/alarms/{mine['id']}/close").status_code == 422
    assert [a.entity for a in api.audit_actions("update")[-2:]] == ["alarm", "alarm"]


def test_master_data_writes_need_manager(api: ApiModule, clients: dict[str, TestClient]) -> None:
    ent = {"id": "E-C", "name": "丙公司", "uscc": "91320000000000003C", "industry_code": "C30"}
    for user in ("ent_a", "verifier", "device"):
        assert clients[user].post("/api/v1/parks/P1/enterprises", json=ent).status_code in (403, 404), user
    r = clients["manager"].post("/api/v1/parks/P1/enterprises", json=ent)
    assert r.status_code == 201
    again = clients["manager"].post("/api/v1/parks/P1/enterprises", json={**ent, "id": "E-D"})
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "uscc"
    r = clients["manager"].patch("/api/v1/enterprises/E-C", json={"value_added_10k_cny": 250.5})
    assert r.status_code == 200 and r.json()["value_added_10k_cny"] == 250.5
    assert (
        clients["manager"].post("/api/v1/parks/P1/zones", json={"id": "Z2", "name": "二区"}).status_code
        == 201
    )
    assert (
        clients["manager"]
        .post(
            "/api/v1/parks",
            json={
                "id": "P3",
                "name": "x",
                "province": "江苏",
                "grid_region": "华东",
                "latitude": 1,
                "longitude": 1,
            },
        )
        .status_code
        == 403
    )
    assert (
        clients["admin"]
        .post(
            "/api/v1/parks",
            json={
                "id": "P3",
                "name": "x",
                "province": "江苏",
                "grid_region": "华东",
                "latitude": 1,
                "longitude": 1,
            },
        )
        .status_code
        == 201
    )
    assert {a.entity for a in api.audit_actions("create")} >= {"enterprise", "zone", "park"}


def test_openapi_documents_every_router(api: ApiModule) -> None:
    spec = api.client.get("/api/v1/openapi.json").json()
    assert "零碳园区" in spec["info"]["title"]
    paths = set(spec["paths"])
    for p in (
        "/api/v1/auth/login",
        "/api/v1/parks/{park_id}/meters",
        "/api/v1/meters/{meter_id}/readings",
        "/api/v1/parks/{park_id}/activity-records",
        "/api/v1/alarms/{alarm_id}/acknowledge",
        "/api/v1/audit",
        "/api/v1/users/me/tokens",
    ):
        assert p in paths, p


def test_domain_errors_map_to_json_bodies(clients: dict[str, TestClient]) -> None:
    r = clients["admin"].get("/api/v1/meters/NOPE")
    assert r.status_code == 404 and r.json() == {"error": "NotFound", "detail": "meter 'NOPE' not found"}


def test_nul_and_huge_values_are_422_not_500(clients: dict[str, TestClient]) -> None:
    admin = clients["admin"]
    assert admin.get("/api/v1/meters/M%00A").status_code == 422
    assert admin.get("/api/v1/parks/P1/meters?enterprise_id=%00").status_code == 422
    r = admin.post("/api/v1/auth/login", json={"username": "a\u0000b", "password": "x"})
    assert r.status_code in (401, 422)
    assert admin.get(f"/api/v1/alarms/{2**70}").status_code in (404, 422)
