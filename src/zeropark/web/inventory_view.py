"""Inventory as the pages and the PDF report show it (清单视图).

An inventory run stores the accounting result as ``Inventory.to_dict()`` (``InventoryRunRow.result``).
This module reads that dict into small typed views: totals by source, scope, enterprise, carrier
and month, line items with their formula, factors (value, unit, source) and evidence. Totals that
the result states are used as stated; a breakdown the result does not state is summed from its
line items, so every total on a page equals the sum of the line items it drills down to.

Loading is scoped: :func:`load_inventory` asks the query layer for runs inside the user's
:class:`~zeropark.api.auth.Scope` (an enterprise user gets only runs of its own enterprise) and,
when no run is stored, computes one with the accounting engine from the scoped input.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from zeropark.store.db import session_factory
from zeropark.store.schema import EnterpriseRow, InventoryRunRow
from zeropark.store.scope import Scope

log = logging.getLogger(__name__)

#: How long a computed (not stored) inventory is reused by the pages [s]. Stored runs are read
#: fresh on every request; a computed one is recomputed after this, so new data shows up.
CACHE_TTL_S = 300.0


@dataclass(frozen=True, slots=True)
class FactorView:
    """One factor a line item used, with its source."""

    id: str
    value: float | None
    unit: str
    source: str
    confidence: str = ""
    symbol: str = ""


@dataclass(frozen=True, slots=True)
class LineItemView:
    """清单条目 as shown: activity × factor = emissions, with formula and evidence."""

    id: str
    category: str
    scope: str
    enterprise_id: str | None
    zone_id: str | None
    carrier: str
    month: str
    quantity: float | None
    unit: str
    emissions_tco2e: float
    energy_tce: float
    formula: str
    factors: tuple[FactorView, ...]
    evidence: tuple[str, ...]
    uncertainty_pct: float | None
    label_zh: str = ""
    label_en: str = ""
    basis: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class InventoryView:
    """One accounting result (national or GHG) ready for display."""

    run_id: int | None
    method: str
    year: int
    enterprise_id: str | None
    total_tco2e: float
    energy_tce: float
    interval_tco2e: tuple[float, float] | None
    line_items: tuple[LineItemView, ...]
    by_source: dict[str, float]
    by_scope: dict[str, float]
    by_enterprise: dict[str, float]
    by_carrier: dict[str, float]
    by_month: dict[str, float]
    energy_by_carrier_tce: dict[str, float]
    energy_by_month_tce: dict[str, float]
    clean_share_annual: float | None
    clean_share_hourly: float | None
    options: dict[str, Any]
    factor_set: str
    factor_set_version: str
    fingerprint: str
    code_version: str
    gaps: tuple[Mapping[str, Any], ...]
    signed_off_by: str | None = None
    signed_off_at: str | None = None
    result: Mapping[str, Any] = field(default_factory=dict)

    @property
    def core_indicator(self) -> float | None:
        """单位能耗碳排放 [tCO2/tce] = emissions / energy consumption (None when energy is 0)."""
        return self.total_tco2e / self.energy_tce if self.energy_tce > 0 else None

    def items_where(self, dimension: str, key: str) -> list[LineItemView]:
        """Line items behind one total (``dimension`` in source/scope/enterprise/carrier/month)."""
        getter = _DIMENSIONS.get(dimension)
        if getter is None:
            return list(self.line_items)
        return [li for li in self.line_items if getter(li) == key]

    def item(self, item_id: str) -> LineItemView | None:
        """The line item with ``item_id``."""
        for li in self.line_items:
            if li.id == item_id:
                return li
        return None


def _enterprise_key(li: LineItemView) -> str:
    return li.enterprise_id or "park"


_DIMENSIONS: dict[str, Callable[[LineItemView], str]] = {
    "source": lambda li: li.category,
    "scope": lambda li: li.scope,
    "enterprise": _enterprise_key,
    "carrier": lambda li: li.carrier,
    "month": lambda li: li.month,
}


def _f(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _opt_f(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _first(d: Mapping[str, Any], *keys: str, default: Any = None) -> Any:
    for k in keys:
        if k in d and d[k] is not None:
            return d[k]
    return default


def _factor(raw: Any) -> FactorView:
    if isinstance(raw, str):
        return FactorView(id=raw, value=None, unit="", source="")
    src = raw.get("source") or {}
    if isinstance(src, Mapping):
        parts = [str(src.get(k)) for k in ("issuer", "title", "year", "table") if src.get(k)]
        source = " · ".join(parts)
        confidence = str(src.get("confidence") or "")
    else:
        source, confidence = str(src), ""
    return FactorView(
        symbol=str(raw.get("symbol") or ""),
        id=str(_first(raw, "id", "factor_id", default="")),
        value=_opt_f(raw.get("value")),
        unit=str(raw.get("unit") or ""),
        source=source or str(raw.get("source_id") or ""),
        confidence=confidence,
    )


def _month_text(value: Any) -> str:
    text = str(value or "")
    return text[:7] if len(text) >= 7 else text


def _line_item(raw: Mapping[str, Any], index: int) -> LineItemView:
    activity = raw.get("activity") if isinstance(raw.get("activity"), Mapping) else {}
    assert isinstance(activity, Mapping)
    factors_raw = _first(raw, "factors", "factors_used", default=[])
    if isinstance(factors_raw, Mapping):
        factors_raw = list(factors_raw.values())
    evidence = _first(raw, "evidence", "evidence_ids", default=())
    if isinstance(evidence, str):
        evidence = [evidence]
    scope_raw = raw.get("scope")
    scope = f"scope{scope_raw}" if isinstance(scope_raw, int) else str(scope_raw or "")
    if scope == "scope2" and raw.get("basis"):
        scope = f"scope2_{raw['basis']}"
    return LineItemView(
        id=str(_first(raw, "id", default=f"li-{index}")),
        category=str(_first(raw, "category", "source", default="")),
        scope=scope,
        enterprise_id=raw.get("enterprise_id"),
        zone_id=raw.get("zone_id"),
        carrier=str(_first(raw, "carrier", default="") or ""),
        month=_month_text(raw.get("month")),
        quantity=_opt_f(_first(raw, "activity", "quantity", default=activity.get("quantity")))
        if not isinstance(raw.get("activity"), Mapping)
        else _opt_f(activity.get("quantity")),
        unit=str(_first(raw, "unit", "activity_unit", default=activity.get("unit", "")) or ""),
        emissions_tco2e=_f(_first(raw, "emissions_tco2e", "emissions_tco2", default=0.0)),
        energy_tce=_f(_first(raw, "energy_tce", default=0.0)),
        formula=str(_first(raw, "formula", "formula_text", default="")),
        factors=tuple(_factor(f) for f in factors_raw or ()),
        evidence=tuple(str(e) for e in evidence or ()),
        uncertainty_pct=_opt_f(raw.get("uncertainty_pct")),
        label_zh=str(raw.get("label_zh") or ""),
        label_en=str(raw.get("label_en") or ""),
        basis=str(raw.get("basis") or ""),
        raw=dict(raw),
    )


def _sum_by(items: Iterable[LineItemView], key: Any, value: Any) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for li in items:
        out[key(li)] += value(li)
    return dict(sorted(out.items(), key=lambda kv: -abs(kv[1])))


def from_result(
    result: Mapping[str, Any],
    *,
    run_id: int | None = None,
    year: int = 0,
    enterprise_id: str | None = None,
    signed_off_by: str | None = None,
    signed_off_at: str | None = None,
) -> InventoryView:
    """Read an ``Inventory.to_dict()`` result into an :class:`InventoryView`.

    Breakdowns are summed from the line items (so each total equals the sum of the line items
    it drills down to); GHG market-based Scope 2 lines are left out of every breakdown except
    ``by_scope`` (dual reporting: the total is location-based). Totals, energy, interval and
    shares are taken as the result states them.
    """
    items = tuple(
        _line_item(li, i) for i, li in enumerate(result.get("lines") or result.get("line_items") or ())
    )
    counted = [li for li in items if li.basis != "market"]
    total = _opt_f(_first(result, "total_tco2e", "emissions_tco2e"))
    if total is None:
        total = sum(li.emissions_tco2e for li in counted)
    energy = _opt_f(result.get("energy_tce"))
    if energy is None:
        energy = sum(li.energy_tce for li in counted)
    interval_raw = _first(result, "interval_95", "interval_95_tco2e", default=None)
    interval = None
    if isinstance(interval_raw, Mapping):
        interval = (
            _f(_first(interval_raw, "low_tco2e", "low")),
            _f(_first(interval_raw, "high_tco2e", "high")),
        )
    elif isinstance(interval_raw, list | tuple) and len(interval_raw) == 2:
        interval = (_f(interval_raw[0]), _f(interval_raw[1]))
    hourly = result.get("hourly") if isinstance(result.get("hourly"), Mapping) else {}
    assert isinstance(hourly, Mapping)
    em = lambda li: li.emissions_tco2e  # noqa: E731
    tce = lambda li: li.energy_tce  # noqa: E731
    with_energy = [li for li in counted if li.energy_tce]
    stated_energy = result.get("energy_by_carrier")
    energy_by_carrier = (
        {str(k): _f(v) for k, v in stated_energy.items()}
        if isinstance(stated_energy, Mapping) and stated_energy
        else _sum_by(with_energy, lambda li: li.carrier, tce)
    )
    return InventoryView(
        run_id=run_id,
        method=str(_first(result, "method", default="")),
        year=int(_first(result, "year", default=year) or year),
        enterprise_id=_first(result, "enterprise_id", default=enterprise_id),
        total_tco2e=total,
        energy_tce=energy,
        interval_tco2e=interval,
        line_items=items,
        by_source=_sum_by(counted, lambda li: li.category, em),
        by_scope=_sum_by(items, lambda li: li.scope, em),
        by_enterprise=_sum_by(counted, _enterprise_key, em),
        by_carrier=_sum_by(counted, lambda li: li.carrier, em),
        by_month=dict(sorted(_sum_by(counted, lambda li: li.month, em).items())),
        energy_by_carrier_tce=dict(sorted(energy_by_carrier.items(), key=lambda kv: -kv[1])),
        energy_by_month_tce=dict(sorted(_sum_by(with_energy, lambda li: li.month, tce).items())),
        clean_share_annual=_opt_f(result.get("clean_energy_share")),
        clean_share_hourly=_opt_f(_first(hourly, "share", default=None)),
        options=dict(result.get("options") or {}),
        factor_set=str(_first(result, "factor_set_name", "factor_set", default="")),
        factor_set_version=str(_first(result, "factor_set_version", default="")),
        fingerprint=str(_first(result, "input_fingerprint", default="")),
        code_version=str(_first(result, "code_version", default="")),
        gaps=tuple(g for g in (result.get("gaps") or ()) if isinstance(g, Mapping)),
        signed_off_by=signed_off_by,
        signed_off_at=signed_off_at,
        result=result,
    )


def _from_run(row: InventoryRunRow) -> InventoryView:
    return from_result(
        row.result,
        run_id=row.id,
        year=row.year,
        enterprise_id=row.enterprise_id,
        signed_off_by=row.signed_off_by,
        signed_off_at=row.signed_off_at.isoformat() if row.signed_off_at else None,
    )


def load_inventory(
    scope: Scope,
    park_id: str,
    year: int,
    method: str,
    cache: dict[Any, Any] | None = None,
    *,
    enterprise_id: str | None = None,
) -> InventoryView | None:
    """The newest stored run of ``method`` for the park and year inside ``scope``, else a fresh one.

    Park users see the park-level run (``enterprise_id`` NULL), or with ``enterprise_id`` the
    enterprise view of one enterprise (the caller has checked it is inside the scope). An
    enterprise user always gets its own enterprise's view, whatever ``enterprise_id`` says:
    :meth:`Scope.filter` confines the query to it.
    """
    view_of = scope.enterprise_id if scope.is_enterprise else enterprise_id
    with session_factory(scope.engine)() as session:
        stmt = select(InventoryRunRow).where(
            InventoryRunRow.year == year, InventoryRunRow.method == method, InventoryRunRow.park_id == park_id
        )
        stmt = scope.filter(
            stmt, enterprise_col=InventoryRunRow.enterprise_id, park_col=InventoryRunRow.park_id
        )
        if view_of is None:
            stmt = stmt.where(InventoryRunRow.enterprise_id.is_(None))
        else:
            stmt = stmt.where(InventoryRunRow.enterprise_id == view_of)
        row = session.scalars(stmt.order_by(InventoryRunRow.id.desc()).limit(1)).first()
        if row is not None:
            return _from_run(row)
    return compute_inventory(scope, park_id, year, method, cache, enterprise_id=view_of)


def compute_inventory(
    scope: Scope,
    park_id: str,
    year: int,
    method: str,
    cache: dict[Any, Any] | None = None,
    *,
    enterprise_id: str | None = None,
) -> InventoryView | None:
    """Run the accounting engine on the stored input (no stored run yet); None if it cannot run.

    ``enterprise_id`` gives that enterprise's view (its purchased electricity and heat, its
    internal purchases); an enterprise user's view is always its own.
    """
    try:
        from zeropark.accounting import AccountingOptions, run
        from zeropark.factors import load_factor_set
        from zeropark.model import Method
        from zeropark.store.aggregate import load_accounting_input
    except ImportError:  # accounting or store aggregation not installed in this build
        return None
    view_of = scope.enterprise_id if scope.is_enterprise else enterprise_id
    cache = {} if cache is None else cache
    key = ("web", park_id, year, method, view_of)
    hit = cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < CACHE_TTL_S:
        cached: InventoryView = hit[1]
        return cached
    inputs = load_accounting_input(scope.engine, park_id, year, enterprise_id=view_of)
    if not inputs.quantities:
        return None
    inventory = run(
        inputs, load_factor_set(), AccountingOptions(method=Method(method)), enterprise_id=view_of
    )
    view = from_result(inventory.to_dict(), year=year, enterprise_id=view_of)
    cache[key] = (time.monotonic(), view)
    return view


def enterprise_names(scope: Scope, park_id: str) -> dict[str, str]:
    """Enterprise id → name, for the enterprises inside ``scope``."""
    with session_factory(scope.engine)() as session:
        base = select(EnterpriseRow).where(EnterpriseRow.park_id == park_id)
        stmt = scope.filter(
            base,
            enterprise_col=EnterpriseRow.id,
            park_col=EnterpriseRow.park_id,
        )
        return {r.id: r.name for r in session.scalars(stmt)}
