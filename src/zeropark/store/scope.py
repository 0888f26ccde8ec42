"""Tenant scope (租户范围): who is asking, and which rows they may see — the query layer's filter.

Roles (DESIGN.md §7): admin (everything), park_manager and verifier (their park; all parks when
the user has none), enterprise (only rows of its own enterprise), device (ingest only), and
province (#20, 省级主管): read-only over a *set* of parks — every park of its province
(``park.province``), resolved when its principal is read — and group (#20, 园区运营集团): read-only
over the parks named for it (``user_park``, in any provinces). A scope's parks are
:attr:`Scope.park_ids`; every park filter and check goes through it, so one role cannot see
another park's rows by a path that forgot it. Every read
model in :mod:`zeropark.store.queries` and every service takes a :class:`Scope`: lists are filtered
in SQL with :meth:`Scope.filter`, one row by id is checked with :meth:`Scope.check`, and a row
outside the scope is answered as if it did not exist (:class:`~zeropark.errors.NotFound`) after an
audit record ``denied`` (:mod:`zeropark.store.audit`). The API, the web pages, the CLI and the
reports build a scope for their user and never filter by tenant themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Engine, Select
from sqlalchemy.orm import Session

from zeropark.errors import NotFound, PermissionDenied
from zeropark.model import Role
from zeropark.store import audit

#: Roles that may read park data (device is ingest only).
READ_ROLES: tuple[Role, ...] = (
    Role.ADMIN,
    Role.PARK_MANAGER,
    Role.ENTERPRISE,
    Role.VERIFIER,
    Role.PROVINCE,
    Role.GROUP,
)
#: Read-only roles over a *set* of parks (:attr:`Principal.parks`), never bound to one park.
MULTI_PARK_ROLES: tuple[Role, ...] = (Role.PROVINCE, Role.GROUP)
#: Roles that see the provincial view (ranking, totals, distributions over many parks).
PROVINCE_ROLES: tuple[Role, ...] = (Role.ADMIN, *MULTI_PARK_ROLES)
#: Roles that manage park master data.
MANAGE_ROLES: tuple[Role, ...] = (Role.ADMIN, Role.PARK_MANAGER)
#: Roles that may write park data at all (each within its tenant; verifier and device are read-only).
WRITE_ROLES: tuple[Role, ...] = (Role.ADMIN, Role.PARK_MANAGER, Role.ENTERPRISE)

T = TypeVar("T", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated user of a request (who, with which role, over which tenant)."""

    id: int
    username: str
    role: Role
    park_id: str | None
    enterprise_id: str | None
    via: str  # "session", "token" or "system"
    display_name: str = ""
    #: the parks of a provincial or group user (roles of :data:`MULTI_PARK_ROLES`; None for the others)
    parks: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class Scope:
    """What the current user may see: the query layer filters with it, server-side.

    - admin: everything; park_manager and verifier: their park (all parks when ``park_id`` is unset);
    - enterprise: only rows of their own enterprise (park-level rows with no enterprise excluded).

    Access by id to a row outside the scope is answered as if it did not exist (404) and leaves
    an audit record ``denied``.
    """

    user: Principal
    engine: Engine
    ip: str | None

    @property
    def enterprise_id(self) -> str | None:
        """The enterprise the user is confined to (None = not confined)."""
        return self.user.enterprise_id if self.user.role == Role.ENTERPRISE else None

    @property
    def park_ids(self) -> frozenset[str] | None:
        """The parks the user is confined to (None = not confined: admin, or a park user without park).

        A provincial user: its province's parks; a group user: the parks named for it (either
        empty when it has none — it then sees nothing).
        """
        role = self.user.role
        if role == Role.ADMIN:
            return None
        if role in MULTI_PARK_ROLES:
            return self.user.parks or frozenset()
        return None if self.user.park_id is None else frozenset((self.user.park_id,))

    @property
    def park_id(self) -> str | None:
        """The one park the user is confined to (None = not confined to one park).

        A provincial or group user is confined to a set (:attr:`park_ids`), never to one park: None
        here, and code that filters by park must use :meth:`filter`, :meth:`sees_park` or :attr:`park_ids`.
        """
        if self.user.role == Role.ADMIN or self.user.role in MULTI_PARK_ROLES:
            return None
        return self.user.park_id

    @property
    def is_enterprise(self) -> bool:
        """Whether the user only sees one enterprise."""
        return self.user.role == Role.ENTERPRISE

    def park_condition(self, park_col: Any) -> ColumnElement[bool] | None:
        """The SQL condition confining ``park_col`` to the scope's parks (None: no condition)."""
        ids = self.park_ids
        if ids is None:
            return None
        if len(ids) == 1:
            return park_col == next(iter(ids))  # type: ignore[no-any-return]
        return park_col.in_(sorted(ids))  # type: ignore[no-any-return]

    def filter(
        self,
        stmt: T,
        *,
        enterprise_col: Any | None = None,
        park_col: Any | None = None,
        park_level: bool = False,
    ) -> T:
        """Restrict ``stmt`` to the scope (``enterprise_col`` = the row's enterprise id column).

        ``park_level=True`` marks rows every user of the park may see (the park itself); any
        other query of an enterprise user without ``enterprise_col`` is refused.
        """
        conditions: list[ColumnElement[bool]] = []
        if park_col is not None and (cond := self.park_condition(park_col)) is not None:
            conditions.append(cond)
        if self.is_enterprise and not park_level:
            if enterprise_col is None:
                raise PermissionDenied("enterprise users may not list park-level data")
            conditions.append(enterprise_col == self.enterprise_id)
        return stmt.where(*conditions) if conditions else stmt

    def sees(self, *, park_id: str | None, enterprise_id: str | None) -> bool:
        """Whether a row of ``park_id`` / ``enterprise_id`` is inside the scope."""
        ids = self.park_ids
        if ids is not None and park_id is not None and park_id not in ids:
            return False
        return not (self.is_enterprise and enterprise_id != self.enterprise_id)

    def deny(self, entity: str, entity_id: str, reason: str) -> None:
        """Audit a denied access (without raising)."""
        audit.record_denied(
            self.engine,
            user=self.user.username,
            role=self.user.role,
            entity=entity,
            entity_id=entity_id,
            reason=reason,
            ip=self.ip,
        )

    def check(self, entity: str, entity_id: str, *, park_id: str | None, enterprise_id: str | None) -> None:
        """Raise :class:`NotFound` (after auditing) when the row is outside the scope."""
        if not self.sees(park_id=park_id, enterprise_id=enterprise_id):
            self.deny(entity, entity_id, f"outside scope (park={park_id}, enterprise={enterprise_id})")
            raise NotFound(f"{entity} '{entity_id}' not found")

    def sees_park(self, park_id: str) -> bool:
        """Whether the park ``park_id`` is inside the scope (no audit; see :meth:`check_park`)."""
        ids = self.park_ids
        return ids is None or park_id in ids

    def check_park(self, park_id: str) -> None:
        """Raise :class:`NotFound` (after auditing) for a park outside the scope."""
        if not self.sees_park(park_id):
            mine = ",".join(sorted(self.park_ids or ()))
            self.deny("park", park_id, f"outside scope (user parks={mine})")
            raise NotFound(f"park '{park_id}' not found")

    def require_manager(self, entity: str, entity_id: str) -> None:
        """Refuse (403 + audit) unless the user is admin or park manager."""
        if self.user.role not in MANAGE_ROLES:
            self.deny(entity, entity_id, f"role '{self.user.role}' may not change {entity}")
            raise PermissionDenied(
                f"role '{self.user.role}' may not change {entity}; ask a park manager or admin"
            )

    def check_write(
        self, entity: str, entity_id: str, *, park_id: str | None, enterprise_id: str | None
    ) -> None:
        """Like :meth:`check`, and refuse writes by read-only roles (verifier, device)."""
        self.check(entity, entity_id, park_id=park_id, enterprise_id=enterprise_id)
        if self.user.role not in WRITE_ROLES:
            self.deny(entity, entity_id, f"role '{self.user.role}' is read-only")
            raise PermissionDenied(f"role '{self.user.role}' is read-only; it may not change {entity}")

    def audit(
        self,
        session: Session,
        action: str,
        entity: str,
        entity_id: str | None,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        """Add an audit record of a write by this user to ``session`` (same transaction)."""
        audit.record(
            session,
            user=self.user.username,
            role=self.user.role,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
            ip=self.ip,
        )


def system_scope(engine: Engine, name: str) -> Scope:
    """The scope of a trusted local process (``cli``, ``demo``): admin rights, audited under ``name``.

    Whoever runs the command line has the database credentials and so every right; the scope
    makes the CLI's writes go through the same use cases and leave the same audit records
    (user ``name``, role ``admin``, no address) as the API's and the web's.
    """
    return Scope(Principal(0, name, Role.ADMIN, None, None, "system", name), engine, None)
