"""Readings files: CSV and xlsx exports of existing meter-reading systems, streamed in chunks.

Columns ``meter_id, ts, value[, unit]`` or the Chinese headers of 抄表/采集 system exports
(表号, 时间, 读数 [, 单位]), mapped once at the boundary by :mod:`zeropark.ingest.columns`.

The file is read in chunks of ``chunk_rows`` rows (CSV with the ``csv`` module over a byte-counting
line iterator; xlsx with openpyxl ``read_only``), so memory does not grow with the file. Each chunk
goes through the shared ingest path: valid rows are written idempotently, rejected rows go to
quarantine with the file name, row number and reason — nothing is dropped. Importing the same
file twice stores nothing new (every row is a duplicate). After the last chunk is committed the
after-commit listeners (:mod:`zeropark.ingest.hooks`; the rollups) are told the touched spans.

A park's import (``park_id``) sees only that park's meters: a row for another park's meter is
quarantined as ``unknown_meter``, as if the meter did not exist. Every import is recorded as an
``ImportBatchRow`` (kind ``readings``) with its park (given, or the one park of the stored rows).

CSV encodings: UTF-8 (with or without BOM) and GB18030 (GBK exports), detected from the first
64 KiB. Naive times are local time of the park (Asia/Shanghai).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from zeropark.errors import DataError, RowError
from zeropark.ingest.columns import readings_columns
from zeropark.ingest.hooks import CommitHooks
from zeropark.ingest.meters import MeterDirectory, ParkMeters
from zeropark.ingest.pipeline import IngestOutcome, ingest_items
from zeropark.ingest.validate import MeterInfo
from zeropark.store.db import transaction
from zeropark.store.schema import SOURCE_LENGTH, ImportBatchRow

__all__ = ["BeforeCommit", "ImportResult", "ProgressFn", "import_readings", "is_readings_file"]

#: ``progress(done, total)`` in bytes (CSV) or rows (xlsx).
ProgressFn = Callable[[int, int], None]


@dataclass(slots=True)
class ImportResult:
    """Outcome of one readings import (counts, and the first rejected rows with their location)."""

    file: str
    rows: int = 0
    stored: int = 0
    duplicates: int = 0
    conflicts: int = 0
    quarantined: int = 0
    flagged: int = 0
    errors: list[RowError] = field(default_factory=list)
    batch_id: int | None = None
    park_id: str | None = None

    @property
    def status(self) -> str:
        """``stored`` (nothing quarantined), ``rejected`` (nothing stored) or ``partial``."""
        if self.quarantined == 0:
            return "stored"
        return "rejected" if self.stored == 0 else "partial"

    @property
    def rejected(self) -> int:
        """Rows quarantined (every one of them; :attr:`errors` lists the first ones)."""
        return self.quarantined


#: Called in the transaction that records the import batch, with the finished result (its
#: ``batch_id`` set): what it adds to the session commits with the batch (the caller's audit record).
BeforeCommit = Callable[[Session, ImportResult], None]


def is_readings_file(path: Path) -> bool:
    """Whether ``path`` looks like a readings export (its header maps to meter_id, ts, value)."""
    try:
        header = next(_rows(path, None)[0])
        readings_columns(list(header), path.name, None)
    except (DataError, StopIteration, OSError, ValueError):
        return False
    return True


def _detect_encoding(path: Path) -> str:
    head = path.open("rb").read(65536)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the 64 KiB boundary
            return "gb18030"
    return "utf-8-sig"


def _csv_rows(path: Path, progress: ProgressFn | None) -> Iterator[list[str]]:
    encoding = _detect_encoding(path)
    total = path.stat().st_size
    done = 0
    last = 0

    def lines() -> Iterator[str]:
        nonlocal done, last
        with path.open("rb") as fh:
            for line_no, raw in enumerate(fh, start=1):
                done += len(raw)
                if progress is not None and done - last > 1 << 20:
                    progress(done, total)
                    last = done
                try:
                    yield raw.decode(encoding)
                except UnicodeDecodeError:
                    kind = "an Excel workbook (zip)" if raw.startswith(b"PK\x03\x04") else "not text"
                    raise DataError(
                        f"{path.name}: line {line_no} is {kind}, not CSV text in {encoding}; "
                        "save the file as 'CSV UTF-8', or give an .xlsx file its .xlsx name"
                    ) from None
        if progress is not None:
            progress(total, total)

    yield from csv.reader(lines())


def _xlsx_rows(path: Path, progress: ProgressFn | None) -> tuple[Iterator[list[Any]], str | None]:
    wb = load_workbook(path, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    total = ws.max_row or 0

    def rows() -> Iterator[list[Any]]:
        try:
            for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
                if progress is not None and n % 10_000 == 0:
                    progress(n, max(total, n))
                yield list(row)
            if progress is not None:
                progress(max(total, 1), max(total, 1))
        finally:
            wb.close()

    return rows(), ws.title


def _rows(path: Path, progress: ProgressFn | None) -> tuple[Iterator[list[Any]], str | None]:
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return _xlsx_rows(path, progress)
    if suffix in {".csv", ".txt"}:
        return _csv_rows(path, progress), None
    raise DataError(f"{path.name}: unsupported readings file type '{suffix}'; use .csv or .xlsx")


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day).isoformat()
    if isinstance(value, str):
        return value.strip()
    return value


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def import_readings(
    engine: Engine,
    path: str | Path,
    *,
    progress: ProgressFn | None = None,
    chunk_rows: int = 50_000,
    max_errors_listed: int = 50,
    park_id: str | None = None,
    created_by: str | None = None,
    hooks: CommitHooks | None = None,
    before_commit: BeforeCommit | None = None,
    earliest_utc: datetime | None = None,
) -> ImportResult:
    """Stream a CSV/xlsx readings export into the store; rejected rows go to quarantine.

    Parameters
    ----------
    engine : Engine
        The store.
    path : str or Path
        The ``.csv`` or ``.xlsx`` file.
    progress : callable, optional
        ``progress(done, total)`` in bytes (CSV) or rows (xlsx).
    chunk_rows : int
        Rows per validated, committed chunk (bounds memory).
    max_errors_listed : int
        How many rejected rows to list in :attr:`ImportResult.errors` (all are quarantined).
    park_id : str, optional
        Import into this park only: rows for other parks' meters are quarantined as unknown.
    created_by : str, optional
        User name recorded on the import batch.
    hooks : CommitHooks, optional
        Told the spans of the accepted readings once everything is committed
        (:func:`zeropark.services.ingestion.commit_hooks`: the rollups).
    before_commit : callable, optional
        ``before_commit(session, result)`` in the transaction of the import batch (see
        :data:`BeforeCommit`).
    earliest_utc : datetime, optional
        Rows before it are quarantined as ``early_ts`` (default
        :func:`~zeropark.ingest.validate.earliest_instant`: 1 January 2000, park time).

    Returns
    -------
    ImportResult

    Raises
    ------
    DataError
        If the file type is unsupported or the header lacks meter_id, ts or value.
    """
    path = Path(path)
    source = f"file:{path.name}"[:SOURCE_LENGTH]
    result = ImportResult(file=path.name)
    directory = MeterDirectory(engine)
    meters: Mapping[str, MeterInfo] = directory if park_id is None else ParkMeters(directory, park_id)
    rows, sheet = _rows(path, progress)
    try:
        header = next(rows)
    except StopIteration:
        raise DataError(f"{path.name}: the file is empty; expected a header meter_id, ts, value") from None
    cols, header_unit = readings_columns(list(header), path.name, sheet)
    width = max(cols.values()) + 1
    total = IngestOutcome()
    items: list[tuple[str, Any]] = []
    line_of: list[int] = []
    bad: list[tuple[str | None, str, str]] = []
    bad_lines: list[int] = []

    def flush() -> None:
        if not items and not bad:
            return
        # a park's import names its park for every row: kept in quarantine, so that re-processing
        # cannot store a row of another park's meter that this import was not allowed to write
        out = ingest_items(
            engine,
            items,
            source=source,
            meters=meters,
            undecodable=bad,
            keep_rows=True,
            parks=None if park_id is None else [park_id] * len(items),
            earliest_utc=earliest_utc,
        )
        total.add(out)
        for line, (_mid, _raw, detail) in zip(bad_lines, bad, strict=True):
            if len(result.errors) < max_errors_listed:
                result.errors.append(RowError(path.name, sheet, line, None, f"malformed: {detail}"))
        for r in out.rows:
            if r.status == "quarantined" and len(result.errors) < max_errors_listed:
                result.errors.append(
                    RowError(path.name, sheet, line_of[r.index], None, f"{r.reason}: {r.detail}")
                )
        items.clear()
        line_of.clear()
        bad.clear()
        bad_lines.clear()

    for line_no, row in enumerate(rows, start=2):
        if not row or all(c is None or (isinstance(c, str) and not c.strip()) for c in row):
            continue
        result.rows += 1
        if len(row) < width:
            bad.append(
                (None, ",".join("" if c is None else str(c) for c in row), f"row has {len(row)} cells")
            )
            bad_lines.append(line_no)
        else:
            item: dict[str, Any] = {"ts": _cell(row[cols["ts"]]), "value": _cell(row[cols["value"]])}
            unit = _cell(row[cols["unit"]]) if "unit" in cols else header_unit
            if unit:
                item["unit"] = unit
            items.append((str(_cell(row[cols["meter_id"]]) or ""), item))
            line_of.append(line_no)
        if len(items) + len(bad) >= chunk_rows:
            flush()
    flush()
    result.stored, result.duplicates, result.conflicts = total.stored, total.duplicates, total.conflicts
    result.quarantined, result.flagged = total.quarantined, total.flagged
    parks = {m.park_id for m in map(directory.get, total.touched) if m is not None}
    result.park_id = park_id if park_id is not None else (parks.pop() if len(parks) == 1 else None)
    _record_batch(engine, path, result, created_by, before_commit)
    if hooks is not None:
        hooks.notify(total.touched)
    return result


def _record_batch(
    engine: Engine,
    path: Path,
    result: ImportResult,
    created_by: str | None,
    before_commit: BeforeCommit | None,
) -> None:
    with transaction(engine) as s:
        row = ImportBatchRow(
            park_id=result.park_id,
            file_name=path.name[:400],
            sha256=_sha256(path),
            kind="readings",
            status=result.status,
            n_rows=result.rows,
            n_stored=result.stored,
            n_rejected=result.quarantined,
            errors=[str(e) for e in result.errors],
            created_at=datetime.now(UTC),
            created_by=created_by,
        )
        s.add(row)
        s.flush()
        result.batch_id = int(row.id)
        if before_commit is not None:
            before_commit(s, result)
