"""LMDI-I decomposition of a change in CO2 emissions between two years (pure, no I/O).

Identity (per unit *i* — an enterprise or a sector — and energy group *j* ∈ {electricity, other})::

    C = Σᵢⱼ Y · (Yᵢ/Y) · (Eᵢ/Yᵢ) · (Eᵢⱼ/Eᵢ) · (Cᵢⱼ/Eᵢⱼ)
        activity  structure  intensity  mix     carbon factor (j = other) / grid factor (j = electricity)

with Y output value (工业增加值) [10⁴ CNY], E comprehensive energy consumption [tce] and C CO2 [t].
The carbon factor of the electricity group (tCO2 per tce of electricity) moves with the grid
emission factor (and the green-power share), so it is reported as its own *grid* effect; the
"other" group carries fuels, heat and process CO2 (its factor is CO2 per tce of non-electric energy).

Additive LMDI-I (Ang 2005, "The LMDI approach to decomposition analysis: a practical guide",
Energy Policy 33:867–871, eq. (3)–(4))::

    ΔC_x = Σᵢⱼ L(Cᵢⱼᵀ, Cᵢⱼ⁰) · ln(xᵢⱼᵀ / xᵢⱼ⁰),   L(a, b) = (a − b) / (ln a − ln b),  L(a, a) = a

Multiplicative LMDI-I (same paper, eq. (5)–(6))::

    D_x = exp( Σᵢⱼ L(Cᵢⱼᵀ, Cᵢⱼ⁰) / L(Cᵀ, C⁰) · ln(xᵢⱼᵀ / xᵢⱼ⁰) )

Both are exact (no residual): Σ ΔC_x = Cᵀ − C⁰ and Π D_x = Cᵀ / C⁰. Zero values (a unit that did
not exist, a group not used in one year) are replaced by δ = 1e-20 before the ratios are taken —
the small-value strategy of Ang & Liu 2007 ("Handling zero values in the logarithmic mean Divisia
index decomposition approach", Energy Policy 35:238–246), whose results converge as δ → 0; the
identity above still holds exactly after the replacement because every factor is formed from the
replaced quantities. Convergence is slow, though (a weight L(C, δ) = C/ln(C/δ) ≈ C/50 still spreads a
few per cent of an appearing group over the other effects — Wood & Lenzen 2006, Energy Policy
34:1326–1331), so a group whose CO2 is zero in exactly one year is given its limit directly: its
whole change goes to the one factor that is zero in that year (structure for a new or closed unit,
mix for an energy group taken up or dropped, the carbon or grid factor for energy without CO2).
Negative quantities (net exporters) have no logarithm and are refused.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from zeropark.errors import DataError

__all__ = [
    "DELTA",
    "Decomposition",
    "Effect",
    "NegativeQuantity",
    "UnitContribution",
    "UnitYear",
    "aggregate",
    "decompose",
    "log_mean",
]

#: The small value that replaces a zero (Ang & Liu 2007 recommend 1e-10 … 1e-20).
DELTA = 1e-20


class Effect(StrEnum):
    """The effects of the decomposition, in the order they are reported."""

    ACTIVITY = "activity"  # 规模效应: total output value Y
    STRUCTURE = "structure"  # 结构效应: unit share Yᵢ/Y
    INTENSITY = "intensity"  # 能耗强度效应: Eᵢ/Yᵢ [tce/10⁴ CNY]
    MIX = "mix"  # 能源结构效应: electricity / other share of Eᵢ
    CARBON_FACTOR = "carbon_factor"  # 排放因子效应: non-electric CO2 per tce
    GRID_FACTOR = "grid_factor"  # 电网因子效应: electricity CO2 per tce


class NegativeQuantity(DataError):
    """A negative output, energy or CO2 figure: it has no logarithm, LMDI cannot take it."""


@dataclass(frozen=True, slots=True)
class UnitYear:
    """One unit's (enterprise's or sector's) figures in one year.

    Attributes
    ----------
    output : float
        Output value (工业增加值) [10⁴ CNY].
    energy_electricity, energy_other : float
        Comprehensive energy consumption of electricity and of everything else [tce].
    co2_electricity, co2_other : float
        CO2 of electricity and of everything else (fuels, heat, processes) [t].
    """

    unit: str
    output: float
    energy_electricity: float
    energy_other: float
    co2_electricity: float
    co2_other: float

    @property
    def energy(self) -> float:
        """Total energy [tce]."""
        return self.energy_electricity + self.energy_other

    @property
    def co2(self) -> float:
        """Total CO2 [t]."""
        return self.co2_electricity + self.co2_other


@dataclass(frozen=True, slots=True)
class UnitContribution:
    """One unit's share of each additive effect [tCO2] and its own change."""

    unit: str
    co2_from: float
    co2_to: float
    effects: dict[Effect, float]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "unit": self.unit,
            "co2_from_t": self.co2_from,
            "co2_to_t": self.co2_to,
            "effects_t": {e.value: v for e, v in self.effects.items()},
        }


@dataclass(frozen=True, slots=True)
class Decomposition:
    """The additive effects [tCO2] (sum = change) and multiplicative factors (product = ratio)."""

    co2_from: float
    co2_to: float
    additive: dict[Effect, float]
    multiplicative: dict[Effect, float]
    units: tuple[UnitContribution, ...]

    @property
    def change(self) -> float:
        """Cᵀ − C⁰ [tCO2]."""
        return self.co2_to - self.co2_from

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "co2_from_t": self.co2_from,
            "co2_to_t": self.co2_to,
            "change_t": self.change,
            "additive_t": {e.value: v for e, v in self.additive.items()},
            "multiplicative": {e.value: v for e, v in self.multiplicative.items()},
            "units": [u.to_dict() for u in self.units],
        }


def log_mean(a: float, b: float) -> float:
    """Logarithmic mean L(a, b) = (a − b) / (ln a − ln b), L(a, a) = a (Ang 2005 eq. (4)); a, b > 0."""
    if a == b:
        return a
    la, lb = math.log(a), math.log(b)
    if la == lb:  # a and b a few ulps apart: their logarithms round to the same float
        return (a + b) / 2
    return (a - b) / (la - lb)


def _pos(x: float) -> float:
    return x if x > 0 else DELTA


def _check(rows: Iterable[UnitYear], label: str) -> None:
    for r in rows:
        for name in ("output", "energy_electricity", "energy_other", "co2_electricity", "co2_other"):
            v = getattr(r, name)
            if v < 0 or not math.isfinite(v):
                raise NegativeQuantity(
                    f"{label}, {r.unit}: {name} = {v!r}; LMDI needs figures ≥ 0 (a net exporter's "
                    f"negative figure has no logarithm — decompose by sector or correct the data)"
                )


def aggregate(rows: Iterable[UnitYear], unit_of: Mapping[str, str]) -> list[UnitYear]:
    """Sum enterprises into units (e.g. sectors): ``unit_of[enterprise] = sector``."""
    sums: dict[str, list[float]] = {}
    for r in rows:
        s = sums.setdefault(unit_of[r.unit], [0.0] * 5)
        for k, v in enumerate(
            (r.output, r.energy_electricity, r.energy_other, r.co2_electricity, r.co2_other)
        ):
            s[k] += v
    return [UnitYear(u, *v) for u, v in sorted(sums.items())]


def _factors(u: UnitYear, total_output: float) -> list[tuple[float, dict[Effect, float]]]:
    """Per group j: (Cᵢⱼ, factor values) with zeros replaced by δ."""
    y, yi = _pos(total_output), _pos(u.output)
    e_el, e_ot = _pos(u.energy_electricity), _pos(u.energy_other)
    ei = e_el + e_ot
    out = []
    for c, e, factor in (
        (u.co2_electricity, e_el, Effect.GRID_FACTOR),
        (u.co2_other, e_ot, Effect.CARBON_FACTOR),
    ):
        cij = _pos(c)
        values = {
            Effect.ACTIVITY: y,
            Effect.STRUCTURE: yi / y,
            Effect.INTENSITY: ei / yi,
            Effect.MIX: e / ei,
            factor: cij / e,
        }
        out.append((cij, values))
    return out


def _raw(u: UnitYear) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """Per group (electricity, other): (unit output, group energy, group CO2) as given."""
    return (
        (u.output, u.energy_electricity, u.co2_electricity),
        (u.output, u.energy_other, u.co2_other),
    )


def _limit_effect(zero_year: tuple[float, float, float], factors: dict[Effect, float]) -> Effect:
    """The effect that takes a group's whole CO2 when it is zero in one year (Ang & Liu 2007, δ → 0).

    As δ → 0, L(C, δ)·ln(x/x') tends to C for the one factor that is δ-small in the zero year and
    to 0 for every other: the unit's output share if the unit had no output (a new or closed
    unit: structure), else the group's energy share if it used none of that energy (mix), else
    the group's carbon factor (energy without CO2).
    """
    output, energy, _ = zero_year
    if output <= 0:
        return Effect.STRUCTURE
    if energy <= 0:
        return Effect.MIX
    return Effect.GRID_FACTOR if Effect.GRID_FACTOR in factors else Effect.CARBON_FACTOR


def decompose(before: Sequence[UnitYear], after: Sequence[UnitYear]) -> Decomposition:
    """Additive and multiplicative LMDI-I of the CO2 change from ``before`` to ``after``.

    A unit present in one year only counts as all-zero in the other. A group (unit × electricity or
    other) whose CO2 is zero in exactly one year gives its whole change to one effect, the δ → 0
    limit of the small-value strategy (:func:`_limit_effect`); other zeros are replaced by δ.

    Raises
    ------
    NegativeQuantity
        A negative figure (named: unit, field, value).
    """
    _check(before, "from-year")
    _check(after, "to-year")
    b = {r.unit: r for r in before}
    a = {r.unit: r for r in after}
    names = sorted(set(b) | set(a))
    y0 = math.fsum(r.output for r in before)
    y1 = math.fsum(r.output for r in after)
    c0 = math.fsum(r.co2 for r in before)
    c1 = math.fsum(r.co2 for r in after)
    additive = dict.fromkeys(Effect, 0.0)
    weighted_logs = dict.fromkeys(Effect, 0.0)
    units: list[UnitContribution] = []
    for name in names:
        u0 = b.get(name) or UnitYear(name, 0.0, 0.0, 0.0, 0.0, 0.0)
        u1 = a.get(name) or UnitYear(name, 0.0, 0.0, 0.0, 0.0, 0.0)
        own = dict.fromkeys(Effect, 0.0)
        groups = zip(_factors(u0, y0), _factors(u1, y1), _raw(u0), _raw(u1), strict=True)
        for (cij0, f0), (cij1, f1), raw0, raw1 in groups:
            if (raw0[2] > 0) != (raw1[2] > 0):  # the group's CO2 appears or disappears: the δ → 0 limit
                own[_limit_effect(raw0 if raw0[2] <= 0 else raw1, f1)] += raw1[2] - raw0[2]
                continue
            w = log_mean(cij1, cij0)
            for effect, v1 in f1.items():
                own[effect] += w * math.log(v1 / f0[effect])
        for effect, v in own.items():
            additive[effect] += v
        units.append(UnitContribution(name, u0.co2, u1.co2, own))
    total_w = log_mean(_pos(c1), _pos(c0))
    for effect, v in additive.items():
        weighted_logs[effect] = v / total_w
    multiplicative = {e: math.exp(v) for e, v in weighted_logs.items()}
    return Decomposition(c0, c1, additive, multiplicative, tuple(units))
