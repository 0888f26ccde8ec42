"""API tokens as read (接口令牌): a user's own tokens, metadata only (the secret is never stored in clear)."""

from __future__ import annotations

from sqlalchemy import select

from zeropark.store.db import session_factory
from zeropark.store.schema import ApiTokenRow
from zeropark.store.scope import Scope

__all__ = ["tokens"]


def tokens(scope: Scope) -> list[ApiTokenRow]:
    """The API tokens of the scope's own user (any role), oldest first."""
    stmt = select(ApiTokenRow).where(ApiTokenRow.user_id == scope.user.id).order_by(ApiTokenRow.id)
    with session_factory(scope.engine)() as session:
        return list(session.scalars(stmt))
