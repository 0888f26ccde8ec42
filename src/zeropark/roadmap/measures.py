"""Reduction measures (减排措施): what one measure changes, what it costs, and where it applies.

A :class:`Measure` is data: the built-in library (``roadmap/data/measures.csv``, every row citing a
row of ``factors/data/sources.csv``) and a park's own measures are the same type and pass the same
:func:`check`. One *unit* of a measure is what its costs and effect are stated per (a kW of PV, a
MWh/a of green power, a tce/a of savings of a typical project in the MIIT catalogue, ...). The
:attr:`Measure.mechanism` says which activity or factor of the accounting input one unit changes;
:func:`zeropark.roadmap.scenario.project` applies it to a year's
:class:`~zeropark.model.AccountingInput`, so a planned year is accounted by the same engine as a real
one (no second formula).

Units: quantities in the carrier's canonical unit (:data:`zeropark.model.CANONICAL_UNIT`: kWh of
electricity, m³ of natural gas, t of coal, GJ of steam/hot water, ...) per unit per year; money in
CNY (元) at the price level of the source's year; lifetimes and ramps in years.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from zeropark.errors import RowError, ValidationError
from zeropark.model import Carrier

__all__ = ["Mechanism", "Measure", "MeasureError", "Pathway", "check"]


class Pathway(StrEnum):
    """The park's pathways to zero carbon (seed 000: 八大路径; seed 002: 绿电直连, CCUS, ...)."""

    ENERGY_STRUCTURE = "energy_structure"  # 能源结构: on-site PV/wind, storage, 绿电直连
    GREEN_POWER = "green_power"  # 绿电交易 / 绿证
    ENERGY_EFFICIENCY = "energy_efficiency"  # 节能降耗: motors, compressors, lighting, buildings
    ELECTRIFICATION = "electrification"  # 电能替代: heat pumps, electric boilers, electric vehicles
    FUEL_SWITCH = "fuel_switch"  # 燃料替代: coal to gas, hydrogen, biomass
    WASTE_HEAT = "waste_heat"  # 余热余压利用
    PROCESS = "process"  # 工艺革新: process change, raw-material substitution
    CIRCULAR = "circular"  # 循环经济/产业共生
    CCUS = "ccus"  # 碳捕集利用与封存


class Mechanism(StrEnum):
    """Which activity or factor one unit of a measure changes, per year.

    - ``EFFICIENCY``: ``effect_per_unit`` of ``carrier`` less consumed (waste-heat recovery too,
      on steam/hot water or the fuel it replaces).
    - ``FUEL_SWITCH``: ``effect_per_unit`` of ``carrier`` replaced by ``effect_per_unit × ratio``
      of ``to_carrier`` (electrification: ``to_carrier`` = electricity).
    - ``ONSITE_GENERATION``: ``effect_per_unit`` kWh of on-site renewable electricity generated
      (self-consumed first, the rest exported), purchased electricity less by what is self-consumed.
    - ``GREEN_POWER``: ``effect_per_unit`` kWh of green power bought (绿电交易 with certificates).
    - ``PROCESS``: ``effect_per_unit`` of the process activity ``factor_id`` less (t of material).
    - ``CCUS``: ``effect_per_unit`` tCO2 captured; treated as the scenario's named CCUS option says.
    - ``STORAGE``: no emissions of its own; ``effect_per_unit`` kWh of storage capacity counted
      against the infrastructure a target needs (以土为界).
    """

    EFFICIENCY = "efficiency"
    FUEL_SWITCH = "fuel_switch"
    ONSITE_GENERATION = "onsite_generation"
    GREEN_POWER = "green_power"
    PROCESS = "process"
    CCUS = "ccus"
    STORAGE = "storage"


class MeasureError(ValidationError):
    """A measure that cannot be used: a missing source, a non-positive lifetime, a bad mechanism.

    A :class:`~zeropark.errors.DataError`: the command guard and the API answer it as bad input.
    """


@dataclass(frozen=True, slots=True)
class Measure:
    """One reduction measure, its effect per unit, its costs and where it applies.

    ``max_share`` bounds the measure at one enterprise: at most that share of the enterprise's
    ``carrier`` quantity of the year can be changed by it (for ``ONSITE_GENERATION``: of its
    electricity consumption; for ``GREEN_POWER``: of its purchased electricity). ``build_limit``
    bounds how many units can be added in one year across the park (``None`` = no limit).
    ``industries`` are GB/T 4754-2017 code prefixes the measure applies to (empty = every
    industry). ``ramp_years``: years from the decision to full effect (linear ramp).
    """

    id: str
    name_zh: str
    name_en: str
    pathway: Pathway
    mechanism: Mechanism
    carrier: Carrier | None
    unit: str
    effect_per_unit: float
    capex_cny_per_unit: float
    opex_cny_per_unit_year: float
    lifetime_years: int
    source_id: str
    to_carrier: Carrier | None = None
    ratio: float | None = None
    factor_id: str | None = None
    max_share: float = 1.0
    build_limit: float | None = None
    ramp_years: int = 0
    industries: tuple[str, ...] = ()
    uncertain: bool = False
    note: str = ""

    def applies_to(self, industry_code: str | None) -> bool:
        """Whether the measure applies to an enterprise of GB/T 4754 code ``industry_code``."""
        if not self.industries:
            return True
        return industry_code is not None and any(industry_code.startswith(p) for p in self.industries)


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def check(measure: Measure, known_sources: Collection[str], *, file: str = "measure", row: int = 0) -> None:
    """Raise :class:`MeasureError` listing every problem of ``measure``, each with what to fix.

    ``known_sources`` are the ids of the cited sources (``factors/data/sources.csv`` and the park's
    own); a measure must cite one of them.
    """
    problems: list[RowError] = []

    def bad(field: str, message: str) -> None:
        problems.append(RowError(file=file, sheet=None, row=row or None, field=field, message=message))

    if not measure.id.strip():
        bad("id", "a measure needs an id")
    if not measure.source_id or measure.source_id not in known_sources:
        bad("source_id", f"cite a source id of the sources table (got {measure.source_id!r})")
    if not (isinstance(measure.lifetime_years, int) and measure.lifetime_years > 0):
        bad("lifetime_years", f"a lifetime is a whole number of years > 0 (got {measure.lifetime_years!r})")
    if not (_finite(measure.effect_per_unit) and measure.effect_per_unit > 0):
        bad("effect_per_unit", f"the effect per unit must be a number > 0 (got {measure.effect_per_unit!r})")
    for name in ("capex_cny_per_unit", "opex_cny_per_unit_year"):
        if not _finite(getattr(measure, name)):
            bad(name, "must be a finite number of CNY")
    if measure.capex_cny_per_unit < 0:
        bad("capex_cny_per_unit", "an investment cannot be negative")
    if not (0 < measure.max_share <= 1):
        bad("max_share", f"the share must lie in (0, 1] (got {measure.max_share!r})")
    if measure.build_limit is not None and not (_finite(measure.build_limit) and measure.build_limit > 0):
        bad("build_limit", f"the yearly build limit must be > 0 or empty (got {measure.build_limit!r})")
    if measure.ramp_years < 0:
        bad("ramp_years", f"the ramp cannot be negative (got {measure.ramp_years!r})")
    needs_carrier = measure.mechanism in (Mechanism.EFFICIENCY, Mechanism.FUEL_SWITCH)
    if needs_carrier and measure.carrier is None:
        bad("carrier", f"a {measure.mechanism.value} measure names the carrier it changes")
    if measure.mechanism is Mechanism.FUEL_SWITCH:
        if measure.to_carrier is None or measure.to_carrier == measure.carrier:
            bad("to_carrier", "name the carrier switched to, not the one replaced")
        if not (_finite(measure.ratio) and (measure.ratio or 0) > 0):
            bad("ratio", "a fuel switch needs the ratio > 0 of the new carrier per unit of the old one")
    if measure.mechanism is Mechanism.PROCESS and not measure.factor_id:
        bad("factor_id", "a process measure names the process factor (factor_id) of the activity it cuts")
    if problems:
        raise MeasureError(problems)
