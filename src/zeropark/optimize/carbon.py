"""Emission and energy coefficients of a run, taken from the accounting engine's FactorSet.

The optimiser prices CO2 with exactly the factors the national park method uses
(ACCOUNTING.md §1.3, §2): grid electricity not covered by green attributes × the chosen grid
calibre (default: national fossil-power factor, 2022, 0.8325 tCO2/MWh); natural gas
AD × NCV × CC × OF × 44/12; purchased heat × 0.11 tCO2/GJ; and it counts energy in tce with the
GB/T 2589 coefficients (当量值). :func:`carbon_factors` reads them from a
``zeropark.factors.FactorSet`` so a run and an inventory never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from zeropark.factors import FactorSet, GridCalibre
from zeropark.model import Carrier

GJ_PER_KWH = 0.0036  # 3.6 MJ/kWh


class ExportRule(StrEnum):
    """How exported electricity enters the park's grid emissions (ACCOUNTING.md §1.2a, §1.3)."""

    NET_INFLOW = "net_inflow"  # 净受入: export reduces the inflow (engine default)
    NO_CREDIT = "no_credit"  # 外送电不直接抵扣


@dataclass(frozen=True, slots=True)
class CarbonFactors:
    """Coefficients in canonical units, with the ids of the factors they came from.

    Attributes
    ----------
    grid_tco2_per_kwh : float
        Grid electricity factor [tCO2/kWh].
    gas_tco2_per_m3 : float
        Natural gas combustion factor [tCO2/m³].
    gas_ncv_gj_per_m3 : float
        Natural gas net calorific value [GJ/m³].
    heat_tco2_per_gj : float
        Purchased heat factor [tCO2/GJ].
    electricity_tce_per_kwh, gas_tce_per_m3, heat_tce_per_gj : float
        Standard-coal coefficients [tce/unit] (GB/T 2589-2020 Appendix A).
    """

    grid_tco2_per_kwh: float
    gas_tco2_per_m3: float
    gas_ncv_gj_per_m3: float
    heat_tco2_per_gj: float
    electricity_tce_per_kwh: float
    gas_tce_per_m3: float
    heat_tce_per_gj: float
    export_rule: ExportRule = ExportRule.NET_INFLOW
    factor_set: str = ""
    factor_ids: tuple[str, ...] = ()

    @property
    def gas_tco2_per_kwh_fuel(self) -> float:
        """CO2 per kWh of gas burnt (lower heating value) [tCO2/kWh]."""
        return self.gas_tco2_per_m3 / self.gas_ncv_gj_per_m3 * GJ_PER_KWH

    @property
    def gas_m3_per_kwh_fuel(self) -> float:
        """Gas volume per kWh of fuel energy [m³/kWh]."""
        return GJ_PER_KWH / self.gas_ncv_gj_per_m3

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly view, stored with every run."""
        return {
            "grid_tco2_per_mwh": self.grid_tco2_per_kwh * 1000,
            "gas_tco2_per_m3": self.gas_tco2_per_m3,
            "gas_ncv_gj_per_m3": self.gas_ncv_gj_per_m3,
            "heat_tco2_per_gj": self.heat_tco2_per_gj,
            "electricity_kgce_per_kwh": self.electricity_tce_per_kwh * 1000,
            "gas_kgce_per_m3": self.gas_tce_per_m3 * 1000,
            "heat_tce_per_gj": self.heat_tce_per_gj,
            "export_rule": str(self.export_rule),
            "factor_set": self.factor_set,
            "factor_ids": list(self.factor_ids),
        }


def carbon_factors(
    factor_set: FactorSet,
    *,
    grid_year: int = 2022,
    grid_calibre: str = "fossil",
    region: str = "全国",
    export_rule: ExportRule = ExportRule.NET_INFLOW,
) -> CarbonFactors:
    """Coefficients from a ``zeropark.factors.FactorSet``.

    Parameters
    ----------
    factor_set : zeropark.factors.FactorSet
        The accounting engine's factor set (e.g. ``load_factor_set("CN-park-2025")``).
    grid_year, grid_calibre, region
        Which grid factor (ACCOUNTING.md §2.4; park-method default: fossil 2022).
    export_rule : ExportRule
        Whether exports reduce the grid inflow (net inflow, default) or not.

    Raises
    ------
    zeropark.errors.FactorNotFound
        When the set lacks one of the factors.
    """
    grid = factor_set.grid_electricity(GridCalibre(grid_calibre), grid_year, region)
    gas = factor_set.fuel(Carrier.NATURAL_GAS)
    heat = factor_set.heat()
    e_tce = factor_set.standard_coal(Carrier.ELECTRICITY)
    g_tce = factor_set.standard_coal(Carrier.NATURAL_GAS)
    h_tce = factor_set.standard_coal(Carrier.STEAM)
    ids = [grid.id, heat.id, e_tce.id, g_tce.id, h_tce.id, *(f.id for f in gas.factors)]
    return CarbonFactors(
        grid_tco2_per_kwh=_per_kwh(grid.value, grid.unit),
        gas_tco2_per_m3=float(gas.ef_tco2_per_unit),
        gas_ncv_gj_per_m3=float(gas.ncv_gj_per_unit),
        heat_tco2_per_gj=float(heat.value),
        electricity_tce_per_kwh=float(e_tce.value),
        gas_tce_per_m3=float(g_tce.value),
        heat_tce_per_gj=float(h_tce.value),
        export_rule=export_rule,
        factor_set=f"{factor_set.name} {factor_set.version}",
        factor_ids=tuple(ids),
    )


def _per_kwh(value: float, unit: str) -> float:
    """Grid factor to tCO2/kWh from tCO2/MWh (or kgCO2/kWh, the same number)."""
    u = unit.replace(" ", "").lower()
    if u in {"tco2/mwh", "kgco2/kwh"}:
        return float(value) / 1000.0
    if u == "tco2/kwh":
        return float(value)
    raise ValueError(f"grid factor unit '{unit}' not understood; expected tCO2/MWh")


#: Park-method defaults of ACCOUNTING.md (§1.3, §2.1, §2.2, §2.3) for when no FactorSet is at hand
#: (tests, the PyPSA benchmark). A run from the CLI or API always uses :func:`carbon_factors`.
PARK_METHOD_DEFAULTS = CarbonFactors(
    grid_tco2_per_kwh=0.8325e-3,  # national fossil-power factor 2022 [P], 0.8325 tCO2/MWh
    gas_tco2_per_m3=21.6219e-4,  # 389.31 GJ/10⁴Nm³ × 15.3e-3 tC/GJ × 0.99 × 44/12 / 10⁴
    gas_ncv_gj_per_m3=0.038931,  # 389.31 GJ/10⁴Nm³
    heat_tco2_per_gj=0.11,  # GB/T 32150 default
    electricity_tce_per_kwh=0.1229e-3,  # 当量值 0.1229 kgce/kWh
    gas_tce_per_m3=1.2143e-3,  # 1.2143 kgce/m³ (GB/T 2589 App. A)
    heat_tce_per_gj=0.03412,  # 0.03412 tce/GJ
    factor_set="ACCOUNTING.md defaults",
)
