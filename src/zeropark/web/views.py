"""Scoped queries behind the pages (页面数据): each function asks the store inside a tenant scope.

Every query goes through :meth:`zeropark.api.auth.Scope.filter` (lists) or
:meth:`~zeropark.api.auth.Scope.check` (one object by id), so an enterprise user only ever gets
rows of its own enterprise and another tenant's object answers :class:`~zeropark.errors.NotFound`
(audited). Results are small dataclasses for the templates; no template filters by tenant.
Energy values come from the rollups (``rollup`` table, canonical units, multiplier applied).
"""

from __future__ import annotations

import importlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zeropark.errors import NotFound, PermissionDenied
from zeropark.i18n import carrier_label
from zeropark.model import Role
from zeropark.store.db import session_factory, transaction
from zeropark.store.schema import (
    ActivityRecordRow,
    AlarmRow,
    EnterpriseRow,
    IngestCounterRow,
    MeterRow,
    ParkRow,
    QuarantineRow,
    ReadingConflictRow,
    ReadingRow,
    ReportRow,
    RollupRow,
    UserRow,
)
from zeropark.store.scope import Scope
from zeropark.web.inventory_view import InventoryView

log = logging.getLogger(__name__)
LOCAL_TZ = ZoneInfo("Asia/Shanghai")

#: GJ per MWh (3.6 GJ = 1 MWh), to show heat flows beside electricity in the Sankey.
GJ_PER_MWH = 3.6


def _session(scope: Scope) -> Session:
    return session_factory(scope.engine)()


# --------------------------------------------------------------------------------------------
# indicators
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CoreIndicator:
    """核心指标 单位能耗碳排放 with its limit and verdict."""

    value: float | None  # [tCO2/tce]
    limit: float | None  # [tCO2/tce]; None below 200 000 tce
    verdict: str  # pass / fail / not_assessed / missing
    total_tco2: float
    energy_tce: float
    note: str = ""


def core_indicator(inv: InventoryView, lang: str = "zh") -> CoreIndicator:
    """The core indicator of a national inventory, judged by ``zeropark.indicators.core_indicator``.

    The limit depends on the park's annual energy consumption (发改环资〔2025〕910号; ACCOUNTING.md
    §1.1): 20万–100万 tce ≤ 0.2, ≥ 100万 tce ≤ 0.3, below 20万 tce the value is reported only.
    """
    from zeropark.indicators import core_indicator as judge

    row, _, _ = judge(inv.total_tco2e, inv.energy_tce)
    return CoreIndicator(
        value=row.value,
        limit=row.threshold,
        verdict=_VERDICT.get(str(row.status), "not_assessed"),
        total_tco2=inv.total_tco2e,
        energy_tce=inv.energy_tce,
        note=row.note_en if lang == "en" else row.note_zh,
    )


_VERDICT = {
    "pass": "pass",
    "fail": "fail",
    "no_threshold": "not_assessed",
    "missing": "missing",
    "park_level": "park_level",
}


@dataclass(frozen=True, slots=True)
class GuidingRow:
    """One guiding indicator: value, requirement, verdict, or what is missing."""

    key: str
    label: str
    value: str
    requirement: str
    verdict: str  # pass / fail / not_assessed / missing / park_level
    missing: str = ""


def guiding_indicators(
    scope: Scope, park_id: str, year: int, inv: InventoryView, lang: str = "zh", *, include_core: bool = False
) -> list[GuidingRow]:
    """The guiding (and reference) indicators from ``zeropark.indicators`` on the stored inputs.

    A park inventory is evaluated with ``evaluate`` (park thresholds); an enterprise's inventory
    (``inv.enterprise_id`` set) with ``evaluate_enterprise``: its own values, park-only indicators
    marked ``park_level``. ``include_core`` keeps the core row (the enterprise page lists it).
    An inventory whose stored result cannot be read back by this code version shows no rows (the
    page says no data) rather than numbers from another version.
    """
    from zeropark.accounting import Inventory
    from zeropark.indicators import IndicatorKind, evaluate, evaluate_enterprise
    from zeropark.store.aggregate import load_accounting_input
    from zeropark.store.repo import get_indicator_data

    try:
        inventory = Inventory.from_dict(dict(inv.result))
    except (KeyError, TypeError, ValueError) as exc:
        log.info("stored inventory not readable for indicators: %s", exc)
        return []
    ent_id = inventory.enterprise_id
    inputs = load_accounting_input(scope.engine, park_id, year, enterprise_id=ent_id)
    table = (
        evaluate(inventory, inputs)
        if ent_id is None
        else evaluate_enterprise(inventory, inputs, get_indicator_data(scope.engine, park_id, year))
    )
    rows = []
    for r in table.rows:
        if r.kind == IndicatorKind.CORE and not include_core:
            continue
        value = "—" if r.value is None else f"{r.value:,.1f}" if r.unit == "%" else f"{r.value:,.3f}"
        requirement = f"{r.comparison} {r.threshold:g}" if r.threshold is not None and r.comparison else "—"
        rows.append(
            GuidingRow(
                key=r.code,
                label=f"{r.label_en if lang == 'en' else r.label_zh} ({r.unit})" if r.unit else r.label_zh,
                value=value,
                requirement=requirement,
                verdict=_VERDICT.get(str(r.status), "not_assessed"),
                missing="、".join(r.missing) if r.missing else (r.note_en if lang == "en" else r.note_zh),
            )
        )
    return rows


# --------------------------------------------------------------------------------------------
# provenance: meters, readings, activity records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """One piece of evidence behind a line item: a meter (its readings) or an activity record."""

    kind: str  # meter / activity / other
    id: str
    name: str
    url: str | None
    detail: str


def evidence(scope: Scope, park_id: str, ids: Sequence[str], month: str) -> list[EvidenceRow]:
    """Resolve evidence ids to meters and activity records inside ``scope`` (others listed as text)."""
    out: list[EvidenceRow] = []
    if not ids:
        return out
    with _session(scope) as session:
        meters = {
            m.id: m
            for m in session.scalars(
                _meter_scope(scope, select(MeterRow).where(MeterRow.id.in_(ids), MeterRow.park_id == park_id))
            )
        }
        records = {
            r.id: r
            for r in session.scalars(
                scope.filter(
                    select(ActivityRecordRow).where(ActivityRecordRow.id.in_(ids)),
                    enterprise_col=ActivityRecordRow.enterprise_id,
                    park_col=ActivityRecordRow.park_id,
                )
            )
        }
    for i in ids:
        if i in meters:
            m = meters[i]
            q = f"?month={month}" if month else ""
            out.append(
                EvidenceRow("meter", i, m.name or i, f"/meters/{i}/readings{q}", f"{m.carrier} · {m.unit}")
            )
        elif i in records:
            r = records[i]
            out.append(
                EvidenceRow(
                    "activity",
                    i,
                    r.description or i,
                    f"/activity/{i}",
                    f"{r.quantity:,.3f} {r.unit} · {r.period_start}–{r.period_end}",
                )
            )
        else:
            out.append(EvidenceRow("other", i, i, None, ""))
    return out


def _meter_scope(scope: Scope, stmt: Any) -> Any:
    return scope.filter(stmt, enterprise_col=MeterRow.enterprise_id, park_col=MeterRow.park_id)


def meter(scope: Scope, meter_id: str) -> MeterRow:
    """One meter inside ``scope`` (NotFound otherwise, audited)."""
    with _session(scope) as session:
        row = session.get(MeterRow, meter_id)
    if row is None:
        raise NotFound(f"meter '{meter_id}' not found")
    scope.check("meter", meter_id, park_id=row.park_id, enterprise_id=row.enterprise_id)
    return row


def _month_range(month: str) -> tuple[datetime, datetime] | None:
    try:
        y, m = (int(x) for x in month.split("-")[:2])
    except ValueError:
        return None
    start = datetime(y, m, 1, tzinfo=LOCAL_TZ)
    end = datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=LOCAL_TZ)
    return start.astimezone(UTC), end.astimezone(UTC)


def _readings_stmt(meter_row: MeterRow, month: str, what: Any) -> Any:
    stmt = select(what).where(ReadingRow.meter_id == meter_row.id)
    rng = _month_range(month) if month else None
    if rng:
        stmt = stmt.where(ReadingRow.ts >= rng[0], ReadingRow.ts < rng[1])
    return stmt


def count_readings(scope: Scope, meter_row: MeterRow, month: str) -> int:
    """Number of readings of an (already scope-checked) meter in ``month`` (``YYYY-MM``, local)."""
    with _session(scope) as session:
        return int(session.scalar(_readings_stmt(meter_row, month, func.count())) or 0)


def readings(scope: Scope, meter_row: MeterRow, month: str, offset: int, limit: int) -> list[ReadingRow]:
    """One page of readings of an (already scope-checked) meter, oldest first."""
    with _session(scope) as session:
        stmt = (
            _readings_stmt(meter_row, month, ReadingRow).order_by(ReadingRow.ts).offset(offset).limit(limit)
        )
        return list(session.scalars(stmt))


def activity_record(scope: Scope, record_id: str) -> ActivityRecordRow:
    """One activity record inside ``scope``."""
    with _session(scope) as session:
        row = session.get(ActivityRecordRow, record_id)
    if row is None:
        raise NotFound(f"activity record '{record_id}' not found")
    scope.check("activity_record", record_id, park_id=row.park_id, enterprise_id=row.enterprise_id)
    return row


# --------------------------------------------------------------------------------------------
# monitoring
# --------------------------------------------------------------------------------------------


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


def live_curves(scope: Scope, park_id: str, t: Callable[..., str]) -> LiveCurves:
    """Load, PV, storage and CHP power over the last 24 h of rollups (15 min, else hourly) [kW].

    Load is the boundary import plus on-site generation minus export would need every meter; the
    page shows the measured quantities as they are: boundary import (or, for an enterprise, its
    top-level consumption meters), generation by technology, storage net power.
    """
    with _session(scope) as session:
        meters = list(
            session.scalars(_meter_scope(scope, select(MeterRow).where(MeterRow.park_id == park_id)))
        )
        roles: dict[str, list[str]] = defaultdict(list)
        visible = {m.id for m in meters}
        for m in meters:
            role = _meter_role(m, visible, scope.is_enterprise)
            if role is not None:
                roles[role].append(m.id)
        ids = [i for v in roles.values() for i in v]
        if not ids:
            return LiveCurves([], [], None)
        # 15-min curves when every charted meter has 15-min rollups, else hourly for all
        n_fine = session.scalar(
            select(func.count(func.distinct(RollupRow.meter_id))).where(
                RollupRow.meter_id.in_(ids), RollupRow.bucket == "15min"
            )
        )
        bucket, hours = ("15min", 0.25) if n_fine == len(ids) else ("hour", 1.0)
        last = session.scalar(
            select(func.max(RollupRow.start)).where(RollupRow.meter_id.in_(ids), RollupRow.bucket == bucket)
        )
        if last is None:
            return LiveCurves([], [], None)
        start = last - timedelta(hours=24)
        rows = session.execute(
            select(RollupRow.meter_id, RollupRow.start, RollupRow.value).where(
                RollupRow.meter_id.in_(ids),
                RollupRow.bucket == bucket,
                RollupRow.start > start,
                RollupRow.start <= last,
            )
        ).all()
    times = sorted({r.start for r in rows})
    index = {ts: i for i, ts in enumerate(times)}
    role_of = {i: role for role, v in roles.items() for i in v}
    direction = {m.id: m.direction for m in meters}
    values: dict[str, list[float | None]] = {role: [None] * len(times) for role in roles}
    for r in rows:
        series = values[role_of[r.meter_id]]
        i = index[r.start]
        # storage: discharge (generation) positive, charge (consumption) negative [kW]
        sign = -1.0 if role_of[r.meter_id] == "storage" and direction[r.meter_id] == "consumption" else 1.0
        series[i] = (series[i] or 0.0) + sign * r.value / hours
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


def _year_range(year: int) -> tuple[datetime, datetime]:
    return (
        datetime(year, 1, 1, tzinfo=LOCAL_TZ).astimezone(UTC),
        datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ).astimezone(UTC),
    )


def _year_totals(session: Any, ids: Iterable[str], year: int) -> dict[str, tuple[float, int, int]]:
    """Meter id → (energy in the year [canonical unit], present, expected) from the day rollups."""
    lo, hi = _year_range(year)
    ids = list(ids)
    out: dict[str, tuple[float, int, int]] = {}
    if not ids:
        return out
    for bucket in ("day", "hour", "month"):
        rows = session.execute(
            select(
                RollupRow.meter_id,
                func.sum(RollupRow.value),
                func.sum(RollupRow.n_present),
                func.sum(RollupRow.n_expected),
            )
            .where(
                RollupRow.meter_id.in_(ids),
                RollupRow.bucket == bucket,
                RollupRow.start >= lo,
                RollupRow.start < hi,
            )
            .group_by(RollupRow.meter_id)
        ).all()
        for mid, value, present, expected in rows:
            out.setdefault(mid, (float(value or 0), int(present or 0), int(expected or 0)))
        if len(out) == len(ids):
            break
    return out


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
    with _session(scope) as session:
        meters = list(
            session.scalars(
                _meter_scope(scope, select(MeterRow).where(MeterRow.park_id == park_id).order_by(MeterRow.id))
            )
        )
        totals = _year_totals(session, (m.id for m in meters), year)
    nodes = {m.id: TreeNode(m, totals[m.id][0] if m.id in totals else None) for m in meters}
    roots: list[TreeNode] = []
    for m in meters:
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


def energy_flows(scope: Scope, park_id: str, year: int, t: Callable[..., str], lang: str) -> Flows:
    """Electricity and heat flows of the year [MWh]: sources → carrier bus → consumers, export, losses.

    Sources are boundary imports and on-site generation by technology; consumers are the top
    metered consumption of each enterprise; the remainder of the bus is shown as losses and
    unmetered use. Heat in GJ is shown in MWh (÷ 3.6).
    """
    with _session(scope) as session:
        meters = list(
            session.scalars(_meter_scope(scope, select(MeterRow).where(MeterRow.park_id == park_id)))
        )
        totals = _year_totals(session, (m.id for m in meters), year)
        names_stmt = select(EnterpriseRow).where(EnterpriseRow.park_id == park_id)
        names: dict[str, str] = {
            e.id: e.name
            for e in session.scalars(
                scope.filter(names_stmt, enterprise_col=EnterpriseRow.id, park_col=EnterpriseRow.park_id)
            )
        }
    by_id = {m.id: m for m in meters}
    parents = {m.parent_id for m in meters if m.parent_id}
    links: dict[tuple[str, str], float] = defaultdict(float)
    for m in meters:
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


# --------------------------------------------------------------------------------------------
# enterprises
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EnterpriseListRow:
    """One enterprise in the list with its share of the park inventory."""

    id: str
    name: str
    industry_code: str
    is_public_facility: bool
    emissions_tco2e: float | None
    energy_tce: float | None
    n_meters: int


def enterprise_rows(scope: Scope, park_id: str, inv: InventoryView | None) -> list[EnterpriseListRow]:
    """Enterprises of the park inside ``scope``, largest emitters first."""
    with _session(scope) as session:
        ents = list(
            session.scalars(
                scope.filter(
                    select(EnterpriseRow).where(EnterpriseRow.park_id == park_id),
                    enterprise_col=EnterpriseRow.id,
                    park_col=EnterpriseRow.park_id,
                )
            )
        )
        counts = dict(
            session.execute(
                _meter_scope(
                    scope,
                    select(MeterRow.enterprise_id, func.count()).where(MeterRow.park_id == park_id),
                ).group_by(MeterRow.enterprise_id)
            ).all()
        )
    energy: dict[str, float] = defaultdict(float)
    if inv is not None:
        for li in inv.line_items:
            if li.enterprise_id:
                energy[li.enterprise_id] += li.energy_tce
    rows = [
        EnterpriseListRow(
            e.id,
            e.name,
            e.industry_code,
            e.is_public_facility,
            inv.by_enterprise.get(e.id) if inv else None,
            energy.get(e.id) if inv else None,
            int(counts.get(e.id, 0)),
        )
        for e in ents
    ]
    rows.sort(key=lambda r: -(r.emissions_tco2e or 0.0))
    return rows


def enterprise(scope: Scope, enterprise_id: str) -> EnterpriseRow:
    """One enterprise inside ``scope`` (NotFound otherwise, audited)."""
    with _session(scope) as session:
        row = session.get(EnterpriseRow, enterprise_id)
    if row is None:
        raise NotFound(f"enterprise '{enterprise_id}' not found")
    scope.check("enterprise", enterprise_id, park_id=row.park_id, enterprise_id=row.id)
    return row


@dataclass(frozen=True, slots=True)
class EnterpriseDetail:
    """What the enterprise page shows."""

    total_tco2e: float
    energy_tce: float
    by_month: dict[str, float]
    by_carrier: dict[str, float]
    by_source: dict[str, float]
    items: list[Any]
    meters: list[MeterRow]


def enterprise_detail(scope: Scope, ent: EnterpriseRow, inv: InventoryView | None) -> EnterpriseDetail:
    """Totals, trends and meters of one (scope-checked) enterprise."""
    items = [li for li in inv.line_items if li.enterprise_id == ent.id] if inv else []
    by_month: dict[str, float] = defaultdict(float)
    by_carrier: dict[str, float] = defaultdict(float)
    by_source: dict[str, float] = defaultdict(float)
    for li in items:
        by_month[li.month] += li.emissions_tco2e
        by_carrier[li.carrier] += li.emissions_tco2e
        by_source[li.category] += li.emissions_tco2e
    with _session(scope) as session:
        meters = list(
            session.scalars(
                _meter_scope(scope, select(MeterRow).where(MeterRow.enterprise_id == ent.id)).order_by(
                    MeterRow.id
                )
            )
        )
    return EnterpriseDetail(
        total_tco2e=sum(li.emissions_tco2e for li in items),
        energy_tce=sum(li.energy_tce for li in items),
        by_month=dict(sorted(by_month.items())),
        by_carrier=dict(by_carrier),
        by_source=dict(sorted(by_source.items(), key=lambda kv: -kv[1])),
        items=sorted(items, key=lambda li: -abs(li.emissions_tco2e)),
        meters=meters,
    )


# --------------------------------------------------------------------------------------------
# alarms
# --------------------------------------------------------------------------------------------


def _alarm_stmt(scope: Scope, park_id: str, state: str, what: Any) -> Any:
    stmt = scope.filter(
        select(what).where(AlarmRow.park_id == park_id),
        enterprise_col=AlarmRow.enterprise_id,
        park_col=AlarmRow.park_id,
    )
    return stmt.where(AlarmRow.state == state) if state else stmt


def count_alarms(scope: Scope, park_id: str, state: str) -> int:
    """Number of alarms (in ``state`` if given) inside ``scope``."""
    with _session(scope) as session:
        return int(session.scalar(_alarm_stmt(scope, park_id, state, func.count())) or 0)


def alarms(scope: Scope, park_id: str, state: str, offset: int, limit: int) -> list[AlarmRow]:
    """One page of alarms, open first, newest first."""
    with _session(scope) as session:
        order = (AlarmRow.state != "open", AlarmRow.state != "acknowledged", AlarmRow.opened_at.desc())
        stmt = _alarm_stmt(scope, park_id, state, AlarmRow).order_by(*order).offset(offset).limit(limit)
        return list(session.scalars(stmt))


def update_alarm(scope: Scope, alarm_id: int, action: str) -> AlarmRow:
    """确认 (acknowledge) or 关闭 (close) an alarm inside ``scope``, audited in the same transaction.

    Raises
    ------
    NotFound
        The alarm does not exist or is outside the scope.
    PermissionDenied
        A read-only role (verifier) tried to change it.
    """
    now = datetime.now(UTC)
    with transaction(scope.engine) as session:
        row = session.get(AlarmRow, alarm_id)
        if row is None:
            raise NotFound(f"alarm {alarm_id} not found")
        scope.check_write("alarm", str(alarm_id), park_id=row.park_id, enterprise_id=row.enterprise_id)
        before = {"state": row.state}
        if action == "acknowledge" and row.state == "open":
            row.state = "acknowledged"
            row.acknowledged_at = now
            row.acknowledged_by = scope.user.username
        elif action == "close" and row.state != "closed":
            if row.acknowledged_at is None:
                row.acknowledged_at = now
                row.acknowledged_by = scope.user.username
            row.state = "closed"
            row.closed_at = now
        scope.audit(session, "update", "alarm", str(alarm_id), before=before, after={"state": row.state})
        session.flush()
        session.expunge(row)
    return row


# --------------------------------------------------------------------------------------------
# data quality
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MeterQuality:
    """Completeness of one meter over the year."""

    id: str
    name: str
    enterprise_id: str | None
    completeness: float  # [0..1]
    n_present: int
    n_expected: int


@dataclass(frozen=True, slots=True)
class QualityView:
    """Data quality of the park (or of the user's enterprise) for a year."""

    meters: list[MeterQuality]
    quarantine: list[QuarantineRow]
    n_quarantine_open: int
    conflicts: list[ReadingConflictRow]
    counters: list[IngestCounterRow]
    score: float | None  # [0..100]

    @property
    def summary(self) -> dict[str, Any]:
        """Figures for the report's data-quality section."""
        present = sum(m.n_present for m in self.meters)
        expected = sum(m.n_expected for m in self.meters)
        return {
            "score": self.score,
            "completeness": present / expected if expected else None,
            "n_meters": len(self.meters),
            "n_meters_below_95": sum(1 for m in self.meters if m.completeness < 0.95),
            "n_quarantine_open": self.n_quarantine_open,
            "n_conflicts": len(self.conflicts),
        }


def quality(scope: Scope, park_id: str, year: int, *, enterprise_id: str | None = None) -> QualityView:
    """Completeness per meter, open quarantine records, conflicts and ingest counters inside ``scope``.

    ``enterprise_id`` narrows a park user's view to one enterprise's meters (an enterprise report);
    an enterprise user's view is always its own.
    """
    view_of = scope.enterprise_id if scope.is_enterprise else enterprise_id
    with _session(scope) as session:
        stmt = _meter_scope(scope, select(MeterRow).where(MeterRow.park_id == park_id))
        if view_of is not None:
            stmt = stmt.where(MeterRow.enterprise_id == view_of)
        meters = list(session.scalars(stmt.order_by(MeterRow.id)))
        ids = [m.id for m in meters]
        totals = _year_totals(session, ids, year)
        q_stmt = select(QuarantineRow).where(QuarantineRow.status == "open")
        if view_of is not None:
            q_stmt = q_stmt.where(QuarantineRow.meter_id.in_(ids))
        else:
            q_stmt = q_stmt.where(QuarantineRow.park_id == park_id)
        n_q = int(session.scalar(select(func.count()).select_from(q_stmt.subquery())) or 0)
        quarantine = list(session.scalars(q_stmt.order_by(QuarantineRow.received_at.desc()).limit(50)))
        conflicts = list(
            session.scalars(
                select(ReadingConflictRow)
                .where(ReadingConflictRow.meter_id.in_(ids))
                .order_by(ReadingConflictRow.received_at.desc())
                .limit(50)
            )
        )
        counters = [] if view_of is not None else list(session.scalars(select(IngestCounterRow)))
    rows = []
    for m in meters:
        value, present, expected = totals.get(m.id, (0.0, 0, 0))
        rows.append(
            MeterQuality(
                m.id, m.name, m.enterprise_id, present / expected if expected else 0.0, present, expected
            )
        )
    rows.sort(key=lambda r: r.completeness)
    score = None if view_of is not None else _quality_score(scope, park_id, year)
    if score is None and rows:
        expected = sum(r.n_expected for r in rows)
        score = 100.0 * sum(r.n_present for r in rows) / expected if expected else None
    return QualityView(rows, quarantine, n_q, conflicts, counters, score)


def _quality_score(scope: Scope, park_id: str, year: int) -> float | None:
    if scope.is_enterprise:
        return None
    try:
        quality_score = importlib.import_module("zeropark.monitoring").quality_score
    except (ImportError, AttributeError):
        return None
    try:
        result = quality_score(scope.engine, park_id, year)
    except Exception as exc:  # noqa: BLE001 - the page falls back to completeness
        log.info("quality_score unavailable: %s", exc)
        return None
    value = getattr(result, "score", result)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------------------------
# factor library
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FactorRow:
    """One factor of the library with its source."""

    id: str
    kind: str
    key: str
    value: float
    unit: str
    region: str
    year: str
    source: str
    confidence: str
    url: str
    note: str


@dataclass(frozen=True, slots=True)
class FactorLibrary:
    """The built-in factor set."""

    name: str
    version: str
    sha256: str
    rows: list[FactorRow]
    kinds: list[str]


def factor_library(kind: str = "") -> FactorLibrary:
    """The default factor set (``zeropark.factors.load_factor_set``), optionally one kind only."""
    from zeropark.factors import load_factor_set

    fs = load_factor_set()
    factors = fs.factors.values() if isinstance(fs.factors, dict) else fs.factors
    rows: list[FactorRow] = []
    for f in factors:
        src = f.source
        rows.append(
            FactorRow(
                id=str(f.id),
                kind=str(f.kind),
                key=str(f.key),
                value=float(f.value),
                unit=str(f.unit),
                region=str(f.region or ""),
                year=str(f.year or ""),
                source=" · ".join(str(x) for x in (src.issuer, src.title, src.year, src.table) if x),
                confidence=str(getattr(src, "confidence", "")),
                url=str(getattr(src, "url", "") or ""),
                note=str(getattr(f, "note", "") or ""),
            )
        )
    kinds = sorted({r.kind for r in rows})
    if kind:
        rows = [r for r in rows if r.kind == kind]
    return FactorLibrary(str(fs.name), str(fs.version), str(fs.sha256), rows, kinds)


# --------------------------------------------------------------------------------------------
# reports, users
# --------------------------------------------------------------------------------------------


def stored_reports(scope: Scope, park_id: str) -> list[ReportRow]:
    """Reports already generated for the park (an enterprise user: its own enterprise's only)."""
    with _session(scope) as session:
        stmt = scope.filter(
            select(ReportRow).where(ReportRow.park_id == park_id),
            park_col=ReportRow.park_id,
            enterprise_col=ReportRow.enterprise_id,
        )
        return list(session.scalars(stmt.order_by(ReportRow.created_at.desc()).limit(20)))


def excel_report(scope: Scope, park_name: str, inv: InventoryView, names: dict[str, str]) -> bytes | None:
    """The official Excel tables (``zeropark.reports.excel``) of an inventory loaded inside ``scope``.

    None when the Excel module is not installed or the stored result cannot be read back.
    """
    try:
        excel = importlib.import_module("zeropark.reports.excel")
        from zeropark.accounting import Inventory
    except ImportError:
        return None
    try:
        inventory = Inventory.from_dict(dict(inv.result))
    except (KeyError, TypeError, ValueError) as exc:
        log.info("stored inventory not readable for the Excel report: %s", exc)
        return None
    content: bytes = excel.inventory_workbook_bytes(inventory, park_name=park_name, enterprise_names=names)
    return content


def user_rows(scope: Scope) -> list[UserRow]:
    """All users (the page is admin only; the route checks the role)."""
    if scope.user.role != Role.ADMIN:
        raise PermissionDenied("only admins list users")
    with _session(scope) as session:
        return list(session.scalars(select(UserRow).order_by(UserRow.username)))


def all_enterprises(scope: Scope) -> list[EnterpriseRow]:
    """Every enterprise (the 用户 page's enterprise choice; admin only)."""
    if scope.user.role != Role.ADMIN:
        raise PermissionDenied("only admins manage users")
    with _session(scope) as session:
        return list(session.scalars(select(EnterpriseRow).order_by(EnterpriseRow.park_id, EnterpriseRow.id)))


def all_parks(scope: Scope) -> list[ParkRow]:
    """Every park (the 用户 page's park choice; admin only)."""
    if scope.user.role != Role.ADMIN:
        raise PermissionDenied("only admins manage users")
    with _session(scope) as session:
        return list(session.scalars(select(ParkRow).order_by(ParkRow.id)))


def month_start(d: date) -> date:
    """First day of ``d``'s month."""
    return d.replace(day=1)
