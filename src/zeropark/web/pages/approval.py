"""数据审核 data approval: the park's board of enterprises × status, the steps, the close, one submission.

The park manager sees every enterprise of the year with approve / return buttons and comments,
closes the period; an enterprise user sees its own row (submit, withdraw, the park's comments).
Each button posts a form (CSRF checked by the session layer) to the use case the API and the CLI
call (:mod:`zeropark.services.approval`), so the status shown here is theirs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zeropark.errors import ApprovalError, NotFound, PermissionDenied, ValidationError
from zeropark.services import approval, inventory
from zeropark.web.context import Page, PageDep
from zeropark.web.pages.common import error_page, not_found_page

router = APIRouter(include_in_schema=False)


def _failed(page: Page, exc: Exception) -> Response:
    if isinstance(exc, NotFound):
        return not_found_page(page, exc)
    if isinstance(exc, PermissionDenied):
        return error_page(page, 403, "forbidden", "", str(exc))
    if isinstance(exc, ValidationError):
        return error_page(page, 422, "approval_refused", "", "; ".join(e.message for e in exc.errors))
    return error_page(page, 409, "approval_refused", "", str(exc))


@router.get("/approval", response_class=HTMLResponse)
def approval_board(page: PageDep) -> Response:
    """数据审核: every enterprise's status for the year (an enterprise: its own), the close, the runs."""
    if page.park is None:
        return page.render("approval.html", "approval", "approval_title", board=None, runs=[])
    board = approval.board(page.scope, page.park.id, page.year)
    runs, _total = inventory.list_runs(page.scope, page.park.id, year=page.year, limit=20)
    return page.render(
        "approval.html",
        "approval",
        "approval_title",
        board=board,
        runs=runs,
        role=page.user.role,
        approved=board.counts[approval.Status.APPROVED],
    )


@router.get("/approval/{enterprise_id}", response_class=HTMLResponse)
def approval_submission(page: PageDep, enterprise_id: str) -> Response:
    """One enterprise's submission of the year: status, history with comments, data versions."""
    if page.park is None:
        return error_page(page, 404, "not_found", "no_park")
    try:
        sub = approval.submission(page.scope, page.park.id, enterprise_id, page.year)
    except NotFound as exc:
        return not_found_page(page, exc)
    return page.render("approval_submission.html", "approval", "approval_title", sub=sub, role=page.user.role)


@router.post("/approval/close")
def approval_close(
    page: PageDep,
    year: Annotated[int, Form(ge=2000, le=2100)],
    exceptions: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    """关账: close the year; ``exceptions`` one per line, ``ENTERPRISE_ID REASON``."""
    if page.park is None:
        return error_page(page, 404, "not_found", "no_park")
    listed: dict[str, str] = {}
    for line in exceptions.splitlines():
        ent, _sep, why = line.strip().partition(" ")
        if ent:
            listed[ent] = why.strip()
    try:
        approval.close_period(page.scope, page.park.id, year, listed)
    except (ApprovalError, NotFound, PermissionDenied, ValidationError) as exc:
        return _failed(page, exc)
    return RedirectResponse(f"/approval?year={year}", status_code=303)


@router.post("/approval/{enterprise_id}/{action}")
def approval_step(
    page: PageDep,
    enterprise_id: str,
    action: approval.Action,
    year: Annotated[int, Form(ge=2000, le=2100)],
    comment: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """提交/撤回/审核/批准/退回/更正 one submission (the use case checks who may)."""
    if page.park is None:
        return error_page(page, 404, "not_found", "no_park")
    try:
        approval.take_step(page.scope, page.park.id, enterprise_id, year, action, comment)
    except (ApprovalError, NotFound, PermissionDenied, ValidationError) as exc:
        return _failed(page, exc)
    return RedirectResponse(f"/approval?year={year}", status_code=303)
