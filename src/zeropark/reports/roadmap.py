"""The roadmap chapter (路线图) as the PDF and the workbook show it: one set of rows for both files.

:func:`chapter_view` turns :class:`~zeropark.reports.data.RoadmapChapter` — the figures of
:func:`zeropark.services.roadmap.lmdi` and :func:`zeropark.services.metabolism.metabolism` — into
labelled rows: the LMDI effects [tCO2] in the order of :class:`zeropark.roadmap.lmdi.Effect`, the
Tapio state, the carbon productivity trend [10⁴ CNY/tCO2], the largest energy [tce] and carbon
[tCO2] flows, and the sentences said instead of a table when a figure does not exist. Nothing is
computed here beyond picking and labelling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zeropark.i18n import translate
from zeropark.reports.data import RoadmapChapter
from zeropark.roadmap.lmdi import Effect
from zeropark.roadmap.metabolism import Metabolism

#: Flows listed in the chapter's metabolism tables (largest first).
TOP_FLOWS = 10


@dataclass(frozen=True, slots=True)
class FlowRow:
    """One flow of a metabolism table: from, to, value [unit], line items summed."""

    source: str
    target: str
    value: float
    items: int


@dataclass(frozen=True, slots=True)
class ChapterView:
    """The chapter's rows and sentences in one language."""

    sentences: list[str] = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None
    co2_from: float | None = None
    co2_to: float | None = None
    effects: list[tuple[str, float]] = field(default_factory=list)
    tapio: str = ""
    trend: list[dict[str, Any]] = field(default_factory=list)
    energy: list[FlowRow] = field(default_factory=list)
    carbon: list[FlowRow] = field(default_factory=list)
    energy_total: float | None = None
    carbon_total: float | None = None
    notes: list[str] = field(default_factory=list)
    scenario_columns: list[str] = field(default_factory=list)
    scenarios: list[list[Any]] = field(default_factory=list)
    pathway_columns: list[str] = field(default_factory=list)
    pathway: list[list[Any]] = field(default_factory=list)


def _flows(m: Metabolism | None, lang: str) -> list[FlowRow]:
    if m is None:
        return []
    label = {n.id: n.label(lang) for n in m.nodes}
    return [FlowRow(label[lk.source], label[lk.target], lk.value, len(lk.items)) for lk in m.top(TOP_FLOWS)]


def chapter_view(chapter: RoadmapChapter | None, lang: str) -> ChapterView | None:
    """The rows of ``chapter`` in ``lang`` (None when the report has no roadmap chapter)."""
    if chapter is None:
        return None
    if chapter.park_only:
        return ChapterView(sentences=[translate("rpt_roadmap_park_only", lang)])
    view = ChapterView(
        energy=_flows(chapter.energy, lang),
        carbon=_flows(chapter.carbon, lang),
        energy_total=None if chapter.energy is None else chapter.energy.total(),
        carbon_total=None if chapter.carbon is None else chapter.carbon.total(),
        notes=[
            en if lang == "en" else zh
            for m in (chapter.energy, chapter.carbon)
            if m is not None
            for zh, en in m.notes
        ],
        scenario_columns=_scenario_columns(chapter, lang),
        scenarios=_scenario_table(chapter, lang),
        pathway_columns=_pathway_columns(chapter, lang),
        pathway=_pathway_table(chapter, lang),
    )
    if chapter.pathway:
        first = chapter.pathway[0]
        cost = first["cost_cny"]
        view.sentences.append(
            translate(
                "rpt_roadmap_pathway_run",
                lang,
                id=first["run_id"],
                status=translate(f"pw_status_{first['status']}", lang),
                cost="—" if cost is None else f"{cost:,.0f}",
            )
        )
    if chapter.previous_year is None:
        view.sentences.append(translate("rpt_roadmap_no_previous", lang, year=chapter.year))
    elif chapter.lmdi is None:
        view.sentences.append(translate("rpt_roadmap_unavailable", lang, why=chapter.lmdi_error))
    else:
        d = chapter.lmdi["decomposition"]
        view = _with_lmdi(view, chapter, d, lang)
    if chapter.metabolism_error:
        view.sentences.append(translate("rpt_roadmap_unavailable", lang, why=chapter.metabolism_error))
    return view


def _with_lmdi(view: ChapterView, chapter: RoadmapChapter, d: dict[str, Any], lang: str) -> ChapterView:
    lm = chapter.lmdi
    assert lm is not None
    tapio = lm["decoupling"]
    if tapio is None:
        tapio_text = f"Tapio: {lm['decoupling_note']}"
    else:
        tapio_text = translate(
            "rpt_roadmap_tapio",
            lang,
            state=translate(f"tapio_{tapio['state']}", lang),
            e=f"{tapio['elasticity']:.4f}",
        )
    return ChapterView(
        sentences=view.sentences,
        year_from=chapter.previous_year,
        year_to=chapter.year,
        co2_from=d["co2_from_t"],
        co2_to=d["co2_to_t"],
        effects=[(translate(f"lmdi_effect_{e.value}", lang), d["additive_t"][e.value]) for e in Effect],
        tapio=tapio_text,
        trend=list(lm["carbon_productivity_trend"]),
        energy=view.energy,
        carbon=view.carbon,
        energy_total=view.energy_total,
        carbon_total=view.carbon_total,
        notes=view.notes,
        scenario_columns=view.scenario_columns,
        scenarios=view.scenarios,
        pathway_columns=view.pathway_columns,
        pathway=view.pathway,
    )


def _milestones(chapter: RoadmapChapter) -> list[int]:
    years: list[int] = []
    for row in chapter.scenarios:
        for y in row["years"]:
            if y not in years:
                years.append(y)
    return years


def _scenario_columns(chapter: RoadmapChapter, lang: str) -> list[str]:
    if not chapter.scenarios:
        return []
    cols = [translate("rpt_roadmap_scenario", lang), translate("scenario_kind", lang)]
    for y in _milestones(chapter):
        cols += [f"{y} tCO2", f"{y} tCO2/tce"]
    return cols


def _scenario_table(chapter: RoadmapChapter, lang: str) -> list[list[Any]]:
    """One row per scenario: name (base year), kind, then CO2 [t] and the core indicator per year."""
    out = []
    for row in chapter.scenarios:
        cells: list[Any] = [
            f"{row['name']} (#{row['id']}, {row['base_year']})",
            translate(f"scenario_kind_{row['kind']}", lang),
        ]
        for y in _milestones(chapter):
            fig = row["years"].get(y, {})
            cells += [fig.get("total_tco2e"), fig.get("core_tco2_per_tce")]
        out.append(cells)
    return out


def _pathway_columns(chapter: RoadmapChapter, lang: str) -> list[str]:
    if not chapter.pathway:
        return []
    return [translate(k, lang) for k in ("pw_target", "rpt_roadmap_target_value", "year")] + [
        translate(k, lang) for k in ("rpt_roadmap_met", "rpt_roadmap_year_met", "rpt_roadmap_reached")
    ]


def _pathway_table(chapter: RoadmapChapter, lang: str) -> list[list[Any]]:
    """One row per target of the newest pathway run: kind, value, year, met, year met, reached."""
    return [
        [
            translate(f"pw_target_{row['kind']}", lang),
            row["value"],
            row["year"],
            translate("yes" if row["met"] else "no", lang),
            row["year_met"],
            row["reached"],
        ]
        for row in chapter.pathway
    ]
