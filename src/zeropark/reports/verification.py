"""核查包 PDF: the verification pack in print (WeasyPrint, the shipped Noto Sans SC), Chinese then English.

Rendered from the pack's JSON only (:func:`zeropark.services.verification.pack`), so the PDF shows
exactly what the offline check verifies: the engagement, the sampling plan, the checklist results,
the findings and corrective actions, the statement and its signature, the signed tree head.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from zeropark.reports.fonts import FAMILY, font_face_css

__all__ = ["render_pack_pdf"]

_CSS = """
@page { size: A4; margin: 18mm 15mm; @bottom-center { content: counter(page); font-size: 8pt; } }
body { font-family: '%s'; font-size: 9.5pt; line-height: 1.45; }
h1 { text-align: center; font-size: 17pt; margin-bottom: 4pt; }
h2 { font-size: 12.5pt; margin-top: 14pt; border-bottom: 1px solid #999; }
p.sub { text-align: center; margin: 2pt 0; }
p.mono, td.mono { font-size: 7pt; word-break: break-all; }
table { border-collapse: collapse; width: 100%%; margin: 4pt 0; }
th, td { border: 1px solid #888; padding: 2pt 3pt; font-size: 8pt; vertical-align: top;
         overflow-wrap: break-word; }
th { background: #eef2f5; }
"""


def _e(v: Any) -> str:
    return html.escape("" if v is None else str(v))


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _t(value: float) -> str:
    return f"{value:,.3f}"


def _plan_rows(plan: Mapping[str, Any]) -> list[list[str]]:
    rows = []
    for kind, label in (("line_items", "清单条目 line item"), ("meters", "计量器具 meter")):
        for s in plan[kind]["selections"]:
            rows.append([label, s["id"], s["enterprise_id"] or "—", _t(s["tco2e"]), s["risk"], s["reason"]])
    return rows


def render_pack_pdf(doc: Mapping[str, Any]) -> bytes:
    """The pack as PDF bytes.

    Raises
    ------
    SetupError
        The report font is not installed (``make assets``).
    """
    font_face_css()  # fail before any work when the font is missing
    e, so, head = doc["engagement"], doc["signoff"], doc["head"]
    plan = e["plan"]
    items = {c["id"]: c for c in doc.get("checklist_items", [])}
    parts = [
        "<h1>核查包 Verification pack</h1>",
        f'<p class="sub">园区 park {_e(e["park_id"])} · {_e(e["year"])} · 核算记录 run #{_e(e["run_id"])} '
        f"· 核查约定 engagement #{_e(e['id'])}</p>",
        "<h2>一 核查声明 Verification statement</h2>",
        f"<p>{_e(so['text_zh'])}</p><p>{_e(so['text_en'])}</p>",
        f"<p>签署 signed by {_e(so['signed_by'])} · {_e(so['signed_at'])} · "
        f"Ed25519 key {_e(so['key_id'][:16])}…</p>",
        f'<p class="mono">signature {_e(so["signature"])}</p>',
        "<h2>二 核查约定 Engagement</h2>",
        _table(
            ["项目 item", "值 value"],
            [
                ["范围 scope", e["scope_text"]],
                ["保证等级 assurance", e["assurance"]],
                ["排放总量 total [tCO2e]", _t(e["total_tco2e"])],
                ["实质性 materiality [%]", f"{e['materiality_pct']:g}"],
                ["实质性 materiality [tCO2e]", _t(plan["materiality_tco2e"])],
                ["输入指纹 input fingerprint", e["run_fingerprint"]],
                ["抽样种子 sampling seed", e["seed"]],
                ["抽样规则 sampling rule", plan["line_items"]["rule"]],
            ],
        ),
        "<h2>三 抽样计划 Sampling plan</h2>",
        _table(
            ["类别 kind", "编号 id", "企业 enterprise", "排放 [tCO2e]", "风险 risk", "原因 reason"],
            _plan_rows(plan),
        ),
        "<h2>四 核查清单 Checklist</h2>",
        _table(
            ["编号 id", "条款 clause", "检查 check", "结论 result", "说明 note"],
            [
                [
                    c["item_id"],
                    items.get(c["item_id"], {}).get("clause", ""),
                    items.get(c["item_id"], {}).get("text_zh", ""),
                    c["result"],
                    c["note"],
                ]
                for c in doc["checklist"]
            ],
        ),
        "<h2>五 核查发现与纠正措施 Findings and corrective actions</h2>",
        _table(
            [
                "编号 #",
                "严重程度 severity",
                "标题 title",
                "企业 enterprise",
                "错报 [tCO2e]",
                "状态 status",
                "证据 evidence",
            ],
            [
                [
                    f["id"],
                    f["severity"],
                    f["title"],
                    f["enterprise_id"] or "—",
                    _t(f["misstatement_tco2e"]),
                    f["status"],
                    "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in f["evidence"].items() if v),
                ]
                for f in doc["findings"]
            ],
        ),
        _table(
            ["措施 #", "发现 finding", "状态 state", "回复 response", "复核 review"],
            [[a["id"], a["finding_id"], a["state"], a["response"], a["review_note"]] for a in doc["actions"]],
        ),
        "<h2>六 证据账本 Evidence ledger</h2>",
        f"<p>签名树头 signed tree head: {_e(head['tree_size'])} leaves, "
        f"timestamp {_e(head['timestamp_ms'])} ms</p>",
        f'<p class="mono">root {_e(head["root_hash"])}<br>signature {_e(head["signature"])}</p>',
        _table(
            ["叶子 leaf", "类别 kind", "编号 id", "内容哈希 content SHA-256"],
            [[x["index"], x["kind"], x["id"], x["content_sha256"]] for x in doc["leaves"]],
        ),
        "<p>离线核验 check offline: <code>zeropark verification check-pack FILE</code></p>",
    ]
    head_html = '<!doctype html><html lang="zh"><head><meta charset="utf-8"></head>'
    page = f"{head_html}<body>{''.join(parts)}</body></html>"
    font_config = FontConfiguration()
    css = [
        CSS(string=font_face_css(), font_config=font_config),
        CSS(string=_CSS % FAMILY, font_config=font_config),
    ]
    pdf: bytes = HTML(string=page).write_pdf(stylesheets=css, font_config=font_config)
    return pdf
