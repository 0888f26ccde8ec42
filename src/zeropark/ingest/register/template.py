"""Write the park register 园区登记表 as a template (.xlsx or .yaml) or from a stored park (.yaml).

The template holds the example park of docs/data-formats.md §7 (id ``example-park``): one zone,
one enterprise, a grid meter with child meters, a gas meter, a steam meter and a PV meter. A file
that still names the example park is refused by ``zeropark park init``, so an unedited template
cannot register a park by accident. :func:`register_document` turns a stored park back into the
same YAML shape (``zeropark park show PARK --format yaml``), so a register can be exported,
edited and registered again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from zeropark.ingest.register.read import ParkRegister
from zeropark.ingest.register.sheets import (
    EXAMPLE_PARK_ID,
    GRID_REGIONS,
    REGISTER_SHEETS,
    SHEET_HELP,
    SHEET_METERS,
    SHEET_PARK,
    TITLE,
)
from zeropark.ingest.xlsx_template import (
    EXAMPLE_FILL,
    add_choices,
    add_data_sheet,
    choice_validation,
    new_template,
    restrict_column,
    save_template,
)
from zeropark.model import CARRIER_LABEL_ZH, Carrier, Meter, MeterKind

__all__ = ["EXAMPLE_PARK_ID", "register_document", "register_yaml", "write_register_template"]

_EXAMPLE: dict[str, Any] = {
    "park": {
        "id": EXAMPLE_PARK_ID,
        "name": "示例产业园",
        "province": "江苏",
        "grid_region": "华东",
        "latitude": 31.7,
        "longitude": 119.95,
    },
    "zones": [{"id": "Z1", "name": "一期"}],
    "enterprises": [
        {
            "id": "E01",
            "name": "某某新材料有限公司",
            "uscc": "91350100M000100Y43",
            "industry_code": "2651",
            "zone": "Z1",
        }
    ],
    "meters": [
        {
            "id": "GRID-IN",
            "name": "园区110kV进线总表",
            "carrier": "电力",
            "direction": "购入",
            "kind": "区间量",
            "unit": "kWh",
            "multiplier": 1,
            "interval_min": 15,
            "accuracy_class": 0.2,
            "children": [
                {
                    "id": "E01-EL",
                    "name": "E01 10kV进线",
                    "carrier": "电力",
                    "direction": "消费",
                    "enterprise": "E01",
                    "kind": "表底数",
                    "unit": "kWh",
                    "multiplier": 80,
                    "interval_min": 15,
                    "register_max": 999999.99,
                },
                {
                    "id": "PUBLIC-EL",
                    "name": "公共照明",
                    "carrier": "电力",
                    "direction": "消费",
                    "interval_min": 60,
                },
            ],
        },
        {
            "id": "E01-GAS",
            "name": "E01 天然气表",
            "carrier": "天然气",
            "direction": "消费",
            "enterprise": "E01",
            "unit": "m3",
            "interval_min": 60,
        },
        {
            "id": "E01-STEAM",
            "name": "E01 外购蒸汽（热量）",
            "carrier": "蒸汽",
            "direction": "购入",
            "enterprise": "E01",
            "unit": "GJ",
            "interval_min": 60,
        },
        {
            "id": "E01-PV",
            "name": "E01 屋顶光伏",
            "carrier": "电力",
            "direction": "发电",
            "technology": "pv",
            "enterprise": "E01",
            "interval_min": 15,
        },
    ],
}

_HELP_LINES = (
    TITLE,
    "Park register — zeropark 零碳园区能碳管理平台",
    "",
    "1. 每个表第1行为中文表头，第2行为英文表头；从第3行起每行一条。带 * 的列必填。",
    "   Row 1 is the Chinese header, row 2 the English one; one item per row from row 3. * = required.",
    f"2. 本模板中的示例（园区编号 {EXAMPLE_PARK_ID}）必须替换为贵园区的数据，否则导入会被拒绝。",
    f"   The example (park id {EXAMPLE_PARK_ID}) must be replaced by your park; it is refused as is.",
    "3. 园区：一行。区域电网填 " + "、".join(GRID_REGIONS) + " 之一；纬度、经度为度（小数）。",
    "   Park: one row. Grid region one of the list; latitude/longitude in decimal degrees.",
    "4. 企业：统一社会信用代码按 GB 32100-2015 校验（18位，含校验码）。",
    "   Enterprises: the USCC is checked (GB 32100-2015, 18 characters with check character).",
    "5. 计量器具：上级表号构成计量树（同一能源品种，不得成环）；计量方向：购入/外送/发电/消费；",
    "   数据类型：区间量（每个采集间隔的用量）或表底数（累计读数）；倍率 = CT×PT；采集间隔（分钟）。",
    "   Meters: the parent meter id builds the tree (one carrier, no cycle); direction import/export/",
    "   generation/consumption; kind interval or cumulative; multiplier = CT×PT; interval in minutes.",
    "6. 导入：zeropark park init 文件名.xlsx（有任何错误则不导入，列出 表/行/列/修改方法）；",
    "   重复导入同一文件不做任何修改。查看：zeropark park show 园区编号。",
    "   `zeropark park init FILE.xlsx` stores nothing if a row is wrong (sheet/row/column/fix);",
    "   registering the same file again changes nothing. `zeropark park show PARK` shows it.",
)


def _flat_meters(items: list[dict[str, Any]], parent: str | None = None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        row = {k: v for k, v in item.items() if k != "children"}
        if parent is not None:
            row["parent"] = parent
        out.append(row)
        out.extend(_flat_meters(item.get("children", []), item["id"]))
    return out


def _write_xlsx(path: Path) -> None:
    wb = new_template(SHEET_HELP, _HELP_LINES)
    choices = {
        "A": ("能源品种 carrier", [CARRIER_LABEL_ZH[c] for c in Carrier if c is not Carrier.MATERIAL]),
        "B": ("计量方向 direction", ["购入", "外送", "发电", "消费"]),
        "C": ("数据类型 kind", ["区间量", "表底数"]),
        "D": ("区域电网 grid region", list(GRID_REGIONS)),
        "E": ("是/否", ["是", "否"]),
    }
    add_choices(wb, choices)
    where = {
        (SHEET_METERS, "carrier"): "A",
        (SHEET_METERS, "direction"): "B",
        (SHEET_METERS, "kind"): "C",
        (SHEET_PARK, "grid_region"): "D",
        ("企业", "public_facility"): "E",
    }
    rows = {
        "park": [_EXAMPLE["park"]],
        "zones": _EXAMPLE["zones"],
        "enterprises": _EXAMPLE["enterprises"],
        "meters": _flat_meters(_EXAMPLE["meters"]),
    }
    for sheet, (key, cols) in REGISTER_SHEETS.items():
        ws = add_data_sheet(wb, sheet, cols)
        for j, c in enumerate(cols, start=1):
            for i, item in enumerate(rows[key], start=3):
                ws.cell(row=i, column=j, value=item.get(c.key)).fill = EXAMPLE_FILL
            list_col = where.get((sheet, c.key))
            if list_col is not None:
                restrict_column(ws, j, choice_validation(list_col, len(choices[list_col][1])))
    save_template(wb, path)


def register_yaml(document: dict[str, Any], header: str = "") -> str:
    """A register document as YAML text (UTF-8, keys in the file's order), after ``header`` comments."""
    body = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=110)
    return header + body


def write_register_template(path: Path | str) -> Path:
    """Write the park register template with the example park to ``path`` (.xlsx or .yaml/.yml).

    Raises
    ------
    ValueError
        If ``path`` is neither .xlsx nor .yaml/.yml.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        _write_xlsx(path)
    elif suffix in (".yaml", ".yml"):
        header = (
            f"# {TITLE} park register — zeropark (docs/data-formats.md §7)\n"
            f"# Replace the example park ({EXAMPLE_PARK_ID}) by yours, then: zeropark park init {path.name}\n"
            "# meters: a meter's children are listed under it (or give 'parent: ID'); units default to\n"
            "# the carrier's canonical unit (kWh, m3, t, GJ); interval_min to 60; kind to 区间量.\n"
        )
        path.write_text(register_yaml(_EXAMPLE, header), encoding="utf-8")
    else:
        raise ValueError(f"{path.name}: write the register template as .xlsx or .yaml")
    return path


def _meter_item(m: Meter, children: dict[str | None, list[Meter]]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": m.id,
        "name": m.name,
        "carrier": CARRIER_LABEL_ZH[m.carrier],
        "direction": m.direction.value,
        "kind": m.kind.value,
        "unit": m.unit,
    }
    optional = {
        "enterprise": m.enterprise_id,
        "technology": m.technology or None,
        "level": m.level,
        "multiplier": m.multiplier if m.multiplier != 1.0 else None,
        "interval_min": m.interval_s // 60 if m.interval_s % 60 == 0 else m.interval_s / 60,
        "accuracy_class": m.accuracy_class if m.accuracy_class != 1.0 else None,
        "rated_capacity": m.rated_capacity,
        "register_max": m.register_max if m.kind is MeterKind.CUMULATIVE else None,
    }
    item.update({k: v for k, v in optional.items() if v is not None})
    kids = children.get(m.id, [])
    if kids:
        item["children"] = [_meter_item(k, children) for k in kids]
    return item


def register_document(register: ParkRegister) -> dict[str, Any]:
    """A park register as the YAML document ``zeropark park init`` reads (meters nested by tree)."""
    p = register.park
    park: dict[str, Any] = {
        "id": p.id,
        "name": p.name,
        "province": p.province,
        "grid_region": p.grid_region,
        "latitude": p.latitude,
        "longitude": p.longitude,
    }
    if p.timezone != "Asia/Shanghai":
        park["timezone"] = p.timezone
    ids = {m.id for m in register.meters}
    children: dict[str | None, list[Meter]] = {}
    for m in register.meters:
        children.setdefault(m.parent_id if m.parent_id in ids else None, []).append(m)
    enterprises = []
    for e in register.enterprises:
        item: dict[str, Any] = {"id": e.id, "name": e.name, "uscc": e.uscc, "industry_code": e.industry_code}
        if e.zone_id:
            item["zone"] = e.zone_id
        if e.is_public_facility:
            item["public_facility"] = "是"
        enterprises.append(item)
    return {
        "park": park,
        "zones": [{"id": z.id, "name": z.name} for z in register.zones],
        "enterprises": enterprises,
        "meters": [_meter_item(m, children) for m in children.get(None, [])],
    }
