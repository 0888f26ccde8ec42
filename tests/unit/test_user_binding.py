"""What a new user is bound to (services.users.check_binding, split_parks), checked before the store.

Each refusal names the field the form and the API mark and says what to give instead; the store
checks (a province with no park, an unknown park) are in tests/integration/test_province_tenancy.py
and test_web_users.py.
"""

from __future__ import annotations

import pytest

from zeropark.model import Role
from zeropark.services.users import UserFieldError, check_binding, split_parks


@pytest.mark.parametrize(
    ("given", "parks"),
    [
        ("P1,P2", ("P1", "P2")),
        (" P2 , P1 ,, P2", ("P2", "P1")),  # stripped, empties dropped, each once, in the order given
        (["P1", "P2,P3", " "], ("P1", "P2", "P3")),  # several form values, one holding a list
        ("", ()),
        ([], ()),
    ],
)
def test_split_parks(given: str | list[str], parks: tuple[str, ...]) -> None:
    assert split_parks(given) == parks


@pytest.mark.parametrize(
    ("role", "kwargs", "parks"),
    [
        (Role.GROUP, {"parks": ["PRV-003", "PRV-001", "PRV-003"]}, ("PRV-001", "PRV-003")),  # sorted, once
        (Role.GROUP, {"parks": "PRV-002"}, ("PRV-002",)),  # a group of one park is allowed
        (Role.PROVINCE, {"province": " 江苏 "}, ()),
        (Role.ENTERPRISE, {"enterprise_id": "E1", "park_id": "P1"}, ()),
        (Role.PARK_MANAGER, {"park_id": "P1"}, ()),
        (Role.VERIFIER, {}, ()),
        (Role.ADMIN, {"province": "  "}, ()),  # a blank province (an empty form field) is none
    ],
)
def test_bindings_that_pass(role: Role, kwargs: dict[str, object], parks: tuple[str, ...]) -> None:
    assert check_binding(role, **kwargs) == parks  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("role", "kwargs", "field", "message"),
    [
        (Role.GROUP, {}, "parks", "a group user needs its parks: --parks P1,P2"),
        (Role.GROUP, {"parks": " , "}, "parks", "needs its parks"),
        (Role.GROUP, {"parks": ["P1"], "park_id": "P1"}, "parks", "give no --park or --enterprise"),
        (Role.GROUP, {"parks": ["P1"], "enterprise_id": "E1"}, "parks", "give no --park or --enterprise"),
        (
            Role.GROUP,
            {"parks": ["P1"], "province": "江苏"},
            "province",
            "--province is only for role province",
        ),
        (Role.PROVINCE, {}, "province", "a provincial user needs --province"),
        (Role.PROVINCE, {"province": "江苏", "parks": ["P1"]}, "province", "give no --park, --parks"),
        (Role.PROVINCE, {"province": "江苏", "park_id": "P1"}, "province", "give no --park, --parks"),
        (Role.PARK_MANAGER, {"parks": ["P1", "P2"]}, "parks", "--parks is only for role group"),
        (Role.ENTERPRISE, {}, "enterprise_id", "an enterprise user needs --enterprise"),
        (Role.ENTERPRISE, {"enterprise_id": "E1", "parks": ["P1"]}, "parks", "only for role group"),
        (Role.VERIFIER, {"province": "江苏"}, "province", "only for role province"),
    ],
)
def test_bindings_refused_name_their_field(
    role: Role, kwargs: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(UserFieldError, match=message.replace("(", r"\(")) as err:
        check_binding(role, **kwargs)  # type: ignore[arg-type]
    assert err.value.field == field
    assert isinstance(err.value, ValueError)  # create_user's documented error type
