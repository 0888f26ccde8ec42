"""Users as read (用户): one's own account; the accounts and the parks and enterprises to bind (admins)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from zeropark.errors import NotFound, PermissionDenied
from zeropark.model import Role
from zeropark.store.db import session_factory
from zeropark.store.queries.paging import Slice, orm_page
from zeropark.store.schema import EnterpriseRow, ParkRow, UserParkRow, UserRow
from zeropark.store.scope import Scope

__all__ = [
    "account",
    "all_enterprises",
    "all_parks",
    "group_parks",
    "park_provinces",
    "user_page",
    "users",
]


def _admin(scope: Scope) -> None:
    if scope.user.role != Role.ADMIN:
        raise PermissionDenied("only admins manage users")


def account(scope: Scope) -> UserRow:
    """The account of the scope's own user (any role).

    Raises
    ------
    NotFound
        The account is gone (deleted while its session lived).
    """
    with session_factory(scope.engine)() as session:
        row = session.get(UserRow, scope.user.id)
    if row is None:
        raise NotFound(f"user {scope.user.id} not found")
    return row


def user_page(scope: Scope, *, limit: int, offset: int) -> Slice[UserRow]:
    """One page of all users, by id, and how many there are (admins only)."""
    _admin(scope)
    return orm_page(scope.engine, select(UserRow).order_by(UserRow.id), limit, offset)


def users(scope: Scope) -> list[UserRow]:
    """All users, by username (admins only)."""
    _admin(scope)
    with session_factory(scope.engine)() as session:
        return list(session.scalars(select(UserRow).order_by(UserRow.username)))


def all_enterprises(scope: Scope) -> list[EnterpriseRow]:
    """Every enterprise, by park and id (admins only: the enterprise a user is bound to)."""
    _admin(scope)
    with session_factory(scope.engine)() as session:
        return list(session.scalars(select(EnterpriseRow).order_by(EnterpriseRow.park_id, EnterpriseRow.id)))


def all_parks(scope: Scope) -> list[ParkRow]:
    """Every park, by id (admins only: the park a user is bound to)."""
    _admin(scope)
    with session_factory(scope.engine)() as session:
        return list(session.scalars(select(ParkRow).order_by(ParkRow.id)))


def park_provinces(scope: Scope) -> list[tuple[str, int]]:
    """Each province some park is in (``park.province``) and its number of parks (admins only).

    The provinces a provincial user may be bound to, by name.
    """
    _admin(scope)
    stmt = select(ParkRow.province, func.count()).group_by(ParkRow.province).order_by(ParkRow.province)
    with session_factory(scope.engine)() as session:
        return [(str(p), int(n)) for p, n in session.execute(stmt)]


def group_parks(scope: Scope, user_ids: Iterable[int]) -> dict[int, list[str]]:
    """The parks named for each of ``user_ids`` that has any (``user_park``), sorted (admins only)."""
    _admin(scope)
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    stmt = (
        select(UserParkRow.user_id, UserParkRow.park_id)
        .where(UserParkRow.user_id.in_(ids))
        .order_by(UserParkRow.user_id, UserParkRow.park_id)
    )
    out: dict[int, list[str]] = {}
    with session_factory(scope.engine)() as session:
        for uid, pid in session.execute(stmt):
            out.setdefault(int(uid), []).append(str(pid))
    return out
