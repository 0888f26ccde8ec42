"""标杆 (benchmarks): product energy-consumption limits, product energy intensity, ranks (pure).

The table :file:`data/energy_limits.csv` holds, per product, the grades of the national
energy-consumption-limit standard (GB 单位产品能源消耗限额: 1级 best, 3级 = the limit 限定值) and the
能效标杆水平 / 基准水平 of 《工业重点领域能效标杆水平和基准水平（2023年版）》 (发改产业〔2023〕723号),
each row citing the standard (number-year, issuer, date, the official platform's address).
Every row whose figures could not be read in the official text is ``UNCERTAIN`` and every output
that uses it says so (:attr:`EnergyLimit.is_uncertain`). The table is data: a park may replace it
with its own file (:func:`parse_energy_limits`).

Product energy intensity (``basis`` of the row):

- ``energy``: accounted comprehensive energy [tce] × 1000 / output → kgce per output unit
  (GB/T 2589-2020 comprehensive energy, as the inventory accounts it);
- ``electricity``: accounted electricity consumed [kWh] / output → kWh per output unit (e.g. 电解铝
  kWh/t; a data centre's 电能比 = its electricity / the IT equipment's electricity);
- ``reference``: listed for reference, not computed (the platform lacks the standard's denominator).

Ranks (:func:`rank`): competition ranking (ties share the best place, ``1, 1, 3``); percentile =
(n − place) / (n − 1) × 100 (100 = best; a field of one is 100).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from zeropark.errors import RowError, ValidationError

__all__ = [
    "Basis",
    "EnergyLimit",
    "EnergyLimitSource",
    "Grade",
    "Level",
    "Rank",
    "energy_limits",
    "grade_of",
    "level_of",
    "limit_sources",
    "parse_energy_limits",
    "product_intensity",
    "rank",
]

_DATA_DIR = Path(__file__).with_name("data")
LIMITS_FILE = "energy_limits.csv"
SOURCES_FILE = "energy_limit_sources.csv"

_COLUMNS = (
    "product",
    "name_zh",
    "name_en",
    "division",
    "indicator_zh",
    "unit",
    "basis",
    "output_unit",
    "grade_1",
    "grade_2",
    "grade_3",
    "benchmark",
    "baseline",
    "standard",
    "standard_title",
    "issuer",
    "issued",
    "url",
    "benchmark_source",
    "confidence",
    "note",
)
_CONFIDENCE = ("P", "S", "UNCERTAIN")


class Basis(StrEnum):
    """What the intensity of a product divides by its output (module docstring)."""

    ENERGY = "energy"  # kgce per output unit
    ELECTRICITY = "electricity"  # kWh per output unit
    REFERENCE = "reference"  # not computed


class Grade(StrEnum):
    """能耗限额等级 of an intensity: 1级 (best) … 3级 (the limit), or above the limit."""

    G1 = "1"
    G2 = "2"
    G3 = "3"
    ABOVE = "above"  # 超过限定值 (3级)


class Level(StrEnum):
    """Position against the 能效标杆水平 / 基准水平 (发改产业〔2023〕723号)."""

    BENCHMARK = "benchmark"  # ≤ 标杆水平
    BETWEEN = "between"  # between 标杆 and 基准
    BELOW_BASELINE = "below_baseline"  # worse than 基准水平 (intensity above it)


@dataclass(frozen=True, slots=True)
class EnergyLimitSource:
    """A cited document of the table other than the standards themselves (the 2023 benchmark list)."""

    id: str
    title: str
    issuer: str
    number: str
    issued: str
    url: str
    confidence: str
    note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "id": self.id,
            "title": self.title,
            "issuer": self.issuer,
            "number": self.number,
            "issued": self.issued,
            "url": self.url,
            "confidence": self.confidence,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class EnergyLimit:
    """One product of the table: grades [``unit``], benchmark levels, the cited standard."""

    product: str
    name_zh: str
    name_en: str
    division: str  # GB/T 4754 division (2 digits) of the producing industry
    indicator_zh: str
    unit: str
    basis: Basis
    output_unit: str
    grade_1: float | None
    grade_2: float | None
    grade_3: float | None
    benchmark: float | None  # 标杆水平
    baseline: float | None  # 基准水平
    standard: str
    standard_title: str
    issuer: str
    issued: str
    url: str
    benchmark_source: str
    confidence: str
    note: str

    @property
    def is_uncertain(self) -> bool:
        """Whether the row's figures are [UNCERTAIN] (not read in the official text)."""
        return self.confidence == "UNCERTAIN"

    @property
    def has_grades(self) -> bool:
        """Whether the three GB grades are entered."""
        return None not in (self.grade_1, self.grade_2, self.grade_3)

    @property
    def citation(self) -> str:
        """``GB 40879-2021《数据中心能效限定值及能效等级》, SAMR/SAC, 2021-10-11, URL``."""
        return f"{self.standard}《{self.standard_title}》, {self.issuer}, {self.issued}, {self.url}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping (the published table)."""
        return {
            "product": self.product,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "division": self.division,
            "indicator_zh": self.indicator_zh,
            "unit": self.unit,
            "basis": self.basis.value,
            "output_unit": self.output_unit,
            "grade_1": self.grade_1,
            "grade_2": self.grade_2,
            "grade_3": self.grade_3,
            "benchmark": self.benchmark,
            "baseline": self.baseline,
            "standard": self.standard,
            "standard_title": self.standard_title,
            "issuer": self.issuer,
            "issued": self.issued,
            "url": self.url,
            "benchmark_source": self.benchmark_source,
            "confidence": self.confidence,
            "uncertain": self.is_uncertain,
            "note": self.note,
        }


def _number(raw: str, file: str, line: int, column: str, errors: list[RowError]) -> float | None:
    text = raw.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        errors.append(
            RowError(file, None, line, column, f"'{text}' is not a number; write e.g. 350 or leave empty")
        )
        return None
    if not math.isfinite(value) or value <= 0:
        errors.append(RowError(file, None, line, column, f"{text} must be a positive number"))
        return None
    return value


def parse_energy_limits(text: str, file: str = LIMITS_FILE) -> tuple[EnergyLimit, ...]:
    """Parse and check an energy-limit table (columns as :file:`data/energy_limits.csv`).

    Checks: every column present; product unique; basis one of ``energy|electricity|reference``;
    grades and levels positive numbers; grades either all three or none, 1级 ≤ 2级 ≤ 3级; 标杆 ≤ 基准;
    a computed basis has grades or levels to compare with; confidence ``P|S|UNCERTAIN``; an
    ``https://`` URL; a standard number.

    Raises
    ------
    ValidationError
        Every rejected row, each with its line, column and what to write instead.
    """
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in _COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(
            [
                RowError(
                    file,
                    None,
                    1,
                    None,
                    f"missing columns: {', '.join(missing)}; the header must be {','.join(_COLUMNS)}",
                )
            ]
        )
    errors: list[RowError] = []
    out: list[EnergyLimit] = []
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        before = len(errors)
        product = (row["product"] or "").strip()
        if not product:
            errors.append(RowError(file, None, line, "product", "empty product code"))
        elif product in seen:
            errors.append(
                RowError(file, None, line, "product", f"product '{product}' appears twice; keep one row")
            )
        seen.add(product)
        try:
            basis = Basis((row["basis"] or "").strip())
        except ValueError:
            errors.append(
                RowError(
                    file,
                    None,
                    line,
                    "basis",
                    f"'{row['basis']}' is not a basis; write energy, electricity or reference",
                )
            )
            basis = Basis.REFERENCE
        nums = {
            c: _number(row[c] or "", file, line, c, errors)
            for c in ("grade_1", "grade_2", "grade_3", "benchmark", "baseline")
        }
        grades = [nums["grade_1"], nums["grade_2"], nums["grade_3"]]
        if len(errors) == before:
            present = [g for g in grades if g is not None]
            if present and len(present) != 3:
                errors.append(
                    RowError(file, None, line, "grade_1", "give all three grades (1级, 2级, 3级) or none")
                )
            elif present and not grades[0] <= grades[1] <= grades[2]:  # type: ignore[operator]
                errors.append(
                    RowError(file, None, line, "grade_1", f"grades must rise 1级 ≤ 2级 ≤ 3级; got {present}")
                )
            bm, bl = nums["benchmark"], nums["baseline"]
            if (bm is None) != (bl is None):
                errors.append(
                    RowError(file, None, line, "benchmark", "give both 标杆水平 and 基准水平, or neither")
                )
            elif bm is not None and bl is not None and bm > bl:
                errors.append(
                    RowError(file, None, line, "benchmark", f"标杆水平 {bm} is above 基准水平 {bl}")
                )
            if basis is not Basis.REFERENCE and not present and bm is None:
                errors.append(
                    RowError(file, None, line, "grade_1", "nothing to grade against: give grades or levels")
                )
        confidence = (row["confidence"] or "").strip()
        if confidence not in _CONFIDENCE:
            errors.append(
                RowError(file, None, line, "confidence", f"'{confidence}': write P, S or UNCERTAIN")
            )
        if not (row["url"] or "").startswith("https://"):
            errors.append(
                RowError(file, None, line, "url", "give the issuer's https:// address of the standard")
            )
        if not (row["standard"] or "").strip():
            errors.append(
                RowError(file, None, line, "standard", "give the standard's number-year, e.g. GB 21257-2014")
            )
        division = (row["division"] or "").strip()
        if not (len(division) == 2 and division.isdigit()):
            errors.append(
                RowError(file, None, line, "division", f"'{division}': give the GB/T 4754 division, 2 digits")
            )
        if len(errors) > before:
            continue
        out.append(
            EnergyLimit(
                product=product,
                name_zh=row["name_zh"].strip(),
                name_en=row["name_en"].strip(),
                division=division,
                indicator_zh=row["indicator_zh"].strip(),
                unit=row["unit"].strip(),
                basis=basis,
                output_unit=row["output_unit"].strip(),
                grade_1=grades[0],
                grade_2=grades[1],
                grade_3=grades[2],
                benchmark=nums["benchmark"],
                baseline=nums["baseline"],
                standard=row["standard"].strip(),
                standard_title=row["standard_title"].strip(),
                issuer=row["issuer"].strip(),
                issued=row["issued"].strip(),
                url=row["url"].strip(),
                benchmark_source=row["benchmark_source"].strip(),
                confidence=confidence,
                note=(row["note"] or "").strip(),
            )
        )
    if errors:
        raise ValidationError(errors)
    return tuple(out)


@lru_cache(maxsize=1)
def energy_limits() -> tuple[EnergyLimit, ...]:
    """The packaged table (:file:`data/energy_limits.csv`), checked."""
    return parse_energy_limits((_DATA_DIR / LIMITS_FILE).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def limit_sources() -> tuple[EnergyLimitSource, ...]:
    """The other cited documents of the table (:file:`data/energy_limit_sources.csv`)."""
    rows = csv.DictReader(io.StringIO((_DATA_DIR / SOURCES_FILE).read_text(encoding="utf-8")))
    return tuple(EnergyLimitSource(**{k: (v or "").strip() for k, v in r.items()}) for r in rows)


def product_intensity(
    limit: EnergyLimit, quantity: float, *, energy_tce: float, electricity_kwh: float
) -> float | None:
    """Intensity of a product in the row's ``unit``; None for a ``reference`` row or no output.

    ``energy``: energy_tce × 1000 / quantity [kgce/unit]; ``electricity``: electricity_kwh /
    quantity [kWh/unit].

    Examples
    --------
    >>> row = [r for r in energy_limits() if r.product == "caustic_soda_membrane_30"][0]
    >>> product_intensity(row, 40_000.0, energy_tce=13_200.0, electricity_kwh=0.0)
    330.0
    """
    if limit.basis is Basis.REFERENCE or not quantity > 0:
        return None
    if limit.basis is Basis.ENERGY:
        return energy_tce * 1000.0 / quantity
    return electricity_kwh / quantity


def grade_of(limit: EnergyLimit, intensity: float) -> Grade | None:
    """The GB grade of ``intensity`` (≤ 1级 → 1, ≤ 2级 → 2, ≤ 3级 → 3, else above); None: no grades."""
    if not limit.has_grades:
        return None
    for grade, bound in ((Grade.G1, limit.grade_1), (Grade.G2, limit.grade_2), (Grade.G3, limit.grade_3)):
        if bound is not None and intensity <= bound:
            return grade
    return Grade.ABOVE


def level_of(limit: EnergyLimit, intensity: float) -> Level | None:
    """Position against 标杆 / 基准 (≤ 标杆 → benchmark, ≤ 基准 → between, else below); None: no levels."""
    if limit.benchmark is None or limit.baseline is None:
        return None
    if intensity <= limit.benchmark:
        return Level.BENCHMARK
    return Level.BETWEEN if intensity <= limit.baseline else Level.BELOW_BASELINE


@dataclass(frozen=True, slots=True)
class Rank:
    """Place among ``of`` (1 = best; ties share the best place) and percentile [%] (100 = best)."""

    place: int
    of: int
    percentile: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {"place": self.place, "of": self.of, "percentile": self.percentile}


def rank(values: Mapping[str, float], *, higher_is_better: bool = True) -> dict[str, Rank]:
    """Competition ranks of ``values`` (module docstring); NaN values are not ranked.

    Examples
    --------
    >>> r = rank({"a": 3.0, "b": 5.0, "c": 5.0, "d": 1.0})
    >>> [(k, r[k].place, round(r[k].percentile, 1)) for k in "abcd"]
    [('a', 3, 33.3), ('b', 1, 100.0), ('c', 1, 100.0), ('d', 4, 0.0)]
    """
    finite = {k: v for k, v in values.items() if math.isfinite(v)}
    n = len(finite)
    out: dict[str, Rank] = {}
    for key, value in finite.items():
        better = sum(1 for v in finite.values() if (v > value if higher_is_better else v < value))
        place = better + 1
        percentile = 100.0 if n == 1 else 100.0 * (n - place) / (n - 1)
        out[key] = Rank(place, n, percentile)
    return out
