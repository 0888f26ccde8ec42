"""The demo park generator (示例数据): a deterministic, realistic park for trying zeropark.

Everything this module makes is example data and says so: the park is named
"示例零碳产业园（示例数据）", ``Park.is_demo`` is true, every enterprise name ends in "（示例）" and
every evidence string starts with "示例". Nothing here is a measurement of a real place.

Policy
------
- Deterministic: one seeded :class:`numpy.random.Generator` drives every random draw, in a fixed
  order, so the same ``seed`` and :class:`DemoSize` give the same data and the same
  :meth:`DemoPark.fingerprint`.
- Pure generation (:func:`generate`) is separate from writing (:func:`write_demo`): the first
  returns plain values, the second stores them through the store's repositories
  (``zeropark.store.repo``) and bulk readings path (``zeropark.store.readings``).
- Physics where it matters: rooftop PV output comes from pvlib (Ineichen clear sky at the site
  × a seeded clear-sky index, Erbs decomposition, isotropic transposition, Faiman cell
  temperature, PVWatts DC/AC); loads follow Chinese working days and 调休 from
  ``chinese_calendar`` with a Spring-Festival dip; the meter tree balances (children sum to
  their parent minus a small loss).
- Bad inputs (an unknown meter, a NaN, a future timestamp, a negative consumption, a green
  certificate claimed twice, ...) are kept apart in :class:`BadInputs` and are fed through the
  normal validation paths by :func:`feed_bad_inputs`, so a user sees them rejected or
  quarantined — never silently stored.

Size: the full demo is a park of realistic size for a national zero-carbon park applicant (a
provincial-level development zone): ≈ 30万 tce of comprehensive energy consumption a year, inside
the 20万–100万 tce band whose core indicator 单位能耗碳排放 is judged against ≤ 0.2 tCO2/tce
(910号 Annex 3; ACCOUNTING.md §1.1). In the 2025 base year it fails that threshold by a wide
margin, as a gas-and-grid park does; the story is the path from there. Tenant loads, steam, CHP,
fuels, process inputs, guiding-indicator inputs and value added are all sized for that scale; the
rooftop PV (≈ 21 MWp) and the 5 MW / 10 MWh battery are the park's first projects.

Site: a fictional park in 常州市武进区, 江苏 (华东 grid), 31.70 °N, 119.95 °E. Interval readings are
stamped at the *end* of their interval (hour or 15 min), in UTC, as ``zeropark.timeseries`` reads
them (the value at ``ts`` covers ``[ts − interval_s, ts)``); cumulative registers are the register
value at the instant.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
import numpy as np
import pandas as pd
import pvlib
from sqlalchemy import Engine, delete, select, update

from zeropark.errors import DataError
from zeropark.model import (
    ActivityRecord,
    Carrier,
    ClaimKind,
    Direction,
    Enterprise,
    Flow,
    GreenPowerClaim,
    IndicatorData,
    Meter,
    MeterKind,
    Park,
    Reading,
    Transfer,
    Zone,
)
from zeropark.store.db import transaction

log = logging.getLogger(__name__)

DEMO_LABEL = "示例数据"
PARK_ID = "demo-park"
PARK_NAME = "示例零碳产业园（示例数据）"
DEFAULT_SEED = 20250101
DEFAULT_YEAR = 2025  # national base year (基准年) of zero-carbon park plans

#: Site of the demo park: 常州市武进区 (a real-looking location; the park itself is fictional).
SITE_LATITUDE = 31.70
SITE_LONGITUDE = 119.95
SITE_ALTITUDE_M = 5.0
SITE_TZ = "Asia/Shanghai"

#: GB 32100-2015 统一社会信用代码 character set and weights (check digit, position 18).
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
#: GB 11714-1997 组织机构代码 weights (positions 9-17 of the USCC).
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
#: 行政区划代码 of 常州市武进区.
ADMIN_DIVISION_CODE = "320412"

#: Natural gas NCV used to turn CHP fuel energy into m³ [GJ/m³] (GB/T 2589-2020 App. A, 气田天然气
#: 35 544 kJ/m³). Only the demo's physics uses it; the accounting takes NCVs from the FactorSet.
GAS_NCV_GJ_PER_M3 = 0.035544


@dataclass(frozen=True, slots=True)
class DemoSize:
    """How big a demo to generate (tests use a small one).

    Parameters
    ----------
    n_enterprises : int
        Number of tenant enterprises (6 … 36); sectors are taken round-robin so that even a small
        park has chemicals, machinery, electronics, textiles, logistics and the data centre.
    max_submeters : int
        Largest number of workshop submeters (level 3) under one enterprise main meter.
    days : int | None
        Days of readings from 1 January; ``None`` = the whole year.
    boundary_15min : bool
        Whether the grid import/export boundary meters report every 15 min (else hourly).
    """

    n_enterprises: int = 32
    max_submeters: int = 9
    days: int | None = None
    boundary_15min: bool = True

    def __post_init__(self) -> None:
        if not 6 <= self.n_enterprises <= len(_ENTERPRISE_CATALOGUE):
            raise ValueError(
                f"n_enterprises must be between 6 and {len(_ENTERPRISE_CATALOGUE)}, "
                f"{self.n_enterprises} was given"
            )
        if self.max_submeters < 2:
            raise ValueError(f"max_submeters must be at least 2, {self.max_submeters} was given")
        if self.days is not None and not 1 <= self.days <= 366:
            raise ValueError(f"days must be between 1 and 366 (or None), {self.days} was given")


@dataclass(frozen=True, slots=True)
class MeterSeries:
    """Readings of one meter as arrays: ``ts_utc`` (datetime64[s], UTC, interval end) and ``values``.

    Values are in the meter's (canonical) unit, before the multiplier, as the meter reports them:
    interval energy for interval meters, the register for cumulative ones.
    """

    meter_id: str
    ts_utc: np.ndarray
    values: np.ndarray

    def readings(self) -> Iterator[Reading]:
        """The series as :class:`zeropark.model.Reading` values."""
        base = datetime(1970, 1, 1, tzinfo=UTC)
        seconds = self.ts_utc.astype("datetime64[s]").astype(np.int64)
        for s, v in zip(seconds.tolist(), self.values.tolist(), strict=True):
            yield Reading(self.meter_id, base + timedelta(seconds=s), v)


@dataclass(frozen=True, slots=True)
class PvArray:
    """One rooftop PV array of the park's distributed PV (园区屋顶分布式光伏)."""

    meter_id: str
    host_enterprise_id: str
    capacity_kwp: float  # [kWp] DC nameplate
    tilt_deg: float
    azimuth_deg: float  # pvlib convention: 180 = south


@dataclass(frozen=True, slots=True)
class BadInputs:
    """Deliberately wrong inputs that validation must catch (示例: 错误数据).

    ``readings_csv`` is a meter-readings export (header ``meter_id,ts,value``) fed to
    ``zeropark.ingest.files.import_readings``; ``enterprise_data`` is the YAML/JSON form of the
    enterprise workbook fed to ``zeropark.ingest.workbook.import_workbook``. Each entry of
    ``expected`` says what the platform must do with one bad row and why.
    """

    readings_csv: str
    enterprise_data: dict[str, Any]
    expected: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DemoPark:
    """A generated demo park: plain values, ready to be written by :func:`write_demo`."""

    seed: int
    year: int
    size: DemoSize
    park: Park
    zones: tuple[Zone, ...]
    enterprises: tuple[Enterprise, ...]
    meters: tuple[Meter, ...]
    series: tuple[MeterSeries, ...]
    activities: tuple[ActivityRecord, ...]
    claims: tuple[GreenPowerClaim, ...]
    transfers: tuple[Transfer, ...]
    indicator_data: IndicatorData
    pv_arrays: tuple[PvArray, ...]
    bad_inputs: BadInputs
    meter_intervals_s: dict[str, int] = field(default_factory=dict)

    @property
    def n_readings(self) -> int:
        """Total number of readings over all meters."""
        return sum(len(s.values) for s in self.series)

    @property
    def pv_capacity_kwp(self) -> float:
        """Installed rooftop PV [kWp]."""
        return sum(a.capacity_kwp for a in self.pv_arrays)

    def series_of(self, meter_id: str) -> MeterSeries:
        """The series of ``meter_id`` (raises KeyError naming the meter)."""
        for s in self.series:
            if s.meter_id == meter_id:
                return s
        raise KeyError(f"no series for meter '{meter_id}' in the demo park")

    def fingerprint(self) -> str:
        """SHA-256 over every generated value (metadata repr and reading bytes), in order."""
        h = hashlib.sha256()
        for part in (self.park, self.zones, self.enterprises, self.meters, self.activities):
            h.update(repr(part).encode())
        for part2 in (self.claims, self.transfers, self.indicator_data, self.pv_arrays):
            h.update(repr(part2).encode())
        for s in self.series:
            h.update(s.meter_id.encode())
            h.update(s.ts_utc.astype("datetime64[s]").astype(np.int64).tobytes())
            h.update(np.ascontiguousarray(s.values, dtype=np.float64).tobytes())
        h.update(self.bad_inputs.readings_csv.encode())
        h.update(repr(sorted(self.bad_inputs.enterprise_data.items())).encode())
        return h.hexdigest()


# --------------------------------------------------------------------------------------------
# Catalogue of tenants (names are invented and marked 示例; codes are GB/T 4754-2017 classes)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Tenant:
    name: str
    sector: str  # chemicals / machinery / electronics / textiles / logistics / datacentre
    industry_code: str
    zone: str
    annual_mwh: float  # electricity [MWh/year] (full-year, full-size demo)
    steam_gj_per_h: float = 0.0  # mean steam demand [GJ/h] (0 = none)
    shift: str = "two"  # continuous / three / two / day / logistics / datacentre
    workshops: tuple[str, ...] = ()


_ZONES = (
    ("A", "A区 精细化工片区"),
    ("B", "B区 高端装备片区"),
    ("C", "C区 电子信息片区"),
    ("D", "D区 纺织物流片区"),
)

_WS_CHEM = (
    "反应车间",
    "精馏车间",
    "干燥包装车间",
    "循环水站",
    "空压站",
    "罐区",
    "污水预处理",
    "办公楼",
    "化验室",
)
_WS_MACH = (
    "机加工车间",
    "焊接车间",
    "涂装车间",
    "装配车间",
    "热处理车间",
    "空压站",
    "仓库",
    "办公楼",
    "食堂",
)
_WS_ELEC = ("SMT车间", "洁净室", "测试车间", "组装车间", "冷冻站", "纯水站", "空压站", "办公楼", "仓库")
_WS_TEXT = ("纺纱车间", "织造车间", "印染车间", "定型车间", "空调站", "空压站", "污水站", "办公楼", "仓库")
_WS_LOGI = ("分拣中心", "冷库", "充电站", "办公楼", "维修车间", "月台照明", "仓库A", "仓库B", "食堂")
_WS_DC = (
    "IT机房A",
    "IT机房B",
    "IT机房C",
    "冷水机组",
    "UPS系统",
    "精密空调",
    "照明及辅助",
    "办公区",
    "柴发机房",
)

_ENTERPRISE_CATALOGUE: tuple[_Tenant, ...] = (
    _Tenant(
        "常武示例新材料有限公司（示例）", "chemicals", "2651", "A", 126_000, 42.0, "continuous", _WS_CHEM
    ),
    _Tenant("示例精密机械制造有限公司（示例）", "machinery", "3484", "B", 28_500, 0.0, "two", _WS_MACH),
    _Tenant("示例微电子科技有限公司（示例）", "electronics", "3982", "C", 93_000, 6.0, "three", _WS_ELEC),
    _Tenant("示例印染纺织有限公司（示例）", "textiles", "1713", "D", 42_000, 27.0, "three", _WS_TEXT),
    _Tenant("示例智慧物流有限公司（示例）", "logistics", "5920", "D", 5_400, 0.0, "logistics", _WS_LOGI),
    _Tenant("示例云数据中心有限公司（示例）", "datacentre", "6450", "C", 210_000, 0.0, "datacentre", _WS_DC),
    _Tenant("示例钙业化工有限公司（示例）", "chemicals", "2613", "A", 36_000, 18.0, "continuous", _WS_CHEM),
    _Tenant("示例泵阀制造有限公司（示例）", "machinery", "3441", "B", 18_600, 0.0, "two", _WS_MACH),
    _Tenant("示例光电器件有限公司（示例）", "electronics", "3976", "C", 54_000, 4.5, "three", _WS_ELEC),
    _Tenant("示例化纤织造有限公司（示例）", "textiles", "1752", "D", 33_000, 19.5, "three", _WS_TEXT),
    _Tenant("示例冷链仓储有限公司（示例）", "logistics", "5930", "D", 12_600, 0.0, "logistics", _WS_LOGI),
    _Tenant("示例涂料科技有限公司（示例）", "chemicals", "2641", "A", 24_000, 12.0, "continuous", _WS_CHEM),
    _Tenant("示例轴承有限公司（示例）", "machinery", "3452", "B", 22_200, 0.0, "two", _WS_MACH),
    _Tenant("示例传感器技术有限公司（示例）", "electronics", "3983", "C", 19_500, 0.0, "two", _WS_ELEC),
    _Tenant("示例棉纺有限公司（示例）", "textiles", "1711", "D", 27_000, 6.0, "three", _WS_TEXT),
    _Tenant("示例快运有限公司（示例）", "logistics", "5431", "D", 2_700, 0.0, "logistics", _WS_LOGI),
    _Tenant("示例有机化学品有限公司（示例）", "chemicals", "2614", "A", 78_000, 33.0, "continuous", _WS_CHEM),
    _Tenant("示例汽车零部件有限公司（示例）", "machinery", "3670", "B", 37_500, 0.0, "two", _WS_MACH),
    _Tenant("示例电子材料有限公司（示例）", "electronics", "3985", "C", 45_000, 7.5, "three", _WS_ELEC),
    _Tenant("示例针织服饰有限公司（示例）", "textiles", "1762", "D", 16_500, 9.0, "two", _WS_TEXT),
    _Tenant("示例供应链管理有限公司（示例）", "logistics", "5821", "D", 2_100, 0.0, "logistics", _WS_LOGI),
    _Tenant("示例化学助剂有限公司（示例）", "chemicals", "2661", "A", 28_500, 15.0, "continuous", _WS_CHEM),
    _Tenant("示例数控机床有限公司（示例）", "machinery", "3421", "B", 17_400, 0.0, "day", _WS_MACH),
    _Tenant("示例电路板有限公司（示例）", "electronics", "3982", "C", 66_000, 9.0, "three", _WS_ELEC),
    _Tenant("示例家纺有限公司（示例）", "textiles", "1810", "D", 9_600, 0.0, "day", _WS_TEXT),
    _Tenant(
        "示例专项化学用品有限公司（示例）", "chemicals", "2662", "A", 33_000, 13.5, "continuous", _WS_CHEM
    ),
    _Tenant("示例锅炉设备有限公司（示例）", "machinery", "3411", "B", 13_800, 0.0, "day", _WS_MACH),
    _Tenant("示例显示器件有限公司（示例）", "electronics", "3974", "C", 81_000, 6.0, "three", _WS_ELEC),
    _Tenant("示例钢结构有限公司（示例）", "machinery", "3311", "B", 11_700, 0.0, "day", _WS_MACH),
    _Tenant("示例电声器件有限公司（示例）", "electronics", "3984", "C", 14_400, 0.0, "two", _WS_ELEC),
    _Tenant("示例农机装备有限公司（示例）", "machinery", "3572", "B", 9_900, 0.0, "day", _WS_MACH),
    _Tenant("示例合成树脂有限公司（示例）", "chemicals", "2651", "A", 57_000, 24.0, "continuous", _WS_CHEM),
    _Tenant("示例无纺布有限公司（示例）", "textiles", "1781", "D", 12_300, 3.0, "three", _WS_TEXT),
    _Tenant("示例电池模组有限公司（示例）", "electronics", "3841", "C", 39_000, 0.0, "three", _WS_ELEC),
    _Tenant("示例液压件有限公司（示例）", "machinery", "3444", "B", 9_000, 0.0, "day", _WS_MACH),
    _Tenant("示例危化品仓储有限公司（示例）", "logistics", "5990", "A", 1_800, 0.0, "logistics", _WS_LOGI),
)

#: Public facilities of the park operator (园区公共设施): id suffix, name, GB/T 4754 code, zone.
_FACILITIES = (
    ("CHP", "园区热电中心（燃气热电联产，示例）", "4412", "A"),
    ("PV", "园区屋顶分布式光伏（示例）", "4416", None),
    ("BESS", "园区储能电站（示例）", "4420", "B"),
    ("WWTP", "园区污水处理厂（示例）", "4620", "D"),
    ("PUBLIC", "园区管委会及公共照明（示例）", "9222", None),
)

#: Annual electricity of the non-generating public facilities [MWh] (WWTP, admin + street lights).
_FACILITY_MWH = {"WWTP": 10_800.0, "PUBLIC": 3_600.0}

#: Gas CHP (gas turbine + heat-recovery steam generator) and auxiliary gas boiler.
CHP_HEAT_MAX_GJ_PER_H = 180.0  # HRSG steam output limit [GJ/h] (≈ 50 MWth; ≈ 41 MWe at full heat)
CHP_ELECTRIC_EFFICIENCY = 0.36  # [-] electricity / fuel (LHV)
CHP_HEAT_EFFICIENCY = 0.44  # [-] useful heat / fuel (LHV)
AUX_BOILER_EFFICIENCY = 0.92  # [-]
CHP_OWN_USE = 0.03  # share of CHP electricity used on site by the plant itself [-]
STEAM_NETWORK_LOSS = 0.06  # heat lost in the steam network [-]
BUS_LOSS = 0.005  # main transformer losses [-]
LINE_LOSS = 0.012  # park distribution losses, distribution total → enterprise main meters [-]
BESS_POWER_KW = 5_000.0
BESS_ENERGY_KWH = 10_000.0
BESS_EFFICIENCY = 0.92  # round trip [-]

#: Rooftop PV arrays: host tenant index (catalogue order), kWp, tilt, azimuth (pvlib, 180 = S).
_PV_ROOFS = (
    (0, 2_400.0, 10.0, 180.0),
    (1, 1_800.0, 20.0, 180.0),
    (2, 2_600.0, 10.0, 170.0),
    (3, 2_200.0, 18.0, 190.0),
    (4, 3_000.0, 5.0, 180.0),
    (7, 1_500.0, 20.0, 160.0),
    (8, 1_900.0, 10.0, 200.0),
    (9, 1_700.0, 15.0, 180.0),
    (10, 2_600.0, 5.0, 180.0),
    (12, 1_300.0, 20.0, 180.0),
)


FULL_SIZE = DemoSize()
SMALL_SIZE = DemoSize(n_enterprises=6, max_submeters=3, days=14)


# --------------------------------------------------------------------------------------------
# Small pure helpers
# --------------------------------------------------------------------------------------------


def _char_value(c: str) -> int:
    return int(c) if c.isdigit() else ord(c) - ord("A") + 10


def org_code_check(body8: str) -> str:
    """Check character of an 8-character 组织机构代码 body (GB 11714-1997).

    C9 = 11 − (Σ wᵢ·cᵢ mod 11), with 10 → 'X' and 11 → '0'.

    Examples
    --------
    >>> org_code_check("D2143569")
    '2'
    """
    s = sum(w * _char_value(c) for w, c in zip(ORG_CODE_WEIGHTS, body8, strict=True))
    c9 = 11 - s % 11
    return "X" if c9 == 10 else "0" if c9 == 11 else str(c9)


def uscc_check(body17: str) -> str:
    """Check character (position 18) of a 统一社会信用代码 (GB 32100-2015).

    C18 = 31 − (Σ wᵢ·cᵢ mod 31), 31 → '0', with the 31-character set without I, O, S, V, Z.

    Examples
    --------
    >>> uscc_check("91350100M000100Y4")
    '3'
    """
    s = sum(w * USCC_CHARSET.index(c) for w, c in zip(USCC_WEIGHTS, body17, strict=True))
    return USCC_CHARSET[(31 - s % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    """Whether ``code`` is an 18-character USCC with correct check characters."""
    if len(code) != 18 or any(c not in USCC_CHARSET for c in code):
        return False
    org = code[8:17]
    if not org[:8].isalnum() or org_code_check(org[:8]) != org[8]:
        return False
    return uscc_check(code[:17]) == code[17]


def make_uscc(rng: np.random.Generator) -> str:
    """A valid-format USCC (registration 9 = 工商, category 1 = enterprise, 常州武进).

    The organisation code body starts with "MA" like codes issued since 2015 and is otherwise
    random, so the code is well-formed but identifies nobody (示例).
    """
    digits = "0123456789"
    alnum = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "MA" + "".join(alnum[i] for i in rng.integers(0, len(alnum), 5)) + digits[rng.integers(0, 10)]
    org = body + org_code_check(body)
    head = "91" + ADMIN_DIVISION_CODE + org
    return head + uscc_check(head)


def local_hours(year: int, days: int | None) -> pd.DatetimeIndex:
    """Local (Asia/Shanghai) hour starts of the first ``days`` days of ``year`` (all if None)."""
    start = pd.Timestamp(year=year, month=1, day=1, tz=SITE_TZ)
    n_days = (pd.Timestamp(year=year + 1, month=1, day=1, tz=SITE_TZ) - start).days
    if days is not None:
        n_days = min(n_days, days)
    return pd.date_range(start, periods=24 * n_days, freq="1h")


def day_types(days: Sequence[date]) -> tuple[np.ndarray, np.ndarray]:
    """Per day: (is_workday, is_spring_festival_period) from ``chinese_calendar`` (调休 included).

    The Spring-Festival period is the official holiday plus the week before and after it, when
    many plants run down (春节前后停工).
    """
    workday = np.array([chinese_calendar.is_workday(d) for d in days], dtype=bool)
    festival = np.zeros(len(days), dtype=bool)
    for i, d in enumerate(days):
        on, name = chinese_calendar.get_holiday_detail(d)
        if on and name == chinese_calendar.Holiday.spring_festival.value:
            festival[max(0, i - 7) : i + 8] = True
    return workday, festival


def daily_temperature_c(doy: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Daily mean air temperature of the site [°C]: 常州 climatology (≈ 3 °C Jan, 28 °C Jul) + noise."""
    clim = 16.0 - 12.5 * np.cos(2 * np.pi * (doy - 18) / 365.0)
    noise = np.zeros(len(doy))
    eps = rng.normal(0.0, 1.6, len(doy))
    for i in range(len(doy)):  # AR(1) weather anomalies
        noise[i] = (0.75 * noise[i - 1] if i else 0.0) + eps[i]
    return clim + noise


# --------------------------------------------------------------------------------------------
# Loads
# --------------------------------------------------------------------------------------------


def _shift_shape(shift: str, hour: np.ndarray) -> np.ndarray:
    """Relative load by hour of day on a working day for a shift pattern (mean ≈ 1)."""
    h = hour.astype(float)
    if shift in ("continuous", "datacentre"):
        return 1.0 + 0.04 * np.sin(2 * np.pi * (h - 9) / 24)
    if shift == "three":
        return 1.0 + 0.08 * ((h >= 8) & (h < 20)) - 0.05 * ((h >= 0) & (h < 6))
    if shift == "two":
        return np.asarray(np.where((h >= 8) & (h < 24), 1.25, 0.35) - 0.1 * ((h >= 12) & (h < 13)))
    if shift == "day":
        return np.asarray(np.where((h >= 8) & (h < 17), 1.9, 0.3) - 0.5 * ((h >= 12) & (h < 13)))
    if shift == "logistics":
        return np.asarray(np.where((h >= 6) & (h < 22), 1.15, 0.6) + 0.35 * ((h >= 19) & (h < 23)))
    raise ValueError(f"unknown shift pattern '{shift}'")


def _nonworking_level(shift: str) -> tuple[float, float]:
    """(weekend/holiday level, Spring-Festival level) relative to a working day."""
    return {
        "continuous": (0.97, 0.85),
        "datacentre": (1.0, 0.98),
        "three": (0.8, 0.35),
        "two": (0.4, 0.2),
        "day": (0.25, 0.12),
        "logistics": (0.85, 0.45),
    }[shift]


def load_profile(
    tenant_shift: str,
    hour: np.ndarray,
    day_index: np.ndarray,
    workday: np.ndarray,
    festival: np.ndarray,
    temp_c: np.ndarray,
    cooling_share: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Unit-mean hourly load profile [-] of one enterprise over the generated hours.

    Working-day shape × (weekend/holiday and Spring-Festival levels) × (1 + cooling/heating
    sensitivity to the daily temperature) × multiplicative AR(1) noise.
    """
    shape = _shift_shape(tenant_shift, hour)
    off, fest = _nonworking_level(tenant_shift)
    flat = 1.0 + 0.0 * shape
    wd = workday[day_index]
    fs = festival[day_index]
    level = np.where(wd, shape, off * (flat + 0.3 * (shape - flat)))
    level = np.where(fs, np.minimum(level, fest * np.maximum(shape, 0.8)), level)
    t = temp_c[day_index]
    hvac = 1.0 + cooling_share * (np.maximum(t - 22.0, 0.0) / 8.0 + 0.4 * np.maximum(8.0 - t, 0.0) / 8.0)
    eps = rng.normal(0.0, 0.03, len(hour))
    ar = np.empty_like(eps)
    acc = 0.0
    for i, e in enumerate(eps.tolist()):
        acc = 0.8 * acc + e
        ar[i] = acc
    p = level * hvac * np.exp(ar)
    return np.asarray(p / p.mean())


def split_children(
    parent: np.ndarray, shares: np.ndarray, keep: float, rng: np.random.Generator
) -> np.ndarray:
    """Split a parent series into children that sum to ``keep × parent`` every interval.

    Parameters
    ----------
    parent : ndarray, shape (T,)
        Parent energy per interval [kWh].
    shares : ndarray, shape (K,)
        Mean share of each child (sums to 1).
    keep : float
        Share of the parent metered by the children; ``1 − keep`` is loss plus unmetered use.
    rng : numpy.random.Generator
        Source of the per-interval variation of the shares.

    Returns
    -------
    ndarray, shape (K, T)
        Child energies [kWh]; ``children.sum(axis=0) == keep * parent`` (to rounding).
    """
    w = shares[:, None] * np.exp(rng.normal(0.0, 0.12, (len(shares), len(parent))))
    w /= w.sum(axis=0, keepdims=True)
    return np.asarray(w * (keep * parent)[None, :])


# --------------------------------------------------------------------------------------------
# PV (pvlib)
# --------------------------------------------------------------------------------------------


def clear_sky_index(days: Sequence[date], rng: np.random.Generator) -> np.ndarray:
    """Seeded daily clear-sky index k = GHI / GHI_clear [-] for 江苏.

    Beta-distributed with a lower mean in the plum-rain season (梅雨, mid-June to mid-July) and
    winter; the annual mean ≈ 0.63 gives ≈ 1 300 kWh/m² GHI on the site, in line with the
    1 200–1 400 kWh/m² of 江苏 in China's solar resource maps (CMA, 风能太阳能资源年景公报).
    """
    doy = np.array([d.timetuple().tm_yday for d in days], dtype=float)
    mean = 0.64 - 0.06 * np.cos(2 * np.pi * (doy - 15) / 365.0)
    plum = (doy >= 166) & (doy <= 196)
    mean = np.where(plum, 0.48, mean)
    conc = 3.2
    return np.asarray(rng.beta(mean * conc, (1 - mean) * conc))


def pv_output_kwh(
    times_local: pd.DatetimeIndex,
    k_daily: np.ndarray,
    temp_c_hourly: np.ndarray,
    arrays: Sequence[PvArray],
    rng: np.random.Generator,
) -> np.ndarray:
    """Hourly AC energy of each array [kWh], shape (len(arrays), T).

    Notes
    -----
    GHI = GHI_clear (Ineichen, Linke turbidity climatology) × k, k the daily index times an
    hourly perturbation; DNI/DHI by Erbs; plane-of-array by the isotropic sky model; cell
    temperature by Faiman; DC by PVWatts (γ = −0.0037 /K), 10 % DC losses (soiling, wiring,
    mismatch), AC by the PVWatts inverter (η_nom = 0.97). Interval-start labels: the sun
    position is taken at the middle of each hour.

    References
    ----------
    .. [1] Holmgren, Hansen, Mikofski, 2018, "pvlib python", JOSS 3(29), 884.
    .. [2] Dobos, 2014, "PVWatts Version 5 Manual", NREL/TP-6A20-62641.
    """
    loc = pvlib.location.Location(SITE_LATITUDE, SITE_LONGITUDE, SITE_TZ, SITE_ALTITUDE_M, "demo")
    mid = times_local + pd.Timedelta(minutes=30)
    solpos = loc.get_solarposition(mid)
    clear = loc.get_clearsky(mid, solar_position=solpos)
    day_index = np.repeat(np.arange(len(k_daily)), 24)[: len(mid)]
    k = k_daily[day_index] * np.exp(rng.normal(0.0, 0.18, len(mid)))
    k = np.clip(k, 0.05, 1.08)
    ghi = clear["ghi"].to_numpy() * k
    erbs = pvlib.irradiance.erbs(ghi, solpos["zenith"].to_numpy(), mid)
    out = np.zeros((len(arrays), len(mid)))
    for i, a in enumerate(arrays):
        poa = pvlib.irradiance.get_total_irradiance(
            a.tilt_deg,
            a.azimuth_deg,
            solpos["apparent_zenith"].to_numpy(),
            solpos["azimuth"].to_numpy(),
            np.asarray(erbs["dni"]),
            ghi,
            np.asarray(erbs["dhi"]),
        )
        poa_global = np.nan_to_num(np.asarray(poa["poa_global"], dtype=float))
        t_cell = pvlib.temperature.faiman(poa_global, temp_c_hourly, wind_speed=2.0)
        pdc = pvlib.pvsystem.pvwatts_dc(poa_global, t_cell, a.capacity_kwp * 1000.0, -0.0037) * 0.90
        pac = pvlib.inverter.pvwatts(pdc, a.capacity_kwp * 1000.0 / 1.1, eta_inv_nom=0.97)
        out[i] = np.clip(np.nan_to_num(np.asarray(pac, dtype=float)), 0.0, None) / 1000.0
    return out


def battery_schedule(hour: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Charge and discharge energy of the battery per hour [kWh] (one cycle a day).

    Rule-based: charge in the 江苏 valley hours (00:00–04:00 at 2.5 MW, 10 MWh delivered to the
    cells less losses), discharge in the evening peak (18:00–21:00); the round-trip efficiency is
    :data:`BESS_EFFICIENCY`.
    """
    charge = np.where(hour < 4, BESS_ENERGY_KWH / 4.0, 0.0)
    discharge = np.where((hour >= 18) & (hour < 22), BESS_ENERGY_KWH * BESS_EFFICIENCY / 4.0, 0.0)
    return charge, discharge


# --------------------------------------------------------------------------------------------
# Generator
# --------------------------------------------------------------------------------------------


def _register(
    interval_values: np.ndarray, start: float, rollover_at: float | None, decimals: int = 2
) -> np.ndarray:
    """Register values at interval boundaries (len T+1) from interval energies; may roll over."""
    reg = start + np.concatenate([[0.0], np.cumsum(interval_values)])
    if rollover_at is not None:
        reg = np.mod(reg, rollover_at)
    return np.round(reg, decimals)


@dataclass
class _Builder:
    """Mutable accumulator used only inside :func:`generate`."""

    park_id: str
    meters: list[Meter] = field(default_factory=list)
    series: list[MeterSeries] = field(default_factory=list)
    intervals: dict[str, int] = field(default_factory=dict)

    def add(
        self,
        meter: Meter,
        values: np.ndarray,
        ts_hours_utc: np.ndarray,
        *,
        register_start: float | None = None,
        rollover_at: float | None = None,
        interval_s: int = 3600,
    ) -> None:
        """Add a meter and its readings (interval energies, or a register if cumulative)."""
        meter = replace(meter, interval_s=interval_s, register_max=rollover_at)
        if meter.kind == MeterKind.CUMULATIVE:
            step = np.timedelta64(interval_s, "s")
            ts = np.concatenate([ts_hours_utc, [ts_hours_utc[-1] + step]])
            vals = _register(values / meter.multiplier, register_start or 0.0, rollover_at)
        else:  # an interval value is stamped at the END of its interval, [ts − interval_s, ts)
            ts = ts_hours_utc + np.timedelta64(interval_s, "s")
            vals = np.round(values / meter.multiplier, 3)
        self.meters.append(meter)
        self.series.append(MeterSeries(meter.id, ts, vals))
        self.intervals[meter.id] = interval_s


def generate(seed: int = DEFAULT_SEED, size: DemoSize = FULL_SIZE, year: int = DEFAULT_YEAR) -> DemoPark:
    """Generate the demo park (pure: no I/O). Same ``seed`` and ``size`` → same data.

    Parameters
    ----------
    seed : int
        Seed of the single :class:`numpy.random.Generator`.
    size : DemoSize
        Number of enterprises, submeters and days.
    year : int
        Calendar year of the readings and activity data (default 2025, the national base year).
    """
    rng = np.random.default_rng(seed)
    pid = PARK_ID
    park = Park(pid, PARK_NAME, "江苏", "华东", SITE_LATITUDE, SITE_LONGITUDE, SITE_TZ, is_demo=True)
    zones = tuple(Zone(f"{pid}-Z{code}", pid, f"{name}（示例）") for code, name in _ZONES)
    zone_id = {code: f"{pid}-Z{code}" for code, _ in _ZONES}

    tenants = _pick_tenants(size.n_enterprises)
    enterprises: list[Enterprise] = []
    for i, t in enumerate(tenants, start=1):
        va = round(float(t.annual_mwh * rng.uniform(0.9, 2.2)), 1)  # 工业增加值 [10⁴ CNY]
        enterprises.append(
            Enterprise(
                f"{pid}-E{i:02d}", pid, t.name, make_uscc(rng), t.industry_code, zone_id[t.zone], False, va
            )
        )
    facilities = {
        key: Enterprise(
            f"{pid}-F-{key}", pid, name, make_uscc(rng), code, zone_id[z] if z else None, True, None
        )
        for key, name, code, z in _FACILITIES
    }

    hours = local_hours(year, size.days)
    T = len(hours)
    ts_utc = hours.tz_convert("UTC").tz_localize(None).to_numpy().astype("datetime64[s]")
    day_list = sorted({d.date() for d in hours})
    day_index = np.repeat(np.arange(len(day_list)), 24)[:T]
    hour = hours.hour.to_numpy()
    workday, festival = day_types(day_list)
    doy = np.array([d.timetuple().tm_yday for d in day_list], dtype=float)
    temp_daily = daily_temperature_c(doy, rng)
    temp_hourly = temp_daily[day_index] + 4.0 * np.sin(2 * np.pi * (hour - 9) / 24)

    b = _Builder(pid)
    elec = Carrier.ELECTRICITY

    # --- enterprise loads: main meters (level 2) and workshop submeters (level 3) -------------
    mains: list[np.ndarray] = []
    steam_loads: dict[str, np.ndarray] = {}
    dist_id = f"{pid}-EL-DIST"
    rollover_done = False
    for i, (t, ent) in enumerate(zip(tenants, enterprises, strict=True)):
        cooling = 0.35 if t.sector == "datacentre" else float(rng.uniform(0.08, 0.25))
        prof = load_profile(t.shift, hour, day_index, workday, festival, temp_daily, cooling, rng)
        main_kwh = prof * t.annual_mwh * 1000.0 / 8760.0
        mains.append(main_kwh)
        cumulative = i % 4 == 3
        main_id = f"{ent.id}-EL"
        multiplier = 120.0 if cumulative else 1.0  # CT 600/5 on register meters
        rollover = None
        reg_start = float(rng.uniform(1_000, 400_000))
        if cumulative and not rollover_done:
            # a 6-digit register close to its end: it rolls over once during the year
            rollover, reg_start, rollover_done = (
                1_000_000.0,
                999_999.0 - main_kwh[:48].sum() / multiplier / 2,
                True,
            )
        main = Meter(
            main_id,
            pid,
            elec,
            "kWh",
            Direction.CONSUMPTION,
            MeterKind.CUMULATIVE if cumulative else MeterKind.INTERVAL,
            ent.id,
            dist_id,
            2,
            multiplier,
            0.5,
            float(main_kwh.max() * 1.6),
            f"{t.name} 总表",
        )
        b.add(main, main_kwh, ts_utc, register_start=reg_start, rollover_at=rollover)
        n_sub = int(rng.integers(max(2, size.max_submeters - 4), size.max_submeters + 1))
        shares = rng.dirichlet(np.full(n_sub, 3.0))
        keep = 1.0 - float(rng.uniform(0.01, 0.04))  # unmetered use + cable losses
        subs = split_children(main_kwh, shares, keep, rng)
        for j in range(n_sub):
            sub_kind = MeterKind.CUMULATIVE if cumulative else MeterKind.INTERVAL
            sub = Meter(
                f"{ent.id}-EL-{j + 1:02d}",
                pid,
                elec,
                "kWh",
                Direction.CONSUMPTION,
                sub_kind,
                ent.id,
                main_id,
                3,
                1.0,
                1.0,
                float(subs[j].max() * 1.6),
                f"{t.workshops[j]}",
            )
            b.add(sub, subs[j], ts_utc, register_start=float(rng.uniform(0, 90_000)))
        if t.steam_gj_per_h > 0:
            steam_loads[ent.id] = t.steam_gj_per_h * (0.6 + 0.4 * prof)

    # --- public facility loads (WWTP, admin/street lights) -------------------------------------
    for key, mwh in _FACILITY_MWH.items():
        fac = facilities[key]
        shift = "continuous" if key == "WWTP" else "day"
        prof = load_profile(shift, hour, day_index, workday, festival, temp_daily, 0.1, rng)
        if key == "PUBLIC":  # street lights at night
            prof = prof + 1.5 * ((hour >= 18) | (hour < 6))
            prof = prof / prof.mean()
        kwh = prof * mwh * 1000.0 / 8760.0
        mains.append(kwh)
        m = Meter(
            f"{fac.id}-EL",
            pid,
            elec,
            "kWh",
            Direction.CONSUMPTION,
            MeterKind.INTERVAL,
            fac.id,
            dist_id,
            2,
            1.0,
            0.5,
            float(kwh.max() * 1.6),
            f"{fac.name} 总表",
        )
        b.add(m, kwh, ts_utc)

    # --- steam network: CHP + auxiliary boiler → enterprise steam meters ----------------------
    chp = facilities["CHP"]
    steam_ids = sorted(steam_loads)
    steam_total = np.sum([steam_loads[e] for e in steam_ids], axis=0) if steam_ids else np.zeros(T)
    steam_sendout = steam_total / (1.0 - STEAM_NETWORK_LOSS)
    chp_heat = np.minimum(steam_sendout, CHP_HEAT_MAX_GJ_PER_H)
    aux_heat = steam_sendout - chp_heat
    chp_fuel_gj = chp_heat / CHP_HEAT_EFFICIENCY
    chp_elec_kwh = chp_fuel_gj * CHP_ELECTRIC_EFFICIENCY / 0.0036
    aux_fuel_gj = aux_heat / AUX_BOILER_EFFICIENCY
    steam_out_id = f"{chp.id}-ST-OUT"
    b.add(
        Meter(
            steam_out_id,
            pid,
            Carrier.STEAM,
            "GJ",
            Direction.GENERATION,
            MeterKind.INTERVAL,
            chp.id,
            None,
            1,
            1.0,
            2.0,
            CHP_HEAT_MAX_GJ_PER_H * 2.5,
            "热电中心 蒸汽出口总表",
        ),
        steam_sendout,
        ts_utc,
    )
    for eid in steam_ids:
        b.add(
            Meter(
                f"{eid}-ST",
                pid,
                Carrier.STEAM,
                "GJ",
                Direction.CONSUMPTION,
                MeterKind.INTERVAL,
                eid,
                steam_out_id,
                2,
                1.0,
                2.0,
                float(steam_loads[eid].max() * 1.6),
                "蒸汽入厂表",
            ),
            steam_loads[eid],
            ts_utc,
        )
    gas_main_id = f"{chp.id}-NG"
    gas_chp_m3 = chp_fuel_gj / GAS_NCV_GJ_PER_M3
    gas_aux_m3 = aux_fuel_gj / GAS_NCV_GJ_PER_M3
    b.add(
        Meter(
            gas_main_id,
            pid,
            Carrier.NATURAL_GAS,
            "m3",
            Direction.CONSUMPTION,
            MeterKind.CUMULATIVE,
            chp.id,
            None,
            1,
            1.0,
            1.0,
            float((gas_chp_m3 + gas_aux_m3).max() * 1.5),
            "热电中心 天然气总表（门站）",
        ),
        gas_chp_m3 + gas_aux_m3,
        ts_utc,
        register_start=float(rng.uniform(1e6, 5e6)),
    )
    b.add(
        Meter(
            f"{chp.id}-NG-GT",
            pid,
            Carrier.NATURAL_GAS,
            "m3",
            Direction.CONSUMPTION,
            MeterKind.CUMULATIVE,
            chp.id,
            gas_main_id,
            2,
            1.0,
            1.0,
            float(gas_chp_m3.max() * 1.5),
            "燃气轮机 天然气表",
        ),
        gas_chp_m3 * 0.998,
        ts_utc,
        register_start=float(rng.uniform(1e6, 5e6)),
    )
    b.add(
        Meter(
            f"{chp.id}-NG-AUX",
            pid,
            Carrier.NATURAL_GAS,
            "m3",
            Direction.CONSUMPTION,
            MeterKind.CUMULATIVE,
            chp.id,
            gas_main_id,
            2,
            1.0,
            1.0,
            float(max(gas_aux_m3.max(), 1.0) * 1.5),
            "辅助燃气锅炉 天然气表",
        ),
        gas_aux_m3 * 0.998,
        ts_utc,
        register_start=float(rng.uniform(1e5, 9e5)),
    )
    b.add(
        Meter(
            f"{chp.id}-EL-GEN",
            pid,
            elec,
            "kWh",
            Direction.GENERATION,
            MeterKind.INTERVAL,
            chp.id,
            None,
            1,
            1.0,
            0.2,
            float(chp_elec_kwh.max() * 1.3),
            "燃机发电机出口表",
            technology="chp",
        ),
        chp_elec_kwh * (1.0 - CHP_OWN_USE),
        ts_utc,
    )

    # --- PV arrays (pvlib) -------------------------------------------------------------------
    pv_fac = facilities["PV"]
    arrays = tuple(
        PvArray(
            f"{pv_fac.id}-PV-{n + 1:02d}",
            enterprises[idx].id if idx < len(enterprises) else pv_fac.id,
            kwp,
            tilt,
            az,
        )
        for n, (idx, kwp, tilt, az) in enumerate(_PV_ROOFS)
    )
    k_daily = clear_sky_index(day_list, rng)
    pv = pv_output_kwh(hours, k_daily, temp_hourly, arrays, rng)
    pv_total_id = f"{pv_fac.id}-PV-TOTAL"
    pv_sum = pv.sum(axis=0)
    b.add(
        Meter(
            pv_total_id,
            pid,
            elec,
            "kWh",
            Direction.GENERATION,
            MeterKind.INTERVAL,
            pv_fac.id,
            None,
            1,
            1.0,
            0.5,
            sum(a.capacity_kwp for a in arrays) * 1.1,
            "屋顶光伏 并网总表",
            technology="pv",
        ),
        pv_sum,
        ts_utc,
    )
    for a, series in zip(arrays, pv, strict=True):
        b.add(
            Meter(
                a.meter_id,
                pid,
                elec,
                "kWh",
                Direction.GENERATION,
                MeterKind.INTERVAL,
                pv_fac.id,
                pv_total_id,
                2,
                1.0,
                0.5,
                a.capacity_kwp * 1.1,
                f"屋顶光伏 {a.capacity_kwp:.0f} kWp（{a.host_enterprise_id} 屋顶）",
                technology="pv",
            ),
            series / (1.0 - 0.003),
            ts_utc,  # array meters before the 0.3 % collection-line loss
        )

    # --- battery ---------------------------------------------------------------------------
    bess = facilities["BESS"]
    charge, discharge = battery_schedule(hour)
    b.add(
        Meter(
            f"{bess.id}-EL-CH",
            pid,
            elec,
            "kWh",
            Direction.CONSUMPTION,
            MeterKind.INTERVAL,
            bess.id,
            dist_id,
            2,
            1.0,
            0.5,
            BESS_POWER_KW * 1.1,
            "储能 充电表",
        ),
        charge,
        ts_utc,
    )
    b.add(
        Meter(
            f"{bess.id}-EL-DIS",
            pid,
            elec,
            "kWh",
            Direction.GENERATION,
            MeterKind.INTERVAL,
            bess.id,
            None,
            1,
            1.0,
            0.5,
            BESS_POWER_KW * 1.1,
            "储能 放电表",
        ),
        discharge,
        ts_utc,
    )

    # --- park distribution total (level 1) and grid boundary -----------------------------------
    children_total = np.sum(mains, axis=0) + charge
    dist_total = children_total / (1.0 - LINE_LOSS)
    b.add(
        Meter(
            dist_id,
            pid,
            elec,
            "kWh",
            Direction.CONSUMPTION,
            MeterKind.INTERVAL,
            None,
            None,
            1,
            1.0,
            0.2,
            float(dist_total.max() * 1.5),
            "园区10kV配电 总出线表",
        ),
        dist_total,
        ts_utc,
    )
    net_kwh = dist_total / (1.0 - BUS_LOSS) - pv_sum - chp_elec_kwh * (1.0 - CHP_OWN_USE) - discharge
    _add_boundary(b, pid, net_kwh, ts_utc, size.boundary_15min, rng)

    # --- water (cumulative registers) -----------------------------------------------------------
    water_parent = f"{pid}-WA-IN"
    water_children = []
    for t, ent in zip(tenants, enterprises, strict=True):
        per_mwh = {"chemicals": 4.0, "textiles": 9.0, "electronics": 2.5, "datacentre": 1.2}.get(
            t.sector, 0.6
        )
        w = mains[enterprises.index(ent)] / 1000.0 * per_mwh * rng.uniform(0.8, 1.2)
        water_children.append(w)
        b.add(
            Meter(
                f"{ent.id}-WA",
                pid,
                Carrier.WATER,
                "m3",
                Direction.CONSUMPTION,
                MeterKind.CUMULATIVE,
                ent.id,
                water_parent,
                2,
                1.0,
                2.0,
                float(w.max() * 2.0),
                "自来水入厂表",
            ),
            w,
            ts_utc,
            register_start=float(rng.uniform(1_000, 80_000)),
        )
    water_in = np.sum(water_children, axis=0) / (1.0 - 0.02)
    b.add(
        Meter(
            water_parent,
            pid,
            Carrier.WATER,
            "m3",
            Direction.IMPORT,
            MeterKind.CUMULATIVE,
            None,
            None,
            1,
            1.0,
            2.0,
            float(water_in.max() * 2.0),
            "园区供水 总表",
        ),
        water_in,
        ts_utc,
        register_start=float(rng.uniform(1e5, 9e5)),
    )

    # --- activity data, transfers, green claims, indicator data ---------------------------------
    months = sorted({date(d.year, d.month, 1) for d in day_list})
    month_index = np.array([(d.month - 1) for d in hours])
    monthly_prod = {
        ent.id: np.array([mains[i][month_index == m.month - 1].sum() for m in months])
        for i, ent in enumerate(enterprises)
    }
    activities = _activities(tenants, enterprises, facilities, months, monthly_prod, rng)
    transfers = tuple(
        Transfer(
            f"{pid}-TR-ST-{eid.rsplit('-', 1)[-1]}-{m:%Y%m}",
            chp.id,
            eid,
            Carrier.STEAM,
            m,
            round(float(steam_loads[eid][month_index == m.month - 1].sum()), 3),
        )
        for eid in steam_ids
        for m in months
    )
    transfers += _chp_electricity_transfers(
        pid,
        chp.id,
        [*enterprises, *(facilities[k] for k in _FACILITY_MWH)],
        mains,
        chp_elec_kwh * (1.0 - CHP_OWN_USE),
        months,
        month_index,
    )
    claims = _claims(pid, year, enterprises, tenants, months, len(day_list) / 365.0, rng)
    indicator = _indicator_data(tenants, enterprises, float(np.sum(water_children)), len(day_list), rng)

    meters = tuple(b.meters)
    bad = _bad_inputs(pid, year, enterprises, claims, meters)
    return DemoPark(
        seed=seed,
        year=year,
        size=size,
        park=park,
        zones=zones,
        enterprises=tuple(enterprises) + tuple(facilities.values()),
        meters=meters,
        series=tuple(b.series),
        activities=activities,
        claims=claims,
        transfers=transfers,
        indicator_data=indicator,
        pv_arrays=arrays,
        bad_inputs=bad,
        meter_intervals_s=dict(b.intervals),
    )


def _chp_electricity_transfers(
    pid: str,
    chp_id: str,
    consumers: Sequence[Enterprise],
    mains: Sequence[np.ndarray],
    chp_out_kwh: np.ndarray,
    months: Sequence[date],
    month_index: np.ndarray,
) -> tuple[Transfer, ...]:
    """CHP electricity sold to consumers over the park grid (内部转供), monthly, pro rata to use.

    Every hour the CHP's net output is shared among the main meters in proportion to their
    consumption (the park grid mixes it with grid and PV supply); the month's sum per consumer is
    its transfer. The enterprise view shows it as electricity bought inside the park; the park
    counts the CHP's gas once.
    """
    load = np.sum(mains, axis=0)
    share = np.divide(chp_out_kwh, load, out=np.zeros_like(load), where=load > 0)
    out: list[Transfer] = []
    for ent, kwh in zip(consumers, mains, strict=True):
        got = kwh * np.minimum(share, 1.0)
        for m in months:
            q = round(float(got[month_index == m.month - 1].sum()), 3)
            if q > 0:
                out.append(
                    Transfer(
                        f"{pid}-TR-EL-{ent.id.rsplit('-', 1)[-1]}-{m:%Y%m}",
                        chp_id,
                        ent.id,
                        Carrier.ELECTRICITY,
                        m,
                        q,
                    )
                )
    return tuple(out)


def _pick_tenants(n: int) -> list[_Tenant]:
    """The first ``n`` tenants of the catalogue; the catalogue opens with one of each sector."""
    return list(_ENTERPRISE_CATALOGUE[:n])


def _add_boundary(
    b: _Builder, pid: str, net_kwh: np.ndarray, ts_utc: np.ndarray, quarter: bool, rng: np.random.Generator
) -> None:
    """Grid import and export boundary meters (关口表) from the hourly net exchange [kWh]."""
    if quarter:
        w = np.exp(rng.normal(0.0, 0.05, (len(net_kwh), 4)))
        w /= w.sum(axis=1, keepdims=True)
        net = (net_kwh[:, None] * w).ravel()
        ts = (ts_utc[:, None] + np.arange(4) * np.timedelta64(900, "s")).ravel()
        interval = 900
    else:
        net, ts, interval = net_kwh, ts_utc, 3600
    peak = float(np.abs(net).max() * 3600 / interval * 1.5) or 1.0
    b.add(
        Meter(
            f"{pid}-EL-IMP",
            pid,
            Carrier.ELECTRICITY,
            "kWh",
            Direction.IMPORT,
            MeterKind.INTERVAL,
            None,
            None,
            1,
            1.0,
            0.2,
            peak,
            "110kV 关口表（下网/购电）",
        ),
        np.maximum(net, 0.0),
        ts,
        interval_s=interval,
    )
    b.add(
        Meter(
            f"{pid}-EL-EXP",
            pid,
            Carrier.ELECTRICITY,
            "kWh",
            Direction.EXPORT,
            MeterKind.INTERVAL,
            None,
            None,
            1,
            1.0,
            0.2,
            peak,
            "110kV 关口表（上网/外送）",
        ),
        np.maximum(-net, 0.0),
        ts,
        interval_s=interval,
    )


def _activities(
    tenants: Sequence[_Tenant],
    enterprises: Sequence[Enterprise],
    facilities: dict[str, Enterprise],
    months: Sequence[date],
    monthly_prod: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> tuple[ActivityRecord, ...]:
    """Monthly activity records: diesel, LPG, boiler gas, limestone (process), evidence marked 示例."""
    out: list[ActivityRecord] = []

    def month_end(m: date) -> date:
        nxt = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
        return nxt - timedelta(days=1)

    def add(
        ent: Enterprise,
        tag: str,
        carrier: Carrier | None,
        flow: Flow,
        qty: np.ndarray,
        unit: str,
        desc: str,
        factor_id: str | None = None,
        unc: float = 2.0,
    ) -> None:
        for m, q in zip(months, qty, strict=True):
            out.append(
                ActivityRecord(
                    id=f"{ent.id}-{tag}-{m:%Y%m}",
                    enterprise_id=ent.id,
                    carrier=carrier,
                    flow=flow,
                    period_start=m,
                    period_end=month_end(m),
                    quantity=round(float(q), 3),
                    unit=unit,
                    factor_id=factor_id,
                    evidence=f"示例凭证 {tag}-{m:%Y%m}-{int(rng.integers(10_000_000, 99_999_999))}",
                    uncertainty_pct=unc,
                    description=f"{desc}（示例数据）",
                )
            )

    for t, ent in zip(tenants, enterprises, strict=True):
        prod = monthly_prod[ent.id]
        rel = prod / max(prod.mean(), 1e-9)
        if t.sector == "logistics":
            add(
                ent,
                "DSL",
                Carrier.DIESEL,
                Flow.COMBUSTION,
                rel * rng.uniform(75, 210),
                "t",
                "柴油 厂内及短驳车辆",
            )
        elif t.sector == "machinery" and rng.random() < 0.6:
            add(ent, "DSL", Carrier.DIESEL, Flow.COMBUSTION, rel * rng.uniform(4.5, 15), "t", "柴油 叉车")
        elif t.sector == "datacentre":
            add(
                ent,
                "DSL",
                Carrier.DIESEL,
                Flow.COMBUSTION,
                np.full(len(months), rng.uniform(1.2, 3.6)),
                "t",
                "柴油 备用发电机月度试车",
            )
        if t.sector in ("machinery", "electronics", "textiles") and rng.random() < 0.5:
            add(
                ent,
                "LPG",
                Carrier.LPG,
                Flow.COMBUSTION,
                rel * rng.uniform(1.8, 7.5),
                "t",
                "液化石油气 职工食堂",
            )
        if (t.sector == "textiles" and t.steam_gj_per_h > 0) or t.industry_code in ("3670", "3411", "2641"):
            add(
                ent,
                "NG",
                Carrier.NATURAL_GAS,
                Flow.COMBUSTION,
                rel * rng.uniform(90_000, 360_000),
                "m3",
                "天然气 自备锅炉/定型机/烘干炉",
            )
        if t.industry_code == "2613":
            # 轻质碳酸钙: limestone calcined in a lime kiln; CO2 from CaCO3 → CaO + CO2
            add(
                ent,
                "LIMESTONE",
                None,
                Flow.PROCESS,
                rel * rng.uniform(9_000, 13_500),
                "t",
                "石灰石 煅烧（工业生产过程）",
                factor_id="process.limestone.cn",
                unc=3.0,
            )
    wwtp = facilities["WWTP"]
    add(wwtp, "LPG", Carrier.LPG, Flow.COMBUSTION, np.full(len(months), 1.2), "t", "液化石油气 园区公共食堂")
    return tuple(out)


def _claims(
    pid: str,
    year: int,
    enterprises: Sequence[Enterprise],
    tenants: Sequence[_Tenant],
    months: Sequence[date],
    scale: float,
    rng: np.random.Generator,
) -> tuple[GreenPowerClaim, ...]:
    """Green certificates (绿证 GEC) for electronics exporters and one green-power trade contract."""
    start, end = months[0], date(months[-1].year + (months[-1].month == 12), months[-1].month % 12 + 1, 1)
    end = end - timedelta(days=1)
    out: list[GreenPowerClaim] = []
    buyers = [(e, t) for e, t in zip(enterprises, tenants, strict=True) if t.sector == "electronics"][:3]
    for n, (ent, ten) in enumerate(buyers, start=1):
        mwh = round(ten.annual_mwh * scale * float(rng.uniform(0.2, 0.5)))
        out.append(
            GreenPowerClaim(
                f"DEMO-GEC-{year}-{n:04d}", ClaimKind.GEC, float(max(mwh, 1)), start, end, ent.id, year
            )
        )
    dc = next(((e, t) for e, t in zip(enterprises, tenants, strict=True) if t.sector == "datacentre"), None)
    if dc is not None:  # 绿电交易 contract covering 60 % of the data centre's electricity
        out.append(
            GreenPowerClaim(
                f"DEMO-GPT-{year}-JS-0001",
                ClaimKind.GREEN_TRADE,
                float(round(dc[1].annual_mwh * scale * 0.6)),
                start,
                end,
                dc[0].id,
                year,
            )
        )
    return tuple(out)


def _indicator_data(
    tenants: Sequence[_Tenant],
    enterprises: Sequence[Enterprise],
    fresh_water_m3: float,
    n_days: int,
    rng: np.random.Generator,
) -> IndicatorData:
    """Guiding-indicator inputs for the year (示例数据), scaled to the generated days."""
    scale = n_days / 365.0
    waste = sum(t.annual_mwh for t in tenants) * 0.16 * scale  # t of industrial solid waste
    reuse_rate = float(rng.uniform(0.80, 0.86))
    return IndicatorData(
        industrial_solid_waste_generated_t=round(waste, 1),
        industrial_solid_waste_utilised_t=round(waste * float(rng.uniform(0.82, 0.9)), 1),
        waste_heat_available_gj=round(1_560_000.0 * scale, 1),
        waste_heat_utilised_gj=round(1_560_000.0 * scale * float(rng.uniform(0.52, 0.6)), 1),
        water_total_use_m3=round(fresh_water_m3 / (1.0 - reuse_rate), 1),
        water_reused_m3=round(fresh_water_m3 / (1.0 - reuse_rate) * reuse_rate, 1),
        product_energy_intensity={
            "示例产品A 轻质碳酸钙 [kgce/t]（示例限额）": (round(float(rng.uniform(95, 110)), 1), 120.0),
            "示例产品B 印染布 [kgce/100m]（示例限额）": (round(float(rng.uniform(30, 38)), 1), 35.0),
        },
        value_added_10k_cny=round(sum(e.value_added_10k_cny or 0.0 for e in enterprises) * scale, 1),
    )


def _bad_inputs(
    pid: str,
    year: int,
    enterprises: Sequence[Enterprise],
    claims: Sequence[GreenPowerClaim],
    meters: Sequence[Meter],
) -> BadInputs:
    """The deliberately wrong rows (示例: 错误数据) and what validation must do with each."""
    interval = next(m for m in meters if m.kind == MeterKind.INTERVAL and m.level == 3)
    good_ts = f"{year}-03-02T01:30:00Z"  # off the hourly grid: no clash with the demo's own readings
    future = f"{year + 5}-01-01T00:00:00Z"
    csv = (
        "\n".join(
            [
                "meter_id,ts,value",
                f"{pid}-NO-SUCH-METER,{good_ts},12.5",
                f"{interval.id},{year}-03-02T02:00:00Z,NaN",
                f"{interval.id},{future},10.0",
                f"{interval.id},{year}-03-02T03:00:00Z,-42.0",
                f"{interval.id},{year}-03-02T04:00:00Z,abc",
            ]
        )
        + "\n"
    )
    gec = next((c for c in claims if c.kind == ClaimKind.GEC), None)
    owner = enterprises[0]
    data: dict[str, Any] = {
        "enterprise": {"id": owner.id, "year": year},
        "energy": [
            {
                "carrier": "柴油",
                "unit": "t",
                "month": f"{year}-03",
                "quantity": -5.0,
                "note": "示例错误: 负数",
            },
            {
                "carrier": "乙醇",
                "unit": "t",
                "month": f"{year}-03",
                "quantity": 1.0,
                "note": "示例错误: 未知能源品种",
            },
            {
                "carrier": "天然气",
                "unit": "kWh",
                "month": f"{year}-03",
                "quantity": 100.0,
                "note": "示例错误: 单位与品种不符",
            },
            {
                "carrier": "柴油",
                "unit": "t",
                "month": f"{year + 1}-01",
                "quantity": 2.0,
                "note": "示例错误: 超出填报年度",
            },
        ],
        "green_certificates": [
            {
                "certificate_id": gec.id if gec else f"DEMO-GEC-{year}-0001",
                "kind": "gec",
                "mwh": 100.0,
                "period_start": f"{year}-01-01",
                "period_end": f"{year}-06-30",
                "note": "示例错误: 绿证重复申领",
            },
        ],
    }
    expected = (
        "readings: unknown meter → quarantine (unknown_meter)",
        "readings: NaN value → quarantine",
        "readings: timestamp in the future → quarantine",
        "readings: negative consumption → stored and flagged (implausible)",
        "readings: non-number 'abc' → quarantine (malformed)",
        "workbook: negative quantity, unknown carrier, bad unit, period outside the year → rejected",
        "workbook: green certificate already claimed → rejected (duplicate certificate id)",
    )
    return BadInputs(csv, data, expected)


# --------------------------------------------------------------------------------------------
# Writing (I/O shell)
# --------------------------------------------------------------------------------------------

ProgressFn = Callable[[str, int, int], None]
READINGS_CHUNK = 500_000


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What :func:`write_demo` stored."""

    park_id: str
    fingerprint: str
    n_meters: int
    n_readings: int
    n_stored: int
    n_activities: int
    n_claims: int
    n_transfers: int
    steps_s: dict[str, float]


def _noop(step: str, done: int, total: int) -> None:
    return None


def write_demo(engine: Engine, demo: DemoPark, *, progress: ProgressFn = _noop) -> BuildResult:
    """Store ``demo``, replacing an earlier demo park with the same id, and say what was stored.

    Metadata, activity data, claims, transfers and indicator data go through
    ``zeropark.store.repo`` in one transaction; readings through the store's bulk path
    ``zeropark.store.readings.bulk_load_readings`` (binary COPY on PostgreSQL) in chunks of
    :data:`READINGS_CHUNK` rows — the old demo park's readings are deleted first, so the load is
    always fresh.

    Raises
    ------
    DataError
        If the park id belongs to a park that is not a demo park (nothing is deleted then).
    """
    from zeropark.store import readings as readings_store
    from zeropark.store import repo

    steps: dict[str, float] = {}
    t0 = time.perf_counter()
    progress("metadata", 0, 1)
    delete_demo_park(engine, demo.park.id)
    with transaction(engine) as s:
        repo.add_park(s, demo.park)
        for z in demo.zones:
            repo.add_zone(s, z)
        for e in demo.enterprises:
            repo.add_enterprise(s, e)
        for m in _parents_first(demo.meters):
            repo.add_meter(s, m)
    progress("metadata", 1, 1)
    steps["metadata"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    total = demo.n_readings
    done = 0
    stored = 0
    chunk: list[MeterSeries] = []
    for k, series in enumerate(demo.series, start=1):
        chunk.append(series)
        if sum(len(c.values) for c in chunk) >= READINGS_CHUNK or k == len(demo.series):
            ids = np.concatenate([np.full(len(c.values), c.meter_id, dtype=object) for c in chunk])
            ts = np.concatenate([c.ts_utc for c in chunk])
            vals = np.concatenate([c.values for c in chunk])
            stored += readings_store.bulk_load_readings(engine, ids, ts, vals, source="demo")
            done += len(vals)
            chunk = []
            progress("readings", done, total)
    steps["readings"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    with transaction(engine) as s:
        for a in demo.activities:
            repo.add_activity_record(s, demo.park.id, a)
        for c in demo.claims:
            repo.add_claim(s, demo.park.id, c, evidence=f"{DEMO_LABEL}: {c.id}")
        for t in demo.transfers:
            repo.add_transfer(s, demo.park.id, t)
        repo.put_indicator_data(s, demo.park.id, demo.year, demo.indicator_data)
    progress("activity", 1, 1)
    steps["activity"] = time.perf_counter() - t0
    return BuildResult(
        demo.park.id,
        demo.fingerprint(),
        len(demo.meters),
        total,
        stored,
        len(demo.activities),
        len(demo.claims),
        len(demo.transfers),
        steps,
    )


def delete_demo_park(engine: Engine, park_id: str = PARK_ID) -> bool:
    """Delete a demo park and everything hanging off it (readings, rollups, runs, ...).

    Only a park marked ``is_demo`` is ever deleted; returns whether one was.

    Raises
    ------
    DataError
        If ``park_id`` is a real (non-demo) park (rebuilding the demo never touches real data), or
        if one of its inventory runs is signed off (frozen).
    """
    from zeropark.store import schema as sc

    with transaction(engine) as s:
        park = s.get(sc.ParkRow, park_id)
        if park is None:
            return False
        if not park.is_demo:
            raise DataError(
                f"park '{park_id}' is not a demo park; refusing to replace it with the demo "
                "(use another database via ZEROPARK_DATABASE_URL)"
            )
        frozen = s.scalars(
            select(sc.InventoryRunRow.id).where(
                sc.InventoryRunRow.park_id == park_id, sc.InventoryRunRow.signed_off_at.is_not(None)
            )
        ).all()
        if frozen:
            raise DataError(
                f"the demo park has signed-off (frozen) inventory runs {', '.join(f'#{i}' for i in frozen)}; "
                "they cannot be deleted — keep this demo, or build the demo into another database "
                "(--database-url)"
            )
        meter_ids = select(sc.MeterRow.id).where(sc.MeterRow.park_id == park_id)
        ent_ids = select(sc.EnterpriseRow.id).where(sc.EnterpriseRow.park_id == park_id)
        s.execute(delete(sc.ReadingRow).where(sc.ReadingRow.meter_id.in_(meter_ids)))
        s.execute(delete(sc.RollupRow).where(sc.RollupRow.meter_id.in_(meter_ids)))
        s.execute(delete(sc.ReadingConflictRow).where(sc.ReadingConflictRow.meter_id.in_(meter_ids)))
        s.execute(delete(sc.QuarantineRow).where(sc.QuarantineRow.park_id == park_id))
        s.execute(delete(sc.QuarantineRow).where(sc.QuarantineRow.meter_id.in_(meter_ids)))
        s.execute(delete(sc.ReportRow).where(sc.ReportRow.park_id == park_id))
        s.execute(delete(sc.InventoryRunRow).where(sc.InventoryRunRow.park_id == park_id))
        s.execute(delete(sc.AlarmRow).where(sc.AlarmRow.park_id == park_id))
        s.execute(delete(sc.AlarmRuleRow).where(sc.AlarmRuleRow.park_id == park_id))
        s.execute(delete(sc.ActivityRecordRow).where(sc.ActivityRecordRow.park_id == park_id))
        s.execute(delete(sc.GreenPowerClaimRow).where(sc.GreenPowerClaimRow.park_id == park_id))
        s.execute(delete(sc.TransferRow).where(sc.TransferRow.park_id == park_id))
        s.execute(delete(sc.IndicatorDataRow).where(sc.IndicatorDataRow.park_id == park_id))
        s.execute(delete(sc.ImportBatchRow).where(sc.ImportBatchRow.park_id == park_id))
        s.execute(update(sc.UserRow).where(sc.UserRow.enterprise_id.in_(ent_ids)).values(enterprise_id=None))
        # children before parents in the meter tree
        for level in (3, 2, 1, 0):
            s.execute(delete(sc.MeterRow).where(sc.MeterRow.park_id == park_id, sc.MeterRow.level >= level))
        s.execute(delete(sc.EnterpriseRow).where(sc.EnterpriseRow.park_id == park_id))
        s.execute(delete(sc.ZoneRow).where(sc.ZoneRow.park_id == park_id))
        s.execute(delete(sc.GatewayRow).where(sc.GatewayRow.park_id == park_id))
        s.execute(delete(sc.ParkRow).where(sc.ParkRow.id == park_id))
    return True


def _parents_first(meters: Sequence[Meter]) -> list[Meter]:
    """Meters ordered so that every parent precedes its children (foreign keys)."""
    return sorted(meters, key=lambda m: m.level)


@dataclass(frozen=True, slots=True)
class BadInputOutcome:
    """What the platform did with the demo's bad inputs."""

    readings: Any  # zeropark.ingest.files.ImportResult
    workbook: Any  # zeropark.ingest.workbook.ImportResult
    expected: tuple[str, ...]


def feed_bad_inputs(engine: Engine, demo: DemoPark, workdir: Path) -> BadInputOutcome:
    """Feed the bad inputs through the normal import paths (files → validation → quarantine)."""
    import json

    from zeropark.ingest import files
    from zeropark.ingest.workbook import import_workbook

    workdir.mkdir(parents=True, exist_ok=True)
    csv_path = workdir / "示例_错误读数.csv"
    csv_path.write_text(demo.bad_inputs.readings_csv, encoding="utf-8")
    readings = files.import_readings(engine, csv_path)
    json_path = workdir / "示例_错误填报.json"
    json_path.write_text(
        json.dumps(demo.bad_inputs.enterprise_data, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    workbook = import_workbook(engine, json_path, partial=True)
    return BadInputOutcome(readings, workbook, demo.bad_inputs.expected)


def with_size(demo_size: DemoSize, **changes: Any) -> DemoSize:
    """A copy of ``demo_size`` with ``changes`` (validated)."""
    return replace(demo_size, **changes)
