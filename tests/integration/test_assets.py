"""The carbon asset ledger on SQLite and PostgreSQL: atomic postings, isolation, GEC claims, a race."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from api_support import ENT_A, ENT_B, PARK, build_park
from sqlalchemy import Engine, func, select

from zeropark.errors import (
    AfterDeadline,
    AlreadySurrendered,
    AssetError,
    InsufficientBalance,
    NotFound,
    PermissionDenied,
    RangeOverlap,
    SelfTrade,
)
from zeropark.model import ClaimKind, GreenPowerClaim
from zeropark.services import assets as service
from zeropark.store import repo
from zeropark.store.db import transaction
from zeropark.store.schema import AssetEntryRow, AssetLineRow, AuditLogRow
from zeropark.store.scope import Principal, Role, Scope, system_scope

D = date(2025, 3, 1)


def _scope(engine: Engine, role: Role, enterprise: str | None = None) -> Scope:
    return Scope(Principal(99, f"t-{role}", role, PARK, enterprise, "session"), engine, None)


def _count(engine: Engine, table: type) -> int:
    with transaction(engine) as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def test_postings_isolation_and_refusals(engine: Engine) -> None:
    build_park(engine)
    admin = system_scope(engine, "test")
    service.issue(admin, PARK, "CEA:2024", ENT_A, 1000, on=D, movement=service.Movement.ALLOCATE)
    service.transfer(
        admin, PARK, "CEA:2024", ENT_A, ENT_B, 300, on=D, movement=service.Movement.SELL, price_cny=95.5
    )
    ent_a = _scope(engine, Role.ENTERPRISE, ENT_A)
    service.surrender(
        ent_a, PARK, ENT_A, "CEA:2024", 650, on=D, compliance_year=2024, deadline=date(2025, 12, 31)
    )
    # A: 1000 − 300 − 650 = 50; B: 300; issued 1000, retired 650, held 350
    assert [(b.account, b.quantity) for b in service.balances(admin, PARK)] == [
        (f"enterprise:{ENT_A}", 50),
        (f"enterprise:{ENT_B}", 300),
    ]
    assert service.totals(admin, PARK) == {"CEA:2024": (1000, 650, 350)}
    # an enterprise sees only its own balances and entries
    assert [b.account for b in service.balances(ent_a, PARK)] == [f"enterprise:{ENT_A}"]
    ent_b = _scope(engine, Role.ENTERPRISE, ENT_B)
    assert [e.movement for e in service.journal(ent_b, PARK)] == ["sell"]
    n_entries, n_lines, n_audit = (
        _count(engine, AssetEntryRow),
        _count(engine, AssetLineRow),
        _count(engine, AuditLogRow),
    )
    assert (n_entries, n_lines) == (3, 6)
    # refusals: named, and nothing booked
    with pytest.raises(InsufficientBalance, match=f"enterprise:{ENT_A} holds 50 of CEA:2024 but 51"):
        service.transfer(ent_a, PARK, "CEA:2024", ENT_A, ENT_B, 51, on=D)
    with pytest.raises(SelfTrade):
        service.transfer(ent_a, PARK, "CEA:2024", ENT_A, ENT_A, 1, on=D, movement=service.Movement.SELL)
    with pytest.raises(AfterDeadline):
        service.surrender(ent_a, PARK, ENT_A, "CEA:2024", 1, on=date(2026, 1, 5), compliance_year=2024,
                          deadline=date(2025, 12, 31))  # fmt: skip
    with pytest.raises(NotFound):  # an enterprise moves only out of its own account (others: not found)
        service.transfer(ent_a, PARK, "CEA:2024", ENT_B, ENT_A, 1, on=D)
    with pytest.raises(PermissionDenied):  # and does not issue
        service.issue(ent_a, PARK, "CEA:2024", ENT_A, 1, on=D)
    assert (_count(engine, AssetEntryRow), _count(engine, AssetLineRow)) == (n_entries, n_lines)
    assert _count(engine, AuditLogRow) > n_audit  # only the denied attempts were recorded


def test_gec_ranges_and_green_power_claims(engine: Engine) -> None:
    build_park(engine)
    admin = system_scope(engine, "test")
    service.issue(admin, PARK, "GEC:2025", ENT_A, 3000, on=D, ranges="GEC-0001..GEC-3000")
    service.transfer(admin, PARK, "GEC:2025", ENT_A, ENT_B, 1001, on=D, ranges="GEC-1000..2000")
    with pytest.raises(
        RangeOverlap, match="GEC-2999..GEC-4000 overlap GEC-2001..GEC-3000 .GEC:2025 of enterprise:E-A"
    ):
        service.issue(admin, PARK, "GEC:2025", ENT_B, 1002, on=D, ranges="GEC-2999..GEC-4000")
    # retiring (claiming) a range records it as the holder's green-power claim for the inventory
    service.retire(admin, PARK, ENT_B, "GEC:2025", 101, on=D, ranges="GEC-1500..GEC-1600", claim_year=2025)
    claims = repo.list_claims(engine, PARK, year=2025, enterprise_id=ENT_B)
    assert [(c.id, c.mwh, c.kind) for c in claims] == [("GEC-1500..GEC-1600", 101.0, ClaimKind.GEC)]
    with pytest.raises(AlreadySurrendered, match="GEC-1550 was already retired"):
        service.retire(admin, PARK, ENT_B, "GEC:2025", 1, on=D, ranges="GEC-1550")
    # a certificate claimed outside the ledger cannot be issued into it
    repo.add_claim(
        engine,
        PARK,
        GreenPowerClaim(
            "HOB-0001..HOB-0100", ClaimKind.GEC, 100.0, date(2025, 1, 1), date(2025, 12, 31), ENT_A, 2025
        ),
    )
    with pytest.raises(RangeOverlap, match="already claimed as green power 'HOB-0001..HOB-0100'"):
        service.issue(admin, PARK, "GEC:2025", ENT_A, 10, on=D, ranges="HOB-0050..HOB-0059")
    assert [(r.account, r.range) for r in service.ranges(_scope(engine, Role.ENTERPRISE, ENT_A), PARK)] == [
        (f"enterprise:{ENT_A}", "GEC-0001..GEC-0999"),
        (f"enterprise:{ENT_A}", "GEC-2001..GEC-3000"),
    ]


@pytest.mark.postgres
def test_two_transfers_racing_for_one_balance_only_one_wins(pg_engine: Engine) -> None:
    build_park(pg_engine)
    admin = system_scope(pg_engine, "test")
    service.issue(admin, PARK, "CCER", ENT_A, 100, on=D)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def spend(to: str) -> None:
        barrier.wait()
        try:
            service.transfer(admin, PARK, "CCER", ENT_A, to, 80, on=D)
            results.append("ok")
        except InsufficientBalance:
            results.append("refused")

    threads = [threading.Thread(target=spend, args=(t,)) for t in (ENT_B, f"park:{PARK}")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "refused"]
    assert service.totals(admin, PARK) == {"CCER": (100, 0, 100)}
    held = {b.account: b.quantity for b in service.balances(admin, PARK)}
    assert held[f"enterprise:{ENT_A}"] == 20


def test_compliance_position_and_points(sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    build_park(engine)
    admin = system_scope(engine, "test")
    end = date(2025, 12, 31)
    units = [service.PowerUnit("G1", "coal_300mw_plus", 10_000, heat_ratio=0.0)]
    found, posted = service.allocate(admin, PARK, ENT_A, 2022, units, post=True, on=D)
    # 0.8177 tCO2/MWh [UNCERTAIN table] × 10 000 MWh = 8 177 t
    assert found[0].allocation_t == 8_177 and posted is not None
    service.issue(admin, PARK, "CCER", ENT_A, 600, on=D)
    service.surrender(admin, PARK, ENT_A, "CEA:2022", 8_000, on=D, compliance_year=2022, deadline=end)
    pv = service.position(admin, PARK, ENT_A, 2022, verified_t=9_000, deadline=end, on=D)
    # remaining 9 000 − 8 000 = 1 000; held 177 CEA + min(600, 450) CCER = 627 → gap 373 t
    d = pv.to_dict()
    assert (d["allocation_t"], d["remaining_t"], d["ccer_limit_t"], d["gap_t"], d["status"]) == (
        8_177, 1_000, 450, 373, "gap",
    )  # fmt: skip
    with pytest.raises(NotFound):  # an enterprise sees only its own position
        service.position(_scope(engine, Role.ENTERPRISE, ENT_B), PARK, ENT_A, 2022, verified_t=1)
    with pytest.raises(AssetError, match="no inventory run for 2022"):
        service.position(admin, PARK, ENT_A, 2022)
    # 碳普惠: 12.7 km cycling → 12 points; 95 more hit the 100 cap at 88 + 12 = 100; redeem 30
    n, _ = service.earn_points(admin, PARK, "person:张三", "cycling", 12.7, on=D)
    m, _ = service.earn_points(admin, PARK, "person:张三", "cycling", 95, on=D)
    z, none = service.earn_points(admin, PARK, "person:张三", "cycling", 5, on=D)
    assert (n, m, z, none) == (12, 88, 0, None)
    service.redeem_points(admin, PARK, "person:张三", 30, on=D, reward="公交卡充值")
    assert service.totals(admin, PARK)["PHP"] == (100, 30, 70)
