"""碳普惠 (carbon inclusion) points: recorded green actions earn points by rules kept as data.

Policy
------
- A rule (``assets/data/points_rules.csv``) names an action, its unit, the points per unit and a
  monthly cap per holder; the park operator sets them (every built-in row is a park default,
  [UNCERTAIN], not an official figure) and may replace the table.
- Points are whole numbers: ``floor(quantity × points_per_unit)``, cut at what is left of the
  month's cap. Earning is an ``earn`` entry from the scheme's issuer account, redeeming a
  ``redeem`` entry into ``retired:redeem`` (:mod:`zeropark.assets.book`): points are in the same
  double-entry ledger as allowances and certificates.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from zeropark.errors import AssetError

__all__ = ["PointsRule", "points_for", "rules"]

_DATA_DIR = Path(__file__).with_name("data")


@dataclass(frozen=True, slots=True)
class PointsRule:
    """One action's rule: points per unit and the monthly cap per holder [points]."""

    action: str
    name_zh: str
    name_en: str
    unit: str
    points_per_unit: float
    monthly_cap: int
    source_id: str
    note: str


def rules(path: Path | None = None) -> dict[str, PointsRule]:
    """The rules by action: the built-in table or the park's own CSV at ``path``.

    Raises
    ------
    AssetError
        A row that cannot be read (names the row).
    """
    p = path or _DATA_DIR / "points_rules.csv"
    out: dict[str, PointsRule] = {}
    with p.open(encoding="utf-8") as f:
        for i, r in enumerate(csv.DictReader(f), start=2):
            try:
                rule = PointsRule(
                    r["action"], r["name_zh"], r["name_en"], r["unit"], float(r["points_per_unit"]),
                    int(r["monthly_cap"]), r["source_id"], r.get("note") or "",
                )  # fmt: skip
            except (KeyError, ValueError) as exc:
                raise AssetError(f"{p.name} row {i}: {exc}; see the built-in points_rules.csv") from exc
            if rule.points_per_unit <= 0 or rule.monthly_cap <= 0:
                raise AssetError(f"{p.name} row {i}: points per unit and the monthly cap must be above 0")
            out[rule.action] = rule
    return out


def points_for(rule: PointsRule, quantity: float, earned_this_month: int = 0) -> int:
    """Points a recorded action earns: ``floor(quantity × points_per_unit)``, within the monthly cap.

    Raises
    ------
    AssetError
        A quantity that is not above 0.

    Examples
    --------
    >>> r = PointsRule("cycling", "骑行", "Cycling", "km", 1, 100, "park_default", "")
    >>> points_for(r, 12.7), points_for(r, 12.7, earned_this_month=95)
    (12, 5)
    """
    if not quantity > 0:
        raise AssetError(f"{rule.action}: the quantity must be above 0 {rule.unit}, {quantity} was given")
    return max(
        0, min(int(math.floor(quantity * rule.points_per_unit + 1e-9)), rule.monthly_cap - earned_this_month)
    )
