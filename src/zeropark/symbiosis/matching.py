"""Matching engine: which source-to-sink exchanges to build (network LP/MILP, linopy + HiGHS).

Model (docs/symbiosis.md §2). Candidate links ``l = (s, k)`` join a source ``s`` to a sink ``k`` of
the same kind whose grade the source meets (:func:`~zeropark.symbiosis.registry.check_compatible`),
either listed explicitly (:class:`Candidate`) or generated from the locations within
``max_distance_km`` (nearest ``max_links_per_source`` sinks of each source). Periods ``t`` carry a
weight ``w_t`` (how many times the period occurs in a year: 1 for each of 8760 hours, 365/n for
each hour of n representative days).

Variables: flow sent ``f[l,t] ≥ 0`` [unit/period]; build ``b[l] ∈ [0, 1]`` (continuous: a share of
the pipe) or ``{0, 1}`` (binary, MILP).

Constraints::

    Σ_{l from s} f[l,t]              ≤ supply[s,t]          (a source gives no more than it has)
    Σ_{l to k} (1 − λ_l) f[l,t]      ≤ demand[k,t]          (λ_l = loss_per_km × d_l, capped at 1)
    f[l,t]                           ≤ cap_l · b[l]         (capacity, only if built)

Objective, ``cost`` (minimise the park's yearly cost, money that only changes hands between the
parties — the agreed price — cancels out)::

    Σ_l A_l b_l + Σ_{l,t} w_t f[l,t] (m_s + o_k d_l − (1 − λ_l) p_k − c_s)

with ``A_l = CRF(r, n) × capex_l`` (:func:`zeropark.optimize.finance.capital_recovery_factor`),
``m_s`` the source's marginal cost, ``o`` the transport cost per unit·km, ``p_k`` the cost of the
sink's present supply and ``c_s`` the source's present disposal cost. Objective ``co2`` maximises
the CO2 avoided, ``Σ w_t f (1 − λ) e_k + w_t f (g_s − τ d_l)``, with the cost as a 10⁻⁹ tie-break.

Each built exchange is reported with its yearly quantity, CO2 avoided [t/a], capex, yearly net
benefit and simple payback = capex / yearly net benefit [a].
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from zeropark.errors import OptimizationError, SymbiosisError
from zeropark.optimize.finance import capital_recovery_factor
from zeropark.optimize.solve import solver_output_to_stderr
from zeropark.symbiosis.registry import (
    GRADES,
    UNIT,
    Grade,
    Sink,
    Source,
    StreamKind,
    check_compatible,
    check_distance,
    compatible,
    distance_km,
)


class Objective(StrEnum):
    """What the matching minimises: the park's yearly cost, or its CO2 (avoided CO2 maximised)."""

    COST = "cost"
    CO2 = "co2"


@dataclass(frozen=True, slots=True)
class LinkCost:
    """Cost and losses of a connection of one stream kind.

    The defaults (:data:`DEFAULT_LINK_COSTS`) are planning placeholders [UNCERTAIN]: replace them
    with the park's own quotes.
    """

    capex_fixed_cny: float = 0.0
    capex_cny_per_km: float = 0.0
    opex_cny_per_unit_km: float = 0.0
    loss_per_km: float = 0.0
    transport_tco2_per_unit_km: float = 0.0
    lifetime_years: float = 20.0


#: Planning placeholders per stream kind [UNCERTAIN, configurable via ``MatchingOptions.link_costs``]:
#: heat pipe 3 M CNY/km and 1 %/km loss, water pipe 1 M CNY/km and 0.5 %/km, wastes by truck
#: (0.6 CNY/(t·km), 0.1 kgCO2/(t·km)); figures of the order met in Chinese park planning studies,
#: not from a standard.
DEFAULT_LINK_COSTS: dict[StreamKind, LinkCost] = {
    StreamKind.STEAM: LinkCost(500_000.0, 3_000_000.0, 0.0, 0.01, 0.0, 20.0),
    StreamKind.HOT_WATER: LinkCost(300_000.0, 2_000_000.0, 0.0, 0.01, 0.0, 20.0),
    StreamKind.WASTE_HEAT: LinkCost(800_000.0, 2_500_000.0, 0.0, 0.015, 0.0, 15.0),
    StreamKind.WATER: LinkCost(200_000.0, 1_000_000.0, 0.0, 0.005, 0.0, 20.0),
    StreamKind.BY_PRODUCT: LinkCost(50_000.0, 0.0, 0.6, 0.0, 0.0001, 10.0),
    StreamKind.SOLID_WASTE: LinkCost(50_000.0, 0.0, 0.6, 0.0, 0.0001, 10.0),
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A link offered to the engine explicitly (a planned pipe with its own quote)."""

    source: str
    sink: str
    distance_km: float | None = None  # None: from the locations
    capex_cny: float | None = None  # None: LinkCost of the kind
    loss_per_km: float | None = None
    capacity_per_period: float | None = None  # None: what source and sink can use


@dataclass(frozen=True, slots=True)
class MatchingOptions:
    """Settings of one matching run."""

    objective: Objective = Objective.COST
    binary_build: bool = False
    discount_rate: float = 0.06
    max_distance_km: float = 10.0
    max_links_per_source: int = 10
    link_costs: dict[StreamKind, LinkCost] = field(default_factory=lambda: dict(DEFAULT_LINK_COSTS))
    time_limit_s: float = 60.0
    mip_rel_gap: float = 1e-4
    lp_algorithm: str = "choose"  # HiGHS "solver" for the LP: "choose" (simplex here), "simplex", "ipm"
    crossover: bool = True  # ipm only: False stops at the interior optimum (no vertex, much faster)


@dataclass(frozen=True, slots=True)
class MatchedExchange:
    """One exchange the engine says to build."""

    source: str
    sink: str
    kind: StreamKind
    unit: str
    distance_km: float
    build_share: float  # b (1 for a binary build)
    sent_per_year: float  # [unit/a], Σ w_t f
    delivered_per_year: float  # after pipe losses [unit/a]
    co2_avoided_t_per_year: float
    capex_cny: float
    annualised_capex_cny: float
    net_benefit_cny_per_year: float  # avoided costs − running costs, before capex
    payback_years: float | None  # capex / net benefit; None if the benefit is ≤ 0
    flows: tuple[float, ...]  # sent per period


@dataclass(frozen=True, slots=True)
class MatchingResult:
    """The exchanges to build and their totals."""

    objective: Objective
    exchanges: tuple[MatchedExchange, ...]
    candidates: int
    periods: int
    build_time_s: float
    solve_time_s: float
    termination: str

    @property
    def co2_avoided_t_per_year(self) -> float:
        """CO2 avoided by all exchanges [t/a]."""
        return sum(x.co2_avoided_t_per_year for x in self.exchanges)

    @property
    def capex_cny(self) -> float:
        """Investment of all exchanges [CNY]."""
        return sum(x.capex_cny for x in self.exchanges)

    @property
    def net_benefit_cny_per_year(self) -> float:
        """Yearly net benefit of all exchanges before capex [CNY/a]."""
        return sum(x.net_benefit_cny_per_year for x in self.exchanges)

    @property
    def payback_years(self) -> float | None:
        """Payback of the whole set: Σ capex / Σ yearly net benefit [a]."""
        benefit = self.net_benefit_cny_per_year
        return self.capex_cny / benefit if benefit > 0 else None


@dataclass(frozen=True, slots=True)
class _Link:
    source: Source
    sink: Sink
    distance_km: float
    loss: float
    capex_cny: float
    capacity: float
    unit_cost: float  # per unit sent [CNY]
    unit_co2: float  # avoided per unit sent [tCO2]
    lifetime_years: float


def candidate_links(
    sources: Sequence[Source],
    sinks: Sequence[Sink],
    options: MatchingOptions,
    candidates: Sequence[Candidate] | None = None,
    grades: Sequence[Grade] = GRADES,
) -> list[_Link]:
    """The links the model may build.

    Explicit ``candidates`` are checked and raise on a bad one (a named error); generated links
    skip incompatible pairs silently (they are simply not offered).

    Raises
    ------
    IncompatibleGrade, UnlicensedHazardousSink, NegativeDistance, SymbiosisError
        An explicit candidate that cannot be built, or an unknown id.
    """
    src = {s.id: s for s in sources}
    snk = {k.id: k for k in sinks}
    links: list[_Link] = []
    if candidates is not None:
        for c in candidates:
            if c.source not in src or c.sink not in snk:
                missing = c.source if c.source not in src else c.sink
                raise SymbiosisError(f"candidate {c.source} → {c.sink}: unknown id '{missing}'")
            s, k = src[c.source], snk[c.sink]
            check_compatible(s, k, grades)
            d = distance_km(s.location, k.location) if c.distance_km is None else c.distance_km
            links.append(_link(s, k, check_distance(s.id, k.id, d), options, c))
        return links
    by_kind: dict[StreamKind, list[Sink]] = {}
    for k in sinks:
        by_kind.setdefault(k.kind, []).append(k)
    for s in sources:
        near: list[tuple[float, Sink]] = []
        for k in by_kind.get(s.kind, ()):
            if not compatible(s, k, grades):
                continue
            d = distance_km(s.location, k.location)
            if d <= options.max_distance_km:
                near.append((d, k))
        near.sort(key=lambda p: (p[0], p[1].id))
        links.extend(_link(s, k, d, options, None) for d, k in near[: options.max_links_per_source])
    return links


def _link(s: Source, k: Sink, d: float, options: MatchingOptions, c: Candidate | None) -> _Link:
    lc = options.link_costs.get(s.kind, LinkCost())
    loss_km = lc.loss_per_km if c is None or c.loss_per_km is None else c.loss_per_km
    if loss_km < 0:
        raise SymbiosisError(
            f"link {s.id} → {k.id}: loss_per_km {loss_km:g} is negative; give a share per km ≥ 0"
        )
    loss = min(1.0, loss_km * d)
    capex = lc.capex_fixed_cny + lc.capex_cny_per_km * d if c is None or c.capex_cny is None else c.capex_cny
    if c is not None and c.capacity_per_period is not None:
        cap = c.capacity_per_period
    else:
        cap_sink = max(k.demand, default=0.0) / (1.0 - loss) if loss < 1.0 else 0.0
        cap = min(max(s.quantity, default=0.0), cap_sink)
    delivered = 1.0 - loss
    unit_cost = (
        s.marginal_cost_cny_per_unit
        + lc.opex_cny_per_unit_km * d
        - delivered * k.alternative_cost_cny_per_unit
        - s.disposal_cost_cny_per_unit
    )
    transport_t = lc.transport_tco2_per_unit_km * d
    unit_co2 = delivered * k.displaced_tco2_per_unit + s.disposal_tco2_per_unit - transport_t
    return _Link(s, k, d, loss, capex, cap, unit_cost, unit_co2, lc.lifetime_years)


def match(
    sources: Sequence[Source],
    sinks: Sequence[Sink],
    weights: Sequence[float],
    options: MatchingOptions | None = None,
    candidates: Sequence[Candidate] | None = None,
    grades: Sequence[Grade] = GRADES,
) -> MatchingResult:
    """Choose the exchanges to build.

    Parameters
    ----------
    sources, sinks : sequences
        The registry; every profile has ``len(weights)`` periods.
    weights : sequence of float
        Occurrences of each period in a year [1/a] (8760 × 1.0 for hourly; 365/n per hour of n days).
    options : MatchingOptions
        Objective, build kind, discount rate, link costs, solver limits.
    candidates : sequence of Candidate, optional
        Explicit links; without them links are generated from the locations.
    grades : sequence of Grade
        The grade table (:data:`~zeropark.symbiosis.registry.GRADES` by default).

    Raises
    ------
    SymbiosisError (and its named subclasses)
        Bad registry data: profile lengths, negative quantities or weights, a bad candidate.
    OptimizationError
        HiGHS stops without a usable solution.
    """
    opts = options or MatchingOptions()
    n_t = len(weights)
    if n_t == 0 or any(not w >= 0 for w in weights):
        raise SymbiosisError("weights: give one weight ≥ 0 per period (occurrences per year)")
    for party, profile in [(s.id, s.quantity) for s in sources] + [(k.id, k.demand) for k in sinks]:
        if len(profile) != n_t:
            raise SymbiosisError(f"{party}: {len(profile)} periods in its profile, {n_t} weights given")
        if any(not q >= 0 for q in profile):
            raise SymbiosisError(f"{party}: quantities must be ≥ 0 in every period")
    t0 = time.perf_counter()
    links = candidate_links(sources, sinks, opts, candidates, grades)
    if not links:
        return MatchingResult(opts.objective, (), 0, n_t, time.perf_counter() - t0, 0.0, "no candidate links")
    t_links = time.perf_counter() - t0
    out: list[MatchedExchange] = []
    build_s, solve_s, termination = t_links, 0.0, "optimal"
    for part in components(links):
        found, b_s, s_s, condition = _solve(part, sources, sinks, weights, opts)
        out.extend(found)
        build_s, solve_s = build_s + b_s, solve_s + s_s
        if condition != "optimal":
            termination = condition
    out.sort(key=lambda x: (x.source, x.sink))
    return MatchingResult(opts.objective, tuple(out), len(links), n_t, build_s, solve_s, termination)


def components(links: Sequence[_Link]) -> list[list[_Link]]:
    """The links split into independent sub-networks (connected components of sources and sinks).

    Exchanges of different components share no source and no sink, so their optima are
    independent: solving them one by one gives the same result as one model, much faster.
    """
    parent: dict[str, str] = {}

    def find(a: str) -> str:
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for lk in links:
        ra, rb = find("s:" + lk.source.id), find("k:" + lk.sink.id)
        if ra != rb:
            parent[ra] = rb
    groups: dict[str, list[_Link]] = {}
    for lk in links:
        groups.setdefault(find("s:" + lk.source.id), []).append(lk)
    return list(groups.values())


def _solve(
    links: Sequence[_Link],
    sources: Sequence[Source],
    sinks: Sequence[Sink],
    weights: Sequence[float],
    opts: MatchingOptions,
) -> tuple[list[MatchedExchange], float, float, str]:
    """Build and solve one component; its exchanges, build and solve times [s], termination."""
    import linopy  # deferred (0.7 s): pages and the CLI's help do not build models
    import xarray as xr  # deferred with linopy

    t0 = time.perf_counter()
    n_t = len(weights)
    n_l = len(links)
    w = np.asarray(weights, dtype=float)
    li = np.arange(n_l)
    src_ids = sorted({lk.source.id for lk in links})
    snk_ids = sorted({lk.sink.id for lk in links})
    src_pos = {s: i for i, s in enumerate(src_ids)}
    snk_pos = {k: i for i, k in enumerate(snk_ids)}
    by_src = {s.id: s for s in sources}
    by_snk = {k.id: k for k in sinks}
    supply = np.array([by_src[s].quantity for s in src_ids], dtype=float)
    demand = np.array([by_snk[k].demand for k in snk_ids], dtype=float)
    cap = np.array([lk.capacity for lk in links])
    loss = np.array([lk.loss for lk in links])
    unit_cost = np.array([lk.unit_cost for lk in links])
    unit_co2 = np.array([lk.unit_co2 for lk in links])
    annuity = np.array(
        [lk.capex_cny * capital_recovery_factor(opts.discount_rate, lk.lifetime_years) for lk in links]
    )

    m = linopy.Model(force_dim_names=True)
    import pandas as pd  # deferred with linopy

    link_c = pd.Index(li, name="link")
    per_c = pd.Index(np.arange(n_t), name="period")
    f = m.add_variables(lower=0, coords=[link_c, per_c], name="flow")
    if opts.binary_build:
        b = m.add_variables(coords=[link_c], name="build", binary=True)
    else:
        # continuous: the capacity built [unit/period] c = cap·b, so every matrix coefficient is 1
        # or (1 − λ) and the annuity is per unit of capacity (better scaled than b with cap in rows)
        b = m.add_variables(lower=0, upper=xr.DataArray(cap, coords=[link_c]), coords=[link_c], name="build")
    src_of = xr.DataArray(np.array([src_pos[lk.source.id] for lk in links]), coords=[link_c], name="source")
    snk_of = xr.DataArray(np.array([snk_pos[lk.sink.id] for lk in links]), coords=[link_c], name="sink")
    supply_da = xr.DataArray(
        supply, coords={"source": np.arange(len(src_ids)), "period": per_c}, dims=("source", "period")
    )
    demand_da = xr.DataArray(
        demand, coords={"sink": np.arange(len(snk_ids)), "period": per_c}, dims=("sink", "period")
    )
    m.add_constraints(f.groupby(src_of).sum() <= supply_da, name="supply")
    delivered = f * xr.DataArray(1.0 - loss, coords=[link_c])
    m.add_constraints(delivered.groupby(snk_of).sum() <= demand_da, name="demand")
    per_b = cap if opts.binary_build else np.ones(n_l)
    m.add_constraints(f - b * xr.DataArray(per_b, coords=[link_c]) <= 0, name="capacity")
    w_da = xr.DataArray(w, coords=[per_c])
    b_cost = annuity if opts.binary_build else np.divide(annuity, cap, out=np.zeros(n_l), where=cap > 0)
    cost = (b * xr.DataArray(b_cost, coords=[link_c])).sum() + (
        f * (w_da * xr.DataArray(unit_cost, coords=[link_c]))
    ).sum()
    if opts.objective is Objective.COST:
        m.add_objective(cost)
    else:
        co2 = (f * (w_da * xr.DataArray(unit_co2, coords=[link_c]))).sum()
        m.add_objective(-1.0 * co2 + 1e-9 * cost)
    t1 = time.perf_counter()
    highs: dict[str, Any] = {
        "output_flag": False,
        "time_limit": opts.time_limit_s,
        "mip_rel_gap": opts.mip_rel_gap,
        "solver": opts.lp_algorithm if not opts.binary_build else "choose",
        "threads": 1,
        "run_crossover": "on" if opts.crossover else "off",
    }
    with solver_output_to_stderr():
        _status, condition = m.solve(solver_name="highs", io_api="direct", progress=False, **highs)
    t2 = time.perf_counter()
    condition = str(condition)
    usable_mip = opts.binary_build and condition == "time_limit" and m.objective.value is not None
    if condition != "optimal" and not usable_mip:
        raise OptimizationError(
            f"the symbiosis matching stopped with '{condition}' and no usable solution; "
            f"raise the time limit (now {opts.time_limit_s} s) or use fewer periods"
        )
    flows = np.asarray(f.solution.values, dtype=float)
    builds = np.asarray(b.solution.values, dtype=float)
    if not opts.binary_build:  # capacity built → share of the candidate pipe
        builds = np.divide(builds, cap, out=np.zeros(n_l), where=cap > 0)
    out: list[MatchedExchange] = []
    for i, lk in enumerate(links):
        sent = float(flows[i] @ w)
        if builds[i] <= 1e-6 or sent <= 1e-9:
            continue
        capex = lk.capex_cny * (1.0 if opts.binary_build else float(builds[i]))
        benefit = -lk.unit_cost * sent
        out.append(
            MatchedExchange(
                source=lk.source.id,
                sink=lk.sink.id,
                kind=lk.source.kind,
                unit=UNIT[lk.source.kind],
                distance_km=lk.distance_km,
                build_share=float(builds[i]),
                sent_per_year=sent,
                delivered_per_year=sent * (1.0 - lk.loss),
                co2_avoided_t_per_year=lk.unit_co2 * sent,
                capex_cny=capex,
                annualised_capex_cny=annuity[i] * (1.0 if opts.binary_build else float(builds[i])),
                net_benefit_cny_per_year=benefit,
                payback_years=capex / benefit if benefit > 0 else None,
                flows=tuple(float(v) for v in flows[i]),
            )
        )
    return out, t1 - t0, t2 - t1, condition


def _kmedoids(
    points: np.ndarray, k: int, seed: int = 0, iterations: int = 50
) -> tuple[np.ndarray, np.ndarray]:
    """k-medoids of ``points`` (n, d) by alternating assignment and medoid update (Voronoi iteration).

    Starts from k-means++ seeds (Arthur & Vassilvitskii, "k-means++: the advantages of careful
    seeding", SODA 2007) drawn with a fixed seed, so the same data give the same medoids. Returns the
    medoid indices (k,) and each point's cluster (n,).
    """
    n = len(points)
    rng = np.random.default_rng(seed)
    sq = (points**2).sum(axis=1)

    def dist2(centres: np.ndarray) -> np.ndarray:  # (n, len(centres)) squared Euclidean distances
        d: np.ndarray = np.maximum(sq[:, None] + sq[centres][None, :] - 2.0 * points @ points[centres].T, 0.0)
        return d

    medoids = [int(rng.integers(n))]
    nearest = dist2(np.array(medoids))[:, 0]
    for _ in range(1, k):
        total = nearest.sum()
        pick = int(rng.choice(n, p=nearest / total)) if total > 0 else int(rng.integers(n))
        medoids.append(pick)
        nearest = np.minimum(nearest, dist2(np.array([pick]))[:, 0])
    m = np.array(medoids)
    for _ in range(iterations):
        label = np.argmin(dist2(m), axis=1)
        new = m.copy()
        for c in range(k):
            members = np.flatnonzero(label == c)
            if len(members) == 0:
                continue
            centre = points[members].mean(axis=0)
            new[c] = members[int(np.argmin(((points[members] - centre) ** 2).sum(axis=1)))]
        if np.array_equal(new, m):
            break
        m = new
    return m, np.argmin(dist2(m), axis=1)


def _scaled(hourly: np.ndarray, prof: np.ndarray, wts: np.ndarray) -> np.ndarray:
    """``prof`` scaled per party so that its weighted year total equals the hourly year total."""
    got, want = prof @ wts, hourly.sum(axis=1)
    scale = np.divide(want, got, out=np.ones_like(want), where=got > 0)
    out: np.ndarray = prof * scale[:, None]
    return out


def _normalised(hourly: np.ndarray) -> np.ndarray:
    """Each party's profile divided by its peak, so large parties do not decide the clusters alone."""
    peak = hourly.max(axis=1, keepdims=True)
    out: np.ndarray = np.divide(hourly, peak, out=np.zeros_like(hourly), where=peak > 0)
    return out


def representative_days(hourly: np.ndarray, n_days: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Pick ``n_days`` representative days of hourly profiles by k-medoids clustering, and their weights.

    ``hourly`` is (parties, 8760) [unit/h]. Each day is a point of (parties × 24) values (each
    party's profile divided by its peak); the days are clustered by k-medoids (:func:`_kmedoids`)
    and each cluster is represented by its medoid day, a real day of the year, weighted by the
    number of days it stands for — the k-medoids time-series aggregation of Kotzur, Markewitz,
    Robinius and Stolten, "Impact of different time series aggregation methods on optimal energy
    system design", *Renewable Energy* 117 (2018) 474–487. Each party's chosen days are then scaled
    so that its weighted year total equals its hourly year total.

    Returns
    -------
    (profiles, weights)
        profiles (parties, 24·n_days) and weights (24·n_days,) [occurrences per year].
    """
    parties, hours = hourly.shape
    days = hours // 24
    if n_days < 1 or n_days > days:
        raise SymbiosisError(f"n_days must be between 1 and {days}, {n_days} was given")
    cube = hourly[:, : days * 24].reshape(parties, days, 24)
    points = (
        _normalised(hourly)[:, : days * 24].reshape(parties, days, 24).transpose(1, 0, 2).reshape(days, -1)
    )
    medoids, label = _kmedoids(points, n_days, seed)
    order = np.argsort(medoids, kind="stable")  # the chosen days in calendar order
    prof = np.concatenate([cube[:, medoids[c], :] for c in order], axis=1)
    per_day = hours / (days * 24)
    wts = np.repeat([float((label == c).sum()) * per_day for c in order], 24)
    return _scaled(hourly, prof, wts), wts


def representative_hours(hourly: np.ndarray, n_hours: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Pick ``n_hours`` representative hours (time slices) of hourly profiles by k-medoids, and their weights.

    Valid for a model whose periods are independent (the matching has no storage and no ramping:
    only the capacity, the maximum over the periods, links them): each hour of the year is a point
    of the parties' values (each divided by its peak), clustered by k-medoids (:func:`_kmedoids`, the
    method of :func:`representative_days` on single hours); the medoid hours, weighted by their
    cluster sizes, keep the joint distribution of supply and demand (the season and the time of day
    together), which a few representative days cannot. Year totals are kept per party as there.
    """
    parties, hours = hourly.shape
    if n_hours < 1 or n_hours > hours:
        raise SymbiosisError(f"n_hours must be between 1 and {hours}, {n_hours} was given")
    medoids, label = _kmedoids(_normalised(hourly).T, n_hours, seed)
    order = np.argsort(medoids, kind="stable")
    prof = hourly[:, medoids[order]]
    wts = np.array([float((label == c).sum()) for c in order])
    return _scaled(hourly, prof, wts), wts


def simple_payback_years(capex: float, yearly_benefit: float) -> float:
    """Simple payback [a] = capex / yearly net benefit (∞ if the benefit is ≤ 0)."""
    return capex / yearly_benefit if yearly_benefit > 0 else math.inf
