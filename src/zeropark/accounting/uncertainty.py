"""Uncertainty of an inventory: IPCC 2006 Guidelines Vol. 1 Ch. 3, Approach 1 (error propagation).

Each line item carries the half-width of the 95 % interval of its activity quantity (meter accuracy
class or the record's stated uncertainty) and of each factor it used. Approach 1 combines them:

- product (eq. 3.1): ``U_line = sqrt(U_AD² + U_NCV² + U_CC² + U_OF² + …)`` [%];
- sum (eq. 3.2): ``U_total = sqrt(Σ (U_i · x_i)²) / |Σ x_i|`` [%].

Activity errors are independent between lines. A factor used by several lines (the same grid
factor every month) is one error, fully correlated between those lines, so its term is
``(U_f · Σ_{i uses f} x_i)²`` — summing the lines before squaring, as Approach 1 prescribes for
correlated inputs (IPCC 2006 Vol. 1 §3.2.3.1). Factors without a stated uncertainty contribute 0
and are named by :func:`factors_without_uncertainty`.

References
----------
.. [1] IPCC 2006, *2006 IPCC Guidelines for National Greenhouse Gas Inventories*, Vol. 1 General
   Guidance and Reporting, Ch. 3 Uncertainties, §3.2.3.1 Approach 1, equations 3.1 and 3.2.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from zeropark.accounting.lineitems import LineItem


@dataclass(frozen=True, slots=True)
class Interval:
    """95 % interval of a total [tCO2e]: ``total ± half_width``."""

    total_tco2e: float
    low_tco2e: float
    high_tco2e: float
    half_width_pct: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "total_tco2e": self.total_tco2e,
            "low_tco2e": self.low_tco2e,
            "high_tco2e": self.high_tco2e,
            "half_width_pct": self.half_width_pct,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Interval:
        """Inverse of :meth:`to_dict`."""
        return cls(
            total_tco2e=float(d["total_tco2e"]),
            low_tco2e=float(d["low_tco2e"]),
            high_tco2e=float(d["high_tco2e"]),
            half_width_pct=float(d["half_width_pct"]),
        )


def combined_pct(*pcts: float | None) -> float:
    """Half-width [%] of a product of independent quantities (IPCC 2006 Vol.1 eq. 3.1).

    >>> round(combined_pct(3.0, 4.0), 6)
    5.0
    """
    return math.sqrt(sum((p or 0.0) ** 2 for p in pcts))


def line_uncertainty_pct(activity_pct: float, factor_pcts: Iterable[float | None]) -> float:
    """Half-width [%] of one line: activity and factors combined by eq. 3.1."""
    return combined_pct(activity_pct, *factor_pcts)


def interval_95(lines: Iterable[LineItem]) -> Interval:
    """95 % interval of the sum of ``lines`` [tCO2e] (IPCC 2006 Vol.1 Approach 1, eq. 3.2).

    Activity errors are independent per line; the error of a factor id is correlated across all
    lines that use it.
    """
    items = list(lines)
    total = math.fsum(li.emissions_tco2e for li in items)
    variance = math.fsum((li.activity_uncertainty_pct / 100.0 * li.emissions_tco2e) ** 2 for li in items)
    by_factor: dict[str, tuple[float, float]] = {}
    for li in items:
        for f in li.factors:
            if f.symbol == "AD" or not f.uncertainty_pct:
                continue
            pct, acc = by_factor.get(f.id, (f.uncertainty_pct, 0.0))
            by_factor[f.id] = (pct, acc + li.emissions_tco2e)
    variance += math.fsum((pct / 100.0 * acc) ** 2 for pct, acc in by_factor.values())
    half = math.sqrt(variance)
    pct_total = 100.0 * half / abs(total) if total else 0.0
    return Interval(
        total_tco2e=total, low_tco2e=total - half, high_tco2e=total + half, half_width_pct=pct_total
    )


def factors_without_uncertainty(lines: Iterable[LineItem]) -> tuple[str, ...]:
    """Ids of factors used with emissions ≠ 0 whose source states no uncertainty (sorted)."""
    return tuple(
        sorted(
            {
                f.id
                for li in lines
                if li.emissions_tco2e
                for f in li.factors
                if f.symbol != "AD" and f.uncertainty_pct is None
            }
        )
    )
