"""清单条目: one line of an inventory — activity × factors = emissions, with the formula written out.

Every number an inventory shows is the sum of line items, and every line item names its activity
quantity (in the canonical unit of DESIGN.md §3), the factors it used (id, value, unit, source), the
formula with the numbers filled in, the evidence it was made from (meter or record ids) and its
uncertainty (half-width of the 95 % interval, [%]). A verifier can recompute each line by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from zeropark.model import Carrier, Method


class Category(StrEnum):
    """Source category of a line item (核算方法 1.2a classification; GHG Protocol scopes)."""

    FUEL_COMBUSTION = "fuel_combustion"  # 化石燃料燃烧 (终端消费)
    ENERGY_CONVERSION = "energy_conversion"  # 能源加工转换 (fuel of a party that supplies heat/power)
    INTERNATIONAL_BUNKER = "international_bunker"  # 国际航空航海 (listed separately, not deducted)
    FEEDSTOCK = "feedstock"  # 用作原料、材料 (0 CO2, counted in energy)
    PROCESS = "process"  # 工业生产过程
    PURCHASED_ELECTRICITY = "purchased_electricity"  # 净购入电力 (受入)
    PURCHASED_HEAT = "purchased_heat"  # 净购入热力 (受入)
    EXPORTED_ELECTRICITY = "exported_electricity"  # 外送电力
    EXPORTED_HEAT = "exported_heat"  # 外送热力
    ONSITE_RENEWABLE = "onsite_renewable"  # 园区内可再生能源发电 (自发自用 0)
    GREEN_POWER = "green_power"  # 绿电直连 / 绿电交易 / 绿证
    INTERNAL_TRANSFER = "internal_transfer"  # 内部转供 (eliminated at park level)


CATEGORY_LABEL: dict[Category, tuple[str, str]] = {
    Category.FUEL_COMBUSTION: ("化石燃料燃烧", "fossil fuel combustion"),
    Category.ENERGY_CONVERSION: ("能源加工转换", "energy processing and conversion"),
    Category.INTERNATIONAL_BUNKER: (
        "国际航空航海用能（单独列报）",
        "international aviation and shipping (memo)",
    ),
    Category.FEEDSTOCK: ("化石能源用作原料", "fossil energy used as feedstock"),
    Category.PROCESS: ("工业生产过程", "industrial processes"),
    Category.PURCHASED_ELECTRICITY: ("购入电力", "purchased electricity"),
    Category.PURCHASED_HEAT: ("购入热力", "purchased heat"),
    Category.EXPORTED_ELECTRICITY: ("外送电力", "exported electricity"),
    Category.EXPORTED_HEAT: ("外送热力", "exported heat"),
    Category.ONSITE_RENEWABLE: ("园区可再生能源发电", "on-site renewable generation"),
    Category.GREEN_POWER: ("绿电/绿证", "green power and certificates"),
    Category.INTERNAL_TRANSFER: ("园区内部转供（抵消）", "internal transfer (eliminated)"),
}
"""Bilingual label (中文, English) of each category, for tables and reports."""


class Scope2Basis(StrEnum):
    """GHG Protocol Scope 2 dual reporting: the basis a line belongs to (``None`` = both)."""

    LOCATION = "location"
    MARKET = "market"


@dataclass(frozen=True, slots=True)
class FactorUse:
    """One factor used by a line item, with its provenance.

    ``symbol`` is the formula letter (AD, NCV, CC, OF, EF, coef, GWP); ``uncertainty_pct`` is the
    half-width of its 95 % interval [%] or ``None`` when the source states none.
    """

    id: str
    symbol: str
    value: float
    unit: str
    source: str
    confidence: str = ""
    uncertainty_pct: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "id": self.id,
            "symbol": self.symbol,
            "value": self.value,
            "unit": self.unit,
            "source": self.source,
            "confidence": self.confidence,
            "uncertainty_pct": self.uncertainty_pct,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FactorUse:
        """Inverse of :meth:`to_dict`."""
        return cls(
            id=d["id"],
            symbol=d["symbol"],
            value=float(d["value"]),
            unit=d["unit"],
            source=d["source"],
            confidence=d.get("confidence", ""),
            uncertainty_pct=None if d.get("uncertainty_pct") is None else float(d["uncertainty_pct"]),
        )


@dataclass(frozen=True, slots=True)
class LineItem:
    """清单条目: activity × factors = emissions and energy, with formula, evidence and uncertainty.

    Attributes
    ----------
    activity : float
        Activity quantity in ``activity_unit`` (the carrier's canonical unit) [unit].
    emissions_tco2e : float
        Emissions of this line [tCO2e] (CO2 only for the national method). Negative for a credited
        export under the net-inflow rule.
    energy_tce : float
        Contribution to comprehensive energy consumption [tce] (GB/T 2589-2020); negative for
        exported energy, which is deducted.
    uncertainty_pct : float
        Half-width of the 95 % interval of ``emissions_tco2e`` [%] (IPCC 2006 Vol.1 ch.3 eq. 3.1).
    activity_uncertainty_pct : float
        Half-width of the 95 % interval of the activity quantity [%] (meter class / record).
    """

    id: str
    method: Method
    category: Category
    scope: int | None
    enterprise_id: str | None
    zone_id: str | None
    carrier: Carrier | None
    month: date | None
    activity: float
    activity_unit: str
    factors: tuple[FactorUse, ...]
    emissions_tco2e: float
    energy_tce: float
    formula: str
    evidence: tuple[str, ...] = ()
    uncertainty_pct: float = 0.0
    activity_uncertainty_pct: float = 0.0
    basis: Scope2Basis | None = None
    note: str = ""
    label_zh: str = field(default="")
    label_en: str = field(default="")

    @property
    def month_key(self) -> str:
        """The line's month as ``YYYY-MM`` (``year`` for a line of the whole year)."""
        return "year" if self.month is None else f"{self.month.year:04d}-{self.month.month:02d}"

    @property
    def scope_key(self) -> str:
        """The ``by_scope`` key this line adds to: ``1``, ``2-location``, ``2-market`` or ``national``."""
        if self.method is Method.NATIONAL:
            return "national"
        if self.scope == 2:
            return "2-market" if self.basis is Scope2Basis.MARKET else "2-location"
        return "-" if self.scope is None else str(self.scope)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping (dates ISO, enums as values)."""
        return {
            "id": self.id,
            "method": self.method.value,
            "category": self.category.value,
            "scope": self.scope,
            "enterprise_id": self.enterprise_id,
            "zone_id": self.zone_id,
            "carrier": None if self.carrier is None else self.carrier.value,
            "month": None if self.month is None else self.month.isoformat(),
            "activity": self.activity,
            "activity_unit": self.activity_unit,
            "factors": [f.to_dict() for f in self.factors],
            "emissions_tco2e": self.emissions_tco2e,
            "energy_tce": self.energy_tce,
            "formula": self.formula,
            "evidence": list(self.evidence),
            "uncertainty_pct": self.uncertainty_pct,
            "activity_uncertainty_pct": self.activity_uncertainty_pct,
            "basis": None if self.basis is None else self.basis.value,
            "note": self.note,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LineItem:
        """Inverse of :meth:`to_dict`."""
        return cls(
            id=d["id"],
            method=Method(d["method"]),
            category=Category(d["category"]),
            scope=d["scope"],
            enterprise_id=d["enterprise_id"],
            zone_id=d["zone_id"],
            carrier=None if d["carrier"] is None else Carrier(d["carrier"]),
            month=None if d["month"] is None else date.fromisoformat(d["month"]),
            activity=float(d["activity"]),
            activity_unit=d["activity_unit"],
            factors=tuple(FactorUse.from_dict(f) for f in d["factors"]),
            emissions_tco2e=float(d["emissions_tco2e"]),
            energy_tce=float(d["energy_tce"]),
            formula=d["formula"],
            evidence=tuple(d["evidence"]),
            uncertainty_pct=float(d["uncertainty_pct"]),
            activity_uncertainty_pct=float(d["activity_uncertainty_pct"]),
            basis=None if d["basis"] is None else Scope2Basis(d["basis"]),
            note=d.get("note", ""),
            label_zh=d.get("label_zh", ""),
            label_en=d.get("label_en", ""),
        )


def fmt(x: float, decimals: int | None = None) -> str:
    """Format a number for a formula: thin grouping by spaces (``2 162.19``), as the reference writes.

    ``decimals=None`` keeps up to 6 significant digits (factors: ``0.0153``, ``389.31``).

    >>> fmt(2162.187, 2)
    '2 162.19'
    >>> fmt(0.0153)
    '0.0153'
    """
    if decimals is None:
        text = f"{x:,.6g}" if abs(x) < 1e6 else f"{x:,.0f}"
        if "e" in text:
            text = f"{x:,.8f}".rstrip("0").rstrip(".")
    else:
        text = f"{x:,.{decimals}f}"
    return text.replace(",", " ")


@dataclass(frozen=True, slots=True)
class Note:
    """说明: a statement an inventory makes about itself (an assumption, an omission), bilingual."""

    code: str
    zh: str
    en: str

    def to_dict(self) -> dict[str, str]:
        """JSON-able mapping."""
        return {"code": self.code, "zh": self.zh, "en": self.en}

    @classmethod
    def from_dict(cls, d: dict[str, str]) -> Note:
        """Inverse of :meth:`to_dict`."""
        return cls(code=d["code"], zh=d["zh"], en=d["en"])


@dataclass(frozen=True, slots=True)
class Elimination:
    """内部转供抵消: energy a park facility sold to a party inside the boundary.

    The park view counts it once, as the supplier's fuel; the buyer's view shows it as purchased
    energy worth ``emissions_tco2e`` [tCO2e] and ``energy_tce`` [tce], which the park total
    eliminates (park = Σ parties − Σ eliminations).
    """

    id: str
    enterprise_id: str
    carrier: Carrier
    month: date
    quantity: float
    unit: str
    emissions_tco2e: float
    energy_tce: float
    evidence: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "id": self.id,
            "enterprise_id": self.enterprise_id,
            "carrier": self.carrier.value,
            "month": self.month.isoformat(),
            "quantity": self.quantity,
            "unit": self.unit,
            "emissions_tco2e": self.emissions_tco2e,
            "energy_tce": self.energy_tce,
            "evidence": list(self.evidence),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Elimination:
        """Inverse of :meth:`to_dict`."""
        return cls(
            id=d["id"],
            enterprise_id=d["enterprise_id"],
            carrier=Carrier(d["carrier"]),
            month=date.fromisoformat(d["month"]),
            quantity=float(d["quantity"]),
            unit=d["unit"],
            emissions_tco2e=float(d["emissions_tco2e"]),
            energy_tce=float(d["energy_tce"]),
            evidence=tuple(d["evidence"]),
        )
