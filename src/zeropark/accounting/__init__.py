"""核算 accounting: the pure core that turns an :class:`~zeropark.model.AccountingInput` into an inventory.

``run(inputs, factors, options) -> Inventory`` — see :mod:`zeropark.accounting.engine`. Methods:
:mod:`~zeropark.accounting.national` (零碳园区碳排放核算方法（试行）) and :mod:`~zeropark.accounting.ghg`
(GHG Protocol). Options naming every [UNCERTAIN] choice: :mod:`~zeropark.accounting.options`.
Checks: :mod:`~zeropark.accounting.reconcile`. No I/O here.
"""

from zeropark.accounting.engine import ParkViews, canonical_input, input_fingerprint, run, run_views
from zeropark.accounting.gaps import Gap, GapKind
from zeropark.accounting.inventory import (
    CONSUMER_BASIS_EN,
    CONSUMER_BASIS_ZH,
    INTERNAL_TRANSFERS,
    PARK_LEVEL,
    PUBLIC_FACILITIES,
    ConsumerShare,
    Inventory,
    ShareKind,
)
from zeropark.accounting.lineitems import Category, Elimination, FactorUse, LineItem, Note, Scope2Basis
from zeropark.accounting.matching import HourlyMatch, ShareStatus
from zeropark.accounting.options import (
    AccountingOptions,
    CleanEnergyScope,
    ElectricityCoalBasis,
    ExportRule,
    FactorYearFallback,
    FactorYearRule,
    GreenCap,
    GridArea,
    GwpSet,
    NegativeNetInflow,
    OnsiteRenewables,
    PurchasedHeatFactor,
    ResidualFallback,
)
from zeropark.accounting.uncertainty import Interval

__all__ = [
    "CONSUMER_BASIS_EN",
    "CONSUMER_BASIS_ZH",
    "INTERNAL_TRANSFERS",
    "PARK_LEVEL",
    "PUBLIC_FACILITIES",
    "ConsumerShare",
    "ShareKind",
    "AccountingOptions",
    "Category",
    "CleanEnergyScope",
    "ElectricityCoalBasis",
    "Elimination",
    "ExportRule",
    "FactorUse",
    "FactorYearFallback",
    "FactorYearRule",
    "Gap",
    "GapKind",
    "GreenCap",
    "GridArea",
    "GwpSet",
    "HourlyMatch",
    "Interval",
    "Inventory",
    "LineItem",
    "NegativeNetInflow",
    "Note",
    "OnsiteRenewables",
    "ParkViews",
    "PurchasedHeatFactor",
    "ResidualFallback",
    "Scope2Basis",
    "ShareStatus",
    "canonical_input",
    "input_fingerprint",
    "run",
    "run_views",
]
