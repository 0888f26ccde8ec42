"""配额缺口预测 use case: each enterprise's year-end CO2 and allowance gap, from its accounted months.

The months come from the latest national run of the year (the figures every door shows): each
enterprise's line items summed by month [tCO2]; lines of the whole year (annual activity records)
are a fixed addend. Last year's latest national run, where it exists, gives the seasonal shape and
a rolling-origin backtest. The forecast itself is :func:`zeropark.forecast.quota_gap.forecast_gap`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zeropark.errors import NotFound
from zeropark.forecast.quota_gap import (
    DEFAULT_LEVEL,
    MONTHS,
    Backtest,
    GapForecast,
    QuotaGapError,
    backtest,
    forecast_gap,
)
from zeropark.model import Method
from zeropark.services.inventory import latest_view
from zeropark.store import repo
from zeropark.store.scope import Scope

__all__ = ["EnterpriseGap", "MonthlyCo2", "forecast"]


@dataclass(frozen=True, slots=True)
class MonthlyCo2:
    """One enterprise's CO2 of one run by month [tCO2]; ``annual`` = lines of the whole year."""

    months: tuple[float, ...]  # 12 values, 0 for months without lines
    last_month: int  # the latest month (1–12) that has a line; 0 when none
    annual: float


@dataclass(frozen=True, slots=True)
class EnterpriseGap:
    """The forecast of one enterprise and, when last year is complete, its backtest."""

    enterprise_id: str
    name: str
    run_id: int
    through_month: int
    forecast: GapForecast
    backtest: Backtest | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping: every figure in t CO2 (percentages in %)."""
        f, b = self.forecast, self.backtest
        return {
            "enterprise_id": self.enterprise_id,
            "name": self.name,
            "run_id": self.run_id,
            "through_month": self.through_month,
            "method": f.method.value,
            "to_date_tco2": f.to_date_tco2,
            "year_end_tco2": f.year_end_tco2,
            "low_tco2": f.low_tco2,
            "high_tco2": f.high_tco2,
            "level": f.level,
            "relative_sd": f.relative_sd,
            "allowance_tco2": f.allowance_tco2,
            "gap_tco2": f.gap_tco2,
            "p_short": f.p_short,
            "monthly_tco2": list(f.monthly_tco2),
            "backtest": None
            if b is None
            else {"mape_pct": b.mape_pct, "coverage": b.coverage, "errors_pct": list(b.errors_pct)},
        }


def _monthly(
    scope: Scope, park_id: str, year: int, enterprise_id: str | None
) -> tuple[int, dict[str, MonthlyCo2]]:
    view = latest_view(scope, park_id, year, Method.NATIONAL, enterprise_id=enterprise_id)
    if view is None:
        raise NotFound(
            f"no national run of {year} for park {park_id}: run `zeropark account --year {year}` first"
        )
    months: dict[str, list[float]] = defaultdict(lambda: [0.0] * MONTHS)
    annual: dict[str, float] = defaultdict(float)
    last: dict[str, int] = defaultdict(int)
    for line in view.inventory.lines:
        ent = line.enterprise_id
        if ent is None or not scope.sees(park_id=park_id, enterprise_id=ent):
            continue
        if enterprise_id is not None and ent != enterprise_id:
            continue
        if line.month is None or line.month.year != year:
            annual[ent] += line.emissions_tco2e
            continue
        months[ent][line.month.month - 1] += line.emissions_tco2e
        last[ent] = max(last[ent], line.month.month)
    ents = set(months) | set(annual)
    return view.run_id, {e: MonthlyCo2(tuple(months[e]), last[e], annual[e]) for e in ents}


def forecast(
    scope: Scope,
    park_id: str,
    year: int,
    *,
    enterprise_id: str | None = None,
    through_month: int | None = None,
    allowances: Mapping[str, float] | None = None,
    level: float = DEFAULT_LEVEL,
) -> list[EnterpriseGap]:
    """Forecast every visible enterprise's year-end CO2 and gap (or one enterprise's).

    ``through_month`` cuts the year after that month (default: the latest month with lines);
    ``allowances`` maps an enterprise id to its allowance [tCO2] for the year.

    Raises
    ------
    NotFound
        No national run of ``year``, or an enterprise outside the scope.
    QuotaGapError
        A month outside 1–12, or an enterprise with no monthly lines.
    """
    scope.check_park(park_id)
    if through_month is not None and not 1 <= through_month <= MONTHS:
        raise QuotaGapError(f"through_month: {through_month} is not a month 1–12")
    run_id, now = _monthly(scope, park_id, year, enterprise_id)
    try:
        _, before = _monthly(scope, park_id, year - 1, enterprise_id)
    except NotFound:
        before = {}
    try:
        _, two_before = _monthly(scope, park_id, year - 2, enterprise_id)
    except NotFound:
        two_before = {}
    names = {e.id: e.name for e in repo.list_enterprises(scope.engine, park_id, enterprise_id=enterprise_id)}
    out: list[EnterpriseGap] = []
    for ent in sorted(now):
        cur = now[ent]
        k = through_month or cur.last_month
        if k == 0:
            continue  # only annual lines: nothing to run a monthly forecast on
        prev = before.get(ent)
        last_year = prev.months if prev is not None and prev.last_month == MONTHS else None
        allowance = None if allowances is None else allowances.get(ent)
        f = forecast_gap(
            cur.months[:k], last_year=last_year, allowance_tco2=allowance, fixed_tco2=cur.annual, level=level
        )
        bt = None
        if last_year is not None and sum(last_year) > 0:
            older = two_before.get(ent)
            shape = older.months if older is not None and older.last_month == MONTHS else None
            bt = backtest(last_year, last_year=shape, level=level)
        out.append(EnterpriseGap(ent, names.get(ent, ent), run_id, k, f, bt))
    return out
