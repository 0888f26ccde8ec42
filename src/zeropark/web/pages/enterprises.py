"""企业 enterprises: the list with each one's share, and one enterprise's page.

An enterprise's figure is the total of its own view (its fuels, processes and the electricity and
heat it bought), the same number on the list (the park run's consumption-basis breakdown), on its
page (its own run, accounted with the park run) and in its reports.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zeropark.accounting import CONSUMER_BASIS_EN, CONSUMER_BASIS_ZH, LineItem
from zeropark.errors import NotFound
from zeropark.i18n import carrier_label
from zeropark.model import Method
from zeropark.serving import charts
from zeropark.store.queries import enterprises as queries
from zeropark.store.queries import meters
from zeropark.web.context import PageDep, make_pager
from zeropark.web.pages.common import indicator_rows, not_found_page, page_run

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class EnterpriseListRow:
    """One enterprise in the list with its share of the park inventory (consumption basis)."""

    id: str
    name: str
    industry_code: str
    is_public_facility: bool
    emissions_tco2e: float | None  # [tCO2]
    energy_tce: float | None  # [tce]
    n_meters: int


@router.get("/enterprises", response_class=HTMLResponse)
def enterprises(page: PageDep) -> Response:
    """企业 list with emissions and energy per enterprise (park users); enterprise users go to their own."""
    if page.scope.is_enterprise:
        return RedirectResponse(f"/enterprises/{page.user.enterprise_id}", status_code=303)
    if page.park is None:
        return page.render("enterprises.html", "enterprises", "nav_enterprises", rows=[], pager=None)
    run = page_run(page, Method.NATIONAL)
    counts = queries.meter_counts(page.scope, page.park.id)
    rows = []
    for e in queries.enterprises(page.scope, page.park.id):
        share = None if run is None else run.inventory.consumer(e.id)
        rows.append(
            EnterpriseListRow(
                e.id,
                e.name,
                e.industry_code,
                e.is_public_facility,
                None if share is None else share.emissions_tco2e,
                None if share is None else share.energy_tce,
                counts.get(e.id, 0),
            )
        )
    rows.sort(key=lambda r: -(r.emissions_tco2e or 0.0))
    pager = make_pager(page.request, len(rows), per_page=25)
    return page.render(
        "enterprises.html",
        "enterprises",
        "nav_enterprises",
        rows=rows[pager.offset : pager.offset + pager.per_page],
        pager=pager,
        run=run,
        consumer_basis=CONSUMER_BASIS_EN if page.lang == "en" else CONSUMER_BASIS_ZH,
    )


def _sum_by(items: list[LineItem], key: str) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for li in items:
        if li.basis is None or li.basis.value != "market":
            out[{"month": li.month_key, "carrier": "-" if li.carrier is None else li.carrier.value}[key]] += (
                li.emissions_tco2e
            )
    return dict(sorted(out.items()))


@router.get("/enterprises/{enterprise_id}", response_class=HTMLResponse)
def enterprise_page(page: PageDep, enterprise_id: str) -> Response:
    """One enterprise: its own totals, trends, line items and meters (only inside the user's scope)."""
    try:
        ent = queries.enterprise(page.scope, enterprise_id)
    except NotFound as exc:
        return not_found_page(page, exc)
    run = page_run(page, Method.NATIONAL, enterprise_id=ent.id)
    items = [] if run is None else sorted(run.inventory.lines, key=lambda li: -abs(li.emissions_tco2e))
    by_month = run.inventory.by_month if run is not None else {}
    by_carrier = _sum_by(items, "carrier")
    chart = charts.bar_chart(
        list(by_month),
        list(by_month.values()),
        axis_name="tCO2",
        urls=[
            f"/inventory/items?method=national&by=month&key={quote(m)}&view={quote(ent.id)}&year={page.year}"
            for m in by_month
        ],
        series_name=page.t("emissions_tco2"),
    )
    mix = charts.pie_chart(
        [(carrier_label(c, page.lang), v) for c, v in by_carrier.items() if v > 0], unit="tCO2", urls=None
    )
    active = "enterprise" if page.scope.is_enterprise else "enterprises"
    return page.render(
        "enterprise.html",
        active,
        "nav_enterprise" if page.scope.is_enterprise else "nav_enterprises",
        ent=ent,
        run=run,
        items=items,
        meters=meters.meters(page.scope, ent.park_id, enterprise_id=ent.id),
        indicators=indicator_rows(run, page.lang, include_core=True),
        chart_months=chart,
        chart_mix=mix,
    )
