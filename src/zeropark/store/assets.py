"""The carbon asset ledger's store (碳资产账本): post an entry atomically, read balances and the journal.

:func:`post` runs inside the caller's transaction: it makes sure a balance row exists for every
(account, asset) the entry touches (``INSERT … ON CONFLICT DO NOTHING``), locks those rows in a
fixed order (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the insert already holds the
database's single write lock), takes a transaction-scoped advisory lock per serial prefix on
PostgreSQL (two issues of a new range cannot both find it free), reads the holdings overlapping
the entry's ranges, asks the pure rule book (:func:`zeropark.assets.book.plan`) and writes the
entry, its lines, the new balances and the range splits. Any refusal raises before anything is
written, and the caller's transaction rolls back: nothing is half-booked.

Tenant scope: the read functions take a :class:`~zeropark.store.scope.Scope`; an enterprise user
sees only its own accounts' balances, ranges and the entries with a line of its own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, text, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from zeropark.assets.book import Account, AssetKey, Entry, HolderKind, Holding, Line, Movement, plan
from zeropark.model import SERIAL_DIGITS, SerialRange
from zeropark.store.db import read_connection
from zeropark.store.schema import AssetBalanceRow, AssetEntryRow, AssetLineRow, AssetRangeRow
from zeropark.store.scope import Scope

__all__ = [
    "BalanceView",
    "EntryView",
    "RangeView",
    "balances",
    "entries",
    "post",
    "post_many",
    "ranges",
]


def _padded(n: int) -> str:
    return str(n).zfill(SERIAL_DIGITS)


def _enterprise(acct: Account) -> str | None:
    return acct.holder if acct.kind == HolderKind.ENTERPRISE else None


def _prefix_lock_key(prefix: str) -> int:
    """A signed 64-bit advisory-lock key for a serial prefix."""
    return int.from_bytes(hashlib.sha256(b"asset-range:" + prefix.encode()).digest()[:8], "big", signed=True)


def _ensure_balance_rows(session: Session, park_id: str, keys: Sequence[tuple[Account, AssetKey]]) -> None:
    values = [
        {
            "park_id": park_id,
            "account": str(a),
            "asset": str(k),
            "enterprise_id": _enterprise(a),
            "quantity": 0,
        }
        for a, k in keys
    ]
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert(AssetBalanceRow) if dialect == "postgresql" else sqlite.insert(AssetBalanceRow)
    for i in range(0, len(values), 1000):
        session.execute(ins.values(values[i : i + 1000]).on_conflict_do_nothing())


def post(session: Session, park_id: str, entry: Entry, *, booked_by: str | None) -> int:
    """Book ``entry`` for park ``park_id`` in the caller's transaction; the new entry's id.

    The one-entry case of :func:`post_many` (the same locks, rule book and writes).

    Raises
    ------
    AssetError
        (and its named subclasses) from :func:`zeropark.assets.book.plan`; nothing is written.
    """
    return post_many(session, park_id, [entry], booked_by=booked_by)[0]


def _lock_balances(
    session: Session, park_id: str, keys: Sequence[tuple[Account, AssetKey]]
) -> dict[tuple[Account, AssetKey], int]:
    """Current balances of ``keys`` (rows created at 0 when missing), locked in a fixed order."""
    _ensure_balance_rows(session, park_id, keys)
    is_pg = session.get_bind().dialect.name == "postgresql"
    wanted = {(str(a), str(k)): (a, k) for a, k in keys}
    out: dict[tuple[Account, AssetKey], int] = {}
    pairs = sorted(wanted)
    for i in range(0, len(pairs), 500):  # bound the IN list
        stmt = (
            select(AssetBalanceRow.account, AssetBalanceRow.asset, AssetBalanceRow.quantity)
            .where(AssetBalanceRow.park_id == park_id)
            .where(tuple_(AssetBalanceRow.account, AssetBalanceRow.asset).in_(pairs[i : i + 500]))
            .order_by(AssetBalanceRow.account, AssetBalanceRow.asset)
        )
        if is_pg:
            stmt = stmt.with_for_update()
        for acct, asset, q in session.execute(stmt):
            out[wanted[(acct, asset)]] = int(q)
    return out


def _holdings_of_ranges(session: Session, ranges: Sequence[SerialRange]) -> list[Holding]:
    """Stored holdings (held or retired) overlapping any of ``ranges``: one query per serial prefix."""
    by_prefix: dict[str, list[SerialRange]] = {}
    for r in ranges:
        by_prefix.setdefault(r.prefix, []).append(r)
    is_pg = session.get_bind().dialect.name == "postgresql"
    found: dict[Holding, None] = {}
    for prefix, rs in sorted(by_prefix.items()):
        lo, hi = min(r.first for r in rs), max(r.last for r in rs)
        stmt = select(AssetRangeRow).where(
            AssetRangeRow.prefix == prefix,
            AssetRangeRow.first <= _padded(hi),
            AssetRangeRow.last >= _padded(lo),
        )
        if is_pg:
            stmt = stmt.with_for_update()
        for row in session.scalars(stmt):
            rng = SerialRange(row.prefix, int(row.first), int(row.last), row.width)
            if any(rng.overlaps(r) for r in rs):
                found[Holding(AssetKey.parse(row.asset), Account.parse(row.account), rng)] = None
    return list(found)


_ENTRY_COLS = (
    "park_id movement value_date booked_at booked_by counterparty price_cny evidence compliance_year "
    "deadline note"
).split()
_LINE_COLS = "park_id account enterprise_id asset quantity ranges".split()


def _pg_copy_entries(
    session: Session,
    entry_rows: Sequence[dict[str, Any]],
    line_rows: Sequence[dict[str, Any]],
    per_entry: Sequence[int],
) -> list[int]:
    """PostgreSQL: reserve the entries' ids from their sequence, then ``COPY`` entries and lines in."""
    n = len(entry_rows)
    ids = [
        int(x)
        for x in session.execute(
            text("SELECT nextval(pg_get_serial_sequence('asset_entry', 'id')) FROM generate_series(1, :n)"),
            {"n": n},
        ).scalars()
    ]
    raw = session.connection().connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur:
        with cur.copy(f"COPY asset_entry (id, {', '.join(_ENTRY_COLS)}) FROM STDIN") as cp:
            for eid, row in zip(ids, entry_rows, strict=True):
                cp.write_row((eid, *(row[c] for c in _ENTRY_COLS)))
        owners = (eid for eid, k in zip(ids, per_entry, strict=True) for _ in range(k))
        with cur.copy(f"COPY asset_line (entry_id, {', '.join(_LINE_COLS)}) FROM STDIN") as cp:
            for eid, row in zip(owners, line_rows, strict=True):
                cp.write_row((eid, *(json.dumps(row[c]) if c == "ranges" else row[c] for c in _LINE_COLS)))
    return ids


def post_many(
    session: Session, park_id: str, entries: Sequence[Entry], *, booked_by: str | None
) -> list[int]:
    """Book ``entries`` in order in the caller's transaction (batch posting); their new ids.

    The same invariants as one posting, checked entry by entry against the state the earlier
    entries of the batch left: every balance row the batch touches and every stored holding
    overlapping a range it names is read (and, on PostgreSQL, locked) **once**, each entry is
    planned by :func:`zeropark.assets.book.plan` in memory, and only then are the entries, lines,
    final balances and net range changes written with multi-row inserts. The first refused entry
    raises its named :class:`~zeropark.errors.AssetError` (with a note ``entry N of the batch``)
    before anything is written; the caller's transaction rolls back the whole batch.
    """
    if not entries:
        return []
    keys = sorted(
        {(ln.account, ln.asset) for e in entries for ln in e.lines}, key=lambda k: (str(k[0]), str(k[1]))
    )
    if session.get_bind().dialect.name == "postgresql":
        prefixes = sorted({r.prefix for e in entries for ln in e.lines for r in ln.ranges})
        for prefix in prefixes:
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _prefix_lock_key(prefix)})
    current = _lock_balances(session, park_id, keys)
    before = dict(current)
    initial = _holdings_of_ranges(session, [r for e in entries for ln in e.lines for r in ln.ranges])
    live: dict[str, list[Holding]] = {}
    for h in initial:
        live.setdefault(h.range.prefix, []).append(h)
    added_by: dict[Holding, int] = {}  # holding → index of the entry that put it there
    for i, e in enumerate(entries):
        touching: list[Holding] = []
        for ln in e.lines:
            for r in ln.ranges:
                touching.extend(
                    h for h in live.get(r.prefix, []) if h.range.overlaps(r) and h not in touching
                )
        try:
            p = plan(e, current, touching)
        except Exception as exc:
            if len(entries) > 1:
                exc.add_note(f"entry {i + 1} of the batch of {len(entries)}; nothing was booked")
            raise
        current.update(p.balances)
        for h in p.removed:
            live[h.range.prefix].remove(h)
            added_by.pop(h, None)
        for h in p.added:
            live.setdefault(h.range.prefix, []).append(h)
            added_by[h] = i

    now = datetime.now(UTC)
    entry_rows = [
        {
            "park_id": park_id,
            "movement": e.movement.value,
            "value_date": e.on,
            "booked_at": now,
            "booked_by": booked_by,
            "counterparty": e.counterparty,
            "price_cny": e.price_cny,
            "evidence": e.evidence,
            "compliance_year": e.compliance_year,
            "deadline": e.deadline,
            "note": e.note,
        }
        for e in entries
    ]
    line_rows = [
        {
            "park_id": park_id,
            "account": str(ln.account),
            "enterprise_id": _enterprise(ln.account),
            "asset": str(ln.asset),
            "quantity": ln.quantity,
            "ranges": [str(r) for r in ln.ranges],
        }
        for e in entries
        for ln in e.lines
    ]
    per_entry = [len(e.lines) for e in entries]
    if session.get_bind().dialect.name == "postgresql":
        ids = _pg_copy_entries(session, entry_rows, line_rows, per_entry)
    else:
        ins = insert(AssetEntryRow).returning(AssetEntryRow.id, sort_by_parameter_order=True)
        ids = [int(x) for x in session.scalars(ins, entry_rows)]
        owners = (eid for eid, n in zip(ids, per_entry, strict=True) for _ in range(n))
        for row, eid in zip(line_rows, owners, strict=True):
            row["entry_id"] = eid
        session.execute(insert(AssetLineRow), line_rows)
    changed = [
        {"park_id": park_id, "account": str(a), "asset": str(k), "quantity": q}
        for (a, k), q in current.items()
        if before.get((a, k)) != q
    ]
    if changed:
        session.execute(update(AssetBalanceRow), changed)
    final = {h for hs in live.values() for h in hs}
    for h in initial:
        if h not in final:
            session.execute(
                delete(AssetRangeRow).where(
                    AssetRangeRow.prefix == h.range.prefix,
                    AssetRangeRow.first == _padded(h.range.first),
                    AssetRangeRow.last == _padded(h.range.last),
                    AssetRangeRow.account == str(h.account),
                )
            )
    new_ranges = [
        {
            "park_id": park_id,
            "asset": str(h.asset),
            "account": str(h.account),
            "enterprise_id": _enterprise(h.account),
            "prefix": h.range.prefix,
            "first": _padded(h.range.first),
            "last": _padded(h.range.last),
            "width": h.range.width,
            "entry_id": ids[added_by[h]],
        }
        for h in sorted(final - set(initial), key=lambda h: (h.range.prefix, h.range.first, str(h.account)))
    ]
    if new_ranges:
        session.execute(insert(AssetRangeRow), new_ranges)
    session.flush()
    return ids


# --- reads (scoped) ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BalanceView:
    """One balance: account, asset, quantity [the instrument's unit]."""

    account: str
    asset: str
    enterprise_id: str | None
    quantity: int


@dataclass(frozen=True, slots=True)
class RangeView:
    """A run of serial numbers on an account."""

    account: str
    asset: str
    range: str
    count: int


@dataclass(frozen=True, slots=True)
class EntryView:
    """A journal entry with its lines (quantity > 0 = credit)."""

    id: int
    movement: str
    value_date: date
    counterparty: str
    price_cny: float | None
    evidence: str
    compliance_year: int | None
    booked_by: str | None
    lines: tuple[tuple[str, str, int, tuple[str, ...]], ...]  # account, asset, quantity, ranges


def balances(scope: Scope, park_id: str, *, include_sinks: bool = False) -> list[BalanceView]:
    """Balances of the park's accounts that the user may see (an enterprise: its own), non-zero."""
    stmt = select(AssetBalanceRow).where(AssetBalanceRow.park_id == park_id, AssetBalanceRow.quantity != 0)
    if not include_sinks:
        stmt = stmt.where(
            ~AssetBalanceRow.account.like("issuer:%"), ~AssetBalanceRow.account.like("retired:%")
        )
    stmt = scope.filter(stmt, enterprise_col=AssetBalanceRow.enterprise_id, park_col=AssetBalanceRow.park_id)
    with Session(scope.engine) as s:
        return [
            BalanceView(r.account, r.asset, r.enterprise_id, r.quantity)
            for r in s.scalars(stmt.order_by(AssetBalanceRow.account, AssetBalanceRow.asset))
        ]


def ranges(scope: Scope, park_id: str) -> list[RangeView]:
    """Serial ranges on the park's accounts the user may see."""
    stmt = select(AssetRangeRow).where(AssetRangeRow.park_id == park_id)
    stmt = scope.filter(stmt, enterprise_col=AssetRangeRow.enterprise_id, park_col=AssetRangeRow.park_id)
    with Session(scope.engine) as s:
        out = []
        for r in s.scalars(stmt.order_by(AssetRangeRow.account, AssetRangeRow.prefix, AssetRangeRow.first)):
            rng = SerialRange(r.prefix, int(r.first), int(r.last), r.width)
            out.append(RangeView(r.account, r.asset, str(rng), rng.count))
        return out


def entries(scope: Scope, park_id: str, *, limit: int = 200) -> list[EntryView]:
    """The newest ``limit`` entries of the park the user may see (an enterprise: those with its lines)."""
    ids = select(AssetLineRow.entry_id).where(AssetLineRow.park_id == park_id)
    ids = scope.filter(ids, enterprise_col=AssetLineRow.enterprise_id, park_col=AssetLineRow.park_id)
    stmt = (
        select(AssetEntryRow).where(AssetEntryRow.id.in_(ids)).order_by(AssetEntryRow.id.desc()).limit(limit)
    )
    with Session(scope.engine) as s:
        rows = list(s.scalars(stmt))
        lines: dict[int, list[tuple[str, str, int, tuple[str, ...]]]] = {}
        if rows:
            q = select(AssetLineRow).where(AssetLineRow.entry_id.in_([r.id for r in rows]))
            for ln in s.scalars(q.order_by(AssetLineRow.id)):
                lines.setdefault(ln.entry_id, []).append(
                    (ln.account, ln.asset, ln.quantity, tuple(ln.ranges or ()))
                )
        return [
            EntryView(
                r.id,
                r.movement,
                r.value_date,
                r.counterparty,
                r.price_cny,
                r.evidence,
                r.compliance_year,
                r.booked_by,
                tuple(lines.get(r.id, [])),
            )
            for r in rows
        ]


def surrendered(engine: Engine, park_id: str, enterprise_id: str, compliance_year: int) -> dict[str, int]:
    """Units the enterprise surrendered for ``compliance_year``, by instrument code (CEA, CCER)."""
    stmt = (
        select(AssetLineRow.asset, AssetLineRow.quantity)
        .join(AssetEntryRow, AssetEntryRow.id == AssetLineRow.entry_id)
        .where(
            AssetEntryRow.park_id == park_id,
            AssetEntryRow.movement == Movement.SURRENDER.value,
            AssetEntryRow.compliance_year == compliance_year,
            AssetLineRow.enterprise_id == enterprise_id,
            AssetLineRow.quantity < 0,
        )
    )
    out: dict[str, int] = {}
    with read_connection(engine) as c:
        for asset, q in c.execute(stmt):
            code = AssetKey.parse(asset).instrument.value
            out[code] = out.get(code, 0) - int(q)
    return out


def line_of(entry: Entry, account: Account) -> Line | None:
    """The entry's line on ``account`` (None when it has none)."""
    return next((ln for ln in entry.lines if ln.account == account), None)


def allocated(engine: Engine, park_id: str, enterprise_id: str, asset: str) -> int:
    """Units of ``asset`` (``CEA:2024``) allocated or issued to the enterprise (its credit lines)."""
    stmt = (
        select(func.coalesce(func.sum(AssetLineRow.quantity), 0))
        .join(AssetEntryRow, AssetEntryRow.id == AssetLineRow.entry_id)
        .where(
            AssetEntryRow.park_id == park_id,
            AssetEntryRow.movement.in_([Movement.ALLOCATE.value, Movement.ISSUE.value]),
            AssetLineRow.enterprise_id == enterprise_id,
            AssetLineRow.asset == asset,
            AssetLineRow.quantity > 0,
        )
    )
    with read_connection(engine) as c:
        return int(c.execute(stmt).scalar_one())


def holdings_of(engine: Engine, park_id: str, enterprise_id: str) -> dict[str, int]:
    """The enterprise's balances by asset (unscoped: the service checks the scope first)."""
    stmt = select(AssetBalanceRow.asset, AssetBalanceRow.quantity).where(
        AssetBalanceRow.park_id == park_id,
        AssetBalanceRow.account == f"{HolderKind.ENTERPRISE.value}:{enterprise_id}",
    )
    with read_connection(engine) as c:
        return {a: int(q) for a, q in c.execute(stmt)}


def earned_between(engine: Engine, park_id: str, account: str, action: str, start: date, end: date) -> int:
    """Points ``account`` earned for ``action`` (the entry's note) with value dates in [start, end)."""
    stmt = (
        select(func.coalesce(func.sum(AssetLineRow.quantity), 0))
        .join(AssetEntryRow, AssetEntryRow.id == AssetLineRow.entry_id)
        .where(
            AssetEntryRow.park_id == park_id,
            AssetEntryRow.movement == Movement.EARN.value,
            AssetEntryRow.note == action,
            AssetEntryRow.value_date >= start,
            AssetEntryRow.value_date < end,
            AssetLineRow.account == account,
            AssetLineRow.quantity > 0,
        )
    )
    with read_connection(engine) as c:
        return int(c.execute(stmt).scalar_one())
