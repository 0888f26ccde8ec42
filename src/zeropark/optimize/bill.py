"""电费: one month's electricity cost of a time-of-use tariff from hourly energy (pure).

Energy charge = Σ over the month's quarter-hours of energy × the price of the quarter-hour's
period (分时电价); an hour's energy is spread evenly over its four quarter-hours, which is exact
when the tariff's period boundaries fall on full hours (every bundled tariff) and an assumption
otherwise (stated as ``assumptions`` on the bill).

Demand charge (需量电费) = maximum demand [kW] × ``demand_charge_cny_per_kw_month``. The
maximum demand is read from hourly energy (max kWh in one hour ÷ 1 h); the billing meter's
15-minute maximum demand is at least this, so the charge here is a lower bound (stated).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from zeropark.optimize.tariff import SLOTS_PER_DAY, Tariff, TouPeriod

#: Stated on every bill.
ASSUMPTIONS: tuple[str, ...] = (
    "an hour's energy is spread evenly over its four quarter-hours "
    "(exact when period boundaries are on full hours)",
    "maximum demand from hourly energy (max kWh per hour ÷ 1 h); the meter's 15-minute demand is ≥ this",
    "hours without a complete reading are left out and counted in missing_hours",
)


@dataclass(frozen=True, slots=True)
class MonthBill:
    """One month's electricity cost under one tariff version.

    Attributes
    ----------
    energy_kwh : dict[TouPeriod, float]
        Energy per period [kWh].
    energy_cost_cny : dict[TouPeriod, float]
        Energy charge per period [CNY].
    max_demand_kw : float
        Maximum hourly-average demand [kW].
    demand_cost_cny : float
        Demand charge [CNY].
    missing_hours : int
        Hours of the month without a complete reading (left out).
    """

    year: int
    month: int
    tariff_id: str
    tariff_version: int
    energy_kwh: dict[TouPeriod, float]
    energy_cost_cny: dict[TouPeriod, float]
    max_demand_kw: float
    demand_cost_cny: float
    missing_hours: int

    @property
    def total_kwh(self) -> float:
        """Energy of the month [kWh]."""
        return math.fsum(self.energy_kwh.values())

    @property
    def total_cny(self) -> float:
        """Energy charge + demand charge [CNY]."""
        return math.fsum(self.energy_cost_cny.values()) + self.demand_cost_cny


def month_bill(
    tariff: Tariff, year: int, month: int, hourly_kwh: Sequence[float], *, version: int = 0
) -> MonthBill:
    """The bill of ``month`` from its hourly energy [kWh] (local hours from the 1st 00:00; NaN = missing).

    >>> from zeropark.optimize.tariff import flat_tariff
    >>> b = month_bill(flat_tariff(0.5, demand_charge_cny_per_kw_month=40.0), 2025, 2, [2.0] * 672)
    >>> round(b.total_cny, 2)  # 1 344 kWh × 0.5 + 2 kW × 40 = 672 + 80
    752.0
    """
    n_days = (date(year + (month == 12), month % 12 + 1, 1) - date(year, month, 1)).days
    if len(hourly_kwh) != 24 * n_days:
        raise ValueError(f"{year}-{month:02d} has {24 * n_days} hours, {len(hourly_kwh)} values were given")
    slots = tariff.period_by_month[month]
    per_hour: list[dict[TouPeriod, float]] = []
    for h in range(24):
        share: dict[TouPeriod, float] = {}
        for q in range(SLOTS_PER_DAY // 24):
            p = slots[h * 4 + q]
            share[p] = share.get(p, 0.0) + 0.25
        per_hour.append(share)
    energy: dict[TouPeriod, list[float]] = {}
    missing = 0
    peak = 0.0
    for k, e in enumerate(hourly_kwh):
        if e is None or math.isnan(e):
            missing += 1
            continue
        peak = max(peak, e)
        for p, w in per_hour[k % 24].items():
            energy.setdefault(p, []).append(e * w)
    kwh = {p: math.fsum(v) for p, v in energy.items()}
    cost = {p: kwh[p] * tariff.prices_cny_per_kwh[p] for p in kwh}
    return MonthBill(
        year,
        month,
        tariff.id,
        version,
        kwh,
        cost,
        peak,
        peak * tariff.demand_charge_cny_per_kw_month,
        missing,
    )


__all__ = ["ASSUMPTIONS", "MonthBill", "month_bill"]
