"""The enterprise data workbook 企业能源消费与碳排放数据填报表: template and import.

An enterprise in the park reports what is not metered by the park (fuel bought, production,
process materials, green certificates) in one workbook. :func:`write_template` writes the blank
workbook; :func:`import_workbook` reads the same content from ``.xlsx``, ``.csv`` (the energy sheet
with an enterprise column) or ``.yaml``/``.json`` (a mapping of the sheets), maps the source
headers to canonical keys once (STYLE.md §1: rename at the boundary), validates every row and
stores what passed — all or nothing unless ``partial=True``. Each error names the file, the
sheet, the row number as the user sees it, the column and what to fix.

Modules, in the order data flows:

- :mod:`~zeropark.ingest.workbook.sheets` — the sheets, columns and accepted names;
- :mod:`~zeropark.ingest.workbook.template` — the blank bilingual workbook;
- :mod:`~zeropark.ingest.workbook.parse` — xlsx/csv/yaml/json → rows with their source location;
- :mod:`~zeropark.ingest.workbook.checks` — rows → activity records, claims, outputs, or errors;
- :mod:`~zeropark.ingest.workbook.store` — the import batch and the stored records.
"""

from __future__ import annotations

from zeropark.ingest.workbook.checks import workbook_enterprise
from zeropark.ingest.workbook.parse import is_enterprise_data_file
from zeropark.ingest.workbook.sheets import (
    EXAMPLE_MARK,
    SHEET_ENERGY,
    SHEET_GREEN,
    SHEET_HELP,
    SHEET_INFO,
    SHEET_PROCESS,
    SHEET_PRODUCTION,
    SHEETS,
    TITLE,
)
from zeropark.ingest.workbook.store import ImportResult, import_workbook
from zeropark.ingest.workbook.template import write_template

__all__ = [
    "EXAMPLE_MARK",
    "SHEETS",
    "SHEET_ENERGY",
    "SHEET_GREEN",
    "SHEET_HELP",
    "SHEET_INFO",
    "SHEET_PROCESS",
    "SHEET_PRODUCTION",
    "TITLE",
    "ImportResult",
    "import_workbook",
    "is_enterprise_data_file",
    "workbook_enterprise",
    "write_template",
]
