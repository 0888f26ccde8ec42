"""入园门槛 (low-carbon admission): a proposed project against the park's indicators, and the decision.

One function per use case, the same for every door (CLI ``zeropark admission assess|decide|list``,
``/api/v1/parks/{id}/admissions``, the page ``/admission``):

- :func:`assess` evaluates a proposed project (name; an enterprise of the park or a new one;
  GB/T 4754 industry code; annual energy use by carrier in canonical units; value added
  [10⁴ CNY/year]; process emissions [tCO2/year]) by running **the accounting core itself**
  (:func:`zeropark.accounting.run`, the national method, the options and factor set of the
  park's latest national run of the year) on the park's input of that year — once as it is, once
  with the project's quantities added as monthly quantities (a twelfth of each annual figure per
  month): electricity and heat bought across the boundary (``purchased``), fossil fuels burned
  (``combustion``), process CO2 as a process activity whose factor is the declared 1 tCO2 per
  tCO2 (the project's own declaration, not a published factor). The indicator table is evaluated
  on each (:func:`zeropark.indicators.evaluate`): park CO2 [t], energy [tce], the core indicator
  单位能耗碳排放 [tCO2/tce] with its size-band threshold (发改环资〔2025〕910号), the clean-energy share
  and carbon productivity [10⁴ CNY/tCO2], with and without, and the change. The assessment is stored
  (decision ``pending``) and audited.
- The checks: **core** — the park's core indicator with the project meets its threshold (a fail
  is the national veto, 一票否决); **productivity** — the park's carbon productivity does not fall
  (the park's own rule 「不拖后腿」, 陈吕军 on the 24-character approach for parks, seed 001; a
  configurable park policy, not a national threshold); **clean share** — the clean-energy share
  with the project against the ≥ 90 % guiding target (reported, soft). Recommendation: reject when
  the core check fails, conditions when a soft check fails, approve otherwise.
- :func:`decide` records the decision (approved / rejected / conditions, by whom, the reason)
  once; park managers and admins only, audited.

**On the roadmap** (``scenario_id``): the same with/without pair in the target year of a stored
roadmap scenario (:mod:`zeropark.services.scenarios`; its target's year, else its horizon, or the
``target_year`` given): the scenario's base input is projected to that year by
:func:`zeropark.roadmap.scenario.project` (its drivers, measures and grid-factor path, the same
projection the scenario was computed with), the project's quantities are added as they are
proposed, and both are accounted by the same core. The scenario's target is a further check
(``roadmap_target``, soft): a core-indicator target (≤ value tCO2/tce) or zero by a year (net CO2 ≤ 0).
The recommendation is the stricter of this year's and the roadmap's.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from zeropark.accounting import AccountingOptions, Inventory, run
from zeropark.accounting.engine import input_fingerprint
from zeropark.errors import DataError, NotFound
from zeropark.factors import FactorSet
from zeropark.factors.factorset import Confidence, Factor, FactorKind, Source
from zeropark.indicators import CLEAN_ENERGY_MIN_PCT, IndicatorStatus, IndicatorTable, evaluate
from zeropark.industry import DIVISIONS_ZH
from zeropark.model import (
    CANONICAL_UNIT,
    FOSSIL_FUELS,
    HEAT_CARRIERS,
    AccountingInput,
    Carrier,
    Enterprise,
    Flow,
    Method,
    MonthlyQuantity,
)
from zeropark.roadmap.scenario import TargetKind, project, scenario_from_dict
from zeropark.services import scenarios
from zeropark.services.factor_sets import resolve_factor_set
from zeropark.store import audit, production
from zeropark.store.aggregate import load_accounting_input
from zeropark.store.db import read_connection, transaction
from zeropark.store.queries import benchmarks as q
from zeropark.store.queries import enterprises as ent_q
from zeropark.store.queries import parks as park_q
from zeropark.store.queries.runs import latest_runs
from zeropark.store.runs import get_run
from zeropark.store.schema import InventoryRunRow
from zeropark.store.scope import MANAGE_ROLES, Scope

__all__ = [
    "DECLARED_PROCESS_FACTOR",
    "Assessment",
    "Case",
    "Check",
    "Decision",
    "Proposal",
    "UnknownCarrier",
    "UnknownIndustry",
    "NegativeEnergy",
    "assess",
    "decide",
    "evaluate_proposal",
    "assessment",
    "form_enterprises",
    "form_scenarios",
    "list_assessments",
    "may_assess",
    "page_assessments",
    "parse_proposal",
]

#: The factor id of a project's declared process CO2 (1 tCO2 per tCO2 declared).
DECLARED_PROCESS_FACTOR = "process.admission.declared"
#: Where the evidence of the project's quantities says they come from.
_EVIDENCE = "admission"


class UnknownCarrier(DataError):
    """An energy carrier the assessment does not know (or one that is not energy: water, material)."""


class NegativeEnergy(DataError):
    """A negative (or non-finite) annual quantity, value added or process emission."""


class UnknownIndustry(DataError):
    """An industry code that is not a GB/T 4754-2017 class or division the platform knows."""


class Decision(StrEnum):
    """The park's decision on a project."""

    APPROVED = "approved"
    REJECTED = "rejected"
    CONDITIONS = "conditions"  # approved with conditions


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposed project: annual quantities in canonical units (kWh, m³, t, GJ)."""

    name: str
    industry_code: str
    energy: Mapping[Carrier, float]
    value_added_10k_cny: float
    process_tco2: float = 0.0
    enterprise_id: str | None = None  # None = a new enterprise

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping (what is stored with the assessment)."""
        return {
            "name": self.name,
            "industry_code": self.industry_code,
            "enterprise_id": self.enterprise_id,
            "energy": {c.value: v for c, v in sorted(self.energy.items())},
            "energy_units": {c.value: CANONICAL_UNIT[c] for c in sorted(self.energy)},
            "value_added_10k_cny": self.value_added_10k_cny,
            "process_tco2": self.process_tco2,
        }


_ENERGY_CARRIERS = tuple(
    c for c in Carrier if c in FOSSIL_FUELS or c in HEAT_CARRIERS or c is Carrier.ELECTRICITY
)


def _non_negative(value: Any, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise NegativeEnergy(f"{what}: '{value}' is not a number; give a number ≥ 0") from None
    if not math.isfinite(number) or number < 0:
        raise NegativeEnergy(f"{what}: {value} — give a number ≥ 0 (annual figure)")
    return number


def check_industry(code: str) -> str:
    """A GB/T 4754-2017 class (4 digits) or division (2 digits), optionally after its section letter.

    Raises
    ------
    UnknownIndustry
        Not of that form, or a division the platform does not list (the message names them).
    """
    text = code.strip().upper()
    m = re.fullmatch(r"[A-T]?(\d{2})(\d{2})?", text)
    if m is None or m.group(1) not in DIVISIONS_ZH:
        raise UnknownIndustry(
            f"industry_code '{code}': give a GB/T 4754-2017 class (4 digits, e.g. 2651) or division "
            f"(2 digits) of a known division: {', '.join(sorted(DIVISIONS_ZH))}"
        )
    return text


def parse_proposal(data: Mapping[str, Any]) -> Proposal:
    """A proposal from a mapping (the API body, the CLI's options, the page's form), checked.

    Keys: ``name``, ``industry_code``, ``energy`` (carrier → annual quantity in the carrier's
    canonical unit), ``value_added_10k_cny``, ``process_tco2`` (default 0), ``enterprise_id``
    (default: a new enterprise).

    Raises
    ------
    DataError
        No name, or no energy and no process emissions.
    UnknownCarrier, NegativeEnergy, UnknownIndustry
        What the name says; the message names the field and what to write.
    """
    name = str(data.get("name") or "").strip()
    if not name:
        raise DataError("name: give the project's name")
    industry = check_industry(str(data.get("industry_code") or ""))
    energy: dict[Carrier, float] = {}
    raw = data.get("energy") or {}
    if not isinstance(raw, Mapping):
        raise DataError('energy: give a mapping carrier → annual quantity, e.g. {"electricity": 1200000}')
    known = ", ".join(f"{c.value} [{CANONICAL_UNIT[c]}]" for c in _ENERGY_CARRIERS)
    for key, value in raw.items():
        try:
            carrier = Carrier(str(key).strip())
        except ValueError:
            raise UnknownCarrier(f"energy: unknown carrier '{key}'; carriers: {known}") from None
        if carrier not in _ENERGY_CARRIERS:
            raise UnknownCarrier(
                f"energy: '{key}' is not an energy carrier of the assessment (give process CO2 as "
                f"process_tco2); carriers: {known}"
            )
        qty = _non_negative(value, f"energy.{carrier.value} [{CANONICAL_UNIT[carrier]}/year]")
        if qty > 0:
            energy[carrier] = qty
    va = _non_negative(data.get("value_added_10k_cny", 0.0), "value_added_10k_cny [10⁴ CNY/year]")
    process = _non_negative(data.get("process_tco2", 0.0) or 0.0, "process_tco2 [tCO2/year]")
    if not energy and process == 0:
        raise DataError("energy: give the project's annual energy use by carrier (or its process emissions)")
    ent = data.get("enterprise_id")
    return Proposal(name, industry, energy, va, process, str(ent).strip() if ent else None)


@dataclass(frozen=True, slots=True)
class Case:
    """The park's figures in one case (without / with the project)."""

    co2_t: float
    energy_tce: float
    core_intensity: float | None  # [tCO2/tce]
    core_threshold: float | None  # [tCO2/tce] of the size band (None: no threshold applies)
    core_status: str
    size_band_zh: str
    clean_share_pct: float | None
    carbon_productivity: float | None  # [10⁴ CNY/tCO2]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return dataclasses.asdict(self)


def _case(inventory: Inventory, table: IndicatorTable) -> Case:
    core = table.core
    return Case(
        inventory.total_tco2e,
        inventory.energy_tce,
        core.value,
        core.threshold,
        core.status.value,
        table.size_band_zh,
        table.row("clean_energy_share").value,
        table.row("carbon_productivity").value,
    )


@dataclass(frozen=True, slots=True)
class Check:
    """One admission check: passed or not (None: cannot be judged), hard (blocks) or soft."""

    code: str
    hard: bool
    passed: bool | None
    note_zh: str
    note_en: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class Assessment:
    """The evaluation of a proposal on the park's year (module docstring)."""

    park_id: str
    year: int
    base_run_id: int
    factor_set: str
    proposal: Proposal
    without: Case
    with_project: Case
    project_co2_t: float
    project_energy_tce: float
    checks: tuple[Check, ...]
    recommendation: Decision
    roadmap: dict[str, Any] | None
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping (stored as the assessment's result)."""
        return {
            "park_id": self.park_id,
            "year": self.year,
            "base_run_id": self.base_run_id,
            "factor_set": self.factor_set,
            "proposal": self.proposal.to_dict(),
            "without": self.without.to_dict(),
            "with": self.with_project.to_dict(),
            "change": {
                "co2_t": self.with_project.co2_t - self.without.co2_t,
                "energy_tce": self.with_project.energy_tce - self.without.energy_tce,
                "core_intensity": _diff(self.with_project.core_intensity, self.without.core_intensity),
                "carbon_productivity": _diff(
                    self.with_project.carbon_productivity, self.without.carbon_productivity
                ),
            },
            "project_co2_t": self.project_co2_t,
            "project_energy_tce": self.project_energy_tce,
            "checks": [c.to_dict() for c in self.checks],
            "recommendation": self.recommendation.value,
            "roadmap": self.roadmap,
            "notes": list(self.notes),
        }


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _declared_factor_set(fs: FactorSet) -> FactorSet:
    """``fs`` plus the declared process factor (1 tCO2/t: the quantity booked is the declared tCO2)."""
    source = Source(
        "admission_declared",
        "拟入园项目申报的工业过程排放量 (process CO2 declared by the proposed project)",
        "项目申报单位 (the applicant)",
        None,
        "",
        "",
        Confidence.SECONDARY,
    )
    factor = Factor(
        DECLARED_PROCESS_FACTOR,
        FactorKind.PROCESS,
        "declared",
        "ef",
        1.0,
        "tCO2/t",
        1.0,
        "tCO2/t",
        "",
        None,
        source,
        None,
        "the quantity booked is the declared process CO2 [t]",
    )
    return FactorSet.build(
        fs.name,
        f"{fs.version}+admission",
        (*fs.factors, factor),
        (*fs.sources, source),
        description=fs.description,
    )


def _with_project(inputs: AccountingInput, p: Proposal, project_id: str) -> AccountingInput:
    """The park's input with the project's quantities: a twelfth of each annual figure per month."""
    months = [date(inputs.year, m, 1) for m in range(1, 13)]
    rows: list[MonthlyQuantity] = []
    evidence = (f"{_EVIDENCE}: {p.name}",)
    for carrier, annual in sorted(p.energy.items()):
        flow = Flow.COMBUSTION if carrier in FOSSIL_FUELS else Flow.PURCHASED
        rows.extend(MonthlyQuantity(project_id, carrier, flow, m, annual / 12.0, evidence) for m in months)
    if p.process_tco2 > 0:
        rows.extend(
            MonthlyQuantity(
                project_id,
                Carrier.MATERIAL,
                Flow.PROCESS,
                m,
                p.process_tco2 / 12.0,
                evidence,
                factor_id=DECLARED_PROCESS_FACTOR,
            )
            for m in months
        )
    enterprises = list(inputs.enterprises)
    if p.enterprise_id is None:
        enterprises.append(
            Enterprise(
                project_id, inputs.park.id, p.name, "", p.industry_code, None, False, p.value_added_10k_cny
            )
        )
    else:
        enterprises = [
            dataclasses.replace(e, value_added_10k_cny=(e.value_added_10k_cny or 0.0) + p.value_added_10k_cny)
            if e.id == project_id
            else e
            for e in enterprises
        ]
    data = inputs.indicator_data
    if data.value_added_10k_cny is not None:
        data = dataclasses.replace(data, value_added_10k_cny=data.value_added_10k_cny + p.value_added_10k_cny)
    return dataclasses.replace(
        inputs, enterprises=tuple(enterprises), quantities=(*inputs.quantities, *rows), indicator_data=data
    )


def _latest_year(scope: Scope, park_id: str) -> int:
    with read_connection(scope.engine) as conn:
        year = conn.execute(
            select(InventoryRunRow.year)
            .where(
                InventoryRunRow.park_id == park_id,
                InventoryRunRow.enterprise_id.is_(None),
                InventoryRunRow.method == Method.NATIONAL.value,
            )
            .order_by(InventoryRunRow.year.desc())
            .limit(1)
        ).scalar_one_or_none()
    if year is None:
        raise NotFound(
            f"park '{park_id}' has no national-method inventory run; account a year first "
            "(`zeropark account --year YEAR` or the 碳排放核算 page)"
        )
    return int(year)


def _checks(without: Case, with_p: Case) -> tuple[tuple[Check, ...], Decision]:
    checks: list[Check] = []
    if with_p.core_threshold is None:
        checks.append(
            Check(
                "core",
                True,
                None,
                f"园区规模 {with_p.size_band_zh}：核心指标无适用阈值 [待确认]，仅报告数值",
                "no threshold of the core indicator applies to the park's size band [UNCERTAIN]; "
                "value reported",
            )
        )
    else:
        ok = with_p.core_status == IndicatorStatus.PASS.value
        checks.append(
            Check(
                "core",
                True,
                ok,
                f"单位能耗碳排放（含项目）{with_p.core_intensity:.4f} tCO2/tce，"
                f"阈值 ≤ {with_p.core_threshold}" + ("" if ok else "；未达标一票否决"),
                f"core indicator with the project {with_p.core_intensity:.4f} tCO2/tce, threshold ≤ "
                f"{with_p.core_threshold}" + ("" if ok else " — the national veto"),
            )
        )
    a, b = without.carbon_productivity, with_p.carbon_productivity
    if a is None or b is None:
        checks.append(
            Check(
                "productivity",
                False,
                None,
                "缺少工业增加值，无法比较碳生产率",
                "value added missing: carbon productivity cannot be compared",
            )
        )
    else:
        ok = b >= a
        checks.append(
            Check(
                "productivity",
                False,
                ok,
                f"碳生产率 {a:.4f} → {b:.4f} 万元/tCO2（园区规则「不拖后腿」：不得下降）",
                f"carbon productivity {a:.4f} → {b:.4f} 10⁴ CNY/tCO2 (park rule: must not fall)",
            )
        )
    share = with_p.clean_share_pct
    if share is None:
        checks.append(
            Check(
                "clean_share",
                False,
                None,
                "清洁能源消费占比无法计算",
                "clean-energy share cannot be computed",
            )
        )
    else:
        ok = share >= CLEAN_ENERGY_MIN_PCT
        checks.append(
            Check(
                "clean_share",
                False,
                ok,
                f"清洁能源消费占比（含项目）{share:.2f}%，引导值 ≥ {CLEAN_ENERGY_MIN_PCT:g}%",
                f"clean-energy share with the project {share:.2f} %, "
                f"guiding target ≥ {CLEAN_ENERGY_MIN_PCT:g} %",
            )
        )
    if any(c.hard and c.passed is False for c in checks):
        return tuple(checks), Decision.REJECTED
    if any(c.passed is False for c in checks):
        return tuple(checks), Decision.CONDITIONS
    return tuple(checks), Decision.APPROVED


def evaluate_proposal(
    scope: Scope,
    park_id: str,
    proposal: Proposal,
    *,
    year: int | None = None,
    scenario_id: int | None = None,
    target_year: int | None = None,
) -> Assessment:
    """Evaluate ``proposal`` on the park's ``year`` (default: its latest year with a national run).

    Nothing is stored (:func:`assess` stores it).

    Raises
    ------
    NotFound
        The park (or the named enterprise, or the scenario) is outside the scope, or no national
        run of the year.
    DataError
        A target year outside the scenario, or its base data changed (:func:`_on_roadmap`).
    """
    park_q.park(scope, park_id)
    if proposal.enterprise_id is not None:
        ent_q.check_in_park(scope, park_id, proposal.enterprise_id)
    year = _latest_year(scope, park_id) if year is None else year
    latest = latest_runs(scope.engine, park_id, year)[Method.NATIONAL]
    if latest is None:
        raise NotFound(
            f"no national-method inventory run of park '{park_id}' for {year}; account the year first "
            f"(`zeropark account --year {year}`)"
        )
    stored = get_run(scope.engine, latest.run.id).inventory
    options: AccountingOptions = stored.options
    fs = resolve_factor_set(scope.engine, stored.factor_set_name, stored.factor_set_version)
    inputs = load_accounting_input(scope.engine, park_id, year)
    base = run(inputs, fs, options)
    project_id = proposal.enterprise_id or f"{park_id}-admission-project"
    inputs_p = _with_project(inputs, proposal, project_id)
    with_inv = run(inputs_p, _declared_factor_set(fs), options)
    without, with_p = _case(base, evaluate(base, inputs)), _case(with_inv, evaluate(with_inv, inputs_p))
    checks, recommendation = _checks(without, with_p)
    notes = [
        "项目用量按年均分至12个月；电力、热力按外购计，化石燃料按燃烧计，过程排放按申报值计 / "
        "annual figures spread evenly over 12 months; electricity and heat as purchased, "
        "fuels as combustion, "
        "process CO2 as declared",
    ]
    if abs(base.total_tco2e - stored.total_tco2e) > 1e-6 * max(1.0, abs(stored.total_tco2e)):
        notes.append(
            f"数据在核算记录 #{latest.run.id} 之后有变化：不含项目的数值按当前数据重新核算 / "
            "the data changed since "
            f"run #{latest.run.id}: the case without the project is accounted on today's data"
        )
    roadmap: dict[str, Any] | None = None
    if scenario_id is None:
        notes.append(
            "路线图：未选择情景，未评估目标年 / "
            "roadmap: no scenario chosen, the target year was not evaluated"
        )
    else:
        roadmap = _on_roadmap(scope, park_id, proposal, scenario_id, target_year)
        recommendation = _stricter(recommendation, Decision(roadmap["recommendation"]))
    return Assessment(
        park_id,
        year,
        latest.run.id,
        fs.label,
        proposal,
        without,
        with_p,
        with_inv.total_tco2e - base.total_tco2e,
        with_inv.energy_tce - base.energy_tce,
        checks,
        recommendation,
        roadmap,
        tuple(notes),
    )


_SEVERITY = {Decision.APPROVED: 0, Decision.CONDITIONS: 1, Decision.REJECTED: 2}


def _stricter(a: Decision, b: Decision) -> Decision:
    return a if _SEVERITY[a] >= _SEVERITY[b] else b


def _on_roadmap(
    scope: Scope, park_id: str, proposal: Proposal, scenario_id: int, target_year: int | None
) -> dict[str, Any]:
    """The project in a roadmap scenario's target year: with / without, checks (module docstring).

    Raises
    ------
    NotFound
        No such scenario of the park (or outside the scope).
    DataError
        A target year outside the scenario, or the base year's data changed since its base run.
    """
    view = scenarios.get(scope, scenario_id, park_id=park_id)
    summary = view.summary
    scenario = scenario_from_dict(view.assumptions)
    year = target_year or (scenario.target.year if scenario.target is not None else scenario.horizon)
    if not summary.base_year <= year <= summary.horizon:
        raise DataError(
            f"target_year {year}: scenario {scenario_id} covers {summary.base_year}–{summary.horizon}"
        )
    stored = get_run(scope.engine, summary.base_run_id).inventory
    fs = resolve_factor_set(scope.engine, stored.factor_set_name, stored.factor_set_version)
    base = load_accounting_input(scope.engine, park_id, summary.base_year)
    if input_fingerprint(base) != summary.base_fingerprint:
        raise DataError(
            f"scenario {scenario_id}: the {summary.base_year} data changed since its base run "
            f"#{summary.base_run_id}; account {summary.base_year} again and recompute the scenario"
        )
    measures = {
        m.id: m
        for m in (
            scenarios.measure_from_dict(d, where=f"scenario {scenario_id} measures[{i}]")
            for i, d in enumerate(view.assumptions.get("measures") or ())
        )
    }
    inputs, factors, projection = project(
        base, fs, scenario, year, measures, stored.options, grid=scenario.grid
    )
    without_inv = run(inputs, factors, projection.options)
    project_id = proposal.enterprise_id or f"{park_id}-admission-project"
    inputs_p = _with_project(inputs, proposal, project_id)
    with_inv = run(inputs_p, _declared_factor_set(factors), projection.options)
    without = _case(without_inv, evaluate(without_inv, inputs))
    with_p = _case(with_inv, evaluate(with_inv, inputs_p))
    checks, recommendation = _checks(without, with_p)
    target = scenario.target
    if target is not None and target.year == year:
        if target.kind is TargetKind.CORE_INDICATOR and target.value is not None:
            ok = with_p.core_intensity is not None and with_p.core_intensity <= target.value
            zh = f"情景目标：{year} 年单位能耗碳排放 ≤ {target.value} tCO2/tce"
            en = f"scenario target: core indicator ≤ {target.value} tCO2/tce in {year}"
        else:
            ok = with_p.co2_t <= 0
            zh, en = f"情景目标：{year} 年园区净排放 ≤ 0", f"scenario target: net park CO2 ≤ 0 in {year}"
        checks = (*checks, Check("roadmap_target", False, ok, zh, en))
        if not ok:
            recommendation = _stricter(recommendation, Decision.CONDITIONS)
    return {
        "scenario_id": scenario_id,
        "scenario_name": summary.name,
        "year": year,
        "grid_factor_tco2_per_mwh": projection.grid_factor_tco2_per_mwh,
        "grid_factor_uncertain": projection.grid_factor_uncertain,
        "uncertain": list(summary.uncertain),
        "without": without.to_dict(),
        "with": with_p.to_dict(),
        "change": {
            "co2_t": with_p.co2_t - without.co2_t,
            "energy_tce": with_p.energy_tce - without.energy_tce,
            "core_intensity": _diff(with_p.core_intensity, without.core_intensity),
            "carbon_productivity": _diff(with_p.carbon_productivity, without.carbon_productivity),
        },
        "checks": [c.to_dict() for c in checks],
        "recommendation": recommendation.value,
    }


def assess(
    scope: Scope,
    park_id: str,
    proposal: Proposal,
    *,
    year: int | None = None,
    scenario_id: int | None = None,
    target_year: int | None = None,
) -> q.AdmissionRecord:
    """Evaluate ``proposal`` (:func:`evaluate_proposal`) and store it, decision pending; managers only.

    Raises
    ------
    PermissionDenied
        Not a park manager or admin (audited).
    """
    park_q.park(scope, park_id)
    scope.require_manager(q.ADMISSION, "(new)")
    result = evaluate_proposal(
        scope, park_id, proposal, year=year, scenario_id=scenario_id, target_year=target_year
    )
    with transaction(scope.engine) as s:
        new_id = production.add_admission(
            s,
            park_id=park_id,
            name=proposal.name,
            enterprise_id=proposal.enterprise_id,
            industry_code=proposal.industry_code,
            year=result.year,
            proposal=proposal.to_dict(),
            result=result.to_dict(),
            created_by=scope.user.username,
            created_at=datetime.now(UTC),
        )
        scope.audit(
            s,
            audit.CREATE,
            q.ADMISSION,
            str(new_id),
            after={"proposal": proposal.to_dict(), "recommendation": result.recommendation.value},
        )
    return q.admission(scope, new_id)


def decide(scope: Scope, admission_id: int, decision: Decision | str, reason: str) -> q.AdmissionRecord:
    """Record the park's decision on an assessment, once; managers only, audited.

    Raises
    ------
    DataError
        An unknown decision, no reason for a rejection or conditions, or already decided.
    NotFound, PermissionDenied
        Outside the scope, or not a park manager or admin.
    """
    record = q.admission(scope, admission_id)
    scope.require_manager(q.ADMISSION, str(admission_id))
    try:
        chosen = Decision(decision)
    except ValueError:
        raise DataError(
            f"decision '{decision}': write one of {', '.join(d.value for d in Decision)}"
        ) from None
    reason = reason.strip()
    if chosen is not Decision.APPROVED and not reason:
        raise DataError(
            f"reason: a decision '{chosen.value}' needs its reason (the conditions, or why rejected)"
        )
    if record.decision != "pending":
        raise DataError(
            f"assessment {admission_id} was already decided ({record.decision}) by {record.decided_by}; "
            "assess the project again to decide anew"
        )
    with transaction(scope.engine) as s:
        production.decide_admission(
            s,
            admission_id,
            decision=chosen.value,
            by=scope.user.username,
            reason=reason,
            at=datetime.now(UTC),
        )
        scope.audit(
            s,
            audit.UPDATE,
            q.ADMISSION,
            str(admission_id),
            before={"decision": record.decision},
            after={"decision": chosen.value, "reason": reason},
        )
    return q.admission(scope, admission_id)


def list_assessments(scope: Scope, park_id: str) -> list[q.AdmissionRecord]:
    """The park's assessments, newest first (park users; an enterprise user is refused)."""
    return q.admissions(scope, park_id)


def assessment(scope: Scope, admission_id: int) -> q.AdmissionRecord:
    """One stored assessment inside ``scope`` (park users; NotFound otherwise)."""
    return q.admission(scope, admission_id)


def may_assess(scope: Scope) -> bool:
    """Whether the user may assess projects and decide (park managers and admins)."""
    return scope.user.role in MANAGE_ROLES


def page_assessments(scope: Scope, park_id: str) -> list[q.AdmissionRecord]:
    """What the 入园门槛 page lists: the park's assessments; none for an enterprise user."""
    return [] if scope.is_enterprise else q.admissions(scope, park_id)


def form_enterprises(scope: Scope, park_id: str) -> list[tuple[str, str]]:
    """(id, name) of the park's enterprises a project may join, for the form (managers only)."""
    if not may_assess(scope):
        return []
    return [(e.id, e.name) for e in ent_q.enterprises(scope, park_id)]


def form_scenarios(scope: Scope, park_id: str) -> list[tuple[int, str]]:
    """(id, name) of the park's roadmap scenarios, for the form (managers only)."""
    if not may_assess(scope):
        return []
    return [
        (sc.id, f"{sc.name}（{sc.base_year}–{sc.horizon}）")
        for sc in scenarios.list_scenarios(scope, park_id)
    ]
