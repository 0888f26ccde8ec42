"""Reports (报告): generate the annual PDF or the official-layout Excel, list, download.

Bytes come from ``zeropark.reports.pdf`` and ``zeropark.reports.excel``; each generated file is
kept (``ReportRow``) as evidence. A report is either the park report (``enterprise_id`` NULL,
every enterprise) or one enterprise's report, built on that enterprise's own inventory run
(``load_accounting_input(..., enterprise_id=...)``: its meters, records, claims and transfers).

Roles: park managers and admins generate any report of their park; enterprise users generate,
list and download only their own enterprise's reports (another enterprise's or the park report
answers 404 and leaves an audit record ``denied``); verifiers list and download every report.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from zeropark.api.auth import ScopeDep, require_roles
from zeropark.api.deps import SessionDep
from zeropark.api.paging import IntId, Limit, Offset, paginate
from zeropark.api.routers.parks import get_park_row
from zeropark.api.schemas import Page, ReportOut
from zeropark.errors import NotFound
from zeropark.model import Method, Role
from zeropark.store import audit, runs
from zeropark.store.schema import EnterpriseRow, ReportRow
from zeropark.store.scope import Principal

router = APIRouter(tags=["reports 报告"])

ReportWriter = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.PARK_MANAGER, Role.ENTERPRISE))]

MEDIA = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ReportKind(StrEnum):
    """Report file kinds."""

    PDF = "pdf"
    XLSX = "xlsx"


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


def report_enterprise(session: Session, scope: ScopeDep, park_id: str, requested: str | None) -> str | None:
    """The enterprise a report request is about (None = the park report), scope-checked.

    An enterprise user always gets its own enterprise; asking for another one answers 404 and
    leaves an audit record ``denied``. Park users may ask for any enterprise of the park.
    """
    if scope.is_enterprise:
        if requested is not None and requested != scope.enterprise_id:
            scope.deny("report", f"{park_id}/{requested}", "report of another enterprise")
            raise NotFound(f"enterprise '{requested}' not found")
        return scope.enterprise_id
    if requested is not None:
        ent = session.get(EnterpriseRow, requested)
        if ent is None or ent.park_id != park_id:
            raise NotFound(f"enterprise '{requested}' not found in park '{park_id}'")
    return requested


def ensure_run(
    request: Request,
    session: Session,
    scope: ScopeDep,
    park_id: str,
    year: int,
    method: Method,
    enterprise_id: str,
) -> runs.RunSummary:
    """The enterprise's newest run of ``method`` (signed-off first); accounted and saved when none.

    A new run goes through the inventory API's own create path (same factor set, options,
    data-quality score, cache and audit record ``create inventory_run``).
    """
    from zeropark.api.routers.inventory import _latest, _summary, create_run
    from zeropark.api.schemas import RunCreate

    engine: Engine = scope.engine
    summary = _latest(engine, park_id, year, method, enterprise_id)
    if summary is not None:
        return summary
    created = create_run(
        park_id,
        RunCreate(year=year, method=method, enterprise_id=enterprise_id),
        request,
        session,
        scope,
    )
    return _summary(engine, created.id)


def _xlsx(scope: ScopeDep, park_id: str, body: ReportCreate, summary: runs.RunSummary) -> bytes:
    """The official-layout inventory workbook of the run ``summary`` (park or one enterprise)."""
    from zeropark.api.routers.inventory import _factor_set
    from zeropark.indicators import evaluate, evaluate_enterprise
    from zeropark.monitoring.quality import quality_report
    from zeropark.reports.excel import inventory_workbook_bytes
    from zeropark.store.aggregate import load_accounting_input
    from zeropark.store.db import transaction
    from zeropark.store.repo import get_indicator_data
    from zeropark.store.schema import ParkRow, ZoneRow

    engine = scope.engine
    ent_id = summary.enterprise_id
    inventory = runs.get_run(engine, summary.id).inventory
    with transaction(engine) as s:
        park = s.get(ParkRow, park_id)
        park_name = park.name if park is not None else park_id
        ent_rows = s.scalars(select(EnterpriseRow).where(EnterpriseRow.park_id == park_id))
        enterprises = {e.id: e.name for e in ent_rows if ent_id is None or e.id == ent_id}
        zones = {z.id: z.name for z in s.scalars(select(ZoneRow).where(ZoneRow.park_id == park_id))}
    indicators = None
    if body.method == Method.NATIONAL:
        inputs = load_accounting_input(engine, park_id, body.year, enterprise_id=ent_id)
        indicators = (
            evaluate(inventory, inputs)
            if ent_id is None
            else evaluate_enterprise(inventory, inputs, get_indicator_data(engine, park_id, body.year))
        )
    return inventory_workbook_bytes(
        inventory,
        park_name=park_name,
        indicators=indicators,
        factor_set=_factor_set(engine, summary.factor_set, summary.factor_set_version),
        enterprise_names=enterprises,
        zone_names=zones,
        # the park's data-quality sheet lists every meter: only in the park report
        data_quality=quality_report(engine, park_id, body.year) if ent_id is None else None,
    )


@router.post("/parks/{park_id}/reports", response_model=ReportOut, status_code=201)
def create_report(
    park_id: str,
    body: ReportCreate,
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    _user: ReportWriter,
) -> ReportOut:
    """Generate the annual report (PDF, or Excel in the official layouts) and keep it. 生成报告.

    Park report: on the newest park run (404 naming the way out when there is none). Enterprise
    report (``enterprise_id``; an enterprise user's is always its own): on the enterprise's newest
    run, accounted and saved first when it has none.
    """
    get_park_row(session, scope, park_id)
    ent_id = report_enterprise(session, scope, park_id, body.enterprise_id)
    engine: Engine = scope.engine
    run_method = body.method if body.kind == ReportKind.XLSX else Method.NATIONAL
    summary: runs.RunSummary | None
    if ent_id is None:
        from zeropark.api.routers.inventory import _latest

        summary = _latest(engine, park_id, body.year, run_method, None)
        if summary is None and body.kind == ReportKind.XLSX:
            raise NotFound(
                f"no {run_method.value} inventory run of park '{park_id}' for {body.year}; "
                f"create one with POST /api/v1/parks/{park_id}/inventory-runs"
            )
    else:
        summary = ensure_run(request, session, scope, park_id, body.year, run_method, ent_id)
    if body.kind == ReportKind.PDF:
        from zeropark.reports.pdf import annual_report_for_scope

        # the park PDF falls back to accounting the stored data when no park run is stored
        content = annual_report_for_scope(scope, park_id, body.year, lang=body.lang, enterprise_id=ent_id)
    else:
        assert summary is not None
        content = _xlsx(scope, park_id, body, summary)
    owner = park_id if ent_id is None else f"{park_id}-{ent_id}"
    row = ReportRow(
        park_id=park_id,
        enterprise_id=ent_id,
        inventory_run_id=None if summary is None else summary.id,
        kind=body.kind.value,
        file_name=(
            f"{owner}-{body.year}-carbon-report-{body.lang}.pdf"
            if body.kind == ReportKind.PDF
            else f"{owner}-{body.year}-inventory-{body.method.value}.xlsx"
        ),
        content=content,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    scope.audit(
        session, audit.CREATE, "report", str(row.id), after=audit.row_snapshot(row) | {"bytes": len(content)}
    )
    session.commit()
    return ReportOut.model_validate(row)


@router.get("/parks/{park_id}/reports", response_model=Page[ReportOut])
def list_reports(
    park_id: str,
    session: SessionDep,
    scope: ScopeDep,
    kind: ReportKind | None = None,
    enterprise_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ReportOut]:
    """Generated reports of a park, newest first (an enterprise user: its own enterprise's). 报告列表."""
    get_park_row(session, scope, park_id)
    stmt = scope.filter(
        select(ReportRow).where(ReportRow.park_id == park_id),
        enterprise_col=ReportRow.enterprise_id,
        park_col=ReportRow.park_id,
    )
    if kind is not None:
        stmt = stmt.where(ReportRow.kind == kind.value)
    if enterprise_id is not None:
        stmt = stmt.where(ReportRow.enterprise_id == enterprise_id)
    return paginate(session, stmt.order_by(ReportRow.id.desc()), limit, offset, ReportOut.model_validate)


@router.get(
    "/reports/{report_id}/download",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, MEDIA["xlsx"]: {}}}},
)
def download_report(
    report_id: IntId,
    session: SessionDep,
    scope: ScopeDep,
    inline: Annotated[bool, Query()] = False,
) -> Response:
    """Download a generated report file (enterprise users: their own enterprise's only). 下载报告."""
    row = session.get(ReportRow, report_id)
    if row is None:
        raise NotFound(f"report {report_id} not found")
    scope.check("report", str(report_id), park_id=row.park_id, enterprise_id=row.enterprise_id)
    disposition = "inline" if inline else "attachment"
    return Response(
        content=row.content,
        media_type=MEDIA.get(row.kind, "application/octet-stream"),
        headers={"Content-Disposition": f'{disposition}; filename="{row.file_name}"'},
    )
