"""核查工作台 the verifier workspace page (ISO 14064-3).

Engagements, the sampling plan, checklist, findings, corrective actions and the statement.

Everything shown is :mod:`zeropark.services.verification`'s — the figures of the API and of
``zeropark verification … --format json``. An enterprise user sees the engagements, its own
sampled items and its own findings. The writes are the CLI's and the API's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zeropark.errors import DataError, NotFound, PermissionDenied, StatementBlocked, ZeroparkError
from zeropark.services import verification as service
from zeropark.verification.findings import ActionStep
from zeropark.web.context import PageDep
from zeropark.web.pages.common import error_page, not_found_page

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
        steps=["accept", "reject"] if page.user.role.value == "verifier" else ["respond"],
        v=lambda value: page.t("vf_v_" + str(value).replace("/", "")),
    )


@router.post("/verification/actions/{action_id}")
def verification_action(
    page: PageDep,
    action_id: int,
    step: Annotated[ActionStep, Form()],
    e: Annotated[int, Form(ge=1)],
    text: Annotated[str, Form(max_length=8000)] = "",
) -> Response:
    """纠正措施: respond (park, the enterprise concerned) or accept / reject (verifier); audited."""
    try:
        service.act(page.scope, action_id, step, text)
    except NotFound as exc:
        return not_found_page(page, exc)
    except PermissionDenied as exc:
        return error_page(page, 403, "forbidden", "", str(exc))
    except DataError as exc:
        return error_page(page, 422, "vf_refused", "", str(exc))
    except ZeroparkError as exc:
        return error_page(page, 409, "vf_refused", "", str(exc))
    return RedirectResponse(f"/verification?e={e}", status_code=303)
