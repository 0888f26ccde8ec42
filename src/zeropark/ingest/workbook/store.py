"""Import an enterprise data file: read, check, and store what passed, with its import batch.

- all-or-nothing by default: one bad row and nothing is stored, every error is reported;
- with ``partial=True`` the good rows are stored and the rejected ones reported.

Every import is recorded as an ``ImportBatchRow`` (stored / partial / rejected), and the stored
activity records carry its id. Re-importing the same workbook replaces the same records (ids are
derived from enterprise, carrier, usage and month) instead of adding copies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from zeropark.errors import RowError
from zeropark.ingest.workbook.checks import Checked, check_rows
from zeropark.ingest.workbook.parse import read_rows
from zeropark.ingest.workbook.sheets import SHEET_INFO, SHEET_PRODUCTION
from zeropark.model import CARRIER_LABEL_ZH, Carrier, Enterprise
from zeropark.store import repo
from zeropark.store.db import transaction
from zeropark.store.schema import ActivityRecordRow, ImportBatchRow

__all__ = ["BeforeCommit", "ImportResult", "import_workbook"]


@dataclass(slots=True)
class ImportResult:
    """Outcome of one enterprise-data import: what was stored, what was rejected and why."""

    file: str
    status: str = "rejected"  # stored / partial / rejected
    enterprise_id: str | None = None
    year: int | None = None
    rows: int = 0
    stored: int = 0
    rejected: int = 0
    stored_by_sheet: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0  # green certificates already stored exactly as given (not claimed again)
    notes: list[str] = field(default_factory=list)  # what the import decided for the user (blank 用途)
    errors: list[RowError] = field(default_factory=list)
    batch_id: int | None = None

    def summary(self) -> str:
        """One line for the user: what was stored (zh + en)."""
        parts = ", ".join(f"{k} {v}" for k, v in self.stored_by_sheet.items() if v) or "无 nothing"
        same = f"; 已存在未变 unchanged {self.unchanged}" if self.unchanged else ""
        return (
            f"{self.file}: 已存储 stored {self.stored} 行 rows ({parts}){same}; "
            f"拒绝 rejected {self.rejected}; 状态 status {self.status}"
        )


#: Called in the transaction that records the import batch, with the finished result (its
#: ``batch_id`` set): what it adds to the session commits with the batch (the caller's audit record).
BeforeCommit = Callable[[Session, ImportResult], None]


def import_workbook(
    engine: Engine,
    path: Path | str,
    *,
    partial: bool = False,
    created_by: str | None = None,
    before_commit: BeforeCommit | None = None,
    steam_default_heat: bool = False,
) -> ImportResult:
    """Validate and store an enterprise data file (.xlsx, .csv, .yaml/.yml, .json).

    Parameters
    ----------
    engine : Engine
        The database.
    path : Path or str
        The file.
    partial : bool
        ``False`` (default): all-or-nothing — any rejected row and nothing is stored.
        ``True``: store the rows that pass and report the others.
    created_by : str, optional
        User name recorded on the import batch.
    before_commit : callable, optional
        ``before_commit(session, result)`` in the transaction of the import batch (see
        :data:`BeforeCommit`).
    steam_default_heat : bool
        Named option DEFAULT_STEAM_HEAT: steam given in tonnes without its heat content is
        converted at 3.763 GJ/t (GB/T 2589 低压蒸汽), said in the notes and on the record.
        ``False`` (default): such a row is an error that says what to write.

    Returns
    -------
    ImportResult
        Counts, the rejected rows (sheet, row, column, what to fix) and the batch id. An
        ``ImportBatchRow`` is recorded in every case.

    Raises
    ------
    DataError
        If the file type is not supported.
    """
    path = Path(path)
    rows, read_errors = read_rows(path)
    ent, year, checked, errors, n_rows = check_rows(
        engine, path.name, rows, steam_default_heat=steam_default_heat
    )
    errors = read_errors + errors
    result = ImportResult(file=path.name, enterprise_id=ent.id if ent else None, year=year, rows=n_rows)
    result.errors = errors
    result.unchanged = checked.unchanged
    result.notes = checked.notes
    rejected_rows = {(e.sheet, e.row) for e in errors if e.row is not None}
    result.rejected = len(rejected_rows) if rejected_rows else (n_rows if errors and ent is None else 0)
    store = ent is not None and (not errors or partial)
    with transaction(engine) as s:
        batch = ImportBatchRow(
            park_id=ent.park_id if ent else None,
            file_name=path.name,
            sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
            kind="enterprise_workbook",
            status="rejected",
            n_rows=n_rows,
            created_at=datetime.now(UTC),
            created_by=created_by,
        )
        s.add(batch)
        s.flush()
        result.batch_id = batch.id
        if store and ent is not None:
            stored = _store(s, ent, year, checked, batch.id, result.notes)
            result.stored_by_sheet = stored
            result.stored = sum(stored.values())
        if result.stored and errors:
            result.status = "partial"
        elif result.stored or (store and not errors):
            result.status = "stored"
        else:
            result.status = "rejected"
        if not store:
            result.rejected = max(result.rejected, n_rows) if n_rows else result.rejected
        batch.status = result.status
        batch.n_stored = result.stored
        batch.n_rejected = result.rejected
        batch.errors = [
            {"file": e.file, "sheet": e.sheet, "row": e.row, "field": e.field, "message": e.message}
            for e in errors
        ]
        if before_commit is not None:
            before_commit(s, result)
    return result


def _replace_earlier(s: Session, ent: Enterprise, checked: Checked) -> list[str]:
    """Delete what earlier workbooks gave for a carrier and month this one gives under another 用途.

    A month's energy of one carrier is what the latest workbook says: a corrected workbook that
    moves 电力 2025-02 from 消费 to 园区外购入 replaces the old record instead of leaving both (the
    enterprise view would count the month twice). Records entered otherwise (API, no import batch)
    stay. Returns one note per record deleted.
    """
    new_ids = {r.id for _sheet, r in checked.activities}
    keys = {(r.carrier.value, r.period_start) for _sheet, r in checked.activities if r.carrier is not None}
    notes: list[str] = []
    for carrier, month in sorted(keys):
        stale = s.scalars(
            select(ActivityRecordRow)
            .where(ActivityRecordRow.enterprise_id == ent.id)
            .where(ActivityRecordRow.carrier == carrier)
            .where(ActivityRecordRow.period_start == month)
            .where(ActivityRecordRow.import_batch_id.is_not(None))
            .where(ActivityRecordRow.id.not_in(new_ids))
        ).all()
        for row in stale:
            notes.append(
                f"{CARRIER_LABEL_ZH[Carrier(carrier)]} {month:%Y-%m} ({row.flow}, import batch "
                f"#{row.import_batch_id}) replaced by this workbook's rows for that month"
            )
            s.delete(row)
    s.flush()
    return notes


def _store(
    s: Session, ent: Enterprise, year: int | None, checked: Checked, batch_id: int, notes: list[str]
) -> dict[str, int]:
    stored: dict[str, int] = {}
    notes.extend(_replace_earlier(s, ent, checked))
    for sheet, record in checked.activities:
        repo.upsert_activity_record(s, ent.park_id, record, import_batch_id=batch_id)
        stored[sheet] = stored.get(sheet, 0) + 1
    for sheet, claim in checked.claims:
        repo.add_claim(s, ent.park_id, claim, evidence=f"import batch {batch_id}")
        stored[sheet] = stored.get(sheet, 0) + 1
    if checked.value_added is not None:
        repo.upsert_enterprise(s, replace(ent, value_added_10k_cny=checked.value_added))
        stored[SHEET_INFO] = 1
    if checked.products and year is not None:
        current = repo.get_indicator_data(s, ent.park_id, year)
        pei = dict(current.product_energy_intensity)
        for product, (qty, tce, limit) in checked.products.items():
            if qty > 0 and tce > 0:
                pei[f"{ent.id}: {product}"] = (tce * 1000.0 / qty, limit)
        repo.put_indicator_data(s, ent.park_id, year, replace(current, product_energy_intensity=pei))
        stored[SHEET_PRODUCTION] = checked.product_rows
    return stored
