"""Reduction measures (减排措施): what one measure changes, what it costs, and where it applies.

A :class:`Measure` is data: the built-in library (``roadmap/data/measures.csv``, every row citing a
row of ``factors/data/sources.csv``) and a park's own measures are the same type and pass the same
:func:`check`. One *unit* of a measure is what its costs and effect are stated per (a kW of PV, a
MWh/a of green power, a tce/a of savings of a typical project in the MIIT catalogue, ...). The
:attr:`Measure.mechanism` says which activity or factor of the accounting input one unit changes;
:func:`zeropark.roadmap.scenario.project` applies it to a year's
:class:`~zeropark.model.AccountingInput`, so a planned year is accounted by the same engine as a real
one (no second formula).

Units: quantities in the carrier's canonical unit (:data:`zeropark.model.CANONICAL_UNIT`: kWh of
electricity, m³ of natural gas, t of coal, GJ of steam/hot water, ...) per unit per year; money in
CNY (元) at the price level of the source's year; lifetimes and ramps in years.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from zeropark.errors import RowError, ValidationError
from zeropark.factors.factorset import Confidence, Source
from zeropark.factors.loader import load_factor_set, parse_sources
from zeropark.model import CANONICAL_UNIT, Carrier

__all__ = [
    "MEASURE_COLUMNS",
    "Mechanism",
    "Measure",
    "MeasureError",
    "Pathway",
    "builtin_measures",
    "builtin_sources",
    "check",
    "effect_unit",
    "measure_row",
    "measures_csv",
    "parse_measures",
    "parse_measure_row",
]


class Pathway(StrEnum):
    """The park's pathways to zero carbon (seed 000: 八大路径; seed 002: 绿电直连, CCUS, ...)."""

    ENERGY_STRUCTURE = "energy_structure"  # 能源结构: on-site PV/wind, storage, 绿电直连
    GREEN_POWER = "green_power"  # 绿电交易 / 绿证
    ENERGY_EFFICIENCY = "energy_efficiency"  # 节能降耗: motors, compressors, lighting, buildings
    ELECTRIFICATION = "electrification"  # 电能替代: heat pumps, electric boilers, electric vehicles
    FUEL_SWITCH = "fuel_switch"  # 燃料替代: coal to gas, hydrogen, biomass
    WASTE_HEAT = "waste_heat"  # 余热余压利用
    PROCESS = "process"  # 工艺革新: process change, raw-material substitution
    CIRCULAR = "circular"  # 循环经济/产业共生
    CCUS = "ccus"  # 碳捕集利用与封存


class Mechanism(StrEnum):
    """Which activity or factor one unit of a measure changes, per year.

    - ``EFFICIENCY``: ``effect_per_unit`` of ``carrier`` less consumed (waste-heat recovery too,
      on steam/hot water or the fuel it replaces).
    - ``FUEL_SWITCH``: ``effect_per_unit`` of ``carrier`` replaced by ``effect_per_unit × ratio``
      of ``to_carrier`` (electrification: ``to_carrier`` = electricity).
    - ``ONSITE_GENERATION``: ``effect_per_unit`` kWh of on-site renewable electricity generated
      (self-consumed first, the rest exported), purchased electricity less by what is self-consumed.
    - ``GREEN_POWER``: ``effect_per_unit`` kWh of green power bought (绿电交易 with certificates).
    - ``PROCESS``: ``effect_per_unit`` of the process activity ``factor_id`` less (t of material).
    - ``CCUS``: ``effect_per_unit`` tCO2 captured; treated as the scenario's named CCUS option says.
    - ``STORAGE``: no emissions of its own; ``effect_per_unit`` kWh of storage capacity counted
      against the infrastructure a target needs (以土为界).
    """

    EFFICIENCY = "efficiency"
    FUEL_SWITCH = "fuel_switch"
    ONSITE_GENERATION = "onsite_generation"
    GREEN_POWER = "green_power"
    PROCESS = "process"
    CCUS = "ccus"
    STORAGE = "storage"


class MeasureError(ValidationError):
    """A measure that cannot be used: a missing source, a non-positive lifetime, a bad mechanism.

    A :class:`~zeropark.errors.DataError`: the command guard and the API answer it as bad input.
    """


@dataclass(frozen=True, slots=True)
class Measure:
    """One reduction measure, its effect per unit, its costs and where it applies.

    ``max_share`` bounds the measure at one enterprise: at most that share of the enterprise's
    ``carrier`` quantity of the year can be changed by it (for ``ONSITE_GENERATION``: of its
    electricity consumption; for ``GREEN_POWER``: of its purchased electricity). ``build_limit``
    bounds how many units can be added in one year across the park (``None`` = no limit).
    ``industries`` are GB/T 4754-2017 code prefixes the measure applies to (empty = every
    industry). ``ramp_years``: years from the decision to full effect (linear ramp).
    """

    id: str
    name_zh: str
    name_en: str
    pathway: Pathway
    mechanism: Mechanism
    carrier: Carrier | None
    unit: str
    effect_per_unit: float
    capex_cny_per_unit: float
    opex_cny_per_unit_year: float
    lifetime_years: int
    source_id: str
    to_carrier: Carrier | None = None
    ratio: float | None = None
    factor_id: str | None = None
    max_share: float = 1.0
    build_limit: float | None = None
    ramp_years: int = 0
    industries: tuple[str, ...] = ()
    uncertain: bool = False
    note: str = ""

    def applies_to(self, industry_code: str | None) -> bool:
        """Whether the measure applies to an enterprise of GB/T 4754 code ``industry_code``."""
        if not self.industries:
            return True
        return industry_code is not None and any(industry_code.startswith(p) for p in self.industries)


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def check(measure: Measure, known_sources: Collection[str], *, file: str = "measure", row: int = 0) -> None:
    """Raise :class:`MeasureError` listing every problem of ``measure``, each with what to fix.

    ``known_sources`` are the ids of the cited sources (``factors/data/sources.csv`` and the park's
    own); a measure must cite one of them.
    """
    problems: list[RowError] = []

    def bad(field: str, message: str) -> None:
        problems.append(RowError(file=file, sheet=None, row=row or None, field=field, message=message))

    if not measure.id.strip():
        bad("id", "a measure needs an id")
    if not measure.source_id or measure.source_id not in known_sources:
        bad("source_id", f"cite a source id of the sources table (got {measure.source_id!r})")
    if not (isinstance(measure.lifetime_years, int) and measure.lifetime_years > 0):
        bad("lifetime_years", f"a lifetime is a whole number of years > 0 (got {measure.lifetime_years!r})")
    if not (_finite(measure.effect_per_unit) and measure.effect_per_unit > 0):
        bad("effect_per_unit", f"the effect per unit must be a number > 0 (got {measure.effect_per_unit!r})")
    for name in ("capex_cny_per_unit", "opex_cny_per_unit_year"):
        if not _finite(getattr(measure, name)):
            bad(name, "must be a finite number of CNY")
    if measure.capex_cny_per_unit < 0:
        bad("capex_cny_per_unit", "an investment cannot be negative")
    if not (0 < measure.max_share <= 1):
        bad("max_share", f"the share must lie in (0, 1] (got {measure.max_share!r})")
    if measure.build_limit is not None and not (_finite(measure.build_limit) and measure.build_limit > 0):
        bad("build_limit", f"the yearly build limit must be > 0 or empty (got {measure.build_limit!r})")
    if measure.ramp_years < 0:
        bad("ramp_years", f"the ramp cannot be negative (got {measure.ramp_years!r})")
    needs_carrier = measure.mechanism in (Mechanism.EFFICIENCY, Mechanism.FUEL_SWITCH)
    if needs_carrier and measure.carrier is None:
        bad("carrier", f"a {measure.mechanism.value} measure names the carrier it changes")
    if measure.mechanism is Mechanism.FUEL_SWITCH:
        if measure.to_carrier is None or measure.to_carrier == measure.carrier:
            bad("to_carrier", "name the carrier switched to, not the one replaced")
        if not (_finite(measure.ratio) and (measure.ratio or 0) > 0):
            bad("ratio", "a fuel switch needs the ratio > 0 of the new carrier per unit of the old one")
    if measure.mechanism is Mechanism.PROCESS and not measure.factor_id:
        bad("factor_id", "a process measure names the process factor (factor_id) of the activity it cuts")
    if problems:
        raise MeasureError(problems)


# --- the measures library as data (roadmap/data/measures.csv + roadmap/data/sources.csv) -----------

#: Columns of a measures table (the built-in library and a park's own CSV), in this order.
#: ``industries``: GB/T 4754 code prefixes separated by ``;`` (empty = every industry);
#: ``uncertain``: ``true``/``false`` (empty = false).
MEASURE_COLUMNS: tuple[str, ...] = (
    "id",
    "name_zh",
    "name_en",
    "pathway",
    "mechanism",
    "carrier",
    "to_carrier",
    "ratio",
    "factor_id",
    "unit",
    "effect_per_unit",
    "capex_cny_per_unit",
    "opex_cny_per_unit_year",
    "lifetime_years",
    "ramp_years",
    "max_share",
    "build_limit",
    "industries",
    "source_id",
    "uncertain",
    "note",
)
_REQUIRED = (
    "id",
    "name_zh",
    "pathway",
    "mechanism",
    "unit",
    "effect_per_unit",
    "capex_cny_per_unit",
    "opex_cny_per_unit_year",
    "lifetime_years",
    "source_id",
)
_DATA_DIR = Path(__file__).with_name("data")
_E = TypeVar("_E", bound=StrEnum)
_TRUE = {"true", "1", "yes", "y", "是"}
_FALSE = {"false", "0", "no", "n", "否", ""}


def effect_unit(measure: Measure) -> str:
    """The unit of ``effect_per_unit``: what one unit of the measure changes per year.

    Canonical carrier unit (:data:`zeropark.model.CANONICAL_UNIT`) for ``EFFICIENCY`` and
    ``FUEL_SWITCH``; kWh for generation, green power and storage capacity; t of material for
    ``PROCESS``; tCO2 for ``CCUS``.
    """
    per = f"/a per {measure.unit}"
    if measure.mechanism is Mechanism.CCUS:
        return "tCO2" + per
    if measure.mechanism is Mechanism.PROCESS:
        return "t" + per
    if measure.mechanism is Mechanism.STORAGE:
        return f"kWh per {measure.unit}"
    if measure.mechanism in (Mechanism.ONSITE_GENERATION, Mechanism.GREEN_POWER):
        return "kWh" + per
    carrier = measure.carrier or Carrier.ELECTRICITY
    return CANONICAL_UNIT[carrier] + per


def _read(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    rows = [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
    return header, rows


def parse_measure_row(
    row: Mapping[str, str], known_sources: Collection[str], *, file: str = "measure", line: int = 0
) -> Measure:
    """One measure from the text fields of one row (a CSV line, a web form, an API body).

    Every problem of the row is collected (unparsable numbers, unknown pathway, mechanism or
    carrier) and then :func:`check` runs on what parsed.

    Raises
    ------
    MeasureError
        Listing each problem with file, row and column and what to write instead.
    """
    problems: list[RowError] = []

    def bad(field: str, message: str) -> None:
        problems.append(RowError(file=file, sheet=None, row=line or None, field=field, message=message))

    def text(name: str) -> str:
        return (row.get(name) or "").strip()

    for name in _REQUIRED:
        if not text(name):
            bad(name, f"empty {name}; every measure gives it (see docs/measures.md)")

    def number(name: str, *, optional: bool = False) -> float | None:
        raw = text(name)
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            bad(name, f"'{raw}' is not a number; write digits such as 1200 or 0.35")
            return None
        if not math.isfinite(value):
            bad(name, f"'{raw}' is not a finite number")
            return None
        return value

    def whole(name: str, default: int) -> int:
        value = number(name)
        if value is None:
            return default
        if not value.is_integer():
            bad(name, f"'{text(name)}' is not a whole number of years")
            return default
        return int(value)

    def enum_of(name: str, kind: type[_E]) -> _E | None:
        raw = text(name)
        if not raw:
            return None
        try:
            return kind(raw)
        except ValueError:
            bad(name, f"unknown {name} '{raw}'; use one of: {', '.join(m.value for m in kind)}")
            return None

    pathway = enum_of("pathway", Pathway)
    mechanism = enum_of("mechanism", Mechanism)
    carrier = enum_of("carrier", Carrier)
    to_carrier = enum_of("to_carrier", Carrier)
    effect = number("effect_per_unit")
    capex = number("capex_cny_per_unit")
    opex = number("opex_cny_per_unit_year")
    ratio = number("ratio")
    share = number("max_share")
    limit = number("build_limit")
    lifetime = whole("lifetime_years", 0)
    ramp = whole("ramp_years", 0)
    flag = text("uncertain").lower()
    if flag not in _TRUE | _FALSE:
        bad("uncertain", f"'{text('uncertain')}' is not true or false")
    industries = tuple(p.strip() for p in text("industries").replace(",", ";").split(";") if p.strip())
    for prefix in industries:
        if not (prefix.isdigit() and 2 <= len(prefix) <= 4):
            bad(
                "industries",
                f"'{prefix}' is not a GB/T 4754-2017 code prefix (2 to 4 digits, e.g. 30 or 3011)",
            )
    if problems or pathway is None or mechanism is None or effect is None or capex is None or opex is None:
        raise MeasureError(problems)
    measure = Measure(
        id=text("id"),
        name_zh=text("name_zh"),
        name_en=text("name_en"),
        pathway=pathway,
        mechanism=mechanism,
        carrier=carrier,
        unit=text("unit"),
        effect_per_unit=effect,
        capex_cny_per_unit=capex,
        opex_cny_per_unit_year=opex,
        lifetime_years=lifetime,
        source_id=text("source_id"),
        to_carrier=to_carrier,
        ratio=ratio,
        factor_id=text("factor_id") or None,
        max_share=1.0 if share is None else share,
        build_limit=limit,
        ramp_years=ramp,
        industries=industries,
        uncertain=flag in _TRUE,
        note=text("note"),
    )
    check(measure, known_sources, file=file, row=line)
    return measure


def parse_measures(text: str, file: str, known_sources: Collection[str]) -> tuple[Measure, ...]:
    """Parse a measures table (columns :data:`MEASURE_COLUMNS`; pure, text in).

    All rows are checked and every problem is reported together: nothing is returned unless every
    row is good (a caller storing the result stores all or nothing). Rows are numbered as a
    spreadsheet shows them (header = row 1).

    Raises
    ------
    MeasureError
        A missing column, an empty file, a duplicate id, or any row :func:`parse_measure_row` rejects.
    """
    header, rows = _read(text)
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise MeasureError(
            [
                RowError(
                    file,
                    None,
                    1,
                    None,
                    f"missing column(s) {', '.join(missing)}; the header is: {','.join(MEASURE_COLUMNS)}",
                )
            ]
        )
    problems: list[RowError] = []
    measures: list[Measure] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        if not any(row.values()):
            continue
        mid = row.get("id", "")
        if mid and mid in seen:
            problems.append(
                RowError(
                    file, None, line, "id", f"duplicate id '{mid}' (first on row {seen[mid]}); ids are unique"
                )
            )
        elif mid:
            seen[mid] = line
        try:
            measures.append(parse_measure_row(row, known_sources, file=file, line=line))
        except MeasureError as exc:
            problems.extend(exc.errors)
    if problems:
        raise MeasureError(problems)
    if not measures:
        raise MeasureError(
            [RowError(file, None, None, None, "the file has no measure rows; add at least one")]
        )
    return tuple(measures)


def measure_row(measure: Measure) -> dict[str, str]:
    """The text fields of ``measure`` in :data:`MEASURE_COLUMNS` (inverse of :func:`parse_measure_row`)."""

    def num(value: float | None) -> str:
        return "" if value is None else f"{value:g}" if abs(value) < 1e15 else repr(value)

    return {
        "id": measure.id,
        "name_zh": measure.name_zh,
        "name_en": measure.name_en,
        "pathway": measure.pathway.value,
        "mechanism": measure.mechanism.value,
        "carrier": measure.carrier.value if measure.carrier else "",
        "to_carrier": measure.to_carrier.value if measure.to_carrier else "",
        "ratio": num(measure.ratio),
        "factor_id": measure.factor_id or "",
        "unit": measure.unit,
        "effect_per_unit": repr(measure.effect_per_unit),
        "capex_cny_per_unit": repr(measure.capex_cny_per_unit),
        "opex_cny_per_unit_year": repr(measure.opex_cny_per_unit_year),
        "lifetime_years": str(measure.lifetime_years),
        "ramp_years": str(measure.ramp_years),
        "max_share": repr(measure.max_share),
        "build_limit": num(measure.build_limit),
        "industries": ";".join(measure.industries),
        "source_id": measure.source_id,
        "uncertain": "true" if measure.uncertain else "false",
        "note": measure.note,
    }


def measures_csv(measures: Iterable[Measure]) -> str:
    """A measures table (header :data:`MEASURE_COLUMNS`) that :func:`parse_measures` reads back."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=MEASURE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for m in measures:
        writer.writerow(measure_row(m))
    return out.getvalue()


@lru_cache(maxsize=1)
def builtin_sources() -> Mapping[str, Source]:
    """The documents the built-in library cites: ``roadmap/data/sources.csv`` and the factor sources.

    ``roadmap/data/sources.csv`` is read by :func:`zeropark.factors.loader.parse_sources` — the
    same checks as the factor library's sources (issuer, number, date, place of publication, a URL
    only on the issuer's own site); its ids must not repeat a factor source's id.
    """
    own = parse_sources((_DATA_DIR / "sources.csv").read_text(encoding="utf-8"), "roadmap/data/sources.csv")
    factor_sources = {s.id: s for s in load_factor_set().sources}
    clash = sorted(set(own) & set(factor_sources))
    if clash:
        raise MeasureError(
            [
                RowError(
                    "roadmap/data/sources.csv",
                    None,
                    None,
                    "id",
                    f"source id(s) {', '.join(clash)} already name a factor source; choose new ids",
                )
            ]
        )
    return {**factor_sources, **own}


@lru_cache(maxsize=1)
def builtin_measures() -> tuple[Measure, ...]:
    """The built-in measures library (``roadmap/data/measures.csv``), every row checked.

    A measure is [UNCERTAIN] when its row says so or the source it cites is UNCERTAIN (the flag
    is then forced on, so every output that uses it says so).
    """
    sources = builtin_sources()
    text = (_DATA_DIR / "measures.csv").read_text(encoding="utf-8")
    parsed = parse_measures(text, "roadmap/data/measures.csv", sources)
    return tuple(
        m
        if m.uncertain or sources[m.source_id].confidence is not Confidence.UNCERTAIN
        else replace(m, uncertain=True)
        for m in parsed
    )
