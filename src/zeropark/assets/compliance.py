"""Compliance in the national ETS (全国碳市场履约): benchmark allocation, CCER limit, surplus or gap.

Policy
------
- **Allocation** of a power unit (发电机组配额) by the benchmark method of the MEE allocation plan
  for 2021 and 2022 [1]_::

      A = B_e × Q_e × F_c × F_r × F_l  +  B_h × Q_h

  with B_e, B_h the supply and heat benchmarks of the unit type and year (tCO2/MWh, tCO2/GJ),
  Q_e the electricity supplied (MWh), Q_h the heat supplied (GJ), F_c the cooling factor (air
  cooling 1.05, water 1), F_r = 1 − k × heat ratio (k = 0.22 coal, 0.6 gas) and F_l the load
  factor of conventional coal units. The benchmark table is data
  (``assets/data/cea_benchmarks.csv``, every row citing ``sources.csv``); the values were
  recalled and could not be checked against the plan's text here, so every row says
  [UNCERTAIN] and a park replaces the table with :func:`benchmarks` ``(path=...)``.
- **CCER offset limit**: at most 5 % of the allowances to surrender (= verified emissions) may be
  CCER [2]_ (``compliance.csv`` ``ccer_offset_share``, [UNCERTAIN] until re-read).
- **Position**: what remains to surrender (verified − surrendered), against what the enterprise
  holds (CEA of the year, CCER up to the limit): a gap to buy or a surplus, with the deadline.
- Steel, cement and aluminium entered the national ETS for 2024; their allocation method is
  not in the table: their allocation is what the registry allocated (the ledger's ``allocate``
  entries), entered by hand.

References
----------
.. [1] 生态环境部, 《2021、2022年度全国碳排放权交易配额总量设定与分配实施方案（发电行业）》,
   国环规气候〔2023〕1号, 2023-03-15.
.. [2] 生态环境部, 《碳排放权交易管理办法（试行）》, 生态环境部令第19号, 2020-12-31, 第二十九条.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from zeropark.errors import AssetError

__all__ = [
    "Allocation",
    "Benchmark",
    "Position",
    "PowerUnit",
    "allocate",
    "benchmarks",
    "ccer_limit_t",
    "load_factor",
    "parameters",
    "position",
]

_DATA_DIR = Path(__file__).with_name("data")


@dataclass(frozen=True, slots=True)
class Benchmark:
    """One row of the benchmark table: a unit type's supply and heat benchmarks in a year."""

    sector: str
    unit_type: str
    year: int
    supply_tco2_per_mwh: float
    heat_tco2_per_gj: float
    heat_ratio_coefficient: float  # k in F_r = 1 − k × heat ratio
    source_id: str
    note: str

    @property
    def uncertain(self) -> bool:
        """Whether the row is marked [UNCERTAIN] (recalled, not verified)."""
        return "[UNCERTAIN]" in self.note


def benchmarks(path: Path | None = None) -> dict[tuple[str, int], Benchmark]:
    """The benchmark table by (unit type, year): the built-in CSV or the park's own at ``path``."""
    p = path or _DATA_DIR / "cea_benchmarks.csv"
    out: dict[tuple[str, int], Benchmark] = {}
    with p.open(encoding="utf-8") as f:
        for i, row in enumerate(csv.DictReader(f), start=2):
            try:
                b = Benchmark(
                    row["sector"],
                    row["unit_type"],
                    int(row["year"]),
                    float(row["supply_benchmark_tco2_per_mwh"]),
                    float(row["heat_benchmark_tco2_per_gj"]),
                    float(row["heat_ratio_coefficient"]),
                    row["source_id"],
                    row.get("note") or "",
                )
            except (KeyError, ValueError) as exc:
                raise AssetError(f"{p.name} row {i}: {exc}; see the built-in cea_benchmarks.csv") from exc
            out[(b.unit_type, b.year)] = b
    return out


def parameters() -> dict[str, str]:
    """The compliance parameters of ``compliance.csv`` (name → value as written)."""
    with (_DATA_DIR / "compliance.csv").open(encoding="utf-8") as f:
        return {r["parameter"]: r["value"] for r in csv.DictReader(f)}


def sources() -> list[dict[str, str]]:
    """The documents the tables cite (``sources.csv``)."""
    with (_DATA_DIR / "sources.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


class Cooling(StrEnum):
    """冷却方式."""

    WATER = "water"
    AIR = "air"


@dataclass(frozen=True, slots=True)
class PowerUnit:
    """发电机组: what the allocation needs of one unit in one year."""

    unit_id: str
    unit_type: str  # a unit_type of the benchmark table (coal_300mw_plus, gas, ...)
    supply_mwh: float  # 供电量 [MWh]
    heat_gj: float = 0.0  # 供热量 [GJ]
    cooling: Cooling = Cooling.WATER
    heat_ratio: float = 0.0  # 供热比 [-]
    load_rate: float | None = None  # 负荷率 [-]; None = no load correction


def load_factor(load_rate: float | None) -> float:
    """负荷（出力）系数修正系数 F_l of a conventional coal unit [UNCERTAIN: recalled, not verified].

    F ≥ 0.85 → 1; 0.80 ≤ F < 0.85 → 1 + 0.0014 × (85 − 100 F); 0.75 ≤ F < 0.80 →
    1.007 + 0.0016 × (80 − 100 F); F < 0.75 → 1.015^(16 − 20 F).

    Examples
    --------
    >>> round(load_factor(0.82), 4)  # 1 + 0.0014 × 3
    1.0042
    """
    if load_rate is None or load_rate >= 0.85:
        return 1.0
    if load_rate >= 0.80:
        return 1 + 0.0014 * (85 - 100 * load_rate)
    if load_rate >= 0.75:
        return 1.007 + 0.0016 * (80 - 100 * load_rate)
    return float(1.015 ** (16 - 20 * load_rate))


@dataclass(frozen=True, slots=True)
class Allocation:
    """A unit's allocation [t CO2] with the formula written out and the benchmark row used."""

    unit_id: str
    year: int
    allocation_t: int
    formula: str
    benchmark: Benchmark


def allocate(
    unit: PowerUnit,
    year: int,
    table: Mapping[tuple[str, int], Benchmark],
    *,
    air_cooling_factor: float = 1.05,
) -> Allocation:
    """The unit's allocation for ``year`` (rounded to whole tonnes, half up).

    Raises
    ------
    AssetError
        No benchmark for the unit type and year, or a negative quantity.

    Examples
    --------
    >>> b = Benchmark("power", "coal_300mw_plus", 2022, 0.8177, 0.1105, 0.22, "s", "")
    >>> u = PowerUnit("G1", "coal_300mw_plus", 1_000_000, 500_000, heat_ratio=0.1)
    >>> allocate(u, 2022, {("coal_300mw_plus", 2022): b}).allocation_t  # 0.8177e6 × 0.978 + 55 250
    854961
    """
    b = table.get((unit.unit_type, year))
    if b is None:
        have = sorted({f"{t} {y}" for t, y in table})
        raise AssetError(
            f"unit {unit.unit_id}: no benchmark for unit type '{unit.unit_type}' in {year}; the table has "
            f"{', '.join(have)} — add the row to a copy of cea_benchmarks.csv with its source"
        )
    if unit.supply_mwh < 0 or unit.heat_gj < 0 or not 0 <= unit.heat_ratio < 1:
        raise AssetError(f"unit {unit.unit_id}: supply, heat ≥ 0 and a heat ratio in [0, 1) are required")
    f_c = air_cooling_factor if unit.cooling == Cooling.AIR else 1.0
    f_r = 1 - b.heat_ratio_coefficient * unit.heat_ratio
    f_l = load_factor(unit.load_rate) if unit.unit_type.startswith("coal_300") else 1.0
    a = b.supply_tco2_per_mwh * unit.supply_mwh * f_c * f_r * f_l + b.heat_tco2_per_gj * unit.heat_gj
    formula = (
        f"{b.supply_tco2_per_mwh} tCO2/MWh × {unit.supply_mwh:g} MWh × F_c {f_c:g} × F_r {f_r:.4f} × "
        f"F_l {f_l:.4f} + {b.heat_tco2_per_gj} tCO2/GJ × {unit.heat_gj:g} GJ = {a:.1f} t"
    )
    return Allocation(unit.unit_id, year, int(math.floor(a + 0.5)), formula, b)


def ccer_limit_t(verified_t: int, share: float = 0.05) -> int:
    """CCER usable for the year [t]: ``share`` of the allowances to surrender, rounded down.

    >>> ccer_limit_t(854_961)  # 5 % of 854 961 = 42 748.05
    42748
    """
    return int(math.floor(verified_t * share + 1e-9))


@dataclass(frozen=True, slots=True)
class Position:
    """履约状况 of an enterprise for a compliance year [t]."""

    enterprise_id: str
    year: int
    allocation_t: int  # CEA of the year allocated to it (the ledger's allocate entries)
    verified_t: int  # 经核查排放量
    verified_source: str  # where verified_t came from (a run id, or entered)
    surrendered_cea_t: int
    surrendered_ccer_t: int
    held_cea_t: int
    held_ccer_t: int
    ccer_limit_t: int
    deadline: date

    @property
    def remaining_t(self) -> int:
        """Still to surrender."""
        return max(0, self.verified_t - self.surrendered_cea_t - self.surrendered_ccer_t)

    @property
    def ccer_usable_t(self) -> int:
        """CCER it holds that may still count (up to the limit)."""
        return max(0, min(self.held_ccer_t, self.ccer_limit_t - self.surrendered_ccer_t))

    @property
    def gap_t(self) -> int:
        """配额缺口: what it must still buy to settle (0 when it holds enough)."""
        return max(0, self.remaining_t - self.held_cea_t - self.ccer_usable_t)

    @property
    def surplus_t(self) -> int:
        """配额盈余: CEA of the year it holds beyond what remains to surrender."""
        return max(0, self.held_cea_t + self.ccer_usable_t - self.remaining_t)

    @property
    def allocation_balance_t(self) -> int:
        """Allocation − verified emissions (> 0: allocated more than emitted)."""
        return self.allocation_t - self.verified_t

    def status(self, on: date) -> str:
        """``settled``, ``gap``, ``surplus`` or ``overdue`` (a gap after the deadline)."""
        if self.remaining_t == 0:
            return "settled"
        if self.gap_t > 0:
            return "overdue" if on > self.deadline else "gap"
        return "surplus"


def position(
    enterprise_id: str,
    year: int,
    *,
    allocation_t: int,
    verified_t: int,
    verified_source: str,
    surrendered: Mapping[str, int],
    held: Mapping[str, int],
    deadline: date,
    ccer_share: float = 0.05,
) -> Position:
    """The position from the ledger's figures (``surrendered``/``held`` by instrument code CEA, CCER)."""
    return Position(
        enterprise_id,
        year,
        allocation_t,
        verified_t,
        verified_source,
        surrendered.get("CEA", 0),
        surrendered.get("CCER", 0),
        held.get("CEA", 0),
        held.get("CCER", 0),
        ccer_limit_t(verified_t, ccer_share),
        deadline,
    )


def default_deadline(year: int, month_day: str = "12-31") -> date:
    """The surrender deadline of ``year`` when no notice says otherwise [UNCERTAIN]: 31 Dec of year + 1."""
    month, day = (int(x) for x in month_day.split("-"))
    return date(year + 1, month, day)


def units_from_rows(rows: Sequence[Mapping[str, str]]) -> list[PowerUnit]:
    """Power units from CSV rows (unit_id, unit_type, supply_mwh, heat_gj, cooling, heat_ratio, load_rate).

    Raises
    ------
    AssetError
        Naming the row and column to fix.
    """
    out = []
    for i, r in enumerate(rows, start=2):
        try:
            out.append(
                PowerUnit(
                    r["unit_id"],
                    r["unit_type"],
                    float(r["supply_mwh"]),
                    float(r.get("heat_gj") or 0),
                    Cooling(r.get("cooling") or "water"),
                    float(r.get("heat_ratio") or 0),
                    float(r["load_rate"]) if r.get("load_rate") else None,
                )
            )
        except KeyError as exc:
            raise AssetError(f"units row {i}: column {exc} is missing") from exc
        except ValueError as exc:
            raise AssetError(
                f"units row {i}: {exc}; numbers in MWh, GJ and shares, cooling water|air"
            ) from exc
    return out
