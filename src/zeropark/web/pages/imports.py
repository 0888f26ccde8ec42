"""数据导入 import: upload an enterprise workbook or a readings file; rejected rows with the fix."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from zeropark.errors import DataError, PermissionDenied, RowError, ValidationError
from zeropark.model import Role
from zeropark.store.db import session_factory
from zeropark.store.schema import ImportBatchRow
from zeropark.store.scope import Scope
from zeropark.web.context import PageDep
from zeropark.web.pages.common import error_page

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What an upload did: rows stored and each rejected row with its location and fix."""

    file: str
    stored: int
    errors: list[Any]
    message: str = ""


def import_history(scope: Scope, park_id: str | None) -> list[ImportBatchRow]:
    """The last imports of the park (park users) or of the user (enterprise users)."""
    with session_factory(scope.engine)() as session:
        stmt = select(ImportBatchRow).order_by(ImportBatchRow.created_at.desc()).limit(20)
        if scope.is_enterprise:
            stmt = stmt.where(ImportBatchRow.created_by == scope.user.username)
        elif park_id is not None:
            stmt = stmt.where(ImportBatchRow.park_id == park_id)
        return list(session.scalars(stmt))


def import_file(scope: Scope, park_id: str | None, path: Path, kind: str) -> ImportOutcome:
    """Import ``path`` (enterprise workbook or readings file) and report rows stored / rejected.

    Readings go through ``zeropark.ingest.files.import_readings`` (unknown meters and bad values
    are quarantined and listed); workbooks through ``zeropark.ingest.workbook``. An enterprise
    user may only import its own enterprise's workbook (checked by the importer's scope argument).

    Raises
    ------
    ValidationError
        Every row was rejected (the page lists them).
    """
    if scope.user.role not in (Role.ADMIN, Role.PARK_MANAGER, Role.ENTERPRISE):
        raise PermissionDenied(f"role '{scope.user.role}' may not import data")
    result: Any
    if kind == "workbook":
        from zeropark.ingest import workbook

        if scope.is_enterprise:
            # an enterprise user may only submit its own enterprise's workbook: check before storing
            ent = workbook.workbook_enterprise(scope.engine, path)
            if ent is not None and ent.id != scope.enterprise_id:
                scope.deny("import", path.name, f"workbook of enterprise '{ent.id}'")
                raise PermissionDenied(
                    f"{path.name}: the workbook is for enterprise '{ent.id}'; you may only import your own "
                    f"enterprise's data ('{scope.enterprise_id}')"
                )
        result = workbook.import_workbook(scope.engine, path, partial=True, created_by=scope.user.username)
    else:
        if scope.is_enterprise:
            raise PermissionDenied(
                "enterprise users import their data with the enterprise workbook; meter readings files are "
                "imported by the park operator"
            )
        from zeropark.ingest.files import import_readings

        result = import_readings(scope.engine, path)
    errors = list(getattr(result, "errors", []) or [])
    stored = int(getattr(result, "stored", getattr(result, "n_stored", 0)) or 0)
    return ImportOutcome(file=path.name, stored=stored, errors=errors)


@router.get("/import", response_class=HTMLResponse)
def import_page(page: PageDep) -> Response:
    """数据导入: upload form and import history."""
    history = import_history(page.scope, page.park.id if page.park else None)
    return page.render("import.html", "import", "nav_import", history=history, result=None)


@router.post("/import", response_class=HTMLResponse)
async def import_upload(
    page: PageDep,
    file: Annotated[UploadFile, File()],
    kind: Annotated[str, Form()] = "readings",
) -> Response:
    """Import an uploaded file; rejected rows are listed with file, row, field and the fix."""
    if page.user.role == Role.VERIFIER:
        return error_page(page, 403, "forbidden", "", "verifiers are read-only")
    name = Path(file.filename or "upload").name
    data = await file.read()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            result = import_file(page.scope, page.park.id if page.park else None, path, kind)
        except ValidationError as exc:
            result = ImportOutcome(file=name, stored=exc.stored, errors=list(exc.errors), message=str(exc))
        except (DataError, PermissionDenied) as exc:
            result = ImportOutcome(
                file=name, stored=0, errors=[RowError(name, None, None, None, str(exc))], message=str(exc)
            )
    history = import_history(page.scope, page.park.id if page.park else None)
    if page.request.headers.get("HX-Request"):
        return page.partial("partials/import_result.html", result=result)
    return page.render("import.html", "import", "nav_import", history=history, result=result)
