"""Tenant views of values already read (租户视图): what of a loaded run or report a scope sees.

SQL reads are filtered with :meth:`~zeropark.store.scope.Scope.filter`. Some values are read once
and shared by every user of a park through the API's per-process caches — a stored run's
inventory, a park's data-quality report — so what one user sees of them is picked here, by the
same rule as the SQL filter: an enterprise user sees its own enterprise's parts and nothing
park-level; everyone else sees all of it. A cached rendering of such a value is keyed by
:func:`view_key`, so two tenant views never share one.

Requests that name an enterprise view (``?enterprise_id=``) are decided by :func:`view` and
:func:`may_name` without I/O; :func:`check_view` audits a refusal (blocking: the async routes
call it in the thread pool, only when :func:`may_name` said no).
"""

from __future__ import annotations

from collections.abc import Callable

from zeropark.errors import NotFound, PermissionDenied
from zeropark.store.scope import Scope

__all__ = ["check_view", "may_name", "sees_enterprise", "sees_park_level", "view", "view_key"]

ViewKey = tuple[bool, str | None]
"""(confined to one enterprise, which one): the part of a cache key that names the tenant view."""


def view_key(scope: Scope) -> ViewKey:
    """The tenant view of ``scope`` as a cache key: every park user shares one, each enterprise its own."""
    return (scope.is_enterprise, scope.enterprise_id)


def _everything(_enterprise_id: str | None) -> bool:
    return True


def sees_enterprise(scope: Scope) -> Callable[[str | None], bool]:
    """Whether ``scope`` sees a part of enterprise ``e`` (None = the park's own), as a predicate.

    Park users see every part; an enterprise user only its own enterprise's (the rule of
    :meth:`Scope.filter <zeropark.store.scope.Scope.filter>` for values already in memory).
    """
    if not scope.is_enterprise:
        return _everything
    own = scope.enterprise_id
    return lambda enterprise_id: enterprise_id == own


def sees_park_level(scope: Scope) -> bool:
    """Whether ``scope`` sees park-level parts (gaps of the books, the park's own figures)."""
    return not scope.is_enterprise


def may_name(scope: Scope, requested: str | None) -> bool:
    """Whether a request of ``scope`` may name the enterprise view ``requested`` (None: the default).

    An enterprise user may name only its own enterprise; park users any (the caller checks that
    the enterprise is in the park where that matters).
    """
    return requested is None or not scope.is_enterprise or requested == scope.enterprise_id


def view(scope: Scope, requested: str | None) -> str | None:
    """The enterprise view a request shows (None = the park): an enterprise user's own, whatever it named.

    Raises
    ------
    PermissionDenied
        An enterprise user whose account names no enterprise (it sees no view at all).
    """
    if not scope.is_enterprise:
        return requested
    if scope.enterprise_id is None:
        raise PermissionDenied("this enterprise account names no enterprise; ask an admin to set one")
    return scope.enterprise_id


def check_view(scope: Scope, requested: str | None, *, entity: str, entity_id: str, reason: str) -> None:
    """Raise :class:`NotFound` (after an audit record ``denied``) unless :func:`may_name` allows it.

    Blocking (the audit record is written at once): async routes call it in the thread pool,
    and only when :func:`may_name` said no.
    """
    if not may_name(scope, requested):
        scope.deny(entity, entity_id, reason)
        raise NotFound(f"enterprise '{requested}' not found")
