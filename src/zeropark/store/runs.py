"""Inventory runs (排放清单记录): store, list, sign off, recompute and compare.

Policy (DESIGN.md §1, §4): a run stores its method, options, factor set name + version, the input
fingerprint, the code version, its totals and the whole :class:`~zeropark.accounting.Inventory`
(``to_dict()``), so a verifier can read it and recompute it. The inventory itself is derived:
:func:`recompute_and_compare` re-runs the accounting from the store and says whether the
fingerprint and every total are the same, bit for bit.

A signed-off run is frozen: :func:`sign_off` is the only change a run ever gets, and a database
trigger (:func:`zeropark.store.migrate.ensure_run_freeze_trigger`) refuses any later UPDATE or
DELETE of the row, whoever issues it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import DBAPIError

from zeropark.accounting import AccountingOptions, Inventory, run
from zeropark.errors import NotFound, RunFrozen
from zeropark.factors.factorset import FactorSet
from zeropark.model import Method
from zeropark.store.aggregate import load_accounting_input
from zeropark.store.db import transaction
from zeropark.store.schema import InventoryRunRow

__all__ = [
    "RecomputeResult",
    "RunSummary",
    "StoredRun",
    "delete_run",
    "get_run",
    "list_runs",
    "recompute_and_compare",
    "save_run",
    "sign_off",
]


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

    @property
    def frozen(self) -> bool:
        """Whether a verifier signed the run off (it can no longer change)."""
        return self.signed_off_at is not None


@dataclass(frozen=True, slots=True)
class StoredRun:
    """A stored run: its summary and the full inventory."""

    summary: RunSummary
    inventory: Inventory


@dataclass(frozen=True, slots=True)
class RecomputeResult:
    """Outcome of recomputing a stored run from the store as it is now."""

    run_id: int
    stored_fingerprint: str
    recomputed_fingerprint: str
    fingerprint_match: bool
    totals_match: bool
    identical: bool  # the whole inventory serialises to the same JSON
    differences: tuple[str, ...] = field(default=())
    recomputed: Inventory | None = None


def _aware(ts: datetime | None) -> datetime | None:
    if ts is None:
        return None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def _summary(r: Any) -> RunSummary:
    """A summary from an ``InventoryRunRow`` or a result row with the same columns."""
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
    )


def _options_dict(options: AccountingOptions) -> dict[str, Any]:
    return {k: (v.value if isinstance(v, Enum) else v) for k, v in options.to_dict().items()}


def save_run(
    engine: Engine, inventory: Inventory, *, created_by: str | None, data_quality_score: float | None = None
) -> int:
    """Store an inventory run; returns its id.

    Parameters
    ----------
    engine : Engine
        The store.
    inventory : Inventory
        The result of :func:`zeropark.accounting.run`.
    created_by : str or None
        User (or ``cli``/``demo``) that computed it.
    data_quality_score : float, optional
        The data-quality score of the inputs at the time [0..100] (monitoring).

    Raises
    ------
    DataError
        If the park does not exist (the row is refused by its foreign key).
    """
    row = InventoryRunRow(
        park_id=inventory.park_id,
        year=inventory.year,
        method=inventory.method.value,
        enterprise_id=inventory.enterprise_id,
        factor_set=inventory.factor_set_name,
        factor_set_version=inventory.factor_set_version,
        options=_options_dict(inventory.options),
        input_fingerprint=inventory.input_fingerprint,
        code_version=inventory.code_version,
        data_quality_score=data_quality_score,
        total_tco2e=inventory.total_tco2e,
        energy_tce=inventory.energy_tce,
        result=inventory.to_dict(),
        created_at=datetime.now(UTC),
        created_by=created_by,
    )
    with transaction(engine) as s:
        s.add(row)
        s.flush()
        return int(row.id)


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
    return StoredRun(_summary(row), Inventory.from_dict(row.result))


def list_runs(
    engine: Engine,
    park_id: str,
    year: int | None = None,
    method: Method | None = None,
    *,
    enterprise_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[RunSummary], int]:
    """Runs of a park, newest first, one page at a time.

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
    cols = [c for c in InventoryRunRow.__table__.c if c.name != "result"]
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(InventoryRunRow).where(*cond)).scalar_one()
        rows = conn.execute(
            select(*cols)
            .where(*cond)
            .order_by(InventoryRunRow.created_at.desc(), InventoryRunRow.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
    page = [_summary(r) for r in rows]
    return page, int(total)


def sign_off(engine: Engine, run_id: int, verifier: str, note: str = "") -> RunSummary:
    """A verifier (核查机构) signs a run off; from then on it is frozen.

    Raises
    ------
    NotFound
        If the run does not exist.
    RunFrozen
        If the run is already signed off (a run is signed off once).
    """
    now = datetime.now(UTC)
    with transaction(engine) as s:
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
    return _summary(_row(engine, run_id, None))


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
            s.execute(delete(InventoryRunRow).where(InventoryRunRow.id == run_id))
    except DBAPIError as exc:  # signed off between the check and the delete
        raise RunFrozen(run_id, None) from exc


def _factor_set(engine: Engine, name: str, version: str) -> FactorSet:
    from zeropark.factors import load_factor_set
    from zeropark.store.factor_repo import get_factor_set

    try:
        return get_factor_set(engine, name, version)
    except NotFound:
        builtin = load_factor_set(name)
        if builtin.version != version:
            raise NotFound(
                f"factor set '{name}@{version}' used by the run is neither stored nor the built-in version "
                f"('{builtin.version}'); load it with `zeropark factors load`"
            ) from None
        return builtin


def recompute_and_compare(
    engine: Engine, run_id: int, *, factors: FactorSet | None = None, check_parties: bool = True
) -> RecomputeResult:
    """Re-run the accounting of a stored run from the store and compare, bit for bit.

    The input is aggregated again from the readings, not from the stored month summaries
    (:func:`~zeropark.store.aggregate.load_accounting_input` with ``from_readings``, of the whole
    park; for an enterprise view also the enterprise-scoped input if the park input does not
    reproduce the fingerprint), the stored options and factor set (by name and version) are used,
    and the result is compared with the stored one: input fingerprint, totals (emissions, market
    total, energy) and the complete serialised inventory.
    """
    stored = get_run(engine, run_id)
    inv = stored.inventory
    fs = factors if factors is not None else _factor_set(engine, inv.factor_set_name, inv.factor_set_version)
    inputs = load_accounting_input(engine, inv.park_id, inv.year, from_readings=True)
    again = run(inputs, fs, inv.options, enterprise_id=inv.enterprise_id, check_parties=check_parties)
    if again.input_fingerprint != inv.input_fingerprint and inv.enterprise_id is not None:
        scoped = load_accounting_input(
            engine, inv.park_id, inv.year, enterprise_id=inv.enterprise_id, from_readings=True
        )
        candidate = run(scoped, fs, inv.options, enterprise_id=inv.enterprise_id, check_parties=check_parties)
        if candidate.input_fingerprint == inv.input_fingerprint:
            again = candidate
    diffs: list[str] = []
    fp_match = again.input_fingerprint == inv.input_fingerprint
    if not fp_match:
        diffs.append(f"input fingerprint: stored {inv.input_fingerprint}, now {again.input_fingerprint}")
    for name in ("total_tco2e", "total_market_tco2e", "energy_tce"):
        a, b = getattr(inv, name), getattr(again, name)
        if a != b:
            diffs.append(f"{name}: stored {a!r}, now {b!r}")
    totals_match = not any(
        d.split(":")[0] in ("total_tco2e", "total_market_tco2e", "energy_tce") for d in diffs
    )
    if again.code_version != inv.code_version:
        diffs.append(f"code version: stored {inv.code_version}, now {again.code_version}")
    identical = again.to_json() == inv.to_json()
    if not identical and not diffs:
        diffs.append("line items or breakdowns differ (totals and fingerprint equal)")
    return RecomputeResult(
        run_id=run_id,
        stored_fingerprint=inv.input_fingerprint,
        recomputed_fingerprint=again.input_fingerprint,
        fingerprint_match=fp_match,
        totals_match=totals_match,
        identical=identical,
        differences=tuple(diffs),
        recomputed=again,
    )
