"""The roadmap chapter of the annual reports (路线图): LMDI, Tapio, carbon productivity, metabolism.

:func:`roadmap_chapter` gathers, for the PDF's section 七 and the workbook's 路线图 sheet, the
figures of the same use cases the API, the pages and the CLI call:

- :func:`zeropark.services.roadmap.lmdi` of the latest earlier accounted year (national method)
  → the report year: the additive effects [tCO2] (the waterfall), the Tapio state and the carbon
  productivity trend [10⁴ CNY/tCO2]. Without an earlier accounted year, or when a year lacks the
  value added, the chapter says so in a sentence (``lmdi_error``), never an empty table;
- :func:`zeropark.services.metabolism.metabolism`, energy [tce] and carbon [tCO2]: the largest
  flows.

The report of one enterprise carries no roadmap chapter (``park_only``): the roadmap is the park's.
"""

from __future__ import annotations

from zeropark.errors import DataError, NotFound
from zeropark.model import Method
from zeropark.reports.data import RoadmapChapter
from zeropark.services.inventory import list_runs
from zeropark.services.metabolism import FlowKind, metabolism
from zeropark.services.roadmap import lmdi
from zeropark.store.scope import Scope

__all__ = ["previous_accounted_year", "roadmap_chapter"]


def previous_accounted_year(scope: Scope, park_id: str, year: int) -> int | None:
    """The latest year before ``year`` with a national-method run of the park, or None."""
    found, _ = list_runs(scope, park_id, method=Method.NATIONAL, limit=1000)
    years = {r.year for r in found if r.year < year and r.enterprise_id is None}
    return max(years) if years else None


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
    return RoadmapChapter(year, previous, result, error, energy, carbon, metabolism_error)
