"""发现与纠正措施 Findings, the evidence they cite, and the corrective actions' state machine.

A **finding** (核查发现) is a non-conformity — *major* (重大不符合: material, or a control failure
that could make the statement materially wrong) or *minor* (一般不符合) — or an *observation*
(观察项: no requirement broken). It cites its evidence: line item ids, meter ids, evidence documents
(SHA-256) and ledger leaves (index). A non-conformity may carry the misstatement it found [tCO2e].

A finding's status: ``open`` → ``resolved`` (its corrective action accepted) or ``unresolved``
(closed by the verifier without an accepted correction); an observation is ``noted``.

A **corrective action** (纠正措施) is written by the park (or the enterprise the finding concerns)::

    open ──respond(park/enterprise)──▶ responded ──accept(verifier)──▶ accepted
                                          │   ▲
                                  reject(verifier)  respond again (a new response)
                                          ▼   │
                                        rejected

No I/O: the service loads the state, asks :func:`next_state`, stores the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from zeropark.errors import DataError, IllegalTransition

__all__ = [
    "ActionState",
    "ActionStep",
    "Evidence",
    "FindingStatus",
    "Severity",
    "check_evidence",
    "next_state",
]


class Severity(StrEnum):
    """严重程度 of a finding."""

    MAJOR = "major"  # 重大不符合
    MINOR = "minor"  # 一般不符合
    OBSERVATION = "observation"  # 观察项


SEVERITY_LABEL: dict[Severity, tuple[str, str]] = {
    Severity.MAJOR: ("重大不符合", "major non-conformity"),
    Severity.MINOR: ("一般不符合", "minor non-conformity"),
    Severity.OBSERVATION: ("观察项", "observation"),
}


class FindingStatus(StrEnum):
    """状态 of a finding."""

    OPEN = "open"
    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    NOTED = "noted"


class ActionState(StrEnum):
    """状态 of a corrective action."""

    OPEN = "open"
    RESPONDED = "responded"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class ActionStep(StrEnum):
    """What is done to a corrective action."""

    RESPOND = "respond"  # park / enterprise
    ACCEPT = "accept"  # verifier
    REJECT = "reject"  # verifier


_NEXT: dict[tuple[ActionState, ActionStep], ActionState] = {
    (ActionState.OPEN, ActionStep.RESPOND): ActionState.RESPONDED,
    (ActionState.REJECTED, ActionStep.RESPOND): ActionState.RESPONDED,
    (ActionState.RESPONDED, ActionStep.ACCEPT): ActionState.ACCEPTED,
    (ActionState.RESPONDED, ActionStep.REJECT): ActionState.REJECTED,
}


def next_state(state: ActionState, step: ActionStep) -> ActionState:
    """The state after ``step``.

    Raises
    ------
    IllegalTransition
        The step is not allowed from ``state`` (names the steps that are).
    """
    got = _NEXT.get((state, step))
    if got is None:
        allowed = [s.value for (st, s) in _NEXT if st is state] or ["none (the action is closed)"]
        raise IllegalTransition(
            f"a corrective action that is '{state.value}' cannot be '{step.value}'ed; "
            f"allowed: {', '.join(allowed)}",
            status=state.value,
            action=step.value,
        )
    return got


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a finding cites: line item ids, meter ids, document SHA-256s, ledger leaf indices."""

    line_items: tuple[str, ...] = ()
    meters: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    leaves: tuple[int, ...] = field(default=())

    def to_dict(self) -> dict[str, list[str] | list[int]]:
        """JSON form (sorted, so it hashes the same whatever the order given)."""
        return {
            "line_items": sorted(self.line_items),
            "meters": sorted(self.meters),
            "documents": sorted(self.documents),
            "leaves": sorted(self.leaves),
        }

    def empty(self) -> bool:
        """Whether nothing is cited."""
        return not (self.line_items or self.meters or self.documents or self.leaves)


def check_evidence(
    ev: Evidence, *, line_items: set[str], meters: set[str], documents: set[str], tree_size: int
) -> None:
    """Refuse a citation of something that does not exist.

    Raises
    ------
    DataError
        A non-conformity citing nothing, an unknown line item / meter / document, a malformed
        SHA-256, a leaf index outside the ledger (each named, with where to look).
    """
    if ev.empty():
        raise DataError("a finding must cite its evidence: a line item, a meter, a document or a ledger leaf")
    for li in ev.line_items:
        if li not in line_items:
            raise DataError(
                f"line item '{li}' is not in the verified run; see `zeropark runs latest` for ids"
            )
    for m in ev.meters:
        if m not in meters:
            raise DataError(f"meter '{m}' is not a meter of the park; see `zeropark park show`")
    for d in ev.documents:
        if not _SHA256.match(d):
            raise DataError(f"document '{d}' is not a SHA-256 (64 lowercase hex digits)")
        if d not in documents:
            raise DataError(f"no evidence document with SHA-256 {d} is stored for the park")
    for i in ev.leaves:
        if not 0 <= i < tree_size:
            raise DataError(f"ledger leaf #{i} does not exist (the ledger has {tree_size} leaves)")
