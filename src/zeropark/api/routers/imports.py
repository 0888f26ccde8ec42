"""Imports (数据导入): upload an enterprise data workbook; the answer lists every rejected row.

A thin door to :mod:`zeropark.services.imports` (the same checks, storage and audit record as
the 数据导入 page and ``zeropark import``): all or nothing by default, ``partial=true`` keeps the
good rows. Before anything is stored the file's enterprise is checked against the user's scope:
an enterprise user can only import its own enterprise's data (another's → 404 and an audit
record ``denied``); verifiers and devices may not import (403).

A park register (园区登记表, .yaml/.xlsx) is uploaded to ``POST /park-registers`` and read back
from ``GET /parks/{park_id}/register``: the use cases of ``zeropark park init`` and ``zeropark park
show --format yaml`` (:mod:`zeropark.services.park_register`), the same checks and audit records.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from zeropark.api.auth import MANAGERS, WRITERS, GuardedRoute, ScopeDep
from zeropark.api.paging import IntId, Limit, Offset
from zeropark.api.schemas import ImportBatchOut, Page
from zeropark.api.validation import invalid
from zeropark.services import imports, park_register
from zeropark.store.queries import parks
from zeropark.store.scope import Scope

router = APIRouter(route_class=GuardedRoute, tags=["imports 数据导入"])

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
SUFFIXES = (".xlsx", ".csv", ".yaml", ".yml", ".json")


class RowErrorOut(BaseModel):
    """One rejected row: file, sheet, row, column and what to fix."""

    file: str
    sheet: str | None
    row: int | None
    field: str | None
    message: str


class ImportOut(BaseModel):
    """Outcome of one import: stored / partial / rejected, counts and the rejected rows."""

    file: str
    status: str
    enterprise_id: str | None
    year: int | None
    rows: int
    stored: int
    rejected: int
    stored_by_sheet: dict[str, int]
    errors: list[RowErrorOut]
    batch_id: int | None
    summary: str
    notes: list[str] = []  # what the import decided for the user (e.g. a blank 用途 read as 园区外购入)


def _import(
    scope: Scope, name: str, content: bytes, partial: bool, steam_default_heat: bool
) -> tuple[ImportOut, int]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        result = imports.import_workbook(scope, path, partial=partial, steam_default_heat=steam_default_heat)
    out = ImportOut(
        file=result.file,
        status=result.status,
        enterprise_id=result.enterprise_id,
        year=result.year,
        rows=result.rows,
        stored=result.stored,
        rejected=result.rejected,
        stored_by_sheet=dict(result.stored_by_sheet),
        errors=[
            RowErrorOut(file=e.file, sheet=e.sheet, row=e.row, field=e.field, message=e.message)
            for e in result.errors
        ],
        batch_id=result.batch_id,
        summary=result.summary(),
        notes=list(result.notes),
    )
    return out, (201 if result.status in ("stored", "partial") else 422)


@router.post(
    "/imports",
    response_model=ImportOut,
    status_code=201,
    responses={422: {"model": ImportOut, "description": "rejected: every row error listed"}},
    dependencies=[WRITERS],
)
async def upload_workbook(
    scope: ScopeDep,
    file: Annotated[UploadFile, File(description="enterprise data workbook (.xlsx/.csv/.yaml/.json)")],
    partial: Annotated[bool, Form(description="store the rows that pass, report the others")] = False,
    steam_default_heat: Annotated[
        bool,
        Form(
            description="steam given in t without its heat: apply the named option DEFAULT_STEAM_HEAT "
            "(3.763 GJ/t, GB/T 2589 低压蒸汽), stated in the notes and on each record"
        ),
    ] = False,
) -> Any:
    """Import an enterprise data file (template: `zeropark data template`). 导入企业数据."""
    name = Path(file.filename or "upload.xlsx").name
    if not name.lower().endswith(SUFFIXES):
        raise invalid("file", f"'{name}' is not a supported file; upload {', '.join(SUFFIXES)}", where=name)
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise invalid("file", f"file larger than {MAX_UPLOAD_BYTES // 1024 // 1024} MB; split it", where=name)
    out, status = await run_in_threadpool(_import, scope, name, content, partial, steam_default_heat)
    return JSONResponse(status_code=status, content=out.model_dump(mode="json"))


@router.get("/parks/{park_id}/imports", response_model=Page[ImportBatchOut])
def list_imports(
    park_id: str, scope: ScopeDep, limit: Limit = 50, offset: Offset = 0
) -> Page[ImportBatchOut]:
    """Imports into a park, newest first (enterprise users: their own uploads). 导入记录."""
    parks.park(scope, park_id)
    page = imports.list_imports(scope, park_id=park_id, limit=limit, offset=offset)
    return Page[ImportBatchOut](
        items=[ImportBatchOut.model_validate(b) for b in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.get("/imports/{batch_id}", response_model=ImportBatchOut)
def get_import(batch_id: IntId, scope: ScopeDep) -> ImportBatchOut:
    """One import with its per-row errors. 导入详情."""
    return ImportBatchOut.model_validate(imports.get_import(scope, batch_id))


class RegisterOut(BaseModel):
    """What a park register changed: ids created and changed per entity, how many were unchanged."""

    file: str
    park_id: str
    changed: bool
    created: dict[str, list[str]]
    updated: dict[str, list[str]]
    unchanged: dict[str, int]
    summary: str


REGISTER_SUFFIXES = (".yaml", ".yml", ".xlsx")


def _register(scope: Scope, name: str, content: bytes) -> RegisterOut:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        result = park_register.register_park(scope, path)
    return RegisterOut(
        file=result.file,
        park_id=result.park_id,
        changed=result.changed,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        summary=result.summary(),
    )


@router.post(
    "/park-registers",
    response_model=RegisterOut,
    status_code=201,
    responses={
        422: {"description": "rejected: every error (sheet, row, column, what to fix); nothing stored"}
    },
    dependencies=[MANAGERS],
)
async def upload_register(
    scope: ScopeDep,
    file: Annotated[UploadFile, File(description="park register 园区登记表 (.yaml/.xlsx)")],
) -> RegisterOut:
    """Register (or update) a park, its zones, enterprises and meters from a file. 园区登记.

    All or nothing; the same file again changes nothing (``changed`` false). Template:
    `zeropark park template`; format: docs/data-formats.md §7.
    """
    name = Path(file.filename or "register.yaml").name
    if not name.lower().endswith(REGISTER_SUFFIXES):
        raise invalid("file", f"'{name}' is not a park register; upload .yaml or .xlsx", where=name)
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise invalid("file", f"file larger than {MAX_UPLOAD_BYTES // 1024 // 1024} MB; split it", where=name)
    return await run_in_threadpool(_register, scope, name, content)


@router.get("/parks/{park_id}/register")
def get_register(park_id: str, scope: ScopeDep) -> dict[str, Any]:
    """The park as a register document (park, zones, enterprises, meters nested by tree). 园区登记信息.

    The document ``zeropark park show PARK --format yaml`` prints; uploading it again changes nothing.
    """
    return park_register.register_document_of(scope, park_id)
