"""Roles and tenant scope of API routes (角色与租户范围), and the login routes.

:func:`require_roles` gates a route (403 + audit ``denied``); :data:`ScopeDep` gives a route the
:class:`~zeropark.store.scope.Scope` of its user, which the services and the query layer filter
with. Who the user is (session cookie, CSRF, API token, login throttling) is
:mod:`zeropark.serving.sessions`, shared with the web pages.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from zeropark.api.deps import EngineDep
from zeropark.errors import PermissionDenied
from zeropark.model import Role
from zeropark.services import logins
from zeropark.serving.sessions import (
    CurrentUser,
    client_ip,
    end_session,
    login_form_ok,
    request_principal,
    safe_next,
    start_session,
    unauthorized,
)
from zeropark.store import audit
from zeropark.store.scope import MANAGE_ROLES, READ_ROLES, WRITE_ROLES, Principal, Scope


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


class RoleGuard:
    """A dependency admitting only ``roles``; others get 403 and an audit record ``denied``.

    On a route of a :class:`GuardedRoute` router the check also runs before the request body is
    read, so a role that may not write gets 401/403 whatever its body (not 422 for a body that
    does not parse, nor 400 for a broken multipart upload).
    """

    def __init__(self, *roles: Role) -> None:
        self.allowed = frozenset(roles)

    async def check(self, request: Request) -> Principal:
        """401 without a principal, 403 (audited) for a role not allowed; else the principal."""
        user = await request_principal(request)
        if user is None:
            unauthorized()
        assert user is not None
        await _require_role(request, user, self.allowed)
        return user

    async def __call__(self, request: Request, user: CurrentUser) -> Principal:
        """The dependency: the principal when its role is allowed (403 + audit otherwise)."""
        await _require_role(request, user, self.allowed)
        return user


def require_roles(*roles: Role) -> RoleGuard:
    """A dependency admitting only ``roles``; others get 403 and an audit record ``denied``."""
    return RoleGuard(*roles)


class GuardedRoute(APIRoute):
    """A resource route: principal required, role guards run before the body is parsed.

    Its :class:`RoleGuard` dependencies are checked before the body and the parameters. FastAPI
    parses a JSON or form body before it solves dependencies, so without this an
    anonymous caller or a verifier posting a malformed body to a manager's route would learn 422
    (or 400) before 401/403. The guards run again as ordinary dependencies (the principal is
    resolved once per request, so the second time costs nothing).
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The FastAPI handler, preceded by the principal check and the route's role guards."""
        handler = super().get_route_handler()
        guards = [dep.call for dep in self.dependant.dependencies if isinstance(dep.call, RoleGuard)]

        async def guarded(request: Request) -> Response:
            if await request_principal(request) is None:
                unauthorized()
            for guard in guards:
                await guard.check(request)
            return await handler(request)

        return guarded


Reader = Annotated[Principal, Depends(require_roles(*READ_ROLES))]
Manager = Annotated[Principal, Depends(require_roles(*MANAGE_ROLES))]
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
#: Route dependencies (``dependencies=[...]``) stating who may call a write route, checked before
#: its body is read; the use case checks the tenant (and the role again) itself.
WRITERS = Depends(require_roles(*WRITE_ROLES))
MANAGERS = Depends(require_roles(*MANAGE_ROLES))


# --------------------------------------------------------------------------------------------
# Tenant scope
# --------------------------------------------------------------------------------------------


_READ_ALLOWED = frozenset(READ_ROLES)


async def get_scope(request: Request) -> Scope:
    """The :class:`Scope` of the current (reading-role) user.

    401 without a user, 403 + audit for other roles: the checks of :data:`Reader`, in one
    dependency (every park route takes it, so it is kept flat).
    """
    user = await request_principal(request)
    if user is None:
        unauthorized()
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


router = APIRouter(prefix="/auth", tags=["auth 认证"])


@router.post("/login", response_model=LoginResponse, responses={401: {}, 429: {}})
def login(body: LoginRequest, request: Request, response: Response, engine: EngineDep) -> LoginResponse:
    """Log in with username and password (JSON); sets the session and ``csrf_token`` cookies. 登录.

    401 for a wrong username or password, 429 when throttled: neither says whether the user exists.
    """
    try:
        done = logins.log_in(engine, body.username, body.password, client_ip(request))
    except logins.LoginFailed as exc:
        raise HTTPException(status_code=401, detail=str(exc)) from exc
    csrf = start_session(request, response, done)
    user = done.principal
    return LoginResponse(
        username=user.username,
        role=user.role,
        park_id=user.park_id,
        enterprise_id=user.enterprise_id,
        csrf_token=csrf,
    )


@router.post("/login/form", response_class=RedirectResponse, status_code=303, responses={303: {}})
def login_form(
    request: Request,
    engine: EngineDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str | None, Form(max_length=500)] = None,
    csrf_token: Annotated[str | None, Form(max_length=200)] = None,
) -> RedirectResponse:
    """The web login page's form post: 303 to ``next`` on success, back to ``/login?error=…`` else.

    The form must carry the token of this browser's login page (login CSRF); without it the
    credentials are not even checked (``error=expired``: load the page again).
    A device account (ingest only) gets no web session: ``error=device``.
    """
    target = safe_next(next)
    if not login_form_ok(request, csrf_token):
        return RedirectResponse(f"/login?error=expired&next={quote(target)}", status_code=303)
    try:
        done = logins.log_in(engine, username, password, client_ip(request))
    except logins.LoginThrottled:
        return RedirectResponse(f"/login?error=locked&next={quote(target)}", status_code=303)
    except logins.LoginFailed:
        return RedirectResponse(f"/login?error=invalid&next={quote(target)}", status_code=303)
    if done.principal.role == Role.DEVICE:  # ingest-only accounts have no web session (they post readings)
        logins.log_out(engine, done.session_key, done.principal, client_ip(request))
        return RedirectResponse(f"/login?error=device&next={quote(target)}", status_code=303)
    response = RedirectResponse(target, status_code=303)
    start_session(request, response, done)
    return response


@router.post("/logout", status_code=204, response_class=Response)
def logout(request: Request, user: CurrentUser) -> Response:
    """End the session on the server (the old cookie stops working) and delete the cookies. 退出登录.

    401 without a session or token. Audited ``logout``.
    """
    out = Response(status_code=204)
    end_session(request, out, user)
    return out
