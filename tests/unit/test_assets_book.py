"""The carbon asset ledger's rule book (zeropark.assets.book): named refusals and invariants."""

from __future__ import annotations

import copy
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zeropark.assets.book import (
    Account,
    AssetKey,
    Book,
    HolderKind,
    Instrument,
    Movement,
    issue,
    move,
    retire,
    surrender,
)
from zeropark.errors import (
    AfterDeadline,
    AlreadySurrendered,
    AssetError,
    InsufficientBalance,
    RangeNotHeld,
    RangeOverlap,
    SelfTrade,
)
from zeropark.model import SerialRange

CEA = AssetKey(Instrument.CEA, 2024)
GEC = AssetKey(Instrument.GEC, 2025)
E1, E2, E3 = (Account(HolderKind.ENTERPRISE, e) for e in ("E1", "E2", "E3"))
D = date(2025, 6, 1)


def _r(first: int, last: int) -> SerialRange:
    return SerialRange("GEC-", first, last, 4)


def test_transfer_larger_than_balance_is_named_and_books_nothing() -> None:
    book = Book()
    book.post(issue(CEA, E1, 100, on=D, movement=Movement.ALLOCATE))
    before = copy.deepcopy(book.balances)
    with pytest.raises(InsufficientBalance, match="enterprise:E1 holds 100 of CEA:2024 but 101"):
        book.post(move(CEA, E1, E2, 101, on=D))
    assert book.balances == before and len(book.journal) == 1


def test_self_trade_and_late_surrender() -> None:
    with pytest.raises(SelfTrade, match="to itself"):
        move(CEA, E1, E1, 1, on=D, movement=Movement.SELL)
    with pytest.raises(AfterDeadline, match="after the deadline 2025-12-31"):
        surrender(CEA, E1, 1, on=date(2026, 1, 1), compliance_year=2024, deadline=date(2025, 12, 31))


def test_ranges_split_overlap_and_claimed_once() -> None:
    book = Book()
    book.post(issue(GEC, E1, 3000, on=D, ranges=[_r(1, 3000)]))
    # any split of an existing range is refused at issue
    with pytest.raises(RangeOverlap, match="GEC-2999..GEC-4000 overlap GEC-0001..GEC-3000"):
        book.post(issue(GEC, E2, 1002, on=D, ranges=[_r(2999, 4000)]))
    # partial transfer splits the holding: E1 keeps 1..999 and 2001..3000
    book.post(move(GEC, E1, E2, 1001, on=D, ranges=[_r(1000, 2000)]))
    assert book.ranges_of(E1) == [_r(1, 999), _r(2001, 3000)]
    assert book.ranges_of(E2) == [_r(1000, 2000)]
    with pytest.raises(RangeNotHeld, match="GEC-1500 is held by enterprise:E2"):
        book.post(move(GEC, E1, E3, 10, on=D, ranges=[_r(1491, 1500)]))
    book.post(retire(GEC, E2, 11, on=D, ranges=[_r(1500, 1510)]))
    with pytest.raises(AlreadySurrendered, match="GEC:2025 GEC-1505 was already retired"):
        book.post(move(GEC, E2, E3, 1, on=D, ranges=[_r(1505, 1505)]))
    with pytest.raises(RangeOverlap, match="retired"):  # a retired number can never be issued again
        book.post(issue(GEC, E3, 1, on=D, ranges=[_r(1505, 1505)]))
    # 3000 issued, 11 retired: 2989 held, and the ranges add up to the balances
    assert book.totals(GEC) == (3000, 11, 2989)
    assert sum(r.count for r in book.ranges_of(E1) + book.ranges_of(E2)) == 2989


def test_range_quantity_must_match() -> None:
    with pytest.raises(AssetError, match="hold 10 serial numbers but the quantity is 11"):
        Book().post(issue(GEC, E1, 11, on=D, ranges=[_r(1, 10)]))
    with pytest.raises(RangeOverlap, match="named twice"):
        Book().post(issue(GEC, E1, 20, on=D, ranges=[_r(1, 10), _r(5, 14)]))


# --- properties: any sequence of operations, valid or not ----------------------------------------

HOLDERS = [E1, E2, E3, Account(HolderKind.PARK, "P"), Account(HolderKind.EXTERNAL, "X")]
ASSETS = [CEA, AssetKey(Instrument.POINTS)]

op = st.one_of(
    st.tuples(st.just("issue"), st.sampled_from(ASSETS), st.sampled_from(HOLDERS), st.integers(1, 50)),
    st.tuples(
        st.just("move"),
        st.sampled_from(ASSETS),
        st.sampled_from(HOLDERS),
        st.sampled_from(HOLDERS),
        st.integers(1, 60),
    ),
    st.tuples(st.just("retire"), st.sampled_from(ASSETS), st.sampled_from(HOLDERS), st.integers(1, 60)),
    st.tuples(st.just("gec_issue"), st.integers(1, 200), st.integers(0, 30), st.sampled_from(HOLDERS)),
    st.tuples(
        st.just("gec_move"),
        st.integers(1, 200),
        st.integers(0, 30),
        st.sampled_from(HOLDERS),
        st.sampled_from(HOLDERS),
    ),
    st.tuples(st.just("gec_retire"), st.integers(1, 200), st.integers(0, 30), st.sampled_from(HOLDERS)),
)


def _apply(book: Book, o: tuple[object, ...]) -> None:
    kind = o[0]
    if kind == "issue":
        _, a, to, q = o
        book.post(issue(a, to, q, on=D))  # type: ignore[arg-type]
    elif kind == "move":
        _, a, f, t, q = o
        book.post(move(a, f, t, q, on=D))  # type: ignore[arg-type]
    elif kind == "retire":
        _, a, f, q = o
        book.post(retire(a, f, q, on=D))  # type: ignore[arg-type]
    else:
        first, n = o[1], o[2]
        r = _r(first, first + n)  # type: ignore[operator]
        if kind == "gec_issue":
            book.post(issue(GEC, o[3], r.count, on=D, ranges=[r]))  # type: ignore[arg-type]
        elif kind == "gec_move":
            book.post(move(GEC, o[3], o[4], r.count, on=D, ranges=[r]))  # type: ignore[arg-type]
        else:
            book.post(retire(GEC, o[3], r.count, on=D, ranges=[r]))  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None)
@given(ops=st.lists(op, max_size=40))
def test_balances_sum_to_issued_minus_retired_and_refusals_change_nothing(
    ops: list[tuple[object, ...]],
) -> None:
    book = Book()
    for o in ops:
        before = (copy.deepcopy(book.balances), copy.deepcopy(book.holdings), len(book.journal))
        try:
            _apply(book, o)
        except AssetError:
            assert (book.balances, book.holdings, len(book.journal)) == before
        for asset in [*ASSETS, GEC]:
            issued, retired, held = book.totals(asset)
            assert held == issued - retired
        assert all(q >= 0 for (acct, _), q in book.balances.items() if acct.kind != HolderKind.ISSUER)
        # every serial number exists once, and the ranges on an account add up to its balance
        gec = sorted((h.range for h in book.holdings.get("GEC-", [])), key=lambda r: r.first)
        assert all(a.last < b.first for a, b in zip(gec, gec[1:], strict=False))
        for acct in {*HOLDERS, *(a for a, _ in book.balances if a.kind != HolderKind.ISSUER)}:
            assert sum(r.count for r in book.ranges_of(acct, GEC)) == book.balance(acct, GEC)
