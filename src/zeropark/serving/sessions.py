"""Sessions (会话): who is asking — the signed session cookie, CSRF, API tokens, login throttling.

Shared by the HTTP API (:mod:`zeropark.api`) and the web pages (:mod:`zeropark.web`), which
never import each other.

Policy
------
- Browsers hold a signed session cookie (itsdangerous, key ``ZEROPARK_SECRET_KEY``): HttpOnly,
  SameSite=Lax, Secure when the request came over https, valid 12 h. The development secret is
  refused outside ``ZEROPARK_ENVIRONMENT=development`` (:meth:`Settings.check_production`).
- CSRF (double submit): login also sets a JS-readable ``csrf_token`` cookie whose value is bound
  into the signed session. A cookie-authenticated unsafe request (POST/PUT/PATCH/DELETE) must echo
  it in the ``X-CSRF-Token`` header or a ``csrf_token`` form field, else 403. Requests with
  ``Authorization: Bearer zp_…`` carry no ambient credential and are exempt.
- Login throttling: 5 consecutive failures lock the account for 15 min (``UserRow.locked_until``);
  10 failures from one IP address within 15 min block that address for the rest of the window
  (counted from the audit log, so it holds across API workers). Both answer 429.
- Principal cache: a verified session's user (id, role, park, enterprise) is kept per process for
  ``PRINCIPAL_TTL_S`` (5 s) so a request needs no database round trip to authenticate. Any change of a
  user committed through the ORM in this process (role, activation, password, tenant, lockout, deletion)
  drops every cached principal at commit; a change made by another worker or process (the other
  uvicorn workers, the CLI) takes effect there within ``PRINCIPAL_TTL_S``. The cookie's password stamp
  is part of the key, so a password change ends older sessions (here at once, elsewhere within 5 s).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response, status
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Engine, bindparam, func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from zeropark.model import Role
from zeropark.security import DUMMY_HASH, token_prefix, verify_password
from zeropark.serving.caching import TokenCache, TtlCache
from zeropark.store import audit
from zeropark.store.changes import USER_TOPIC
from zeropark.store.db import read_connection, transaction
from zeropark.store.schema import ApiTokenRow, AuditLogRow, UserRow
from zeropark.store.scope import Principal

SESSION_COOKIE = "zp_session"
CSRF_COOKIE = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FORM_FIELD = "csrf_token"
SESSION_MAX_AGE_S = 12 * 3600
TOKEN_PREFIX = "zp_"

#: Consecutive failed logins that lock an account, and for how long.
MAX_FAILED_LOGINS_PER_USER = 5
LOCKOUT = timedelta(minutes=15)
LOCKOUT_MIN = 15
#: Failed logins from one IP address within ``LOCKOUT`` that block the address.
MAX_FAILED_LOGINS_PER_IP = 10

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


# --------------------------------------------------------------------------------------------
# The authenticated principal
# --------------------------------------------------------------------------------------------


def _principal(row: UserRow, via: str) -> Principal:
    return Principal(
        id=row.id,
        username=row.username,
        role=Role(row.role),
        park_id=row.park_id,
        enterprise_id=row.enterprise_id,
        via=via,
        display_name=row.display_name,
    )


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


def _password_stamp(password_hash: str) -> str:
    """A short stamp of the password hash: changing the password ends existing sessions."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:12]


def _user_from_token(request: Request, session: Session, token: str) -> UserRow | None:
    cache = _caches(request).tokens
    hit = cache.get(token)
    if hit is not None:
        user_id, token_id = hit
        tok = session.get(ApiTokenRow, token_id)
        if tok is not None and not tok.revoked:
            return session.get(UserRow, user_id)
        return None
    prefix = token_prefix(token)
    if prefix is None:
        return None
    rows = session.scalars(
        select(ApiTokenRow).where(ApiTokenRow.prefix == prefix, ApiTokenRow.revoked.is_(False))
    ).all()
    for tok in rows:
        if verify_password(tok.token_hash, token):
            cache.put(token, tok.user_id, tok.id)
            return session.get(UserRow, tok.user_id)
    return None


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
        form = await request.form()
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


def _token_principal(request: Request, token: str) -> Principal:
    """The principal of a bearer API token (database; run in the thread pool); 401 if unusable."""
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        row = _user_from_token(request, session, token)
        if row is None or not row.active:
            unauthorized(
                "API token unknown, revoked or its user inactive; create one at /api/v1/users/me/tokens"
            )
        assert row is not None
        return _principal(row, "token")


_SESSION_USER = select(
    UserRow.id,
    UserRow.username,
    UserRow.role,
    UserRow.park_id,
    UserRow.enterprise_id,
    UserRow.display_name,
    UserRow.active,
    UserRow.password_hash,
).where(UserRow.id == bindparam("user_id"))


def _session_principal(engine: Engine, user_id: int, stamp: object) -> Principal | None:
    """The active user ``user_id`` whose password stamp is ``stamp`` (one indexed query), or None."""
    with read_connection(engine) as conn:
        row = conn.execute(_SESSION_USER, {"user_id": user_id}).first()
    if row is None or not row.active or stamp != _password_stamp(row.password_hash):
        return None
    return Principal(
        id=row.id,
        username=row.username,
        role=Role(row.role),
        park_id=row.park_id,
        enterprise_id=row.enterprise_id,
        via="session",
        display_name=row.display_name,
    )


async def _load_principal(request: Request, submitted_csrf: str | None) -> Principal | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return await run_in_threadpool(_token_principal, request, auth[7:].strip())
    payload = _session_payload(request)
    if payload is None:
        return None
    user_id, stamp = payload.get("u"), payload.get("p")
    if not isinstance(user_id, int) or not isinstance(stamp, str):
        return None
    cache = _caches(request).principals
    principal = cache.get((user_id, stamp))
    if principal is None:
        generation = cache.generation()
        principal = await run_in_threadpool(_session_principal, request.app.state.engine, user_id, stamp)
        if principal is None:
            return None
        cache.put((user_id, stamp), principal, generation)
    if request.method not in SAFE_METHODS:
        expected = payload.get("c")
        cookie = request.cookies.get(CSRF_COOKIE)
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
    principal = await _load_principal(request, await _submitted_csrf(request))
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
    principals: TtlCache[tuple[int, str], Principal] = field(
        default_factory=lambda: TtlCache(USER_TOPIC, PRINCIPAL_TTL_S)
    )


def _caches(request: Request) -> SessionCaches:
    found: SessionCaches = request.app.state.sessions
    return found


def forget_tokens(request: Request) -> None:
    """Forget every verified API token of this process (after a revocation)."""
    _caches(request).tokens.clear()


class LoginThrottled(Exception):
    """Too many failed logins for the account or the address; ``retry_after_s`` says when to retry."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)


def _as_utc(ts: datetime) -> datetime:
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def authenticate(engine: Engine, username: str, password: str, ip: str | None) -> UserRow:
    """Check credentials with lockout; return the user row or raise.

    Raises
    ------
    LoginThrottled
        The account is locked or the IP address is blocked (429).
    HTTPException
        401 for a wrong username or password (the message does not say which).
    """
    now = datetime.now(UTC)
    with transaction(engine) as session:
        if ip is not None:
            n_ip = session.scalar(
                select(func.count())
                .select_from(AuditLogRow)
                .where(
                    AuditLogRow.action == audit.LOGIN_FAILED,
                    AuditLogRow.ip == ip,
                    AuditLogRow.at > now - LOCKOUT,
                )
            )
            if (n_ip or 0) >= MAX_FAILED_LOGINS_PER_IP:
                raise LoginThrottled(
                    f"too many failed logins from {ip}; try again in {LOCKOUT_MIN} min",
                    int(LOCKOUT.total_seconds()),
                )
        row = session.scalar(select(UserRow).where(UserRow.username == username))
        if row is not None and row.locked_until is not None and _as_utc(row.locked_until) > now:
            wait = int((_as_utc(row.locked_until) - now).total_seconds()) + 1
            raise LoginThrottled(
                f"account '{username}' is locked after {MAX_FAILED_LOGINS_PER_USER} failed logins; "
                f"try again in {wait // 60 + 1} min or ask an admin to unlock it",
                wait,
            )
        ok = verify_password(row.password_hash if row else DUMMY_HASH, password)
        if row is not None and ok and row.active:
            row.failed_logins = 0
            row.locked_until = None
            audit.record(
                session, user=row.username, role=row.role, action=audit.LOGIN, entity="session", ip=ip
            )
            return row
        if row is not None:
            row.failed_logins += 1
            if row.failed_logins >= MAX_FAILED_LOGINS_PER_USER:
                row.locked_until = now + LOCKOUT
                row.failed_logins = 0
        audit.record(
            session,
            user=username[:64],
            role=row.role if row else None,
            action=audit.LOGIN_FAILED,
            entity="session",
            ip=ip,
        )
    raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="wrong username or password")


def start_session(request: Request, response: Response, row: UserRow) -> str:
    """Set the signed session cookie and the CSRF cookie on ``response``; return the CSRF token."""
    csrf = secrets.token_urlsafe(24)
    payload = {"u": row.id, "c": csrf, "p": _password_stamp(row.password_hash)}
    cookie = _serializer(request).dumps(payload)
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
    return csrf


def end_session(response: Response) -> None:
    """Delete the session and CSRF cookies."""
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


def safe_next(next_url: str | None) -> str:
    """Only same-site relative redirects (no open redirect)."""
    if next_url and next_url.startswith("/") and not next_url.startswith("//") and "\\" not in next_url:
        return next_url
    return "/"
