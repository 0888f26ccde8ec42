"""Domain types shared by the core and the shell (DESIGN.md §3).

Every value here is a frozen, slotted dataclass or a ``StrEnum``: plain data with no I/O.
The store maps ORM rows to these types at its boundary; the core (``accounting``,
``indicators``, ``optimize``, ``forecast``) only ever sees these types.

Canonical units inside the core (DESIGN.md §3): electricity kWh, heat and fuel energy GJ,
solid and liquid fuels t, gaseous fuels m³ (converted from 10⁴ Nm³ at the boundary), water m³,
emissions tCO2e, energy consumption tce. Periods are local time (Asia/Shanghai); instants UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Carrier(StrEnum):
    """能源品种: an energy carrier or metered medium (classification of 核算方法 1.2a)."""

    ELECTRICITY = "electricity"
    NATURAL_GAS = "natural_gas"
    LNG = "lng"
    RAW_COAL = "raw_coal"
    CLEANED_COAL = "cleaned_coal"
    COKE = "coke"
    CRUDE_OIL = "crude_oil"
    FUEL_OIL = "fuel_oil"
    GASOLINE = "gasoline"
    KEROSENE = "kerosene"
    DIESEL = "diesel"
    LPG = "lpg"
    COKE_OVEN_GAS = "coke_oven_gas"
    BLAST_FURNACE_GAS = "blast_furnace_gas"
    CONVERTER_GAS = "converter_gas"
    STEAM = "steam"
    HOT_WATER = "hot_water"
    WATER = "water"
    MATERIAL = "material"  # a non-energy material of a process activity (limestone, clinker) [t]


#: Canonical unit of each carrier inside the core.
CANONICAL_UNIT: dict[Carrier, str] = {
    Carrier.ELECTRICITY: "kWh",
    Carrier.NATURAL_GAS: "m3",
    Carrier.LNG: "t",
    Carrier.RAW_COAL: "t",
    Carrier.CLEANED_COAL: "t",
    Carrier.COKE: "t",
    Carrier.CRUDE_OIL: "t",
    Carrier.FUEL_OIL: "t",
    Carrier.GASOLINE: "t",
    Carrier.KEROSENE: "t",
    Carrier.DIESEL: "t",
    Carrier.LPG: "t",
    Carrier.COKE_OVEN_GAS: "m3",
    Carrier.BLAST_FURNACE_GAS: "m3",
    Carrier.CONVERTER_GAS: "m3",
    Carrier.STEAM: "GJ",
    Carrier.HOT_WATER: "GJ",
    Carrier.WATER: "m3",
    Carrier.MATERIAL: "t",
}

#: Chinese labels for carriers (interface language is Chinese first).
CARRIER_LABEL_ZH: dict[Carrier, str] = {
    Carrier.ELECTRICITY: "电力",
    Carrier.NATURAL_GAS: "天然气",
    Carrier.LNG: "液化天然气",
    Carrier.RAW_COAL: "原煤",
    Carrier.CLEANED_COAL: "洗精煤",
    Carrier.COKE: "焦炭",
    Carrier.CRUDE_OIL: "原油",
    Carrier.FUEL_OIL: "燃料油",
    Carrier.GASOLINE: "汽油",
    Carrier.KEROSENE: "煤油",
    Carrier.DIESEL: "柴油",
    Carrier.LPG: "液化石油气",
    Carrier.COKE_OVEN_GAS: "焦炉煤气",
    Carrier.BLAST_FURNACE_GAS: "高炉煤气",
    Carrier.CONVERTER_GAS: "转炉煤气",
    Carrier.STEAM: "蒸汽",
    Carrier.HOT_WATER: "热水",
    Carrier.WATER: "水",
    Carrier.MATERIAL: "物料（工业过程）",
}

FOSSIL_FUELS: frozenset[Carrier] = frozenset(
    {
        Carrier.NATURAL_GAS,
        Carrier.LNG,
        Carrier.RAW_COAL,
        Carrier.CLEANED_COAL,
        Carrier.COKE,
        Carrier.CRUDE_OIL,
        Carrier.FUEL_OIL,
        Carrier.GASOLINE,
        Carrier.KEROSENE,
        Carrier.DIESEL,
        Carrier.LPG,
        Carrier.COKE_OVEN_GAS,
        Carrier.BLAST_FURNACE_GAS,
        Carrier.CONVERTER_GAS,
    }
)
HEAT_CARRIERS: frozenset[Carrier] = frozenset({Carrier.STEAM, Carrier.HOT_WATER})


class Direction(StrEnum):
    """计量方向 of a meter relative to its owner (or to the park boundary for boundary meters)."""

    IMPORT = "import"  # energy entering the park boundary from outside (grid, gas network)
    EXPORT = "export"  # energy leaving the park boundary (上网/外送)
    GENERATION = "generation"  # on-site generation (PV, wind, CHP output)
    CONSUMPTION = "consumption"  # consumption by the owner (submeters)


#: Generation technologies whose output is zero-carbon on-site clean energy (Flow.GENERATED).
RENEWABLE_TECHNOLOGIES: frozenset[str] = frozenset({"pv", "wind", "hydro"})
#: Known values of ``Meter.technology`` for GENERATION meters ("chp", "diesel" are fossil-fired).
GENERATION_TECHNOLOGIES: frozenset[str] = RENEWABLE_TECHNOLOGIES | {"chp", "diesel", "gas_turbine"}


class MeterKind(StrEnum):
    """Whether a meter reports a cumulative register (表底数) or interval values (区间量)."""

    CUMULATIVE = "cumulative"
    INTERVAL = "interval"


class Flow(StrEnum):
    """How an activity quantity enters the books (核算方法 1.2a; GHG Protocol scopes).

    - ``COMBUSTION``: fossil fuel burned as fuel (终端消费/发电/供热) — direct emissions.
    - ``FEEDSTOCK``: fossil energy used as raw material (用作原料、材料) — not combustion, 0 CO2.
    - ``PROCESS``: an industrial-process activity (e.g. t of limestone calcined) with a process
      factor named by ``factor_id`` — 工业生产过程 emissions.
    - ``PURCHASED``: electricity or heat bought from outside the park boundary (外购).
    - ``EXPORTED``: electricity or heat sent out of the park boundary (外送/上网).
    - ``GENERATED``: on-site renewable generation (PV, wind); its self-consumption is zero-carbon.
    - ``INTERNAL_PURCHASE``: electricity or heat an enterprise buys from a park facility (CHP steam,
      park PV). Shown in the enterprise view, eliminated at park level (counted once, as the fuel).
    - ``CONSUMED``: metered consumption of a carrier by an enterprise whose origin is the park
      grid (enterprise view: purchased; park view: already in PURCHASED at the boundary).
    - ``INTERNATIONAL_BUNKER``: fossil fuel used for international aviation and shipping
      (国际航空航海) inside the park: not deducted, but listed separately (核算方法 1.2a).
    """

    COMBUSTION = "combustion"
    FEEDSTOCK = "feedstock"
    PROCESS = "process"
    PURCHASED = "purchased"
    EXPORTED = "exported"
    GENERATED = "generated"
    INTERNAL_PURCHASE = "internal_purchase"
    CONSUMED = "consumed"
    INTERNATIONAL_BUNKER = "international_bunker"


#: Chinese labels for flows (how a quantity enters the books), for messages and pages.
FLOW_LABEL_ZH: dict[Flow, str] = {
    Flow.COMBUSTION: "化石燃料燃烧",
    Flow.FEEDSTOCK: "用作原料",
    Flow.PROCESS: "工业生产过程",
    Flow.PURCHASED: "外购",
    Flow.EXPORTED: "外送",
    Flow.GENERATED: "园区自发电",
    Flow.INTERNAL_PURCHASE: "园区内部转供",
    Flow.CONSUMED: "消费",
    Flow.INTERNATIONAL_BUNKER: "国际航空航海",
}


class ClaimKind(StrEnum):
    """绿电/绿证: the kind of green-power attribute instrument."""

    GEC = "gec"  # unbundled green electricity certificate 绿证, 1 GEC = 1 MWh
    GREEN_TRADE = "green_trade"  # 绿电交易 (bundled with GECs)
    DIRECT = "direct"  # 绿电直连 / 就近接入增量配电网


class Role(StrEnum):
    """User roles (DESIGN.md §7)."""

    ADMIN = "admin"
    PARK_MANAGER = "park_manager"
    ENTERPRISE = "enterprise"
    VERIFIER = "verifier"
    DEVICE = "device"
    #: 省级主管 (#20): reads every park of its province (``park.province``), writes none
    PROVINCE = "province"
    #: 园区运营集团 (#20): reads the parks named for it (``user_park``, any provinces), writes none
    GROUP = "group"


class Method(StrEnum):
    """Accounting method. The two are shown side by side, never mixed (DESIGN.md §4)."""

    NATIONAL = "national"  # 零碳园区碳排放核算方法（试行）
    GHG = "ghg"  # GHG Protocol corporate standard


@dataclass(frozen=True, slots=True)
class Park:
    """园区: the accounting boundary (红线范围)."""

    id: str
    name: str
    province: str  # e.g. "江苏"
    grid_region: str  # e.g. "华东"
    latitude: float
    longitude: float
    timezone: str = "Asia/Shanghai"
    is_demo: bool = False  # 示例数据


@dataclass(frozen=True, slots=True)
class Zone:
    """片区/园中园: a sub-area of a park."""

    id: str
    park_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Enterprise:
    """企业: a legal entity in the park (统一社会信用代码), or a public facility of the park operator."""

    id: str
    park_id: str
    name: str
    uscc: str
    industry_code: str  # GB/T 4754
    zone_id: str | None = None
    is_public_facility: bool = False  # 园区公共设施 (CHP, street lights, wastewater plant)
    value_added_10k_cny: float | None = None  # 工业增加值 [10⁴ CNY/year]


@dataclass(frozen=True, slots=True)
class Meter:
    """计量器具: one measuring point."""

    id: str
    park_id: str
    carrier: Carrier
    unit: str  # unit the meter reports in (converted to CANONICAL_UNIT at ingestion)
    direction: Direction
    kind: MeterKind
    enterprise_id: str | None = None  # None = park-owned (boundary or public facility)
    parent_id: str | None = None
    level: int = 1  # 计量层级 一/二/三级
    multiplier: float = 1.0  # CT/PT ratio
    accuracy_class: float = 1.0  # [%] e.g. 0.5S → 0.5
    rated_capacity: float | None = None  # [unit per hour] for plausibility checks (1.5×)
    name: str = ""
    interval_s: int = 3600  # expected reporting interval [s] (completeness = present / expected)
    gateway_id: str | None = None  # the 采集网关 allowed to write this meter
    technology: str = ""  # generation meters: one of GENERATION_TECHNOLOGIES ("pv", "wind", "chp", ...)
    register_max: float | None = None  # cumulative registers: value at which the register wraps to 0


@dataclass(frozen=True, slots=True)
class Reading:
    """计量数据: one value of one meter at one instant (UTC)."""

    meter_id: str
    ts_utc: datetime
    value: float
    quality: int = 0  # bit flags, see zeropark.timeseries.Quality


@dataclass(frozen=True, slots=True)
class ActivityRecord:
    """活动数据: a non-metered (or aggregated) quantity for a period, with its evidence."""

    id: str
    enterprise_id: str | None  # None = park public facility
    carrier: Carrier | None  # None for a process activity
    flow: Flow
    period_start: date  # local, inclusive
    period_end: date  # local, inclusive
    quantity: float  # in ``unit``
    unit: str
    factor_id: str | None = None  # for PROCESS (or a custom factor override)
    evidence: str = ""  # invoice number, file name, meter list
    uncertainty_pct: float = 2.0  # [%] half-width of the 95 % interval
    ncv_gj_per_unit: float | None = None  # enterprise-measured NCV (实测) overrides defaults
    carbon_content_tc_per_gj: float | None = None  # measured CC [tC/GJ]
    description: str = ""


@dataclass(frozen=True, slots=True)
class GreenPowerClaim:
    """绿电/绿证: a certificate or contract, claimable once (unique id) within its period."""

    id: str  # certificate or contract id, globally unique
    kind: ClaimKind
    mwh: float
    period_start: date
    period_end: date
    owner_enterprise_id: str | None  # None = the park operator
    claimed_year: int  # the reporting year it is claimed for
    source_meter_id: str | None = None  # generator meter, when on-site PV is certified


#: How a run of certificate serial numbers is written: ``HOB-0001..HOB-3000`` (also ``~``, ``～``, ``至``).
SERIAL_RANGE_SEPARATORS: tuple[str, ...] = ("..", "～", "~", "至")
#: Digits of a serial number kept (zero-padded to this width when stored, so text order = number order).
SERIAL_DIGITS = 30


@dataclass(frozen=True, slots=True)
class SerialRange:
    """A run of certificate serial numbers: ``prefix`` followed by every number first … last.

    ``HOB-0001..HOB-3000`` is ``SerialRange("HOB-", 1, 3000)``: 3 000 certificates. A single id
    ending in digits (``HOB-0042``) is a run of one. Two runs with the same prefix overlap when they
    share a number, whatever the zero-padding.
    """

    prefix: str
    first: int
    last: int
    width: int = field(default=0, compare=False)  # digits as written (zero padding), for display

    @property
    def count(self) -> int:
        """How many serial numbers the run holds."""
        return self.last - self.first + 1

    def overlaps(self, other: SerialRange) -> bool:
        """Whether the two runs share a serial number."""
        return self.prefix == other.prefix and self.first <= other.last and other.first <= self.last

    def shared(self, other: SerialRange) -> SerialRange:
        """The serial numbers both runs hold (call only when they overlap)."""
        lo, hi = max(self.first, other.first), min(self.last, other.last)
        return SerialRange(self.prefix, lo, hi, self.width)

    def __str__(self) -> str:
        one = f"{self.prefix}{str(self.first).zfill(self.width)}"
        return one if self.count == 1 else f"{one}..{self.prefix}{str(self.last).zfill(self.width)}"


def _split_serial(text: str) -> tuple[str, str]:
    digits = len(text) - len(text.rstrip("0123456789"))
    return text[: len(text) - digits], text[len(text) - digits :]


def serial_range(certificate_id: str) -> SerialRange | None:
    """The serial numbers a certificate id names, or ``None`` for an id that names none.

    ``..`` always marks a run and a malformed run is an error. ``~``, ``～`` and ``至`` mark a run
    only when both ends are serial numbers of one prefix (``HOB-0001~HOB-3000``); otherwise they are
    part of an ordinary id (``绿电合同2025年1月至6月``). An id without trailing digits, or with more
    than :data:`SERIAL_DIGITS` of them, is an ordinary id (a contract number): ``None``.

    Examples
    --------
    >>> serial_range("HOB-0001..HOB-3000")
    SerialRange(prefix='HOB-', first=1, last=3000, width=4)
    >>> serial_range("HOB-0042").count
    1
    >>> serial_range("PPA-2025-A") is None
    True
    >>> serial_range("绿电合同2025年1月至6月") is None
    True

    Raises
    ------
    ValueError
        A run whose two ends differ in prefix, do not end in digits (``..`` only), run backwards,
        or have more than :data:`SERIAL_DIGITS` digits; the message says what to write.
    """
    text = certificate_id.strip()
    sep = next((s for s in SERIAL_RANGE_SEPARATORS if s in text), None)
    if sep is None:
        prefix, digits = _split_serial(text)
        if not digits or len(digits) > SERIAL_DIGITS:
            return None
        return SerialRange(prefix, int(digits), int(digits), len(digits))
    low, _, high = (part.strip() for part in text.partition(sep))
    (p1, d1), (p2, d2) = _split_serial(low), _split_serial(high)
    if not d1 or not d2 or (p2 and p1 != p2):
        if sep != "..":
            return None  # '~' or '至' inside an ordinary id
        if not d1 or not d2:
            raise ValueError(
                f"'{text}': both ends of a range must end in the serial number, e.g. HOB-0001..HOB-3000"
            )
        raise ValueError(
            f"'{text}': the two ends have different prefixes ('{p1}', '{p2}'); write one run per row"
        )
    if max(len(d1), len(d2)) > SERIAL_DIGITS:
        raise ValueError(f"'{text}': a serial number has more than {SERIAL_DIGITS} digits")
    first, last = int(d1), int(d2)
    if last < first:
        raise ValueError(f"'{text}' runs backwards; write the lower serial number first")
    return SerialRange(p1, first, last, len(d1))


@dataclass(frozen=True, slots=True)
class Transfer:
    """共生交换/内部转供: energy a park facility sells to an enterprise inside the boundary."""

    id: str
    from_enterprise_id: str | None  # None = park operator (public facility)
    to_enterprise_id: str
    carrier: Carrier
    month: date  # first day of the local month
    quantity: float  # canonical unit of the carrier


@dataclass(frozen=True, slots=True)
class MonthlyQuantity:
    """An aggregated activity quantity: one carrier, one flow, one party, one local month.

    Produced by the store's aggregation (readings → intervals → months) and by activity records
    spread over months. ``evidence`` lists what it was made from (meter ids or record ids) so
    every line item traces back to readings or activity records.
    """

    enterprise_id: str | None  # None = park-level (boundary meters, public facilities)
    carrier: Carrier
    flow: Flow
    month: date  # first day of the local month
    quantity: float  # canonical unit of the carrier
    evidence: tuple[str, ...] = ()
    uncertainty_pct: float = 1.0  # [%] half-width of the 95 % interval of the quantity
    completeness: float = 1.0  # share of expected intervals present [0..1]
    factor_id: str | None = None  # PROCESS and overrides
    ncv_gj_per_unit: float | None = None
    carbon_content_tc_per_gj: float | None = None


@dataclass(frozen=True, slots=True)
class IndicatorData:
    """Guiding-indicator inputs reported by the park for a year (None = not reported)."""

    industrial_solid_waste_generated_t: float | None = None
    industrial_solid_waste_utilised_t: float | None = None
    waste_heat_available_gj: float | None = None
    waste_heat_utilised_gj: float | None = None
    water_total_use_m3: float | None = None
    water_reused_m3: float | None = None
    # product energy intensity: product code → (kgce per unit produced, grade-2 limit kgce/unit)
    product_energy_intensity: dict[str, tuple[float, float]] = field(default_factory=dict)
    value_added_10k_cny: float | None = None  # park 工业增加值 [10⁴ CNY]
    # indicator code → "flows" (computed from the symbiosis registry and meters) or "declared" (typed in)
    provenance: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SymbiosisClaim:
    """产业共生减排量 (memo): one party's share of a realised symbiosis exchange's avoided CO2 [tCO2/a].

    An exchange's avoided emissions ``exchange_tco2`` (``zeropark.symbiosis.accounting``) are
    claimed once, by its named ``allocation`` rule (``supplier``, ``receiver`` or ``split`` with
    ``supplier_share``); the claims of one exchange add up to ``exchange_tco2`` (the accounting
    refuses anything else: ``DoubleCountedSaving``). A claim is a memo item of the inventory: the
    saving is already inside the fuels the receiver no longer burns, so it is never deducted from
    the total again. ``enterprise_id`` is the claimant (``None``: a party of the park that is no
    enterprise); ``source_id``, ``sink_id``, ``delivered`` [``unit``/a], ``basis`` and
    ``metering_point`` trace it to the registry's flow.
    """

    exchange_id: str
    enterprise_id: str | None
    role: str  # "supplier" | "receiver"
    allocation: str  # "supplier" | "receiver" | "split"
    supplier_share: float
    tco2: float
    exchange_tco2: float
    source_id: str
    sink_id: str
    kind: str
    delivered: float
    unit: str
    basis: str
    metering_point: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "exchange_id": self.exchange_id,
            "enterprise_id": self.enterprise_id,
            "role": self.role,
            "allocation": self.allocation,
            "supplier_share": self.supplier_share,
            "tco2": self.tco2,
            "exchange_tco2": self.exchange_tco2,
            "source_id": self.source_id,
            "sink_id": self.sink_id,
            "kind": self.kind,
            "delivered": self.delivered,
            "unit": self.unit,
            "basis": self.basis,
            "metering_point": self.metering_point,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SymbiosisClaim:
        """Inverse of :meth:`to_dict`."""
        return cls(
            exchange_id=d["exchange_id"],
            enterprise_id=d["enterprise_id"],
            role=d["role"],
            allocation=d["allocation"],
            supplier_share=float(d["supplier_share"]),
            tco2=float(d["tco2"]),
            exchange_tco2=float(d["exchange_tco2"]),
            source_id=d["source_id"],
            sink_id=d["sink_id"],
            kind=d["kind"],
            delivered=float(d["delivered"]),
            unit=d["unit"],
            basis=d["basis"],
            metering_point=d.get("metering_point", ""),
        )


@dataclass(frozen=True, slots=True)
class AccountingInput:
    """Everything one accounting run needs, already aggregated: pure data, no I/O.

    ``hourly_*`` arrays (kWh per local hour of the year, length 8760 or 8784) feed the hourly
    (24/7) clean-energy matching; they may be empty when no hourly data exists, in which case the
    hourly share is reported as missing, never zero. ``hourly_of`` says whose profile they are:
    ``None`` the park's, an enterprise id that enterprise's own load and generation; the view of
    anyone else reports its hourly share as missing (not loaded). ``hourly_partial_hours``
    counts the hours left as gaps (NaN) because a meter of the arrays metered them only in part
    (``HourFlag.PARTIAL``: e.g. one half-hour of a 30-minute meter missing).
    """

    park: Park
    year: int
    enterprises: tuple[Enterprise, ...]
    quantities: tuple[MonthlyQuantity, ...]
    claims: tuple[GreenPowerClaim, ...] = ()
    transfers: tuple[Transfer, ...] = ()
    indicator_data: IndicatorData = field(default_factory=IndicatorData)
    hourly_load_kwh: tuple[float, ...] = ()
    hourly_onsite_clean_kwh: tuple[float, ...] = ()
    hourly_direct_green_kwh: tuple[float, ...] = ()
    hourly_contracted_green_kwh: tuple[float, ...] = ()
    zones: tuple[Zone, ...] = ()
    hourly_of: str | None = None
    hourly_partial_hours: int = 0
    #: Realised symbiosis exchanges' avoided CO2, by their allocation rule (memo, never deducted).
    symbiosis: tuple[SymbiosisClaim, ...] = ()


# --- benchmarks and admission (issue #15: 一套标杆 + 入园门槛) ---------------------------------


@dataclass(frozen=True, slots=True)
class ProductOutput:
    """产品产量: an enterprise's output of one product in a year (for product energy intensity).

    ``product`` is a code of the energy-limit table (:mod:`zeropark.roadmap.benchmarks`);
    ``quantity`` is in that row's output unit (t, kWh of IT equipment, ...). ``energy_tce`` is the
    energy of this product alone when the enterprise meters it (needed when it makes several
    products: the enterprise's accounted energy is then not split among them).
    """

    enterprise_id: str
    year: int
    product: str
    quantity: float
    unit: str
    energy_tce: float | None = None
    evidence: str = ""
