"""Annual park carbon report as PDF (年度园区碳排放报告): HTML + CSS rendered by WeasyPrint.

Sections: cover (park, year, 示例数据 for a demo park), summary with the core indicator and its
pass/fail against the limit of 发改环资〔2025〕910号, national method and GHG Protocol side by side,
emissions by enterprise (consumption basis, stated) and by source, the indicator table, the
statement of method options, the factor sources, data quality, and provenance (input fingerprint,
factor set version, code version, sign-off). Charts are drawn server-side
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
from zeropark.i18n import carrier_label, party_label, translator
from zeropark.indicators import IndicatorKind
from zeropark.model import Method
from zeropark.reports import charts
from zeropark.reports.data import ReportData
from zeropark.reports.fonts import FAMILY, font_face_css

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
_ENV = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=select_autoescape(["html"]))
register_filters(_ENV)


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
        generated=local_time(datetime.now(UTC), "%Y-%m-%d %H:%M") + " (UTC+8)",
        code_version=inv.code_version or __version__,
    )
    font_config = FontConfiguration()
    fonts = CSS(string=font_face_css(), font_config=font_config)
    pdf: bytes = HTML(string=html).write_pdf(stylesheets=[fonts], font_config=font_config)
    return pdf
