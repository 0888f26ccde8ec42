"""Accounting options: every [UNCERTAIN] choice of the reference, named, with its default.

The rules of 《零碳园区碳排放核算方法（试行）》 (发改环资〔2025〕910号 附件4) are only partly public
(reference ACCOUNTING.md §1.2a–1.4); where the reference marks a rule [UNCERTAIN], the engine does not
guess silently: the choice is an option here, its default is the one the reference gives, and every
:class:`~zeropark.accounting.engine.Inventory` records the options it was computed with together with a
statement of them in Chinese and English (:meth:`AccountingOptions.statement_zh`,
:meth:`AccountingOptions.statement_en`) that reports print verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import Enum, StrEnum
from typing import Any

from zeropark.factors.factorset import GridCalibre
from zeropark.model import Method


class ElectricityCoalBasis(StrEnum):
    """折标方法 of electricity in the denominator (ACCOUNTING.md §1.4, [UNCERTAIN]).

    ``equivalent`` 当量值 0.1229 kgce/kWh (GB/T 2589-2020, 3 600 kJ/kWh ÷ 29 307.6 kJ/kgce);
    ``equal_value`` 等价值 = the year's thermal-power supply coal rate (≈ 0.30 kgce/kWh).
    """

    EQUIVALENT = "equivalent"
    EQUAL_VALUE = "equal_value"


class ExportRule(StrEnum):
    """Electricity and heat leaving the park (ACCOUNTING.md §1.2a, §1.3).

    ``net_inflow`` (default): indirect emissions are those of the **net inflow** (净受入 = inflow −
    outflow), as the opening of Annex 4 says. ``no_credit``: exports are not deducted ("外送电不直接抵扣",
    one public plan).
    """

    NET_INFLOW = "net_inflow"
    NO_CREDIT = "no_credit"


class NegativeNetInflow(StrEnum):
    """How a negative net inflow (exports > uncovered inflow) is valued ([UNCERTAIN], §1.2a).

    ``floor_zero`` (default): the indirect emissions of a carrier are not below 0 — an export credit
    never offsets fuel or process emissions. ``credit``: a negative net inflow is credited.
    """

    FLOOR_ZERO = "floor_zero"
    CREDIT = "credit"


class GridArea(StrEnum):
    """Where the location-based grid factor is taken.

    ``national`` (全国, default) or the park's ``regional`` grid (``Park.grid_region``).
    """

    NATIONAL = "national"
    REGIONAL = "regional"


class FactorYearRule(StrEnum):
    """Which year's grid factor a reporting year uses (ACCOUNTING.md §2.4).

    ``y_minus_2`` (default for GHG): reporting year Y uses the factor of Y-2 (MEE sector-guideline
    drafts, the latest published); ``explicit``: the year given in the options.
    """

    Y_MINUS_2 = "y_minus_2"
    EXPLICIT = "explicit"


class FactorYearFallback(StrEnum):
    """What the GHG method does when its grid factors' year is not published yet (ACCOUNTING.md §2.4).

    The default year rule (reporting year Y → the factors of Y-2) asks for a year MEE/NBS have not
    published when Y is the current year (in 2026 the newest factors are those of 2023, published
    2025-12). ``newest_published`` (default): use the newest year the factor set holds before the
    asked one, and state it (e.g. "2023 factor used for 2026: the newest published");
    ``error``: stop with the years held. A year given explicitly (``ghg_grid_year``) never falls back.
    """

    NEWEST_PUBLISHED = "newest_published"
    ERROR = "error"


class ResidualFallback(StrEnum):
    """Market-based residual factor when the user's factor set has none of its own (ACCOUNTING.md §3.2).

    A custom set is laid over a built-in one; without a residual-mix row of its own the market-based
    rule would take the built-in proxy (b) silently. ``builtin`` (default): take the built-in
    proxy (b) and say so; ``grid_average``: take the location-based grid-average factor the run
    uses (GHG Protocol Scope 2 Guidance 2015, Table 6.3: grid-average factors are the last level of
    the market-based hierarchy when no residual mix exists); ``error``: stop and name the row to add.
    """

    BUILTIN = "builtin"
    GRID_AVERAGE = "grid_average"
    ERROR = "error"


class GreenCap(StrEnum):
    """Cap on green-attribute MWh (direct + green trade + GEC) (ACCOUNTING.md §1.3, §4.5 rule 3, [UNCERTAIN]).

    ``grid_purchases`` (default): capped at the electricity bought from the grid; ``electricity_consumed``:
    capped at electricity consumed (grid + on-site generation − export).
    """

    GRID_PURCHASES = "grid_purchases"
    ELECTRICITY_CONSUMED = "electricity_consumed"


class OnsiteRenewables(StrEnum):
    """Whether self-consumed on-site PV/wind electricity enters the denominator (tce) (§1.4, [UNCERTAIN]).

    ``included`` (default, it is energy consumed inside the boundary) or ``excluded``.
    """

    INCLUDED = "included"
    EXCLUDED = "excluded"


class PurchasedHeatFactor(StrEnum):
    """Factor for purchased heat/steam (ACCOUNTING.md §1.3, §2.3).

    ``supplier_first`` (default): a supplier-measured factor given on the quantity (``factor_id``) is
    used, else the 0.11 tCO2/GJ default of GB/T 32150; ``default_only``: always the default.
    """

    SUPPLIER_FIRST = "supplier_first"
    DEFAULT_ONLY = "default_only"


class GwpSet(StrEnum):
    """IPCC assessment report whose 100-year GWP values convert non-CO2 gases (ACCOUNTING.md §2.5)."""

    SAR = "SAR"
    AR4 = "AR4"
    AR5 = "AR5"
    AR6 = "AR6"


class CleanEnergyScope(StrEnum):
    """What counts as clean energy in 清洁能源消费占比 (indicator ≥ 90 %, ACCOUNTING.md §1.1, [UNCERTAIN]).

    ``non_fossil`` (default): green electricity only (self-consumed on-site renewables, 绿电直连,
    green trade, GECs). ``non_fossil_and_gas``: also natural gas (the NBS statistical definition of
    清洁能源 includes natural gas).
    """

    NON_FOSSIL = "non_fossil"
    NON_FOSSIL_AND_GAS = "non_fossil_and_gas"


@dataclass(frozen=True, slots=True)
class AccountingOptions:
    """核算选项: the method and every configurable choice of one accounting run.

    Defaults follow ACCOUNTING.md: 当量值 electricity, net inflow, national fossil-power factor of
    2022 (0.8325 tCO2/MWh) for the park method; GHG location-based = national average (a) of Y-2,
    market-based residual proxy = (b) of Y-2; green attributes capped at grid purchases; on-site
    renewables in the denominator; purchased heat 0.11 tCO2/GJ unless supplier-measured; AR6 GWPs.
    """

    method: Method = Method.NATIONAL
    electricity_coal_basis: ElectricityCoalBasis = ElectricityCoalBasis.EQUIVALENT
    export_rule: ExportRule = ExportRule.NET_INFLOW
    negative_net_inflow: NegativeNetInflow = NegativeNetInflow.FLOOR_ZERO
    national_grid_calibre: GridCalibre = GridCalibre.FOSSIL
    national_grid_year: int = 2022
    ghg_grid_area: GridArea = GridArea.NATIONAL
    ghg_grid_year_rule: FactorYearRule = FactorYearRule.Y_MINUS_2
    ghg_grid_year: int | None = None
    market_residual_calibre: GridCalibre = GridCalibre.EXCL_MARKET_NONFOSSIL
    green_cap: GreenCap = GreenCap.GRID_PURCHASES
    onsite_renewables: OnsiteRenewables = OnsiteRenewables.INCLUDED
    purchased_heat_factor: PurchasedHeatFactor = PurchasedHeatFactor.SUPPLIER_FIRST
    gwp: GwpSet = GwpSet.AR6
    clean_energy_scope: CleanEnergyScope = CleanEnergyScope.NON_FOSSIL
    ghg_factor_year_fallback: FactorYearFallback = FactorYearFallback.NEWEST_PUBLISHED
    residual_fallback: ResidualFallback = ResidualFallback.BUILTIN

    def __post_init__(self) -> None:
        if self.ghg_grid_year_rule is FactorYearRule.EXPLICIT and self.ghg_grid_year is None:
            raise ValueError(
                "ghg_grid_year_rule='explicit' needs ghg_grid_year (e.g. 2023); "
                "or use ghg_grid_year_rule='y_minus_2'"
            )

    def ghg_factor_year(self, reporting_year: int) -> int:
        """Year of the grid factors used by the GHG method for ``reporting_year``."""
        if self.ghg_grid_year_rule is FactorYearRule.EXPLICIT and self.ghg_grid_year is not None:
            return self.ghg_grid_year
        return reporting_year - 2

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able mapping (enum values as strings)."""
        values = ((f.name, getattr(self, f.name)) for f in fields(self))
        return {k: (v.value if isinstance(v, Enum) else v) for k, v in values}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AccountingOptions:
        """Inverse of :meth:`to_dict`; unknown keys raise ``ValueError`` naming them."""
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown accounting option(s) {sorted(unknown)}; known: {_names()}")
        opts = cls()
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            default = getattr(opts, f.name)
            value = data[f.name]
            kwargs[f.name] = type(default)(value) if isinstance(default, StrEnum) else value
        return replace(opts, **kwargs)

    def statement_zh(
        self, reporting_year: int, location_year: int | None = None, residual_year: int | None = None
    ) -> str:
        """核算口径说明 (Chinese), one clause per option, for reports.

        ``location_year`` and ``residual_year`` are the years of the GHG grid factors the run
        actually used when they differ from the rule's (a year not published yet, see
        :class:`FactorYearFallback`); by default the rule's year.
        """
        y = location_year or self.ghg_factor_year(reporting_year)
        yr = residual_year or self.ghg_factor_year(reporting_year)
        parts = [
            f"核算方法：{_METHOD_ZH[self.method]}",
            f"电力折标：{_BASIS_ZH[self.electricity_coal_basis]}（GB/T 2589-2020）",
            f"外送电力/热力：{_EXPORT_ZH[self.export_rule]}；净受入为负时{_NEG_ZH[self.negative_net_inflow]}",
            f"园区法电网因子：全国{_CAL_ZH[self.national_grid_calibre]}二氧化碳排放因子（{self.national_grid_year}年）",
            f"GHG 基于位置：{_AREA_ZH[self.ghg_grid_area]}平均因子（{y}年）；"
            f"基于市场剩余电量：{_CAL_ZH[self.market_residual_calibre]}因子（{yr}年）",
            f"绿电/绿证上限：{_CAP_ZH[self.green_cap]}",
            f"园区自发自用可再生电力{_ONSITE_ZH[self.onsite_renewables]}综合能耗",
            f"外购热力因子：{_HEAT_ZH[self.purchased_heat_factor]}",
            f"全球增温潜势：IPCC {self.gwp}（仅用于非CO2气体）",
            f"清洁能源口径：{_CLEAN_ZH[self.clean_energy_scope]}",
            f"GHG 因子年份未发布时：{_YEAR_FALLBACK_ZH[self.ghg_factor_year_fallback]}",
            f"自定义因子集无剩余电量因子时：{_RESIDUAL_ZH[self.residual_fallback]}",
        ]
        return "；".join(parts) + "。"

    def statement_en(
        self, reporting_year: int, location_year: int | None = None, residual_year: int | None = None
    ) -> str:
        """Statement of the accounting basis (English), one clause per option (years as in statement_zh)."""
        y = location_year or self.ghg_factor_year(reporting_year)
        yr = residual_year or self.ghg_factor_year(reporting_year)
        parts = [
            f"method: {_METHOD_EN[self.method]}",
            f"electricity in tce: {_BASIS_EN[self.electricity_coal_basis]} (GB/T 2589-2020)",
            f"exported electricity/heat: {_EXPORT_EN[self.export_rule]}; "
            f"a negative net inflow is {_NEG_EN[self.negative_net_inflow]}",
            f"park-method grid factor: national {self.national_grid_calibre.value} calibre, "
            f"{self.national_grid_year}",
            f"GHG location-based: {self.ghg_grid_area.value} average ({y}); market-based residual: "
            f"{self.market_residual_calibre.value} calibre ({yr})",
            f"green attributes capped at {self.green_cap.value.replace('_', ' ')}",
            f"self-consumed on-site renewables {self.onsite_renewables.value} in energy consumption",
            f"purchased heat factor: {_HEAT_EN[self.purchased_heat_factor]}",
            f"GWP: IPCC {self.gwp} (applies to non-CO2 gases only)",
            f"clean energy: {_CLEAN_EN[self.clean_energy_scope]}",
            f"GHG factor year not yet published: {_YEAR_FALLBACK_EN[self.ghg_factor_year_fallback]}",
            f"custom set without a residual factor: {_RESIDUAL_EN[self.residual_fallback]}",
        ]
        return "; ".join(parts) + "."


def _names() -> list[str]:
    return [f.name for f in fields(AccountingOptions)]


_METHOD_ZH = {
    Method.NATIONAL: "零碳园区碳排放核算方法（试行）",
    Method.GHG: "温室气体核算体系（GHG Protocol）",
}
_METHOD_EN = {
    Method.NATIONAL: "national zero-carbon park method (trial)",
    Method.GHG: "GHG Protocol corporate standard",
}
_BASIS_ZH = {
    ElectricityCoalBasis.EQUIVALENT: "当量值 0.1229 kgce/kWh",
    ElectricityCoalBasis.EQUAL_VALUE: "等价值（当年火电供电标准煤耗）",
}
_BASIS_EN = {
    ElectricityCoalBasis.EQUIVALENT: "calorific equivalent 0.1229 kgce/kWh",
    ElectricityCoalBasis.EQUAL_VALUE: "coal-equivalent of the year's thermal supply coal rate",
}
_EXPORT_ZH = {ExportRule.NET_INFLOW: "按净受入（受入减外送）计算", ExportRule.NO_CREDIT: "外送不抵扣"}
_EXPORT_EN = {ExportRule.NET_INFLOW: "net inflow (inflow − outflow)", ExportRule.NO_CREDIT: "not deducted"}
_NEG_ZH = {NegativeNetInflow.FLOOR_ZERO: "按零计", NegativeNetInflow.CREDIT: "按负值抵扣"}
_NEG_EN = {NegativeNetInflow.FLOOR_ZERO: "counted as zero", NegativeNetInflow.CREDIT: "credited"}
_CAL_ZH = {
    GridCalibre.AVERAGE: "电网平均",
    GridCalibre.EXCL_MARKET_NONFOSSIL: "不包括市场化交易非化石能源电量的平均",
    GridCalibre.FOSSIL: "化石能源电力",
}
_AREA_ZH = {GridArea.NATIONAL: "全国电网", GridArea.REGIONAL: "区域电网"}
_CAP_ZH = {GreenCap.GRID_PURCHASES: "不超过电网购入电量", GreenCap.ELECTRICITY_CONSUMED: "不超过用电量"}
_ONSITE_ZH = {OnsiteRenewables.INCLUDED: "计入", OnsiteRenewables.EXCLUDED: "不计入"}
_HEAT_ZH = {
    PurchasedHeatFactor.SUPPLIER_FIRST: "有供热方实测因子时采用，否则 0.11 tCO2/GJ（GB/T 32150）",
    PurchasedHeatFactor.DEFAULT_ONLY: "0.11 tCO2/GJ（GB/T 32150）",
}
_HEAT_EN = {
    PurchasedHeatFactor.SUPPLIER_FIRST: "supplier-measured when given, else 0.11 tCO2/GJ (GB/T 32150)",
    PurchasedHeatFactor.DEFAULT_ONLY: "0.11 tCO2/GJ (GB/T 32150)",
}
_CLEAN_ZH = {
    CleanEnergyScope.NON_FOSSIL: "仅非化石能源电力（自发自用、直连、绿电交易、绿证）",
    CleanEnergyScope.NON_FOSSIL_AND_GAS: "非化石能源电力及天然气",
}
_CLEAN_EN = {
    CleanEnergyScope.NON_FOSSIL: "green electricity only (on-site, direct, green trade, GECs)",
    CleanEnergyScope.NON_FOSSIL_AND_GAS: "green electricity and natural gas",
}
_YEAR_FALLBACK_ZH = {
    FactorYearFallback.NEWEST_PUBLISHED: "采用最新发布年份的因子并注明",
    FactorYearFallback.ERROR: "报错",
}
_YEAR_FALLBACK_EN = {
    FactorYearFallback.NEWEST_PUBLISHED: "the newest published year is used and stated",
    FactorYearFallback.ERROR: "error",
}
_RESIDUAL_ZH = {
    ResidualFallback.BUILTIN: "采用内置因子集的剩余电量代理因子"
    "（不包括市场化交易非化石能源电量的平均因子）并注明",
    ResidualFallback.GRID_AVERAGE: "采用本次基于位置的电网平均因子并注明",
    ResidualFallback.ERROR: "报错",
}
_RESIDUAL_EN = {
    ResidualFallback.BUILTIN: "the built-in residual proxy (average excluding market-traded non-fossil) is "
    "used and stated",
    ResidualFallback.GRID_AVERAGE: "the run's location-based grid-average factor is used and stated",
    ResidualFallback.ERROR: "error",
}
