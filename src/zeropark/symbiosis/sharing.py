"""能源共享仪表盘 Energy sharing (R-ACES style): who supplies and receives energy, when, what it saves (pure).

Seed 002 describes the EU R-ACES energy-management platform: it gathers the parties' surplus and
demand of each energy and shows energy sharing "by area and by time period" as a dashboard. Here the
same view is computed from the park's registry for the heat streams (steam, hot water, waste heat;
GJ): per realised exchange and per enterprise the energy supplied and received [GJ/a], the CO2
avoided [tCO2/a] (:func:`~zeropark.symbiosis.accounting.avoided_tco2`, claimed by the exchange's
allocation rule) and the saving [CNY/a]; per period of the registry's profile the surplus offered,
the energy shared and the demand left unmet [GJ per period].

**Saving** of an exchange [CNY/a] = delivered × the receiver's alternative cost + sent × the
source's avoided disposal cost − sent × the source's marginal cost: the system's yearly saving
before the pipe's capital cost (the agreed price only moves money between the parties). Its split:
the supplier gets sent × (price − marginal cost + disposal cost), the receiver delivered ×
alternative cost − sent × price; the two add up to the exchange's saving.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from zeropark.symbiosis.accounting import HEAT_KINDS, Allocation, allocate, annual, avoided_tco2
from zeropark.symbiosis.registry import Exchange, Sink, Source

__all__ = ["PartyFlow", "SharedExchange", "Sharing", "by_enterprise", "energy_sharing"]


@dataclass(frozen=True, slots=True)
class SharedExchange:
    """One realised heat exchange: energy per period [GJ/period] and per year [GJ/a], CO2, saving."""

    id: str
    source: str
    sink: str
    supplier: str | None
    receiver: str | None
    kind: str
    sent: tuple[float, ...]
    delivered: tuple[float, ...]
    sent_per_year: float
    delivered_per_year: float
    avoided_t: float
    saving_cny: float
    supplier_saving_cny: float
    receiver_saving_cny: float


@dataclass(frozen=True, slots=True)
class PartyFlow:
    """One enterprise's energy sharing of the year: supplied, received [GJ/a], CO2 claimed [t/a], saving."""

    enterprise_id: str | None
    supplied_gj: float
    received_gj: float
    avoided_claimed_t: float
    saving_cny: float


@dataclass(frozen=True, slots=True)
class Sharing:
    """The dashboard's figures: exchanges, parties, and per period surplus, shared and unmet [GJ/period]."""

    weights: tuple[float, ...]
    exchanges: tuple[SharedExchange, ...]
    parties: tuple[PartyFlow, ...]
    surplus: tuple[float, ...]
    shared: tuple[float, ...]
    unmet: tuple[float, ...]

    @property
    def supplied_gj(self) -> float:
        """Σ energy sent by the exchanges [GJ/a]."""
        return sum(x.sent_per_year for x in self.exchanges)

    @property
    def received_gj(self) -> float:
        """Σ energy delivered [GJ/a] (after pipe losses)."""
        return sum(x.delivered_per_year for x in self.exchanges)

    @property
    def avoided_t(self) -> float:
        """Σ CO2 avoided [tCO2/a], each exchange once."""
        return sum(x.avoided_t for x in self.exchanges)

    @property
    def saving_cny(self) -> float:
        """Σ saving [CNY/a]."""
        return sum(x.saving_cny for x in self.exchanges)


def energy_sharing(
    sources: Sequence[Source],
    sinks: Sequence[Sink],
    exchanges: Sequence[tuple[Exchange, Allocation, float]],
    weights: Sequence[float],
) -> Sharing:
    """The energy-sharing figures of the registry's heat streams (``exchanges``: exchange, rule, share).

    Exchanges of other stream kinds are left out (materials and water are not energy).
    """
    src = {s.id: s for s in sources}
    snk = {k.id: k for k in sinks}
    n = len(weights)
    out: list[SharedExchange] = []
    acc: dict[str | None, list[float]] = {}
    shared = [0.0] * n
    for x, rule, share in exchanges:
        s, k = src[x.source], snk[x.sink]
        if s.kind not in HEAT_KINDS:
            continue
        keep = 1.0 - min(1.0, x.loss_per_km * x.distance_km)
        sent_y = annual(x.quantity, weights)
        deliv_y = sent_y * keep
        e = avoided_tco2(x, s, k, weights)
        sup = sent_y * (x.price_cny_per_unit - s.marginal_cost_cny_per_unit + s.disposal_cost_cny_per_unit)
        rec = deliv_y * k.alternative_cost_cny_per_unit - sent_y * x.price_cny_per_unit
        out.append(
            SharedExchange(
                x.id,
                x.source,
                x.sink,
                s.enterprise_id,
                k.enterprise_id,
                s.kind.value,
                x.quantity,
                tuple(q * keep for q in x.quantity),
                sent_y,
                deliv_y,
                e,
                sup + rec,
                sup,
                rec,
            )
        )
        for t, q in enumerate(x.quantity):
            shared[t] += q * keep
        a = acc.setdefault(s.enterprise_id, [0.0, 0.0, 0.0, 0.0])
        a[0] += sent_y
        a[3] += sup
        b = acc.setdefault(k.enterprise_id, [0.0, 0.0, 0.0, 0.0])
        b[1] += deliv_y
        b[3] += rec
        for c in allocate(x.id, e, s.enterprise_id or "", k.enterprise_id or "", rule, share):
            acc.setdefault(c.enterprise_id or None, [0.0, 0.0, 0.0, 0.0])[2] += c.tco2
    heat_src = [s for s in sources if s.kind in HEAT_KINDS]
    heat_snk = [k for k in sinks if k.kind in HEAT_KINDS]
    sent_t = [0.0] * n
    for shared_x in out:
        for t, q in enumerate(shared_x.sent):
            sent_t[t] += q
    surplus = tuple(sum(s.quantity[t] for s in heat_src) - sent_t[t] for t in range(n))
    unmet = tuple(max(0.0, sum(k.demand[t] for k in heat_snk) - shared[t]) for t in range(n))
    parties = tuple(
        PartyFlow(eid, *vals)
        for eid, vals in sorted(acc.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
    )
    return Sharing(tuple(weights), tuple(out), parties, surplus, tuple(shared), unmet)


def by_enterprise(sharing: Sharing) -> Mapping[str | None, PartyFlow]:
    """The parties' rows by enterprise id."""
    return {p.enterprise_id: p for p in sharing.parties}
