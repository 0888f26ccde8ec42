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

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse, Response

from zeropark.errors import DataError, NotFound, PermissionDenied, RowError
from zeropark.services import imports
from zeropark.services.imports import ImportKind, ImportOutcome
from zeropark.web.context import Page, PageDep
from zeropark.web.pages.common import error_page

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


@router.get("/import", response_class=HTMLResponse)
def import_page(page: PageDep) -> Response:
    """数据导入: upload form and import history."""
    return page.render("import.html", "import", "nav_import", history=_history(page), result=None)


@router.post("/import", response_class=HTMLResponse)
async def import_upload(
    page: PageDep,
    file: Annotated[UploadFile, File()],
    kind: Annotated[str, Form()] = "readings",
) -> Response:
    """Import an uploaded file; rejected rows are listed with file, row, field and the fix."""
    name = Path(file.filename or "upload").name
    data = await file.read()
    what = ImportKind.WORKBOOK if kind == ImportKind.WORKBOOK else ImportKind.READINGS
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
