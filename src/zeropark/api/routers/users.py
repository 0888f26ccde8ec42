"""Users (用户) and API tokens: ``/users/me``, ``/users/me/tokens`` (any user), ``/users`` (admin)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zeropark.api import audit
from zeropark.api.auth import (
    Admin,
    CurrentUser,
    Principal,
    client_ip,
    create_user,
    hash_password,
    new_api_token,
)
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
from zeropark.errors import NotFound, PermissionDenied
from zeropark.errors import ValidationError as ZpValidationError
from zeropark.model import Role
from zeropark.store.schema import ApiTokenRow, EnterpriseRow, UserRow

router = APIRouter(prefix="/users", tags=["users 用户"])


def _invalid(field: str, message: str) -> ZpValidationError:
    from zeropark.errors import RowError

    return ZpValidationError([RowError(file="request", sheet=None, row=None, field=field, message=message)])


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
    request.app.state.token_cache.clear()  # forget verified tokens at once


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


def add_user_audited(session: Session, admin: Principal, ip: str | None, body: UserCreate) -> UserRow:
    """Create a user (argon2-hashed password) and its audit record ``create user`` in ``session``.

    The API route and the 用户 page both call this; the caller commits.

    Raises
    ------
    ValidationError
        Duplicate username, short password, enterprise user without (or with an unknown) enterprise.
    """
    try:
        row = create_user(
            session,
            username=body.username,
            password=body.password,
            role=body.role,
            park_id=body.park_id,
            enterprise_id=body.enterprise_id,
            display_name=body.display_name,
        )
    except ValueError as exc:
        field = (
            "username" if "exists" in str(exc) else "password" if "password" in str(exc) else "enterprise_id"
        )
        raise _invalid(field, str(exc)) from exc
    audit.record(
        session,
        user=admin.username,
        role=admin.role,
        action=audit.CREATE,
        entity="user",
        entity_id=str(row.id),
        after=audit.row_snapshot(row),
        ip=ip,
    )
    return row


def update_user_audited(
    session: Session, admin: Principal, ip: str | None, user_id: int, body: UserUpdate
) -> UserRow:
    """Apply ``body`` to user ``user_id`` with one audit record ``update user`` (before/after) in ``session``.

    Role, tenant, activation, password reset (argon2; ends the user's sessions) and ``unlock``
    (clears failed logins and the lockout). The API route and the 用户 page both call this; the
    caller commits. The before/after snapshots never hold the password hash; a reset is recorded as
    ``"password_reset": true`` in ``after``.

    Raises
    ------
    NotFound
        No such user.
    ValidationError
        Unknown enterprise, or an enterprise user without one.
    PermissionDenied
        An admin demoting or deactivating themself.
    """
    row = session.get(UserRow, user_id)
    if row is None:
        raise NotFound(f"user {user_id} not found")
    before = audit.row_snapshot(row)
    changes = body.model_dump(exclude_unset=True)
    if "enterprise_id" in changes and changes["enterprise_id"] is not None:
        if session.get(EnterpriseRow, changes["enterprise_id"]) is None:
            raise _invalid("enterprise_id", f"enterprise '{changes['enterprise_id']}' does not exist")
    for field in ("display_name", "park_id", "enterprise_id", "active"):
        if field in changes and (changes[field] is not None or field in ("park_id", "enterprise_id")):
            setattr(row, field, changes[field])
    if body.role is not None:
        row.role = str(body.role)
    if body.password is not None:
        row.password_hash = hash_password(body.password)
    if body.unlock:
        row.failed_logins = 0
        row.locked_until = None
    if row.role == Role.ENTERPRISE and not row.enterprise_id:
        raise _invalid("enterprise_id", "an enterprise user needs an enterprise_id")
    if row.id == admin.id and (row.role != Role.ADMIN or not row.active):
        raise PermissionDenied("an admin may not demote or deactivate themself; ask another admin")
    after = audit.row_snapshot(row)
    if body.password is not None:
        after["password_reset"] = True
    audit.record(
        session,
        user=admin.username,
        role=admin.role,
        action=audit.UPDATE,
        entity="user",
        entity_id=str(row.id),
        before=before,
        after=after,
        ip=ip,
    )
    return row


@router.post("", response_model=UserOut, status_code=201)
def add_user(body: UserCreate, request: Request, admin: Admin, session: SessionDep) -> UserOut:
    """Create a user (admin). 新建用户."""
    row = add_user_audited(session, admin, client_ip(request), body)
    session.commit()
    return UserOut.model_validate(row)


@router.patch("/{user_id}", response_model=UserOut)
def update_user(
    user_id: IntId, body: UserUpdate, request: Request, admin: Admin, session: SessionDep
) -> UserOut:
    """Change a user's role, tenant, activation or password; ``unlock`` clears a lockout (admin)."""
    row = update_user_audited(session, admin, client_ip(request), user_id, body)
    session.commit()
    return UserOut.model_validate(row)
