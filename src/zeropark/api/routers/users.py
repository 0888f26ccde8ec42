"""Users (用户) and API tokens: ``/users/me``, ``/users/me/tokens`` (any user), ``/users`` (admin)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import func, select

from zeropark.api.auth import Admin
from zeropark.api.deps import SessionDep
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
from zeropark.errors import NotFound
from zeropark.model import Role
from zeropark.security import hash_password, new_api_token
from zeropark.services import users
from zeropark.serving.sessions import CurrentUser, client_ip, forget_tokens
from zeropark.store import audit
from zeropark.store.schema import ApiTokenRow, UserRow

router = APIRouter(prefix="/users", tags=["users 用户"])


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser, session: SessionDep) -> UserOut:
    """The logged-in user. 当前用户."""
    row = session.get(UserRow, user.id)
    if row is None:
        raise NotFound(f"user {user.id} not found")
    return UserOut.model_validate(row)


@router.get("/me/tokens", response_model=list[TokenOut])
def list_tokens(user: CurrentUser, session: SessionDep) -> list[TokenOut]:
    """The user's API tokens (metadata only). 我的 API 令牌."""
    rows = session.scalars(
        select(ApiTokenRow).where(ApiTokenRow.user_id == user.id).order_by(ApiTokenRow.id)
    ).all()
    return [TokenOut.model_validate(r) for r in rows]


@router.post("/me/tokens", response_model=TokenCreated, status_code=201)
def create_token(body: TokenCreate, request: Request, user: CurrentUser, session: SessionDep) -> TokenCreated:
    """Create an API token for scripts (``Authorization: Bearer zp_…``); shown once. 创建令牌."""
    token, prefix = new_api_token()
    row = ApiTokenRow(
        user_id=user.id,
        name=body.name,
        prefix=prefix,
        token_hash=hash_password(token),
        created_at=datetime.now(UTC),
        revoked=False,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        user=user.username,
        role=user.role,
        action=audit.CREATE,
        entity="api_token",
        entity_id=str(row.id),
        after=audit.row_snapshot(row),
        ip=client_ip(request),
    )
    session.commit()
    return TokenCreated(
        id=row.id, name=row.name, prefix=prefix, created_at=row.created_at, revoked=False, token=token
    )


@router.delete("/me/tokens/{token_id}", status_code=204)
def revoke_token(token_id: IntId, request: Request, user: CurrentUser, session: SessionDep) -> None:
    """Revoke one of the user's tokens. 吊销令牌."""
    row = session.get(ApiTokenRow, token_id)
    if row is None or (row.user_id != user.id and user.role != Role.ADMIN):
        if row is not None:
            audit.record_denied(
                request.app.state.engine,
                user=user.username,
                role=user.role,
                entity="api_token",
                entity_id=str(token_id),
                reason="token of another user",
                ip=client_ip(request),
            )
        raise NotFound(f"api token {token_id} not found")
    before = audit.row_snapshot(row)
    row.revoked = True
    audit.record(
        session,
        user=user.username,
        role=user.role,
        action=audit.UPDATE,
        entity="api_token",
        entity_id=str(row.id),
        before=before,
        after=audit.row_snapshot(row),
        ip=client_ip(request),
    )
    session.commit()
    forget_tokens(request)  # forget verified tokens at once


@router.get("", response_model=Page[UserOut])
def list_users(
    _admin: Admin,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[UserOut]:
    """All users (admin). 用户列表."""
    total = session.scalar(select(func.count()).select_from(UserRow)) or 0
    rows = session.scalars(select(UserRow).order_by(UserRow.id).limit(limit).offset(offset)).all()
    return Page(items=[UserOut.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)


@router.post("", response_model=UserOut, status_code=201)
def add_user(body: UserCreate, request: Request, admin: Admin, session: SessionDep) -> UserOut:
    """Create a user (admin). 新建用户."""
    row = users.add_user(session, admin, client_ip(request), users.NewUser(**body.model_dump()))
    session.commit()
    return UserOut.model_validate(row)


@router.patch("/{user_id}", response_model=UserOut)
def update_user(
    user_id: IntId, body: UserUpdate, request: Request, admin: Admin, session: SessionDep
) -> UserOut:
    """Change a user's role, tenant, activation or password; ``unlock`` clears a lockout (admin)."""
    change = users.user_changes(**body.model_dump(exclude_unset=True))
    row = users.update_user(session, admin, client_ip(request), user_id, change)
    session.commit()
    return UserOut.model_validate(row)
