"""标杆对比 ``/benchmarks`` and 入园门槛 ``/admission``: the same use cases as the API and the CLI.

``/benchmarks`` shows :func:`zeropark.services.benchmarks.benchmarks` of the selected year (ranks,
grade badges, [UNCERTAIN] badges, source links, a bar chart of carbon productivity) and the
energy-limit table. ``/admission`` lists the park's assessments and, for park managers and admins,
a form whose answer is :func:`zeropark.services.admission.assess`; ``/admission/{id}`` shows one with
its decision form (:func:`zeropark.services.admission.decide`). Bad input is shown as the error's
own message, nothing is stored.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zeropark.errors import DataError, NotFound, PermissionDenied
from zeropark.model import CANONICAL_UNIT, Carrier
from zeropark.services import admission, benchmarks
from zeropark.serving import charts
from zeropark.web.context import Page, PageDep
from zeropark.web.pages.common import not_found_page

router = APIRouter(include_in_schema=False)

#: The carriers the form offers (the rest are accepted by the API and the CLI).
FORM_CARRIERS = (Carrier.ELECTRICITY, Carrier.NATURAL_GAS, Carrier.STEAM, Carrier.RAW_COAL, Carrier.DIESEL)


@router.get("/benchmarks", response_class=HTMLResponse)
def benchmarks_page(page: PageDep) -> Response:
    """标杆对比: the park's and its enterprises' figures, ranks, product grades; the limit table."""
    ctx: dict[str, Any] = {"table": benchmarks.limit_table(), "result": None, "error": None, "chart_bm": None}
    if page.park is None:
        return page.render("benchmarks.html", "benchmarks", "bm_title", **ctx)
    try:
        result = benchmarks.benchmarks(page.scope, page.park.id, page.year)
    except NotFound as exc:
        return page.render("benchmarks.html", "benchmarks", "bm_title", **{**ctx, "error": str(exc)})
    bars = [
        (p.name or page.t("bm_other_park"), p.carbon_productivity)
        for p in result.parks
        if p.carbon_productivity is not None
    ] + [
        (e.name or e.id or "", e.carbon_productivity)
        for e in result.enterprises
        if e.carbon_productivity is not None
    ]
    chart = None
    if bars:
        chart = charts.bar_chart(
            [b[0] for b in bars], [float(b[1] or 0.0) for b in bars], axis_name="万元/tCO2", horizontal=True
        )
    return page.render(
        "benchmarks.html", "benchmarks", "bm_title", **{**ctx, "result": result, "chart_bm": chart}
    )


def _is_manager(page: Page) -> bool:
    return admission.may_assess(page.scope)


def _admission_list(
    page: Page, *, status_code: int = 200, error: str | None = None, form: dict[str, str] | None = None
) -> Response:
    records = [] if page.park is None else admission.page_assessments(page.scope, page.park.id)
    enterprises = [] if page.park is None else admission.form_enterprises(page.scope, page.park.id)
    scenario_options = [] if page.park is None else admission.form_scenarios(page.scope, page.park.id)
    return page.render(
        "admission.html",
        "admission",
        "adm_title",
        status_code=status_code,
        records=records,
        enterprises=enterprises,
        scenarios=scenario_options,
        carriers=[(c.value, CANONICAL_UNIT[c]) for c in FORM_CARRIERS],
        manager=_is_manager(page),
        error=error,
        form=form or {},
    )


def _whole(text: str, name: str) -> int | None:
    """A whole number of the form (empty: None)."""
    value = text.strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 12:
        raise DataError(f"{name}: '{text}' is not a whole number; write e.g. 2030 or leave it empty")
    return int(value)


@router.get("/admission", response_class=HTMLResponse)
def admission_page(page: PageDep) -> Response:
    """入园门槛: the park's assessments and (managers) the form."""
    return _admission_list(page)


@router.post("/admission", response_class=HTMLResponse)
def admission_assess(
    page: PageDep,
    name: Annotated[str, Form(max_length=200)] = "",
    industry_code: Annotated[str, Form(max_length=8)] = "",
    enterprise_id: Annotated[str, Form(max_length=64)] = "",
    value_added_10k_cny: Annotated[str, Form(max_length=32)] = "0",
    process_tco2: Annotated[str, Form(max_length=32)] = "0",
    year: Annotated[str, Form(max_length=8)] = "",
    scenario_id: Annotated[str, Form(max_length=20)] = "",
    target_year: Annotated[str, Form(max_length=8)] = "",
    electricity: Annotated[str, Form(max_length=32)] = "",
    natural_gas: Annotated[str, Form(max_length=32)] = "",
    steam: Annotated[str, Form(max_length=32)] = "",
    raw_coal: Annotated[str, Form(max_length=32)] = "",
    diesel: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """评估并保存 (park managers and admins; CSRF checked by the session layer; audited)."""
    form = {
        "name": name,
        "industry_code": industry_code,
        "enterprise_id": enterprise_id,
        "value_added_10k_cny": value_added_10k_cny,
        "process_tco2": process_tco2,
        "year": year,
        "scenario_id": scenario_id,
        "target_year": target_year,
    }
    given = {
        "electricity": electricity,
        "natural_gas": natural_gas,
        "steam": steam,
        "raw_coal": raw_coal,
        "diesel": diesel,
    }
    form.update(given)
    if page.park is None:
        return _admission_list(page, status_code=404, error=page.t("no_park"), form=form)
    try:
        proposal = admission.parse_proposal(
            {
                "name": name,
                "industry_code": industry_code,
                "enterprise_id": enterprise_id or None,
                "value_added_10k_cny": value_added_10k_cny or 0,
                "process_tco2": process_tco2 or 0,
                "energy": {k: v for k, v in given.items() if v.strip()},
            }
        )
        record = admission.assess(
            page.scope,
            page.park.id,
            proposal,
            year=_whole(year, "year"),
            scenario_id=_whole(scenario_id, "scenario_id"),
            target_year=_whole(target_year, "target_year"),
        )
    except PermissionDenied as exc:
        return _admission_list(page, status_code=403, error=str(exc), form=form)
    except (DataError, NotFound) as exc:
        return _admission_list(
            page, status_code=422 if isinstance(exc, DataError) else 404, error=str(exc), form=form
        )
    return RedirectResponse(f"/admission/{record.id}", status_code=303)


@router.get("/admission/{admission_id}", response_class=HTMLResponse)
def admission_detail(page: PageDep, admission_id: int) -> Response:
    """One assessment: with / without, the checks, the recommendation and the decision."""
    try:
        record = admission.assessment(page.scope, admission_id)
    except NotFound as exc:
        return not_found_page(page, exc)
    return page.render(
        "admission_item.html",
        "admission",
        "adm_title",
        record=record,
        r=record.result,
        manager=_is_manager(page),
        error=None,
    )


@router.post("/admission/{admission_id}/decision", response_class=HTMLResponse)
def admission_decide(
    page: PageDep,
    admission_id: int,
    decision: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """记录决定 (park managers and admins; CSRF; audited)."""
    try:
        admission.decide(page.scope, admission_id, decision, reason)
    except NotFound as exc:
        return not_found_page(page, exc)
    except (DataError, PermissionDenied) as exc:
        record = admission.assessment(page.scope, admission_id)
        return page.render(
            "admission_item.html",
            "admission",
            "adm_title",
            status_code=403 if isinstance(exc, PermissionDenied) else 422,
            record=record,
            r=record.result,
            manager=_is_manager(page),
            error=str(exc),
        )
    return RedirectResponse(f"/admission/{admission_id}", status_code=303)
