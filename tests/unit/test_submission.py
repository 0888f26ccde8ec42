"""The submission state machine (zeropark.submission): every allowed step, who, and the named refusals."""

from __future__ import annotations

import pytest

from zeropark.errors import (
    DataUnderReview,
    IllegalTransition,
    PeriodLocked,
    PermissionDenied,
    ValidationError,
)
from zeropark.model import Role
from zeropark.submission import Action, Status, allowed_actions, check_edit, is_locked, transition

M, E, A, V = Role.PARK_MANAGER, Role.ENTERPRISE, Role.ADMIN, Role.VERIFIER


@pytest.mark.parametrize(
    ("status", "action", "role", "closed", "target"),
    [
        (Status.DRAFT, Action.SUBMIT, E, False, Status.SUBMITTED),
        (Status.DRAFT, Action.SUBMIT, E, True, Status.SUBMITTED),  # late submission after the close
        (Status.SUBMITTED, Action.WITHDRAW, E, False, Status.DRAFT),
        (Status.SUBMITTED, Action.REVIEW, M, False, Status.REVIEWED),
        (Status.SUBMITTED, Action.RETURN, M, False, Status.RETURNED),
        (Status.REVIEWED, Action.APPROVE, M, False, Status.APPROVED),
        (Status.REVIEWED, Action.RETURN, A, False, Status.RETURNED),
        (Status.RETURNED, Action.SUBMIT, E, False, Status.SUBMITTED),
        (Status.APPROVED, Action.RETURN, M, False, Status.RETURNED),  # open period: returned
        (Status.APPROVED, Action.CORRECT, M, True, Status.CORRECTING),  # closed: corrected
        (Status.CORRECTING, Action.SUBMIT, E, True, Status.SUBMITTED),
    ],
)
def test_allowed_steps(status: Status, action: Action, role: Role, closed: bool, target: Status) -> None:
    assert transition(status, action, role, period_closed=closed, comment="x") is target


def test_a_withdrawal_during_a_correction_goes_back_to_correcting() -> None:
    assert transition(Status.SUBMITTED, Action.WITHDRAW, E, period_closed=True, in_correction=True) is (
        Status.CORRECTING
    )


@pytest.mark.parametrize(
    ("status", "action", "closed", "match"),
    [
        (
            Status.DRAFT,
            Action.APPROVE,
            False,
            "cannot approve a submission in status draft; possible steps: submit",
        ),
        (Status.SUBMITTED, Action.APPROVE, False, "possible steps: withdraw, review, return"),
        (Status.DRAFT, Action.REVIEW, False, "cannot review"),
        (
            Status.APPROVED,
            Action.SUBMIT,
            True,
            "cannot submit: the data are approved and the period is closed",
        ),
        (Status.APPROVED, Action.RETURN, True, "已锁定 locked"),
        (Status.APPROVED, Action.CORRECT, False, "return the submission with a comment instead"),
        (Status.DRAFT, Action.CORRECT, True, "cannot correct a submission in status draft"),
        (Status.REVIEWED, Action.WITHDRAW, False, "cannot withdraw"),
    ],
)
def test_illegal_steps_are_named(status: Status, action: Action, closed: bool, match: str) -> None:
    with pytest.raises(IllegalTransition, match=match) as err:
        transition(status, action, A, period_closed=closed, comment="because")
    assert (err.value.status, err.value.action) == (status.value, action.value)


@pytest.mark.parametrize("action", list(Action))
def test_a_verifier_only_reads(action: Action) -> None:
    with pytest.raises(PermissionDenied, match=f"role 'verifier' may not {action.value}"):
        transition(Status.SUBMITTED, action, V, period_closed=False, comment="x")


@pytest.mark.parametrize("action", [Action.REVIEW, Action.APPROVE, Action.RETURN, Action.CORRECT])
def test_an_enterprise_cannot_take_the_parks_steps(action: Action) -> None:
    with pytest.raises(PermissionDenied, match="only admin, park_manager"):
        transition(Status.REVIEWED, action, E, period_closed=False, comment="x")


def test_return_needs_a_comment_and_correct_a_reason() -> None:
    with pytest.raises(ValidationError, match="comment required"):
        transition(Status.SUBMITTED, Action.RETURN, M, period_closed=False, comment="  ")
    with pytest.raises(ValidationError, match="reason required"):
        transition(Status.APPROVED, Action.CORRECT, M, period_closed=True)


def test_the_buttons_a_role_gets() -> None:
    assert (
        allowed_actions(Status.SUBMITTED, period_closed=False, role=E) == [Action.SUBMIT, Action.WITHDRAW][1:]
    )
    assert allowed_actions(Status.SUBMITTED, period_closed=False, role=M) == [
        Action.WITHDRAW,
        Action.REVIEW,
        Action.RETURN,
    ]
    assert allowed_actions(Status.APPROVED, period_closed=True, role=M) == [Action.CORRECT]
    assert allowed_actions(Status.APPROVED, period_closed=False, role=M) == [Action.RETURN]
    assert allowed_actions(Status.APPROVED, period_closed=True, role=V) == []


def test_edits_only_in_draft_returned_correcting() -> None:
    for s in (Status.DRAFT, Status.RETURNED, Status.CORRECTING):
        check_edit(s, period_closed=True, enterprise_id="E", year=2025, what="import x.xlsx")
    with pytest.raises(
        PeriodLocked, match="import x.xlsx: the 2025 data of enterprise 'E' are approved"
    ) as err:
        check_edit(Status.APPROVED, period_closed=True, enterprise_id="E", year=2025, what="import x.xlsx")
    assert "zeropark approval correct --enterprise E --year 2025" in str(err.value)
    with pytest.raises(DataUnderReview, match="withdraw the submission first"):
        check_edit(Status.SUBMITTED, period_closed=False, enterprise_id="E", year=2025, what="w")
    with pytest.raises(DataUnderReview, match="ask the park manager to return it"):
        check_edit(Status.APPROVED, period_closed=False, enterprise_id="E", year=2025, what="w")
    assert is_locked(Status.APPROVED, period_closed=True)
    assert not is_locked(Status.APPROVED, period_closed=False)
    assert not is_locked(Status.CORRECTING, period_closed=True)
