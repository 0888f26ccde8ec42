"""Benchmarks and admissions as read: product outputs, run figures for ranks, assessments.

:func:`national_figures` reads every park's latest national run of a year and its enterprise
views, *without* a scope: ranks are among all parks and enterprises in the database. The service
(:mod:`zeropark.services.benchmarks`) shows a scope only its own rows; the others are counted in
the ranks, never named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from zeropark.errors import NotFound
from zeropark.indicators import IndicatorTable
from zeropark.model import Method, ProductOutput
from zeropark.store import repo
from zeropark.store.db import read_connection, session_factory
from zeropark.store.queries import parks
from zeropark.store.queries.runs import latest_runs
from zeropark.store.runs import child_runs, get_run
from zeropark.store.schema import AdmissionRow, InventoryRunRow, ProductOutputRow
from zeropark.store.scope import Scope

__all__ = [
    "ADMISSION",
    "PRODUCT_OUTPUT",
    "AdmissionRecord",
    "RunFigures",
    "admission",
    "admissions",
    "consumed_kwh",
    "national_figures",
    "product_outputs",
]

#: Entity names in the audit log.
PRODUCT_OUTPUT = "product_output"
ADMISSION = "admission"


@dataclass(frozen=True, slots=True)
class RunFigures:
    """One view's figures of a latest national run: CO2 [t], energy [tce], indicators read from it."""

    run_id: int
    park_id: str
    enterprise_id: str | None
    co2_t: float
    energy_tce: float
    carbon_productivity: float | None  # [10⁴ CNY/tCO2], as stored with the run
    core_intensity: float | None  # [tCO2/tce]
    signed_off: bool


def _value(table: IndicatorTable | None, code: str) -> float | None:
    if table is None:
        return None
    try:
        return table.row(code).value
    except KeyError:
        return None


def national_figures(engine: Engine, year: int) -> list[RunFigures]:
    """The latest national park run of ``year`` of every park and its enterprise views (unscoped)."""
    found: list[tuple[int, str, str | None, float, float, bool]] = []
    for park in repo.list_parks(engine):
        latest = latest_runs(engine, park.id, year)[Method.NATIONAL]
        if latest is None:
            continue
        run = latest.run
        found.append((run.id, run.park_id, None, run.total_tco2e, run.energy_tce, run.frozen))
        found.extend(
            (c.id, c.park_id, c.enterprise_id, c.total_tco2e, c.energy_tce, c.frozen)
            for c in child_runs(engine, run.id)
        )
    ids = [f[0] for f in found]
    tables: dict[int, IndicatorTable | None] = {}
    if ids:
        with read_connection(engine) as conn:
            for rid, data in conn.execute(
                select(InventoryRunRow.id, InventoryRunRow.indicators).where(InventoryRunRow.id.in_(ids))
            ):
                tables[int(rid)] = None if data is None else IndicatorTable.from_dict(data)
    return [
        RunFigures(
            rid,
            pid,
            eid,
            co2,
            tce,
            _value(tables.get(rid), "carbon_productivity"),
            _value(tables.get(rid), "core_intensity"),
            frozen,
        )
        for rid, pid, eid, co2, tce, frozen in found
    ]


def consumed_kwh(engine: Engine, run_id: int) -> float:
    """Electricity consumed by a run's view [kWh] (grid + generated + internal − exported)."""
    return float(get_run(engine, run_id).inventory.electricity.get("consumed_kwh", 0.0))


def product_outputs(scope: Scope, park_id: str, year: int) -> list[ProductOutput]:
    """The park's product outputs of ``year`` inside ``scope`` (an enterprise user: its own)."""
    parks.park(scope, park_id)
    stmt = select(ProductOutputRow).where(ProductOutputRow.park_id == park_id, ProductOutputRow.year == year)
    stmt = scope.filter(
        stmt, enterprise_col=ProductOutputRow.enterprise_id, park_col=ProductOutputRow.park_id
    )
    with session_factory(scope.engine)() as session:
        rows = session.scalars(stmt.order_by(ProductOutputRow.enterprise_id, ProductOutputRow.product)).all()
    return [
        ProductOutput(r.enterprise_id, r.year, r.product, r.quantity, r.unit, r.energy_tce, r.evidence)
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class AdmissionRecord:
    """A stored assessment and its decision."""

    id: int
    park_id: str
    name: str
    enterprise_id: str | None
    industry_code: str
    year: int
    proposal: dict[str, Any]
    result: dict[str, Any]
    decision: str
    decided_by: str | None
    decided_at: datetime | None
    reason: str
    created_by: str | None
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "id": self.id,
            "park_id": self.park_id,
            "name": self.name,
            "enterprise_id": self.enterprise_id,
            "industry_code": self.industry_code,
            "year": self.year,
            "proposal": self.proposal,
            "result": self.result,
            "decision": self.decision,
            "decided_by": self.decided_by,
            "decided_at": None if self.decided_at is None else self.decided_at.isoformat(),
            "reason": self.reason,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
        }


def _utc(ts: datetime) -> datetime:
    """An instant as stored (SQLite hands it back naive, in UTC) made aware."""
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def _aware(ts: datetime | None) -> datetime | None:
    return None if ts is None else _utc(ts)


def _record(r: AdmissionRow) -> AdmissionRecord:
    return AdmissionRecord(
        int(r.id),
        r.park_id,
        r.name,
        r.enterprise_id,
        r.industry_code,
        r.year,
        dict(r.proposal),
        dict(r.result),
        r.decision,
        r.decided_by,
        _aware(r.decided_at),
        r.reason,
        r.created_by,
        _utc(r.created_at),
    )


def admissions(scope: Scope, park_id: str) -> list[AdmissionRecord]:
    """The park's assessments, newest first (park users only: a project is park-level data)."""
    parks.park(scope, park_id)
    stmt = scope.filter(
        select(AdmissionRow).where(AdmissionRow.park_id == park_id), park_col=AdmissionRow.park_id
    )
    with session_factory(scope.engine)() as session:
        return [_record(r) for r in session.scalars(stmt.order_by(AdmissionRow.id.desc())).all()]


def admission(scope: Scope, admission_id: int) -> AdmissionRecord:
    """One assessment inside ``scope`` (NotFound otherwise, audited)."""
    with session_factory(scope.engine)() as session:
        row = session.get(AdmissionRow, admission_id)
    if row is None:
        raise NotFound(f"admission assessment {admission_id} not found")
    scope.check(ADMISSION, str(admission_id), park_id=row.park_id, enterprise_id=row.enterprise_id)
    if scope.is_enterprise:  # park-level data, even when the project belongs to the user's enterprise
        scope.deny(ADMISSION, str(admission_id), "assessments are park-level data")
        raise NotFound(f"admission assessment {admission_id} not found")
    return _record(row)
