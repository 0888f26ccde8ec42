"""205-1 《工业企业能源购进、消费与库存》 as a workbook: one sheet per enterprise, and reading it back.

The layout follows the form's table (:mod:`zeropark.accounting.form_205_1`): a title block (表号,
表名, 制定机关, 单位名称, 统一社会信用代码, 报告期), the header row 甲 乙 丙 1 … 10, one row per
energy and the row 40 能源合计(吨标准煤) whose column 4 is an Excel formula ``SUMPRODUCT`` of
columns 4 and 10, so the workbook recomputes what zeropark printed. Cells zeropark has no data for
are left empty. A note under the table names the run, its fingerprint and what is [UNCERTAIN].
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill

from zeropark.accounting.form_205_1 import CODES_VERIFIED, COLUMNS, ROWS, FormRow, check_row
from zeropark.errors import RowError, ValidationError

__all__ = ["TITLE", "FiledForm", "FormSheet", "ReadRow", "is_form_file", "read_workbook", "workbook_bytes"]

TITLE = "工业企业能源购进、消费与库存"
#: Rows of the title block above the header row (1-based row of the header).
HEADER_ROW = 8
_HEAD = ("能源名称", "计量单位", "代码", *(f"{i}" for i in range(1, 11)))
_FILL = PatternFill("solid", fgColor="DDEBF7")


@dataclass(frozen=True, slots=True)
class FormSheet:
    """One enterprise's form: who, which year, the rows, and the run they came from."""

    enterprise_id: str
    name: str
    uscc: str | None
    year: int
    rows: tuple[FormRow, ...]
    run_id: int
    fingerprint: str


def _sheet_title(enterprise_id: str, used: set[str]) -> str:
    base = "".join(ch for ch in enterprise_id if ch not in "[]:*?/\\")[:28] or "企业"
    title, n = base, 1
    while title in used:
        n += 1
        title = f"{base[:25]}~{n}"
    used.add(title)
    return title


def workbook_bytes(sheets: Sequence[FormSheet]) -> bytes:
    """The .xlsx of the forms, one sheet per enterprise (an empty note sheet when none)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    if not sheets:
        ws = wb.create_sheet("说明")
        ws["A1"] = "没有企业的核算记录 / no enterprise run to fill the form from"
    for form in sheets:
        ws = wb.create_sheet(_sheet_title(form.enterprise_id, used))
        ws["A1"] = TITLE
        ws["A1"].font = Font(bold=True, size=14)
        ws["A2"], ws["B2"] = "表号", "205-1"
        ws["A3"], ws["B3"] = "制定机关", "国家统计局（《能源统计报表制度》）"
        ws["A4"], ws["B4"] = "单位详细名称", form.name
        ws["A5"], ws["B5"] = "统一社会信用代码", form.uscc or ""
        ws["A6"], ws["B6"] = "报告期", f"{form.year}年"
        ws["A7"], ws["B7"] = "企业代码（zeropark）", form.enterprise_id
        for col, text in enumerate(_HEAD, start=1):
            c = ws.cell(HEADER_ROW, col, text)
            c.font = Font(bold=True)
            c.fill = _FILL
            c.alignment = Alignment(horizontal="center", wrap_text=True)
        for col, text in enumerate(COLUMNS, start=4):
            ws.cell(HEADER_ROW - 1, col, text).alignment = Alignment(wrap_text=True)
        r = HEADER_ROW
        for row in form.rows:
            r += 1
            ws.cell(r, 1, row.spec.name)
            ws.cell(r, 2, row.spec.unit)
            ws.cell(r, 3, row.spec.code)
            for i, v in enumerate(row.values, start=4):
                if v is not None:
                    ws.cell(r, i, round(v, 6)).number_format = "0.0000" if i == 13 else "#,##0.00"
        total = r + 1
        ws.cell(total, 1, "能源合计")
        ws.cell(total, 2, "吨标准煤")
        ws.cell(total, 3, "40")
        if form.rows:
            ws.cell(total, 7, f"=SUMPRODUCT(G{HEADER_ROW + 1}:G{r},M{HEADER_ROW + 1}:M{r})")
        else:
            ws.cell(total, 7, 0)
        ws.cell(total, 7).number_format = "#,##0.00"
        note = total + 2
        uncertain = ", ".join(s.code for s in ROWS if s.code not in CODES_VERIFIED)
        notes = (
            f"数据来源：zeropark 核算记录 #{form.run_id}（输入指纹 {form.fingerprint[:16]}…），"
            "企业自身口径。",
            "第4栏 = 燃烧、原料、运输用能源及受入电力热力与自发自用电力（扣除外送）；"
            "第10栏为该核算采用的折标系数。",
            "第1、3、9栏及燃料的第2栏：平台未记录，留空；第7栏非工业生产消费：核算数据不区分，填0。",
            f"[UNCERTAIN] 能源代码 {uncertain} 依公开导入程序的行序推定，未经官方表式核实"
            "（01、14、40 已见于公开代码）。",
        )
        for k, text in enumerate(notes):
            ws.cell(note + k, 1, text)
        ws.column_dimensions["A"].width = 16
        for letter in "DEFGHIJKLM":
            ws.column_dimensions[letter].width = 13
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@dataclass(frozen=True, slots=True)
class ReadRow:
    """One energy row read from a filed 205-1 sheet (columns 1–10, None where empty)."""

    sheet: str
    row: int
    code: str
    name: str
    unit: str
    values: tuple[float | None, ...]


def _number(raw: object, where: str, errors: list[RowError], sheet: str, row: int, col: int) -> float | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raw = str(raw)
    try:
        return float(str(raw).replace(",", "")) if isinstance(raw, str) else float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        errors.append(RowError(where, sheet, row, COLUMNS[col - 1], f"{raw!r} is not a number"))
        return None


@dataclass(frozen=True, slots=True)
class FiledForm:
    """One sheet's form: who filed it (from the title block, when given), the year, its rows."""

    sheet: str
    enterprise_id: str | None
    uscc: str | None
    year: int | None
    rows: tuple[ReadRow, ...]


def _title_block(cells: Sequence[tuple[object, ...]], head: int) -> tuple[str | None, str | None, int | None]:
    found: dict[str, str] = {}
    for r in cells[:head]:
        if r and len(r) > 1 and r[0] is not None and r[1] not in (None, ""):
            found[str(r[0]).strip()] = str(r[1]).strip()
    year_text = "".join(ch for ch in found.get("报告期", "") if ch.isdigit())[:4]
    return (
        found.get("企业代码（zeropark）") or None,
        found.get("统一社会信用代码") or None,
        int(year_text) if len(year_text) == 4 else None,
    )


def _header_at(cells: Sequence[tuple[object, ...]]) -> int | None:
    """The 0-based index of the header row (能源名称 … 代码) among the first 30 rows, if any."""
    for i, r in enumerate(cells[:30]):
        if r and len(r) > 2 and str(r[0] or "").strip() == _HEAD[0] and str(r[2] or "").strip() == _HEAD[2]:
            return i
    return None


def is_form_file(content: bytes) -> bool:
    """Whether ``content`` is an .xlsx with a 205-1 table (a header row 能源名称 计量单位 代码 …)."""
    try:
        wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    except Exception:  # not a workbook at all: not a 205-1 file
        return False
    try:
        return any(
            _header_at([tuple(r) for r in ws.iter_rows(max_row=30, max_col=3, values_only=True)]) is not None
            for ws in wb.worksheets
        )
    finally:
        wb.close()


def read_workbook(content: bytes, *, file_name: str = "205-1.xlsx") -> dict[str, FiledForm]:
    """Every sheet that holds a 205-1 table: its energy rows by sheet title, checked.

    A sheet is recognised by the header row (甲 能源名称 … in row ``HEADER_ROW`` or any row above 30
    whose first cell is 能源名称), so a renamed sheet still reads. Rows other than the known energy
    codes (and 40, the total) are reported, not dropped silently.

    Raises
    ------
    ValidationError
        Listing every bad cell and broken check with sheet, row and column.
    """
    try:
        wb = openpyxl.load_workbook(io.BytesIO(content), data_only=True, read_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not a workbook
        raise ValidationError(
            [RowError(file_name, None, None, None, f"not an .xlsx workbook ({exc})")]
        ) from None
    known = {s.code: s for s in ROWS}
    errors: list[RowError] = []
    out: dict[str, FiledForm] = {}
    for ws in wb.worksheets:
        cells = [tuple(r) for r in ws.iter_rows(min_row=1, max_row=400, max_col=13, values_only=True)]
        head = next(
            (i for i, r in enumerate(cells[:30]) if r and str(r[0] or "").strip() == "能源名称"), None
        )
        if head is None:
            continue
        rows: list[ReadRow] = []
        for i, r in enumerate(cells[head + 1 :], start=head + 2):
            if not r or r[0] is None or len(r) < 3:
                break
            code = str(r[2] or "").strip()
            if code == "40":
                break
            if code not in known:
                errors.append(
                    RowError(file_name, ws.title, i, "代码", f"{code!r} is not an energy code zeropark reads")
                )
                continue
            values = tuple(_number(r[c], file_name, errors, ws.title, i, c - 2) for c in range(3, 13))
            try:
                check_row(code, values)
            except Exception as exc:
                errors.append(RowError(file_name, ws.title, i, None, str(exc)))
                continue
            rows.append(ReadRow(ws.title, i, code, str(r[0]), str(r[1] or ""), values))
        ent, uscc, year = _title_block(cells, head)
        out[ws.title] = FiledForm(ws.title, ent, uscc, year, tuple(rows))
    wb.close()
    if errors:
        raise ValidationError(errors)
    if not out:
        raise ValidationError(
            [RowError(file_name, None, None, None, "no sheet holds a 205-1 table (a header row 能源名称 …)")]
        )
    return out
