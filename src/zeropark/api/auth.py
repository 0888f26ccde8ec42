"""Authentication, roles and tenant scope (认证、角色与租户隔离) for the API and the web pages.

Policy
------
- Passwords and API tokens are hashed with argon2 (argon2-cffi); clear tokens are shown once.
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
- Roles (DESIGN.md §7): admin, park_manager, enterprise (own enterprise only), verifier (read-only
  across the park + sign-off), device (ingest only). :func:`require_roles` gates a route;
  :class:`Scope` filters queries server-side and turns access to another tenant's resource into
  404 plus an audit record ``denied``.
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
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response, status
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Engine, Select, bindparam, func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from zeropark.api import audit, changes
from zeropark.api.deps import EngineDep
from zeropark.errors import NotFound, PermissionDenied
from zeropark.model import Role
from zeropark.store.db import read_connection, transaction
from zeropark.store.schema import ApiTokenRow, AuditLogRow, EnterpriseRow, UserRow

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

#: Roles that may read park data (device is ingest only).
READ_ROLES: tuple[Role, ...] = (Role.ADMIN, Role.PARK_MANAGER, Role.ENTERPRISE, Role.VERIFIER)
#: Roles that manage park master data.
MANAGE_ROLES: tuple[Role, ...] = (Role.ADMIN, Role.PARK_MANAGER)

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("zeropark-timing-equaliser")

T = TypeVar("T", bound=Select[Any])


# --------------------------------------------------------------------------------------------
# Passwords and tokens
# --------------------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """Argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (False for a malformed hash)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_api_token() -> tuple[str, str]:
    """A new clear API token ``zp_<prefix>_<secret>`` and its lookup prefix."""
    prefix = secrets.token_hex(4)
    return f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", prefix


def _token_prefix(token: str) -> str | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    parts = token[len(TOKEN_PREFIX) :].split("_", 1)
    if len(parts) != 2 or len(parts[0]) != 8:
        return None
    return parts[0]


# --------------------------------------------------------------------------------------------
# The authenticated principal
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated user of a request (who, with which role, over which tenant)."""

    id: int
    username: str
    role: Role
    park_id: str | None
    enterprise_id: str | None
    via: str  # "session" or "token"
    display_name: str = ""


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


class _TokenCache:
    """Recently verified API tokens (sha256 → user id) so argon2 runs once a minute, not per call."""

    def __init__(self, ttl_s: float = 60.0) -> None:
        self.ttl_s = ttl_s
        self._entries: dict[str, tuple[int, int, float]] = {}

    def clear(self) -> None:
        """Forget every cached token (after a revocation)."""
        self._entries.clear()

    def get(self, token: str) -> tuple[int, int] | None:
        key = hashlib.sha256(token.encode()).hexdigest()
        hit = self._entries.get(key)
        if hit is None or hit[2] < time.monotonic():
            return None
        return hit[0], hit[1]

    def put(self, token: str, user_id: int, token_id: int) -> None:
        if len(self._entries) > 10_000:
            self._entries.clear()
        key = hashlib.sha256(token.encode()).hexdigest()
        self._entries[key] = (user_id, token_id, time.monotonic() + self.ttl_s)


#: Seconds a verified session principal is reused by a worker without asking the database. A user
#: change committed through the ORM in the same process invalidates at once (``changes.watch``); one
#: made elsewhere (another worker, the CLI) is seen within this time.
PRINCIPAL_TTL_S = 5.0
USER_TOPIC = "user"
changes.watch(UserRow, USER_TOPIC)


class PrincipalCache(changes.TtlCache[tuple[int, str], Principal]):
    """Verified session principals by (user id, password stamp), per process (module docstring)."""

    def __init__(self, ttl_s: float = PRINCIPAL_TTL_S) -> None:
        super().__init__(USER_TOPIC, ttl_s)


def _user_from_token(request: Request, session: Session, token: str) -> UserRow | None:
    cache: _TokenCache = request.app.state.token_cache
    hit = cache.get(token)
    if hit is not None:
        user_id, token_id = hit
        tok = session.get(ApiTokenRow, token_id)
        if tok is not None and not tok.revoked:
            return session.get(UserRow, user_id)
        return None
    prefix = _token_prefix(token)
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


def _unauthorized(detail: str = "not authenticated; log in or send 'Authorization: Bearer zp_…'") -> None:
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
            _unauthorized(
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


def _principal_cache(request: Request) -> PrincipalCache:
    cache: PrincipalCache | None = getattr(request.app.state, "principal_cache", None)
    if cache is None:
        cache = request.app.state.principal_cache = PrincipalCache()
    return cache


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
    cache = _principal_cache(request)
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
        _unauthorized()
    assert principal is not None
    return principal


OptionalUser = Annotated[Principal | None, Depends(optional_user)]
CurrentUser = Annotated[Principal, Depends(current_user)]


async def _require_role(request: Request, user: Principal, allowed: frozenset[Role]) -> None:
    """403 and an audit record ``denied`` unless ``user`` has one of the ``allowed`` roles."""
    if user.role not in allowed:
        await run_in_threadpool(
            audit.record_denied,
            request.app.state.engine,
            user=user.username,
            role=user.role,
            entity="route",
            entity_id=f"{request.method} {request.url.path}",
            reason=f"role '{user.role}' not in {sorted(allowed)}",
            ip=client_ip(request),
        )
        raise PermissionDenied(
            f"role '{user.role}' may not {request.method} {request.url.path}; "
            f"allowed roles: {', '.join(sorted(allowed))}"
        )


def require_roles(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting only ``roles``; others get 403 and an audit record ``denied``."""
    allowed = frozenset(roles)

    async def dependency(request: Request, user: CurrentUser) -> Principal:
        await _require_role(request, user, allowed)
        return user

    return dependency


Reader = Annotated[Principal, Depends(require_roles(*READ_ROLES))]
Manager = Annotated[Principal, Depends(require_roles(*MANAGE_ROLES))]
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


# --------------------------------------------------------------------------------------------
# Tenant scope
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scope:
    """What the current user may see: the query layer filters with it, server-side.

    - admin: everything; park_manager and verifier: their park (all parks when ``park_id`` is unset);
    - enterprise: only rows of their own enterprise (park-level rows with no enterprise excluded).

    Access by id to a row outside the scope is answered as if it did not exist (404) and leaves
    an audit record ``denied``.
    """

    user: Principal
    engine: Engine
    ip: str | None

    @property
    def enterprise_id(self) -> str | None:
        """The enterprise the user is confined to (None = not confined)."""
        return self.user.enterprise_id if self.user.role == Role.ENTERPRISE else None

    @property
    def park_id(self) -> str | None:
        """The park the user is confined to (None = not confined, admin)."""
        return None if self.user.role == Role.ADMIN else self.user.park_id

    @property
    def is_enterprise(self) -> bool:
        """Whether the user only sees one enterprise."""
        return self.user.role == Role.ENTERPRISE

    def filter(
        self,
        stmt: T,
        *,
        enterprise_col: Any | None = None,
        park_col: Any | None = None,
        park_level: bool = False,
    ) -> T:
        """Restrict ``stmt`` to the scope (``enterprise_col`` = the row's enterprise id column).

        ``park_level=True`` marks rows every user of the park may see (the park itself); any
        other query of an enterprise user without ``enterprise_col`` is refused.
        """
        conditions: list[ColumnElement[bool]] = []
        if self.park_id is not None and park_col is not None:
            conditions.append(park_col == self.park_id)
        if self.is_enterprise and not park_level:
            if enterprise_col is None:
                raise PermissionDenied("enterprise users may not list park-level data")
            conditions.append(enterprise_col == self.enterprise_id)
        return stmt.where(*conditions) if conditions else stmt

    def sees(self, *, park_id: str | None, enterprise_id: str | None) -> bool:
        """Whether a row of ``park_id`` / ``enterprise_id`` is inside the scope."""
        if self.park_id is not None and park_id is not None and park_id != self.park_id:
            return False
        return not (self.is_enterprise and enterprise_id != self.enterprise_id)

    def deny(self, entity: str, entity_id: str, reason: str) -> None:
        """Audit a denied access (without raising)."""
        audit.record_denied(
            self.engine,
            user=self.user.username,
            role=self.user.role,
            entity=entity,
            entity_id=entity_id,
            reason=reason,
            ip=self.ip,
        )

    def check(self, entity: str, entity_id: str, *, park_id: str | None, enterprise_id: str | None) -> None:
        """Raise :class:`NotFound` (after auditing) when the row is outside the scope."""
        if not self.sees(park_id=park_id, enterprise_id=enterprise_id):
            self.deny(entity, entity_id, f"outside scope (park={park_id}, enterprise={enterprise_id})")
            raise NotFound(f"{entity} '{entity_id}' not found")

    def sees_park(self, park_id: str) -> bool:
        """Whether the park ``park_id`` is inside the scope (no audit; see :meth:`check_park`)."""
        return self.park_id is None or park_id == self.park_id

    def check_park(self, park_id: str) -> None:
        """Raise :class:`NotFound` (after auditing) for a park outside the scope."""
        if not self.sees_park(park_id):
            self.deny("park", park_id, f"outside scope (user park={self.park_id})")
            raise NotFound(f"park '{park_id}' not found")

    def require_manager(self, entity: str, entity_id: str) -> None:
        """Refuse (403 + audit) unless the user is admin or park manager."""
        if self.user.role not in MANAGE_ROLES:
            self.deny(entity, entity_id, f"role '{self.user.role}' may not change {entity}")
            raise PermissionDenied(
                f"role '{self.user.role}' may not change {entity}; ask a park manager or admin"
            )

    def check_write(
        self, entity: str, entity_id: str, *, park_id: str | None, enterprise_id: str | None
    ) -> None:
        """Like :meth:`check`, and refuse writes by read-only roles (verifier, device)."""
        self.check(entity, entity_id, park_id=park_id, enterprise_id=enterprise_id)
        if self.user.role not in (Role.ADMIN, Role.PARK_MANAGER, Role.ENTERPRISE):
            self.deny(entity, entity_id, f"role '{self.user.role}' is read-only")
            raise PermissionDenied(f"role '{self.user.role}' is read-only; it may not change {entity}")

    def audit(
        self,
        session: Session,
        action: str,
        entity: str,
        entity_id: str | None,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        """Add an audit record of a write by this user to ``session`` (same transaction)."""
        audit.record(
            session,
            user=self.user.username,
            role=self.user.role,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
            ip=self.ip,
        )


_READ_ALLOWED = frozenset(READ_ROLES)


async def get_scope(request: Request) -> Scope:
    """The :class:`Scope` of the current (reading-role) user.

    401 without a user, 403 + audit for other roles: the checks of :data:`Reader`, in one
    dependency (every park route takes it, so it is kept flat).
    """
    user = await request_principal(request)
    if user is None:
        _unauthorized()
    assert user is not None
    await _require_role(request, user, _READ_ALLOWED)
    return Scope(user=user, engine=request.app.state.engine, ip=client_ip(request))


ScopeDep = Annotated[Scope, Depends(get_scope)]


# --------------------------------------------------------------------------------------------
# Login, logout
# --------------------------------------------------------------------------------------------


class LoginRequest(BaseModel):
    """Credentials for ``POST /api/v1/auth/login``."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class LoginResponse(BaseModel):
    """The logged-in user and the CSRF token to echo in ``X-CSRF-Token`` on writes."""

    username: str
    role: Role
    park_id: str | None
    enterprise_id: str | None
    csrf_token: str


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
        ok = verify_password(row.password_hash if row else _DUMMY_HASH, password)
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


def _safe_next(next_url: str | None) -> str:
    """Only same-site relative redirects (no open redirect)."""
    if next_url and next_url.startswith("/") and not next_url.startswith("//") and "\\" not in next_url:
        return next_url
    return "/"


router = APIRouter(prefix="/auth", tags=["auth 认证"])


@router.post("/login", response_model=LoginResponse, responses={401: {}, 429: {}})
def login(body: LoginRequest, request: Request, response: Response, engine: EngineDep) -> LoginResponse:
    """Log in with username and password (JSON); sets the session and ``csrf_token`` cookies. 登录."""
    row = authenticate(engine, body.username, body.password, client_ip(request))
    csrf = start_session(request, response, row)
    return LoginResponse(
        username=row.username,
        role=Role(row.role),
        park_id=row.park_id,
        enterprise_id=row.enterprise_id,
        csrf_token=csrf,
    )


@router.post("/login/form", response_class=RedirectResponse, status_code=303, responses={303: {}})
def login_form(
    request: Request,
    engine: EngineDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str | None, Form(max_length=500)] = None,
) -> RedirectResponse:
    """The web login page's form post: 303 to ``next`` on success, back to ``/login?error=…`` else."""
    target = _safe_next(next)
    try:
        row = authenticate(engine, username, password, client_ip(request))
    except LoginThrottled:
        return RedirectResponse(f"/login?error=locked&next={quote(target)}", status_code=303)
    except HTTPException:
        return RedirectResponse(f"/login?error=invalid&next={quote(target)}", status_code=303)
    response = RedirectResponse(target, status_code=303)
    start_session(request, response, row)
    return response


@router.post("/logout", status_code=204, response_class=Response)
def logout(request: Request, response: Response, user: OptionalUser) -> Response:
    """End the session (deletes the cookies). 退出登录."""
    out = Response(status_code=204)
    if user is not None:
        audit.record_now(
            request.app.state.engine,
            user=user.username,
            role=user.role,
            action=audit.LOGOUT,
            entity="session",
            ip=client_ip(request),
        )
    end_session(out)
    return out


# --------------------------------------------------------------------------------------------
# Users (CLI and demo)
# --------------------------------------------------------------------------------------------


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    park_id: str | None = None,
    enterprise_id: str | None = None,
    display_name: str = "",
) -> UserRow:
    """Add a user (password argon2-hashed). Enterprise users need ``enterprise_id``.

    Raises
    ------
    PermissionDenied
        Never; see ValueError.
    ValueError
        An enterprise user without enterprise, an unknown enterprise, a duplicate username or a
        password shorter than 8 characters.
    """
    if len(password) < 8:
        raise ValueError("password too short: use at least 8 characters")
    if role == Role.ENTERPRISE and not enterprise_id:
        raise ValueError("an enterprise user needs --enterprise (the enterprise id it may see)")
    if enterprise_id is not None:
        ent = session.get(EnterpriseRow, enterprise_id)
        if ent is None:
            raise ValueError(f"enterprise '{enterprise_id}' does not exist; see `zeropark data` or the API")
        park_id = park_id or ent.park_id
    if session.scalar(select(UserRow).where(UserRow.username == username)) is not None:
        raise ValueError(f"user '{username}' already exists; choose another username")
    row = UserRow(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        role=str(role),
        park_id=park_id,
        enterprise_id=enterprise_id,
        active=True,
        failed_logins=0,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return row


DEMO_USERS: tuple[tuple[str, Role, str], ...] = (
    ("demo-admin", Role.ADMIN, "示例管理员 demo admin"),
    ("demo-manager", Role.PARK_MANAGER, "示例园区管理 demo park manager"),
    ("demo-enterprise", Role.ENTERPRISE, "示例企业用户 demo enterprise user"),
    ("demo-verifier", Role.VERIFIER, "示例核查员 demo verifier"),
    ("demo-device", Role.DEVICE, "示例设备 demo device"),
)


def ensure_demo_users(engine: Engine, park_id: str) -> list[tuple[str, str, str]]:
    """Create (or reset) one demo user per role for ``park_id``: DEMO ONLY.

    Passwords are generated afresh on each call (so the printed ones always work) and returned
    as ``(username, password, role)``. The enterprise user is bound to the park's first
    non-public enterprise (by id); it is skipped when the park has none.
    """
    out: list[tuple[str, str, str]] = []
    with transaction(engine) as session:
        ent_id = session.scalar(
            select(EnterpriseRow.id)
            .where(EnterpriseRow.park_id == park_id, EnterpriseRow.is_public_facility.is_(False))
            .order_by(EnterpriseRow.id)
            .limit(1)
        )
        for username, role, display in DEMO_USERS:
            if role == Role.ENTERPRISE and ent_id is None:
                continue
            password = f"demo-{secrets.token_urlsafe(9)}"
            row = session.scalar(select(UserRow).where(UserRow.username == username))
            if row is None:
                create_user(
                    session,
                    username=username,
                    password=password,
                    role=role,
                    park_id=park_id,
                    enterprise_id=ent_id if role == Role.ENTERPRISE else None,
                    display_name=display,
                )
            else:
                row.password_hash = hash_password(password)
                row.role = str(role)
                row.park_id = park_id
                row.enterprise_id = ent_id if role == Role.ENTERPRISE else None
                row.active = True
                row.failed_logins = 0
                row.locked_until = None
            out.append((username, password, str(role)))
    return out


def roles_text(roles: Sequence[Role]) -> str:
    """Comma-separated role names (for messages)."""
    return ", ".join(str(r) for r in roles)
