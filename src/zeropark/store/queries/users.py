"""Users as read (用户): the accounts, and the parks and enterprises a user may be bound to (admins)."""

from __future__ import annotations

from sqlalchemy import select

from zeropark.errors import PermissionDenied
from zeropark.model import Role
from zeropark.store.db import session_factory
from zeropark.store.schema import EnterpriseRow, ParkRow, UserRow
from zeropark.store.scope import Scope

__all__ = ["all_enterprises", "all_parks", "users"]


def _admin(scope: Scope) -> None:
    if scope.user.role != Role.ADMIN:
        raise PermissionDenied("only admins manage users")


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
