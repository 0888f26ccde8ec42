"""园区代谢 Metabolism: energy, carbon, material and water flows of a park's year (one use case, every door).

:func:`metabolism` is what ``GET /api/v1/parks/{id}/metabolism``, the page ``/roadmap/metabolism``,
``zeropark roadmap metabolism`` and the report's roadmap chapter call. It reads the latest
national-method run of the year (newest signed off, else newest — what ``zeropark runs latest``
shows), the enterprise views stored with it, the enterprises (the sink of each: its GB/T 4754
division, or the public facilities) and the year's internal transfers (who delivered what), and
hands them to the pure :mod:`zeropark.roadmap.metabolism`, with, for energy, each storage party's
metered discharge (a battery's discharge meters, ``services.monitoring.is_storage_meter``). An
enterprise user gets the flows of its own view only. Materials [t] come from the symbiosis registry
(its by-product and solid-waste streams and the year's realised exchanges); water [m³] from the
water meters, with the registry's realised water exchanges as reuse flows (再生水回用).
"""

from __future__ import annotations

from urllib.parse import quote

from zeropark.errors import NotFound
from zeropark.industry import industry_label
from zeropark.model import Carrier, Method
from zeropark.roadmap.metabolism import (
    FlowKind,
    LineRef,
    MaterialExchange,
    MaterialStream,
    Metabolism,
    Party,
    Storage,
    View,
    WaterMeter,
    WaterReuse,
    flows,
    material_flows,
    water_flows,
)
from zeropark.services import symbiosis
from zeropark.services.indicators import no_run
from zeropark.services.inventory import enterprise_runs, latest_view, view_of_run
from zeropark.services.monitoring import is_storage_meter
from zeropark.store import repo
from zeropark.store.queries import meters as meter_queries
from zeropark.store.scope import Scope
from zeropark.symbiosis.accounting import annual
from zeropark.symbiosis.registry import KIND_LABEL_ZH, LISTED_KINDS, StreamKind

__all__ = [
    "FlowKind",
    "NoMaterialData",
    "NoWaterData",
    "exchange_url",
    "item_url",
    "metabolism",
    "meter_url",
    "parties_of",
]


class NoWaterData(NotFound):
    """The park has no water meter with data in the year (water flows are read from the meters)."""


class NoMaterialData(NotFound):
    """The park's symbiosis registry has no by-product or solid-waste stream (materials are read from it)."""


def _division(code: str) -> str:
    """The GB/T 4754 division (2 digits) of an industry code: ``2614`` → ``26``, ``C26`` → ``26``."""
    code = code.strip()
    digits = code[1:] if code[:1].isalpha() else code
    return digits[:2] if digits[:2].isdigit() else code or "—"


def parties_of(scope: Scope, park_id: str) -> dict[str, Party]:
    """Each enterprise's sink: its GB/T 4754 division (2 digits), or the public facilities."""
    out: dict[str, Party] = {}
    for e in repo.list_enterprises(scope.engine, park_id):
        if e.is_public_facility:
            out[e.id] = Party(
                e.id, e.name, "sink:public", "公共设施及园区级用能", "public facilities and park level"
            )
            continue
        division = _division(e.industry_code)
        out[e.id] = Party(
            e.id,
            e.name,
            f"sink:sector:{division}",
            industry_label(division),
            f"GB/T 4754 division {division}",
        )
    return out


def metabolism(scope: Scope, park_id: str, year: int, kind: FlowKind = FlowKind.ENERGY) -> Metabolism:
    """The park's energy [tce], carbon [tCO2] or water [m³] flows of ``year``.

    Energy and carbon from the latest national-method run; water from the water meters' year
    totals (rollups; water gives no inventory line).

    Raises
    ------
    NotFound
        The park is outside the scope, or the year has no national-method run (says how to make one).
    NoWaterData
        ``kind`` water and no water meter in the scope has data in the year.
    MissingCoefficient
        A quantity without tce whose carrier's coefficient no line of the runs carries.
    """
    scope.check_park(park_id)
    if kind is FlowKind.WATER:
        return _water(scope, park_id, year)
    if kind is FlowKind.MATERIALS:
        return _materials(scope, park_id, year)
    main = latest_view(scope, park_id, year, Method.NATIONAL)
    if main is None:
        raise no_run(park_id, year, scope.enterprise_id)
    park = View(main.run_id, main.inventory)
    if main.inventory.enterprise_id is not None:  # an enterprise user: its own view
        return flows(kind, park, (), parties_of(scope, park_id))
    parties = [View(c.id, view_of_run(scope, c.id).inventory) for c in enterprise_runs(scope, main.run_id)]
    transfers = repo.list_transfers(scope.engine, park_id, year=year)
    storage = _storage(scope, park_id, year) if kind is FlowKind.ENERGY else ()
    return flows(kind, park, parties, parties_of(scope, park_id), transfers, storage)


def _storage(scope: Scope, park_id: str, year: int) -> tuple[Storage, ...]:
    """Each storage party's metered discharge of the year [kWh] (its generation/export meters)."""
    rows = [
        m
        for m in meter_queries.meters(scope, park_id, carrier=Carrier.ELECTRICITY)
        if m.enterprise_id is not None and is_storage_meter(m) and m.direction in ("generation", "export")
    ]
    totals = meter_queries.year_totals(scope, (m.id for m in rows), year)
    by_party: dict[str, list[tuple[str, float]]] = {}
    for m in rows:
        if m.id in totals and m.enterprise_id is not None:
            by_party.setdefault(m.enterprise_id, []).append((m.id, totals[m.id][0]))
    return tuple(
        Storage(pid, sum(v for _, v in found), tuple(mid for mid, _ in found))
        for pid, found in sorted(by_party.items())
    )


def exchange_url(exchange_id: str) -> str:
    """The symbiosis page's row of one realised exchange, for a material or reuse flow."""
    return f"/symbiosis#x-{quote(exchange_id, safe='')}"


def meter_url(meter_id: str) -> str:
    """The page of one meter (its readings), for a water flow's meters."""
    return f"/meters/{quote(meter_id, safe='')}/readings"


def item_url(ref: LineRef) -> str:
    """The page of one line item (the latest run of its view, which is the run the flows read)."""
    view = "" if ref.view is None else f"&view={quote(ref.view, safe='')}"
    return f"/inventory/items/{quote(ref.line_id, safe='')}?method=national{view}"


def _registry_year(scope: Scope, park_id: str, year: int) -> symbiosis.Registry:
    """The park's symbiosis registry as the scope sees it, with the exchanges running in ``year``."""
    reg = symbiosis.park_registry(scope, park_id)
    running = tuple(a for a in reg.exchanges if a.exchange.runs_in(year))
    return symbiosis.Registry(reg.sources, reg.sinks, running, reg.weights)


def _reuse(registry: symbiosis.Registry) -> list[WaterReuse]:
    """The realised water exchanges: what each receiver took [m³/a] (after pipe losses)."""
    src = {s.id: s for s in registry.sources}
    snk = {k.id: k for k in registry.sinks}
    out = []
    for a in registry.exchanges:
        x = a.exchange
        s = src[x.source]
        if s.kind is StreamKind.WATER:
            keep = 1.0 - min(1.0, x.loss_per_km * x.distance_km)
            m3 = annual(x.quantity, registry.weights) * keep
            out.append(WaterReuse(x.id, s.id, s.name, snk[x.sink].enterprise_id, m3))
    return out


def _materials(scope: Scope, park_id: str, year: int) -> Metabolism:
    """By-product and solid-waste flows [t] of the park's registry (the year's exchanges)."""
    registry = _registry_year(scope, park_id, year)
    listed = [s for s in registry.sources if s.kind in LISTED_KINDS]
    if not listed:
        raise NoMaterialData(
            f"park '{park_id}' has no by-product or solid-waste stream in its symbiosis registry: register "
            "the sources (kind by_product or solid_waste, with their waste code) and the realised exchanges "
            "(`zeropark symbiosis import FILE`, the API or the 产业共生 page)"
        )
    snk = {k.id: k for k in registry.sinks}
    streams = [
        MaterialStream(
            s.id,
            s.name,
            KIND_LABEL_ZH[s.kind],
            s.kind.value.replace("_", " "),
            s.enterprise_id,
            annual(s.quantity, registry.weights),
        )
        for s in listed
    ]
    ids = {s.id for s in listed}
    exchanges = [
        MaterialExchange(
            a.exchange.id,
            a.exchange.source,
            a.exchange.sink,
            snk[a.exchange.sink].name,
            snk[a.exchange.sink].utilises,
            annual(a.exchange.quantity, registry.weights),
        )
        for a in registry.exchanges
        if a.exchange.source in ids
    ]
    return material_flows(park_id, year, streams, exchanges)


def _water(scope: Scope, park_id: str, year: int) -> Metabolism:
    rows = meter_queries.meters(scope, park_id, carrier=Carrier.WATER)
    totals = meter_queries.year_totals(scope, (m.id for m in rows), year)
    reuse = _reuse(_registry_year(scope, park_id, year))
    if not reuse and not any(m.id in totals and totals[m.id][0] > 0 for m in rows):
        raise NoWaterData(
            f"park '{park_id}' has no water meter with readings in {year}: register the water meters "
            "(carrier water, the inlet at level 1 and each enterprise's meter below it) in the park "
            "register and import their readings"
        )
    meters = [
        WaterMeter(
            m.id,
            m.name,
            m.parent_id,
            m.enterprise_id,
            m.direction,
            totals[m.id][0] if m.id in totals else None,  # rollups: canonical m³, multiplier applied
        )
        for m in rows
    ]
    return water_flows(park_id, year, meters, parties_of(scope, park_id), reuse)
