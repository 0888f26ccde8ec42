"""Least-cost pathway, MACC and 以碳定产/以产定基/以土为界 of a park: run, store, read.

One module for every door (CLI ``zeropark roadmap pathway|macc|budget``, ``/api/v1/parks/{id}/
roadmap/...``, the pages ``/roadmap/pathway``, ``/roadmap/macc``). The pure cores are
:mod:`zeropark.roadmap.pathway`, :mod:`zeropark.roadmap.macc`, :mod:`zeropark.roadmap.budget`.

Where the numbers come from
---------------------------
The **BAU years** are accounted by the accounting engine (:func:`zeropark.accounting.engine.run_views`,
national method) from the park's stored base-year input (:func:`zeropark.store.aggregate.
load_accounting_input`) and factor set: the park view gives the park's CO2 [t] and energy [tce];
each enterprise's own view gives, per carrier (or process factor), its quantity, CO2 and energy —
the per-unit abatement of a measure is derived from them (:mod:`zeropark.roadmap.pathway`). The
years after the base year repeat the base year ("frozen BAU": no growth, the base year's grid
factor) — stated in every result's notes.

A run is stored (``pathway_run``) with every parameter that makes it again (base year, horizon,
targets, prices, discount rate, capex mode, factor set name + version, the measures used with their
figures) and its result, in one transaction with its audit record ``create pathway_run``. Who may:
as for the optimisation runs (:mod:`zeropark.services.park_runs`): admin and park managers create,
verifiers read, enterprise users are refused.
"""

from __future__ import annotations

import dataclasses
import math
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from zeropark.accounting.engine import run_views
from zeropark.accounting.inventory import Inventory
from zeropark.accounting.options import AccountingOptions
from zeropark.errors import DataError, NotFound
from zeropark.factors.factorset import FactorSet
from zeropark.model import AccountingInput, Carrier, Flow, Method
from zeropark.roadmap.budget import BudgetResult, InfraOptions, ParkLand, SectorBase, carbon_budget
from zeropark.roadmap.macc import MaccBar, macc
from zeropark.roadmap.measures import Measure
from zeropark.roadmap.pathway import (
    DEFAULT_DISCOUNT_RATE,
    DEFAULT_PRICES,
    BauYear,
    CapexMode,
    PathwayError,
    PathwayProblem,
    PathwayResult,
    Target,
    TargetKind,
    Use,
    activity_key,
    solve_pathway,
    target_status,
)
from zeropark.roadmap.scenario import (
    Adoption,
    Driver,
    Drivers,
    Scenario,
    ScenarioKind,
    project,
    units_in_force,
)
from zeropark.services.factor_sets import resolve_factor_set
from zeropark.services.measures import park_library
from zeropark.services.park_runs import check_create, check_read, json_safe, require_park, utc
from zeropark.settings import get_settings
from zeropark.store import audit
from zeropark.store.aggregate import load_accounting_input
from zeropark.store.db import session_factory, transaction
from zeropark.store.schema import ParkLandRow, PathwayRunRow
from zeropark.store.scope import Scope

__all__ = [
    "ENTITY",
    "STAGES",
    "Baseline",
    "PathwayParams",
    "StoredPathwayRun",
    "baseline",
    "get_land",
    "get_run",
    "list_runs",
    "run_budget",
    "run_macc",
    "run_pathway",
    "prices_from",
    "set_land",
    "targets_from",
]

ENTITY = "pathway_run"
#: Stages a run reports to its progress callback.
STAGES = ("baseline", "build", "solve", "reaccount", "save")
Progress = Callable[[str], None]

#: Largest horizon a pathway plans to (the 2060 goal plus margin).
MAX_HORIZON = 2100


@dataclass(frozen=True, slots=True)
class PathwayParams:
    """What a pathway / MACC / budget run is made from (all stored with the run)."""

    base_year: int
    horizon: int = 2060
    targets: tuple[Target, ...] = ()
    discount_rate: float = DEFAULT_DISCOUNT_RATE
    prices: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_PRICES))
    capex_mode: CapexMode = CapexMode.LUMP
    factor_set: str = ""
    measure_ids: tuple[str, ...] = ()  # empty: every measure of the library
    year: int | None = None  # MACC / budget: the year looked at
    infra: InfraOptions = field(default_factory=InfraOptions)
    growth_pct: float = 0.0  # production and output growth of every enterprise [%/a] (BAU driver)

    def check(self) -> None:
        """Raise :class:`PathwayError` naming a parameter out of range."""
        if not (math.isfinite(self.discount_rate) and -1 < self.discount_rate < 1):
            raise PathwayError(f"discount_rate must lie in (-1, 1), e.g. 0.06; got {self.discount_rate}")
        if not (math.isfinite(self.growth_pct) and -100 < self.growth_pct <= 100):
            raise PathwayError(f"growth must lie in (-100, 100] %/a; got {self.growth_pct}")
        if not self.base_year < self.horizon <= MAX_HORIZON:
            raise PathwayError(
                f"the horizon {self.horizon} must lie after the base year {self.base_year} "
                f"and not after {MAX_HORIZON}"
            )
        self.infra.check()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping (the run's ``params``)."""
        return {
            "base_year": self.base_year,
            "horizon": self.horizon,
            "targets": [t.to_dict() for t in self.targets],
            "discount_rate": self.discount_rate,
            "prices_cny_per_unit": dict(sorted(self.prices.items())),
            "prices_uncertain": True,
            "capex_mode": self.capex_mode.value,
            "factor_set": self.factor_set,
            "measure_ids": list(self.measure_ids),
            "year": self.year,
            "infra": dataclasses.asdict(self.infra),
            "growth_pct": self.growth_pct,
        }

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> PathwayParams:
        """The parameters of a stored run (to make it again)."""
        return PathwayParams(
            base_year=int(d["base_year"]),
            horizon=int(d["horizon"]),
            targets=tuple(
                Target(TargetKind(t["kind"]), float(t["value"]), t.get("year")) for t in d.get("targets", [])
            ),
            discount_rate=float(d["discount_rate"]),
            prices={str(k): float(v) for k, v in d["prices_cny_per_unit"].items()},
            capex_mode=CapexMode(d["capex_mode"]),
            factor_set=str(d.get("factor_set", "")),
            measure_ids=tuple(d.get("measure_ids", ())),
            year=d.get("year"),
            infra=InfraOptions(**d.get("infra", {})),
            growth_pct=float(d.get("growth_pct", 0.0)),
        )


@dataclass(frozen=True, slots=True)
class Baseline:
    """The BAU years of a park and what they were accounted with."""

    park_id: str
    years: tuple[BauYear, ...]
    industries: dict[str, str | None]
    factor_set: str
    base_inventory: Inventory
    enterprise_views: tuple[Inventory, ...]
    inputs: AccountingInput
    factors: FactorSet
    options: AccountingOptions
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StoredPathwayRun:
    """A stored run: id, park, kind, status, parameters, result, who and when."""

    id: int
    park_id: str
    kind: str
    status: str
    params: dict[str, Any]
    result: dict[str, Any]
    cost_cny: float | None
    created_by: str
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "id": self.id,
            "park_id": self.park_id,
            "kind": self.kind,
            "status": self.status,
            "params": self.params,
            "result": self.result,
            "cost_cny": self.cost_cny,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
        }

    def summary(self) -> dict[str, Any]:
        """The run without its result (lists)."""
        d = self.to_dict()
        d.pop("result")
        return d


# --- measures --------------------------------------------------------------------------------


def library_measures(scope: Scope, park_id: str) -> tuple[Measure, ...]:
    """The measures the pathway chooses from: the built-in library and the park's own."""
    return park_library(scope, park_id)


def _measures(
    scope: Scope, park_id: str, params: PathwayParams, measures: Sequence[Measure] | None
) -> tuple[Measure, ...]:
    pool = tuple(measures) if measures is not None else library_measures(scope, park_id)
    if not params.measure_ids:
        return pool
    by_id = {m.id: m for m in pool}
    unknown = [i for i in params.measure_ids if i not in by_id]
    if unknown:
        raise NotFound(
            f"unknown measure id(s): {', '.join(unknown)}; list them with `zeropark roadmap measures`"
        )
    return tuple(by_id[i] for i in params.measure_ids)


# --- the BAU years from the accounting engine ----------------------------------------------------


#: Energy content of electricity [GJ/kWh], as the scenario's facility balance uses it.
_KWH_GJ = 0.0036
_GRID_FLOWS = frozenset({Flow.CONSUMED, Flow.PURCHASED})


def _supply_factor(inputs: AccountingInput, park: Inventory) -> tuple[float, float]:
    """CO2 [t] and energy [tce] of the park facilities' fuel per GJ they sell to the enterprises.

    :func:`zeropark.roadmap.scenario.project` cuts a facility's fuel by the ratio of its sales in
    energy content when a buyer's internal purchase falls; this is that marginal ratio.
    """
    sold_gj = math.fsum(
        t.quantity * (_KWH_GJ if t.carrier is Carrier.ELECTRICITY else 1.0) for t in inputs.transfers
    )
    suppliers = {t.from_enterprise_id for t in inputs.transfers}
    if sold_gj <= 0:
        return 0.0, 0.0
    fuel = [
        line
        for line in park.lines
        if line.enterprise_id in suppliers
        and line.carrier is not None
        and line.carrier is not Carrier.ELECTRICITY
    ]
    return (
        math.fsum(x.emissions_tco2e for x in fuel) / sold_gj,
        math.fsum(x.energy_tce for x in fuel) / sold_gj,
    )


def uses_of(
    inventory: Inventory,
    group: str,
    inputs: AccountingInput,
    grid: tuple[float, float],
    supply: tuple[float, float],
) -> list[Use]:
    """A view's line items summed per activity (carrier or ``process:<factor>``), valued for the park.

    Quantity and energy are the enterprise view's; the CO2 is what the park's total loses when the
    quantity goes, as the projection applies it: electricity from the park grid at the park's grid
    factor (``grid``: boundary purchase CO2 and tce per kWh), electricity and heat bought from a park
    facility at the facility's fuel per GJ sold (``supply``), everything else at the view's own lines.
    """
    acc: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for line in inventory.lines:
        if line.carrier is None or line.carrier is Carrier.MATERIAL:
            key = activity_key(None, line.factors[0].id if line.factors else "unknown")
        else:
            key = activity_key(line.carrier)
        row = acc[key]
        row[0] += line.activity
        row[1] += line.emissions_tco2e
        row[2] += line.energy_tce
    internal: dict[str, float] = defaultdict(float)
    from_grid: dict[str, float] = defaultdict(float)
    for q in inputs.quantities:
        if q.enterprise_id != group or q.carrier is None:
            continue
        if q.flow is Flow.INTERNAL_PURCHASE:
            internal[q.carrier.value] += q.quantity
        elif q.carrier is Carrier.ELECTRICITY and q.flow in _GRID_FLOWS:
            from_grid[q.carrier.value] += q.quantity
    elec = Carrier.ELECTRICITY.value
    for key, row in acc.items():
        own_q = row[0]
        if own_q <= 0 or (key not in internal and key not in from_grid and key != elec):
            continue
        gj = _KWH_GJ if key == elec else 1.0
        if key == elec:
            # what the projection's measures change: the use flows (park grid and park facilities),
            # not the group's own generation
            q_int, q_rest = internal.get(key, 0.0), from_grid.get(key, 0.0)
            row[0] = q_int + q_rest
            rest_co2, rest_tce = grid
        else:
            q_int = min(internal.get(key, 0.0), own_q)
            q_rest = own_q - q_int
            rest_co2, rest_tce = row[1] / own_q, row[2] / own_q
        row[1] = q_int * gj * supply[0] + q_rest * rest_co2
        row[2] = q_int * gj * supply[1] + q_rest * rest_tce
    return [
        Use(group, k, q, c, t, from_grid.get(k, 0.0) if k == elec else None)
        for k, (q, c, t) in sorted(acc.items())
        if q > 0
    ]


def bau_year(
    year: int,
    park: Inventory,
    enterprises: Sequence[Inventory],
    inputs: AccountingInput,
    grid_factor_tco2_per_mwh: float | None = None,
) -> BauYear:
    """One BAU year from the park view and the enterprises' own views (national method).

    The marginal park-grid kWh is valued at the park method's grid factor of the year
    (``grid_factor_tco2_per_mwh`` ÷ 1000: a kWh less drawn, generated on site or claimed green lowers
    ``(inflow − green − outflow) × EF`` by EF) and at the boundary purchase's tce per kWh; without
    the factor, at the boundary purchase's average CO2 per kWh (green claims deducted).
    """
    bought = [
        x for x in park.lines if x.carrier is Carrier.ELECTRICITY and x.emissions_tco2e > 0 and x.activity > 0
    ]
    kwh = math.fsum(x.activity for x in bought)
    grid = (
        (math.fsum(x.emissions_tco2e for x in bought) / kwh, math.fsum(x.energy_tce for x in bought) / kwh)
        if kwh > 0
        else (0.0, 0.0)
    )
    if grid_factor_tco2_per_mwh is not None:
        tce_kwh = grid[1] if kwh > 0 else _electricity_tce(park)
        grid = (grid_factor_tco2_per_mwh / 1000.0, tce_kwh)
    supply = _supply_factor(inputs, park)
    uses: list[Use] = []
    for view in enterprises:
        uses.extend(uses_of(view, view.enterprise_id or "park", inputs, grid, supply))
    if grid_factor_tco2_per_mwh is None:
        return BauYear(year, park.total_tco2e, park.energy_tce, tuple(uses))
    grid_tco2 = math.fsum(x.emissions_tco2e for x in park.lines if x.carrier is Carrier.ELECTRICITY)
    return BauYear(year, park.total_tco2e, park.energy_tce, tuple(uses), grid[0], grid[1], grid_tco2)


def _electricity_tce(park: Inventory) -> float:
    """Tce per kWh of any electricity line of the view (0 when it has none)."""
    for x in park.lines:
        if x.carrier is Carrier.ELECTRICITY and x.activity > 0 and x.energy_tce > 0:
            return x.energy_tce / x.activity
    return 0.0


def _scenario(params: PathwayParams, adoption: tuple[Adoption, ...] = ()) -> Scenario:
    """The scenario of the BAU years (no measure) or of a plan (its adoption), same drivers."""
    driver = Driver(params.growth_pct, params.growth_pct)
    kind = ScenarioKind.BAU if not adoption else ScenarioKind.POLICY
    return Scenario(
        "pathway", kind, params.base_year, Drivers(default=driver), horizon=params.horizon, adoption=adoption
    )


def baseline(
    scope: Scope,
    park_id: str,
    params: PathwayParams,
    progress: Progress | None = None,
    *,
    until: int | None = None,
) -> Baseline:
    """The park's BAU years from the base year to the horizon, each accounted by the accounting engine.

    Each year is :func:`zeropark.roadmap.scenario.project` of the base year's stored input (growth
    ``params.growth_pct`` % per year for every enterprise, the scenario's grid-factor path, no new
    measure) accounted by :func:`zeropark.accounting.engine.run_views` (national method).

    Raises
    ------
    NotFound
        Unknown park or factor set; no stored input for the base year.
    PathwayError
        A horizon not after the base year, or beyond :data:`MAX_HORIZON`.
    """
    if not params.base_year < params.horizon <= MAX_HORIZON:
        raise PathwayError(
            f"the horizon {params.horizon} must lie after the base year {params.base_year} "
            f"and not after {MAX_HORIZON}"
        )
    engine = scope.engine
    fs_name = params.factor_set or get_settings().factor_set
    fs: FactorSet = resolve_factor_set(engine, fs_name)
    inputs = load_accounting_input(engine, park_id, params.base_year)
    if not inputs.quantities:
        raise NotFound(
            f"park {park_id} has no energy or activity data for {params.base_year}: import the year's data "
            f"(or `zeropark demo --year {params.base_year}`) first"
        )
    options = AccountingOptions(method=Method.NATIONAL)
    scenario = _scenario(params)
    years: list[BauYear] = []
    first_views = None
    grid_note = ""
    last = params.horizon if until is None else min(max(until, params.base_year), params.horizon)
    for y in range(params.base_year, last + 1):
        if progress is not None:
            progress(f"baseline {y}")
        inp, fy, projection = project(inputs, fs, scenario, y, {}, options)
        views = run_views(inp, fy, projection.options)
        if first_views is None:
            first_views = views
            grid_note = "[UNCERTAIN] grid factor path" if projection.grid_factor_uncertain else ""
        years.append(bau_year(y, views.park, views.enterprises, inp, projection.grid_factor_tco2_per_mwh))
    assert first_views is not None
    industries: dict[str, str | None] = {e.id: e.industry_code for e in inputs.enterprises}
    notes = (
        f"BAU years {params.base_year}–{last} projected from the base year's stored input "
        f"(growth {params.growth_pct:g} %/a for every enterprise) and accounted by the accounting engine "
        f"with factor set {fs.name}@{fs.version}" + (f"; {grid_note}" if grid_note else ""),
    )
    return Baseline(
        park_id,
        tuple(years),
        industries,
        f"{fs.name}@{fs.version}",
        first_views.park,
        first_views.enterprises,
        inputs,
        fs,
        options,
        notes,
    )


def reaccount(
    base: Baseline,
    params: PathwayParams,
    measures: Sequence[Measure],
    additions: Sequence[Mapping[str, Any]],
    cache: dict[Any, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Account the plan year by year: project each year with the plan's units, run the engine.

    The plan's additions become the scenario's adoption (cumulative units in force at each
    enterprise, a unit retiring after its lifetime), so a planned year is accounted by the same
    engine as a real one. Returns per year the accounted CO2 [t], energy [tce] and core indicator.
    """
    by_id = {m.id: m for m in measures}
    added: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    for a in additions:
        cell = added[(a["measure"], a["group"])]
        cell[int(a["year"])] = cell.get(int(a["year"]), 0.0) + float(a["units"])
    years = [b.year for b in base.years]
    adoption: list[Adoption] = []
    for (mid, group), per_year in sorted(added.items()):
        life = by_id[mid].lifetime_years
        points: list[tuple[int, float]] = []
        for y in years:
            in_force = sum(u for k, u in per_year.items() if y - life < k <= y)
            if not points or abs(points[-1][1] - in_force) > 1e-12:
                points.append((y, in_force))
        adoption.append(Adoption(mid, tuple(points), None if group == "park" else group))
    scenario = _scenario(params, tuple(adoption))
    used = {m.id: m for m in measures}
    out: list[dict[str, Any]] = []
    for y in years:
        # a year whose units in force a previous plan had is not accounted again (``cache``)
        key = (
            y,
            tuple(
                (a.measure_id, a.enterprise_id, units_in_force(a, by_id[a.measure_id], y)) for a in adoption
            ),
        )
        if cache is not None and key in cache:
            out.append(cache[key])
            continue
        inp, fy, projection = project(base.inputs, base.factors, scenario, y, used, base.options)
        park = run_views(inp, fy, projection.options).park
        out.append(
            {
                "year": y,
                "inventory_tco2": park.total_tco2e,
                # the national method has no CCUS term ([UNCERTAIN], scenario.CcusTreatment): the
                # plan's captured CO2 is deducted here to compare with the model's net figure
                "emissions_tco2": park.total_tco2e - projection.captured_tco2,
                "energy_tce": park.energy_tce,
                "indicator_tco2_per_tce": park.total_tco2e / park.energy_tce if park.energy_tce > 0 else None,
                "captured_tco2": projection.captured_tco2,
            }
        )
        if cache is not None:
            cache[key] = out[-1]
    return out


# --- runs ------------------------------------------------------------------------------------


def _problem(params: PathwayParams, base: Baseline, measures: tuple[Measure, ...]) -> PathwayProblem:
    return PathwayProblem(
        measures=measures,
        bau=base.years,
        targets=params.targets,
        industries=base.industries,
        discount_rate=params.discount_rate,
        prices=dict(params.prices),
        capex_mode=params.capex_mode,
    )


def _measure_rows(measures: Sequence[Measure]) -> list[dict[str, Any]]:
    return [
        {
            "id": m.id,
            "effect_per_unit": m.effect_per_unit,
            "capex_cny_per_unit": m.capex_cny_per_unit,
            "opex_cny_per_unit_year": m.opex_cny_per_unit_year,
            "lifetime_years": m.lifetime_years,
            "max_share": m.max_share,
            "build_limit": m.build_limit,
            "source_id": m.source_id,
            "uncertain": m.uncertain,
        }
        for m in measures
    ]


#: A re-accounted year agrees with the model when |accounted − model| ≤ this share of the accounted
#: figure (or of 1 % of the base year's, for years near zero) — CO2 and energy alike.
GAP_TOLERANCE = 0.01
#: Most solves of :func:`_solve_reaccounted` (the first and its corrections); 2 when the target is
#: out of reach (each solve of an unreachable target is up to three HiGHS runs: strict, reach, cost).
MAX_SOLVES = 3
MAX_SOLVES_INFEASIBLE = 2


def _within(diff: float, value: float, floor: float) -> bool:
    return abs(diff) <= GAP_TOLERANCE * max(abs(value), floor) + 1e-9


def residual_gap(solved: PathwayResult, accounted: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per year: accounted − model for CO2 [t], energy [tce] and the indicator [tCO2/tce].

    ``within_tolerance``: CO2 and energy agree within :data:`GAP_TOLERANCE` of the accounted figure
    (or of 1 % of the base year's, for a figure near zero).
    """
    floor_e = 0.01 * abs(accounted[0]["emissions_tco2"]) if accounted else 0.0
    floor_t = 0.01 * abs(accounted[0]["energy_tce"]) if accounted else 0.0
    out: list[dict[str, Any]] = []
    for y, a, e, t, i in zip(
        solved.years,
        accounted,
        solved.emissions_tco2,
        solved.energy_tce,
        solved.indicator_tco2_per_tce,
        strict=True,
    ):
        de = float(a["emissions_tco2"]) - e
        dt = float(a["energy_tce"]) - t
        ai = a["indicator_tco2_per_tce"]
        out.append(
            {
                "year": y,
                "tco2": de,
                "tce": dt,
                "indicator": None if ai is None or i is None else float(ai) - i,
                "within_tolerance": _within(de, a["emissions_tco2"], floor_e)
                and _within(dt, a["energy_tce"], floor_t),
            }
        )
    return out


def _solve_reaccounted(
    problem: PathwayProblem,
    base: Baseline,
    params: PathwayParams,
    chosen: tuple[Measure, ...],
    report: Progress,
) -> tuple[PathwayResult, list[dict[str, Any]], list[dict[str, Any]]]:
    """Solve, re-account the plan, and while they differ re-solve with the difference as a correction.

    The model mirrors :func:`zeropark.roadmap.scenario.project` per measure (grid factor, grid
    floor, share caps); what it cannot hold linearly — a park facility's own measures times the
    fall of its sales, month-by-month floors — shows as accounted − model per year. That
    difference, measured on the plan, is added to the BAU of the next solve (CO2 and energy), so
    the next plan is chosen against the accounted figures; at most :data:`MAX_SOLVES` solves, until
    every year agrees within :data:`GAP_TOLERANCE`. Returns the last plan, its re-accounting and
    one row per solve (largest gaps).
    """
    rounds: list[dict[str, Any]] = []
    cache: dict[Any, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="zeropark-pathway-") as basis_dir:
        return _solve_rounds(problem, base, params, chosen, report, basis_dir, rounds, cache)


def _solve_rounds(
    problem: PathwayProblem,
    base: Baseline,
    params: PathwayParams,
    chosen: tuple[Measure, ...],
    report: Progress,
    basis_dir: str,
    rounds: list[dict[str, Any]],
    cache: dict[Any, dict[str, Any]],
) -> tuple[PathwayResult, list[dict[str, Any]], list[dict[str, Any]]]:
    bau0 = problem.bau
    corr_e = np.zeros(len(bau0))
    corr_t = np.zeros(len(bau0))
    while True:
        # a target out of reach stays so: the next solves go to the reach model at once; each
        # solve is warm-started from the previous one's basis (only right-hand sides change)
        solved = solve_pathway(
            problem,
            relaxed=bool(rounds) and rounds[-1]["status"] != "optimal",
            basis_dir=Path(basis_dir),
        )
        if not rounds:
            report("reaccount")
        accounted = reaccount(base, params, chosen, solved.additions, cache)
        gap = residual_gap(solved, accounted)
        acc_e = np.asarray([a["emissions_tco2"] for a in accounted], dtype=float)
        acc_i = [a["indicator_tco2_per_tce"] for a in accounted]
        met = all(target_status(t, solved.years, acc_e, acc_i)["met"] for t in params.targets)
        rounds.append(
            {
                "solve": len(rounds) + 1,
                "max_gap_tco2": max((abs(g["tco2"]) for g in gap), default=0.0),
                "max_gap_tce": max((abs(g["tce"]) for g in gap), default=0.0),
                "status": solved.status,
                "accounted_meets_targets": met,
            }
        )
        done = all(g["within_tolerance"] for g in gap) and (met or solved.status != "optimal")
        limit = MAX_SOLVES if solved.status == "optimal" else MAX_SOLVES_INFEASIBLE
        if done or len(rounds) >= limit:
            return solved, accounted, rounds
        corr_e += np.array([g["tco2"] for g in gap])
        corr_t += np.array([g["tce"] for g in gap])
        problem = dataclasses.replace(
            problem,
            bau=tuple(
                dataclasses.replace(b, emissions_tco2=b.emissions_tco2 + ce, energy_tce=b.energy_tce + ct)
                for b, ce, ct in zip(bau0, corr_e, corr_t, strict=True)
            ),
        )


def run_pathway(
    scope: Scope,
    park_id: str,
    params: PathwayParams,
    *,
    measures: Sequence[Measure] | None = None,
    progress: Progress | None = None,
) -> StoredPathwayRun:
    """Solve the least-cost pathway of ``park_id`` and store it (also when the target is out of reach).

    ``measures``: the measures to choose from (default: the built-in library, narrowed by
    ``params.measure_ids``). ``progress`` is called with each stage entered (:data:`STAGES`).

    Raises
    ------
    NotFound, PermissionDenied
        Unknown park / factor set / measure, or a user who may not create runs (audited).
    PathwayError, TargetBeforeBaseYear
        Bad parameters, named (nothing stored).
    OptimizationError
        The solver failed for another reason (nothing stored).
    """
    report = progress or (lambda _s: None)
    params.check()
    check_create(scope, park_id, ENTITY)
    if not params.targets:
        raise PathwayError(
            "give a target: --budget, --cap with --year, --zero-by, or --indicator with --year"
        )
    chosen = _measures(scope, park_id, params, measures)
    report("baseline")
    base = baseline(scope, park_id, params, progress=None)
    report("build")
    problem = _problem(params, base, chosen)
    report("solve")
    solved, accounted, rounds = _solve_reaccounted(problem, base, params, chosen, report)
    solved.notes.extend(base.notes)
    solved.notes.append(
        "energy prices and the discount rate are [UNCERTAIN] assumptions (editable parameters)"
    )
    if any(m.uncertain for m in chosen):
        solved.notes.append("some measures' figures are [UNCERTAIN] (marked in the library)")
    result = solved.to_dict()
    result["accounted"] = accounted
    gap = residual_gap(solved, accounted)
    diffs = [g["tco2"] for g in gap]
    worst = max(range(len(diffs)), key=lambda i: abs(diffs[i]))
    result["accounted_minus_linear_tco2"] = diffs
    result["gap"] = gap
    result["iterations"] = rounds
    result["gap_tolerance"] = GAP_TOLERANCE
    acc_e = np.asarray([a["emissions_tco2"] for a in accounted], dtype=float)
    acc_i = [a["indicator_tco2_per_tce"] for a in accounted]
    for t, spec in zip(result["targets"], params.targets, strict=True):
        t["accounted"] = target_status(spec, solved.years, acc_e, acc_i)
    met = all(t["accounted"]["met"] for t in result["targets"])
    result["accounted_meets_targets"] = met
    within = all(g["within_tolerance"] for g in gap)
    result["notes"].append(
        f"re-accounted by the accounting engine after {len(rounds)} solve(s): the largest difference "
        f"from the model is {diffs[worst]:+,.1f} t in {solved.years[worst]}"
        + (
            ""
            if within
            else f" (above the {GAP_TOLERANCE:.0%} tolerance in some years: see the gap per year)"
        )
    )
    if not met:
        missed = [t["target"] for t in result["targets"] if not t["accounted"]["met"]]
        result["notes"].append(
            "the re-accounted plan does NOT meet " + "; ".join(missed) + " (the accounting engine's "
            "figures, which are the reference): measures interact beyond the linear model"
        )
    result["uncertain"] = ["prices", "discount_rate"] + sorted(m.id for m in chosen if m.uncertain)
    report("save")
    stored_params = {**params.to_dict(), "factor_set": base.factor_set, "measures": _measure_rows(chosen)}
    return _save(scope, park_id, "pathway", solved.status, stored_params, result, solved.cost_cny["total"])


def run_macc(
    scope: Scope, park_id: str, params: PathwayParams, *, measures: Sequence[Measure] | None = None
) -> StoredPathwayRun:
    """The MACC of ``params.year`` (default: the horizon's last year) for ``park_id``, stored."""
    params.check()
    check_create(scope, park_id, ENTITY)
    chosen = _measures(scope, park_id, params, measures)
    year = params.year if params.year is not None else params.horizon
    if not params.base_year <= year <= params.horizon:
        raise PathwayError(
            f"the MACC year {year} must lie between the base year {params.base_year} "
            f"and the horizon {params.horizon}"
        )
    base = baseline(scope, park_id, params, until=year)
    bars: list[MaccBar] = macc(_problem(params, base, chosen), year)
    result = {
        "year": year,
        "bars": [b.to_dict() for b in bars],
        "potential_tco2": sum(b.potential_tco2 for b in bars),
        "bau_tco2": base.years[0].emissions_tco2,
        "notes": [
            *base.notes,
            "potentials are each measure's alone: measures on the same carrier overlap",
            "energy prices and the discount rate are [UNCERTAIN] assumptions (editable parameters)",
        ],
    }
    stored = {
        **params.to_dict(),
        "year": year,
        "factor_set": base.factor_set,
        "measures": _measure_rows(chosen),
    }
    return _save(scope, park_id, "macc", "done", stored, result, None)


def run_budget(scope: Scope, park_id: str, params: PathwayParams) -> StoredPathwayRun:
    """以碳定产、以产定基、以土为界 of ``params.targets[0]`` for ``park_id``, stored."""
    params.check()
    check_create(scope, park_id, ENTITY)
    if not params.targets:
        raise PathwayError(
            "give a target: --budget, --cap with --year, --zero-by, or --indicator with --year"
        )
    base = baseline(scope, park_id, params, until=params.base_year)
    park = base.base_inventory
    elec_co2 = elec_kwh = 0.0
    for line in park.lines:
        if line.carrier is Carrier.ELECTRICITY and line.emissions_tco2e > 0:
            elec_co2 += line.emissions_tco2e
            elec_kwh += line.activity
    sectors: dict[str, list[float | None]] = {}
    va = {e.id: e.value_added_10k_cny for e in base.inputs.enterprises}
    for view in base.enterprise_views:
        code = base.industries.get(view.enterprise_id or "") or "?"
        row = sectors.setdefault(code, [0.0, None])
        row[0] = (row[0] or 0.0) + view.total_tco2e
        v = va.get(view.enterprise_id or "")
        if v is not None:
            row[1] = (row[1] or 0.0) + v
    land = get_land(scope, park_id)
    res: BudgetResult = carbon_budget(
        params.targets[0],
        base_year=params.base_year,
        last_year=params.horizon,
        year=params.year,
        base_co2_t=park.total_tco2e,
        base_tce=park.energy_tce,
        electricity_co2_t=elec_co2,
        electricity_kwh=elec_kwh,
        sectors=[SectorBase(code, float(c or 0.0), o) for code, (c, o) in sorted(sectors.items())],
        land=land,
        options=params.infra,
    )
    result = res.to_dict()
    result["notes"] = [*res.notes, *base.notes]
    stored = {**params.to_dict(), "factor_set": base.factor_set}
    return _save(scope, park_id, "budget", "done", stored, result, None)


# --- land ------------------------------------------------------------------------------------


def get_land(scope: Scope, park_id: str) -> ParkLand:
    """The park's roof and land area [m²] and grid connection [MW] (all None when not entered)."""
    scope.check_park(park_id)
    with session_factory(scope.engine)() as session:
        row = session.get(ParkLandRow, park_id)
        if row is None:
            return ParkLand()
        return ParkLand(row.roof_area_m2, row.land_area_m2, row.grid_connection_mw)


def set_land(scope: Scope, park_id: str, land: ParkLand) -> ParkLand:
    """Store the park's areas [m²] and grid connection [MW] (managers; audited, one transaction)."""
    check_create(scope, park_id, "park_land")
    for name in ("roof_area_m2", "land_area_m2", "grid_connection_mw"):
        v = getattr(land, name)
        if v is not None and not v >= 0:
            raise DataError(f"{name} must be a number ≥ 0 (m² for areas, MW for the connection); got {v}")
    with transaction(scope.engine) as session:
        row = session.get(ParkLandRow, park_id)
        before = None if row is None else {"roof_area_m2": row.roof_area_m2, "land_area_m2": row.land_area_m2}
        if row is None:
            row = ParkLandRow(park_id=park_id)
            session.add(row)
        row.roof_area_m2 = land.roof_area_m2
        row.land_area_m2 = land.land_area_m2
        row.grid_connection_mw = land.grid_connection_mw
        row.updated_at = datetime.now(UTC)
        scope.audit(
            session, audit.UPDATE, "park_land", park_id, before=before, after=dataclasses.asdict(land)
        )
    return land


# --- store -----------------------------------------------------------------------------------


def _stored(row: PathwayRunRow) -> StoredPathwayRun:
    return StoredPathwayRun(
        row.id,
        row.park_id,
        row.kind,
        row.status,
        dict(row.params),
        dict(row.result),
        row.cost_cny,
        row.created_by,
        utc(row.created_at),
    )


def _save(
    scope: Scope,
    park_id: str,
    kind: str,
    status: str,
    params: dict[str, Any],
    result: dict[str, Any],
    cost: float | None,
) -> StoredPathwayRun:
    """Store the run and its audit record ``create pathway_run`` in one transaction."""
    with transaction(scope.engine) as session:
        row = PathwayRunRow(
            park_id=park_id,
            kind=kind,
            status=status,
            params=json_safe(params),
            result=json_safe(result),
            cost_cny=json_safe(cost),
            created_by=scope.user.username,
            created_at=datetime.now(UTC),
        )
        session.add(row)
        session.flush()
        scope.audit(
            session,
            audit.CREATE,
            ENTITY,
            str(row.id),
            after={"park_id": park_id, "kind": kind, "status": status, "cost_cny": row.cost_cny},
        )
        return _stored(row)


def list_runs(
    scope: Scope, park_id: str, *, kind: str | None = None, limit: int = 50
) -> list[StoredPathwayRun]:
    """The newest runs of ``park_id`` first (of one ``kind`` when given).

    Raises
    ------
    NotFound
        The park is outside the scope or does not exist.
    PermissionDenied
        An enterprise user.
    """
    check_read(scope, park_id, ENTITY, "(list)")
    require_park(scope.engine, park_id)
    with session_factory(scope.engine)() as session:
        q = select(PathwayRunRow).where(PathwayRunRow.park_id == park_id)
        if kind is not None:
            q = q.where(PathwayRunRow.kind == kind)
        rows = session.scalars(q.order_by(PathwayRunRow.id.desc()).limit(limit)).all()
        return [_stored(r) for r in rows]


def get_run(scope: Scope, run_id: int) -> StoredPathwayRun:
    """One stored run with its parameters and result.

    Raises
    ------
    NotFound
        No run ``run_id`` (or its park is outside the scope; audited).
    PermissionDenied
        An enterprise user.
    """
    with session_factory(scope.engine)() as session:
        row = session.get(PathwayRunRow, run_id)
        if row is None:
            raise NotFound(f"roadmap run {run_id} not found; list runs with `zeropark roadmap runs --park P`")
        run = _stored(row)
    check_read(scope, run.park_id, ENTITY, str(run_id))
    return run


def elapsed(t0: float) -> float:
    """Seconds since ``t0`` (perf counter)."""
    return time.perf_counter() - t0


def targets_from(
    *,
    budget_tco2: float | None = None,
    cap_tco2: float | None = None,
    zero_by: int | None = None,
    indicator: float | None = None,
    year: int | None = None,
) -> tuple[Target, ...]:
    """The targets of a request as every door states them (CLI options, API fields, page form).

    ``budget_tco2``: cumulative budget over the planned years [tCO2]; ``cap_tco2`` with ``year``:
    CO2 ≤ cap from that year on [tCO2/a]; ``zero_by``: zero CO2 from that year; ``indicator`` with
    ``year``: CO2/energy ≤ indicator from that year [tCO2/tce].

    Raises
    ------
    PathwayError
        A cap or indicator without a year, or no target at all.
    """
    for name, v in (("budget", budget_tco2), ("cap", cap_tco2), ("indicator", indicator)):
        if v is not None and not (math.isfinite(v) and v >= 0):
            raise PathwayError(f"the {name} must be a number ≥ 0; got {v}")
    out: list[Target] = []
    if budget_tco2 is not None:
        out.append(Target(TargetKind.BUDGET, float(budget_tco2)))
    if cap_tco2 is not None:
        if year is None:
            raise PathwayError("a cap (--cap / cap_tco2) needs the year it holds from (--year / year)")
        out.append(Target(TargetKind.CAP, float(cap_tco2), year))
    if zero_by is not None:
        out.append(Target(TargetKind.ZERO, 0.0, zero_by))
    if indicator is not None:
        if year is None:
            raise PathwayError("an indicator cap (--indicator / indicator) needs its year (--year / year)")
        out.append(Target(TargetKind.INDICATOR, float(indicator), year))
    if not out:
        raise PathwayError(
            "give a target: a budget (tCO2), a cap (tCO2/a) with a year, zero by a year, "
            "or an indicator cap (tCO2/tce) with a year"
        )
    return tuple(out)


def prices_from(pairs: Mapping[str, float]) -> dict[str, float]:
    """The default energy prices with ``pairs`` (carrier → CNY per canonical unit) replacing them.

    Raises
    ------
    PathwayError
        An unknown carrier or a negative / non-finite price.
    """
    out = dict(DEFAULT_PRICES)
    known = {c.value for c in Carrier}
    for k, v in pairs.items():
        if k not in known:
            raise PathwayError(f"price of '{k}': not a carrier; use one of {', '.join(sorted(known))}")
        if not (math.isfinite(v) and v >= 0):
            raise PathwayError(f"price of '{k}' must be a number ≥ 0 (CNY per canonical unit); got {v}")
        out[k] = float(v)
    return out
