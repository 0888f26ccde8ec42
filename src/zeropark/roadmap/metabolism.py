"""园区代谢 Metabolism: the park's energy and carbon flows from sources through conversion to sinks.

A pure function of accounted national-method runs (no I/O): the park view's line items (the park
boundary: purchased electricity and heat, fuels by carrier, on-site renewables, exports) and each
party's own view (the electricity and heat it bought, from the grid or from a park facility) become
the nodes and links of a Sankey. Every link carries the line items it sums (:class:`LineRef`: the
run, the view and the line id), so a figure on the chart opens the line items behind it.

Energy [tce]
    The GB/T 2589-2020 standard-coal figures of the run: each line's ``energy_tce``. Where a line
    carries no energy by the accounting's rule (generation delivered to the park grid, or on-site
    renewables left out by the option), its quantity is converted with the same carrier's
    coefficient (``coef``) found on another line of the same runs, listed in
    :attr:`Metabolism.coefficients` with its source. Nodes: sources (外购电力, 外购热力, fuels by
    carrier, on-site renewables) → converters (a party whose fuel is booked as 能源加工转换: CHP,
    boilers) and the park's electricity and heat networks → sinks (GB/T 4754 sectors of the
    enterprises, public facilities, exports) and losses. A converter's loss is its fuel minus the
    energy it delivered (its deliveries are the buyers' internal-purchase lines); a network's loss is
    what came in minus what the parties' own views say they took (meter-tree losses and unmetered
    use). With electricity at its equal value (当量值 0.1229 kgce/kWh) these are physical losses;
    with the equivalent value (等价值) a converter can deliver more tce than it burns, which is
    shown as 折算差额 (a note says so), never hidden. A storage party (储能) is a converter too:
    the network sends it its charge (its own purchased electricity) net of its metered discharge
    (the discharge is inside the other parties' grid meters; a loop is not a Sankey), which is its
    loss; without the discharge the network loss would be understated by it.

Carbon [tCO2]
    The national method's CO2 of each line. The park grid's CO2 (after green attributes) flows to
    the parties by their own grid-purchase lines; what is left — line losses, unmetered use,
    certificates held by the park, or a negative remainder when park PV feeds the grid the parties
    count at the grid factor — is the park-level row of the inventory's consumption basis, shown as
    a node of its own. A converter's fuel CO2 is allocated to what it delivered in proportion to
    the energy delivered [tce] — the energy-content method (Appendix II of WRI/WBCSD, *Allocation
    of GHG Emissions from a Combined Heat and Power (CHP) Plant — Guide to calculation worksheets*,
    GHG Protocol tool v1.0, September 2006; [UNCERTAIN] checked on a copy, not on ghgprotocol.org;
    the guide prefers the efficiency method, not built here; tce equals energy content only with
    electricity at the equal value 当量值). This differs from the buyers' own views, which value a
    purchase at the grid or heat factor (核算方法 1.2a).

Balance: every converter and network node has inflow = outflow (to 1e-9 of its throughput);
:meth:`Metabolism.imbalance` gives the difference per node.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from zeropark.accounting.inventory import Inventory
from zeropark.accounting.lineitems import Category, LineItem
from zeropark.errors import DataError
from zeropark.model import CARRIER_LABEL_ZH, Carrier, Transfer

__all__ = [
    "Coefficient",
    "FlowKind",
    "LineRef",
    "Link",
    "Metabolism",
    "MissingCoefficient",
    "Node",
    "NodeKind",
    "Party",
    "Storage",
    "View",
    "MaterialExchange",
    "MaterialStream",
    "WaterMeter",
    "WaterReuse",
    "carbon_flows",
    "energy_flows",
    "flows",
    "material_flows",
    "water_flows",
]

#: The note the accounting writes on a party's purchase from a park facility (内部转供).
INTERNAL_NOTE_PREFIX = "内部转供"
#: What every carbon answer with a converter says of its allocation (an [UNCERTAIN] choice).
ALLOCATION_NOTE = (
    "[UNCERTAIN] 热电联产等转换设施的 CO2 按交付能量（tce）分摊给用能方（能量法，WRI/WBCSD GHG Protocol "
    "《Allocation of GHG Emissions from a CHP Plant》v1.0 附录二；该指南首选效率法，本平台未实现）。",
    "[UNCERTAIN] A converter's CO2 is allocated to its buyers by the energy delivered (tce; the "
    "energy-content method, Appendix II of the WRI/WBCSD GHG Protocol CHP allocation guide v1.0; "
    "the guide prefers the efficiency method, which is not built).",
)
#: Relative tolerance of a node's balance.
BALANCE_RTOL = 1e-9


class FlowKind(StrEnum):
    """What flows: energy [tce], carbon [tCO2], materials (by-products and solid wastes) [t] or water [m³]."""

    ENERGY = "energy"
    CARBON = "carbon"
    MATERIALS = "materials"
    WATER = "water"


#: Unit of each kind of flow.
UNIT: dict[FlowKind, str] = {
    FlowKind.ENERGY: "tce",
    FlowKind.CARBON: "tCO2",
    FlowKind.MATERIALS: "t",
    FlowKind.WATER: "m3",
}


class NodeKind(StrEnum):
    """Role of a node (column of the Sankey): source → converter / bus → sink / loss."""

    SOURCE = "source"
    CONVERTER = "converter"
    BUS = "bus"
    SINK = "sink"
    LOSS = "loss"


class MissingCoefficient(DataError):
    """A quantity must be converted to tce but no line of the runs carries its carrier's coefficient."""


@dataclass(frozen=True, slots=True)
class View:
    """A stored run and its inventory (the park view, or one party's own view)."""

    run_id: int
    inventory: Inventory


@dataclass(frozen=True, slots=True)
class Party:
    """A party of the park as a sink: the node it flows into (its sector, or the public facilities)."""

    id: str
    name: str
    sink_id: str
    sink_zh: str
    sink_en: str


@dataclass(frozen=True, slots=True)
class Storage:
    """A storage party (储能): what it sent back to the park grid in the year [kWh] and the meters.

    Its charge is its own view's purchased electricity; the discharge is metered, not accounted
    (a storage discharge gives no inventory line), so it comes from its discharge meters.
    """

    party_id: str
    discharged_kwh: float
    meters: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LineRef:
    """A line item a link sums: the run, its view (an enterprise id, ``None`` for the park) and the id."""

    run_id: int
    view: str | None
    line_id: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {"run_id": self.run_id, "view": self.view, "line_id": self.line_id}


@dataclass(frozen=True, slots=True)
class Node:
    """One node of the Sankey."""

    id: str
    kind: NodeKind
    label_zh: str
    label_en: str

    def label(self, lang: str) -> str:
        """The label in ``lang`` (``zh`` or ``en``)."""
        return self.label_zh if lang == "zh" else self.label_en

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {"id": self.id, "kind": self.kind.value, "label_zh": self.label_zh, "label_en": self.label_en}


@dataclass(frozen=True, slots=True)
class Link:
    """A flow from ``source`` to ``target`` [the metabolism's unit] and the line items it sums.

    ``derived`` is ``balance`` for a loss or remainder (inflow − outflow of the node: its items are
    the node's in- and outflows) and ``allocation`` for a share of a converter's CO2; ``""`` when
    ``value`` is the plain sum of the items' figures. Water flows sum meters, not line items
    (water gives no inventory line): ``meters`` names them.
    """

    source: str
    target: str
    value: float
    items: tuple[LineRef, ...]
    derived: str = ""
    meters: tuple[str, ...] = ()
    exchanges: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping.

        ``meters``: the meters a water flow sums (water has no line items); ``exchanges``, only
        when there are some: the symbiosis registry's exchanges a material or reuse flow sums.
        """
        out = {
            "source": self.source,
            "target": self.target,
            "value": self.value,
            "derived": self.derived,
            "items": [r.to_dict() for r in self.items],
            "meters": list(self.meters),
        }
        return out | ({"exchanges": list(self.exchanges)} if self.exchanges else {})


@dataclass(frozen=True, slots=True)
class Coefficient:
    """A standard-coal coefficient used to convert a quantity that carried no tce in its line."""

    carrier: str
    value: float
    unit: str
    factor_id: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "carrier": self.carrier,
            "value": self.value,
            "unit": self.unit,
            "factor_id": self.factor_id,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Metabolism:
    """The flows of one kind in one year: nodes, links (with their line items), notes.

    ``inventory_total`` is the run's own figure for comparison: comprehensive energy consumption
    [tce] (exports deducted) or the park's CO2 [t]; for water (read from the meters, no run:
    ``run_id`` None) the metered inflow [m³].
    """

    kind: FlowKind
    unit: str
    year: int
    park_id: str
    run_id: int | None
    nodes: tuple[Node, ...]
    links: tuple[Link, ...]
    notes: tuple[tuple[str, str], ...] = ()
    coefficients: tuple[Coefficient, ...] = ()
    inventory_total: float = 0.0

    def node(self, node_id: str) -> Node:
        """The node ``node_id`` (KeyError otherwise)."""
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(f"no node '{node_id}'")

    def inflow(self, node_id: str) -> float:
        """Σ of the links into ``node_id``."""
        return math.fsum(lk.value for lk in self.links if lk.target == node_id)

    def outflow(self, node_id: str) -> float:
        """Σ of the links out of ``node_id``."""
        return math.fsum(lk.value for lk in self.links if lk.source == node_id)

    def imbalance(self) -> dict[str, float]:
        """Inflow − outflow of every converter and bus node (0 within rounding)."""
        return {
            n.id: self.inflow(n.id) - self.outflow(n.id)
            for n in self.nodes
            if n.kind in (NodeKind.CONVERTER, NodeKind.BUS)
        }

    def total(self) -> float:
        """Σ of what the sources send [unit]."""
        return math.fsum(lk.value for lk in self.links if self.node(lk.source).kind is NodeKind.SOURCE)

    def top(self, n: int = 10) -> list[Link]:
        """The ``n`` largest links, largest first."""
        return sorted(self.links, key=lambda lk: -lk.value)[:n]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping (what the API and the CLI's ``--format json`` return)."""
        return {
            "kind": self.kind.value,
            "unit": self.unit,
            "year": self.year,
            "park_id": self.park_id,
            "run_id": self.run_id,
            "total": self.total(),
            "inventory_total": self.inventory_total,
            "nodes": [n.to_dict() for n in self.nodes],
            "links": [lk.to_dict() for lk in self.links],
            "notes": [{"zh": zh, "en": en} for zh, en in self.notes],
            "coefficients": [c.to_dict() for c in self.coefficients],
        }


# --- building ------------------------------------------------------------------------------------

_FUEL_CATEGORIES = (Category.FUEL_COMBUSTION, Category.FEEDSTOCK, Category.INTERNATIONAL_BUNKER)


def _carrier_zh(c: Carrier | None) -> str:
    return "—" if c is None else CARRIER_LABEL_ZH.get(c, "—")


def _is_internal(li: LineItem) -> bool:
    return li.note.startswith(INTERNAL_NOTE_PREFIX)


def _bus(carrier: Carrier | None) -> str:
    return "bus:electricity" if carrier is Carrier.ELECTRICITY else "bus:heat"


class _Graph:
    """Accumulates links (value lists and line refs) and nodes in order of first use."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.values: dict[tuple[str, str, str], list[float]] = defaultdict(list)
        self.refs: dict[tuple[str, str, str], list[LineRef]] = defaultdict(list)
        self.meters: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        self.notes: list[tuple[str, str]] = []

    def node(self, node_id: str, kind: NodeKind, zh: str, en: str) -> str:
        self.nodes.setdefault(node_id, Node(node_id, kind, zh, en))
        return node_id

    def add(
        self,
        source: str,
        target: str,
        value: float,
        refs: Iterable[LineRef],
        derived: str = "",
        meters: Iterable[str] = (),
    ) -> None:
        key = (source, target, derived)
        self.values[key].append(value)
        self.refs[key].extend(refs)
        self.meters[key].extend(meters)

    def flow(self, node_id: str) -> tuple[float, float, list[LineRef]]:
        """(inflow, outflow, refs of both) of a node, from the links so far."""
        fin: list[float] = []
        fout: list[float] = []
        refs: list[LineRef] = []
        for (s, t, _), vals in self.values.items():
            if t == node_id:
                fin.extend(vals)
                refs.extend(self.refs[(s, t, _)])
            elif s == node_id:
                fout.extend(vals)
                refs.extend(self.refs[(s, t, _)])
        return math.fsum(fin), math.fsum(fout), refs

    def close(
        self, node_id: str, *, loss: tuple[str, NodeKind, str, str], gain: tuple[str, str, str]
    ) -> None:
        """Balance ``node_id``: a positive remainder to ``loss``, a negative one from ``gain``."""
        fin, fout, refs = self.flow(node_id)
        rest = fin - fout
        if abs(rest) <= BALANCE_RTOL * max(fin, fout, 1.0):
            return
        unique = tuple(dict.fromkeys(refs))
        if rest > 0:
            lid, lkind, zh, en = loss
            self.add(node_id, self.node(lid, lkind, zh, en), rest, unique, "balance")
        else:
            gid, zh, en = gain
            self.add(self.node(gid, NodeKind.SOURCE, zh, en), node_id, -rest, unique, "balance")

    def links(self) -> tuple[Link, ...]:
        out = []
        for key, vals in self.values.items():
            value = math.fsum(vals)
            if value <= 0.0:
                continue
            s, t, derived = key
            refs = tuple(dict.fromkeys(self.refs[key]))
            out.append(Link(s, t, value, refs, derived, tuple(dict.fromkeys(self.meters.get(key, ())))))
        used = {n for lk in out for n in (lk.source, lk.target)}
        self.nodes = {k: v for k, v in self.nodes.items() if k in used}
        return tuple(out)


def _sink(g: _Graph, who: Mapping[str, Party], party_id: str | None) -> str:
    """The sink node of a party (its sector or the public facilities)."""
    if party_id is None:
        return g.node(
            "sink:public", NodeKind.SINK, "公共设施及园区级用能", "public facilities and park level"
        )
    p = who.get(party_id)
    if p is None:
        return g.node(f"sink:party:{party_id}", NodeKind.SINK, party_id, party_id)
    return g.node(p.sink_id, NodeKind.SINK, p.sink_zh, p.sink_en)


class _Context:
    """What both kinds share: parties, sinks, converters, coefficients, suppliers of deliveries."""

    def __init__(
        self,
        park: View,
        parties: Sequence[View],
        who: Mapping[str, Party],
        transfers: Sequence[Transfer],
    ) -> None:
        self.park = park
        self.parties = [p for p in parties if p.inventory.enterprise_id is not None]
        self.who = who
        self.converters = sorted(
            {
                li.enterprise_id
                for li in park.inventory.lines
                if li.category is Category.ENERGY_CONVERSION and li.enterprise_id is not None
            }
        )
        self.views_by_party = {p.inventory.enterprise_id: p for p in self.parties}
        self.suppliers: dict[tuple[str, str, str], dict[str, float]] = defaultdict(dict)
        for t in transfers:
            key = (t.to_enterprise_id, t.carrier.value, f"{t.month.year:04d}-{t.month.month:02d}")
            frm = t.from_enterprise_id or ""
            self.suppliers[key][frm] = self.suppliers[key].get(frm, 0.0) + t.quantity
        self._coef: dict[Carrier, Coefficient] = {}
        for view in (park, *self.parties):
            for li in view.inventory.lines:
                if li.carrier is None or li.carrier in self._coef:
                    continue
                for f in li.factors:
                    if f.symbol == "coef":
                        self._coef[li.carrier] = Coefficient(
                            li.carrier.value, f.value, f.unit, f.id, f.source
                        )
        self.used: dict[str, Coefficient] = {}

    def sink(self, g: _Graph, party_id: str | None) -> str:
        """The sink node of a party (its sector or the public facilities)."""
        return _sink(g, self.who, party_id)

    def tce(self, li: LineItem) -> float:
        """The line's energy [tce] — its own figure, else its quantity × the carrier's coefficient."""
        if li.energy_tce != 0.0 or li.carrier is None:
            return abs(li.energy_tce)
        c = self._coef.get(li.carrier)
        if c is None:
            raise MissingCoefficient(
                f"line '{li.id}': {li.activity} {li.activity_unit} of {li.carrier.value} carry no tce and "
                f"no line of run #{self.park.run_id} or its enterprise runs has the standard-coal "
                f"coefficient of {li.carrier.value}; account the year again with a factor set that has it"
            )
        self.used[li.carrier.value] = c
        return abs(li.activity) * c.value

    def coefficient(self, carrier: Carrier, what: str) -> float:
        """The carrier's standard-coal coefficient as the runs carry it [tce per canonical unit]."""
        c = self._coef.get(carrier)
        if c is None:
            raise MissingCoefficient(
                f"{what}: no line of run #{self.park.run_id} or its enterprise runs has the standard-coal "
                f"coefficient of {carrier.value}; account the year again with a factor set that has it"
            )
        self.used[carrier.value] = c
        return c.value

    def self_consumes(self, party_id: str | None) -> bool:
        """Whether a party's generation is its own use (its view buys electricity) or goes to the grid."""
        view = None if party_id is None else self.views_by_party.get(party_id)
        if view is None:
            return False
        return any(li.category is Category.PURCHASED_ELECTRICITY for li in view.inventory.lines)

    def supplier_shares(self, li: LineItem, buyer: str) -> list[tuple[str | None, float]]:
        """Who delivered a party's internal purchase: [(converter id or None = the network, share)]."""
        key = (buyer, "" if li.carrier is None else li.carrier.value, li.month_key)
        found = self.suppliers.get(key)
        if found:
            total = math.fsum(found.values())
            if total > 0:
                return [(s if s in self.converters else None, q / total) for s, q in sorted(found.items())]
        if len(self.converters) == 1:
            return [(self.converters[0], 1.0)]
        return [(None, 1.0)]


def _converter(g: _Graph, ctx: _Context, eid: str) -> str:
    p = ctx.who.get(eid)
    name = eid if p is None else p.name
    return g.node(f"conv:{eid}", NodeKind.CONVERTER, f"能源加工转换 · {name}", f"energy conversion · {name}")


def _source_of(g: _Graph, li: LineItem) -> str:
    cat = li.category
    if cat is Category.PURCHASED_ELECTRICITY:
        return g.node("src:grid", NodeKind.SOURCE, "外购电力", "purchased electricity")
    if cat is Category.PURCHASED_HEAT:
        return g.node("src:heat", NodeKind.SOURCE, "外购热力", "purchased heat")
    if cat is Category.ONSITE_RENEWABLE:
        return g.node("src:renewable", NodeKind.SOURCE, "园区可再生能源发电", "on-site renewable generation")
    if cat is Category.PROCESS:
        return g.node("src:process", NodeKind.SOURCE, "工业生产过程", "industrial processes")
    c = "-" if li.carrier is None else li.carrier.value
    return g.node(
        f"src:fuel:{c}", NodeKind.SOURCE, f"燃料 · {_carrier_zh(li.carrier)}", f"fuel · {c.replace('_', ' ')}"
    )


def _network(g: _Graph, carrier: Carrier | None) -> str:
    if carrier is Carrier.ELECTRICITY:
        return g.node("bus:electricity", NodeKind.BUS, "园区电网", "park electricity network")
    return g.node("bus:heat", NodeKind.BUS, "园区热网", "park heat network")


def _export(g: _Graph) -> str:
    return g.node("sink:export", NodeKind.SINK, "外送", "exported")


def _enterprise_view(g: _Graph, ctx: _Context, value: Any) -> None:
    """An enterprise user's own view: its purchases and fuels flow straight into its sink."""
    view = ctx.park
    owner = view.inventory.enterprise_id
    for li in view.inventory.lines:
        v = value(li)
        if v == 0.0 or li.category in (Category.GREEN_POWER, Category.INTERNAL_TRANSFER):
            continue
        ref = (LineRef(view.run_id, owner, li.id),)
        if li.category in (Category.EXPORTED_ELECTRICITY, Category.EXPORTED_HEAT):
            g.add(ctx.sink(g, owner), _export(g), abs(v), ref)
            continue
        src = _source_of(g, li)
        if _is_internal(li):
            src = g.node(
                f"src:internal:{_bus(li.carrier)}",
                NodeKind.SOURCE,
                f"园区内部供{'电' if li.carrier is Carrier.ELECTRICITY else '热'}",
                f"park facility {'electricity' if li.carrier is Carrier.ELECTRICITY else 'heat'}",
            )
        g.add(src, ctx.sink(g, owner), v, ref)


def _result(g: _Graph, ctx: _Context, kind: FlowKind) -> Metabolism:
    links = g.links()
    inv = ctx.park.inventory
    return Metabolism(
        kind=kind,
        unit=UNIT[kind],
        year=inv.year,
        park_id=inv.park_id,
        run_id=ctx.park.run_id,
        nodes=tuple(g.nodes.values()),
        links=links,
        notes=tuple(dict.fromkeys(g.notes)),
        coefficients=tuple(ctx.used[k] for k in sorted(ctx.used)),
        inventory_total=inv.energy_tce if kind is FlowKind.ENERGY else inv.total_tco2e,
    )


_LOSS_CONV = ("loss:conversion", NodeKind.LOSS, "转换损失", "conversion losses")
_LOSS_NET = ("loss:network", NodeKind.LOSS, "输配损耗及未计量", "network losses and unmetered use")


def energy_flows(
    park: View,
    parties: Sequence[View] = (),
    who: Mapping[str, Party] | None = None,
    transfers: Sequence[Transfer] = (),
    storage: Sequence[Storage] = (),
) -> Metabolism:
    """Energy flows [tce] of the park's year (module docstring).

    Parameters
    ----------
    park : View
        The park view's national-method run (or an enterprise's own view: its flows into itself).
    parties : sequence of View
        The enterprise views accounted with it (their purchased electricity and heat are the
        deliveries of the networks and converters).
    who : mapping of str to Party
        Each party's sink (sector of GB/T 4754, or public facilities).
    transfers : sequence of Transfer
        The year's internal transfers: who delivered a party's internal purchase (needed only when
        more than one party converts fuel).
    storage : sequence of Storage
        Storage parties and their metered discharge: the network sends a 储能 node the party's
        charge (its purchased electricity) net of its discharge (``derived`` ``net``), which is
        its conversion loss. Without it the network loss would be understated by the discharge
        (the parties' grid meters include what the battery sent back).

    Raises
    ------
    MissingCoefficient
        A quantity without tce and no coefficient of its carrier in the runs.
    """
    ctx = _Context(park, parties, who or {}, transfers)
    g = _Graph()
    if park.inventory.enterprise_id is not None:
        _enterprise_view(g, ctx, ctx.tce)
        return _result(g, ctx, FlowKind.ENERGY)
    stores = {s.party_id: s for s in storage}
    charge: dict[str, list[tuple[float, LineRef]]] = defaultdict(list)

    def store_node(pid: str) -> str:
        p = ctx.who.get(pid)
        name = pid if p is None else p.name
        return g.node(f"store:{pid}", NodeKind.CONVERTER, f"储能 · {name}", f"storage · {name}")

    for li in park.inventory.lines:
        ref = (LineRef(park.run_id, None, li.id),)
        cat = li.category
        if cat in (Category.PURCHASED_ELECTRICITY, Category.PURCHASED_HEAT):
            g.add(_source_of(g, li), _network(g, li.carrier), ctx.tce(li), ref)
        elif cat in _FUEL_CATEGORIES:
            g.add(_source_of(g, li), ctx.sink(g, li.enterprise_id), ctx.tce(li), ref)
        elif cat is Category.ENERGY_CONVERSION and li.enterprise_id is not None:
            g.add(_source_of(g, li), _converter(g, ctx, li.enterprise_id), ctx.tce(li), ref)
        elif cat is Category.ONSITE_RENEWABLE:
            own = ctx.self_consumes(li.enterprise_id)
            target = ctx.sink(g, li.enterprise_id) if own else _network(g, Carrier.ELECTRICITY)
            g.add(_source_of(g, li), target, ctx.tce(li), ref)
        elif cat in (Category.EXPORTED_ELECTRICITY, Category.EXPORTED_HEAT):
            frm = li.enterprise_id
            origin = _converter(g, ctx, frm) if frm in ctx.converters else _network(g, li.carrier)
            g.add(origin, _export(g), ctx.tce(li), ref)
    for view in ctx.parties:
        buyer = view.inventory.enterprise_id
        assert buyer is not None
        for li in view.inventory.lines:
            if li.category not in (Category.PURCHASED_ELECTRICITY, Category.PURCHASED_HEAT):
                continue
            ref = (LineRef(view.run_id, buyer, li.id),)
            v = ctx.tce(li)
            if buyer in stores and li.carrier is Carrier.ELECTRICITY:
                charge[buyer].append((v, ref[0]))
                continue
            if not _is_internal(li):
                g.add(_network(g, li.carrier), ctx.sink(g, buyer), v, ref)
                continue
            for supplier, share in ctx.supplier_shares(li, buyer):
                origin = _converter(g, ctx, supplier) if supplier else _network(g, li.carrier)
                g.add(origin, ctx.sink(g, buyer), v * share, ref)
    for pid, st in sorted(stores.items()):
        # net of discharge: the discharged energy is inside the other parties' grid meters, so the
        # network carries charge − discharge to the battery (a loop would not be a Sankey)
        charged = math.fsum(v for v, _ in charge[pid])
        discharged = st.discharged_kwh * ctx.coefficient(Carrier.ELECTRICITY, f"storage {pid}")
        refs = [r for _, r in charge[pid]]
        node = store_node(pid)
        net = charged - discharged
        if net >= 0:
            g.add(_network(g, Carrier.ELECTRICITY), node, net, refs, "net", st.meters)
            g.add(node, g.node(*_LOSS_CONV), net, refs, "balance", st.meters)
        else:
            label = g.nodes[node]
            gain = g.node(
                f"src:gain:{pid}",
                NodeKind.SOURCE,
                f"折算差额 · {label.label_zh}",
                f"conversion difference · {label.label_en}",
            )
            g.add(gain, node, -net, refs, "balance", st.meters)
            g.add(node, _network(g, Carrier.ELECTRICITY), -net, refs, "net", st.meters)
    for eid in ctx.converters:
        node = f"conv:{eid}"
        fin, fout, _ = g.flow(node)
        if fout > fin:
            g.notes.append(
                (
                    f"{eid} 交付的能量折标煤多于其燃料（电力按等价值折算时会出现），差额列为折算差额。",
                    f"{eid} delivers more tce than its fuel (electricity at the equivalent value); the "
                    "difference is shown as a conversion difference.",
                )
            )
        label = g.nodes[node]
        g.close(
            node,
            loss=_LOSS_CONV,
            gain=(
                f"src:gain:{eid}",
                f"折算差额 · {label.label_zh}",
                f"conversion difference · {label.label_en}",
            ),
        )
    for carrier in (Carrier.ELECTRICITY, Carrier.STEAM):
        node = _bus(carrier)
        if node not in g.nodes:
            continue
        fin, fout, _ = g.flow(node)
        if fout > fin:
            g.notes.append(
                (
                    f"{g.nodes[node].label_zh}：各方计量的用量多于园区边界的受入量，差额列为未计量受入。",
                    f"{g.nodes[node].label_en}: the parties metered more than came in at the boundary; "
                    "the difference is shown as unmetered inflow.",
                )
            )
        g.close(
            node,
            loss=_LOSS_NET,
            gain=(
                f"src:unmetered:{carrier.value}",
                f"未计量受入 · {g.nodes[node].label_zh}",
                f"unmetered inflow · {g.nodes[node].label_en}",
            ),
        )
    return _result(g, ctx, FlowKind.ENERGY)


def carbon_flows(
    park: View,
    parties: Sequence[View] = (),
    who: Mapping[str, Party] | None = None,
    transfers: Sequence[Transfer] = (),
) -> Metabolism:
    """Carbon flows [tCO2] of the park's year on the consumption basis (module docstring).

    Same parameters as :func:`energy_flows`. A converter's CO2 is allocated to its deliveries by
    their energy [tce] (energy-content method); the networks' remainder is the park-level row.
    """
    ctx = _Context(park, parties, who or {}, transfers)
    g = _Graph()
    if park.inventory.enterprise_id is not None:
        _enterprise_view(g, ctx, lambda li: li.emissions_tco2e)
        return _result(g, ctx, FlowKind.CARBON)
    conv_refs: dict[str, list[LineRef]] = defaultdict(list)
    conv_co2: dict[str, list[float]] = defaultdict(list)
    for li in park.inventory.lines:
        ref = (LineRef(park.run_id, None, li.id),)
        cat = li.category
        e = li.emissions_tco2e
        if cat in (Category.PURCHASED_ELECTRICITY, Category.PURCHASED_HEAT):
            g.add(_source_of(g, li), _network(g, li.carrier), e, ref)
        elif cat in (*_FUEL_CATEGORIES, Category.PROCESS):
            g.add(_source_of(g, li), ctx.sink(g, li.enterprise_id), e, ref)
        elif cat is Category.ENERGY_CONVERSION and li.enterprise_id is not None:
            g.add(_source_of(g, li), _converter(g, ctx, li.enterprise_id), e, ref)
            conv_refs[li.enterprise_id].append(ref[0])
            conv_co2[li.enterprise_id].append(e)
        elif cat in (Category.EXPORTED_ELECTRICITY, Category.EXPORTED_HEAT) and e < 0:
            g.add(_network(g, li.carrier), _export(g), -e, ref)
    # deliveries of each converter [tce] (buyers' internal purchases and the converter's exports)
    deliveries: dict[str, list[tuple[str, float, LineRef]]] = defaultdict(list)
    for li in park.inventory.lines:
        if li.category in (Category.EXPORTED_ELECTRICITY, Category.EXPORTED_HEAT) and li.enterprise_id in (
            ctx.converters
        ):
            assert li.enterprise_id is not None
            deliveries[li.enterprise_id].append((_export(g), ctx.tce(li), LineRef(park.run_id, None, li.id)))
    for view in ctx.parties:
        buyer = view.inventory.enterprise_id
        assert buyer is not None
        for li in view.inventory.lines:
            if li.category not in (Category.PURCHASED_ELECTRICITY, Category.PURCHASED_HEAT):
                continue
            own = LineRef(view.run_id, buyer, li.id)
            if not _is_internal(li):
                g.add(_network(g, li.carrier), ctx.sink(g, buyer), li.emissions_tco2e, (own,))
                continue
            for supplier, share in ctx.supplier_shares(li, buyer):
                if supplier is None:  # bought from a non-converting facility (park PV): via the network
                    g.add(_network(g, li.carrier), ctx.sink(g, buyer), li.emissions_tco2e * share, (own,))
                else:
                    deliveries[supplier].append((ctx.sink(g, buyer), ctx.tce(li) * share, own))
    for eid in ctx.converters:
        node = _converter(g, ctx, eid)
        co2 = math.fsum(conv_co2[eid])
        out = deliveries.get(eid, [])
        delivered = math.fsum(v for _, v, _ in out)
        if delivered <= 0:
            g.add(node, ctx.sink(g, eid), co2, conv_refs[eid])
            continue
        for target, v, delivery in out:
            g.add(node, target, co2 * v / delivered, (*conv_refs[eid], delivery), "allocation")
        g.notes.append(ALLOCATION_NOTE)
    for carrier in (Carrier.ELECTRICITY, Carrier.STEAM):
        node = _bus(carrier)
        if node not in g.nodes:
            continue
        g.close(
            node,
            loss=(
                "park:remainder",
                NodeKind.LOSS,
                "园区级差额（线损、未计量、园区持有绿证）",
                "park level (losses, unmetered, park certificates)",
            ),
            gain=(
                f"src:park_level:{carrier.value}",
                "园区级差额（负：园区光伏等入网电量按电网因子计入各方）",
                "park level (negative: park PV fed to the grid, counted by the parties at the grid factor)",
            ),
        )
    return _result(g, ctx, FlowKind.CARBON)


def flows(
    kind: FlowKind,
    park: View,
    parties: Sequence[View] = (),
    who: Mapping[str, Party] | None = None,
    transfers: Sequence[Transfer] = (),
    storage: Sequence[Storage] = (),
) -> Metabolism:
    """:func:`energy_flows` or :func:`carbon_flows` by ``kind`` (water and materials: services).

    ``storage`` is drawn in energy only; in carbon a storage party keeps its own view's CO2 (its
    charge), as the inventory attributes it.
    """
    if kind is FlowKind.ENERGY:
        return energy_flows(park, parties, who, transfers, storage)
    if kind is FlowKind.CARBON:
        return carbon_flows(park, parties, who, transfers)
    raise ValueError(f"{kind.value} flows are not built from inventories")


# --- water [m³]: from the water meters (water gives no inventory line) ------------------------------


@dataclass(frozen=True, slots=True)
class WaterMeter:
    """A water meter and its year total [m³] (``None``: no data in the year)."""

    id: str
    name: str
    parent_id: str | None
    enterprise_id: str | None
    direction: str
    m3: float | None


@dataclass(frozen=True, slots=True)
class WaterReuse:
    """A realised water exchange of the symbiosis registry (再生水回用): what its receiver took [m³/a]."""

    exchange_id: str
    source_id: str
    source_name: str
    enterprise_id: str | None
    m3: float


def water_flows(
    park_id: str,
    year: int,
    meters: Sequence[WaterMeter],
    who: Mapping[str, Party] | None = None,
    reuse: Sequence[WaterReuse] = (),
) -> Metabolism:
    """Water flows [m³] of the year from the meter tree: the park's inlet → the network → sectors, losses.

    A meter whose parent is not among ``meters`` is a root: a park inlet (no enterprise) feeds the
    park's water network, whose outflows are the top meters of each enterprise below it (a
    submeter of the same enterprise is inside its parent and not counted again); the network's
    inflow − outflow is 管网漏损及未计量 (the meter-tree loss). A root with an enterprise (its own
    supply, or an enterprise user's view without the park inlet) flows straight into its sink.
    Each link names the meters it sums. ``reuse`` (the registry's realised water exchanges) adds
    a source per reclaimed-water supplier (再生水回用) flowing to each receiver's sink, naming the
    exchanges: water the park uses again instead of drawing it fresh.
    """
    parties = who or {}
    g = _Graph()
    refs: dict[tuple[str, str], list[str]] = defaultdict(list)
    via: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in sorted(reuse, key=lambda r: r.exchange_id):
        if r.m3 <= 0:
            continue
        src = g.node(
            f"src:water:reuse:{r.source_id}",
            NodeKind.SOURCE,
            f"再生水回用 · {r.source_name or r.source_id}",
            f"reclaimed water reused · {r.source_id}",
        )
        snk = _sink(g, parties, r.enterprise_id)
        g.add(src, snk, r.m3, ())
        via[(src, snk)].append(r.exchange_id)
    ids = {m.id for m in meters}
    children: dict[str, list[WaterMeter]] = defaultdict(list)
    for m in meters:
        if m.parent_id in ids:
            children[m.parent_id].append(m)

    def add(source: str, target: str, m: WaterMeter) -> None:
        if m.m3 is None or m.m3 <= 0:
            return
        g.add(source, target, m.m3, ())
        refs[(source, target)].append(m.id)

    def consumers(m: WaterMeter) -> list[WaterMeter]:
        """The top meters of each enterprise below ``m`` (park-owned feeders are looked through)."""
        out: list[WaterMeter] = []
        for k in sorted(children.get(m.id, []), key=lambda k: k.id):
            if k.enterprise_id is None or k.direction == "import":
                out.extend(consumers(k))
            else:
                out.append(k)
        return out

    for root in sorted((m for m in meters if m.parent_id not in ids), key=lambda m: m.id):
        src = g.node(
            f"src:water:{root.id}",
            NodeKind.SOURCE,
            f"供水 · {root.name or root.id}",
            f"water supply · {root.id}",
        )
        if root.enterprise_id is not None:
            add(src, _sink(g, parties, root.enterprise_id), root)
            continue
        bus = g.node("bus:water", NodeKind.BUS, "园区供水管网", "park water network")
        add(src, bus, root)
        for k in consumers(root):
            add(bus, _sink(g, parties, k.enterprise_id), k)
    if "bus:water" in g.nodes:
        fin, fout, _ = g.flow("bus:water")
        inflow_meters = [m for (s, t), ms in refs.items() if t == "bus:water" for m in ms]
        outflow_meters = [m for (s, t), ms in refs.items() if s == "bus:water" for m in ms]
        if fin - fout > BALANCE_RTOL * max(fin, 1.0):
            loss = g.node("loss:water", NodeKind.LOSS, "管网漏损及未计量", "network leaks and unmetered use")
            g.add("bus:water", loss, fin - fout, (), "balance")
            refs[("bus:water", loss)] = inflow_meters + outflow_meters
        elif fout - fin > BALANCE_RTOL * max(fout, 1.0):
            gain = g.node(
                "src:unmetered:water",
                NodeKind.SOURCE,
                "未计量受入 · 园区供水管网",
                "unmetered inflow · park water network",
            )
            g.add(gain, "bus:water", fout - fin, (), "balance")
            refs[(gain, "bus:water")] = inflow_meters + outflow_meters
            g.notes.append(
                (
                    "园区供水管网：各企业水表读数之和大于进水总表，差额列为未计量受入。",
                    "Park water network: the enterprises' meters add up to more than the inlet; the "
                    "difference is shown as unmetered inflow.",
                )
            )
    links = tuple(
        Link(
            lk.source,
            lk.target,
            lk.value,
            (),
            lk.derived,
            tuple(dict.fromkeys(refs[(lk.source, lk.target)])),
            tuple(via.get((lk.source, lk.target), ())),
        )
        for lk in g.links()
    )
    inflow = math.fsum(lk.value for lk in links if g.nodes[lk.source].kind is NodeKind.SOURCE)
    return Metabolism(
        kind=FlowKind.WATER,
        unit=UNIT[FlowKind.WATER],
        year=year,
        park_id=park_id,
        run_id=None,
        nodes=tuple(g.nodes.values()),
        links=links,
        notes=tuple(g.notes),
        inventory_total=inflow,
    )


# --- materials [t]: by-products and solid wastes of the symbiosis registry -------------------------


@dataclass(frozen=True, slots=True)
class MaterialStream:
    """A by-product or solid-waste source of the symbiosis registry and what it generates in the year [t]."""

    id: str
    name: str
    kind_zh: str
    kind_en: str
    enterprise_id: str | None
    generated_t: float


@dataclass(frozen=True, slots=True)
class MaterialExchange:
    """A realised exchange of a material stream: its sink and the tonnes sent in the year [t]."""

    id: str
    source_id: str
    sink_id: str
    sink_name: str
    utilises: bool
    t: float


def material_flows(
    park_id: str,
    year: int,
    streams: Sequence[MaterialStream],
    exchanges: Sequence[MaterialExchange],
) -> Metabolism:
    """Material flows [t] of the year: each by-product/solid-waste stream → its sinks, and the rest.

    From the symbiosis registry (materials give no inventory line and no meter tree here): a source
    per stream (its kind and name), a sink per receiver (综合利用 when it utilises the material, 处置
    when it only disposes of it — a landfill), each link naming the exchanges it sums; what a stream
    generates beyond its exchanges flows to 未经登记交换 (used, disposed of or stored by the
    generator itself; a balance, ``derived`` = ``balance``).
    """
    g = _Graph()
    via: dict[tuple[str, str], list[str]] = defaultdict(list)
    sent: dict[str, float] = defaultdict(float)
    known = {s.id for s in streams}
    for s in sorted(streams, key=lambda s: s.id):
        g.node(f"src:mat:{s.id}", NodeKind.SOURCE, f"{s.kind_zh} · {s.name or s.id}", f"{s.kind_en} · {s.id}")
    for x in sorted(exchanges, key=lambda x: x.id):
        if x.source_id not in known or x.t <= 0:
            continue
        route_zh, route_en = ("综合利用", "utilised") if x.utilises else ("处置", "disposed of")
        snk = g.node(
            f"sink:mat:{x.sink_id}",
            NodeKind.SINK,
            f"{route_zh} · {x.sink_name or x.sink_id}",
            f"{route_en} · {x.sink_id}",
        )
        g.add(f"src:mat:{x.source_id}", snk, x.t, ())
        via[(f"src:mat:{x.source_id}", snk)].append(x.id)
        sent[x.source_id] += x.t
    for s in streams:
        rest = s.generated_t - sent[s.id]
        if rest > BALANCE_RTOL * max(s.generated_t, 1.0):
            other = g.node(
                "loss:mat:other",
                NodeKind.LOSS,
                "未经登记交换（自行利用、处置或贮存）",
                "not exchanged (used, disposed of or stored by the generator)",
            )
            g.add(f"src:mat:{s.id}", other, rest, (), "balance")
    links = tuple(
        Link(lk.source, lk.target, lk.value, (), lk.derived, (), tuple(via.get((lk.source, lk.target), ())))
        for lk in g.links()
    )
    total = math.fsum(s.generated_t for s in streams)
    return Metabolism(
        kind=FlowKind.MATERIALS,
        unit=UNIT[FlowKind.MATERIALS],
        year=year,
        park_id=park_id,
        run_id=None,
        nodes=tuple(g.nodes.values()),
        links=links,
        notes=tuple(g.notes),
        inventory_total=total,
    )
