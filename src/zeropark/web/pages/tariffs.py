"""分时电价与电费: the stored tariff versions, a new month's prices (managers), the cost report.

Through :mod:`zeropark.services.tariffs`: the same versions as ``zeropark tariff`` and
``/api/v1/tariffs``, the same cost rows as ``zeropark tariff cost`` and
``/api/v1/parks/{id}/electricity-cost/{year}``. The online-monitoring upload file is downloaded
from /reports/online-monitoring.json (:mod:`zeropark.services.online_monitoring`).
"""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zeropark.errors import DataError, NotFound, PermissionDenied
from zeropark.optimize.tariff import TOU_LABEL_ZH, TouPeriod
from zeropark.services import online_monitoring, tariffs
from zeropark.web.context import Page, PageDep
from zeropark.web.pages.common import error_page, not_found_page

router = APIRouter(include_in_schema=False)

DEFAULT_TARIFF = "CN-JS-large-industry-1-10kV"


def _render(page: Page, tariff_id: str, *, status_code: int = 200, error: str = "") -> Response:
    versions = tariffs.list_versions(page.scope)
    ids = sorted({v.tariff_id for v in versions}) or [DEFAULT_TARIFF]
    rows = []
    cost_error = ""
    if page.park is not None:
        try:
            rows = tariffs.cost_rows(tariffs.electricity_cost(page.scope, page.park.id, page.year, tariff_id))
        except NotFound as exc:
            cost_error = str(exc)
    shown = next((v for v in versions if v.tariff_id == tariff_id), None)
    return page.render(
        "tariffs.html",
        "reports",
        "tariffs_title",
        status_code=status_code,
        versions=versions,
        tariff_ids=ids,
        tariff_id=tariff_id,
        shown=shown,
        periods=list(TouPeriod),
        period_zh=TOU_LABEL_ZH,
        rows=rows,
        cost_error=cost_error,
        error=error,
        can_edit=page.user.role in ("admin", "park_manager"),
        done=page.request.query_params.get("done", ""),
    )


@router.get("/tariffs", response_class=HTMLResponse)
def tariffs_page(page: PageDep, tariff: str = DEFAULT_TARIFF) -> Response:
    """分时电价与电费: versions, hours per period, prices, and the year's cost per enterprise and month."""
    return _render(page, tariff)


@router.post("/tariffs", response_class=HTMLResponse)
async def tariffs_set(page: PageDep) -> Response:
    """A new version from a month (代理购电 prices; CSRF checked by the auth layer; audited)."""
    form = await page.request.form()
    tariff_id = str(form.get("tariff_id", DEFAULT_TARIFF))
    prices = {}
    try:
        for p in TouPeriod:
            text = str(form.get(f"price_{p.value}", "")).strip()
            if text:
                try:
                    prices[p.value] = float(text)
                except ValueError:
                    raise DataError(
                        f"price_{p.value} '{text}': give CNY/kWh with a dot, e.g. 1.0521"
                    ) from None
        tariffs.set_prices(
            page.scope,
            tariff_id,
            str(form.get("valid_from", "")),
            prices=prices,
            source_title=str(form.get("source", "")),
        )
    except PermissionDenied as exc:
        return error_page(page, 403, "forbidden", "", str(exc))
    except NotFound as exc:
        return _render(page, tariff_id, status_code=404, error=str(exc))
    except DataError as exc:
        return _render(page, tariff_id, status_code=422, error=str(exc))
    return RedirectResponse(f"/tariffs?tariff={quote(tariff_id)}&done=saved", status_code=303)


@router.get("/tariffs/cost.csv")
def cost_csv(page: PageDep, tariff: str = DEFAULT_TARIFF) -> Response:
    """The cost rows of the year as CSV (the same rows as the page table)."""
    if page.park is None:
        return error_page(page, 404, "not_found", "no_park")
    try:
        rows = tariffs.cost_rows(tariffs.electricity_cost(page.scope, page.park.id, page.year, tariff))
    except NotFound as exc:
        return not_found_page(page, exc)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["enterprise_id"])
    w.writeheader()
    w.writerows(rows)
    name = f"electricity-cost-{page.park.id}-{page.year}.csv"
    return Response(
        buf.getvalue().encode("utf-8-sig"),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/reports/online-monitoring.json")
def online_monitoring_file(page: PageDep, month: str = "", enterprise: str = "") -> Response:
    """能耗在线监测上传记录 of a month (YYYY-MM; default December of the page year)."""
    if page.park is None:
        return error_page(page, 404, "not_found", "no_park")
    try:
        made = online_monitoring.export_upload(
            page.scope, page.park.id, month or f"{page.year}-12", enterprise_id=enterprise or None
        )
    except NotFound as exc:
        return not_found_page(page, exc)
    except DataError as exc:
        return error_page(page, 422, "online_monitoring", "", str(exc))
    return Response(
        made.content,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{made.file_name}"',
            "X-Upload-Profile": made.profile,
        },
    )
