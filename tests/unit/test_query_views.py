"""Tenant views of values already read (store/queries/views.py): the same rule as Scope.filter, no I/O."""

from __future__ import annotations

import pytest

from zeropark.errors import PermissionDenied
from zeropark.model import Role
from zeropark.store.queries import views
from zeropark.store.scope import Principal, Scope


def _scope(role: Role, enterprise_id: str | None = None) -> Scope:
    # no engine: none of these functions touches the database
    return Scope(Principal(1, "u", role, "P1", enterprise_id, "session"), None, None)  # type: ignore[arg-type]


MANAGER = _scope(Role.PARK_MANAGER)
VERIFIER = _scope(Role.VERIFIER)
ENT_A = _scope(Role.ENTERPRISE, "E-A")
ENT_B = _scope(Role.ENTERPRISE, "E-B")


def test_every_park_user_shares_one_view_and_each_enterprise_has_its_own() -> None:
    assert views.view_key(MANAGER) == views.view_key(VERIFIER) == views.view_key(_scope(Role.ADMIN))
    assert len({views.view_key(MANAGER), views.view_key(ENT_A), views.view_key(ENT_B)}) == 3


@pytest.mark.parametrize(
    ("scope", "seen"),
    [
        (MANAGER, [None, "E-A", "E-B"]),  # park users see every part, the park's own (None) too
        (ENT_A, ["E-A"]),  # an enterprise user: its own parts only, nothing park-level
    ],
)
def test_sees_enterprise(scope: Scope, seen: list[str | None]) -> None:
    sees = views.sees_enterprise(scope)
    assert [e for e in (None, "E-A", "E-B") if sees(e)] == seen
    assert views.sees_park_level(scope) is (None in seen)


@pytest.mark.parametrize(
    ("scope", "requested", "allowed", "shown"),
    [
        (MANAGER, None, True, None),  # the park
        (MANAGER, "E-B", True, "E-B"),  # a park user names any enterprise (checked in the park apart)
        (ENT_A, None, True, "E-A"),  # an enterprise user: its own by default
        (ENT_A, "E-A", True, "E-A"),
        (ENT_A, "E-B", False, "E-A"),  # naming another: refused (check_view audits and 404s)
    ],
)
def test_the_enterprise_view_a_request_names(
    scope: Scope, requested: str | None, allowed: bool, shown: str | None
) -> None:
    assert views.may_name(scope, requested) is allowed
    assert views.view(scope, requested) == shown


def test_an_enterprise_account_without_enterprise_sees_no_view() -> None:
    with pytest.raises(PermissionDenied, match="names no enterprise"):
        views.view(_scope(Role.ENTERPRISE), None)
