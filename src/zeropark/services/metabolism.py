"""园区代谢 Metabolism: the energy and carbon flows of a park's accounted year (one use case, every door).

:func:`metabolism` is what ``GET /api/v1/parks/{id}/metabolism``, the page ``/roadmap/metabolism``,
``zeropark roadmap metabolism`` and the report's roadmap chapter call. It reads the latest
national-method run of the year (newest signed off, else newest — what ``zeropark runs latest``
shows), the enterprise views stored with it, the enterprises (the sink of each: its GB/T 4754
division, or the public facilities) and the year's internal transfers (who delivered what), and
hands them to the pure :mod:`zeropark.roadmap.metabolism`, with, for energy, each storage party's
metered discharge (a battery's discharge meters, ``services.monitoring.is_storage_meter``). An
enterprise user gets the flows of its own view only.
"""

from __future__ import annotations

from urllib.parse import quote

from zeropark.errors import NotFound
from zeropark.industry import industry_label
from zeropark.model import Carrier, Method
from zeropark.roadmap.metabolism import (
    FlowKind,
    LineRef,
    Metabolism,
    Party,
    Storage,
    View,
    WaterMeter,
    flows,
    water_flows,
)
from zeropark.services.indicators import no_run
from zeropark.services.inventory import enterprise_runs, latest_view, view_of_run
from zeropark.services.monitoring import is_storage_meter
from zeropark.store import repo
from zeropark.store.queries import meters as meter_queries
from zeropark.store.scope import Scope

__all__ = ["FlowKind", "NoWaterData", "item_url", "metabolism", "meter_url", "parties_of"]


class NoWaterData(NotFound):
    """The park has no water meter with data in the year (water flows are read from the meters)."""


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


def meter_url(meter_id: str) -> str:
    """The page of one meter (its readings), for a water flow's meters."""
    return f"/meters/{quote(meter_id, safe='')}/readings"


def item_url(ref: LineRef) -> str:
    """The page of one line item (the latest run of its view, which is the run the flows read)."""
    view = "" if ref.view is None else f"&view={quote(ref.view, safe='')}"
    return f"/inventory/items/{quote(ref.line_id, safe='')}?method=national{view}"


def _water(scope: Scope, park_id: str, year: int) -> Metabolism:
    rows = meter_queries.meters(scope, park_id, carrier=Carrier.WATER)
    totals = meter_queries.year_totals(scope, (m.id for m in rows), year)
    if not any(m.id in totals and totals[m.id][0] > 0 for m in rows):
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
    return water_flows(park_id, year, meters, parties_of(scope, park_id))
