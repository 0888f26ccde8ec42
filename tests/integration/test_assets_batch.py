"""Batch posting (one transaction, many entries) on SQLite and PostgreSQL: the rules of one posting."""

from __future__ import annotations

from datetime import date

import pytest
from api_support import ENT_A, ENT_B, PARK, build_park
from sqlalchemy import Engine, func, select

from zeropark.assets.book import Account, AssetKey, HolderKind, Movement, issue, move, retire
from zeropark.errors import AlreadySurrendered, InsufficientBalance, RangeOverlap
from zeropark.model import serial_range
from zeropark.services import assets as service
from zeropark.store.db import transaction
from zeropark.store.schema import AssetEntryRow, AssetLineRow, AuditLogRow
from zeropark.store.scope import system_scope

D = date(2025, 3, 1)
CEA = AssetKey.parse("CEA:2025")
GEC = AssetKey.parse("GEC:2025")
A, B = Account(HolderKind.ENTERPRISE, ENT_A), Account(HolderKind.ENTERPRISE, ENT_B)


def _r(text: str) -> list:
    r = serial_range(text)
    assert r is not None
    return [r]


def _count(engine: Engine, table: type) -> int:
    with transaction(engine) as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def test_a_batch_books_all_or_nothing(engine: Engine) -> None:
    build_park(engine)
    admin = system_scope(engine, "test")
    audits = _count(engine, AuditLogRow)
    posted = service.post_entries(admin, PARK, [
        issue(CEA, A, 1000, on=D, movement=Movement.ALLOCATE),
        move(CEA, A, B, 300, on=D, movement=Movement.SELL, price_cny=90.0),
        issue(GEC, A, 100, on=D, ranges=_r("GEC-0001..GEC-0100")),
        move(GEC, A, B, 40, on=D, ranges=_r("GEC-0001..GEC-0040")),
        retire(GEC, B, 10, on=D, ranges=_r("GEC-0001..GEC-0010")),
    ])  # fmt: skip
    assert [p.id for p in posted] == sorted(p.id for p in posted)
    # by hand: A CEA 1000 − 300 = 700, B 300; A GEC 100 − 40 = 60 (0041..0100); B 40 − 10 = 30 (0011..0040)
    assert [(b.account, b.asset, b.quantity) for b in service.balances(admin, PARK)] == [
        (f"enterprise:{ENT_A}", "CEA:2025", 700),
        (f"enterprise:{ENT_A}", "GEC:2025", 60),
        (f"enterprise:{ENT_B}", "CEA:2025", 300),
        (f"enterprise:{ENT_B}", "GEC:2025", 30),
    ]
    assert [
        (r.account, r.range) for r in service.ranges(admin, PARK) if r.account.startswith("enterprise")
    ] == [
        (f"enterprise:{ENT_A}", "GEC-0041..GEC-0100"),
        (f"enterprise:{ENT_B}", "GEC-0011..GEC-0040"),
    ]
    assert _count(engine, AuditLogRow) >= audits + 1  # one post_batch record (plus the GEC claim's)
    entries, lines = _count(engine, AssetEntryRow), _count(engine, AssetLineRow)
    assert (entries, lines) == (5, 10)

    bad_batches = [
        # the second entry needs 1 000 but B holds 300 + 100 = 400 after the first
        ([move(CEA, A, B, 100, on=D), move(CEA, B, A, 1000, on=D)],
         InsufficientBalance, "entry 2 of the batch"),
        # two issues of overlapping new ranges inside one batch
        ([issue(GEC, A, 11, on=D, ranges=_r("GEC-0200..GEC-0210")),
          issue(GEC, B, 16, on=D, ranges=_r("GEC-0205..GEC-0220"))], RangeOverlap, "entry 2 of the batch"),
        # a range retired before the batch, moved inside it
        ([move(CEA, A, B, 1, on=D), move(GEC, B, A, 5, on=D, ranges=_r("GEC-0008..GEC-0012"))],
         AlreadySurrendered, "entry 2 of the batch"),
    ]  # fmt: skip
    for batch, error, note in bad_batches:
        with pytest.raises(error) as info:
            service.post_entries(admin, PARK, batch)
        assert note in "\n".join(getattr(info.value, "__notes__", []))
        assert (_count(engine, AssetEntryRow), _count(engine, AssetLineRow)) == (entries, lines)
    assert service.totals(admin, PARK) == {"CEA:2025": (1000, 0, 1000), "GEC:2025": (100, 10, 90)}
