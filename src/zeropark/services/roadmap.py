"""Explaining change (变化归因): LMDI decomposition, Tapio decoupling and carbon productivity of two years.

One function, :func:`lmdi`, for every door (CLI ``zeropark roadmap lmdi``, ``GET
/api/v1/parks/{id}/roadmap/lmdi``). Its inputs are the stored national-method runs — the latest
run of each year (newest signed off, else newest: :func:`zeropark.services.inventory.latest_view`)
and the enterprise views accounted with it (its child runs):

- CO2 [t] and energy [tce] per enterprise, split into electricity and everything else, from each
  enterprise view's ``by_carrier`` / ``energy_by_carrier``;
- output value = the enterprise's 工业增加值 [10⁴ CNY] *as it was when the year was accounted*: the
  run's stored carbon productivity × its CO2 (the run's input fingerprint covers the enterprise
  master data, so the value belongs to that year, not to today's master data);
- public facilities (no output value) and the park-level remainder are not decomposed: the park
  total minus the enterprises' own totals is reported as ``not_decomposed_t`` for each year.

The carbon productivity trend lists every year from ``year_from`` to ``year_to`` (Σ output / Σ CO2 of
the enterprises); a year in between without a run or without output values says so in its note.

The decomposition itself is :mod:`zeropark.roadmap.lmdi` (Ang 2005), the decoupling state
:mod:`zeropark.roadmap.tapio` (Tapio 2005).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from zeropark.errors import DataError, NotFound, ZeroparkError
from zeropark.model import Carrier, Method
from zeropark.roadmap.lmdi import Decomposition, UnitYear, aggregate, decompose
from zeropark.roadmap.tapio import Decoupling, NoOutputChange, carbon_productivity, tapio
from zeropark.services.indicators import no_run
from zeropark.services.inventory import RunView, enterprise_runs, latest_view, view_of_run
from zeropark.store import repo
from zeropark.store.scope import Scope

__all__ = ["By", "LmdiResult", "MissingOutputValue", "SameYear", "TrendPoint", "YearFigures", "lmdi"]


class By(StrEnum):
    """The unit of the decomposition: each enterprise, or each sector (GB/T 4754 industry code)."""

    ENTERPRISE = "enterprise"
    SECTOR = "sector"


class SameYear(ZeroparkError):
    """The from-year and the to-year are the same: there is no change to explain."""


class MissingOutputValue(DataError):
    """An enterprise's output value (工业增加值) was not stored when a year was accounted."""


@dataclass(frozen=True, slots=True)
class YearFigures:
    """One year's run and totals: park CO2 [t], the enterprises' [t], output [10⁴ CNY], units."""

    year: int
    run_id: int
    park_co2_t: float
    units: tuple[UnitYear, ...]

    @property
    def co2_t(self) -> float:
        """CO2 of the decomposed units [t]."""
        return math.fsum(u.co2 for u in self.units)

    @property
    def output(self) -> float:
        """Output value of the decomposed units [10⁴ CNY]."""
        return math.fsum(u.output for u in self.units)

    @property
    def energy_tce(self) -> float:
        """Energy of the decomposed units [tce]."""
        return math.fsum(u.energy for u in self.units)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "year": self.year,
            "run_id": self.run_id,
            "park_co2_t": self.park_co2_t,
            "co2_t": self.co2_t,
            "not_decomposed_t": self.park_co2_t - self.co2_t,
            "output_10k_cny": self.output,
            "energy_tce": self.energy_tce,
            "carbon_productivity_10k_cny_per_t": carbon_productivity(self.output, self.co2_t),
            "units": [
                {
                    "unit": u.unit,
                    "output_10k_cny": u.output,
                    "energy_electricity_tce": u.energy_electricity,
                    "energy_other_tce": u.energy_other,
                    "co2_electricity_t": u.co2_electricity,
                    "co2_other_t": u.co2_other,
                    "carbon_productivity_10k_cny_per_t": carbon_productivity(u.output, u.co2),
                }
                for u in self.units
            ],
        }


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """Carbon productivity of the decomposed enterprises in one year [10⁴ CNY/tCO2], or why not."""

    year: int
    run_id: int | None
    output_10k_cny: float | None
    co2_t: float | None
    carbon_productivity: float | None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "year": self.year,
            "run_id": self.run_id,
            "output_10k_cny": self.output_10k_cny,
            "co2_t": self.co2_t,
            "carbon_productivity_10k_cny_per_t": self.carbon_productivity,
            "note": self.note,
        }


def _point(fig: YearFigures) -> TrendPoint:
    return TrendPoint(fig.year, fig.run_id, fig.output, fig.co2_t, carbon_productivity(fig.output, fig.co2_t))


@dataclass(frozen=True, slots=True)
class LmdiResult:
    """The decomposition of the change from ``before`` to ``after``, the decoupling state and trends."""

    park_id: str
    by: By
    before: YearFigures
    after: YearFigures
    decomposition: Decomposition
    decoupling: Decoupling | None
    decoupling_note: str
    trend: tuple[TrendPoint, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping (what the CLI's ``--format json`` and the API return)."""
        return {
            "carbon_productivity_trend": [p.to_dict() for p in self.trend],
            "park_id": self.park_id,
            "by": self.by.value,
            "from": self.before.to_dict(),
            "to": self.after.to_dict(),
            "decomposition": self.decomposition.to_dict(),
            "decoupling": None if self.decoupling is None else self.decoupling.to_dict(),
            "decoupling_note": self.decoupling_note,
        }


def _output(view: RunView) -> float | None:
    """工业增加值 [10⁴ CNY] of an enterprise view as accounted: carbon productivity × CO2."""
    if view.indicators is None:
        return None
    try:
        cp = view.indicators.row("carbon_productivity").value
    except KeyError:
        return None
    return None if cp is None else cp * view.inventory.total_tco2e


def _year(scope: Scope, park_id: str, year: int, sector_of: dict[str, str]) -> YearFigures:
    park_view = latest_view(scope, park_id, year, Method.NATIONAL)
    if park_view is None:
        raise no_run(park_id, year, None)
    if park_view.inventory.enterprise_id is not None:  # an enterprise user: its own view only
        views = [park_view]
    else:
        views = [view_of_run(scope, c.id) for c in enterprise_runs(scope, park_view.run_id)]
    units: list[UnitYear] = []
    missing: list[str] = []
    elec = Carrier.ELECTRICITY.value
    for v in views:
        inv = v.inventory
        ent = inv.enterprise_id
        if ent is None or ent not in sector_of:  # public facilities: no output value
            continue
        output = _output(v)
        if output is None:
            why = " — its CO2 is 0, so the run holds no carbon productivity" if inv.total_tco2e <= 0 else ""
            missing.append(f"{ent} (run #{v.run_id}{why})")
            continue
        co2_el = inv.by_carrier.get(elec, 0.0)
        e_el = inv.energy_by_carrier.get(elec, 0.0)
        units.append(UnitYear(ent, output, e_el, inv.energy_tce - e_el, co2_el, inv.total_tco2e - co2_el))
    if missing:
        raise MissingOutputValue(
            f"{year}: no output value (工业增加值, value_added_10k_cny) was stored with the national run of "
            f"{', '.join(missing)}; enter it (enterprise workbook sheet 企业信息, or PATCH "
            f"/api/v1/enterprises/{{id}} with value_added_10k_cny) and account {year} again "
            f"(`zeropark account --year {year}`)"
        )
    if not units:
        raise MissingOutputValue(
            f"{year}: the national run #{park_view.run_id} has no enterprise views with an output value; "
            f"account {year} again with the enterprises' value added entered"
        )
    return YearFigures(year, park_view.run_id, park_view.inventory.total_tco2e, tuple(units))


def lmdi(scope: Scope, park_id: str, year_from: int, year_to: int, *, by: By = By.ENTERPRISE) -> LmdiResult:
    """LMDI decomposition of the park's CO2 change from ``year_from`` to ``year_to`` (module docstring).

    Raises
    ------
    SameYear
        ``year_from == year_to``.
    NotFound
        The park is outside the scope, or a year has no national-method run (the message says how
        to make one).
    MissingOutputValue
        An enterprise's output value was not stored with a year's run (names them and what to enter).
    NegativeQuantity
        A negative figure (a net exporter) that has no logarithm.
    """
    if year_from == year_to:
        raise SameYear(f"--from and --to are both {year_from}: choose two different accounted years")
    scope.check_park(park_id)
    sector_of = {
        e.id: e.industry_code
        for e in repo.list_enterprises(scope.engine, park_id)
        if not e.is_public_facility
    }
    before = _year(scope, park_id, year_from, sector_of)
    after = _year(scope, park_id, year_to, sector_of)
    if by is By.SECTOR:
        before = YearFigures(
            before.year, before.run_id, before.park_co2_t, tuple(aggregate(before.units, sector_of))
        )
        after = YearFigures(
            after.year, after.run_id, after.park_co2_t, tuple(aggregate(after.units, sector_of))
        )
    decomposition = decompose(before.units, after.units)
    trend: list[TrendPoint] = []
    for year in range(min(year_from, year_to), max(year_from, year_to) + 1):
        if year in (year_from, year_to):
            trend.append(_point(before if year == year_from else after))
            continue
        try:
            trend.append(_point(_year(scope, park_id, year, sector_of)))
        except (NotFound, MissingOutputValue) as exc:
            trend.append(TrendPoint(year, None, None, None, None, str(exc)))
    try:
        decoupling: Decoupling | None = tapio(before.co2_t, after.co2_t, before.output, after.output)
        note = ""
    except NoOutputChange as exc:
        decoupling, note = None, str(exc)
    return LmdiResult(park_id, by, before, after, decomposition, decoupling, note, tuple(trend))
