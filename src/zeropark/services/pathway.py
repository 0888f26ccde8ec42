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
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from zeropark.accounting.engine import run_views
from zeropark.accounting.inventory import Inventory
from zeropark.accounting.options import AccountingOptions
from zeropark.errors import DataError, NotFound
from zeropark.factors.factorset import FactorSet
from zeropark.model import AccountingInput, Carrier, Method
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
)
from zeropark.services.factor_sets import resolve_factor_set
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
    "set_land",
]

ENTITY = "pathway_run"
#: Stages a run reports to its progress callback.
STAGES = ("baseline", "build", "solve", "save")
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


def library_measures() -> tuple[Measure, ...]:
    """The built-in measures library (``roadmap/data/measures.csv``)."""
    try:
        from zeropark.roadmap import library  # type: ignore[attr-defined]
    except ImportError as exc:  # the library is another slice of issue 14
        raise NotFound("the built-in measures library is not installed (roadmap/data/measures.csv)") from exc
    return tuple(library.builtin_measures())


def _measures(params: PathwayParams, measures: Sequence[Measure] | None) -> tuple[Measure, ...]:
    pool = tuple(measures) if measures is not None else library_measures()
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


def uses_of(inventory: Inventory, group: str) -> list[Use]:
    """A view's line items summed per activity (carrier or ``process:<factor>``): quantity, CO2, tce."""
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
    return [Use(group, k, q, c, t) for k, (q, c, t) in sorted(acc.items()) if q > 0]


def bau_year(year: int, park: Inventory, enterprises: Sequence[Inventory]) -> BauYear:
    """One BAU year from the park view and the enterprises' own views (national method)."""
    uses: list[Use] = []
    for view in enterprises:
        uses.extend(uses_of(view, view.enterprise_id or "park"))
    return BauYear(year, park.total_tco2e, park.energy_tce, tuple(uses))


def baseline(
    scope: Scope,
    park_id: str,
    base_year: int,
    horizon: int,
    factor_set: str = "",
    progress: Progress | None = None,
) -> Baseline:
    """The park's BAU years from ``base_year`` to ``horizon``, accounted by the accounting engine.

    Raises
    ------
    NotFound
        Unknown park or factor set; no stored input for the base year.
    PathwayError
        A horizon not after the base year, or beyond :data:`MAX_HORIZON`.
    """
    if not base_year < horizon <= MAX_HORIZON:
        raise PathwayError(
            f"the horizon {horizon} must lie after the base year {base_year} and not after {MAX_HORIZON}"
        )
    engine = scope.engine
    fs_name = factor_set or get_settings().factor_set
    fs: FactorSet = resolve_factor_set(engine, fs_name)
    inputs = load_accounting_input(engine, park_id, base_year)
    if not inputs.quantities:
        raise NotFound(
            f"park {park_id} has no energy or activity data for {base_year}: import the year's data "
            f"(or `zeropark demo`) and account it with `zeropark account --year {base_year}` first"
        )
    views = run_views(inputs, fs, AccountingOptions(method=Method.NATIONAL))
    first = bau_year(base_year, views.park, views.enterprises)
    years = tuple(dataclasses.replace(first, year=y) for y in range(base_year, horizon + 1))
    industries: dict[str, str | None] = {e.id: e.industry_code for e in inputs.enterprises}
    notes = (
        f"BAU held at the base year {base_year} for every year to {horizon} (frozen: no growth, the "
        f"base year's grid factor); factor set {fs.name}@{fs.version}",
    )
    return Baseline(
        park_id, years, industries, f"{fs.name}@{fs.version}", views.park, views.enterprises, inputs, notes
    )


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
    check_create(scope, park_id, ENTITY)
    if not params.targets:
        raise PathwayError(
            "give a target: --budget, --cap with --year, --zero-by, or --indicator with --year"
        )
    chosen = _measures(params, measures)
    report("baseline")
    base = baseline(scope, park_id, params.base_year, params.horizon, params.factor_set)
    report("build")
    problem = _problem(params, base, chosen)
    report("solve")
    solved: PathwayResult = solve_pathway(problem)
    solved.notes.extend(base.notes)
    solved.notes.append(
        "energy prices and the discount rate are [UNCERTAIN] assumptions (editable parameters)"
    )
    if any(m.uncertain for m in chosen):
        solved.notes.append("some measures' figures are [UNCERTAIN] (marked in the library)")
    result = solved.to_dict()
    result["uncertain"] = ["prices", "discount_rate"] + sorted(m.id for m in chosen if m.uncertain)
    report("save")
    stored_params = {**params.to_dict(), "factor_set": base.factor_set, "measures": _measure_rows(chosen)}
    return _save(scope, park_id, "pathway", solved.status, stored_params, result, solved.cost_cny["total"])


def run_macc(
    scope: Scope, park_id: str, params: PathwayParams, *, measures: Sequence[Measure] | None = None
) -> StoredPathwayRun:
    """The MACC of ``params.year`` (default: the horizon's last year) for ``park_id``, stored."""
    check_create(scope, park_id, ENTITY)
    chosen = _measures(params, measures)
    base = baseline(scope, park_id, params.base_year, params.horizon, params.factor_set)
    year = params.year if params.year is not None else params.horizon
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
    check_create(scope, park_id, ENTITY)
    if not params.targets:
        raise PathwayError(
            "give a target: --budget, --cap with --year, --zero-by, or --indicator with --year"
        )
    base = baseline(scope, park_id, params.base_year, params.horizon, params.factor_set)
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
