"""Readings write path (计量数据入库): idempotent batches, conflicts kept, COPY on PostgreSQL.

Policy (DESIGN.md §5):

- A reading is keyed by ``(meter_id, ts)``. Writing the same ``(meter, ts, value)`` again is a
  no-op counted as a *duplicate*; a different value for a stored ``(meter, ts)`` keeps the first
  value and records the second in ``reading_conflict`` (a *conflict*). Nothing is dropped silently:
  ``received = stored + duplicates + conflicts`` for every batch, and the per-source
  ``ingest_counter`` row is updated in the same transaction as the readings.
- PostgreSQL: the batch is COPYed (psycopg 3) into a temporary staging table, then
  ``INSERT … SELECT … ON CONFLICT DO NOTHING`` and one conflict query — all in one transaction.
  SQLite: the same staging SQL with ``executemany`` and ``INSERT OR IGNORE``.
- Every reading is stored with its meter's park (``park_id``, looked up here; a reading of an
  unregistered meter is refused). PostgreSQL partitions ``reading`` by park and local
  (Asia/Shanghai) calendar month on ``(park_id, ts)`` (:func:`partition_name`, #20);
  :func:`ensure_partitions_for` creates the (park, month) partitions a batch needs before it is
  written, and a DEFAULT partition catches anything else (see :mod:`zeropark.store.migrate`).
- Times are timezone-aware UTC in and out. SQLite stores them as UTC text in SQLAlchemy's format
  (``YYYY-MM-DD HH:MM:SS.ffffff``), so string order is time order.
- :func:`bulk_load_readings` is for fresh, large loads (demo, benchmark): binary COPY straight
  into ``reading`` on PostgreSQL, plain ``executemany`` on SQLite; it refuses rows that exist.
- Every write deletes, in its own transaction, the month summaries
  (:class:`~zeropark.store.schema.MeterMonthSummaryRow`) whose window holds one of its meters'
  new readings, so the accounting recomputes those windows. On PostgreSQL a write holds the
  advisory lock :data:`SUMMARY_LOCK_KEY` shared, and a summary build holds it exclusively while
  it reads and stores: no summary can be stored from a snapshot that misses a committed write.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from zeropark.errors import DataError, NotFound
from zeropark.model import Reading
from zeropark.store import ledger
from zeropark.store.db import among
from zeropark.store.schema import IngestCounterRow, MeterRow, ReadingRow

__all__ = [
    "PARTITION_TZ",
    "SUMMARY_LOCK_KEY",
    "WriteResult",
    "add_to_counter",
    "bulk_load_readings",
    "ensure_partitions",
    "drop_park_month",
    "ensure_partitions_for",
    "partition_name",
    "parks_of",
    "readings_for",
    "write_readings",
    "write_readings_in",
]

log = logging.getLogger(__name__)

#: Time zone whose calendar months bound the PostgreSQL partitions of ``reading``.
PARTITION_TZ = "Asia/Shanghai"
_SQLITE_TS_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
_PG_EPOCH = np.datetime64("2000-01-01T00:00:00", "us")

#: PostgreSQL advisory lock key ordering month-summary builds (exclusive) against reading writes
#: (shared); see :func:`zeropark.store.aggregate.meter_monthly`.
SUMMARY_LOCK_KEY = 0x7A70_5355  # "zpSU"

#: Delete the month summaries whose window overlaps the span of a meter's staged readings.
_INVALIDATE_FROM_STAGE = (
    "DELETE FROM meter_month_summary WHERE (meter_id, lo) IN ("
    "SELECT m.meter_id, m.lo FROM (SELECT meter_id, min(ts) AS t0, max(ts) AS t1 FROM {stage} "
    "GROUP BY meter_id) s JOIN meter_month_summary m ON m.meter_id = s.meter_id "
    "AND m.lo <= s.t1 AND m.hi > s.t0)"
)


def _lock_for_write(conn: Connection) -> None:
    """Hold the summary lock shared for this write transaction (PostgreSQL; no-op on SQLite)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock_shared({SUMMARY_LOCK_KEY})")


_COPY_CHUNK = 1_000_000
#: Partitions seen per database URL, so most writes skip the catalogue query. A stale entry is
#: harmless: the DEFAULT partition still takes the rows.
_KNOWN_PARTITIONS: dict[str, set[str]] = {}


@dataclass(frozen=True, slots=True)
class WriteResult:
    """Outcome of one batch: ``stored + duplicates + conflicts`` = rows received."""

    stored: int
    duplicates: int
    conflicts: int

    @property
    def received(self) -> int:
        """Rows handed to :func:`write_readings`."""
        return self.stored + self.duplicates + self.conflicts


def _utc(ts: datetime, meter_id: str) -> datetime:
    if ts.tzinfo is None:
        raise DataError(
            f"reading of meter '{meter_id}' at {ts.isoformat()} has no time zone; "
            "pass timezone-aware datetimes (UTC or with an offset)"
        )
    return ts.astimezone(UTC)


# --- partitions (PostgreSQL) --------------------------------------------------------------------


def _month_start(d: date) -> date:
    return date(d.year, d.month, 1)


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def _month_bounds_utc(month: date) -> tuple[datetime, datetime]:
    """First instants (UTC) of local ``month`` and of the next one: a partition's bounds on ``ts``."""
    tz = ZoneInfo(PARTITION_TZ)
    nxt = _next_month(month)
    lo = datetime(month.year, month.month, 1, tzinfo=tz).astimezone(UTC)
    return lo, datetime(nxt.year, nxt.month, 1, tzinfo=tz).astimezone(UTC)


def partition_name(park_id: str, month: date) -> str:
    """Name of the partition of ``reading`` holding park ``park_id``'s readings of local ``month``.

    ``reading_<park slug>_<hash>_pYYYYMM``: the slug (lower-case letters, digits, at most 24) keeps
    the name readable, the first 8 hex digits of the id's SHA-256 keep two ids with one slug apart,
    and the whole stays below PostgreSQL's 63-byte identifier limit.
    """
    slug = re.sub(r"[^a-z0-9]+", "_", park_id.lower()).strip("_")[:24] or "park"
    digest = hashlib.sha256(park_id.encode()).hexdigest()[:8]
    return f"reading_{slug}_{digest}_p{month:%Y%m}"


def _local_months(stamps: Sequence[datetime]) -> list[date]:
    """The local (:data:`PARTITION_TZ`) calendar months holding one of ``stamps``, in order.

    Only months holding an instant — never the months between: a reading from 1800 beside one
    from 2026 needs two partitions, not 2 700 (which also exhausted PostgreSQL's lock table when
    created in one transaction).
    """
    tz = ZoneInfo(PARTITION_TZ)
    first = _month_start(min(stamps).astimezone(tz).date())
    last = _month_start(max(stamps).astimezone(tz).date())
    if first == last or _next_month(first) == last:  # the common case: no per-reading work
        return [first] if first == last else [first, last]
    return sorted({_month_start(ts.astimezone(tz).date()) for ts in stamps})


def _months_between(first_utc: datetime, last_utc: datetime) -> list[date]:
    """Every local month from the one of ``first_utc`` to the one of ``last_utc`` (contiguous data)."""
    tz = ZoneInfo(PARTITION_TZ)
    month = _month_start(first_utc.astimezone(tz).date())
    last = _month_start(last_utc.astimezone(tz).date())
    out: list[date] = []
    while month <= last:
        out.append(month)
        month = _next_month(month)
    return out


def ensure_partitions(engine: Engine, park_id: str, first_utc: datetime, last_utc: datetime) -> list[str]:
    """Create park ``park_id``'s partitions of ``reading`` covering ``[first_utc, last_utc]`` (PostgreSQL).

    For contiguous data (bulk loads); a batch of scattered readings uses
    :func:`ensure_partitions_for`, which creates only the months that hold a reading.
    """
    return _create_partitions(engine, [(park_id, m) for m in _months_between(first_utc, last_utc)])


def ensure_partitions_for(engine: Engine, instants: Mapping[str, Sequence[datetime]]) -> list[str]:
    """Create the partitions of ``reading`` for the parks and local months of ``instants`` (PostgreSQL).

    ``instants`` maps a park id to the instants of its readings in the batch.
    """
    wanted = [(park, m) for park, stamps in instants.items() if stamps for m in _local_months(stamps)]
    return _create_partitions(engine, wanted)


def _partitioned(conn: Connection) -> bool:
    row = conn.execute(
        text(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = 'reading' AND pg_table_is_visible(c.oid)"
        )
    ).first()
    return row is not None


def _partition_names(conn: Connection) -> set[str]:
    return set(
        conn.scalars(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'reading'"
            )
        )
    )


def _create_partitions(engine: Engine, wanted: Sequence[tuple[str, date]]) -> list[str]:
    """Create the partitions of the (park, local month) pairs ``wanted`` that do not exist yet.

    Each is ``FOR VALUES FROM (park, first instant of the month) TO (park, first instant of the
    next)``: in PostgreSQL's row-wise range comparison only that park's rows of that month fall
    in it. Rows of such a pair that an earlier write put into the DEFAULT partition are moved into
    the new partition in the same transaction. Each partition is created in its own short
    transaction (under an advisory lock), so no transaction holds more than a few locks however
    many are missing. A no-op on SQLite or on an unpartitioned table.

    Returns
    -------
    list of str
        Names of the partitions created (empty when all existed).
    """
    if engine.dialect.name != "postgresql" or not wanted:
        return []
    cache_key = engine.url.render_as_string(hide_password=True)
    known = _KNOWN_PARTITIONS.setdefault(cache_key, set())
    named = {partition_name(park, m): (park, m) for park, m in wanted}
    if known.issuperset(named):
        return []
    with engine.begin() as conn:
        if not _partitioned(conn):
            return []
        existing = _partition_names(conn)
    known.update(existing)
    created: list[str] = []
    for name in sorted(set(named) - existing):
        park, m = named[name]
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('zeropark.reading.partitions'))"))
            existing = _partition_names(conn)
            if name in existing:
                continue
            lo, hi = _month_bounds_utc(m)
            bounds = {"park": park, "lo": lo, "hi": hi}
            has_default = "reading_default" in existing
            if has_default:
                conn.execute(
                    text(
                        "CREATE TEMP TABLE _zp_moved ON COMMIT DROP AS WITH d AS ("
                        "DELETE FROM reading_default WHERE park_id = :park AND ts >= :lo AND ts < :hi "
                        "RETURNING *) SELECT * FROM d"
                    ),
                    bounds,
                )
            raw = conn.connection.driver_connection
            assert raw is not None
            from psycopg import sql  # PostgreSQL only here; SQLite runs never load it

            ddl = sql.SQL(
                "CREATE TABLE {name} PARTITION OF reading FOR VALUES FROM ({park}, {lo}) TO ({park}, {hi})"
            ).format(
                name=sql.Identifier(name),
                park=sql.Literal(park),
                lo=sql.Literal(lo.isoformat()),
                hi=sql.Literal(hi.isoformat()),
            )
            conn.exec_driver_sql(ddl.as_string(raw))  # the park id quoted as a literal
            if has_default:
                conn.execute(text("INSERT INTO reading SELECT * FROM _zp_moved"))
                conn.execute(text("DROP TABLE _zp_moved"))
        created.append(name)
    known.update(created)
    if created:
        log.info("created reading partitions %s", ", ".join(created))
    return created


def drop_park_month(conn: Connection, park_id: str, lo_utc: datetime, hi_utc: datetime) -> bool:
    """Drop park ``park_id``'s partition of ``reading`` when it is exactly ``[lo_utc, hi_utc)`` (PostgreSQL).

    Removing an archived park-month (:func:`zeropark.store.cold.drop_hot_month`) is then one
    ``DROP TABLE`` in the caller's transaction — no row-by-row delete, nothing left to vacuum.
    The partition holds only that park's rows of that month, by construction.

    Returns
    -------
    bool
        True when dropped; False on SQLite, an unpartitioned table, a missing partition, or a
        window that is not one partition's local month (a park in another time zone): delete the
        rows instead.
    """
    if conn.dialect.name != "postgresql" or not _partitioned(conn):
        return False
    month = _month_start(lo_utc.astimezone(ZoneInfo(PARTITION_TZ)).date())
    name = partition_name(park_id, month)
    if _month_bounds_utc(month) != (lo_utc, hi_utc) or name not in _partition_names(conn):
        return False
    conn.execute(text(f'DROP TABLE "{name}"'))  # the name is ours: letters, digits, underscores
    for known in _KNOWN_PARTITIONS.values():  # a later write must create it again
        known.discard(name)
    log.info("dropped reading partition %s", name)
    return True


# --- parks of meters ----------------------------------------------------------------------------


def parks_of(conn: Connection, meter_ids: Iterable[str]) -> dict[str, str]:
    """Park id of each meter (每块表所属园区); a meter that is not registered raises.

    Raises
    ------
    DataError
        Naming the first unregistered meter: a reading is stored under its meter's park.
    """
    wanted = sorted(set(meter_ids))
    found: dict[str, str] = {}
    for lo in range(0, len(wanted), 5_000):
        chunk = wanted[lo : lo + 5_000]
        rows = conn.execute(
            select(MeterRow.id, MeterRow.park_id).where(among(conn, MeterRow.id, chunk))
        ).all()
        found.update((str(m), str(p)) for m, p in rows)
    missing = [m for m in wanted if m not in found]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise DataError(
            f"meter '{missing[0]}'{more} is not registered: add it to its park's register "
            "(zeropark park init) before storing its readings"
        )
    return found


# --- counters -----------------------------------------------------------------------------------


def add_to_counter(
    conn: Connection,
    source: str,
    *,
    received: int = 0,
    stored: int = 0,
    duplicates: int = 0,
    conflicts: int = 0,
    quarantined: int = 0,
    flagged: int = 0,
) -> None:
    """Add to the running ``ingest_counter`` of ``source`` inside the caller's transaction.

    Ingest calls this with ``received`` and ``quarantined`` for rows it rejects, so that for
    every source ``received = stored + duplicates + conflicts + quarantined`` holds.
    """
    values: dict[str, Any] = {
        "source": source,
        "received": received,
        "stored": stored,
        "duplicates": duplicates,
        "conflicts": conflicts,
        "quarantined": quarantined,
        "flagged": flagged,
    }
    ins = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(IngestCounterRow)
    stmt = ins.values(**values)
    t = IngestCounterRow.__table__.c
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.source],
        set_={k: t[k] + stmt.excluded[k] for k in values if k != "source"},
    )
    conn.execute(stmt)


# --- the idempotent write path ------------------------------------------------------------------


def _rounds(rows: Iterable[Reading]) -> tuple[int, list[list[tuple[str, datetime, float, int]]]]:
    """Split a batch into rounds of unique (meter, ts); repeats of a key go to later rounds."""
    first: dict[tuple[str, datetime], tuple[str, datetime, float, int]] = {}
    rounds = [first]
    n = 0
    for r in rows:
        n += 1
        ts = r.ts_utc
        key = (r.meter_id, ts if ts.tzinfo is UTC else _utc(ts, r.meter_id))
        row = (key[0], key[1], float(r.value), int(r.quality))
        if key not in first:  # the common case: the first copy of a key in this batch
            first[key] = row
            continue
        for rnd in rounds[1:]:
            if key not in rnd:
                rnd[key] = row
                break
        else:
            rounds.append({key: row})
    return n, [list(r.values()) for r in rounds if r]


def _write_round_pg(
    conn: Connection, rows: Sequence[tuple[str, datetime, float, int]], parks: Mapping[str, str], source: str
) -> tuple[int, int, int]:
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS _zp_stage "
            "(park_id text, meter_id text, ts timestamptz, value float8, quality int2) "
            "ON COMMIT DELETE ROWS"
        )
        cur.execute("DELETE FROM _zp_stage")  # empty unless an earlier round of this batch used it
        with cur.copy("COPY _zp_stage (park_id, meter_id, ts, value, quality) FROM STDIN") as cp:
            cp.write(_copy_text(rows, parks))  # one pre-built text buffer, not write_row per row
        cur.execute(
            "WITH ins AS (INSERT INTO reading (park_id, meter_id, ts, value, quality, received_at) "
            "SELECT park_id, meter_id, ts, value, quality, now() FROM _zp_stage "
            "ON CONFLICT (meter_id, ts, park_id) DO NOTHING RETURNING quality) "
            "SELECT count(*), count(*) FILTER (WHERE quality <> 0) FROM ins"
        )
        stored, flagged = cur.fetchone() or (0, 0)
        if stored:
            cur.execute(_INVALIDATE_FROM_STAGE.format(stage="_zp_stage"))
        conflicts = 0
        if int(stored) < len(rows):  # keys are unique within a round: all stored → no conflict
            # index-driven: one primary-key probe per staged row, never a scan of `reading`
            # (the temporary table has no statistics, so the planner could pick a hash join)
            cur.execute("SET LOCAL enable_hashjoin = off")
            cur.execute("SET LOCAL enable_mergejoin = off")
            cur.execute(
                "INSERT INTO reading_conflict "
                "(meter_id, ts, kept_value, rejected_value, source, received_at) "
                "SELECT s.meter_id, s.ts, r.value, s.value, %s, now() FROM _zp_stage s "
                "JOIN reading r ON r.park_id = s.park_id AND r.meter_id = s.meter_id AND r.ts = s.ts "
                "WHERE r.value <> s.value",
                (source,),
            )
            conflicts = cur.rowcount
            cur.execute("RESET enable_hashjoin")
            cur.execute("RESET enable_mergejoin")
    return int(stored), int(flagged), int(conflicts)


#: COPY text format escapes (backslash first); meter ids rarely need any.
_COPY_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(rows: Sequence[tuple[str, datetime, float, int]], parks: Mapping[str, str]) -> bytes:
    """Rows with their parks as one COPY text buffer (ts in UTC ISO-8601, exact float repr)."""
    ids = {
        m: f"{parks[m].translate(_COPY_ESCAPE)}\t{m.translate(_COPY_ESCAPE)}" for m in {r[0] for r in rows}
    }
    return "".join([f"{ids[m]}\t{ts.isoformat()}\t{v!r}\t{q}\n" for m, ts, v, q in rows]).encode()


def _write_round_sqlite(
    conn: Connection, rows: Sequence[tuple[str, datetime, float, int]], parks: Mapping[str, str], source: str
) -> tuple[int, int, int]:
    now = datetime.now(UTC).strftime(_SQLITE_TS_FORMAT)
    conn.exec_driver_sql(
        "CREATE TEMP TABLE IF NOT EXISTS _zp_stage "
        "(park_id TEXT, meter_id TEXT, ts TEXT, value REAL, quality INTEGER)"
    )
    conn.exec_driver_sql("DELETE FROM _zp_stage")
    conn.exec_driver_sql(
        "INSERT INTO _zp_stage (park_id, meter_id, ts, value, quality) VALUES (?, ?, ?, ?, ?)",
        [(parks[m], m, ts.strftime(_SQLITE_TS_FORMAT), v, q) for m, ts, v, q in rows],
    )
    returned = conn.exec_driver_sql(
        "INSERT OR IGNORE INTO reading (park_id, meter_id, ts, value, quality, received_at) "
        "SELECT park_id, meter_id, ts, value, quality, ? FROM _zp_stage WHERE true RETURNING quality",
        (now,),
    ).all()
    stored = len(returned)
    flagged = sum(1 for (q,) in returned if q)
    if stored:
        conn.exec_driver_sql(_INVALIDATE_FROM_STAGE.format(stage="_zp_stage"))
    res = conn.exec_driver_sql(
        "INSERT INTO reading_conflict (meter_id, ts, kept_value, rejected_value, source, received_at) "
        "SELECT s.meter_id, s.ts, r.value, s.value, ?, ? FROM _zp_stage s "
        "JOIN reading r ON r.meter_id = s.meter_id AND r.ts = s.ts WHERE r.value <> s.value",
        (source, now),
    )
    conn.exec_driver_sql("DELETE FROM _zp_stage")
    return stored, flagged, res.rowcount


def write_readings(engine: Engine, rows: Iterable[Reading], *, source: str) -> WriteResult:
    """Store a batch of readings idempotently; count stored, duplicate and conflicting rows.

    Parameters
    ----------
    engine : Engine
        The store.
    rows : iterable of Reading
        Readings with values already in the carrier's canonical unit and timezone-aware
        instants. Meters are not checked here (ingest validates and quarantines first).
    source : str
        Where the batch came from (``mqtt``, ``http``, ``file:<name>``); keys the
        ``ingest_counter`` row and is stored with each conflict.

    Returns
    -------
    WriteResult
        ``stored`` new rows, ``duplicates`` (same value already stored, or repeated in the batch),
        ``conflicts`` (different value for a stored key: first kept, second in ``reading_conflict``).

    Raises
    ------
    DataError
        If a reading has a naive datetime.
    """
    n, rounds = _rounds(rows)
    if n == 0:
        return WriteResult(0, 0, 0)
    with engine.connect() as conn:
        parks = parks_of(conn, (row[0] for row in rounds[0]))
    ensure_partitions_for(engine, _instants_by_park(rounds, parks))
    with engine.begin() as conn:
        return _write_rounds(conn, n, rounds, parks, source)


def write_readings_in(conn: Connection, rows: Iterable[Reading], *, source: str) -> WriteResult:
    """:func:`write_readings` inside the caller's transaction (committed or rolled back with it).

    The partitions the readings need are created first, each in its own transaction on another
    connection, so call this before anything else in ``conn``'s transaction touches ``reading``.
    """
    n, rounds = _rounds(rows)
    if n == 0:
        return WriteResult(0, 0, 0)
    parks = parks_of(conn, (row[0] for row in rounds[0]))
    ensure_partitions_for(conn.engine, _instants_by_park(rounds, parks))
    return _write_rounds(conn, n, rounds, parks, source)


def _instants_by_park(
    rounds: list[list[tuple[str, datetime, float, int]]], parks: Mapping[str, str]
) -> dict[str, list[datetime]]:
    out: dict[str, list[datetime]] = {}
    for rnd in rounds:
        for meter, ts, _, _ in rnd:
            out.setdefault(parks[meter], []).append(ts)
    return out


def _write_rounds(
    conn: Connection,
    n: int,
    rounds: list[list[tuple[str, datetime, float, int]]],
    parks: Mapping[str, str],
    source: str,
) -> WriteResult:
    stored = flagged = conflicts = 0
    _lock_for_write(conn)
    for rnd in rounds:
        if conn.dialect.name == "postgresql":
            s, f, c = _write_round_pg(conn, rnd, parks, source)
        else:
            s, f, c = _write_round_sqlite(conn, rnd, parks, source)
        stored, flagged, conflicts = stored + s, flagged + f, conflicts + c
    duplicates = n - stored - conflicts
    if stored:  # evidence ledger (#16): the batch's keys and the values kept there, in this transaction
        batch = ledger.reading_batch(conn, ((row[0], row[1]) for rnd in rounds for row in rnd))
        if batch is not None:
            ledger.append(conn, "reading_batch", batch[0], batch[1], locator=batch[2])
    add_to_counter(
        conn,
        source,
        received=n,
        stored=stored,
        duplicates=duplicates,
        conflicts=conflicts,
        flagged=flagged,
    )
    return WriteResult(stored, duplicates, conflicts)


# --- bulk loads ---------------------------------------------------------------------------------


def _key_fields(park_id: str, meter_id: str) -> bytes:
    """The ``park_id`` and ``meter_id`` fields of a binary COPY tuple (each length-prefixed)."""
    park, meter = park_id.encode(), meter_id.encode()
    return len(park).to_bytes(4, "big") + park + len(meter).to_bytes(4, "big") + meter


def _pg_binary_copy_chunk(
    ids: npt.NDArray[np.int64],
    key_bytes: Sequence[bytes],
    ts_us: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    quality: npt.NDArray[np.int16],
) -> bytes:
    """Rows in PostgreSQL's binary COPY tuple format (no header/trailer), built with numpy.

    ``key_bytes[i]`` is meter ``i``'s park and meter fields (:func:`_key_fields`). One
    structured block per key byte length (COPY does not care about row order).
    """
    lengths = np.array([len(b) for b in key_bytes], dtype=np.int64)
    padded = np.array(key_bytes, dtype=f"S{int(lengths.max())}")
    row_len = lengths[ids]
    blocks: list[bytes] = []
    for length in np.unique(row_len).tolist():
        mask = row_len == length
        dt = np.dtype(
            [
                ("nf", ">i2"),
                ("keys", f"S{length}"),
                ("l2", ">i4"),
                ("ts", ">i8"),
                ("l3", ">i4"),
                ("v", ">f8"),
                ("l4", ">i4"),
                ("q", ">i2"),
            ]
        )
        block = np.empty(int(mask.sum()), dtype=dt)
        block["nf"] = 5
        block["keys"] = padded[ids[mask]]
        block["l2"] = 8
        block["ts"] = ts_us[mask]
        block["l3"] = 8
        block["v"] = values[mask]
        block["l4"] = 2
        block["q"] = quality[mask]
        blocks.append(block.tobytes())
    return b"".join(blocks)


def bulk_load_readings(
    engine: Engine,
    meter_ids: Sequence[str] | npt.NDArray[Any],
    ts_utc: npt.NDArray[np.datetime64],
    values: npt.NDArray[np.float64],
    *,
    quality: npt.NDArray[np.int16] | None = None,
    source: str = "bulk",
) -> int:
    """Load many new readings fast: binary COPY (PostgreSQL) or ``executemany`` (SQLite).

    For fresh loads only (demo park, benchmark, migration from another system): the rows must
    not exist yet. Use :func:`write_readings` for anything that may repeat.

    Parameters
    ----------
    engine : Engine
        The store.
    meter_ids : array of str
        Meter id of each reading.
    ts_utc : array of datetime64
        UTC instants (naive ``datetime64``, read as UTC).
    values : array of float
        Values in the canonical unit of each meter's carrier.
    quality : array of int16, optional
        Quality bits (0 = OK).
    source : str
        The ``ingest_counter`` row to add the loaded rows to.

    Returns
    -------
    int
        Rows stored.

    Raises
    ------
    DataError
        If the arrays differ in length, or a ``(meter, ts)`` already exists (nothing is stored).
    """
    n = len(values)
    if len(meter_ids) != n or len(ts_utc) != n or (quality is not None and len(quality) != n):
        raise DataError(
            f"bulk_load_readings: meter_ids ({len(meter_ids)}), ts_utc ({len(ts_utc)}) and values ({n}) "
            "must have the same length"
        )
    if n == 0:
        return 0
    ts = np.asarray(ts_utc, dtype="datetime64[us]")
    vals = np.asarray(values, dtype=np.float64)
    q = np.zeros(n, dtype=np.int16) if quality is None else np.asarray(quality, dtype=np.int16)
    uniq, inverse = np.unique(np.asarray(meter_ids, dtype=object).astype(str), return_inverse=True)
    meters: list[str] = uniq.tolist()
    with engine.connect() as conn:
        parks = parks_of(conn, meters)
    spans: dict[str, tuple[datetime, datetime]] = {}
    for m, a, b in zip(meters, *_meter_spans(inverse, len(meters), ts), strict=True):
        lo, hi = spans.get(parks[m], (a, b))
        spans[parks[m]] = (min(lo, a), max(hi, b))
    for park, (first, last) in sorted(spans.items()):
        ensure_partitions(engine, park, first, last)
    try:
        with engine.begin() as conn:
            _lock_for_write(conn)
            if conn.dialect.name == "postgresql":
                keys = [_key_fields(parks[m], m) for m in meters]
                _bulk_pg(conn, keys, inverse.astype(np.int64), ts, vals, q)
            else:
                _bulk_sqlite(conn, [(parks[m], m) for m in meters], inverse, ts, vals, q)
            _invalidate_spans(conn, uniq.tolist(), inverse, ts)
            add_to_counter(conn, source, received=n, stored=n, flagged=int(np.count_nonzero(q)))
    except IntegrityError as exc:
        raise DataError(
            f"bulk_load_readings: some (meter, ts) already exist ({exc.orig}); "
            "bulk loads are for fresh data — use write_readings() for data that may repeat"
        ) from exc
    return n


def _meter_spans(
    inverse: npt.NDArray[np.intp], n_meters: int, ts: npt.NDArray[np.datetime64]
) -> tuple[list[datetime], list[datetime]]:
    """First and last UTC instant of each meter's bulk-loaded readings (meter ``i`` = ``inverse == i``)."""
    order = np.argsort(inverse, kind="stable")
    starts = np.searchsorted(inverse[order], np.arange(n_meters))  # every meter has a reading
    t0 = np.minimum.reduceat(ts[order], starts)
    t1 = np.maximum.reduceat(ts[order], starts)
    return (
        [a.astype(datetime).replace(tzinfo=UTC) for a in t0],
        [b.astype(datetime).replace(tzinfo=UTC) for b in t1],
    )


def _invalidate_spans(
    conn: Connection, uniq: list[str], inverse: npt.NDArray[np.intp], ts: npt.NDArray[np.datetime64]
) -> None:
    """Delete the month summaries overlapping each meter's span of bulk-loaded readings."""
    spans = [
        {"m": mid, "t0": _db_ts(conn, a), "t1": _db_ts(conn, b)}
        for mid, a, b in zip(uniq, *_meter_spans(inverse, len(uniq), ts), strict=True)
    ]
    conn.execute(
        text("DELETE FROM meter_month_summary WHERE meter_id = :m AND lo <= :t1 AND hi > :t0"), spans
    )


def _db_ts(conn: Connection, ts: datetime) -> datetime | str:
    """``ts`` as the database compares it (SQLite: UTC text in the stored format)."""
    return ts if conn.dialect.name == "postgresql" else sqlite_ts(ts)


def _bulk_pg(
    conn: Connection,
    key_bytes: list[bytes],
    ids: npt.NDArray[np.int64],
    ts: npt.NDArray[np.datetime64],
    vals: npt.NDArray[np.float64],
    q: npt.NDArray[np.int16],
) -> None:
    import psycopg  # loaded on the first PostgreSQL bulk write; SQLite runs never pay for it

    raw = conn.connection.driver_connection
    assert raw is not None
    ts_us = (ts - _PG_EPOCH).astype(np.int64)
    header = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
    with raw.cursor() as cur:
        try:
            with cur.copy(
                "COPY reading (park_id, meter_id, ts, value, quality) FROM STDIN WITH (FORMAT binary)"
            ) as cp:
                cp.write(header)
                for lo in range(0, len(vals), _COPY_CHUNK):
                    hi = lo + _COPY_CHUNK
                    cp.write(
                        _pg_binary_copy_chunk(ids[lo:hi], key_bytes, ts_us[lo:hi], vals[lo:hi], q[lo:hi])
                    )
                cp.write((-1).to_bytes(2, "big", signed=True))
        except psycopg.errors.UniqueViolation as exc:
            raise IntegrityError("COPY reading", None, exc) from exc


def _bulk_sqlite(
    conn: Connection,
    keys: list[tuple[str, str]],
    inverse: npt.NDArray[np.intp],
    ts: npt.NDArray[np.datetime64],
    vals: npt.NDArray[np.float64],
    q: npt.NDArray[np.int16],
) -> None:
    chunk = 200_000
    park_ids = np.array([p for p, _ in keys], dtype=object)
    meter_ids = np.array([m for _, m in keys], dtype=object)
    for lo in range(0, len(vals), chunk):
        hi = lo + chunk
        ts_text = np.char.replace(np.datetime_as_string(ts[lo:hi], unit="us"), "T", " ").tolist()
        conn.exec_driver_sql(
            "INSERT INTO reading (park_id, meter_id, ts, value, quality) VALUES (?, ?, ?, ?, ?)",
            list(
                zip(
                    park_ids[inverse[lo:hi]].tolist(),
                    meter_ids[inverse[lo:hi]].tolist(),
                    ts_text,
                    vals[lo:hi].tolist(),
                    q[lo:hi].tolist(),
                    strict=True,
                )
            ),
        )


# --- reading back -------------------------------------------------------------------------------


def readings_for(
    engine: Engine,
    meter_id: str,
    start_utc: datetime,
    end_utc: datetime,
    *,
    enterprise_id: str | None = None,
) -> list[Reading]:
    """The stored readings of one meter in ``[start_utc, end_utc)``, ordered by time.

    With an ``enterprise_id`` scope, a meter of another enterprise raises NotFound (tenant
    isolation in the query layer).
    """
    start, end = _utc(start_utc, meter_id), _utc(end_utc, meter_id)
    sqlite_db = engine.dialect.name != "postgresql"
    with engine.connect() as conn:
        if enterprise_id is not None:
            owner = conn.execute(select(MeterRow.enterprise_id).where(MeterRow.id == meter_id)).first()
            if owner is None or owner[0] != enterprise_id:
                raise NotFound(f"meter '{meter_id}' does not exist")
        rows = conn.execute(
            select(ReadingRow.ts, ReadingRow.value, ReadingRow.quality)
            .where(ReadingRow.meter_id == meter_id, ReadingRow.ts >= start, ReadingRow.ts < end)
            .order_by(ReadingRow.ts)
        ).all()
    out = []
    for ts, value, q in rows:
        ts_aware = ts.replace(tzinfo=UTC) if sqlite_db or ts.tzinfo is None else ts.astimezone(UTC)
        out.append(Reading(meter_id, ts_aware, value, q))
    return out


def sqlite_ts(ts: datetime) -> str:
    """The text SQLite stores for an instant (UTC, SQLAlchemy's format)."""
    return ts.astimezone(UTC).strftime(_SQLITE_TS_FORMAT)
