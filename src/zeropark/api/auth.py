"""Roles and tenant scope of API routes (角色与租户范围), and the login routes.

:func:`require_roles` gates a route (403 + audit ``denied``); :data:`ScopeDep` gives a route the
:class:`~zeropark.store.scope.Scope` of its user, which the services and the query layer filter
with. Who the user is (session cookie, CSRF, API token, login throttling) is
:mod:`zeropark.serving.sessions`, shared with the web pages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from zeropark.api.deps import EngineDep
from zeropark.errors import PermissionDenied
from zeropark.model import Role
from zeropark.serving.sessions import (
    CurrentUser,
    LoginThrottled,
    OptionalUser,
    authenticate,
    client_ip,
    end_session,
    request_principal,
    safe_next,
    start_session,
    unauthorized,
)
from zeropark.store import audit
from zeropark.store.scope import MANAGE_ROLES, READ_ROLES, Principal, Scope


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
    """The web login page's form post: 303 to ``next`` on success, back to ``/login?error=…`` else.

    A device account (ingest only) gets no web session: ``error=device``.
    """
    target = safe_next(next)
    try:
        row = authenticate(engine, username, password, client_ip(request))
    except LoginThrottled:
        return RedirectResponse(f"/login?error=locked&next={quote(target)}", status_code=303)
    except HTTPException:
        return RedirectResponse(f"/login?error=invalid&next={quote(target)}", status_code=303)
    if row.role == Role.DEVICE:  # ingest-only accounts have no web session (they post readings)
        return RedirectResponse(f"/login?error=device&next={quote(target)}", status_code=303)
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
