"""Reports (报告): the annual report data gathered once, the Excel and PDF rendered from it, kept as evidence.

:func:`report_data` gathers, inside the user's scope, everything a report shows — the latest
national and GHG runs of the view (:mod:`zeropark.store.queries.runs`), their stored indicator
table, the data-quality figure (:mod:`zeropark.services.quality`), the factor set, the names —
so the Excel (:mod:`zeropark.reports.excel`) and the PDF (:mod:`zeropark.reports.pdf`) show the
figures the pages and the API show. :func:`create_report` renders one, stores it (``report``
rows, the evidence of what was handed out) with an audit record, and is what the API, the web
page and the CLI call: the same workbook whichever door it is asked from.

A report is the park's (every enterprise, on the consumption basis) or one enterprise's (its own
view, accounted with the park run). An enterprise user's report is always its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select

from zeropark.accounting import AccountingOptions, Inventory
from zeropark.accounting.form_205_1 import form_rows
from zeropark.accounting.lineitems import Category
from zeropark.errors import DataError, NotFound, PermissionDenied
from zeropark.formatting import pct, sig
from zeropark.model import Method, Role
from zeropark.reports import excel, form_205_1, pdf
from zeropark.reports.data import Measure, ReportData, ReportEvaluation
from zeropark.reports.roadmap import chapter_view
from zeropark.reports.symbiosis_chapter import SymbiosisChapter, chapter_rows
from zeropark.roadmap.metabolism import FlowKind
from zeropark.services import (
    admission,
    assets,
    benchmarks,
    evaluation,
    footprint,
    metabolism,
    optimization,
    symbiosis,
    verification,
)
from zeropark.services.asset_report import asset_chapter
from zeropark.services.factor_sets import resolve_factor_set
from zeropark.services.inventory import account_year, enterprise_runs, latest_view, view_of_run
from zeropark.services.ledger import check_evidence
from zeropark.services.quality import data_quality
from zeropark.services.roadmap_report import roadmap_chapter
from zeropark.store import audit, ledger, repo
from zeropark.store.db import session_factory, transaction
from zeropark.store.schema import ReportRow
from zeropark.store.scope import Scope

__all__ = [
    "ReportData",
    "ReportFile",
    "ReportKind",
    "create_report",
    "list_reports",
    "render",
    "report_data",
    "stored_report",
]


class ReportKind(StrEnum):
    """Report file kinds."""

    PDF = "pdf"
    XLSX = "xlsx"
    FORM_205_1 = "205-1"  # 能源购进、消费与库存, one sheet per enterprise (issue #19)


MEDIA_TYPES: dict[ReportKind, str] = {
    ReportKind.PDF: "application/pdf",
    ReportKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportKind.FORM_205_1: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True, slots=True)
class ReportFile:
    """A generated report: its stored id, file name, media type and bytes."""

    id: int
    file_name: str
    media_type: str
    content: bytes
    inventory_run_id: int


def _view(scope: Scope, enterprise_id: str | None) -> str | None:
    if not scope.is_enterprise:
        return enterprise_id
    if enterprise_id is not None and enterprise_id != scope.enterprise_id:
        scope.deny("report", enterprise_id, "report of another enterprise")
        raise NotFound(f"enterprise '{enterprise_id}' not found")
    return scope.enterprise_id


def report_data(
    scope: Scope, park_id: str, year: int, *, enterprise_id: str | None = None, run_id: int | None = None
) -> ReportData:
    """The data of the park's report (or of one enterprise's) for ``year``, inside ``scope``.

    The report is built on the latest run of each method; ``run_id`` builds it on that run
    instead (a run of the same view and year, e.g. the one ``zeropark account`` just made).

    Raises
    ------
    NotFound
        The park or enterprise is unknown or outside the scope (audited).
    """
    scope.check_park(park_id)
    view = _view(scope, enterprise_id)
    park = repo.get_park(scope.engine, park_id)
    enterprise = None
    if view is not None:
        scope.check("enterprise", view, park_id=park_id, enterprise_id=view)
        enterprise = repo.get_enterprise(scope.engine, view)
        if enterprise.park_id != park_id:
            raise NotFound(f"enterprise '{view}' not found in park '{park_id}'")
    everyone = repo.list_enterprises(scope.engine, park_id)
    visible = tuple(e for e in everyone if view is None or e.id == view)
    national = latest_view(scope, park_id, year, Method.NATIONAL, enterprise_id=view)
    ghg = latest_view(scope, park_id, year, Method.GHG, enterprise_id=view)
    if run_id is not None:
        chosen = view_of_run(scope, run_id)
        if (chosen.summary.park_id, chosen.summary.year, chosen.summary.enterprise_id) != (
            park_id,
            year,
            view,
        ):
            raise NotFound(f"inventory run {run_id} is not a run of this report's view ({park_id}, {year})")
        if chosen.summary.method is Method.NATIONAL:
            national = chosen
        else:
            ghg = chosen
    basis = national or ghg
    factor_set = (
        None
        if basis is None
        else resolve_factor_set(scope.engine, basis.summary.factor_set, basis.summary.factor_set_version)
    )
    return ReportData(
        park=park,
        year=year,
        enterprise=enterprise,
        enterprises=visible,
        zones=tuple(repo.list_zones(scope.engine, park_id)),
        national=national,
        ghg=ghg,
        quality=data_quality(scope, park_id, year, enterprise_id=view),
        factor_set=factor_set,
        previous=latest_view(scope, park_id, year - 1, Method.NATIONAL, enterprise_id=view),
        measures=_measures(scope, park_id, national.inventory if national else None, view is None),
        evaluations=_evaluations(scope, park_id, year, view),
        benchmarks=_benchmarks(scope, park_id, year, view),
        admissions=tuple(r.to_dict() for r in admission.page_assessments(scope, park_id))
        if view is None
        else (),
        roadmap=None if national is None else roadmap_chapter(scope, park_id, year, enterprise_id=view),
        verification=None if national is None else verification.signed_statement(scope, national.run_id),
        footprints=_footprints(scope, park_id, year, view),
        assets=assets.balances_dict(scope, park_id),  # carbon asset ledger (#17)
        symbiosis=_symbiosis_chapter(scope, park_id, year, view),  # industrial symbiosis (#18)
        asset_chapter=asset_chapter(scope, park_id, year) if view is None else None,
    )


def _symbiosis_chapter(scope: Scope, park_id: str, year: int, view: str | None) -> SymbiosisChapter | None:
    """The symbiosis chapter of the park's report (an enterprise's report has none): registry and meters.

    The water reuse rate's fresh intake is the park's metered water inflow of the year (the water
    Sankey's, :func:`zeropark.services.metabolism.metabolism`); without water meter data it stays
    missing (or declared).
    """
    if view is not None:
        return None
    try:
        fresh: float | None = metabolism.metabolism(scope, park_id, year, FlowKind.WATER).inventory_total
    except NotFound:  # NoWaterData: no water meter with readings in the year
        fresh = None
    return symbiosis.report_chapter(scope, park_id, year, fresh)


def _evaluations(scope: Scope, park_id: str, year: int, view: str | None) -> tuple[ReportEvaluation, ...]:
    """The latest evaluation run of the view and year per framework (evaluation slice)."""
    out: dict[str, ReportEvaluation] = {}
    for r in evaluation.list_runs(scope, park_id, year=year, enterprise_id=view):
        if r.enterprise_id != view or r.framework_code in out:
            continue
        try:
            f = evaluation.get_framework(scope, park_id, r.framework_code, r.framework_version)
            names = (f.name_zh, f.name_en)
        except NotFound:
            names = (r.framework_code, r.framework_code)
        out[r.framework_code] = ReportEvaluation(
            r.id, r.inventory_run_id, r.framework_code, r.framework_version, *names, r.scorecard
        )
    return tuple(out.values())


def _benchmarks(scope: Scope, park_id: str, year: int, view: str | None) -> dict[str, Any] | None:
    """The year's benchmarks for the report's annex (an enterprise's report: its own row only)."""
    try:
        found = benchmarks.benchmarks(scope, park_id, year).to_dict()
    except NotFound:
        return None
    if view is not None:
        found = {
            **found,
            "park": None,
            "parks": [],
            "enterprises": [e for e in found["enterprises"] if e["id"] == view],
            "products": [p for p in found["products"] if p["enterprise_id"] == view],
        }
    return found


#: Optimisation run modes as a report names them (中文, English).
OPTIMISATION_MODES: dict[str, tuple[str, str]] = {
    "dispatch": ("运行优化调度", "dispatch"),
    "size": ("光伏储能容量配置", "PV and storage sizing"),
    "demand_response": ("需求响应", "demand response"),
}


def _measures(scope: Scope, park_id: str, inv: Inventory | None, park_view: bool) -> tuple[Measure, ...]:
    """The reduction measures the data show: green power claimed, on-site renewables, optimisation runs.

    Green power and self-consumed on-site generation avoid grid purchases: MWh × the factor the run
    applied to purchased electricity [tCO2/MWh]. An optimisation run (park reports only) is shown
    with its result as computed (sizes, emissions, clean share), the latest of each mode.
    """
    out: list[Measure] = []
    if inv is not None:
        ef = next(
            (
                f.value
                for li in inv.lines
                if li.category is Category.PURCHASED_ELECTRICITY
                for f in li.factors
                if f.symbol == "EF"
            ),
            None,
        )
        for li in inv.lines:
            if li.category is Category.GREEN_POWER and li.activity > 0:
                mwh = li.activity / 1000.0
                name = li.formula.split(":", 1)[0]
                out.append(Measure("绿色电力", "green power", name, mwh, None if ef is None else mwh * ef))
        onsite = sum(li.activity for li in inv.lines if li.category is Category.ONSITE_RENEWABLE) / 1000.0
        if onsite > 0:
            out.append(
                Measure(
                    "园区可再生能源（自发自用）",
                    "on-site renewables (self-consumed)",
                    "",
                    onsite,
                    None if ef is None else onsite * ef,
                )
            )
    if park_view:
        latest: dict[str, optimization.RunSummary] = {}
        try:
            runs = optimization.list_runs(scope, park_id)
        except PermissionDenied:  # a role that may not read optimisation runs: none listed
            runs = []
        for run in runs:
            if run.status != "infeasible" and run.mode not in latest:
                latest[run.mode] = run
        for mode, run in sorted(latest.items()):
            parts = [f"#{run.id}"]
            if run.sizes:  # {"pv": {"added": kW, "unit": "kW", ...}, ...}
                parts.append(
                    ", ".join(
                        f"{k} +{sig(v.get('added'), 6)} {v.get('unit', '')}".strip()
                        if isinstance(v, dict)
                        else f"{k} {sig(v, 6)}"
                        for k, v in run.sizes.items()
                    )
                )
            if run.emissions_tco2:
                parts.append(", ".join(f"{k} {sig(v, 6)} tCO2" for k, v in run.emissions_tco2.items()))
            if run.clean_share is not None:
                parts.append(f"clean {pct(run.clean_share)} %")
            zh, en = OPTIMISATION_MODES.get(mode, (mode, mode))
            out.append(Measure(f"优化方案：{zh}", f"optimisation: {en}", "; ".join(parts), None, None))
    return tuple(out)


def render(
    data: ReportData, kind: ReportKind, *, method: Method = Method.NATIONAL, lang: str = "zh"
) -> bytes:
    """The report file of ``data``: the PDF (national run; GHG beside it) or the workbook of ``method``.

    Raises
    ------
    NotFound
        No run of the method the file is built on.
    """
    if kind is ReportKind.PDF:
        data.run(Method.NATIONAL)
        return pdf.render_annual_report(data, lang=lang)
    if kind is ReportKind.FORM_205_1:
        raise ValueError("the 205-1 form is built by form_205_1_sheets(), not from ReportData")
    view = data.run(method)
    return excel.inventory_workbook_bytes(
        view.inventory,
        park_name=data.park.name,
        indicators=view.indicators,
        factor_set=data.factor_set,
        enterprise_names=data.enterprise_names,
        zone_names={z.id: z.name for z in data.zones},
        data_quality=data.quality,
        enterprises=data.enterprises,
        evaluations=data.evaluations if method is Method.NATIONAL else (),
        benchmarks=data.benchmarks if method is Method.NATIONAL else None,
        roadmap=chapter_view(data.roadmap, lang),
        footprints=data.footprints,
        assets=data.assets,
        symbiosis=None if data.symbiosis is None else chapter_rows(data.symbiosis, lang),
    )


def create_report(
    scope: Scope,
    park_id: str,
    year: int,
    kind: ReportKind,
    *,
    method: Method = Method.NATIONAL,
    lang: str = "zh",
    enterprise_id: str | None = None,
    account_with: str | None = None,
) -> ReportFile:
    """Render the report and keep it (a ``report`` row, audited): the one path of every door.

    ``account_with`` (a factor set ``NAME[@VERSION]``): an enterprise's report whose enterprise has
    no run of the report's method for the year accounts its own view first with default options
    (:func:`zeropark.services.inventory.account_year`). A park report is never accounted here.

    Raises
    ------
    NotFound
        Park or enterprise unknown or outside the scope, or no run to build the report on.
    PermissionDenied
        A role that may not generate reports (verifier, device: they download stored ones).
    """
    if scope.user.role not in (Role.ADMIN, Role.PARK_MANAGER, Role.ENTERPRISE):
        scope.deny("report", f"{park_id}/{year}", f"role '{scope.user.role}' may not generate reports")
        raise PermissionDenied(
            f"role '{scope.user.role}' may not generate reports; download a generated one instead"
        )
    data = report_data(scope, park_id, year, enterprise_id=enterprise_id)
    if kind is ReportKind.FORM_205_1:
        method = Method.NATIONAL
    needed = Method.NATIONAL if kind in (ReportKind.PDF, ReportKind.FORM_205_1) else method
    missing = (data.national if needed is Method.NATIONAL else data.ghg) is None
    if missing and data.enterprise is not None and account_with is not None:
        account_year(
            scope,
            park_id,
            year,
            AccountingOptions(method=needed),
            account_with,
            enterprise_id=data.enterprise.id,
        )
        data = report_data(scope, park_id, year, enterprise_id=enterprise_id)
    run = data.run(Method.NATIONAL if kind is ReportKind.PDF else method)
    owner = park_id if data.enterprise is None else f"{park_id}-{data.enterprise.id}"
    if kind is ReportKind.FORM_205_1:
        content = form_205_1_bytes(scope, data)
        file_name = f"{owner}-{year}-205-1.xlsx"
    else:
        content = render(data, kind, method=method, lang=lang)
        file_name = (
            f"{owner}-{year}-carbon-report-{lang}.pdf"
            if kind is ReportKind.PDF
            else f"{owner}-{year}-inventory-{method.value}.xlsx"
        )
    with transaction(scope.engine) as session:
        row = ReportRow(
            park_id=park_id,
            enterprise_id=None if data.enterprise is None else data.enterprise.id,
            inventory_run_id=run.run_id,
            kind=kind.value,
            file_name=file_name,
            content=content,
            created_at=datetime.now(UTC),
        )
        session.add(row)
        session.flush()
        scope.audit(
            session,
            audit.CREATE,
            "report",
            str(row.id),
            after=audit.row_snapshot(row) | {"bytes": len(content)},
        )
        report_id = int(row.id)
        ledger.record(session, "evidence", str(report_id))  # evidence ledger (#16)
    return ReportFile(report_id, file_name, MEDIA_TYPES[kind], content, run.run_id)


def list_reports(
    scope: Scope,
    park_id: str,
    *,
    kind: ReportKind | None = None,
    enterprise_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ReportRow], int]:
    """Reports generated for the park, newest first (an enterprise user: its own only), one page."""
    scope.check_park(park_id)
    stmt = scope.filter(
        select(ReportRow).where(ReportRow.park_id == park_id),
        park_col=ReportRow.park_id,
        enterprise_col=ReportRow.enterprise_id,
    )
    if kind is not None:
        stmt = stmt.where(ReportRow.kind == kind.value)
    if enterprise_id is not None:
        stmt = stmt.where(ReportRow.enterprise_id == enterprise_id)
    with session_factory(scope.engine)() as session:
        total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
        page = stmt.order_by(ReportRow.created_at.desc(), ReportRow.id.desc()).limit(limit).offset(offset)
        rows = list(session.scalars(page))
        session.expunge_all()
    return rows, total


def stored_report(scope: Scope, report_id: int) -> ReportRow:
    """One generated report with its content, inside ``scope`` (NotFound otherwise, audited)."""
    with session_factory(scope.engine)() as session:
        row = session.get(ReportRow, report_id)
        if row is not None:
            session.expunge(row)
    if row is None:
        raise NotFound(f"report {report_id} not found")
    scope.check("report", str(report_id), park_id=row.park_id, enterprise_id=row.enterprise_id)
    check_evidence(scope.engine, "evidence", str(report_id), row.content)  # EvidenceChanged (#16)
    return row


def form_205_1_bytes(scope: Scope, data: ReportData) -> bytes:
    """The 205-1 workbook of ``data``'s park (every enterprise) or enterprise (its own sheet)."""
    return form_205_1.workbook_bytes(form_205_1_sheets(scope, data))


def form_205_1_sheets(scope: Scope, data: ReportData) -> list[form_205_1.FormSheet]:
    """The 205-1 form of each enterprise of the report, from its own view of the national run.

    A park report takes every enterprise run stored with the park run (as ``scope`` may see them);
    an enterprise report takes the enterprise's own run. Public facilities file no 205-1.
    """
    view = data.run(Method.NATIONAL)
    if data.enterprise is not None:
        views = [view]
    else:
        views = [view_of_run(scope, c.id) for c in enterprise_runs(scope, view.run_id)]
    by_id = {e.id: e for e in data.enterprises}
    sheets = []
    for v in views:
        ent = by_id.get(v.summary.enterprise_id or "")
        if ent is None or ent.is_public_facility:
            continue
        sheets.append(
            form_205_1.FormSheet(
                enterprise_id=ent.id,
                name=ent.name,
                uscc=ent.uscc,
                year=data.year,
                rows=tuple(form_rows(v.inventory.lines)),
                run_id=v.run_id,
                fingerprint=v.summary.input_fingerprint,
            )
        )
    return sorted(sheets, key=lambda f: f.enterprise_id)


# --- product carbon footprint (#16) ---------------------------------------------------------------


def _footprints(scope: Scope, park_id: str, year: int, view: str | None) -> tuple[dict[str, Any], ...]:
    """The year's footprint of each visible product of the view that can be computed (others left out)."""
    out: list[dict[str, Any]] = []
    for p in footprint.list_products(scope, park_id, enterprise_id=view):
        try:
            out.append(footprint.compute(scope, park_id, p.id, year=year).to_dict())
        except (DataError, NotFound):
            continue
    return tuple(out)
