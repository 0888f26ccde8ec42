"""Monitoring (能源监测) as read models for the pages and the API: live curves, the meter tree, energy flows.

Everything comes from the rollups (``rollup``: canonical units, multiplier applied) through the
scoped read models of :mod:`zeropark.store.queries.meters`, so an enterprise user sees its own
meters only. Curve and node names are in the caller's language (``lang``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from zeropark.factors import BUILTIN_SET, load_factor_set
from zeropark.i18n import MESSAGES, carrier_label, translate, translator
from zeropark.model import Carrier
from zeropark.store.queries import enterprises, meters
from zeropark.store.schema import MeterRow
from zeropark.store.scope import Scope

__all__ = [
    "DayTotal",
    "Flows",
    "LiveCurves",
    "MeterProfile",
    "TreeNode",
    "build_flows",
    "energy_flows",
    "is_storage_meter",
    "live_curves",
    "meter_profile",
    "meter_tree",
]

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

#: GJ per MWh (3.6 GJ = 1 MWh), to show heat flows beside electricity in the Sankey.
GJ_PER_MWH = 3.6


@dataclass(frozen=True, slots=True)
class LiveCurves:
    """Power curves of the last 24 h of data [kW] per role (load, PV, storage, CHP)."""

    x: list[str]
    series: list[tuple[str, list[float | None]]]
    updated: datetime | None
    latest_kw: dict[str, float | None] = field(default_factory=dict)


#: Words that mark a battery storage meter (储能) when ``technology`` does not say so.
STORAGE_MARKERS: tuple[str, ...] = ("储能", "BESS", "BATTERY", "STORAGE")


def is_storage_meter(m: MeterRow) -> bool:
    """Whether ``m`` meters a battery (technology, or 储能/BESS in its id or name)."""
    if (m.technology or "").lower() in ("storage", "battery", "bess", "ess"):
        return True
    text = f"{m.id} {m.name}".upper()
    return any(marker.upper() in text for marker in STORAGE_MARKERS)


def _meter_role(m: MeterRow, visible: set[str], enterprise_view: bool) -> str | None:
    """The live-chart role of a meter (load, pv, chp, storage), or None if it is not summed.

    Park view: load = the boundary import meters (no parent). Enterprise view: load = the
    enterprise's top consumption meters (whose parent, if any, is not the enterprise's own).
    """
    tech = (m.technology or "").lower()
    if m.carrier != "electricity":
        return None
    if is_storage_meter(m):
        return "storage"
    if m.direction == "generation":
        if tech in ("pv", "wind", "hydro"):
            return "pv"
        return "chp" if tech in ("chp", "gas_turbine", "diesel") else None
    if enterprise_view:
        top = m.parent_id is None or m.parent_id not in visible
        return "load" if m.direction in ("consumption", "import") and top else None
    if m.direction == "import" and m.enterprise_id is None and m.parent_id is None:
        return "load"
    return None


def live_curves(scope: Scope, park_id: str, lang: str) -> LiveCurves:
    """Load, PV, storage and CHP power over the last 24 h of rollups (15 min, else hourly) [kW].

    Load is the boundary import plus on-site generation minus export would need every meter; the
    page shows the measured quantities as they are: boundary import (or, for an enterprise, its
    top-level consumption meters), generation by technology, storage net power.
    """
    t = translator(lang)
    park_meters = meters.meters(scope, park_id)
    roles: dict[str, list[str]] = defaultdict(list)
    visible = {m.id for m in park_meters}
    for m in park_meters:
        role = _meter_role(m, visible, scope.is_enterprise)
        if role is not None:
            roles[role].append(m.id)
    ids = [i for v in roles.values() for i in v]
    if not ids:
        return LiveCurves([], [], None)
    bucket, last, rows = meters.latest_rollups(scope, ids)
    if last is None:
        return LiveCurves([], [], None)
    hours = 0.25 if bucket == "15min" else 1.0
    times = sorted({start for _, start, _ in rows})
    index = {ts: i for i, ts in enumerate(times)}
    role_of = {i: role for role, v in roles.items() for i in v}
    direction = {m.id: m.direction for m in park_meters}
    values: dict[str, list[float | None]] = {role: [None] * len(times) for role in roles}
    for meter_id, start, value in rows:
        series = values[role_of[meter_id]]
        i = index[start]
        # storage: discharge (generation) positive, charge (consumption) negative [kW]
        sign = -1.0 if role_of[meter_id] == "storage" and direction[meter_id] == "consumption" else 1.0
        series[i] = (series[i] or 0.0) + sign * value / hours
    # park view: the boundary import is what is metered (load = import + generation − export)
    load_label = t("load") if scope.is_enterprise else t("grid_import_kw")
    labels = {"load": load_label, "pv": t("pv"), "storage": t("storage"), "chp": t("chp")}
    order = [k for k in ("load", "pv", "chp", "storage") if k in values]
    x = [_as_local(ts).strftime("%m-%d %H:%M") for ts in times]
    latest: dict[str, float | None] = {
        k: next((v for v in reversed(values[k]) if v is not None), None) for k in order
    }
    return LiveCurves(x, [(labels[k], values[k]) for k in order], _as_local(last), latest)


def _as_local(ts: datetime) -> datetime:
    return (ts if ts.tzinfo else ts.replace(tzinfo=UTC)).astimezone(LOCAL_TZ)


@dataclass(slots=True)
class TreeNode:
    """One meter of the meter tree with its year energy and balance against its children."""

    meter: MeterRow
    energy: float | None  # [canonical unit of the carrier]
    children: list[TreeNode] = field(default_factory=list)

    @property
    def children_sum(self) -> float | None:
        """Sum of the children's energy (None without children or data)."""
        vals = [c.energy for c in self.children if c.energy is not None]
        return sum(vals) if vals else None

    @property
    def loss_pct(self) -> float | None:
        """(parent − Σ children) / parent [%]: losses and unmetered use."""
        cs = self.children_sum
        if cs is None or not self.energy:
            return None
        return (self.energy - cs) / self.energy * 100.0


def meter_tree(scope: Scope, park_id: str, year: int) -> list[TreeNode]:
    """The meter hierarchy (计量层级) inside ``scope`` with year energy and balance per parent."""
    park_meters = meters.meters(scope, park_id)
    totals = meters.year_totals(scope, (m.id for m in park_meters), year)
    nodes = {m.id: TreeNode(m, totals[m.id][0] if m.id in totals else None) for m in park_meters}
    roots: list[TreeNode] = []
    for m in park_meters:
        node = nodes[m.id]
        parent = nodes.get(m.parent_id) if m.parent_id else None
        if parent is not None:
            parent.children.append(node)
        else:
            roots.append(node)
    roots.sort(key=lambda n: (n.meter.carrier != "electricity", n.meter.level, n.meter.id))
    return roots


@dataclass(frozen=True, slots=True)
class Flows:
    """Sankey nodes and links [MWh].

    ``kinds`` maps a node to its role (``source``, ``converter``, ``bus``, ``sink``, ``other``,
    ``loss``) so the chart can colour and place it.
    """

    nodes: list[str]
    links: list[tuple[str, str, float]]
    kinds: dict[str, str] = field(default_factory=dict)


#: Energy carriers drawn in the Sankey (electricity in kWh, heat in GJ), all shown in MWh.
FLOW_CARRIERS: tuple[str, ...] = ("electricity", "steam", "hot_water")
#: Fuels that feed an on-site converter (热电联产) and are drawn as its input.
CONVERTER_FUELS: tuple[str, ...] = ("natural_gas",)
#: A consumer below this share of its carrier's inflow joins the "others" node [-].
SMALL_SHARE = 0.03
#: At most this many consumers of one carrier are drawn by name; the rest are summed [-].
MAX_CONSUMERS = 8


def energy_flows(scope: Scope, park_id: str, year: int, lang: str) -> Flows:
    """Electricity and heat flows of the year [MWh]: sources → converter → carrier bus → consumers.

    Reads the scoped meters and their year totals, then :func:`build_flows`.
    """
    park_meters = meters.meters(scope, park_id)
    totals = meters.year_totals(scope, (m.id for m in park_meters), year)
    names = enterprises.names(scope, park_id)
    energy = {mid: v[0] for mid, v in totals.items()}
    gas = load_factor_set(BUILTIN_SET).fuel(Carrier.NATURAL_GAS).ncv_gj_per_unit
    return build_flows(park_meters, energy, names, lang, fuel_ncv_gj={"natural_gas": gas})


def _mwh(carrier: str, value: float, fuel_ncv_gj: dict[str, float]) -> float | None:
    """``value`` in the carrier's canonical unit as MWh (kWh ÷ 1000; GJ ÷ 3.6; fuel × NCV ÷ 3.6)."""
    if carrier == "electricity":
        return value / 1000.0
    if carrier in ("steam", "hot_water"):
        return value / GJ_PER_MWH
    if carrier in fuel_ncv_gj:
        return value * fuel_ncv_gj[carrier] / GJ_PER_MWH
    return None


def build_flows(
    park_meters: list[MeterRow],
    energy: dict[str, float],
    names: dict[str, str],
    lang: str,
    *,
    fuel_ncv_gj: dict[str, float],
    small_share: float = SMALL_SHARE,
    max_consumers: int = MAX_CONSUMERS,
) -> Flows:
    """The Sankey of a year from meters and their year energy (pure).

    - Sources: the grid import (boundary meter without enterprise) and on-site generation by
      technology (PV, storage discharge). A generation meter under another generation meter
      (a PV string under the PV total) is not counted again.
    - Converters (能源加工转换, GB/T 2589-2020 §3): an enterprise that generates heat, or
      electricity with technology ``chp``, is one node "热电联产 …": its fuel meters (top ones within
      the enterprise; m³ × NCV of the built-in factor set ÷ 3.6 → MWh) flow in, its electricity
      and heat flow out to the carrier buses, the difference is its conversion loss.
    - Consumers: an enterprise's top consumption meter of each carrier, a park-owned leaf meter;
      the consumers of one carrier below ``small_share`` of its inflow, or past the
      ``max_consumers`` largest, are summed into one node "其他 N 家用户".
    - The remainder of a bus (inflow − outflow, when above 0.5 %) is "损耗及未计量".
    """
    t = translator(lang)
    by_id = {m.id: m for m in park_meters}
    parents = {m.parent_id for m in park_meters if m.parent_id}
    converters = {
        m.enterprise_id
        for m in park_meters
        if m.direction == "generation"
        and m.enterprise_id
        and (m.carrier in ("steam", "hot_water") or (m.technology or "").lower() == "chp")
    }
    kinds: dict[str, str] = {}
    links: dict[tuple[str, str], float] = defaultdict(float)
    consumers: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))

    def conv_name(ent: str) -> str:
        return t("flow_converter", name=names.get(ent, ent))

    for m in park_meters:
        if m.id not in energy:
            continue
        mwh = _mwh(m.carrier, energy[m.id], fuel_ncv_gj)
        if mwh is None:
            continue
        parent = by_id.get(m.parent_id) if m.parent_id else None
        converter = m.enterprise_id in converters
        if m.carrier in fuel_ncv_gj:
            if (
                converter
                and m.direction == "consumption"
                and (parent is None or parent.enterprise_id != m.enterprise_id)
            ):
                fuel = carrier_label(m.carrier, lang)
                kinds[fuel] = "source"
                kinds[conv_name(m.enterprise_id or "")] = "converter"
                links[(fuel, conv_name(m.enterprise_id or ""))] += mwh
            continue
        if m.carrier not in FLOW_CARRIERS:
            continue
        bus = carrier_label(m.carrier, lang)
        kinds[bus] = "bus"
        if m.direction == "import" and m.enterprise_id is None:
            src = t("flow_grid") if m.carrier == "electricity" else t("flow_purchased_carrier", carrier=bus)
            kinds[src] = "source"
            links[(src, bus)] += mwh
        elif m.direction == "generation":
            if parent is not None and parent.direction == "generation" and parent.carrier == m.carrier:
                continue  # a string under its total: counted by the total
            if converter:
                src = conv_name(m.enterprise_id or "")
                kinds[src] = "converter"
            else:
                src = t("flow_storage") if is_storage_meter(m) else _tech_label(m.technology, lang)
                kinds[src] = "source"
            links[(src, bus)] += mwh
        elif m.direction == "export":
            kinds[t("flow_export")] = "sink"
            links[(bus, t("flow_export"))] += mwh
        elif m.direction == "consumption" and _is_sink(m, parent, has_children=m.id in parents):
            if m.enterprise_id is None:
                who = t("public_facility")
            else:
                who = names.get(m.enterprise_id, m.enterprise_id)
            consumers[bus][who] += mwh
    # the inflow of each bus decides which consumers are drawn by name
    inflow: dict[str, float] = defaultdict(float)
    for (_s, d), v in links.items():
        if kinds.get(d) == "bus":
            inflow[d] += v
    for bus, users in consumers.items():
        ranked = sorted(users.items(), key=lambda kv: -kv[1])
        total_in = inflow.get(bus, 0.0) or sum(users.values())
        shown = [
            (w, v) for i, (w, v) in enumerate(ranked) if i < max_consumers and v >= small_share * total_in
        ]
        rest = ranked[len(shown) :]
        for who, v in shown:
            # a name may consume from two buses: one node per (consumer), links from each bus
            kinds.setdefault(who, "sink")
            links[(bus, who)] += v
        if len(rest) == 1:
            kinds.setdefault(rest[0][0], "sink")
            links[(bus, rest[0][0])] += rest[0][1]
        elif rest:
            other = t("flow_others", n=len(rest), carrier=bus)
            kinds[other] = "other"
            links[(bus, other)] += sum(v for _, v in rest)
    # conversion losses, then losses / unmetered use per bus
    outs: dict[str, float] = defaultdict(float)
    ins: dict[str, float] = defaultdict(float)
    for (s, d), v in links.items():
        outs[s] += v
        ins[d] += v
    for node, kind in list(kinds.items()):
        gap = ins[node] - outs[node]
        if kind == "converter" and gap > 0.005 * ins[node]:
            loss = t("flow_conversion_loss")
            kinds[loss] = "loss"
            links[(node, loss)] += gap
        elif kind == "bus" and gap > 0.005 * ins[node]:
            loss = t("flow_losses")
            kinds[loss] = "loss"
            links[(node, loss)] += gap
    nodes: list[str] = []
    for s, d in links:
        for n in (s, d):
            if n not in nodes:
                nodes.append(n)
    return Flows(nodes, [(s, d, v) for (s, d), v in links.items()], {n: kinds.get(n, "sink") for n in nodes})


def _is_sink(m: MeterRow, parent: MeterRow | None, *, has_children: bool) -> bool:
    """Whether a consumption meter ends a flow in the Sankey (counted once, never with its parent).

    An enterprise's top meter (its parent, if any, belongs to someone else) is a sink; a
    park-owned consumption meter only when it is a leaf (a distribution total with children
    would count its children twice).
    """
    if m.enterprise_id is not None:
        return parent is None or parent.enterprise_id != m.enterprise_id
    return not has_children


def _tech_label(tech: str, lang: str) -> str:
    """Label of an on-site generation technology (光伏, 风电, …); unknown ones as 发电."""
    key = f"tech_{(tech or 'generation').lower()}"
    return translate(key, lang) if key in MESSAGES else translate("tech_generation", lang)


@dataclass(frozen=True, slots=True)
class DayTotal:
    """One local day of a meter: its energy [canonical unit] and completeness [%]."""

    day: str
    value: float
    completeness_pct: float | None


@dataclass(frozen=True, slots=True)
class MeterProfile:
    """A meter's month: its curve (x local times, y per hour) and daily totals.

    ``y_unit`` is kW for electricity (kWh per hour = mean power), else the canonical unit per hour.
    """

    meter: MeterRow
    month: str  # YYYY-MM (local)
    months: list[str]
    x: list[str]
    y: list[float]
    y_unit: str
    days: list[DayTotal]

    @property
    def total(self) -> float | None:
        """The month's energy from the daily totals [canonical unit] (None without data)."""
        return sum(d.value for d in self.days) if self.days else None


def _month_bounds(month: str) -> tuple[datetime, datetime]:
    y, m = (int(x) for x in month.split("-")[:2])
    start = datetime(y, m, 1, tzinfo=LOCAL_TZ)
    return start, datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=LOCAL_TZ)


def meter_profile(scope: Scope, meter_id: str, month: str = "") -> MeterProfile:
    """The month ``month`` (``YYYY-MM``, local; default the latest with data) of one meter.

    The curve is the hourly rollups (15-min ones when a month has no hourly) as energy per hour;
    the daily totals are the day rollups with their completeness (present ÷ expected intervals).

    Raises
    ------
    NotFound
        No such meter inside ``scope`` (audited).
    """
    meter = meters.meter(scope, meter_id)
    day_starts = meters.rollup_starts(scope, meter, "day")
    hour_starts = day_starts or meters.rollup_starts(scope, meter, "hour")
    months = sorted({_as_local(ts).strftime("%Y-%m") for ts in hour_starts})
    if not months:
        fine = meters.rollup_starts(scope, meter, "15min")
        months = sorted({_as_local(ts).strftime("%Y-%m") for ts in fine})
    if month not in months:
        month = months[-1] if months else datetime.now(LOCAL_TZ).strftime("%Y-%m")
    start, end = _month_bounds(month)
    rows, hours = meters.rollup_series(scope, meter, "hour", start, end), 1.0
    if not rows:
        rows, hours = meters.rollup_series(scope, meter, "15min", start, end), 0.25
    unit = meter.unit if meter.carrier != "electricity" else "kWh"
    y_unit = "kW" if meter.carrier == "electricity" else f"{unit}/h"
    x = [_as_local(ts).strftime("%m-%d %H:%M") for ts, _, _, _ in rows]
    y = [round(v / hours, 6) for _, v, _, _ in rows]
    days = [
        DayTotal(
            _as_local(ts).strftime("%Y-%m-%d"),
            v,
            round(100.0 * present / expected, 1) if expected else None,
        )
        for ts, v, present, expected in meters.rollup_series(scope, meter, "day", start, end)
    ]
    return MeterProfile(meter, month, months, x, y, y_unit, days)
