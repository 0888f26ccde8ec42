"""数据导入 import: upload an enterprise workbook or a readings file; rejected rows with the fix."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse, Response

from zeropark.errors import DataError, PermissionDenied, RowError, ValidationError
from zeropark.model import Role
from zeropark.web import views
from zeropark.web.context import PageDep
from zeropark.web.pages.common import error_page

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


@router.get("/import", response_class=HTMLResponse)
def import_page(page: PageDep) -> Response:
    """数据导入: upload form and import history."""
    history = views.import_history(page.scope, page.park.id if page.park else None)
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
            result = views.import_file(page.scope, page.park.id if page.park else None, path, kind)
        except ValidationError as exc:
            result = views.ImportOutcome(
                file=name, stored=exc.stored, errors=list(exc.errors), message=str(exc)
            )
        except (DataError, PermissionDenied) as exc:
            result = views.ImportOutcome(
                file=name, stored=0, errors=[RowError(name, None, None, None, str(exc))], message=str(exc)
            )
    history = views.import_history(page.scope, page.park.id if page.park else None)
    if page.request.headers.get("HX-Request"):
        return page.partial("partials/import_result.html", result=result)
    return page.render("import.html", "import", "nav_import", history=history, result=result)
