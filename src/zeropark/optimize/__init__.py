"""优化调度与容量配置: dispatch and sizing LP/MILP (linopy + HiGHS), tariffs, result reading.

Pure core (no database, web or network code; it takes numbers, arrays and frames): the shell —
:mod:`zeropark.services.optimization`, called by the API, the web page and ``zeropark optimize`` —
gets the profiles, builds an :class:`EnergySystem` with :mod:`zeropark.optimize.scenario`, calls
:func:`optimise` / :func:`demand_response`, and stores the :class:`OptimizationResult`.
The model is written out as equations in docs/optimisation.md.
"""

from zeropark.optimize.carbon import PARK_METHOD_DEFAULTS, CarbonFactors, ExportRule, carbon_factors
from zeropark.optimize.finance import annualised_capex_cny_per_unit_a, capital_recovery_factor
from zeropark.optimize.result import OptimizationResult, RunStatus, SolverOptions
from zeropark.optimize.solve import demand_response, optimise
from zeropark.optimize.system import (
    CHP,
    Battery,
    DemandResponseEvent,
    Economics,
    EnergySystem,
    Extendable,
    FlexibleLoad,
    GasBoiler,
    GreenPowerContract,
    GridConnection,
    HeatPump,
    HeatPurchase,
    Horizon,
    Mode,
    Renewable,
    Targets,
    ThermalStorage,
)
from zeropark.optimize.tariff import Tariff, TouPeriod, flat_tariff, load_tariff, load_tariffs

__all__ = [
    "CHP",
    "PARK_METHOD_DEFAULTS",
    "Battery",
    "CarbonFactors",
    "DemandResponseEvent",
    "Economics",
    "EnergySystem",
    "ExportRule",
    "Extendable",
    "FlexibleLoad",
    "GasBoiler",
    "GreenPowerContract",
    "GridConnection",
    "HeatPump",
    "HeatPurchase",
    "Horizon",
    "Mode",
    "OptimizationResult",
    "Renewable",
    "RunStatus",
    "SolverOptions",
    "Tariff",
    "Targets",
    "ThermalStorage",
    "TouPeriod",
    "annualised_capex_cny_per_unit_a",
    "capital_recovery_factor",
    "carbon_factors",
    "demand_response",
    "flat_tariff",
    "load_tariff",
    "load_tariffs",
    "optimise",
]
