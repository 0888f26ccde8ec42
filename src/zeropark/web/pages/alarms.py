"""告警 alarms: the list, acknowledge and close."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response

from zeropark.errors import NotFound, PermissionDenied, ValidationError
from zeropark.services.alarms import AlarmAction, change_alarm
from zeropark.store.queries import alarms as alarm_queries
from zeropark.web.context import PageDep, make_pager
from zeropark.web.pages.common import error_page, not_found_page

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


@router.get("/alarms", response_class=HTMLResponse)
def alarms(page: PageDep, state: str = "") -> Response:
    """告警 list (open first), acknowledge/close by htmx with CSRF."""
    if page.park is None:
        return page.render("alarms.html", "alarms", "nav_alarms", rows=[], pager=None, state=state)
    total = alarm_queries.count_alarms(page.scope, page.park.id, state)
    pager = make_pager(page.request, total, per_page=25)
    rows = alarm_queries.alarms(page.scope, page.park.id, state, pager.offset, pager.per_page)
    return page.render("alarms.html", "alarms", "nav_alarms", rows=rows, pager=pager, state=state)


@router.post("/alarms/{alarm_id}/{action}", response_class=HTMLResponse)
def alarm_action(page: PageDep, alarm_id: int, action: str) -> Response:
    """确认/关闭 an alarm (CSRF checked by the auth layer; audited); returns the updated row."""
    if action not in ("acknowledge", "close"):
        raise HTTPException(status_code=404)
    try:
        row = change_alarm(page.scope, alarm_id, AlarmAction(action))
    except NotFound as exc:
        return not_found_page(page, exc)
    except PermissionDenied as exc:
        return error_page(page, 403, "forbidden", "", str(exc))
    except ValidationError as exc:
        return error_page(page, 409, "conflict", "", "; ".join(e.message for e in exc.errors))
    return page.partial("partials/alarm_row.html", a=row)
