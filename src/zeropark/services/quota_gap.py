"""配额缺口预测 use case: each enterprise's year-end CO2 and allowance gap, from its accounted months.

The months come from the latest national run of the year (the figures every door shows): each
enterprise's line items summed by month [tCO2]; lines of the whole year (annual activity records)
are a fixed addend. Last year's latest national run, where it exists, gives the seasonal shape and
a rolling-origin backtest. The forecast itself is :func:`zeropark.forecast.quota_gap.forecast_gap`.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from zeropark.errors import NotFound
from zeropark.forecast.quota_gap import (
    DEFAULT_LEVEL,
    MONTHS,
    Backtest,
    GapForecast,
    Interval,
    QuotaGapError,
    backtest,
    forecast_gap,
)
from zeropark.forecast.quota_gap import Method as GapMethod
from zeropark.forecast.quota_gap_conformal import (
    conformal_quantile,
    horizon_quantiles,
    scaled_scores,
    window_scores,
)
from zeropark.forecast.quota_gap_ml import MlFit, YearSeries, fit_months
from zeropark.model import Method
from zeropark.services.inventory import latest_view
from zeropark.services.park_runs import require_park
from zeropark.store import production_plans, repo
from zeropark.store.db import transaction
from zeropark.store.production_plans import PlanMonth
from zeropark.store.scope import Scope

__all__ = [
    "PLAN_COLUMNS",
    "EnterpriseGap",
    "MethodScore",
    "MonthlyCo2",
    "backtest_methods",
    "forecast",
    "import_plans",
    "plan_dict",
    "plans",
    "set_plan",
]

PLAN_ENTITY = "production_plan"
#: Columns of a production-plan CSV (UTF-8, a header row): one row per enterprise, year and month.
PLAN_COLUMNS = ("enterprise_id", "year", "month", "quantity", "unit")


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
            "interval": f.interval.value,
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
    method: GapMethod | None = None,
    interval: Interval = Interval.CONFORMAL,
) -> list[EnterpriseGap]:
    """Forecast every visible enterprise's year-end CO2 and gap (or one enterprise's).

    ``interval`` ``conformal`` (default) calibrates each interval on the park's past forecast
    windows of the same method and horizon (:func:`_calibration`); a horizon with too few windows
    keeps the ``normal`` interval, and each forecast names the one it got.

    ``method`` forces plan, seasonal, run rate or ml (default: the first simple method with data);
    the stored production plans of the year (:func:`set_plan`, :func:`import_plans`) drive ``plan``
    and are a feature of ``ml``, whose model is pooled over the park's visible enterprises.

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
    plan_of = _plan_months(scope, park_id, year)
    ml: dict[int, MlFit] = {}
    calib: dict[tuple[GapMethod, int], tuple[float | None, float | None]] = {}
    series = {
        e: _Series(c.months, _full(before, e), plan_of.get(e), _full(two_before, e))
        for e, c in now.items()
        if c.last_month > 0
    }
    prior_plans = _plan_months(scope, park_id, year - 1)
    prior = {
        e: _Series(b.months, _full(two_before, e), prior_plans.get(e), None)
        for e, b in before.items()
        if b.last_month == MONTHS
    }
    out: list[EnterpriseGap] = []
    for ent in sorted(now):
        cur = now[ent]
        k = through_month or cur.last_month
        if k == 0:
            continue  # only annual lines: nothing to run a monthly forecast on
        prev = before.get(ent)
        last_year = prev.months if prev is not None and prev.last_month == MONTHS else None
        allowance = None if allowances is None else allowances.get(ent)
        pl = plan_of.get(ent)
        ml_months = ml_sd = None
        ml_rho = 0.0
        if method is GapMethod.ML:
            if k >= MONTHS:
                raise QuotaGapError("as_of_month: 12 months are known; nothing is left to forecast")
            if k not in ml:
                ml[k] = _ml_fit(scope, park_id, year, k, now, before, two_before)
            ml_months, ml_sd = list(ml[k].monthly.get(ent, cur.months)), ml[k].relative_sd
            ml_rho = ml[k].correlation
        f = forecast_gap(
            cur.months[:k],
            last_year=last_year,
            production=None if pl is None else pl[:k],
            plan=None if pl is None else pl[k:],
            allowance_tco2=allowance,
            fixed_tco2=cur.annual,
            level=level,
            method=method,
            ml_months=ml_months,
            ml_sd=ml_sd,
            ml_rho=ml_rho,
        )
        if interval is Interval.CONFORMAL and k < MONTHS:
            key = (f.method, k)
            if key not in calib:
                if f.method is GapMethod.ML:
                    for j in range(1, k):
                        if j not in ml:
                            ml[j] = _ml_fit(scope, park_id, year, j, now, before, two_before)
                calib[key] = _calibration(f.method, k, series, prior, ml, level)
            q, qs = calib[key]
            if q is not None or qs is not None:
                f = forecast_gap(
                    cur.months[:k], last_year=last_year, production=None if pl is None else pl[:k],
                    plan=None if pl is None else pl[k:], allowance_tco2=allowance, fixed_tco2=cur.annual,
                    level=level, method=f.method, ml_months=ml_months, ml_sd=ml_sd, ml_rho=ml_rho,
                    conformal_q=q, scaled_q=qs,
                )  # fmt: skip
        bt = None
        if last_year is not None and sum(last_year) > 0:
            older = two_before.get(ent)
            shape = older.months if older is not None and older.last_month == MONTHS else None
            bt = backtest(last_year, last_year=shape, level=level)
        out.append(EnterpriseGap(ent, names.get(ent, ent), run_id, k, f, bt))
    return out


@dataclass(frozen=True, slots=True)
class _Series:
    """One enterprise-year for calibration: months [tCO2], last year's 12, the 12-month plan."""

    months: tuple[float, ...]
    last_year: tuple[float, ...] | None
    plan: list[float] | None
    two_before: tuple[float, ...] | None = None


def _full(m: Mapping[str, MonthlyCo2], e: str) -> tuple[float, ...] | None:
    x = m.get(e)
    return x.months if x is not None and x.last_month == MONTHS else None


def _calibration(
    method: GapMethod,
    k: int,
    current: Mapping[str, _Series],
    prior: Mapping[str, _Series],
    ml: Mapping[int, MlFit],
    level: float,
) -> tuple[float | None, float | None]:
    """The split-conformal quantile for forecasts of ``method`` after month ``k``: (by horizon, scaled).

    The first is q̂ of the relative scores of horizon 12 − ``k``
    (:func:`zeropark.forecast.quota_gap_conformal.window_scores`), the second q̂ of the normalised
    scores of every horizon (:func:`~zeropark.forecast.quota_gap_conformal.scaled_scores`); ``None``
    where too few windows give no finite quantile. The windows, pooled over the park's enterprises:
    this year's that end by month ``k`` (forecasts made after month j < k, scored on months
    j+1…e ≤ k) and every window of last year when it is complete (forecast after each month 1…11
    by the same method; not for ``ml``, whose last-year fits are not made). No month after ``k`` of
    this year enters, so a forecast (or a backtest cut-off) is never calibrated on its own outcome.
    """
    by_h: dict[int, list[float]] = {}
    scaled: list[float] = []

    def add(months: Sequence[float], fits: Mapping[int, GapForecast], upto: int) -> None:
        for h, v in window_scores(months, fits, upto).items():
            by_h.setdefault(h, []).extend(v)
        scaled.extend(scaled_scores(months, fits, upto))

    for ent, s in sorted(current.items()):
        fits: dict[int, GapForecast] = {}
        for j in range(1, k):
            fit = ml.get(j) if method is GapMethod.ML else None
            try:
                fits[j] = forecast_gap(
                    s.months[:j], last_year=s.last_year,
                    production=None if s.plan is None else s.plan[:j],
                    plan=None if s.plan is None else s.plan[j:], method=method,
                    ml_months=None if fit is None else fit.monthly.get(ent),
                    ml_sd=None if fit is None else fit.relative_sd,
                    ml_rho=0.0 if fit is None else fit.correlation,
                )  # fmt: skip
            except QuotaGapError:
                continue  # the method lacks its data at this origin (e.g. a month of 0 t)
        add(s.months[:k], fits, k)
    if method is not GapMethod.ML:
        for s in prior.values():
            try:
                b = backtest(s.months, last_year=s.last_year, plan=s.plan, method=method)
            except QuotaGapError:
                continue
            add(s.months, dict(enumerate(b.runs, start=1)), MONTHS)
    q = horizon_quantiles({MONTHS - k: by_h.get(MONTHS - k, [])}, level).get(MONTHS - k)
    return (None if q is None else q[0]), conformal_quantile(scaled, level)


def _plan_months(scope: Scope, park_id: str, year: int) -> dict[str, list[float]]:
    """Complete 12-month plans of ``year`` by enterprise (an incomplete plan is not used)."""
    found: dict[str, dict[int, float]] = defaultdict(dict)
    for p in production_plans.plans(scope, park_id, year=year):
        found[p.enterprise_id][p.month] = p.quantity
    return {e: [m[i] for i in range(1, MONTHS + 1)] for e, m in found.items() if len(m) == MONTHS}


def _ml_fit(
    scope: Scope,
    park_id: str,
    year: int,
    k: int,
    now: Mapping[str, MonthlyCo2],
    before: Mapping[str, MonthlyCo2],
    two_before: Mapping[str, MonthlyCo2],
) -> MlFit:
    """The pooled LightGBM fit at origin ``k``: this year's months 1…k, last year complete."""
    plans_now, plans_before = _plan_months(scope, park_id, year), _plan_months(scope, park_id, year - 1)

    def full(m: Mapping[str, MonthlyCo2], e: str) -> tuple[float, ...] | None:
        x = m.get(e)
        return x.months if x is not None and x.last_month == MONTHS else None

    def plan(p: Mapping[str, list[float]], e: str) -> tuple[float, ...] | None:
        return tuple(p[e]) if e in p else None

    current = [
        YearSeries(e, c.months[:k], full(before, e), plan(plans_now, e))
        for e, c in sorted(now.items())
        if c.last_month >= k
    ]
    history = [
        YearSeries(e, b.months, full(two_before, e), plan(plans_before, e))
        for e, b in sorted(before.items())
        if b.last_month == MONTHS
    ]
    return fit_months(current, k, history)


# --- production plans (生产计划) --------------------------------------------------------------------


def plans(
    scope: Scope, park_id: str, year: int | None = None, *, enterprise_id: str | None = None
) -> list[PlanMonth]:
    """Stored plan months the user may see (an enterprise: its own), of one enterprise if given.

    Raises
    ------
    NotFound
        The park, or ``enterprise_id`` in it, does not exist (or is outside the scope).
    """
    require_park(scope.engine, park_id)
    scope.check_park(park_id)
    if enterprise_id is not None and not repo.list_enterprises(
        scope.engine, park_id, enterprise_id=enterprise_id
    ):
        raise NotFound(f"enterprise '{enterprise_id}' not found in park '{park_id}'")
    found = production_plans.plans(scope, park_id, year=year)
    return [p for p in found if enterprise_id is None or p.enterprise_id == enterprise_id]


def plan_dict(p: PlanMonth) -> dict[str, Any]:
    """JSON form of a plan month (API, CLI ``--format json``)."""
    return {"enterprise_id": p.enterprise_id, "year": p.year, "month": p.month, "quantity": p.quantity,
            "unit": p.unit}  # fmt: skip


def _plan_value(value: object, where: str) -> float:
    try:
        q = float(str(value).strip())
    except ValueError:
        raise QuotaGapError(
            f"{where}, field quantity: {value!r} is not a number; give the planned output"
        ) from None
    if not math.isfinite(q) or q < 0:
        raise QuotaGapError(f"{where}, field quantity: {q} must be a finite number ≥ 0")
    return q


def _check_plan(scope: Scope, park_id: str, enterprise_id: str, year: int, months: Mapping[int, float],
                unit: str, where: str, known: set[str]) -> None:  # fmt: skip
    if enterprise_id not in known:
        raise NotFound(f"{where}, field enterprise_id: '{enterprise_id}' is not in park '{park_id}'")
    scope.check_write(PLAN_ENTITY, enterprise_id, park_id=park_id, enterprise_id=enterprise_id)
    if not 2000 <= year <= 2100:
        raise QuotaGapError(f"{where}, field year: {year} is not a year 2000–2100")
    for m in months:
        if not 1 <= m <= MONTHS:
            raise QuotaGapError(f"{where}, field month: {m} is not a month 1–12")
    if not unit.strip() or len(unit) > 32:
        raise QuotaGapError(
            f"{where}, field unit: give the product unit (e.g. t, 万件), at most 32 characters"
        )


def set_plan(
    scope: Scope, park_id: str, enterprise_id: str, year: int, months: Mapping[int, float], unit: str
) -> list[PlanMonth]:
    """Set (replace) months of one enterprise's production plan [unit]; audited. The stored plan of the year.

    Raises
    ------
    NotFound
        The park or enterprise (or an enterprise outside the user's scope).
    QuotaGapError
        A month outside 1–12, a quantity below 0, no unit; nothing is stored.
    """
    require_park(scope.engine, park_id)
    known = {e.id for e in repo.list_enterprises(scope.engine, park_id)}
    clean = {int(m): _plan_value(q, f"month {m}") for m, q in months.items()}
    _check_plan(scope, park_id, enterprise_id, year, clean, unit, "plan", known)
    with transaction(scope.engine) as s:
        production_plans.put(s, park_id, enterprise_id, year, clean, unit.strip(), by=scope.user.username)
        after = {"months": {str(m): q for m, q in clean.items()}, "unit": unit.strip()}
        scope.audit(s, "set", PLAN_ENTITY, f"{enterprise_id}:{year}", after=after)
    return production_plans.plans(scope, park_id, year=year, enterprise_id=enterprise_id)


def import_plans(scope: Scope, park_id: str, text: str, *, source: str = "plan.csv") -> int:
    """Import a production-plan CSV (:data:`PLAN_COLUMNS`): every row checked first, then all stored.

    Returns the number of plan months stored. Raises a named error naming ``source``, the row and
    the field (nothing stored).
    """
    require_park(scope.engine, park_id)
    known = {e.id for e in repo.list_enterprises(scope.engine, park_id)}
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in PLAN_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise QuotaGapError(
            f"{source}: the header lacks {', '.join(missing)}; columns are {', '.join(PLAN_COLUMNS)}"
        )
    groups: dict[tuple[str, int, str], dict[int, float]] = defaultdict(dict)
    for n, row in enumerate(reader, start=2):
        where = f"{source}, row {n}"
        try:
            year, month = int(row["year"]), int(row["month"])
        except (TypeError, ValueError):
            raise QuotaGapError(f"{where}, field year/month: give whole numbers, e.g. 2025 and 3") from None
        ent, unit = (row["enterprise_id"] or "").strip(), (row["unit"] or "").strip()
        months = {month: _plan_value(row["quantity"], where)}
        _check_plan(scope, park_id, ent, year, months, unit, where, known)
        for (e, y, u), m in groups.items():
            if e == ent and y == year and u != unit:
                raise QuotaGapError(f"{where}, field unit: '{unit}' differs from '{u}' of the same plan")
            if e == ent and y == year and month in m:
                raise QuotaGapError(f"{where}, field month: {ent} {year}-{month:02d} is given twice")
        groups[(ent, year, unit)].update(months)
    if not groups:
        raise QuotaGapError(f"{source}: no rows under the header")
    with transaction(scope.engine) as s:
        for (ent, year, unit), months in sorted(groups.items()):
            production_plans.put(s, park_id, ent, year, months, unit, by=scope.user.username)
        total = sum(len(m) for m in groups.values())
        scope.audit(s, "import", PLAN_ENTITY, source, after={"months": total, "plans": len(groups)})
    return total


# --- backtest of every method -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MethodScore:
    """A method's rolling-origin backtest over the enterprises of one complete year."""

    method: str
    enterprises: int
    cutoffs: int
    mape_pct: float  # mean |forecast − actual| / actual of the year totals [%]
    coverage: float  # share of cut-offs whose interval (``interval``) held the actual total [1]
    level: float
    interval: str = Interval.NORMAL.value  # the interval asked for
    coverage_normal: float = 0.0  # the same share with the normal interval everywhere [1]
    #: per interval kind the forecasts got (conformal, conformal_scaled, normal): (n, coverage,
    #: the normal interval's coverage of the same forecasts) [1]
    by_interval: Mapping[str, tuple[int, float, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "method": self.method,
            "enterprises": self.enterprises,
            "cutoffs": self.cutoffs,
            "mape_pct": self.mape_pct,
            "coverage": self.coverage,
            "level": self.level,
            "interval": self.interval,
            "coverage_normal": self.coverage_normal,
            "by_interval": {
                k: {"forecasts": n, "coverage": c, "coverage_normal": c0}
                for k, (n, c, c0) in self.by_interval.items()
            },
        }


def backtest_methods(
    scope: Scope,
    park_id: str,
    year: int,
    *,
    level: float = DEFAULT_LEVEL,
    interval: Interval = Interval.CONFORMAL,
) -> list[MethodScore]:
    """Rolling-origin backtest of a complete ``year``: each method forecast from cut-offs 1…11.

    For every enterprise with 12 months and every cut-off k the year total is forecast from
    months 1…k only (the ML model refitted at each k on months 1…k of the park and the years
    before); a method without its data for an enterprise (no plan, no last year) is skipped for it.
    With ``interval`` ``conformal`` the interval at cut-off k is calibrated as :func:`forecast`
    does it — on windows ending by month k and last year's — so no month after k enters
    (``coverage_normal`` is the uncalibrated figure beside it).
    """
    scope.check_park(park_id)
    _, now = _monthly(scope, park_id, year, None)
    try:
        _, before = _monthly(scope, park_id, year - 1, None)
    except NotFound:
        before = {}
    try:
        _, two_before = _monthly(scope, park_id, year - 2, None)
    except NotFound:
        two_before = {}
    complete = {e: c for e, c in now.items() if c.last_month == MONTHS and sum(c.months) > 0}
    if not complete:
        raise QuotaGapError(
            f"{year}: no enterprise has 12 months of CO2 in the national run; backtest a complete year"
        )
    plan_of = _plan_months(scope, park_id, year)
    fits = {k: _ml_fit(scope, park_id, year, k, complete, before, two_before) for k in range(1, MONTHS)}
    series = {e: _Series(c.months, _full(before, e), plan_of.get(e)) for e, c in complete.items()}
    prior_plans = _plan_months(scope, park_id, year - 1)
    prior = {
        e: _Series(b.months, _full(two_before, e), prior_plans.get(e))
        for e, b in before.items()
        if b.last_month == MONTHS
    }
    scores: list[MethodScore] = []
    for m in GapMethod:
        qs: dict[int, float] = {}
        qscaled: dict[int, float] = {}
        if interval is Interval.CONFORMAL:
            for k in range(1, MONTHS):
                q, q2 = _calibration(m, k, series, prior, fits, level)
                if q is not None:
                    qs[k] = q
                if q2 is not None:
                    qscaled[k] = q2
        errors: list[float] = []
        covered: list[bool] = []
        covered_normal: list[bool] = []
        used = 0
        kinds: dict[str, list[tuple[bool, bool]]] = {}  # kind → (covered, normal covered) per forecast
        for ent, c in sorted(complete.items()):
            prev = before.get(ent)
            last = prev.months if prev is not None and prev.last_month == MONTHS else None
            args: dict[str, Any] = {
                "last_year": last, "plan": plan_of.get(ent), "method": m, "level": level,
                "ml_months": {k: f.monthly[ent] for k, f in fits.items() if ent in f.monthly} or None,
                "ml_sd": {k: f.relative_sd for k, f in fits.items()},
                "ml_rho": {k: f.correlation for k, f in fits.items()},
            }  # fmt: skip
            try:
                b = backtest(c.months, **args)
                cal = backtest(c.months, conformal_q=qs, scaled_q=qscaled, **args) if qs or qscaled else b
            except (QuotaGapError, KeyError):
                continue
            used += 1
            errors.extend(abs(e) for e in b.errors_pct)
            covered_normal.extend(b.covered)
            covered.extend(cal.covered)
            for c1, c0, i in zip(cal.covered, b.covered, cal.intervals, strict=True):
                kinds.setdefault(i.value, []).append((c1, c0))
        if errors:
            mape = sum(errors) / len(errors)
            cov, cov_n = sum(covered) / len(covered), sum(covered_normal) / len(covered_normal)
            by = {
                k: (len(v), sum(c for c, _ in v) / len(v), sum(c for _, c in v) / len(v))
                for k, v in sorted(kinds.items())
            }
            scores.append(
                MethodScore(m.value, used, len(errors), mape, cov, level, interval.value, cov_n, by)
            )
    return scores
