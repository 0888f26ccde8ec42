"""报告 reports: the annual PDF report and the Excel tables, the park's or one enterprise's.

Downloads go through :mod:`zeropark.services.reporting` — the same data and the same file as the
API's ``POST /parks/{id}/reports``: managers' and enterprise users' downloads are kept as
generated reports (audited); a verifier (read-only) gets the same file without it being stored.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from zeropark.errors import NotFound
from zeropark.model import Method, Role
from zeropark.services import reporting
from zeropark.store.queries import enterprises
from zeropark.web.context import Page, PageDep
from zeropark.web.pages.common import error_page, not_found_page

router = APIRouter(include_in_schema=False)


@router.get("/reports", response_class=HTMLResponse)
def reports(page: PageDep) -> Response:
    """报告: download the annual PDF report and the Excel tables (park, or one enterprise's)."""
    stored = reporting.list_reports(page.scope, page.park.id, limit=20)[0] if page.park else []
    names = enterprises.names(page.scope, page.park.id) if page.park else {}
    own = page.scope.enterprise_id
    return page.render(
        "reports.html",
        "reports",
        "nav_reports",
        stored=stored,
        enterprises=sorted(names.items()),
        own_enterprise=(own, names.get(own, own)) if own else None,
    )


def _download(page: Page, kind: reporting.ReportKind, enterprise: str) -> Response:
    if page.park is None:
        return error_page(page, 404, "not_found", "no_park")
    try:
        if page.user.role == Role.VERIFIER:
            data = reporting.report_data(
                page.scope, page.park.id, page.year, enterprise_id=enterprise or None
            )
            content = (
                reporting.form_205_1_bytes(page.scope, data)
                if kind is reporting.ReportKind.FORM_205_1
                else reporting.render(data, kind, lang=page.lang)
            )
            owner = page.park.id if data.enterprise is None else f"{page.park.id}-{data.enterprise.id}"
            suffix = "205-1.xlsx" if kind is reporting.ReportKind.FORM_205_1 else kind.value
            name, media = f"zeropark-{owner}-{page.year}.{suffix}", reporting.MEDIA_TYPES[kind]
        else:
            made = reporting.create_report(
                page.scope,
                page.park.id,
                page.year,
                kind,
                method=Method.NATIONAL,
                lang=page.lang,
                enterprise_id=enterprise or None,
                account_with=page.request.app.state.settings.factor_set,
            )
            content, name, media = made.content, made.file_name, made.media_type
    except NotFound as exc:
        if "no national inventory run" in str(exc) or "no ghg inventory run" in str(exc):
            return error_page(page, 404, "not_found", "no_run", str(exc))
        return not_found_page(page, exc)
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/reports/annual.pdf")
def report_pdf(page: PageDep, enterprise: str = "") -> Response:
    """The annual carbon report as PDF: the park's, or one enterprise's (``?enterprise=``).

    An enterprise user always gets its own enterprise's report; another enterprise answers 404.
    """
    return _download(page, reporting.ReportKind.PDF, enterprise)


@router.get("/reports/annual.xlsx")
def report_xlsx(page: PageDep, enterprise: str = "") -> Response:
    """The official Excel tables of the national inventory: the park's, or one enterprise's."""
    return _download(page, reporting.ReportKind.XLSX, enterprise)


@router.get("/reports/form-205-1.xlsx")
def report_205_1(page: PageDep, enterprise: str = "") -> Response:
    """205-1 能源购进、消费与库存: one sheet per enterprise of the park, or one enterprise's."""
    return _download(page, reporting.ReportKind.FORM_205_1, enterprise)
