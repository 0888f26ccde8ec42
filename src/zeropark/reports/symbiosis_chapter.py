"""The annual report's industrial-symbiosis chapter (产业共生): its data and the rows both renderings show.

:class:`SymbiosisChapter` is gathered by :func:`zeropark.services.symbiosis.report_chapter` (the
figures every door shows: the registry summary, the realised exchanges of the year with their avoided
CO2 [tCO2/a], the avoided CO2 by allocation rule, and the three guiding indicators from flows with
their definitions); the PDF (``report_symbiosis.html``, included by ``report_annual.html``) and the
Excel sheet 产业共生 render the same rows (:func:`chapter_rows`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from zeropark.i18n import translator

__all__ = ["SHEET", "ChapterRows", "SymbiosisChapter", "chapter_rows", "write_sheet"]


@dataclass(frozen=True, slots=True)
class SymbiosisChapter:
    """The chapter's figures as the scope sees them.

    ``registry`` is (stream kind, sources, sinks, realised exchanges) per kind; ``exchanges`` the
    realised exchanges running in the year (``id``, ``source``, ``sink``, ``kind``, ``delivered``
    [unit/a], ``unit``, ``allocation``, ``supplier_share``, ``avoided_t`` [tCO2/a]);
    ``indicators`` the rows of :func:`zeropark.services.symbiosis.indicators_dict` (numerator,
    denominator, rate [%], provenance, definition); ``fresh_water_m3`` the metered intake the water
    reuse rate uses (None: no water meter data).
    """

    year: int
    registry: tuple[tuple[str, int, int, int], ...]
    exchanges: tuple[dict[str, Any], ...]
    indicators: tuple[dict[str, Any], ...]
    fresh_water_m3: float | None = None

    @property
    def total_avoided_t(self) -> float:
        """Σ avoided CO2 of the year's realised exchanges [tCO2/a] (each counted once)."""
        return float(sum(float(x["avoided_t"]) for x in self.exchanges))

    def by_rule(self) -> dict[str, float]:
        """Avoided CO2 [tCO2/a] by allocation rule (supplier, receiver, split)."""
        out: dict[str, float] = {}
        for x in self.exchanges:
            out[x["allocation"]] = out.get(x["allocation"], 0.0) + x["avoided_t"]
        return out


@dataclass(frozen=True, slots=True)
class ChapterRows:
    """Headers and rows of the chapter's four tables in one language (strings and numbers)."""

    registry_head: tuple[str, ...]
    registry: tuple[tuple[Any, ...], ...]
    exchanges_head: tuple[str, ...]
    exchanges: tuple[tuple[Any, ...], ...]
    rules_head: tuple[str, ...]
    rules: tuple[tuple[Any, ...], ...]
    indicators_head: tuple[str, ...]
    indicators: tuple[tuple[Any, ...], ...]
    definitions: tuple[str, ...]
    total_avoided_t: float


def chapter_rows(chapter: SymbiosisChapter, lang: str) -> ChapterRows:
    """The rows the PDF and the workbook show, labels in ``lang`` with units."""
    t = translator(lang)
    en = lang == "en"
    exchanges = tuple(
        (
            x["id"],
            f"{x['source']} → {x['sink']}",
            t(f"sym_kind_{x['kind']}"),
            x["delivered"],
            x["unit"],
            t(f"sym_alloc_{x['allocation']}")
            + (f" {x['supplier_share']:.0%}" if x["allocation"] == "split" else ""),
            x["avoided_t"],
        )
        for x in chapter.exchanges
    )
    by_rule = chapter.by_rule()
    rules = tuple(
        (
            t(f"sym_alloc_{rule}"),
            sum(1 for x in chapter.exchanges if x["allocation"] == rule),
            by_rule[rule],
        )
        for rule in ("supplier", "receiver", "split")
        if rule in by_rule
    )
    indicators = tuple(
        (
            r["label_en"] if en else r["label_zh"],
            r["numerator"],
            r["denominator"],
            r["unit"],
            r["rate_pct"],
            t(f"sym_prov_{r['provenance']}"),
        )
        for r in chapter.indicators
    )
    return ChapterRows(
        registry_head=(t("sym_kind"), t("sym_sources"), t("sym_sinks"), t("sym_exchanges")),
        registry=tuple((t(f"sym_kind_{k}"), a, b, c) for k, a, b, c in chapter.registry),
        exchanges_head=(
            t("sym_id"),
            f"{t('sym_source')} → {t('sym_sink')}",
            t("sym_kind"),
            t("sym_delivered"),
            t("unit"),
            t("sym_allocation"),
            f"{t('sym_avoided')} (tCO2/a)",
        ),
        exchanges=exchanges,
        rules_head=(t("sym_allocation"), t("sym_exchanges"), f"{t('sym_avoided')} (tCO2/a)"),
        rules=rules,
        indicators_head=(
            t("indicator"),
            t("sym_numerator"),
            t("sym_denominator"),
            t("unit"),
            f"{t('sym_rate')} (%)",
            t("sym_provenance"),
        ),
        indicators=indicators,
        definitions=tuple(r["definition_en" if en else "definition_zh"] for r in chapter.indicators),
        total_avoided_t=chapter.total_avoided_t,
    )


#: The workbook's sheet of the chapter.
SHEET = "产业共生"


def write_sheet(ws: Worksheet, rows: ChapterRows) -> None:
    """产业共生: the chapter's four tables (the PDF's rows), numbers as numbers, then the definitions."""
    for j, w in enumerate((28, 40, 16, 18, 10, 22, 20), start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.cell(row=1, column=1, value="产业共生 Industrial symbiosis").font = Font(bold=True, size=13)
    r = 3
    for head, body in (
        (rows.registry_head, rows.registry),
        (rows.exchanges_head, rows.exchanges),
        (rows.rules_head, rows.rules),
        (rows.indicators_head, rows.indicators),
    ):
        for j, v in enumerate(head, start=1):
            c = ws.cell(row=r, column=j, value=v)
            c.font = Font(bold=True)
            c.fill = PatternFill("solid", fgColor="E8F1EC")
        r += 1
        for line in body:
            for j, v in enumerate(line, start=1):
                c = ws.cell(row=r, column=j, value=v)
                if isinstance(v, float):
                    c.number_format = "#,##0.000"
            r += 1
        r += 1
    ws.cell(row=r, column=1, value="合计 Total (tCO2/a)").font = Font(bold=True)
    ws.cell(row=r, column=2, value=rows.total_avoided_t).number_format = "#,##0.000"
    r += 2
    for d in rows.definitions:
        ws.cell(row=r, column=1, value=d)
        r += 1
