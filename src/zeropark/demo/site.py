"""The demo park's identity, site and labelling (示例数据).

The park is fictional and says so: its name ends in "（示例数据）", ``Park.is_demo`` is true and
every zone name ends in "（示例）". The site is a real-looking location in 常州市武进区, 江苏 (华东
grid), 31.70 °N, 119.95 °E.
"""

from __future__ import annotations

from zeropark.model import Park, Zone

DEMO_LABEL = "示例数据"
PARK_ID = "demo-park"
PARK_NAME = "示例零碳产业园（示例数据）"
DEFAULT_SEED = 20250101
DEFAULT_YEAR = 2025  # national base year (基准年) of zero-carbon park plans

#: Site of the demo park: 常州市武进区 (a real-looking location; the park itself is fictional).
SITE_LATITUDE = 31.70
SITE_LONGITUDE = 119.95
SITE_ALTITUDE_M = 5.0
SITE_TZ = "Asia/Shanghai"
SITE_PROVINCE = "江苏"
SITE_GRID_REGION = "华东"
#: 行政区划代码 of 常州市武进区.
ADMIN_DIVISION_CODE = "320412"

#: Zones (片区) of the park: code, name.
ZONES = (
    ("A", "A区 精细化工片区"),
    ("B", "B区 高端装备片区"),
    ("C", "C区 电子信息片区"),
    ("D", "D区 纺织物流片区"),
)


def demo_park() -> Park:
    """The demo park (园区), marked ``is_demo``."""
    return Park(
        PARK_ID,
        PARK_NAME,
        SITE_PROVINCE,
        SITE_GRID_REGION,
        SITE_LATITUDE,
        SITE_LONGITUDE,
        SITE_TZ,
        is_demo=True,
    )


def zone_id(code: str) -> str:
    """Id of the zone with ``code`` ("A" … "D")."""
    return f"{PARK_ID}-Z{code}"


def demo_zones() -> tuple[Zone, ...]:
    """The four zones (片区) of the demo park, names marked （示例）."""
    return tuple(Zone(zone_id(code), PARK_ID, f"{name}（示例）") for code, name in ZONES)
