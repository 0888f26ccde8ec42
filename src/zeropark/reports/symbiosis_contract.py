"""产业共生交换协议 An exchange agreement (Word / PDF) generated from a realised exchange.

Parties, stream and quality grade, quantities per period and per year, price, metering point,
basis of the quantities (metered / declared) and the allocation rule of the avoided emissions
with each party's share. Drafted from the registry; the parties complete and sign it.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from zeropark.reports.fonts import FAMILY, font_face_css


@dataclass(frozen=True, slots=True)
class ContractData:
    """What the agreement states (all text already formatted)."""

    exchange_id: str
    supplier: str
    receiver: str
    rows: tuple[tuple[str, str], ...]  # (clause label, value)
    claims: tuple[tuple[str, str, str], ...]  # (party, role, tCO2/a)


TITLE = "产业共生交换协议（草案） Industrial symbiosis exchange agreement (draft)"
NOTE = (
    "本草案由零碳园区平台依据交换登记数据生成，双方核对后签署；数量以约定计量点读数为准。"
    " Drafted from the exchange registry; quantities are settled on the agreed metering point."
)


def render_docx(data: ContractData) -> bytes:
    """The agreement as .docx bytes (East Asian text in the report font)."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FAMILY
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FAMILY)
    doc.add_heading(TITLE, level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(f"编号 No. {data.exchange_id}").alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(NOTE)
    doc.add_heading("一、交换条款 Terms", level=1)
    _table(doc, ("条款 Clause", "内容 Value"), data.rows)
    doc.add_heading("二、减排量归属 Allocation of avoided emissions", level=1)
    _table(doc, ("一方 Party", "角色 Role", "减排量 tCO2/a"), data.claims)
    doc.add_heading("三、签署 Signatures", level=1)
    doc.add_paragraph(f"供方 Supplier：{data.supplier}　　　签字/盖章：＿＿＿＿　日期：＿＿＿＿")
    doc.add_paragraph(f"受方 Receiver：{data.receiver}　　　签字/盖章：＿＿＿＿　日期：＿＿＿＿")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _table(doc: object, header: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> None:
    t = doc.add_table(rows=1, cols=len(header))  # type: ignore[attr-defined]
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        for cell, text in zip(t.add_row().cells, row, strict=True):
            cell.text = text


_CSS = """
@page { size: A4; margin: 20mm 18mm; }
body { font-family: '%s'; font-size: 10pt; line-height: 1.5; }
h1 { text-align: center; font-size: 15pt; } h2 { font-size: 12pt; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%%; } th, td { border: 1px solid #888; padding: 3pt; }
th { background: #eef2f5; } p.c { text-align: center; }
"""


def _html_table(header: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_pdf(data: ContractData) -> bytes:
    """The agreement as PDF bytes (WeasyPrint with the shipped CJK font).

    Raises
    ------
    SetupError
        The report font is not installed (``make assets``).
    """
    font_face_css()
    parts = [
        f"<h1>{html.escape(TITLE)}</h1>",
        f'<p class="c">编号 No. {html.escape(data.exchange_id)}</p>',
        f"<p>{html.escape(NOTE)}</p>",
        "<h2>一、交换条款 Terms</h2>",
        _html_table(("条款 Clause", "内容 Value"), data.rows),
        "<h2>二、减排量归属 Allocation of avoided emissions</h2>",
        _html_table(("一方 Party", "角色 Role", "减排量 tCO2/a"), data.claims),
        "<h2>三、签署 Signatures</h2>",
        f"<p>供方 Supplier：{html.escape(data.supplier)}　签字/盖章：＿＿＿＿　日期：＿＿＿＿</p>",
        f"<p>受方 Receiver：{html.escape(data.receiver)}　签字/盖章：＿＿＿＿　日期：＿＿＿＿</p>",
    ]
    head = '<!doctype html><html lang="zh"><head><meta charset="utf-8"></head>'
    doc = f"{head}<body>{''.join(parts)}</body></html>"
    fc = FontConfiguration()
    css = [CSS(string=font_face_css(), font_config=fc), CSS(string=_CSS % FAMILY, font_config=fc)]
    pdf: bytes = HTML(string=doc).write_pdf(stylesheets=css, font_config=fc)
    return pdf
