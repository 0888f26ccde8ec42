"""Least-cost pathway (最低成本减排路径): which measures, where and when, under a target.

A multi-period linear program on linopy + HiGHS (the same solver path as :mod:`zeropark.optimize`),
annual steps from the base year to the horizon's end. Pure: numbers in, plan out, no I/O.

Inputs
------
- the business-as-usual (BAU) years (:class:`BauYear`): for each applicability *group* (an enterprise,
  or :data:`PARK` for the park-level lines) and *activity* (a carrier, or ``process:<factor_id>``) the
  quantity [canonical unit/a], its CO2 [t/a] and energy [tce/a] **as the accounting engine reported
  them** (line items summed). The abatement of one unit of a measure is derived from these, not from
  a second formula: the emission factor of an activity at a group is its line items' CO2 divided by
  their activity; for electricity the service values each park-grid kWh at the year's grid factor
  (``BauYear.grid_tco2_per_kwh``) and states the park's grid CO2 (``BauYear.grid_tco2``);
- the measures (:class:`~zeropark.roadmap.measures.Measure`), energy prices per carrier
  (:data:`DEFAULT_PRICES`, [UNCERTAIN], editable), a real discount rate and the targets.

Model (index *p* = a (measure, group) pair, *y* = a year; base year *y₀*, last year *Y*)
-------------------------------------------------------------------------------------
- ``add[p, y] ≥ 0``: units added in year *y* (none in the base year, which is history);
- ``eff[p, y] ≥ 0``: effective units in force, ``eff[p, y] = Σₖ f_p(k)·add[p, y−k]`` with the
  scenario's ramp ``f(k) = min(1, k/r) − min(1, (k − L)/r)⁺`` (:func:`ramp_steps`: in over r years,
  out over r years after the lifetime *L*, as the scenario applies a retirement; building it again
  is a new addition — re-investment allowed). Written as the
  sparse recursion ``eff[y] − eff[y−1] = Σₖ Δf(k)·add[y−k]``;
- bounds: ``effect·eff[p, y] ≤ max_share·Q[g, a, y]`` (the measure's share of the carrier it
  changes), and for several measures on the same carrier of the same group, each acting on what
  the earlier ones left (in the order :func:`zeropark.roadmap.scenario.project` applies them: by
  id, green power last): ``effect_m·eff_m ≤ s_m·(Q − Σ_{e before m} effect_e·eff_e)``,
  ``Σ_g add[m, g, y] ≤ build_limit_m``;
- emissions ``E_y = BAU_y − Σ_p a[p, y]·eff[p, y]``, energy ``T_y = BAUtce_y − Σ_p s[p, y]·eff[p, y]``;
  when the park's grid CO2 is given, its part is floored at zero (project() floors the boundary
  purchase, the park method the net inflow): ``grid_co2_y ≥ BAU_grid_y − Σ_p a_grid[p, y]·eff``,
  ``grid_co2_y ≥ 0``, ``E_y = BAU_y − BAU_grid_y + grid_co2_y − Σ_p (a − a_grid)[p, y]·eff``;
- targets (:class:`Target`): cumulative budget ``Σ_{y>y₀} E_y ≤ B``; a cap ``E_y ≤ C`` for every
  year from the target year on (zero: ``C = 0``); an indicator cap on the inventory
  ``E_y + C_y ≤ I·T_y`` likewise (``C_y``: CO2 captured, which the national method does not deduct);
- objective: present value at the base year, ``d_y = (1+r)^{−(y−y₀)}``:
  ``Σ capex_coef[p, y]·add[p, y] + Σ d_y·(opex − saving[p, y])·eff[p, y]``, capex paid as a lump sum
  in the year of addition less the linear salvage value of the life left after *Y* (discounted from
  *Y*+1), or as an annuity (CRF × capex, :func:`zeropark.optimize.finance.capital_recovery_factor`)
  paid in the years of the unit's life inside the horizon.

When the targets cannot be met (presolve finds it), a *reach* model with a slack on each target
row and the sum of the slacks [tCO2] as its objective (no money: well scaled) gives the best
reachable figure of each row; the cost model is then solved with each slack bounded by it. The
explanation names the target, the best reachable figure and the limits that bind.

The coefficients mirror :func:`zeropark.roadmap.scenario.project` measure by measure (see
:func:`build_pairs`): on-site generation and green power abate at the grid factor and save no
energy (generation is consumed energy), a fuel switch's electricity is drawn from the park grid,
a use measure takes from the park grid and the park facilities in proportion. Not linear, and left
to the service's correction loop (re-solve with the re-accounted difference, residual stated per
year): a park facility's own measures times the fall of its sales, the month-by-month floors.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from zeropark.errors import DataError, OptimizationError
from zeropark.model import Carrier
from zeropark.optimize.finance import capital_recovery_factor
from zeropark.optimize.solve import solver_output_to_stderr
from zeropark.roadmap.measures import Measure, Mechanism

if TYPE_CHECKING:
    import linopy
    import pandas as pd  # deferred with linopy: only a model build needs it

__all__ = [
    "DEFAULT_DISCOUNT_RATE",
    "DEFAULT_PRICES",
    "PARK",
    "BauYear",
    "CapexMode",
    "Pair",
    "PathwayError",
    "PathwayProblem",
    "PathwayResult",
    "Target",
    "TargetBeforeBaseYear",
    "TargetKind",
    "Use",
    "activity_key",
    "solve_pathway",
]

#: The group of park-level lines (public facilities, boundary meters without an enterprise).
PARK = "park"
#: Prefix of a process activity key: ``process:<factor_id>``.
PROCESS_PREFIX = "process:"
#: A target row whose least shortfall is at most this share of the base year's CO2 is reachable
#: (HiGHS's feasibility tolerance is 1e-7 on the scaled model) [1].
REACH_TOL = 1e-7
#: HiGHS options of the reach model (interior point, no crossover: measured on the demo park).
REACH_OPTIONS: Mapping[str, Any] = {"solver": "ipm", "run_crossover": "off"}
#: HiGHS options of a cost model solved without a basis to start from: interior point with
#: crossover (a vertex, as simplex gives; 104 s against 222 s for dual simplex on the demo park
#: under the same load); a warm-started solve uses dual simplex.
COLD_OPTIONS: Mapping[str, Any] = {"solver": "ipm", "run_crossover": "on"}
#: Most seconds for the cost model at the reachable level of an unreachable target; past it the
#: reach plan is returned with a note.
COST_AT_REACH_LIMIT_S = 300.0

#: Real discount rate [1/a]: the optimiser's default (``optimize.system.Economics``), an
#: [UNCERTAIN] assumption, editable per run.
DEFAULT_DISCOUNT_RATE = 0.06

#: Energy prices [CNY per canonical unit of the carrier] used to value the energy a measure saves.
#: [UNCERTAIN]: round market levels, no official price applies to every park; edit them per run.
#: Electricity 0.64 CNY/kWh ≈ the 江苏 平段 price of optimize/data/tou_prices.csv (itself UNCERTAIN);
#: natural gas 3.0 CNY/m³ = the optimiser's default; steam/hot water 60 CNY/GJ = the optimiser's heat
#: price example; coal 900 CNY/t, diesel 7 500 CNY/t, LPG 5 000 CNY/t, fuel oil 5 000 CNY/t.
DEFAULT_PRICES: Mapping[str, float] = {
    Carrier.ELECTRICITY.value: 0.64,
    Carrier.NATURAL_GAS.value: 3.0,
    Carrier.LNG.value: 4200.0,
    Carrier.RAW_COAL.value: 900.0,
    Carrier.CLEANED_COAL.value: 1100.0,
    Carrier.COKE.value: 2000.0,
    Carrier.DIESEL.value: 7500.0,
    Carrier.GASOLINE.value: 8500.0,
    Carrier.FUEL_OIL.value: 5000.0,
    Carrier.LPG.value: 5000.0,
    Carrier.STEAM.value: 60.0,
    Carrier.HOT_WATER.value: 60.0,
}


class PathwayError(DataError):
    """A pathway problem that cannot be built: no BAU years, years not consecutive, a bad target."""


class TargetBeforeBaseYear(PathwayError):
    """A target year lies before the base year (the first BAU year): it cannot be planned for."""


class CapexMode(StrEnum):
    """How an investment enters the objective."""

    LUMP = "lump"  # paid in the year of addition, linear salvage of the life left after the horizon
    ANNUITY = "annuity"  # CRF × capex in each year of the unit's life inside the horizon


class TargetKind(StrEnum):
    """What a target bounds."""

    BUDGET = "budget"  # cumulative CO2 of the planned years (after the base year) ≤ value [tCO2]
    CAP = "cap"  # CO2 of every year from `year` on ≤ value [tCO2/a]
    ZERO = "zero"  # CO2 of every year from `year` on ≤ 0
    INDICATOR = "indicator"  # CO2/energy of every year from `year` on ≤ value [tCO2/tce]


@dataclass(frozen=True, slots=True)
class Target:
    """One target: a cumulative budget [tCO2], or a cap / zero / indicator cap from ``year`` on."""

    kind: TargetKind
    value: float = 0.0
    year: int | None = None

    def describe(self) -> str:
        """The target in words (English; the doors translate the kind)."""
        if self.kind is TargetKind.BUDGET:
            return f"cumulative CO2 budget {self.value:,.0f} t"
        if self.kind is TargetKind.ZERO:
            return f"zero CO2 from {self.year}"
        if self.kind is TargetKind.CAP:
            return f"CO2 ≤ {self.value:,.0f} t/a from {self.year}"
        return f"core indicator ≤ {self.value:g} tCO2/tce from {self.year}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {"kind": self.kind.value, "value": self.value, "year": self.year}


@dataclass(frozen=True, slots=True)
class Use:
    """One group's use of one activity in one BAU year, as the accounting engine reported it.

    ``quantity`` [canonical unit/a], ``tco2`` [t/a] and ``tce`` [tce/a] are the sums of the
    group's line items of that activity (national method).
    """

    group: str
    activity: str
    quantity: float
    tco2: float
    tce: float
    grid_quantity: float | None = None  # electricity: the part from the park grid [kWh/a]


@dataclass(frozen=True, slots=True)
class BauYear:
    """One business-as-usual year: the park's CO2 [t] and energy [tce] and each group's uses.

    ``grid_tco2_per_kwh`` / ``grid_tce_per_kwh``: what one kWh more or less of park-grid electricity
    changes in the park's totals (the park method's grid factor of the year ÷ 1000, and the
    electricity's standard-coal coefficient). None: the groups' average factors are used instead.
    """

    year: int
    emissions_tco2: float
    energy_tce: float
    uses: tuple[Use, ...]
    grid_tco2_per_kwh: float | None = None
    grid_tce_per_kwh: float | None = None
    #: the park's CO2 of its net park-grid electricity, ``(inflow − green − outflow) × EF`` [t/a]:
    #: all that kWh less drawn from the grid, generated on site or claimed green can remove
    grid_tco2: float | None = None


def activity_key(carrier: Carrier | str | None, factor_id: str | None = None) -> str:
    """The activity key of a carrier (its value) or of a process factor (``process:<factor_id>``)."""
    if carrier is None or carrier == Carrier.MATERIAL:
        return f"{PROCESS_PREFIX}{factor_id}"
    return str(carrier.value if isinstance(carrier, Carrier) else carrier)


@dataclass(frozen=True, slots=True)
class PathwayProblem:
    """Everything the pathway model needs (plain data)."""

    measures: tuple[Measure, ...]
    bau: tuple[BauYear, ...]
    targets: tuple[Target, ...]
    industries: Mapping[str, str | None] = field(default_factory=dict)
    discount_rate: float = DEFAULT_DISCOUNT_RATE
    prices: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_PRICES))
    capex_mode: CapexMode = CapexMode.LUMP

    @property
    def base_year(self) -> int:
        """The first BAU year (history: nothing is added in it)."""
        return self.bau[0].year

    @property
    def years(self) -> list[int]:
        """Every year of the horizon, base year first."""
        return [b.year for b in self.bau]


@dataclass(frozen=True, slots=True)
class Pair:
    """A measure at one group: the decision unit of the model, with its yearly coefficients.

    ``abate`` [tCO2 per effective unit per year], ``tce`` [tce saved per unit per year],
    ``saving`` [CNY of energy saved per unit per year], ``cap_units`` [most effective units
    allowed by ``max_share``], all indexed by the horizon's years.
    """

    measure: Measure
    group: str
    activity: str
    abate: np.ndarray[Any, Any]
    tce: np.ndarray[Any, Any]
    saving: np.ndarray[Any, Any]
    cap_units: np.ndarray[Any, Any]
    quantity: np.ndarray[Any, Any]
    #: the part of ``abate`` that is park-grid CO2 (kWh drawn from the park grid × the grid factor;
    #: negative for the electricity a fuel switch adds): it cannot fall below zero in total
    abate_grid: np.ndarray[Any, Any] | None = None


@dataclass(slots=True)
class PathwayResult:
    """The solved plan (or the best reachable one with the explanation when ``status`` is infeasible).

    Money in CNY, present value at the base year; CO2 in t/a; energy in tce/a.
    """

    status: str  # "optimal" or "infeasible"
    years: list[int]
    emissions_tco2: list[float]  # linearised E_y
    bau_emissions_tco2: list[float]
    energy_tce: list[float]
    indicator_tco2_per_tce: list[float | None]
    additions: list[dict[str, Any]]  # measure, group, year, units
    in_force: dict[str, list[float]]  # measure id → effective units per year (all groups)
    abatement_by_measure: dict[str, list[float]]  # measure id → tCO2/a per year
    cost_cny: dict[str, float]  # capex, opex, energy_saving, total (present values)
    targets: list[dict[str, Any]]  # target, met, year_met, reachable
    explanation: list[str]
    notes: list[str]
    build_time_s: float
    solve_time_s: float
    n_variables: int
    n_constraints: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "status": self.status,
            "years": self.years,
            "emissions_tco2": self.emissions_tco2,
            "bau_emissions_tco2": self.bau_emissions_tco2,
            "energy_tce": self.energy_tce,
            "indicator_tco2_per_tce": self.indicator_tco2_per_tce,
            "additions": self.additions,
            "in_force": self.in_force,
            "abatement_by_measure": self.abatement_by_measure,
            "cost_cny": self.cost_cny,
            "targets": self.targets,
            "explanation": self.explanation,
            "notes": self.notes,
            "build_time_s": self.build_time_s,
            "solve_time_s": self.solve_time_s,
            "n_variables": self.n_variables,
            "n_constraints": self.n_constraints,
        }


# --- problem checks and coefficients ---------------------------------------------------------


def check_problem(problem: PathwayProblem) -> None:
    """Raise :class:`PathwayError` / :class:`TargetBeforeBaseYear` naming what to fix."""
    if not problem.bau:
        raise PathwayError("the pathway needs at least one BAU year (the base year)")
    years = problem.years
    if years != list(range(years[0], years[0] + len(years))):
        raise PathwayError(f"the BAU years must be consecutive (annual steps); got {years}")
    if not -1 < problem.discount_rate < 1:
        raise PathwayError(f"discount_rate must lie in (-1, 1), e.g. 0.06; got {problem.discount_rate}")
    if not problem.targets:
        raise PathwayError("give a target: a cumulative budget, a cap, zero by a year, or an indicator cap")
    for t in problem.targets:
        if t.kind is TargetKind.BUDGET:
            if not (math.isfinite(t.value) and t.value >= 0):
                raise PathwayError(f"a carbon budget is a number of tCO2 ≥ 0; got {t.value}")
            continue
        if t.year is None:
            raise PathwayError(f"the {t.kind.value} target needs a year")
        if t.year < problem.base_year:
            raise TargetBeforeBaseYear(
                f"target year {t.year} lies before the base year {problem.base_year}: "
                f"give a year from {problem.base_year + 1} to {years[-1]}"
            )
        if t.year > years[-1]:
            raise PathwayError(
                f"target year {t.year} lies after the horizon's end {years[-1]}: extend the horizon"
            )
        if not (math.isfinite(t.value) and t.value >= 0):
            raise PathwayError(f"the {t.kind.value} target's value must be a number ≥ 0; got {t.value}")


def _uses_by_year(problem: PathwayProblem) -> list[dict[tuple[str, str], Use]]:
    out: list[dict[tuple[str, str], Use]] = []
    for b in problem.bau:
        acc: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
        for u in b.uses:
            row = acc[(u.group, u.activity)]
            row[0] += u.quantity
            row[1] += u.tco2
            row[2] += u.tce
            row[3] += u.quantity if u.grid_quantity is None else u.grid_quantity
        out.append({k: Use(k[0], k[1], v[0], v[1], v[2], v[3]) for k, v in acc.items()})
    return out


def _park_average(uses: dict[tuple[str, str], Use], activity: str) -> tuple[float, float] | None:
    """CO2 and tce per unit of ``activity`` over every group of a year, or None when nobody uses it."""
    q = sum(u.quantity for (_, a), u in uses.items() if a == activity)
    if q <= 0:
        return None
    return (
        sum(u.tco2 for (_, a), u in uses.items() if a == activity) / q,
        sum(u.tce for (_, a), u in uses.items() if a == activity) / q,
    )


def _grid(b: BauYear) -> tuple[float, float] | None:
    """CO2 [t] and energy [tce] of one park-grid kWh of the year, or None when not given."""
    if b.grid_tco2_per_kwh is None:
        return None
    return b.grid_tco2_per_kwh, b.grid_tce_per_kwh or 0.0


def _direct(uses: dict[tuple[str, str], Use], group: str) -> float:
    """A group's CO2 that CCUS can capture: everything but electricity and purchased heat [t/a]."""
    indirect = {Carrier.ELECTRICITY.value, Carrier.STEAM.value, Carrier.HOT_WATER.value}
    return sum(max(u.tco2, 0.0) for (g, a), u in uses.items() if g == group and a not in indirect)


def build_pairs(problem: PathwayProblem) -> tuple[list[Pair], list[str]]:
    """Every (measure, group) the measure applies to, with its coefficients; and notes.

    A measure applies to a group when its industries match the group's GB/T 4754 code and the group
    uses, in the base year, the activity the measure changes (electricity for on-site generation and
    green power, the direct CO2 for CCUS). Storage has no abatement of its own and is left to the
    infrastructure check (``budget``).
    """
    years = problem.years
    n = len(years)
    per_year = _uses_by_year(problem)
    groups = sorted({g for uses in per_year for (g, _) in uses})
    notes: list[str] = []
    pairs: list[Pair] = []
    elec = Carrier.ELECTRICITY.value
    prices = problem.prices
    for m in problem.measures:
        if m.mechanism is Mechanism.STORAGE:
            continue
        if m.mechanism in (Mechanism.ONSITE_GENERATION, Mechanism.GREEN_POWER):
            act = elec
        elif m.mechanism is Mechanism.PROCESS:
            act = activity_key(None, m.factor_id)
        elif m.mechanism is Mechanism.CCUS:
            act = "direct_co2"
        else:
            act = activity_key(m.carrier)
        price_from = (
            prices.get(act, 0.0) if m.mechanism not in (Mechanism.GREEN_POWER, Mechanism.CCUS) else 0.0
        )
        used = False  # some group uses the carrier the measure changes
        for g in groups:
            if not m.applies_to(problem.industries.get(g)):
                continue
            abate = np.zeros(n)
            abate_grid = np.zeros(n)
            tce = np.zeros(n)
            saving = np.zeros(n)
            qty = np.zeros(n)
            for i, uses in enumerate(per_year):
                if m.mechanism is Mechanism.CCUS:
                    qty[i] = _direct(uses, g)
                    abate[i] = m.effect_per_unit
                    continue
                u = uses.get((g, act))
                if u is None or u.quantity <= 0:
                    continue
                qty[i] = u.quantity
                ef, tf = u.tco2 / u.quantity, u.tce / u.quantity
                grid = _grid(problem.bau[i])
                if m.mechanism in (Mechanism.ONSITE_GENERATION, Mechanism.GREEN_POWER):
                    # project(): a generated kWh replaces a park-grid kWh (or is exported with the
                    # net-inflow credit) and a claimed kWh is deducted from the grid inflow: either
                    # way the park's CO2 falls by the grid factor, not by the group's average. No
                    # energy effect: on-site generation is consumed energy (GB/T 2589-2020) and a
                    # claim changes no kWh. Green power covers only park-grid kWh.
                    if grid is not None:
                        ef = grid[0]
                    tf = 0.0
                    if m.mechanism is Mechanism.GREEN_POWER and u.grid_quantity is not None:
                        qty[i] = u.grid_quantity
                        if qty[i] <= 0:
                            continue
                abate[i] = m.effect_per_unit * ef
                tce[i] = m.effect_per_unit * tf
                saving[i] = m.effect_per_unit * price_from
                if grid is not None and act == elec:
                    if m.mechanism in (Mechanism.ONSITE_GENERATION, Mechanism.GREEN_POWER):
                        abate_grid[i] = abate[i]
                    elif u.grid_quantity is not None:
                        # a use measure takes from every use flow in proportion: the grid's share
                        abate_grid[i] = m.effect_per_unit * grid[0] * u.grid_quantity / u.quantity
                if m.mechanism is Mechanism.FUEL_SWITCH and m.to_carrier is not None:
                    to = activity_key(m.to_carrier)
                    new = uses.get((g, to))
                    factors = (
                        grid  # project(): the electricity a switch adds is drawn from the park grid
                        if to == elec and grid is not None
                        else (new.tco2 / new.quantity, new.tce / new.quantity)
                        if new is not None and new.quantity > 0
                        else _park_average(uses, to)
                    )
                    ratio = m.ratio or 0.0
                    if factors is None:
                        abate[i] = tce[i] = saving[i] = 0.0
                        qty[i] = 0.0
                        continue
                    abate[i] -= m.effect_per_unit * ratio * factors[0]
                    if to == elec and grid is not None:
                        abate_grid[i] -= m.effect_per_unit * ratio * grid[0]
                    tce[i] -= m.effect_per_unit * ratio * factors[1]
                    saving[i] -= m.effect_per_unit * ratio * prices.get(to, 0.0)
            used = used or bool(np.any(qty > 0))
            if not np.any(qty > 0) or not np.any(abate > 0):
                continue
            cap = m.max_share * qty / m.effect_per_unit
            has_grid = any(b.grid_tco2 is not None for b in problem.bau) and bool(np.any(abate_grid != 0))
            pairs.append(Pair(m, g, act, abate, tce, saving, cap, qty, abate_grid if has_grid else None))
        if m.mechanism is Mechanism.FUEL_SWITCH and not any(p.measure.id == m.id for p in pairs):
            why = (
                f"switching {m.carrier} to {m.to_carrier} emits more than it saves at this park's factors "
                "in every year (e.g. electricity at the grid factor of the path)"
                if used
                else f"no group both uses {m.carrier} and has a factor for {m.to_carrier}"
            )
            notes.append(f"{m.id}: {why}; not offered")
    return pairs, notes


def grid_parts(
    problem: PathwayProblem, pairs: Sequence[Pair]
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any] | None]:
    """Each pair's park-grid abatement per year (pairs × years) and the BAU park-grid CO2 (or None).

    None when no BAU year states its park-grid CO2 or no pair changes park-grid kWh: then the
    model is the plain linear one.
    """
    n_y = len(problem.bau)
    a = np.zeros((len(pairs), n_y))
    for i, p in enumerate(pairs):
        if p.abate_grid is not None:
            a[i] = p.abate_grid
    if not np.any(a != 0) or all(b.grid_tco2 is None for b in problem.bau):
        return a, None
    return a, np.array([max(b.grid_tco2 or 0.0, 0.0) for b in problem.bau], dtype=float)


def discount_factors(years: Sequence[int], rate: float) -> np.ndarray[Any, Any]:
    """d_y = (1 + r)^−(y − y₀) [1]: present value at the base year of 1 CNY paid in year y."""
    y0 = years[0]
    return np.array([(1.0 + rate) ** -(y - y0) for y in years])


def capex_coefficients(
    measure: Measure, years: Sequence[int], rate: float, mode: CapexMode
) -> np.ndarray[Any, Any]:
    """Present value [CNY per unit] of adding one unit of ``measure`` in each year of ``years``.

    Lump: ``capex·(d_y − s_y·d_{Y+1})``, the salvage share ``s_y`` = life left after the horizon's
    end *Y* over the lifetime (linear depreciation). Annuity: ``capex·CRF(r, L)·Σ d_t`` over the
    unit's years of life inside the horizon.
    """
    d = discount_factors([*years, years[-1] + 1], rate)
    last = years[-1]
    life = measure.lifetime_years
    out = np.zeros(len(years))
    if mode is CapexMode.LUMP:
        for i, y in enumerate(years):
            left = max(0, y + life - 1 - last)
            out[i] = measure.capex_cny_per_unit * (d[i] - left / life * d[-1])
    else:
        crf = capital_recovery_factor(rate, life)
        for i in range(len(years)):
            end = min(i + life, len(years))
            out[i] = measure.capex_cny_per_unit * crf * float(d[i:end].sum())
    return out


def ramp_steps(lifetime: int, ramp: int) -> list[tuple[int, float]]:
    """The nonzero Δf(k) of the effect profile of one unit, k years after its addition.

    f(k) = 1 for r = 0, else min(1, k/r) (the scenario's linear ramp,
    :func:`zeropark.roadmap.scenario.units_in_force`), for k < L; from the lifetime L on the unit
    ramps out as the scenario applies a retirement (a negative step of the cumulative schedule,
    ramped like an addition): f(k) = min(1, k/r) − min(1, (k − L)/r) from L on; for r = 0, 0 from
    L on.
    """

    def ramped(k: int) -> float:
        return 0.0 if k < 0 else 1.0 if ramp == 0 else min(1.0, k / ramp)

    f = [ramped(k) - ramped(k - lifetime) for k in range(lifetime + ramp)] + [0.0]
    prev = 0.0
    out: list[tuple[int, float]] = []
    for k, v in enumerate(f):
        if v != prev:
            out.append((k, v - prev))
        prev = v
    return out


# --- model -----------------------------------------------------------------------------------


def _expr(
    m: linopy.Model,
    index: pd.Index,
    rows: np.ndarray[Any, Any],
    labels: np.ndarray[Any, Any],
    coeffs: np.ndarray[Any, Any],
) -> linopy.LinearExpression:
    """A linear expression over ``index`` from (row, variable label, coefficient) triplets."""
    import linopy  # deferred (0.7 s)
    import xarray as xr  # deferred with linopy: only a model build needs it

    n = len(index)
    keep = labels >= 0
    rows, labels, coeffs = rows[keep], labels[keep], coeffs[keep]
    order = np.argsort(rows, kind="stable")
    rows, labels, coeffs = rows[order], labels[order], coeffs[order]
    counts = np.bincount(rows, minlength=n)
    width = max(1, int(counts.max()) if counts.size else 1)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = np.arange(len(rows)) - starts[rows]
    v = np.full((n, width), -1, dtype=np.int64)
    c = np.zeros((n, width))
    v[rows, pos] = labels
    c[rows, pos] = coeffs
    dim = str(index.name)
    ds = xr.Dataset(
        {"coeffs": ((dim, "_term"), c), "vars": ((dim, "_term"), v), "const": ((dim,), np.zeros(n))},
        coords={dim: index},
    )
    return linopy.LinearExpression(ds, m)


@dataclass(slots=True)
class _Built:
    model: Any
    pairs: list[Pair]
    add: Any
    eff: Any
    emissions: Any  # expression over years (without the BAU constant)
    energy: Any
    slacks: dict[str, Any]
    target_rows: dict[str, Any]
    build_limit_rows: Any
    shared_rows: Any
    shared_keys: list[tuple[str, str]]


def _build(
    problem: PathwayProblem,
    pairs: list[Pair],
    *,
    relax: bool,
    reach: bool = False,
    slack_upper: Mapping[str, np.ndarray[Any, Any]] | None = None,
) -> _Built:
    """The pathway model over ``pairs``.

    ``relax``: a slack on each target row. ``reach``: the objective is the sum of the slacks
    [tCO2] (the best reachable figures, no cost); else the cost, with each slack bounded by
    ``slack_upper`` (the reachable level) and not priced.
    """
    import linopy  # deferred (0.7 s): `zeropark --help` and the pages do not build models
    import pandas as pd  # deferred with linopy: only a model build needs it
    import xarray as xr  # deferred with linopy: only a model build needs it

    years = problem.years
    n_y = len(years)
    n_p = len(pairs)
    m = linopy.Model(force_dim_names=True)
    p_idx = pd.RangeIndex(n_p, name="pair")
    y_idx = pd.Index(years, name="year")
    add_upper = np.full((n_p, n_y), np.inf)
    add_upper[:, 0] = 0.0  # the base year is history
    for i, p in enumerate(pairs):
        if p.measure.build_limit is not None:
            add_upper[i, 1:] = p.measure.build_limit
    add = m.add_variables(lower=0, upper=xr.DataArray(add_upper, coords=[p_idx, y_idx]), name="add")
    cap = np.array([p.cap_units for p in pairs]).reshape(n_p, n_y)
    eff = m.add_variables(lower=0, upper=xr.DataArray(cap, coords=[p_idx, y_idx]), name="eff")
    add_l = add.labels.values
    eff_l = eff.labels.values

    # eff[p, y] − eff[p, y−1] − Σ_k Δf(k)·add[p, y−k] = 0
    rows: list[np.ndarray[Any, Any]] = []
    labs: list[np.ndarray[Any, Any]] = []
    cofs: list[np.ndarray[Any, Any]] = []
    row_of = np.arange(n_p * n_y).reshape(n_p, n_y)
    rows.append(row_of.ravel())
    labs.append(eff_l.ravel())
    cofs.append(np.ones(n_p * n_y))
    rows.append(row_of[:, 1:].ravel())
    labs.append(eff_l[:, :-1].ravel())
    cofs.append(-np.ones(n_p * (n_y - 1)))
    for i, p in enumerate(pairs):
        for k, df in ramp_steps(p.measure.lifetime_years, p.measure.ramp_years):
            if k >= n_y:
                continue
            rows.append(row_of[i, k:])
            labs.append(add_l[i, : n_y - k])
            cofs.append(np.full(n_y - k, -df))
    flat_idx = pd.RangeIndex(n_p * n_y, name="pair_year")
    eff_def = _expr(m, flat_idx, np.concatenate(rows), np.concatenate(labs), np.concatenate(cofs))
    m.add_constraints(eff_def == 0, name="effective_units")

    # sequential share caps: the measures on one carrier of one group act one after the other (in
    # the order scenario.project applies them: by id, green power last), each on what the earlier
    # ones left: effect_m·eff_m ≤ s_m·(Q − Σ_{e before m} effect_e·eff_e)
    by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, p in enumerate(pairs):
        if p.measure.mechanism is not Mechanism.CCUS:
            by_key[(p.group, p.activity)].append(i)
    # taken[r] = Σ_{e before m} effect_e·eff_e, chained (taken[r] = taken[r−1] + effect·eff of the
    # previous measure), so each cap row has three terms, not one per earlier measure
    shared_keys: list[tuple[str, str]] = []
    shared_rows = None
    chain: list[tuple[int, int, int | None]] = []  # (pair, previous pair, previous chain row)
    for key, members in by_key.items():
        if len(members) < 2:
            continue
        order = sorted(
            members, key=lambda i: (pairs[i].measure.mechanism is Mechanism.GREEN_POWER, pairs[i].measure.id)
        )
        for pos in range(1, len(order)):
            chain.append((order[pos], order[pos - 1], None if pos == 1 else len(chain) - 1))
            shared_keys.append(key)
    if chain:
        n_c = len(chain)
        c_idx = pd.RangeIndex(n_c, name="share")
        taken = m.add_variables(lower=0, coords=[c_idx, y_idx], name="taken")
        t_l = taken.labels.values
        rows_y = np.arange(n_c * n_y).reshape(n_c, n_y)
        d_r: list[np.ndarray[Any, Any]] = []
        d_l: list[np.ndarray[Any, Any]] = []
        d_c: list[np.ndarray[Any, Any]] = []
        k_r: list[np.ndarray[Any, Any]] = []
        k_l: list[np.ndarray[Any, Any]] = []
        k_c: list[np.ndarray[Any, Any]] = []
        rhs_k = np.zeros(n_c * n_y)
        for j, (i, prev, prev_row) in enumerate(chain):
            d_r += [rows_y[j], rows_y[j]]
            d_l += [t_l[j], eff_l[prev]]
            d_c += [np.ones(n_y), np.full(n_y, -pairs[prev].measure.effect_per_unit)]
            if prev_row is not None:
                d_r.append(rows_y[j])
                d_l.append(t_l[prev_row])
                d_c.append(-np.ones(n_y))
            share = pairs[i].measure.max_share
            k_r += [rows_y[j], rows_y[j]]
            k_l += [eff_l[i], t_l[j]]
            k_c += [np.full(n_y, pairs[i].measure.effect_per_unit), np.full(n_y, share)]
            rhs_k[rows_y[j]] = share * pairs[i].quantity
        flat = pd.RangeIndex(n_c * n_y, name="share_year")
        defn = _expr(m, flat, np.concatenate(d_r), np.concatenate(d_l), np.concatenate(d_c))
        m.add_constraints(defn == 0, name="taken_before")
        cap_e = _expr(m, flat, np.concatenate(k_r), np.concatenate(k_l), np.concatenate(k_c))
        shared_rows = m.add_constraints(cap_e <= xr.DataArray(rhs_k, coords=[flat]), name="carrier_share")

    # yearly build limit of each measure across the park
    limited = sorted({p.measure.id for p in pairs if p.measure.build_limit is not None})
    build_limit_rows = None
    if limited:
        b_idx = pd.RangeIndex(len(limited) * (n_y - 1), name="limit_year")
        r_l, l_l, c_l = [], [], []
        rhs_b = np.zeros(len(limited) * (n_y - 1))
        for j, mid in enumerate(limited):
            for i, p in enumerate(pairs):
                if p.measure.id == mid:
                    r_l.append(j * (n_y - 1) + np.arange(n_y - 1))
                    l_l.append(add_l[i, 1:])
                    c_l.append(np.ones(n_y - 1))
                    rhs_b[j * (n_y - 1) : (j + 1) * (n_y - 1)] = p.measure.build_limit or 0.0
        e = _expr(m, b_idx, np.concatenate(r_l), np.concatenate(l_l), np.concatenate(c_l))
        build_limit_rows = m.add_constraints(e <= xr.DataArray(rhs_b, coords=[b_idx]), name="build_limit")

    # emissions and energy abated per year: Σ_p a[p, y]·eff[p, y]
    yr_rows = np.tile(np.arange(n_y), n_p)
    abate = np.array([p.abate for p in pairs]).reshape(n_p, n_y)
    tce = np.array([p.tce for p in pairs]).reshape(n_p, n_y)
    saved = _expr(m, y_idx, yr_rows, eff_l.ravel(), tce.ravel())
    bau_e = np.array([b.emissions_tco2 for b in problem.bau], dtype=float)
    a_grid, bau_grid = grid_parts(problem, pairs)
    if bau_grid is None:
        abated = _expr(m, y_idx, yr_rows, eff_l.ravel(), abate.ravel())
    else:
        # the park-grid CO2 is (inflow − green − outflow) × EF floored at 0 (project() floors the
        # boundary purchase, the park method the net inflow): grid_co2 ≥ BAU_grid − Σ a_grid·eff,
        # grid_co2 ≥ 0, and E = BAU − BAU_grid + grid_co2 − Σ (a − a_grid)·eff — exact, convex
        g_var = m.add_variables(lower=0, coords=[y_idx], name="grid_co2")
        g_l = g_var.labels.values
        grid_abated = _expr(m, y_idx, yr_rows, eff_l.ravel(), a_grid.ravel())
        m.add_constraints(grid_abated + g_var >= xr.DataArray(bau_grid, coords=[y_idx]), name="grid_floor")
        abated = _expr(
            m,
            y_idx,
            np.concatenate([yr_rows, np.arange(n_y)]),
            np.concatenate([eff_l.ravel(), g_l]),
            np.concatenate([(abate - a_grid).ravel(), -np.ones(n_y)]),
        )
        bau_e = bau_e - bau_grid
    bau_t = np.array([b.energy_tce for b in problem.bau], dtype=float)
    # CO2 captured (CCUS): net of it in E, but the core indicator is the national-method
    # inventory's, which has no CCUS term (scenario.CcusTreatment 'beside')
    is_ccus = np.array([p.measure.mechanism is Mechanism.CCUS for p in pairs])
    captured = _expr(m, y_idx, yr_rows, eff_l.ravel(), (abate * is_ccus[:, None]).ravel())

    slacks: dict[str, Any] = {}
    target_rows: dict[str, Any] = {}
    penalty: list[np.ndarray[Any, Any]] = []
    for j, t in enumerate(problem.targets):
        name = f"target_{j}"
        if t.kind is TargetKind.BUDGET:
            lhs = -1 * abated.isel(year=slice(1, None)).sum()
            rhs_v = t.value - float(bau_e[1:].sum())
            if relax:
                s = m.add_variables(lower=0, upper=_upper(slack_upper, name, 1), name=f"slack__{name}")
                slacks[name] = s
                penalty.append(s.labels.values.ravel())
                lhs = lhs - s
            target_rows[name] = m.add_constraints(lhs <= rhs_v, name=name)
            continue
        from_i = years.index(t.year or years[0])
        mask = xr.DataArray(np.arange(n_y) >= from_i, coords=[y_idx])
        if t.kind is TargetKind.INDICATOR:
            # BAU − A + C − I·(T − S) ≤ 0  ⇔  −A + C + I·S ≤ I·T − BAU (C: captured)
            lhs = -1 * abated + captured + t.value * saved
            rhs_a = t.value * bau_t - bau_e
        else:
            cap_v = 0.0 if t.kind is TargetKind.ZERO else t.value
            lhs = -1 * abated
            rhs_a = cap_v - bau_e
        if relax:
            up = _upper(slack_upper, name, n_y)
            s = m.add_variables(
                lower=0,
                upper=up if np.isscalar(up) else xr.DataArray(up, coords=[y_idx]),
                coords=[y_idx],
                name=f"slack__{name}",
            )
            slacks[name] = s
            penalty.append(s.labels.values.ravel())
            lhs = lhs - s
        target_rows[name] = m.add_constraints(
            lhs <= xr.DataArray(rhs_a, coords=[y_idx]), name=name, mask=mask
        )

    # objective: present value of capex + opex − energy savings
    d = discount_factors(years, problem.discount_rate)
    capex = np.array(
        [capex_coefficients(p.measure, years, problem.discount_rate, problem.capex_mode) for p in pairs]
    ).reshape(n_p, n_y)
    running = np.array([d * (p.measure.opex_cny_per_unit_year - p.saving) for p in pairs]).reshape(n_p, n_y)
    one = pd.RangeIndex(1, name="objective")
    if reach:
        # the best reachable figures: least total shortfall [tCO2], no money in the objective
        labels = np.concatenate(penalty)
        coeffs = np.ones(len(labels))
    else:
        labels = np.concatenate([add_l.ravel(), eff_l.ravel()])
        coeffs = np.concatenate([capex.ravel(), running.ravel()])
    obj = _expr(m, one, np.zeros(len(labels), dtype=np.int64), labels, coeffs).sum()
    m.add_objective(obj)
    return _Built(
        m, pairs, add, eff, abated, saved, slacks, target_rows, build_limit_rows, shared_rows, shared_keys
    )


def _upper(bounds: Mapping[str, np.ndarray[Any, Any]] | None, name: str, n: int) -> Any:
    """A slack's upper bound: none, or the reachable shortfall of the target row."""
    if bounds is None or name not in bounds:
        return np.inf
    return np.asarray(bounds[name], dtype=float).reshape(n) if n > 1 else float(bounds[name].ravel()[0])


# --- solve and read ----------------------------------------------------------------------------


def solve_pathway(
    problem: PathwayProblem,
    *,
    threads: int = 1,
    time_limit_s: float = 600.0,
    relaxed: bool = False,
    basis_dir: Path | None = None,
) -> PathwayResult:
    """Choose the least-cost measures and their timing that meet ``problem.targets``.

    Returns the plan with its cost, its (linearised) emissions and the year each target is met; when
    the targets cannot be met, ``status`` is ``"infeasible"``, the plan is the least-cost one at the
    best reachable level and ``explanation`` says which target, by how much, and which limits bind.

    Unreachable targets are settled without pricing a slack against money (a badly scaled model):
    the strict model's infeasibility is found by presolve; then a *reach* model (a slack on each
    target row, the objective the sum of the slacks [tCO2], no cost) gives the best reachable figure
    of each row; then the cost model is solved with each slack bounded by that figure. When the
    cost solve does not finish in time, the reach plan is returned with a note (never a time-out).
    ``relaxed``: skip the strict model (the service's correction solves of a target known to be out
    of reach); a reachable target then comes back "optimal" all the same.

    ``basis_dir``: a directory where each cost solve's final basis is kept (``strict.bas``,
    ``cost.bas``) and from which the next solve of the same shape is warm-started with dual
    simplex (the correction solves change only the right-hand sides); a cold solve uses the
    interior point with crossover (:data:`COLD_OPTIONS`).

    Raises
    ------
    PathwayError, TargetBeforeBaseYear
        Bad input (named, with what to fix).
    zeropark.errors.OptimizationError
        When HiGHS fails for another reason (unbounded, or no plan at all within the time limit).
    """
    check_problem(problem)
    t0 = time.perf_counter()
    pairs, notes = build_pairs(problem)
    if not pairs:
        notes.append("no measure applies to any group of the park: the plan is empty")
    build_s = time.perf_counter() - t0
    solve_s = 0.0
    status = "optimal"
    built: _Built | None = None
    reach: _Built | None = None
    opts = {"output_flag": False, "threads": threads, "time_limit": time_limit_s}
    if pairs:
        cond = "infeasible"
        if not relaxed:
            t = time.perf_counter()
            built = _build(problem, pairs, relax=False)
            build_s += time.perf_counter() - t
            cond, dt = _run(built, {**opts, **COLD_OPTIONS}, basis_dir, "strict")
            solve_s += dt
            if cond != "optimal" and cond not in {"infeasible", "infeasible_or_unbounded"}:
                raise OptimizationError(
                    f"HiGHS stopped with '{cond}' on the pathway model and no usable plan"
                )
        if cond != "optimal":
            t = time.perf_counter()
            reach = _build(problem, pairs, relax=True, reach=True)
            build_s += time.perf_counter() - t
            # interior point without crossover: the reach model is degenerate (many plans reach
            # the same figure) and simplex wanders; the figure, not a vertex, is what is needed
            cond, dt = _run(reach, {**opts, **REACH_OPTIONS}, None, "reach")
            solve_s += dt
            if cond not in {"optimal", "unknown"} or not _has_solution(reach):
                raise OptimizationError(f"HiGHS stopped with '{cond}' on the pathway's reach model")
            floor = REACH_TOL * max(1.0, abs(problem.bau[0].emissions_tco2))
            best = {
                k: np.atleast_1d(np.nan_to_num(np.asarray(v.solution.values, dtype=float))).ravel()
                for k, v in reach.slacks.items()
            }
            short = any(float(v.max(initial=0.0)) > floor for v in best.values())
            status = "infeasible" if short else "optimal"
            upper = {k: np.where(v > floor, v + floor, 0.0) for k, v in best.items()}
            t = time.perf_counter()
            built = _build(problem, pairs, relax=True, slack_upper=upper)
            build_s += time.perf_counter() - t
            limit = min(time_limit_s, COST_AT_REACH_LIMIT_S) if short else time_limit_s
            cost_opts = {**opts, **COLD_OPTIONS, "time_limit": limit}
            cond, dt = _run(built, cost_opts, basis_dir, "cost")
            solve_s += dt
            if cond != "optimal":
                if not short:
                    raise OptimizationError(f"HiGHS stopped with '{cond}' on the pathway model")
                notes.append(
                    f"the least-cost plan at the reachable level was not found within {limit:g} s "
                    f"(HiGHS: {cond}): the plan shown reaches the best figures without regard to cost"
                )
                built = reach
    t3 = time.perf_counter()
    result = _read(problem, built, status, notes)
    result.build_time_s = build_s
    result.solve_time_s = solve_s + (time.perf_counter() - t3)
    if status == "infeasible" and reach is not None:
        result.explanation = _explain(problem, reach, result)
    elif built is None and not _bau_meets(problem, result):
        result.status = "infeasible"
        result.explanation = [
            f"{t['target']} cannot be met: no measure applies to the park"
            for t in result.targets
            if not t["met"]
        ]
    return result


def _has_solution(built: _Built) -> bool:
    eff = np.asarray(built.eff.solution.values, dtype=float)
    return bool(eff.size) and bool(np.all(np.isfinite(eff)))


def _run(built: _Built, opts: Mapping[str, Any], basis_dir: Path | None, name: str) -> tuple[str, float]:
    """Solve ``built`` with HiGHS; warm-start from / keep the basis in ``basis_dir`` (if given)."""
    kw: dict[str, Any] = {}
    if basis_dir is not None:
        warm = basis_dir / f"{name}.bas"
        if warm.exists():
            # a basis to start from: dual simplex (HiGHS's default), not the interior point
            opts = {k: v for k, v in opts.items() if k not in COLD_OPTIONS}
            kw["warmstart_fn"] = warm
        kw["basis_fn"] = basis_dir / f"{name}.bas"
        kw["set_names"] = False
    t = time.perf_counter()
    with solver_output_to_stderr():
        _, cond = built.model.solve(solver_name="highs", io_api="direct", **opts, **kw)
    return str(cond), time.perf_counter() - t


def _bau_meets(problem: PathwayProblem, result: PathwayResult) -> bool:
    return all(t["met"] for t in result.targets)


def _read(problem: PathwayProblem, built: _Built | None, status: str, notes: list[str]) -> PathwayResult:
    years = problem.years
    n_y = len(years)
    bau_e = np.array([b.emissions_tco2 for b in problem.bau], dtype=float)
    bau_t = np.array([b.energy_tce for b in problem.bau], dtype=float)
    additions: list[dict[str, Any]] = []
    in_force: dict[str, np.ndarray[Any, Any]] = {}
    abatement: dict[str, np.ndarray[Any, Any]] = {}
    capex_pv = opex_pv = saving_pv = 0.0
    e = bau_e.copy()
    t = bau_t.copy()
    captured = np.zeros(n_y)
    if built is not None:
        add = np.asarray(built.add.solution.values, dtype=float)
        eff = np.asarray(built.eff.solution.values, dtype=float)
        add[np.abs(add) < 1e-9] = 0.0
        eff[np.abs(eff) < 1e-9] = 0.0
        d = discount_factors(years, problem.discount_rate)
        for i, p in enumerate(built.pairs):
            mid = p.measure.id
            for j in np.flatnonzero(add[i] > 0):
                additions.append(
                    {"measure": mid, "group": p.group, "year": years[j], "units": float(add[i, j])}
                )
            in_force[mid] = in_force.get(mid, np.zeros(n_y)) + eff[i]
            abatement[mid] = abatement.get(mid, np.zeros(n_y)) + eff[i] * p.abate
            e -= eff[i] * p.abate
            t -= eff[i] * p.tce
            if p.measure.mechanism is Mechanism.CCUS:
                captured += eff[i] * p.abate
            capex_pv += float(
                capex_coefficients(p.measure, years, problem.discount_rate, problem.capex_mode) @ add[i]
            )
            opex_pv += float((d * p.measure.opex_cny_per_unit_year) @ eff[i])
            saving_pv += float((d * p.saving) @ eff[i])
    if built is not None:
        a_grid, bau_grid = grid_parts(problem, built.pairs)
        if bau_grid is not None:
            removed = (a_grid * eff).sum(axis=0)
            e += np.maximum(removed - bau_grid, 0.0)  # no park-grid CO2 below zero
    # the core indicator of the inventory (no CCUS term in the national method)
    indicator = [float((ei + ci) / ti) if ti > 0 else None for ei, ci, ti in zip(e, captured, t, strict=True)]
    targets: list[dict[str, Any]] = []
    for tg in problem.targets:
        targets.append(target_status(tg, years, e, indicator))
    n_var = int(built.model.nvars) if built is not None else 0
    n_con = int(built.model.ncons) if built is not None else 0
    additions.sort(key=lambda a: (a["year"], a["measure"], a["group"]))
    return PathwayResult(
        status=status,
        years=years,
        emissions_tco2=[float(x) for x in e],
        bau_emissions_tco2=[float(x) for x in bau_e],
        energy_tce=[float(x) for x in t],
        indicator_tco2_per_tce=indicator,
        additions=additions,
        in_force={k: [float(x) for x in v] for k, v in sorted(in_force.items()) if np.any(v > 0)},
        abatement_by_measure={
            k: [float(x) for x in v] for k, v in sorted(abatement.items()) if np.any(v > 0)
        },
        cost_cny={
            "capex": capex_pv,
            "opex": opex_pv,
            "energy_saving": saving_pv,
            "total": capex_pv + opex_pv - saving_pv,
        },
        targets=targets,
        explanation=[],
        notes=notes,
        build_time_s=0.0,
        solve_time_s=0.0,
        n_variables=n_var,
        n_constraints=n_con,
    )


_TOL = 1e-6


def target_status(
    tg: Target, years: list[int], e: np.ndarray[Any, Any], indicator: list[float | None]
) -> dict[str, Any]:
    """Whether a target is met by the emissions ``e`` and the first year from which it holds."""
    if tg.kind is TargetKind.BUDGET:
        total = float(e[1:].sum())
        return {
            **tg.to_dict(),
            "target": tg.describe(),
            "met": total <= tg.value * (1 + _TOL) + _TOL,
            "year_met": years[-1] if total <= tg.value * (1 + _TOL) + _TOL else None,
            "reached": total,
        }
    if tg.kind is TargetKind.INDICATOR:
        values = [math.inf if v is None else v for v in indicator]
        limit = tg.value
    else:
        values = [float(x) for x in e]
        limit = 0.0 if tg.kind is TargetKind.ZERO else tg.value
    ok = [v <= limit + _TOL * max(1.0, abs(limit)) + _TOL for v in values]
    year_met = None
    for i in range(len(years)):
        if all(ok[i:]):
            year_met = years[i]
            break
    due = years.index(tg.year) if tg.year in years else 0
    return {
        **tg.to_dict(),
        "target": tg.describe(),
        "met": all(ok[due:]),
        "year_met": year_met,
        "reached": max(values[due:]) if values[due:] else None,
    }


def _explain(problem: PathwayProblem, built: _Built, result: PathwayResult) -> list[str]:
    """Which target cannot be met, the best reachable figure and the limits that bind (in words)."""
    out: list[str] = []
    for j, tg in enumerate(problem.targets):
        s = built.slacks.get(f"target_{j}")
        if s is None:
            continue
        sv = np.atleast_1d(np.asarray(s.solution.values, dtype=float))
        if float(np.nanmax(sv)) <= 1e-6:
            continue
        st = result.targets[j]
        if tg.kind is TargetKind.BUDGET:
            out.append(
                f"the {tg.describe()} cannot be met: the least cumulative CO2 reachable is "
                f"{st['reached']:,.0f} t ({st['reached'] - tg.value:,.0f} t over)"
            )
        else:
            k = int(np.nanargmax(sv))
            unit = "tCO2/tce" if tg.kind is TargetKind.INDICATOR else "t"
            worst = (
                result.indicator_tco2_per_tce[k]
                if tg.kind is TargetKind.INDICATOR
                else result.emissions_tco2[k]
            )
            out.append(
                f"the target {tg.describe()} cannot be met: in {problem.years[k]} the lowest reachable "
                f"is {worst if worst is not None else float('nan'):,.3f} {unit}"
                + (f"; it is first met in {st['year_met']}" if st["year_met"] else "; it is never met")
            )
    out.extend(_binding(problem, built))
    return out


def _binding(problem: PathwayProblem, built: _Built) -> list[str]:
    """The bounds that hold the abatement back in the best reachable plan (in words)."""
    years = problem.years
    eff = np.asarray(built.eff.solution.values, dtype=float)
    last = len(years) - 1
    share_bound: list[str] = []
    for i, p in enumerate(built.pairs):
        capv = p.cap_units[last]
        if capv > 0 and eff[i, last] >= capv * (1 - 1e-6):
            share_bound.append(p.measure.id)
    out: list[str] = []
    if share_bound:
        ids = sorted(set(share_bound))
        out.append(
            f"in {years[-1]} {len(ids)} measure(s) are at their maximum share of the carrier they change "
            f"(max_share): {', '.join(ids[:12])}{' …' if len(ids) > 12 else ''}"
        )
    if built.shared_rows is not None:
        dual = np.asarray(built.shared_rows.dual.values, dtype=float)
        tight = {built.shared_keys[r // len(years)] for r in np.flatnonzero(np.abs(dual) > 1e-9)}
        if tight:
            keys = sorted(f"{g}/{a}" for g, a in tight)
            out.append(
                f"all of a carrier is already changed by the measures at {len(keys)} group(s): "
                f"{', '.join(keys[:8])}{' …' if len(keys) > 8 else ''}"
            )
    if built.build_limit_rows is not None:
        dual = np.asarray(built.build_limit_rows.dual.values, dtype=float)
        limited = sorted({p.measure.id for p in built.pairs if p.measure.build_limit is not None})
        n = len(years) - 1
        tight_m = sorted({limited[r // n] for r in np.flatnonzero(np.abs(dual) > 1e-9)})
        if tight_m:
            out.append(f"the yearly build limits bind for: {', '.join(tight_m)}")
    if not out:
        out.append("no measure can abate more: add measures (or applicability) that change the remaining CO2")
    return out
