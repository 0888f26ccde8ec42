"""The energy system an optimisation runs on: horizon, loads, assets, tariff, carbon and targets.

Plain frozen values (no solver objects): the shell builds one from the store, a CSV or a forecast,
:mod:`zeropark.optimize.build` turns it into a linopy model. Powers are in kW (electric ``_kw``,
thermal ``_kw`` of heat), energies in kWh, prices in CNY. Series are NumPy arrays aligned with
``Horizon.index_local``; a scalar is broadcast to every step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt
import pandas as pd

from zeropark.optimize.carbon import CarbonFactors
from zeropark.optimize.tariff import Tariff

FloatArray = npt.NDArray[np.float64]
Series = float | Sequence[float] | FloatArray


def as_series(value: Series, n: int, name: str) -> FloatArray:
    """Broadcast a scalar or check an array of length ``n``.

    Raises
    ------
    ValueError
        If the length differs from the horizon or a value is not finite.
    """
    arr = np.full(n, float(value)) if isinstance(value, int | float) else np.asarray(value, dtype=np.float64)
    if arr.shape != (n,):
        raise ValueError(f"{name}: expected {n} values (one per time step), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise ValueError(f"{name}: value at step {bad} is not a finite number")
    return arr


class Mode(StrEnum):
    """What a run optimises."""

    DISPATCH = "dispatch"  # day-ahead operation of the existing assets
    SIZE = "size"  # investment + operation over a year (8760 h or representative days)
    DEMAND_RESPONSE = "demand_response"  # least-cost reduction of grid import in a window


@dataclass(frozen=True, slots=True, eq=False)
class Horizon:
    """Time steps of a run.

    Attributes
    ----------
    index_local : pd.DatetimeIndex
        Start of each step in local time (Asia/Shanghai), used for the tariff and the month.
    dt_h : float
        Step length [h] (1.0 hourly, 0.25 for 15 minutes).
    weight_h : FloatArray | None
        Hours of the year each step stands for (representative days: dt × days represented);
        ``None`` = ``dt_h``. Operating cost, emissions and shares are weighted by it.
    group : npt.NDArray[np.int64] | None
        Cyclic group of each step (representative day number); storage is cyclic within a group.
        ``None`` = one group.
    """

    index_local: pd.DatetimeIndex
    dt_h: float = 1.0
    weight_h: FloatArray | None = None
    group: npt.NDArray[np.int64] | None = None

    def __post_init__(self) -> None:
        if self.dt_h <= 0:
            raise ValueError(f"dt_h must be > 0 hours, {self.dt_h} was given")
        if len(self.index_local) == 0:
            raise ValueError("the horizon has no time steps")

    @property
    def n(self) -> int:
        """Number of steps."""
        return len(self.index_local)

    @property
    def weights_h(self) -> FloatArray:
        """Hours each step stands for [h]."""
        if self.weight_h is None:
            return np.full(self.n, self.dt_h)
        return as_series(self.weight_h, self.n, "horizon.weight_h")

    @property
    def groups(self) -> npt.NDArray[np.int64]:
        """Cyclic group of each step."""
        if self.group is None:
            return np.zeros(self.n, dtype=np.int64)
        return np.asarray(self.group, dtype=np.int64)

    @classmethod
    def hourly(cls, start_local: str, hours: int, *, dt_h: float = 1.0) -> Horizon:
        """``hours`` of steps of ``dt_h`` from ``start_local`` (e.g. ``"2026-07-15"``)."""
        steps = int(round(hours / dt_h))
        index = pd.date_range(start_local, periods=steps, freq=pd.Timedelta(hours=dt_h))
        return cls(index_local=index, dt_h=dt_h)


@dataclass(frozen=True, slots=True)
class Extendable:
    """Makes a capacity a decision variable with an annualised capital cost.

    Attributes
    ----------
    capex_cny_per_unit : float
        Overnight investment per unit [CNY/kW] or [CNY/kWh].
    lifetime_years : float
        Economic lifetime [a].
    fixed_om_share_per_a : float
        Fixed O&M as a share of capex per year [1/a].
    min_unit, max_unit : float
        Bounds on the capacity [kW] or [kWh] (site area, grid connection, budget).
    annualised_cny_per_unit_a : float | None
        The yearly cost of one unit given directly [CNY/(kW·a)] or [CNY/(kWh·a)] (e.g. a lease or
        a quote's annuity); replaces CRF × capex + fixed O&M (see :meth:`annual`).
    """

    capex_cny_per_unit: float
    lifetime_years: float
    fixed_om_share_per_a: float = 0.0
    min_unit: float = 0.0
    max_unit: float = math.inf
    annualised_cny_per_unit_a: float | None = None

    def __post_init__(self) -> None:
        a = self.annualised_cny_per_unit_a
        if a is not None and (not math.isfinite(a) or a < 0):
            raise ValueError(
                f"annualised capital cost must be a number ≥ 0 CNY per unit and year, {a} was given"
            )

    @classmethod
    def annual(
        cls, cny_per_unit_a: float, *, min_unit: float = 0.0, max_unit: float = math.inf
    ) -> Extendable:
        """A capacity whose yearly cost per unit is given directly [CNY/(unit·a)].

        Examples
        --------
        >>> Extendable.annual(120.0, max_unit=500.0).annualised_cny_per_unit_a
        120.0
        """
        return cls(0.0, 1.0, 0.0, min_unit, max_unit, cny_per_unit_a)


@dataclass(frozen=True, slots=True, eq=False)
class Renewable:
    """A PV array or wind farm: output ≤ availability × capacity (curtailment allowed)."""

    name: str
    kind: str  # "pv" | "wind"
    capacity_kw: float
    availability_pu: Series
    extendable: Extendable | None = None


@dataclass(frozen=True, slots=True)
class Battery:
    """储能电池: state of charge with charge/discharge efficiency and standing loss.

    ``cyclic`` ties the end state to the start state (per cyclic group); otherwise the run starts
    at ``soc_initial_kwh`` and ends with at least ``soc_final_min_kwh``.

    ``duration_h`` fixes the energy to power ratio, E = h · P (a 2-hour or 4-hour product, like
    PyPSA's ``StorageUnit.max_hours``): with ``extend_power`` power and energy are sized together
    (the added energy is h × the added power, and ``extend_energy``, when given, prices it);
    ``energy_kwh`` must then equal ``duration_h × power_kw``. Without it power and energy are
    sized independently.
    """

    name: str
    power_kw: float
    energy_kwh: float
    eta_charge: float = 0.95
    eta_discharge: float = 0.95
    standing_loss_per_h: float = 0.0
    soc_min_pu: float = 0.0
    cyclic: bool = True
    soc_initial_kwh: float = 0.0
    soc_final_min_kwh: float = 0.0
    extend_power: Extendable | None = None
    extend_energy: Extendable | None = None
    duration_h: float | None = None


@dataclass(frozen=True, slots=True)
class ThermalStorage:
    """蓄热罐: a heat store (same equations as the battery, on the heat bus)."""

    name: str
    power_kw: float
    energy_kwh: float
    eta_charge: float = 0.98
    eta_discharge: float = 0.98
    standing_loss_per_h: float = 0.005
    cyclic: bool = True
    soc_initial_kwh: float = 0.0
    soc_final_min_kwh: float = 0.0
    extend_energy: Extendable | None = None


@dataclass(frozen=True, slots=True)
class GridConnection:
    """并网点: import and export limits under a time-of-use tariff with a monthly demand charge.

    ``demand_floor_kw`` is the peak already reached this month before the horizon (day-ahead runs
    pay the demand charge only on what they add above it). ``energy_price_cny_per_kwh``, when given,
    is the import price of each step [CNY/kWh] (an hourly price series, e.g. a spot or 代理购电
    price file) and replaces the tariff's TOU energy prices; the tariff still gives the demand
    charge and the export price.
    """

    tariff: Tariff
    import_max_kw: float = math.inf
    export_max_kw: float = 0.0
    demand_floor_kw: float = 0.0
    demand_charge: bool = True
    energy_price_cny_per_kwh: Series | None = None


@dataclass(frozen=True, slots=True)
class CHP:
    """燃气热电联产: gas in, electricity and heat out at fixed efficiencies (back-pressure).

    With ``commitment`` the unit is on/off (binary, MILP) with a minimum load; ``ramp_pu_per_h``
    limits the change of electric output between steps.
    """

    name: str
    electric_max_kw: float
    eta_electric: float = 0.35
    eta_heat: float = 0.45
    gas_price_cny_per_m3: float = 3.0
    min_load_pu: float = 0.0
    ramp_pu_per_h: float | None = None
    commitment: bool = False
    vom_cny_per_kwh: float = 0.0


@dataclass(frozen=True, slots=True)
class GasBoiler:
    """燃气锅炉: gas to heat at a fixed efficiency."""

    name: str
    heat_max_kw: float
    efficiency: float = 0.92
    gas_price_cny_per_m3: float = 3.0


@dataclass(frozen=True, slots=True, eq=False)
class HeatPump:
    """热泵: electricity to heat with a coefficient of performance (scalar or per step)."""

    name: str
    heat_max_kw: float
    cop: Series = 3.0
    extendable: Extendable | None = None


@dataclass(frozen=True, slots=True)
class HeatPurchase:
    """外购热力 from outside the park [CNY/GJ], counted with the FactorSet's heat factor."""

    max_kw: float = math.inf
    price_cny_per_gj: float = 60.0


@dataclass(frozen=True, slots=True, eq=False)
class GreenPowerContract:
    """绿电交易: green electricity delivered through the grid with a premium over the tariff.

    Green kWh in a step are capped by the contract profile and by the grid import of that step
    (an exported kWh carries no claim); ``min_energy_kwh`` is a take-or-pay volume.
    """

    name: str
    max_kw: Series
    premium_cny_per_kwh: float = 0.03
    min_energy_kwh: float = 0.0


@dataclass(frozen=True, slots=True)
class FlexibleLoad:
    """可中断负荷: load that can be curtailed at a cost (production deferred, comfort lost)."""

    max_curtail_kw: float
    cost_cny_per_kwh: float


@dataclass(frozen=True, slots=True)
class DemandResponseEvent:
    """需求响应事件 (like an OpenADR event): cut grid import by ``reduction_kw`` below a baseline."""

    start_local: pd.Timestamp
    end_local: pd.Timestamp
    reduction_kw: float
    incentive_cny_per_kwh: float = 0.0


@dataclass(frozen=True, slots=True)
class Targets:
    """Optional constraints; ``None`` = not imposed.

    Attributes
    ----------
    clean_share_min : float | None
        Clean electricity (on-site renewables consumed + green power) / electricity consumed ≥ x.
    hourly_matching_min : float | None
        Σ min(clean supply, consumption) per step / Σ consumption ≥ y (24/7 matching).
    core_indicator_max_tco2_per_tce : float | None
        National core indicator 单位能耗碳排放 (CO2 / energy tce) ≤ z.
    """

    clean_share_min: float | None = None
    hourly_matching_min: float | None = None
    core_indicator_max_tco2_per_tce: float | None = None


@dataclass(frozen=True, slots=True)
class Economics:
    """Discount rate for annualising capital, and the carbon price [CNY/tCO2]."""

    discount_rate: float = 0.06
    carbon_price_cny_per_tco2: float = 0.0


@dataclass(frozen=True, slots=True, eq=False)
class EnergySystem:
    """Everything one optimisation needs."""

    horizon: Horizon
    electric_load_kw: Series
    grid: GridConnection
    carbon: CarbonFactors
    heat_load_kw: Series = 0.0
    renewables: tuple[Renewable, ...] = ()
    batteries: tuple[Battery, ...] = ()
    chps: tuple[CHP, ...] = ()
    boilers: tuple[GasBoiler, ...] = ()
    heat_pumps: tuple[HeatPump, ...] = ()
    thermal_storages: tuple[ThermalStorage, ...] = ()
    heat_purchase: HeatPurchase | None = None
    green_contracts: tuple[GreenPowerContract, ...] = ()
    flexible_load: FlexibleLoad | None = None
    economics: Economics = field(default_factory=Economics)
    targets: Targets = field(default_factory=Targets)
    demand_response: DemandResponseEvent | None = None
    dr_baseline_import_kw: Series | None = None
    heat_network: str = "steam"  # 蒸汽 / 热水: label of the one heat bus

    @property
    def has_heat(self) -> bool:
        """Whether the model needs a heat balance."""
        n = self.horizon.n
        load = as_series(self.heat_load_kw, n, "heat_load_kw")
        return bool(load.any()) or bool(self.chps or self.boilers or self.heat_pumps or self.thermal_storages)
