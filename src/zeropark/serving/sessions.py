"""Sessions (会话): who is asking — the session cookie, CSRF, API tokens; the login form's token.

Shared by the HTTP API (:mod:`zeropark.api`) and the web pages (:mod:`zeropark.web`), which
never import each other. Checking credentials, throttling and the session rows are the login use
case (:mod:`zeropark.services.logins`); this module reads and writes the cookies.

Policy
------
- Browsers hold a signed session cookie (itsdangerous, key ``ZEROPARK_SECRET_KEY``): HttpOnly,
  SameSite=Lax, Secure when the request came over https, valid 12 h. It carries the key of a
  server-side session (``user_session``, only the key's SHA-256 is stored): logout deletes the
  row, so the old cookie stops working. The development secret is refused outside
  ``ZEROPARK_ENVIRONMENT=development`` (:meth:`Settings.check_production`).
- CSRF (double submit): login also sets a JS-readable ``csrf_token`` cookie whose value is bound
  into the signed session. A cookie-authenticated unsafe request (POST/PUT/PATCH/DELETE) must echo
  it in the ``X-CSRF-Token`` header or a ``csrf_token`` form field, else 403. Requests with
  ``Authorization: Bearer zp_…`` carry no ambient credential and are exempt.
- Login CSRF: the login page sets a random ``zp_login`` cookie and puts a signed copy of it in
  the form (``csrf_token``); the form post is refused unless both match (a foreign site cannot log
  a victim into the attacker's account). The JSON login needs ``Content-Type: application/json``,
  which a cross-site form cannot send without a CORS preflight (none is allowed).
- Principal cache: a verified session's user (id, role, park, enterprise) is kept per process for
  ``PRINCIPAL_TTL_S`` (5 s) so a request needs no database round trip to authenticate. Any change of a
  user or a session committed through the ORM in this process (role, activation, password, tenant,
  lockout, deletion, logout) drops every cached principal at commit; a change made by another worker
  or process (the other uvicorn workers, the CLI) takes effect there within ``PRINCIPAL_TTL_S``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response, status
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from zeropark.security import token_prefix, verify_password
from zeropark.services import logins
from zeropark.services.logins import SESSION_TTL
from zeropark.serving.caching import TokenCache, TtlCache
from zeropark.store import audit
from zeropark.store.changes import USER_TOPIC
from zeropark.store.queries import sessions as session_reads
from zeropark.store.scope import Principal

SESSION_COOKIE = "zp_session"
CSRF_COOKIE = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FORM_FIELD = "csrf_token"
#: The login page's own CSRF cookie (a random nonce; the form carries a signed copy).
LOGIN_COOKIE = "zp_login"
#: How long a login form stays usable.
LOGIN_FORM_MAX_AGE_S = 2 * 3600
SESSION_MAX_AGE_S = int(SESSION_TTL.total_seconds())
TOKEN_PREFIX = "zp_"

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


# --------------------------------------------------------------------------------------------
# The authenticated principal
# --------------------------------------------------------------------------------------------


def client_ip(request: Request) -> str | None:
    """The client address of ``request`` (as the ASGI server reports it)."""
    return request.client.host if request.client else None


_SERIALIZERS: dict[str, URLSafeTimedSerializer] = {}


def _serializer(request: Request) -> URLSafeTimedSerializer:
    """The session cookie serializer of the app's secret (built once per secret, not per request)."""
    secret: str = request.app.state.secret_key
    ser = _SERIALIZERS.get(secret)
    if ser is None:
        ser = _SERIALIZERS[secret] = URLSafeTimedSerializer(secret, salt="zeropark.session")
    return ser


def _token_principal(request: Request, token: str) -> Principal:
    """The principal of a bearer API token (database; run in the thread pool); 401 if unusable.

    A verified token is remembered per process (its argon2 check is slow on purpose); the token
    and its user are still read on every request, so a revocation or deactivation counts at once.
    """
    engine: Engine = request.app.state.engine
    cache = _caches(request).tokens
    hit = cache.get(token)
    principal: Principal | None = None
    if hit is not None:
        principal = session_reads.token_principal(engine, hit[1])
    else:
        prefix = token_prefix(token)
        for candidate in session_reads.token_candidates(engine, prefix) if prefix else []:
            if verify_password(candidate.token_hash, token):
                cache.put(token, candidate.user_id, candidate.token_id)
                principal = session_reads.token_principal(engine, candidate.token_id)
                break
    if principal is None:
        unauthorized("API token unknown, revoked or its user inactive; create one at /api/v1/users/me/tokens")
    assert principal is not None
    return principal


def _session_payload(request: Request) -> dict[str, Any] | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer(request).loads(raw, max_age=SESSION_MAX_AGE_S)
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


async def _submitted_csrf(request: Request) -> str | None:
    """The CSRF token the client echoed (header, or form field of a form post)."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.method in SAFE_METHODS:
        return None
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        try:
            form = await request.form()
        except StarletteHTTPException:  # a form that does not parse carries no token (CSRF: 403)
            return None
        value = form.get(CSRF_FORM_FIELD)
        return value if isinstance(value, str) else None
    return None


def unauthorized(detail: str = "not authenticated; log in or send 'Authorization: Bearer zp_…'") -> None:
    """Raise 401 with a ``WWW-Authenticate: Bearer`` challenge."""
    raise HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


async def _load_principal(request: Request) -> Principal | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return await run_in_threadpool(_token_principal, request, auth[7:].strip())
    payload = _session_payload(request)
    if payload is None:
        return None
    session_key = payload.get("s")
    if not isinstance(session_key, str):
        return None
    hashed = logins.key_hash(session_key)
    cache = _caches(request).principals
    principal = cache.get(hashed)
    if principal is None:
        generation = cache.generation()
        principal = await run_in_threadpool(
            session_reads.session_principal, request.app.state.engine, hashed, datetime.now(UTC)
        )
        if principal is None:
            return None
        cache.put(hashed, principal, generation)
    if request.method not in SAFE_METHODS:
        expected = payload.get("c")
        cookie = request.cookies.get(CSRF_COOKIE)
        submitted_csrf = await _submitted_csrf(request)
        if not (
            isinstance(expected, str)
            and submitted_csrf
            and secrets.compare_digest(submitted_csrf, expected)
            and cookie is not None
            and secrets.compare_digest(cookie, expected)
        ):
            await run_in_threadpool(
                audit.record_denied,
                request.app.state.engine,
                user=principal.username,
                role=principal.role,
                entity="csrf",
                entity_id=request.url.path,
                reason="CSRF token missing or wrong",
                ip=client_ip(request),
            )
            raise HTTPException(
                status_code=status.HTTP_403_FORBIDDEN,
                detail=f"CSRF check failed: send the '{CSRF_COOKIE}' cookie value in the "
                f"'{CSRF_HEADER}' header or a '{CSRF_FORM_FIELD}' form field",
            )
    return principal


_PRINCIPAL_KEY = "zeropark.principal"


async def request_principal(request: Request) -> Principal | None:
    """The request's logged-in user or None, resolved once per request (kept in the ASGI scope).

    A session cookie is verified in the event loop; its user comes from the per-process
    :class:`PrincipalCache` or one indexed query in the thread pool (no ORM session is held).
    Unsafe methods are CSRF-checked here (403 + audit).
    """
    if _PRINCIPAL_KEY in request.scope:
        cached: Principal | None = request.scope[_PRINCIPAL_KEY]
        return cached
    principal = await _load_principal(request)
    request.scope[_PRINCIPAL_KEY] = principal
    return principal


async def optional_user(request: Request) -> Principal | None:
    """The logged-in user, or None (web pages use this to redirect to the login page)."""
    return await request_principal(request)


async def current_user(principal: Annotated[Principal | None, Depends(optional_user)]) -> Principal:
    """The logged-in user; 401 when there is none."""
    if principal is None:
        unauthorized()
    assert principal is not None
    return principal


OptionalUser = Annotated[Principal | None, Depends(optional_user)]
CurrentUser = Annotated[Principal, Depends(current_user)]


#: Seconds a verified session principal is reused by a worker without asking the database.
PRINCIPAL_TTL_S = 5.0


@dataclass(slots=True)
class SessionCaches:
    """Verified API tokens and session principals of this process (``app.state.sessions``)."""

    tokens: TokenCache = field(default_factory=TokenCache)
    principals: TtlCache[str, Principal] = field(
        default_factory=lambda: TtlCache(USER_TOPIC, PRINCIPAL_TTL_S)
    )


def _caches(request: Request) -> SessionCaches:
    found: SessionCaches = request.app.state.sessions
    return found


def forget_tokens(request: Request) -> None:
    """Forget every verified API token of this process (after a revocation)."""
    _caches(request).tokens.clear()


def start_session(request: Request, response: Response, login: logins.Login) -> str:
    """Set the signed session cookie and the CSRF cookie on ``response``; return the CSRF token."""
    csrf = secrets.token_urlsafe(24)
    cookie = _serializer(request).dumps({"s": login.session_key, "c": csrf})
    secure = request.url.scheme == "https"
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=SESSION_MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
    response.set_cookie(
        CSRF_COOKIE, csrf, max_age=SESSION_MAX_AGE_S, httponly=False, samesite="lax", secure=secure, path="/"
    )
    response.delete_cookie(LOGIN_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")
    return csrf


def end_session(request: Request, response: Response, user: Principal) -> None:
    """End the request's session on the server (audited ``logout``) and delete its cookies.

    Call it from a synchronous route (it writes to the database). The old cookie stops working
    in this process at once and in the other workers within ``PRINCIPAL_TTL_S``.
    """
    payload = _session_payload(request)
    session_key = payload.get("s") if payload else None
    if isinstance(session_key, str):
        logins.log_out(request.app.state.engine, session_key, user, client_ip(request))
    secure = request.url.scheme == "https"
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")
    response.delete_cookie(CSRF_COOKIE, path="/", secure=secure, samesite="lax")


def _login_serializer(request: Request) -> URLSafeTimedSerializer:
    secret: str = request.app.state.secret_key
    return URLSafeTimedSerializer(secret, salt="zeropark.login-form")


def login_form_token(request: Request) -> tuple[str, str]:
    """A new login form CSRF pair: the nonce for the ``zp_login`` cookie, the signed token for the form.

    Set the cookie with :func:`set_login_cookie` on the response that carries the form.
    """
    nonce = secrets.token_urlsafe(24)
    return nonce, _login_serializer(request).dumps(nonce)


def set_login_cookie(request: Request, response: Response, nonce: str) -> None:
    """Set the ``zp_login`` cookie the login form's token is bound to."""
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=LOGIN_FORM_MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def login_form_ok(request: Request, token: str | None) -> bool:
    """Whether a login form post carries the token of this browser's login page (not expired)."""
    nonce = request.cookies.get(LOGIN_COOKIE)
    if not token or not nonce:
        return False
    try:
        signed = _login_serializer(request).loads(token, max_age=LOGIN_FORM_MAX_AGE_S)
    except BadSignature:
        return False
    return isinstance(signed, str) and secrets.compare_digest(signed, nonce)


def safe_next(next_url: str | None) -> str:
    """Only same-site relative redirects (no open redirect)."""
    if next_url and next_url.startswith("/") and not next_url.startswith("//") and "\\" not in next_url:
        return next_url
    return "/"
