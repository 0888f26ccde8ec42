"""产业共生 the industrial-symbiosis page: the park's registry, its exchange map, the latest match.

Every figure is :mod:`zeropark.services.symbiosis` — those of the API
``/api/v1/parks/{id}/symbiosis/…`` and of ``zeropark symbiosis …``. An enterprise user sees its
own sources and sinks, the exchanges it is a party to and the suggestions for its own streams.
A writer registers a new source, sink or exchange here (``/symbiosis?new=source``, the service's
:func:`~zeropark.services.symbiosis.add_entry`, as the API's POSTs), and edits or deletes a stored entry
(``/symbiosis?edit=source:ID``, the service's :func:`~zeropark.services.symbiosis.update_entry` and
:func:`~zeropark.services.symbiosis.delete_entry`, as the API and the CLI). The page shows, per
guiding indicator, whether the accounting takes it from flows or as declared; a park manager sets
it here (``POST /symbiosis/indicator-source``, :func:`~zeropark.services.symbiosis.set_indicator_source`).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zeropark.errors import DataError, NotFound, PermissionDenied
from zeropark.services import symbiosis as service
from zeropark.serving import charts
from zeropark.store.scope import MANAGE_ROLES
from zeropark.symbiosis.registry import UNIT
from zeropark.web.context import Page, PageDep
from zeropark.web.pages.common import error_page, not_found_page

router = APIRouter(include_in_schema=False)


#: Roles that may not write (the page hides the edit links; the service refuses anyway).
READ_ONLY = ("verifier", "device", "province", "group")


def _editing(registry: service.Registry, edit: str) -> dict[str, str] | None:
    """The entry ``kind:id`` the page's edit form shows (its file form as JSON), if it is visible."""
    kind, _, item_id = edit.partition(":")
    entries: dict[str, dict[str, Any]] = {}
    if kind == "source":
        entries = {s.id: service.entry_dict(s) for s in registry.sources}
    elif kind == "sink":
        entries = {k.id: service.entry_dict(k) for k in registry.sinks}
    elif kind == "exchange":
        entries = {a.exchange.id: service.entry_dict(a) for a in registry.exchanges}
    if item_id not in entries:
        return None
    return {"kind": kind, "id": item_id, "json": json.dumps(entries[item_id], ensure_ascii=False, indent=1)}


def _adding(kind: str) -> dict[str, str]:
    """The new-entry form of ``kind``, prefilled with the example registry's entry of that kind."""
    return {"kind": kind, "json": json.dumps(service.entry_template(kind), ensure_ascii=False, indent=1)}


@router.get("/symbiosis", response_class=HTMLResponse)
def symbiosis_page(page: PageDep, edit: str = "", new: str = "") -> Response:
    """产业共生: sources, sinks and exchanges, the exchange map, indicators and the latest match.

    ``edit=source:ID`` (``sink:``, ``exchange:``) opens the edit form of that entry (writers);
    ``new=source`` (``sink``, ``exchange``) the form registering a new one.
    """
    if page.park is None:
        return page.render("symbiosis.html", "symbiosis", "sym_title", registry=None)
    park_id = page.park.id
    registry = service.park_registry(page.scope, park_id)
    can_write = page.scope.user.role not in READ_ONLY
    notes = service.registry_notes(page.scope, park_id)
    latest = service.latest_match(page.scope, park_id)
    error = None
    indicators: dict[str, Any] | None = None
    try:
        indicators = service.indicators_dict(service.indicators(registry))
    except DataError as exc:  # a stored registry the rules now refuse: say so, show the rest
        error = str(exc)
    sources = service.indicator_sources(page.scope, park_id)
    names = {s.id: s.name or s.id for s in registry.sources} | {k.id: k.name or k.id for k in registry.sinks}
    nodes = [
        (f"src:{s.id}", names[s.id], "source", s.location.x_km, s.location.y_km) for s in registry.sources
    ]
    nodes += [(f"snk:{k.id}", names[k.id], "sink", k.location.x_km, k.location.y_km) for k in registry.sinks]
    src_unit = {s.id: UNIT[s.kind] for s in registry.sources}
    links = [
        (f"src:{a.exchange.source}", f"snk:{a.exchange.sink}", a.exchange.id, False)
        for a in registry.exchanges
    ]
    realised = {(a.exchange.source, a.exchange.sink) for a in registry.exchanges}
    known = {n[0] for n in nodes}
    for x in (latest or {}).get("exchanges", []):
        pair = (f"src:{x['source']}", f"snk:{x['sink']}")
        if (x["source"], x["sink"]) not in realised and pair[0] in known and pair[1] in known:
            links.append((*pair, f"{x['sent_per_year']:,.0f} {x['unit']}/a", True))
    return page.render(
        "symbiosis.html",
        "symbiosis",
        "sym_title",
        registry=registry,
        notes=notes,
        latest=latest,
        indicators=indicators,
        error=error,
        units={k.value: v for k, v in UNIT.items()},
        src_unit=src_unit,
        chart_map=charts.exchange_map(nodes, links) if nodes else None,
        can_write=can_write,
        sources=sources,
        can_manage=page.scope.user.role in MANAGE_ROLES,
        editing=_editing(registry, edit) if can_write and edit else None,
        adding=_adding(new) if can_write and new in service.ENTRY_KINDS else None,
    )


def _entry_action(page: Page, kind: str, item_id: str | None, entry: str | None) -> Response:
    """Add (``item_id`` None), edit (``entry``: the new JSON) or delete (``entry`` None) an entry."""
    if page.park is None or kind not in service.ENTRY_KINDS:
        return error_page(page, 404, "not_found", "")
    try:
        if entry is None and item_id is not None:
            service.delete_entry(page.scope, page.park.id, kind, item_id)
        else:
            try:
                payload = json.loads(entry or "")
            except json.JSONDecodeError as exc:
                raise DataError(
                    f"{kind} {item_id or '(new)'}: the entry is not JSON ({exc}); keep the form's format"
                ) from None
            if item_id is None:
                service.add_entry(page.scope, page.park.id, kind, payload)
            else:
                service.update_entry(page.scope, page.park.id, kind, item_id, payload)
    except NotFound as exc:
        return not_found_page(page, exc)
    except PermissionDenied as exc:
        return error_page(page, 403, "forbidden", "", str(exc))
    except DataError as exc:  # a named refusal: EntryInUse, FlowExceedsSource, IncompatibleGrade, a bad field
        return error_page(page, 422, "sym_refused", "", str(exc))
    return RedirectResponse("/symbiosis", status_code=303)


@router.post("/symbiosis/indicator-source")
def symbiosis_indicator_source(
    page: PageDep, code: Annotated[str, Form()], source: Annotated[str, Form()]
) -> Response:
    """设置指标来源: flows (the registry is complete) or declared for one guiding indicator (CSRF checked)."""
    if page.park is None:
        return error_page(page, 404, "not_found", "")
    try:
        service.set_indicator_source(page.scope, page.park.id, code, source)
    except NotFound as exc:
        return not_found_page(page, exc)
    except PermissionDenied as exc:
        return error_page(page, 403, "forbidden", "", str(exc))
    except DataError as exc:  # SymbiosisError: unknown code or source, flows with no source of the kind
        return error_page(page, 422, "sym_refused", "", str(exc))
    return RedirectResponse("/symbiosis#sym-sources", status_code=303)


@router.post("/symbiosis/new/{kind}")
def symbiosis_add(page: PageDep, kind: str, entry: Annotated[str, Form()]) -> Response:
    """登记新条目: register a source, sink or exchange from the form's JSON (the API's POST; CSRF checked)."""
    return _entry_action(page, kind, None, entry)


@router.post("/symbiosis/{kind}/{item_id}/edit")
def symbiosis_edit(page: PageDep, kind: str, item_id: str, entry: Annotated[str, Form()]) -> Response:
    """修改登记: replace a stored entry by the form's JSON (the API's PUT; CSRF checked)."""
    return _entry_action(page, kind, item_id, entry)


@router.post("/symbiosis/{kind}/{item_id}/delete")
def symbiosis_delete(page: PageDep, kind: str, item_id: str) -> Response:
    """删除登记: delete a stored entry (one a realised exchange uses is refused: EntryInUse; CSRF checked)."""
    return _entry_action(page, kind, item_id, None)


@router.get("/symbiosis/sharing", response_class=HTMLResponse)
def sharing_page(page: PageDep) -> Response:
    """能源共享仪表盘: energy supplied/received, CO2 avoided and saving per exchange, enterprise, period.

    The figures are :func:`zeropark.services.symbiosis.park_sharing` (the API's
    ``/symbiosis/sharing`` and ``zeropark symbiosis sharing``).
    """
    if page.park is None:
        return page.render("symbiosis_sharing.html", "symbiosis", "sym_sharing_title", sharing=None)
    got = service.park_sharing(page.scope, page.park.id)
    periods = [str(i + 1) for i in range(len(got.weights))]
    chart = charts.line_chart(
        periods,
        [
            (page.t("sym_sharing_surplus"), got.surplus),
            (page.t("sym_sharing_shared"), got.shared),
            (page.t("sym_sharing_unmet"), got.unmet),
        ],
        axis_name="GJ",
        area=True,
    )
    return page.render(
        "symbiosis_sharing.html",
        "symbiosis",
        "sym_sharing_title",
        sharing=got,
        chart_sharing=chart if got.exchanges else None,
    )
