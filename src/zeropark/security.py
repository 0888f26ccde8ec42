"""Secrets at rest (口令与令牌): argon2id hashes of passwords and API tokens, token format.

Passwords, API tokens and gateway keys are hashed with argon2id with argon2-cffi's defaults
(``argon2.profiles.RFC_9106_LOW_MEMORY``: RFC 9106 §4, second recommended option — t=3, 64 MiB,
p=4); a clear token is shown once, when it is created, and looked up by its 8-hex-digit prefix. No
secret is ever stored or logged in clear.

The parameters are a named option (:data:`HASH_PROFILES`, setting ``ZEROPARK_PASSWORD_HASH_PROFILE``):
``default`` everywhere a real secret is kept; ``test-cheapest`` (argon2-cffi's ``CHEAPEST``: t=1,
8 KiB) only for the test suite, where hundreds of logins would otherwise spend minutes in argon2.
:meth:`zeropark.settings.Settings.check_production` refuses any profile but ``default`` outside
development. A hash records its own parameters, so hashes made under either profile verify under
both.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

TOKEN_PREFIX = "zp_"

#: The default profile's name: argon2-cffi's defaults (RFC 9106 low-memory, argon2id).
DEFAULT_PROFILE = "default"
#: Named argon2 parameter sets (``ZEROPARK_PASSWORD_HASH_PROFILE``); only ``default`` in production.
HASH_PROFILES: dict[str, Parameters] = {
    DEFAULT_PROFILE: profiles.RFC_9106_LOW_MEMORY,
    "test-cheapest": profiles.CHEAPEST,
}


@dataclass
class _InUse:
    """The profile this process hashes with, its hasher and its timing-equaliser hash."""

    profile: str
    hasher: PasswordHasher
    dummy: str


_DEFAULT_HASHER = PasswordHasher.from_parameters(HASH_PROFILES[DEFAULT_PROFILE])
#: A hash to verify against when the user does not exist, so a wrong username costs as long as a
#: wrong password (no timing oracle for which usernames exist). Made with the default profile;
#: :func:`dummy_hash` is the one of the profile in use.
DUMMY_HASH = _DEFAULT_HASHER.hash("zeropark-timing-equaliser")
_IN_USE = _InUse(DEFAULT_PROFILE, _DEFAULT_HASHER, DUMMY_HASH)


def use_profile(name: str) -> None:
    """Hash new secrets with the argon2 parameters of profile ``name`` (:data:`HASH_PROFILES`).

    Raises ``ValueError`` naming the known profiles for an unknown name.
    """
    if name not in HASH_PROFILES:
        raise ValueError(f"unknown password hash profile {name!r}; use one of {', '.join(HASH_PROFILES)}")
    if name == _IN_USE.profile:
        return
    hasher = PasswordHasher.from_parameters(HASH_PROFILES[name])
    _IN_USE.profile, _IN_USE.hasher = name, hasher
    _IN_USE.dummy = hasher.hash("zeropark-timing-equaliser")


def hasher() -> PasswordHasher:
    """The argon2 hasher of the profile in use (passwords, API tokens, gateway keys)."""
    return _IN_USE.hasher


def dummy_hash() -> str:
    """A hash of the profile in use to verify against when there is no account (timing equaliser)."""
    return _IN_USE.dummy


def hash_password(password: str) -> str:
    """Argon2id hash of ``password`` (the parameters of the profile in use)."""
    return _IN_USE.hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (False for a malformed hash)."""
    try:
        return _IN_USE.hasher.verify(password_hash, password)
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
