"""产品碳足迹: cradle-to-gate carbon footprint of a product (ISO 14067:2018, partial CFP).

Policy
------
- A :class:`Product` (产品) belongs to one enterprise; its ``unit`` is the declared/functional unit
  (ISO 14067:2018 §6.3.3, e.g. ``t``): the footprint is reported per one such unit.
- The system boundary is cradle-to-gate (§6.3.4, "partial CFP", §3.1.1.2): the enterprise's own
  direct emissions (scope 1), its purchased electricity and heat (§6.4.9.4: electricity by the
  supplier's / grid factor, here the location-based line of the accounted inventory), purchased
  materials × their cradle-to-gate upstream factor, and transport legs (t·km) when given.
- Allocation (§6.4.6): where the enterprise makes several products, its inventory is split by one
  recorded rule per enterprise and year — :class:`AllocationRule` ``mass`` (physical relationship,
  §6.4.6.2 step 2), ``economic`` (§6.4.6.2 step 3) or ``metered`` (sub-metered per line: a share
  of the direct, electricity and heat lines each, which avoids allocation in the sense of
  §6.4.6.2 step 1 by dividing the process). The shares of each part add up to at most 100 %
  (:class:`~zeropark.errors.AllocationExceeds`); a footprint is only computed when they cover
  100 % (:class:`~zeropark.errors.AllocationIncomplete`), so that allocated inputs sum to the
  unallocated ones (§6.4.6.1).
- Uncertainty (§6.5, §7.3 h): the half-width of the 95 % interval combines the parts by IPCC 2006
  Vol. 1 Ch. 3 Approach 1 (eq. 3.2, as :mod:`zeropark.accounting.uncertainty`): the inventory
  parts keep the interval of their line items; a material factor's stated uncertainty is one error
  for every use of that factor (correlated); the production quantity and the shares are taken as
  exact (stated in the result).

Units: emissions tCO2e, materials t (transport t·km), production in the product's unit.

References
----------
.. [1] ISO 14067:2018, Greenhouse gases — Carbon footprint of products — Requirements and
   guidelines for quantification (GB/T 24067-2024 is the national adoption).
.. [2] IPCC 2006, Vol. 1 Ch. 3, §3.2.3.1 Approach 1, eq. 3.1 and 3.2.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from zeropark.accounting.lineitems import Category, LineItem, Scope2Basis
from zeropark.accounting.uncertainty import interval_95
from zeropark.errors import (
    AllocationExceeds,
    AllocationIncomplete,
    RowError,
    UnknownMaterial,
    ValidationError,
)
from zeropark.factors.factorset import Source
from zeropark.factors.loader import parse_sources
from zeropark.model import Method

__all__ = [
    "PARTS",
    "Allocation",
    "AllocationRule",
    "Contribution",
    "EnterpriseInventory",
    "Footprint",
    "MaterialFactor",
    "MaterialUse",
    "Part",
    "Product",
    "builtin_materials",
    "check_shares",
    "enterprise_inventory",
    "footprint",
    "footprint_sources",
    "parse_materials",
    "resolve_shares",
]

DATA_DIR = Path(__file__).with_name("data")
_EPS = 1e-9


class AllocationRule(StrEnum):
    """分配规则 (ISO 14067:2018 §6.4.6): how an enterprise's inventory is split among its products."""

    MASS = "mass"  # 按质量 (physical relationship): share = product mass / Σ mass
    ECONOMIC = "economic"  # 按经济价值: share = product revenue / Σ revenue
    METERED = "metered"  # 分线计量: a measured share of each line (direct, electricity, heat)


class Part(StrEnum):
    """A part of the enterprise's inventory that is allocated to its products."""

    DIRECT = "direct"  # 直接排放 (scope 1: fuel combustion, process)
    ELECTRICITY = "electricity"  # 外购电力 (scope 2, location-based)
    HEAT = "heat"  # 外购热力 (scope 2)


PARTS: tuple[Part, ...] = (Part.DIRECT, Part.ELECTRICITY, Part.HEAT)
"""The allocated parts in the order every door shows them."""


@dataclass(frozen=True, slots=True)
class Product:
    """产品: one product of an enterprise; ``unit`` is its functional (declared) unit, e.g. ``t``."""

    id: str
    enterprise_id: str
    name: str
    unit: str
    cn_code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "id": self.id,
            "enterprise_id": self.enterprise_id,
            "name": self.name,
            "unit": self.unit,
            "cn_code": self.cn_code,
        }


@dataclass(frozen=True, slots=True)
class Allocation:
    """One product's allocation in a year: the rule, its basis and the shares [0..1] per part.

    ``basis`` is the product's mass [t] (rule ``mass``) or revenue [CNY] (rule ``economic``); when
    every product of the enterprise has one, the shares follow from it (:func:`resolve_shares`).
    ``shares`` are explicit fractions per part (rule ``metered``, or a stated share).
    """

    product_id: str
    rule: AllocationRule
    basis: float | None = None
    shares: Mapping[Part, float] = field(default_factory=dict)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping (shares in %)."""
        return {
            "product_id": self.product_id,
            "rule": self.rule.value,
            "basis": self.basis,
            "basis_unit": {AllocationRule.MASS: "t", AllocationRule.ECONOMIC: "CNY"}.get(self.rule),
            "shares_pct": {p.value: 100.0 * s for p, s in self.shares.items()},
            "note": self.note,
        }


def resolve_shares(allocations: Iterable[Allocation]) -> dict[str, dict[Part, float]]:
    """Shares [0..1] per product and part.

    For ``mass``/``economic`` where every product has a basis: share_i = basis_i / Σ basis
    (ISO 14067:2018 §6.4.6.2), the same for every part. Otherwise the explicit shares.

    >>> a = Allocation("a", AllocationRule.MASS, basis=300.0)
    >>> b = Allocation("b", AllocationRule.MASS, basis=100.0)
    >>> resolve_shares([a, b])["a"][Part.DIRECT]
    0.75
    """
    items = list(allocations)
    by_basis = items and all(
        a.rule is not AllocationRule.METERED and a.basis is not None and a.basis >= 0 for a in items
    )
    if by_basis:
        total = math.fsum(a.basis or 0.0 for a in items)
        if total > 0:
            return {a.product_id: dict.fromkeys(PARTS, (a.basis or 0.0) / total) for a in items}
    return {a.product_id: {p: float(a.shares.get(p, 0.0)) for p in PARTS} for a in items}


def check_shares(
    enterprise_id: str,
    shares: Mapping[str, Mapping[Part, float]],
    *,
    complete: bool,
    parts: Iterable[Part] = PARTS,
) -> None:
    """Refuse shares of one part that add up to more than 100 % (or, when ``complete``, less).

    ``parts`` are the parts checked (those the enterprise has emissions in).

    Raises
    ------
    AllocationExceeds
        Σ shares of a part > 100 % (the part and the products named).
    AllocationIncomplete
        ``complete`` and Σ shares of a part with emissions < 100 %.
    """
    for part in parts:
        total = math.fsum(s.get(part, 0.0) for s in shares.values())
        if total > 1.0 + 1e-6:
            named = tuple(sorted(pid for pid, s in shares.items() if s.get(part, 0.0) > 0))
            raise AllocationExceeds(enterprise_id, part.value, 100.0 * total, named)
        if complete and total < 1.0 - 1e-6:
            raise AllocationIncomplete(enterprise_id, part.value, 100.0 * total)


@dataclass(frozen=True, slots=True)
class EnterpriseInventory:
    """The enterprise's accounted emissions per part [tCO2e] with the 95 % half-width [%] of each."""

    enterprise_id: str
    tco2e: Mapping[Part, float]
    half_width_pct: Mapping[Part, float]
    electricity_mwh: float = 0.0
    run_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "enterprise_id": self.enterprise_id,
            "run_id": self.run_id,
            "tco2e": {p.value: self.tco2e.get(p, 0.0) for p in PARTS},
            "half_width_pct": {p.value: self.half_width_pct.get(p, 0.0) for p in PARTS},
            "electricity_mwh": self.electricity_mwh,
        }


_DIRECT = {Category.FUEL_COMBUSTION, Category.PROCESS, Category.ENERGY_CONVERSION}


def _part_of(li: LineItem) -> Part | None:
    if li.method is not Method.GHG:
        return None
    if li.scope == 1 and li.category in _DIRECT:
        return Part.DIRECT
    if li.category is Category.PURCHASED_ELECTRICITY and li.basis is not Scope2Basis.MARKET:
        return Part.ELECTRICITY
    if li.category is Category.PURCHASED_HEAT and li.basis is not Scope2Basis.MARKET:
        return Part.HEAT
    return None


def enterprise_inventory(
    lines: Iterable[LineItem], enterprise_id: str, *, run_id: int | None = None
) -> EnterpriseInventory:
    """The enterprise's direct, electricity and heat emissions from an accounted run's line items.

    GHG Protocol lines of ``enterprise_id``: scope 1 fuel combustion / process / energy conversion
    → direct; purchased electricity and heat (location-based, or lines without a basis) → the
    indirect parts. Each part's 95 % interval is :func:`zeropark.accounting.uncertainty.interval_95`
    of its lines. Electricity [MWh] = Σ activity of the electricity lines [kWh] / 1000.
    """
    groups: dict[Part, list[LineItem]] = {p: [] for p in PARTS}
    for li in lines:
        part = _part_of(li) if li.enterprise_id == enterprise_id else None
        if part is not None:
            groups[part].append(li)
    tco2e: dict[Part, float] = {}
    half: dict[Part, float] = {}
    for part, items in groups.items():
        iv = interval_95(items)
        tco2e[part] = iv.total_tco2e
        half[part] = iv.half_width_pct
    mwh = math.fsum(li.activity for li in groups[Part.ELECTRICITY]) / 1000.0
    return EnterpriseInventory(enterprise_id, tco2e, half, mwh, run_id)


@dataclass(frozen=True, slots=True)
class MaterialFactor:
    """上游排放因子: cradle-to-gate emissions of one tonne of a purchased material [tCO2e/t].

    Transport legs use ``unit`` ``tCO2e/(t·km)`` and quantities in t·km.
    """

    id: str
    name_zh: str
    name_en: str
    value: float
    unit: str
    uncertainty_pct: float | None
    source_id: str
    note: str = ""

    @property
    def uncertain(self) -> bool:
        """[UNCERTAIN]: the value was not checked at its official source."""
        return "[UNCERTAIN]" in self.note

    @property
    def quantity_unit(self) -> str:
        """Unit of the quantity the factor multiplies (``t`` or ``t·km``)."""
        return self.unit.split("/", 1)[1].strip("()") if "/" in self.unit else "t"

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "id": self.id,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "value": self.value,
            "unit": self.unit,
            "uncertainty_pct": self.uncertainty_pct,
            "source_id": self.source_id,
            "uncertain": self.uncertain,
            "note": self.note,
        }


_MATERIAL_COLUMNS = ("id", "name_zh", "name_en", "value", "unit", "uncertainty_pct", "source_id", "note")


def parse_materials(text: str, file: str, known_sources: Iterable[str]) -> dict[str, MaterialFactor]:
    """Parse an upstream-factor table (``id,name_zh,name_en,value,unit,uncertainty_pct,source_id,note``).

    Raises
    ------
    ValidationError
        A missing column, an empty id, a value that is not a number ≥ 0, a duplicate id, a unit
        other than ``tCO2e/t`` or ``tCO2e/(t·km)``, a source id not in the sources table.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in _MATERIAL_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError([RowError(file, None, 1, c, "column missing") for c in missing])
    known = set(known_sources)
    out: dict[str, MaterialFactor] = {}
    errors: list[RowError] = []
    for n, row in enumerate(reader, start=2):
        r = {k: (v or "").strip() for k, v in row.items() if k}
        try:
            value = float(r["value"])
            if value < 0 or not math.isfinite(value):
                raise ValueError
        except ValueError:
            errors.append(RowError(file, None, n, "value", f"'{r['value']}' is not a number ≥ 0"))
            continue
        problems = [
            ("id", "empty" if not r["id"] else ("duplicate" if r["id"] in out else "")),
            ("unit", "" if r["unit"] in ("tCO2e/t", "tCO2e/(t·km)") else "use tCO2e/t or tCO2e/(t·km)"),
            ("source_id", "" if r["source_id"] in known else f"'{r['source_id']}' is not in the sources"),
        ]
        bad = [RowError(file, None, n, col, msg) for col, msg in problems if msg]
        if bad:
            errors.extend(bad)
            continue
        pct = float(r["uncertainty_pct"]) if r["uncertainty_pct"] else None
        out[r["id"]] = MaterialFactor(
            r["id"], r["name_zh"], r["name_en"], value, r["unit"], pct, r["source_id"], r["note"]
        )
    if errors:
        raise ValidationError(errors)
    return out


@lru_cache(maxsize=1)
def footprint_sources() -> Mapping[str, Source]:
    """The documents the footprint and CBAM tables cite (``footprint/data/sources.csv``)."""
    return parse_sources((DATA_DIR / "sources.csv").read_text(encoding="utf-8"), "footprint/data/sources.csv")


@lru_cache(maxsize=1)
def builtin_materials() -> Mapping[str, MaterialFactor]:
    """The built-in upstream factor table (``footprint/data/materials.csv``)."""
    text = (DATA_DIR / "materials.csv").read_text(encoding="utf-8")
    return parse_materials(text, "footprint/data/materials.csv", footprint_sources())


@dataclass(frozen=True, slots=True)
class MaterialUse:
    """A purchased material (t) or transport leg (t·km) of a product in the year, with its factor."""

    product_id: str
    factor: MaterialFactor
    quantity: float

    @property
    def tco2e(self) -> float:
        """Upstream emissions [tCO2e] = quantity × factor."""
        return self.quantity * self.factor.value


@dataclass(frozen=True, slots=True)
class Contribution:
    """One term of the footprint: what, how much [tCO2e], its 95 % half-width [%] and formula."""

    key: str
    label_zh: str
    label_en: str
    tco2e: float
    half_width_pct: float
    formula: str
    uncertain: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "key": self.key,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "tco2e": self.tco2e,
            "half_width_pct": self.half_width_pct,
            "formula": self.formula,
            "uncertain": self.uncertain,
        }


@dataclass(frozen=True, slots=True)
class Footprint:
    """产品碳足迹 of one product in one year (cradle-to-gate, per functional unit).

    ``total_tco2e`` over the year's production; ``per_unit_tco2e`` per one ``product.unit``, with
    its 95 % interval ``[low, high]``.
    """

    product: Product
    year: int
    production: float
    rule: AllocationRule
    contributions: tuple[Contribution, ...]
    total_tco2e: float
    half_width_pct: float

    @property
    def per_unit_tco2e(self) -> float:
        """Footprint per functional unit [tCO2e/unit] = total / production."""
        return self.total_tco2e / self.production

    @property
    def low_tco2e(self) -> float:
        """Low end of the 95 % interval per functional unit [tCO2e/unit]."""
        return self.per_unit_tco2e * (1.0 - self.half_width_pct / 100.0)

    @property
    def high_tco2e(self) -> float:
        """High end of the 95 % interval per functional unit [tCO2e/unit]."""
        return self.per_unit_tco2e * (1.0 + self.half_width_pct / 100.0)

    @property
    def uncertain(self) -> bool:
        """Whether a term used an [UNCERTAIN] factor."""
        return any(c.uncertain for c in self.contributions)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping (the figures of every door)."""
        return {
            "product": self.product.to_dict(),
            "year": self.year,
            "production": self.production,
            "functional_unit": f"1 {self.product.unit}",
            "rule": self.rule.value,
            "boundary": "cradle-to-gate (ISO 14067:2018 partial CFP)",
            "contributions": [c.to_dict() for c in self.contributions],
            "total_tco2e": self.total_tco2e,
            "per_unit_tco2e": self.per_unit_tco2e,
            "per_unit_unit": f"tCO2e/{self.product.unit}",
            "low_tco2e": self.low_tco2e,
            "high_tco2e": self.high_tco2e,
            "half_width_pct": self.half_width_pct,
            "uncertain": self.uncertain,
            "note": "95 % interval (IPCC 2006 Vol.1 Ch.3 Approach 1); production and shares taken as exact",
        }


_PART_LABEL = {
    Part.DIRECT: ("分摊的直接排放", "allocated direct emissions"),
    Part.ELECTRICITY: ("分摊的外购电力排放", "allocated purchased electricity"),
    Part.HEAT: ("分摊的外购热力排放", "allocated purchased heat"),
}


def footprint(
    product: Product,
    year: int,
    production: float,
    rule: AllocationRule,
    shares: Mapping[Part, float],
    inventory: EnterpriseInventory,
    materials: Iterable[MaterialUse] = (),
) -> Footprint:
    """Cradle-to-gate footprint of ``product`` (ISO 14067:2018 §6.3, §6.4.6, §6.5).

    Notes
    -----
    ``E = Σ_part s_part · E_part + Σ_m Q_m · EF_m`` [tCO2e]; per functional unit ``E / P``.
    Half-width [%] = sqrt(Σ_part (U_part · s_part E_part)² + Σ_f (U_f · Σ_{m uses f} Q_m EF_m)²) / E
    (IPCC 2006 Vol.1 eq. 3.2, a factor's error correlated across its uses).

    Raises
    ------
    ValueError
        ``production`` ≤ 0 (the service checks it first and names the field).
    """
    if not production > 0:
        raise ValueError(f"production of {product.id} must be > 0, {production} was given")
    terms: list[Contribution] = []
    for part in PARTS:
        s = shares.get(part, 0.0)
        e = inventory.tco2e.get(part, 0.0)
        if e == 0.0:
            continue
        zh, en = _PART_LABEL[part]
        terms.append(
            Contribution(
                part.value,
                zh,
                en,
                s * e,
                inventory.half_width_pct.get(part, 0.0),
                f"{s:.6g} × {e:.6g} tCO2e",
            )
        )
    by_factor: dict[str, list[MaterialUse]] = {}
    for m in materials:
        by_factor.setdefault(m.factor.id, []).append(m)
    for fid, uses in sorted(by_factor.items()):
        f = uses[0].factor
        q = math.fsum(u.quantity for u in uses)
        terms.append(
            Contribution(
                f"material:{fid}",
                f.name_zh,
                f.name_en,
                q * f.value,
                f.uncertainty_pct or 0.0,
                f"{q:.6g} {f.quantity_unit} × {f.value:.6g} {f.unit}",
                f.uncertain,
            )
        )
    total = math.fsum(t.tco2e for t in terms)
    half = math.sqrt(math.fsum((t.half_width_pct / 100.0 * t.tco2e) ** 2 for t in terms))
    pct = 100.0 * half / abs(total) if total else 0.0
    return Footprint(product, year, production, rule, tuple(terms), total, pct)


def known_materials(table: Mapping[str, MaterialFactor], material_id: str) -> MaterialFactor:
    """The factor of ``material_id`` or :class:`~zeropark.errors.UnknownMaterial` naming the known ids."""
    try:
        return table[material_id]
    except KeyError:
        raise UnknownMaterial(material_id, tuple(sorted(table))) from None
