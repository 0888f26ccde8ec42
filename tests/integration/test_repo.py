"""Repositories on SQLite and PostgreSQL: round trips, meter tree, tenant scoping, errors."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from zeropark.errors import DataError, DoubleClaim, NotFound
from zeropark.model import (
    ActivityRecord,
    Carrier,
    ClaimKind,
    Direction,
    Enterprise,
    Flow,
    GreenPowerClaim,
    IndicatorData,
    Meter,
    MeterKind,
    Park,
    Transfer,
    Zone,
)
from zeropark.store import repo
from zeropark.store.db import transaction

PARK = Park("P1", "示例园区", "江苏", "华东", 31.3, 120.6, is_demo=True)


def _seed(engine: Engine) -> None:
    repo.add_park(engine, PARK)
    repo.add_zone(engine, Zone("Z1", "P1", "东区"))
    repo.add_enterprise(engine, Enterprise("E1", "P1", "甲企业", "91320000000000001A", "C26", zone_id="Z1"))
    repo.add_enterprise(engine, Enterprise("E2", "P1", "乙企业", "91320000000000002B", "C33"))
    repo.add_enterprise(
        engine, Enterprise("PUB", "P1", "园区公用", "91320000000000003C", "D44", is_public_facility=True)
    )
    el = {"park_id": "P1", "carrier": Carrier.ELECTRICITY, "unit": "kWh", "kind": MeterKind.CUMULATIVE}
    repo.add_meter(engine, Meter("M-ROOT", direction=Direction.IMPORT, **el))  # type: ignore[arg-type]
    repo.add_meter(
        engine,
        Meter("M-E1", direction=Direction.CONSUMPTION, enterprise_id="E1", parent_id="M-ROOT", level=2, **el),  # type: ignore[arg-type]
    )
    repo.add_meter(
        engine,
        Meter("M-E1-L", direction=Direction.CONSUMPTION, enterprise_id="E1", parent_id="M-E1", level=3, **el),  # type: ignore[arg-type]
    )
    repo.add_meter(
        engine,
        Meter("M-E2", direction=Direction.CONSUMPTION, enterprise_id="E2", parent_id="M-ROOT", level=2, **el),  # type: ignore[arg-type]
    )


def test_park_round_trip_and_duplicates(engine: Engine) -> None:
    _seed(engine)
    assert repo.get_park(engine, "P1") == PARK
    assert repo.list_parks(engine) == [PARK]
    with pytest.raises(DataError, match="park 'P1' already exists; use upsert_park"):
        repo.add_park(engine, PARK)
    renamed = Park("P1", "新名字", "江苏", "华东", 31.3, 120.6)
    repo.upsert_park(engine, renamed)
    assert repo.get_park(engine, "P1").name == "新名字"
    with pytest.raises(NotFound, match="park 'nope' does not exist"):
        repo.get_park(engine, "nope")
    assert repo.list_zones(engine, "P1") == [Zone("Z1", "P1", "东区")]


def test_enterprise_scope_isolates_tenants(engine: Engine) -> None:
    _seed(engine)
    assert [e.id for e in repo.list_enterprises(engine, "P1")] == ["E1", "E2", "PUB"]
    assert [e.id for e in repo.list_enterprises(engine, "P1", enterprise_id="E2")] == ["E2"]
    assert repo.get_enterprise(engine, "E1", scope="E1").zone_id == "Z1"
    with pytest.raises(NotFound):
        repo.get_enterprise(engine, "E1", scope="E2")
    assert [m.id for m in repo.list_meters(engine, "P1", enterprise_id="E1")] == ["M-E1", "M-E1-L"]
    with pytest.raises(NotFound, match="meter 'M-E2' does not exist"):
        repo.get_meter(engine, "M-E2", enterprise_id="E1")
    assert repo.get_meter(engine, "M-E2", enterprise_id="E2").parent_id == "M-ROOT"


def test_meter_tree(engine: Engine) -> None:
    _seed(engine)
    assert [m.id for m in repo.meter_children(engine, "M-ROOT")] == ["M-E1", "M-E2"]
    assert [m.id for m in repo.meter_ancestors(engine, "M-E1-L")] == ["M-E1", "M-ROOT"]
    assert [m.id for m in repo.meter_subtree(engine, "M-ROOT")] == ["M-ROOT", "M-E1", "M-E2", "M-E1-L"]
    levels = repo.meters_by_level(engine, "P1")
    assert {k: [m.id for m in v] for k, v in levels.items()} == {
        1: ["M-ROOT"],
        2: ["M-E1", "M-E2"],
        3: ["M-E1-L"],
    }
    m = repo.get_meter(engine, "M-E1")
    assert (m.carrier, m.direction, m.kind) == (
        Carrier.ELECTRICITY,
        Direction.CONSUMPTION,
        MeterKind.CUMULATIVE,
    )


def test_meter_with_unknown_parent_is_refused(engine: Engine) -> None:
    _seed(engine)
    bad = Meter(
        "M-X", "P1", Carrier.ELECTRICITY, "kWh", Direction.CONSUMPTION, MeterKind.INTERVAL, parent_id="nope"
    )
    with pytest.raises(DataError, match="meter 'M-X' was not stored"):
        repo.add_meter(engine, bad)
    assert [m.id for m in repo.list_meters(engine, "P1")] == ["M-E1", "M-E1-L", "M-E2", "M-ROOT"]


def test_activity_claims_transfers_indicators(engine: Engine) -> None:
    _seed(engine)
    rec = ActivityRecord(
        "A1",
        "E1",
        Carrier.DIESEL,
        Flow.COMBUSTION,
        date(2025, 1, 1),
        date(2025, 3, 31),
        12.5,
        "t",
        evidence="发票 001",
    )
    repo.add_activity_record(engine, "P1", rec)
    repo.add_activity_record(
        engine,
        "P1",
        ActivityRecord(
            "A2", "E2", None, Flow.PROCESS, date(2024, 1, 1), date(2024, 12, 31), 3.0, "t", factor_id="x"
        ),
    )
    assert repo.list_activity_records(engine, "P1", year=2025) == [rec]
    assert repo.list_activity_records(engine, "P1", enterprise_id="E2")[0].carrier is None
    with pytest.raises(NotFound):
        repo.get_activity_record(engine, "A1", enterprise_id="E2")
    with pytest.raises(DataError, match="period_end 2025-01-01 is before period_start 2025-02-01"):
        repo.add_activity_record(
            engine,
            "P1",
            ActivityRecord(
                "A3", "E1", Carrier.DIESEL, Flow.COMBUSTION, date(2025, 2, 1), date(2025, 1, 1), 1, "t"
            ),
        )

    claim = GreenPowerClaim("GEC-1", ClaimKind.GEC, 100.0, date(2025, 1, 1), date(2025, 12, 31), "E1", 2025)
    repo.add_claim(engine, "P1", claim)
    with pytest.raises(DoubleClaim, match="'GEC-1' rejected: already claimed by 'E1' for 2025"):
        repo.add_claim(
            engine,
            "P1",
            GreenPowerClaim("GEC-1", ClaimKind.GEC, 5.0, date(2025, 1, 1), date(2025, 12, 31), "E2", 2025),
        )
    assert repo.list_claims(engine, "P1", year=2025) == [claim]
    assert repo.list_claims(engine, "P1", enterprise_id="E2") == []

    t1 = Transfer("T1", "PUB", "E1", Carrier.STEAM, date(2025, 1, 1), 40.0)
    t2 = Transfer("T2", "PUB", "E2", Carrier.STEAM, date(2025, 2, 1), 10.0)
    repo.add_transfer(engine, "P1", t1)
    repo.add_transfer(engine, "P1", t2)
    assert repo.list_transfers(engine, "P1", year=2025) == [t1, t2]
    assert repo.list_transfers(engine, "P1", year=2025, enterprise_id="E2") == [t2]
    with pytest.raises(DataError, match="must be the first day of a month"):
        repo.add_transfer(engine, "P1", Transfer("T3", None, "E1", Carrier.STEAM, date(2025, 2, 3), 1.0))

    assert repo.get_indicator_data(engine, "P1", 2025) == IndicatorData()
    data = IndicatorData(
        water_total_use_m3=1000.0, water_reused_m3=850.0, product_energy_intensity={"P-01": (120.0, 130.0)}
    )
    repo.put_indicator_data(engine, "P1", 2025, data)
    assert repo.get_indicator_data(engine, "P1", 2025) == data


def test_gateways_and_session_use(engine: Engine) -> None:
    _seed(engine)
    gw = repo.Gateway("GW1", "P1", "一号网关", "$argon2id$hash", "zpk_ab12")
    with transaction(engine) as session:  # the caller's transaction: both writes or none
        repo.add_gateway(session, gw)
        repo.upsert_meter(
            session,
            Meter(
                "M-GW",
                "P1",
                Carrier.ELECTRICITY,
                "kWh",
                Direction.CONSUMPTION,
                MeterKind.INTERVAL,
                gateway_id="GW1",
                interval_s=900,
            ),
        )
    assert repo.list_gateways(engine, api_key_prefix="zpk_ab12") == [gw]
    m = repo.get_meter(engine, "M-GW")
    assert (m.gateway_id, m.interval_s) == ("GW1", 900)
