"""Avoided emissions of realised exchanges, their allocation, and the guiding indicators from flows (pure).

**Avoided emissions** of a realised exchange [tCO2/a]::

    E = Σ_t w_t (q_t (1 − λ) e_k + q_t g_s) − Σ_t w_t q_t τ d

with ``q_t`` the quantity sent, ``λ`` the pipe loss (loss_per_km × distance), ``e_k`` the sink's
displaced emission per unit received, ``g_s`` the source's present disposal emission per unit and
``τ d`` the transport emission. An exchange's saving is **counted once**: its
:class:`Allocation` names who claims it — the supplier, the receiver, or a split with a stated
supplier share — and :func:`reconcile_claims` rejects any set of claims whose sum over the
enterprises differs from ``E`` (:class:`~zeropark.errors.DoubleCountedSaving`). The park inventory is
not changed by an exchange (its effect is already in the fuels the receiver no longer burns);
the allocation is what each enterprise may report as its own reduction.

**Guiding indicators** of 发改环资〔2025〕910号 附件3 (ACCOUNTING.md §1.1) computed from the
registry when it holds streams of the kind, else the declared (typed-in) value is kept and marked
``declared``:

- 工业固体废物综合利用率 [%] = 综合利用量 / (产生量 + 综合利用往年贮存量) × 100 — the definition
  of the ecological-environment statistics (生态环境统计报表制度, 指标解释 of 一般工业固体废物综合利用率)
  [UNCERTAIN: recalled wording, check against the current 指标解释]. 产生量 = the year's quantity
  of the registry's solid-waste sources; 综合利用量 = what realised exchanges send from them to
  sinks that utilise it (``Sink.utilises``; a landfill does not).
- 余热/余冷/余压综合利用率 [%] = utilised / available waste energy: available = the year's quantity
  of the steam, hot-water and waste-heat sources (surplus energy offered); utilised = what the
  realised exchanges take from them (before pipe losses). Basis of GB/T 1028-2018 工业余能资源评价
  方法 (余能资源量 and its 利用量) [UNCERTAIN: clause not checked].
- 工业用水重复利用率 [%] = 重复用水量 / (新鲜取水量 + 重复用水量) × 100 (GB/T 7119-2018 节水型
  企业评价导则, 重复利用率; the same wording as the note of :mod:`zeropark.indicators`):
  重复用水量 = water delivered by realised water exchanges + the declared internal recirculation;
  新鲜取水量 from the park's water meters or declared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from zeropark.errors import DoubleCountedSaving, SymbiosisError
from zeropark.model import IndicatorData
from zeropark.symbiosis.registry import Exchange, Sink, Source, StreamKind

HEAT_KINDS = frozenset({StreamKind.STEAM, StreamKind.HOT_WATER, StreamKind.WASTE_HEAT})


class Allocation(StrEnum):
    """Who claims an exchange's avoided emissions."""

    SUPPLIER = "supplier"
    RECEIVER = "receiver"
    SPLIT = "split"


ALLOCATION_ZH: dict[Allocation, str] = {
    Allocation.SUPPLIER: "归供方",
    Allocation.RECEIVER: "归受方",
    Allocation.SPLIT: "按比例分摊",
}


@dataclass(frozen=True, slots=True)
class Claim:
    """An enterprise's share of one exchange's avoided emissions [tCO2/a]."""

    exchange_id: str
    enterprise_id: str
    role: str  # "supplier" | "receiver"
    tco2: float


def annual(profile: Sequence[float], weights: Sequence[float]) -> float:
    """Σ_t w_t q_t: a profile's yearly total [unit/a]."""
    if len(profile) != len(weights):
        raise SymbiosisError(f"a profile of {len(profile)} periods against {len(weights)} weights")
    return float(sum(q * w for q, w in zip(profile, weights, strict=True)))


def avoided_tco2(
    exchange: Exchange,
    source: Source,
    sink: Sink,
    weights: Sequence[float],
    transport_tco2_per_unit_km: float = 0.0,
) -> float:
    """Yearly CO2 avoided by a realised exchange [tCO2/a] (formula in the module docstring)."""
    sent = annual(exchange.quantity, weights)
    loss = min(1.0, exchange.loss_per_km * exchange.distance_km)
    return sent * ((1.0 - loss) * sink.displaced_tco2_per_unit + source.disposal_tco2_per_unit) - (
        sent * transport_tco2_per_unit_km * exchange.distance_km
    )


def allocate(
    exchange_id: str,
    tco2: float,
    supplier: str,
    receiver: str,
    rule: Allocation,
    supplier_share: float = 0.5,
) -> tuple[Claim, ...]:
    """The claims one exchange gives: all to the supplier, all to the receiver, or split.

    Raises
    ------
    SymbiosisError
        A split share outside [0, 1].

    Examples
    --------
    >>> [c.tco2 for c in allocate("x", 100.0, "A", "B", Allocation.SPLIT, 0.3)]
    [30.0, 70.0]
    """
    if rule is Allocation.SUPPLIER:
        return (Claim(exchange_id, supplier, "supplier", tco2),)
    if rule is Allocation.RECEIVER:
        return (Claim(exchange_id, receiver, "receiver", tco2),)
    if not 0.0 <= supplier_share <= 1.0:
        raise SymbiosisError(f"exchange {exchange_id}: supplier_share {supplier_share:g} must be in [0, 1]")
    return (
        Claim(exchange_id, supplier, "supplier", tco2 * supplier_share),
        Claim(exchange_id, receiver, "receiver", tco2 * (1.0 - supplier_share)),
    )


def reconcile_claims(avoided: Mapping[str, float], claims: Sequence[Claim], tol_t: float = 1e-6) -> float:
    """Check that every exchange's saving is claimed exactly once; the park total [tCO2/a].

    Raises
    ------
    DoubleCountedSaving
        An exchange whose claims sum to more (or less) than its avoided emissions, or a claim on
        an exchange that avoided nothing known.
    """
    per: dict[str, float] = {}
    for c in claims:
        per[c.exchange_id] = per.get(c.exchange_id, 0.0) + c.tco2
    for x, claimed in per.items():
        if x not in avoided or abs(claimed - avoided[x]) > tol_t:
            raise DoubleCountedSaving(x, claimed, avoided.get(x, 0.0))
    return float(sum(per.values()))


@dataclass(frozen=True, slots=True)
class FlowFigures:
    """The registry's yearly figures behind the three guiding indicators."""

    solid_waste_generated_t: float | None
    solid_waste_utilised_t: float | None
    waste_heat_available_gj: float | None
    waste_heat_utilised_gj: float | None
    water_reused_m3: float | None


def flow_figures(
    sources: Sequence[Source],
    sinks: Sequence[Sink],
    exchanges: Sequence[Exchange],
    weights: Sequence[float],
) -> FlowFigures:
    """Yearly totals of the registry by indicator (None where the registry has no stream of the kind)."""
    src = {s.id: s for s in sources}
    snk = {k.id: k for k in sinks}
    sw = [s for s in sources if s.kind is StreamKind.SOLID_WASTE]
    heat = [s for s in sources if s.kind in HEAT_KINDS]
    sw_used = heat_used = water = 0.0
    has_water = False
    for x in exchanges:
        s, k = src[x.source], snk[x.sink]
        q = annual(x.quantity, weights)
        if s.kind is StreamKind.SOLID_WASTE and k.utilises:
            sw_used += q
        elif s.kind in HEAT_KINDS:
            heat_used += q
        elif s.kind is StreamKind.WATER:
            has_water = True
            water += q * (1.0 - min(1.0, x.loss_per_km * x.distance_km))
    return FlowFigures(
        sum(annual(s.quantity, weights) for s in sw) if sw else None,
        sw_used if sw else None,
        sum(annual(s.quantity, weights) for s in heat) if heat else None,
        heat_used if heat else None,
        water if has_water else None,
    )


#: The definition of each guiding indicator computed from flows, with the document it is taken from
#: (the module docstring explains each; [UNCERTAIN] where the wording or clause is unchecked).
DEFINITIONS: dict[str, tuple[str, str]] = {
    "solid_waste_utilisation": (
        "工业固体废物综合利用率 = 综合利用量 /（产生量 + 综合利用往年贮存量）× 100%（生态环境统计报表制度 "
        "指标解释；[UNCERTAIN] 措辞凭记忆，待核对现行指标解释）",
        "solid waste utilisation = utilised / (generated + prior-year stock utilised) × 100 % (the "
        "ecological-environment statistics' 指标解释; [UNCERTAIN] wording recalled, to be checked)",
    ),
    "waste_heat_utilisation": (
        "余热/余冷/余压综合利用率 = 利用量 / 余能资源量 × 100%（GB/T 1028-2018 工业余能资源评价方法；"
        "[UNCERTAIN] 条款未核对）",
        "waste heat/cold/pressure utilisation = utilised / available waste energy × 100 % (GB/T "
        "1028-2018; [UNCERTAIN] clause not checked)",
    ),
    "water_reuse": (
        "工业用水重复利用率 = 重复用水量 /（新鲜取水量 + 重复用水量）× 100%"
        "（GB/T 7119-2018 节水型企业评价导则）",
        "industrial water reuse = reused / (fresh intake + reused) × 100 % (GB/T 7119-2018)",
    ),
}


FLOWS = "flows"
DECLARED = "declared"


def guiding_from_flows(
    figures: FlowFigures,
    declared: IndicatorData,
    fresh_water_m3: float | None = None,
    internal_recirculation_m3: float = 0.0,
    solid_waste_prior_stock_utilised_t: float = 0.0,
) -> IndicatorData:
    """``declared`` with the three guiding inputs replaced by flow figures where the registry has them.

    ``provenance`` of the result names, per indicator code, ``flows`` or ``declared`` (kept only
    where a declared value exists). The solid-waste denominator adds the prior-year stock utilised
    this year (综合利用往年贮存量); the water total is fresh intake + reuse.
    """
    prov = dict(declared.provenance)
    out = declared
    if figures.solid_waste_generated_t is not None and figures.solid_waste_utilised_t is not None:
        out = replace(
            out,
            industrial_solid_waste_generated_t=figures.solid_waste_generated_t
            + solid_waste_prior_stock_utilised_t,
            industrial_solid_waste_utilised_t=figures.solid_waste_utilised_t,
        )
        prov["solid_waste_utilisation"] = FLOWS
    elif declared.industrial_solid_waste_utilised_t is not None:
        prov.setdefault("solid_waste_utilisation", DECLARED)
    if figures.waste_heat_available_gj is not None and figures.waste_heat_utilised_gj is not None:
        out = replace(
            out,
            waste_heat_available_gj=figures.waste_heat_available_gj,
            waste_heat_utilised_gj=figures.waste_heat_utilised_gj,
        )
        prov["waste_heat_utilisation"] = FLOWS
    elif declared.waste_heat_utilised_gj is not None:
        prov.setdefault("waste_heat_utilisation", DECLARED)
    if figures.water_reused_m3 is not None and fresh_water_m3 is not None:
        reused = figures.water_reused_m3 + internal_recirculation_m3
        out = replace(out, water_reused_m3=reused, water_total_use_m3=fresh_water_m3 + reused)
        prov["water_reuse"] = FLOWS
    elif declared.water_reused_m3 is not None:
        prov.setdefault("water_reuse", DECLARED)
    return replace(out, provenance=prov)
