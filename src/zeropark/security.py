"""Secrets at rest (口令与令牌): argon2id hashes of passwords and API tokens, token format.

Passwords and API tokens are hashed with argon2id (argon2-cffi's defaults); a clear token is shown
once, when it is created, and looked up by its 8-hex-digit prefix. No secret is ever stored or
logged in clear.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

TOKEN_PREFIX = "zp_"

_hasher = PasswordHasher()
#: A hash to verify against when the user does not exist, so a wrong username costs as long as a
#: wrong password (no timing oracle for which usernames exist).
DUMMY_HASH = _hasher.hash("zeropark-timing-equaliser")


def hash_password(password: str) -> str:
    """Argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (False for a malformed hash)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_api_token() -> tuple[str, str]:
    """A new clear API token ``zp_<prefix>_<secret>`` and its lookup prefix."""
    prefix = secrets.token_hex(4)
    return f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", prefix


def token_prefix(token: str) -> str | None:
    """The lookup prefix of a clear token ``zp_<prefix>_<secret>``, or None if it is not one."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    parts = token[len(TOKEN_PREFIX) :].split("_", 1)
    if len(parts) != 2 or len(parts[0]) != 8:
        return None
    return parts[0]
