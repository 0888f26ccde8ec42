"""The internal carbon market through its service, on SQLite and PostgreSQL (api_support park).

The fixture park has two enterprises with value added 1000 (E-A) and 500 (E-B) × 10⁴ CNY. The rule
强度目标法 with I = 0.5 tCO2 per 10⁴ CNY gives 500 and 250 t; a cap of 600 t scales both by
600 / 750 = 0.8 → 400 and 200 t.
"""

from __future__ import annotations

from datetime import date

import pytest
from api_support import ENT_A, ENT_B, PARK, build_park
from sqlalchemy import Engine, func, select

from zeropark.accounting import AccountingOptions
from zeropark.errors import InsufficientBalance, MarketError, NotFound, PermissionDenied
from zeropark.market.auction import AuctionError, Order, SelfTrade, Side
from zeropark.market.quota import QuotaRuleError
from zeropark.model import Method, Role
from zeropark.services import assets, market
from zeropark.services.inventory import account_year
from zeropark.settings import get_settings
from zeropark.store.db import transaction
from zeropark.store.schema import AssetEntryRow, AuditLogRow, Base, MarketClearingRow
from zeropark.store.scope import Principal, Scope, system_scope

D = date(2025, 6, 30)
RULE = {"method": "intensity", "intensity": 0.5, "cap_tco2": 600, "fee_cny_per_t": 50, "fee_on": "excess"}


def _scope(engine: Engine, role: Role, enterprise: str | None = None) -> Scope:
    return Scope(Principal(99, f"t-{role}", role, PARK, enterprise, "session"), engine, None)


def _count(engine: Engine, table: type) -> int:
    with transaction(engine) as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def _held(engine: Engine) -> dict[str, int]:
    return {
        b.account: b.quantity
        for b in assets.balances(system_scope(engine, "t"), PARK)
        if b.asset == "PIA:2025"
    }


def test_rule_quotas_auction_settlement(engine: Engine) -> None:
    build_park(engine)
    admin = system_scope(engine, "t")
    ent_a = _scope(engine, Role.ENTERPRISE, ENT_A)
    with pytest.raises(PermissionDenied):
        market.set_rule(ent_a, PARK, 2025, RULE)
    with pytest.raises(QuotaRuleError, match="intensity"):
        market.set_rule(admin, PARK, 2025, {"method": "intensity"})
    market.set_rule(admin, PARK, 2025, RULE, base_year=2025)
    r = market.issue_quotas(admin, PARK, 2025, on=D)
    assert r.quotas == {ENT_A: 400, ENT_B: 200}
    assert _held(engine) == {f"enterprise:{ENT_A}": 400, f"enterprise:{ENT_B}": 200}
    with pytest.raises(MarketError, match="already issued"):
        market.issue_quotas(admin, PARK, 2025, on=D)
    with pytest.raises(MarketError, match="issued"):
        market.set_rule(admin, PARK, 2025, RULE)
    # orders: an enterprise only for itself; the core's named errors
    ent_b = _scope(engine, Role.ENTERPRISE, ENT_B)
    with pytest.raises(NotFound):
        market.place_order(ent_a, PARK, 2025, "S1", ENT_B, "sell", 80.0, 10)
    market.place_order(ent_a, PARK, 2025, "S1", ENT_A, "sell", 80.0, 100)
    market.place_order(ent_a, PARK, 2025, "S1", ENT_A, "sell", 95.0, 50)
    with pytest.raises(SelfTrade):
        market.place_order(ent_a, PARK, 2025, "S1", ENT_A, "buy", 99.0, 1)
    with pytest.raises(AuctionError, match="tick"):
        market.place_order(ent_b, PARK, 2025, "S1", ENT_B, "buy", 90.001, 1)
    market.place_order(ent_b, PARK, 2025, "S1", ENT_B, "buy", 90.0, 120)
    extra = market.place_order(ent_b, PARK, 2025, "S1", ENT_B, "buy", 70.0, 5)
    market.withdraw_order(ent_b, PARK, extra.id)
    with pytest.raises(NotFound):
        market.withdraw_order(ent_a, PARK, extra.id)  # not its order
    assert [o.enterprise_id for o in market.orders(ent_a, PARK, 2025, "S1")] == [ENT_A, ENT_A]
    with pytest.raises(PermissionDenied):
        market.clear_session(ent_a, PARK, 2025, "S1", on=D)
    # candidates 80, 90, 95: D(80)=120 S(80)=100 → 100; D(90)=120 S(90)=100 → 100; D(95)=0 → 0.
    # volume 100 at 80 and 90; at 80 the bid of 120 above the price would not fill in full (rule 2),
    # at 90 no bid is above and the 100 offered below fill: 90.00
    c = market.clear_session(admin, PARK, 2025, "S1", on=D)
    assert (c.price_cny, c.volume, c.rule, c.quota_rule) == (
        90.0,
        100,
        "call_auction_max_volume_min_imbalance_midpoint",
        "intensity",
    )
    assert _held(engine) == {f"enterprise:{ENT_A}": 300, f"enterprise:{ENT_B}": 300}
    assert market.clearing(ent_b, PARK, 2025, "S1").fills == c.fills
    assert {o.status for o in market.orders(admin, PARK, 2025, "S1")} == {"cleared", "withdrawn"}
    with pytest.raises(MarketError, match="already cleared"):
        market.place_order(ent_b, PARK, 2025, "S1", ENT_B, "buy", 90.0, 1)


def test_seller_without_balance_books_nothing(engine: Engine) -> None:
    build_park(engine)
    admin = system_scope(engine, "t")
    market.set_rule(admin, PARK, 2025, RULE, base_year=2025)
    market.issue_quotas(admin, PARK, 2025, on=D)
    market.place_order(admin, PARK, 2025, "S2", ENT_B, "sell", 60.0, 201)  # B holds 200
    market.place_order(admin, PARK, 2025, "S2", ENT_A, "buy", 60.0, 201)
    before = (_count(engine, AssetEntryRow), _count(engine, MarketClearingRow), _count(engine, AuditLogRow))
    with pytest.raises(InsufficientBalance, match=f"enterprise:{ENT_B} holds 200 of PIA:2025 but 201"):
        market.clear_session(admin, PARK, 2025, "S2", on=D)
    after = (_count(engine, AssetEntryRow), _count(engine, MarketClearingRow), _count(engine, AuditLogRow))
    assert after == before
    assert {o.status for o in market.orders(admin, PARK, 2025, "S2")} == {"open"}


@pytest.fixture
def accounted(sqlite_engine: Engine) -> Engine:
    build_park(sqlite_engine)
    account_year(
        system_scope(sqlite_engine, "cli"),
        PARK,
        2025,
        AccountingOptions(method=Method.NATIONAL),
        get_settings().factor_set,
    )
    return sqlite_engine


def _all_rows(engine: Engine) -> dict[str, int]:
    with transaction(engine) as s:
        return {
            t.name: int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
        }


def test_fees_and_simulation_write_nothing(accounted: Engine) -> None:
    engine = accounted
    admin = system_scope(engine, "t")
    co2 = market._co2_by_enterprise(admin, PARK, 2025, required=True)
    assert set(co2) == {ENT_A, ENT_B}
    # 历史排放法 with r = 0.1 on 2025 itself: q = floor(0.9 × E)
    gf = {"method": "grandfathering", "reduction": 0.1, "fee_cny_per_t": 100}
    rows = _all_rows(engine)
    sim = market.simulate(admin, PARK, gf, 2025, base_year=2025, assumptions=market.Assumptions(120.0, 60.0))
    assert _all_rows(engine) == rows  # nothing written
    for e in (ENT_A, ENT_B):
        assert sim.quotas[e] == int(0.9 * co2[e] + 1e-9)
    # both are short (quota 90 % of emissions): only bids, no trade; fee = 100 × (E − q)
    assert sim.clearing.price is None
    for e in (ENT_A, ENT_B):
        assert sim.fees[e] == pytest.approx(100 * (co2[e] - sim.quotas[e]))
    # intensity rule: a given quota, compare the fee by hand after simulated orders
    inten = {"method": "intensity", "intensity": 1.0, "fee_cny_per_t": 10, "fee_on": "all"}
    sim2 = market.simulate(admin, PARK, inten, 2025, base_year=2025)
    assert sim2.quotas == {ENT_A: 1000, ENT_B: 500}
    assert sim2.fees[ENT_A] == pytest.approx(10 * co2[ENT_A])  # fee on all emissions
    assert _all_rows(engine) == rows
    # given orders: A offers 10 t at 50, B bids 10 t at 60 → at 50 and at 60 volume 10, everything
    # above/below fills, imbalance 0 both: the middle price (50 + 60) / 2 = 55.00, 10 t from A to B
    given = [Order("a", ENT_A, Side.SELL, 50.0, 10, 1), Order("b", ENT_B, Side.BUY, 60.0, 10, 2)]
    sim3 = market.simulate(admin, PARK, inten, 2025, base_year=2025, orders=given)
    assert (sim3.clearing.price, sim3.clearing.volume) == (55.0, 10)
    with pytest.raises(MarketError, match="not enterprises"):
        market.simulate(
            admin, PARK, inten, 2025, base_year=2025, orders=[Order("x", "NOPE", Side.BUY, 1.0, 1, 1)]
        )
    assert _all_rows(engine) == rows
    with pytest.raises(PermissionDenied):
        market.simulate(_scope(engine, Role.ENTERPRISE, ENT_A), PARK, inten, 2025)
    # adopted: fees from the held quota; an enterprise sees its own line only
    market.set_rule(admin, PARK, 2025, gf, base_year=2025)
    market.issue_quotas(admin, PARK, 2025, on=D)
    lines = {f.enterprise_id: f for f in market.fees(admin, PARK, 2025)}
    assert {e: f.fee_cny for e, f in lines.items()} == pytest.approx(sim.fees)
    assert [f.enterprise_id for f in market.fees(_scope(engine, Role.ENTERPRISE, ENT_B), PARK, 2025)] == [
        ENT_B
    ]
