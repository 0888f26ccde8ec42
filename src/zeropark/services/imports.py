"""Imports (数据导入): "import this file as this user" — one use case behind the API, the web and the CLI.

A file is an enterprise data workbook (企业能源消费与碳排放数据填报表: .xlsx with the template's
sheets, .yaml/.json of its sections, or a .csv with a 能源品种 column; :mod:`zeropark.ingest.workbook`)
or a meter-readings export (columns meter_id, ts, value / 表号, 时间, 读数; :mod:`zeropark.ingest.files`).
:func:`import_file` finds out which (or is told) and calls :func:`import_workbook` or
:func:`import_readings`; ``POST /api/v1/imports`` (workbooks only), the 数据导入 page,
``zeropark import`` and ``zeropark ingest file`` call these, so a file is checked, stored and
audited the same way through every door.

Who may import what, checked before anything is stored (a refusal is audited as ``denied``):

- admin: any file;
- park_manager: workbooks of its park's enterprises; readings of its park's meters (a row for
  another park's meter is quarantined as an unknown meter, as if the meter did not exist);
- enterprise: only its own enterprise's workbook (another's → :class:`~zeropark.errors.NotFound`,
  as for every row outside the scope), no readings file (those are the park operator's:
  :class:`~zeropark.errors.PermissionDenied`);
- verifier, device: nothing (:class:`~zeropark.errors.PermissionDenied`).

Every import is recorded as an import batch (``import_batch``: stored / partial / rejected) and
audited (action ``create``, entity ``import_batch``) in the transaction that records the batch.
Readings committed by an import are followed by the after-commit listeners of every door
(:func:`zeropark.services.ingestion.commit_hooks`: the rollups).

The command line imports with :func:`zeropark.store.scope.system_scope` (user ``cli``, role
admin): whoever runs ``zeropark`` on the server holds the database URL, hence every right already;
the scope makes the CLI go through the same checks and leaves audit records that name the door
the import came through.
"""

from __future__ import annotations

import calendar
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from zeropark.accounting import online_monitoring as om
from zeropark.accounting.form_205_1 import ROWS as FORM_ROWS
from zeropark.errors import DataError, NotFound, PermissionDenied, RowError
from zeropark.ingest.files import ImportResult as ReadingsImport
from zeropark.ingest.files import ProgressFn, is_readings_file
from zeropark.ingest.files import import_readings as import_readings_file
from zeropark.ingest.register import is_register_file
from zeropark.ingest.validate import earliest_instant
from zeropark.ingest.workbook import ImportResult as WorkbookImport
from zeropark.ingest.workbook import import_workbook as import_workbook_file
from zeropark.ingest.workbook import is_enterprise_data_file, workbook_enterprise, write_template
from zeropark.model import Role
from zeropark.reports import form_205_1
from zeropark.services import online_monitoring
from zeropark.services.approval import check_editable, years_of
from zeropark.services.ingestion import commit_hooks
from zeropark.store import audit, ledger
from zeropark.store.db import transaction
from zeropark.store.schema import ActivityRecordRow, ImportBatchRow
from zeropark.store.scope import Principal, Scope

__all__ = [
    "IMPORT_ROLES",
    "ImportBatch",
    "ImportKind",
    "ImportOutcome",
    "ImportPage",
    "ReadingsImport",
    "WorkbookImport",
    "can_import",
    "detect_kind",
    "get_import",
    "import_205_1",
    "import_file",
    "import_readings",
    "import_workbook",
    "list_imports",
]

#: Roles that may import files (verifiers are read-only, devices send readings only).
IMPORT_ROLES: tuple[Role, ...] = (Role.ADMIN, Role.PARK_MANAGER, Role.ENTERPRISE)

#: The audit log's name of what an import creates.
ENTITY = "import_batch"


class ImportKind(StrEnum):
    """导入类型: what a file holds."""

    WORKBOOK = "workbook"  # enterprise activity data (企业填报表)
    READINGS = "readings"  # meter readings export (抄表数据)
    FORM_205_1 = "205-1"  # a filed 205-1 能源购进、消费与库存 form (issue #19)
    ONLINE_MONITORING = "online_monitoring"  # a filed 能耗在线监测 upload file (issue #19)


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What one import did, the same through every door.

    ``errors`` lists rejected rows with file, sheet, row, field and the fix (a readings import
    lists the first ones; all of them are quarantined). Exactly one of ``workbook`` and
    ``readings`` holds the importer's own, fuller result.
    """

    file: str
    kind: ImportKind
    status: str  # stored / partial / rejected
    rows: int
    stored: int
    rejected: int
    errors: tuple[RowError, ...]
    batch_id: int | None
    workbook: WorkbookImport | None = None
    readings: ReadingsImport | None = None

    @classmethod
    def of_workbook(cls, result: WorkbookImport) -> ImportOutcome:
        """The outcome of an enterprise-workbook import."""
        return cls(
            file=result.file,
            kind=ImportKind.WORKBOOK,
            status=result.status,
            rows=result.rows,
            stored=result.stored,
            rejected=result.rejected,
            errors=tuple(result.errors),
            batch_id=result.batch_id,
            workbook=result,
        )

    @classmethod
    def of_readings(cls, result: ReadingsImport) -> ImportOutcome:
        """The outcome of a readings import."""
        return cls(
            file=result.file,
            kind=ImportKind.READINGS,
            status=result.status,
            rows=result.rows,
            stored=result.stored,
            rejected=result.rejected,
            errors=tuple(result.errors),
            batch_id=result.batch_id,
            readings=result,
        )


@dataclass(frozen=True, slots=True)
class ImportBatch:
    """导入记录: one recorded import — the file, what it held, its outcome, who imported it."""

    id: int
    park_id: str | None
    file_name: str
    sha256: str
    kind: str  # enterprise_workbook / readings
    status: str  # stored / partial / rejected
    n_rows: int
    n_stored: int
    n_rejected: int
    errors: list[Any]
    created_at: datetime
    created_by: str | None

    @classmethod
    def of_row(cls, row: ImportBatchRow) -> ImportBatch:
        """The batch of a stored ``import_batch`` row."""
        return cls(
            id=row.id,
            park_id=row.park_id,
            file_name=row.file_name,
            sha256=row.sha256,
            kind=row.kind,
            status=row.status,
            n_rows=row.n_rows,
            n_stored=row.n_stored,
            n_rejected=row.n_rejected,
            errors=list(row.errors or []),
            created_at=row.created_at,
            created_by=row.created_by,
        )


@dataclass(frozen=True, slots=True)
class ImportPage:
    """One page of imports, newest first, and how many there are in all."""

    items: list[ImportBatch]
    total: int


#: File name of the blank enterprise workbook (the name ``zeropark template`` writes).
TEMPLATE_NAME = "企业能源消费与碳排放数据填报表.xlsx"


def template_workbook() -> bytes:
    """The blank workbook 企业能源消费与碳排放数据填报表 (.xlsx), the file ``zeropark template`` writes."""
    with tempfile.TemporaryDirectory() as tmp:
        return write_template(Path(tmp) / TEMPLATE_NAME).read_bytes()


def can_import(user: Principal) -> bool:
    """Whether ``user``'s role may import files at all (see the module docstring for what)."""
    return user.role in IMPORT_ROLES


def detect_kind(path: Path) -> ImportKind:
    """What ``path`` holds, from its content: an enterprise workbook or a readings export.

    Raises
    ------
    DataError
        If it is neither; the message says what each looks like.
    """
    if path.suffix.lower() == ".json" and om.is_upload_file(path.read_bytes()):
        return ImportKind.ONLINE_MONITORING
    if is_enterprise_data_file(path):
        return ImportKind.WORKBOOK
    if path.suffix.lower() in (".xlsx", ".xlsm") and form_205_1.is_form_file(path.read_bytes()):
        return ImportKind.FORM_205_1
    if is_readings_file(path):
        return ImportKind.READINGS
    if is_register_file(path):
        raise DataError(
            f"{path.name} is a park register (园区登记表: park, zones, enterprises, meters); "
            f"register it with `zeropark park init {path.name}`"
        )
    raise DataError(
        f"{path.name}: not recognised. An enterprise workbook has the sheets of `zeropark template` "
        "(or YAML/JSON sections enterprise, energy, …; or a CSV with 能源品种); a readings export has "
        "the columns meter_id, ts, value (表号, 时间, 读数). See docs/data-formats.md"
    )


def _require_import_role(scope: Scope, file: str) -> None:
    if not can_import(scope.user):
        scope.deny(ENTITY, file, f"role '{scope.user.role}' may not import data")
        raise PermissionDenied(
            f"role '{scope.user.role}' may not import data; a park manager, an admin or the "
            "enterprise itself imports it"
        )


def _audit(scope: Scope) -> Callable[[Session, WorkbookImport | ReadingsImport], None]:
    """The ``before_commit`` of an importer: the audit record of the batch, in its transaction."""

    def record(session: Session, result: WorkbookImport | ReadingsImport) -> None:
        kind = ImportKind.WORKBOOK if isinstance(result, WorkbookImport) else ImportKind.READINGS
        after: dict[str, Any] = {
            "file": result.file,
            "kind": kind.value,
            "status": result.status,
            "rows": result.rows,
            "stored": result.stored,
            "rejected": result.rejected,
            "n_errors": len(result.errors),
            "batch_id": result.batch_id,
        }
        if isinstance(result, WorkbookImport):
            _check_editable_import(session, result)
            after |= {
                "enterprise_id": result.enterprise_id,
                "year": result.year,
                "stored_by_sheet": dict(result.stored_by_sheet),
            }
        else:
            after |= {"park_id": result.park_id, "duplicates": result.duplicates, "flagged": result.flagged}
        scope.audit(session, audit.CREATE, ENTITY, str(result.batch_id), after=after)
        ledger.record(session, "import_batch", str(result.batch_id))  # evidence ledger (#16)

    return record


def _check_editable_import(session: Session, result: WorkbookImport) -> None:
    """Refuse (roll back) a workbook that stored data of a locked or under-review year of its enterprise."""
    if not result.stored or result.enterprise_id is None or result.batch_id is None:
        return
    periods = session.execute(
        select(ActivityRecordRow.period_start, ActivityRecordRow.period_end).where(
            ActivityRecordRow.import_batch_id == result.batch_id
        )
    ).all()
    years = {y for start, end in periods for y in years_of(start, end)}
    if result.year is not None:
        years.add(result.year)
    check_editable(session, enterprise_id=result.enterprise_id, years=years, what=f"import {result.file}")


def import_workbook(
    scope: Scope, path: Path, *, partial: bool = False, steam_default_heat: bool = False
) -> WorkbookImport:
    """Import an enterprise data file as ``scope``'s user (checked, stored, audited).

    Parameters
    ----------
    scope : Scope
        Who imports.
    path : Path
        The .xlsx / .csv / .yaml / .json file (its name is the one the user gave).
    partial : bool
        ``False``: all or nothing; ``True``: store the rows that pass, report the others.
    steam_default_heat : bool
        Named option DEFAULT_STEAM_HEAT for steam given in tonnes without its heat content.

    Returns
    -------
    WorkbookImport
        Counts per sheet, every rejected row (sheet, row, column, what to fix), the batch id. A
        file naming an unknown enterprise is recorded as a rejected batch that says so.

    Raises
    ------
    PermissionDenied
        The user's role may not import.
    NotFound
        The file is for an enterprise outside the user's scope (audited ``denied``; nothing stored).
    DataError
        The file type is not supported.
    """
    _require_import_role(scope, path.name)
    ent = workbook_enterprise(scope.engine, path)
    if ent is not None and not scope.sees(park_id=ent.park_id, enterprise_id=ent.id):
        scope.deny(ENTITY, path.name, f"workbook of enterprise '{ent.id}' (park '{ent.park_id}')")
        mine = (
            f"your own enterprise's data ('{scope.enterprise_id}')"
            if scope.is_enterprise
            else f"data of park '{scope.park_id}'"
        )
        raise NotFound(f"{path.name}: enterprise '{ent.id}' not found; you may import only {mine}")
    return import_workbook_file(
        scope.engine,
        path,
        partial=partial,
        created_by=scope.user.username,
        before_commit=_audit(scope),
        steam_default_heat=steam_default_heat,
    )


def import_readings(
    scope: Scope,
    path: Path,
    *,
    progress: ProgressFn | None = None,
    earliest_year: int | None = None,
) -> ReadingsImport:
    """Import a meter-readings export as ``scope``'s user; rejected rows go to quarantine.

    A user bound to a park imports into that park only (rows of other parks' meters are
    quarantined as unknown meters). After the commit the rollups of the touched buckets are
    updated (:func:`zeropark.services.ingestion.commit_hooks`).

    Parameters
    ----------
    scope : Scope
        Who imports.
    path : Path
        The .csv / .xlsx export.
    progress : callable, optional
        ``progress(done, total)`` in bytes (CSV) or rows (xlsx).
    earliest_year : int, optional
        Rows before 1 January of this year (park time) are quarantined as ``early_ts`` (the
        deployment's ``ZEROPARK_EARLIEST_READING_YEAR``; default 2000).

    Raises
    ------
    PermissionDenied
        The user's role may not import, or is an enterprise user (readings are the park's).
    DataError
        The file type is unsupported or the header lacks meter_id, ts or value.
    """
    _require_import_role(scope, path.name)
    if scope.is_enterprise:
        scope.deny(ENTITY, path.name, "readings file by an enterprise user")
        raise PermissionDenied(
            "enterprise users import their data with the enterprise workbook; meter readings files are "
            "imported by the park operator"
        )
    return import_readings_file(
        scope.engine,
        path,
        progress=progress,
        park_id=scope.park_id,
        created_by=scope.user.username,
        hooks=commit_hooks(scope.engine),
        before_commit=_audit(scope),
        earliest_utc=None if earliest_year is None else earliest_instant(earliest_year),
    )


def import_file(
    scope: Scope,
    path: Path,
    *,
    kind: ImportKind | None = None,
    partial: bool = False,
    progress: ProgressFn | None = None,
    steam_default_heat: bool = False,
    earliest_year: int | None = None,
) -> ImportOutcome:
    """Import ``path`` as ``scope``'s user: a workbook or a readings file, found out from its content.

    Parameters
    ----------
    scope : Scope
        Who imports.
    path : Path
        The file.
    kind : ImportKind, optional
        What the file holds when the user said so (the 数据导入 page); else :func:`detect_kind`.
    partial : bool
        Workbooks: store the rows that pass (see :func:`import_workbook`).
    steam_default_heat : bool
        Workbooks: the named option DEFAULT_STEAM_HEAT (see :func:`import_workbook`).
    progress : callable, optional
        Readings: ``progress(done, total)``.
    earliest_year : int, optional
        Readings: the earliest accepted year (see :func:`import_readings`).

    Raises
    ------
    PermissionDenied, NotFound, DataError
        As :func:`import_workbook` and :func:`import_readings`; ``DataError`` too for a file that
        is neither.
    """
    _require_import_role(scope, path.name)
    kind = kind or detect_kind(path)
    if kind is ImportKind.FORM_205_1:
        return ImportOutcome.of_workbook(import_205_1(scope, path, partial=partial))
    if kind is ImportKind.ONLINE_MONITORING:
        done = online_monitoring.import_upload(scope, path, partial=partial)
        return ImportOutcome(
            done.file,
            kind,
            done.status,
            done.records,
            done.stored,
            done.rejected,
            done.errors,
            done.batch_id,
        )
    if kind is ImportKind.WORKBOOK:
        return ImportOutcome.of_workbook(
            import_workbook(scope, path, partial=partial, steam_default_heat=steam_default_heat)
        )
    return ImportOutcome.of_readings(
        import_readings(scope, path, progress=progress, earliest_year=earliest_year)
    )


def _visible(scope: Scope, park_id: str | None) -> Select[ImportBatchRow]:
    """Imports ``scope`` may see: an enterprise user its own uploads; others their park's."""
    stmt = select(ImportBatchRow)
    if scope.is_enterprise:
        return stmt.where(ImportBatchRow.created_by == scope.user.username)
    if park_id is not None:
        scope.check_park(park_id)
        return stmt.where(ImportBatchRow.park_id == park_id)
    return scope.filter(stmt, park_col=ImportBatchRow.park_id, park_level=True)


def list_imports(scope: Scope, *, park_id: str | None = None, limit: int = 20, offset: int = 0) -> ImportPage:
    """导入记录: the imports ``scope`` may see, newest first.

    An enterprise user sees its own uploads (whatever their outcome); a park user the imports
    into ``park_id`` (default: its own park; an admin without one: every import).

    Raises
    ------
    NotFound
        ``park_id`` is outside the scope (audited ``denied``).
    """
    stmt = _visible(scope, park_id)
    with transaction(scope.engine) as s:
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.scalars(stmt.order_by(ImportBatchRow.id.desc()).limit(limit).offset(offset)).all()
        return ImportPage([ImportBatch.of_row(r) for r in rows], total)


def get_import(scope: Scope, batch_id: int) -> ImportBatch:
    """One import with its per-row errors, if ``scope`` may see it.

    Raises
    ------
    NotFound
        No such import, or an import of another park or (enterprise users) of another user,
        answered alike (the latter audited ``denied``).
    """
    with transaction(scope.engine) as s:
        row = s.get(ImportBatchRow, batch_id)
        if row is None:
            raise NotFound(f"import {batch_id} not found")
        batch = ImportBatch.of_row(row)
    if batch.park_id is not None and not scope.sees_park(batch.park_id):
        scope.deny(ENTITY, str(batch_id), "import of another park")
        raise NotFound(f"import {batch_id} not found")
    if scope.is_enterprise and batch.created_by != scope.user.username:
        scope.deny(ENTITY, str(batch_id), "import by another user")
        raise NotFound(f"import {batch_id} not found")
    return batch


#: 205-1 units → the enterprise workbook's unit strings (docs/data-formats.md §2).
_FORM_UNITS = {"吨": "t", "万立方米": "10^4 Nm3", "万千瓦时": "万kWh", "百万千焦": "GJ"}


def _form_energy_rows(form: form_205_1.FiledForm, year: int) -> list[dict[str, Any]]:
    """The workbook's energy rows of a filed form: each annual figure spread over the months by days.

    The accounting spreads a record of the whole year the same way (``store.aggregate``: quantity ×
    days in the month / days in the year), so the months add up to the form's figure. Fuels: column
    6 (用作原材料) as 用作原料, the rest of column 4 as 燃料燃烧; electricity and heat: column 2 (购进量)
    where given, else column 4, with the usage left to the workbook's rule (消费 or 园区外购入).
    """
    specs = {spec.code: spec for spec in FORM_ROWS}
    days = [calendar.monthrange(year, m)[1] for m in range(1, 13)]
    total_days = sum(days)
    out: list[dict[str, Any]] = []
    for row in form.rows:
        spec = specs[row.code]
        assert spec.carrier is not None  # every row zeropark reads names its carrier
        v = row.values
        if spec.carrier.value in ("electricity", "steam"):
            parts = [("", v[1] if v[1] is not None else v[3])]
        else:
            feed = v[5] or 0.0
            parts = [("用作原料", feed), ("燃料燃烧", (v[3] or 0.0) - feed)]
        for usage, qty in parts:
            if not qty or qty <= 0:
                continue
            for m, d in enumerate(days, start=1):
                item: dict[str, Any] = {
                    "month": f"{year:04d}-{m:02d}",
                    "carrier": spec.carrier.value,
                    "quantity": qty * d / total_days,
                    "unit": _FORM_UNITS[spec.unit],
                    "evidence": f"205-1 {year} 表 {form.sheet} 第{row.row}行（按天数折月）",
                }
                if usage:
                    item["usage"] = usage
                out.append(item)
    return out


def import_205_1(
    scope: Scope, path: Path, *, partial: bool = False, year: int | None = None
) -> WorkbookImport:
    """Import one enterprise's filed 205-1 form (.xlsx) as its activity records, through the workbook path.

    The form is read and checked (:func:`zeropark.reports.form_205_1.read_workbook`: every bad cell
    and broken ``4 = 5 + 7`` / ``9 = 1 + 2 − 4`` named by sheet, row and column), then written as the
    enterprise data document (enterprise by 企业代码 or 统一社会信用代码 of the title block, year from
    报告期 or ``year``) and imported by :func:`import_workbook`: the same scope checks, period locks,
    batch, audit and replacement of earlier records.

    Raises
    ------
    ValidationError
        Bad cells or broken checks (nothing stored).
    DataError
        Several enterprises' forms in one file, no enterprise or no year in the title block.
    """
    _require_import_role(scope, path.name)
    forms = [f for f in form_205_1.read_workbook(path.read_bytes(), file_name=path.name).values() if f.rows]
    if len(forms) != 1:
        names = ", ".join(f.sheet for f in forms) or "none"
        raise DataError(
            f"{path.name}: {len(forms)} filled 205-1 forms (sheets: {names}); import one enterprise's form "
            "per file (`zeropark report --kind 205-1 --enterprise ID` writes one)"
        )
    form = forms[0]
    year = year or form.year
    if year is None:
        raise DataError(
            f"{path.name}, sheet '{form.sheet}': no 报告期 (e.g. 2025年) in the title block; add it"
        )
    if form.enterprise_id is None and form.uscc is None:
        raise DataError(
            f"{path.name}, sheet '{form.sheet}': the title block names no enterprise; "
            "fill 统一社会信用代码 (or 企业代码（zeropark）)"
        )
    ent: dict[str, Any] = {"year": year}
    if form.enterprise_id:
        ent["id"] = form.enterprise_id
    if form.uscc:
        ent["uscc"] = form.uscc
    document = {"enterprise": ent, "energy": _form_energy_rows(form, year)}
    with tempfile.TemporaryDirectory(prefix="zp-205-1-") as tmp:
        doc = Path(tmp) / f"{path.stem}.205-1.json"
        doc.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        return import_workbook(scope, doc, partial=partial)
