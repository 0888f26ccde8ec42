"""The enterprise data workbook 企业能源消费与碳排放数据填报表: template and import.

An enterprise in the park reports what is not metered by the park (fuel bought, production,
process materials, green certificates) in one workbook. :func:`write_template` writes the blank
workbook (openpyxl): an instructions sheet and five data sheets whose first two rows are the
header in Chinese (with units) and in English, with drop-down lists for carriers, units, usage
and certificate kinds, and one example row marked 示例行 that the import ignores.

:func:`import_workbook` reads the same content from ``.xlsx``, ``.csv`` (the energy sheet with an
enterprise column) or ``.yaml``/``.json`` (a mapping of the sheets), maps the source headers to
canonical keys once, here (STYLE.md §1: rename at the boundary), validates every row and stores:

- all-or-nothing by default: one bad row and nothing is stored, every error is reported;
- with ``partial=True`` the good rows are stored and the rejected ones reported.

Each error names the file, the sheet, the row number as the user sees it, the column and what to
fix. Every import is recorded as an ``ImportBatchRow`` (stored / partial / rejected), and the
stored activity records carry its id. Re-importing the same workbook replaces the same records
(ids are derived from enterprise, carrier, usage and month) instead of adding copies.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import yaml
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from zeropark.errors import DataError, RowError, UnitMismatch
from zeropark.model import (
    CANONICAL_UNIT,
    CARRIER_LABEL_ZH,
    HEAT_CARRIERS,
    ActivityRecord,
    Carrier,
    ClaimKind,
    Enterprise,
    Flow,
    GreenPowerClaim,
)
from zeropark.store import repo
from zeropark.store.db import transaction
from zeropark.store.schema import EnterpriseRow, GreenPowerClaimRow, ImportBatchRow
from zeropark.units import to_canonical

__all__ = [
    "EXAMPLE_MARK",
    "SHEETS",
    "ImportResult",
    "import_workbook",
    "is_enterprise_data_file",
    "workbook_enterprise",
    "write_template",
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

_CARRIER_HINT = ", ".join(list(CARRIER_LABEL_ZH.values())[:6])

#: Units offered in the drop-down list (any unit ``zeropark.units.to_canonical`` reads is accepted).
UNIT_CHOICES = ("kWh", "MWh", "万kWh", "m3", "10^4 Nm3", "t", "kg", "GJ", "MJ")

_DEFAULT_UNIT = {
    Carrier.ELECTRICITY: "kWh",
    Carrier.NATURAL_GAS: "m3",
    Carrier.STEAM: "GJ",
    Carrier.WATER: "m3",
}

_HELP_LINES = (
    TITLE,
    "Enterprise energy consumption and carbon emission data workbook — zeropark 零碳园区能碳管理平台",
    "",
    "1. 每个数据表第1行为中文表头（含单位），第2行为英文表头；从第3行起填写，每行一条记录。",
    "   Row 1 of each data sheet is the Chinese header (with units), row 2 the English one; data from row 3.",
    f"2. 备注以“{EXAMPLE_MARK}”开头的行是示例，导入时忽略；可删除或覆盖。",
    f"   A row whose note starts with '{EXAMPLE_MARK}' is the example and is ignored on import.",
    "3. 企业信息：企业编号必须是平台中已登记的企业（或填统一社会信用代码）；填报年度为四位年份。",
    "   Enterprise info: the enterprise ID must exist on the platform (or give the USCC); year as 4 digits.",
    "4. 能源消费：按月填写每种能源的消费量与计量单位（下拉选择或如“10^4 Nm3”“万kWh”）；",
    "   用途留空时，化石能源按燃料燃烧、电力/热力/水按消费计；用作原料的化石能源请选“用作原料”。",
    "   蒸汽请按热量（GJ）填写；实测低位发热量与含碳量可选填（优先于缺省值）。",
    "   Energy: monthly quantity per carrier with its unit; usage blank = fossil fuels burned, electricity/",
    "   heat/water consumed. Steam in GJ. Measured NCV and carbon content are optional (override defaults).",
    "5. 产品产量：按月填写主要产品产量；如填写综合能耗与2级能耗限额，平台计算单位产品能耗。",
    "   Production: monthly output per product; with energy (tce) and the grade-2 limit the platform",
    "   computes the product energy intensity (guiding indicator).",
    "6. 工业过程：碳酸盐等过程排放原料的消耗量（如石灰石，t）。",
    "   Process: carbonates and other process materials consumed (e.g. limestone, t).",
    "7. 绿证绿电：每张绿证（1个=1 MWh，可按批次合并）或每份绿电交易合同一行；同一编号只能申领一次。",
    "   Green certificates / contracts: one row each (GEC batches allowed); an ID is claimable once.",
    "8. 导入：zeropark import 文件名.xlsx（任何一行有误则全部不导入，并列出 表/行/列/修改方法）；",
    "   加 --partial 仅导入正确的行。",
    "   Import: `zeropark import FILE.xlsx` stores nothing if a row is wrong and lists sheet/row/column/fix;",
    "   `--partial` stores the good rows and reports the rejected ones.",
)


# --------------------------------------------------------------------------------------------
# Template
# --------------------------------------------------------------------------------------------

_EXAMPLES: dict[str, dict[str, Any]] = {
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

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_EXAMPLE_FILL = PatternFill("solid", fgColor="FFF2CC")


def write_template(path: Path | str) -> Path:
    """Write the blank enterprise workbook 企业能源消费与碳排放数据填报表 to ``path`` (.xlsx).

    Returns
    -------
    Path
        The path written.
    """
    path = Path(path)
    wb = openpyxl.Workbook()
    help_ws = wb.active
    assert help_ws is not None
    help_ws.title = SHEET_HELP
    for i, line in enumerate(_HELP_LINES, start=1):
        help_ws.cell(row=i, column=1, value=line)
    help_ws["A1"].font = Font(bold=True, size=14)
    help_ws.column_dimensions["A"].width = 110

    lists = wb.create_sheet("选项")  # drop-down sources
    carriers = [CARRIER_LABEL_ZH[c] for c in Carrier]
    columns = {
        "A": ("能源品种 carrier", carriers),
        "B": ("计量单位 unit", list(UNIT_CHOICES)),
        "C": ("用途 usage", ["燃料燃烧", "用作原料", "园区外购入", "园区内购入", "消费"]),
        "D": ("类型 kind", ["绿证", "绿电交易", "绿电直连"]),
        "E": ("过程排放原料 material", ["石灰石", "白云石", "碳酸钙（纯）", "菱镁石（纯）"]),
    }
    for col, (title, values) in columns.items():
        lists[f"{col}1"] = title
        for r, v in enumerate(values, start=2):
            lists[f"{col}{r}"] = v
    lists.sheet_state = "hidden"

    def dv(col: str, n: int) -> DataValidation:
        ref = f"=选项!${col}$2:${col}${n + 1}"
        return DataValidation(type="list", formula1=ref, allow_blank=True, showErrorMessage=True)

    validations = {
        (SHEET_ENERGY, "carrier"): dv("A", len(carriers)),
        (SHEET_ENERGY, "unit"): dv("B", len(UNIT_CHOICES)),
        (SHEET_ENERGY, "usage"): dv("C", 5),
        (SHEET_GREEN, "kind"): dv("D", 3),
        (SHEET_PROCESS, "material"): dv("E", 4),
        (SHEET_PROCESS, "unit"): dv("B", len(UNIT_CHOICES)),
    }
    for sheet, (_key, cols) in SHEETS.items():
        ws = wb.create_sheet(sheet)
        for j, c in enumerate(cols, start=1):
            for r, text in ((1, c.zh + (" *" if c.required else "")), (2, c.en)):
                cell = ws.cell(row=r, column=j, value=text)
                cell.font = Font(bold=r == 1)
                cell.fill = _HEADER_FILL
                cell.alignment = Alignment(wrap_text=True, vertical="center")
            ws.column_dimensions[get_column_letter(j)].width = c.width
            example: Any = _EXAMPLES[sheet].get(c.key)
            if c.key == "note":
                example = f"{EXAMPLE_MARK}（导入时忽略）example row, ignored on import"
            cell = ws.cell(row=3, column=j, value=example)
            cell.fill = _EXAMPLE_FILL
            validation = validations.get((sheet, c.key))
            if validation is not None:
                letter = get_column_letter(j)
                validation.add(f"{letter}3:{letter}2000")
                ws.add_data_validation(validation)
        ws.freeze_panes = "A3"
        ws.row_dimensions[1].height = 32
    wb.move_sheet("选项", offset=len(wb.sheetnames))
    wb.save(path)
    return path


# --------------------------------------------------------------------------------------------
# Reading sources into canonical rows
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Row:
    sheet: str
    row: int  # as the user sees it (xlsx/csv line number; YAML/JSON 1-based item index)
    values: dict[str, Any]


def _header_key(sheet: str, text: Any) -> str | None:
    """Canonical key of a header cell (Chinese or English, with or without the * and unit)."""
    t = str(text or "").strip().rstrip("*").strip().lower()
    if not t:
        return None
    for c in SHEETS[sheet][1]:
        if t in (c.zh.lower(), c.en.lower(), c.key):
            return c.key
        if t.split("（")[0] == c.zh.split("（")[0].lower() or t.split(" (")[0] == c.en.split(" (")[0].lower():
            return c.key
    return None


def _is_english_header(sheet: str, cells: Sequence[Any]) -> bool:
    ens = {c.en.lower() for c in SHEETS[sheet][1]}
    return any(str(v or "").strip().lower() in ens for v in cells)


def _xlsx_rows(path: Path) -> tuple[list[_Row], list[RowError]]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows: list[_Row] = []
    errors: list[RowError] = []
    try:
        for sheet in SHEETS:
            if sheet not in wb.sheetnames:
                continue
            it = wb[sheet].iter_rows(values_only=True)
            header = next(it, None)
            if header is None:
                continue
            keys = [_header_key(sheet, h) for h in header]
            missing = [c.zh for c in SHEETS[sheet][1] if c.required and c.key not in keys]
            if missing:
                errors.append(
                    RowError(
                        path.name,
                        sheet,
                        1,
                        None,
                        f"missing column(s) {', '.join(missing)}; use `zeropark template`",
                    )
                )
                continue
            for r, cells in enumerate(it, start=2):
                if r == 2 and _is_english_header(sheet, cells):
                    continue
                values = {k: v for k, v in zip(keys, cells, strict=False) if k is not None}
                if all(v is None or str(v).strip() == "" for v in values.values()):
                    continue
                rows.append(_Row(sheet, r, values))
    finally:
        wb.close()
    return rows, errors


def _mapping_rows(path: Path, data: Any) -> tuple[list[_Row], list[RowError]]:
    if not isinstance(data, dict):
        return [], [
            RowError(path.name, None, None, None, "expected a mapping with keys enterprise, energy, ...")
        ]
    rows: list[_Row] = []
    errors: list[RowError] = []
    by_key = {key: sheet for sheet, (key, _cols) in SHEETS.items()}
    for key, content in data.items():
        sheet = by_key.get(str(key)) or (str(key) if str(key) in SHEETS else None)
        if sheet is None:
            errors.append(
                RowError(path.name, str(key), None, None, f"unknown section; use one of {', '.join(by_key)}")
            )
            continue
        items = [content] if isinstance(content, dict) else content
        if not isinstance(items, list):
            errors.append(RowError(path.name, sheet, None, None, "expected a list of rows"))
            continue
        for i, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                errors.append(RowError(path.name, sheet, i, None, "expected a mapping of column → value"))
                continue
            values: dict[str, Any] = {}
            for k, v in item.items():
                canon = _header_key(sheet, k)
                if canon is None:
                    errors.append(
                        RowError(path.name, sheet, i, str(k), "unknown column; see docs/data-formats.md")
                    )
                else:
                    values[canon] = v
            rows.append(_Row(sheet, i, values))
    return rows, errors


#: CSV: the 能源消费 columns plus these (Chinese or English) naming the enterprise and year.
_CSV_EXTRA = {
    "企业编号": "id",
    "enterprise_id": "id",
    "enterprise id": "id",
    "填报年度": "year",
    "year": "year",
}


def _csv_rows(path: Path) -> tuple[list[_Row], list[RowError]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None:
        return [], [RowError(path.name, SHEET_ENERGY, 1, None, "the file is empty")]
    keys: list[str | None] = []
    for h in header:
        extra = _CSV_EXTRA.get(str(h).strip().lower().rstrip("*").strip())
        keys.append(f"@{extra}" if extra else _header_key(SHEET_ENERGY, h))
    rows: list[_Row] = []
    info: dict[str, Any] = {}
    for r, cells in enumerate(reader, start=2):
        if r == 2 and _is_english_header(SHEET_ENERGY, cells):
            continue
        values = {k: v for k, v in zip(keys, cells, strict=False) if k is not None}
        if all(str(v).strip() == "" for v in values.values()):
            continue
        for k in ("@id", "@year"):
            if values.get(k) not in (None, ""):
                info.setdefault(k[1:], values[k])
        rows.append(_Row(SHEET_ENERGY, r, {k: v for k, v in values.items() if not k.startswith("@")}))
    errors: list[RowError] = []
    if "id" not in info:
        errors.append(
            RowError(path.name, SHEET_ENERGY, 1, "企业编号", "add a column 企业编号 (enterprise_id)")
        )
    if "year" not in info and rows:
        month = str(rows[0].values.get("month", ""))[:4]
        if month.isdigit():
            info["year"] = int(month)
    return [_Row(SHEET_INFO, 0, info), *rows], errors


def _read_any(path: Path) -> tuple[list[_Row], list[RowError]]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path)
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix in (".yaml", ".yml"):
        return _mapping_rows(path, yaml.safe_load(path.read_text(encoding="utf-8")))
    if suffix == ".json":
        return _mapping_rows(path, json.loads(path.read_text(encoding="utf-8")))
    raise DataError(f"{path.name}: unsupported file type '{suffix}'; use .xlsx, .csv, .yaml or .json")


def is_enterprise_data_file(path: Path) -> bool:
    """Whether ``path`` holds enterprise activity data (workbook sheets / sections / energy columns)."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            wb = openpyxl.load_workbook(path, read_only=True)
            names = set(wb.sheetnames)
            wb.close()
            return bool(names & set(SHEETS))
        if suffix in (".yaml", ".yml", ".json"):
            text = path.read_text(encoding="utf-8")
            data = yaml.safe_load(text) if suffix != ".json" else json.loads(text)
            keys = {k for k, _ in SHEETS.values()} | set(SHEETS)
            return isinstance(data, dict) and bool(set(map(str, data)) & keys)
        if suffix == ".csv":
            head = path.read_bytes()[:4096].decode("utf-8-sig", errors="ignore").splitlines()[:1]
            cells = next(csv.reader(head), [])
            return any(_header_key(SHEET_ENERGY, c) == "carrier" for c in cells)
    except (OSError, ValueError, yaml.YAMLError, KeyError):
        return False
    return False


def workbook_enterprise(engine: Engine, path: Path | str) -> Enterprise | None:
    """The registered enterprise an enterprise data file is for, read from its 企业信息 sheet/section.

    Lets a caller check who may import the file *before* anything is stored (an enterprise user
    only their own enterprise, a park manager only their park's). Only the enterprise is resolved
    (by 企业编号, else 统一社会信用代码); the data rows are not validated here.

    Returns
    -------
    Enterprise or None
        ``None`` if the file names no enterprise or one that is not registered
        (:func:`import_workbook` then rejects the file and says why).

    Raises
    ------
    DataError
        If the file type is not supported.
    """
    path = Path(path)
    rows, _ = _read_any(path)
    ent, _, _ = _resolve_enterprise(engine, path.name, rows)
    return ent


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class ImportResult:
    """Outcome of one enterprise-data import: what was stored, what was rejected and why."""

    file: str
    status: str = "rejected"  # stored / partial / rejected
    enterprise_id: str | None = None
    year: int | None = None
    rows: int = 0
    stored: int = 0
    rejected: int = 0
    stored_by_sheet: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0  # green certificates already stored exactly as given (not claimed again)
    errors: list[RowError] = field(default_factory=list)
    batch_id: int | None = None

    def summary(self) -> str:
        """One line for the user: what was stored (zh + en)."""
        parts = ", ".join(f"{k} {v}" for k, v in self.stored_by_sheet.items() if v) or "无 nothing"
        same = f"; 已存在未变 unchanged {self.unchanged}" if self.unchanged else ""
        return (
            f"{self.file}: 已存储 stored {self.stored} 行 rows ({parts}){same}; "
            f"拒绝 rejected {self.rejected}; 状态 status {self.status}"
        )


@dataclass(slots=True)
class _Checked:
    """Rows that passed validation, ready to store."""

    activities: list[tuple[str, ActivityRecord]] = field(default_factory=list)
    claims: list[tuple[str, GreenPowerClaim]] = field(default_factory=list)
    products: dict[str, list[float]] = field(default_factory=dict)  # product → [qty, tce, limit]
    product_rows: int = 0
    value_added: float | None = None
    unchanged: int = 0  # certificates already stored exactly as given (re-import of the same rows)


class _RowCheck:
    """Collects the errors of one row; each getter returns None when the cell is wrong."""

    def __init__(self, file: str, row: _Row) -> None:
        self.file = file
        self.row = row
        self.errors: list[RowError] = []

    def _label(self, key: str) -> str:
        for c in SHEETS[self.row.sheet][1]:
            if c.key == key:
                return c.zh
        return key

    def fail(self, key: str | None, message: str) -> None:
        self.errors.append(
            RowError(
                self.file, self.row.sheet, self.row.row or None, self._label(key) if key else None, message
            )
        )

    def text(self, key: str, *, required: bool = True) -> str | None:
        v = self.row.values.get(key)
        s = "" if v is None else str(v).strip()
        if not s:
            if required:
                self.fail(key, "is empty; fill it in")
            return None
        return s

    def number(self, key: str, *, required: bool = True, positive: bool = True) -> float | None:
        v = self.row.values.get(key)
        if v is None or (isinstance(v, str) and not v.strip()):
            if required:
                self.fail(key, "is empty; give a number")
            return None
        try:
            x = float(str(v).replace(",", "")) if not isinstance(v, int | float) else float(v)
        except ValueError:
            self.fail(key, f"'{v}' is not a number; write digits only (e.g. 1234.5), without units")
            return None
        if x != x or x in (float("inf"), float("-inf")):
            self.fail(key, f"'{v}' is not a finite number")
            return None
        if positive and x < 0:
            self.fail(key, f"{x:g} is negative; quantities are ≥ 0 (report returns as a separate correction)")
            return None
        return x

    def month(self, key: str, year: int | None) -> date | None:
        v = self.row.values.get(key)
        if isinstance(v, datetime | date):
            d = date(v.year, v.month, 1)
        else:
            m = re.fullmatch(r"\s*(\d{4})[-/.年](\d{1,2})月?\s*", str(v or ""))
            if not m or not 1 <= int(m.group(2)) <= 12:
                self.fail(key, f"'{v if v is not None else ''}' is not a month; write YYYY-MM (e.g. 2025-03)")
                return None
            d = date(int(m.group(1)), int(m.group(2)), 1)
        if year is not None and d.year != year:
            self.fail(
                key, f"{d:%Y-%m} is outside the reporting year {year}; report it in that year's workbook"
            )
            return None
        return d

    def day(self, key: str) -> date | None:
        v = self.row.values.get(key)
        if isinstance(v, datetime):
            return v.date()
        if isinstance(v, date):
            return v
        try:
            return date.fromisoformat(str(v or "").strip())
        except ValueError:
            self.fail(key, f"'{v if v is not None else ''}' is not a date; write YYYY-MM-DD")
            return None


def _month_end(m: date) -> date:
    nxt = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _resolve_enterprise(
    engine: Engine, file: str, rows: list[_Row]
) -> tuple[Enterprise | None, int | None, list[RowError]]:
    info_rows = [r for r in rows if r.sheet == SHEET_INFO and not _is_example(r)]
    errors: list[RowError] = []
    if not info_rows:
        return (
            None,
            None,
            [RowError(file, SHEET_INFO, 3, "企业编号", "no enterprise given; fill in sheet 企业信息")],
        )
    row = info_rows[0]
    chk = _RowCheck(file, row)
    ident = chk.text("id", required=False)
    uscc = chk.text("uscc", required=False)
    year_v = chk.number("year")
    year = int(year_v) if year_v is not None else None
    if year is not None and not 2000 <= year <= 2100:
        chk.fail("year", f"{year} is not a plausible reporting year; write the 4-digit year")
        year = None
    ent: Enterprise | None = None
    with transaction(engine) as s:
        r = None
        if ident:
            r = s.get(EnterpriseRow, ident)
        if r is None and uscc:
            r = s.scalars(select(EnterpriseRow).where(EnterpriseRow.uscc == uscc)).first()
        if r is not None:
            ent = repo.get_enterprise(s, r.id)
    if ent is None:
        what = ident or uscc or ""
        chk.fail(
            "id" if ident or not uscc else "uscc",
            f"unknown enterprise '{what}'; register it first or use its 企业编号 on the platform",
        )
    errors.extend(chk.errors)
    return ent, year, errors


def _is_example(row: _Row) -> bool:
    return str(row.values.get("note") or "").strip().startswith(EXAMPLE_MARK)


def _check_energy(file: str, row: _Row, ent: Enterprise, year: int | None, out: _Checked) -> list[RowError]:
    chk = _RowCheck(file, row)
    month = chk.month("month", year)
    name = chk.text("carrier")
    carrier = CARRIER_NAMES.get(name.lower() if name else "") or (CARRIER_NAMES.get(name) if name else None)
    if name and carrier is None:
        chk.fail(
            "carrier",
            f"unknown carrier '{name}'; choose one of the list (e.g. {_CARRIER_HINT} …)",
        )
    usage_text = chk.text("usage", required=False)
    flow: Flow | None = None
    if usage_text:
        flow = USAGE_NAMES.get(usage_text.lower())
        if flow is None:
            chk.fail(
                "usage",
                f"unknown usage '{usage_text}'; choose 燃料燃烧, 用作原料, 园区外购入, 园区内购入 or 消费",
            )
    elif carrier is not None:
        flow = (
            Flow.COMBUSTION
            if carrier not in (*HEAT_CARRIERS, Carrier.ELECTRICITY, Carrier.WATER)
            else Flow.CONSUMED
        )
    qty = chk.number("quantity")
    unit = chk.text("unit", required=False) or (_DEFAULT_UNIT.get(carrier) if carrier else None)
    if unit is None and carrier is not None:
        chk.fail("unit", "is empty; give the unit (e.g. t, m3, kWh, GJ)")
    canonical: float | None = None
    if carrier is not None and qty is not None and unit is not None:
        try:
            canonical = to_canonical(qty, unit, carrier)
        except UnitMismatch as exc:
            chk.fail("unit", f"'{unit}' does not fit {CARRIER_LABEL_ZH[carrier]}: {exc}")
    ncv = chk.number("ncv_gj_per_unit", required=False)
    cc = chk.number("cc_tc_per_gj", required=False)
    if chk.errors or month is None or carrier is None or flow is None or canonical is None or unit is None:
        return chk.errors
    cu = CANONICAL_UNIT[carrier]
    ncv_canonical = ncv * (qty or 0.0) / canonical if ncv is not None and canonical else None
    record = ActivityRecord(
        id=f"{ent.id}-{carrier.value}-{flow.value}-{month:%Y%m}",
        enterprise_id=ent.id,
        carrier=carrier,
        flow=flow,
        period_start=month,
        period_end=_month_end(month),
        quantity=canonical,
        unit=cu,
        evidence=str(row.values.get("evidence") or f"{file} {row.sheet} row {row.row}"),
        ncv_gj_per_unit=ncv_canonical,
        carbon_content_tc_per_gj=cc,
        description=str(row.values.get("note") or f"{CARRIER_LABEL_ZH[carrier]} {qty:g} {unit}"),
    )
    out.activities.append((row.sheet, record))
    return []


def _check_process(file: str, row: _Row, ent: Enterprise, year: int | None, out: _Checked) -> list[RowError]:
    chk = _RowCheck(file, row)
    month = chk.month("month", year)
    material = chk.text("material")
    factor_id = PROCESS_MATERIALS.get(material.lower() if material else "") or PROCESS_MATERIALS.get(
        material or ""
    )
    if material and factor_id is None:
        chk.fail(
            "material",
            f"unknown process material '{material}'; choose 石灰石, 白云石, 碳酸钙（纯） or 菱镁石（纯）",
        )
    qty = chk.number("quantity")
    unit = chk.text("unit", required=False) or "t"
    tonnes: float | None = None
    if qty is not None:
        try:
            tonnes = to_canonical(qty, unit, Carrier.DIESEL)  # a mass in t (diesel's canonical unit is t)
        except UnitMismatch:
            chk.fail("unit", f"'{unit}' is not a mass; give t or kg")
    if chk.errors or month is None or factor_id is None or tonnes is None:
        return chk.errors
    out.activities.append(
        (
            row.sheet,
            ActivityRecord(
                id=f"{ent.id}-process-{factor_id}-{month:%Y%m}",
                enterprise_id=ent.id,
                carrier=None,
                flow=Flow.PROCESS,
                period_start=month,
                period_end=_month_end(month),
                quantity=tonnes,
                unit="t",
                factor_id=factor_id,
                evidence=str(row.values.get("evidence") or f"{file} {row.sheet} row {row.row}"),
                uncertainty_pct=3.0,
                description=str(row.values.get("note") or f"{material} {qty:g} {unit}"),
            ),
        )
    )
    return []


def _check_production(file: str, row: _Row, year: int | None, out: _Checked) -> list[RowError]:
    chk = _RowCheck(file, row)
    chk.month("month", year)
    product = chk.text("product")
    qty = chk.number("quantity")
    unit = chk.text("unit")
    tce = chk.number("energy_tce", required=False)
    limit = chk.number("limit_kgce_per_unit", required=False)
    if chk.errors or product is None or qty is None:
        return chk.errors
    key = f"{product} [{unit}]"
    acc = out.products.setdefault(key, [0.0, 0.0, 0.0])
    acc[0] += qty
    acc[1] += tce or 0.0
    acc[2] = limit if limit is not None else acc[2]
    out.product_rows += 1
    return []


def _check_claim(
    file: str,
    row: _Row,
    ent: Enterprise,
    year: int | None,
    out: _Checked,
    seen: dict[str, int],
    engine: Engine,
) -> list[RowError]:
    chk = _RowCheck(file, row)
    cid = chk.text("certificate_id")
    kind_text = chk.text("kind")
    kind = CLAIM_KIND_NAMES.get((kind_text or "").lower().replace(" ", ""))
    if kind_text and kind is None:
        chk.fail("kind", f"unknown kind '{kind_text}'; choose 绿证, 绿电交易 or 绿电直连")
    mwh = chk.number("mwh")
    if mwh is not None and mwh == 0:
        chk.fail("mwh", "is 0; give the certificate energy in MWh (1 GEC = 1 MWh)")
    start = chk.day("period_start")
    end = chk.day("period_end")
    if start and end and end < start:
        chk.fail("period_end", f"{end} is before the start {start}; swap the dates")
    if year is not None and start and end and (end.year < year or start.year > year):
        chk.fail("period_start", f"{start} … {end} does not overlap the reporting year {year}")
    if cid:
        if cid in seen:
            chk.fail(
                "certificate_id",
                f"duplicate certificate id '{cid}' (also in row {seen[cid]}); list each once",
            )
        else:
            seen[cid] = row.row
            with transaction(engine) as s:
                existing = s.get(GreenPowerClaimRow, cid)
                if existing is not None:
                    same = (
                        existing.owner_enterprise_id == ent.id
                        and existing.kind == (kind.value if kind else None)
                        and existing.mwh == mwh
                        and existing.period_start == start
                        and existing.period_end == end
                    )
                    if same and not chk.errors:  # this workbook imported again: already stored as it is
                        out.unchanged += 1
                        return []
                    owner = existing.owner_enterprise_id or "park operator"
                    chk.fail(
                        "certificate_id",
                        f"certificate '{cid}' is already claimed by '{owner}' for {existing.claimed_year}; "
                        "a certificate can be claimed only once — remove the row or correct the id",
                    )
    if chk.errors or cid is None or kind is None or mwh is None or start is None or end is None:
        return chk.errors
    out.claims.append((row.sheet, GreenPowerClaim(cid, kind, mwh, start, end, ent.id, year or start.year)))
    return []


def _validate(
    engine: Engine, file: str, rows: list[_Row]
) -> tuple[Enterprise | None, int | None, _Checked, list[RowError], int]:
    ent, year, errors = _resolve_enterprise(engine, file, rows)
    out = _Checked()
    data_rows = [r for r in rows if r.sheet != SHEET_INFO and not _is_example(r)]
    if ent is None:
        return None, year, out, errors, len(data_rows)
    info = next(r for r in rows if r.sheet == SHEET_INFO and not _is_example(r))
    va = _RowCheck(file, info)
    out.value_added = va.number("value_added_10k_cny", required=False)
    errors.extend(va.errors)
    seen_ids: dict[str, int] = {}
    seen_records: dict[str, int] = {}
    for r in data_rows:
        n_before = len(out.activities)
        if r.sheet == SHEET_ENERGY:
            errs = _check_energy(file, r, ent, year, out)
        elif r.sheet == SHEET_PROCESS:
            errs = _check_process(file, r, ent, year, out)
        elif r.sheet == SHEET_PRODUCTION:
            errs = _check_production(file, r, year, out)
        else:
            errs = _check_claim(file, r, ent, year, out, seen_ids, engine)
        if len(out.activities) > n_before:
            rid = out.activities[-1][1].id
            if rid in seen_records:
                out.activities.pop()
                errs = [
                    RowError(
                        file,
                        r.sheet,
                        r.row,
                        "月份（YYYY-MM）",
                        f"same carrier/usage and month as row {seen_records[rid]}; add the two into one row",
                    )
                ]
            else:
                seen_records[rid] = r.row
        errors.extend(errs)
    return ent, year, out, errors, len(data_rows)


# --------------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------------


def import_workbook(
    engine: Engine, path: Path | str, *, partial: bool = False, created_by: str | None = None
) -> ImportResult:
    """Validate and store an enterprise data file (.xlsx, .csv, .yaml/.yml, .json).

    Parameters
    ----------
    engine : Engine
        The database.
    path : Path or str
        The file.
    partial : bool
        ``False`` (default): all-or-nothing — any rejected row and nothing is stored.
        ``True``: store the rows that pass and report the others.
    created_by : str, optional
        User name recorded on the import batch.

    Returns
    -------
    ImportResult
        Counts, the rejected rows (sheet, row, column, what to fix) and the batch id. An
        ``ImportBatchRow`` is recorded in every case.

    Raises
    ------
    DataError
        If the file type is not supported.
    """
    path = Path(path)
    rows, read_errors = _read_any(path)
    ent, year, checked, errors, n_rows = _validate(engine, path.name, rows)
    errors = read_errors + errors
    result = ImportResult(file=path.name, enterprise_id=ent.id if ent else None, year=year, rows=n_rows)
    result.errors = errors
    result.unchanged = checked.unchanged
    rejected_rows = {(e.sheet, e.row) for e in errors if e.row is not None}
    result.rejected = len(rejected_rows) if rejected_rows else (n_rows if errors and ent is None else 0)
    store = ent is not None and (not errors or partial)
    with transaction(engine) as s:
        batch = ImportBatchRow(
            park_id=ent.park_id if ent else None,
            file_name=path.name,
            sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
            kind="enterprise_workbook",
            status="rejected",
            n_rows=n_rows,
            created_at=datetime.now(UTC),
            created_by=created_by,
        )
        s.add(batch)
        s.flush()
        result.batch_id = batch.id
        if store and ent is not None:
            stored = _store(s, ent, year, checked, batch.id)
            result.stored_by_sheet = stored
            result.stored = sum(stored.values())
        if result.stored and errors:
            result.status = "partial"
        elif result.stored or (store and not errors):
            result.status = "stored"
        else:
            result.status = "rejected"
        if not store:
            result.rejected = max(result.rejected, n_rows) if n_rows else result.rejected
        batch.status = result.status
        batch.n_stored = result.stored
        batch.n_rejected = result.rejected
        batch.errors = [
            {"file": e.file, "sheet": e.sheet, "row": e.row, "field": e.field, "message": e.message}
            for e in errors
        ]
    return result


def _store(s: Session, ent: Enterprise, year: int | None, checked: _Checked, batch_id: int) -> dict[str, int]:
    stored: dict[str, int] = {}
    for sheet, record in checked.activities:
        repo.upsert_activity_record(s, ent.park_id, record, import_batch_id=batch_id)
        stored[sheet] = stored.get(sheet, 0) + 1
    for sheet, claim in checked.claims:
        repo.add_claim(s, ent.park_id, claim, evidence=f"import batch {batch_id}")
        stored[sheet] = stored.get(sheet, 0) + 1
    if checked.value_added is not None:
        repo.upsert_enterprise(s, replace(ent, value_added_10k_cny=checked.value_added))
        stored[SHEET_INFO] = 1
    if checked.products and year is not None:
        current = repo.get_indicator_data(s, ent.park_id, year)
        pei = dict(current.product_energy_intensity)
        for product, (qty, tce, limit) in checked.products.items():
            if qty > 0 and tce > 0:
                pei[f"{ent.id}: {product}"] = (tce * 1000.0 / qty, limit)
        repo.put_indicator_data(s, ent.park_id, year, replace(current, product_energy_intensity=pei))
        stored[SHEET_PRODUCTION] = checked.product_rows
    return stored
