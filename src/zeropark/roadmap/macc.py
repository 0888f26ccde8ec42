"""Marginal abatement cost curve (边际减排成本曲线, MACC) of one year. Pure, no I/O.

For a chosen year every measure's **potential** [tCO2/a] is what it abates when built to its bound
at every group it applies to (``max_share`` of the carrier it changes), with the same per-unit
coefficients as the pathway model (:func:`zeropark.roadmap.pathway.build_pairs`, derived from the
accounting engine's BAU inventory of that year). Its **cost** [CNY/tCO2] is the annualised cost of
one unit over its abatement:

    cost = (CRF(r, L)·capex + opex − energy saving) / abatement per unit

with the capital recovery factor of :func:`zeropark.optimize.finance.capital_recovery_factor`
(NREL/TP-462-5173 eq. 4-4). A negative cost means the energy saved pays for the measure.
Measures are sorted by cost (cheapest first); ``x0``/``x1`` give each bar's place on the
cumulative-potential axis for a step chart.

Potentials are each measure's alone: two measures on the same carrier of the same group overlap
(the pathway model caps their sum at the carrier's quantity; the curve does not), the usual
limitation of expert-based MACCs (Kesicki & Ekins 2012, *Climate Policy* 12:219–236).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from zeropark.optimize.finance import capital_recovery_factor
from zeropark.roadmap.pathway import PathwayError, PathwayProblem, build_pairs

__all__ = ["MaccBar", "macc"]


@dataclass(frozen=True, slots=True)
class MaccBar:
    """One measure on the curve: potential [tCO2/a], cost [CNY/tCO2], its place [tCO2/a]."""

    measure_id: str
    name_zh: str
    name_en: str
    pathway: str
    potential_tco2: float
    cost_cny_per_tco2: float
    annual_cost_cny: float
    groups: int
    x0: float
    x1: float
    uncertain: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "measure": self.measure_id,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "pathway": self.pathway,
            "potential_tco2": self.potential_tco2,
            "cost_cny_per_tco2": self.cost_cny_per_tco2,
            "annual_cost_cny": self.annual_cost_cny,
            "groups": self.groups,
            "x0": self.x0,
            "x1": self.x1,
            "uncertain": self.uncertain,
        }


def macc(problem: PathwayProblem, year: int) -> list[MaccBar]:
    """The MACC of ``year``: one bar per measure with a positive potential, cheapest first.

    ``problem.targets`` is not used; ``problem.bau`` must contain ``year``.

    Raises
    ------
    PathwayError
        When ``year`` is not one of the BAU years.
    """
    years = [b.year for b in problem.bau]
    if year not in years:
        raise PathwayError(f"year {year} is not in the horizon {years[0]}–{years[-1]}: choose a year in it")
    i = years.index(year)
    pairs, _ = build_pairs(problem)
    acc: dict[str, list[float]] = {}
    first: dict[str, Any] = {}
    for p in pairs:
        units = float(p.cap_units[i])
        abate = float(p.abate[i])
        if units <= 0 or abate <= 0:
            continue
        m = p.measure
        crf = capital_recovery_factor(problem.discount_rate, m.lifetime_years)
        per_unit = crf * m.capex_cny_per_unit + m.opex_cny_per_unit_year - float(p.saving[i])
        row = acc.setdefault(m.id, [0.0, 0.0, 0.0])
        row[0] += units * abate
        row[1] += units * per_unit
        row[2] += 1
        first[m.id] = m
    bars = sorted(
        ((mid, v) for mid, v in acc.items() if v[0] > 0),
        key=lambda kv: (kv[1][1] / kv[1][0], kv[0]),
    )
    out: list[MaccBar] = []
    x = 0.0
    for mid, (pot, cost, n) in bars:
        m = first[mid]
        unit_cost = cost / pot
        out.append(
            MaccBar(
                mid,
                m.name_zh,
                m.name_en,
                m.pathway.value,
                pot,
                unit_cost if math.isfinite(unit_cost) else 0.0,
                cost,
                int(n),
                x,
                x + pot,
                m.uncertain,
            )
        )
        x += pot
    return out
