"""碳排放核算 inventory: both methods side by side, drill-down to line items and their evidence, sign-off."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zeropark.errors import NotFound, PermissionDenied, RunFrozen
from zeropark.model import Method
from zeropark.web import charts, views
from zeropark.web.context import Page, PageDep, make_pager
from zeropark.web.inventory_view import InventoryView, enterprise_names
from zeropark.web.pages.common import drill_url, error_page, label_maker, not_found_page, page_inventory

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


@router.get("/inventory", response_class=HTMLResponse)
def inventory(page: PageDep, by: str = "source") -> Response:
    """碳排放核算: national method and GHG Protocol side by side, totals by a chosen dimension."""
    if by not in ("source", "scope", "enterprise", "carrier", "month"):
        by = "source"
    if page.park is None:
        return page.render("inventory.html", "inventory", "nav_inventory", inv=None, ghg=None, by=by)
    inv = page_inventory(page, Method.NATIONAL)
    ghg = page_inventory(page, Method.GHG)
    names = enterprise_names(page.scope, page.park.id)
    label = label_maker(page, names)
    tables = {}
    chart = None
    for method, view in (("national", inv), ("ghg", ghg)):
        if view is None:
            continue
        totals = getattr(view, f"by_{by}")
        rows = [
            {"key": k, "label": label(by, k), "value": v, "url": drill_url(page, method, by, k)}
            for k, v in totals.items()
        ]
        tables[method] = rows
    if inv is not None:
        rows = tables["national"]
        chart = charts.bar_chart(
            [r["label"] for r in rows],
            [r["value"] for r in rows],
            axis_name="tCO2",
            urls=[r["url"] for r in rows],
            horizontal=True,
            series_name=page.t("method_national"),
        )
    return page.render(
        "inventory.html",
        "inventory",
        "nav_inventory",
        inv=inv,
        ghg=ghg,
        by=by,
        tables=tables,
        chart_inv=chart,
    )


@router.post("/inventory/runs/{run_id}/sign-off")
def inventory_sign_off(page: PageDep, run_id: int, note: Annotated[str, Form()] = "") -> Response:
    """核查签发: a verifier signs a stored run of this park off; the run is frozen from then on (audited).

    CSRF is checked by the auth layer (form field ``csrf_token``). The sign-off itself, its scope and
    role checks and its audit record are :func:`zeropark.api.routers.inventory.sign_off_run`, the
    same function the API route calls.
    """
    from zeropark.api.routers.inventory import sign_off_run

    try:
        signed = sign_off_run(page.scope.engine, page.scope, run_id, note)
    except NotFound as exc:
        return not_found_page(page, exc)
    except PermissionDenied:
        return error_page(page, 403, "forbidden", "", page.t("sign_off_verifier_only"))
    except RunFrozen as exc:
        return error_page(page, 409, "signed_off", "", str(exc))
    return RedirectResponse(f"/inventory?year={signed.year}", status_code=303)


def _method(method: str) -> Method:
    return Method(method) if method in ("national", "ghg") else Method.NATIONAL


def _enterprise_view(page: Page, method: str, view: str) -> InventoryView | None:
    """The park inventory, or with ``view`` one enterprise's view (404 outside the scope)."""
    if view and not page.scope.is_enterprise:
        views.enterprise(page.scope, view)  # NotFound (audited) outside the scope
        return page_inventory(page, _method(method), enterprise_id=view)
    return page_inventory(page, _method(method))


@router.get("/inventory/items", response_class=HTMLResponse)
def inventory_items(
    page: PageDep, method: str = "national", by: str = "", key: str = "", view: str = ""
) -> Response:
    """Line items behind one total (htmx partial, or a full page when opened directly).

    ``view`` = an enterprise id: the line items of that enterprise's own view (its purchased
    electricity and heat) instead of the park-level inventory.
    """
    try:
        inv_view = _enterprise_view(page, method, view)
    except NotFound as exc:
        return not_found_page(page, exc)
    view_inv = inv_view
    names = enterprise_names(page.scope, page.park.id) if page.park else {}
    label = label_maker(page, names)
    items = view_inv.items_where(by, key) if view_inv is not None else []
    items.sort(key=lambda li: -abs(li.emissions_tco2e))
    pager = make_pager(page.request, len(items), per_page=20, target="#items")
    ctx = {
        "items": items[pager.offset : pager.offset + pager.per_page],
        "pager": pager,
        "method": method,
        "by": by,
        "key": key,
        "key_label": label(by, key) if by else page.t("all"),
        "label": label,
        "sum_tco2e": sum(li.emissions_tco2e for li in items),
        "inv": view_inv,
        "view": view,
    }
    if page.request.headers.get("HX-Request") and page.request.headers.get("HX-Target") == "items":
        return page.partial("partials/items.html", **ctx)
    return page.render("inventory_items.html", "inventory", "nav_inventory", **ctx)


@router.get("/inventory/items/{item_id}", response_class=HTMLResponse)
def inventory_item(page: PageDep, item_id: str, method: str = "national", view: str = "") -> Response:
    """One line item: formula, factors with sources, and the readings or activity records behind it."""
    try:
        inv_view = _enterprise_view(page, method, view)
    except NotFound as exc:
        return not_found_page(page, exc)
    item = inv_view.item(item_id) if inv_view is not None else None
    if item is None or page.park is None:
        return not_found_page(page, NotFound(f"line item '{item_id}' not found"))
    names = enterprise_names(page.scope, page.park.id)
    evidence = views.evidence(page.scope, page.park.id, item.evidence, item.month)
    ctx = {
        "item": item,
        "method": method,
        "label": label_maker(page, names),
        "evidence": evidence,
        "inv": inv_view,
        "view": view,
    }
    if page.request.headers.get("HX-Request"):
        return page.partial("partials/item_detail.html", **ctx)
    return page.render("inventory_item.html", "inventory", "nav_inventory", **ctx)


@router.get("/meters/{meter_id}/readings", response_class=HTMLResponse)
def meter_readings(page: PageDep, meter_id: str, month: str = "") -> Response:
    """The readings of one meter in one month (provenance of a metered line item), paginated."""
    try:
        meter = views.meter(page.scope, meter_id)
    except NotFound as exc:
        return not_found_page(page, exc)
    total = views.count_readings(page.scope, meter, month)
    pager = make_pager(page.request, total, per_page=50, target="#readings")
    rows = views.readings(page.scope, meter, month, pager.offset, pager.per_page)
    ctx: dict[str, Any] = {"meter": meter, "rows": rows, "pager": pager, "month": month}
    if page.request.headers.get("HX-Request") and page.request.headers.get("HX-Target") == "readings":
        return page.partial("partials/readings.html", **ctx)
    return page.render("meter_readings.html", "monitoring", "readings", **ctx)


@router.get("/activity/{record_id}", response_class=HTMLResponse)
def activity_record(page: PageDep, record_id: str) -> Response:
    """One activity record (活动数据) with its evidence."""
    try:
        record = views.activity_record(page.scope, record_id)
    except NotFound as exc:
        return not_found_page(page, exc)
    return page.render("activity_record.html", "inventory", "activity_records", record=record)
