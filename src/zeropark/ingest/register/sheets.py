"""The park register 园区登记表: its sheets (YAML sections), columns and the names a cell may hold.

The one header map of the register file (STYLE.md §1): the template
(:mod:`~zeropark.ingest.register.template`) writes these headers and the reader
(:mod:`~zeropark.ingest.register.read`) maps Chinese or English headers, or the canonical keys of
a YAML file, to the keys here.
"""

from __future__ import annotations

from zeropark.ingest.workbook.sheets import CARRIER_NAMES, Column
from zeropark.model import Carrier, Direction, MeterKind

__all__ = [
    "BOOL_NAMES",
    "DIRECTION_NAMES",
    "EXAMPLE_PARK_ID",
    "GRID_REGIONS",
    "KIND_NAMES",
    "REGISTER_SHEETS",
    "SHEET_ENTERPRISES",
    "SHEET_HELP",
    "SHEET_METERS",
    "SHEET_PARK",
    "SHEET_ZONES",
    "TITLE",
    "carrier_of",
]

TITLE = "园区登记表"
#: The id of the template's example park; a register that still names it is refused.
EXAMPLE_PARK_ID = "example-park"
SHEET_PARK = "园区"
SHEET_ZONES = "片区"
SHEET_ENTERPRISES = "企业"
SHEET_METERS = "计量器具"
SHEET_HELP = "填报说明"

#: Register sheets, their YAML key and columns.
REGISTER_SHEETS: dict[str, tuple[str, tuple[Column, ...]]] = {
    SHEET_PARK: (
        "park",
        (
            Column("id", "园区编号", "Park ID", 16),
            Column("name", "园区名称", "Park name", 30),
            Column("province", "省份", "Province", 10),
            Column("grid_region", "区域电网", "Grid region", 10),
            Column("latitude", "纬度（°N）", "Latitude [°N]", 12),
            Column("longitude", "经度（°E）", "Longitude [°E]", 12),
            Column("timezone", "时区", "Time zone", 16, False),
        ),
    ),
    SHEET_ZONES: (
        "zones",
        (
            Column("id", "片区编号", "Zone ID", 16),
            Column("name", "片区名称", "Zone name", 30),
        ),
    ),
    SHEET_ENTERPRISES: (
        "enterprises",
        (
            Column("id", "企业编号", "Enterprise ID", 16),
            Column("name", "企业名称", "Enterprise name", 34),
            Column("uscc", "统一社会信用代码", "USCC (18 chars)", 22),
            Column("industry_code", "行业代码（GB/T 4754）", "Industry code (GB/T 4754)", 14),
            Column("zone", "所属片区编号", "Zone ID", 14, False),
            Column("public_facility", "园区公共设施（是/否）", "Public facility (yes/no)", 12, False),
        ),
    ),
    SHEET_METERS: (
        "meters",
        (
            Column("id", "表号", "Meter ID", 18),
            Column("name", "名称", "Name", 24, False),
            Column("carrier", "能源品种", "Energy carrier", 12),
            Column("direction", "计量方向", "Direction", 12),
            Column("kind", "数据类型", "Data kind", 12, False),
            Column("unit", "计量单位", "Unit", 10, False),
            Column("enterprise", "所属企业编号", "Enterprise ID", 14, False),
            Column("parent", "上级表号", "Parent meter ID", 18, False),
            Column("level", "计量层级", "Metering level", 8, False),
            Column("technology", "发电技术", "Generation technology", 12, False),
            Column("multiplier", "倍率", "Multiplier (CT×PT)", 10, False),
            Column("interval_min", "采集间隔（分钟）", "Interval [min]", 10, False),
            Column("accuracy_class", "准确度等级（%）", "Accuracy class [%]", 10, False),
            Column("rated_capacity", "额定容量（计量单位/小时）", "Rated capacity [unit/h]", 14, False),
            Column("register_max", "表底数满量程", "Register maximum", 14, False),
        ),
    ),
}

#: 区域电网 names of the grid factors (zeropark.factors data grid_electricity.csv).
GRID_REGIONS: tuple[str, ...] = ("华北", "东北", "华东", "华中", "西北", "南方", "西南")

#: 计量方向 names (Chinese, English) → Direction.
DIRECTION_NAMES: dict[str, Direction] = {
    **{d.value: d for d in Direction},
    "购入": Direction.IMPORT,
    "输入": Direction.IMPORT,
    "园区购入": Direction.IMPORT,
    "外送": Direction.EXPORT,
    "上网": Direction.EXPORT,
    "输出": Direction.EXPORT,
    "发电": Direction.GENERATION,
    "产出": Direction.GENERATION,
    "消费": Direction.CONSUMPTION,
    "用能": Direction.CONSUMPTION,
}

#: 数据类型 names → MeterKind (blank: interval values).
KIND_NAMES: dict[str, MeterKind] = {
    **{k.value: k for k in MeterKind},
    "区间量": MeterKind.INTERVAL,
    "区间": MeterKind.INTERVAL,
    "表底数": MeterKind.CUMULATIVE,
    "累计": MeterKind.CUMULATIVE,
    "累计值": MeterKind.CUMULATIVE,
}

#: Yes/no cells.
BOOL_NAMES: dict[str, bool] = {
    "是": True,
    "否": False,
    "yes": True,
    "no": False,
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "y": True,
    "n": False,
}


def carrier_of(name: str) -> Carrier | None:
    """The carrier named ``name`` (Chinese label, English code or alias), or None."""
    return CARRIER_NAMES.get(name.strip().lower()) or CARRIER_NAMES.get(name.strip())
