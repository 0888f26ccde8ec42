"""碳排放核算 inventory: both methods side by side, drill-down to line items and their evidence, sign-off.

The page shows the latest run of the view (``zeropark.store.queries.runs``: the newest signed-off
run, else the newest) — the run the API, the CLI and the reports show. Enterprises are listed on
the consumption basis: an enterprise's row opens the line items of its own view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zeropark.accounting import CONSUMER_BASIS_EN, CONSUMER_BASIS_ZH, AccountingOptions, LineItem
from zeropark.errors import (
    AccountingError,
    DataError,
    NotFound,
    PermissionDenied,
    RunDoesNotReproduce,
    RunFrozen,
)
from zeropark.i18n import carrier_label
from zeropark.model import Method
from zeropark.services import inventory as service
from zeropark.services import monitoring as monitoring_view
from zeropark.services.inventory import RunView
from zeropark.serving import charts
from zeropark.store.queries import enterprises, meters, views
from zeropark.store.queries.evidence import EvidenceKind, resolve_evidence
from zeropark.web.context import Page, PageDep, make_pager
from zeropark.web.pages.common import (
    drill_url,
    error_page,
    label_maker,
    not_found_page,
    page_run,
    run_statements,
)

router = APIRouter(include_in_schema=False)

DIMENSIONS = ("source", "scope", "enterprise", "carrier", "month")


@router.get("/inventory", response_class=HTMLResponse)
def inventory(page: PageDep, by: str = "source") -> Response:
    """碳排放核算: national method and GHG Protocol side by side, totals by a chosen dimension."""
    if by not in DIMENSIONS:
        by = "source"
    if page.park is None:
        return page.render("inventory.html", "inventory", "nav_inventory", run=None, ghg=None, by=by)
    national = page_run(page, Method.NATIONAL)
    ghg = page_run(page, Method.GHG)
    label = label_maker(page, enterprises.names(page.scope, page.park.id))
    tables: dict[str, list[dict[str, Any]]] = {}
    for method, view in (("national", national), ("ghg", ghg)):
        if view is None:
            continue
        totals = view.inventory.totals_by(by)
        tables[method] = [
            {"key": k, "label": label(by, k), "value": v, "url": drill_url(page, method, by, k)}
            for k, v in sorted(totals.items(), key=lambda kv: -abs(kv[1]))
        ]
    chart = None
    if national is not None:
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
        run=national,
        ghg=ghg,
        by=by,
        tables=tables,
        chart_inv=chart,
        consumer_basis=CONSUMER_BASIS_EN if page.lang == "en" else CONSUMER_BASIS_ZH,
        statements=run_statements(("national", national), ("ghg", ghg)),
    )


@router.post("/inventory/runs")
def inventory_account(page: PageDep, year: Annotated[int, Form(ge=2000, le=2100)]) -> Response:
    """核算: account the year by both methods, stored and audited (CSRF checked by the session layer).

    The park is accounted with every enterprise's own view; an enterprise user accounts its own
    view. The use case is :func:`zeropark.services.inventory.account_year`, the API's and the CLI's.
    """
    if page.park is None:
        return error_page(page, 404, "not_found", "no_park")
    factor_set = page.request.app.state.settings.factor_set
    try:
        both = (AccountingOptions(method=Method.NATIONAL), AccountingOptions(method=Method.GHG))
        service.account(page.scope, page.park.id, year, both, factor_set)
    except NotFound as exc:
        return not_found_page(page, exc)
    except PermissionDenied as exc:
        return error_page(page, 403, "forbidden", "", str(exc))
    except (AccountingError, DataError) as exc:
        return error_page(page, 409, "accounting_failed", "", str(exc))
    return RedirectResponse(f"/inventory?year={year}", status_code=303)


@router.post("/inventory/runs/{run_id}/sign-off")
def inventory_sign_off(page: PageDep, run_id: int, note: Annotated[str, Form()] = "") -> Response:
    """核查签发: a verifier signs a stored run of this park off; the run is frozen from then on (audited).

    CSRF is checked by the session layer (form field ``csrf_token``). The sign-off, its scope and
    role checks and its audit record are :func:`zeropark.services.inventory.sign_off`, the same
    use case the API calls.
    """
    try:
        signed = service.sign_off(page.scope, run_id, note)
    except NotFound as exc:
        return not_found_page(page, exc)
    except PermissionDenied:
        return error_page(page, 403, "forbidden", "", page.t("sign_off_verifier_only"))
    except RunFrozen as exc:
        return error_page(page, 409, "signed_off", "", str(exc))
    except RunDoesNotReproduce as exc:  # evidence ledger (#16): recomputed from the readings, it differs
        return error_page(page, 409, "run_does_not_reproduce", "", str(exc))
    return RedirectResponse(f"/inventory?year={signed.year}", status_code=303)


def _method(method: str) -> Method:
    return Method(method) if method in ("national", "ghg") else Method.NATIONAL


def _view_run(page: Page, method: str, view: str) -> RunView | None:
    """The park's run, or with ``view`` one enterprise's own run (404 outside the scope).

    An enterprise user always gets its own enterprise's run, whatever ``view`` names.
    """
    enterprise = views.view(page.scope, view or None)
    if enterprise is not None:
        enterprises.enterprise(page.scope, enterprise)  # NotFound (audited) outside the scope
    return page_run(page, _method(method), enterprise_id=enterprise)


@router.get("/inventory/items", response_class=HTMLResponse)
def inventory_items(
    page: PageDep, method: str = "national", by: str = "", key: str = "", view: str = ""
) -> Response:
    """Line items behind one total (htmx partial, or a full page when opened directly).

    ``view`` = an enterprise id: the line items of that enterprise's own view (its purchased
    electricity and heat) instead of the park-level inventory.
    """
    try:
        run = _view_run(page, method, view)
    except NotFound as exc:
        return not_found_page(page, exc)
    names = enterprises.names(page.scope, page.park.id) if page.park else {}
    label = label_maker(page, names)
    items: list[LineItem] = []
    if run is not None:
        items = run.inventory.lines_of(by, key) if by in DIMENSIONS else list(run.inventory.lines)
    items.sort(key=lambda li: -abs(li.emissions_tco2e))
    pager = make_pager(page.request, len(items), per_page=20, target="#items")
    ctx: dict[str, Any] = {
        "items": items[pager.offset : pager.offset + pager.per_page],
        "pager": pager,
        "method": method,
        "by": by,
        "key": key,
        "key_label": label(by, key) if by else page.t("all"),
        "label": label,
        "sum_tco2e": sum(li.emissions_tco2e for li in items),
        "run": run,
        "view": view,
    }
    if page.request.headers.get("HX-Request") and page.request.headers.get("HX-Target") == "items":
        return page.partial("partials/items.html", **ctx)
    return page.render("inventory_items.html", "inventory", "nav_inventory", **ctx)


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """One piece of evidence behind a line item, as the page shows it."""

    kind: str  # meter / activity / other
    id: str
    name: str
    url: str | None
    detail: str


def _evidence_rows(page: Page, item: LineItem) -> list[EvidenceRow]:
    month = "" if item.month is None else item.month_key
    rows = []
    for e in resolve_evidence(page.scope, item.evidence):
        if e.kind is EvidenceKind.METER:
            q = f"?month={month}" if month else ""
            m = e.row
            detail = f"{carrier_label(m.carrier, page.lang)} · {m.unit}"
            rows.append(EvidenceRow("meter", e.id, m.name or e.id, f"/meters/{e.id}/readings{q}", detail))
        elif e.kind is EvidenceKind.ACTIVITY_RECORD:
            r = e.row
            detail = f"{r.quantity:,.3f} {r.unit} · {r.period_start}–{r.period_end}"
            rows.append(EvidenceRow("activity", e.id, r.description or e.id, f"/activity/{e.id}", detail))
        else:
            rows.append(EvidenceRow("other", e.id, e.id, None, ""))
    return rows


@router.get("/inventory/items/{item_id}", response_class=HTMLResponse)
def inventory_item(page: PageDep, item_id: str, method: str = "national", view: str = "") -> Response:
    """One line item: formula, factors with sources, and the readings or activity records behind it."""
    try:
        run = _view_run(page, method, view)
    except NotFound as exc:
        return not_found_page(page, exc)
    item = next((li for li in run.inventory.lines if li.id == item_id), None) if run is not None else None
    if item is None or page.park is None:
        return not_found_page(page, NotFound(f"line item '{item_id}' not found"))
    ctx: dict[str, Any] = {
        "item": item,
        "method": method,
        "label": label_maker(page, enterprises.names(page.scope, page.park.id)),
        "evidence": _evidence_rows(page, item),
        "run": run,
        "view": view,
    }
    if page.request.headers.get("HX-Request"):
        return page.partial("partials/item_detail.html", **ctx)
    return page.render("inventory_item.html", "inventory", "nav_inventory", **ctx)


@router.get("/meters/{meter_id}/readings", response_class=HTMLResponse)
def meter_readings(page: PageDep, meter_id: str, month: str = "") -> Response:
    """One meter's page: its month as a curve and daily totals, the raw readings folded below.

    The month defaults to the latest with data (:func:`zeropark.services.monitoring.meter_profile`);
    the raw readings are those of the same month, paginated.
    """
    try:
        profile = monitoring_view.meter_profile(page.scope, meter_id, month)
    except NotFound as exc:
        return not_found_page(page, exc)
    meter = profile.meter
    total = meters.count_readings(page.scope, meter, profile.month)
    pager = make_pager(page.request, total, per_page=50, target="#readings")
    rows = meters.readings(page.scope, meter, profile.month, pager.offset, pager.per_page)
    chart = (
        charts.line_chart(
            profile.x, [(meter.name or meter.id, profile.y)], axis_name=profile.y_unit, area=True
        )
        if profile.x
        else None
    )
    ctx: dict[str, Any] = {
        "meter": meter,
        "rows": rows,
        "pager": pager,
        "month": profile.month,
        "profile": profile,
        "chart": chart,
        "unit": meter.unit if meter.carrier != "electricity" else "kWh",
        "carrier": carrier_label(meter.carrier, page.lang),
    }
    if page.request.headers.get("HX-Request") and page.request.headers.get("HX-Target") == "readings":
        return page.partial("partials/readings.html", **ctx)
    return page.render("meter_readings.html", "monitoring", "readings", **ctx)


@router.get("/activity/{record_id}", response_class=HTMLResponse)
def activity_record(page: PageDep, record_id: str) -> Response:
    """One activity record (活动数据) with its evidence."""
    try:
        record = enterprises.activity_record(page.scope, record_id)
    except NotFound as exc:
        return not_found_page(page, exc)
    return page.render("activity_record.html", "inventory", "activity_records", record=record)
