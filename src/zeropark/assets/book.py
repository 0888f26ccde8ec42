"""Carbon asset ledger (碳资产账本): instruments, accounts, balanced journal entries, serial ranges.

Policy
------
- Every movement of a carbon asset is a journal entry whose lines sum to zero for each asset
  (double entry). Quantities are integers in the instrument's unit (:data:`UNIT`): t for
  allowances and CCER, MWh for green certificates and green-power volumes, points for 碳普惠.
- Units come from the **issuer** account (the only one that may go below zero: its balance is
  minus what was issued) and leave into a **retired** account named after how they left
  (surrendered, retired, cancelled, expired, redeemed). Hence, after any sequence of postings,
  the balances of all holders sum to issued − retired.
- No holder goes below zero; a transfer to oneself is refused; a surrender after the compliance
  deadline is refused.
- Serial-numbered instruments (:data:`SERIAL_INSTRUMENTS`, GEC: one certificate per MWh) carry
  their serial numbers as ranges (:class:`zeropark.model.SerialRange`). A range can be issued only
  if none of its numbers exists anywhere (held or retired, in any split); a range moves only from
  the account holding all of it, and a partial move splits the holding.
- :func:`plan` is the one rule book: given an entry and the current state it touches (balances
  of its accounts, holdings overlapping its ranges) it returns the new state or raises a named
  :class:`~zeropark.errors.AssetError` and changes nothing. :class:`Book` applies it to an
  in-memory ledger (tests, simulation, benchmark); the store applies it inside one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from zeropark.errors import (
    AfterDeadline,
    AlreadySurrendered,
    AssetError,
    InsufficientBalance,
    RangeNotHeld,
    RangeOverlap,
    SelfTrade,
    UnbalancedEntry,
)
from zeropark.model import SerialRange

__all__ = [
    "SERIAL_INSTRUMENTS",
    "UNIT",
    "Account",
    "AssetKey",
    "Book",
    "Entry",
    "HolderKind",
    "Holding",
    "Instrument",
    "Line",
    "Movement",
    "Plan",
    "issue",
    "move",
    "plan",
    "retire",
    "surrender",
]


class Instrument(StrEnum):
    """The carbon instruments the ledger keeps."""

    CEA = "CEA"  # 全国碳排放配额, by compliance year (vintage)
    CCER = "CCER"  # 国家核证自愿减排量
    GEC = "GEC"  # 绿色电力证书, 1 MWh each, serial numbers
    GREEN_POWER = "GPC"  # 绿电交易合同电量 (green-power contract volume)
    POINTS = "PHP"  # 碳普惠积分
    PARK_ALLOWANCE = "PIA"  # 园区内部配额


#: Unit of one integer quantity of each instrument.
UNIT: Mapping[Instrument, str] = {
    Instrument.CEA: "tCO2",
    Instrument.CCER: "tCO2e",
    Instrument.GEC: "MWh",
    Instrument.GREEN_POWER: "MWh",
    Instrument.POINTS: "point",
    Instrument.PARK_ALLOWANCE: "tCO2",
}
#: Instruments whose every unit has a serial number: a movement names its ranges.
SERIAL_INSTRUMENTS: frozenset[Instrument] = frozenset({Instrument.GEC})
#: Instruments whose movements may name serial ranges (CCER serials are optional).
RANGED_INSTRUMENTS: frozenset[Instrument] = frozenset({Instrument.GEC, Instrument.CCER})


@dataclass(frozen=True, slots=True, order=True)
class AssetKey:
    """One fungible asset: an instrument and its vintage (CEA 2024 ≠ CEA 2025); ``CEA:2024``."""

    instrument: Instrument
    vintage: int | None = None

    def __str__(self) -> str:
        return self.instrument.value if self.vintage is None else f"{self.instrument.value}:{self.vintage}"

    @classmethod
    def parse(cls, text: str) -> AssetKey:
        """``CEA:2024`` → ``AssetKey(CEA, 2024)``; ``PHP`` → ``AssetKey(POINTS)``.

        Raises
        ------
        AssetError
            An unknown instrument or a vintage that is not a year.
        """
        code, _, vintage = text.strip().partition(":")
        try:
            instrument = Instrument(code.upper())
        except ValueError:
            known = ", ".join(i.value for i in Instrument)
            raise AssetError(f"unknown instrument '{code}'; use one of {known} (e.g. CEA:2024)") from None
        if not vintage:
            return cls(instrument)
        if not vintage.isdigit() or not 1990 <= int(vintage) <= 2100:
            raise AssetError(f"'{text}': the vintage after ':' must be a year such as 2024")
        return cls(instrument, int(vintage))


class HolderKind(StrEnum):
    """Who holds an account."""

    ENTERPRISE = "enterprise"
    PARK = "park"  # the park operator
    EXTERNAL = "external"  # a counterparty outside the park (exchange, broker, another firm)
    PERSON = "person"  # a resident or employee collecting 碳普惠 points
    RETIRED = "retired"  # sink: units that left circulation (named by how)
    ISSUER = "issuer"  # source: MEE registry, certificate issuer, the park's point scheme


@dataclass(frozen=True, slots=True, order=True)
class Account:
    """An account: ``enterprise:E01``, ``park:P1``, ``external:上海环境能源交易所``, ``retired:surrender``."""

    kind: HolderKind
    holder: str

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.holder}"

    @property
    def circulating(self) -> bool:
        """Whether units here are in circulation (held by someone), not issuer or retired."""
        return self.kind not in (HolderKind.ISSUER, HolderKind.RETIRED)

    @classmethod
    def parse(cls, text: str) -> Account:
        """``enterprise:E01`` → ``Account(ENTERPRISE, 'E01')``.

        Raises
        ------
        AssetError
            Not ``kind:holder`` with a known kind.
        """
        kind, sep, holder = text.strip().partition(":")
        try:
            k = HolderKind(kind.lower())
        except ValueError:
            kinds = ", ".join(h.value for h in HolderKind)
            raise AssetError(f"account '{text}': the kind before ':' must be one of {kinds}") from None
        if not sep or not holder.strip():
            raise AssetError(f"account '{text}': write kind:holder, e.g. enterprise:E01")
        return cls(k, holder.strip())


class Movement(StrEnum):
    """What a journal entry does."""

    ISSUE = "issue"  # 签发/核发: from the issuer
    ALLOCATE = "allocate"  # 分配: free allocation from the issuer
    EARN = "earn"  # 碳普惠 points earned
    TRANSFER = "transfer"  # 划转 between holders
    BUY = "buy"  # 买入 from a counterparty, at a price
    SELL = "sell"  # 卖出 to a counterparty, at a price
    SURRENDER = "surrender"  # 清缴履约
    RETIRE = "retire"  # 注销/自愿抵消/绿证核销 (a claim)
    CANCEL = "cancel"  # 撤销 (an issuance reversed)
    EXPIRE = "expire"  # 过期
    REDEEM = "redeem"  # 积分兑换


#: Movements whose units come from the issuer.
FROM_ISSUER = frozenset({Movement.ISSUE, Movement.ALLOCATE, Movement.EARN})
#: Movements whose units leave circulation into ``retired:<movement>``.
TO_RETIRED = frozenset(
    {Movement.SURRENDER, Movement.RETIRE, Movement.CANCEL, Movement.EXPIRE, Movement.REDEEM}
)
#: What a retired holding is called in a message (the past participle).
_HOW = {
    "surrender": "surrendered",
    "retire": "retired (claimed)",
    "cancel": "cancelled",
    "expire": "expired",
    "redeem": "redeemed",
}


@dataclass(frozen=True, slots=True)
class Line:
    """One line of an entry: ``quantity`` (> 0 credit, < 0 debit) of ``asset`` on ``account``."""

    account: Account
    asset: AssetKey
    quantity: int
    ranges: tuple[SerialRange, ...] = ()


@dataclass(frozen=True, slots=True)
class Entry:
    """记账凭证: one balanced movement with its counterparty, price [CNY per unit] and evidence."""

    movement: Movement
    lines: tuple[Line, ...]
    on: date
    counterparty: str = ""
    price_cny: float | None = None
    evidence: str = ""
    compliance_year: int | None = None
    deadline: date | None = None
    note: str = ""

    @property
    def accounts(self) -> list[Account]:
        """The accounts the entry touches, sorted (the order locks are taken in)."""
        return sorted({ln.account for ln in self.lines})

    @property
    def ranges(self) -> list[tuple[Line, SerialRange]]:
        """Every serial range named by a debit line."""
        return [(ln, r) for ln in self.lines if ln.quantity < 0 for r in ln.ranges]


@dataclass(frozen=True, slots=True)
class Holding:
    """A stored run of serial numbers of ``asset`` on ``account`` (held or retired)."""

    asset: AssetKey
    account: Account
    range: SerialRange


@dataclass(frozen=True, slots=True)
class Plan:
    """What posting an entry does: new balances of its accounts, holdings removed and added."""

    balances: dict[tuple[Account, AssetKey], int]
    removed: tuple[Holding, ...] = ()
    added: tuple[Holding, ...] = ()


# --- building entries ---------------------------------------------------------------------------


def _check_qty(quantity: int) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise AssetError(f"quantity must be a whole number above 0, {quantity!r} was given")


def _pair(
    movement: Movement,
    asset: AssetKey,
    frm: Account,
    to: Account,
    quantity: int,
    ranges: Sequence[SerialRange],
    on: date,
    **kw: Any,
) -> Entry:
    _check_qty(quantity)
    if frm == to:
        raise SelfTrade(str(frm))
    rs = tuple(ranges)
    lines = (Line(frm, asset, -quantity, rs), Line(to, asset, quantity, rs))
    return Entry(movement, lines, on, **kw)


def issue(
    asset: AssetKey,
    to: Account,
    quantity: int,
    *,
    on: date,
    ranges: Sequence[SerialRange] = (),
    movement: Movement = Movement.ISSUE,
    issuer: str = "registry",
    **kw: Any,
) -> Entry:
    """An entry bringing ``quantity`` new units to ``to`` from the issuer (issue, allocate, earn)."""
    if movement not in FROM_ISSUER:
        raise AssetError(f"'{movement}' does not come from the issuer; use one of issue, allocate, earn")
    if not to.circulating:
        raise AssetError(f"units are issued to a holder, not to {to}")
    return _pair(movement, asset, Account(HolderKind.ISSUER, issuer), to, quantity, ranges, on, **kw)


def move(
    asset: AssetKey,
    frm: Account,
    to: Account,
    quantity: int,
    *,
    on: date,
    ranges: Sequence[SerialRange] = (),
    movement: Movement = Movement.TRANSFER,
    **kw: Any,
) -> Entry:
    """An entry moving units between two holders (transfer, buy, sell).

    Raises
    ------
    SelfTrade
        ``frm`` and ``to`` are the same holder.
    """
    if movement not in (Movement.TRANSFER, Movement.BUY, Movement.SELL):
        raise AssetError(f"'{movement}' is not a move between holders; use transfer, buy or sell")
    if frm.kind == to.kind and frm.holder == to.holder:
        raise SelfTrade(str(frm))
    if not (frm.circulating and to.circulating):
        raise AssetError(f"a {movement} is between holders; {frm} → {to} names a source or sink")
    return _pair(movement, asset, frm, to, quantity, ranges, on, **kw)


def retire(
    asset: AssetKey,
    frm: Account,
    quantity: int,
    *,
    on: date,
    ranges: Sequence[SerialRange] = (),
    movement: Movement = Movement.RETIRE,
    **kw: Any,
) -> Entry:
    """An entry taking units out of circulation into ``retired:<movement>``."""
    if movement not in TO_RETIRED:
        raise AssetError(f"'{movement}' does not retire units; use surrender, retire, cancel, expire, redeem")
    if not frm.circulating:
        raise AssetError(f"units are retired from a holder, not from {frm}")
    sink = Account(HolderKind.RETIRED, movement.value)
    return _pair(movement, asset, frm, sink, quantity, ranges, on, **kw)


def surrender(
    asset: AssetKey,
    frm: Account,
    quantity: int,
    *,
    on: date,
    compliance_year: int,
    deadline: date,
    **kw: Any,
) -> Entry:
    """清缴: surrender units for ``compliance_year`` by ``deadline``.

    Raises
    ------
    AfterDeadline
        ``on`` is after ``deadline``.
    """
    if on > deadline:
        raise AfterDeadline(compliance_year, deadline.isoformat(), on.isoformat())
    return retire(
        asset,
        frm,
        quantity,
        on=on,
        movement=Movement.SURRENDER,
        compliance_year=compliance_year,
        deadline=deadline,
        **kw,
    )


# --- the rule book ------------------------------------------------------------------------------


def _check_shape(entry: Entry) -> None:
    totals: dict[AssetKey, int] = {}
    for ln in entry.lines:
        if ln.quantity == 0:
            raise AssetError(f"a line of {ln.account} moves 0 of {ln.asset}; leave it out")
        totals[ln.asset] = totals.get(ln.asset, 0) + ln.quantity
        if ln.asset.instrument in SERIAL_INSTRUMENTS and not ln.ranges:
            raise AssetError(f"{ln.asset} has serial numbers: name the range(s) moved, e.g. GEC-0001..0100")
        if ln.ranges and ln.asset.instrument not in RANGED_INSTRUMENTS:
            raise AssetError(f"{ln.asset} has no serial numbers; leave the range out")
        if ln.ranges and sum(r.count for r in ln.ranges) != abs(ln.quantity):
            n = sum(r.count for r in ln.ranges)
            raise AssetError(
                f"the range(s) of {ln.account} hold {n} serial numbers but the quantity is {abs(ln.quantity)}"
            )
        ordered = sorted(ln.ranges, key=lambda r: (r.prefix, r.first))
        for a, b in zip(ordered, ordered[1:], strict=False):
            if a.overlaps(b):
                raise RangeOverlap(str(b), str(a), "named twice in the same entry")
    for asset, total in totals.items():
        if total != 0:
            raise UnbalancedEntry(str(asset), total)
    if entry.movement == Movement.SURRENDER and entry.deadline is not None and entry.on > entry.deadline:
        raise AfterDeadline(entry.compliance_year or 0, entry.deadline.isoformat(), entry.on.isoformat())


def _cut(r: SerialRange, lo: int, hi: int) -> list[SerialRange]:
    """What is left of ``r`` outside ``lo..hi``."""
    left = [SerialRange(r.prefix, r.first, lo - 1, r.width)] if r.first < lo else []
    right = [SerialRange(r.prefix, hi + 1, r.last, r.width)] if r.last > hi else []
    return left + right


def _move_ranges(entry: Entry, holdings: Sequence[Holding]) -> tuple[list[Holding], list[Holding]]:
    removed: list[Holding] = []
    added: list[Holding] = []
    live = list(holdings)
    for ln in (x for x in entry.lines if x.quantity < 0):
        dest = next(x for x in entry.lines if x.quantity > 0 and x.asset == ln.asset)
        for r in ln.ranges:
            touching = [h for h in live if h.range.overlaps(r)]
            if ln.account.kind == HolderKind.ISSUER:
                if touching:
                    h = touching[0]
                    raise RangeOverlap(str(r), str(h.range), f"{h.asset} of {h.account}")
            else:
                retired = [h for h in touching if h.account.kind == HolderKind.RETIRED]
                if retired:
                    h = retired[0]
                    how = _HOW.get(h.account.holder, h.account.holder)
                    raise AlreadySurrendered(f"{h.asset} {h.range.shared(r)}", how)
                mine = [h for h in touching if h.account == ln.account and h.asset == ln.asset]
                covered = sum(h.range.shared(r).count for h in mine)
                if covered != r.count:
                    other = next((h for h in touching if h not in mine), None)
                    detail = (
                        f"{other.range.shared(r)} is held by {other.account} as {other.asset}"
                        if other
                        else f"it holds {covered} of the {r.count}"
                    )
                    raise RangeNotHeld(str(ln.account), str(r), detail)
                for h in mine:
                    live.remove(h)
                    removed.append(h)
                    lo, hi = max(h.range.first, r.first), min(h.range.last, r.last)
                    rest = [Holding(h.asset, h.account, x) for x in _cut(h.range, lo, hi)]
                    live.extend(rest)
                    added.extend(rest)
            moved = Holding(dest.asset, dest.account, r)
            live.append(moved)
            added.append(moved)
    # a holding split and then partly moved again in the same entry appears in both lists
    both = [h for h in added if h in removed]
    for h in both:
        added.remove(h)
        removed.remove(h)
    return removed, added


def plan(
    entry: Entry,
    balances: Mapping[tuple[Account, AssetKey], int],
    holdings: Sequence[Holding] = (),
) -> Plan:
    """What posting ``entry`` does to the state it touches, or a named error (nothing changes).

    Parameters
    ----------
    entry
        The journal entry.
    balances
        Current balances of (at least) the entry's accounts and assets; missing = 0.
    holdings
        Every stored holding (held or retired) overlapping a range the entry names.

    Raises
    ------
    UnbalancedEntry, InsufficientBalance, RangeOverlap, RangeNotHeld, AlreadySurrendered,
    SelfTrade, AfterDeadline, AssetError
        The entry breaks a rule of the ledger (see the module docstring).
    """
    _check_shape(entry)
    new: dict[tuple[Account, AssetKey], int] = {}
    for ln in entry.lines:
        key = (ln.account, ln.asset)
        before = new.get(key, balances.get(key, 0))
        after = before + ln.quantity
        if after < 0 and ln.account.kind != HolderKind.ISSUER:
            raise InsufficientBalance(str(ln.account), str(ln.asset), before, -ln.quantity)
        new[key] = after
    removed, added = _move_ranges(entry, holdings) if any(ln.ranges for ln in entry.lines) else ([], [])
    return Plan(new, tuple(removed), tuple(added))


@dataclass
class Book:
    """An in-memory ledger: the journal, balances and serial holdings (simulation, tests, benchmark)."""

    balances: dict[tuple[Account, AssetKey], int] = field(default_factory=dict)
    holdings: dict[str, list[Holding]] = field(default_factory=dict)  # by serial prefix
    journal: list[Entry] = field(default_factory=list)

    def touching(self, entry: Entry) -> list[Holding]:
        """Holdings overlapping a range the entry names."""
        found: list[Holding] = []
        for ln in entry.lines:
            for r in ln.ranges:
                hs = self.holdings.get(r.prefix, [])
                found.extend(h for h in hs if h.range.overlaps(r) and h not in found)
        return found

    def post(self, entry: Entry) -> Entry:
        """Book ``entry`` or raise (the book is unchanged then); see :func:`plan`."""
        p = plan(entry, self.balances, self.touching(entry))
        self.balances.update(p.balances)
        for h in p.removed:
            self.holdings[h.range.prefix].remove(h)
        for h in p.added:
            self.holdings.setdefault(h.range.prefix, []).append(h)
        self.journal.append(entry)
        return entry

    def balance(self, account: Account, asset: AssetKey) -> int:
        """Units of ``asset`` on ``account``."""
        return self.balances.get((account, asset), 0)

    def totals(self, asset: AssetKey) -> tuple[int, int, int]:
        """(issued, retired, held by holders) of ``asset``: held = issued − retired."""
        issued = retired = held = 0
        for (acct, a), q in self.balances.items():
            if a != asset:
                continue
            if acct.kind == HolderKind.ISSUER:
                issued -= q
            elif acct.kind == HolderKind.RETIRED:
                retired += q
            else:
                held += q
        return issued, retired, held

    def ranges_of(self, account: Account, asset: AssetKey | None = None) -> list[SerialRange]:
        """Serial ranges on ``account`` (of ``asset``), sorted."""
        return sorted(
            (
                h.range
                for hs in self.holdings.values()
                for h in hs
                if h.account == account and asset in (None, h.asset)
            ),
            key=lambda r: (r.prefix, r.first),
        )


def assets_of(entries: Iterable[Entry]) -> set[AssetKey]:
    """Every asset named in ``entries``."""
    return {ln.asset for e in entries for ln in e.lines}
