"""205-1 表 as an xlsx workbook in the form's layout, and reading such a workbook back.

The layout is the one of :mod:`zeropark.accounting.form205` (header rows, then 甲 乙 丙 1 … 10 丁,
then one row per energy and 40 能源合计). Reading accepts the same file after an enterprise filled
the empty columns; every number is checked (:func:`~zeropark.accounting.form205.check_205_1`) and
every problem named by row and column.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

from zeropark.accounting.form205 import COLUMNS, Form205Row, check_205_1
from zeropark.errors import RowError, ValidationError

__all__ = ["SHEET", "read_205_1", "write_205_1"]

SHEET = "205-1"
_HEAD = ("能源名称", "计量单位", "代码", *(h for _a, _n, h in COLUMNS), "参考折标系数")
_LETTERS = ("甲", "乙", "丙", *(n for _a, n, _h in COLUMNS), "丁")


def write_205_1(rows: list[Form205Row], *, enterprise: str, uscc: str, year: int) -> bytes:
    """The workbook (bytes) of one enterprise's form for ``year``."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    ws.append(["工业企业能源购进、消费与库存"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(
        [
            "表号: 205-1表",
            "",
            "制定机关: 国家统计局",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "[UNCERTAIN] 批准文号 of the current 制度",
        ]
    )
    ws.append(
        [f"统一社会信用代码: {uscc}", "", f"单位详细名称: {enterprise}", "", "", "", "", "", "", f"{year} 年"]
    )
    ws.append([])
    ws.append(list(_HEAD))
    ws.append(list(_LETTERS))
    for cell in ws[5] + ws[6]:
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
        cell.font = Font(bold=True)
    for r in rows:
        ws.append([r.name, r.unit, r.code, *(getattr(r, a) for a, _n, _h in COLUMNS), r.reference_factor])
    ws.column_dimensions["A"].width = 18
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _number(value: Any, file: str, row: int, col: str, errors: list[RowError]) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        errors.append(RowError(file, SHEET, row, col, f"{value!r} is not a number"))
        return None
    try:
        return float(str(value).replace(",", "")) if not isinstance(value, int | float) else float(value)
    except ValueError:
        errors.append(RowError(file, SHEET, row, col, f"'{value}' is not a number"))
        return None


def read_205_1(source: str | Path | bytes, name: str = "205-1.xlsx") -> list[Form205Row]:
    """Rows of a 205-1 workbook; a :class:`~zeropark.errors.ValidationError` lists every problem."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    file = name if isinstance(source, bytes) else Path(source).name
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True, read_only=True)
    except Exception as exc:  # openpyxl raises several types for a file that is not xlsx
        raise ValidationError(
            [RowError(file, None, None, None, f"not an xlsx workbook ({type(exc).__name__})")]
        ) from None
    if SHEET not in wb.sheetnames:
        raise ValidationError(
            [RowError(file, None, None, None, f"no sheet '{SHEET}' (sheets: {', '.join(wb.sheetnames)})")]
        )
    ws = wb[SHEET]
    errors: list[RowError] = []
    rows: list[Form205Row] = []
    started = False
    for i, values in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = list(values) + [None] * (len(_HEAD) - len(values))
        if not started:
            started = cells[0] == "甲"
            continue
        if all(v is None for v in cells):
            continue
        code = str(cells[2] or "").strip()
        if not code:
            errors.append(RowError(file, SHEET, i, "丙", "代码 is empty; every row needs its energy code"))
            continue
        nums = {a: _number(cells[3 + k], file, i, n, errors) for k, (a, n, _h) in enumerate(COLUMNS)}
        rows.append(
            Form205Row(
                code, str(cells[0] or ""), str(cells[1] or ""), **nums, reference_factor=str(cells[13] or "")
            )
        )
    if not started:
        errors.append(
            RowError(file, SHEET, None, None, "no header row starting with 甲 (the form's column letters)")
        )
    errors += check_205_1(rows, file, SHEET)
    if errors:
        raise ValidationError(errors)
    return rows
