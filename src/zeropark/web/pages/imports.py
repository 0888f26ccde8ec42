"""数据导入 import: upload an enterprise workbook or a readings file; rejected rows with the fix.

A thin door to :mod:`zeropark.services.imports`: the same checks, storage and audit record as the
API and ``zeropark import``. Workbooks are imported with ``partial=True`` (the good rows are
stored, every rejected row listed); a refusal (another enterprise's workbook, a readings file
from an enterprise user, a file of neither kind) is shown in place of the result, and a role that
may not import at all (verifier) gets the 403 page.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse, Response

from zeropark.errors import DataError, NotFound, PermissionDenied, RowError
from zeropark.services import imports
from zeropark.services.imports import ImportKind, ImportOutcome
from zeropark.web.context import Page, PageDep
from zeropark.web.pages.common import error_page, not_found_page

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

#: Imports listed under the form.
HISTORY_ROWS = 20


def _history(page: Page) -> list[imports.ImportBatch]:
    park_id = page.park.id if page.park else None
    return imports.list_imports(page.scope, park_id=park_id, limit=HISTORY_ROWS).items


def _refused(name: str, kind: ImportKind, message: str) -> ImportOutcome:
    """The outcome shown for a file that was refused before anything was stored."""
    return ImportOutcome(
        file=name,
        kind=kind,
        status="rejected",
        rows=0,
        stored=0,
        rejected=0,
        errors=(RowError(name, None, None, None, message),),
        batch_id=None,
    )


def _refuse_role(page: Page) -> Response | None:
    """The 403 page for a role that may not import (verifier); None for the others."""
    if imports.can_import(page.user):
        return None
    page.scope.deny("page", "/import", f"role '{page.user.role}' may not import data")
    return error_page(page, 403, "forbidden", "", "this role may not import data")


@router.get("/import", response_class=HTMLResponse)
def import_page(page: PageDep) -> Response:
    """数据导入: upload form, the blank workbook to download, and the import history."""
    refused = _refuse_role(page)
    if refused is not None:
        return refused
    return page.render("import.html", "import", "nav_import", history=_history(page), result=None)


@router.get("/import/template.xlsx")
def import_template(page: PageDep) -> Response:
    """下载填报模板: the blank enterprise workbook (the file ``zeropark template`` writes)."""
    refused = _refuse_role(page)
    if refused is not None:
        return refused
    return Response(
        imports.template_workbook(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(imports.TEMPLATE_NAME)}"},
    )


@router.get("/import/{batch_id}", response_class=HTMLResponse)
def import_batch_page(page: PageDep, batch_id: int) -> Response:
    """导入记录: one past import with its rejected rows (another tenant's import answers 404)."""
    refused = _refuse_role(page)
    if refused is not None:
        return refused
    try:
        batch = imports.get_import(page.scope, batch_id)
    except NotFound as exc:
        return not_found_page(page, exc)
    return page.render("import_batch.html", "import", "import_history", batch=batch)


@router.post("/import", response_class=HTMLResponse)
async def import_upload(
    page: PageDep,
    file: Annotated[UploadFile, File()],
    kind: Annotated[str, Form()] = "readings",
) -> Response:
    """Import an uploaded file; rejected rows are listed with file, row, field and the fix."""
    name = Path(file.filename or "upload").name
    data = await file.read()
    what = ImportKind(kind) if kind in {k.value for k in ImportKind} else ImportKind.READINGS
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            result = imports.import_file(
                page.scope,
                path,
                kind=what,
                partial=True,
                earliest_year=page.request.app.state.settings.earliest_reading_year,
            )
        except PermissionDenied as exc:
            if not imports.can_import(page.user):
                return error_page(page, 403, "forbidden", "", str(exc))
            result = _refused(name, what, str(exc))
        except (DataError, NotFound) as exc:
            result = _refused(name, what, str(exc))
    if page.request.headers.get("HX-Request"):
        return page.partial("partials/import_result.html", result=result)
    return page.render("import.html", "import", "nav_import", history=_history(page), result=result)
