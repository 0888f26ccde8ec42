"""Data approval and period close (数据审核与关账) as use cases, the same for every door.

A **submission** is one enterprise's data for one accounting year (its workbook imports and
manual activity records of that year, :mod:`zeropark.submission`). The enterprise submits (or
withdraws); the park manager reviews, approves or returns it with a comment. When the park
manager closes the year (:func:`close_period`: every enterprise approved, or the others named as
exceptions), approved data are **locked**: an import, a manual entry, a change or a deletion
touching them is refused (:class:`~zeropark.errors.PeriodLocked`, raised by
:func:`check_editable`, which :mod:`zeropark.services.imports` and
:mod:`zeropark.services.activity` call in their write transaction).

A **correction** after the lock (:func:`correct`, with a reason) reopens one enterprise's year;
its next approval stores a new **data version** (the previous ones stay, with their content, in
``data_version``). Every inventory run is linked, when it is stored, to the approved versions
whose data it read (:func:`link_run_inputs`, by the hash of the enterprise's records); when a
correction's version differs from the one a run used, the run and its enterprise views are
marked **superseded** (``run_supersession``: the new version and the reason).

:func:`require_approved` is what a deliverable calls before it is made: it raises
:class:`~zeropark.errors.NotApproved` listing the enterprises whose data are not approved.

Who: an enterprise user sees and submits only its own enterprise's submission; park managers
and admins take every step for their park; verifiers read. Every step is audited (entity
``submission``, action = the step; ``period_close``; ``inventory_run`` action ``supersede``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zeropark.errors import (
    IllegalTransition,
    NotApproved,
    NotFound,
    PermissionDenied,
    RowError,
    ValidationError,
)
from zeropark.model import Role
from zeropark.services.park_runs import require_park
from zeropark.store import audit
from zeropark.store.db import transaction
from zeropark.store.schema import (
    ActivityRecordRow,
    DataVersionRow,
    EnterpriseRow,
    GreenPowerClaimRow,
    InventoryRunRow,
    PeriodCloseRow,
    RunDataVersionRow,
    RunSupersessionRow,
    SubmissionEventRow,
    SubmissionRow,
)
from zeropark.store.scope import Scope
from zeropark.submission import Action, Status, allowed_actions, check_edit, is_locked, transition

__all__ = [
    "ENTITY",
    "PERIOD_ENTITY",
    "Action",
    "Board",
    "Event",
    "PeriodClose",
    "Status",
    "Submission",
    "Version",
    "approve",
    "board",
    "check_editable",
    "close_period",
    "correct",
    "link_run_inputs",
    "require_approved",
    "return_submission",
    "review",
    "submission",
    "submit",
    "take_step",
    "withdraw",
]

#: The audit log's name of a submission (entity id ``ENTERPRISE/YEAR``) and of a period close.
ENTITY = "submission"
PERIOD_ENTITY = "period_close"
RUN_ENTITY = "inventory_run"
SUPERSEDE = "supersede"


@dataclass(frozen=True, slots=True)
class Event:
    """One step of a submission: who, when, from → to, the comment."""

    at: datetime
    user: str | None
    role: str | None
    action: str
    from_status: Status
    to_status: Status
    comment: str


@dataclass(frozen=True, slots=True)
class Version:
    """数据版本: approved data of a submission (number 1 = first approval; later = corrections)."""

    id: int
    number: int
    reason: str
    sha256: str
    n_records: int
    n_claims: int
    created_at: datetime
    created_by: str | None


@dataclass(frozen=True, slots=True)
class Submission:
    """One enterprise's data of one year in the approval, with its history and versions."""

    park_id: str
    enterprise_id: str
    enterprise_name: str
    year: int
    status: Status
    period_closed: bool
    correction_reason: str | None
    updated_at: datetime | None
    updated_by: str | None
    events: tuple[Event, ...] = ()
    versions: tuple[Version, ...] = ()

    @property
    def locked(self) -> bool:
        """Approved and the period closed: only a correction changes the data."""
        return is_locked(self.status, period_closed=self.period_closed)

    @property
    def approved(self) -> bool:
        """Whether the data are approved."""
        return self.status is Status.APPROVED

    @property
    def last_comment(self) -> str:
        """The latest non-empty comment (a return's, a correction's reason), or ''."""
        return next((e.comment for e in reversed(self.events) if e.comment), "")

    def actions(self, role: Role) -> list[Action]:
        """The steps ``role`` may take now (the buttons a page shows)."""
        return allowed_actions(self.status, period_closed=self.period_closed, role=role)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values (the API's and ``zeropark approval status --format json``'s shape)."""
        return {
            "park_id": self.park_id,
            "enterprise_id": self.enterprise_id,
            "enterprise_name": self.enterprise_name,
            "year": self.year,
            "status": self.status.value,
            "locked": self.locked,
            "period_closed": self.period_closed,
            "correction_reason": self.correction_reason,
            "last_comment": self.last_comment,
            "updated_at": None if self.updated_at is None else self.updated_at.isoformat(),
            "updated_by": self.updated_by,
            "events": [
                {
                    "at": e.at.isoformat(),
                    "user": e.user,
                    "role": e.role,
                    "action": e.action,
                    "from_status": e.from_status.value,
                    "to_status": e.to_status.value,
                    "comment": e.comment,
                }
                for e in self.events
            ],
            "versions": [
                {
                    "id": v.id,
                    "number": v.number,
                    "reason": v.reason,
                    "sha256": v.sha256,
                    "activity_records": v.n_records,
                    "green_power_claims": v.n_claims,
                    "created_at": v.created_at.isoformat(),
                    "created_by": v.created_by,
                }
                for v in self.versions
            ],
        }


@dataclass(frozen=True, slots=True)
class PeriodClose:
    """期间关账: who closed a park's year, when, and the enterprises left as exceptions."""

    park_id: str
    year: int
    closed_at: datetime
    closed_by: str | None
    exceptions: tuple[tuple[str, str, str], ...]  # (enterprise id, its status then, reason)


@dataclass(frozen=True, slots=True)
class Board:
    """The approval board of a park's year: every enterprise's submission the scope may see."""

    park_id: str
    year: int
    submissions: tuple[Submission, ...]
    closed: PeriodClose | None

    @property
    def exception_ids(self) -> frozenset[str]:
        """Enterprises named as exceptions when the period was closed."""
        return frozenset() if self.closed is None else frozenset(e[0] for e in self.closed.exceptions)

    @property
    def missing(self) -> tuple[Submission, ...]:
        """Submissions not approved and not an exception of the close."""
        return tuple(
            s for s in self.submissions if not s.approved and s.enterprise_id not in self.exception_ids
        )

    @property
    def counts(self) -> dict[Status, int]:
        """How many submissions are in each status."""
        out = dict.fromkeys(Status, 0)
        for s in self.submissions:
            out[s.status] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values (the API's and ``zeropark approval status --format json``'s shape)."""
        closed = None
        if self.closed is not None:
            closed = {
                "closed_at": self.closed.closed_at.isoformat(),
                "closed_by": self.closed.closed_by,
                "exceptions": [
                    {"enterprise_id": e, "status": st, "reason": why} for e, st, why in self.closed.exceptions
                ],
            }
        return {
            "park_id": self.park_id,
            "year": self.year,
            "closed": closed,
            "counts": {k.value: v for k, v in self.counts.items()},
            "missing": [s.enterprise_id for s in self.missing],
            "submissions": [s.to_dict() for s in self.submissions],
        }


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(ts: datetime | None) -> datetime | None:
    if ts is None:
        return None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError([RowError(file="request", sheet=None, row=None, field=field, message=message)])


def _entity_id(enterprise_id: str, year: int) -> str:
    return f"{enterprise_id}/{year}"


# --- reading -------------------------------------------------------------------------------------


def _enterprise(scope: Scope, park_id: str, enterprise_id: str) -> EnterpriseRow:
    """The enterprise inside the scope and the park (NotFound otherwise, audited when outside)."""
    scope.check_park(park_id)
    scope.check(ENTITY, enterprise_id, park_id=park_id, enterprise_id=enterprise_id)
    with transaction(scope.engine) as s:
        ent = s.get(EnterpriseRow, enterprise_id)
        if ent is None or ent.park_id != park_id:
            raise NotFound(f"enterprise '{enterprise_id}' is not in park '{park_id}'")
        s.expunge(ent)
        return ent


def _close_of(row: PeriodCloseRow | None) -> PeriodClose | None:
    if row is None:
        return None
    closed_at = _aware(row.closed_at)
    assert closed_at is not None
    return PeriodClose(
        park_id=row.park_id,
        year=row.year,
        closed_at=closed_at,
        closed_by=row.closed_by,
        exceptions=tuple(
            (str(e["enterprise_id"]), str(e.get("status", "")), str(e.get("reason", "")))
            for e in (row.exceptions or [])
        ),
    )


def _version_of(row: DataVersionRow) -> Version:
    created = _aware(row.created_at)
    assert created is not None
    content = row.content or {}
    return Version(
        id=row.id,
        number=row.number,
        reason=row.reason,
        sha256=row.sha256,
        n_records=len(content.get("activity_records", [])),
        n_claims=len(content.get("green_power_claims", [])),
        created_at=created,
        created_by=row.created_by,
    )


def _event_of(row: SubmissionEventRow) -> Event:
    at = _aware(row.at)
    assert at is not None
    return Event(
        at=at,
        user=row.user,
        role=row.role,
        action=row.action,
        from_status=Status(row.from_status),
        to_status=Status(row.to_status),
        comment=row.comment,
    )


def _submission_of(
    ent: EnterpriseRow,
    year: int,
    row: SubmissionRow | None,
    closed: bool,
    events: Iterable[SubmissionEventRow] = (),
    versions: Iterable[DataVersionRow] = (),
) -> Submission:
    return Submission(
        park_id=ent.park_id,
        enterprise_id=ent.id,
        enterprise_name=ent.name,
        year=year,
        status=Status.DRAFT if row is None else Status(row.status),
        period_closed=closed,
        correction_reason=None if row is None else row.correction_reason,
        updated_at=None if row is None else _aware(row.updated_at),
        updated_by=None if row is None else row.updated_by,
        events=tuple(_event_of(e) for e in events),
        versions=tuple(_version_of(v) for v in versions),
    )


def _load(s: Session, ent: EnterpriseRow, year: int) -> Submission:
    row = s.scalars(
        select(SubmissionRow).where(SubmissionRow.enterprise_id == ent.id, SubmissionRow.year == year)
    ).first()
    closed = s.get(PeriodCloseRow, (ent.park_id, year)) is not None
    if row is None:
        return _submission_of(ent, year, None, closed)
    events = s.scalars(
        select(SubmissionEventRow)
        .where(SubmissionEventRow.submission_id == row.id)
        .order_by(SubmissionEventRow.id)
    ).all()
    versions = s.scalars(
        select(DataVersionRow).where(DataVersionRow.submission_id == row.id).order_by(DataVersionRow.number)
    ).all()
    return _submission_of(ent, year, row, closed, events, versions)


def submission(scope: Scope, park_id: str, enterprise_id: str, year: int) -> Submission:
    """One enterprise's submission of ``year`` with its history and data versions.

    Raises
    ------
    NotFound
        Park or enterprise outside the scope (audited) or unknown; the enterprise not in the park.
    """
    ent = _enterprise(scope, park_id, enterprise_id)
    with transaction(scope.engine) as s:
        return _load(s, ent, year)


def board(scope: Scope, park_id: str, year: int) -> Board:
    """The approval board of the park's ``year``: each enterprise's status (an enterprise user: its own).

    Raises
    ------
    NotFound
        The park is outside the scope (audited).
    """
    scope.check_park(park_id)
    with transaction(scope.engine) as s:
        ents_q = select(EnterpriseRow).where(EnterpriseRow.park_id == park_id).order_by(EnterpriseRow.id)
        ents = s.scalars(scope.filter(ents_q, enterprise_col=EnterpriseRow.id)).all()
        rows = {
            r.enterprise_id: r
            for r in s.scalars(
                select(SubmissionRow).where(SubmissionRow.park_id == park_id, SubmissionRow.year == year)
            )
        }
        closed_row = s.get(PeriodCloseRow, (park_id, year))
        ids = [r.id for r in rows.values()]
        events: dict[int, list[SubmissionEventRow]] = {}
        versions: dict[int, list[DataVersionRow]] = {}
        if ids:
            for e in s.scalars(
                select(SubmissionEventRow)
                .where(SubmissionEventRow.submission_id.in_(ids))
                .order_by(SubmissionEventRow.id)
            ):
                events.setdefault(e.submission_id, []).append(e)
            for v in s.scalars(
                select(DataVersionRow)
                .where(DataVersionRow.submission_id.in_(ids))
                .order_by(DataVersionRow.number)
            ):
                versions.setdefault(v.submission_id, []).append(v)
        subs = []
        for ent in ents:
            row = rows.get(ent.id)
            sid = None if row is None else row.id
            subs.append(
                _submission_of(
                    ent,
                    year,
                    row,
                    closed_row is not None,
                    events.get(sid, []) if sid is not None else [],
                    versions.get(sid, []) if sid is not None else [],
                )
            )
        return Board(park_id, year, tuple(subs), _close_of(closed_row))


def require_approved(
    scope: Scope, park_id: str, year: int, *, enterprise_id: str | None = None, what: str = ""
) -> Board:
    """Refuse unless the data of the park's ``year`` (or of one enterprise) are approved.

    A deliverable calls this before it is made. The park's year passes when every enterprise's
    submission is approved, or the enterprise was named an exception when the period was closed
    (the returned board's ``closed.exceptions`` lists them, for the deliverable to state).

    Parameters
    ----------
    scope : Scope
        Who asks (an enterprise user: only its own enterprise is checked).
    park_id, year : str, int
        The park and the accounting year.
    enterprise_id : str, optional
        Check only this enterprise (an enterprise-level deliverable).
    what : str
        The deliverable's name, put at the head of the error message.

    Returns
    -------
    Board
        The board the check was made on.

    Raises
    ------
    NotApproved
        Some data are not approved; ``missing`` lists (enterprise id, status), every one of them.
    NotFound
        Park or enterprise outside the scope.
    """
    if enterprise_id is not None:
        _enterprise(scope, park_id, enterprise_id)
    b = board(scope, park_id, year)
    missing = [s for s in b.missing if enterprise_id is None or s.enterprise_id == enterprise_id]
    if missing:
        raise NotApproved(park_id, year, [(s.enterprise_id, s.status.value) for s in missing], what)
    return b


# --- the data of a submission ----------------------------------------------------------------------


def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _records_stmt(year: int) -> Any:
    lo, hi = _year_bounds(year)
    return select(ActivityRecordRow).where(
        ActivityRecordRow.period_start <= hi, ActivityRecordRow.period_end >= lo
    )


_NOT_HASHED = frozenset({"import_batch_id"})  # the same data imported again is the same data


def _digest(records: list[dict[str, Any]], claims: list[dict[str, Any]]) -> tuple[dict[str, Any], str]:
    content = {
        "activity_records": sorted(records, key=lambda r: str(r["id"])),
        "green_power_claims": sorted(claims, key=lambda r: str(r["id"])),
    }
    hashed = {
        "activity_records": [
            {k: v for k, v in r.items() if k not in _NOT_HASHED} for r in content["activity_records"]
        ],
        "green_power_claims": content["green_power_claims"],
    }
    text = json.dumps(hashed, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return content, hashlib.sha256(text.encode()).hexdigest()


def _contents(
    s: Session, park_id: str, year: int, enterprise_ids: Iterable[str]
) -> dict[str, tuple[dict[str, Any], str]]:
    """The data of each enterprise's year (activity records overlapping it, claims of it) and their hash."""
    ids = sorted(set(enterprise_ids))
    if not ids:
        return {}
    records: dict[str, list[dict[str, Any]]] = {e: [] for e in ids}
    claims: dict[str, list[dict[str, Any]]] = {e: [] for e in ids}
    for r in s.scalars(_records_stmt(year).where(ActivityRecordRow.enterprise_id.in_(ids))):
        records[str(r.enterprise_id)].append(audit.row_snapshot(r))
    for c in s.scalars(
        select(GreenPowerClaimRow).where(
            GreenPowerClaimRow.owner_enterprise_id.in_(ids), GreenPowerClaimRow.claimed_year == year
        )
    ):
        claims[str(c.owner_enterprise_id)].append(audit.row_snapshot(c))
    return {e: _digest(records[e], claims[e]) for e in ids}


def check_editable(session: Session, *, enterprise_id: str | None, years: Iterable[int], what: str) -> None:
    """Refuse (in the caller's write transaction) a change of an enterprise's data of ``years``.

    Called by every writer of submission data (workbook imports, activity records) before it
    commits. Park-level records (``enterprise_id`` None) are not part of any submission.

    Raises
    ------
    PeriodLocked
        The year is approved and closed; the message says how to correct it.
    DataUnderReview
        The year's submission is submitted, reviewed or approved (open period).
    """
    if enterprise_id is None:
        return
    for year in sorted(set(years)):
        # FOR UPDATE (PostgreSQL): a step on this submission waits for the write to commit, so
        # data cannot change between a submission's status being read here and being stepped
        row = session.scalars(
            select(SubmissionRow)
            .where(SubmissionRow.enterprise_id == enterprise_id, SubmissionRow.year == year)
            .with_for_update()
        ).first()
        if row is None:
            continue
        closed = session.get(PeriodCloseRow, (row.park_id, year)) is not None
        check_edit(
            Status(row.status), period_closed=closed, enterprise_id=enterprise_id, year=year, what=what
        )


def years_of(start: date, end: date) -> range:
    """The calendar years a period ``[start, end]`` touches."""
    return range(start.year, end.year + 1)


# --- steps -------------------------------------------------------------------------------------------


def take_step(
    scope: Scope, park_id: str, enterprise_id: str, year: int, action: Action, comment: str = ""
) -> Submission:
    """Take one approval step on an enterprise's ``year``, stored with its event and audit record.

    The step is decided by :func:`zeropark.submission.transition`. An approval stores a data
    version when it is the first, closes an open correction, or the data changed since the last
    version; a new version whose data differ marks the runs that used an older one superseded.

    Raises
    ------
    NotFound
        Park or enterprise outside the scope (audited) or unknown.
    PermissionDenied
        The role may not take this step (audited).
    IllegalTransition
        Not a step from the current status, or the data are locked.
    ValidationError
        A return without a comment, a correction without a reason.
    """
    ent = _enterprise(scope, park_id, enterprise_id)
    comment = comment.strip()
    eid = _entity_id(enterprise_id, year)
    try:
        with transaction(scope.engine) as s:
            row = s.scalars(
                select(SubmissionRow)
                .where(SubmissionRow.enterprise_id == enterprise_id, SubmissionRow.year == year)
                .with_for_update()
            ).first()
            status = Status.DRAFT if row is None else Status(row.status)
            closed = s.get(PeriodCloseRow, (park_id, year)) is not None
            target = transition(
                status,
                action,
                scope.user.role,
                period_closed=closed,
                in_correction=row is not None and row.correction_reason is not None,
                comment=comment,
            )
            now = _now()
            if row is None:
                row = SubmissionRow(
                    park_id=park_id, enterprise_id=enterprise_id, year=year, status=status.value
                )
                s.add(row)
            before = {"status": status.value, "correction_reason": row.correction_reason}
            row.status = target.value
            row.updated_at = now
            row.updated_by = scope.user.username
            if action is Action.CORRECT:
                row.correction_reason = comment
            s.flush()
            s.add(
                SubmissionEventRow(
                    submission_id=row.id,
                    at=now,
                    user=scope.user.username,
                    role=scope.user.role.value,
                    action=action.value,
                    from_status=status.value,
                    to_status=target.value,
                    comment=comment,
                )
            )
            after: dict[str, Any] = {"status": target.value, "comment": comment}
            if target is Status.APPROVED:
                after |= _on_approval(s, scope, row, ent, comment, now)
            scope.audit(s, action.value, ENTITY, eid, before=before, after=after)
    except PermissionDenied as exc:
        scope.deny(ENTITY, eid, str(exc))
        raise
    except IntegrityError as exc:  # two first steps at once: the other created the submission row
        raise IllegalTransition(
            f"the {year} submission of enterprise '{enterprise_id}' changed while this step was taken; "
            "reload its status and try again",
            status="changed",
            action=action.value,
        ) from exc
    return submission(scope, park_id, enterprise_id, year)


def _on_approval(
    s: Session, scope: Scope, row: SubmissionRow, ent: EnterpriseRow, comment: str, now: datetime
) -> dict[str, Any]:
    """Store a data version if one is due, and mark superseded the runs of older differing versions."""
    content, sha = _contents(s, row.park_id, row.year, [ent.id])[ent.id]
    latest = s.scalars(
        select(DataVersionRow)
        .where(DataVersionRow.submission_id == row.id)
        .order_by(DataVersionRow.number.desc())
    ).first()
    correcting = row.correction_reason is not None
    if latest is not None and not correcting and latest.sha256 == sha:
        return {"data_version": latest.number, "sha256": sha}
    reason = row.correction_reason if correcting else comment
    version = DataVersionRow(
        submission_id=row.id,
        park_id=row.park_id,
        enterprise_id=ent.id,
        year=row.year,
        number=1 if latest is None else latest.number + 1,
        reason=reason or "",
        sha256=sha,
        content=content,
        created_at=now,
        created_by=scope.user.username,
    )
    s.add(version)
    row.correction_reason = None
    s.flush()
    superseded = _supersede(s, scope, version, now)
    scope.audit(
        s,
        audit.CREATE,
        "data_version",
        str(version.id),
        after={
            "enterprise_id": ent.id,
            "year": row.year,
            "number": version.number,
            "reason": version.reason,
            "sha256": sha,
            "activity_records": len(content["activity_records"]),
            "green_power_claims": len(content["green_power_claims"]),
            "superseded_runs": superseded,
        },
    )
    return {"data_version": version.number, "sha256": sha, "superseded_runs": superseded}


def _supersede(s: Session, scope: Scope, version: DataVersionRow, now: datetime) -> list[int]:
    """Mark superseded every run (and its enterprise views) that used an older version with other data."""
    older = select(DataVersionRow.id).where(
        DataVersionRow.enterprise_id == version.enterprise_id,
        DataVersionRow.year == version.year,
        DataVersionRow.id != version.id,
        DataVersionRow.sha256 != version.sha256,
    )
    used = set(
        s.scalars(select(RunDataVersionRow.run_id).where(RunDataVersionRow.data_version_id.in_(older)))
    )
    if not used:
        return []
    views = set(s.scalars(select(InventoryRunRow.id).where(InventoryRunRow.parent_run_id.in_(used))))
    already = set(
        s.scalars(select(RunSupersessionRow.run_id).where(RunSupersessionRow.run_id.in_(used | views)))
    )
    ids = sorted((used | views) - already)
    for run_id in ids:
        s.add(
            RunSupersessionRow(
                run_id=run_id,
                data_version_id=version.id,
                reason=version.reason,
                at=now,
                by=scope.user.username,
            )
        )
    if ids:
        scope.audit(
            s,
            SUPERSEDE,
            RUN_ENTITY,
            ",".join(str(i) for i in sorted(used - already)) or str(ids[0]),
            after={
                "runs": ids,
                "data_version_id": version.id,
                "enterprise_id": version.enterprise_id,
                "year": version.year,
                "number": version.number,
                "reason": version.reason,
            },
        )
    return ids


def submit(scope: Scope, park_id: str, enterprise_id: str, year: int, comment: str = "") -> Submission:
    """提交: the enterprise (or the park on its behalf) submits its year's data for review."""
    return take_step(scope, park_id, enterprise_id, year, Action.SUBMIT, comment)


def withdraw(scope: Scope, park_id: str, enterprise_id: str, year: int, comment: str = "") -> Submission:
    """撤回: take a submission back before it is reviewed (back to draft, or to an open correction)."""
    return take_step(scope, park_id, enterprise_id, year, Action.WITHDRAW, comment)


def review(scope: Scope, park_id: str, enterprise_id: str, year: int, comment: str = "") -> Submission:
    """审核: the park manager has checked the submitted data (the step before approval)."""
    return take_step(scope, park_id, enterprise_id, year, Action.REVIEW, comment)


def approve(scope: Scope, park_id: str, enterprise_id: str, year: int, comment: str = "") -> Submission:
    """批准: the park manager approves reviewed data (a data version is stored; see :func:`take_step`)."""
    return take_step(scope, park_id, enterprise_id, year, Action.APPROVE, comment)


def return_submission(scope: Scope, park_id: str, enterprise_id: str, year: int, comment: str) -> Submission:
    """退回: the park manager returns the data with a comment saying what to fix."""
    return take_step(scope, park_id, enterprise_id, year, Action.RETURN, comment)


def correct(scope: Scope, park_id: str, enterprise_id: str, year: int, reason: str) -> Submission:
    """更正: the park manager reopens one enterprise's locked year, with the reason.

    The data may then change; submitted, reviewed and approved again they become the next data
    version, and the runs that used the previous version are marked superseded.
    """
    return take_step(scope, park_id, enterprise_id, year, Action.CORRECT, reason)


def close_period(scope: Scope, park_id: str, year: int, exceptions: Mapping[str, str] | None = None) -> Board:
    """关账: the park manager closes the park's ``year``; approved data are locked from now on.

    Parameters
    ----------
    scope : Scope
        Who closes (a park manager or admin).
    park_id, year : str, int
        The park and the accounting year.
    exceptions : mapping, optional
        Enterprise id → reason, for enterprises whose data are not approved and the park closes
        without. Every other enterprise must be approved.

    Raises
    ------
    PermissionDenied
        Not a park manager or admin (audited).
    NotApproved
        Enterprises not approved and not named as exceptions (all listed).
    ValidationError
        An exception names an enterprise that is not in the park or is approved, or has no reason.
    IllegalTransition
        The period is already closed (it is not reopened; correct one enterprise instead).
    """
    scope.check_park(park_id)
    scope.require_manager(PERIOD_ENTITY, f"{park_id}/{year}")
    require_park(scope.engine, park_id)  # an admin sees every park id: a missing one is NotFound
    exceptions = {k.strip(): v.strip() for k, v in (exceptions or {}).items()}
    b = board(scope, park_id, year)
    if b.closed is not None:
        raise IllegalTransition(
            f"the {year} period of park '{park_id}' was closed by '{b.closed.closed_by}' on "
            f"{b.closed.closed_at:%Y-%m-%d}; it is not reopened — correct one enterprise's data instead "
            "(`zeropark approval correct`)",
            status="closed",
            action="close",
        )
    by_id = {s.enterprise_id: s for s in b.submissions}
    for ent_id, why in exceptions.items():
        if ent_id not in by_id:
            raise _invalid("exceptions", f"enterprise '{ent_id}' is not in park '{park_id}'")
        if by_id[ent_id].approved:
            raise _invalid("exceptions", f"enterprise '{ent_id}' is approved; it is not an exception")
        if not why:
            raise _invalid("exceptions", f"give the reason why '{ent_id}' is closed without approval")
    missing = [s for s in b.submissions if not s.approved and s.enterprise_id not in exceptions]
    if missing:
        raise NotApproved(
            park_id, year, [(s.enterprise_id, s.status.value) for s in missing], "close the period"
        )
    listed = [
        {"enterprise_id": e, "status": by_id[e].status.value, "reason": why}
        for e, why in sorted(exceptions.items())
    ]
    with transaction(scope.engine) as s:
        s.add(
            PeriodCloseRow(
                park_id=park_id, year=year, closed_at=_now(), closed_by=scope.user.username, exceptions=listed
            )
        )
        scope.audit(
            s,
            "close",
            PERIOD_ENTITY,
            f"{park_id}/{year}",
            after={"approved": [x.enterprise_id for x in b.submissions if x.approved], "exceptions": listed},
        )
    return board(scope, park_id, year)


# --- runs ------------------------------------------------------------------------------------------


def link_run_inputs(session: Session, run_id: int, park_id: str, year: int) -> list[int]:
    """Link a stored run (in its transaction) to the approved data versions whose data it read.

    For each enterprise of the park with a data version of ``year``, the latest version is linked
    when the enterprise's records as they are now hash to it (a run made while a correction is
    being entered reads data no version holds, and is linked to none for that enterprise).
    Returns the linked version ids.
    """
    latest: dict[str, DataVersionRow] = {}
    for v in session.scalars(
        select(DataVersionRow)
        .where(DataVersionRow.park_id == park_id, DataVersionRow.year == year)
        .order_by(DataVersionRow.number)
    ):
        latest[v.enterprise_id] = v
    if not latest:
        return []
    now = _contents(session, park_id, year, latest)
    linked = [v.id for e, v in latest.items() if now[e][1] == v.sha256]
    session.execute(delete(RunDataVersionRow).where(RunDataVersionRow.run_id == run_id))
    for vid in linked:
        session.add(RunDataVersionRow(run_id=run_id, data_version_id=vid))
    session.flush()
    return linked
