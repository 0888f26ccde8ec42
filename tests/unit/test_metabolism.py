"""Unit tests of zeropark.roadmap.metabolism on a small park accounted by the core (no I/O).

The park (January 2025, factor set CN-park-2025, national method, default options):

- the grid boundary meter: 1 000 000 kWh purchased;
- PV (public facility): 20 000 kWh generated into the park grid;
- CHP (public facility): 100 000 m³ natural gas burnt; sells 2 000 GJ steam to E1 and 100 000 kWh
  electricity to E2 (internal transfers);
- E1 (C26): 600 000 kWh from the park grid, 10 t diesel; E2 (C33): 350 000 kWh from the park grid.

Coefficients (GB/T 2589-2020 Table A.1, as the factor set cites them): electricity 0.0001229 tce/kWh
(equal value), natural gas 0.0012143 tce/m³, diesel 1.4571 tce/t, steam 0.03412 tce/GJ.
"""

from __future__ import annotations

import math
from datetime import date

import pytest

from zeropark.accounting import PUBLIC_FACILITIES, run_views
from zeropark.factors import load_factor_set
from zeropark.model import (
    AccountingInput,
    Carrier,
    Enterprise,
    Flow,
    MonthlyQuantity,
    Park,
    Transfer,
)
from zeropark.roadmap.metabolism import (
    ALLOCATION_NOTE,
    FlowKind,
    LineRef,
    Metabolism,
    NodeKind,
    Party,
    View,
    carbon_flows,
    energy_flows,
    flows,
)

JAN = date(2025, 1, 1)
PARK = Park(id="P", name="测试园区", province="江苏", grid_region="华东", latitude=31.0, longitude=120.0)
FACTORS = load_factor_set("CN-park-2025")


def _q(carrier: Carrier, flow: Flow, quantity: float, enterprise: str | None = None) -> MonthlyQuantity:
    return MonthlyQuantity(enterprise, carrier, flow, JAN, quantity, (f"m-{enterprise}-{carrier.value}",))


def _ent(eid: str, code: str, public: bool = False) -> Enterprise:
    return Enterprise(eid, "P", f"{eid} 公司", f"9132{eid}", code, is_public_facility=public)


WHO = {
    "E1": Party("E1", "E1 公司", "sink:sector:26", "26 化工", "division 26"),
    "E2": Party("E2", "E2 公司", "sink:sector:33", "33 金属制品", "division 33"),
    "CHP": Party("CHP", "热电站", "sink:public", "公共设施", "public facilities"),
    "PV": Party("PV", "光伏", "sink:public", "公共设施", "public facilities"),
}


def _park(*extra: MonthlyQuantity) -> tuple[View, list[View], tuple[Transfer, ...]]:
    transfers = (
        Transfer("T-ST", "CHP", "E1", Carrier.STEAM, JAN, 2000.0),
        Transfer("T-EL", "CHP", "E2", Carrier.ELECTRICITY, JAN, 100_000.0),
    )
    data = AccountingInput(
        park=PARK,
        year=2025,
        enterprises=(
            *((_ent("BESS", "D4420", True),) if extra else ()),
            _ent("E1", "C2614"),
            _ent("E2", "C3311"),
            _ent("CHP", "D4430", True),
            _ent("PV", "D4416", True),
        ),
        quantities=(
            _q(Carrier.ELECTRICITY, Flow.PURCHASED, 1_000_000.0),
            _q(Carrier.ELECTRICITY, Flow.GENERATED, 20_000.0, "PV"),
            _q(Carrier.NATURAL_GAS, Flow.COMBUSTION, 100_000.0, "CHP"),
            _q(Carrier.STEAM, Flow.INTERNAL_PURCHASE, 2000.0, "E1"),
            _q(Carrier.ELECTRICITY, Flow.INTERNAL_PURCHASE, 100_000.0, "E2"),
            _q(Carrier.ELECTRICITY, Flow.CONSUMED, 600_000.0, "E1"),
            _q(Carrier.DIESEL, Flow.COMBUSTION, 10.0, "E1"),
            _q(Carrier.ELECTRICITY, Flow.CONSUMED, 350_000.0, "E2"),
            *extra,
        ),
        transfers=transfers,
    )
    views = run_views(data, FACTORS)
    parties = [View(10 + i, v) for i, v in enumerate(views.enterprises)]
    return View(1, views.park), parties, transfers


def _value(m: Metabolism, source: str, target: str) -> float:
    found = [lk.value for lk in m.links if lk.source == source and lk.target == target]
    assert len(found) == 1, (source, target, [(lk.source, lk.target) for lk in m.links])
    return found[0]


def test_energy_flows_by_hand() -> None:
    park, parties, transfers = _park()
    m = energy_flows(park, parties, WHO, transfers)
    assert m.unit == "tce" and m.kind is FlowKind.ENERGY
    # sources: grid 1 000 000 kWh × 0.0001229 = 122.9; PV 20 000 × 0.0001229 = 2.458;
    # gas 100 000 m³ × 0.0012143 = 121.43; diesel 10 t × 1.4571 = 14.571
    assert _value(m, "src:grid", "bus:electricity") == pytest.approx(122.9, abs=1e-9)
    assert _value(m, "src:renewable", "bus:electricity") == pytest.approx(2.458, abs=1e-9)
    assert _value(m, "src:fuel:natural_gas", "conv:CHP") == pytest.approx(121.43, abs=1e-9)
    assert _value(m, "src:fuel:diesel", "sink:sector:26") == pytest.approx(14.571, abs=1e-9)
    # network: E1 600 000 × 0.0001229 = 73.74, E2 350 000 × 0.0001229 = 43.015;
    # loss = 122.9 + 2.458 − 73.74 − 43.015 = 8.603 (= the 70 000 kWh the meters did not see)
    assert _value(m, "bus:electricity", "sink:sector:26") == pytest.approx(73.74, abs=1e-9)
    assert _value(m, "bus:electricity", "sink:sector:33") == pytest.approx(43.015, abs=1e-9)
    assert _value(m, "bus:electricity", "loss:network") == pytest.approx(8.603, abs=1e-9)
    # CHP: steam 2 000 GJ × 0.03412 = 68.24 to E1, electricity 100 000 × 0.0001229 = 12.29 to E2;
    # conversion loss = 121.43 − 68.24 − 12.29 = 40.9
    assert _value(m, "conv:CHP", "sink:sector:26") == pytest.approx(68.24, abs=1e-9)
    assert _value(m, "conv:CHP", "sink:sector:33") == pytest.approx(12.29, abs=1e-9)
    assert _value(m, "conv:CHP", "loss:conversion") == pytest.approx(40.9, abs=1e-9)
    # balance per conversion and network node; sources = the run's energy (PV included by the option)
    assert all(abs(v) < 1e-9 for v in m.imbalance().values())
    assert m.total() == pytest.approx(122.9 + 2.458 + 121.43 + 14.571, abs=1e-9)
    assert m.total() == pytest.approx(park.inventory.energy_tce, abs=1e-9)
    assert {n.id: n.kind for n in m.nodes}["conv:CHP"] is NodeKind.CONVERTER
    # each link names its line items: the steam delivery is E1's own internal-purchase line
    steam = next(lk for lk in m.links if lk.source == "conv:CHP" and lk.target == "sink:sector:26")
    e1 = next(p for p in parties if p.inventory.enterprise_id == "E1")
    (ref,) = steam.items
    assert ref.run_id == e1.run_id and ref.view == "E1"
    assert e1.inventory.line(ref.line_id).carrier is Carrier.STEAM
    gas = next(lk for lk in m.links if lk.target == "conv:CHP")
    assert gas.items == (LineRef(1, None, park.inventory.lines_of("source", "energy_conversion")[0].id),)


def test_carbon_flows_by_hand() -> None:
    park, parties, transfers = _park()
    m = carbon_flows(park, parties, WHO, transfers)
    assert m.unit == "tCO2"
    # grid 1 000 MWh × 0.8325 = 832.5 t; E1 600 × 0.8325 = 499.5, E2 350 × 0.8325 = 291.375;
    # the park-level remainder 832.5 − 790.875 = 41.625 (the inventory's park-level row)
    assert _value(m, "src:grid", "bus:electricity") == pytest.approx(832.5, abs=1e-9)
    assert _value(m, "bus:electricity", "sink:sector:26") == pytest.approx(499.5, abs=1e-9)
    assert _value(m, "bus:electricity", "sink:sector:33") == pytest.approx(291.375, abs=1e-9)
    assert _value(m, "bus:electricity", "park:remainder") == pytest.approx(41.625, abs=1e-9)
    assert park.inventory.by_enterprise["park"] == pytest.approx(41.625, abs=1e-9)
    # CHP gas 100 000 m³ × 0.038931 GJ/m³ × 0.0153 tC/GJ × 0.99 × 44/12 = 216.2188809 t, allocated by
    # the energy delivered: E1 68.24 / 80.53, E2 12.29 / 80.53
    gas = 100_000 * 0.038931 * 0.0153 * 0.99 * 44 / 12
    assert _value(m, "src:fuel:natural_gas", "conv:CHP") == pytest.approx(gas, rel=1e-12)
    assert _value(m, "conv:CHP", "sink:sector:26") == pytest.approx(gas * 68.24 / 80.53, rel=1e-9)
    assert _value(m, "conv:CHP", "sink:sector:33") == pytest.approx(gas * 12.29 / 80.53, rel=1e-9)
    assert all(abs(v) < 1e-9 for v in m.imbalance().values())
    assert m.notes == (ALLOCATION_NOTE,)  # the [UNCERTAIN] allocation is said with the figures
    # all CO2 lands: sinks = park total (no export credit here)
    sinks = math.fsum(lk.value for lk in m.links if m.node(lk.target).kind in (NodeKind.SINK, NodeKind.LOSS))
    assert sinks == pytest.approx(park.inventory.total_tco2e, abs=1e-9)


def test_without_transfers_the_single_converter_delivers() -> None:
    park, parties, _ = _park()
    with_transfers = flows(FlowKind.ENERGY, park, parties, WHO, _park()[2]).to_dict()
    assert flows(FlowKind.ENERGY, park, parties, WHO).to_dict() == with_transfers


def test_an_enterprise_view_flows_into_itself() -> None:
    _, parties, _ = _park()
    e2 = next(p for p in parties if p.inventory.enterprise_id == "E2")
    m = energy_flows(e2, (), WHO)
    # 350 000 kWh from the grid × 0.0001229 = 43.015; 100 000 kWh from the CHP = 12.29
    assert _value(m, "src:grid", "sink:sector:33") == pytest.approx(43.015, abs=1e-9)
    assert _value(m, "src:internal:bus:electricity", "sink:sector:33") == pytest.approx(12.29, abs=1e-9)
    assert m.total() == pytest.approx(e2.inventory.energy_tce, abs=1e-9)
    assert PUBLIC_FACILITIES not in {n.id for n in m.nodes}


def test_water_flows_by_hand() -> None:
    from zeropark.roadmap.metabolism import WaterMeter, water_flows

    meters = [
        WaterMeter("W-IN", "进水总表", None, None, "import", 1000.0),
        WaterMeter("W-E1", "E1 水表", "W-IN", "E1", "consumption", 600.0),
        WaterMeter("W-E1-a", "E1 车间", "W-E1", "E1", "consumption", 250.0),  # inside W-E1
        WaterMeter("W-E2", "E2 水表", "W-IN", "E2", "consumption", 370.0),
    ]
    m = water_flows("P", 2025, meters, WHO)
    # inlet 1 000 m³ → network; E1 600, E2 370 (the workshop submeter is inside E1's 600);
    # loss = 1 000 − 600 − 370 = 30 m³ (3 %)
    assert _value(m, "src:water:W-IN", "bus:water") == 1000.0
    assert _value(m, "bus:water", "sink:sector:26") == 600.0
    assert _value(m, "bus:water", "sink:sector:33") == 370.0
    assert _value(m, "bus:water", "loss:water") == pytest.approx(30.0, abs=1e-9)
    assert m.imbalance() == {"bus:water": pytest.approx(0.0, abs=1e-9)}
    assert m.unit == "m3" and m.run_id is None and m.inventory_total == 1000.0
    e1 = next(lk for lk in m.links if lk.target == "sink:sector:26")
    assert e1.meters == ("W-E1",) and e1.items == ()
    # an enterprise user sees its own meter only: a root with an enterprise flows into its sink
    own = water_flows("P", 2025, [WaterMeter("W-E2", "E2 水表", "W-IN", "E2", "consumption", 370.0)], WHO)
    assert _value(own, "src:water:W-E2", "sink:sector:33") == 370.0


def test_water_intake_is_the_sankey_supply_without_reused_water() -> None:
    """The reuse rate's fresh intake: the root meters' totals, exactly the Sankey's supply flows."""
    from zeropark.roadmap.metabolism import WaterMeter, WaterReuse, water_flows, water_intake

    meters = [
        WaterMeter("W-IN", "进水总表", None, None, "import", 1000.0),
        WaterMeter("W-E1", "E1 水表", "W-IN", "E1", "consumption", 600.0),
        WaterMeter("W-WELL", "E2 自备井", None, "E2", "consumption", 200.0),  # an enterprise's own supply
        WaterMeter("W-OLD", "停用表", None, None, "import", None),  # no data in the year
    ]
    reuse = (WaterReuse("X3", "wwtp", "再生水", "E1", 436445.1),)
    # intake = inlet 1 000 + own well 200 = 1 200 m³; the 436 445.1 m³ reused are no intake
    assert water_intake(meters) == 1200.0
    m = water_flows("P", 2025, meters, WHO, reuse)
    supply = [lk.value for lk in m.links if lk.source in ("src:water:W-IN", "src:water:W-WELL")]
    assert sum(supply) == water_intake(meters)
    assert m.inventory_total == pytest.approx(1200.0 + 436445.1)  # the Sankey's inflow counts the reuse
    assert water_intake([WaterMeter("W-OLD", "停用表", None, None, "import", None)]) is None


def test_storage_is_a_converter_net_of_its_discharge() -> None:
    from zeropark.roadmap.metabolism import Storage

    park, parties, transfers = _park(_q(Carrier.ELECTRICITY, Flow.CONSUMED, 50_000.0, "BESS"))
    who = {**WHO, "BESS": Party("BESS", "储能站", "sink:public", "公共设施", "public facilities")}
    m = energy_flows(park, parties, who, transfers, (Storage("BESS", 45_000.0, ("M-BESS-DIS",)),))
    # charge 50 000 kWh, discharge 45 000 kWh: the network sends (50 000 − 45 000) × 0.0001229 =
    # 0.6145 tce to the battery, its loss; network loss = 122.9 + 2.458 − 73.74 − 43.015 − 0.6145
    # = 7.9885 tce (without the discharge it would read 122.9 + 2.458 − 73.74 − 43.015 − 6.145)
    assert _value(m, "bus:electricity", "store:BESS") == pytest.approx(0.6145, abs=1e-9)
    assert _value(m, "store:BESS", "loss:conversion") == pytest.approx(0.6145, abs=1e-9)
    assert _value(m, "bus:electricity", "loss:network") == pytest.approx(7.9885, abs=1e-9)
    assert all(abs(v) < 1e-9 for v in m.imbalance().values())
    net = next(lk for lk in m.links if lk.target == "store:BESS")
    assert net.derived == "net" and net.meters == ("M-BESS-DIS",) and len(net.items) == 1
    assert "sink:public" not in {lk.target for lk in m.links if lk.source == "bus:electricity"}
