"""CBAM (碳边境调节机制): specific embedded emissions of goods exported to the EU.

Policy
------
- A good is a CBAM good when its CN code falls under Annex I of Regulation (EU) 2023/956
  (``data/cbam_goods.csv``: the longest matching CN prefix wins; a row ``included=false`` carves an
  exception out, e.g. 3105 60 00). Otherwise :class:`~zeropark.errors.NotCbamGood`.
- Each CBAM good belongs to a sector and an aggregated goods category (Implementing Regulation
  (EU) 2023/1773 Annex II).
- Specific embedded emissions (Regulation (EU) 2023/956 Annex IV §2–3; Implementing Regulation
  (EU) 2023/1773 Annex III section F)::

      SEE_dir   = (AttrEm_dir + Σ_i M_i · SEE_i,dir) / AL        [tCO2e/t]
      SEE_indir = (E_el · EF_el + Σ_i M_i · SEE_i,indir) / AL     [tCO2e/t]

  AttrEm_dir = the direct emissions attributed to the production process (here the product's
  allocated scope-1 emissions plus the emissions of the measurable heat it imports), AL = activity
  level (t produced), M_i = mass of precursor i consumed [t], E_el = electricity consumed [MWh],
  EF_el = emission factor of that electricity [tCO2/MWh].
- Indirect emissions are reported for every good during the transitional period (2023/1773 Art. 3);
  in the definitive period (from 2026) Annex II of 2023/956 lists the goods for which only direct
  emissions count — iron and steel, aluminium and hydrogen (and electricity, whose embedded
  emissions are direct by nature); cement and fertilisers count direct and indirect.
  [UNCERTAIN] recalled from Annex II, not checked at EUR-Lex in this build: the list is the named
  option :data:`DIRECT_ONLY_SECTORS`.
- Actual vs default: a good computed from the installation's data is ``actual``; without data the
  Commission's default values apply (``data/cbam_defaults.csv``, every row [UNCERTAIN]: recalled,
  not checked against the DG TAXUD publication of 22 Dec 2023 — replace with the published table
  via :func:`parse_defaults`).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from zeropark.errors import NotCbamGood, RowError, ValidationError
from zeropark.footprint.product import DATA_DIR, footprint_sources

__all__ = [
    "DIRECT_ONLY_SECTORS",
    "SECTOR_LABEL",
    "Basis",
    "CbamGood",
    "DefaultValue",
    "Period",
    "Precursor",
    "SpecificEmissions",
    "builtin_defaults",
    "cbam_good",
    "cbam_goods",
    "default_emissions",
    "default_see",
    "indirect_counted",
    "normalise_cn",
    "parse_defaults",
    "parse_goods",
    "specific_embedded_emissions",
]

DIRECT_ONLY_SECTORS: frozenset[str] = frozenset({"iron_steel", "aluminium", "hydrogen", "electricity"})
"""[UNCERTAIN] Sectors whose goods count direct emissions only in the definitive period (Annex II of
Regulation (EU) 2023/956, as recalled; electricity is direct by nature). A named option: pass
``direct_only=`` to :func:`indirect_counted` to use another list."""

SECTOR_LABEL: dict[str, tuple[str, str]] = {
    "cement": ("水泥", "cement"),
    "electricity": ("电力", "electricity"),
    "fertilisers": ("化肥", "fertilisers"),
    "iron_steel": ("钢铁", "iron and steel"),
    "aluminium": ("铝", "aluminium"),
    "hydrogen": ("氢", "hydrogen"),
}
"""Bilingual label of each CBAM sector (Annex I of Regulation (EU) 2023/956)."""


class Period(StrEnum):
    """CBAM period: transitional (2023-10 … 2025-12, reporting only) or definitive (from 2026)."""

    TRANSITIONAL = "transitional"
    DEFINITIVE = "definitive"


class Basis(StrEnum):
    """Where a SEE comes from: the installation's actual data or the Commission's default value."""

    ACTUAL = "actual"
    DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class CbamGood:
    """A CBAM good: its CN code, sector and aggregated goods category (2023/1773 Annex II)."""

    cn_code: str
    prefix: str
    sector: str
    category: str
    description: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        zh, en = SECTOR_LABEL.get(self.sector, (self.sector, self.sector))
        return {
            "cn_code": self.cn_code,
            "cn_heading": self.prefix,
            "sector": self.sector,
            "sector_zh": zh,
            "sector_en": en,
            "category": self.category,
            "description": self.description,
        }


@dataclass(frozen=True, slots=True)
class _GoodRow:
    prefix: str
    sector: str
    category: str
    description: str
    included: bool


def parse_goods(text: str, file: str) -> tuple[_GoodRow, ...]:
    """Parse the Annex I table (``cn,sector,category,description,included,source_id``).

    Raises
    ------
    ValidationError
        A CN prefix that is not 2–8 digits, an included row without sector, a duplicate prefix.
    """
    rows: list[_GoodRow] = []
    seen: set[str] = set()
    errors: list[RowError] = []
    for n, r in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        cn = (r.get("cn") or "").strip()
        included = (r.get("included") or "true").strip().lower() == "true"
        if not (cn.isdigit() and 2 <= len(cn) <= 8) or cn in seen:
            errors.append(RowError(file, None, n, "cn", f"'{cn}' is not a new 2–8 digit CN prefix"))
            continue
        if included and not (r.get("sector") or "").strip():
            errors.append(RowError(file, None, n, "sector", "an included CN code needs its sector"))
            continue
        seen.add(cn)
        rows.append(
            _GoodRow(cn, r["sector"].strip(), r["category"].strip(), r["description"].strip(), included)
        )
    if errors:
        raise ValidationError(errors)
    return tuple(rows)


@lru_cache(maxsize=1)
def cbam_goods() -> tuple[_GoodRow, ...]:
    """The built-in Annex I table (``footprint/data/cbam_goods.csv``)."""
    return parse_goods(
        (DATA_DIR / "cbam_goods.csv").read_text(encoding="utf-8"), "footprint/data/cbam_goods.csv"
    )


def normalise_cn(cn_code: str) -> str:
    """CN code without spaces or dots (``'7208 51 20'`` → ``'72085120'``)."""
    return "".join(ch for ch in cn_code if not ch.isspace() and ch != ".")


def cbam_good(cn_code: str) -> CbamGood:
    """The CBAM good of ``cn_code`` (longest matching Annex I prefix).

    >>> cbam_good("7208 51 20").category
    'iron_steel_products'

    Raises
    ------
    NotCbamGood
        The code is not digits, or no Annex I heading covers it, or an exception row excludes it.
    """
    code = normalise_cn(cn_code)
    if not code.isdigit() or not 4 <= len(code) <= 10:
        raise NotCbamGood(cn_code)
    best: _GoodRow | None = None
    for row in cbam_goods():
        if code.startswith(row.prefix) and (best is None or len(row.prefix) > len(best.prefix)):
            best = row
    if best is None or not best.included:
        raise NotCbamGood(cn_code)
    return CbamGood(code, best.prefix, best.sector, best.category, best.description)


def indirect_counted(
    sector: str, period: Period, *, direct_only: frozenset[str] = DIRECT_ONLY_SECTORS
) -> bool:
    """Whether indirect emissions count for a good of ``sector`` in ``period``.

    >>> indirect_counted("iron_steel", Period.DEFINITIVE), indirect_counted("cement", Period.DEFINITIVE)
    (False, True)
    """
    return period is Period.TRANSITIONAL or sector not in direct_only


@dataclass(frozen=True, slots=True)
class DefaultValue:
    """A default SEE of a CN heading [tCO2e/t]: direct and indirect, with its source and note."""

    prefix: str
    direct: float
    indirect: float
    source_id: str
    note: str

    @property
    def uncertain(self) -> bool:
        """[UNCERTAIN]: not checked against the published table."""
        return "[UNCERTAIN]" in self.note


def parse_defaults(text: str, file: str) -> dict[str, DefaultValue]:
    """Parse a default-value table (``cn,direct_tco2e_per_t,indirect_tco2e_per_t,source_id,note``).

    Raises
    ------
    ValidationError
        A CN prefix not of digits, a value that is not a number ≥ 0, a source not in the sources.
    """
    known = footprint_sources()
    out: dict[str, DefaultValue] = {}
    errors: list[RowError] = []
    for n, r in enumerate(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))), start=2):
        cn = normalise_cn(r.get("cn") or "")
        values: list[float] = []
        for col in ("direct_tco2e_per_t", "indirect_tco2e_per_t"):
            try:
                v = float(r.get(col) or "")
                if v < 0 or not math.isfinite(v):
                    raise ValueError
                values.append(v)
            except ValueError:
                errors.append(RowError(file, None, n, col, f"'{r.get(col)}' is not a number ≥ 0"))
        src = (r.get("source_id") or "").strip()
        if not cn.isdigit():
            errors.append(RowError(file, None, n, "cn", f"'{r.get('cn')}' is not a CN code"))
        if src not in known:
            errors.append(
                RowError(file, None, n, "source_id", f"'{src}' is not in footprint/data/sources.csv")
            )
        if len(values) == 2 and cn.isdigit() and src in known:
            out[cn] = DefaultValue(cn, values[0], values[1], src, (r.get("note") or "").strip())
    if errors:
        raise ValidationError(errors)
    return out


@lru_cache(maxsize=1)
def builtin_defaults() -> Mapping[str, DefaultValue]:
    """The built-in default values (``footprint/data/cbam_defaults.csv``, every row [UNCERTAIN])."""
    text = (DATA_DIR / "cbam_defaults.csv").read_text(encoding="utf-8")
    return parse_defaults(text, "footprint/data/cbam_defaults.csv")


def default_see(cn_code: str, defaults: Mapping[str, DefaultValue]) -> DefaultValue | None:
    """The default of the longest CN prefix of ``cn_code`` in ``defaults`` (None when there is none)."""
    code = normalise_cn(cn_code)
    best = max((p for p in defaults if code.startswith(p)), key=len, default=None)
    return None if best is None else defaults[best]


@dataclass(frozen=True, slots=True)
class Precursor:
    """A precursor consumed [t] with its own SEE (direct, indirect) [tCO2e/t] and their basis."""

    cn_code: str
    mass_t: float
    see_direct: float
    see_indirect: float
    basis: Basis = Basis.ACTUAL


@dataclass(frozen=True, slots=True)
class SpecificEmissions:
    """SEE of one good [tCO2e/t]: direct, indirect, the total that counts, and how each was made."""

    good: CbamGood
    period: Period
    basis: Basis
    activity_level_t: float
    direct: float
    indirect: float
    indirect_counted: bool
    electricity_mwh_per_t: float
    ef_el_tco2_per_mwh: float
    formula: str
    uncertain: bool = False

    @property
    def total(self) -> float:
        """SEE that counts [tCO2e/t]: direct, plus indirect where the period/sector counts it."""
        return self.direct + (self.indirect if self.indirect_counted else 0.0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "good": self.good.to_dict(),
            "period": self.period.value,
            "basis": self.basis.value,
            "activity_level_t": self.activity_level_t,
            "see_direct_tco2e_per_t": self.direct,
            "see_indirect_tco2e_per_t": self.indirect,
            "indirect_counted": self.indirect_counted,
            "see_total_tco2e_per_t": self.total,
            "electricity_mwh_per_t": self.electricity_mwh_per_t,
            "ef_el_tco2_per_mwh": self.ef_el_tco2_per_mwh,
            "formula": self.formula,
            "uncertain": self.uncertain,
        }


def specific_embedded_emissions(
    good: CbamGood,
    *,
    activity_level_t: float,
    attributed_direct_tco2e: float,
    electricity_mwh: float,
    ef_el_tco2_per_mwh: float,
    precursors: Iterable[Precursor] = (),
    period: Period = Period.DEFINITIVE,
) -> SpecificEmissions:
    """Actual SEE of ``good`` (2023/956 Annex IV §2–3; 2023/1773 Annex III section F).

    Notes
    -----
    ``SEE_dir = (AttrEm_dir + Σ M_i SEE_i,dir) / AL``;
    ``SEE_indir = (E_el · EF_el + Σ M_i SEE_i,indir) / AL`` [tCO2e/t].

    Raises
    ------
    ValueError
        ``activity_level_t`` ≤ 0 (the service names the field first).
    """
    if not activity_level_t > 0:
        raise ValueError(f"activity level of {good.cn_code} must be > 0 t, {activity_level_t} was given")
    pre = tuple(precursors)
    ee_dir = math.fsum(p.mass_t * p.see_direct for p in pre)
    ee_ind = math.fsum(p.mass_t * p.see_indirect for p in pre)
    direct = (attributed_direct_tco2e + ee_dir) / activity_level_t
    indirect = (electricity_mwh * ef_el_tco2_per_mwh + ee_ind) / activity_level_t
    formula = (
        f"SEE_dir = ({attributed_direct_tco2e:.6g} + {ee_dir:.6g}) / {activity_level_t:.6g}; "
        f"SEE_indir = ({electricity_mwh:.6g} MWh × {ef_el_tco2_per_mwh:.6g} + {ee_ind:.6g}) / "
        f"{activity_level_t:.6g}"
    )
    return SpecificEmissions(
        good,
        period,
        Basis.ACTUAL,
        activity_level_t,
        direct,
        indirect,
        indirect_counted(good.sector, period),
        electricity_mwh / activity_level_t,
        ef_el_tco2_per_mwh,
        formula,
        uncertain=any(p.basis is Basis.DEFAULT for p in pre),
    )


def default_emissions(
    good: CbamGood, default: DefaultValue, *, activity_level_t: float, period: Period = Period.DEFINITIVE
) -> SpecificEmissions:
    """SEE of ``good`` from the Commission's default value (no installation data)."""
    return SpecificEmissions(
        good,
        period,
        Basis.DEFAULT,
        activity_level_t,
        default.direct,
        default.indirect,
        indirect_counted(good.sector, period),
        0.0,
        0.0,
        f"default value of CN {default.prefix} ({default.source_id})",
        uncertain=default.uncertain,
    )
