"""Annual park carbon report as PDF (年度园区碳排放报告): HTML + CSS rendered by WeasyPrint.

Sections: cover (park, year, 示例数据 for a demo park), summary with the core indicator and its
pass/fail against the limit of 发改环资〔2025〕910号, national method and GHG Protocol side by side,
emissions by enterprise and by source, the indicator table, the statement of method options, the
factor sources, data quality, and provenance (input fingerprint, factor set version, code version,
sign-off). Charts are drawn server-side (``zeropark.reports.charts``); fonts are Noto Sans CJK,
so Chinese text is real, extractable text in the PDF.

Callers: the Reports page (``GET /reports/annual.pdf``) and the API's reports router use
:func:`render_annual_report` with inventories already loaded inside the user's scope, or
:func:`annual_report_for_scope` to load them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from zeropark import __version__
from zeropark.i18n import carrier_label, translator
from zeropark.reports import charts
from zeropark.store.schema import ParkRow
from zeropark.web.context import templates
from zeropark.web.format import num
from zeropark.web.inventory_view import InventoryView


def _options_statement(inv: InventoryView, year: int, lang: str) -> str:
    stated = inv.result.get("options_statement_en" if lang == "en" else "options_statement_zh")
    if stated:
        return str(stated)
    try:
        from zeropark.accounting.options import AccountingOptions

        opts = AccountingOptions.from_dict(dict(inv.options))
        return opts.statement_en(year) if lang == "en" else opts.statement_zh(year)
    except Exception:  # noqa: BLE001 - options of another code version: list them as stored
        return "; ".join(f"{k} = {v}" for k, v in inv.options.items())


def _factor_sources(invs: Sequence[InventoryView]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for inv in invs:
        for li in inv.line_items:
            for f in li.factors:
                if f.id and f.id not in seen:
                    seen[f.id] = {
                        "id": f.id,
                        "symbol": f.symbol,
                        "value": f.value,
                        "unit": f.unit,
                        "source": f.source,
                        "confidence": f.confidence,
                    }
    return sorted(seen.values(), key=lambda d: str(d["id"]))


def _verdict(inv: InventoryView, lang: str) -> tuple[str, float | None]:
    from zeropark.web.views import core_indicator

    core = core_indicator(inv, lang)
    return core.verdict, core.limit


def render_annual_report(
    *,
    park: ParkRow,
    year: int,
    national: InventoryView,
    ghg: InventoryView | None = None,
    enterprise_names: Mapping[str, str] | None = None,
    guiding: Sequence[Any] = (),
    data_quality: Mapping[str, Any] | None = None,
    lang: str = "zh",
) -> bytes:
    """The annual carbon report of ``park`` for ``year`` as PDF bytes.

    Parameters
    ----------
    park : ParkRow
        The park (its ``is_demo`` flag puts 示例数据 on every page).
    year : int
        The reporting year (calendar year, local time).
    national, ghg : InventoryView
        The national-method inventory (core indicator) and, if available, the GHG Protocol one.
    enterprise_names : mapping
        Enterprise id → name for the tables (only enterprises the caller may see).
    guiding : sequence of GuidingRow
        The guiding indicators (``zeropark.web.views.guiding_indicators``).
    data_quality : mapping
        ``QualityView.summary``: score [0–100], completeness [0–1], counts.
    lang : str
        ``zh`` (default) or ``en``.

    Returns
    -------
    bytes
        The PDF document.
    """
    from weasyprint import HTML

    t = translator(lang)
    names = dict(enterprise_names or {})
    verdict, limit = _verdict(national, lang)
    value = national.core_indicator
    value_text = num(value, 3)
    enterprise_name = (
        names.get(national.enterprise_id, national.enterprise_id) if national.enterprise_id else None
    )
    if enterprise_name is not None:
        # the core-indicator limits are set for parks by size band, not for one enterprise
        verdict, limit = "not_assessed", None
        verdict_text = t("rpt_verdict_enterprise", value=value_text)
    elif verdict == "pass":
        verdict_text = t("rpt_verdict_pass", value=value_text, limit=limit)
    elif verdict == "fail":
        verdict_text = t("rpt_verdict_fail", value=value_text, limit=limit)
    else:
        verdict_text = t("rpt_verdict_none", value=value_text)

    def ent_label(key: str) -> str:
        return names.get(key, t("park_level") if key in ("park", "") else key)

    months = list(national.by_month)
    ents = [(k, v) for k, v in national.by_enterprise.items()][:15]
    mix = [(carrier_label(c, lang), v) for c, v in national.energy_by_carrier_tce.items()]
    images = {
        "months": charts.monthly_bars_png(months, [national.by_month[m] for m in months], ylabel="tCO2"),
        "enterprises": charts.horizontal_bars_png(
            [ent_label(k) for k, _ in ents], [v for _, v in ents], xlabel="tCO2"
        )
        if ents
        else "",
        "mix": charts.pie_png(mix),
    }
    energy_by_ent: dict[str, float] = defaultdict(float)
    for li in national.line_items:
        energy_by_ent[li.enterprise_id or "park"] += li.energy_tce
    html = templates.get_template("report_annual.html").render(
        t=t,
        lang=lang,
        park=park,
        enterprise_name=enterprise_name,
        year=year,
        national=national,
        ghg=ghg,
        value=value,
        limit=limit,
        verdict=verdict,
        verdict_text=verdict_text,
        ent_label=ent_label,
        energy_by_ent=energy_by_ent,
        carrier_label=lambda c: carrier_label(c, lang),
        guiding=guiding,
        dq=data_quality or {},
        options_statement=_options_statement(national, year, lang),
        factor_sources=_factor_sources([national, *([ghg] if ghg else [])]),
        charts=images,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        code_version=national.code_version or __version__,
    )
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def annual_report_for_scope(
    scope: Any, park_id: str, year: int, *, lang: str = "zh", enterprise_id: str | None = None
) -> bytes:
    """Load the inventories inside ``scope`` (a :class:`zeropark.api.auth.Scope`) and render the PDF.

    With ``enterprise_id`` (always the user's own for an enterprise user) the report is that
    enterprise's: its own inventory view, its meters' data quality, its name on the cover.

    Raises
    ------
    NotFound
        The park (or enterprise) is outside the scope, or it has no inventory for ``year``.
    """
    from zeropark.errors import NotFound
    from zeropark.store.db import session_factory
    from zeropark.web import views
    from zeropark.web.inventory_view import enterprise_names, load_inventory

    view_of = scope.enterprise_id if scope.is_enterprise else enterprise_id
    with session_factory(scope.engine)() as session:
        park = session.get(ParkRow, park_id)
    if park is None or not scope.sees(park_id=park_id, enterprise_id=scope.enterprise_id):
        raise NotFound(f"park '{park_id}' not found")
    national = load_inventory(scope, park_id, year, "national", enterprise_id=view_of)
    if national is None:
        raise NotFound(f"no inventory for park '{park_id}' in {year}; run `zeropark account` first")
    ghg = load_inventory(scope, park_id, year, "ghg", enterprise_id=view_of)
    names = enterprise_names(scope, park_id)
    if view_of is not None:
        names = {k: v for k, v in names.items() if k == view_of}
    return render_annual_report(
        park=park,
        year=year,
        national=national,
        ghg=ghg,
        enterprise_names=names,
        guiding=views.guiding_indicators(scope, park_id, year, national, lang),
        data_quality=views.quality(scope, park_id, year, enterprise_id=view_of).summary,
        lang=lang,
    )
