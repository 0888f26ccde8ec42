"""The argon2 parameters of stored secrets: production uses argon2-cffi's argon2id defaults.

The test suite hashes with the cheap ``test-cheapest`` profile (tests/conftest.py); these tests pin
what production uses and that the cheap profile cannot reach it. argon2-cffi's default is
``profiles.RFC_9106_LOW_MEMORY`` (RFC 9106 §4, second recommended option: argon2id, t=3 passes,
m=65 536 KiB = 64 MiB, p=4 lanes, 16-byte salt, 32-byte tag).
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type, extract_parameters

from zeropark import security
from zeropark.settings import Settings


def test_the_default_profile_is_argon2_cffis_argon2id_default() -> None:
    params = security.HASH_PROFILES[security.DEFAULT_PROFILE]
    default = PasswordHasher()
    assert params.type is Type.ID
    assert (params.time_cost, params.memory_cost, params.parallelism) == (3, 65536, 4)
    assert (params.time_cost, params.memory_cost, params.parallelism, params.hash_len, params.salt_len) == (
        default.time_cost,
        default.memory_cost,
        default.parallelism,
        default.hash_len,
        default.salt_len,
    )
    # the module-level timing equaliser is a default-profile hash, whatever profile tests switch to
    stored = extract_parameters(security.DUMMY_HASH)
    assert stored == params
    assert security.DUMMY_HASH.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_settings_default_to_the_default_profile_and_production_refuses_the_cheap_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ZEROPARK_PASSWORD_HASH_PROFILE", raising=False)
    assert Settings().password_hash_profile == "default"
    Settings(environment="production", secret_key="s" * 32).check_production()  # passes
    cheap = Settings(environment="production", secret_key="s" * 32, password_hash_profile="test-cheapest")
    with pytest.raises(ValueError, match="ZEROPARK_PASSWORD_HASH_PROFILE='test-cheapest' is for tests only"):
        cheap.check_production()
    Settings(password_hash_profile="test-cheapest").check_production()  # development: allowed


def test_a_profile_switch_changes_new_hashes_and_old_hashes_still_verify() -> None:
    before = security.hash_password("pw-1")
    previous = "test-cheapest" if extract_parameters(before).memory_cost == 8 else "default"
    try:
        security.use_profile("default")
        strong = security.hash_password("pw-2")
        assert strong.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert extract_parameters(security.dummy_hash()) == security.HASH_PROFILES["default"]
        security.use_profile("test-cheapest")
        cheap = security.hash_password("pw-3")
        assert cheap.startswith("$argon2id$v=19$m=8,t=1,p=1$")
        # a hash records its parameters: each verifies under the other profile, wrong ones fail
        assert security.verify_password(strong, "pw-2") and not security.verify_password(strong, "pw-3")
        security.use_profile("default")
        assert security.verify_password(cheap, "pw-3") and not security.verify_password(cheap, "pw-2")
        assert not security.verify_password("not a hash", "pw-2")
        known = "unknown password hash profile 'fast'; use one of default, test-cheapest"
        with pytest.raises(ValueError, match=known):
            security.use_profile("fast")
    finally:
        security.use_profile(previous)
