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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine, and_, delete, func, or_, select, text, tuple_
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
    session.execute(ins.values(values).on_conflict_do_nothing())


def _holdings(session: Session, entry: Entry) -> list[Holding]:
    wanted = [r for ln in entry.lines for r in ln.ranges]
    if not wanted:
        return []
    cond = or_(
        *(
            and_(
                AssetRangeRow.prefix == r.prefix,
                AssetRangeRow.first <= _padded(r.last),
                AssetRangeRow.last >= _padded(r.first),
            )
            for r in wanted
        )
    )
    stmt = select(AssetRangeRow).where(cond)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    found: list[Holding] = []
    for row in session.scalars(stmt):
        h = Holding(
            AssetKey.parse(row.asset),
            Account.parse(row.account),
            SerialRange(row.prefix, int(row.first), int(row.last), row.width),
        )
        if h not in found:
            found.append(h)
    return found


def post(session: Session, park_id: str, entry: Entry, *, booked_by: str | None) -> int:
    """Book ``entry`` for park ``park_id`` in the caller's transaction; the new entry's id.

    Raises
    ------
    AssetError
        (and its named subclasses) from :func:`zeropark.assets.book.plan`; nothing is written.
    """
    keys = sorted({(ln.account, ln.asset) for ln in entry.lines}, key=lambda k: (str(k[0]), str(k[1])))
    _ensure_balance_rows(session, park_id, keys)
    is_pg = session.get_bind().dialect.name == "postgresql"
    if is_pg:
        for prefix in sorted({r.prefix for ln in entry.lines for r in ln.ranges}):
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _prefix_lock_key(prefix)})
    stmt = (
        select(AssetBalanceRow)
        .where(AssetBalanceRow.park_id == park_id)
        .where(
            tuple_(AssetBalanceRow.account, AssetBalanceRow.asset).in_([(str(a), str(k)) for a, k in keys])
        )
        .order_by(AssetBalanceRow.account, AssetBalanceRow.asset)
    )
    if is_pg:
        stmt = stmt.with_for_update()
    rows = {(r.account, r.asset): r for r in session.scalars(stmt)}
    current = {(a, k): rows[(str(a), str(k))].quantity for a, k in keys}
    p = plan(entry, current, _holdings(session, entry))

    row = AssetEntryRow(
        park_id=park_id,
        movement=entry.movement.value,
        value_date=entry.on,
        booked_at=datetime.now(UTC),
        booked_by=booked_by,
        counterparty=entry.counterparty,
        price_cny=entry.price_cny,
        evidence=entry.evidence,
        compliance_year=entry.compliance_year,
        deadline=entry.deadline,
        note=entry.note,
    )
    session.add(row)
    session.flush()
    for ln in entry.lines:
        session.add(
            AssetLineRow(
                entry_id=row.id,
                park_id=park_id,
                account=str(ln.account),
                enterprise_id=_enterprise(ln.account),
                asset=str(ln.asset),
                quantity=ln.quantity,
                ranges=[str(r) for r in ln.ranges],
            )
        )
    for (a, k), q in p.balances.items():
        rows[(str(a), str(k))].quantity = q
    for h in p.removed:
        session.execute(
            delete(AssetRangeRow).where(
                AssetRangeRow.prefix == h.range.prefix,
                AssetRangeRow.first == _padded(h.range.first),
                AssetRangeRow.last == _padded(h.range.last),
                AssetRangeRow.account == str(h.account),
            )
        )
    for h in p.added:
        session.add(
            AssetRangeRow(
                park_id=park_id,
                asset=str(h.asset),
                account=str(h.account),
                enterprise_id=_enterprise(h.account),
                prefix=h.range.prefix,
                first=_padded(h.range.first),
                last=_padded(h.range.last),
                width=h.range.width,
                entry_id=row.id,
            )
        )
    session.flush()
    return row.id


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
