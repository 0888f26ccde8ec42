"""能耗在线监测 upload records: the export file, the pre-submission checks, the import of filed files.

A thin door to :mod:`zeropark.services.online_monitoring` (the same figures as ``zeropark
online-monitoring`` and the page download); the bundled upload profile is used (a deployment
with its own profile uses the CLI's ``--profile``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Response, UploadFile
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from zeropark.accounting.online_monitoring import CheckResult
from zeropark.api.auth import WRITERS, GuardedRoute, Reader, ScopeDep
from zeropark.api.validation import invalid
from zeropark.services import online_monitoring as svc
from zeropark.store.scope import Scope

router = APIRouter(route_class=GuardedRoute, tags=["online monitoring 能耗在线监测"])

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class CheckOut(BaseModel):
    """One named upload-quality check of one enterprise."""

    name: str
    enterprise_code: str
    passed: bool
    value: float
    limit: float
    detail: str
    source: str


def _checks(checks: tuple[CheckResult, ...]) -> list[CheckOut]:
    return [
        CheckOut(
            name=c.name,
            enterprise_code=c.enterprise_code,
            passed=c.passed,
            value=c.value,
            limit=c.limit,
            detail=c.detail,
            source=c.source,
        )
        for c in checks
    ]


@router.get("/parks/{park_id}/online-monitoring/{month}")
def export_upload(
    park_id: str, month: str, scope: ScopeDep, _user: Reader, enterprise_id: str | None = None
) -> Response:
    """The month's upload file (JSON, stating its profile). 导出能耗在线监测上传记录."""
    made = svc.export_upload(scope, park_id, month, enterprise_id=enterprise_id)
    return Response(
        made.content,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{made.file_name}"',
            "X-Upload-Profile": made.profile,
        },
    )


@router.get("/parks/{park_id}/online-monitoring/{month}/checks", response_model=list[CheckOut])
def export_checks(
    park_id: str, month: str, scope: ScopeDep, _user: Reader, enterprise_id: str | None = None
) -> Any:
    """The pre-submission checks of the month's records. 上报前检查."""
    return _checks(svc.export_upload(scope, park_id, month, enterprise_id=enterprise_id).checks)


async def _read(file: UploadFile) -> tuple[str, bytes]:
    name = Path(file.filename or "upload.json").name
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise invalid("file", f"file larger than {MAX_UPLOAD_BYTES // 1024 // 1024} MB; split it", where=name)
    return name, content


@router.post("/online-monitoring/checks", response_model=list[CheckOut])
async def check_upload(
    _user: Reader, file: Annotated[UploadFile, File(description="an upload file (JSON)")]
) -> Any:
    """Check an upload file against the upload quality rules. 上传文件检查."""
    name, content = await _read(file)
    return _checks(await run_in_threadpool(svc.check_file, content, name))


class UploadImportOut(BaseModel):
    """What an import did; ``errors`` name file, upload, record and field."""

    file: str
    profile: str
    status: str
    records: int
    stored: int
    rejected: int
    errors: list[str]
    batch_id: int | None
    checks: list[CheckOut]


def _import(scope: Scope, name: str, content: bytes, as_month: str | None, partial: bool) -> UploadImportOut:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        done = svc.import_upload(scope, path, as_month=as_month, partial=partial)
    return UploadImportOut(
        file=done.file,
        profile=done.profile,
        status=done.status,
        records=done.records,
        stored=done.stored,
        rejected=done.rejected,
        errors=[str(e) for e in done.errors],
        batch_id=done.batch_id,
        checks=_checks(done.checks),
    )


@router.post(
    "/online-monitoring/imports", response_model=UploadImportOut, status_code=201, dependencies=[WRITERS]
)
async def import_upload(
    scope: ScopeDep,
    file: Annotated[UploadFile, File(description="a filed upload file (JSON)")],
    as_month: Annotated[str | None, Form(description="load it as month YYYY-MM (same length)")] = None,
    partial: Annotated[bool, Form(description="store the good records, quarantine the others")] = False,
) -> Any:
    """Load a filed upload file as the enterprises' history. 导入历史上传记录."""
    name, content = await _read(file)
    return await run_in_threadpool(_import, scope, name, content, as_month or None, partial)
