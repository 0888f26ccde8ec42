"""The data of an annual report (报告数据): gathered by ``zeropark.services.reporting``, rendered here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zeropark.errors import NotFound
from zeropark.evaluation.scoring import Scorecard
from zeropark.factors import FactorSet
from zeropark.model import Enterprise, Method, Park, Zone
from zeropark.monitoring.quality import DataQuality
from zeropark.reports.symbiosis_chapter import SymbiosisChapter
from zeropark.roadmap.metabolism import Metabolism
from zeropark.store.queries.runs import RunView


@dataclass(frozen=True, slots=True)
class Measure:
    """A reduction measure (减排措施) found in the data: green power, on-site renewables, a planned option.

    ``mwh`` is the electricity it concerns [MWh]; ``avoided_tco2`` the grid emissions it avoids at
    the factor the run applied to purchased electricity (MWh × tCO2/MWh) [tCO2], None when the data
    give no such figure (an optimisation run's result is shown as computed).
    """

    name_zh: str
    name_en: str
    detail: str
    mwh: float | None
    avoided_tco2: float | None


@dataclass(frozen=True, slots=True)
class RoadmapChapter:
    """The figures of the report's roadmap chapter (七), each as the service that every door calls gives it.

    ``lmdi`` is :func:`zeropark.services.roadmap.lmdi` of ``previous_year`` → ``year`` as
    ``LmdiResult.to_dict()`` (the API's JSON; additive effects [tCO2], Tapio state, carbon
    productivity trend [10⁴ CNY/tCO2]); ``None`` when ``previous_year`` is None (no earlier
    accounted year) or with ``lmdi_error`` saying why (missing value added, a negative figure).
    ``energy`` and ``carbon`` are :func:`zeropark.services.metabolism.metabolism` [tce] and
    [tCO2]. ``scenarios`` are :func:`zeropark.services.roadmap_report.scenario_rows` (the park's
    stored scenarios with CO2 [t] and the core indicator [tCO2/tce] of each milestone year, from
    :func:`zeropark.services.scenarios.compare`); ``pathway`` the least-cost pathway summary when
    that service is wired (empty otherwise).
    """

    year: int
    previous_year: int | None
    lmdi: dict[str, Any] | None
    lmdi_error: str
    energy: Metabolism | None
    carbon: Metabolism | None
    metabolism_error: str = ""
    park_only: bool = False
    scenarios: tuple[dict[str, Any], ...] = ()
    pathway: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class ReportEvaluation:
    """An evaluation run shown in the report (评价结果): the framework and its score card."""

    run_id: int
    inventory_run_id: int
    framework_code: str
    framework_version: str
    name_zh: str
    name_en: str
    scorecard: Scorecard


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything an annual report shows, as the scope sees it.

    ``primary`` is the run the report is built on: the national run for the PDF and for a
    national-method workbook, the GHG run for a GHG workbook.
    """

    park: Park
    year: int
    enterprise: Enterprise | None
    enterprises: tuple[Enterprise, ...]
    zones: tuple[Zone, ...]
    national: RunView | None
    ghg: RunView | None
    quality: DataQuality
    factor_set: FactorSet | None
    previous: RunView | None = None  # the national run of the year before (year-on-year)
    measures: tuple[Measure, ...] = ()
    roadmap: RoadmapChapter | None = None  # metabolism (issue 14): the roadmap chapter
    # issue #15: the benchmarks of the year (services.benchmarks ``to_dict``) and the park's
    # admission assessments (``AdmissionRecord.to_dict``), for the annex 标杆对比与入园评估
    benchmarks: dict[str, Any] | None = None
    admissions: tuple[dict[str, Any], ...] = ()
    evaluations: tuple[ReportEvaluation, ...] = ()  # evaluation slice: the latest run per framework
    # verifier workspace (#16): the newest signed verification statement of the national run
    verification: dict[str, Any] | None = None
    # product carbon footprint (#16): Footprint.to_dict() of each visible product of the year
    footprints: tuple[dict[str, Any], ...] = ()
    assets: dict[str, Any] | None = None  # carbon asset ledger (#17): services.assets.balances_dict
    symbiosis: SymbiosisChapter | None = None  # industrial symbiosis (#18): services.symbiosis.report_chapter
    asset_chapter: dict[str, Any] | None = None  # the PDF's asset chapter: services.asset_report

    @property
    def enterprise_names(self) -> dict[str, str]:
        """Enterprise id → name, of the enterprises the report may show."""
        return {e.id: e.name for e in self.enterprises}

    def run(self, method: Method) -> RunView:
        """The run of ``method`` the report is built on.

        Raises
        ------
        NotFound
            The view has no run of that method for the year (the message says how to make one).
        """
        view = self.national if method is Method.NATIONAL else self.ghg
        if view is None:
            who = (
                f"park '{self.park.id}'" if self.enterprise is None else f"enterprise '{self.enterprise.id}'"
            )
            raise NotFound(
                f"no {method.value} inventory run of {who} for {self.year}; account the year first "
                f"(`zeropark account --year {self.year} --method {method.value}`, the 碳排放核算 page, or "
                f"POST /api/v1/parks/{self.park.id}/inventory-runs)"
            )
        return view
