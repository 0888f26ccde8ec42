"""Reports (报告): generate the annual PDF or the official-layout Excel, list, download.

Bytes come from the web engineer's ``zeropark.reports.pdf`` and the demo engineer's
``zeropark.reports.excel``; each generated file is kept (``ReportRow``) as evidence. Park
reports cover every enterprise, so enterprise users are refused (403).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from zeropark.api import audit
from zeropark.api.auth import Principal, ScopeDep, require_roles
from zeropark.api.deps import SessionDep
from zeropark.api.paging import IntId, Limit, Offset, paginate
from zeropark.api.routers.parks import get_park_row
from zeropark.api.schemas import Page, ReportOut
from zeropark.errors import NotFound
from zeropark.model import Method, Role
from zeropark.store.schema import InventoryRunRow, ReportRow

router = APIRouter(tags=["reports 报告"])

ParkReader = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.PARK_MANAGER, Role.VERIFIER))]
ParkWriter = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.PARK_MANAGER))]

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


def _xlsx(scope: ScopeDep, park_id: str, body: ReportCreate) -> bytes:
    """The official-layout inventory workbook of the newest park run of ``body.method``."""
    from zeropark.api.routers.inventory import _factor_set, _latest
    from zeropark.indicators import evaluate
    from zeropark.monitoring.quality import quality_report
    from zeropark.reports.excel import inventory_workbook_bytes
    from zeropark.store.aggregate import load_accounting_input
    from zeropark.store.db import transaction
    from zeropark.store.runs import get_run
    from zeropark.store.schema import EnterpriseRow, ParkRow, ZoneRow

    engine = scope.engine
    summary = _latest(engine, park_id, body.year, body.method, None)
    if summary is None:
        raise NotFound(
            f"no {body.method.value} inventory run of park '{park_id}' for {body.year}; "
            f"create one with POST /api/v1/parks/{park_id}/inventory-runs"
        )
    inventory = get_run(engine, summary.id).inventory
    with transaction(engine) as s:
        park = s.get(ParkRow, park_id)
        park_name = park.name if park is not None else park_id
        enterprises = {
            e.id: e.name for e in s.scalars(select(EnterpriseRow).where(EnterpriseRow.park_id == park_id))
        }
        zones = {z.id: z.name for z in s.scalars(select(ZoneRow).where(ZoneRow.park_id == park_id))}
    indicators = None
    if body.method == Method.NATIONAL:
        indicators = evaluate(inventory, load_accounting_input(engine, park_id, body.year))
    return inventory_workbook_bytes(
        inventory,
        park_name=park_name,
        indicators=indicators,
        factor_set=_factor_set(engine, summary.factor_set, summary.factor_set_version),
        enterprise_names=enterprises,
        zone_names=zones,
        data_quality=quality_report(engine, park_id, body.year),
    )


def _bytes(scope: ScopeDep, park_id: str, body: ReportCreate) -> bytes:
    if body.kind == ReportKind.PDF:
        from zeropark.reports.pdf import annual_report_for_scope

        return annual_report_for_scope(scope, park_id, body.year, lang=body.lang)
    return _xlsx(scope, park_id, body)


@router.post("/parks/{park_id}/reports", response_model=ReportOut, status_code=201)
def create_report(
    park_id: str, body: ReportCreate, session: SessionDep, scope: ScopeDep, _user: ParkWriter
) -> ReportOut:
    """Generate the annual report (PDF, or Excel in the official layouts) and keep it. 生成报告."""
    get_park_row(session, scope, park_id)
    content = _bytes(scope, park_id, body)
    run_id = session.scalar(
        select(InventoryRunRow.id)
        .where(
            InventoryRunRow.park_id == park_id,
            InventoryRunRow.year == body.year,
            InventoryRunRow.method == body.method.value,
            InventoryRunRow.enterprise_id.is_(None),
        )
        .order_by(InventoryRunRow.id.desc())
        .limit(1)
    )
    now = datetime.now(UTC)
    row = ReportRow(
        park_id=park_id,
        inventory_run_id=run_id,
        kind=body.kind.value,
        file_name=(
            f"{park_id}-{body.year}-carbon-report-{body.lang}.pdf"
            if body.kind == ReportKind.PDF
            else f"{park_id}-{body.year}-inventory-{body.method.value}.xlsx"
        ),
        content=content,
        created_at=now,
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
    _user: ParkReader,
    kind: ReportKind | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ReportOut]:
    """Generated reports of a park, newest first. 报告列表."""
    get_park_row(session, scope, park_id)
    stmt = select(ReportRow).where(ReportRow.park_id == park_id)
    if kind is not None:
        stmt = stmt.where(ReportRow.kind == kind.value)
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
    _user: ParkReader,
    inline: Annotated[bool, Query()] = False,
) -> Response:
    """Download a generated report file. 下载报告."""
    row = session.get(ReportRow, report_id)
    if row is None:
        raise NotFound(f"report {report_id} not found")
    scope.check("report", str(report_id), park_id=row.park_id, enterprise_id=None)
    disposition = "inline" if inline else "attachment"
    return Response(
        content=row.content,
        media_type=MEDIA.get(row.kind, "application/octet-stream"),
        headers={"Content-Disposition": f'{disposition}; filename="{row.file_name}"'},
    )
