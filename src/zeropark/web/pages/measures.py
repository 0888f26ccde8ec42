"""减排措施库 the reduction-measures library: a filterable table and a form to add a park measure.

The rows are :func:`zeropark.services.measures.list_measures` — the figures of the API and of
``zeropark roadmap measures list``. A park manager adds a measure through the same
:func:`~zeropark.services.measures.add_measure` (checked like the library, audited); a rejected
field is shown next to its input with a Chinese hint and the checker's own message. Enterprise
users read the library.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zeropark.errors import NotFound, PermissionDenied
from zeropark.model import Carrier
from zeropark.roadmap.measures import MEASURE_COLUMNS, SOURCE_COLUMNS, MeasureError, Mechanism, Pathway
from zeropark.services import measures as service
from zeropark.store.scope import MANAGE_ROLES
from zeropark.web.context import Page, PageDep
from zeropark.web.pages.common import error_page, not_found_page

router = APIRouter(include_in_schema=False)


def _render(
    page: Page,
    *,
    status_code: int = 200,
    pathway: str = "",
    mechanism: str = "",
    form: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    error: str | None = None,
) -> Response:
    assert page.park is not None
    views = service.list_measures(page.scope, page.park.id)
    shown = [
        v
        for v in views
        if (not pathway or v.measure.pathway.value == pathway)
        and (not mechanism or v.measure.mechanism.value == mechanism)
    ]
    sources = {**service.known_sources(), **service.park_sources(page.scope, page.park.id)}
    return page.render(
        "roadmap_measures.html",
        "roadmap",
        "measures_title",
        status_code=status_code,
        views=shown,
        total=len(views),
        builtin_count=sum(v.builtin for v in views),
        uncertain_count=sum(v.uncertain for v in views if v.builtin),
        pathways=[p.value for p in Pathway],
        mechanisms=[m.value for m in Mechanism],
        carriers=[c.value for c in Carrier],
        sources=sorted(sources.values(), key=lambda s: s.id),
        pathway=pathway,
        mechanism=mechanism,
        can_write=page.user.role in MANAGE_ROLES,
        form=form or {},
        errors=errors or {},
        error=error,
        done=page.request.query_params.get("done", ""),
    )


@router.get("/roadmap/measures", response_class=HTMLResponse)
def measures_page(page: PageDep, pathway: str = "", mechanism: str = "") -> Response:
    """减排措施库: built-in and park measures by pathway and mechanism, units, costs, sources."""
    if page.park is None:
        return page.render("roadmap_measures.html", "roadmap", "measures_title", views=None)
    pathway = pathway if pathway in {p.value for p in Pathway} else ""
    mechanism = mechanism if mechanism in {m.value for m in Mechanism} else ""
    return _render(page, pathway=pathway, mechanism=mechanism)


@router.post("/roadmap/measures", response_class=HTMLResponse)
async def measure_add(page: PageDep) -> Response:
    """新增园区措施 (CSRF checked by the auth layer; park managers; audited)."""
    if page.park is None:
        return not_found_page(page, NotFound("no park"))
    raw = await page.request.form()
    fields = {c: str(raw.get(c, "")).strip() for c in (*MEASURE_COLUMNS, *SOURCE_COLUMNS)}
    fields["uncertain"] = "true" if raw.get("uncertain") == "on" else "false"
    try:
        view = service.add_measure(page.scope, page.park.id, fields, file="form")
    except NotFound as exc:
        return not_found_page(page, exc)
    except PermissionDenied as exc:
        return error_page(page, 403, "forbidden", "", str(exc))
    except MeasureError as exc:
        by_field: dict[str, list[str]] = {}
        for e in exc.errors:
            by_field.setdefault(e.field or "id", []).append(e.message)
        return _render(page, status_code=422, form=fields, errors=by_field)
    return RedirectResponse(
        f"/roadmap/measures?done={quote(view.measure.id)}#m-{quote(view.measure.id)}", 303
    )


@router.post("/roadmap/measures/{measure_id}/delete", response_class=HTMLResponse)
def measure_delete(page: PageDep, measure_id: str) -> Response:
    """删除园区措施 (park managers; audited)."""
    if page.park is None:
        return not_found_page(page, NotFound("no park"))
    try:
        service.delete_measure(page.scope, page.park.id, measure_id)
    except NotFound as exc:
        return not_found_page(page, exc)
    except PermissionDenied as exc:
        return error_page(page, 403, "forbidden", "", str(exc))
    return RedirectResponse("/roadmap/measures?done=deleted", status_code=303)
