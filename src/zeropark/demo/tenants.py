"""The demo park's tenants and public facilities (names invented and marked 示例).

A tenant is one row of :data:`CATALOGUE`: name, sector, GB/T 4754-2017 industry class, zone, annual
electricity, steam demand, shift pattern and workshops. The catalogue opens with one tenant of each
sector, so even a small park has chemicals, machinery, electronics, textiles, logistics and the data
centre. The public facilities of the park operator (园区公共设施) are :data:`FACILITIES`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zeropark.demo.site import PARK_ID, zone_id
from zeropark.demo.uscc import make_uscc
from zeropark.model import Enterprise


@dataclass(frozen=True, slots=True)
class Tenant:
    """One enterprise of the catalogue (full-year, full-size demo figures)."""

    name: str
    sector: str  # chemicals / machinery / electronics / textiles / logistics / datacentre
    industry_code: str
    zone: str
    annual_mwh: float  # electricity [MWh/year] (full-year, full-size demo)
    steam_gj_per_h: float = 0.0  # mean steam demand [GJ/h] (0 = none)
    shift: str = "two"  # continuous / three / two / day / logistics / datacentre
    workshops: tuple[str, ...] = ()


#: Workshops (level-3 submeters) by sector, in the order a tenant's submeters take them.
_WS_CHEM = (
    "反应车间",
    "精馏车间",
    "干燥包装车间",
    "循环水站",
    "空压站",
    "罐区",
    "污水预处理",
    "办公楼",
    "化验室",
)
_WS_MACH = (
    "机加工车间",
    "焊接车间",
    "涂装车间",
    "装配车间",
    "热处理车间",
    "空压站",
    "仓库",
    "办公楼",
    "食堂",
)
_WS_ELEC = ("SMT车间", "洁净室", "测试车间", "组装车间", "冷冻站", "纯水站", "空压站", "办公楼", "仓库")
_WS_TEXT = ("纺纱车间", "织造车间", "印染车间", "定型车间", "空调站", "空压站", "污水站", "办公楼", "仓库")
_WS_LOGI = ("分拣中心", "冷库", "充电站", "办公楼", "维修车间", "月台照明", "仓库A", "仓库B", "食堂")
_WS_DC = (
    "IT机房A",
    "IT机房B",
    "IT机房C",
    "冷水机组",
    "UPS系统",
    "精密空调",
    "照明及辅助",
    "办公区",
    "柴发机房",
)

#: Tenants in the order the demo takes them (one of each sector first); names are invented and marked
#: 示例, codes are GB/T 4754-2017 classes, figures are for the full-size, full-year demo.
CATALOGUE: tuple[Tenant, ...] = (
    Tenant("常武示例新材料有限公司（示例）", "chemicals", "2651", "A", 126_000, 42.0, "continuous", _WS_CHEM),
    Tenant("示例精密机械制造有限公司（示例）", "machinery", "3484", "B", 28_500, 0.0, "two", _WS_MACH),
    Tenant("示例微电子科技有限公司（示例）", "electronics", "3982", "C", 93_000, 6.0, "three", _WS_ELEC),
    Tenant("示例印染纺织有限公司（示例）", "textiles", "1713", "D", 42_000, 27.0, "three", _WS_TEXT),
    Tenant("示例智慧物流有限公司（示例）", "logistics", "5920", "D", 5_400, 0.0, "logistics", _WS_LOGI),
    Tenant("示例云数据中心有限公司（示例）", "datacentre", "6450", "C", 210_000, 0.0, "datacentre", _WS_DC),
    Tenant("示例钙业化工有限公司（示例）", "chemicals", "2613", "A", 36_000, 18.0, "continuous", _WS_CHEM),
    Tenant("示例泵阀制造有限公司（示例）", "machinery", "3441", "B", 18_600, 0.0, "two", _WS_MACH),
    Tenant("示例光电器件有限公司（示例）", "electronics", "3976", "C", 54_000, 4.5, "three", _WS_ELEC),
    Tenant("示例化纤织造有限公司（示例）", "textiles", "1752", "D", 33_000, 19.5, "three", _WS_TEXT),
    Tenant("示例冷链仓储有限公司（示例）", "logistics", "5930", "D", 12_600, 0.0, "logistics", _WS_LOGI),
    Tenant("示例涂料科技有限公司（示例）", "chemicals", "2641", "A", 24_000, 12.0, "continuous", _WS_CHEM),
    Tenant("示例轴承有限公司（示例）", "machinery", "3452", "B", 22_200, 0.0, "two", _WS_MACH),
    Tenant("示例传感器技术有限公司（示例）", "electronics", "3983", "C", 19_500, 0.0, "two", _WS_ELEC),
    Tenant("示例棉纺有限公司（示例）", "textiles", "1711", "D", 27_000, 6.0, "three", _WS_TEXT),
    Tenant("示例快运有限公司（示例）", "logistics", "5431", "D", 2_700, 0.0, "logistics", _WS_LOGI),
    Tenant("示例有机化学品有限公司（示例）", "chemicals", "2614", "A", 78_000, 33.0, "continuous", _WS_CHEM),
    Tenant("示例汽车零部件有限公司（示例）", "machinery", "3670", "B", 37_500, 0.0, "two", _WS_MACH),
    Tenant("示例电子材料有限公司（示例）", "electronics", "3985", "C", 45_000, 7.5, "three", _WS_ELEC),
    Tenant("示例针织服饰有限公司（示例）", "textiles", "1762", "D", 16_500, 9.0, "two", _WS_TEXT),
    Tenant("示例供应链管理有限公司（示例）", "logistics", "5821", "D", 2_100, 0.0, "logistics", _WS_LOGI),
    Tenant("示例化学助剂有限公司（示例）", "chemicals", "2661", "A", 28_500, 15.0, "continuous", _WS_CHEM),
    Tenant("示例数控机床有限公司（示例）", "machinery", "3421", "B", 17_400, 0.0, "day", _WS_MACH),
    Tenant("示例电路板有限公司（示例）", "electronics", "3982", "C", 66_000, 9.0, "three", _WS_ELEC),
    Tenant("示例家纺有限公司（示例）", "textiles", "1810", "D", 9_600, 0.0, "day", _WS_TEXT),
    Tenant(
        "示例专项化学用品有限公司（示例）", "chemicals", "2662", "A", 33_000, 13.5, "continuous", _WS_CHEM
    ),
    Tenant("示例锅炉设备有限公司（示例）", "machinery", "3411", "B", 13_800, 0.0, "day", _WS_MACH),
    Tenant("示例显示器件有限公司（示例）", "electronics", "3974", "C", 81_000, 6.0, "three", _WS_ELEC),
    Tenant("示例钢结构有限公司（示例）", "machinery", "3311", "B", 11_700, 0.0, "day", _WS_MACH),
    Tenant("示例电声器件有限公司（示例）", "electronics", "3984", "C", 14_400, 0.0, "two", _WS_ELEC),
    Tenant("示例农机装备有限公司（示例）", "machinery", "3572", "B", 9_900, 0.0, "day", _WS_MACH),
    Tenant("示例合成树脂有限公司（示例）", "chemicals", "2651", "A", 57_000, 24.0, "continuous", _WS_CHEM),
    Tenant("示例无纺布有限公司（示例）", "textiles", "1781", "D", 12_300, 3.0, "three", _WS_TEXT),
    Tenant("示例电池模组有限公司（示例）", "electronics", "3841", "C", 39_000, 0.0, "three", _WS_ELEC),
    Tenant("示例液压件有限公司（示例）", "machinery", "3444", "B", 9_000, 0.0, "day", _WS_MACH),
    Tenant("示例危化品仓储有限公司（示例）", "logistics", "5990", "A", 1_800, 0.0, "logistics", _WS_LOGI),
)

#: Public facilities of the park operator (园区公共设施): id suffix, name, GB/T 4754 code, zone.
FACILITIES = (
    ("CHP", "园区热电中心（燃气热电联产，示例）", "4412", "A"),
    ("PV", "园区屋顶分布式光伏（示例）", "4416", None),
    ("BESS", "园区储能电站（示例）", "4420", "B"),
    ("WWTP", "园区污水处理厂（示例）", "4620", "D"),
    ("PUBLIC", "园区管委会及公共照明（示例）", "9222", None),
)

#: Annual electricity of the non-generating public facilities [MWh] (WWTP, admin + street lights).
FACILITY_MWH = {"WWTP": 10_800.0, "PUBLIC": 3_600.0}


def pick_tenants(n: int) -> list[Tenant]:
    """The first ``n`` tenants of the catalogue; the catalogue opens with one of each sector."""
    return list(CATALOGUE[:n])


def tenant_enterprises(tenants: list[Tenant], rng: np.random.Generator) -> list[Enterprise]:
    """The tenants as enterprises ``demo-park-E01`` …, each with a seeded 工业增加值 and USCC.

    Draws, per tenant in order: value added, then the USCC.
    """
    out = []
    for i, t in enumerate(tenants, start=1):
        va = round(float(t.annual_mwh * rng.uniform(0.9, 2.2)), 1)  # 工业增加值 [10⁴ CNY]
        out.append(
            Enterprise(
                f"{PARK_ID}-E{i:02d}",
                PARK_ID,
                t.name,
                make_uscc(rng),
                t.industry_code,
                zone_id(t.zone),
                False,
                va,
            )
        )
    return out


def facility_enterprises(rng: np.random.Generator) -> dict[str, Enterprise]:
    """The public facilities by key ("CHP", "PV", "BESS", "WWTP", "PUBLIC"), each with a seeded USCC."""
    return {
        key: Enterprise(
            f"{PARK_ID}-F-{key}", PARK_ID, name, make_uscc(rng), code, zone_id(z) if z else None, True, None
        )
        for key, name, code, z in FACILITIES
    }
