"""Who is asking, as read (会话与令牌): the principal of a server-side session or of an API token.

Read before there is a :class:`~zeropark.store.scope.Scope` (they decide who the scope is for),
so they take the engine. One indexed query each; no ORM session is held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, Row, bindparam, select
from sqlalchemy.orm import Session

from zeropark.model import Role
from zeropark.store.db import read_connection
from zeropark.store.schema import ApiTokenRow, ParkRow, UserParkRow, UserRow, UserSessionRow
from zeropark.store.scope import Principal

__all__ = [
    "TokenCandidate",
    "group_parks",
    "principal_of",
    "province_parks",
    "session_principal",
    "token_candidates",
    "token_principal",
    "user_principal",
]

_USER_COLUMNS = (
    UserRow.id,
    UserRow.username,
    UserRow.role,
    UserRow.park_id,
    UserRow.enterprise_id,
    UserRow.display_name,
    UserRow.province,
)

_SESSION_USER = (
    select(*_USER_COLUMNS)
    .join(UserSessionRow, UserSessionRow.user_id == UserRow.id)
    .where(
        UserSessionRow.key_hash == bindparam("key_hash"),
        UserSessionRow.expires_at > bindparam("now"),
        UserRow.active.is_(True),
    )
)

_TOKEN_USER = (
    select(*_USER_COLUMNS)
    .join(ApiTokenRow, ApiTokenRow.user_id == UserRow.id)
    .where(ApiTokenRow.id == bindparam("token_id"), ApiTokenRow.revoked.is_(False), UserRow.active.is_(True))
)


def province_parks(db: Connection | Session, province: str | None) -> frozenset[str]:
    """The ids of the parks of ``province`` (``park.province``): what a provincial user reads."""
    if not province:
        return frozenset()
    return frozenset(db.scalars(select(ParkRow.id).where(ParkRow.province == province)))


def group_parks(db: Connection | Session, user_id: int) -> frozenset[str]:
    """The ids of the parks named for user ``user_id`` (``user_park``): what a group user reads."""
    return frozenset(db.scalars(select(UserParkRow.park_id).where(UserParkRow.user_id == user_id)))


def _parks_of(
    db: Connection | Session, role: Role, user_id: int, province: str | None
) -> frozenset[str] | None:
    if role == Role.PROVINCE:
        return province_parks(db, province)
    if role == Role.GROUP:
        return group_parks(db, user_id)
    return None


def principal_of(
    row: UserRow | Row[int, str, str, str | None, str | None, str, str | None],
    via: str,
    db: Connection | Session,
) -> Principal:
    """The :class:`Principal` of a user (its row, or the selected user columns), logged in ``via``.

    A provincial or group user's parks are read on ``db`` (one indexed query; other roles: none).
    """
    role = Role(row.role)
    return Principal(
        id=row.id,
        username=row.username,
        role=role,
        park_id=row.park_id,
        enterprise_id=row.enterprise_id,
        via=via,
        display_name=row.display_name,
        parks=_parks_of(db, role, row.id, row.province),
    )


def session_principal(engine: Engine, key_hash: str, now: datetime) -> Principal | None:
    """The active user of the unexpired session ``key_hash`` (SHA-256 hex of its key), or None."""
    with read_connection(engine) as conn:
        row = conn.execute(_SESSION_USER, {"key_hash": key_hash, "now": now}).first()
        return None if row is None else principal_of(row, "session", conn)


@dataclass(frozen=True, slots=True)
class TokenCandidate:
    """An unrevoked API token with the looked-up prefix: its argon2 hash is still to be verified."""

    token_id: int
    user_id: int
    token_hash: str


def token_candidates(engine: Engine, prefix: str) -> list[TokenCandidate]:
    """The unrevoked tokens whose lookup prefix is ``prefix`` (normally one)."""
    stmt = select(ApiTokenRow.id, ApiTokenRow.user_id, ApiTokenRow.token_hash).where(
        ApiTokenRow.prefix == prefix, ApiTokenRow.revoked.is_(False)
    )
    with read_connection(engine) as conn:
        return [TokenCandidate(r.id, r.user_id, r.token_hash) for r in conn.execute(stmt)]


def token_principal(engine: Engine, token_id: int) -> Principal | None:
    """The active user of the unrevoked token ``token_id``, or None."""
    with read_connection(engine) as conn:
        row = conn.execute(_TOKEN_USER, {"token_id": token_id}).first()
        return None if row is None else principal_of(row, "token", conn)


def user_principal(engine: Engine, username: str) -> Principal | None:
    """The active user ``username`` as a principal (``via="cli"``), or None.

    For the command line's ``--as-user``: a trusted process reading as one user sees what that
    user would see through the API or a page.
    """
    stmt = select(*_USER_COLUMNS).where(UserRow.username == username, UserRow.active.is_(True))
    with read_connection(engine) as conn:
        row = conn.execute(stmt).first()
        return None if row is None else principal_of(row, "cli", conn)
