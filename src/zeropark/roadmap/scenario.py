"""Scenarios to 2030 and 2060 (情景): assumptions, and one planned year as an accounting input (pure).

A :class:`Scenario` holds every assumption of a projection: its kind (business as usual, policy,
"zero by year X"), the base year (an accounted inventory), growth drivers per enterprise (or per
GB/T 4754-2017 sector prefix, or a default), the grid-factor trajectory, the adoption schedule of
reduction measures (:class:`~zeropark.roadmap.measures.Measure`), the CCUS treatment and a target.

:func:`project` turns the base year's :class:`~zeropark.model.AccountingInput` into the input of a
planned year, and the factor set into one that holds the year's projected grid factor. The caller
then accounts it with :func:`zeropark.accounting.engine.run` and evaluates
:func:`zeropark.indicators.evaluate` on it: a planned year is accounted by the same core as a real
one, there is no second formula.

What one year's projection does, in this order (quantities in the carriers' canonical units,
:data:`zeropark.model.CANONICAL_UNIT`):

1. **Months moved** to the planned year (the base year's monthly profile is kept).
2. **Growth.** Every energy and process quantity of an enterprise is multiplied by its production
   index Pₑ(y) (:meth:`Driver.production`); its value added (工业增加值, 10⁴ CNY) by its output index
   Oₑ(y); the park's value added by Σ VAₑ(y) / Σ VAₑ(b). On-site generation and exports of
   electricity are not scaled (they follow the plant, not production).
3. **Measures** in force (:func:`units_in_force`: cumulative units of the schedule, with the
   measure's linear ramp) change the quantities by their :class:`~zeropark.roadmap.measures.Mechanism`
   (details at :func:`project`), in the order of measure ids.
4. **Park balances.** A change of an enterprise's park-grid consumption (``CONSUMED``) changes the
   boundary purchase (``PURCHASED`` at park level) by the same kWh or GJ, month by month (floored at
   0); a change of an enterprise's purchase from a park facility (``INTERNAL_PURCHASE``) changes the
   facility's sales (the transfers) and the facility's own fuel and energy use by the ratio of its
   sales in energy content (kWh × 0.0036 GJ/kWh, heat in GJ), month by month — a CHP follows its
   buyers' demand, not its own driver.
5. **Green power** bought before the base year is carried forward at the same MWh.
6. **Grid factor**: the park method's grid factor of the year is the trajectory's value
   (:class:`GridTrajectory`), added to a derived factor set as a clearly labelled projected factor.

Hourly arrays are not projected: the hourly (24/7) share of a planned year is reported as missing.
"""

from __future__ import annotations

import calendar
import dataclasses
import functools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from zeropark.accounting.lineitems import Note
from zeropark.accounting.options import AccountingOptions
from zeropark.errors import DataError
from zeropark.factors.factorset import NATIONAL, Confidence, Factor, FactorKind, FactorSet, Source
from zeropark.model import (
    CANONICAL_UNIT,
    FOSSIL_FUELS,
    HEAT_CARRIERS,
    AccountingInput,
    Carrier,
    ClaimKind,
    Enterprise,
    Flow,
    GreenPowerClaim,
    MonthlyQuantity,
    Transfer,
)
from zeropark.roadmap.measures import Measure, Mechanism

__all__ = [
    "DEFAULT_HORIZON",
    "KWH_GJ",
    "Adoption",
    "AdoptionError",
    "AppliedMeasure",
    "CcusTreatment",
    "Driver",
    "Drivers",
    "DriversIncomplete",
    "GridTrajectory",
    "GridTrajectoryError",
    "HorizonError",
    "Projection",
    "Scenario",
    "ScenarioError",
    "ScenarioKind",
    "Target",
    "TargetBeforeBase",
    "TargetKind",
    "UnknownMeasure",
    "YearOutsideScenario",
    "default_grid_trajectory",
    "project",
    "resolve_drivers",
    "scenario_from_dict",
    "scenario_to_dict",
    "units_in_force",
    "validate",
]

#: Last year of a scenario unless said otherwise (the 2060 carbon-neutrality goal).
DEFAULT_HORIZON = 2060
#: Energy content of electricity [GJ/kWh] (1 kWh = 3.6 MJ), for the facilities' sales balance.
KWH_GJ = 0.0036
#: Latest horizon accepted.
MAX_HORIZON = 2100

#: Flows that are consumption of a carrier by a party (what efficiency and fuel switches reduce).
_USE_FLOWS = frozenset({Flow.COMBUSTION, Flow.PURCHASED, Flow.CONSUMED, Flow.INTERNAL_PURCHASE})
#: Flows of electricity from the park grid (what green power covers, what on-site PV replaces).
_GRID_FLOWS = frozenset({Flow.PURCHASED, Flow.CONSUMED})
#: A park facility's own use, which follows its sales to the enterprises.
_SUPPLIER_USE = frozenset({Flow.COMBUSTION, Flow.PURCHASED, Flow.CONSUMED, Flow.PROCESS})
_EVIDENCE = "scenario"


# -- errors -----------------------------------------------------------------------------------------
class ScenarioError(DataError):
    """A scenario that cannot be projected; the message names the field and what to fix."""


class TargetBeforeBase(ScenarioError):
    """The target year lies before the base year (or after the horizon)."""


class DriversIncomplete(ScenarioError):
    """The drivers do not cover every enterprise of the base inventory; ``missing`` lists them."""

    def __init__(self, missing: Sequence[str]) -> None:
        self.missing = tuple(missing)
        super().__init__(
            f"drivers: no growth driver for {len(self.missing)} enterprise(s) of the base inventory: "
            f"{', '.join(self.missing)}; give each a driver, a sector driver (GB/T 4754 prefix) or a "
            "default driver"
        )


class UnknownMeasure(ScenarioError):
    """The adoption schedule names a measure that is neither built in nor the park's own."""


class AdoptionError(ScenarioError):
    """An adoption schedule outside the scenario's years, negative, or above the build limit."""


class GridTrajectoryError(ScenarioError):
    """A grid-factor trajectory without points, with a negative factor or a year twice."""


class HorizonError(ScenarioError):
    """A horizon before the base year or after :data:`MAX_HORIZON`."""


class YearOutsideScenario(ScenarioError):
    """A year asked for that lies outside base year … horizon."""


# -- assumptions ------------------------------------------------------------------------------------
class ScenarioKind(StrEnum):
    """情景类型."""

    BAU = "bau"  # 基准情景: growth, no new measures
    POLICY = "policy"  # 政策情景: a documented set of measures
    ZERO_BY = "zero_by"  # 目标情景: zero (net) emissions by a year


class CcusTreatment(StrEnum):
    """How captured CO2 enters the figures ([UNCERTAIN]: the 核算方法 has no CCUS term).

    ``beside`` (default): captured tCO2 is reported beside the national-method inventory, not
    deducted. ``deduct``: the net figure = inventory − captured (floored at 0) is reported as well.
    """

    BESIDE = "beside"
    DEDUCT = "deduct"


class TargetKind(StrEnum):
    """目标类型."""

    ZERO_BY = "zero_by"  # net park CO2 ≤ 0 by ``year``
    CORE_INDICATOR = "core_indicator"  # 单位能耗碳排放 ≤ ``value`` tCO2/tce by ``year``


def _points(data: Iterable[tuple[int, float]] | Mapping[int, float]) -> tuple[tuple[int, float], ...]:
    items = data.items() if isinstance(data, Mapping) else data
    return tuple(sorted((int(y), float(v)) for y, v in items))


@dataclass(frozen=True, slots=True)
class Driver:
    """Growth of one enterprise (or sector) from the base year [% per year].

    ``production_growth_pct`` drives energy and process activity; ``output_growth_pct`` drives value
    added (工业增加值). ``production_index`` / ``output_index`` are explicit yearly values relative to
    the base year (base = 1.0); between and after them the growth rate compounds from the last one.
    """

    production_growth_pct: float = 0.0
    output_growth_pct: float = 0.0
    production_index: tuple[tuple[int, float], ...] = ()
    output_index: tuple[tuple[int, float], ...] = ()

    @staticmethod
    def _index(base: int, year: int, pct: float, points: tuple[tuple[int, float], ...]) -> float:
        anchor, value = base, 1.0
        for y, v in points:
            if y <= year:
                anchor, value = y, v
        return value * (1.0 + pct / 100.0) ** (year - anchor)

    def production(self, base: int, year: int) -> float:
        """Production index Pₑ(year) = P(k)·(1 + g/100)^(year − k), k the last explicit year ≤ year."""
        return self._index(base, year, self.production_growth_pct, self.production_index)

    def output(self, base: int, year: int) -> float:
        """Output (value-added) index Oₑ(year), as :meth:`production`."""
        return self._index(base, year, self.output_growth_pct, self.output_index)


@dataclass(frozen=True, slots=True)
class Drivers:
    """Drivers per enterprise id, per GB/T 4754 code prefix (longest prefix wins) and a default."""

    by_enterprise: tuple[tuple[str, Driver], ...] = ()
    by_sector: tuple[tuple[str, Driver], ...] = ()
    default: Driver | None = None


@dataclass(frozen=True, slots=True)
class GridTrajectory:
    """Grid-factor path of the park method [tCO2/MWh] by year, linearly interpolated, held outside.

    ``source`` cites the projection; ``uncertain`` marks a path no official document gives (every
    output using it says so).
    """

    points: tuple[tuple[int, float], ...]
    source: str
    uncertain: bool = True

    def value(self, year: int) -> float:
        """The factor of ``year`` [tCO2/MWh]: linear between points, the end values outside."""
        pts = self.points
        if year <= pts[0][0]:
            return pts[0][1]
        for (y0, v0), (y1, v1) in zip(pts, pts[1:], strict=False):
            if y0 <= year <= y1:
                return v0 + (v1 - v0) * (year - y0) / (y1 - y0)
        return pts[-1][1]


@dataclass(frozen=True, slots=True)
class Adoption:
    """Cumulative units of one measure in force from each listed year on (step, held between).

    ``enterprise_id`` = ``None``: park-wide (spread over the enterprises it applies to; on-site
    generation: a plant of the park operator); an id: at that enterprise only.
    """

    measure_id: str
    units: tuple[tuple[int, float], ...]
    enterprise_id: str | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """A zero-by-year target, or a core-indicator level [tCO2/tce] by a year."""

    kind: TargetKind
    year: int
    value: float | None = None


@dataclass(frozen=True, slots=True)
class Scenario:
    """Every assumption of one scenario; stored as :func:`scenario_to_dict` gives it."""

    name: str
    kind: ScenarioKind
    base_year: int
    drivers: Drivers
    horizon: int = DEFAULT_HORIZON
    grid: GridTrajectory | None = None  # None: :func:`default_grid_trajectory`
    adoption: tuple[Adoption, ...] = ()
    ccus: CcusTreatment = CcusTreatment.BESIDE
    target: Target | None = None
    description: str = ""

    @property
    def years(self) -> range:
        """Base year … horizon."""
        return range(self.base_year, self.horizon + 1)


# -- projection result ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AppliedMeasure:
    """What one measure changed in one year: units in force and the quantity it changed."""

    measure_id: str
    enterprise_id: str | None
    units: float
    quantity: float  # the measure's carrier (or kWh, tCO2, t) changed this year
    unit: str
    capped: bool = False  # the share cap (max_share) bound: less than the units' effect applied


@dataclass(frozen=True, slots=True)
class Projection:
    """What :func:`project` says beside the input: options to account with, grid factor, CCUS, notes."""

    year: int
    options: AccountingOptions
    grid_factor_tco2_per_mwh: float
    grid_factor_uncertain: bool
    captured_tco2: float = 0.0
    captured_by_party: dict[str, float] = field(default_factory=dict)
    storage_kwh: float = 0.0
    applied: tuple[AppliedMeasure, ...] = ()
    notes: tuple[Note, ...] = ()


HOURLY_NOT_PROJECTED = Note(
    "hourly_not_projected",
    "规划年份不推算逐时数据：逐时（24/7）绿电匹配占比按缺失报告",
    "hourly arrays are not projected: the hourly (24/7) share of a planned year is reported as missing",
)


# -- validation -------------------------------------------------------------------------------------
def resolve_drivers(drivers: Drivers, enterprises: Iterable[Enterprise]) -> dict[str, Driver]:
    """The driver of each enterprise: its own, else its longest sector prefix, else the default.

    Raises
    ------
    DriversIncomplete
        Some enterprises have none (all are listed).
    """
    own = dict(drivers.by_enterprise)
    sectors = sorted(drivers.by_sector, key=lambda kv: -len(kv[0]))
    out: dict[str, Driver] = {}
    missing: list[str] = []
    for e in sorted(enterprises, key=lambda e: e.id):
        found = own.get(e.id)
        if found is None:
            found = next((d for p, d in sectors if e.industry_code.startswith(p)), drivers.default)
        if found is None:
            missing.append(e.id)
        else:
            out[e.id] = found
    if missing:
        raise DriversIncomplete(missing)
    return out


def validate(
    scenario: Scenario, enterprises: Iterable[Enterprise], measures: Mapping[str, Measure]
) -> dict[str, Driver]:
    """Check a scenario against the base inventory's enterprises and the measures; its drivers.

    Raises
    ------
    HorizonError, TargetBeforeBase, DriversIncomplete, UnknownMeasure, AdoptionError,
    GridTrajectoryError
        Each names the field and what to fix.
    """
    s = scenario
    if not (s.base_year < s.horizon <= MAX_HORIZON):
        raise HorizonError(
            f"horizon: {s.horizon} must lie after the base year {s.base_year} and not after {MAX_HORIZON}"
        )
    if s.target is not None:
        if s.target.year < s.base_year:
            raise TargetBeforeBase(
                f"target.year: {s.target.year} lies before the base year {s.base_year}; "
                "choose a year from the base year on"
            )
        if s.target.year > s.horizon:
            raise TargetBeforeBase(f"target.year: {s.target.year} lies after the horizon {s.horizon}")
        if s.target.kind is TargetKind.CORE_INDICATOR and not (
            s.target.value is not None and math.isfinite(s.target.value) and s.target.value >= 0
        ):
            raise ScenarioError("target.value: a core-indicator target needs a value ≥ 0 [tCO2/tce]")
    for label, pairs in (("by_enterprise", s.drivers.by_enterprise), ("by_sector", s.drivers.by_sector)):
        for key, d in pairs:
            _check_driver(f"drivers.{label}.{key}", d, s)
    if s.drivers.default is not None:
        _check_driver("drivers.default", s.drivers.default, s)
    enterprises = list(enterprises)
    ids = {e.id for e in enterprises}
    drivers = resolve_drivers(s.drivers, enterprises)
    if s.grid is not None:
        _check_grid(s.grid)
    for i, a in enumerate(s.adoption):
        where = f"adoption[{i}] ({a.measure_id})"
        m = measures.get(a.measure_id)
        if m is None:
            raise UnknownMeasure(
                f"{where}: measure '{a.measure_id}' is neither in the measures library nor the park's own; "
                f"known: {', '.join(sorted(measures)) or 'none'}"
            )
        if a.enterprise_id is not None and a.enterprise_id not in ids:
            raise AdoptionError(f"{where}: enterprise '{a.enterprise_id}' is not in the base inventory")
        if not a.units:
            raise AdoptionError(f"{where}: list at least one (year, units) pair")
        previous = 0.0
        years = [y for y, _ in a.units]
        if len(set(years)) != len(years):
            raise AdoptionError(f"{where}: a year is listed twice")
        for y, u in a.units:
            if not (s.base_year <= y <= s.horizon):
                raise AdoptionError(f"{where}: year {y} lies outside {s.base_year}–{s.horizon}")
            if not (math.isfinite(u) and u >= 0):
                raise AdoptionError(f"{where}: units in force in {y} must be a number ≥ 0 (got {u})")
            if m.build_limit is not None and u - previous > m.build_limit * (1 + 1e-12):
                raise AdoptionError(
                    f"{where}: {u - previous:g} {m.unit} added in {y} exceed the measure's build limit "
                    f"of {m.build_limit:g} {m.unit} per year; spread them over more years"
                )
            previous = u
    return drivers


def _check_driver(where: str, d: Driver, s: Scenario) -> None:
    for name in ("production_growth_pct", "output_growth_pct"):
        v = getattr(d, name)
        if not (math.isfinite(v) and v > -100.0):
            raise ScenarioError(f"{where}.{name}: growth must be a number > −100 %/a (got {v})")
    for name in ("production_index", "output_index"):
        for y, v in getattr(d, name):
            if not (s.base_year <= y <= s.horizon):
                raise ScenarioError(f"{where}.{name}: year {y} lies outside {s.base_year}–{s.horizon}")
            if not (math.isfinite(v) and v >= 0):
                raise ScenarioError(f"{where}.{name}: index of {y} must be ≥ 0 (got {v})")


def _check_grid(g: GridTrajectory) -> None:
    if not g.points:
        raise GridTrajectoryError("grid.points: give at least one (year, tCO2/MWh) point")
    years = [y for y, _ in g.points]
    if len(set(years)) != len(years):
        raise GridTrajectoryError("grid.points: a year is listed twice")
    for y, v in g.points:
        if not (math.isfinite(v) and v >= 0):
            raise GridTrajectoryError(f"grid.points: the factor of {y} must be ≥ 0 tCO2/MWh (got {v})")


def default_grid_trajectory(factors: FactorSet, options: AccountingOptions, base_year: int) -> GridTrajectory:
    """The default path: the park method's grid factor of the options, held constant [UNCERTAIN].

    The park method charges uncovered grid MWh with the national fossil-power factor (0.8325
    tCO2/MWh for 2022, MEE/NBS); no official document projects that factor, so the path holds the
    factor of the base run and is flagged [UNCERTAIN] — edit it in the scenario to test another.
    """
    f = factors.grid_electricity(options.national_grid_calibre, options.national_grid_year, NATIONAL)
    return GridTrajectory(
        points=((base_year, f.value),),
        source=(
            f"held at {f.label_en} {options.national_grid_year} = {f.value:g} tCO2/MWh "
            f"({f.source.citation()}); "
            "no official projection of this factor exists [UNCERTAIN]"
        ),
        uncertain=True,
    )


def units_in_force(adoption: Adoption, measure: Measure, year: int) -> float:
    """Effective units of ``adoption`` in ``year``: each year's added units ramp in linearly.

    Units added in year k count ``min(1, (year − k) / ramp_years)`` of their effect
    (``ramp_years`` = 0: fully from year k); the schedule is cumulative and held between years.
    """
    total, previous = 0.0, 0.0
    for k, cumulative in adoption.units:
        if k > year:
            break
        added = cumulative - previous
        previous = cumulative
        r = measure.ramp_years
        total += added * (1.0 if r == 0 else min(1.0, (year - k) / r))
    return total


# -- serialisation ----------------------------------------------------------------------------------
def _driver_dict(d: Driver) -> dict[str, Any]:
    return {
        "production_growth_pct": d.production_growth_pct,
        "output_growth_pct": d.output_growth_pct,
        "production_index": {str(y): v for y, v in d.production_index},
        "output_index": {str(y): v for y, v in d.output_index},
    }


def _driver_of(data: Mapping[str, Any], where: str) -> Driver:
    try:
        return Driver(
            production_growth_pct=float(data.get("production_growth_pct", 0.0)),
            output_growth_pct=float(data.get("output_growth_pct", 0.0)),
            production_index=_points(data.get("production_index") or {}),
            output_index=_points(data.get("output_index") or {}),
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise ScenarioError(
            f"{where}: {exc}; a driver is {{production_growth_pct, output_growth_pct}}"
        ) from None


def scenario_to_dict(s: Scenario) -> dict[str, Any]:
    """Plain JSON-able assumptions (what is stored and what the API takes)."""
    return {
        "name": s.name,
        "kind": s.kind.value,
        "base_year": s.base_year,
        "horizon": s.horizon,
        "description": s.description,
        "drivers": {
            "by_enterprise": {k: _driver_dict(d) for k, d in s.drivers.by_enterprise},
            "by_sector": {k: _driver_dict(d) for k, d in s.drivers.by_sector},
            "default": None if s.drivers.default is None else _driver_dict(s.drivers.default),
        },
        "grid": None
        if s.grid is None
        else {
            "points": {str(y): v for y, v in s.grid.points},
            "source": s.grid.source,
            "uncertain": s.grid.uncertain,
        },
        "adoption": [
            {
                "measure_id": a.measure_id,
                "enterprise_id": a.enterprise_id,
                "units": {str(y): u for y, u in a.units},
            }
            for a in s.adoption
        ],
        "ccus": s.ccus.value,
        "target": None
        if s.target is None
        else {"kind": s.target.kind.value, "year": s.target.year, "value": s.target.value},
    }


def scenario_from_dict(data: Mapping[str, Any]) -> Scenario:
    """The scenario of :func:`scenario_to_dict`'s mapping.

    Raises
    ------
    ScenarioError
        A field missing or of the wrong type (named).
    """

    def need(key: str) -> Any:
        if key not in data or data[key] is None:
            raise ScenarioError(f"{key}: required")
        return data[key]

    try:
        kind = ScenarioKind(need("kind"))
    except ValueError:
        raise ScenarioError(
            f"kind: '{data.get('kind')}' is not one of {', '.join(k.value for k in ScenarioKind)}"
        ) from None
    try:
        ccus = CcusTreatment(data.get("ccus") or CcusTreatment.BESIDE.value)
    except ValueError:
        raise ScenarioError(f"ccus: '{data.get('ccus')}' is not 'beside' or 'deduct'") from None
    try:
        base_year = int(need("base_year"))
        horizon = int(data.get("horizon") or DEFAULT_HORIZON)
    except (TypeError, ValueError):
        raise ScenarioError("base_year/horizon: whole years, e.g. 2025 and 2060") from None
    d = data.get("drivers") or {}
    if not isinstance(d, Mapping):
        raise ScenarioError("drivers: an object {by_enterprise, by_sector, default}")
    drivers = Drivers(
        by_enterprise=tuple(
            sorted(
                (k, _driver_of(v, f"drivers.by_enterprise.{k}"))
                for k, v in (d.get("by_enterprise") or {}).items()
            )
        ),
        by_sector=tuple(
            sorted(
                (k, _driver_of(v, f"drivers.by_sector.{k}")) for k, v in (d.get("by_sector") or {}).items()
            )
        ),
        default=None if d.get("default") is None else _driver_of(d["default"], "drivers.default"),
    )
    g = data.get("grid")
    try:
        grid = (
            None
            if g is None
            else GridTrajectory(
                points=_points(g.get("points") or {}),
                source=str(g.get("source") or "user-entered path [UNCERTAIN]"),
                uncertain=bool(g.get("uncertain", True)),
            )
        )
        adoption = tuple(
            Adoption(
                measure_id=str(a["measure_id"]),
                units=_points(a.get("units") or {}),
                enterprise_id=a.get("enterprise_id") or None,
            )
            for a in data.get("adoption") or ()
        )
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ScenarioError(f"grid/adoption: {exc}; see the scenario format in docs/roadmap.md") from None
    t = data.get("target")
    target = None
    if t is not None:
        try:
            target = Target(
                kind=TargetKind(t["kind"]),
                year=int(t["year"]),
                value=None if t.get("value") is None else float(t["value"]),
            )
        except (TypeError, ValueError, KeyError) as exc:
            raise ScenarioError(
                f"target: {exc}; a target is {{kind: zero_by|core_indicator, year, value}}"
            ) from None
    return Scenario(
        name=str(need("name")),
        kind=kind,
        base_year=base_year,
        horizon=horizon,
        drivers=drivers,
        grid=grid,
        adoption=adoption,
        ccus=ccus,
        target=target,
        description=str(data.get("description") or ""),
    )


# -- projection -------------------------------------------------------------------------------------
def _with(q: MonthlyQuantity, month: date, quantity: float) -> MonthlyQuantity:
    """``q`` with another month and quantity (the constructor: ``dataclasses.replace`` is slower)."""
    return MonthlyQuantity(
        q.enterprise_id,
        q.carrier,
        q.flow,
        month,
        quantity,
        q.evidence,
        q.uncertainty_pct,
        q.completeness,
        q.factor_id,
        q.ncv_gj_per_unit,
        q.carbon_content_tc_per_gj,
    )


def _move(d: date, year: int) -> date:
    """``d`` in ``year`` (29 February → 28 February in a common year)."""
    if d.day <= 28:
        return d.replace(year=year)
    return d.replace(year=year, day=min(d.day, calendar.monthrange(year, d.month)[1]))


class _Rows:
    """Mutable quantities of one planned year, indexed by party, keyed for merging added quantities."""

    def __init__(self, quantities: Iterable[MonthlyQuantity]) -> None:
        self.rows: list[MonthlyQuantity] = list(quantities)
        self.qty: list[float] = [q.quantity for q in self.rows]
        self.by_party: dict[str | None, list[int]] = defaultdict(list)
        for i, q in enumerate(self.rows):
            self.by_party[q.enterprise_id].append(i)

    def of(
        self,
        party: str | None,
        carrier: Carrier | None = None,
        flows: frozenset[Flow] | None = None,
        factor_id: str | None = None,
    ) -> list[int]:
        rows = self.rows
        return [
            i
            for i in self.by_party.get(party, ())
            if (carrier is None or rows[i].carrier is carrier)
            and (flows is None or rows[i].flow in flows)
            and (factor_id is None or rows[i].factor_id == factor_id)
        ]

    def total(self, idx: Iterable[int]) -> float:
        return math.fsum(self.qty[i] for i in idx)

    def add(self, party: str | None, carrier: Carrier, flow: Flow, month: date, qty: float, tag: str) -> None:
        if qty == 0.0:
            return
        for i in self.by_party.get(party, ()):
            q = self.rows[i]
            if (q.carrier, q.flow, q.month, q.factor_id) == (carrier, flow, month, None):
                self.qty[i] += qty
                if tag not in q.evidence:
                    self.rows[i] = dataclasses.replace(q, evidence=(*q.evidence, tag))
                return
        self.by_party[party].append(len(self.rows))
        self.rows.append(MonthlyQuantity(party, carrier, flow, month, 0.0, evidence=(tag,)))
        self.qty.append(qty)

    def result(self) -> tuple[MonthlyQuantity, ...]:
        return tuple(
            q if q.quantity == v else _with(q, q.month, v) for q, v in zip(self.rows, self.qty, strict=True)
        )


def _month_shares(months: Sequence[date]) -> dict[date, float]:
    """Shares of a year's quantity per month: by days, over the months the base input covers."""
    days = {m: calendar.monthrange(m.year, m.month)[1] for m in months}
    total = sum(days.values())
    return {m: d / total for m, d in days.items()}


def _reduce(
    rows: _Rows, idx: Sequence[int], amount: float, max_share: float
) -> tuple[float, dict[date, float], bool]:
    """Reduce the quantities ``idx`` by ``amount`` in proportion, at most ``max_share`` of them.

    Returns the amount taken, the amount taken per month, and whether the cap bound.
    """
    base = rows.total(idx)
    if base <= 0.0 or amount <= 0.0:
        return 0.0, {}, amount > 0.0
    taken = min(amount, max_share * base)
    share = taken / base
    per_month: dict[date, float] = defaultdict(float)
    for i in idx:
        cut = rows.qty[i] * share
        rows.qty[i] -= cut
        per_month[rows.rows[i].month] += cut
    return taken, dict(per_month), taken < amount * (1 - 1e-12)


def _new_flow(carrier: Carrier, boundary_carriers: set[Carrier]) -> Flow:
    """Flow of a carrier taken up by a fuel switch: fuels burned; electricity/heat from the park grid."""
    if carrier in FOSSIL_FUELS:
        return Flow.COMBUSTION
    return Flow.CONSUMED if carrier in boundary_carriers else Flow.PURCHASED


def _targets(adoption: Adoption, measure: Measure, enterprises: Sequence[Enterprise]) -> list[Enterprise]:
    if adoption.enterprise_id is not None:
        return [e for e in enterprises if e.id == adoption.enterprise_id]
    return [e for e in enterprises if measure.applies_to(e.industry_code)]


def project(
    base: AccountingInput,
    factors: FactorSet,
    scenario: Scenario,
    year: int,
    measures: Mapping[str, Measure],
    options: AccountingOptions | None = None,
    *,
    grid: GridTrajectory | None = None,
) -> tuple[AccountingInput, FactorSet, Projection]:
    """The accounting input and factor set of ``year`` of ``scenario``, and what the projection says.

    Parameters
    ----------
    base : AccountingInput
        The base year's park input (as accounted in the base run; ``base.year`` = base year).
    factors : FactorSet
        The base run's factor set.
    scenario : Scenario
        The assumptions (checked with :func:`validate`).
    year : int
        base year … horizon. The base year without a measure in force gives ``base`` and
        ``factors`` unchanged (its inventory is the base run's, bit for bit).
    measures : Mapping[str, Measure]
        Built-in and park measures by id.
    options : AccountingOptions, optional
        The base run's options (national method). The returned :attr:`Projection.options` use the
        projected grid factor of ``year``.
    grid : GridTrajectory, optional
        Overrides ``scenario.grid``; default :func:`default_grid_trajectory`.

    Mechanisms (one unit's ``effect_per_unit`` per year, quantities in canonical units):

    - ``EFFICIENCY``, ``FUEL_SWITCH``, ``PROCESS``: the units' effect is taken from the enterprises
      the measure applies to (or the one named), in proportion to their use of ``carrier``
      (``COMBUSTION``, ``PURCHASED``, ``CONSUMED``, ``INTERNAL_PURCHASE``; for ``PROCESS`` the
      process activity of ``factor_id``), month by month, at most ``max_share`` of it (the rest is
      reported as capped). A fuel switch adds ``taken × ratio`` of ``to_carrier`` in the same months
      (a fuel burned; electricity or heat from the park grid when the park buys that carrier at its
      boundary, else purchased).
    - ``ONSITE_GENERATION``: kWh generated, spread over the base input's months by days: at an
      enterprise, self-consumed up to its grid electricity of the month (which falls by as much) and
      the rest exported; park-wide, a plant of the park operator (``GENERATED`` at park level)
      that lowers the boundary purchase, the rest exported. Capped at ``max_share`` of the
      electricity the party (the park: all enterprises) uses.
    - ``GREEN_POWER``: a 绿电交易 claim of the year per enterprise, in proportion to its grid
      electricity, at most ``max_share`` of it.
    - ``CCUS``: tCO2 captured (:attr:`Projection.captured_tco2`); ``STORAGE``: kWh of storage
      (:attr:`Projection.storage_kwh`), no emissions of its own.

    Raises
    ------
    YearOutsideScenario
        ``year`` outside base year … horizon, or ``base.year`` ≠ the scenario's base year.
    ScenarioError
        From :func:`validate`.
    FactorNotFound
        The options' grid factor is not in ``factors`` (default trajectory).
    """
    s = scenario
    options = options or AccountingOptions()
    if base.year != s.base_year:
        raise YearOutsideScenario(
            f"base_year: the base input is of {base.year}, the scenario's base year is {s.base_year}"
        )
    if not (s.base_year <= year <= s.horizon):
        raise YearOutsideScenario(f"year: {year} lies outside the scenario's years {s.base_year}–{s.horizon}")
    drivers = validate(s, base.enterprises, measures)
    path = grid or s.grid or default_grid_trajectory(factors, options, s.base_year)
    in_force = [
        (a, measures[a.measure_id], units_in_force(a, measures[a.measure_id], year))
        for a in sorted(s.adoption, key=lambda a: (a.measure_id, a.enterprise_id or ""))
    ]
    in_force = [(a, m, u) for a, m, u in in_force if u != 0.0]
    base_factor = factors.grid_electricity(
        options.national_grid_calibre, options.national_grid_year, NATIONAL
    )
    if year == s.base_year and not in_force:
        return base, factors, Projection(year, options, base_factor.value, base_factor.is_uncertain)

    notes: list[Note] = []
    if year != s.base_year:
        notes.append(HOURLY_NOT_PROJECTED)
    b = s.base_year
    prod = {eid: d.production(b, year) for eid, d in drivers.items()}
    outp = {eid: d.output(b, year) for eid, d in drivers.items()}

    # 1–2. months moved, growth
    suppliers = {t.from_enterprise_id for t in base.transfers if t.from_enterprise_id is not None}

    def grown(q: MonthlyQuantity) -> MonthlyQuantity:
        factor = 1.0
        if q.enterprise_id is None:
            pass
        elif q.enterprise_id in suppliers and q.flow in _SUPPLIER_USE:
            pass  # a facility follows its sales (step 4), not its own driver
        elif not (q.carrier is Carrier.ELECTRICITY and q.flow in (Flow.GENERATED, Flow.EXPORTED)):
            factor = prod[q.enterprise_id]
        return _with(q, _move(q.month, year), q.quantity * factor)

    rows = _Rows(grown(q) for q in base.quantities)
    months = sorted({q.month for q in rows.rows})
    shares = _month_shares(months) if months else {}
    enterprises = sorted(base.enterprises, key=lambda e: e.id)
    boundary_carriers = {q.carrier for q in rows.rows if q.enterprise_id is None and q.flow is Flow.PURCHASED}
    applied: list[AppliedMeasure] = []
    captured: dict[str, float] = defaultdict(float)
    storage = 0.0
    claims: list[GreenPowerClaim] = []
    park_generation: list[tuple[str, float]] = []

    # 3. measures (except park-wide generation and green power, which need the balances)
    deferred: list[tuple[Adoption, Measure, float]] = []
    for a, m, units in in_force:
        amount = units * m.effect_per_unit
        who = a.enterprise_id
        if m.mechanism in (Mechanism.EFFICIENCY, Mechanism.FUEL_SWITCH, Mechanism.PROCESS):
            targets = _targets(a, m, enterprises)
            if m.mechanism is Mechanism.PROCESS:
                idx = [
                    i
                    for e in targets
                    for i in rows.of(e.id, flows=frozenset({Flow.PROCESS}), factor_id=m.factor_id)
                ]
                unit = "t"
            else:
                assert m.carrier is not None  # checked by measures.check
                idx = [i for e in targets for i in rows.of(e.id, m.carrier, _USE_FLOWS)]
                unit = CANONICAL_UNIT[m.carrier]
            before = {i: rows.qty[i] for i in idx}
            taken, _, capped = _reduce(rows, idx, amount, m.max_share)
            if m.mechanism is Mechanism.FUEL_SWITCH and taken > 0.0:
                assert m.to_carrier is not None and m.ratio is not None
                for i in idx:
                    cut = before[i] - rows.qty[i]
                    q = rows.rows[i]
                    flow = _new_flow(m.to_carrier, boundary_carriers)
                    rows.add(
                        q.enterprise_id, m.to_carrier, flow, q.month, cut * m.ratio, f"{_EVIDENCE}:{m.id}"
                    )
            applied.append(AppliedMeasure(m.id, who, units, taken, unit, capped))
        elif m.mechanism is Mechanism.CCUS:
            captured[who or "park"] += amount
            applied.append(AppliedMeasure(m.id, who, units, amount, "tCO2"))
        elif m.mechanism is Mechanism.STORAGE:
            storage += amount
            applied.append(AppliedMeasure(m.id, who, units, amount, "kWh"))
        elif m.mechanism is Mechanism.ONSITE_GENERATION and who is not None:
            use = rows.total(rows.of(who, Carrier.ELECTRICITY, _USE_FLOWS))
            gen = min(amount, m.max_share * use)
            for month, share in shares.items():
                g = gen * share
                grid_idx = [
                    i for i in rows.of(who, Carrier.ELECTRICITY, _GRID_FLOWS) if rows.rows[i].month == month
                ]
                self_used, _, _ = _reduce(rows, grid_idx, g, 1.0)
                rows.add(who, Carrier.ELECTRICITY, Flow.GENERATED, month, g, f"{_EVIDENCE}:{m.id}")
                rows.add(who, Carrier.ELECTRICITY, Flow.EXPORTED, month, g - self_used, f"{_EVIDENCE}:{m.id}")
            applied.append(AppliedMeasure(m.id, who, units, gen, "kWh", gen < amount * (1 - 1e-12)))
        else:
            deferred.append((a, m, units))

    # 4. park balances: boundary purchases follow the enterprises' park-grid use; facilities their sales
    transfers = _balance(base, rows, year, notes)

    for a, m, units in deferred:
        amount = units * m.effect_per_unit
        if m.mechanism is Mechanism.ONSITE_GENERATION:
            use = math.fsum(
                rows.qty[i] for e in enterprises for i in rows.of(e.id, Carrier.ELECTRICITY, _USE_FLOWS)
            )
            gen = min(amount, m.max_share * use)
            park_generation.append((m.id, gen))
            for month, share in shares.items():
                g = gen * share
                idx = [
                    i
                    for i in rows.of(None, Carrier.ELECTRICITY, frozenset({Flow.PURCHASED}))
                    if rows.rows[i].month == month
                ]
                used, _, _ = _reduce(rows, idx, g, 1.0)
                rows.add(None, Carrier.ELECTRICITY, Flow.GENERATED, month, g, f"{_EVIDENCE}:{m.id}")
                rows.add(None, Carrier.ELECTRICITY, Flow.EXPORTED, month, g - used, f"{_EVIDENCE}:{m.id}")
            applied.append(AppliedMeasure(m.id, None, units, gen, "kWh", gen < amount * (1 - 1e-12)))
        else:  # GREEN_POWER
            targets = _targets(a, m, enterprises)
            grid_use = {e.id: rows.total(rows.of(e.id, Carrier.ELECTRICITY, _GRID_FLOWS)) for e in targets}
            total = math.fsum(grid_use.values())
            bought = min(amount, m.max_share * total)
            for eid, kwh in sorted(grid_use.items()):
                if kwh <= 0.0 or bought <= 0.0:
                    continue
                claims.append(
                    GreenPowerClaim(
                        id=f"SCN-{m.id}-{eid}-{year}",
                        kind=ClaimKind.GREEN_TRADE,
                        mwh=bought * kwh / total / 1000.0,
                        period_start=date(year, 1, 1),
                        period_end=date(year, 12, 31),
                        owner_enterprise_id=eid,
                        claimed_year=year,
                    )
                )
            applied.append(
                AppliedMeasure(m.id, a.enterprise_id, units, bought, "kWh", bought < amount * (1 - 1e-12))
            )

    # 5. green power carried forward; value added
    carried = tuple(
        dataclasses.replace(
            c,
            id=c.id if year == b else f"{c.id}@{year}",
            period_start=_move(c.period_start, year),
            period_end=_move(c.period_end, year),
            claimed_year=year,
        )
        for c in base.claims
        if c.claimed_year == b
    )
    ents = tuple(
        e
        if e.value_added_10k_cny is None
        else dataclasses.replace(e, value_added_10k_cny=e.value_added_10k_cny * outp[e.id])
        for e in base.enterprises
    )
    va0 = math.fsum(e.value_added_10k_cny or 0.0 for e in base.enterprises)
    va1 = math.fsum(e.value_added_10k_cny or 0.0 for e in ents)
    data = base.indicator_data
    if data.value_added_10k_cny is not None:
        if va0 > 0.0:
            data = dataclasses.replace(data, value_added_10k_cny=data.value_added_10k_cny * va1 / va0)
        elif year != b:
            notes.append(
                Note(
                    "value_added_not_projected",
                    "企业未填报工业增加值，园区工业增加值按基准年保持不变",
                    "no enterprise value added: the park's value added is held at the base year's",
                )
            )
    projected = dataclasses.replace(
        base,
        year=year,
        enterprises=ents,
        quantities=rows.result(),
        claims=carried + tuple(claims),
        transfers=transfers,
        indicator_data=data,
        hourly_load_kwh=() if year != b else base.hourly_load_kwh,
        hourly_onsite_clean_kwh=() if year != b else base.hourly_onsite_clean_kwh,
        hourly_direct_green_kwh=() if year != b else base.hourly_direct_green_kwh,
        hourly_contracted_green_kwh=() if year != b else base.hourly_contracted_green_kwh,
        hourly_partial_hours=0 if year != b else base.hourly_partial_hours,
    )
    if in_force and year == b:
        projected = dataclasses.replace(
            projected,
            hourly_load_kwh=(),
            hourly_onsite_clean_kwh=(),
            hourly_direct_green_kwh=(),
            hourly_contracted_green_kwh=(),
            hourly_partial_hours=0,
        )
        notes.append(HOURLY_NOT_PROJECTED)
    fs, opts, value = _projected_factors(factors, options, path, year, base_factor)
    if path.uncertain:
        notes.append(
            Note(
                "grid_trajectory_uncertain",
                f"{year}年电网因子 {value:.4g} tCO2/MWh 取自情景路径（无官方预测，[UNCERTAIN]）："
                f"{path.source}",
                f"the {year} grid factor {value:.4g} tCO2/MWh is the scenario's path (no official "
                f"projection, [UNCERTAIN]): {path.source}",
            )
        )
    return (
        projected,
        fs,
        Projection(
            year=year,
            options=opts,
            grid_factor_tco2_per_mwh=value,
            grid_factor_uncertain=path.uncertain,
            captured_tco2=math.fsum(captured.values()),
            captured_by_party=dict(sorted(captured.items())),
            storage_kwh=storage,
            applied=tuple(applied),
            notes=tuple(notes),
        ),
    )


def _balance(base: AccountingInput, rows: _Rows, year: int, notes: list[Note]) -> tuple[Transfer, ...]:
    """Boundary purchases follow the enterprises' park-grid use; park facilities follow their sales.

    Each quantity is compared with the base input's (moved, unscaled), so growth and measures both
    reach the boundary and the facilities. A facility's use (not grown by its own driver) is
    multiplied by the ratio of its sales in energy content. Returns the scaled transfers of the year.
    """
    # the base quantities as in the base input (unscaled), moved to the year, in the same row order
    original = [
        (q.enterprise_id, q.carrier, q.flow, _move(q.month, year), q.quantity) for q in base.quantities
    ]
    consumed_delta: dict[tuple[Carrier, date], float] = defaultdict(float)
    internal_ratio: dict[tuple[str, Carrier, date], float] = {}
    internal_before: dict[tuple[str, Carrier, date], float] = defaultdict(float)
    internal_after: dict[tuple[str, Carrier, date], float] = defaultdict(float)
    n = len(original)
    for i, q in enumerate(rows.rows):
        now = rows.qty[i]
        was = original[i][4] if i < n else 0.0
        if q.enterprise_id is None:
            continue
        if q.flow is Flow.CONSUMED and (q.carrier is Carrier.ELECTRICITY or q.carrier in HEAT_CARRIERS):
            consumed_delta[(q.carrier, q.month)] += now - was
        if q.flow is Flow.INTERNAL_PURCHASE:
            internal_before[(q.enterprise_id, q.carrier, q.month)] += was
            internal_after[(q.enterprise_id, q.carrier, q.month)] += now
    for key, was in internal_before.items():
        internal_ratio[key] = internal_after[key] / was if was > 0 else 1.0
    # boundary purchases
    floored = False
    for (carrier, month), delta in sorted(consumed_delta.items()):
        if delta == 0.0:
            continue
        idx = [i for i in rows.of(None, carrier, frozenset({Flow.PURCHASED})) if rows.rows[i].month == month]
        if not idx:
            if delta > 0:
                rows.add(None, carrier, Flow.PURCHASED, month, delta, _EVIDENCE)
            continue
        have = rows.total(idx)
        new = have + delta
        if new < 0.0:
            floored, new = True, 0.0
        for i in idx:
            rows.qty[i] = rows.qty[i] * new / have if have > 0 else new / len(idx)
    if floored:
        notes.append(
            Note(
                "boundary_floored",
                "企业网购电（热）减少量超过园区边界购入量，边界购入按 0 计",
                "the enterprises' park-grid use fell below zero net purchase at the boundary: floored at 0",
            )
        )
    # transfers and the facilities' own use
    sales_before: dict[tuple[str | None, date], float] = defaultdict(float)
    sales_after: dict[tuple[str | None, date], float] = defaultdict(float)
    out: list[Transfer] = []
    for t in base.transfers:
        month = _move(t.month, year)
        r = internal_ratio.get((t.to_enterprise_id, t.carrier, month), 1.0)
        gj = KWH_GJ if t.carrier is Carrier.ELECTRICITY else 1.0
        sales_before[(t.from_enterprise_id, month)] += t.quantity * gj
        sales_after[(t.from_enterprise_id, month)] += t.quantity * r * gj
        out.append(
            dataclasses.replace(
                t,
                id=t.id if year == base.year else f"{t.id}@{year}",
                month=month,
                quantity=t.quantity * r,
            )
        )
    for (supplier, month), was in sorted(sales_before.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])):
        if supplier is None or was <= 0.0:
            continue
        ratio = sales_after[(supplier, month)] / was
        for i in rows.of(supplier):
            q = rows.rows[i]
            if q.month == month and q.flow in _SUPPLIER_USE:
                rows.qty[i] *= ratio
    return tuple(out)


def _projected_factors(
    factors: FactorSet, options: AccountingOptions, path: GridTrajectory, year: int, base_factor: Factor
) -> tuple[FactorSet, AccountingOptions, float]:
    """The factor set holding the projected grid factor of ``year`` and the options that use it."""
    fs = _build_scenario_set(factors, path, base_factor, year)
    return fs, dataclasses.replace(options, national_grid_year=year), path.value(year)


def _scenario_factor_set(
    factors: FactorSet, path: GridTrajectory, base_factor: Factor, year: int
) -> FactorSet:
    return _build_scenario_set(factors, path, base_factor, year)


@functools.lru_cache(maxsize=256)
def _build_scenario_set(
    factors: FactorSet, path: GridTrajectory, base_factor: Factor, year: int
) -> FactorSet:
    """``factors`` with the path's grid factor of ``year``, labelled projected (cached: pure).

    The projected factor has the base factor's kind, calibre and region, the year, the path's
    value, id ``<base id>.projected.<year>`` and source ``scenario.grid_trajectory`` (confidence
    UNCERTAIN unless the path cites a projection). A published factor of the same key and year is
    replaced (listed in ``overrides``). One set per year, so that the run uses every factor of its
    set (a set holding every year's would list the others as loaded but unused).
    """
    source = Source(
        id="scenario.grid_trajectory",
        title="情景电网因子路径 scenario grid-factor trajectory",
        issuer="scenario assumption",
        year=None,
        table="",
        url="",
        confidence=Confidence.UNCERTAIN if path.uncertain else Confidence.SECONDARY,
        number="",
    )
    note = ("[UNCERTAIN] " if path.uncertain else "") + f"projected by the scenario: {path.source}"
    projected = [
        Factor(
            id=f"{base_factor.id}.projected.{y}",
            kind=FactorKind.GRID_ELECTRICITY,
            key=base_factor.key,
            parameter=base_factor.parameter,
            value=path.value(y),
            unit=base_factor.unit,
            cited_value=path.value(y),
            cited_unit="tCO2/MWh",
            region=base_factor.region,
            year=y,
            source=source,
            uncertainty_pct=None,
            note=note,
        )
        for y in (year,)
    ]
    same = {(f.kind, f.key, f.parameter, f.region, f.year) for f in projected}
    replaced = [f for f in factors.factors if (f.kind, f.key, f.parameter, f.region, f.year) in same]
    return FactorSet.build(
        f"{factors.name}+scenario-{year}",
        factors.version,
        [*(f for f in factors.factors if f not in replaced), *projected],
        [*factors.sources, source],
        description=f"{factors.label} with the scenario's projected grid factor of {year}",
        base=factors.label,
        overrides=[f.id for f in replaced],
    )
