"""Logging in and out, as a park's IT department checks it (issue 12) — real SQLite and PostgreSQL.

- Logout ends the session on the server: a copy of the old cookie stops working.
- The login form is CSRF-protected (a cross-site form post cannot log a victim in).
- A throttled login says the same whether the user exists or not.
- One NAT address is not locked out by the failures of a few accounts behind it; its block is
  higher than an account's, and an admin lifts it.
"""

from __future__ import annotations

import re

import pytest
from api_support import PASSWORD, Api, make_api
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from conftest import login_form
from zeropark.services.logins import MAX_FAILED_LOGINS_PER_IP, MAX_FAILED_LOGINS_PER_USER
from zeropark.store.db import transaction
from zeropark.store.schema import UserSessionRow


@pytest.fixture
def api(engine: Engine) -> Api:
    return make_api(engine)


def _sessions(api: Api) -> int:
    with transaction(api.engine) as s:
        return int(s.scalar(select(func.count()).select_from(UserSessionRow)) or 0)


def _json_login(c: TestClient, username: str, password: str) -> int:
    return c.post("/api/v1/auth/login", json={"username": username, "password": password}).status_code


def test_logout_ends_the_session_on_the_server(api: Api) -> None:
    user = api.login("manager")
    stolen = TestClient(api.client.app)  # a copy of the cookie (another machine, a proxy log…)
    stolen.cookies.set("zp_session", user.cookies["zp_session"])
    assert stolen.get("/api/v1/users/me").json()["username"] == "manager"
    assert _sessions(api) == 1
    assert user.post("/api/v1/auth/logout").status_code == 204
    assert _sessions(api) == 0
    assert stolen.get("/api/v1/users/me").status_code == 401
    assert stolen.get("/", follow_redirects=False).headers["location"].startswith("/login")
    assert [a.user for a in api.audit_actions("logout")] == ["manager"]
    # without a session there is nothing to log out of
    assert TestClient(api.client.app).post("/api/v1/auth/logout").status_code == 401


def test_web_logout_ends_the_session_on_the_server(api: Api) -> None:
    browser = TestClient(api.client.app, follow_redirects=False)
    assert login_form(browser, "admin", PASSWORD).status_code == 303
    stolen = TestClient(api.client.app)
    stolen.cookies.set("zp_session", browser.cookies["zp_session"])
    assert stolen.get("/api/v1/users/me").status_code == 200
    r = browser.post("/logout", data={"csrf_token": browser.cookies["csrf_token"]})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert stolen.get("/api/v1/users/me").status_code == 401


def test_deactivation_ends_the_sessions(api: Api) -> None:
    victim = api.login("ent_a")
    admin = api.login("admin")
    uid = next(u["id"] for u in admin.get("/api/v1/users").json()["items"] if u["username"] == "ent_a")
    assert admin.patch(f"/api/v1/users/{uid}", json={"active": False}).status_code == 200
    assert victim.get("/api/v1/users/me").status_code == 401
    assert admin.patch(f"/api/v1/users/{uid}", json={"active": True}).status_code == 200
    assert victim.get("/api/v1/users/me").status_code == 401  # reactivation does not revive it


def test_login_form_needs_the_token_of_its_own_page(api: Api) -> None:
    attacker_site = TestClient(api.client.app, follow_redirects=False)
    form = {"username": "admin", "password": PASSWORD, "next": "/"}
    # a cross-site form post carries no token: refused before the credentials are looked at
    r = attacker_site.post("/api/v1/auth/login/form", data=form)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?error=expired")
    assert "zp_session" not in attacker_site.cookies
    # the token of another browser's page does not fit this browser's cookie
    other = TestClient(api.client.app)
    token = other.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    victim = TestClient(api.client.app, follow_redirects=False)
    victim.get("/login")
    r = victim.post("/api/v1/auth/login/form", data={**form, "csrf_token": token})
    assert r.headers["location"].startswith("/login?error=expired")
    assert "zp_session" not in victim.cookies
    assert api.audit_actions("login") == []
    # its own page's token logs in
    r = login_form(victim, "admin", PASSWORD)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert victim.get("/api/v1/users/me").json()["username"] == "admin"
    # the expired-form message is the page's, in Chinese first
    assert "登录页面已过期" in TestClient(api.client.app).get("/login?error=expired").text


def test_throttled_login_does_not_say_whether_the_user_exists(api: Api) -> None:
    c = TestClient(api.client.app)
    answers = {}
    for username in ("manager", "no-such-user"):
        refused = [
            c.post("/api/v1/auth/login", json={"username": username, "password": "wrong"}) for _ in range(5)
        ]
        assert MAX_FAILED_LOGINS_PER_USER == 5
        throttled = c.post("/api/v1/auth/login", json={"username": username, "password": "wrong"})
        answers[username] = (
            [(r.status_code, r.json()["detail"]) for r in refused],
            throttled.status_code,
            re.sub(r"\d+ min", "N min", throttled.json()["detail"]),
        )
        # the 15 min lock (LOCKOUT) less the seconds the test took, in whole minutes rounded up
        wait = int(throttled.headers["Retry-After"])
        assert 14 * 60 < wait <= 15 * 60 + 1
        assert f"try again in {-(-wait // 60)} min" in throttled.json()["detail"]
    assert answers["manager"] == answers["no-such-user"]
    refused, status, detail = answers["manager"]
    assert refused == [(401, "wrong username or password")] * 5
    assert status == 429
    assert "manager" not in detail and "no-such-user" not in detail


def test_one_nat_address_is_not_locked_out_by_a_few_accounts(api: Api) -> None:
    office = TestClient(api.client.app, client=("203.0.113.7", 40000))  # the park office's NAT address
    admin = api.login("admin")  # the admin, from elsewhere
    # three people behind the office NAT lock their own accounts (5 failures each) …
    for username in ("ent_a", "ent_b", "verifier"):
        for _ in range(MAX_FAILED_LOGINS_PER_USER):
            assert _json_login(office, username, "typo") == 401
        assert _json_login(office, username, PASSWORD) == 429
    # … and everyone else in the office still logs in (the old address-wide block at 10 did not)
    assert _json_login(office, "manager", PASSWORD) == 200
    # a guesser cycling through names reaches the address threshold (10 × an account's)
    assert MAX_FAILED_LOGINS_PER_IP == 10 * MAX_FAILED_LOGINS_PER_USER
    for i in range(MAX_FAILED_LOGINS_PER_IP - 3 * MAX_FAILED_LOGINS_PER_USER):
        assert _json_login(office, f"guess{i // 4}", "x") == 401
    assert _json_login(office, "manager", PASSWORD) == 429
    assert _json_login(TestClient(api.client.app, client=("198.51.100.9", 40000)), "manager", PASSWORD) == 200
    # only an admin lifts the block, at once; the accounts locked on their own stay locked
    manager = api.login("manager")  # from the test client's own address
    assert manager.post("/api/v1/users/unlock-address", json={"ip": "203.0.113.7"}).status_code == 403
    assert admin.post("/api/v1/users/unlock-address", json={"ip": "not-an-address"}).status_code == 422
    assert admin.post("/api/v1/users/unlock-address", json={"ip": "203.0.113.8"}).status_code == 204
    assert _json_login(office, "manager", PASSWORD) == 429  # another address was unlocked
    assert admin.post("/api/v1/users/unlock-address", json={"ip": "203.0.113.7"}).status_code == 204
    assert _json_login(office, "manager", PASSWORD) == 200
    assert _json_login(office, "ent_a", PASSWORD) == 429
    assert [a.entity_id for a in api.audit_actions("unlock_address")] == ["203.0.113.8", "203.0.113.7"]
