"""The sheets of the enterprise workbook 企业能源消费与碳排放数据填报表 and the names accepted in them.

The one header map of the boundary (STYLE.md §1): each data sheet's columns with their canonical
key, Chinese header (with unit) and English header, and the carrier, usage, certificate-kind and
process-material names a cell may hold. The template (:mod:`zeropark.ingest.workbook.template`),
the readers (:mod:`~zeropark.ingest.workbook.parse`) and the checks
(:mod:`~zeropark.ingest.workbook.checks`) all read them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zeropark.model import CARRIER_LABEL_ZH, Carrier, ClaimKind, Flow

__all__ = [
    "CARRIER_HINT",
    "CARRIER_NAMES",
    "CLAIM_KIND_NAMES",
    "DEFAULT_UNIT",
    "EXAMPLES",
    "EXAMPLE_MARK",
    "PROCESS_MATERIALS",
    "SHEETS",
    "SHEET_ENERGY",
    "SHEET_GREEN",
    "SHEET_HELP",
    "SHEET_INFO",
    "SHEET_PROCESS",
    "SHEET_PRODUCTION",
    "TITLE",
    "UNIT_CHOICES",
    "Column",
]

TITLE = "企业能源消费与碳排放数据填报表"
EXAMPLE_MARK = "示例行"
"""A row whose 备注 (note) starts with this text is the template's example and is not imported."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a data sheet: canonical key, Chinese header (with unit), English header."""

    key: str
    zh: str
    en: str
    width: int = 14
    required: bool = True


SHEET_INFO = "企业信息"
SHEET_ENERGY = "能源消费"
SHEET_PRODUCTION = "产品产量"
SHEET_PROCESS = "工业过程"
SHEET_GREEN = "绿证绿电"
SHEET_HELP = "填报说明"

#: Data sheets, their canonical YAML/JSON key and columns (the header map of the boundary).
SHEETS: dict[str, tuple[str, tuple[Column, ...]]] = {
    SHEET_INFO: (
        "enterprise",
        (
            Column("id", "企业编号", "Enterprise ID", 18),
            Column("name", "企业名称", "Enterprise name", 34, False),
            Column("uscc", "统一社会信用代码", "USCC (18 chars)", 22, False),
            Column("industry_code", "行业代码（GB/T 4754）", "Industry code (GB/T 4754)", 14, False),
            Column("year", "填报年度", "Reporting year", 10),
            Column("value_added_10k_cny", "工业增加值（万元）", "Value added [10^4 CNY]", 16, False),
            Column("contact", "联系人", "Contact", 12, False),
            Column("note", "备注", "Note", 30, False),
        ),
    ),
    SHEET_ENERGY: (
        "energy",
        (
            Column("month", "月份（YYYY-MM）", "Month (YYYY-MM)", 12),
            Column("carrier", "能源品种", "Energy carrier", 14),
            Column("usage", "用途", "Usage", 14, False),
            Column("quantity", "消费量", "Quantity", 14),
            Column("unit", "计量单位", "Unit", 12),
            Column("ncv_gj_per_unit", "实测低位发热量（GJ/计量单位）", "Measured NCV [GJ/unit]", 16, False),
            Column(
                "cc_tc_per_gj", "实测单位热值含碳量（tC/GJ）", "Measured carbon content [tC/GJ]", 16, False
            ),
            Column("evidence", "凭证（发票号/台账）", "Evidence (invoice, ledger)", 22, False),
            Column("note", "备注", "Note", 30, False),
        ),
    ),
    SHEET_PRODUCTION: (
        "production",
        (
            Column("month", "月份（YYYY-MM）", "Month (YYYY-MM)", 12),
            Column("product", "产品名称", "Product", 24),
            Column("quantity", "产量", "Output", 14),
            Column("unit", "产量单位", "Output unit", 12),
            Column("energy_tce", "综合能耗（tce）", "Comprehensive energy [tce]", 16, False),
            Column(
                "limit_kgce_per_unit", "能耗限额2级（kgce/产量单位）", "Grade-2 limit [kgce/unit]", 18, False
            ),
            Column("note", "备注", "Note", 30, False),
        ),
    ),
    SHEET_PROCESS: (
        "process",
        (
            Column("month", "月份（YYYY-MM）", "Month (YYYY-MM)", 12),
            Column("material", "过程排放原料", "Process material", 18),
            Column("quantity", "消耗量", "Quantity", 14),
            Column("unit", "计量单位", "Unit", 10),
            Column("evidence", "凭证（台账/化验单）", "Evidence", 22, False),
            Column("note", "备注", "Note", 30, False),
        ),
    ),
    SHEET_GREEN: (
        "green_certificates",
        (
            Column("certificate_id", "证书/合同编号", "Certificate / contract ID", 26),
            Column("kind", "类型", "Kind", 14),
            Column("mwh", "电量（MWh）", "Energy [MWh]", 12),
            Column("period_start", "生产/交易起始日（YYYY-MM-DD）", "Period start (YYYY-MM-DD)", 16),
            Column("period_end", "生产/交易截止日（YYYY-MM-DD）", "Period end (YYYY-MM-DD)", 16),
            Column("evidence", "凭证（核发/交易平台）", "Evidence (issuing platform)", 22, False),
            Column("note", "备注", "Note", 30, False),
        ),
    ),
}

#: Carrier names accepted in the 能源品种 column (Chinese label, English code, common aliases).
CARRIER_NAMES: dict[str, Carrier] = {
    **{label: c for c, label in CARRIER_LABEL_ZH.items()},
    **{c.value: c for c in Carrier},
    "电": Carrier.ELECTRICITY,
    "外购电力": Carrier.ELECTRICITY,
    "管道天然气": Carrier.NATURAL_GAS,
    "lpg": Carrier.LPG,
    "重油": Carrier.FUEL_OIL,
    "热力": Carrier.STEAM,
    "外购蒸汽": Carrier.STEAM,
    "自来水": Carrier.WATER,
}

#: 用途 (usage) → Flow. Blank: fossil fuels are burned, electricity/heat/water are consumed.
USAGE_NAMES: dict[str, Flow] = {
    "燃料燃烧": Flow.COMBUSTION,
    "combustion": Flow.COMBUSTION,
    "用作原料": Flow.FEEDSTOCK,
    "原料": Flow.FEEDSTOCK,
    "feedstock": Flow.FEEDSTOCK,
    "园区外购入": Flow.PURCHASED,
    "purchased": Flow.PURCHASED,
    "园区内购入": Flow.INTERNAL_PURCHASE,
    "internal_purchase": Flow.INTERNAL_PURCHASE,
    "消费": Flow.CONSUMED,
    "consumed": Flow.CONSUMED,
}

CLAIM_KIND_NAMES: dict[str, ClaimKind] = {
    "绿证": ClaimKind.GEC,
    "绿证gec": ClaimKind.GEC,
    "gec": ClaimKind.GEC,
    "绿电交易": ClaimKind.GREEN_TRADE,
    "green_trade": ClaimKind.GREEN_TRADE,
    "绿电直连": ClaimKind.DIRECT,
    "direct": ClaimKind.DIRECT,
}

#: 过程排放原料 → process factor id of the built-in factor set (zeropark.factors, process.csv).
PROCESS_MATERIALS: dict[str, str] = {
    "石灰石": "process.limestone.cn",
    "limestone": "process.limestone.cn",
    "白云石": "process.dolomite.cn",
    "dolomite": "process.dolomite.cn",
    "碳酸钙（纯）": "process.calcite.ipcc",
    "calcite": "process.calcite.ipcc",
    "菱镁石（纯）": "process.magnesite.ipcc",
    "magnesite": "process.magnesite.ipcc",
}

#: A few carrier names for error messages ("choose one of the list (e.g. …)").
CARRIER_HINT = ", ".join(list(CARRIER_LABEL_ZH.values())[:6])

#: Units offered in the drop-down list (any unit ``zeropark.units.to_canonical`` reads is accepted).
UNIT_CHOICES = ("kWh", "MWh", "万kWh", "m3", "10^4 Nm3", "t", "kg", "GJ", "MJ")

#: Unit assumed when the 计量单位 cell of an energy row is empty.
DEFAULT_UNIT: dict[Carrier, str] = {
    Carrier.ELECTRICITY: "kWh",
    Carrier.NATURAL_GAS: "m3",
    Carrier.STEAM: "GJ",
    Carrier.WATER: "m3",
}

#: The template's example row of each data sheet (row 3, marked 示例行); a marked row that differs is refused.
EXAMPLES: dict[str, dict[str, Any]] = {
    SHEET_INFO: {
        "id": "E-示例",
        "name": "某某新材料有限公司",
        "uscc": "91350100M000100Y43",
        "industry_code": "2651",
        "year": 2025,
        "value_added_10k_cny": 12000,
        "contact": "张三",
    },
    SHEET_ENERGY: {
        "month": "2025-01",
        "carrier": "天然气",
        "usage": "燃料燃烧",
        "quantity": 12.5,
        "unit": "10^4 Nm3",
        "evidence": "发票 No. 00000000",
    },
    SHEET_PRODUCTION: {
        "month": "2025-01",
        "product": "合成树脂",
        "quantity": 1200,
        "unit": "t",
        "energy_tce": 180,
        "limit_kgce_per_unit": 160,
    },
    SHEET_PROCESS: {
        "month": "2025-01",
        "material": "石灰石",
        "quantity": 3000,
        "unit": "t",
        "evidence": "台账",
    },
    SHEET_GREEN: {
        "certificate_id": "GEC-0000000000",
        "kind": "绿证",
        "mwh": 1000,
        "period_start": "2025-01-01",
        "period_end": "2025-06-30",
        "evidence": "中国绿色电力证书交易平台",
    },
}
