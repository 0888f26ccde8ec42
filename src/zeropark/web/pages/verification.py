"""核查工作台 the verifier workspace page (ISO 14064-3).

Engagements, the sampling plan, checklist, findings, corrective actions and the statement.

Everything shown is :mod:`zeropark.services.verification`'s — the figures of the API and of
``zeropark verification … --format json``. An enterprise user sees the engagements, its own
sampled items and its own findings. The writes are the CLI's and the API's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from zeropark.errors import NotFound, StatementBlocked
from zeropark.services import verification as service
from zeropark.web.context import PageDep
from zeropark.web.pages.common import not_found_page

router = APIRouter(include_in_schema=False)


@router.get("/verification", response_class=HTMLResponse)
def verification_page(page: PageDep, e: int | None = None) -> Response:
    """核查: the park's engagements; one engagement (``?e=ID``, default the newest) in full."""
    if page.park is None:
        return page.render("verification.html", "verification", "vf_title", engagements=None)
    engagements = service.list_engagements(page.scope, page.park.id)
    ws = None
    statement: Any = None
    blocked = False
    chosen = e if e is not None else (engagements[0]["id"] if engagements else None)
    if chosen is not None:
        try:
            service.check_park_of(page.scope, page.park.id, chosen)
            ws = service.workspace(page.scope, chosen)
        except NotFound as exc:
            return not_found_page(page, exc)
        try:
            statement = service.draft(page.scope, chosen)
        except StatementBlocked:
            blocked = True
    results = {c["item_id"]: c for c in ws.checks} if ws else {}
    return page.render(
        "verification.html",
        "verification",
        "vf_title",
        engagements=engagements,
        ws=ws,
        statement=statement,
        blocked=blocked,
        results=results,
        can_pack=page.user.role.value in ("admin", "park_manager", "verifier"),
        v=lambda value: page.t("vf_v_" + str(value).replace("/", "")),
    )
