"""Number and time formatting for the pages and the reports (thousands, fixed decimals, local time).

Numbers are shown with the precision the quantity deserves: emissions and energy with one or two
decimals and thousands separators, shares as percent with one decimal, intensities with three
decimals, factors with the significant digits they were cited with (:func:`sig`, never a float
artefact such as ``0.9400000000000001``). A missing value prints as an em dash, never as 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment

from zeropark.indicators import IndicatorRow, IndicatorStatus
from zeropark.timeseries import Quality

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
MISSING = "—"


def num(value: Any, decimals: int = 1) -> str:
    """``12345.678`` → ``12,345.7``; None/NaN → ``—``; −0.0 → ``0.0``.

    >>> num(12345.678), num(-0.0, 2), num(-0.001, 2), num(-1.25, 1), num(None)
    ('12,345.7', '0.00', '0.00', '-1.2', '—')
    """
    if value is None:
        return MISSING
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if v != v:  # NaN
        return MISSING
    # rounded first and + 0.0: a value that rounds to zero (−0.0 export revenue) prints without a sign
    return f"{round(v, decimals) + 0.0:,.{decimals}f}"


#: Most significant digits a float carries reliably (IEEE 754 double: 15).
MAX_SIGNIFICANT = 15


def precision(value: float) -> int:
    """Significant digits ``value`` was written with: the fewest that give back the same number.

    A factor converted once to its canonical unit keeps the precision it was cited with, but the
    binary float may carry an artefact in its 16th–17th digit (94 % → ``0.9400000000000001``,
    15.3 tC/TJ → ``0.015300000000000001`` tC/GJ). The precision is the fewest significant digits
    ``d`` (at most :data:`MAX_SIGNIFICANT`) whose rounding is within 1e-12 (relative) of the value.

    >>> precision(0.9400000000000001), precision(0.015300000000000001), precision(389.31)
    (2, 3, 5)
    """
    if value == 0 or not math.isfinite(value):
        return 1
    for digits in range(1, MAX_SIGNIFICANT + 1):
        if abs(float(f"{value:.{digits}g}") - value) <= 1e-12 * abs(value):
            return digits
    return MAX_SIGNIFICANT


def sig(value: Any, digits: int | None = None) -> str:
    """A number to ``digits`` significant digits (default: its own :func:`precision`), no exponent.

    ``0.9400000000000001`` → ``0.94``; ``0.015300000000000001`` → ``0.0153``; ``23900`` → ``23,900``;
    ``sig(2.1622, 3)`` → ``2.16``; None/NaN → ``—``.
    """
    if value is None:
        return MISSING
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(v):
        return MISSING
    if v == 0:
        return "0"
    d = precision(v) if digits is None else max(1, digits)
    rounded = float(f"{v:.{d}g}")
    decimals = max(0, d - 1 - math.floor(math.log10(abs(rounded))))
    return f"{rounded:,.{decimals}f}"


def pct(value: Any, decimals: int = 1) -> str:
    """A share in [0, 1] as percent: ``0.4567`` → ``45.7``; None → ``—``."""
    if value is None:
        return MISSING
    return num(float(value) * 100.0, decimals)


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC instant in Asia/Shanghai local time."""
    if value is None:
        return MISSING
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_TZ).strftime(fmt)


#: Chinese names of the reading quality bits (``zeropark.timeseries.Quality``).
QUALITY_ZH: dict[str, str] = {
    "NEGATIVE": "负值",
    "ABOVE_CAPACITY": "超额定容量",
    "ROLLOVER": "表码翻转",
    "RESET": "换表/清零",
    "FILLED": "插补",
    "REPROCESSED": "隔离后重处理",
}


def quality_flags(value: int | None, lang: str = "zh") -> str:
    """Reading quality bits as words (``0`` → 正常/ok; ``17`` → 负值, 插补)."""
    if not value:
        return "正常" if lang != "en" else "ok"
    names = [f.name or "" for f in Quality if f.value and int(value) & f.value]
    if lang == "en":
        return ", ".join(n.lower() for n in names)
    return "、".join(QUALITY_ZH.get(n, n) for n in names)


#: How an indicator status reads on a page and in a report (the verdict badge's key).
VERDICT: dict[IndicatorStatus, str] = {
    IndicatorStatus.PASS: "pass",
    IndicatorStatus.FAIL: "fail",
    IndicatorStatus.NO_THRESHOLD: "not_assessed",
    IndicatorStatus.MISSING: "missing",
    IndicatorStatus.PARK_LEVEL: "park_level",
}


@dataclass(frozen=True, slots=True)
class IndicatorDisplay:
    """One indicator row as the pages and the PDF show it (text already formatted)."""

    key: str
    label: str
    value: float | None
    value_text: str
    requirement: str
    threshold: float | None
    verdict: str  # pass / fail / not_assessed / missing / park_level
    missing: str


def indicator_display(row: IndicatorRow, lang: str = "zh") -> IndicatorDisplay:
    """The display of one stored indicator row: percentages with 1 decimal, others with 3."""
    label = row.label_en if lang == "en" else row.label_zh
    return IndicatorDisplay(
        key=row.code,
        label=f"{label} ({row.unit})" if row.unit else label,
        value=row.value,
        value_text=num(row.value, 1 if row.unit == "%" else 3),
        requirement=f"{row.comparison} {row.threshold:g}"
        if row.threshold is not None and row.comparison
        else MISSING,
        threshold=row.threshold,
        verdict=VERDICT.get(row.status, "not_assessed"),
        missing="、".join(row.missing) if row.missing else (row.note_en if lang == "en" else row.note_zh),
    )


def register_filters(env: Environment) -> None:
    """Make ``num``, ``sig``, ``pct``, ``local_time`` and ``quality_flags`` available as Jinja2 filters."""
    env.filters["num"] = num
    env.filters["sig"] = sig
    env.filters["pct"] = pct
    env.filters["local_time"] = local_time
    env.filters["quality_flags"] = quality_flags
