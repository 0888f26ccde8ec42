"""Who may call what, walked from the OpenAPI document (issue 12).

- Anonymous: every ``/api/v1`` operation but login and health answers 401, whatever its body.
- A verifier (read-only but for signing off and recomputing runs) gets 403 on every write
  operation it may not call, with no body, an empty object, a body that is not JSON and a broken
  multipart upload: the role is checked before the body is read (not 422 or 400 first).

A new route is covered without editing this file; one that should be open to anonymous callers or
to verifiers must be added to the lists below, with its reason.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from api_support import Api, make_api
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from zeropark.store.db import make_engine
from zeropark.store.migrate import upgrade

#: Operations that need no principal: logging in, and the liveness check.
ANONYMOUS = {
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/login/form"),
    ("GET", "/api/v1/health"),
}
#: Writes a verifier may make: its own API tokens, signing a run off, recomputing one, logging out.
VERIFIER_WRITES = {
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/login/form"),
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/users/me/tokens"),
    ("DELETE", "/api/v1/users/me/tokens/{token_id}"),
    ("POST", "/api/v1/inventory-runs/{run_id}/sign-off"),
    ("POST", "/api/v1/inventory-runs/{run_id}/recompute"),
    # reporting out (#19): checking an upload file stores nothing (a read with a file body)
    ("POST", "/api/v1/online-monitoring/checks"),
    # verifier workspace (#16): the verifier's own steps
    ("POST", "/api/v1/parks/{park_id}/verifications"),
    ("POST", "/api/v1/parks/{park_id}/verifications/{engagement_id}/checks"),
    ("POST", "/api/v1/parks/{park_id}/verifications/{engagement_id}/findings"),
    ("POST", "/api/v1/parks/{park_id}/verifications/findings/{finding_id}/close"),
    ("POST", "/api/v1/parks/{park_id}/verifications/actions/{action_id}/steps"),
    ("POST", "/api/v1/parks/{park_id}/verifications/{engagement_id}/sign-off"),
}
#: Authenticated by a gateway's own key, not a user's session: a user gets 401 there.
GATEWAY_ONLY = {("POST", "/api/v1/readings")}

BODIES: list[tuple[str, dict[str, Any]]] = [
    ("no body", {}),
    ("empty object", {"json": {}}),
    ("not JSON", {"content": b"{", "headers": {"content-type": "application/json"}}),
    ("broken multipart", {"content": b"x", "headers": {"content-type": "multipart/form-data; boundary=zz"}}),
]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Api:
    engine: Engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('access') / 'zp.db'}")
    upgrade(engine)
    return make_api(engine)


def operations(api: Api) -> list[tuple[str, str]]:
    """Every (method, path template) of the API's OpenAPI document."""
    spec = TestClient(api.client.app).get("/api/v1/openapi.json").json()
    ops = [(m.upper(), path) for path, item in spec["paths"].items() for m in item if m != "parameters"]
    assert len(ops) > 40, ops  # the walk found the API
    return ops


def url(path: str) -> str:
    """The path with every parameter filled in (a value that is not even of the right type)."""
    return re.sub(r"{[^}]+}", "x1", path)


def test_every_api_path_but_login_and_health_requires_a_principal(api: Api) -> None:
    anon = TestClient(api.client.app, raise_server_exceptions=False)
    open_ops = []
    for method, path in operations(api):
        if (method, path) in ANONYMOUS:
            continue
        for what, body in BODIES if method != "GET" else BODIES[:1]:
            r = anon.request(method, url(path), **body)
            if r.status_code != 401:
                open_ops.append((method, path, what, r.status_code))
    assert open_ops == []
    # the two open ones answer without a principal
    assert anon.get("/api/v1/health").status_code == 200
    assert anon.post("/api/v1/auth/login", json={"username": "admin", "password": "x"}).status_code == 401


def test_optimize_tariffs_needs_a_login(api: Api) -> None:
    anon = TestClient(api.client.app)
    assert anon.get("/api/v1/optimize/tariffs").status_code == 401
    tariffs = api.login("ent_a").get("/api/v1/optimize/tariffs")
    assert tariffs.status_code == 200 and len(tariffs.json()) >= 1


def test_verifier_gets_403_before_its_body_is_read(api: Api) -> None:
    verifier = api.login("verifier")
    wrong = []
    writes = [(m, p) for m, p in operations(api) if m in {"POST", "PUT", "PATCH", "DELETE"}]
    denied_before = len(api.audit_actions("denied"))
    n_denied = 0
    for method, path in writes:
        if (method, path) in VERIFIER_WRITES | GATEWAY_ONLY:
            continue
        for what, body in BODIES:
            r = verifier.request(method, url(path), **body)
            n_denied += 1
            if r.status_code != 403:
                wrong.append((method, path, what, r.status_code, r.text[:80]))
    assert wrong == []
    assert n_denied >= 4 * 15
    # every refusal is audited
    assert len(api.audit_actions("denied")) - denied_before == n_denied


def test_verifier_still_reaches_its_own_writes(api: Api) -> None:
    verifier = api.login("verifier")
    assert verifier.post("/api/v1/users/me/tokens", json={}).status_code == 422  # its body is checked
    assert verifier.post("/api/v1/inventory-runs/999999/recompute").status_code == 404
    assert verifier.post("/api/v1/inventory-runs/999999/sign-off", json={}).status_code == 404
