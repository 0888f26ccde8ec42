"""Annual park carbon report as PDF (年度园区碳排放报告): HTML + CSS rendered by WeasyPrint.

Sections, as a reviewer of an application reads them: cover (park, year, 示例数据 for a demo
park, time of issue in Beijing time); 一 summary with the core indicator and its pass/fail against
the limit of 发改环资〔2025〕910号; 二 park profile and boundary (location, zones, the enterprise list
with USCC and GB/T 4754 industry); 三 both methods in one table by source (national, GHG
location- and market-based, never added); 四 emissions by enterprise (consumption basis, stated)
and by carrier; 五 year-on-year against the year before (or why there is none); 六 the indicator
table; 七 reduction measures found in the data (green power, on-site renewables, optimisation runs)
and the roadmap's status; 八 the statement of method options; 九 the factor sources with their
confidence in words; 十 data sources and the data-quality statement; 十一 verification status and
provenance (input fingerprint, factor set version, code version, sign-off); 十二 the commitment
and signature page. Charts are drawn server-side
(:mod:`zeropark.reports.charts`); the font is the project's own Noto Sans SC
(:mod:`zeropark.reports.fonts`, embedded in the PDF), so Chinese text is real, extractable text on
any machine, and a missing font stops the report with a :class:`~zeropark.errors.SetupError`.

Everything shown comes from :class:`~zeropark.reports.data.ReportData`, gathered inside the
user's scope by :mod:`zeropark.services.reporting` — the figures of the pages and the API.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from zeropark import __version__
from zeropark.accounting import CONSUMER_BASIS_EN, CONSUMER_BASIS_ZH, Inventory
from zeropark.formatting import IndicatorDisplay, indicator_display, local_time, num, register_filters
from zeropark.i18n import carrier_label, party_label, translate, translator
from zeropark.indicators import IndicatorKind
from zeropark.industry import industry_label
from zeropark.model import Method
from zeropark.reports import charts
from zeropark.reports.data import ReportData
from zeropark.reports.fonts import FAMILY, font_face_css
from zeropark.reports.roadmap import chapter_view
from zeropark.reports.symbiosis_chapter import chapter_rows

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
_ENV = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=select_autoescape(["html"]))
register_filters(_ENV)


#: The first year of the zero-carbon park programme's accounting (基准年, ACCOUNTING.md §1).
BASE_YEAR = 2025


def _methods_table(data: ReportData, lang: str) -> list[dict[str, Any]]:
    """One table of both methods by source category: national [tCO2], GHG location and market [tCO2e].

    The GHG columns add the GHG run's lines of each category on each basis; the total row is each
    column's total (location and market never added together).
    """
    national = data.run(Method.NATIONAL).inventory
    ghg = data.ghg.inventory if data.ghg is not None else None
    location: dict[str, float] = {}
    market: dict[str, float] = {}
    if ghg is not None:
        for li in ghg.lines:
            key = li.category.value
            if li.basis is None or li.basis.value != "market":
                location[key] = location.get(key, 0.0) + li.emissions_tco2e
            if li.basis is None or li.basis.value != "location":
                market[key] = market.get(key, 0.0) + li.emissions_tco2e
    keys = list(national.by_source) + [k for k in (*location, *market) if k not in national.by_source]
    rows = [
        {
            "label": translate(k, lang),
            "national": national.by_source.get(k),
            "location": location.get(k) if ghg is not None else None,
            "market": market.get(k) if ghg is not None else None,
            "total": False,
        }
        for k in dict.fromkeys(keys)
    ]
    rows.append(
        {
            "label": translate("total", lang),
            "national": national.total_tco2e,
            "location": None if ghg is None else ghg.total_tco2e,
            "market": None if ghg is None else ghg.total_market_tco2e,
            "total": True,
        }
    )
    return rows


def _yoy(data: ReportData, lang: str) -> list[dict[str, Any]]:
    """The year against the year before: total, energy, core indicator, clean share (empty if none)."""
    if data.previous is None:
        return []
    now, before = data.run(Method.NATIONAL).inventory, data.previous.inventory
    items = (
        ("total_emissions_tco2", now.total_tco2e, before.total_tco2e, 1.0, 1),
        ("energy_tce", now.energy_tce, before.energy_tce, 1.0, 1),
        ("core_indicator", now.intensity_tco2_per_tce, before.intensity_tco2_per_tce, 1.0, 3),
        ("rpt_clean_share", now.clean_energy_share, before.clean_energy_share, 100.0, 1),
    )
    rows = []
    for key, a, b, scale, decimals in items:
        label = translate(key, lang) + (" (tCO2/tce)" if key == "core_indicator" else "")
        change = None if a is None or b is None else (a - b) * scale
        rel = None if a is None or not b else 100.0 * (a - b) / b
        rows.append(
            {
                "label": label,
                "before": None if b is None else b * scale,
                "now": None if a is None else a * scale,
                "change": change,
                "change_pct": rel,
                "decimals": decimals,
            }
        )
    return rows


def _enterprise_rows(data: ReportData) -> list[dict[str, str]]:
    zones = {z.id: z.name for z in data.zones}
    return [
        {
            "name": e.name,
            "uscc": e.uscc or "—",
            "industry": industry_label(e.industry_code),
            "zone": zones.get(e.zone_id or "", e.zone_id or "—"),
            "public": "public" if e.is_public_facility else "",
        }
        for e in sorted(data.enterprises, key=lambda e: (e.is_public_facility, e.id))
    ]


def _zone_rows(data: ReportData) -> list[dict[str, Any]]:
    return [
        {"id": z.id, "name": z.name, "n": sum(1 for e in data.enterprises if e.zone_id == z.id)}
        for z in sorted(data.zones, key=lambda z: z.id)
    ]


def _grid_factor(inv: Inventory) -> float | None:
    """The factor the run applied to purchased electricity [tCO2/MWh], if it bought any."""
    return next(
        (
            f.value
            for li in inv.lines
            if li.category.value == "purchased_electricity"
            for f in li.factors
            if f.symbol == "EF"
        ),
        None,
    )


def _factor_sources(invs: list[Inventory]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for inv in invs:
        for li in inv.lines:
            for f in li.factors:
                if f.id and f.id not in seen:
                    seen[f.id] = {
                        "id": f.id,
                        "symbol": f.symbol,
                        "value": f.value,
                        "unit": f.unit,
                        "source": f.source,
                        "confidence": f.confidence,
                        "confidence_key": f"confidence_{f.confidence}",
                    }
    return sorted(seen.values(), key=lambda d: str(d["id"]))


def _indicator_rows(data: ReportData, lang: str) -> tuple[IndicatorDisplay | None, list[IndicatorDisplay]]:
    """(core row, other rows) of the stored indicator table of the national run."""
    table = data.run(Method.NATIONAL).indicators
    if table is None:
        return None, []
    rows = [indicator_display(r, lang) for r in table.rows]
    cores = [d for r, d in zip(table.rows, rows, strict=True) if r.kind is IndicatorKind.CORE]
    core = cores[0] if cores else None
    return core, [d for d in rows if d is not core]


def render_annual_report(data: ReportData, *, lang: str = "zh") -> bytes:
    """The annual carbon report of ``data`` (the park's, or one enterprise's) as PDF bytes.

    Raises
    ------
    NotFound
        The view has no national-method run for the year.
    SetupError
        The report font is not installed (``make assets``).
    """
    font_face_css()  # fail before any work when the font is missing
    t = translator(lang)
    national = data.run(Method.NATIONAL)
    inv = national.inventory
    names = data.enterprise_names
    core, guiding = _indicator_rows(data, lang)
    value = inv.intensity_tco2_per_tce
    value_text = num(value, 3)
    limit = None if core is None else core.threshold
    verdict = "not_assessed" if core is None else core.verdict
    enterprise_name = None if data.enterprise is None else data.enterprise.name
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
        return party_label(key, names, lang)

    shares = [(c.party, c.emissions_tco2e, c.energy_tce) for c in inv.consumers] or [
        (inv.enterprise_id or "park", inv.total_tco2e, inv.energy_tce)
    ]
    months = list(inv.by_month)
    top = sorted((s for s in shares if s[1] > 0), key=lambda s: -s[1])[:15]
    mix = [(carrier_label(c, lang), v) for c, v in inv.energy_by_carrier.items()]
    images = {
        "months": charts.monthly_bars_png(months, [inv.by_month[m] for m in months], ylabel="tCO2"),
        "enterprises": charts.horizontal_bars_png(
            [ent_label(k) for k, _, _ in top], [v for _, v, _ in top], xlabel="tCO2"
        )
        if top
        else "",
        "mix": charts.pie_png(mix),
    }
    roadmap = chapter_view(data.roadmap, lang)
    if roadmap is not None and roadmap.effects:
        assert roadmap.co2_from is not None and roadmap.co2_to is not None
        images["waterfall"] = charts.waterfall_png(
            (str(roadmap.year_from), roadmap.co2_from),
            roadmap.effects,
            (str(roadmap.year_to), roadmap.co2_to),
            ylabel="tCO2",
        )
    ghg = data.ghg
    html = _ENV.get_template("report_annual.html").render(
        t=t,
        lang=lang,
        park=data.park,
        enterprise_name=enterprise_name,
        year=data.year,
        national=national,
        inv=inv,
        ghg=ghg,
        value=value,
        limit=limit,
        verdict=verdict,
        verdict_text=verdict_text,
        ent_label=ent_label,
        shares=shares,
        consumer_basis=CONSUMER_BASIS_EN if lang == "en" else CONSUMER_BASIS_ZH,
        carrier_label=lambda c: carrier_label(c, lang),
        guiding=guiding,
        dq=data.quality,
        options_statement=inv.options_statement_en if lang == "en" else inv.options_statement_zh,
        factor_sources=_factor_sources([inv, *([ghg.inventory] if ghg else [])]),
        charts=images,
        font_family=FAMILY,
        methods_rows=_methods_table(data, lang),
        benchmarks=data.benchmarks,
        admissions=data.admissions,
        footprints=data.footprints,  # product carbon footprint (#16)
        yoy=_yoy(data, lang),
        previous_year=data.year - 1,
        base_year=BASE_YEAR,
        enterprise_rows=_enterprise_rows(data),
        zone_rows=_zone_rows(data),
        measures=data.measures,
        roadmap=roadmap,
        symbiosis=None if data.symbiosis is None else chapter_rows(data.symbiosis, lang),  # issue 18
        asset_chapter=data.asset_chapter,  # carbon assets (#17)
        evaluations=data.evaluations,
        verification=data.verification,  # verifier workspace (#16)
        grid_ef=_grid_factor(inv),
        signed_off_at=None
        if national.summary.signed_off_at is None
        else local_time(national.summary.signed_off_at, "%Y-%m-%d %H:%M"),
        generated=local_time(datetime.now(UTC), "%Y-%m-%d %H:%M") + f" ({t('rpt_beijing_time')}, UTC+8)",
        code_version=inv.code_version or __version__,
    )
    font_config = FontConfiguration()
    fonts = CSS(string=font_face_css(), font_config=font_config)
    pdf: bytes = HTML(string=html).write_pdf(stylesheets=[fonts], font_config=font_config)
    return pdf
