"""Inventory runs (排放清单记录): store, read, list, sign off, delete.

Policy (DESIGN.md §1, §4): a run stores its method, options, factor set name + version, the input
fingerprint, the code version, its totals, the whole :class:`~zeropark.accounting.Inventory`
(``to_dict()``) and, for the national method, the indicator table evaluated on the same input, so
a verifier can read it and recompute it (``zeropark.services.inventory.recompute``).

A park run is stored together with its enterprises' own views of the same input (child runs,
``parent_run_id``); a sign-off of the park run signs them off with it.

A signed-off run is frozen: :func:`sign_off` is the only change a run ever gets, and a database
trigger (:func:`zeropark.store.migrate.ensure_run_freeze_trigger`) refuses any later UPDATE or
DELETE of the row, whoever issues it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Engine, Row, Select, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from zeropark.accounting import Inventory
from zeropark.errors import NotFound, RunFrozen
from zeropark.indicators import IndicatorTable
from zeropark.model import Method
from zeropark.store import ledger
from zeropark.store.db import transaction
from zeropark.store.schema import DataVersionRow, InventoryRunRow, RunSupersessionRow

__all__ = [
    "RunSummary",
    "Superseded",
    "with_superseded",
    "NewRun",
    "StoredRun",
    "child_runs",
    "delete_run",
    "get_run",
    "list_runs",
    "save_run",
    "save_runs",
    "sign_off",
]


@dataclass(frozen=True, slots=True)
class Superseded:
    """已被取代: a later correction replaced data this run used (``services/approval.py``).

    Points at the data version that replaced them (its enterprise, year and number) with the
    correction's reason. The run itself is unchanged (a signed-off run stays frozen).
    """

    data_version_id: int
    enterprise_id: str
    year: int
    number: int
    reason: str
    at: datetime
    by: str | None


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One stored inventory run without its line items (for lists)."""

    id: int
    park_id: str
    year: int
    method: Method
    enterprise_id: str | None
    factor_set: str
    factor_set_version: str
    input_fingerprint: str
    code_version: str
    total_tco2e: float
    energy_tce: float
    data_quality_score: float | None
    created_at: datetime
    created_by: str | None
    signed_off_by: str | None
    signed_off_at: datetime | None
    sign_off_note: str | None
    parent_run_id: int | None = None
    superseded: Superseded | None = None

    @property
    def frozen(self) -> bool:
        """Whether a verifier signed the run off (it can no longer change)."""
        return self.signed_off_at is not None


@dataclass(frozen=True, slots=True)
class StoredRun:
    """A stored run: its summary, the full inventory and its indicator table (national method)."""

    summary: RunSummary
    inventory: Inventory
    indicators: IndicatorTable | None = None


def _aware(ts: datetime | None) -> datetime | None:
    if ts is None:
        return None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


#: The supersession of a run, as result columns (see :func:`with_superseded`).
_SUPERSEDED = (
    RunSupersessionRow.data_version_id.label("sup_version_id"),
    DataVersionRow.enterprise_id.label("sup_enterprise_id"),
    DataVersionRow.year.label("sup_year"),
    DataVersionRow.number.label("sup_number"),
    RunSupersessionRow.reason.label("sup_reason"),
    RunSupersessionRow.at.label("sup_at"),
    RunSupersessionRow.by.label("sup_by"),
)


def with_superseded(stmt: Select[Any]) -> Select[Any]:
    """``stmt`` (columns of ``inventory_run``) with the run's supersession, if any, as extra columns."""
    joined = InventoryRunRow.__table__.outerjoin(
        RunSupersessionRow.__table__, RunSupersessionRow.run_id == InventoryRunRow.id
    ).outerjoin(DataVersionRow.__table__, DataVersionRow.id == RunSupersessionRow.data_version_id)
    return stmt.add_columns(*_SUPERSEDED).select_from(joined)


def _superseded_of(r: Any) -> Superseded | None:
    if not isinstance(r, Row):
        return None
    m = r._mapping
    if m.get("sup_version_id") is None:
        return None
    at = _aware(m["sup_at"])
    assert at is not None
    return Superseded(
        data_version_id=int(m["sup_version_id"]),
        enterprise_id=str(m["sup_enterprise_id"]),
        year=int(m["sup_year"]),
        number=int(m["sup_number"]),
        reason=str(m["sup_reason"]),
        at=at,
        by=m["sup_by"],
    )


def summary_of(r: Any) -> RunSummary:
    """A summary from an ``InventoryRunRow`` or a result row with the same columns.

    A result row of a query made by :func:`with_superseded` carries the run's supersession.
    """
    created = _aware(r.created_at)
    assert created is not None
    return RunSummary(
        id=r.id,
        park_id=r.park_id,
        year=r.year,
        method=Method(r.method),
        enterprise_id=r.enterprise_id,
        factor_set=r.factor_set,
        factor_set_version=r.factor_set_version,
        input_fingerprint=r.input_fingerprint,
        code_version=r.code_version,
        total_tco2e=r.total_tco2e,
        energy_tce=r.energy_tce,
        data_quality_score=r.data_quality_score,
        created_at=created,
        created_by=r.created_by,
        signed_off_by=r.signed_off_by,
        signed_off_at=_aware(r.signed_off_at),
        sign_off_note=r.sign_off_note,
        parent_run_id=r.parent_run_id,
        superseded=_superseded_of(r),
    )


@dataclass(frozen=True, slots=True)
class NewRun:
    """A run to store: the inventory, the data-quality score of its inputs, its indicator table."""

    inventory: Inventory
    data_quality_score: float | None = None
    indicators: IndicatorTable | None = None


def _values(new: NewRun, created_by: str | None, parent_run_id: int | None, now: datetime) -> dict[str, Any]:
    inv = new.inventory
    return {
        "park_id": inv.park_id,
        "year": inv.year,
        "method": inv.method.value,
        "enterprise_id": inv.enterprise_id,
        "parent_run_id": parent_run_id,
        "factor_set": inv.factor_set_name,
        "factor_set_version": inv.factor_set_version,
        "options": inv.options.to_dict(),
        "input_fingerprint": inv.input_fingerprint,
        "code_version": inv.code_version,
        "data_quality_score": new.data_quality_score,
        "total_tco2e": inv.total_tco2e,
        "energy_tce": inv.energy_tce,
        "result": inv.to_dict(),
        "indicators": None if new.indicators is None else new.indicators.to_dict(),
        "created_at": now,
        "created_by": created_by,
        "signed_off_by": None,
        "signed_off_at": None,
        "sign_off_note": None,
    }


def save_run(
    db: Engine | Session,
    inventory: Inventory,
    *,
    created_by: str | None,
    data_quality_score: float | None = None,
    indicators: IndicatorTable | None = None,
    parent_run_id: int | None = None,
) -> int:
    """Add an inventory run to ``session`` (the caller's transaction); returns its id.

    Parameters
    ----------
    db : Engine or Session
        The store (a transaction of its own), or the caller's session (a park run and its
        enterprise views are stored in one transaction).
    inventory : Inventory
        The result of :func:`zeropark.accounting.run`.
    created_by : str or None
        User (or ``cli``/``demo``) that computed it.
    data_quality_score : float, optional
        The data-quality score of the inputs at the time [0..100] (``zeropark.services.quality``).
    indicators : IndicatorTable, optional
        The indicator table evaluated on the same input (national method).
    parent_run_id : int, optional
        The park run an enterprise view was accounted with.

    Raises
    ------
    DataError
        If the park does not exist (the row is refused by its foreign key).
    """
    values = _values(
        NewRun(inventory, data_quality_score, indicators), created_by, parent_run_id, datetime.now(UTC)
    )
    row = InventoryRunRow(**values)
    if isinstance(db, Session):
        db.add(row)
        db.flush()
        ledger.record(db, "inventory_run", str(row.id))  # evidence ledger (#16)
        return int(row.id)
    with transaction(db) as session:
        session.add(row)
        session.flush()
        ledger.record(session, "inventory_run", str(row.id))  # evidence ledger (#16)
        return int(row.id)


def save_runs(
    session: Session, new: Sequence[NewRun], *, created_by: str | None, parent_run_id: int | None = None
) -> list[RunSummary]:
    """Add many runs to the caller's transaction in one statement; their summaries, in order.

    Used for the enterprise views stored with a park run (hundreds of rows: one ``INSERT …
    RETURNING`` instead of one flush per row).
    """
    if not new:
        return []
    now = datetime.now(UTC)
    values = [_values(n, created_by, parent_run_id, now) for n in new]
    ids = session.scalars(
        insert(InventoryRunRow).returning(InventoryRunRow.id, sort_by_parameter_order=True), values
    ).all()
    for i in ids:  # evidence ledger (#16)
        ledger.record(session, "inventory_run", str(i))
    return [summary_of(SimpleNamespace(id=i, **v)) for i, v in zip(ids, values, strict=True)]


def _row(engine: Engine, run_id: int, enterprise_id: str | None) -> InventoryRunRow:
    with transaction(engine) as s:
        row = s.get(InventoryRunRow, run_id)
        if row is None or (enterprise_id is not None and row.enterprise_id != enterprise_id):
            raise NotFound(f"inventory run {run_id} does not exist")
        s.expunge(row)
        return row


def get_run(engine: Engine, run_id: int, *, enterprise_id: str | None = None) -> StoredRun:
    """A stored run with its inventory; an ``enterprise_id`` scope sees only that enterprise's runs."""
    row = _row(engine, run_id, enterprise_id)
    table = None if row.indicators is None else IndicatorTable.from_dict(row.indicators)
    return StoredRun(summary_of(row), Inventory.from_dict(row.result), table)


def list_runs(
    engine: Engine,
    park_id: str,
    year: int | None = None,
    method: Method | None = None,
    *,
    enterprise_id: str | None = None,
    park_level: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[RunSummary], int]:
    """Runs of a park, newest first, one page at a time.

    ``enterprise_id`` keeps one enterprise's views; ``park_level`` only the park views.

    Returns
    -------
    (list of RunSummary, int)
        The page (at most ``limit`` runs after skipping ``offset``) and the total number of runs
        matching the filters.
    """
    if limit < 1 or offset < 0:
        raise ValueError(f"limit must be ≥ 1 and offset ≥ 0, got limit={limit}, offset={offset}")
    cond = [InventoryRunRow.park_id == park_id]
    if year is not None:
        cond.append(InventoryRunRow.year == year)
    if method is not None:
        cond.append(InventoryRunRow.method == method.value)
    if enterprise_id is not None:
        cond.append(InventoryRunRow.enterprise_id == enterprise_id)
    if park_level:
        cond.append(InventoryRunRow.enterprise_id.is_(None))
    cols = [c for c in InventoryRunRow.__table__.c if c.name not in ("result", "indicators")]
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(InventoryRunRow).where(*cond)).scalar_one()
        rows = conn.execute(
            with_superseded(select(*cols))
            .where(*cond)
            .order_by(InventoryRunRow.created_at.desc(), InventoryRunRow.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
    page = [summary_of(r) for r in rows]
    return page, int(total)


def child_runs(engine: Engine, park_run_id: int) -> list[RunSummary]:
    """The enterprise views stored with park run ``park_run_id``, by enterprise id."""
    cols = [c for c in InventoryRunRow.__table__.c if c.name not in ("result", "indicators")]
    with engine.connect() as conn:
        rows = conn.execute(
            with_superseded(select(*cols))
            .where(InventoryRunRow.parent_run_id == park_run_id)
            .order_by(InventoryRunRow.enterprise_id)
        ).all()
    return [summary_of(r) for r in rows]


def sign_off(engine: Engine, run_id: int, verifier: str, note: str = "") -> RunSummary:
    """A verifier (核查机构) signs a run off; from then on it is frozen.

    The enterprise views accounted with a park run (its child runs) are signed off with it, in the
    same transaction: they are views of the same input.

    Raises
    ------
    NotFound
        If the run does not exist.
    RunFrozen
        If the run is already signed off (a run is signed off once).
    """
    with transaction(engine) as s:
        sign_off_in(s, run_id, verifier, note)
    return summary_of(_row(engine, run_id, None))


def sign_off_in(s: Session, run_id: int, verifier: str, note: str = "") -> None:
    """:func:`sign_off` inside the caller's transaction ``s``.

    A caller that stores more with the sign-off (a verification statement) commits all of it or none.
    """
    now = datetime.now(UTC)
    result = s.execute(
        update(InventoryRunRow)
        .where(InventoryRunRow.id == run_id, InventoryRunRow.signed_off_at.is_(None))
        .values(signed_off_by=verifier, signed_off_at=now, sign_off_note=note)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        existing = s.get(InventoryRunRow, run_id)
        if existing is None:
            raise NotFound(f"inventory run {run_id} does not exist")
        raise RunFrozen(run_id, existing.signed_off_by)
    s.execute(
        update(InventoryRunRow)
        .where(InventoryRunRow.parent_run_id == run_id, InventoryRunRow.signed_off_at.is_(None))
        .values(signed_off_by=verifier, signed_off_at=now, sign_off_note=note)
        .execution_options(synchronize_session=False)
    )
    ledger.record(s, "sign_off", str(run_id))  # evidence ledger (#16)


def delete_run(engine: Engine, run_id: int) -> None:
    """Delete a run that is not signed off.

    Raises
    ------
    RunFrozen
        If the run is signed off (the database trigger refuses it as well).
    NotFound
        If the run does not exist.
    """
    row = _row(engine, run_id, None)
    if row.signed_off_at is not None:
        raise RunFrozen(run_id, row.signed_off_by)
    try:
        with transaction(engine) as s:
            # an ORM-enabled delete, so caches watching the run table hear of it (store.changes)
            children = s.scalars(
                select(InventoryRunRow.id).where(InventoryRunRow.parent_run_id == run_id)
            ).all()
            s.execute(delete(InventoryRunRow).where(InventoryRunRow.id == run_id))
            for gone in (run_id, *children):  # evidence ledger (#16): deleted by a manager, not tampered
                ledger.record_deleted(s, "inventory_run", str(gone))
    except DBAPIError as exc:  # signed off between the check and the delete
        raise RunFrozen(run_id, None) from exc
