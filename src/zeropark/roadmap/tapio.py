"""Tapio decoupling elasticity and state; carbon productivity (pure, no I/O).

Tapio, P. (2005) "Towards a theory of decoupling: degrees of decoupling in the EU and the case of
road traffic in Finland between 1970 and 2001", Transport Policy 12:137–151, Fig. 2: the elasticity
e = (ΔC/C⁰) / (ΔY/Y⁰) of CO2 C with respect to output Y, read with the signs of ΔY and ΔC and the
thresholds 0.8 and 1.2 (coupling: 0.8 ≤ e ≤ 1.2), gives eight states.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from zeropark.errors import DataError

__all__ = [
    "COUPLING_HIGH",
    "COUPLING_LOW",
    "Decoupling",
    "DecouplingState",
    "carbon_productivity",
    "tapio",
]

#: Tapio 2005 Fig. 2: elasticities in [0.8, 1.2] are coupling.
COUPLING_LOW = 0.8
COUPLING_HIGH = 1.2


class DecouplingState(StrEnum):
    """Tapio's eight states (2005, Fig. 2)."""

    STRONG_DECOUPLING = "strong_decoupling"  # 强脱钩: ΔY > 0, ΔC < 0
    WEAK_DECOUPLING = "weak_decoupling"  # 弱脱钩: ΔY > 0, ΔC ≥ 0, 0 ≤ e < 0.8
    EXPANSIVE_COUPLING = "expansive_coupling"  # 扩张连接: ΔY > 0, ΔC > 0, 0.8 ≤ e ≤ 1.2
    EXPANSIVE_NEGATIVE_DECOUPLING = "expansive_negative_decoupling"  # 扩张负脱钩: ΔY > 0, e > 1.2
    STRONG_NEGATIVE_DECOUPLING = "strong_negative_decoupling"  # 强负脱钩: ΔY < 0, ΔC > 0
    WEAK_NEGATIVE_DECOUPLING = "weak_negative_decoupling"  # 弱负脱钩: ΔY < 0, ΔC ≤ 0, 0 ≤ e < 0.8
    RECESSIVE_COUPLING = "recessive_coupling"  # 衰退连接: ΔY < 0, ΔC < 0, 0.8 ≤ e ≤ 1.2
    RECESSIVE_DECOUPLING = "recessive_decoupling"  # 衰退脱钩: ΔY < 0, ΔC < 0, e > 1.2


class NoOutputChange(DataError):
    """Output value did not change (or a base value is 0): the elasticity is undefined."""


@dataclass(frozen=True, slots=True)
class Decoupling:
    """Tapio elasticity e [-] and state between two years."""

    elasticity: float
    state: DecouplingState
    co2_growth: float  # ΔC / C⁰ [-]
    output_growth: float  # ΔY / Y⁰ [-]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "elasticity": self.elasticity,
            "state": self.state.value,
            "co2_growth": self.co2_growth,
            "output_growth": self.output_growth,
        }


def tapio(co2_from: float, co2_to: float, output_from: float, output_to: float) -> Decoupling:
    """Tapio decoupling of CO2 [t] from output [10⁴ CNY] between two years.

    Raises
    ------
    NoOutputChange
        Y⁰ ≤ 0, C⁰ ≤ 0 or ΔY = 0 (the elasticity has no value).
    """
    if output_from <= 0 or co2_from <= 0:
        raise NoOutputChange(
            f"the from-year needs output > 0 and CO2 > 0 for an elasticity "
            f"(output {output_from!r} 10⁴ CNY, CO2 {co2_from!r} t)"
        )
    gy = (output_to - output_from) / output_from
    if gy == 0:
        raise NoOutputChange("output value is the same in both years: the Tapio elasticity is undefined")
    gc = (co2_to - co2_from) / co2_from
    e = gc / gy
    if gy > 0:
        if gc < 0:
            state = DecouplingState.STRONG_DECOUPLING
        elif e < COUPLING_LOW:
            state = DecouplingState.WEAK_DECOUPLING
        elif e <= COUPLING_HIGH:
            state = DecouplingState.EXPANSIVE_COUPLING
        else:
            state = DecouplingState.EXPANSIVE_NEGATIVE_DECOUPLING
    elif gc > 0:
        state = DecouplingState.STRONG_NEGATIVE_DECOUPLING
    elif e < COUPLING_LOW:
        state = DecouplingState.WEAK_NEGATIVE_DECOUPLING
    elif e <= COUPLING_HIGH:
        state = DecouplingState.RECESSIVE_COUPLING
    else:
        state = DecouplingState.RECESSIVE_DECOUPLING
    return Decoupling(e, state, gc, gy)


def carbon_productivity(output: float, co2: float) -> float | None:
    """碳生产率 [10⁴ CNY/tCO2] = output value / CO2; None when CO2 ≤ 0."""
    return output / co2 if co2 > 0 else None
