"""The evidence ledger's store (证据账本): append a leaf in the object's transaction, read it back.

:func:`append` is the one call a writer makes, inside the transaction that stores the object: it
hashes the object's fields (:func:`zeropark.ledger.entry.field_hashes`), takes the next leaf index,
extends the compact range kept in ``ledger_state`` (no leaf is re-read) and inserts the leaf. On
PostgreSQL an advisory transaction lock (:data:`LEDGER_LOCK_KEY`) orders concurrent appends; on
SQLite the database's single writer does. Tree heads are signed afterwards by
``zeropark.services.ledger`` (the key is configuration, which the store does not read).

The ``*_fields`` functions say what is hashed of each kind of object; :func:`current_fields` reads
the same fields from the rows as they are now, which is how a check finds what was altered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, text, update
from sqlalchemy.orm import Session

from zeropark.ledger.entry import canonical_json, content_hash, field_hashes, instant, leaf_data
from zeropark.ledger.merkle import frontier_append, frontier_root, leaf_hash
from zeropark.store import verification
from zeropark.store.db import among, transaction
from zeropark.store.schema import (
    ActivityRecordRow,
    EvidenceBlobRow,
    FactorSetRow,
    ImportBatchRow,
    InventoryRunRow,
    LedgerHeadRow,
    LedgerLeafRow,
    LedgerStateRow,
    MeterRow,
    ReadingRow,
    ReportRow,
)

__all__ = [
    "LEDGER_LOCK_KEY",
    "append",
    "current_fields",
    "evidence_fields",
    "factor_set_fields",
    "heads",
    "import_batch_fields",
    "insert_head",
    "inventory_run_fields",
    "latest_leaf",
    "leaves",
    "reading_batch",
    "record",
    "record_deleted",
    "sign_off_fields",
    "state",
]

#: PostgreSQL advisory lock key serialising appends to the log.
LEDGER_LOCK_KEY = 0x7A70_4C47  # "zpLG"

_RUN_COLUMNS = (
    "park_id", "year", "method", "enterprise_id", "parent_run_id", "factor_set", "factor_set_version",
    "options", "input_fingerprint", "code_version", "data_quality_score", "total_tco2e", "energy_tce",
    "result", "indicators", "created_at", "created_by",
)  # fmt: skip
_BATCH_COLUMNS = (
    "park_id", "file_name", "sha256", "kind", "status", "n_rows", "n_stored", "n_rejected", "errors",
    "created_at", "created_by",
)  # fmt: skip
_ACTIVITY_COLUMNS = (
    "park_id", "enterprise_id", "carrier", "flow", "period_start", "period_end", "quantity", "unit",
    "factor_id", "evidence", "uncertainty_pct", "ncv_gj_per_unit", "carbon_content_tc_per_gj", "description",
)  # fmt: skip
_FACTOR_SET_COLUMNS = ("description", "is_builtin", "sha256", "created_at", "created_by", "content_csv")


def _plain(value: Any) -> Any:
    """A column value as canonical JSON takes it (instants as ISO UTC, dates as ISO)."""
    if isinstance(value, datetime):
        return instant(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _columns(row: Any, names: Sequence[str]) -> dict[str, Any]:
    return {n: _plain(getattr(row, n)) for n in names}


def inventory_run_fields(row: InventoryRunRow) -> dict[str, Any]:
    """What is hashed of a run: every column fixed when it was accounted (not the sign-off)."""
    return _columns(row, _RUN_COLUMNS)


def sign_off_fields(row: InventoryRunRow) -> dict[str, Any]:
    """What is hashed of a sign-off: run, who, when, note."""
    return {
        "run_id": int(row.id),
        "signed_off_by": row.signed_off_by,
        "signed_off_at": _plain(row.signed_off_at),
        "sign_off_note": row.sign_off_note,
    }


def factor_set_fields(row: FactorSetRow) -> dict[str, Any]:
    """What is hashed of a factor set: its content as loaded, hash and provenance."""
    return _columns(row, _FACTOR_SET_COLUMNS)


def evidence_fields(row: ReportRow) -> dict[str, Any]:
    """What is hashed of an evidence document (a kept report file): its bytes' SHA-256 and labels."""
    return {
        "content_sha256": hashlib.sha256(row.content).hexdigest(),
        "file_name": row.file_name,
        "kind": row.kind,
        "park_id": row.park_id,
        "enterprise_id": row.enterprise_id,
        "inventory_run_id": row.inventory_run_id,
        "created_at": _plain(row.created_at),
    }


def document_fields(row: EvidenceBlobRow) -> dict[str, Any]:
    """What is hashed of an uploaded evidence document (申报 workspace): its bytes' SHA-256 and size."""
    return {
        "content_sha256": hashlib.sha256(row.content).hexdigest(),
        "size": row.size,
        "created_at": _plain(row.created_at),
    }


def import_batch_fields(conn: Connection, batch_id: int) -> dict[str, Any] | None:
    """What is hashed of an import batch: its row (the file's SHA-256) and each activity record it stored."""
    row = conn.execute(select(ImportBatchRow).where(ImportBatchRow.id == batch_id)).first()
    if row is None:
        return None
    fields: dict[str, Any] = {"batch": _columns(row, _BATCH_COLUMNS)}
    records = conn.execute(
        select(ActivityRecordRow)
        .where(ActivityRecordRow.import_batch_id == batch_id)
        .order_by(ActivityRecordRow.id)
    )
    for r in records:
        fields[f"activity_record:{r.id}"] = _columns(r, _ACTIVITY_COLUMNS)
    return fields


def _readings_now(conn: Connection, wanted: Mapping[str, Iterable[str]]) -> dict[str, list[list[Any]]]:
    """``[ts, value, quality]`` of the stored readings at the wanted keys, per meter, in time order.

    One range query per 500 meters (``park_id IN … AND meter_id IN … AND ts BETWEEN`` the batch's
    first and last instant, the primary key's order), then the batch's keys are picked out in
    Python.
    """
    keys = {m: set(stamps) for m, stamps in wanted.items() if stamps}
    out: dict[str, list[list[Any]]] = {m: [] for m in keys}
    if not keys:
        return out
    every = [t for s in keys.values() for t in s]
    lo = _db_ts(conn, datetime.fromisoformat(min(every).replace("Z", "+00:00")))
    hi = _db_ts(conn, datetime.fromisoformat(max(every).replace("Z", "+00:00")))
    meters = sorted(keys)
    for i in range(0, len(meters), 500):
        chunk = meters[i : i + 500]
        # the meters' parks as constants, so PostgreSQL reads only their park-month partitions
        parks = sorted(set(conn.scalars(select(MeterRow.park_id).where(among(conn, MeterRow.id, chunk)))))
        rows = conn.execute(
            select(ReadingRow.meter_id, ReadingRow.ts, ReadingRow.value, ReadingRow.quality)
            .where(
                ReadingRow.park_id.in_(parks),
                among(conn, ReadingRow.meter_id, chunk),
                ReadingRow.ts >= lo,
                ReadingRow.ts <= hi,
            )
            .order_by(ReadingRow.meter_id, ReadingRow.ts)
        )
        for meter, ts, v, q in rows:
            stamp = instant(ts)
            if stamp in keys[meter]:
                out[meter].append([stamp, float(v), int(q)])
    return out


def _db_ts(conn: Connection, ts: datetime) -> Any:
    if conn.dialect.name == "sqlite":  # stored as UTC text (store.readings)
        return ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return ts


def reading_batch(
    conn: Connection, keys: Iterable[tuple[str, datetime]]
) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
    """Object id, fields and locator of a batch of readings, from the values stored at its keys.

    Fields: ``meter:<id>`` → ``[[ts, value, quality], …]`` in time order (the kept value: for a
    conflicting key, the first). The locator (``{"readings": {meter: the same list}}``) says
    which keys to read again, and once it hashes to the recorded field hashes a check can name the
    exact reading that changed.
    """
    wanted: dict[str, set[str]] = {}
    for meter, ts in keys:
        wanted.setdefault(meter, set()).add(instant(ts))
    if not wanted:
        return None
    now = _readings_now(conn, wanted)
    fields = {f"meter:{m}": now.get(m, []) for m in sorted(wanted)}
    object_id = hashlib.sha256(canonical_json(fields)).hexdigest()[:32]
    return object_id, fields, {"readings": {m: fields[f"meter:{m}"] for m in sorted(wanted)}}


def current_fields(
    conn: Connection, kind: str, object_id: str, locator: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """The fields of a recorded object as the rows are now (None: the object is gone)."""
    if kind in ("inventory_run", "sign_off"):
        run = conn.execute(select(InventoryRunRow).where(InventoryRunRow.id == int(object_id))).first()
        if run is None:
            return None
        return inventory_run_fields(run) if kind == "inventory_run" else sign_off_fields(run)  # type: ignore[arg-type]
    if kind == "import_batch":
        return import_batch_fields(conn, int(object_id))
    if kind == "factor_set":
        name, _, version = object_id.rpartition("@")
        fs = conn.execute(
            select(FactorSetRow).where(FactorSetRow.name == name, FactorSetRow.version == version)
        ).first()
        return None if fs is None else factor_set_fields(fs)  # type: ignore[arg-type]
    if kind == "evidence":
        rep = conn.execute(select(ReportRow).where(ReportRow.id == int(object_id))).first()
        return None if rep is None else evidence_fields(rep)  # type: ignore[arg-type]
    if kind == "document":
        blob = conn.execute(select(EvidenceBlobRow).where(EvidenceBlobRow.sha256 == object_id)).first()
        return None if blob is None else document_fields(blob)  # type: ignore[arg-type]
    if kind == "reading_batch":
        recorded = (locator or {}).get("readings", {})
        wanted = {m: [r[0] for r in rows] for m, rows in recorded.items()}
        now = _readings_now(conn, wanted)
        return {f"meter:{m}": now.get(m, []) for m in sorted(wanted)}
    if kind == "cold_month":  # the file lives outside the database: `zeropark cold check` re-hashes it
        return dict((locator or {}).get("entry", {})) or None
    if kind.startswith("verification_"):  # verifier workspace (#16)
        return verification.fields_of(conn, kind, object_id)
    return {}


# --- appending -----------------------------------------------------------------------------------


def _conn(db: Connection | Session) -> Connection:
    return db.connection() if isinstance(db, Session) else db


def append(
    db: Connection | Session,
    kind: str,
    object_id: str,
    fields: Mapping[str, Any],
    *,
    locator: Mapping[str, Any] | None = None,
) -> int:
    """Append the leaf of one object to the log in the caller's transaction; returns its index.

    The frontier in ``ledger_state`` is extended by one leaf (amortised one node hash), so the
    cost does not grow with the log.
    """
    conn = _conn(db)
    hashes = field_hashes(fields)
    digest = content_hash(hashes)
    at = instant(datetime.now(UTC))
    h = leaf_hash(leaf_data(kind, object_id, digest, at))
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LEDGER_LOCK_KEY})
    st = conn.execute(select(LedgerStateRow).where(LedgerStateRow.id == 1)).first()
    size = 0 if st is None else int(st.tree_size)
    frontier = [] if st is None else [bytes.fromhex(x) for x in st.frontier]
    new_size = frontier_append(frontier, size, h)
    conn.execute(
        insert(LedgerLeafRow).values(
            idx=size,
            kind=kind,
            object_id=object_id,
            content_sha256=digest,
            created_at=at,
            leaf_hash=h.hex(),
            fields=hashes,
            locator=dict(locator) if locator is not None else None,
        )
    )
    values = {
        "tree_size": new_size,
        "root_hash": frontier_root(frontier).hex(),
        "frontier": [x.hex() for x in frontier],
    }
    if st is None:
        conn.execute(insert(LedgerStateRow).values(id=1, **values))
    else:
        conn.execute(update(LedgerStateRow).where(LedgerStateRow.id == 1).values(**values))
    return size


def record(db: Connection | Session, kind: str, object_id: str) -> int:
    """Append the leaf of a stored object, hashed from its rows as the database returns them.

    The same reader (:func:`current_fields`) serves the check, so what is recorded is exactly
    what a later check compares against. Call it after the object's rows are flushed.
    """
    conn = _conn(db)
    if isinstance(db, Session):
        db.flush()
    fields = current_fields(conn, kind, object_id, None)
    if fields is None:
        raise LookupError(f"{kind} {object_id} is not stored; record it after it is flushed")
    return append(conn, kind, object_id, fields)


def record_deleted(db: Connection | Session, kind: str, object_id: str) -> int:
    """Append that an object was deleted by an allowed use case (a check then expects it gone)."""
    return append(db, f"{kind}_deleted", object_id, {"deleted": object_id})


# --- reading -------------------------------------------------------------------------------------


def state(engine: Engine) -> tuple[int, str, list[str]]:
    """Tree size, root (hex) and frontier of the log as appended so far."""
    with transaction(engine) as s:
        st = s.get(LedgerStateRow, 1)
        if st is None:
            return 0, hashlib.sha256(b"").hexdigest(), []
        return int(st.tree_size), st.root_hash, list(st.frontier)


def leaves(engine: Engine) -> list[LedgerLeafRow]:
    """Every leaf, in index order (detached)."""
    with transaction(engine) as s:
        rows = list(s.scalars(select(LedgerLeafRow).order_by(LedgerLeafRow.idx)))
        s.expunge_all()
        return rows


def latest_leaf(engine: Engine, kind: str, object_id: str) -> LedgerLeafRow | None:
    """The newest leaf recorded for an object (detached), or None."""
    with transaction(engine) as s:
        row = s.scalars(
            select(LedgerLeafRow)
            .where(LedgerLeafRow.kind == kind, LedgerLeafRow.object_id == object_id)
            .order_by(LedgerLeafRow.idx.desc())
            .limit(1)
        ).first()
        if row is not None:
            s.expunge(row)
        return row


def heads(engine: Engine) -> list[LedgerHeadRow]:
    """Every signed tree head, by tree size (detached)."""
    with transaction(engine) as s:
        rows = list(s.scalars(select(LedgerHeadRow).order_by(LedgerHeadRow.tree_size)))
        s.expunge_all()
        return rows


def insert_head(
    engine: Engine, tree_size: int, root_hash: str, timestamp_ms: int, signature: str, key_id: str
) -> bool:
    """Store a signed tree head unless one of that size exists (another process signed it); True if stored."""
    with transaction(engine) as s:
        if s.get(LedgerHeadRow, tree_size) is not None:
            return False
        s.add(
            LedgerHeadRow(
                tree_size=tree_size,
                root_hash=root_hash,
                timestamp_ms=timestamp_ms,
                signature=signature,
                key_id=key_id,
            )
        )
    return True
