"""Read a park register file 园区登记表 (.yaml/.yml or .xlsx) into rows keyed by canonical column.

Headers (Chinese or English, with or without ``*``) and YAML keys are mapped to the keys of
:data:`~zeropark.ingest.register.sheets.REGISTER_SHEETS` once, here. Each row keeps its sheet and
the row as the user sees it (the xlsx row, or the line of the YAML item), so every error can name
it. In YAML a meter's ``children`` are listed under it (their parent is the meter). The shape of
the file (an unknown sheet, section or column, a missing column, a file that cannot be read) is
reported as :class:`~zeropark.errors.RowError` beside the rows.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import yaml
from openpyxl.utils.exceptions import InvalidFileException

from zeropark.errors import DataError, RowError
from zeropark.ingest.register.sheets import (
    REGISTER_SHEETS,
    SHEET_HELP,
    SHEET_METERS,
    SHEET_PARK,
)
from zeropark.ingest.workbook.parse import SourceRow

__all__ = ["is_register_file", "read_rows"]


def _header_key(sheet: str, text: Any) -> str | None:
    t = str(text or "").strip().rstrip("*").strip().lower()
    if not t:
        return None
    for c in REGISTER_SHEETS[sheet][1]:
        if t in (c.zh.lower(), c.en.lower(), c.key):
            return c.key
        if t.split("（")[0] == c.zh.split("（")[0].lower() or t.split(" (")[0] == c.en.split(" (")[0].lower():
            return c.key
    return None


def _sheet_of(name: str) -> str | None:
    n = name.strip()
    for sheet, (key, _cols) in REGISTER_SHEETS.items():
        if n in (sheet, key):
            return sheet
    return None


_KNOWN = ", ".join(f"{s} ({k})" for s, (k, _c) in REGISTER_SHEETS.items())


def _xlsx_rows(path: Path) -> tuple[list[SourceRow], list[RowError]]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows: list[SourceRow] = []
    errors: list[RowError] = []
    try:
        for name in wb.sheetnames:
            sheet = _sheet_of(name)
            if sheet is None:
                if name not in (SHEET_HELP, "选项"):
                    errors.append(
                        RowError(path.name, name, None, None, f"unknown sheet; rename it to one of {_KNOWN}")
                    )
                continue
            it = wb[name].iter_rows(values_only=True)
            header = next(it, None) or ()
            keys = [_header_key(sheet, h) for h in header]
            for h, k in zip(header, keys, strict=True):
                if k is None and h is not None and str(h).strip():
                    errors.append(
                        RowError(path.name, sheet, 1, str(h), "unknown column; see `zeropark park template`")
                    )
            missing = [c.zh for c in REGISTER_SHEETS[sheet][1] if c.required and c.key not in keys]
            if missing:
                errors.append(
                    RowError(
                        path.name,
                        sheet,
                        1,
                        None,
                        f"missing column(s) {', '.join(missing)}; use `zeropark park template`",
                    )
                )
                continue
            english = {c.en.lower() for c in REGISTER_SHEETS[sheet][1]}
            for r, cells in enumerate(it, start=2):
                if r == 2 and any(str(v or "").strip().lower() in english for v in cells):
                    continue
                values = {k: v for k, v in zip(keys, cells, strict=False) if k is not None}
                if all(v is None or str(v).strip() == "" for v in values.values()):
                    continue
                rows.append(SourceRow(sheet, r, values))
    finally:
        wb.close()
    return rows, errors


#: libyaml's safe loader when PyYAML was built with it (about 10 times faster), else the Python one.
_SafeLoader: type[yaml.SafeLoader] = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader  # type: ignore[assignment]


class _LineLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """A safe YAML loader that keeps each mapping's line number under the key ``__line__``."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def _yaml_items(
    file: str, sheet: str, content: Any, errors: list[RowError], parent: str | None = None
) -> Iterator[SourceRow]:
    items = [content] if isinstance(content, dict) else content
    if not isinstance(items, list):
        errors.append(
            RowError(file, sheet, None, None, "expected a list of items (one per line, starting '- ')")
        )
        return
    for item in items:
        if not isinstance(item, dict):
            errors.append(
                RowError(file, sheet, None, None, f"expected a mapping of column: value, not {item!r}")
            )
            continue
        line = int(item.get("__line__", 0))
        values: dict[str, Any] = {}
        children = None
        for k, v in item.items():
            if k == "__line__":
                continue
            if sheet == SHEET_METERS and str(k) in ("children", "下级表"):
                children = v
                continue
            canon = _header_key(sheet, k)
            if canon is None:
                errors.append(
                    RowError(file, sheet, line, str(k), "unknown column; see docs/data-formats.md §7")
                )
            else:
                values[canon] = v
        if parent is not None:
            given = values.get("parent")
            if given not in (None, "") and str(given).strip() != parent:
                errors.append(
                    RowError(
                        file,
                        sheet,
                        line,
                        "上级表号",
                        f"is '{given}' but the meter is listed under '{parent}'; remove one of the two",
                    )
                )
            values["parent"] = parent
        yield SourceRow(sheet, line, values)
        if children is not None:
            yield from _yaml_items(file, sheet, children, errors, str(values.get("id") or "").strip() or None)


def _yaml_rows(path: Path) -> tuple[list[SourceRow], list[RowError]]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = exc.problem_mark if isinstance(exc, yaml.MarkedYAMLError) else None
        line = mark.line + 1 if mark is not None else None
        return [], [RowError(path.name, None, line, None, f"not valid YAML: {exc}")]
    if not isinstance(data, dict):
        return [], [
            RowError(
                path.name, None, None, None, "expected a mapping with keys park, zones, enterprises, meters"
            )
        ]
    rows: list[SourceRow] = []
    errors: list[RowError] = []
    for key, content in data.items():
        if key == "__line__":
            continue
        sheet = _sheet_of(str(key))
        if sheet is None:
            errors.append(RowError(path.name, str(key), None, None, f"unknown section; use one of {_KNOWN}"))
            continue
        if content is None:
            continue
        rows.extend(_yaml_items(path.name, sheet, content, errors))
    return rows, errors


def read_rows(path: Path) -> tuple[list[SourceRow], list[RowError]]:
    """The rows of a register file (.xlsx/.xlsm or .yaml/.yml) and the errors of its shape.

    A file that cannot be read as its type is one error and no rows.

    Raises
    ------
    DataError
        If the file type is neither.
    """
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return _xlsx_rows(path)
        if suffix in (".yaml", ".yml"):
            return _yaml_rows(path)
    except (
        zipfile.BadZipFile,
        InvalidFileException,
        UnicodeDecodeError,
        KeyError,
        ValueError,
        TypeError,
    ) as exc:
        kind = "an xlsx workbook" if suffix in (".xlsx", ".xlsm") else "UTF-8 YAML text"
        return [], [
            RowError(
                path.name, None, None, None, f"cannot be read as {kind} ({exc}); save it again as {kind}"
            )
        ]
    raise DataError(f"{path.name}: unsupported file type '{suffix}'; a park register is .yaml or .xlsx")


def is_register_file(path: Path) -> bool:
    """Whether ``path`` looks like a park register (a 园区/park sheet or section)."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            wb = openpyxl.load_workbook(path, read_only=True)
            names = set(wb.sheetnames)
            wb.close()
            return SHEET_PARK in names
        if suffix in (".yaml", ".yml"):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            return isinstance(data, dict) and ("park" in data or SHEET_PARK in data)
    except (OSError, ValueError, yaml.YAMLError, KeyError):
        return False
    return False
