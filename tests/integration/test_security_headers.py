"""Security headers on every response (issue 12): pages, API answers, errors, static files, downloads."""

from __future__ import annotations

import httpx
import pytest
from api_support import Api, make_api
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from zeropark.serving.headers import CONTENT_SECURITY_POLICY, HSTS

COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


@pytest.fixture
def api(sqlite_engine: Engine) -> Api:
    return make_api(sqlite_engine)


def assert_secured(r: httpx.Response, *, https: bool = False, policy: str = CONTENT_SECURITY_POLICY) -> None:
    headers = r.headers
    for name, value in COMMON.items():
        assert headers.get(name) == value, (name, r)
    assert headers.get("content-security-policy") == policy
    # the policy forbids inline script and framing (the two things the headers are for)
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["frame-ancestors"] == "'none'"
    if policy == CONTENT_SECURITY_POLICY:
        assert directives["script-src"] == "'self'"
    assert (headers.get("strict-transport-security") == HSTS) is https


def test_every_kind_of_answer_carries_the_headers(api: Api) -> None:
    anon = TestClient(api.client.app, follow_redirects=False)
    admin = api.login("admin")
    answers = [
        anon.get("/login"),  # page
        anon.get("/"),  # redirect to the login page
        anon.get("/api/v1/health"),  # JSON
        anon.get("/api/v1/users/me"),  # 401
        anon.get("/api/v1/nothing-here"),  # 404
        anon.get("/api/v1/parks/%00"),  # refused by the NUL middleware (422)
        anon.get("/static/app.js"),  # static file
        anon.get("/api/v1/openapi.json"),
        admin.get("/api/v1/parks"),
        admin.get("/api/v1/parks/NOPE"),  # domain error 404
        admin.post("/api/v1/users/me/tokens", json={}),  # validation error 422
        admin.get("/users"),
    ]
    assert {r.status_code for r in answers} >= {200, 303, 401, 404, 422}
    for r in answers:
        assert_secured(r)


def test_hsts_only_over_https(api: Api) -> None:
    https = TestClient(api.client.app, base_url="https://testserver")
    assert_secured(https.get("/login"), https=True)
    assert_secured(https.get("/api/v1/health"), https=True)
    assert_secured(TestClient(api.client.app).get("/api/v1/health"), https=False)


def test_api_docs_page_is_served_from_this_origin_under_the_same_policy(api: Api) -> None:
    r = TestClient(api.client.app).get("/api/v1/docs")
    assert r.status_code == 200
    assert_secured(r, policy=CONTENT_SECURITY_POLICY)
    # Swagger UI from /static (npm swagger-ui-dist), never a CDN, and no inline script
    assert "http" not in r.text.replace('data-openapi-url="/api/v1/openapi.json"', "")
    assert "<script>" not in r.text and "/static/vendor/swagger-ui/swagger-ui-bundle.js" in r.text


def test_an_unhandled_error_carries_the_headers_too(api: Api) -> None:
    app = api.client.app

    def boom() -> None:
        raise RuntimeError("a bug")

    app.router.add_api_route("/api/v1/boom-for-test", boom)  # type: ignore[attr-defined]
    r = TestClient(app, raise_server_exceptions=False).get("/api/v1/boom-for-test")
    assert r.status_code == 500 and r.text == "Internal Server Error"
    assert_secured(r)
