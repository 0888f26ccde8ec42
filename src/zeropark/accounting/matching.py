"""Clean-energy matching: the annual share and the hourly-matched (24/7) share of green electricity.

Hourly matching (DESIGN.md §4): for each local hour h of the year, clean supply
``C_h = onsite_h + direct_h + contracted_h`` (on-site PV/wind, 绿电直连, contracted green power
profile) is matched against load ``L_h``; the hourly-matched share is ``Σ_h min(L_h, C_h) / Σ_h L_h``
(the 24/7 carbon-free energy score). Missing hourly data is reported as missing — never as zero:
no load profile or no supply profile at all gives status ``missing`` naming the arrays; NaN hours
are left out and counted (status ``partial``).
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from zeropark.errors import DataError
from zeropark.model import AccountingInput


class ShareStatus(StrEnum):
    """Whether a share could be computed: ``ok``, ``partial`` (some hours missing) or ``missing``."""

    OK = "ok"
    PARTIAL = "partial"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class HourlyMatch:
    """Hourly (24/7) clean-electricity matching of one year.

    ``share`` is ``None`` when ``status`` is ``missing``; ``missing`` names the absent inputs.
    """

    status: ShareStatus
    share: float | None
    matched_kwh: float
    load_kwh: float
    hours: int
    hours_missing: int
    missing: tuple[str, ...] = ()
    hours_partial: int = 0  # of the hours missing: metered only in part (a half-hour missing, …)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "status": self.status.value,
            "share": self.share,
            "matched_kwh": self.matched_kwh,
            "load_kwh": self.load_kwh,
            "hours": self.hours,
            "hours_missing": self.hours_missing,
            "missing": list(self.missing),
            "hours_partial": self.hours_partial,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> HourlyMatch:
        """Inverse of :meth:`to_dict`."""
        return cls(
            status=ShareStatus(d["status"]),
            share=d["share"],
            matched_kwh=float(d["matched_kwh"]),
            load_kwh=float(d["load_kwh"]),
            hours=int(d["hours"]),
            hours_missing=int(d["hours_missing"]),
            missing=tuple(d["missing"]),
            hours_partial=int(d.get("hours_partial", 0)),
        )


_SUPPLY = ("hourly_onsite_clean_kwh", "hourly_direct_green_kwh", "hourly_contracted_green_kwh")


def hours_in_year(year: int) -> int:
    """Local hours of ``year`` (8 760, or 8 784 in a leap year)."""
    return 8784 if calendar.isleap(year) else 8760


def _check_length(name: str, values: Sequence[float], expected: int) -> None:
    if values and len(values) != expected:
        raise DataError(
            f"{name} has {len(values)} hourly values, {expected} expected for the year; "
            "give one value per local hour (Asia/Shanghai) or leave it empty when not metered"
        )


def hourly_not_loaded(year: int) -> HourlyMatch:
    """A missing hourly match: the input holds no hourly profile of the view being accounted."""
    n = hours_in_year(year)
    return HourlyMatch(ShareStatus.MISSING, None, 0.0, 0.0, n, n, ("hourly_load_kwh",))


def hourly_match(inputs: AccountingInput) -> HourlyMatch:
    """Hourly-matched clean-electricity share of ``inputs`` (see module docstring).

    Raises
    ------
    DataError
        When a non-empty hourly array does not have one value per hour of the year.
    """
    n = hours_in_year(inputs.year)
    load = inputs.hourly_load_kwh
    supplies = {name: getattr(inputs, name) for name in _SUPPLY}
    _check_length("hourly_load_kwh", load, n)
    for name, values in supplies.items():
        _check_length(name, values, n)
    missing: list[str] = []
    if not load:
        missing.append("hourly_load_kwh")
    present = {k: v for k, v in supplies.items() if v}
    if not present:
        missing.extend(_SUPPLY)
    if missing:
        return HourlyMatch(ShareStatus.MISSING, None, 0.0, 0.0, n, n, tuple(missing))
    matched = 0.0
    total = 0.0
    hours_missing = 0
    for h in range(n):
        values = [load[h], *(v[h] for v in present.values())]
        if any(math.isnan(x) for x in values):
            hours_missing += 1
            continue
        clean = math.fsum(values[1:])
        matched += min(load[h], clean)
        total += load[h]
    absent = tuple(k for k in _SUPPLY if k not in present)
    if total <= 0.0:
        return HourlyMatch(ShareStatus.MISSING, None, 0.0, 0.0, n, hours_missing, ("hourly_load_kwh",))
    status = ShareStatus.PARTIAL if hours_missing else ShareStatus.OK
    partial = min(inputs.hourly_partial_hours, hours_missing)
    return HourlyMatch(status, matched / total, matched, total, n, hours_missing, absent, partial)
