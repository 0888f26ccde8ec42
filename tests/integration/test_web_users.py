"""The 用户 Users page: admins create users, disable/enable, reset passwords, unlock — both backends.

Every write is a CSRF-protected form post, hashes passwords with argon2 and leaves one audit
record with before/after (never a password hash); other roles get 403 and an audit record.
"""

from __future__ import annotations

import html
import re

import httpx
import pytest
from api_support import PASSWORD, ApiModule, api_module  # noqa: F401  (module-scoped fixture)
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import login_form
from zeropark.services.logins import MAX_FAILED_LOGINS_PER_USER
from zeropark.store.db import transaction
from zeropark.store.schema import UserRow


@pytest.fixture
def api(api_module: ApiModule) -> ApiModule:  # noqa: F811
    return api_module


def _browser(api: ApiModule, username: str, password: str = PASSWORD) -> TestClient:
    """A client logged in through the login form, like a browser (no CSRF header: forms carry it)."""
    c = TestClient(api.client.app)
    r = login_form(c, username, password)
    assert r.status_code == 303 and r.headers["location"] == "/", r.headers.get("location")
    return c


def _post(c: TestClient, path: str, **data: str) -> httpx.Response:
    return c.post(path, data={"csrf_token": c.cookies["csrf_token"], **data}, follow_redirects=False)


def _user(api: ApiModule, username: str) -> UserRow:
    with transaction(api.engine) as s:
        row = s.scalars(select(UserRow).where(UserRow.username == username)).one()
        s.expunge(row)
    return row


def _can_log_in(api: ApiModule, username: str, password: str) -> bool:
    r = TestClient(api.client.app).post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )
    return r.status_code == 200


def test_non_admins_get_403_and_are_audited(api: ApiModule) -> None:
    target = _user(api, "verifier").id
    for who in ("manager", "ent_a", "verifier"):
        c = _browser(api, who)
        n = api.audit_count("denied")
        assert c.get("/users").status_code == 403, who
        r = _post(c, "/users", username=f"x-{who}", password="long-enough-1", role="admin")
        assert r.status_code == 403, who
        assert _post(c, f"/users/{target}/unlock").status_code == 403
        assert api.audit_count("denied") == n + 3, who
        assert api.audit_actions("denied")[-1].user == who
    with transaction(api.engine) as s:
        assert s.scalars(select(UserRow).where(UserRow.username.like("x-%"))).first() is None


def test_admin_creates_users_with_csrf_argon2_and_audit(api: ApiModule) -> None:
    c = _browser(api, "admin")
    html = c.get("/users").text
    assert 'action="/users"' in html and 'name="csrf_token"' in html
    # without the CSRF token the form post is refused (and nothing is created)
    r = c.post("/users", data={"username": "new-mgr", "password": "long-enough-1", "role": "park_manager"})
    assert r.status_code == 403
    n = api.audit_count("create")
    r = _post(c, "/users", username="new-mgr", password="long-enough-1", role="park_manager", park_id="P1")
    assert r.status_code == 303 and r.headers["location"] == "/users?done=created:new-mgr"
    row = _user(api, "new-mgr")
    assert row.role == "park_manager" and row.park_id == "P1" and row.enterprise_id is None and row.active
    assert row.password_hash.startswith("$argon2id$")
    assert _can_log_in(api, "new-mgr", "long-enough-1")
    rec = api.audit_actions("create")[-1]
    assert api.audit_count("create") == n + 1
    assert rec.user == "admin" and rec.entity == "user" and rec.entity_id == str(row.id)
    assert rec.before is None and rec.after["username"] == "new-mgr" and "password_hash" not in rec.after
    # an enterprise user takes its enterprise's park, whatever park was chosen in the form
    r = _post(
        c,
        "/users",
        username="new-ent",
        password="long-enough-2",
        role="enterprise",
        enterprise_id="E-B",
        park_id="P2",
    )
    assert r.status_code == 303
    ent = _user(api, "new-ent")
    assert ent.enterprise_id == "E-B" and ent.park_id == "P1"
    # rejected forms say why and store nothing
    for bad, why in (
        ({"username": "no-ent", "password": "long-enough-3", "role": "enterprise"}, "enterprise"),
        ({"username": "short", "password": "short", "role": "verifier"}, "password"),
        ({"username": "new-mgr", "password": "long-enough-4", "role": "verifier"}, "already exists"),
    ):
        r = _post(c, "/users", **bad)
        assert r.status_code == 422, bad
        assert why in re.sub(r"\s+", " ", r.text)
    with transaction(api.engine) as s:
        assert s.scalars(select(UserRow).where(UserRow.username.in_(["no-ent", "short"]))).first() is None


def test_admin_creates_provincial_and_group_users_through_the_form(api: ApiModule) -> None:
    """省级主管 bound to a province the parks are in; 园区运营集团 to the parks ticked (P1 in 江苏, P2
    in 浙江); each refusal names what is wrong and keeps what was typed; CSRF and audit as above."""
    c = _browser(api, "admin")
    page = c.get("/users").text
    assert '<option value="province"' in page and '<option value="group"' in page
    provinces = re.findall(r'<option value="([^"]*)"[^>]*>[^<]*\(\d+ ', page)  # name (N 个园区)
    assert provinces == ["江苏", "浙江"]
    assert re.findall(r'name="parks" value="([^"]+)"', page) == ["P1", "P2"]
    # no CSRF token: refused, nothing created
    r = c.post(
        "/users",
        data={"username": "prov-js", "password": "long-enough-1", "role": "province", "province": "江苏"},
    )
    assert r.status_code == 403
    # a province no park is in is refused, naming it and the provinces that have parks
    r = _post(c, "/users", username="prov-xz", password="long-enough-1", role="province", province="西藏")
    text = re.sub(r"\s+", " ", html.unescape(r.text))
    assert r.status_code == 422 and "province '西藏' has no park" in text and "江苏, 浙江" in text
    n = api.audit_count("create")
    # the park select always sends a park: a provincial user is bound to its province only
    r = _post(
        c,
        "/users",
        username="prov-js",
        password="long-enough-1",
        role="province",
        province="江苏",
        park_id="P2",
    )
    assert r.status_code == 303 and r.headers["location"] == "/users?done=created:prov-js"
    row = _user(api, "prov-js")
    assert (row.role, row.province, row.park_id, row.enterprise_id) == ("province", "江苏", None, None)
    rec = api.audit_actions("create")[-1]
    assert rec.user == "admin" and rec.after["province"] == "江苏" and "password_hash" not in rec.after

    def post_group(name: str, parks: list[str], **extra: str) -> httpx.Response:
        data = {"csrf_token": c.cookies["csrf_token"], "username": name, "password": "long-enough-2"}
        return c.post(
            "/users", data={**data, "role": "group", "parks": parks, **extra}, follow_redirects=False
        )

    r = post_group("grp-x", ["P1", "P9"])
    assert r.status_code == 422 and "park 'P9' does not exist" in html.unescape(r.text)
    assert re.search(r'value="P1" checked', r.text) and not re.search(r'value="P2" checked', r.text)
    r = post_group("grp-x", [])
    assert r.status_code == 422 and "needs its parks" in r.text
    r = post_group("grp-x", ["P2", "P1"], province="江苏", enterprise_id="E-A")  # other roles' fields ignored
    assert r.status_code == 303, r.text
    row = _user(api, "grp-x")
    assert (row.role, row.province, row.park_id, row.enterprise_id) == ("group", None, None, None)
    rec = api.audit_actions("create")[-1]
    assert api.audit_count("create") == n + 2 and rec.after["parks"] == ["P1", "P2"]
    listing = c.get("/users").text
    assert re.search(r'data-user="grp-x".*?data-user-reads translate="no">P1, P2<', listing, re.S)
    assert re.search(r'data-user="prov-js".*?data-user-reads translate="no">江苏<', listing, re.S)
    # the new users, logged in, read exactly their parks
    for name, password, parks in (
        ("prov-js", "long-enough-1", ["P1"]),
        ("grp-x", "long-enough-2", ["P1", "P2"]),
    ):
        u = TestClient(api.client.app)
        assert u.post("/api/v1/auth/login", json={"username": name, "password": password}).status_code == 200
        assert [p["id"] for p in u.get("/api/v1/parks").json()["items"]] == parks, name


def test_admin_disables_enables_and_resets_password(api: ApiModule) -> None:
    c = _browser(api, "admin")
    assert (
        _post(c, "/users", username="worker", password="first-password", role="verifier").status_code == 303
    )
    uid = _user(api, "worker").id
    victim = _browser(api, "worker", "first-password")
    r = _post(c, f"/users/{uid}/active", active="false")
    assert r.status_code == 303
    assert not _user(api, "worker").active and not _can_log_in(api, "worker", "first-password")
    assert victim.get("/api/v1/users/me").status_code == 401  # a disabled user's session ends
    rec = api.audit_actions("update")[-1]
    assert rec.entity_id == str(uid) and rec.before["active"] is True and rec.after["active"] is False
    assert 'data-user="worker" data-active="false"' in c.get("/users").text
    assert _post(c, f"/users/{uid}/active", active="true").status_code == 303
    assert _user(api, "worker").active and _can_log_in(api, "worker", "first-password")

    before_hash = _user(api, "worker").password_hash
    assert _post(c, f"/users/{uid}/password", password="second-password").status_code == 303
    after_hash = _user(api, "worker").password_hash
    assert after_hash != before_hash and after_hash.startswith("$argon2id$")
    assert _can_log_in(api, "worker", "second-password") and not _can_log_in(api, "worker", "first-password")
    rec = api.audit_actions("update")[-1]
    assert rec.after["password_reset"] is True and "password_hash" not in rec.before | rec.after
    # too short: refused, nothing changed
    assert _post(c, f"/users/{uid}/password", password="short").status_code == 422
    assert _user(api, "worker").password_hash == after_hash
    # an admin may not disable themself; an unknown user is 404
    me = _user(api, "admin").id
    assert _post(c, f"/users/{me}/active", active="false").status_code == 403
    assert _user(api, "admin").active
    assert _post(c, "/users/999999/unlock").status_code == 404


def test_admin_unlocks_a_locked_account(api: ApiModule) -> None:
    c = _browser(api, "admin")
    assert (
        _post(c, "/users", username="clumsy", password="right-password", role="verifier").status_code == 303
    )
    for _ in range(MAX_FAILED_LOGINS_PER_USER):
        assert not _can_log_in(api, "clumsy", "wrong-password")
    locked = _user(api, "clumsy")
    assert locked.locked_until is not None and not _can_log_in(api, "clumsy", "right-password")
    html = c.get("/users").text
    assert re.search(r'data-user="clumsy" data-active="true" data-locked="true"', html)
    assert f'action="/users/{locked.id}/unlock"' in html
    assert _post(c, f"/users/{locked.id}/unlock").status_code == 303
    row = _user(api, "clumsy")
    assert row.locked_until is None and row.failed_logins == 0
    rec = api.audit_actions("update")[-1]
    assert (
        rec.entity_id == str(locked.id) and rec.before["locked_until"] and rec.after["locked_until"] is None
    )
    assert _can_log_in(api, "clumsy", "right-password")
