"""园区内部配额: how a park sets each enterprise's internal allowance, and its internal carbon fee (pure).

The rule is data (:class:`QuotaRule`, read from a mapping such as a YAML or JSON document), one of
the three methods the national and pilot markets use for free allocation (named after them; the
park chooses and states its own parameters — none of these figures is national):

- ``grandfathering`` (历史排放法): ``q_e = E_e,base × (1 − r)`` with the park's reduction rate *r*;
- ``benchmark`` (基准线法): ``q_e = B_s × Q_e`` with a benchmark intensity ``B_s`` [tCO2 per unit]
  per sector *s* (GB/T 4754 code, longest prefix wins) and the enterprise's output ``Q_e`` [unit];
- ``intensity`` (强度目标法): ``q_e = I × V_e`` with a target intensity *I* [tCO2 per 10⁴ CNY] and
  the enterprise's value added ``V_e`` [10⁴ CNY].

With a ``cap`` [tCO2] every quota is scaled by ``min(1, cap / Σ q_e)`` (the park's total never
exceeds its cap) and rounded down to whole tonnes, as allowances are whole units.

The internal carbon fee (内部碳价) is ``fee_e = p × max(0, E_e − q_e)`` [CNY] for ``on="excess"``
(charged on emissions above the quota) or ``p × E_e`` for ``on="all"``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from zeropark.errors import DataError

__all__ = [
    "Allocation",
    "EnterpriseBasis",
    "QuotaMethod",
    "QuotaRule",
    "QuotaRuleError",
    "allocate",
    "fee",
    "rule_from_dict",
]


class QuotaRuleError(DataError):
    """A quota rule or basis that cannot be used; the message names the field and the fix."""


class QuotaMethod(StrEnum):
    """历史排放法, 基准线法 or 强度目标法."""

    GRANDFATHERING = "grandfathering"
    BENCHMARK = "benchmark"
    INTENSITY = "intensity"


@dataclass(frozen=True, slots=True)
class QuotaRule:
    """A park's internal allocation rule and fee (see the module docstring for each formula)."""

    method: QuotaMethod
    reduction: float = 0.0  # grandfathering r [1]
    benchmarks: Mapping[str, float] = field(default_factory=dict)  # sector prefix → tCO2/unit
    intensity: float | None = None  # tCO2 per 10⁴ CNY
    cap_tco2: float | None = None
    fee_cny_per_t: float = 0.0
    fee_on: str = "excess"  # "excess" or "all"


@dataclass(frozen=True, slots=True)
class EnterpriseBasis:
    """What a rule reads of one enterprise: base-year CO2 [t], output [unit], value added [10⁴ CNY]."""

    enterprise_id: str
    sector: str | None = None
    base_tco2: float | None = None
    output: float | None = None
    value_added_10k_cny: float | None = None


@dataclass(frozen=True, slots=True)
class Allocation:
    """Whole-tonne quotas per enterprise [tCO2], the scale applied to meet the cap [1]."""

    quotas: Mapping[str, int]
    scale: float
    rule: QuotaRule


def _num(value: Any, name: str, *, low: float = 0.0, high: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise QuotaRuleError(f"{name}: {value!r} is not a finite number")
    if not low <= value <= high:
        raise QuotaRuleError(f"{name}: {value} is outside [{low:g}, {high:g}]")
    return float(value)


def rule_from_dict(data: Mapping[str, Any]) -> QuotaRule:
    """Read a rule from a mapping (``method`` and its parameters); raises :class:`QuotaRuleError`."""
    if not isinstance(data, Mapping):
        raise QuotaRuleError("the rule must be a mapping with 'method' and its parameters")
    try:
        method = QuotaMethod(str(data.get("method")))
    except ValueError:
        raise QuotaRuleError(
            f"method: {data.get('method')!r}; use one of {', '.join(m.value for m in QuotaMethod)}"
        ) from None
    known = {"method", "reduction", "benchmarks", "intensity", "cap_tco2", "fee_cny_per_t", "fee_on"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise QuotaRuleError(f"unknown fields {unknown}; the rule takes {sorted(known)}")
    benchmarks = data.get("benchmarks") or {}
    if not isinstance(benchmarks, Mapping):
        raise QuotaRuleError("benchmarks: give a mapping of sector code (GB/T 4754 prefix) to tCO2 per unit")
    fee_on = data.get("fee_on", "excess")
    if fee_on not in ("excess", "all"):
        raise QuotaRuleError(f"fee_on: {fee_on!r}; use 'excess' (above the quota) or 'all'")
    rule = QuotaRule(
        method=method,
        reduction=_num(data.get("reduction", 0.0), "reduction", high=1.0),
        benchmarks={str(k): _num(v, f"benchmarks.{k}") for k, v in benchmarks.items()},
        intensity=None if data.get("intensity") is None else _num(data["intensity"], "intensity"),
        cap_tco2=None if data.get("cap_tco2") is None else _num(data["cap_tco2"], "cap_tco2"),
        fee_cny_per_t=_num(data.get("fee_cny_per_t", 0.0), "fee_cny_per_t"),
        fee_on=fee_on,
    )
    if method is QuotaMethod.BENCHMARK and not rule.benchmarks:
        raise QuotaRuleError("benchmarks: the benchmark method needs at least one sector's benchmark")
    if method is QuotaMethod.INTENSITY and rule.intensity is None:
        raise QuotaRuleError("intensity: the intensity method needs a target in tCO2 per 10⁴ CNY")
    return rule


def _benchmark(rule: QuotaRule, sector: str | None) -> float | None:
    if sector is None:
        return None
    hits = [k for k in rule.benchmarks if sector.startswith(k)]
    return rule.benchmarks[max(hits, key=len)] if hits else None


def _raw(rule: QuotaRule, b: EnterpriseBasis) -> float:
    if rule.method is QuotaMethod.GRANDFATHERING:
        if b.base_tco2 is None:
            raise QuotaRuleError(f"{b.enterprise_id}: no base-year CO2 for 历史排放法; account the base year")
        return _num(b.base_tco2, f"{b.enterprise_id}.base_tco2") * (1 - rule.reduction)
    if rule.method is QuotaMethod.BENCHMARK:
        bench = _benchmark(rule, b.sector)
        if bench is None:
            raise QuotaRuleError(
                f"{b.enterprise_id}: no benchmark for sector {b.sector!r}; add it to the rule"
            )
        if b.output is None:
            raise QuotaRuleError(f"{b.enterprise_id}: no output for 基准线法; record its production")
        return bench * _num(b.output, f"{b.enterprise_id}.output")
    if b.value_added_10k_cny is None:
        raise QuotaRuleError(f"{b.enterprise_id}: no value added for 强度目标法; enter it in the master data")
    assert rule.intensity is not None  # rule_from_dict requires it for this method
    return rule.intensity * _num(b.value_added_10k_cny, f"{b.enterprise_id}.value_added_10k_cny")


def allocate(rule: QuotaRule, basis: list[EnterpriseBasis]) -> Allocation:
    """Each enterprise's internal quota [whole tCO2] by ``rule``, scaled down to the cap if any."""
    raw = {b.enterprise_id: _raw(rule, b) for b in basis}
    total = sum(raw.values())
    scale = 1.0
    if rule.cap_tco2 is not None and total > rule.cap_tco2:
        scale = rule.cap_tco2 / total
    return Allocation({e: math.floor(q * scale + 1e-9) for e, q in raw.items()}, scale, rule)


def fee(rule: QuotaRule, emissions_tco2: float, quota_tco2: float) -> float:
    """The internal carbon fee [CNY] of one enterprise (module docstring)."""
    charged = emissions_tco2 if rule.fee_on == "all" else max(0.0, emissions_tco2 - quota_tco2)
    return rule.fee_cny_per_t * charged
