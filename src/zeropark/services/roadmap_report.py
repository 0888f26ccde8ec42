"""The roadmap chapter of the annual reports (路线图): LMDI, Tapio, carbon productivity, metabolism.

:func:`roadmap_chapter` gathers, for the PDF's section 七 and the workbook's 路线图 sheet, the
figures of the same use cases the API, the pages and the CLI call:

- :func:`zeropark.services.roadmap.lmdi` of the latest earlier accounted year (national method)
  → the report year: the additive effects [tCO2] (the waterfall), the Tapio state and the carbon
  productivity trend [10⁴ CNY/tCO2]. Without an earlier accounted year, or when a year lacks the
  value added, the chapter says so in a sentence (``lmdi_error``), never an empty table;
- :func:`zeropark.services.metabolism.metabolism`, energy [tce] and carbon [tCO2]: the largest
  flows;
- :func:`zeropark.services.scenarios.compare`: the park's stored scenarios (BAU, policy, zero-by)
  with CO2 [t] and the core indicator [tCO2/tce] in 2030, 2035 and 2060;
- :func:`zeropark.services.pathway.list_runs`: the newest least-cost pathway run, its cost and
  the year each target is met.

The report of one enterprise carries no roadmap chapter (``park_only``): the roadmap is the park's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zeropark.errors import DataError, NotFound, PermissionDenied
from zeropark.model import Method
from zeropark.reports.data import RoadmapChapter
from zeropark.services.inventory import list_runs
from zeropark.services.metabolism import FlowKind, metabolism
from zeropark.services.pathway import list_runs as pathway_runs
from zeropark.services.roadmap import lmdi
from zeropark.services.scenarios import compare
from zeropark.store.scope import Scope

__all__ = ["MILESTONES", "pathway_rows", "previous_accounted_year", "roadmap_chapter", "scenario_rows"]

#: The years the report's scenario table shows (2030 peak, 2035 NDC, 2060 neutrality milestones).
MILESTONES: tuple[int, ...] = (2030, 2035, 2060)
#: At most this many of the park's scenarios (the newest) are tabulated.
MAX_SCENARIOS = 8


def scenario_rows(scope: Scope, park_id: str, year: int) -> tuple[dict[str, Any], ...]:
    """The park's stored scenarios based on ``year`` or before, with their milestone years' figures.

    Each row: ``id``, ``name``, ``kind`` (bau / policy / zero_by), ``base_year`` and, per milestone
    year, ``total_tco2e`` [t] and ``core_tco2_per_tce`` [tCO2/tce] as
    :func:`zeropark.services.scenarios.compare` gives them (None outside the scenario's years).
    """
    views = [v for v in compare(scope, park_id) if v.summary.base_year <= year][-MAX_SCENARIOS:]
    rows = []
    for v in views:
        years: dict[int, dict[str, float | None]] = {}
        for y in MILESTONES:
            found = next((sy for sy in v.years if sy.year == y), None)
            years[y] = {
                "total_tco2e": None if found is None else found.total_tco2e,
                "core_tco2_per_tce": None if found is None else found.core_tco2_per_tce,
            }
        rows.append(
            {
                "id": v.summary.id,
                "name": v.summary.name,
                "kind": v.summary.kind.value,
                "base_year": v.summary.base_year,
                "years": years,
            }
        )
    return tuple(rows)


def previous_accounted_year(scope: Scope, park_id: str, year: int) -> int | None:
    """The latest year before ``year`` with a national-method run of the park, or None."""
    found, _ = list_runs(scope, park_id, method=Method.NATIONAL, limit=1000)
    years = {r.year for r in found if r.year < year and r.enterprise_id is None}
    return max(years) if years else None


def pathway_rows(scope: Scope, park_id: str, year: int) -> tuple[dict[str, Any], ...]:
    """The newest least-cost pathway run based on ``year`` or before: one row per target.

    Each row: the run's ``run_id``, ``status`` and total ``cost_cny`` [CNY, present value as the
    run states it], the target's ``kind``, ``value`` and ``year``, whether it is ``met``, the
    ``year_met`` (first year from which it holds) and the figure ``reached`` — the re-accounted
    status when the run has one (``accounted``), else the model's — as
    :func:`zeropark.services.pathway.list_runs` stores them.
    """
    for run in pathway_runs(scope, park_id, kind="pathway", limit=50):
        if int(run.params.get("base_year", year + 1)) > year:
            continue
        rows = []
        for t in run.result.get("targets", []):
            status = t.get("accounted") or t
            rows.append(
                {
                    "run_id": run.id,
                    "status": run.status,
                    "cost_cny": run.cost_cny,
                    "kind": t.get("kind"),
                    "value": t.get("value"),
                    "year": t.get("year"),
                    "met": bool(status.get("met")),
                    "year_met": status.get("year_met"),
                    "reached": status.get("reached"),
                }
            )
        return tuple(rows)
    return ()


def roadmap_chapter(
    scope: Scope, park_id: str, year: int, *, enterprise_id: str | None = None
) -> RoadmapChapter:
    """The roadmap chapter's figures for the park's report of ``year`` (module docstring).

    Errors of the analyses (a year without value added, a negative figure, a missing coefficient)
    become the chapter's sentence instead of its table.
    """
    if enterprise_id is not None or scope.enterprise_id is not None:
        return RoadmapChapter(year, None, None, "", None, None, park_only=True)
    previous = previous_accounted_year(scope, park_id, year)
    result = None
    error = ""
    if previous is not None:
        try:
            result = lmdi(scope, park_id, previous, year).to_dict()
        except (DataError, NotFound) as exc:
            error = str(exc)
    energy = carbon = None
    metabolism_error = ""
    try:
        energy = metabolism(scope, park_id, year, FlowKind.ENERGY)
        carbon = metabolism(scope, park_id, year, FlowKind.CARBON)
    except (DataError, NotFound) as exc:
        energy = carbon = None
        metabolism_error = str(exc)
    return RoadmapChapter(
        year,
        previous,
        result,
        error,
        energy,
        carbon,
        metabolism_error,
        scenarios=_or_none(scenario_rows, scope, park_id, year),
        pathway=_or_none(pathway_rows, scope, park_id, year),
    )


def _or_none(
    rows: Callable[[Scope, str, int], tuple[dict[str, Any], ...]], scope: Scope, park_id: str, year: int
) -> tuple[dict[str, Any], ...]:
    """The rows, or none when the user may not read them (the report is made all the same)."""
    try:
        return rows(scope, park_id, year)
    except PermissionDenied:
        return ()
