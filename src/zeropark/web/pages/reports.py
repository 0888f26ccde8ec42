"""报告 reports: the annual PDF report and the Excel tables, the park's or one enterprise's."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response

from zeropark.errors import NotFound
from zeropark.model import Method
from zeropark.web import views
from zeropark.web.context import Page, PageDep
from zeropark.web.inventory_view import enterprise_names
from zeropark.web.pages.common import error_page, not_found_page, page_inventory

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


def _report_enterprise(page: Page, enterprise: str) -> str | None:
    """The enterprise a report download is about (None = the park report), scope-checked.

    An enterprise user's report is always its own enterprise's; naming another enterprise answers
    404 (audited), as does an enterprise outside a park user's scope.
    """
    if page.scope.is_enterprise:
        if enterprise and enterprise != page.scope.enterprise_id:
            page.scope.deny("report", enterprise, "report of another enterprise")
            raise NotFound(f"enterprise '{enterprise}' not found")
        return page.scope.enterprise_id
    if enterprise:
        return views.enterprise(page.scope, enterprise).id  # NotFound (audited) outside the scope
    return None


@router.get("/reports", response_class=HTMLResponse)
def reports(page: PageDep) -> Response:
    """报告: download the annual PDF report and the Excel tables (park, or one enterprise's)."""
    stored = views.stored_reports(page.scope, page.park.id) if page.park else []
    names = enterprise_names(page.scope, page.park.id) if page.park else {}
    own = page.scope.enterprise_id
    return page.render(
        "reports.html",
        "reports",
        "nav_reports",
        stored=stored,
        enterprises=sorted(names.items()),
        own_enterprise=(own, names.get(own, own)) if own else None,
    )


def _report_file(content: bytes, filename: str, media_type: str) -> Response:
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/reports/annual.pdf")
def report_pdf(page: PageDep, enterprise: str = "") -> Response:
    """The annual carbon report as PDF (WeasyPrint): the park's, or one enterprise's (``?enterprise=``).

    An enterprise user always gets its own enterprise's report; another enterprise answers 404.
    """
    if page.park is None:
        raise HTTPException(status_code=404, detail="no park")
    from zeropark.reports.pdf import annual_report_for_scope

    try:
        ent = _report_enterprise(page, enterprise)
        pdf = annual_report_for_scope(page.scope, page.park.id, page.year, lang=page.lang, enterprise_id=ent)
    except NotFound as exc:
        if "no inventory" in str(exc):
            return error_page(page, 404, "not_found", "no_run")
        return not_found_page(page, exc)
    owner = page.park.id if ent is None else f"{page.park.id}-{ent}"
    return _report_file(pdf, f"zeropark-{owner}-{page.year}.pdf", "application/pdf")


@router.get("/reports/annual.xlsx")
def report_xlsx(page: PageDep, enterprise: str = "") -> Response:
    """The official Excel tables (``zeropark.reports.excel``): the park's, or one enterprise's."""
    if page.park is None:
        raise HTTPException(status_code=404, detail="no park")
    try:
        ent = _report_enterprise(page, enterprise)
    except NotFound as exc:
        return not_found_page(page, exc)
    inv = page_inventory(page, Method.NATIONAL, enterprise_id=ent)
    names = enterprise_names(page.scope, page.park.id)
    if ent is not None:
        names = {k: v for k, v in names.items() if k == ent}
    content = views.excel_report(page.scope, page.park.name, inv, names) if inv is not None else None
    if content is None:
        return error_page(page, 404, "not_found", "no_run")
    owner = page.park.id if ent is None else f"{page.park.id}-{ent}"
    return _report_file(
        content,
        f"zeropark-{owner}-{page.year}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
