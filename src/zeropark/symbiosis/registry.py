"""Exchange registry of industrial symbiosis (产业共生): sources, sinks, grades, exchanges (pure).

A **source** offers a stream it does not need (surplus steam, hot water, waste heat, a by-product,
a solid waste, treated water); a **sink** can take one in place of what it buys or makes today.
Each has a stream kind, a grade, a quantity profile over the periods of the registry, a location,
a price and (for wastes) its waste code and hazardous class. An **exchange** is a flow from one
source to one sink, planned or realised.

Canonical units of the quantities (DESIGN.md §3): steam, hot water and waste heat in GJ (heat
content); by-products and solid wastes in t; water in m³. A profile holds the quantity per period;
each period carries a weight (the hours it stands for, so a profile over 8760 h, 12 months or a few
representative days is all the same to the engine).

Grade compatibility is data (:data:`GRADES`): for heat and water a source serves a sink when its
grade level is at least the level the sink needs (steam of 1.0 MPa serves a 0.6 MPa user, not the
reverse; 再生水 does not serve a process that needs 软化水); for by-products and solid wastes the
grade is the waste code and the sink lists the codes it accepts. A hazardous waste (class HWxx of
国家危险废物名录（2025年版）) may only go to a sink whose licence covers that class.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from zeropark.errors import (
    FlowExceedsSource,
    IncompatibleGrade,
    NegativeDistance,
    SymbiosisError,
    UnlicensedHazardousSink,
)


class StreamKind(StrEnum):
    """What flows: the kind decides the unit and the grade rule."""

    STEAM = "steam"
    HOT_WATER = "hot_water"
    WASTE_HEAT = "waste_heat"
    BY_PRODUCT = "by_product"
    SOLID_WASTE = "solid_waste"
    WATER = "water"


#: Canonical unit of each stream kind's quantities.
UNIT: dict[StreamKind, str] = {
    StreamKind.STEAM: "GJ",
    StreamKind.HOT_WATER: "GJ",
    StreamKind.WASTE_HEAT: "GJ",
    StreamKind.BY_PRODUCT: "t",
    StreamKind.SOLID_WASTE: "t",
    StreamKind.WATER: "m³",
}

KIND_LABEL_ZH: dict[StreamKind, str] = {
    StreamKind.STEAM: "蒸汽",
    StreamKind.HOT_WATER: "热水",
    StreamKind.WASTE_HEAT: "余热",
    StreamKind.BY_PRODUCT: "副产品",
    StreamKind.SOLID_WASTE: "固体废物",
    StreamKind.WATER: "水",
}


class Basis(StrEnum):
    """Where a quantity comes from: a meter, or a declaration by the party (申报)."""

    METERED = "metered"
    DECLARED = "declared"


@dataclass(frozen=True, slots=True)
class Grade:
    """One grade of an ordered stream kind: a higher ``level`` serves every lower one."""

    kind: StreamKind
    code: str
    level: int
    label_zh: str
    label_en: str


#: Grade table of the ordered kinds (heat by pressure/temperature, water by quality).
#:
#: The boundaries are a park convention, not a national standard — [UNCERTAIN] and meant to be
#: replaced by a park's own table (pass ``grades=`` to :func:`check_compatible`). Steam pressure
#: classes follow the usual 低压/中压/次高压/高压 split of industrial boilers (GB/T 1921-2004 工业蒸汽
#: 锅炉参数系列 lists 0.4 … 3.82 MPa rated pressures); water grades follow the uses of GB/T
#: 19923-2005 城市污水再生利用 工业用水水质 (再生水 for cooling/process) below 新鲜水 and 软化/除盐水.
GRADES: tuple[Grade, ...] = (
    Grade(StreamKind.STEAM, "LP", 1, "低压蒸汽（< 1.0 MPa）", "low-pressure steam (< 1.0 MPa)"),
    Grade(StreamKind.STEAM, "MP", 2, "中压蒸汽（1.0–2.5 MPa）", "medium-pressure steam (1.0–2.5 MPa)"),
    Grade(StreamKind.STEAM, "HP", 3, "次高压/高压蒸汽（≥ 2.5 MPa）", "high-pressure steam (≥ 2.5 MPa)"),
    Grade(StreamKind.HOT_WATER, "LT", 1, "低温热水（< 60 ℃）", "low-temperature hot water (< 60 °C)"),
    Grade(StreamKind.HOT_WATER, "MT", 2, "中温热水（60–95 ℃）", "medium-temperature hot water (60–95 °C)"),
    Grade(StreamKind.HOT_WATER, "HT", 3, "高温热水（≥ 95 ℃）", "high-temperature hot water (≥ 95 °C)"),
    Grade(StreamKind.WASTE_HEAT, "LT", 1, "低品位余热（< 120 ℃）", "low-grade waste heat (< 120 °C)"),
    Grade(StreamKind.WASTE_HEAT, "MT", 2, "中品位余热（120–400 ℃）", "medium-grade waste heat (120–400 °C)"),
    Grade(StreamKind.WASTE_HEAT, "HT", 3, "高品位余热（≥ 400 ℃）", "high-grade waste heat (≥ 400 °C)"),
    Grade(StreamKind.WATER, "reclaimed", 1, "再生水（中水）", "reclaimed water"),
    Grade(StreamKind.WATER, "fresh", 2, "新鲜水（工业用水）", "fresh industrial water"),
    Grade(StreamKind.WATER, "softened", 3, "软化/除盐水", "softened / demineralised water"),
)

#: Kinds whose grade is a waste or product code matched by the sink's accepted list.
LISTED_KINDS = frozenset({StreamKind.BY_PRODUCT, StreamKind.SOLID_WASTE})


@dataclass(frozen=True, slots=True)
class Location:
    """A place: planar ``x_km``/``y_km`` on the park map, or ``lat``/``lon`` in degrees (WGS 84)."""

    x_km: float | None = None
    y_km: float | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """A party's surplus stream.

    ``quantity`` is per period in the kind's unit (:data:`UNIT`); ``marginal_cost_cny_per_unit``
    is what supplying one more unit costs the system (0 for heat that is vented today);
    ``disposal_cost_cny_per_unit`` / ``disposal_tco2_per_unit`` what the source pays / emits to get
    rid of it today (avoided by an exchange); ``price_cny_per_unit`` the asking price (a transfer
    between the parties, in contracts, not in the system optimum). ``hazardous_class`` is the
    国家危险废物名录 class (``"HW08"``) of a hazardous waste, ``waste_code`` its code (or the GB
    34330 solid-waste / by-product name of a general one).
    """

    id: str
    kind: StreamKind
    grade: str
    quantity: tuple[float, ...]
    location: Location = field(default_factory=Location)
    enterprise_id: str | None = None
    name: str = ""
    basis: Basis = Basis.DECLARED
    price_cny_per_unit: float = 0.0
    marginal_cost_cny_per_unit: float = 0.0
    disposal_cost_cny_per_unit: float = 0.0
    disposal_tco2_per_unit: float = 0.0
    hazardous_class: str | None = None


@dataclass(frozen=True, slots=True)
class Sink:
    """A party that can take a stream in place of what it buys or makes today.

    ``demand`` is per period (kind's unit); ``grade`` the lowest grade it can use (ordered kinds);
    ``accepts`` the waste/product codes it can take (listed kinds); ``licensed_classes`` the
    hazardous classes its 危险废物经营许可证 covers; ``alternative_cost_cny_per_unit`` and
    ``displaced_tco2_per_unit`` the cost and CO2 of the supply it replaces (e.g. its own gas boiler's
    steam) per unit received.
    """

    id: str
    kind: StreamKind
    grade: str
    demand: tuple[float, ...]
    location: Location = field(default_factory=Location)
    enterprise_id: str | None = None
    name: str = ""
    basis: Basis = Basis.DECLARED
    accepts: tuple[str, ...] = ()
    licensed_classes: tuple[str, ...] = ()
    alternative_cost_cny_per_unit: float = 0.0
    displaced_tco2_per_unit: float = 0.0
    utilises: bool = True  # False for a pure disposal sink (landfill): not counted as 综合利用


@dataclass(frozen=True, slots=True)
class Exchange:
    """A realised (or agreed) flow from ``source`` to ``sink``; ``quantity`` sent per period.

    ``from_year`` / ``to_year`` bound the years the exchange runs (``None``: open); the accounting
    counts its avoided CO2 in an accounted year inside them only.
    """

    id: str
    source: str
    sink: str
    quantity: tuple[float, ...]
    distance_km: float = 0.0
    loss_per_km: float = 0.0
    basis: Basis = Basis.DECLARED
    price_cny_per_unit: float = 0.0
    metering_point: str = ""
    from_year: int | None = None
    to_year: int | None = None

    def runs_in(self, year: int) -> bool:
        """True when ``year`` lies within ``from_year`` … ``to_year`` (open ends)."""
        return (self.from_year is None or year >= self.from_year) and (
            self.to_year is None or year <= self.to_year
        )


def grade_of(kind: StreamKind, code: str, grades: Sequence[Grade] = GRADES) -> Grade:
    """The grade ``code`` of ``kind``.

    Raises
    ------
    SymbiosisError
        The code is not in the grade table of that kind.
    """
    for g in grades:
        if g.kind is kind and g.code == code:
            return g
    known = ", ".join(g.code for g in grades if g.kind is kind)
    raise SymbiosisError(f"grade '{code}' is not a grade of {kind.value}; use one of: {known}")


def check_compatible(source: Source, sink: Sink, grades: Sequence[Grade] = GRADES) -> None:
    """Raise unless ``source`` may serve ``sink`` (same kind, grade, hazardous licence).

    Raises
    ------
    IncompatibleGrade
        Another kind, a grade below the sink's, or a waste code the sink does not accept.
    UnlicensedHazardousSink
        A hazardous waste and a sink whose licence does not cover its class.
    """
    if source.kind is not sink.kind:
        detail = f"{source.kind.value} cannot serve a {sink.kind.value} sink"
        raise IncompatibleGrade(source.id, sink.id, detail)
    if source.kind in LISTED_KINDS:
        if source.grade not in sink.accepts:
            raise IncompatibleGrade(
                source.id, sink.id, f"waste/product code {source.grade} not among {list(sink.accepts)}"
            )
    else:
        have, need = grade_of(source.kind, source.grade, grades), grade_of(sink.kind, sink.grade, grades)
        if have.level < need.level:
            raise IncompatibleGrade(
                source.id, sink.id, f"{have.label_en} is below the {need.label_en} the sink needs"
            )
    if source.hazardous_class and source.hazardous_class not in sink.licensed_classes:
        raise UnlicensedHazardousSink(source.id, sink.id, source.hazardous_class)


def compatible(source: Source, sink: Sink, grades: Sequence[Grade] = GRADES) -> bool:
    """True when :func:`check_compatible` passes."""
    try:
        check_compatible(source, sink, grades)
    except (IncompatibleGrade, UnlicensedHazardousSink):
        return False
    return True


_EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius


def distance_km(a: Location, b: Location) -> float:
    """Distance between two locations [km]: planar on x/y, great-circle (haversine) on lat/lon.

    Raises
    ------
    SymbiosisError
        A location without coordinates, or the two given in different systems.
    """
    if a.x_km is not None and a.y_km is not None and b.x_km is not None and b.y_km is not None:
        return math.hypot(a.x_km - b.x_km, a.y_km - b.y_km)
    if a.lat is not None and a.lon is not None and b.lat is not None and b.lon is not None:
        p1, p2 = math.radians(a.lat), math.radians(b.lat)
        dp, dl = p2 - p1, math.radians(b.lon - a.lon)
        h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(h))
    raise SymbiosisError("a location needs x_km and y_km, or lat and lon, in both source and sink")


def check_distance(source: str, sink: str, km: float) -> float:
    """``km`` if it is a usable distance.

    Raises
    ------
    NegativeDistance
        ``km`` < 0 (or not a number).
    """
    if not km >= 0:
        raise NegativeDistance(source, sink, km)
    return km


def check_exchanges(
    sources: Sequence[Source],
    sinks: Sequence[Sink],
    exchanges: Sequence[Exchange],
    grades: Sequence[Grade] = GRADES,
) -> None:
    """Validate realised exchanges against the registry: grade, licence, distance, source size.

    Raises
    ------
    IncompatibleGrade, UnlicensedHazardousSink, NegativeDistance, FlowExceedsSource
        The first problem found, naming the exchange's source and sink.
    SymbiosisError
        An exchange naming an unknown source or sink.
    """
    src = {s.id: s for s in sources}
    snk = {s.id: s for s in sinks}
    sent: dict[str, list[float]] = {}
    for x in exchanges:
        if x.source not in src:
            raise SymbiosisError(f"exchange {x.id}: unknown source '{x.source}'; register it first")
        if x.sink not in snk:
            raise SymbiosisError(f"exchange {x.id}: unknown sink '{x.sink}'; register it first")
        check_distance(x.source, x.sink, x.distance_km)
        check_compatible(src[x.source], snk[x.sink], grades)
        acc = sent.setdefault(x.source, [0.0] * len(src[x.source].quantity))
        if len(x.quantity) != len(acc):
            raise SymbiosisError(
                f"exchange {x.id}: {len(x.quantity)} periods but source {x.source} has {len(acc)}"
            )
        for t, q in enumerate(x.quantity):
            if q < 0:
                raise SymbiosisError(f"exchange {x.id}, period {t}: quantity {q:g} is negative")
            acc[t] += q
    for sid, acc in sent.items():
        s = src[sid]
        for t, (q, have) in enumerate(zip(acc, s.quantity, strict=True)):
            if q > have * (1 + 1e-9) + 1e-9:
                raise FlowExceedsSource(sid, t, q, have, UNIT[s.kind])
