"""Users (用户) and their API tokens: create, change, revoke, the demo accounts — one function per use case.

The API (``/api/v1/users``), the 用户 page and ``zeropark users add`` call these; each write is
audited in the same transaction (:mod:`zeropark.store.audit`). Passwords and API tokens are
argon2id hashes (:mod:`zeropark.security`). :func:`add_user` and :func:`update_user` take the
caller's session and plain values (the caller commits); :func:`new_user`, :func:`change_user`,
:func:`create_token` and :func:`revoke_token` take the caller's scope and run in a transaction
of their own.

Who a user reads is bound at creation (:func:`check_binding`, then :func:`create_user` against the
store): an enterprise user its enterprise; a park manager or verifier one park (or none: all); a
provincial user (``province``) every park of one province, which must have a park; a group user
(``group``, a park-operator group, #20) the parks named for it in ``user_park`` — any provinces, at
least one, each an existing park. Provincial and group users write nothing (not in
:data:`~zeropark.store.scope.WRITE_ROLES`).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from zeropark.errors import NotFound, PermissionDenied, RowError, ValidationError
from zeropark.model import Role
from zeropark.security import hash_password, new_api_token
from zeropark.services.logins import end_user_sessions
from zeropark.store import audit
from zeropark.store.db import transaction
from zeropark.store.queries.sessions import group_parks
from zeropark.store.schema import ApiTokenRow, EnterpriseRow, ParkRow, UserParkRow, UserRow
from zeropark.store.scope import Principal, Scope


@dataclass(frozen=True, slots=True)
class NewUser:
    """A user to create: enterprise users need ``enterprise_id``, provincial ``province``, group ``parks``."""

    username: str
    password: str
    role: Role
    display_name: str = ""
    park_id: str | None = None
    enterprise_id: str | None = None
    province: str | None = None
    parks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UserChanges:
    """Changes to a user; only the fields named in ``given`` are applied.

    ``park_id`` and ``enterprise_id`` may be set to None (unbound) when they are in ``given``.
    """

    given: frozenset[str]
    display_name: str | None = None
    role: Role | None = None
    park_id: str | None = None
    enterprise_id: str | None = None
    active: bool | None = None
    password: str | None = None
    unlock: bool = False


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError([RowError(file="request", sheet=None, row=None, field=field, message=message)])


class UserFieldError(ValueError):
    """A user field refused: ``field`` is its name (``province``, ``parks``, ...), the message the fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def split_parks(values: str | Iterable[str]) -> tuple[str, ...]:
    """Park ids from ``"P1,P2"`` or from several values (each may hold commas), stripped, each once.

    >>> split_parks(" P1, P2,,P1")
    ('P1', 'P2')
    """
    items = [values] if isinstance(values, str) else list(values)
    out: list[str] = []
    for item in items:
        for part in item.split(","):
            p = part.strip()
            if p and p not in out:
                out.append(p)
    return tuple(out)


def check_binding(
    role: Role,
    *,
    park_id: str | None = None,
    enterprise_id: str | None = None,
    province: str | None = None,
    parks: Iterable[str] = (),
) -> tuple[str, ...]:
    """Check what a new user of ``role`` is bound to, without the store; the group's parks, sorted.

    Raises
    ------
    UserFieldError
        An enterprise user without enterprise; a provincial user without province; a group user
        without parks; a provincial or group user given a park, an enterprise (or the other's
        binding); ``province`` or ``parks`` given to another role.
    """
    names = split_parks(parks)
    province = (province or "").strip() or None
    if role == Role.ENTERPRISE and not enterprise_id:
        raise UserFieldError(
            "enterprise_id", "an enterprise user needs --enterprise (the enterprise id it may see)"
        )
    if role == Role.PROVINCE:
        if not province:
            raise UserFieldError(
                "province", "a provincial user needs --province (the park.province whose parks it reads)"
            )
        if park_id is not None or enterprise_id is not None or names:
            raise UserFieldError(
                "province",
                "a provincial user reads every park of its province: give no --park, --parks or --enterprise",
            )
    elif province is not None:
        raise UserFieldError("province", "--province is only for role province")
    if role == Role.GROUP:
        if not names:
            raise UserFieldError(
                "parks", "a group user needs its parks: --parks P1,P2 (the park ids it reads; at least one)"
            )
        if park_id is not None or enterprise_id is not None:
            raise UserFieldError(
                "parks", "a group user reads exactly its --parks: give no --park or --enterprise"
            )
    elif names:
        raise UserFieldError("parks", "--parks is only for role group (a park-operator group)")
    return tuple(sorted(names))


def _park_provinces(session: Session) -> list[str]:
    return sorted(set(session.scalars(select(ParkRow.province).distinct())))


def _check_parks_exist(session: Session, field: str, park_ids: Iterable[str]) -> None:
    unknown = [p for p in park_ids if session.get(ParkRow, p) is None]
    if unknown:
        named = ", ".join(f"'{p}'" for p in unknown)
        what = "park {} does" if len(unknown) == 1 else "parks {} do"
        raise UserFieldError(
            field,
            f"{what.format(named)} not exist; see `zeropark park show` or GET /api/v1/parks for the parks",
        )


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    park_id: str | None = None,
    enterprise_id: str | None = None,
    display_name: str = "",
    province: str | None = None,
    parks: Iterable[str] = (),
) -> UserRow:
    """Add a user (password argon2-hashed), bound as :func:`check_binding` says.

    A provincial user (role ``province``) needs ``province``, a province some park is in: it
    reads every park whose ``park.province`` is that value. A group user (role ``group``) needs
    ``parks``, existing park ids: it reads exactly those (rows of ``user_park``). Neither is bound
    to a single park or enterprise.

    Raises
    ------
    UserFieldError
        (a ``ValueError``) As :func:`check_binding`; a province with no park, an unknown park or
        enterprise, a duplicate username or a password shorter than 8 characters — each naming
        the value.
    """
    if len(password) < 8:
        raise UserFieldError("password", "password too short: use at least 8 characters")
    group = check_binding(role, park_id=park_id, enterprise_id=enterprise_id, province=province, parks=parks)
    province = (province or "").strip() or None
    if (
        province is not None
        and not session.scalars(select(ParkRow.id).where(ParkRow.province == province).limit(1)).first()
    ):
        known = ", ".join(_park_provinces(session)) or "none yet"
        raise UserFieldError(
            "province",
            f"province '{province}' has no park, so its user would see nothing; provinces with parks: "
            f"{known} (register the park first: zeropark park init)",
        )
    _check_parks_exist(session, "parks", group)
    if park_id is not None:
        _check_parks_exist(session, "park_id", [park_id])
    if enterprise_id is not None:
        ent = session.get(EnterpriseRow, enterprise_id)
        if ent is None:
            raise UserFieldError(
                "enterprise_id",
                f"enterprise '{enterprise_id}' does not exist; see `zeropark data` or the API",
            )
        park_id = park_id or ent.park_id
    if session.scalar(select(UserRow).where(UserRow.username == username)) is not None:
        raise UserFieldError("username", f"user '{username}' already exists; choose another username")
    row = UserRow(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        role=str(role),
        park_id=park_id,
        enterprise_id=enterprise_id,
        province=province,
        active=True,
        failed_logins=0,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    session.add_all(UserParkRow(user_id=row.id, park_id=p) for p in group)
    session.flush()
    return row


DEMO_USERS: tuple[tuple[str, Role, str], ...] = (
    ("demo-admin", Role.ADMIN, "示例管理员 demo admin"),
    ("demo-manager", Role.PARK_MANAGER, "示例园区管理 demo park manager"),
    ("demo-enterprise", Role.ENTERPRISE, "示例企业用户 demo enterprise user"),
    ("demo-verifier", Role.VERIFIER, "示例核查员 demo verifier"),
    ("demo-device", Role.DEVICE, "示例设备 demo device"),
)


def ensure_demo_users(engine: Engine, park_id: str) -> list[tuple[str, str, str]]:
    """Create (or reset) one demo user per role for ``park_id``: DEMO ONLY.

    Passwords are generated afresh on each call (so the printed ones always work) and returned
    as ``(username, password, role)``. The enterprise user is bound to the park's first
    non-public enterprise (by id); it is skipped when the park has none.
    """
    out: list[tuple[str, str, str]] = []
    with transaction(engine) as session:
        ent_id = session.scalar(
            select(EnterpriseRow.id)
            .where(EnterpriseRow.park_id == park_id, EnterpriseRow.is_public_facility.is_(False))
            .order_by(EnterpriseRow.id)
            .limit(1)
        )
        for username, role, display in DEMO_USERS:
            if role == Role.ENTERPRISE and ent_id is None:
                continue
            password = f"demo-{secrets.token_urlsafe(9)}"
            row = session.scalar(select(UserRow).where(UserRow.username == username))
            if row is None:
                create_user(
                    session,
                    username=username,
                    password=password,
                    role=role,
                    park_id=park_id,
                    enterprise_id=ent_id if role == Role.ENTERPRISE else None,
                    display_name=display,
                )
            else:
                row.password_hash = hash_password(password)
                row.role = str(role)
                row.park_id = park_id
                row.enterprise_id = ent_id if role == Role.ENTERPRISE else None
                row.active = True
                row.failed_logins = 0
                row.locked_until = None
            out.append((username, password, str(role)))
    return out


def add_user(session: Session, admin: Principal, ip: str | None, new: NewUser) -> UserRow:
    """Create a user (argon2-hashed password) and its audit record ``create user`` in ``session``.

    The audit record's ``after`` holds the row's columns and, for a group user, its ``parks``.

    Raises
    ------
    ValidationError
        As :func:`create_user` (duplicate username, short password, a binding refused), the
        offending field named.
    """
    try:
        row = create_user(
            session,
            username=new.username,
            password=new.password,
            role=new.role,
            park_id=new.park_id,
            enterprise_id=new.enterprise_id,
            display_name=new.display_name,
            province=new.province,
            parks=new.parks,
        )
    except UserFieldError as exc:
        raise _invalid(exc.field, str(exc)) from exc
    after = audit.row_snapshot(row)
    if new.role == Role.GROUP:
        after["parks"] = sorted(group_parks(session, row.id))
    audit.record(
        session,
        user=admin.username,
        role=admin.role,
        action=audit.CREATE,
        entity="user",
        entity_id=str(row.id),
        after=after,
        ip=ip,
    )
    return row


def update_user(
    session: Session, admin: Principal, ip: str | None, user_id: int, change: UserChanges
) -> UserRow:
    """Apply ``change`` to user ``user_id`` with one audit record ``update user`` (before/after).

    Role, tenant, activation, password reset (argon2; a reset or a deactivation deletes the
    user's server-side sessions) and ``unlock``
    (clears failed logins and the lockout). The before/after snapshots never hold the password
    hash; a reset is recorded as ``"password_reset": true`` in ``after``.

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
    given = change.given
    if "enterprise_id" in given and change.enterprise_id is not None:
        if session.get(EnterpriseRow, change.enterprise_id) is None:
            raise _invalid("enterprise_id", f"enterprise '{change.enterprise_id}' does not exist")
    if "display_name" in given and change.display_name is not None:
        row.display_name = change.display_name
    if "park_id" in given:
        row.park_id = change.park_id
    if "enterprise_id" in given:
        row.enterprise_id = change.enterprise_id
    if "active" in given and change.active is not None:
        row.active = change.active
    if change.role is not None:
        row.role = str(change.role)
    if change.password is not None:
        row.password_hash = hash_password(change.password)
    if change.unlock:
        row.failed_logins = 0
        row.locked_until = None
    if row.role == Role.ENTERPRISE and not row.enterprise_id:
        raise _invalid("enterprise_id", "an enterprise user needs an enterprise_id")
    if row.role == Role.PROVINCE and not row.province:
        raise _invalid("role", "a provincial user needs a province: create it anew with its province")
    if row.role == Role.GROUP and not group_parks(session, row.id):
        raise _invalid("role", "a group user needs its parks: create it anew with its parks")
    if row.id == admin.id and (row.role != Role.ADMIN or not row.active):
        raise PermissionDenied("an admin may not demote or deactivate themself; ask another admin")
    if change.password is not None or not row.active:
        end_user_sessions(session, row.id)  # a reset or a deactivation logs the user out everywhere
    after = audit.row_snapshot(row)
    if change.password is not None:
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


def user_changes(**values: object) -> UserChanges:
    """A :class:`UserChanges` of the given fields (``given`` = the names passed)."""
    names = {f.name for f in fields(UserChanges)} - {"given"}
    unknown = set(values) - names
    if unknown:
        raise TypeError(f"unknown user fields: {', '.join(sorted(unknown))}")
    return UserChanges(given=frozenset(values), **values)  # type: ignore[arg-type]


def _require_admin(scope: Scope, entity_id: str) -> None:
    if scope.user.role != Role.ADMIN:
        scope.deny("user", entity_id, f"role '{scope.user.role}' may not manage users")
        raise PermissionDenied(f"role '{scope.user.role}' may not manage users; ask an admin")


def new_user(scope: Scope, new: NewUser) -> UserRow:
    """:func:`add_user` by the scope's user (admins only) in a transaction of its own; the row detached.

    Raises
    ------
    PermissionDenied
        The user is not an admin (audited).
    ValidationError
        As :func:`add_user`.
    """
    _require_admin(scope, new.username)
    with transaction(scope.engine) as session:
        row = add_user(session, scope.user, scope.ip, new)
        session.flush()
        session.expunge(row)
    return row


def change_user(scope: Scope, user_id: int, change: UserChanges) -> UserRow:
    """:func:`update_user` by the scope's user (admins only) in a transaction of its own; the row detached.

    Raises
    ------
    PermissionDenied
        The user is not an admin (audited), or an admin demoting or deactivating themself.
    NotFound, ValidationError
        As :func:`update_user`.
    """
    _require_admin(scope, str(user_id))
    with transaction(scope.engine) as session:
        row = update_user(session, scope.user, scope.ip, user_id, change)
        session.flush()
        session.expunge(row)
    return row


@dataclass(frozen=True, slots=True)
class NewToken:
    """A new API token: ``token`` is the clear secret, returned this once (only its hash is stored)."""

    id: int
    name: str
    prefix: str
    created_at: datetime
    token: str


def create_token(scope: Scope, name: str) -> NewToken:
    """A new API token (``zp_…``) of the scope's own user (any role), audited ``create api_token``."""
    token, prefix = new_api_token()
    with transaction(scope.engine) as session:
        row = ApiTokenRow(
            user_id=scope.user.id,
            name=name,
            prefix=prefix,
            token_hash=hash_password(token),
            created_at=datetime.now(UTC),
            revoked=False,
        )
        session.add(row)
        session.flush()
        scope.audit(session, audit.CREATE, "api_token", str(row.id), after=audit.row_snapshot(row))
        return NewToken(row.id, row.name, prefix, row.created_at, token)


def revoke_token(scope: Scope, token_id: int) -> None:
    """Revoke API token ``token_id`` of the scope's own user (an admin: anyone's), audited with before/after.

    The caller forgets tokens it has verified and kept (the API's token cache).

    Raises
    ------
    NotFound
        No such token, or a token of another user (audited ``denied``).
    """
    with transaction(scope.engine) as session:
        row = session.get(ApiTokenRow, token_id)
        if row is None or (row.user_id != scope.user.id and scope.user.role != Role.ADMIN):
            if row is not None:
                scope.deny("api_token", str(token_id), "token of another user")
            raise NotFound(f"api token {token_id} not found")
        before = audit.row_snapshot(row)
        row.revoked = True
        after = audit.row_snapshot(row)
        scope.audit(session, audit.UPDATE, "api_token", str(row.id), before=before, after=after)
