"""What the two fill-in xlsx templates share (企业填报表 and 园区登记表).

A template opens on a help sheet; each data sheet has a Chinese header row (required columns marked
``*``), an English one, then example rows from row 3; drop-down lists read a hidden 选项 sheet,
which is moved last.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from zeropark.ingest.workbook.sheets import Column

#: The hidden sheet the drop-down lists read.
CHOICES_SHEET = "选项"
#: Fill of the two header rows and of the example rows.
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
EXAMPLE_FILL = PatternFill("solid", fgColor="FFF2CC")
#: Rows a drop-down list covers (from the first data row).
_LAST_ROW = 2000


def new_template(help_title: str, help_lines: Sequence[str]) -> Workbook:
    """A workbook whose first sheet ``help_title`` holds ``help_lines`` (the first in bold)."""
    wb = openpyxl.Workbook()
    help_ws = wb.active
    assert help_ws is not None
    help_ws.title = help_title
    for i, line in enumerate(help_lines, start=1):
        help_ws.cell(row=i, column=1, value=line)
    help_ws["A1"].font = Font(bold=True, size=14)
    help_ws.column_dimensions["A"].width = 110
    return wb


def add_choices(wb: Workbook, columns: Mapping[str, tuple[str, Sequence[str]]]) -> None:
    """The hidden 选项 sheet: column letter → (title in row 1, the values from row 2)."""
    lists = wb.create_sheet(CHOICES_SHEET)
    for col, (title, values) in columns.items():
        lists[f"{col}1"] = title
        for r, v in enumerate(values, start=2):
            lists[f"{col}{r}"] = v
    lists.sheet_state = "hidden"


def choice_validation(col: str, n: int) -> DataValidation:
    """A drop-down of the ``n`` values in column ``col`` of the 选项 sheet."""
    ref = f"={CHOICES_SHEET}!${col}$2:${col}${n + 1}"
    return DataValidation(type="list", formula1=ref, allow_blank=True, showErrorMessage=True)


def add_data_sheet(wb: Workbook, title: str, columns: Sequence[Column]) -> Worksheet:
    """A data sheet with its two header rows (zh with ``*`` when required, en), widths, frozen panes."""
    ws = wb.create_sheet(title)
    for j, c in enumerate(columns, start=1):
        for r, text in ((1, c.zh + (" *" if c.required else "")), (2, c.en)):
            cell = ws.cell(row=r, column=j, value=text)
            cell.font = Font(bold=r == 1)
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(j)].width = c.width
    ws.freeze_panes = "A3"
    ws.row_dimensions[1].height = 32
    return ws


def restrict_column(ws: Worksheet, column: int, validation: DataValidation) -> None:
    """Apply ``validation`` to the data rows of the 1-based ``column``."""
    letter = get_column_letter(column)
    validation.add(f"{letter}3:{letter}{_LAST_ROW}")
    ws.add_data_validation(validation)


def save_template(wb: Workbook, path: Path) -> None:
    """Move the 选项 sheet last and write the workbook."""
    wb.move_sheet(CHOICES_SHEET, offset=len(wb.sheetnames))
    wb.save(path)
