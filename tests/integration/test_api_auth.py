"""Login, sessions, CSRF, lockout, API tokens, roles — against real SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from api_support import PASSWORD, Api, make_api
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from conftest import login_form
from zeropark.app import create_app
from zeropark.services.logins import MAX_FAILED_LOGINS_PER_IP, MAX_FAILED_LOGINS_PER_USER
from zeropark.services.users import ensure_demo_users
from zeropark.settings import Settings


@pytest.fixture
def api(engine: Engine) -> Api:
    return make_api(engine)


def test_login_sets_httponly_session_and_readable_csrf_cookie(api: Api) -> None:
    r = api.client.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})
    assert r.status_code == 200
    body = r.json()
    assert body["role"] == "admin"
    cookies = r.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("zp_session="))
    csrf_cookie = next(c for c in cookies if c.startswith("csrf_token="))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
    assert "HttpOnly" not in csrf_cookie
    assert f"csrf_token={body['csrf_token']}" in csrf_cookie
    # over http the cookie is not Secure (it is when the request came over https)
    assert "Secure" not in session_cookie


def test_session_cookie_is_secure_over_https(api: Api) -> None:
    c = TestClient(api.client.app, base_url="https://testserver")
    r = c.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})
    assert all("Secure" in h for h in r.headers.get_list("set-cookie"))


def test_wrong_password_401_and_audited(api: Api) -> None:
    r = api.client.post("/api/v1/auth/login", json={"username": "admin", "password": "nope-nope"})
    assert r.status_code == 401
    assert [a.user for a in api.audit_actions("login_failed")] == ["admin"]


def test_unauthenticated_401(api: Api) -> None:
    assert TestClient(api.client.app).get("/api/v1/users/me").status_code == 401


def test_tampered_session_cookie_is_rejected(api: Api) -> None:
    c = api.login("ent_a")
    assert c.get("/api/v1/users/me").json()["username"] == "ent_a"
    c.cookies.set("zp_session", c.cookies["zp_session"][:-2] + "xx")
    assert c.get("/api/v1/users/me").status_code == 401


def test_lockout_after_five_failures_even_with_right_password(api: Api) -> None:
    c = TestClient(api.client.app)
    for _ in range(MAX_FAILED_LOGINS_PER_USER):
        assert c.post("/api/v1/auth/login", json={"username": "manager", "password": "x"}).status_code == 401
    r = c.post("/api/v1/auth/login", json={"username": "manager", "password": PASSWORD})
    assert r.status_code == 429
    assert "too many failed logins" in r.json()["detail"]
    assert int(r.headers["Retry-After"]) > 14 * 60
    # other accounts are not locked by it
    assert c.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD}).status_code == 200
    # an admin unlocks
    admin = api.login("admin")
    uid = next(u["id"] for u in admin.get("/api/v1/users").json()["items"] if u["username"] == "manager")
    assert admin.patch(f"/api/v1/users/{uid}", json={"unlock": True}).status_code == 200
    assert c.post("/api/v1/auth/login", json={"username": "manager", "password": PASSWORD}).status_code == 200


def test_ip_blocked_after_many_failures_over_many_usernames(api: Api) -> None:
    c = TestClient(api.client.app)
    for i in range(MAX_FAILED_LOGINS_PER_IP):  # different (unknown) usernames: no account lock
        assert (
            c.post("/api/v1/auth/login", json={"username": f"guess{i}", "password": "x"}).status_code == 401
        )
    r = c.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})
    assert r.status_code == 429 and "this address" in r.json()["detail"]


def test_cookie_write_needs_csrf_token(api: Api) -> None:
    c = api.login("admin")
    token = c.headers.pop("X-CSRF-Token")
    r = c.post("/api/v1/users/me/tokens", json={"name": "script"})
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    assert api.audit_actions("denied")[-1].entity == "csrf"
    r = c.post("/api/v1/users/me/tokens", json={"name": "script"}, headers={"X-CSRF-Token": "wrong"})
    assert r.status_code == 403
    r = c.post("/api/v1/users/me/tokens", json={"name": "script"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 201


def test_form_field_csrf_and_form_login(api: Api) -> None:
    c = TestClient(api.client.app, follow_redirects=False)
    r = login_form(c, "admin", "bad", "/x")
    assert r.status_code == 303 and r.headers["location"].startswith("/login?error=invalid")
    r = login_form(c, "admin", PASSWORD, "https://evil.example/")
    assert r.status_code == 303 and r.headers["location"] == "/"  # no open redirect
    csrf = c.cookies["csrf_token"]
    r = c.post("/api/v1/auth/logout", data={"csrf_token": csrf})
    assert r.status_code == 204


def test_api_token_bearer_is_csrf_exempt_and_revocable(api: Api) -> None:
    c = api.login("ent_a")
    r = c.post("/api/v1/users/me/tokens", json={"name": "nightly"})
    token = r.json()["token"]
    assert token.startswith("zp_")
    listed = c.get("/api/v1/users/me/tokens").json()
    assert "token" not in listed[0] and listed[0]["prefix"] in token
    bearer = TestClient(api.client.app, headers={"Authorization": f"Bearer {token}"})
    assert bearer.get("/api/v1/users/me").json()["username"] == "ent_a"
    # a bearer write needs no CSRF token
    assert bearer.post("/api/v1/users/me/tokens", json={"name": "second"}).status_code == 201
    assert c.delete(f"/api/v1/users/me/tokens/{r.json()['id']}").status_code == 204
    assert bearer.get("/api/v1/users/me").status_code == 401
    bad = TestClient(api.client.app, headers={"Authorization": "Bearer zp_deadbeef_nothing"})
    assert bad.get("/api/v1/users/me").status_code == 401


def test_password_change_ends_sessions(api: Api) -> None:
    victim = api.login("verifier")
    admin = api.login("admin")
    uid = next(u["id"] for u in admin.get("/api/v1/users").json()["items"] if u["username"] == "verifier")
    assert admin.patch(f"/api/v1/users/{uid}", json={"password": "a-new-password"}).status_code == 200
    assert victim.get("/api/v1/users/me").status_code == 401


def test_only_admin_manages_users_and_denials_are_audited(api: Api) -> None:
    for username in ("manager", "ent_a", "verifier", "device"):
        c = api.login(username)
        n = len(api.audit_actions("denied"))
        assert c.get("/api/v1/users").status_code == 403
        r = c.post("/api/v1/users", json={"username": "x", "password": "12345678", "role": "admin"})
        assert r.status_code == 403
        denied = api.audit_actions("denied")[n:]
        assert [d.user for d in denied] == [username, username]


def test_admin_creates_user_audited_with_after_snapshot_without_hash(api: Api) -> None:
    admin = api.login("admin")
    r = admin.post(
        "/api/v1/users",
        json={"username": "ent_a2", "password": "12345678", "role": "enterprise", "enterprise_id": "E-A"},
    )
    assert r.status_code == 201 and r.json()["park_id"] == "P1"
    rec = [a for a in api.audit_actions("create") if a.entity == "user"][-1]
    assert rec.user == "admin" and rec.after is not None and "password_hash" not in rec.after
    r = admin.post("/api/v1/users", json={"username": "ent_a3", "password": "12345678", "role": "enterprise"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "enterprise_id"


def test_audit_log_readable_by_auditors_only(api: Api) -> None:
    api.login("admin")
    for who, code in (("admin", 200), ("manager", 200), ("verifier", 200), ("ent_a", 403), ("device", 403)):
        r = api.login(who).get("/api/v1/audit?action=login&limit=2")
        assert r.status_code == code, who
        if code == 200:
            body = r.json()
            assert body["total"] >= 2 and len(body["items"]) == 2


def test_dev_secret_refused_outside_development(engine: Engine) -> None:
    with pytest.raises(ValueError, match="ZEROPARK_SECRET_KEY"):
        create_app(engine, settings=Settings(environment="production"))


def test_ensure_demo_users_logs_in_each_role(api: Api) -> None:
    users = ensure_demo_users(api.engine, "P1")
    assert sorted(r for _, _, r in users) == sorted(
        ["admin", "park_manager", "enterprise", "verifier", "device"]
    )
    again = {u: p for u, p, _ in ensure_demo_users(api.engine, "P1")}
    c = TestClient(api.client.app)
    for username, password in again.items():
        r = c.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert r.status_code == 200, username
    r = c.post(
        "/api/v1/auth/login", json={"username": "demo-enterprise", "password": again["demo-enterprise"]}
    )
    assert r.json()["enterprise_id"] == "E-A"
