"""抽样计划 The risk-based sampling plan over line items and meters (deterministic, seeded).

**Rule** (:data:`RULE`): every *key item* — an item whose |tCO2e| is at or above the materiality —
is tested; the rest of the population is sampled by **monetary-unit sampling** (MUS), i.e.
probability-proportional-to-size (PPS) selection, with the item's size = |tCO2e| × risk weight:

1. sample size ``n = ceil(R / m)`` with the Poisson confidence factor ``R = −ln β`` for zero expected
   misstatements (β the accepted sampling risk) and ``m`` the materiality as a fraction, since the
   tolerable misstatement is the materiality: ``n = ceil(P·R / (m·P))``; capped at the number of items;
2. interval ``J = P / n`` (``P`` the population's total size), a random start ``s ∈ [0, J)`` drawn
   from the engagement's seed (``random.Random(seed).random() × J``);
3. the items are laid end to end in a fixed order (kind, id); an item is selected when one of the
   points ``s, s + J, s + 2J, …`` falls in its cumulative interval ``[C_{i−1}, C_i)``. An item
   whose size is ≥ J is always selected.

References: AICPA, *Audit Guide: Audit Sampling* (2019), ch. 5 "Monetary unit sampling" (systematic
selection, confidence factors 3.0 at 5 % and 1.61 at 20 % risk for zero misstatements = −ln β);
ISO 14064-3:2019 6.1.4.x (evidence-gathering plan, sampling) [UNCERTAIN clause number].

The sampling risks by level of assurance (:data:`SAMPLING_RISK`) and the risk weights
(:data:`RISK_WEIGHT`) are named, configurable defaults [UNCERTAIN: practice, not a standard's figure].
A zero-emission item (feedstock, on-site renewables) has no size and is never drawn by MUS; the
verifier covers such items by the checklist.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from zeropark.verification.engagement import Assurance

__all__ = [
    "RISK_WEIGHT",
    "RULE",
    "SAMPLING_RISK",
    "Reason",
    "Risk",
    "SamplePlan",
    "Selection",
    "Unit",
    "line_risk",
    "plan_sample",
    "pps_select",
    "sample_size",
]

#: The name of the selection rule, stored with every plan.
RULE = "key items ≥ materiality + MUS/PPS over |tCO2e| × risk weight (AICPA Audit Sampling ch. 5)"

#: Accepted sampling risk β by level of assurance [fraction]. [UNCERTAIN] practice: 5 % for
#: reasonable assurance (R = 3.0), 20 % for limited (R = 1.61); configurable.
SAMPLING_RISK: Mapping[Assurance, float] = {Assurance.REASONABLE: 0.05, Assurance.LIMITED: 0.20}


class Risk(StrEnum):
    """固有风险 Inherent risk of an item."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


#: Size multiplier of an item by risk. [UNCERTAIN] a choice, configurable.
RISK_WEIGHT: Mapping[Risk, float] = {Risk.LOW: 1.0, Risk.MEDIUM: 2.0, Risk.HIGH: 3.0}
#: Uncertainty [%] from which an item is of medium / high risk. [UNCERTAIN] a choice, configurable.
MEDIUM_RISK_UNCERTAINTY_PCT = 5.0
HIGH_RISK_UNCERTAINTY_PCT = 10.0


def line_risk(uncertainty_pct: float, has_evidence: bool) -> Risk:
    """The risk of a line item: high without evidence or at ≥ 10 % uncertainty, medium at ≥ 5 %.

    >>> line_risk(2.0, True), line_risk(7.5, True), line_risk(1.0, False)
    (<Risk.LOW: 'low'>, <Risk.MEDIUM: 'medium'>, <Risk.HIGH: 'high'>)
    """
    if not has_evidence or uncertainty_pct >= HIGH_RISK_UNCERTAINTY_PCT:
        return Risk.HIGH
    if uncertainty_pct >= MEDIUM_RISK_UNCERTAINTY_PCT:
        return Risk.MEDIUM
    return Risk.LOW


class Reason(StrEnum):
    """Why an item is in the sample."""

    KEY_ITEM = "key_item"  # |tCO2e| ≥ materiality: tested in full
    PPS = "pps"  # drawn by monetary-unit sampling


@dataclass(frozen=True, slots=True)
class Unit:
    """One item of the population: a line item or a meter, its emissions [tCO2e] and risk."""

    kind: str  # "line_item" | "meter"
    id: str
    tco2e: float
    risk: Risk = Risk.LOW
    enterprise_id: str | None = None
    label: str = ""


@dataclass(frozen=True, slots=True)
class Selection:
    """An item of the sample, why, its size [tCO2e × weight] and the points that fell in it."""

    unit: Unit
    reason: Reason
    size: float
    hits: int = 1


@dataclass(frozen=True, slots=True)
class SamplePlan:
    """抽样计划 of one kind of item: the rule, its parameters and the selections in population order."""

    kind: str
    rule: str
    seed: int
    population: int
    population_size: float
    key_threshold_tco2e: float
    n_target: int
    interval: float
    start: float
    selections: tuple[Selection, ...]

    def ids(self) -> list[str]:
        """The ids of the selected items."""
        return [s.unit.id for s in self.selections]


def sample_size(materiality_pct: float, sampling_risk: float, population: int) -> int:
    """MUS sample size n = ceil(−ln β / m), at most ``population`` [items].

    >>> sample_size(5.0, 0.05, 1000)  # −ln 0.05 = 2.9957; / 0.05 = 59.9 → 60
    60
    >>> sample_size(5.0, 0.20, 1000)  # −ln 0.20 = 1.6094; / 0.05 = 32.2 → 33
    33
    """
    if population <= 0:
        return 0
    n = math.ceil(-math.log(sampling_risk) / (materiality_pct / 100.0) - 1e-9)
    return max(1, min(n, population))


def _size(u: Unit, weights: Mapping[Risk, float]) -> float:
    return abs(u.tco2e) * weights[u.risk]


def pps_select(
    units: Sequence[Unit], n: int, start_fraction: float, weights: Mapping[Risk, float] = RISK_WEIGHT
) -> tuple[float, float, list[Selection]]:
    """Systematic PPS selection of ``n`` points over ``units`` in the given order.

    ``start_fraction`` ∈ [0, 1) places the first point at ``start_fraction × J``. Returns the
    interval J, the start s and the selected items (each once, with the number of points in it).
    """
    sizes = [_size(u, weights) for u in units]
    total = math.fsum(sizes)
    if n <= 0 or total <= 0:
        return 0.0, 0.0, []
    interval = total / n
    start = start_fraction * interval
    out: list[Selection] = []
    k, lo = 0, 0.0
    for u, size in zip(units, sizes, strict=True):
        hi = lo + size
        hits = 0
        while k < n and start + k * interval < hi:
            if start + k * interval >= lo:
                hits += 1
            k += 1
        if hits:
            out.append(Selection(u, Reason.PPS, size, hits))
        lo = hi
    return interval, start, out


def plan_sample(
    units: Iterable[Unit],
    *,
    kind: str,
    materiality_tco2e: float,
    materiality_pct: float,
    assurance: Assurance,
    seed: int,
    sampling_risk: Mapping[Assurance, float] = SAMPLING_RISK,
    weights: Mapping[Risk, float] = RISK_WEIGHT,
) -> SamplePlan:
    """The plan of :data:`RULE` for one kind of item (line items or meters).

    Key items (|tCO2e| ≥ ``materiality_tco2e`` > 0) are selected first; the others are ordered
    by id and sampled by :func:`pps_select` with n = :func:`sample_size` and the start drawn from
    ``random.Random(seed)``. The same units and seed always give the same plan.
    """
    ordered = sorted(units, key=lambda u: u.id)
    key = [u for u in ordered if materiality_tco2e > 0 and abs(u.tco2e) >= materiality_tco2e]
    rest = [u for u in ordered if not (materiality_tco2e > 0 and abs(u.tco2e) >= materiality_tco2e)]
    n = sample_size(materiality_pct, sampling_risk[assurance], len(rest))
    fraction = random.Random(seed).random()
    interval, start, picked = pps_select(rest, n, fraction, weights)
    chosen = [Selection(u, Reason.KEY_ITEM, _size(u, weights)) for u in key] + picked
    return SamplePlan(
        kind=kind,
        rule=RULE,
        seed=seed,
        population=len(ordered),
        population_size=math.fsum(_size(u, weights) for u in rest),
        key_threshold_tco2e=materiality_tco2e,
        n_target=n,
        interval=interval,
        start=start,
        selections=tuple(sorted(chosen, key=lambda s: s.unit.id)),
    )
