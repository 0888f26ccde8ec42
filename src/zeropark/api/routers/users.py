"""Users (用户) and API tokens: ``/users/me``, ``/users/me/tokens`` (any user), ``/users`` (admin).

Reads come from :mod:`zeropark.store.queries.users` and :mod:`~zeropark.store.queries.tokens`,
writes go through :mod:`zeropark.services.users` (each audited in its own transaction).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, IPvAnyAddress

from zeropark.api.auth import Admin, GuardedRoute
from zeropark.api.paging import IntId
from zeropark.api.schemas import (
    Page,
    TokenCreate,
    TokenCreated,
    TokenOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from zeropark.model import Role
from zeropark.services import logins, users
from zeropark.serving.sessions import CurrentUser, client_ip, forget_tokens
from zeropark.store.queries import tokens
from zeropark.store.queries import users as user_queries
from zeropark.store.scope import Principal, Scope

router = APIRouter(route_class=GuardedRoute, prefix="/users", tags=["users 用户"])


def _scope(request: Request, user: Principal) -> Scope:
    """The scope of ``user`` (any role: a device manages its own tokens too)."""
    return Scope(user, request.app.state.engine, client_ip(request))


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser, request: Request) -> UserOut:
    """The logged-in user (a group user: with its parks). 当前用户."""
    out = UserOut.model_validate(user_queries.account(_scope(request, user)))
    if user.role == Role.GROUP:
        out.parks = sorted(user.parks or ())
    return out


@router.get("/me/tokens", response_model=list[TokenOut])
def list_tokens(user: CurrentUser, request: Request) -> list[TokenOut]:
    """The user's API tokens (metadata only). 我的 API 令牌."""
    return [TokenOut.model_validate(r) for r in tokens.tokens(_scope(request, user))]


@router.post("/me/tokens", response_model=TokenCreated, status_code=201)
def create_token(body: TokenCreate, request: Request, user: CurrentUser) -> TokenCreated:
    """Create an API token for scripts (``Authorization: Bearer zp_…``); shown once. 创建令牌."""
    new = users.create_token(_scope(request, user), body.name)
    return TokenCreated(
        id=new.id, name=new.name, prefix=new.prefix, created_at=new.created_at, revoked=False, token=new.token
    )


@router.delete("/me/tokens/{token_id}", status_code=204)
def revoke_token(token_id: IntId, request: Request, user: CurrentUser) -> None:
    """Revoke one of the user's tokens. 吊销令牌."""
    users.revoke_token(_scope(request, user), token_id)
    forget_tokens(request)  # forget verified tokens at once


@router.get("", response_model=Page[UserOut])
def list_users(
    admin: Admin,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[UserOut]:
    """All users (admin). 用户列表."""
    scope = _scope(request, admin)
    found = user_queries.user_page(scope, limit=limit, offset=offset)
    parks = user_queries.group_parks(scope, (r.id for r in found.items))
    items = [UserOut.model_validate(r).model_copy(update={"parks": parks.get(r.id, [])}) for r in found.items]
    return Page(items=items, total=found.total, limit=limit, offset=offset)


@router.post("", response_model=UserOut, status_code=201)
def add_user(body: UserCreate, request: Request, admin: Admin) -> UserOut:
    """Create a user (admin); a group user with ``parks``, a provincial user with ``province``. 新建用户."""
    fields = body.model_dump(exclude={"parks"})
    new = users.NewUser(**fields, parks=users.split_parks(body.parks))
    row = users.new_user(_scope(request, admin), new)
    return UserOut.model_validate(row).model_copy(update={"parks": sorted(new.parks)})


@router.patch("/{user_id}", response_model=UserOut)
def update_user(user_id: IntId, body: UserUpdate, request: Request, admin: Admin) -> UserOut:
    """Change a user's role, tenant, activation or password; ``unlock`` clears a lockout (admin)."""
    change = users.user_changes(**body.model_dump(exclude_unset=True))
    scope = _scope(request, admin)
    row = users.change_user(scope, user_id, change)
    parks = user_queries.group_parks(scope, [row.id]).get(row.id, [])
    return UserOut.model_validate(row).model_copy(update={"parks": parks})


class AddressUnlock(BaseModel):
    """The address whose login block an admin lifts."""

    ip: IPvAnyAddress


@router.post("/unlock-address", status_code=204, response_class=Response)
def unlock_address(body: AddressUnlock, request: Request, admin: Admin) -> Response:
    """Lift the login block of an address now (admin; audited ``unlock_address``). 解除地址封锁.

    Failures from the address before this moment no longer count; accounts locked from it stay
    locked until unlocked one by one (``PATCH /users/{id} {"unlock": true}``).
    """
    logins.unlock_address(_scope(request, admin), str(body.ip))
    return Response(status_code=204)
