"""The 申报书 outline (国家级零碳园区申报书大纲) as Word (python-docx) and PDF (WeasyPrint).

One outline (:func:`outline`) — sections of paragraphs and tables, every figure followed by a
reference ``[n]`` into the sources table — is built from
:class:`~zeropark.reports.application_data.ApplicationData` and written twice: :func:`render_docx`
and :func:`render_pdf` (the shipped Noto Sans SC font, :mod:`zeropark.reports.fonts`), so the two
files show the same figures as the 申报 page, the API and the CLI.

Sections: 一 park profile; 二 energy and carbon status; 三 indicators with their gaps; 四 gap tasks
and measures; 五 roadmap reference (carbon productivity from the base year); 六 the evidence list
(name, SHA-256, links); 七 commitments and the signature line; 附 the sources of the figures (run
id, input fingerprint, factor set, line items, framework item, threshold source).

[UNCERTAIN] The text of the outline itself (发改环资〔2025〕910号 附件2《国家级零碳园区申报书大纲》) was
not obtained; the sections are a reconstruction from the project's references (ACCOUNTING.md §1)
and every file says so on its first page (:data:`UNCERTAIN`).
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from zeropark.formatting import local_time, num
from zeropark.i18n import code_label, translate
from zeropark.reports.application_data import ApplicationData, DiagnosisItem, FigureSource
from zeropark.reports.fonts import FAMILY, font_face_css

#: The first year of the programme's accounting (基准年, ACCOUNTING.md §1).
BASE_YEAR = 2025
#: What every deliverable states as not confirmed.
UNCERTAIN: tuple[str, ...] = ("app_doc_uncertain",)
#: Line-item ids listed in the sources table per figure (the rest counted).
LINE_ITEMS_SHOWN = 5


def value_text(value: float | None, unit: str) -> str:
    """A figure as the deliverables print it: % with 1 decimal, tCO2/tce and ratios with 3, else 1."""
    if value is None:
        return "—"
    if unit == "%":
        return num(value, 1)
    if unit in ("tCO2/tce", "actual/limit", "10⁴ CNY/tCO2"):
        return num(value, 3)
    return num(value, 1)


@dataclass(slots=True)
class Table:
    """A table of the outline: header and rows of text."""

    header: list[str]
    rows: list[list[str]]


@dataclass(slots=True)
class Section:
    """A section: heading, paragraphs, tables (in that order)."""

    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass(slots=True)
class Outline:
    """The outline: title lines, the uncertainty notes, sections, the sources table."""

    title: str
    subtitle: list[str]
    notes: list[str]
    sections: list[Section]
    sources: Table


class _Refs:
    """Numbers each cited source once; ``cite`` returns ``[n]``."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.rows: list[list[str]] = []
        self._seen: dict[tuple[str, str], int] = {}

    def cite(self, figure: str, src: FigureSource) -> str:
        key = (figure, src.item)
        if key not in self._seen:
            n = len(self.rows) + 1
            self._seen[key] = n
            shown = ", ".join(src.line_items[:LINE_ITEMS_SHOWN])
            more = len(src.line_items) - LINE_ITEMS_SHOWN
            lines = (
                translate("app_line_items_n", self.lang, n=len(src.line_items))
                + (f": {shown}" if shown else "")
                + (f" … (+{more})" if more > 0 else "")
                if src.line_items
                else "—"
            )
            self.rows.append(
                [
                    f"[{n}]",
                    figure,
                    "—" if src.run_id is None else f"#{src.run_id}",
                    src.input_fingerprint or "—",
                    src.factor_set or "—",
                    lines,
                    src.data or "—",
                    f"{src.framework} · {src.item}",
                    src.threshold_source or "—",
                ]
            )
        return f"[{self._seen[key]}]"


def _label(item: DiagnosisItem, lang: str) -> str:
    label = item.label_en if lang == "en" else item.label_zh
    return f"{label} ({code_label('unit', item.unit, lang)})" if item.unit else label


def outline(data: ApplicationData, *, lang: str = "zh") -> Outline:
    """The sections and tables of the 申报书 outline of ``data`` (text in ``lang``)."""

    def t(key: str, **params: object) -> str:
        return translate(key, lang, **params)

    refs = _Refs(lang)
    d = data.diagnosis
    park = data.park
    core = d.item("core_intensity")
    run_src = FigureSource(
        framework=core.source.framework,
        item="inventory_total",
        run_id=d.run_id,
        input_fingerprint=d.input_fingerprint,
        factor_set=d.factor_set,
        line_items=core.source.line_items,
    )
    subtitle = [f"{park.name} · {data.year}"]
    if park.is_demo:
        subtitle.append(t("app_demo"))
    subtitle.append(
        t("app_approval_text", n=data.approved_enterprises, m=data.enterprise_count, run=d.run_id)
        + (
            t("app_period_closed", when=local_time(data.period_closed_at))
            if data.period_closed_at is not None
            else ""
        )
    )
    if data.exceptions:
        subtitle.append(t("app_exceptions") + "; ".join(f"{e} ({why})" for e, why in data.exceptions))
    subtitle.append(
        t("app_signed_off", who=d.signed_off_by, when=local_time(d.signed_off_at))
        if d.signed_off_at is not None
        else t("app_not_signed_off")
    )
    subtitle.append(f"{t('app_generated')}: {local_time(datetime.now(UTC))} (UTC+8)")
    profile = Section(
        t("app_sec_profile"),
        tables=[
            Table(
                [t("app_figure"), t("app_value")],
                [
                    [t("app_park_name"), park.name],
                    [t("app_province"), park.province],
                    [t("app_grid_region"), park.grid_region],
                    [
                        t("app_enterprise_count"),
                        str(len([e for e in data.enterprises if not e.is_public_facility])),
                    ],
                    [t("app_size_band"), d.size_band_en if lang == "en" else d.size_band_zh],
                ],
            )
        ],
        paragraphs=[t("app_basic_conditions_source")],
    )
    status_rows = [
        [t("app_energy_tce"), num(data.energy_tce, 1), refs.cite(t("app_energy_tce"), run_src)],
        [t("app_total_tco2"), num(data.total_tco2, 1), refs.cite(t("app_total_tco2"), run_src)],
        [t("app_core_value"), value_text(core.value, core.unit), refs.cite(_label(core, lang), core.source)],
    ]
    if data.clean_share_pct is not None:
        clean = d.item("clean_energy_share")
        status_rows.append(
            [t("app_clean_share"), num(data.clean_share_pct, 1), refs.cite(_label(clean, lang), clean.source)]
        )
    status = Section(
        t("app_sec_status"), tables=[Table([t("app_figure"), t("app_value"), t("app_source")], status_rows)]
    )
    ind_rows = []
    for it in d.items:
        target = "—" if it.target is None or it.comparison is None else f"{it.comparison}\u00a0{it.target:g}"
        note = "、".join(it.missing) if it.missing else (it.note_en if lang == "en" else it.note_zh)
        ind_rows.append(
            [
                _label(it, lang),
                value_text(it.value, it.unit),
                target,
                value_text(it.gap, it.unit),
                code_label("ind_status", it.status, lang),
                note,
                refs.cite(_label(it, lang), it.source),
            ]
        )
    indicators = Section(
        t("app_sec_indicators"),
        paragraphs=[t("app_veto")] if d.veto else [],
        tables=[
            Table(
                [
                    t("app_item"),
                    t("app_value"),
                    t("app_target"),
                    t("app_gap"),
                    t("app_status"),
                    t("app_note"),
                    t("app_source"),
                ],
                ind_rows,
            )
        ],
    )
    tasks = Section(
        t("app_sec_tasks"),
        paragraphs=[] if data.tasks else [t("app_no_tasks")],
        tables=[
            Table(
                [
                    "#",
                    t("app_item"),
                    t("app_task_title"),
                    t("app_owner"),
                    t("app_due_date"),
                    t("app_measure"),
                    t("app_evidence_required"),
                    t("app_status"),
                ],
                [
                    [
                        str(task.id),
                        task.item_code,
                        task.title,
                        " / ".join(x for x in (task.owner_user, task.owner_enterprise_id) if x),
                        task.due_date.isoformat() + (f" ({t('app_overdue')})" if task.overdue else ""),
                        task.measure_ref or "—",
                        task.evidence_required or "—",
                        code_label("task_status", task.status, lang),
                    ]
                    for task in data.tasks
                ],
            )
        ]
        if data.tasks
        else [],
    )
    road_rows = [
        [
            str(p.year),
            value_text(p.carbon_productivity, "10⁴ CNY/tCO2"),
            "—" if p.run_id is None else f"#{p.run_id}",
            p.note or "",
        ]
        for p in data.roadmap
    ]
    roadmap = Section(
        t("app_sec_roadmap"),
        paragraphs=[data.roadmap_note] if data.roadmap_note else [],
        tables=[Table([t("app_year"), t("app_carbon_productivity"), t("app_run"), t("app_note")], road_rows)]
        if road_rows
        else [],
    )
    evidence = Section(
        t("app_sec_evidence"),
        paragraphs=[] if data.documents else [t("app_no_documents")],
        tables=[
            Table(
                ["#", t("app_document"), t("app_media_type"), t("app_size"), t("app_sha256"), t("app_links")],
                [
                    [
                        str(doc.id),
                        doc.file_name,
                        doc.media_type,
                        str(doc.size),
                        doc.sha256,
                        "; ".join(
                            f"task #{lk.task_id}"
                            if lk.task_id is not None
                            else f"run #{lk.run_id} · {lk.line_item_id}"
                            for lk in doc.links
                        )
                        or "—",
                    ]
                    for doc in data.documents
                ],
            )
        ]
        if data.documents
        else [],
    )
    commitment = Section(t("app_sec_commitment"), paragraphs=[t("app_commitment_text"), t("app_signature")])
    sources = Table(
        [
            "",
            t("app_figure"),
            t("app_run"),
            t("app_fingerprint"),
            t("app_factor_set"),
            t("app_line_items"),
            t("app_reported_data"),
            t("app_framework_item"),
            t("app_threshold_source"),
        ],
        refs.rows,
    )
    return Outline(
        title=t("app_doc_title"),
        subtitle=subtitle,
        notes=[t(k) for k in data.uncertain],
        sections=[profile, status, indicators, tasks, roadmap, evidence, commitment],
        sources=sources,
    )


def render_docx(data: ApplicationData, *, lang: str = "zh") -> bytes:
    """The outline as a Word document (.docx bytes), East Asian text in Noto Sans SC."""
    o = outline(data, lang=lang)
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FAMILY
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FAMILY)
    heading = doc.add_heading(o.title, level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in o.subtitle:
        doc.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for note in o.notes:
        doc.add_paragraph(note)
    for sec in o.sections:
        doc.add_heading(sec.heading, level=1)
        for p in sec.paragraphs:
            doc.add_paragraph(p)
        for table in sec.tables:
            _docx_table(doc, table)
    doc.add_heading(translate("app_sec_sources", lang), level=1)
    _docx_table(doc, o.sources)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _docx_table(doc: object, table: Table) -> None:
    t = doc.add_table(rows=1, cols=len(table.header))  # type: ignore[attr-defined]
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, table.header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in table.rows:
        cells = t.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text


_CSS = """
@page { size: A4; margin: 18mm 15mm; @bottom-center { content: counter(page); font-size: 8pt; } }
body { font-family: '%s'; font-size: 9.5pt; line-height: 1.45; }
h1 { text-align: center; font-size: 17pt; margin-bottom: 4pt; }
h2 { font-size: 12.5pt; margin-top: 14pt; border-bottom: 1px solid #999; }
p.sub { text-align: center; margin: 2pt 0; }
p.note { color: #8a4b00; font-size: 8.5pt; }
table { border-collapse: collapse; width: 100%%; margin: 4pt 0; }
th, td { border: 1px solid #888; padding: 2pt 3pt; font-size: 8pt; vertical-align: top;
         overflow-wrap: break-word; }
table.sources td { word-break: break-all; font-size: 7pt; }
th { background: #eef2f5; }
"""


def _html_table(table: Table, cls: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in table.rows
    )
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def render_pdf(data: ApplicationData, *, lang: str = "zh") -> bytes:
    """The outline as PDF bytes (WeasyPrint, the shipped Noto Sans SC embedded).

    Raises
    ------
    SetupError
        The report font is not installed (``make assets``).
    """
    font_face_css()  # fail before any work when the font is missing
    o = outline(data, lang=lang)
    parts = [f"<h1>{html.escape(o.title)}</h1>"]
    parts += [f'<p class="sub">{html.escape(s)}</p>' for s in o.subtitle]
    parts += [f'<p class="note">{html.escape(n)}</p>' for n in o.notes]
    for sec in o.sections:
        parts.append(f"<h2>{html.escape(sec.heading)}</h2>")
        parts += [f"<p>{html.escape(p)}</p>" for p in sec.paragraphs]
        parts += [_html_table(tb) for tb in sec.tables]
    parts.append(f"<h2>{html.escape(translate('app_sec_sources', lang))}</h2>")
    parts.append(_html_table(o.sources, "sources"))
    head = f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"></head>'
    doc = f"{head}<body>{''.join(parts)}</body></html>"
    font_config = FontConfiguration()
    css = [
        CSS(string=font_face_css(), font_config=font_config),
        CSS(string=_CSS % FAMILY, font_config=font_config),
    ]
    pdf: bytes = HTML(string=doc).write_pdf(stylesheets=css, font_config=font_config)
    return pdf
