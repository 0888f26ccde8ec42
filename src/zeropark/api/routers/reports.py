"""Reports (报告): generate the annual PDF or the official-layout Excel, list, download.

Generation is :func:`zeropark.services.reporting.create_report`, the path of every door (the
web's 报告 page and the CLI too): the same file from the same figures. Each generated file is
kept (``ReportRow``) as evidence. A report is either the park report (``enterprise_id`` NULL,
every enterprise on the consumption basis) or one enterprise's report, built on that
enterprise's own view (the child run of the park run, or its own run).

Roles: park managers and admins generate any report of their park; enterprise users generate,
list and download only their own enterprise's reports (another enterprise's or the park report
answers 404 and leaves an audit record ``denied``); verifiers list and download every report.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from zeropark.api.auth import GuardedRoute, ScopeDep, require_roles
from zeropark.api.paging import IntId, Limit, Offset
from zeropark.api.schemas import Page, ReportOut
from zeropark.model import Method, Role
from zeropark.services import reporting
from zeropark.store.scope import Principal

router = APIRouter(route_class=GuardedRoute, tags=["reports 报告"])

ReportWriter = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.PARK_MANAGER, Role.ENTERPRISE))]

MEDIA = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "205-1": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ReportKind(StrEnum):
    """Report file kinds."""

    PDF = "pdf"
    XLSX = "xlsx"
    FORM_205_1 = "205-1"  # 能源购进、消费与库存 (issue #19)


class ReportCreate(BaseModel):
    """Generate a report of a year."""

    year: int = Field(ge=2000, le=2100)
    kind: ReportKind = ReportKind.PDF
    lang: str = Field(default="zh", pattern="^(zh|en)$")
    method: Method = Field(default=Method.NATIONAL, description="xlsx: which method's inventory")
    enterprise_id: str | None = Field(
        default=None,
        max_length=64,
        description="one enterprise's report (enterprise users: always their own); omit for the park report",
    )


@router.post("/parks/{park_id}/reports", response_model=ReportOut, status_code=201)
def create_report(
    park_id: str, body: ReportCreate, request: Request, scope: ScopeDep, _user: ReportWriter
) -> ReportOut:
    """Generate the annual report (PDF, or Excel in the official layouts) and keep it. 生成报告.

    Built on the latest run of the view (the park's, or with ``enterprise_id`` one enterprise's:
    an enterprise user's is always its own). An enterprise without a run for the year is
    accounted first; a park without one answers 404 naming the way out.
    """
    made = reporting.create_report(
        scope,
        park_id,
        body.year,
        reporting.ReportKind(body.kind.value),
        method=body.method,
        lang=body.lang,
        enterprise_id=body.enterprise_id,
        account_with=request.app.state.settings.factor_set,
    )
    return reporting_out(scope, made.id)


def reporting_out(scope: ScopeDep, report_id: int) -> ReportOut:
    """API shape of a stored report (its metadata)."""
    return ReportOut.model_validate(reporting.stored_report(scope, report_id))


@router.get("/parks/{park_id}/reports", response_model=Page[ReportOut])
def list_reports(
    park_id: str,
    scope: ScopeDep,
    kind: ReportKind | None = None,
    enterprise_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ReportOut]:
    """Generated reports of a park, newest first (an enterprise user: its own enterprise's). 报告列表."""
    rows, total = reporting.list_reports(
        scope,
        park_id,
        kind=None if kind is None else reporting.ReportKind(kind.value),
        enterprise_id=enterprise_id,
        limit=limit,
        offset=offset,
    )
    return Page(items=[ReportOut.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get(
    "/reports/{report_id}/download",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, MEDIA["xlsx"]: {}}}},
)
def download_report(
    report_id: IntId,
    scope: ScopeDep,
    inline: Annotated[bool, Query()] = False,
) -> Response:
    """Download a generated report file (enterprise users: their own enterprise's only). 下载报告."""
    row = reporting.stored_report(scope, report_id)
    disposition = "inline" if inline else "attachment"
    return Response(
        content=row.content,
        media_type=MEDIA.get(row.kind, "application/octet-stream"),
        headers={"Content-Disposition": f'{disposition}; filename="{row.file_name}"'},
    )
