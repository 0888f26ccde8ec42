"""以碳定产、以产定基、以土为界: budget, production and infrastructure a target implies. Pure.

The three steps of seed 000 ("转变到以碳定产、以产定基、以土为界的发展逻辑", the park-level
carbon-neutral pattern of 工业园区碳中和):

1. **以碳定产** — the carbon budget a target implies, year by year (a straight line from the base
   year's CO2 to the target; for a cumulative budget the straight line whose sum is the budget), its
   share per sector (GB/T 4754 code; shares of the base year's CO2, "grandfathering") and the output
   each sector may produce within it at its base-year carbon intensity
   (allowance × value added / CO2 [10⁴ CNY]).
2. **以产定基** — the infrastructure that the target needs in its year if the park's electricity
   CO2 is removed by on-site PV: clean electricity [kWh/a] = min(reduction, electricity CO2) / the
   electricity factor; PV [kW] = that / utilisation hours; PV area [m²] = kW × 1000 / W per m²;
   storage [kWh] = kW × the storage ratio; grid connection [MW] = PV kW / 1000 (the PV's export
   and back-up). A reduction beyond the electricity CO2 must come from non-electric measures (fuel
   switch, process, CCUS), which is said.
3. **以土为界** — the area available (roof × usable share + land for PV) against the area needed:
   whether the land suffices, and if not how much PV fits and how much clean electricity must be
   bought (绿电交易 / 绿证 / 绿电直连) instead.

Every engineering figure (W/m², hours, usable roof share, storage ratio) is an [UNCERTAIN] named
option of :class:`InfraOptions`: no official national value applies to every park; edit them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from zeropark.roadmap.pathway import PathwayError, Target, TargetBeforeBaseYear, TargetKind

__all__ = [
    "BudgetResult",
    "InfraOptions",
    "ParkLand",
    "SectorBase",
    "allowances",
    "carbon_budget",
]


@dataclass(frozen=True, slots=True)
class InfraOptions:
    """Engineering assumptions of 以产定基 / 以土为界, all [UNCERTAIN] and editable.

    - ``pv_w_per_m2`` [W/m²] of area used (modules with spacing): 150 — a ~21 %-efficient module
      is ≈ 210 W/m² of module area; rows, aisles and setbacks take ≈ 30 % [UNCERTAIN].
    - ``pv_hours`` [h/a] of full-load utilisation: 1100 — an east-China level [UNCERTAIN]; take the
      park's own PV history or the province's published figure.
    - ``roof_usable_share`` [1] of roof area usable for PV: 0.6 [UNCERTAIN] (load capacity, shade,
      equipment).
    - ``storage_kwh_per_kw`` [kWh per kW of PV]: 0.2 — "10 % × 2 h", a common provincial
      配储 requirement for distributed PV [UNCERTAIN]: provinces differ.
    """

    pv_w_per_m2: float = 150.0
    pv_hours: float = 1100.0
    roof_usable_share: float = 0.6
    storage_kwh_per_kw: float = 0.2

    def check(self) -> None:
        """Raise :class:`PathwayError` naming the option out of range."""
        for name in ("pv_w_per_m2", "pv_hours", "storage_kwh_per_kw"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0) or (name != "storage_kwh_per_kw" and v == 0):
                raise PathwayError(f"{name} must be a number > 0; got {v}")
        if not 0 <= self.roof_usable_share <= 1:
            raise PathwayError(f"roof_usable_share must lie in [0, 1]; got {self.roof_usable_share}")


@dataclass(frozen=True, slots=True)
class ParkLand:
    """The park's areas [m²] and grid connection [MW] (None = not entered)."""

    roof_area_m2: float | None = None
    land_area_m2: float | None = None  # ground area available for PV
    grid_connection_mw: float | None = None


@dataclass(frozen=True, slots=True)
class SectorBase:
    """A sector's base year: CO2 [t/a] and value added [10⁴ CNY/a] (None = not entered)."""

    code: str
    co2_t: float
    output_10k_cny: float | None


@dataclass(slots=True)
class BudgetResult:
    """The budget path, the sector allowances, the infrastructure and the land check."""

    target: dict[str, Any]
    base_year: int
    year: int
    path: list[dict[str, float]]  # year, allowance_tco2
    cumulative_tco2: float
    sectors: list[dict[str, Any]]
    infrastructure: dict[str, Any]
    land: dict[str, Any]
    options: dict[str, float]
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "target": self.target,
            "base_year": self.base_year,
            "year": self.year,
            "path": self.path,
            "cumulative_tco2": self.cumulative_tco2,
            "sectors": self.sectors,
            "infrastructure": self.infrastructure,
            "land": self.land,
            "options": self.options,
            "uncertain": ["pv_w_per_m2", "pv_hours", "roof_usable_share", "storage_kwh_per_kw"],
            "notes": self.notes,
        }


def allowances(
    target: Target, base_year: int, base_co2_t: float, base_tce: float, last_year: int
) -> list[tuple[int, float]]:
    """Yearly allowance [tCO2/a] from ``base_year + 1`` to ``last_year`` for ``target``.

    Cap, zero, indicator (I × base energy): straight line from the base CO2 to the cap in the
    target year, then the cap. Budget *B* over *n* years: the straight line E_k = E₀ + (L − E₀)·k/n
    with Σ E_k = B, i.e. L = E₀ + 2(B − n·E₀)/(n + 1).

    Raises
    ------
    TargetBeforeBaseYear
        A target year before (or at) the base year.
    """
    if last_year <= base_year:
        raise PathwayError(f"the horizon must end after the base year {base_year}; got {last_year}")
    n = last_year - base_year
    if target.kind is TargetKind.BUDGET:
        level = base_co2_t + 2 * (target.value - n * base_co2_t) / (n + 1)
        return [(base_year + k, base_co2_t + (level - base_co2_t) * k / n) for k in range(1, n + 1)]
    if target.year is None or target.year <= base_year:
        raise TargetBeforeBaseYear(
            f"target year {target.year} is not after the base year {base_year}: give a later year"
        )
    if target.kind is TargetKind.INDICATOR:
        cap = target.value * base_tce
    elif target.kind is TargetKind.ZERO:
        cap = 0.0
    else:
        cap = target.value
    span = target.year - base_year
    out: list[tuple[int, float]] = []
    for k in range(1, n + 1):
        y = base_year + k
        out.append((y, base_co2_t + (cap - base_co2_t) * min(k, span) / span))
    return out


def carbon_budget(
    target: Target,
    *,
    base_year: int,
    last_year: int,
    year: int | None,
    base_co2_t: float,
    base_tce: float,
    electricity_co2_t: float,
    electricity_kwh: float,
    sectors: Sequence[SectorBase],
    land: ParkLand,
    options: InfraOptions | None = None,
) -> BudgetResult:
    """以碳定产、以产定基、以土为界 for ``target``, evaluated in ``year`` (default: the target year).

    Parameters
    ----------
    target : Target
        The target (a budget, a cap, zero or an indicator cap by a year).
    base_year, last_year : int
        The base year (history) and the horizon's last year.
    year : int, optional
        The year the sector allowances and the infrastructure are evaluated in (default: the
        target's year, or the last year for a budget).
    options : InfraOptions, optional
        The [UNCERTAIN] engineering assumptions.
    base_co2_t, base_tce : float
        The park's base-year CO2 [t/a] and comprehensive energy [tce/a] (national method).
    electricity_co2_t, electricity_kwh : float
        Base-year CO2 of purchased electricity [t/a] and its quantity [kWh/a].
    sectors : sequence of SectorBase
        Base-year CO2 and value added of each sector (GB/T 4754 code).
    land : ParkLand
        Roof and land area [m²], grid connection [MW].
    """
    opts = options or InfraOptions()
    opts.check()
    path = allowances(target, base_year, base_co2_t, base_tce, last_year)
    y = year if year is not None else (target.year or last_year)
    years = [p[0] for p in path]
    if y not in years:
        raise PathwayError(f"year {y} is not in {years[0]}–{years[-1]}: choose a year after the base year")
    allowance = dict(path)[y]
    notes: list[str] = []
    if allowance < 0:
        notes.append(
            f"the budget needs negative CO2 ({allowance:,.0f} t) in {y}: "
            "sinks or CCUS beyond zero are required"
        )
    # 以碳定产
    total = sum(max(s.co2_t, 0.0) for s in sectors)
    sector_rows: list[dict[str, Any]] = []
    for s in sorted(sectors, key=lambda s: -s.co2_t):
        share = max(s.co2_t, 0.0) / total if total > 0 else 0.0
        allow = max(allowance, 0.0) * share
        productivity = s.output_10k_cny / s.co2_t if s.output_10k_cny is not None and s.co2_t > 0 else None
        sector_rows.append(
            {
                "sector": s.code,
                "base_co2_t": s.co2_t,
                "share": share,
                "allowance_tco2": allow,
                "base_output_10k_cny": s.output_10k_cny,
                "carbon_productivity_10k_cny_per_t": productivity,
                "output_allowed_10k_cny": None if productivity is None else allow * productivity,
            }
        )
    # 以产定基
    reduction = max(0.0, base_co2_t - max(allowance, 0.0))
    ef = electricity_co2_t / electricity_kwh if electricity_kwh > 0 else 0.0
    from_electricity = min(reduction, max(electricity_co2_t, 0.0))
    clean_kwh = from_electricity / ef if ef > 0 else 0.0
    pv_kw = clean_kwh / opts.pv_hours
    area = pv_kw * 1000.0 / opts.pv_w_per_m2
    other = reduction - from_electricity
    if other > 0:
        notes.append(
            f"{other:,.0f} t/a of the reduction lies beyond the electricity CO2: it needs non-electric "
            "measures (fuel switch, process change, CCUS)"
        )
    infra = {
        "reduction_tco2": reduction,
        "electricity_factor_tco2_per_kwh": ef,
        "clean_electricity_kwh": clean_kwh,
        "pv_kw": pv_kw,
        "pv_area_m2": area,
        "storage_kwh": pv_kw * opts.storage_kwh_per_kw,
        "grid_connection_mw": pv_kw / 1000.0,
        "non_electric_reduction_tco2": other,
    }
    # 以土为界
    roof = land.roof_area_m2
    ground = land.land_area_m2
    land_row: dict[str, Any] = {
        "roof_area_m2": roof,
        "land_area_m2": ground,
        "grid_connection_mw": land.grid_connection_mw,
    }
    if roof is None and ground is None:
        land_row.update({"available_m2": None, "suffices": None, "max_pv_kw": None, "shortfall_kwh": None})
        notes.append("the park's roof and land area are not entered: 以土为界 cannot be judged")
    else:
        available = (roof or 0.0) * opts.roof_usable_share + (ground or 0.0)
        max_kw = available * opts.pv_w_per_m2 / 1000.0
        short_kwh = max(0.0, clean_kwh - max_kw * opts.pv_hours)
        land_row.update(
            {
                "available_m2": available,
                "suffices": area <= available,
                "max_pv_kw": max_kw,
                "shortfall_kwh": short_kwh,
            }
        )
        if short_kwh > 0:
            notes.append(
                f"the land is not enough: {short_kwh:,.0f} kWh/a of clean electricity must be bought "
                "(绿电交易/绿证) or brought by 绿电直连"
            )
    if land.grid_connection_mw is not None:
        land_row["grid_connection_suffices"] = infra["grid_connection_mw"] <= land.grid_connection_mw
    cumulative = sum(a for _, a in path)
    return BudgetResult(
        target={**target.to_dict(), "target": target.describe()},
        base_year=base_year,
        year=y,
        path=[{"year": yy, "allowance_tco2": a} for yy, a in path],
        cumulative_tco2=cumulative,
        sectors=sector_rows,
        infrastructure=infra,
        land=land_row,
        options=asdict(opts),
        notes=notes,
    )
