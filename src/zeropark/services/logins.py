"""Logging in and out (登录与退出): credentials, throttling, server-side sessions, admin unlocks.

The HTTP doors (the login API and form, the logout API and page) call these; the cookie itself
is :mod:`zeropark.serving.sessions`. Every login, failed login, logout and unlock is audited.

Throttling (OWASP Authentication Cheat Sheet, "Login Throttling"; NIST SP 800-63B §5.2.2)
-------------------------------------------------------------------------------------
- **Per account**: :data:`MAX_FAILED_LOGINS_PER_USER` consecutive failures lock the username for
  :data:`LOCKOUT`. A username that is not an account is counted the same way (``login_throttle``),
  so the answers — 401 with one message, then 429 with one message, for as long — do not tell
  whether a user exists. An admin unlocks an account (``PATCH /api/v1/users/{id} {"unlock": true}``).
- **Per address**: :data:`MAX_FAILED_LOGINS_PER_IP` failures from one address within
  :data:`LOCKOUT` block it (counted from the audit log, so every worker agrees). The threshold is
  ten times the account's: the people behind one NAT address (a park's office) are not locked out
  by one person's typos or by a guesser who locked a few accounts; an admin lifts a block at once
  with :func:`unlock_address` (``POST /api/v1/users/unlock-address``).

Sessions
--------
A login stores a ``user_session`` row (the SHA-256 of a random 256-bit key; the key goes into
the signed cookie) valid :data:`SESSION_TTL`. Logout deletes the row, so the old cookie stops
working even if it was copied; a password change or deactivation deletes every session of the
user (:mod:`zeropark.services.users`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from zeropark.errors import PermissionDenied
from zeropark.model import Role
from zeropark.security import dummy_hash, verify_password
from zeropark.store import audit
from zeropark.store.db import transaction
from zeropark.store.queries.sessions import principal_of
from zeropark.store.schema import AuditLogRow, LoginThrottleRow, UserRow, UserSessionRow
from zeropark.store.scope import Principal, Scope

__all__ = [
    "LOCKOUT",
    "MAX_FAILED_LOGINS_PER_IP",
    "MAX_FAILED_LOGINS_PER_USER",
    "SESSION_TTL",
    "Login",
    "LoginFailed",
    "LoginThrottled",
    "end_user_sessions",
    "key_hash",
    "log_in",
    "log_out",
    "unlock_address",
]

#: Consecutive failed logins that lock a username, and for how long.
MAX_FAILED_LOGINS_PER_USER = 5
LOCKOUT = timedelta(minutes=15)
#: Failed logins from one address within ``LOCKOUT`` that block the address (10 × an account's).
MAX_FAILED_LOGINS_PER_IP = 50
#: How long a session lives (the cookie's max-age is the same).
SESSION_TTL = timedelta(hours=12)
#: Audit action of an admin lifting an address block.
UNLOCK_ADDRESS = "unlock_address"

#: The one message of a throttled login: it names neither the account nor whether it exists.
THROTTLED = (
    "too many failed logins for this account or from this address; try again in {minutes} min "
    "or ask an admin to unlock it"
)
#: The one message of a refused login.
REFUSED = "wrong username or password"


class LoginThrottled(Exception):
    """Too many failed logins for the username or the address; ``retry_after_s`` says when to retry."""

    def __init__(self, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(THROTTLED.format(minutes=-(-retry_after_s // 60)))  # whole minutes, rounded up


class LoginFailed(Exception):
    """Wrong username or password, or an inactive account (the message does not say which)."""

    def __init__(self) -> None:
        super().__init__(REFUSED)


@dataclass(frozen=True, slots=True)
class Login:
    """A successful login: who, and the session key for the cookie (shown only here)."""

    principal: Principal
    session_key: str


def key_hash(session_key: str) -> str:
    """What is stored of a session key: its SHA-256, hex."""
    return hashlib.sha256(session_key.encode()).hexdigest()


def _as_utc(ts: datetime) -> datetime:
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def _address_blocked(session: Session, ip: str, now: datetime) -> int | None:
    """Seconds until the address ``ip`` may try again, or None when it is not blocked."""
    since = now - LOCKOUT
    unlocked = session.scalar(
        select(func.max(AuditLogRow.at)).where(
            AuditLogRow.action == UNLOCK_ADDRESS, AuditLogRow.entity_id == ip, AuditLogRow.at > since
        )
    )
    if unlocked is not None:
        since = _as_utc(unlocked)
    failures = session.scalars(
        select(AuditLogRow.at)
        .where(AuditLogRow.action == audit.LOGIN_FAILED, AuditLogRow.ip == ip, AuditLogRow.at > since)
        .order_by(AuditLogRow.at.desc())
        .limit(MAX_FAILED_LOGINS_PER_IP)
    ).all()
    if len(failures) < MAX_FAILED_LOGINS_PER_IP:
        return None
    # blocked until the oldest of the last MAX failures leaves the window
    return max(1, int((_as_utc(failures[-1]) + LOCKOUT - now).total_seconds()) + 1)


def _count_failure(counter: UserRow | LoginThrottleRow, now: datetime) -> None:
    """One more consecutive failure; the ``MAX_FAILED_LOGINS_PER_USER``-th locks for ``LOCKOUT``."""
    counter.failed_logins = (counter.failed_logins or 0) + 1
    if counter.failed_logins >= MAX_FAILED_LOGINS_PER_USER:
        counter.locked_until = now + LOCKOUT
        counter.failed_logins = 0


def log_in(engine: Engine, username: str, password: str, ip: str | None) -> Login:
    """Check the credentials with throttling; on success open a server-side session.

    Raises
    ------
    LoginThrottled
        The username is locked or the address is blocked (429).
    LoginFailed
        Wrong username or password, or an inactive account (401; the message does not say which).
    """
    now = datetime.now(UTC)
    username = username[:64]
    with transaction(engine) as session:
        if ip is not None:
            wait = _address_blocked(session, ip, now)
            if wait is not None:
                raise LoginThrottled(wait)
        row = session.scalar(select(UserRow).where(UserRow.username == username))
        counter: UserRow | LoginThrottleRow | None = row
        if row is None:
            counter = session.get(LoginThrottleRow, username)
        if counter is not None and counter.locked_until is not None and _as_utc(counter.locked_until) > now:
            raise LoginThrottled(int((_as_utc(counter.locked_until) - now).total_seconds()) + 1)
        ok = verify_password(row.password_hash if row else dummy_hash(), password)
        if row is not None and ok and row.active:
            row.failed_logins = 0
            row.locked_until = None
            key = secrets.token_urlsafe(32)
            # the user's expired sessions go when it logs in again (the table stays small)
            session.execute(
                delete(UserSessionRow).where(
                    UserSessionRow.user_id == row.id, UserSessionRow.expires_at <= now
                )
            )
            session.add(
                UserSessionRow(
                    key_hash=key_hash(key),
                    user_id=row.id,
                    created_at=now,
                    expires_at=now + SESSION_TTL,
                    ip=ip,
                )
            )
            audit.record(
                session, user=row.username, role=row.role, action=audit.LOGIN, entity="session", ip=ip
            )
            return Login(principal_of(row, "session", session), key)
        if counter is None:
            counter = LoginThrottleRow(username=username, failed_logins=0, updated_at=now)
            session.add(counter)
        if isinstance(counter, LoginThrottleRow):
            counter.updated_at = now
            # forget names not tried for a day (a guesser's names do not pile up)
            session.execute(
                delete(LoginThrottleRow).where(LoginThrottleRow.updated_at < now - timedelta(days=1))
            )
        _count_failure(counter, now)
        audit.record(
            session,
            user=username,
            role=row.role if row else None,
            action=audit.LOGIN_FAILED,
            entity="session",
            ip=ip,
        )
    raise LoginFailed()


def log_out(engine: Engine, session_key: str, user: Principal, ip: str | None) -> None:
    """End the session ``session_key`` on the server (its cookie stops working), audited ``logout``."""
    with transaction(engine) as session:
        session.execute(delete(UserSessionRow).where(UserSessionRow.key_hash == key_hash(session_key)))
        audit.record(
            session, user=user.username, role=user.role, action=audit.LOGOUT, entity="session", ip=ip
        )


def end_user_sessions(session: Session, user_id: int) -> None:
    """Delete every session of ``user_id`` in the caller's transaction (password change, deactivation)."""
    session.execute(delete(UserSessionRow).where(UserSessionRow.user_id == user_id))


def unlock_address(scope: Scope, ip: str) -> None:
    """Lift the block of address ``ip`` now (admin), audited ``unlock_address``.

    Failures from the address before this moment no longer count.

    Raises
    ------
    PermissionDenied
        The user is not an admin (audited).
    """
    if scope.user.role != Role.ADMIN:
        scope.deny("address", ip, f"role '{scope.user.role}' may not unlock addresses")
        raise PermissionDenied(f"role '{scope.user.role}' may not unlock addresses; ask an admin")
    with transaction(scope.engine) as session:
        scope.audit(session, UNLOCK_ADDRESS, "address", ip)
