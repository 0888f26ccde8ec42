"""Monitoring (能源监测) as read models for the pages and the API: live curves, the meter tree, energy flows.

Everything comes from the rollups (``rollup``: canonical units, multiplier applied) through the
scoped read models of :mod:`zeropark.store.queries.meters`, so an enterprise user sees its own
meters only. Curve and node names are in the caller's language (``lang``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from zeropark.i18n import carrier_label, translator
from zeropark.store.queries import enterprises, meters
from zeropark.store.schema import MeterRow
from zeropark.store.scope import Scope

__all__ = ["Flows", "LiveCurves", "TreeNode", "energy_flows", "is_storage_meter", "live_curves", "meter_tree"]

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
    """Sankey nodes and links [MWh]."""

    nodes: list[str]
    links: list[tuple[str, str, float]]


def energy_flows(scope: Scope, park_id: str, year: int, lang: str) -> Flows:
    """Electricity and heat flows of the year [MWh]: sources → carrier bus → consumers, export, losses.

    Sources are boundary imports and on-site generation by technology; consumers are the top
    metered consumption of each enterprise; the remainder of the bus is shown as losses and
    unmetered use. Heat in GJ is shown in MWh (÷ 3.6).
    """
    t = translator(lang)
    park_meters = meters.meters(scope, park_id)
    totals = meters.year_totals(scope, (m.id for m in park_meters), year)
    names = enterprises.names(scope, park_id)
    by_id = {m.id: m for m in park_meters}
    parents = {m.parent_id for m in park_meters if m.parent_id}
    links: dict[tuple[str, str], float] = defaultdict(float)
    for m in park_meters:
        if m.carrier not in ("electricity", "steam", "hot_water") or m.id not in totals:
            continue
        mwh = totals[m.id][0] / (1000.0 if m.carrier == "electricity" else GJ_PER_MWH)
        bus = carrier_label(m.carrier, lang)
        parent = by_id.get(m.parent_id) if m.parent_id else None
        if m.direction == "import" and m.enterprise_id is None:
            links[(_src_label(t, "grid", lang, m.carrier), bus)] += mwh
        elif m.direction == "generation":
            source = ("储能放电" if lang != "en" else "storage discharge") if is_storage_meter(m) else None
            links[(source or _tech_label(m.technology, lang), bus)] += mwh
        elif m.direction == "export":
            links[(bus, "外送" if lang != "en" else "export")] += mwh
        elif m.direction == "consumption" and _is_sink(m, parent, has_children=m.id in parents):
            who = names.get(
                m.enterprise_id or "", t("public_facility") if m.enterprise_id is None else m.enterprise_id
            )
            links[(bus, who)] += mwh
    # losses / unmetered use per bus
    ins: dict[str, float] = defaultdict(float)
    outs: dict[str, float] = defaultdict(float)
    buses = {carrier_label(c, lang) for c in ("electricity", "steam", "hot_water")}
    for (s, d), v in links.items():
        if d in buses:
            ins[d] += v
        if s in buses:
            outs[s] += v
    for bus, v_in in ins.items():
        if v_in - outs[bus] > 0.005 * v_in:
            links[(bus, ("损耗及未计量" if lang != "en" else "losses & unmetered"))] += v_in - outs[bus]
    nodes: list[str] = []
    for s, d in links:
        for n in (s, d):
            if n not in nodes:
                nodes.append(n)
    return Flows(nodes, [(s, d, v) for (s, d), v in links.items()])


def _is_sink(m: MeterRow, parent: MeterRow | None, *, has_children: bool) -> bool:
    """Whether a consumption meter ends a flow in the Sankey (counted once, never with its parent).

    An enterprise's top meter (its parent, if any, belongs to someone else) is a sink; a
    park-owned consumption meter only when it is a leaf (a distribution total with children
    would count its children twice).
    """
    if m.enterprise_id is not None:
        return parent is None or parent.enterprise_id != m.enterprise_id
    return not has_children


def _src_label(t: Callable[..., str], kind: str, lang: str, carrier: str) -> str:
    if carrier == "electricity":
        return "电网购入" if lang != "en" else "grid import"
    return ("外购" if lang != "en" else "purchased ") + carrier_label(carrier, lang)


def _tech_label(tech: str, lang: str) -> str:
    zh = {
        "pv": "光伏",
        "wind": "风电",
        "chp": "热电联产",
        "hydro": "水电",
        "storage": "储能",
        "diesel": "柴油发电",
    }
    if lang == "en":
        return {"pv": "PV", "chp": "CHP"}.get(tech, tech or "generation")
    return zh.get(tech, tech or "发电")
