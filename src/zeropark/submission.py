"""Data approval (数据审核) as a pure state machine: the steps of an enterprise's submission.

A **submission** is one enterprise's data for one accounting year (核算年度): its workbook
imports and manual activity records of that year. The year, not the month, is the period,
because inventory runs, indicators and the deliverables that must wait for approval are annual
(see docs/approval.md).

Statuses and steps (who: E = the enterprise itself, M = the park manager; an admin may do both;
a verifier and a device only read)::

    draft ──submit(E,M)──▶ submitted ──review(M)──▶ reviewed ──approve(M)──▶ approved
      ▲                       │  │                      │                       │
      └──────withdraw(E,M)────┘  └──return(M, comment)──┴──▶ returned           │ (period closed:
                                                                 │ submit(E,M)  │  locked)
                                                                 ▼              ▼
                                                             submitted    correct(M, reason)
                                                                               │
                                                                               ▼
                                                   correcting ──submit──▶ submitted … approved

- ``return`` needs a comment (what to fix); ``correct`` a reason. An approved submission of an
  open period may be returned; of a closed period (locked) only corrected.
- Data may change only in ``draft``, ``returned`` and ``correcting`` (:func:`check_edit`).

No I/O: the service (:mod:`zeropark.services.approval`) loads the status, asks this module, and
stores the result with its audit record.
"""

from __future__ import annotations

from enum import StrEnum

from zeropark.errors import (
    DataUnderReview,
    IllegalTransition,
    PeriodLocked,
    PermissionDenied,
    RowError,
    ValidationError,
)
from zeropark.model import Role

__all__ = [
    "ACTION_ROLES",
    "EDITABLE",
    "Action",
    "Status",
    "allowed_actions",
    "check_edit",
    "is_locked",
    "transition",
]


class Status(StrEnum):
    """状态 of a submission."""

    DRAFT = "draft"  # 未提交: being entered (no submission yet)
    SUBMITTED = "submitted"  # 已提交
    REVIEWED = "reviewed"  # 已审核 (checked by the park, not yet approved)
    APPROVED = "approved"  # 已批准
    RETURNED = "returned"  # 已退回 (with the park's comment)
    CORRECTING = "correcting"  # 更正中 (a closed period reopened for this enterprise, with a reason)


class Action(StrEnum):
    """A step of the approval."""

    SUBMIT = "submit"  # 提交
    WITHDRAW = "withdraw"  # 撤回
    REVIEW = "review"  # 审核
    APPROVE = "approve"  # 批准
    RETURN = "return"  # 退回
    CORRECT = "correct"  # 更正 (after the period is closed)


#: Statuses in which the data may change (imports, manual entries, deletions).
EDITABLE: frozenset[Status] = frozenset({Status.DRAFT, Status.RETURNED, Status.CORRECTING})

_SUBMITTERS = frozenset({Role.ENTERPRISE, Role.PARK_MANAGER, Role.ADMIN})
_MANAGERS = frozenset({Role.PARK_MANAGER, Role.ADMIN})

#: Who may take each step (verifiers and devices: none).
ACTION_ROLES: dict[Action, frozenset[Role]] = {
    Action.SUBMIT: _SUBMITTERS,
    Action.WITHDRAW: _SUBMITTERS,
    Action.REVIEW: _MANAGERS,
    Action.APPROVE: _MANAGERS,
    Action.RETURN: _MANAGERS,
    Action.CORRECT: _MANAGERS,
}

#: (from, step) → to, before the lock and the correction are considered (see :func:`transition`).
_STEPS: dict[tuple[Status, Action], Status] = {
    (Status.DRAFT, Action.SUBMIT): Status.SUBMITTED,
    (Status.RETURNED, Action.SUBMIT): Status.SUBMITTED,
    (Status.CORRECTING, Action.SUBMIT): Status.SUBMITTED,
    (Status.SUBMITTED, Action.WITHDRAW): Status.DRAFT,
    (Status.SUBMITTED, Action.REVIEW): Status.REVIEWED,
    (Status.SUBMITTED, Action.RETURN): Status.RETURNED,
    (Status.REVIEWED, Action.RETURN): Status.RETURNED,
    (Status.REVIEWED, Action.APPROVE): Status.APPROVED,
    (Status.APPROVED, Action.RETURN): Status.RETURNED,
    (Status.APPROVED, Action.CORRECT): Status.CORRECTING,
}


def is_locked(status: Status, *, period_closed: bool) -> bool:
    """Whether the data are locked (已锁定): approved, and the park closed the period."""
    return period_closed and status is Status.APPROVED


def allowed_actions(status: Status, *, period_closed: bool, role: Role | None = None) -> list[Action]:
    """The steps that may be taken from ``status`` (by ``role``, if given), in :class:`Action` order."""
    out = []
    for action in Action:
        if role is not None and role not in ACTION_ROLES[action]:
            continue
        try:
            _target(status, action, period_closed=period_closed, in_correction=False)
        except IllegalTransition:
            continue
        out.append(action)
    return out


def _target(status: Status, action: Action, *, period_closed: bool, in_correction: bool) -> Status:
    locked = is_locked(status, period_closed=period_closed)
    if locked and action is not Action.CORRECT:
        raise IllegalTransition(
            f"cannot {action.value}: the data are approved and the period is closed (已锁定 locked); "
            "a park manager opens a correction with a reason (更正, `zeropark approval correct`)",
            status=status.value,
            action=action.value,
        )
    if action is Action.CORRECT and status is Status.APPROVED and not period_closed:
        raise IllegalTransition(
            "cannot correct: the period is not closed, so the approved data are not locked; "
            "return the submission with a comment instead (退回)",
            status=status.value,
            action=action.value,
        )
    target = _STEPS.get((status, action))
    if target is None:
        possible = [a.value for a in Action if (status, a) in _STEPS]
        raise IllegalTransition(
            f"cannot {action.value} a submission in status {status.value}; "
            f"possible steps: {', '.join(possible) or 'none'}",
            status=status.value,
            action=action.value,
        )
    if action is Action.WITHDRAW and in_correction:
        return Status.CORRECTING  # the correction stays open
    return target


def transition(
    status: Status,
    action: Action,
    role: Role,
    *,
    period_closed: bool,
    in_correction: bool = False,
    comment: str = "",
) -> Status:
    """The status after ``role`` takes ``action`` on a submission in ``status``.

    Parameters
    ----------
    status : Status
        The submission's status now.
    action : Action
        The step asked for.
    role : Role
        The role of who asks (tenancy is the service's check).
    period_closed : bool
        Whether the park closed the period (an approved submission is then locked).
    in_correction : bool
        Whether a correction of a locked period is open (a withdrawal goes back to ``correcting``).
    comment : str
        The comment (``return``) or reason (``correct``); required for those two.

    Raises
    ------
    PermissionDenied
        ``role`` may not take ``action`` (:data:`ACTION_ROLES`).
    IllegalTransition
        ``action`` is not a step from ``status`` (or the data are locked); the message names the
        possible steps.
    ValidationError
        A return without a comment, a correction without a reason.
    """
    if role not in ACTION_ROLES[action]:
        allowed = ", ".join(sorted(r.value for r in ACTION_ROLES[action]))
        raise PermissionDenied(f"role '{role.value}' may not {action.value} a submission; only {allowed}")
    target = _target(status, action, period_closed=period_closed, in_correction=in_correction)
    if action in (Action.RETURN, Action.CORRECT) and not comment.strip():
        field = "comment" if action is Action.RETURN else "reason"
        what = "what the enterprise must fix" if action is Action.RETURN else "why the data are corrected"
        raise ValidationError(
            [RowError(file="request", sheet=None, row=None, field=field, message=f"{field} required: {what}")]
        )
    return target


def check_edit(status: Status, *, period_closed: bool, enterprise_id: str, year: int, what: str) -> None:
    """Refuse a change of an enterprise's data of ``year`` unless its status allows edits.

    Raises
    ------
    PeriodLocked
        Approved and the period closed: only a correction reopens it (the message says how).
    DataUnderReview
        Submitted, reviewed or approved (open period): withdraw or have it returned first.
    """
    if status in EDITABLE:
        return
    if is_locked(status, period_closed=period_closed):
        raise PeriodLocked(enterprise_id, year, what)
    raise DataUnderReview(enterprise_id, year, status.value, what)
