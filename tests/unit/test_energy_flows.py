"""The park's Sankey (能流图): converters, nested generation, small consumers merged, losses (pure)."""

from __future__ import annotations

import pytest

from zeropark.services.monitoring import build_flows
from zeropark.serving.charts import SANKEY_ROW_PX, sankey_chart, sankey_height
from zeropark.store.schema import MeterRow

NCV = {"natural_gas": 0.038931}  # GJ/m³ (389.31 GJ/10⁴Nm³, the built-in set's natural gas NCV)


def _m(
    mid: str,
    carrier: str,
    direction: str,
    *,
    ent: str | None = None,
    parent: str | None = None,
    tech: str = "",
) -> MeterRow:
    unit = {"electricity": "kWh", "steam": "GJ", "natural_gas": "m3"}[carrier]
    return MeterRow(
        id=mid,
        park_id="P",
        carrier=carrier,
        unit=unit,
        direction=direction,
        enterprise_id=ent,
        parent_id=parent,
        technology=tech,
        name=mid,
        kind="interval",
    )


METERS = [
    _m("GRID", "electricity", "import"),
    _m("NG", "natural_gas", "consumption", ent="F"),
    _m("NG-GT", "natural_gas", "consumption", ent="F", parent="NG"),
    _m("GEN", "electricity", "generation", ent="F", tech="chp"),
    _m("ST-OUT", "steam", "generation", ent="F"),
    _m("PV", "electricity", "generation", ent="S", tech="pv"),
    _m("PV-1", "electricity", "generation", ent="S", parent="PV", tech="pv"),
    _m("DIST", "electricity", "consumption", parent="GRID"),
    *[_m(f"E{i}", "electricity", "consumption", ent=f"E{i}", parent="DIST") for i in range(1, 6)],
    _m("E1-ST", "steam", "consumption", ent="E1", parent="ST-OUT"),
]
ENERGY = {
    "GRID": 1_000_000.0,  # kWh = 1000 MWh
    "NG": 100_000.0,  # m³ × 0.038931 GJ/m³ = 3893.1 GJ ÷ 3.6 = 1081.41667 MWh
    "NG-GT": 80_000.0,  # under NG: not counted again
    "GEN": 300_000.0,  # 300 MWh
    "ST-OUT": 1_800.0,  # GJ ÷ 3.6 = 500 MWh
    "PV": 200_000.0,  # 200 MWh
    "PV-1": 50_000.0,  # under PV: not counted again
    "DIST": 1_400_000.0,  # has children: not a sink
    "E1": 900_000.0,
    "E2": 400_000.0,
    "E3": 10_000.0,
    "E4": 8_000.0,
    "E5": 5_000.0,
    "E1-ST": 1_500.0,  # GJ = 416.66667 MWh
}
NAMES = {"F": "热电中心", "S": "光伏公司", **{f"E{i}": f"企业{i}" for i in range(1, 6)}}


def _links(lang: str = "zh") -> dict[tuple[str, str], float]:
    flows = build_flows(METERS, ENERGY, NAMES, lang, fuel_ncv_gj=NCV)
    return {(s, d): v for s, d, v in flows.links}


def test_chp_is_a_converter_from_gas_to_electricity_and_steam() -> None:
    flows = build_flows(METERS, ENERGY, NAMES, "zh", fuel_ncv_gj=NCV)
    links = {(s, d): v for s, d, v in flows.links}
    chp = "热电联产 · 热电中心"
    assert flows.kinds[chp] == "converter"
    assert links[("天然气", chp)] == pytest.approx(1081.41667, abs=1e-4)
    assert links[(chp, "电力")] == pytest.approx(300.0)
    assert links[(chp, "蒸汽")] == pytest.approx(500.0)
    # 1081.41667 − 300 − 500 = 281.41667 MWh lost in conversion
    assert links[(chp, "转换损失")] == pytest.approx(281.41667, abs=1e-4)
    assert not any("发电" == s for s, _ in links)  # no anonymous "generation" source any more


def test_nested_generation_counted_once_and_small_consumers_merged() -> None:
    links = _links()
    # PV total 200 MWh; its string (50 MWh) is inside it
    assert links[("光伏", "电力")] == pytest.approx(200.0)
    # bus inflow 1000 + 300 + 200 = 1500 MWh; 3 % = 45 MWh: E3 (10), E4 (8), E5 (5) merged = 23 MWh
    assert links[("电力", "企业1")] == pytest.approx(900.0)
    assert links[("电力", "企业2")] == pytest.approx(400.0)
    assert links[("电力", "其他 3 家用户（电力）")] == pytest.approx(23.0)
    assert not any(d in ("企业3", "企业4", "企业5") for _, d in links)
    # losses 1500 − 900 − 400 − 23 = 177 MWh; steam 500 − 416.66667 = 83.33333 MWh
    assert links[("电力", "损耗及未计量")] == pytest.approx(177.0)
    assert links[("蒸汽", "损耗及未计量")] == pytest.approx(83.33333, abs=1e-4)
    assert links[("蒸汽", "企业1")] == pytest.approx(416.66667, abs=1e-4)


def test_every_node_balances_except_sources_and_sinks() -> None:
    flows = build_flows(METERS, ENERGY, NAMES, "en", fuel_ncv_gj=NCV)
    for node, kind in flows.kinds.items():
        if kind in ("converter", "bus"):
            inflow = sum(v for _, d, v in flows.links if d == node)
            outflow = sum(v for s, _, v in flows.links if s == node)
            assert inflow == pytest.approx(outflow), node
    assert "CHP converter · 热电中心" in flows.nodes
    assert "3 other consumers (electricity)" in flows.nodes


def test_many_consumers_are_capped_and_the_chart_is_tall_enough() -> None:
    many = [_m("GRID", "electricity", "import")] + [
        _m(f"C{i}", "electricity", "consumption", ent=f"C{i}", parent="GRID") for i in range(40)
    ]
    energy = {"GRID": 40 * 100_000.0} | {f"C{i}": 100_000.0 for i in range(40)}  # 40 × 2.5 %
    flows = build_flows(many, energy, {}, "zh", fuel_ncv_gj=NCV, small_share=0.0, max_consumers=8)
    sinks = [n for n, k in flows.kinds.items() if k in ("sink", "other")]
    assert len(sinks) == 9  # 8 by name + "其他 32 家用户（电力）"
    assert "其他 32 家用户（电力）" in flows.nodes
    height = sankey_height(flows.kinds)
    assert height >= SANKEY_ROW_PX * 9
    option = sankey_chart(flows.nodes, flows.links, unit="MWh", kinds=flows.kinds)
    assert option["series"][0]["label"]["overflow"] == "truncate"
