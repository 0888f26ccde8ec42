"""Cold storage (冷数据归档): the readings of one park and one month as a Parquet file, with a manifest.

Layout under a directory (Hive-style, so Parquet readers and query engines see the partitions)::

    <dir>/park=<park_id>/month=<YYYY-MM>/readings.parquet
    <dir>/manifest.json

- **The partition** is every reading of the park's meters stamped in ``[first instant of the
  local month, first instant of the next local month)`` in the park's time zone — a plain range on
  ``ts``, as the PostgreSQL month partitions of ``reading``.
- **The file**: columns ``meter_id`` (string), ``ts`` (timestamp µs, UTC), ``value`` (float64,
  the stored value bit for bit), ``quality`` (int16), sorted by (meter_id, ts); zstd compressed.
- **The manifest** lists one entry per file: park, month, relative path, rows, first and last
  instant, and the SHA-256 of the file's bytes; ``manifest_sha256`` is the SHA-256 of the entries
  as canonical JSON. A file whose bytes no longer hash to its entry is refused on restore
  (:class:`ColdFileChanged`).
- **Restore** writes the rows back through the idempotent write path
  (:func:`zeropark.store.readings.write_readings`, source ``cold``): rows still present are
  counted duplicates, a different value for a stored key a conflict — never a silent overwrite.
  The accounting path then reads them as any readings, so an inventory of an archived month is
  the same to the last bit as before archiving (tests/integration/test_cold_storage.py).
- **Dropping the hot rows** (:func:`drop_hot_month`) deletes the month's readings and their month
  summaries in one transaction, after the file was written and read back and the store's count
  of the park-month's readings equals the file's. On PostgreSQL, when the park keeps the
  partitions' time zone, the park-month is one partition of ``reading`` and is dropped whole
  (:func:`zeropark.store.readings.drop_park_month`); a restore creates it again. The evidence ledger
  re-hashes reading batches from the database: until the month is restored, ``zeropark ledger
  verify`` names those batches as changed — drop only what the ledger check may report so.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Engine, delete, func, select

from zeropark.errors import DataError, NotFound
from zeropark.model import Reading
from zeropark.store import repo
from zeropark.store.db import transaction
from zeropark.store.readings import WriteResult, drop_park_month, write_readings
from zeropark.store.schema import MeterMonthSummaryRow, MeterRow, ReadingRow

__all__ = [
    "MANIFEST",
    "ColdEntry",
    "ColdFileChanged",
    "check_cold",
    "drop_hot_month",
    "export_month",
    "manifest_sha256",
    "read_manifest",
    "read_month",
    "restore_month",
]

MANIFEST = "manifest.json"
SOURCE = "cold"
_SCHEMA = pa.schema(
    [
        ("meter_id", pa.string()),
        ("ts", pa.timestamp("us", tz="UTC")),
        ("value", pa.float64()),
        ("quality", pa.int16()),
    ]
)


class ColdFileChanged(DataError):
    """A cold file's bytes no longer hash to its manifest entry."""

    def __init__(self, path: str, recorded: str, now: str) -> None:
        self.path, self.recorded, self.now = path, recorded, now
        super().__init__(
            f"cold file {path}: its SHA-256 is {now}, the manifest recorded {recorded}; the file was "
            "changed or damaged — restore it from a backup copy before using it"
        )


@dataclass(frozen=True, slots=True)
class ColdEntry:
    """One archived park-month in the manifest."""

    park_id: str
    month: str  # YYYY-MM (local)
    path: str  # relative to the archive directory
    rows: int
    first_ts: str | None  # ISO-8601 UTC
    last_ts: str | None
    sha256: str


def _month_bounds(engine: Engine, park_id: str, year: int, month: int) -> tuple[datetime, datetime]:
    if not 1 <= month <= 12:
        raise DataError(f"month {month} is not 1 … 12")
    tz = ZoneInfo(repo.get_park(engine, park_id).timezone)
    lo = datetime(year, month, 1, tzinfo=tz)
    hi = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return lo.astimezone(UTC), hi.astimezone(UTC)


def _park_meters(engine: Engine, park_id: str) -> list[str]:
    with engine.connect() as c:
        return list(c.scalars(select(MeterRow.id).where(MeterRow.park_id == park_id).order_by(MeterRow.id)))


def _utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def read_month(engine: Engine, park_id: str, year: int, month: int) -> pa.Table:
    """The park-month's readings from the store as an Arrow table (sorted by meter, ts)."""
    lo, hi = _month_bounds(engine, park_id, year, month)
    meters = _park_meters(engine, park_id)
    ids: list[str] = []
    ts: list[datetime] = []
    values: list[float] = []
    quality: list[int] = []
    with engine.connect() as c:
        for m in meters:
            rows = c.execute(
                select(ReadingRow.ts, ReadingRow.value, ReadingRow.quality)
                .where(
                    ReadingRow.park_id == park_id,
                    ReadingRow.meter_id == m,
                    ReadingRow.ts >= lo,
                    ReadingRow.ts < hi,
                )
                .order_by(ReadingRow.ts)
            ).all()
            for t, v, q in rows:
                ids.append(m)
                ts.append(_utc(t))
                values.append(float(v))
                quality.append(int(q))
    return pa.table([ids, ts, values, quality], schema=_SCHEMA)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(directory: Path) -> list[ColdEntry]:
    """The entries of ``directory``'s manifest (none when there is no manifest yet)."""
    path = directory / MANIFEST
    if not path.exists():
        return []
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return [ColdEntry(**e) for e in doc["entries"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(
            f"{path} is not a zeropark cold-storage manifest ({exc}); restore it from a backup"
        ) from None


def manifest_sha256(entries: list[ColdEntry]) -> str:
    """SHA-256 of the entries as canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps([asdict(e) for e in entries], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _write_manifest(directory: Path, entries: list[ColdEntry]) -> None:
    entries = sorted(entries, key=lambda e: (e.park_id, e.month))
    doc: dict[str, Any] = {
        "format": "zeropark-cold/1",
        "entries": [asdict(e) for e in entries],
        "manifest_sha256": manifest_sha256(entries),
    }
    tmp = directory / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(directory / MANIFEST)


def export_month(engine: Engine, park_id: str, year: int, month: int, directory: Path) -> ColdEntry:
    """Write the park-month to ``directory`` as Parquet, read it back, and record it in the manifest.

    Raises
    ------
    NotFound
        No such park.
    DataError
        The month holds no readings (nothing to archive), or the file read back differs.
    """
    table = read_month(engine, park_id, year, month)
    label = f"{year:04d}-{month:02d}"
    if table.num_rows == 0:
        raise DataError(f"park {park_id} has no readings in {label}; nothing to archive")
    rel = Path(f"park={park_id}") / f"month={label}" / "readings.parquet"
    path = directory / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")
    if not pq.read_table(path).equals(table):
        raise DataError(f"{path}: the file read back differs from the stored readings; not archived")
    ts = table.column("ts")
    entry = ColdEntry(
        park_id=park_id,
        month=label,
        path=rel.as_posix(),
        rows=table.num_rows,
        first_ts=_utc(ts[0].as_py()).isoformat(),
        last_ts=_utc(ts[-1].as_py()).isoformat(),
        sha256=_sha256(path),
    )
    others = [e for e in read_manifest(directory) if (e.park_id, e.month) != (park_id, label)]
    _write_manifest(directory, [*others, entry])
    return entry


def _entry(directory: Path, park_id: str, year: int, month: int) -> ColdEntry:
    label = f"{year:04d}-{month:02d}"
    for e in read_manifest(directory):
        if (e.park_id, e.month) == (park_id, label):
            return e
    raise NotFound(f"no archived month {label} of park {park_id} in {directory}")


def _verified_table(directory: Path, entry: ColdEntry) -> pa.Table:
    path = directory / entry.path
    now = _sha256(path)
    if now != entry.sha256:
        raise ColdFileChanged(str(path), entry.sha256, now)
    return pq.read_table(path, schema=_SCHEMA)


def restore_month(engine: Engine, directory: Path, park_id: str, year: int, month: int) -> WriteResult:
    """Write an archived park-month back into the store (idempotent; the file's hash checked first)."""
    table = _verified_table(directory, _entry(directory, park_id, year, month))
    cols = table.to_pydict()
    rows = [
        Reading(m, _utc(t), float(v), int(q))
        for m, t, v, q in zip(cols["meter_id"], cols["ts"], cols["value"], cols["quality"], strict=True)
    ]
    return write_readings(engine, rows, source=SOURCE)


def drop_hot_month(engine: Engine, directory: Path, park_id: str, year: int, month: int) -> int:
    """Delete the archived park-month's readings from the store (the file must match its entry).

    The month summaries of the park's meters overlapping the month are deleted with them (one
    transaction). Returns the readings deleted. See the module docstring about the ledger check.
    """
    entry = _entry(directory, park_id, year, month)
    table = _verified_table(directory, entry)
    lo, hi = _month_bounds(engine, park_id, year, month)
    meters = _park_meters(engine, park_id)
    in_month = (ReadingRow.park_id == park_id, ReadingRow.ts >= lo, ReadingRow.ts < hi)
    with transaction(engine) as s:
        hot = s.scalar(select(func.count()).select_from(ReadingRow).where(*in_month)) or 0
        if hot != table.num_rows:
            raise DataError(
                f"park {park_id} {entry.month}: {hot} readings in the store, {table.num_rows} in "
                f"{entry.path}; archive the month again before dropping it"
            )
        if not drop_park_month(s.connection(), park_id, lo, hi):  # PostgreSQL: the partition goes
            s.execute(delete(ReadingRow).where(*in_month))
        s.execute(
            delete(MeterMonthSummaryRow).where(
                MeterMonthSummaryRow.meter_id.in_(meters),
                MeterMonthSummaryRow.lo < hi,
                MeterMonthSummaryRow.hi > lo,
            )
        )
    return hot


def check_cold(directory: Path) -> list[str]:
    """Every problem of the archive: a missing file or one whose bytes changed (empty: all intact)."""
    problems = []
    for e in read_manifest(directory):
        path = directory / e.path
        if not path.exists():
            problems.append(f"{e.park_id} {e.month}: {e.path} is missing")
        elif (now := _sha256(path)) != e.sha256:
            problems.append(f"{e.park_id} {e.month}: {e.path} changed (SHA-256 {now}, recorded {e.sha256})")
    return problems
