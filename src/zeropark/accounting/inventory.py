"""排放清单 Inventory: the result of one accounting run, and each party's share of it.

The enterprise breakdown is on the **consumption basis** (消费端归属, :data:`CONSUMER_BASIS_ZH`):
the electricity and heat bought at the park boundary are counted with the enterprises that
consumed them, exactly as each enterprise's own inventory counts them, so an enterprise's figure
is the same on the park's list, on its own page and in its own report. What the parties count
twice (energy one party sells another inside the park, 内部转供) is listed as a negative row, and
what no party consumed (line losses, unmetered use, certificates held by the park) stays at park
level; the rows add up to the park total.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from zeropark.accounting.gaps import Gap
from zeropark.accounting.lineitems import Category, Elimination, LineItem, Note, Scope2Basis
from zeropark.accounting.matching import HourlyMatch
from zeropark.accounting.options import AccountingOptions
from zeropark.accounting.uncertainty import Interval
from zeropark.model import Method, SymbiosisClaim

#: The park operator's public facilities (quantities without an enterprise) as a party.
PUBLIC_FACILITIES = "__public__"
#: The row of internal transfers that two parties both count (negative).
INTERNAL_TRANSFERS = "__internal__"
#: The park-level remainder: boundary energy no party consumed (losses, unmetered use, park claims).
PARK_LEVEL = "park"

CONSUMER_BASIS_ZH = (
    "企业排放按消费端归属：园区外购电力、热力计入实际消费的企业（与企业自身清单一致）；"
    "企业间内部转供的能源在供方和受方重复计入的部分单列抵消；"
    "园区级仅为无消费方的差额（线损、未计量用能、园区持有的绿证等）。各行之和等于园区合计。"
)
CONSUMER_BASIS_EN = (
    "Enterprise shares on the consumption basis: electricity and heat bought at the park boundary "
    "are counted with the enterprises that consumed them (as in each enterprise's own inventory); "
    "energy one party sells another inside the park, counted by both, is eliminated in a row of its "
    "own; the park level holds only what no party consumed (line losses, unmetered use, "
    "certificates held by the park). The rows add up to the park total."
)


#: The breakdowns of an inventory by dimension (``Inventory.totals_by``) and the attribute holding each.
BREAKDOWNS: dict[str, str] = {
    "source": "by_source",
    "scope": "by_scope",
    "enterprise": "by_enterprise",
    "zone": "by_zone",
    "carrier": "by_carrier",
    "month": "by_month",
}

#: The key of a line item in each breakdown (``enterprise``: the line's owner, ``park`` if none).
LINE_KEYS: dict[str, Callable[[LineItem], str]] = {
    "source": lambda li: li.category.value,
    "scope": lambda li: li.scope_key,
    "enterprise": lambda li: li.enterprise_id or PARK_LEVEL,
    "zone": lambda li: li.zone_id or "none",
    "carrier": lambda li: "-" if li.carrier is None else li.carrier.value,
    "month": lambda li: li.month_key,
}


class ShareKind(StrEnum):
    """What a :class:`ConsumerShare` row is."""

    ENTERPRISE = "enterprise"
    PUBLIC_FACILITIES = "public_facilities"
    INTERNAL_TRANSFERS = "internal_transfers"
    PARK_LEVEL = "park_level"


@dataclass(frozen=True, slots=True)
class ConsumerShare:
    """One row of the park's enterprise breakdown on the consumption basis (消费端归属).

    Attributes
    ----------
    party : str
        Enterprise id, or :data:`PUBLIC_FACILITIES`, :data:`INTERNAL_TRANSFERS`, :data:`PARK_LEVEL`.
    emissions_tco2e : float
        National method: CO2 [t]; GHG: location-based total [tCO2e].
    energy_tce : float
        Comprehensive energy consumption [tce].
    market_tco2e : float or None
        GHG only: market-based total [tCO2e].
    """

    party: str
    kind: ShareKind
    emissions_tco2e: float
    energy_tce: float
    market_tco2e: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "party": self.party,
            "kind": self.kind.value,
            "emissions_tco2e": self.emissions_tco2e,
            "energy_tce": self.energy_tce,
            "market_tco2e": self.market_tco2e,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ConsumerShare:
        """Inverse of :meth:`to_dict`."""
        market = d["market_tco2e"]
        return cls(
            party=d["party"],
            kind=ShareKind(d["kind"]),
            emissions_tco2e=float(d["emissions_tco2e"]),
            energy_tce=float(d["energy_tce"]),
            market_tco2e=None if market is None else float(market),
        )


@dataclass(frozen=True, slots=True)
class Inventory:
    """排放清单: the result of one accounting run (see module docstring).

    Attributes
    ----------
    total_tco2e : float
        National method: park CO2 [tCO2]. GHG: location-based total (Scope 1 + Scope 2 location) [tCO2e].
    total_market_tco2e : float or None
        GHG only: market-based total [tCO2e].
    energy_tce : float
        Comprehensive energy consumption [tce] (GB/T 2589-2020, exports deducted).
    by_source, by_scope, by_zone, by_carrier, by_month : dict of str to float
        Totals [tCO2e] over the line items (GHG: location basis; market lines in ``by_scope['2-market']``).
    by_enterprise : dict of str to float
        Enterprise shares [tCO2e] on the consumption basis (:data:`CONSUMER_BASIS_EN`): park view —
        each enterprise's own total (its purchased electricity and heat included), the public
        facilities, the internal transfers the parties count twice (negative) and the park-level
        remainder, which add up to the total; an enterprise view — the enterprise's total.
    consumers : tuple of ConsumerShare
        Park view: the rows of ``by_enterprise`` with energy [tce] and the GHG market-based share.
    clean_energy_share : float or None
        Annual 清洁能源消费占比 [0..1] on a tce basis (None when energy is 0).
    hourly : HourlyMatch
        Hourly-matched (24/7) clean-electricity share; ``missing`` when there are no hourly data.
    """

    method: Method
    park_id: str
    year: int
    enterprise_id: str | None
    options: AccountingOptions
    options_statement_zh: str
    options_statement_en: str
    factor_set_name: str
    factor_set_version: str
    factor_set_sha256: str
    input_fingerprint: str
    code_version: str
    lines: tuple[LineItem, ...]
    total_tco2e: float
    total_market_tco2e: float | None
    energy_tce: float
    by_source: dict[str, float]
    by_scope: dict[str, float]
    by_enterprise: dict[str, float]
    by_zone: dict[str, float]
    by_carrier: dict[str, float]
    by_month: dict[str, float]
    energy_by_carrier: dict[str, float]
    interval_95: Interval
    interval_95_market: Interval | None
    electricity: dict[str, float]
    clean_energy_share: float | None
    green_electricity_share: float | None
    hourly: HourlyMatch
    eliminations: tuple[Elimination, ...]
    gaps: tuple[Gap, ...]
    notes: tuple[Note, ...]
    consumers: tuple[ConsumerShare, ...] = ()
    symbiosis: tuple[SymbiosisClaim, ...] = ()

    @property
    def symbiosis_avoided_tco2(self) -> float:
        """产业共生减排量 [tCO2/a] claimed in this view (memo: listed, never deducted from the total)."""
        return math.fsum(c.tco2 for c in self.symbiosis)

    @property
    def international_bunker_tco2e(self) -> float:
        """国际航空航海 fuel emissions [tCO2e], included in the total and listed separately."""
        return self.by_source.get(Category.INTERNATIONAL_BUNKER.value, 0.0)

    @property
    def intensity_tco2_per_tce(self) -> float | None:
        """单位能耗碳排放 [tCO2/tce] = total / energy (None when energy ≤ 0)."""
        return self.total_tco2e / self.energy_tce if self.energy_tce > 0 else None

    def totals_by(self, dimension: str) -> dict[str, float]:
        """The stated breakdown by ``dimension`` [tCO2e]: source, scope, enterprise, zone, carrier, month.

        Raises
        ------
        KeyError
            An unknown dimension (the message lists the known ones).
        """
        try:
            return dict(getattr(self, BREAKDOWNS[dimension]))
        except KeyError:
            raise KeyError(f"no breakdown '{dimension}'; choose one of {', '.join(BREAKDOWNS)}") from None

    def lines_of(self, dimension: str, key: str) -> list[LineItem]:
        """The line items behind one total of :meth:`totals_by` (their sum is that total).

        For ``enterprise`` of a park view the lines are those the enterprise itself owns (its fuels
        and processes); its consumption-basis share is its own inventory's total (a child run),
        whose lines are that view's.
        """
        keyof = LINE_KEYS.get(dimension)
        if keyof is None:
            return list(self.lines)
        counted = [li for li in self.lines if dimension == "scope" or li.basis is not Scope2Basis.MARKET]
        return [li for li in counted if keyof(li) == key]

    @property
    def energy_by_month(self) -> dict[str, float]:
        """Energy consumption by month [tce] (``math.fsum`` of the lines)."""
        acc: dict[str, list[float]] = defaultdict(list)
        for li in self.lines:
            if li.energy_tce:
                acc[li.month_key].append(li.energy_tce)
        return {k: math.fsum(v) for k, v in sorted(acc.items())}

    def consumer(self, party: str) -> ConsumerShare | None:
        """The consumption-basis share of ``party`` (an enterprise id or a park-level key), if any."""
        for c in self.consumers:
            if c.party == party:
                return c
        return None

    def line(self, line_id: str) -> LineItem:
        """The line item with id ``line_id`` (``KeyError`` naming it otherwise)."""
        for li in self.lines:
            if li.id == line_id:
                return li
        raise KeyError(f"no line item '{line_id}' in this inventory")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping; :meth:`from_dict` restores an equal inventory."""
        return {
            "method": self.method.value,
            "park_id": self.park_id,
            "year": self.year,
            "enterprise_id": self.enterprise_id,
            "options": self.options.to_dict(),
            "options_statement_zh": self.options_statement_zh,
            "options_statement_en": self.options_statement_en,
            "factor_set_name": self.factor_set_name,
            "factor_set_version": self.factor_set_version,
            "factor_set_sha256": self.factor_set_sha256,
            "input_fingerprint": self.input_fingerprint,
            "code_version": self.code_version,
            "lines": [li.to_dict() for li in self.lines],
            "total_tco2e": self.total_tco2e,
            "total_market_tco2e": self.total_market_tco2e,
            "energy_tce": self.energy_tce,
            "by_source": dict(self.by_source),
            "by_scope": dict(self.by_scope),
            "by_enterprise": dict(self.by_enterprise),
            "by_zone": dict(self.by_zone),
            "by_carrier": dict(self.by_carrier),
            "by_month": dict(self.by_month),
            "energy_by_carrier": dict(self.energy_by_carrier),
            "interval_95": self.interval_95.to_dict(),
            "interval_95_market": None
            if self.interval_95_market is None
            else self.interval_95_market.to_dict(),
            "electricity": dict(self.electricity),
            "clean_energy_share": self.clean_energy_share,
            "green_electricity_share": self.green_electricity_share,
            "hourly": self.hourly.to_dict(),
            "eliminations": [e.to_dict() for e in self.eliminations],
            "gaps": [g.to_dict() for g in self.gaps],
            "notes": [n.to_dict() for n in self.notes],
            "consumers": [c.to_dict() for c in self.consumers],
            # only when there are claims: an inventory without them keeps its stored text
            **({"symbiosis": [c.to_dict() for c in self.symbiosis]} if self.symbiosis else {}),
        }

    def to_json(self) -> str:
        """Canonical JSON text (sorted keys, UTF-8 characters kept)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Inventory:
        """Inverse of :meth:`to_dict`."""

        def floats(m: dict[str, Any]) -> dict[str, float]:
            return {str(k): float(v) for k, v in m.items()}

        return cls(
            method=Method(d["method"]),
            park_id=d["park_id"],
            year=int(d["year"]),
            enterprise_id=d["enterprise_id"],
            options=AccountingOptions.from_dict(d["options"]),
            options_statement_zh=d["options_statement_zh"],
            options_statement_en=d["options_statement_en"],
            factor_set_name=d["factor_set_name"],
            factor_set_version=d["factor_set_version"],
            factor_set_sha256=d["factor_set_sha256"],
            input_fingerprint=d["input_fingerprint"],
            code_version=d["code_version"],
            lines=tuple(LineItem.from_dict(x) for x in d["lines"]),
            total_tco2e=float(d["total_tco2e"]),
            total_market_tco2e=None if d["total_market_tco2e"] is None else float(d["total_market_tco2e"]),
            energy_tce=float(d["energy_tce"]),
            by_source=floats(d["by_source"]),
            by_scope=floats(d["by_scope"]),
            by_enterprise=floats(d["by_enterprise"]),
            by_zone=floats(d["by_zone"]),
            by_carrier=floats(d["by_carrier"]),
            by_month=floats(d["by_month"]),
            energy_by_carrier=floats(d["energy_by_carrier"]),
            interval_95=Interval.from_dict(d["interval_95"]),
            interval_95_market=None
            if d["interval_95_market"] is None
            else Interval.from_dict(d["interval_95_market"]),
            electricity=floats(d["electricity"]),
            clean_energy_share=d["clean_energy_share"],
            green_electricity_share=d["green_electricity_share"],
            hourly=HourlyMatch.from_dict(d["hourly"]),
            eliminations=tuple(Elimination.from_dict(x) for x in d["eliminations"]),
            gaps=tuple(Gap.from_dict(x) for x in d["gaps"]),
            notes=tuple(Note.from_dict(x) for x in d["notes"]),
            consumers=tuple(ConsumerShare.from_dict(x) for x in d["consumers"]),
            symbiosis=tuple(SymbiosisClaim.from_dict(x) for x in d.get("symbiosis", ())),
        )

    @classmethod
    def from_json(cls, text: str) -> Inventory:
        """Inverse of :meth:`to_json`."""
        return cls.from_dict(json.loads(text))
