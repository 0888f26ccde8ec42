"""Web pages (页面): server-rendered Jinja2 + htmx + ECharts, Chinese first with an English switch.

Routes here only read the request, ask the scoped query layer (``zeropark.web.views``,
``zeropark.web.inventory_view``) and render templates; tenant isolation is the
:class:`~zeropark.api.auth.Scope` of the logged-in user, never a filter in a template. Writes
(acknowledge an alarm, import a file) need the CSRF token, which the auth layer checks, and are
audited in the same transaction. Access to another tenant's object answers 404 (and is audited).
"""

from __future__ import annotations

import logging
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError as PydanticValidationError

from zeropark.api.auth import OptionalUser, end_session
from zeropark.errors import DataError, NotFound, PermissionDenied, RowError, RunFrozen, ValidationError
from zeropark.model import Method, Role
from zeropark.store.db import transaction
from zeropark.web import charts, views
from zeropark.web.context import Page, PageDep, lang_switch_url, make_pager, request_lang, templates
from zeropark.web.i18n import carrier_label, translator
from zeropark.web.inventory_view import InventoryView, enterprise_names, load_inventory

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

LOGIN_ACTION = "/api/v1/auth/login/form"


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _error(page: Page, status_code: int, title_key: str, detail_key: str, message: str = "") -> Response:
    return page.render(
        "error.html",
        "",
        title_key,
        status_code=status_code,
        error_title=title_key,
        error_detail=detail_key,
        error_message=message,
    )


def _not_found(page: Page, exc: Exception) -> Response:
    return _error(page, 404, "not_found", "forbidden_detail" if page.scope.is_enterprise else "", str(exc))


def _inventory(page: Page, method: Method, enterprise_id: str | None = None) -> InventoryView | None:
    """The inventory the page shows: park level, or one (scope-checked) enterprise's view."""
    if page.park is None:
        return None
    state = page.request.app.state
    cache: dict[Any, Any] | None = getattr(state, "web_inventory_cache", None)
    if cache is None:
        cache = state.web_inventory_cache = {}
    return load_inventory(
        page.scope, page.park.id, page.year, str(method), cache, enterprise_id=enterprise_id
    )


def _label_maker(page: Page, names: dict[str, str]) -> Any:
    t = page.t

    def label(dimension: str, key: str) -> str:
        if dimension == "enterprise":
            return names.get(key, t("park_level") if key in ("park", "", "None") else key)
        if dimension == "carrier":
            return carrier_label(key, page.lang)
        if dimension in ("source", "scope"):
            return t(key) if key else "—"
        return key

    return label


def _drill_url(page: Page, method: str, dimension: str, key: str) -> str:
    return f"/inventory/items?method={method}&by={dimension}&key={quote(key)}&year={page.year}"


# --------------------------------------------------------------------------------------------
# login / logout
# --------------------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, user: OptionalUser) -> Response:
    """登录 login page (the form posts to the auth API, which sets the session cookie)."""
    next_url = request.query_params.get("next", "/")
    if user is not None:
        return RedirectResponse(next_url if next_url.startswith("/") else "/", status_code=303)
    lang = request_lang(request)
    return templates.TemplateResponse(
        request,
        "login.html",
        {
            "t": translator(lang),
            "lang": lang,
            "error": request.query_params.get("error"),
            "next_url": next_url,
            "login_action": LOGIN_ACTION,
            "lang_switch_url": lang_switch_url(request, lang),
        },
    )


@router.post("/logout")
def logout(user: OptionalUser) -> Response:
    """退出: end the session (the auth layer has checked the CSRF token) and go to the login page."""
    response = RedirectResponse("/login", status_code=303)
    end_session(response)
    return response


# --------------------------------------------------------------------------------------------
# 总览 overview
# --------------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def overview(page: PageDep) -> Response:
    """总览: core indicator with pass/fail, guiding indicators, trends, mix, clean share, top emitters."""
    if page.scope.is_enterprise:
        return RedirectResponse(f"/enterprises/{page.user.enterprise_id}", status_code=303)
    if page.park is None:
        return page.render("overview.html", "overview", "nav_overview", inv=None)
    inv = _inventory(page, Method.NATIONAL)
    ghg = _inventory(page, Method.GHG)
    names = enterprise_names(page.scope, page.park.id)
    ctx: dict[str, Any] = {"inv": inv, "ghg": ghg}
    if inv is not None:
        label = _label_maker(page, names)
        core = views.core_indicator(inv, page.lang)
        ctx["core"] = core
        ctx["guiding"] = views.guiding_indicators(page.scope, page.park.id, page.year, inv, page.lang)
        months = list(inv.by_month)
        ctx["chart_emissions"] = charts.bar_chart(
            months,
            [inv.by_month[m] for m in months],
            axis_name="tCO2",
            urls=[_drill_url(page, "national", "month", m) for m in months],
            series_name=page.t("emissions_tco2"),
        )
        e_months = list(inv.energy_by_month_tce)
        ctx["chart_energy"] = charts.line_chart(
            e_months,
            [(page.t("energy_tce"), [inv.energy_by_month_tce[m] for m in e_months])],
            axis_name="tce",
            area=True,
        )
        mix = [(label("carrier", c), v) for c, v in inv.energy_by_carrier_tce.items() if v > 0]
        ctx["chart_mix"] = charts.pie_chart(mix, unit="tce")
        ctx["chart_clean_annual"] = charts.gauge_chart(
            None if inv.clean_share_annual is None else inv.clean_share_annual * 100,
            name=page.t("clean_share_annual"),
            target_pct=90.0,
        )
        ctx["chart_clean_hourly"] = charts.gauge_chart(
            None if inv.clean_share_hourly is None else inv.clean_share_hourly * 100,
            name=page.t("clean_share_hourly"),
            target_pct=90.0,
        )
        top = [(k, v) for k, v in inv.by_enterprise.items() if k != "park"][:10]
        ctx["chart_top"] = charts.bar_chart(
            [label("enterprise", k) for k, _ in top],
            [v for _, v in top],
            axis_name="tCO2",
            urls=[_drill_url(page, "national", "enterprise", k) for k, _ in top],
            horizontal=True,
            series_name=page.t("emissions_tco2"),
        )
    return page.render("overview.html", "overview", "nav_overview", **ctx)


# --------------------------------------------------------------------------------------------
# 碳排放核算 inventory with drill-down
# --------------------------------------------------------------------------------------------


@router.get("/inventory", response_class=HTMLResponse)
def inventory(page: PageDep, by: str = "source") -> Response:
    """碳排放核算: national method and GHG Protocol side by side, totals by a chosen dimension."""
    if by not in ("source", "scope", "enterprise", "carrier", "month"):
        by = "source"
    if page.park is None:
        return page.render("inventory.html", "inventory", "nav_inventory", inv=None, ghg=None, by=by)
    inv = _inventory(page, Method.NATIONAL)
    ghg = _inventory(page, Method.GHG)
    names = enterprise_names(page.scope, page.park.id)
    label = _label_maker(page, names)
    tables = {}
    chart = None
    for method, view in (("national", inv), ("ghg", ghg)):
        if view is None:
            continue
        totals = getattr(view, f"by_{by}")
        rows = [
            {"key": k, "label": label(by, k), "value": v, "url": _drill_url(page, method, by, k)}
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
        return _not_found(page, exc)
    except PermissionDenied:
        return _error(page, 403, "forbidden", "", page.t("sign_off_verifier_only"))
    except RunFrozen as exc:
        return _error(page, 409, "signed_off", "", str(exc))
    return RedirectResponse(f"/inventory?year={signed.year}", status_code=303)


def _method(method: str) -> Method:
    return Method(method) if method in ("national", "ghg") else Method.NATIONAL


def _enterprise_view(page: Page, method: str, view: str) -> InventoryView | None:
    """The park inventory, or with ``view`` one enterprise's view (404 outside the scope)."""
    if view and not page.scope.is_enterprise:
        views.enterprise(page.scope, view)  # NotFound (audited) outside the scope
        return _inventory(page, _method(method), enterprise_id=view)
    return _inventory(page, _method(method))


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
        return _not_found(page, exc)
    view_inv = inv_view
    names = enterprise_names(page.scope, page.park.id) if page.park else {}
    label = _label_maker(page, names)
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
        return _not_found(page, exc)
    item = inv_view.item(item_id) if inv_view is not None else None
    if item is None or page.park is None:
        return _not_found(page, NotFound(f"line item '{item_id}' not found"))
    names = enterprise_names(page.scope, page.park.id)
    evidence = views.evidence(page.scope, page.park.id, item.evidence, item.month)
    ctx = {
        "item": item,
        "method": method,
        "label": _label_maker(page, names),
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
        return _not_found(page, exc)
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
        return _not_found(page, exc)
    return page.render("activity_record.html", "inventory", "activity_records", record=record)


# --------------------------------------------------------------------------------------------
# 能源监测 monitoring
# --------------------------------------------------------------------------------------------


@router.get("/monitoring", response_class=HTMLResponse)
def monitoring(page: PageDep) -> Response:
    """能源监测: live curves, meter tree with balance, Sankey of energy flows.

    The live chart is rendered here and then updated by Server-Sent Events from
    ``/api/v1/parks/{id}/live`` (``zeropark.api.routers.live``): no polling.
    """
    if page.park is None:
        return page.render("monitoring.html", "monitoring", "nav_monitoring", live=None)
    live = views.live_curves(page.scope, page.park.id, page.t)
    tree = views.meter_tree(page.scope, page.park.id, page.year)
    flows = views.energy_flows(page.scope, page.park.id, page.year, page.t, page.lang)
    sankey = charts.sankey_chart(flows.nodes, flows.links, unit="MWh") if flows.links else None
    return page.render(
        "monitoring.html",
        "monitoring",
        "nav_monitoring",
        live=live,
        chart_live=charts.line_chart(live.x, live.series, axis_name="kW") if live.x else None,
        tree=tree,
        sankey=sankey,
    )


# --------------------------------------------------------------------------------------------
# 企业 enterprises
# --------------------------------------------------------------------------------------------


@router.get("/enterprises", response_class=HTMLResponse)
def enterprises(page: PageDep) -> Response:
    """企业 list with emissions and energy per enterprise (park users); enterprise users go to their own."""
    if page.scope.is_enterprise:
        return RedirectResponse(f"/enterprises/{page.user.enterprise_id}", status_code=303)
    if page.park is None:
        return page.render("enterprises.html", "enterprises", "nav_enterprises", rows=[], pager=None)
    inv = _inventory(page, Method.NATIONAL)
    rows = views.enterprise_rows(page.scope, page.park.id, inv)
    pager = make_pager(page.request, len(rows), per_page=25)
    return page.render(
        "enterprises.html",
        "enterprises",
        "nav_enterprises",
        rows=rows[pager.offset : pager.offset + pager.per_page],
        pager=pager,
        inv=inv,
    )


@router.get("/enterprises/{enterprise_id}", response_class=HTMLResponse)
def enterprise_page(page: PageDep, enterprise_id: str) -> Response:
    """One enterprise: its own totals, trends, line items and meters (only inside the user's scope)."""
    try:
        ent = views.enterprise(page.scope, enterprise_id)
    except NotFound as exc:
        return _not_found(page, exc)
    inv = _inventory(page, Method.NATIONAL, enterprise_id=ent.id)
    detail = views.enterprise_detail(page.scope, ent, inv)
    months = list(detail.by_month)
    chart = charts.bar_chart(
        months,
        [detail.by_month[m] for m in months],
        axis_name="tCO2",
        urls=[
            f"/inventory/items?method=national&by=month&key={quote(m)}&view={quote(ent.id)}&year={page.year}"
            for m in months
        ],
        series_name=page.t("emissions_tco2"),
    )
    mix = charts.pie_chart(
        [(carrier_label(c, page.lang), v) for c, v in detail.by_carrier.items() if v > 0],
        unit="tCO2",
        urls=None,
    )
    active = "enterprise" if page.scope.is_enterprise else "enterprises"
    indicators = (
        views.guiding_indicators(page.scope, page.park.id, page.year, inv, page.lang, include_core=True)
        if inv is not None and page.park is not None
        else []
    )
    return page.render(
        "enterprise.html",
        active,
        "nav_enterprise" if page.scope.is_enterprise else "nav_enterprises",
        ent=ent,
        detail=detail,
        indicators=indicators,
        chart_months=chart,
        chart_mix=mix,
    )


# --------------------------------------------------------------------------------------------
# 告警 alarms
# --------------------------------------------------------------------------------------------


@router.get("/alarms", response_class=HTMLResponse)
def alarms(page: PageDep, state: str = "") -> Response:
    """告警 list (open first), acknowledge/close by htmx with CSRF."""
    if page.park is None:
        return page.render("alarms.html", "alarms", "nav_alarms", rows=[], pager=None, state=state)
    total = views.count_alarms(page.scope, page.park.id, state)
    pager = make_pager(page.request, total, per_page=25)
    rows = views.alarms(page.scope, page.park.id, state, pager.offset, pager.per_page)
    return page.render("alarms.html", "alarms", "nav_alarms", rows=rows, pager=pager, state=state)


@router.post("/alarms/{alarm_id}/{action}", response_class=HTMLResponse)
def alarm_action(page: PageDep, alarm_id: int, action: str) -> Response:
    """确认/关闭 an alarm (CSRF checked by the auth layer; audited); returns the updated row."""
    if action not in ("acknowledge", "close"):
        raise HTTPException(status_code=404)
    try:
        row = views.update_alarm(page.scope, alarm_id, action)
    except NotFound as exc:
        return _not_found(page, exc)
    except PermissionDenied as exc:
        return _error(page, 403, "forbidden", "", str(exc))
    return page.partial("partials/alarm_row.html", a=row)


# --------------------------------------------------------------------------------------------
# 数据质量 data quality
# --------------------------------------------------------------------------------------------


@router.get("/quality", response_class=HTMLResponse)
def quality(page: PageDep) -> Response:
    """数据质量: completeness per meter, quarantined records, conflicts, ingest counters."""
    if page.park is None:
        return page.render("quality.html", "quality", "nav_quality", q=None)
    q = views.quality(page.scope, page.park.id, page.year)
    pager = make_pager(page.request, len(q.meters), per_page=25)
    chart = charts.bar_chart(
        [m.id for m in q.meters[pager.offset : pager.offset + pager.per_page]],
        [m.completeness * 100 for m in q.meters[pager.offset : pager.offset + pager.per_page]],
        axis_name="%",
        urls=[
            f"/meters/{quote(m.id)}/readings" for m in q.meters[pager.offset : pager.offset + pager.per_page]
        ],
        series_name=page.t("completeness_pct"),
    )
    return page.render("quality.html", "quality", "nav_quality", q=q, pager=pager, chart_quality=chart)


# --------------------------------------------------------------------------------------------
# 因子库 factor library
# --------------------------------------------------------------------------------------------


@router.get("/factors", response_class=HTMLResponse)
def factors(page: PageDep, kind: str = "") -> Response:
    """因子库: every factor with value, unit, region, year and its cited source."""
    lib = views.factor_library(kind)
    pager = make_pager(page.request, len(lib.rows), per_page=30)
    return page.render(
        "factors.html",
        "factors",
        "nav_factors",
        lib=lib,
        rows=lib.rows[pager.offset : pager.offset + pager.per_page],
        pager=pager,
        kind=kind,
    )


# --------------------------------------------------------------------------------------------
# 数据导入 import
# --------------------------------------------------------------------------------------------


@router.get("/import", response_class=HTMLResponse)
def import_page(page: PageDep) -> Response:
    """数据导入: upload form and import history."""
    history = views.import_history(page.scope, page.park.id if page.park else None)
    return page.render("import.html", "import", "nav_import", history=history, result=None)


@router.post("/import", response_class=HTMLResponse)
async def import_upload(
    page: PageDep,
    file: Annotated[UploadFile, File()],
    kind: Annotated[str, Form()] = "readings",
) -> Response:
    """Import an uploaded file; rejected rows are listed with file, row, field and the fix."""
    if page.user.role == Role.VERIFIER:
        return _error(page, 403, "forbidden", "", "verifiers are read-only")
    name = Path(file.filename or "upload").name
    data = await file.read()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            result = views.import_file(page.scope, page.park.id if page.park else None, path, kind)
        except ValidationError as exc:
            result = views.ImportOutcome(
                file=name, stored=exc.stored, errors=list(exc.errors), message=str(exc)
            )
        except (DataError, PermissionDenied) as exc:
            result = views.ImportOutcome(
                file=name, stored=0, errors=[RowError(name, None, None, None, str(exc))], message=str(exc)
            )
    history = views.import_history(page.scope, page.park.id if page.park else None)
    if page.request.headers.get("HX-Request"):
        return page.partial("partials/import_result.html", result=result)
    return page.render("import.html", "import", "nav_import", history=history, result=result)


# --------------------------------------------------------------------------------------------
# 报告 reports
# --------------------------------------------------------------------------------------------


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
            return _error(page, 404, "not_found", "no_run")
        return _not_found(page, exc)
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
        return _not_found(page, exc)
    inv = _inventory(page, Method.NATIONAL, enterprise_id=ent)
    names = enterprise_names(page.scope, page.park.id)
    if ent is not None:
        names = {k: v for k, v in names.items() if k == ent}
    content = views.excel_report(page.scope, page.park.name, inv, names) if inv is not None else None
    if content is None:
        return _error(page, 404, "not_found", "no_run")
    owner = page.park.id if ent is None else f"{page.park.id}-{ent}"
    return _report_file(
        content,
        f"zeropark-{owner}-{page.year}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# --------------------------------------------------------------------------------------------
# 用户 users (admin)
# --------------------------------------------------------------------------------------------


def _admin_only(page: Page, what: str) -> Response | None:
    """403 (and an audit record ``denied``) unless the user is an admin; None for an admin."""
    if page.user.role == Role.ADMIN:
        return None
    page.scope.deny("page", what, f"role '{page.user.role}' is not admin")
    return _error(page, 403, "forbidden", "", "admin only")


def _users_page(
    page: Page, *, status_code: int = 200, error: str = "", form: dict[str, str] | None = None
) -> Response:
    rows = views.user_rows(page.scope)
    pager = make_pager(page.request, len(rows), per_page=25)
    return page.render(
        "users.html",
        "users",
        "nav_users",
        status_code=status_code,
        rows=rows[pager.offset : pager.offset + pager.per_page],
        pager=pager,
        roles=[str(r) for r in Role],
        enterprises=views.all_enterprises(page.scope),
        parks=views.all_parks(page.scope),
        now=datetime.now(UTC),
        error=error,
        form=form or {},
        done=page.request.query_params.get("done", ""),
    )


def _form_error(exc: Exception) -> str:
    """A one-line message of a rejected user form (pydantic or domain validation)."""
    if isinstance(exc, PydanticValidationError):
        return "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors())
    if isinstance(exc, ValidationError):
        return "; ".join(f"{e.field}: {e.message}" for e in exc.errors) or str(exc)
    return str(exc)


@router.get("/users", response_class=HTMLResponse)
def users(page: PageDep) -> Response:
    """用户 (admin only): list, create, disable/enable, reset a password, unlock a locked account."""
    return _admin_only(page, "/users") or _users_page(page)


@router.post("/users", response_class=HTMLResponse)
def users_create(
    page: PageDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    enterprise_id: Annotated[str, Form()] = "",
    park_id: Annotated[str, Form()] = "",
) -> Response:
    """新建用户 (admin; CSRF checked by the auth layer): argon2 password, audited ``create user``."""
    from zeropark.api.routers.users import add_user_audited
    from zeropark.api.schemas import UserCreate

    denied = _admin_only(page, "POST /users")
    if denied is not None:
        return denied
    form = {"username": username, "role": role, "display_name": display_name, "enterprise_id": enterprise_id}
    try:
        body = UserCreate(
            username=username.strip(),
            password=password,
            role=role,
            display_name=display_name.strip(),
            # an enterprise user belongs to its enterprise's park; other roles to the chosen park
            enterprise_id=(enterprise_id or None) if role == Role.ENTERPRISE else None,
            park_id=None if role == Role.ENTERPRISE else (park_id or None),
        )
        with transaction(page.scope.engine) as session:
            add_user_audited(session, page.user, page.scope.ip, body)
    except (PydanticValidationError, ValidationError) as exc:
        return _users_page(page, status_code=422, error=_form_error(exc), form=form)
    return RedirectResponse(f"/users?done=created:{quote(body.username)}", status_code=303)


@router.post("/users/{user_id}/{action}", response_class=HTMLResponse)
def users_update(
    page: PageDep,
    user_id: int,
    action: str,
    password: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
) -> Response:
    """停用/启用 (``active``), 重置密码 (``password``), 解锁 (``unlock``) a user (admin; CSRF; audited)."""
    from zeropark.api.routers.users import update_user_audited
    from zeropark.api.schemas import UserUpdate

    denied = _admin_only(page, f"POST /users/{user_id}/{action}")
    if denied is not None:
        return denied
    try:
        if action == "active":
            body = UserUpdate(active=active == "true")
        elif action == "password":
            body = UserUpdate(password=password)
        elif action == "unlock":
            body = UserUpdate(unlock=True)
        else:
            raise HTTPException(status_code=404)
        with transaction(page.scope.engine) as session:
            row = update_user_audited(session, page.user, page.scope.ip, user_id, body)
            username = row.username
    except NotFound as exc:
        return _not_found(page, exc)
    except PermissionDenied as exc:
        return _users_page(page, status_code=403, error=str(exc))
    except (PydanticValidationError, ValidationError) as exc:
        return _users_page(page, status_code=422, error=_form_error(exc))
    return RedirectResponse(f"/users?done={action}:{quote(username)}", status_code=303)
