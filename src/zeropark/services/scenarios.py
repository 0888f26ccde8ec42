"""Scenarios to 2030 and 2060 (情景) as use cases: create from a base run, list, show, compare, delete.

One module for every door (CLI ``zeropark roadmap scenario …``, ``/api/v1/parks/{id}/scenarios``,
the page ``/roadmap/scenarios``). Creating a scenario:

1. the base is a stored **national-method park run** (by id, or the latest of the base year:
   newest signed-off, else newest); its input is loaded from the stored month summaries the way
   the run was made (:func:`zeropark.store.aggregate.load_accounting_input`, the park's hourly
   profile) and its fingerprint must equal the run's — else :class:`BaseInputChanged`: the data
   changed since the run, account the year again;
2. the run's factor set (name and version) and options;
3. the measures: the built-in library (when present) and the park's own measures given with the
   assumptions (stored with the scenario in full, so a recomputation never depends on the library);
4. every year base … horizon: :func:`zeropark.roadmap.scenario.project`, then
   :func:`zeropark.accounting.engine.run` and :func:`zeropark.indicators.evaluate` — the same core
   as a real inventory (no second formula); a progress callback after each year;
5. one transaction: the scenario, its assumptions, every year's figures and the audit record.

Scope: park managers and admins create and delete; verifiers and managers read everything of their
park; an enterprise user reads a scenario's years with its **own enterprise's line only** (park
totals, energy and the indicators are withheld: they are the park's data).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import zeropark
from zeropark.accounting import AccountingOptions, run
from zeropark.accounting.engine import input_fingerprint
from zeropark.accounting.lineitems import Category
from zeropark.errors import AccountingError, DataError, NotFound
from zeropark.factors import FactorSet
from zeropark.indicators import evaluate
from zeropark.model import Carrier, Method
from zeropark.roadmap.measures import Measure, Mechanism, Pathway, check
from zeropark.roadmap.scenario import (
    Adoption,
    CcusTreatment,
    Driver,
    Drivers,
    Scenario,
    ScenarioError,
    ScenarioKind,
    TargetKind,
    default_grid_trajectory,
    project,
    scenario_from_dict,
    scenario_to_dict,
    validate,
)
from zeropark.services.factor_sets import resolve_factor_set
from zeropark.services.measures import park_library
from zeropark.store import audit, runs
from zeropark.store.aggregate import load_accounting_input
from zeropark.store.db import transaction
from zeropark.store.queries import scenarios as store
from zeropark.store.queries.runs import latest_runs
from zeropark.store.scope import Scope

__all__ = [
    "CORE_CODE",
    "DEFAULT_OUTPUT_GROWTH_PCT",
    "DEFAULT_PRODUCTION_GROWTH_PCT",
    "ENTITY",
    "POLICY_SET",
    "BaseInputChanged",
    "NotNationalParkRun",
    "Progress",
    "ScenarioSummary",
    "ScenarioView",
    "ScenarioYear",
    "available_measures",
    "compare",
    "create",
    "create_defaults",
    "default_assumptions",
    "delete",
    "get",
    "list_scenarios",
    "measure_from_dict",
    "measure_to_dict",
    "simple_assumptions",
]

#: The audit log's name of a scenario.
ENTITY = "scenario"
#: Code of the core indicator (单位能耗碳排放) in the indicator table.
CORE_CODE = "core_intensity"
#: Default growth of the business-as-usual scenario [%/a] — [UNCERTAIN] assumptions, not official
#: projections: the enterprise data hold no growth, so every enterprise gets these unless edited.
DEFAULT_PRODUCTION_GROWTH_PCT = 3.0
DEFAULT_OUTPUT_GROWTH_PCT = 5.0

#: The policy scenario's documented set: (measure id of the built-in library, what it is sized to,
#: share by year). Shares are of the base year's park figures named; [UNCERTAIN] planning
#: assumptions of this platform, not targets of a document. Used when the library holds the id.
POLICY_SET: tuple[tuple[str, str, tuple[tuple[int, float], ...]], ...] = (
    # rooftop PV on 30 % of the electricity the enterprises use by 2030 (its max_share)
    ("pv_rooftop_ci", "electricity", ((2027, 0.10), (2028, 0.20), (2030, 0.30))),
    # motors to GB 18613 grade 1: 5 % of electricity by 2030
    ("motor_gb18613_grade1", "electricity", ((2027, 0.02), (2030, 0.05))),
    # heat pumps for gas heat: 20 % of natural gas by 2035
    ("heat_pump_air_for_gas", "natural_gas", ((2028, 0.05), (2030, 0.10), (2035, 0.20))),
    # multi-year green power purchase: 50 % of the grid electricity by 2030, 90 % by 2040
    ("green_power_multiyear", "grid", ((2026, 0.20), (2030, 0.50), (2035, 0.70), (2040, 0.90))),
)

#: ``progress(done, total)`` after each computed year.
Progress = Callable[[int, int], None]


class BaseInputChanged(AccountingError):
    """The base year's data changed since the base run was accounted (fingerprints differ)."""


class NotNationalParkRun(DataError):
    """The base run is not a national-method run of the park view."""


@dataclass(frozen=True, slots=True)
class ScenarioYear:
    """One year of a scenario. Units: t CO2, tce, tCO2/tce, tCO2/MWh.

    ``indicators``: code → {label_zh, label_en, unit, value, threshold, comparison, status};
    ``by_enterprise``: party → t CO2 (the park's consumer-basis breakdown, each enterprise's own
    total); ``applied``: the measures in force. ``None`` = withheld (an enterprise user) or missing.
    """

    year: int
    total_tco2e: float | None
    energy_tce: float | None
    core_tco2_per_tce: float | None
    captured_tco2: float | None
    net_tco2e: float | None
    grid_factor: float
    indicators: dict[str, dict[str, Any]]
    by_enterprise: dict[str, float]
    applied: tuple[dict[str, Any], ...]
    notes: tuple[dict[str, str], ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able figures."""
        return {
            "year": self.year,
            "total_tco2e": self.total_tco2e,
            "energy_tce": self.energy_tce,
            "core_tco2_per_tce": self.core_tco2_per_tce,
            "captured_tco2": self.captured_tco2,
            "net_tco2e": self.net_tco2e,
            "grid_factor_tco2_per_mwh": self.grid_factor,
            "indicators": self.indicators,
            "by_enterprise": self.by_enterprise,
            "applied": list(self.applied),
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class ScenarioSummary:
    """A stored scenario without its years (for lists)."""

    id: int
    park_id: str
    name: str
    kind: ScenarioKind
    base_run_id: int
    base_year: int
    horizon: int
    base_fingerprint: str
    factor_set: str
    created_at: datetime
    created_by: str | None
    target: dict[str, Any] | None
    uncertain: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary."""
        return {
            "id": self.id,
            "park_id": self.park_id,
            "name": self.name,
            "kind": self.kind.value,
            "base_run_id": self.base_run_id,
            "base_year": self.base_year,
            "horizon": self.horizon,
            "base_fingerprint": self.base_fingerprint,
            "factor_set": self.factor_set,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "target": self.target,
            "uncertain": list(self.uncertain),
        }


@dataclass(frozen=True, slots=True)
class ScenarioView:
    """A scenario: its summary, assumptions as stored, and its years (base … horizon)."""

    summary: ScenarioSummary
    assumptions: dict[str, Any]
    years: tuple[ScenarioYear, ...]
    enterprise_only: str | None = None  # an enterprise user's view: only this enterprise's line

    def year(self, year: int) -> ScenarioYear:
        """The figures of ``year``.

        Raises
        ------
        NotFound
            ``year`` is outside the scenario.
        """
        for y in self.years:
            if y.year == year:
                return y
        raise NotFound(
            f"scenario {self.summary.id} has no year {year} ({self.summary.base_year}–{self.summary.horizon})"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able scenario with its years."""
        return {
            **self.summary.to_dict(),
            "assumptions": self.assumptions,
            "enterprise_only": self.enterprise_only,
            "years": [y.to_dict() for y in self.years],
        }


# -- measures ---------------------------------------------------------------------------------------
def available_measures(scope: Scope, park_id: str) -> dict[str, Measure]:
    """The measures library by id: built-in (``roadmap/data/measures.csv``) and the park's own."""
    return {m.id: m for m in park_library(scope, park_id)}


def measure_to_dict(m: Measure) -> dict[str, Any]:
    """A measure as plain JSON (stored with a scenario, so the scenario does not depend on the library)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(m):
        v = getattr(m, f.name)
        out[f.name] = list(v) if isinstance(v, tuple) else (v.value if hasattr(v, "value") else v)
    return out


def measure_from_dict(data: Mapping[str, Any], *, where: str = "measures") -> Measure:
    """A park's own measure from JSON (the fields of :class:`~zeropark.roadmap.measures.Measure`).

    Raises
    ------
    ScenarioError
        A field missing or of the wrong type; MeasureError from :func:`~zeropark.roadmap.measures.check`.
    """
    try:
        d = dict(data)
        m = Measure(
            id=str(d["id"]),
            name_zh=str(d.get("name_zh") or d["id"]),
            name_en=str(d.get("name_en") or d["id"]),
            pathway=Pathway(d.get("pathway") or Pathway.ENERGY_EFFICIENCY.value),
            mechanism=Mechanism(d["mechanism"]),
            carrier=None if not d.get("carrier") else Carrier(d["carrier"]),
            unit=str(d.get("unit") or "unit"),
            effect_per_unit=float(d["effect_per_unit"]),
            capex_cny_per_unit=float(d.get("capex_cny_per_unit") or 0.0),
            opex_cny_per_unit_year=float(d.get("opex_cny_per_unit_year") or 0.0),
            lifetime_years=int(d.get("lifetime_years") or 1),
            source_id=str(d.get("source_id") or ""),
            to_carrier=None if not d.get("to_carrier") else Carrier(d["to_carrier"]),
            ratio=None if d.get("ratio") is None else float(d["ratio"]),
            factor_id=d.get("factor_id") or None,
            max_share=float(d.get("max_share", 1.0)),
            build_limit=None if d.get("build_limit") is None else float(d["build_limit"]),
            ramp_years=int(d.get("ramp_years") or 0),
            industries=tuple(str(x) for x in d.get("industries") or ()),
            uncertain=bool(d.get("uncertain", False)),
            note=str(d.get("note") or ""),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ScenarioError(
            f"{where}: {exc!s}; a measure needs id, mechanism, effect_per_unit, source_id"
        ) from None
    # a park's own measure cites its own source (its id); the other checks apply as to the library
    check(m, {m.source_id} if m.source_id else set(), file=where)
    return m


# -- create -----------------------------------------------------------------------------------------
def _base_run(scope: Scope, park_id: str, year: int, base_run_id: int | None) -> runs.StoredRun:
    if base_run_id is None:
        found = latest_runs(scope.engine, park_id, year)[Method.NATIONAL]
        if found is None:
            raise NotFound(
                f"park '{park_id}' has no national-method run of {year}; account it first: "
                f"zeropark account --park {park_id} --year {year}"
            )
        base_run_id = found.run.id
    stored = runs.get_run(scope.engine, base_run_id)
    s = stored.summary
    scope.check("inventory_run", str(base_run_id), park_id=s.park_id, enterprise_id=s.enterprise_id)
    if s.park_id != park_id:
        raise NotFound(f"run {base_run_id} is not a run of park '{park_id}'")
    if s.method is not Method.NATIONAL or s.enterprise_id is not None or s.parent_run_id is not None:
        raise NotNationalParkRun(
            f"base_run_id: run {base_run_id} is a {s.method.value} run of "
            f"{s.enterprise_id or 'the park'}; a scenario starts from a national-method run of the park"
        )
    if s.year != year:
        raise ScenarioError(f"base_year: run {base_run_id} is of {s.year}, the assumptions say {year}")
    return stored


def _figures(inventory: Any, table: Any, projection: Any, ccus: CcusTreatment) -> ScenarioYear:
    indicators = {
        r.code: {
            "label_zh": r.label_zh,
            "label_en": r.label_en,
            "unit": r.unit,
            "value": r.value,
            "threshold": r.threshold,
            "comparison": r.comparison,
            "status": r.status.value,
        }
        for r in table.rows
    }
    core = indicators.get(CORE_CODE, {}).get("value")
    captured = projection.captured_tco2
    net = max(0.0, inventory.total_tco2e - captured) if ccus is CcusTreatment.DEDUCT else None
    return ScenarioYear(
        year=inventory.year,
        total_tco2e=inventory.total_tco2e,
        energy_tce=inventory.energy_tce,
        core_tco2_per_tce=core,
        captured_tco2=captured,
        net_tco2e=net,
        grid_factor=projection.grid_factor_tco2_per_mwh,
        indicators=indicators,
        by_enterprise=dict(inventory.by_enterprise),
        applied=tuple(
            {
                "measure_id": a.measure_id,
                "enterprise_id": a.enterprise_id,
                "units": a.units,
                "quantity": a.quantity,
                "unit": a.unit,
                "capped": a.capped,
            }
            for a in projection.applied
        ),
        notes=tuple({"code": n.code, "zh": n.zh, "en": n.en} for n in projection.notes),
    )


def _target_outcome(scenario: Scenario, years: Sequence[ScenarioYear]) -> dict[str, Any] | None:
    t = scenario.target
    if t is None:
        return None

    def figure(y: ScenarioYear) -> float | None:
        if t.kind is TargetKind.ZERO_BY:
            return y.net_tco2e if y.net_tco2e is not None else y.total_tco2e
        return y.core_tco2_per_tce

    limit = 0.0 if t.kind is TargetKind.ZERO_BY else float(t.value or 0.0)
    at = next(y for y in years if y.year == t.year)
    value = figure(at)
    first = next((y.year for y in years if (v := figure(y)) is not None and v <= limit + 1e-9), None)
    return {
        "kind": t.kind.value,
        "year": t.year,
        "limit": limit,
        "value": value,
        "met": value is not None and value <= limit + 1e-9,
        "first_year_met": first,
    }


def create(
    scope: Scope,
    park_id: str,
    assumptions: Mapping[str, Any],
    *,
    base_run_id: int | None = None,
    progress: Progress | None = None,
) -> ScenarioView:
    """Compute every year of a scenario from a base run and store it (one transaction, audited).

    Parameters
    ----------
    scope : Scope
        Who asks: an admin or park manager of the park.
    park_id : str
        The park.
    assumptions : Mapping
        :func:`zeropark.roadmap.scenario.scenario_to_dict`'s form, optionally with ``measures``
        (the park's own measures, :func:`measure_from_dict`) and ``base_run_id``.
    base_run_id : int, optional
        The base run (default: ``assumptions['base_run_id']``, else the latest national park run
        of the base year).
    progress : Progress, optional
        Called with (years done, years in all) after each year.

    Raises
    ------
    NotFound
        Park or run unknown or outside the scope; no national run of the base year.
    PermissionDenied
        Not an admin or park manager (audited).
    ScenarioError
        Bad assumptions (named: TargetBeforeBase, DriversIncomplete, UnknownMeasure, …).
    BaseInputChanged
        The base year's data changed since the base run.
    """
    scope.check_park(park_id)
    scope.require_manager(ENTITY, "(new)")
    scenario = scenario_from_dict(assumptions)
    own = tuple(
        measure_from_dict(m, where=f"measures[{i}]") for i, m in enumerate(assumptions.get("measures") or ())
    )
    run_id = base_run_id if base_run_id is not None else assumptions.get("base_run_id")
    stored = _base_run(scope, park_id, scenario.base_year, None if run_id is None else int(run_id))
    base_inv = stored.inventory
    fs = resolve_factor_set(scope.engine, base_inv.factor_set_name, base_inv.factor_set_version)
    base = load_accounting_input(scope.engine, park_id, scenario.base_year, hourly_of=None)
    fp = input_fingerprint(base)
    if fp != base_inv.input_fingerprint:
        raise BaseInputChanged(
            f"the {scenario.base_year} data of park '{park_id}' changed since run {stored.summary.id} was "
            f"accounted (fingerprint {base_inv.input_fingerprint[:12]}… then, {fp[:12]}… now); account the "
            f"year again (zeropark account --park {park_id} --year {scenario.base_year}) and start from "
            "that run"
        )
    library = available_measures(scope, park_id)
    measures = {**library, **{m.id: m for m in own}}
    used_ids = sorted({a.measure_id for a in scenario.adoption})
    validate(scenario, base.enterprises, measures)
    grid = scenario.grid or default_grid_trajectory(fs, base_inv.options, scenario.base_year)
    years = _compute(base, fs, scenario, measures, base_inv.options, grid, progress)
    uncertain = _uncertain(scenario, grid.uncertain, [measures[i] for i in used_ids])
    stored_assumptions = {
        **scenario_to_dict(dataclasses.replace(scenario, grid=grid)),
        "grid_given": scenario.grid is not None,
        "measures": [measure_to_dict(measures[i]) for i in used_ids],
    }
    target = _target_outcome(scenario, years)
    row = store.StoredScenario(
        id=0,
        park_id=park_id,
        name=scenario.name,
        kind=scenario.kind.value,
        base_run_id=stored.summary.id,
        base_year=scenario.base_year,
        horizon=scenario.horizon,
        base_fingerprint=fp,
        factor_set=fs.name,
        factor_set_version=fs.version,
        assumptions=stored_assumptions,
        summary={"target": target, "uncertain": list(uncertain)},
        code_version=zeropark.__version__,
        created_at=datetime.now(UTC),
        created_by=scope.user.username,
        years=tuple(
            store.StoredYear(
                y.year,
                y.total_tco2e or 0.0,
                y.energy_tce or 0.0,
                y.core_tco2_per_tce,
                y.captured_tco2 or 0.0,
                y.net_tco2e,
                y.grid_factor,
                {
                    "indicators": y.indicators,
                    "by_enterprise": y.by_enterprise,
                    "applied": list(y.applied),
                    "notes": list(y.notes),
                },
            )
            for y in years
        ),
    )
    with transaction(scope.engine) as session:
        new_id = store.insert_scenario(session, row)
        scope.audit(
            session,
            audit.CREATE,
            ENTITY,
            str(new_id),
            after={
                "park_id": park_id,
                "name": scenario.name,
                "kind": scenario.kind.value,
                "base_run_id": stored.summary.id,
                "years": f"{scenario.base_year}-{scenario.horizon}",
            },
        )
    return get(scope, new_id)


def _compute(
    base: Any,
    fs: FactorSet,
    scenario: Scenario,
    measures: Mapping[str, Measure],
    options: AccountingOptions,
    grid: Any,
    progress: Progress | None,
) -> tuple[ScenarioYear, ...]:
    """Every year base … horizon through the accounting core (the same ``run`` and ``evaluate``)."""
    out: list[ScenarioYear] = []
    total = len(scenario.years)
    for i, year in enumerate(scenario.years, start=1):
        inputs, factors, projection = project(base, fs, scenario, year, measures, options, grid=grid)
        inventory = run(inputs, factors, projection.options)
        out.append(_figures(inventory, evaluate(inventory, inputs), projection, scenario.ccus))
        if progress is not None:
            progress(i, total)
    return tuple(out)


def _uncertain(scenario: Scenario, grid_uncertain: bool, used: Sequence[Measure]) -> tuple[str, ...]:
    out: list[str] = []
    if grid_uncertain:
        out.append("grid_trajectory")
    if scenario.ccus is CcusTreatment.DEDUCT and any(m.mechanism is Mechanism.CCUS for m in used):
        out.append("ccus_deduct")
    out.extend(f"measure:{m.id}" for m in used if m.uncertain)
    return tuple(out)


# -- defaults ---------------------------------------------------------------------------------------
def default_assumptions(
    scope: Scope, park_id: str, base_year: int, *, horizon: int = 2060, base_run_id: int | None = None
) -> dict[str, dict[str, Any]]:
    """The default ``bau`` and (when the library holds its measures) ``policy`` assumptions.

    BAU: every enterprise grows by :data:`DEFAULT_PRODUCTION_GROWTH_PCT` (energy, processes) and
    :data:`DEFAULT_OUTPUT_GROWTH_PCT` (value added) per year [UNCERTAIN], no new measures, the grid
    factor held. Policy: the same growth and the measures of :data:`POLICY_SET`, sized to the base
    run's figures.
    """
    scope.check_park(park_id)
    stored = _base_run(scope, park_id, base_year, base_run_id)
    growth = Driver(DEFAULT_PRODUCTION_GROWTH_PCT, DEFAULT_OUTPUT_GROWTH_PCT)
    bau = Scenario(
        name=f"基准情景 BAU {base_year}–{horizon}",
        kind=ScenarioKind.BAU,
        base_year=base_year,
        horizon=horizon,
        drivers=Drivers(default=growth),
        description=(
            f"每家企业产量年增 {DEFAULT_PRODUCTION_GROWTH_PCT:g} %、"
            f"增加值年增 {DEFAULT_OUTPUT_GROWTH_PCT:g} %"
            "（[UNCERTAIN] 假设，可编辑），无新增措施，电网因子保持基准值"
        ),
    )
    out = {"bau": {**scenario_to_dict(bau), "base_run_id": stored.summary.id}}
    library = available_measures(scope, park_id)
    inv = stored.inventory
    el = inv.electricity
    sizes = {
        "electricity": el.get("consumed_kwh", 0.0),
        "grid": el.get("grid_kwh", 0.0),
        "natural_gas": _carrier_quantity(inv, Carrier.NATURAL_GAS),
    }
    adoption: list[Adoption] = []
    for mid, basis, shares in POLICY_SET:
        m = library.get(mid)
        if m is None or sizes[basis] <= 0.0:
            continue
        units = tuple(
            (y, round(share * sizes[basis] / m.effect_per_unit, 3))
            for y, share in shares
            if base_year < y <= horizon
        )
        if units:
            adoption.append(Adoption(mid, units))
    if adoption:
        policy = dataclasses.replace(
            bau,
            name=f"政策情景 policy {base_year}–{horizon}",
            kind=ScenarioKind.POLICY,
            adoption=tuple(adoption),
            description=(
                "基准增长 + 措施库中的屋顶光伏、高效电机、热泵替代天然气、多年期绿电"
                "（规模见 docs/roadmap.md）"
            ),
        )
        out["policy"] = {**scenario_to_dict(policy), "base_run_id": stored.summary.id}
    return out


def simple_assumptions(
    scope: Scope,
    park_id: str,
    kind: ScenarioKind,
    base_year: int,
    *,
    horizon: int = 2060,
    production_growth_pct: float | None = None,
    output_growth_pct: float | None = None,
    target_year: int | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """Assumptions from the few fields of the CLI's options and the page's form.

    ``bau`` and ``policy`` are :func:`default_assumptions`; ``zero_by`` is the policy set with a
    zero-by target (``target_year``, default the horizon); a ``target_year`` given with ``bau`` or
    ``policy`` adds the same target to measure them against. The growth rates replace the default
    driver's.

    Raises
    ------
    ScenarioError
        ``policy``/``zero_by`` while the measures library lacks the policy set's measures.
    """
    defaults = default_assumptions(scope, park_id, base_year, horizon=horizon)
    source = "bau" if kind is ScenarioKind.BAU else "policy"
    if source not in defaults:
        raise ScenarioError(
            "kind: the policy measures are not in the measures library of this installation; "
            "give your assumptions and the park's own measures as JSON (API POST or --assumptions FILE)"
        )
    data = dict(defaults[source])
    if kind is ScenarioKind.ZERO_BY:
        year = target_year or horizon
        data["kind"] = ScenarioKind.ZERO_BY.value
        data["name"] = f"零碳目标情景 zero by {year}"
        data["target"] = {"kind": TargetKind.ZERO_BY.value, "year": year, "value": None}
    elif target_year is not None:  # a BAU or policy scenario measured against a zero-by year
        data["target"] = {"kind": TargetKind.ZERO_BY.value, "year": target_year, "value": None}
    if production_growth_pct is not None or output_growth_pct is not None:
        drivers = dict(data.get("drivers") or {})
        default = dict(drivers.get("default") or {})
        if production_growth_pct is not None:
            default["production_growth_pct"] = production_growth_pct
        if output_growth_pct is not None:
            default["output_growth_pct"] = output_growth_pct
        drivers["default"] = default
        data["drivers"] = drivers
    if name:
        data["name"] = name
    return data


def _carrier_quantity(inventory: Any, carrier: Carrier) -> float:
    burned = (Category.FUEL_COMBUSTION, Category.ENERGY_CONVERSION)
    return math.fsum(li.activity for li in inventory.lines if li.carrier is carrier and li.category in burned)


def create_defaults(
    scope: Scope,
    park_id: str,
    base_year: int,
    *,
    horizon: int = 2060,
    base_run_id: int | None = None,
    progress: Progress | None = None,
) -> list[ScenarioView]:
    """Create the default scenarios of :func:`default_assumptions` (each stored on its own)."""
    return [
        create(scope, park_id, a, progress=progress)
        for a in default_assumptions(
            scope, park_id, base_year, horizon=horizon, base_run_id=base_run_id
        ).values()
    ]


# -- read, compare, delete --------------------------------------------------------------------------
def _summary(s: store.StoredScenario) -> ScenarioSummary:
    return ScenarioSummary(
        id=s.id,
        park_id=s.park_id,
        name=s.name,
        kind=ScenarioKind(s.kind),
        base_run_id=s.base_run_id,
        base_year=s.base_year,
        horizon=s.horizon,
        base_fingerprint=s.base_fingerprint,
        factor_set=f"{s.factor_set}@{s.factor_set_version}",
        created_at=s.created_at,
        created_by=s.created_by,
        target=s.summary.get("target"),
        uncertain=tuple(s.summary.get("uncertain") or ()),
    )


def _year(y: store.StoredYear, enterprise: str | None) -> ScenarioYear:
    f = y.figures
    if enterprise is not None:
        own = {k: v for k, v in f.get("by_enterprise", {}).items() if k == enterprise}
        return ScenarioYear(y.year, None, None, None, None, None, y.grid_factor, {}, own, (), ())
    return ScenarioYear(
        year=y.year,
        total_tco2e=y.total_tco2e,
        energy_tce=y.energy_tce,
        core_tco2_per_tce=y.core_tco2_per_tce,
        captured_tco2=y.captured_tco2,
        net_tco2e=y.net_tco2e,
        grid_factor=y.grid_factor,
        indicators=dict(f.get("indicators", {})),
        by_enterprise=dict(f.get("by_enterprise", {})),
        applied=tuple(f.get("applied", ())),
        notes=tuple(f.get("notes", ())),
    )


def _visible(scope: Scope, scenario_id: int, park_id: str | None = None) -> store.StoredScenario:
    s = store.get_scenario(scope.engine, scenario_id)
    if park_id is not None and s.park_id != park_id:
        raise NotFound(f"scenario '{scenario_id}' is not a scenario of park '{park_id}'")
    scope.check(
        ENTITY,
        str(scenario_id),
        park_id=s.park_id,
        enterprise_id=None if not scope.is_enterprise else scope.enterprise_id,
    )
    return s


def get(scope: Scope, scenario_id: int, *, park_id: str | None = None) -> ScenarioView:
    """A scenario with its years; an enterprise user gets only its own enterprise's line.

    Raises
    ------
    NotFound
        No such scenario, not of ``park_id`` (when given), or of another park (audited).
    """
    s = _visible(scope, scenario_id, park_id)
    who = scope.enterprise_id
    assumptions = s.assumptions if who is None else {}
    return ScenarioView(_summary(s), assumptions, tuple(_year(y, who) for y in s.years), who)


def list_scenarios(scope: Scope, park_id: str) -> list[ScenarioSummary]:
    """The park's scenarios, newest first."""
    scope.check_park(park_id)
    return [_summary(s) for s in store.list_scenarios(scope.engine, park_id)]


def compare(scope: Scope, park_id: str, ids: Sequence[int] | None = None) -> list[ScenarioView]:
    """Several scenarios of the park side by side (default: every one, oldest first).

    Raises
    ------
    NotFound
        An id of no scenario of this park.
    """
    scope.check_park(park_id)
    chosen = list(ids) if ids else [s.id for s in reversed(store.list_scenarios(scope.engine, park_id))]
    return [get(scope, i, park_id=park_id) for i in chosen]


def delete(scope: Scope, scenario_id: int, *, park_id: str | None = None) -> ScenarioSummary:
    """Delete a scenario and its years (admin, park manager), audited.

    Raises
    ------
    NotFound
        No such scenario, or outside the scope.
    PermissionDenied
        Not an admin or park manager (audited).
    """
    s = _visible(scope, scenario_id, park_id)
    scope.require_manager(ENTITY, str(scenario_id))
    summary = _summary(s)
    with transaction(scope.engine) as session:
        store.delete_scenario(session, scenario_id)
        scope.audit(session, audit.DELETE, ENTITY, str(scenario_id), before=summary.to_dict())
    return summary
