"""The indicator catalogue: the named values an evaluation formula may use, computed from accounted data.

Every value is read from one stored national-method inventory run — its :class:`Inventory` and the
1 + 5 :class:`IndicatorTable` evaluated with it (:mod:`zeropark.indicators`, 发改环资〔2025〕910号
附件3) — so an evaluation item is traced to the run and to the line items behind it. A value whose
inputs are absent is *missing* and names them (never 0): an item whose formula uses it is reported
as missing, not scored.

Units are pint strings of :data:`zeropark.units.ureg` (``%`` is percent, dimensionless).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zeropark.accounting.inventory import Inventory
from zeropark.accounting.lineitems import Category
from zeropark.indicators import IndicatorStatus, IndicatorTable

__all__ = ["INDICATORS", "CatalogueEntry", "Measure", "catalogue_units", "measures"]


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """A name a formula may use: its unit [pint string], the unit as shown, labels and definition."""

    code: str
    unit: str
    unit_label: str
    label_zh: str
    label_en: str
    definition_zh: str
    definition_en: str


@dataclass(frozen=True, slots=True)
class Measure:
    """The value of one catalogue name for one run: ``value`` in the entry's unit, or None + ``missing``.

    ``line_ids`` are the inventory line items the value is built from (empty for values read from
    the park's indicator data, e.g. water reuse); ``basis`` says where it came from.
    """

    code: str
    value: float | None
    missing: tuple[str, ...] = ()
    line_ids: tuple[str, ...] = field(default=())
    basis: str = "inventory"


def _e(code: str, unit: str, unit_label: str, zh: str, en: str, dzh: str, den: str) -> CatalogueEntry:
    return CatalogueEntry(code, unit, unit_label, zh, en, dzh, den)


#: The catalogue (the only names a formula may use).
INDICATORS: dict[str, CatalogueEntry] = {
    e.code: e
    for e in (
        _e(
            "emissions_tco2",
            "tCO2",
            "tCO2",
            "二氧化碳排放量",
            "CO2 emissions",
            "国家核算方法清单合计",
            "total of the national-method inventory",
        ),
        _e(
            "energy_tce",
            "tce",
            "tce",
            "综合能源消费量",
            "comprehensive energy consumption",
            "折标准煤（GB/T 2589-2020）",
            "tonnes of coal equivalent (GB/T 2589-2020)",
        ),
        _e(
            "core_intensity",
            "tCO2/tce",
            "tCO2/tce",
            "单位能耗碳排放",
            "CO2 per unit of energy consumption",
            "二氧化碳排放量 / 综合能源消费量（910号 核心指标）",
            "CO2 / comprehensive energy consumption (910 core indicator)",
        ),
        _e(
            "clean_energy_share",
            "%",
            "%",
            "清洁能源消费占比",
            "clean energy share of consumption",
            "折标煤计（910号 引导性指标）",
            "tce basis (910 guiding indicator)",
        ),
        _e(
            "green_electricity_share",
            "%",
            "%",
            "绿色电力消费占比",
            "green electricity share of consumption",
            "清洁电量 / 用电量",
            "clean electricity / electricity consumed",
        ),
        _e(
            "product_energy_ratio",
            "dimensionless",
            "实际/限额",
            "产品单位能耗与2级限额之比（最高者）",
            "product energy intensity / grade-2 limit (highest)",
            "910号 引导性指标：园区企业产出产品单位能耗",
            "910 guiding indicator: product energy intensity",
        ),
        _e(
            "solid_waste_utilisation",
            "%",
            "%",
            "工业固体废物综合利用率",
            "industrial solid waste utilisation rate",
            "综合利用量 / 产生量",
            "utilised / generated",
        ),
        _e(
            "waste_heat_utilisation",
            "%",
            "%",
            "余热/余冷/余压综合利用率",
            "waste heat/cold/pressure utilisation",
            "利用量 / 可利用量",
            "utilised / available",
        ),
        _e(
            "water_reuse",
            "%",
            "%",
            "工业用水重复利用率",
            "industrial water reuse rate",
            "重复用水量 / 总用水量",
            "reused / total water use",
        ),
        _e(
            "carbon_productivity",
            "wanCNY/tCO2",
            "10⁴ CNY/tCO2",
            "碳生产率",
            "carbon productivity",
            "工业增加值 / 二氧化碳排放量",
            "value added / CO2 emissions",
        ),
        _e(
            "value_added_10k_cny",
            "wanCNY",
            "10⁴ CNY",
            "工业增加值",
            "value added",
            "碳生产率 × 二氧化碳排放量",
            "carbon productivity × CO2 emissions",
        ),
        _e(
            "hourly_matched_share",
            "%",
            "%",
            "逐时匹配清洁电力占比（24/7）",
            "hourly-matched clean electricity share",
            "逐时匹配",
            "hour-by-hour matching",
        ),
        _e(
            "electricity_consumed_kwh",
            "kWh",
            "kWh",
            "用电量",
            "electricity consumed",
            "园区内消费的电量",
            "electricity consumed in the boundary",
        ),
        _e(
            "electricity_grid_kwh",
            "kWh",
            "kWh",
            "电网购入电量",
            "electricity bought from the grid",
            "边界电表",
            "boundary meters",
        ),
        _e(
            "electricity_generated_kwh",
            "kWh",
            "kWh",
            "园区内发电量",
            "electricity generated on site",
            "园区内发电",
            "on-site generation",
        ),
        _e(
            "electricity_self_consumed_kwh",
            "kWh",
            "kWh",
            "自发自用电量",
            "on-site generation consumed on site",
            "自发自用",
            "self-consumed",
        ),
        _e(
            "electricity_exported_kwh",
            "kWh",
            "kWh",
            "外送电量",
            "electricity exported",
            "上网/外送",
            "exported",
        ),
        _e(
            "electricity_clean_kwh",
            "kWh",
            "kWh",
            "清洁电量",
            "clean electricity consumed",
            "自发自用可再生 + 绿电直连/交易/绿证",
            "self-consumed renewables + green power claims",
        ),
    )
}

_ELECTRICITY = frozenset(
    {
        Category.PURCHASED_ELECTRICITY,
        Category.EXPORTED_ELECTRICITY,
        Category.ONSITE_RENEWABLE,
        Category.GREEN_POWER,
    }
)

#: Table rows read as catalogue values: catalogue code → indicator-table row code.
_TABLE_ROWS: dict[str, str] = {
    "core_intensity": "core_intensity",
    "clean_energy_share": "clean_energy_share",
    "product_energy_ratio": "product_energy_intensity",
    "solid_waste_utilisation": "solid_waste_utilisation",
    "waste_heat_utilisation": "waste_heat_utilisation",
    "water_reuse": "water_reuse",
    "carbon_productivity": "carbon_productivity",
    "hourly_matched_share": "hourly_matched_share",
}

_BASIS: dict[str, str] = {
    "product_energy_ratio": "indicator_data",
    "solid_waste_utilisation": "indicator_data",
    "waste_heat_utilisation": "indicator_data",
    "water_reuse": "indicator_data",
}


def catalogue_units() -> dict[str, str]:
    """Catalogue name → pint unit string (what :mod:`zeropark.evaluation.formula` needs)."""
    return {code: e.unit for code, e in INDICATORS.items()}


def measures(inventory: Inventory, table: IndicatorTable | None) -> dict[str, Measure]:
    """Every catalogue value of one national-method run.

    Parameters
    ----------
    inventory : Inventory
        The run's inventory (park view or one enterprise's view).
    table : IndicatorTable, optional
        The indicator table stored with the run; None: the values it holds are missing.
    """
    lines = inventory.lines
    emission_ids = tuple(li.id for li in lines if li.emissions_tco2e != 0.0)
    energy_ids = tuple(li.id for li in lines if li.energy_tce != 0.0)
    electricity_ids = tuple(li.id for li in lines if li.category in _ELECTRICITY)
    both_ids = tuple(dict.fromkeys((*emission_ids, *energy_ids)))
    lines_of: dict[str, tuple[str, ...]] = {
        "core_intensity": both_ids,
        "clean_energy_share": energy_ids,
        "carbon_productivity": emission_ids,
        "hourly_matched_share": electricity_ids,
    }
    out: dict[str, Measure] = {
        "emissions_tco2": Measure("emissions_tco2", inventory.total_tco2e, line_ids=emission_ids),
        "energy_tce": Measure("energy_tce", inventory.energy_tce, line_ids=energy_ids),
    }
    share = inventory.green_electricity_share
    out["green_electricity_share"] = (
        Measure("green_electricity_share", None, ("electricity_consumed_kwh: zero_value",))
        if share is None
        else Measure("green_electricity_share", 100.0 * share, line_ids=electricity_ids)
    )
    for code, key in (
        ("electricity_consumed_kwh", "consumed_kwh"),
        ("electricity_grid_kwh", "grid_kwh"),
        ("electricity_generated_kwh", "generated_kwh"),
        ("electricity_self_consumed_kwh", "self_consumed_kwh"),
        ("electricity_exported_kwh", "exported_kwh"),
        ("electricity_clean_kwh", "clean_kwh"),
    ):
        value = inventory.electricity.get(key)
        out[code] = (
            Measure(code, None, ("electricity_balance",))
            if value is None
            else Measure(code, float(value), line_ids=electricity_ids)
        )
    for code, row_code in _TABLE_ROWS.items():
        out[code] = _from_table(code, row_code, table, lines_of.get(code, ()))
    productivity = out["carbon_productivity"]
    out["value_added_10k_cny"] = (
        Measure("value_added_10k_cny", None, productivity.missing, basis="indicator_data")
        if productivity.value is None
        else Measure(
            "value_added_10k_cny",
            productivity.value * inventory.total_tco2e,
            line_ids=emission_ids,
            basis="indicator_data",
        )
    )
    return out


def _from_table(code: str, row_code: str, table: IndicatorTable | None, line_ids: tuple[str, ...]) -> Measure:
    basis = _BASIS.get(code, "inventory")
    if table is None:
        return Measure(code, None, ("indicator_table",), basis=basis)
    try:
        row = table.row(row_code)
    except KeyError:
        return Measure(code, None, ("indicator_table",), basis=basis)
    if row.status is IndicatorStatus.PARK_LEVEL:
        return Measure(code, None, ("park_level",), basis="park_level")
    if row.value is None:
        return Measure(code, None, row.missing or (row_code,), basis=basis)
    return Measure(code, float(row.value), line_ids=line_ids if basis == "inventory" else (), basis=basis)
