"""The columns of a readings export (抄表/采集 system exports) and their Chinese aliases.

Columns ``meter_id, ts, value[, unit]``. Common Chinese headers are mapped once, here, at the
boundary (STYLE.md §1): 表号/表计编号/计量点编号 → ``meter_id``, 时间/采集时间/抄表时间 → ``ts``,
读数/示数/表底数/数值 → ``value``, 单位 → ``unit``. A unit in the value header (``读数(kWh)``,
``value [MWh]``) applies to every row without a unit column. Files
(:mod:`zeropark.ingest.files`) and HTTP CSV bodies (:mod:`zeropark.ingest.http`) read their header
with :func:`readings_columns`.
"""

from __future__ import annotations

import re
from typing import Any

from zeropark.errors import DataError, RowError

__all__ = ["HEADER_MAP", "readings_columns"]

#: Source header (normalised: lower case, no spaces) → canonical column.
HEADER_MAP: dict[str, str] = {
    "meter_id": "meter_id",
    "meter": "meter_id",
    "meterid": "meter_id",
    "表号": "meter_id",
    "表计编号": "meter_id",
    "电表号": "meter_id",
    "计量点编号": "meter_id",
    "计量器具编号": "meter_id",
    "ts": "ts",
    "time": "ts",
    "timestamp": "ts",
    "datetime": "ts",
    "时间": "ts",
    "采集时间": "ts",
    "抄表时间": "ts",
    "数据时间": "ts",
    "日期时间": "ts",
    "value": "value",
    "reading": "value",
    "读数": "value",
    "示数": "value",
    "表底数": "value",
    "数值": "value",
    "unit": "unit",
    "单位": "unit",
}
_UNIT_IN_HEADER = re.compile(r"^(?P<name>.*?)\s*[\(（\[](?P<unit>[^\)）\]]+)[\)）\]]\s*$")


def _norm(header: Any) -> tuple[str, str | None]:
    text = str(header or "").strip()
    unit = None
    m = _UNIT_IN_HEADER.match(text)
    if m:
        text, unit = m.group("name"), m.group("unit").strip()
    return text.lower().replace(" ", ""), unit


def readings_columns(header: list[Any], file: str, sheet: str | None) -> tuple[dict[str, int], str | None]:
    """Where ``meter_id``, ``ts``, ``value`` (and ``unit``) are in ``header``; a unit in the value header.

    Returns
    -------
    columns, header_unit
        Canonical column → index; the unit of ``读数(kWh)`` / ``value [MWh]`` (else ``None``).

    Raises
    ------
    DataError
        If meter_id, ts or value is missing; the message names the file, the header and the
        accepted names.
    """
    cols: dict[str, int] = {}
    header_unit = None
    for i, h in enumerate(header):
        name, unit = _norm(h)
        canon = HEADER_MAP.get(name)
        if canon and canon not in cols:
            cols[canon] = i
            if canon == "value" and unit:
                header_unit = unit
    missing = [c for c in ("meter_id", "ts", "value") if c not in cols]
    if missing:
        raise DataError(
            str(
                RowError(
                    file,
                    sheet,
                    1,
                    None,
                    f"missing column(s) {', '.join(missing)} in header {header!r}; "
                    "expected meter_id, ts, value "
                    "[, unit] (or 表号, 时间, 读数 [, 单位])",
                )
            )
        )
    return cols, header_unit
