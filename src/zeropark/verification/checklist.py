"""核查清单 The verification checklist: items as package data (``data/checklist.csv``).

Each row: ``id``, ``clause`` (the ISO 14064-3:2019 clause it rests on), the check in Chinese and
English, and ``confidence``. The clause numbers are recalled from ISO 14064-3:2019 (ISO, 2019-04,
"Specification with guidance for the verification and validation of greenhouse gas statements")
and marked ``UNCERTAIN`` until checked against the published text. A result is ``pass``, ``fail``
or ``n/a`` with a note.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

__all__ = ["CheckResult", "ChecklistItem", "checklist"]

_DATA = Path(__file__).with_name("data") / "checklist.csv"


class CheckResult(StrEnum):
    """结论 of one checklist item."""

    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "n/a"


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One check: id, clause reference, text (zh, en), whether the clause number is [UNCERTAIN]."""

    id: str
    clause: str
    text_zh: str
    text_en: str
    uncertain: bool


@cache
def checklist() -> tuple[ChecklistItem, ...]:
    """The built-in checklist, in file order."""
    with _DATA.open(encoding="utf-8", newline="") as f:
        return tuple(
            ChecklistItem(r["id"], r["clause"], r["text_zh"], r["text_en"], r["confidence"] == "UNCERTAIN")
            for r in csv.DictReader(f)
        )
