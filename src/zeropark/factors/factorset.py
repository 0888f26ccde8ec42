"""因子集 FactorSet: a named, versioned, immutable selection of cited factors, and its lookups.

Every factor is one row of an attribute table (PyPSA ``component_attrs`` spirit, STYLE.md §5):
``id, kind, key, parameter, value, unit, region, year, source_id, uncertainty_pct, note``. A
:class:`Factor` keeps the value and unit *as cited* (``cited_value``, ``cited_unit``, e.g.
389.31 GJ/10⁴Nm³) for provenance, and the same value converted once, at load time, to the
canonical unit of its kind and carrier (``value``, ``unit``, e.g. 0.038931 GJ/m³). The core only
uses ``value``.

Canonical units (:func:`canonical_unit`), with ``U = CANONICAL_UNIT[carrier]``:

============================  ==========================  ==========================
kind                          parameter                   unit of ``value``
============================  ==========================  ==========================
``standard_coal`` (折标系数)  ``equivalent``/``equal_value``  tce/U
``fuel`` (燃料参数)           ``ncv`` / ``cc`` / ``of``    GJ/U / tC/GJ / 1
``grid_electricity``          a :class:`GridCalibre`        tCO2/MWh
``heat`` (外购热力)           ``ef``                       tCO2/GJ
``gwp``                       ``SAR``/``AR4``/``AR5``/``AR6``  1 (tCO2e/t gas)
``process`` (工业过程)        ``ef``                       tCO2/t
``conversion``                ``heat_content_default``     GJ/t
============================  ==========================  ==========================

Lookups raise :class:`zeropark.errors.FactorNotFound` naming what was looked for.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from zeropark.errors import FactorNotFound
from zeropark.model import CANONICAL_UNIT, CARRIER_LABEL_ZH, Carrier
from zeropark.units import CO2_PER_C

__all__ = [
    "ASSESSMENTS",
    "CONTENT_COLUMNS",
    "OPTIONAL_SOURCE_COLUMNS",
    "FACTOR_COLUMNS",
    "NATIONAL",
    "SOURCE_COLUMNS",
    "Confidence",
    "Factor",
    "FactorKind",
    "FactorSet",
    "FuelParameters",
    "GridCalibre",
    "Source",
    "StandardCoalBasis",
    "canonical_unit",
]

#: Region name of national factors (全国).
NATIONAL = "全国"
#: IPCC assessment reports whose GWP100 values a set may hold.
ASSESSMENTS: tuple[str, ...] = ("SAR", "AR4", "AR5", "AR6")

#: Columns of a factor table (``factors/data/*.csv`` and custom sets).
FACTOR_COLUMNS: tuple[str, ...] = (
    "id",
    "kind",
    "key",
    "parameter",
    "value",
    "unit",
    "region",
    "year",
    "source_id",
    "uncertainty_pct",
    "note",
)
#: Optional columns of a custom set that define a new source inline.
SOURCE_COLUMNS: tuple[str, ...] = (
    "source_title",
    "source_issuer",
    "source_year",
    "source_table",
    "source_url",
    "source_confidence",
    "source_number",
    "source_date",
    "source_published",
)
#: Source columns a custom set or a stored content CSV may leave out (older files, a lab report).
OPTIONAL_SOURCE_COLUMNS: tuple[str, ...] = ("source_number", "source_date", "source_published")
#: Columns of the self-contained serialisation (:meth:`FactorSet.content_csv`), hashed for ``sha256``.
CONTENT_COLUMNS: tuple[str, ...] = FACTOR_COLUMNS + SOURCE_COLUMNS

StandardCoalBasis = Literal["equivalent", "equal_value"]


class Confidence(StrEnum):
    """How far a source has been checked (ACCOUNTING.md tags)."""

    PRIMARY = "P"  # primary document or official release quoted by press
    SECONDARY = "S"  # secondary sources only; keep configurable
    UNCERTAIN = "UNCERTAIN"  # best candidate, not confirmed; reports state it


class FactorKind(StrEnum):
    """因子类别: what a factor row is."""

    STANDARD_COAL = "standard_coal"  # 折标准煤系数 (GB/T 2589-2020)
    FUEL = "fuel"  # NCV / CC / OF of a fuel (燃料参数缺省值)
    GRID_ELECTRICITY = "grid_electricity"  # 电力二氧化碳排放因子
    HEAT = "heat"  # 外购热力排放因子
    GWP = "gwp"  # global warming potential (100-year)
    PROCESS = "process"  # 工业生产过程排放因子
    CONVERSION = "conversion"  # physical conversion defaults (steam heat content)


class GridCalibre(StrEnum):
    """口径 of the MEE/NBS electricity CO2 factors (ACCOUNTING.md §2.4)."""

    AVERAGE = "average"  # 电力平均二氧化碳排放因子 (national / regional / provincial)
    EXCL_MARKET_NONFOSSIL = "excl_market_nonfossil"  # 不包括市场化交易的非化石能源电量
    FOSSIL = "fossil"  # 全国化石能源电力二氧化碳排放因子


#: Valid ``parameter`` values per kind (None = any non-empty text).
PARAMETERS: dict[FactorKind, frozenset[str]] = {
    FactorKind.STANDARD_COAL: frozenset({"equivalent", "equal_value"}),
    FactorKind.FUEL: frozenset({"ncv", "cc", "of"}),
    FactorKind.GRID_ELECTRICITY: frozenset(c.value for c in GridCalibre),
    FactorKind.HEAT: frozenset({"ef"}),
    FactorKind.GWP: frozenset(ASSESSMENTS),
    FactorKind.PROCESS: frozenset({"ef"}),
    FactorKind.CONVERSION: frozenset({"heat_content_default"}),
}

_KIND_LABEL: dict[FactorKind, tuple[str, str]] = {
    FactorKind.STANDARD_COAL: ("折标准煤系数", "standard-coal coefficient"),
    FactorKind.FUEL: ("燃料参数", "fuel parameter"),
    FactorKind.GRID_ELECTRICITY: ("电力排放因子", "grid electricity CO2 factor"),
    FactorKind.HEAT: ("热力排放因子", "purchased heat CO2 factor"),
    FactorKind.GWP: ("全球增温潜势", "global warming potential"),
    FactorKind.PROCESS: ("工业过程排放因子", "process CO2 factor"),
    FactorKind.CONVERSION: ("换算系数", "conversion"),
}
_PARAMETER_LABEL: dict[str, tuple[str, str]] = {
    "equivalent": ("当量值", "equivalent (calorific)"),
    "equal_value": ("等价值", "equal value (supply coal rate)"),
    "ncv": ("低位发热量", "NCV"),
    "cc": ("单位热值含碳量", "carbon content"),
    "of": ("碳氧化率", "oxidation fraction"),
    "average": ("平均", "average"),
    "excl_market_nonfossil": ("不含市场化非化石", "excl. market-traded non-fossil"),
    "fossil": ("化石能源电力", "fossil-energy power"),
    "ef": ("排放因子", "emission factor"),
    "heat_content_default": ("默认热值", "default heat content"),
}
_CARRIER_LABEL_EN: dict[Carrier, str] = {Carrier.LNG: "LNG", Carrier.LPG: "LPG"}
_PROCESS_LABEL_ZH: dict[str, str] = {
    "limestone": "石灰石",
    "dolomite": "白云石",
    "dolomite_pure": "白云石(纯)",
    "calcite": "方解石(CaCO3)",
    "magnesite": "菱镁矿(MgCO3)",
    "clinker": "水泥熟料",
}


def canonical_unit(kind: FactorKind, key: str, parameter: str) -> str:
    """The unit a factor's ``value`` is stored in (see the module table).

    Parameters
    ----------
    kind : FactorKind
        Factor kind.
    key : str
        Carrier value (``"natural_gas"``, optionally ``"natural_gas/oilfield"``), gas or process name.
    parameter : str
        Parameter of the kind.

    Raises
    ------
    ValueError
        If ``key`` must be a carrier for this kind and is not one.
    """
    if kind is FactorKind.STANDARD_COAL:
        return f"tce/{CANONICAL_UNIT[carrier_of(key)]}"
    if kind is FactorKind.FUEL:
        if parameter == "ncv":
            return f"GJ/{CANONICAL_UNIT[carrier_of(key)]}"
        return "tC/GJ" if parameter == "cc" else "1"
    if kind is FactorKind.GRID_ELECTRICITY:
        return "tCO2/MWh"
    if kind is FactorKind.HEAT:
        return "tCO2/GJ"
    if kind is FactorKind.GWP:
        return "1"
    if kind is FactorKind.PROCESS:
        return "tCO2/t"
    return "GJ/t"


def carrier_of(key: str) -> Carrier:
    """The carrier of a ``key`` such as ``"natural_gas"`` or ``"natural_gas/oilfield"``.

    Raises
    ------
    ValueError
        If the part before ``/`` is not a :class:`~zeropark.model.Carrier` value.
    """
    return Carrier(key.partition("/")[0])


@dataclass(frozen=True, slots=True)
class Source:
    """出处: the document a factor is taken from.

    ``number`` is the document's own identifier (文号 such as 公告2024年第12号 or 发改办气候〔2013〕2526号,
    a standard's number, a DOI or ISBN), ``date`` its date of issue (ISO ``YYYY-MM-DD``, or
    ``YYYY-MM`` / ``YYYY`` when only that is known), ``published`` where the issuer publishes it
    and ``url`` the issuer's own address of it — never a re-post.
    """

    id: str
    title: str
    issuer: str
    year: int | None
    table: str
    url: str
    confidence: Confidence
    number: str = ""
    date: str = ""
    published: str = ""

    def citation(self) -> str:
        """Full citation: issuer, title, number, date, table, where published, URL, confidence."""
        parts = [self.issuer, self.title, self.number]
        parts.append(self.date or ("" if self.year is None else str(self.year)))
        parts.extend([self.table, self.published, self.url])
        return ", ".join(p for p in parts if p) + f" [{self.confidence.value}]"


@dataclass(frozen=True, slots=True)
class Factor:
    """排放因子/系数: one cited value.

    ``value`` [``unit``] is canonical (module table); ``cited_value`` [``cited_unit``] is as the
    source prints it. ``uncertainty_pct`` is the half-width of the 95 % interval [%] (None = unknown).
    """

    id: str
    kind: FactorKind
    key: str
    parameter: str
    value: float
    unit: str
    cited_value: float
    cited_unit: str
    region: str
    year: int | None
    source: Source
    uncertainty_pct: float | None
    note: str = ""

    @property
    def confidence(self) -> Confidence:
        """Confidence of the factor = that of its source."""
        return self.source.confidence

    @property
    def is_uncertain(self) -> bool:
        """Whether the factor is an [UNCERTAIN] option that reports must state."""
        return self.source.confidence is Confidence.UNCERTAIN or "[UNCERTAIN" in self.note

    @property
    def label_zh(self) -> str:
        """Chinese name, e.g. ``天然气 低位发热量``."""
        param = _PARAMETER_LABEL.get(self.parameter, (self.parameter, self.parameter))[0]
        return f"{_key_label(self.kind, self.key, zh=True)} {param}"

    @property
    def label_en(self) -> str:
        """English name, e.g. ``natural gas NCV``."""
        param = _PARAMETER_LABEL.get(self.parameter, (self.parameter, self.parameter))[1]
        return f"{_key_label(self.kind, self.key, zh=False)} {param}"

    @property
    def kind_label(self) -> tuple[str, str]:
        """(中文, English) label of the kind."""
        return _KIND_LABEL[self.kind]


def _key_label(kind: FactorKind, key: str, *, zh: bool) -> str:
    base, _, variant = key.partition("/")
    if kind in (FactorKind.STANDARD_COAL, FactorKind.FUEL, FactorKind.CONVERSION):
        try:
            carrier = Carrier(base)
        except ValueError:
            return key
        text = (
            CARRIER_LABEL_ZH[carrier]
            if zh
            else _CARRIER_LABEL_EN.get(carrier, carrier.value.replace("_", " "))
        )
        return f"{text}({variant})" if variant else text
    if kind is FactorKind.GRID_ELECTRICITY:
        return "电网电力" if zh else "grid electricity"
    if kind is FactorKind.HEAT:
        return "外购热力" if zh else "purchased heat"
    if kind is FactorKind.PROCESS and zh:
        return _PROCESS_LABEL_ZH.get(key, key)
    return key.replace("_", " ")


@dataclass(frozen=True, slots=True)
class FuelParameters:
    """燃料参数: NCV, carbon content and oxidation of one fuel, per its canonical unit.

    ``ef_tco2_per_unit`` = NCV × CC × OF × 44/12 (NDRC industry guidelines; GB/T 32150-2015),
    e.g. natural gas 0.038931 GJ/m³ × 0.0153 tC/GJ × 0.99 × 44/12 = 0.00216219 tCO2/m³.
    """

    carrier: Carrier
    ncv_gj_per_unit: float  # [GJ per canonical unit]
    cc_tc_per_gj: float  # [tC/GJ]
    oxidation: float  # [1]
    ef_tco2_per_unit: float  # [tCO2 per canonical unit]
    unit: str  # canonical unit of the carrier
    ncv: Factor
    cc: Factor
    of: Factor

    @property
    def factors(self) -> tuple[Factor, Factor, Factor]:
        """The three cited factors (NCV, CC, OF) for the line item's provenance."""
        return (self.ncv, self.cc, self.of)


_LookupKey = tuple[FactorKind, str, str, str, int | None]


def _lookup_key(f: Factor) -> _LookupKey:
    return (f.kind, f.key, f.parameter, f.region, f.year)


def _fmt_number(x: float | int | None) -> str:
    if x is None:
        return ""
    if isinstance(x, int) or float(x).is_integer():
        return str(int(x))
    return repr(float(x))


def content_csv(factors: Iterable[Factor]) -> str:
    """Self-contained CSV of ``factors`` (cited values, source columns inline), sorted by id.

    This text is what a set's ``sha256`` is computed over and what the store keeps.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CONTENT_COLUMNS)
    for f in sorted(factors, key=lambda x: x.id):
        s = f.source
        writer.writerow(
            [
                f.id,
                f.kind.value,
                f.key,
                f.parameter,
                _fmt_number(f.cited_value),
                f.cited_unit,
                f.region,
                _fmt_number(f.year),
                s.id,
                _fmt_number(f.uncertainty_pct),
                f.note,
                s.title,
                s.issuer,
                _fmt_number(s.year),
                s.table,
                s.url,
                s.confidence.value,
                s.number,
                s.date,
                s.published,
            ]
        )
    return buf.getvalue()


@dataclass(frozen=True, slots=True)
class FactorSet:
    """因子集: a named, versioned, immutable selection of factors (e.g. ``CN-park-2025`` ``2025.1``).

    Build one with :meth:`build` (computes ``sha256``), :func:`zeropark.factors.load_factor_set`
    or :func:`zeropark.factors.load_custom_csv`.
    """

    name: str
    version: str
    sha256: str  # of content_csv()
    factors: tuple[Factor, ...]  # sorted by id
    sources: tuple[Source, ...]  # sorted by id
    description: str = ""
    base: str | None = None  # "name@version" of the set a custom set overrides
    overrides: tuple[str, ...] = ()  # ids of base factors replaced by a custom set
    _by_id: dict[str, Factor] = field(init=False, repr=False, compare=False)
    _by_key: dict[_LookupKey, Factor] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {f.id: f for f in self.factors})
        object.__setattr__(self, "_by_key", {_lookup_key(f): f for f in self.factors})

    @classmethod
    def build(
        cls,
        name: str,
        version: str,
        factors: Iterable[Factor],
        sources: Iterable[Source],
        *,
        description: str = "",
        base: str | None = None,
        overrides: Iterable[str] = (),
    ) -> FactorSet:
        """Make a set from factors and sources; ``sha256`` is computed over :func:`content_csv`."""
        ordered = tuple(sorted(factors, key=lambda f: f.id))
        digest = hashlib.sha256(content_csv(ordered).encode("utf-8")).hexdigest()
        return cls(
            name=name,
            version=version,
            sha256=digest,
            factors=ordered,
            sources=tuple(sorted(sources, key=lambda s: s.id)),
            description=description,
            base=base,
            overrides=tuple(sorted(overrides)),
        )

    @property
    def label(self) -> str:
        """``name@version`` as reports print it."""
        return f"{self.name}@{self.version}"

    def content_csv(self) -> str:
        """The set as one self-contained CSV (what ``sha256`` is over, what the store keeps)."""
        return content_csv(self.factors)

    def _missing(self, what: str) -> FactorNotFound:
        return FactorNotFound(what, self.label)

    def _find(self, kind: FactorKind, key: str, parameter: str, region: str, year: int | None) -> Factor:
        found = self._by_key.get((kind, key, parameter, region, year))
        if found is None and year is None:
            # no year-less row: take the latest year of the same (kind, key, parameter, region)
            candidates = [
                f
                for f in self.factors
                if (f.kind, f.key, f.parameter, f.region) == (kind, key, parameter, region)
                and f.year is not None
            ]
            if candidates:
                found = max(candidates, key=lambda f: f.year or 0)
        if found is None:
            raise self._missing(self._describe(kind, key, parameter, region, year))
        return found

    def _describe(self, kind: FactorKind, key: str, parameter: str, region: str, year: int | None) -> str:
        years = sorted(
            {
                f.year
                for f in self.factors
                if (f.kind, f.key, f.parameter, f.region) == (kind, key, parameter, region)
                and f.year is not None
            }
        )
        text = f"{kind.value} '{key}' parameter '{parameter}'"
        if region:
            text += f" region '{region}'"
        if year is not None:
            text += f" year {year}"
        if years:
            text += f" (years available: {', '.join(map(str, years))})"
        return text

    def get(self, factor_id: str) -> Factor:
        """The factor with id ``factor_id``.

        Raises
        ------
        FactorNotFound
            If the set has no such id.
        """
        try:
            return self._by_id[factor_id]
        except KeyError:
            raise self._missing(f"id '{factor_id}'") from None

    def of_kind(self, kind: FactorKind) -> tuple[Factor, ...]:
        """All factors of ``kind``, sorted by id."""
        return tuple(f for f in self.factors if f.kind is kind)

    def fuel(self, carrier: Carrier) -> FuelParameters:
        """NCV, CC and OF of a fuel per its canonical unit, and the CO2 factor they give.

        Parameters
        ----------
        carrier : Carrier
            A fossil fuel.

        Returns
        -------
        FuelParameters
            ``ef_tco2_per_unit`` = NCV [GJ/unit] × CC [tC/GJ] × OF × 44/12.

        Raises
        ------
        FactorNotFound
            If one of the three parameters is missing for ``carrier``.
        """
        ncv = self._find(FactorKind.FUEL, carrier.value, "ncv", "", None)
        cc = self._find(FactorKind.FUEL, carrier.value, "cc", "", None)
        of = self._find(FactorKind.FUEL, carrier.value, "of", "", None)
        ef = ncv.value * cc.value * of.value * CO2_PER_C
        return FuelParameters(
            carrier=carrier,
            ncv_gj_per_unit=ncv.value,
            cc_tc_per_gj=cc.value,
            oxidation=of.value,
            ef_tco2_per_unit=ef,
            unit=CANONICAL_UNIT[carrier],
            ncv=ncv,
            cc=cc,
            of=of,
        )

    def grid_electricity(self, calibre: GridCalibre, year: int, region: str = NATIONAL) -> Factor:
        """MEE/NBS electricity CO2 factor [tCO2/MWh] of ``year`` (the data year, not publication year).

        Parameters
        ----------
        calibre : GridCalibre
            ``average``, ``excl_market_nonfossil`` or ``fossil``.
        year : int
            Data year of the factor (reporting year Y often uses the Y-2 factor: the caller decides).
        region : str
            ``全国`` (default), a grid region (``华东``) or a province (``河北``).

        Raises
        ------
        FactorNotFound
            If no factor exists for that calibre, year and region; the message lists the years held.
        """
        found = self._by_key.get(
            (FactorKind.GRID_ELECTRICITY, "electricity", GridCalibre(calibre).value, region, year)
        )
        if found is None:
            raise self._missing(
                self._describe(
                    FactorKind.GRID_ELECTRICITY, "electricity", GridCalibre(calibre).value, region, year
                )
            )
        return found

    def heat(self) -> Factor:
        """Purchased heat (steam, hot water) CO2 factor [tCO2/GJ] (default 0.11, GB/T 32150).

        Raises
        ------
        FactorNotFound
            If the set has no heat factor.
        """
        return self._find(FactorKind.HEAT, "heat", "ef", "", None)

    def standard_coal(
        self,
        carrier: Carrier,
        basis: StandardCoalBasis = "equivalent",
        year: int | None = None,
        variant: str | None = None,
    ) -> Factor:
        """Standard-coal coefficient [tce per canonical unit] (GB/T 2589-2020 Table A.1).

        Parameters
        ----------
        carrier : Carrier
            Energy carrier.
        basis : {"equivalent", "equal_value"}
            当量值 (calorific, default) or 等价值 (electricity: the year's supply coal rate).
        year : int, optional
            Needed for ``equal_value`` (per-year values, no fallback to another year: the caller
            chooses and states it). For ``equivalent`` a year-less row serves every year.
        variant : str, optional
            A variant of the carrier row, e.g. ``"oilfield"`` for 油田天然气 (1.3300 kgce/m³).

        Raises
        ------
        FactorNotFound
            If no coefficient exists (e.g. ``equal_value`` for a year not held).
        """
        key = carrier.value if not variant else f"{carrier.value}/{variant}"
        if year is None and basis == "equivalent":
            return self._find(FactorKind.STANDARD_COAL, key, basis, "", None)
        found = self._by_key.get((FactorKind.STANDARD_COAL, key, basis, "", year))
        if found is None and year is not None:
            found = self._by_key.get((FactorKind.STANDARD_COAL, key, basis, "", None))
        if found is None:
            raise self._missing(self._describe(FactorKind.STANDARD_COAL, key, basis, "", year))
        return found

    def gwp(self, gas: str, assessment: str = "AR6") -> Factor:
        """100-year global warming potential of ``gas`` (``CH4``, ``N2O``, ``SF6``, ``CH4_fossil``...).

        Raises
        ------
        FactorNotFound
            If the set has no value for that gas and assessment report.
        """
        return self._find(FactorKind.GWP, gas, assessment, "", None)

    def process(self, factor_id: str) -> Factor:
        """A process emission factor [tCO2/t] by id (e.g. ``process.limestone.cn``).

        Raises
        ------
        FactorNotFound
            If ``factor_id`` is not a process factor of the set.
        """
        found = self._by_id.get(factor_id)
        if found is None or found.kind is not FactorKind.PROCESS:
            ids = ", ".join(f.id for f in self.of_kind(FactorKind.PROCESS))
            raise self._missing(f"process factor '{factor_id}' (process factors held: {ids})")
        return found

    def steam_heat_content(self) -> Factor:
        """Named option DEFAULT_STEAM_HEAT: default heat of low-pressure steam [GJ/t].

        Use only when a supplier states steam in tonnes without pressure and temperature; otherwise
        :func:`zeropark.units.steam_heat_gj` (IAPWS-IF97).

        Raises
        ------
        FactorNotFound
            If the set has no such conversion.
        """
        return self._find(FactorKind.CONVERSION, "steam", "heat_content_default", "", None)
