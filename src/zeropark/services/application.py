"""Application workspace (申报): diagnosis → gap tasks → evidence → the 申报书 outline.

One use case per step, called by every door (CLI ``zeropark application``, API
``/api/v1/parks/{park_id}/application/…``, the 申报 page):

- :func:`diagnose`: every item of the 910号 indicator system (1 core + 5 guiding, and the reference
  figures) of a park — or, for an enterprise user, of its own enterprise — for a year, with value,
  target, gap in the indicator's unit (:func:`~zeropark.reports.application_data.gap_of`), status,
  what is missing named as missing, and the source of every figure (run id, input fingerprint,
  factor set, the line items it adds up, the framework item). Built on the stored indicator table
  of the latest national-method run (:mod:`zeropark.services.indicators`).
- gap tasks (:func:`create_task`, :func:`update_task`, :func:`list_tasks`): one diagnosis item, an
  owner (a user and/or an enterprise), a due date, a measure (an id of the measures library or
  free text), the evidence required, a status (open / in progress / done); overdue = past the due
  date (Beijing date) and not done. Managers create and edit; an enterprise user sees only the
  tasks its enterprise owns and may move their status. Every write is audited.
- evidence (:func:`add_document`, :func:`link_document`, :func:`list_documents`,
  :func:`open_document`): any bytes up to :data:`MAX_DOCUMENT_BYTES`, stored once by SHA-256
  (:mod:`zeropark.store.queries.evidence`), the file name sanitised, the type sniffed from the
  bytes (the client's claim is ignored); a document is linked to a task or to a line item of an
  inventory run; a download re-hashes the bytes and refuses changed ones (``EvidenceTampered``).
- deliverables (:func:`deliverable`): the 申报书 outline as Word (.docx) and PDF from the approved
  data only — :class:`DataNotApproved` otherwise.

Approval (:func:`require_approved`): the year's data are approved through the data approval
(:func:`zeropark.services.approval.require_approved`: every enterprise's submission approved, or
named an exception when the period was closed — ``NotApproved`` otherwise), and the national run
the outline is built on was accounted from those approved data versions and not superseded by a
correction since (``DataNotApproved`` otherwise). Whether a verifier signed the run off is stated
in the outline, not required.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import filetype
from sqlalchemy import select

from zeropark.errors import ApprovalError, DataError, NotFound, PermissionDenied, ZeroparkError
from zeropark.formatting import LOCAL_TZ, sig
from zeropark.indicators import IndicatorRow, IndicatorStatus
from zeropark.model import Method, Role
from zeropark.reports import application as render_application
from zeropark.reports.application_data import (
    FRAMEWORK_910,
    ApplicationData,
    Diagnosis,
    DiagnosisItem,
    EvidenceDocument,
    EvidenceLink,
    FigureSource,
    GapTask,
    RoadmapPoint,
    gap_of,
)
from zeropark.services import approval, evaluation, roadmap
from zeropark.services.indicators import no_run
from zeropark.services.inventory import RunView, latest_view, view_of_run
from zeropark.services.park_runs import require_park
from zeropark.store import audit, repo
from zeropark.store.db import session_factory, transaction
from zeropark.store.queries import enterprises as enterprise_queries
from zeropark.store.queries.evidence import EvidenceTampered, get_blob, put_blob
from zeropark.store.schema import (
    ApplicationTaskRow,
    EvidenceDocumentRow,
    EvidenceLinkRow,
    RunDataVersionRow,
    UserRow,
)
from zeropark.store.scope import MANAGE_ROLES, WRITE_ROLES, Scope

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "Approved",
    "DataNotApproved",
    "DeliverableKind",
    "Diagnosis",
    "DiagnosisItem",
    "DocumentTooLarge",
    "EvidenceDocument",
    "EvidenceTampered",
    "GapTask",
    "TaskForm",
    "TaskStatus",
    "add_document",
    "application_data",
    "create_task",
    "deliverable",
    "diagnose",
    "link_document",
    "list_documents",
    "list_tasks",
    "open_document",
    "parse_due_date",
    "outline_readiness",
    "require_approved",
    "sanitise_file_name",
    "sniff_media_type",
    "too_large_message",
    "update_task",
]

#: Largest evidence document accepted [bytes] (20 MiB, as the import upload).
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
#: Longest stored file name [characters].
MAX_NAME_CHARS = 200

_SOURCE_CORE = "发改环资〔2025〕910号 附件3 (ACCOUNTING.md §1.1) [P]"
_SOURCE_GUIDING = "发改环资〔2025〕910号 附件3 as reported (ACCOUNTING.md §1.1) [S]"


class DataNotApproved(ApprovalError):
    """The outline's run was not accounted from the approved data (or a correction superseded it)."""


class DocumentTooLarge(DataError):
    """An evidence upload above :data:`MAX_DOCUMENT_BYTES`."""


class TaskStatus(StrEnum):
    """Status of a gap task."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class DeliverableKind(StrEnum):
    """申报书 outline file kinds."""

    DOCX = "docx"
    PDF = "pdf"


MEDIA_TYPES: dict[DeliverableKind, str] = {
    DeliverableKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    DeliverableKind.PDF: "application/pdf",
}


# --- diagnosis ----------------------------------------------------------------------------------


def _line_items_of(code: str, view: RunView) -> tuple[tuple[str, ...], str]:
    """The line items a figure adds up, and the reported data it uses besides them."""
    lines = view.inventory.lines
    year = view.summary.year
    if code in ("core_intensity", "emissions", "energy_consumption"):
        return tuple(li.id for li in lines), ""
    if code == "clean_energy_share":
        return tuple(li.id for li in lines if li.energy_tce != 0), ""
    if code == "carbon_productivity":
        return tuple(li.id for li in lines), f"工业增加值 / value added {year}"
    if code == "hourly_matched_share":
        return tuple(li.id for li in lines if li.carrier is not None and li.carrier.value == "electricity"), (
            "hourly series of the run"
        )
    return (), f"indicator_data {view.summary.park_id} {year} (园区报送 / park-reported)"


def _item(row: IndicatorRow, view: RunView) -> DiagnosisItem:
    lines, data = _line_items_of(row.code, view)
    s = view.summary
    return DiagnosisItem(
        code=row.code,
        kind=row.kind.value,
        label_zh=row.label_zh,
        label_en=row.label_en,
        unit=row.unit,
        value=row.value,
        target=row.threshold,
        comparison=row.comparison,
        gap=gap_of(row.value, row.threshold, row.comparison)
        if row.status is not IndicatorStatus.MISSING
        else None,
        status=row.status.value,
        missing=row.missing,
        note_zh=row.note_zh,
        note_en=row.note_en,
        source=FigureSource(
            framework=FRAMEWORK_910,
            item=row.code,
            threshold_source=row.source,
            run_id=s.id,
            input_fingerprint=s.input_fingerprint,
            factor_set=f"{s.factor_set}@{s.factor_set_version}",
            line_items=lines,
            data=data,
        ),
    )


def _national(scope: Scope, park_id: str, year: int) -> RunView:
    view = latest_view(scope, park_id, year, Method.NATIONAL)
    if view is None:
        raise no_run(park_id, year, scope.enterprise_id)
    if view.indicators is None:
        raise NotFound(f"inventory run {view.summary.id} has no indicator table; account {year} again")
    return view


def diagnose(scope: Scope, park_id: str, year: int, *, frameworks: Sequence[str] = ()) -> Diagnosis:
    """诊断: every 910号 item of the park (an enterprise user: its enterprise) for ``year``.

    ``frameworks`` (codes of evaluation frameworks, :mod:`zeropark.services.evaluation`) add each
    framework's rubric items, scored on the same run, with code ``<framework>:<item>``.

    Raises
    ------
    NotFound
        Park outside the scope, no national-method run for the year (the message says how to
        make one), or an unknown framework.
    SubjectNotSupported
        A framework that does not evaluate the subject (an enterprise user's enterprise).
    """
    scope.check_park(park_id)
    view = _national(scope, park_id, year)
    return _diagnosis(view, _rubric_items(scope, view, frameworks))


_TARGET = re.compile(r"^\s*(≤|≥)\s*(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)\s*$")


def _target_of(text: str) -> tuple[str | None, float | None]:
    """(comparison, value) of a rubric target such as ``≥ 90`` (None, None for anything else)."""
    m = _TARGET.match(text or "")
    return (m.group(1), float(m.group(2))) if m else (None, None)


def _rubric_items(scope: Scope, view: RunView, codes: Sequence[str]) -> tuple[DiagnosisItem, ...]:
    """The rubric items of the frameworks ``codes`` scored on ``view``'s run (no evaluation stored)."""
    out: list[DiagnosisItem] = []
    s = view.summary
    for code in dict.fromkeys(codes):
        ev = evaluation.diagnose(scope, s.park_id, s.year, code, enterprise_id=s.enterprise_id)
        if ev.inventory_run_id != s.id:  # the same latest run; a race with a new run is named
            raise NotFound(
                f"framework '{code}' was scored on run {ev.inventory_run_id}, not {s.id}; try again"
            )
        fw = f"{ev.framework.code}@{ev.framework.version}"
        for it in ev.scorecard.items:
            comparison, target = _target_of(it.target or it.threshold)
            unit = "" if it.unit == "dimensionless" else it.unit
            points = (
                ""
                if it.weight is None
                else f"{sig(it.earned) if it.earned is not None else '—'}/{sig(it.weight)}"
            )
            out.append(
                DiagnosisItem(
                    code=f"{ev.framework.code}:{it.code}",
                    kind=it.section,
                    label_zh=it.label_zh,
                    label_en=it.label_en,
                    unit=unit,
                    value=it.value,
                    target=target,
                    comparison=comparison,
                    gap=None if it.status.value == "missing" else gap_of(it.value, target, comparison),
                    status=it.status.value,
                    missing=it.missing,
                    note_zh=f"{ev.framework.code} 分值 {points}" if points else ev.framework.code,
                    note_en=f"{ev.framework.code} points {points}" if points else ev.framework.code,
                    source=FigureSource(
                        framework=fw,
                        item=it.code,
                        threshold_source=it.source,
                        run_id=s.id,
                        input_fingerprint=s.input_fingerprint,
                        factor_set=f"{s.factor_set}@{s.factor_set_version}",
                        line_items=it.line_ids,
                        data=it.basis,
                    ),
                )
            )
    return tuple(out)


def _diagnosis(view: RunView, rubric: tuple[DiagnosisItem, ...] = ()) -> Diagnosis:
    table = view.indicators
    assert table is not None  # _national checked
    s = view.summary
    return Diagnosis(
        park_id=s.park_id,
        year=s.year,
        enterprise_id=s.enterprise_id,
        run_id=s.id,
        input_fingerprint=s.input_fingerprint,
        factor_set=f"{s.factor_set}@{s.factor_set_version}",
        signed_off_at=s.signed_off_at,
        signed_off_by=s.signed_off_by,
        size_band_zh=table.size_band_zh,
        size_band_en=table.size_band_en,
        veto=table.veto,
        items=tuple(_item(r, view) for r in table.rows) + rubric,
    )


# --- gap tasks ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskForm:
    """The fields of a gap task as a user enters them (checked by :func:`create_task`)."""

    item_code: str
    title: str
    due_date: date
    owner_user: str | None = None
    owner_enterprise_id: str | None = None
    measure_ref: str = ""
    evidence_required: str = ""
    status: str = TaskStatus.OPEN.value


#: Fields of a task an enterprise owner may change (the rest is the park manager's).
OWNER_FIELDS = frozenset({"status"})
#: Fields :func:`update_task` accepts.
TASK_FIELDS = frozenset(
    {"title", "due_date", "owner_user", "owner_enterprise_id", "measure_ref", "evidence_required", "status"}
)


def _today() -> date:
    """Today in Beijing (the park's calendar; a due date is a Beijing date)."""
    return datetime.now(LOCAL_TZ).date()


def _task(row: ApplicationTaskRow, documents: tuple[int, ...] = (), today: date | None = None) -> GapTask:
    day = today or _today()
    return GapTask(
        id=int(row.id),
        park_id=row.park_id,
        year=row.year,
        item_code=row.item_code,
        title=row.title,
        owner_user=row.owner_user,
        owner_enterprise_id=row.owner_enterprise_id,
        due_date=row.due_date,
        measure_ref=row.measure_ref,
        evidence_required=row.evidence_required,
        status=row.status,
        overdue=row.status != TaskStatus.DONE.value and row.due_date < day,
        created_at=row.created_at,
        updated_at=row.updated_at,
        documents=documents,
    )


def _check_text(field: str, value: str, limit: int, *, required: bool = False) -> str:
    text = value.strip()
    if required and not text:
        raise DataError(f"task field '{field}' is empty; write what the task is")
    if "\x00" in text:
        raise DataError(f"task field '{field}' contains a NUL character; remove it")
    if len(text) > limit:
        raise DataError(f"task field '{field}' has {len(text)} characters, more than {limit}; shorten it")
    return text


def _check_status(value: str) -> str:
    try:
        return TaskStatus(value).value
    except ValueError:
        raise DataError(
            f"task field 'status': '{value}' is not a status; "
            f"use one of {', '.join(s.value for s in TaskStatus)}"
        ) from None


def _check_owner(
    scope: Scope, park_id: str, user: str | None, enterprise_id: str | None
) -> tuple[str | None, str | None]:
    user = _check_text("owner_user", user, 64) or None if user is not None else None
    enterprise_id = enterprise_id or None
    if user is None and enterprise_id is None:
        raise DataError(
            "task needs an owner: give 'owner_user' (a user name) or 'owner_enterprise_id' or both"
        )
    if enterprise_id is not None:
        enterprise_queries.check_in_park(scope, park_id, enterprise_id)
    if user is not None:
        with session_factory(scope.engine)() as session:
            found = session.scalar(select(UserRow).where(UserRow.username == user))
            if found is None:
                raise DataError(f"task field 'owner_user': no user '{user}'; name an existing user")
            if found.role == Role.ENTERPRISE.value and enterprise_id not in (None, found.enterprise_id):
                raise DataError(
                    f"task field 'owner_user': user '{user}' belongs to enterprise '{found.enterprise_id}', "
                    f"not to '{enterprise_id}'"
                )
            if found.role == Role.ENTERPRISE.value and enterprise_id is None:
                enterprise_id = found.enterprise_id
    return user, enterprise_id


def _require_manager(scope: Scope, entity: str, entity_id: str) -> None:
    if scope.user.role not in MANAGE_ROLES:
        scope.deny(entity, entity_id, f"role '{scope.user.role}' may not create or edit gap tasks")
        raise PermissionDenied(
            f"role '{scope.user.role}' may not create or edit gap tasks; a park manager assigns them "
            "(an enterprise owner may change the status of its own tasks)"
        )


def create_task(scope: Scope, park_id: str, year: int, form: TaskForm) -> GapTask:
    """Create a gap task from a diagnosis item of ``year`` (audited; managers only).

    Raises
    ------
    DataError
        ``item_code`` is not an item of the year's diagnosis, a field is empty, too long or not a
        status, or the owner is missing or unknown (the message names the field).
    NotFound
        Park outside the scope, no diagnosis for the year, or the owner enterprise not in the park.
    PermissionDenied
        Not a park manager or admin.
    """
    scope.check_park(park_id)
    require_park(scope.engine, park_id)  # an admin sees any id: a missing park is NotFound
    _require_manager(scope, "application_task", f"{park_id}/{year}")
    framework = form.item_code.split(":", 1)[0] if ":" in form.item_code else None
    try:
        items = diagnose(scope, park_id, year, frameworks=(framework,) if framework else ()).items
    except NotFound as exc:
        if framework is None or "framework" not in str(exc):
            raise
        raise DataError(f"task field 'item_code': {exc}") from None
    codes = [i.code for i in items]
    if form.item_code not in codes:
        raise DataError(
            f"task field 'item_code': '{form.item_code}' is not an item of the {year} diagnosis; use one of "
            f"{', '.join(codes)}"
        )
    title = _check_text("title", form.title, 400, required=True)
    user, enterprise_id = _check_owner(scope, park_id, form.owner_user, form.owner_enterprise_id)
    now = datetime.now(UTC)
    with transaction(scope.engine) as session:
        row = ApplicationTaskRow(
            park_id=park_id,
            year=year,
            item_code=form.item_code,
            title=title,
            owner_user=user,
            owner_enterprise_id=enterprise_id,
            due_date=check_due_date(form.due_date),
            measure_ref=_check_text("measure_ref", form.measure_ref, 400),
            evidence_required=_check_text("evidence_required", form.evidence_required, 4000),
            status=_check_status(form.status),
            created_at=now,
            created_by=scope.user.username,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        scope.audit(session, audit.CREATE, "application_task", str(row.id), after=audit.row_snapshot(row))
        return _task(row)


def _visible_task(scope: Scope, session: Any, task_id: int) -> ApplicationTaskRow:
    row = session.get(ApplicationTaskRow, task_id)
    if row is None:
        raise NotFound(f"gap task {task_id} not found")
    scope.check("application_task", str(task_id), park_id=row.park_id, enterprise_id=row.owner_enterprise_id)
    return row  # type: ignore[no-any-return]


def update_task(scope: Scope, task_id: int, changes: dict[str, Any]) -> GapTask:
    """Change fields of a task (audited with before and after).

    A park manager or admin may change every field of :data:`TASK_FIELDS`; an enterprise user only
    the status of a task its enterprise owns (another's task answers 404, audited).

    Raises
    ------
    DataError
        An unknown field or a bad value (named).
    NotFound, PermissionDenied
        The task is outside the scope; the role may not change the field.
    """
    unknown = sorted(set(changes) - TASK_FIELDS)
    if unknown:
        raise DataError(
            f"unknown task field(s) {', '.join(unknown)}; fields: {', '.join(sorted(TASK_FIELDS))}"
        )
    with transaction(scope.engine) as session:
        row = _visible_task(scope, session, task_id)
        scope.check_write(
            "application_task", str(task_id), park_id=row.park_id, enterprise_id=row.owner_enterprise_id
        )
        if scope.user.role not in MANAGE_ROLES and not set(changes) <= OWNER_FIELDS:
            _require_manager(scope, "application_task", str(task_id))
        before = audit.row_snapshot(row)
        if "title" in changes:
            row.title = _check_text("title", str(changes["title"]), 400, required=True)
        if "due_date" in changes:
            due = changes["due_date"]
            row.due_date = check_due_date(due) if isinstance(due, date) else parse_due_date(str(due))
        if "owner_user" in changes or "owner_enterprise_id" in changes:
            row.owner_user, row.owner_enterprise_id = _check_owner(
                scope,
                row.park_id,
                changes.get("owner_user", row.owner_user),
                changes.get("owner_enterprise_id", row.owner_enterprise_id),
            )
        if "measure_ref" in changes:
            row.measure_ref = _check_text("measure_ref", str(changes["measure_ref"]), 400)
        if "evidence_required" in changes:
            row.evidence_required = _check_text("evidence_required", str(changes["evidence_required"]), 4000)
        if "status" in changes:
            row.status = _check_status(str(changes["status"]))
        row.updated_at = datetime.now(UTC)
        session.flush()
        scope.audit(
            session,
            audit.UPDATE,
            "application_task",
            str(task_id),
            before=before,
            after=audit.row_snapshot(row),
        )
        return _task(row, _task_documents(session, [task_id]).get(task_id, ()))


#: Due dates a task accepts (the years the doors accept).
DUE_MIN, DUE_MAX = date(2000, 1, 1), date(2100, 12, 31)


def check_due_date(due: date) -> date:
    """``due`` if it lies in 2000–2100, else a :class:`DataError` naming the field."""
    if not DUE_MIN <= due <= DUE_MAX:
        raise DataError(f"task field 'due_date': {due.isoformat()} is outside 2000-01-01 … 2100-12-31")
    return due


def parse_due_date(text: str) -> date:
    """A due date written ``YYYY-MM-DD`` (:class:`DataError` naming the field otherwise)."""
    try:
        return check_due_date(date.fromisoformat(text.strip()))
    except ValueError:
        raise DataError(f"task field 'due_date': '{text}' is not a date; write YYYY-MM-DD") from None


def _task_documents(session: Any, task_ids: list[int]) -> dict[int, tuple[int, ...]]:
    if not task_ids:
        return {}
    out: dict[int, list[int]] = {}
    stmt = select(EvidenceLinkRow.task_id, EvidenceLinkRow.document_id).where(
        EvidenceLinkRow.task_id.in_(task_ids)
    )
    for tid, did in session.execute(stmt.order_by(EvidenceLinkRow.id)):
        out.setdefault(int(tid), []).append(int(did))
    return {k: tuple(v) for k, v in out.items()}


def list_tasks(
    scope: Scope,
    park_id: str,
    *,
    year: int | None = None,
    status: str | None = None,
    overdue: bool | None = None,
) -> list[GapTask]:
    """Gap tasks of the park (an enterprise user: those its enterprise owns), by due date."""
    scope.check_park(park_id)
    stmt = scope.filter(
        select(ApplicationTaskRow).where(ApplicationTaskRow.park_id == park_id),
        park_col=ApplicationTaskRow.park_id,
        enterprise_col=ApplicationTaskRow.owner_enterprise_id,
    )
    if year is not None:
        stmt = stmt.where(ApplicationTaskRow.year == year)
    if status is not None:
        stmt = stmt.where(ApplicationTaskRow.status == _check_status(status))
    today = _today()
    with session_factory(scope.engine)() as session:
        rows = list(session.scalars(stmt.order_by(ApplicationTaskRow.due_date, ApplicationTaskRow.id)))
        docs = _task_documents(session, [int(r.id) for r in rows])
        tasks = [_task(r, docs.get(int(r.id), ()), today) for r in rows]
    return [t for t in tasks if overdue is None or t.overdue == overdue]


def get_task(scope: Scope, task_id: int) -> GapTask:
    """One task inside the scope (NotFound otherwise, audited)."""
    with session_factory(scope.engine)() as session:
        row = _visible_task(scope, session, task_id)
        return _task(row, _task_documents(session, [task_id]).get(task_id, ()))


# --- evidence -----------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"|?*]")


def sanitise_file_name(name: str | bytes) -> str:
    r"""A file name safe to store and to send back: no directories, no control characters, NFC.

    Bytes that are not UTF-8 are replaced (U+FFFD); ``..``, ``/`` and ``\\`` parts are dropped
    (only the last path component is kept); leading dots and spaces are removed; the name is cut
    to :data:`MAX_NAME_CHARS` keeping its extension; an empty result is ``document``.

    Examples
    --------
    >>> sanitise_file_name("../../etc/passwd")
    'passwd'
    >>> sanitise_file_name(b"\xff\xfe.pdf")
    '��.pdf'
    >>> sanitise_file_name("C:\\Users\\a\x00b.pdf")
    'a_b.pdf'
    """
    text = name.decode("utf-8", "replace") if isinstance(name, bytes) else name
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    text = unicodedata.normalize("NFC", text)
    text = re.split(r"[/\\]", text)[-1]
    text = _UNSAFE.sub("_", text).strip().lstrip(". ")
    if len(text) > MAX_NAME_CHARS:
        stem, dot, ext = text.rpartition(".")
        keep = ext if dot and len(ext) <= 16 else ""
        text = text[: MAX_NAME_CHARS - len(keep) - 1] + "." + keep if keep else text[:MAX_NAME_CHARS]
    return text or "document"


def sniff_media_type(content: bytes) -> str:
    """The MIME type of ``content`` from its bytes (``filetype`` signatures), never from the client.

    Bytes no signature matches are ``text/plain`` when they decode as UTF-8 without NUL
    characters, else ``application/octet-stream``.
    """
    kind = filetype.guess(content) if content else None
    if kind is not None:
        return str(kind.mime)
    if b"\x00" not in content:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            return "application/octet-stream"
        return "text/plain"
    return "application/octet-stream"


def _document(
    row: EvidenceDocumentRow, links: tuple[EvidenceLink, ...] = (), dedup: bool = False
) -> EvidenceDocument:
    return EvidenceDocument(
        id=int(row.id),
        park_id=row.park_id,
        enterprise_id=row.enterprise_id,
        file_name=row.file_name,
        media_type=row.media_type,
        size=int(row.size),
        sha256=row.sha256,
        note=row.note,
        uploaded_at=row.uploaded_at,
        uploaded_by=row.uploaded_by,
        links=links,
        deduplicated=dedup,
    )


def _require_writer(scope: Scope, entity: str, entity_id: str) -> None:
    if scope.user.role not in WRITE_ROLES:
        scope.deny(entity, entity_id, f"role '{scope.user.role}' is read-only")
        raise PermissionDenied(f"role '{scope.user.role}' is read-only; it may not upload or link evidence")


def too_large_message(file_name: str | bytes, size: int, max_bytes: int = MAX_DOCUMENT_BYTES) -> str:
    """The message of :class:`DocumentTooLarge`: the file, its size, the limit, what to do."""
    return (
        f"evidence file '{sanitise_file_name(file_name)}' has {size} bytes, more than the limit of "
        f"{max_bytes} bytes ({max_bytes / 1024 / 1024:g} MiB); split it or compress it"
    )


def add_document(
    scope: Scope,
    park_id: str,
    file_name: str | bytes,
    content: bytes,
    *,
    enterprise_id: str | None = None,
    note: str = "",
    task_id: int | None = None,
    run_id: int | None = None,
    line_item_id: str | None = None,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> EvidenceDocument:
    """Upload a document (audited): stored by SHA-256, name sanitised, type sniffed; optionally linked.

    An enterprise user's document is its enterprise's; a manager may name an enterprise or leave
    it to the park. Upload and link are one transaction (a bad link stores nothing).

    Raises
    ------
    DocumentTooLarge
        More than ``max_bytes``.
    NotFound, PermissionDenied, DataError
        As :func:`link_document`.
    """
    scope.check_park(park_id)
    require_park(scope.engine, park_id)  # an admin sees any id: a missing park is NotFound
    _require_writer(scope, "evidence_document", park_id)
    if len(content) > max_bytes:
        raise DocumentTooLarge(too_large_message(file_name, len(content), max_bytes))
    owner = scope.enterprise_id if scope.is_enterprise else (enterprise_id or None)
    if owner is not None and not scope.is_enterprise:
        enterprise_queries.check_in_park(scope, park_id, owner)
    name = sanitise_file_name(file_name)
    with transaction(scope.engine) as session:
        digest, dedup = put_blob(session, content)
        row = EvidenceDocumentRow(
            park_id=park_id,
            enterprise_id=owner,
            sha256=digest,
            file_name=name,
            media_type=sniff_media_type(content),
            size=len(content),
            note=_check_text("note", note, 4000),
            uploaded_at=datetime.now(UTC),
            uploaded_by=scope.user.username,
        )
        session.add(row)
        session.flush()
        scope.audit(
            session,
            audit.CREATE,
            "evidence_document",
            str(row.id),
            after=audit.row_snapshot(row) | {"deduplicated": dedup},
        )
        links: tuple[EvidenceLink, ...] = ()
        if task_id is not None or run_id is not None or line_item_id is not None:
            links = (_link(scope, session, row, task_id, run_id, line_item_id),)
        return _document(row, links, dedup)


def _link(
    scope: Scope,
    session: Any,
    doc: EvidenceDocumentRow,
    task_id: int | None,
    run_id: int | None,
    line_item_id: str | None,
) -> EvidenceLink:
    if (task_id is None) == (run_id is None and line_item_id is None):
        raise DataError(
            "link a document to a task ('task_id') or to a line item ('run_id' and 'line_item_id'), "
            "one of the two"
        )
    if task_id is not None:
        task = _visible_task(scope, session, task_id)
        if task.park_id != doc.park_id:
            raise NotFound(f"gap task {task_id} not found in park '{doc.park_id}'")
    else:
        if run_id is None or not line_item_id:
            raise DataError("a line-item link needs both 'run_id' and 'line_item_id'")
        view = view_of_run(scope, run_id)
        if view.summary.park_id != doc.park_id:
            raise NotFound(f"inventory run {run_id} not found in park '{doc.park_id}'")
        ids = {li.id for li in view.inventory.lines}
        if line_item_id not in ids:
            raise DataError(
                f"'line_item_id': run {run_id} has no line item '{line_item_id}' ({len(ids)} line items)"
            )
    row = EvidenceLinkRow(
        document_id=doc.id,
        task_id=task_id,
        run_id=run_id,
        line_item_id=line_item_id,
        created_at=datetime.now(UTC),
        created_by=scope.user.username,
    )
    session.add(row)
    session.flush()
    scope.audit(session, audit.CREATE, "evidence_link", str(row.id), after=audit.row_snapshot(row))
    return EvidenceLink(int(row.id), task_id, run_id, line_item_id)


def _visible_document(scope: Scope, session: Any, document_id: int) -> EvidenceDocumentRow:
    row = session.get(EvidenceDocumentRow, document_id)
    if row is None:
        raise NotFound(f"evidence document {document_id} not found")
    scope.check("evidence_document", str(document_id), park_id=row.park_id, enterprise_id=row.enterprise_id)
    return row  # type: ignore[no-any-return]


def link_document(
    scope: Scope,
    document_id: int,
    *,
    task_id: int | None = None,
    run_id: int | None = None,
    line_item_id: str | None = None,
) -> EvidenceLink:
    """Link a document to a task or to a line item of a run (audited).

    Raises
    ------
    DataError
        Neither or both targets; a line item the run does not have (named).
    NotFound
        The document, task or run is outside the scope or of another park.
    """
    with transaction(scope.engine) as session:
        doc = _visible_document(scope, session, document_id)
        scope.check_write(
            "evidence_document", str(document_id), park_id=doc.park_id, enterprise_id=doc.enterprise_id
        )
        return _link(scope, session, doc, task_id, run_id, line_item_id)


def list_documents(scope: Scope, park_id: str, *, task_id: int | None = None) -> list[EvidenceDocument]:
    """Evidence documents of the park inside the scope, newest first, with their links."""
    scope.check_park(park_id)
    stmt = scope.filter(
        select(EvidenceDocumentRow).where(EvidenceDocumentRow.park_id == park_id),
        park_col=EvidenceDocumentRow.park_id,
        enterprise_col=EvidenceDocumentRow.enterprise_id,
    )
    with session_factory(scope.engine)() as session:
        rows = list(session.scalars(stmt.order_by(EvidenceDocumentRow.id.desc())))
        ids = [int(r.id) for r in rows]
        links: dict[int, list[EvidenceLink]] = {}
        if ids:
            for lk in session.scalars(
                select(EvidenceLinkRow)
                .where(EvidenceLinkRow.document_id.in_(ids))
                .order_by(EvidenceLinkRow.id)
            ):
                links.setdefault(int(lk.document_id), []).append(
                    EvidenceLink(int(lk.id), lk.task_id, lk.run_id, lk.line_item_id)
                )
        docs = [_document(r, tuple(links.get(int(r.id), []))) for r in rows]
    if task_id is not None:
        docs = [d for d in docs if any(lk.task_id == task_id for lk in d.links)]
    return docs


def open_document(scope: Scope, document_id: int) -> tuple[EvidenceDocument, bytes]:
    """A document and its bytes, re-hashed: changed bytes raise :class:`EvidenceTampered`."""
    with session_factory(scope.engine)() as session:
        row = _visible_document(scope, session, document_id)
        content = get_blob(session, row.sha256, f"evidence document {document_id} ('{row.file_name}')")
        return _document(row), content


# --- deliverables -------------------------------------------------------------------------------


#: The deliverable's name in the approval errors.
OUTLINE = "申报书 application outline"


@dataclass(frozen=True, slots=True)
class Approved:
    """The approved run of a park's year and how the approval stands (for the outline to state)."""

    view: RunView
    enterprises: int  # enterprises of the park
    approved: int  # of them with approved data
    exceptions: tuple[tuple[str, str], ...]  # (enterprise id, reason) named when the period closed
    closed_at: datetime | None


def outline_readiness(scope: Scope, park_id: str, year: int) -> tuple[Approved | None, str]:
    """Whether the park's outline can be made now: ``(the approved run, "")`` or ``(None, why not)``.

    An enterprise user does not make the park's outline: ``(None, "")``.
    """
    if scope.is_enterprise:
        return None, ""
    try:
        return require_approved(scope, park_id, year), ""
    except ApprovalError as exc:  # NotApproved (数据审核) or DataNotApproved (the run)
        return None, str(exc)


def require_approved(scope: Scope, park_id: str, year: int) -> Approved:
    """The approved national-method run of the park's year, or the named error why not.

    Raises
    ------
    NotApproved
        Some enterprise's data of the year are not approved (the data approval, 数据审核).
    DataNotApproved
        The run the outline would use was accounted before the approval (it did not read the
        approved data versions) or was superseded by a correction since.
    NotFound
        Park outside the scope, or no national-method run for the year.
    """
    scope.check_park(park_id)
    board = approval.require_approved(scope, park_id, year, what=OUTLINE)
    view = _national(scope, park_id, year)
    s = view.summary
    if s.superseded is not None:
        sup = s.superseded
        raise DataNotApproved(
            f"{OUTLINE}: national-method inventory run {s.id} used data of enterprise '{sup.enterprise_id}' "
            f"that correction version {sup.number} replaced ({sup.reason}); account {year} again "
            f"(`zeropark account --year {year}`) so the outline uses the approved data"
        )
    latest = {
        sub.enterprise_id: sub.versions[-1].id for sub in board.submissions if sub.approved and sub.versions
    }
    with session_factory(scope.engine)() as session:
        read = set(
            session.scalars(select(RunDataVersionRow.data_version_id).where(RunDataVersionRow.run_id == s.id))
        )
    unread = sorted(e for e, vid in latest.items() if vid not in read)
    if unread:
        listed = ", ".join(unread[:20]) + (f" and {len(unread) - 20} more" if len(unread) > 20 else "")
        raise DataNotApproved(
            f"{OUTLINE}: national-method inventory run {s.id} was not accounted from the approved data of "
            f"{len(unread)} enterprise(s): {listed} (it was accounted before the approval, or the data "
            f"changed since); account {year} again (`zeropark account --year {year}`, or the 碳排放核算 page)"
        )
    exceptions = () if board.closed is None else tuple((e[0], e[2]) for e in board.closed.exceptions)
    return Approved(
        view=view,
        enterprises=len(board.submissions),
        approved=sum(1 for sub in board.submissions if sub.approved),
        exceptions=exceptions,
        closed_at=None if board.closed is None else board.closed.closed_at,
    )


def _roadmap(scope: Scope, park_id: str, year: int) -> tuple[tuple[RoadmapPoint, ...], str]:
    base = render_application.BASE_YEAR
    if year <= base:
        return (), f"{year} 为基准年 / base year: no trend yet"
    try:
        result = roadmap.lmdi(scope, park_id, base, year)
    except ZeroparkError as exc:
        return (), str(exc)
    points = tuple(RoadmapPoint(p.year, p.run_id, p.carbon_productivity, p.note) for p in result.trend)
    return points, ""


def application_data(
    scope: Scope, park_id: str, year: int, *, frameworks: Sequence[str] = ()
) -> ApplicationData:
    """Everything the 申报书 outline shows, from approved data (managers, admins, verifiers).

    Raises
    ------
    DataNotApproved
        The year's national-method run is not signed off.
    PermissionDenied
        An enterprise user (the 申报书 is the park's).
    """
    if scope.is_enterprise:
        scope.deny(
            "application_deliverable",
            f"{park_id}/{year}",
            "enterprise users may not generate the park's application",
        )
        raise PermissionDenied("the 申报书 is the park's; an enterprise user may not generate it")
    ok = require_approved(scope, park_id, year)
    view = ok.view
    diagnosis = _diagnosis(view, _rubric_items(scope, view, frameworks))
    inv = view.inventory
    points, note = _roadmap(scope, park_id, year)
    return ApplicationData(
        park=repo.get_park(scope.engine, park_id),
        year=year,
        enterprises=tuple(repo.list_enterprises(scope.engine, park_id)),
        diagnosis=diagnosis,
        energy_tce=inv.energy_tce,
        total_tco2=inv.total_tco2e,
        clean_share_pct=None if inv.clean_energy_share is None else 100.0 * inv.clean_energy_share,
        line_item_count=len(inv.lines),
        approved_enterprises=ok.approved,
        enterprise_count=ok.enterprises,
        exceptions=ok.exceptions,
        period_closed_at=ok.closed_at,
        tasks=tuple(list_tasks(scope, park_id, year=year)),
        documents=tuple(list_documents(scope, park_id)),
        roadmap=points,
        roadmap_note=note,
        uncertain=render_application.UNCERTAIN,
    )


@dataclass(frozen=True, slots=True)
class DeliverableFile:
    """A generated 申报书 outline: file name, media type, bytes, the run it was built on."""

    file_name: str
    media_type: str
    content: bytes
    run_id: int


def deliverable(
    scope: Scope,
    park_id: str,
    year: int,
    kind: DeliverableKind,
    *,
    lang: str = "zh",
    frameworks: Sequence[str] = (),
) -> DeliverableFile:
    """The 申报书 outline of the park's year as .docx or PDF (audited as a generated deliverable).

    Raises
    ------
    DataNotApproved
        Requested before the year's data are approved.
    """
    data = application_data(scope, park_id, year, frameworks=frameworks)
    content = (
        render_application.render_docx(data, lang=lang)
        if kind is DeliverableKind.DOCX
        else render_application.render_pdf(data, lang=lang)
    )
    name = f"{park_id}-{year}-application-outline-{lang}.{kind.value}"
    with transaction(scope.engine) as session:
        scope.audit(
            session,
            audit.CREATE,
            "application_deliverable",
            f"{park_id}/{year}/{kind.value}",
            after={"file_name": name, "bytes": len(content), "run_id": data.diagnosis.run_id},
        )
    return DeliverableFile(name, MEDIA_TYPES[kind], content, data.diagnosis.run_id)
