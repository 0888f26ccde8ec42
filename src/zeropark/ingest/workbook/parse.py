"""Read an enterprise data file (.xlsx, .csv, .yaml/.yml, .json) into rows keyed by canonical column.

Source headers (Chinese or English, with or without the ``*`` and the unit) are mapped to the
canonical keys of :data:`~zeropark.ingest.workbook.sheets.SHEETS` once, here. Each row keeps where
it came from (sheet and row number as the user sees it: the xlsx/csv line number, or the 1-based
item index in YAML/JSON) so that every error can name it. Problems of the file's shape (a missing
column, an unknown section) are returned as :class:`~zeropark.errors.RowError` beside the rows.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import yaml

from zeropark.errors import DataError, RowError
from zeropark.ingest.workbook.sheets import SHEET_ENERGY, SHEET_HELP, SHEET_INFO, SHEETS

__all__ = ["SourceRow", "header_key", "is_enterprise_data_file", "read_rows"]


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One data row of a source file: its sheet, its row number as the user sees it, its cells by key."""

    sheet: str
    row: int  # as the user sees it (xlsx/csv line number; YAML/JSON 1-based item index)
    values: dict[str, Any]


def header_key(sheet: str, text: Any) -> str | None:
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


def _unknown_sheet(name: str) -> str:
    """What to do with a sheet the workbook does not have (a renamed sheet would be skipped unread)."""
    like = [s for s in SHEETS if s in name or name in s]
    hint = f"rename it to {like[0]}" if like else f"rename it to one of {', '.join(SHEETS)}"
    return f"unknown sheet '{name}' would not be imported; {hint}, or delete it"


def _xlsx_rows(path: Path) -> tuple[list[SourceRow], list[RowError]]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows: list[SourceRow] = []
    errors: list[RowError] = []
    try:
        for name in wb.sheetnames:
            if name not in SHEETS and name not in (SHEET_HELP, "选项"):
                errors.append(RowError(path.name, name, None, None, _unknown_sheet(name)))
        for sheet in SHEETS:
            if sheet not in wb.sheetnames:
                continue
            it = wb[sheet].iter_rows(values_only=True)
            header = next(it, None)
            if header is None:
                continue
            keys = [header_key(sheet, h) for h in header]
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
                rows.append(SourceRow(sheet, r, values))
    finally:
        wb.close()
    return rows, errors


def _mapping_rows(path: Path, data: Any) -> tuple[list[SourceRow], list[RowError]]:
    if not isinstance(data, dict):
        return [], [
            RowError(path.name, None, None, None, "expected a mapping with keys enterprise, energy, ...")
        ]
    rows: list[SourceRow] = []
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
                canon = header_key(sheet, k)
                if canon is None:
                    errors.append(
                        RowError(path.name, sheet, i, str(k), "unknown column; see docs/data-formats.md")
                    )
                else:
                    values[canon] = v
            rows.append(SourceRow(sheet, i, values))
    return rows, errors


#: CSV: the 能源消费 columns plus these (Chinese or English) naming the enterprise and year.
_CSV_EXTRA = {
    "企业编号": "id",
    "enterprise_id": "id",
    "enterprise id": "id",
    "填报年度": "year",
    "year": "year",
}


def _csv_rows(path: Path) -> tuple[list[SourceRow], list[RowError]]:
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
        keys.append(f"@{extra}" if extra else header_key(SHEET_ENERGY, h))
    rows: list[SourceRow] = []
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
        rows.append(SourceRow(SHEET_ENERGY, r, {k: v for k, v in values.items() if not k.startswith("@")}))
    errors: list[RowError] = []
    if "id" not in info:
        errors.append(
            RowError(path.name, SHEET_ENERGY, 1, "企业编号", "add a column 企业编号 (enterprise_id)")
        )
    if "year" not in info and rows:
        month = str(rows[0].values.get("month", ""))[:4]
        if month.isdigit():
            info["year"] = int(month)
    return [SourceRow(SHEET_INFO, 0, info), *rows], errors


def read_rows(path: Path) -> tuple[list[SourceRow], list[RowError]]:
    """The rows of ``path`` by its type (.xlsx/.xlsm, .csv, .yaml/.yml, .json) and the file's shape errors.

    A CSV holds the 能源消费 sheet; its 企业编号 / 填报年度 columns become a 企业信息 row (row 0).

    Raises
    ------
    DataError
        If the file type is not supported.
    """
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
            return any(header_key(SHEET_ENERGY, c) == "carrier" for c in cells)
    except (OSError, ValueError, yaml.YAMLError, KeyError):
        return False
    return False
