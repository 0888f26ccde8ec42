"""Factor library (因子库): cited, versioned emission factors and coefficients (DESIGN.md §2, §4).

Built-in data live in ``zeropark/factors/data/*.csv``; every row cites a source of
``sources.csv``. Use :func:`load_factor_set` for the built-in set (``CN-park-2025``) and
:func:`load_custom_csv` to lay a user's own factors (supplier grid factor, measured NCV) over it.
"""

from __future__ import annotations

from zeropark.factors.factorset import (
    NATIONAL,
    Confidence,
    Factor,
    FactorKind,
    FactorSet,
    FuelParameters,
    GridCalibre,
    Source,
    StandardCoalBasis,
    canonical_unit,
)
from zeropark.factors.loader import (
    BUILTIN_SET,
    builtin_set_names,
    is_builtin_factor,
    load_custom_csv,
    load_factor_set,
    parse_custom_csv,
    set_from_content,
    user_factors,
)

__all__ = [
    "is_builtin_factor",
    "user_factors",
    "BUILTIN_SET",
    "NATIONAL",
    "Confidence",
    "Factor",
    "FactorKind",
    "FactorSet",
    "FuelParameters",
    "GridCalibre",
    "Source",
    "StandardCoalBasis",
    "builtin_set_names",
    "canonical_unit",
    "load_custom_csv",
    "load_factor_set",
    "parse_custom_csv",
    "set_from_content",
]
