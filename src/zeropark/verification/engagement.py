"""核查约定 The verification engagement: which run, what scope, which assurance, what materiality.

A verification (核查) under ISO 14064-3:2019 ("Greenhouse gases — Part 3: Specification with
guidance for the verification and validation of greenhouse gas statements", ISO, 2019-04) is agreed
before it starts: the GHG statement verified (here: one stored inventory run, pinned by its input
fingerprint), the scope, the **level of assurance** (reasonable or limited) and the **materiality**
— the misstatement, as a share of the total emissions, above which the verifier's opinion changes.

ISO 14064-3:2019 leaves the materiality to the agreement between verifier and client. A threshold of
5 % of total emissions is common practice; the EU ETS verification regulation, for instance, sets
5 % for installations below 500 kt CO2e a year and 2 % above (Commission Implementing Regulation
(EU) 2018/2067, Art. 23). [UNCERTAIN: recalled, not checked against the published text] — hence
:data:`DEFAULT_MATERIALITY_PCT` is only a default, stored with each engagement and configurable.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from zeropark.errors import DataError

__all__ = [
    "DEFAULT_MATERIALITY_PCT",
    "Assurance",
    "Engagement",
    "check_engagement",
    "materiality_tco2e",
]

#: Materiality threshold [% of total emissions] when the engagement names none. [UNCERTAIN] common
#: practice (EU 2018/2067 Art. 23: 5 % below 500 kt CO2e/a), configurable per engagement.
DEFAULT_MATERIALITY_PCT = 5.0


class Assurance(StrEnum):
    """保证等级 Level of assurance (ISO 14064-3:2019, 3.4.x "level of assurance" [UNCERTAIN clause])."""

    REASONABLE = "reasonable"  # 合理保证
    LIMITED = "limited"  # 有限保证


ASSURANCE_LABEL: dict[Assurance, tuple[str, str]] = {
    Assurance.REASONABLE: ("合理保证", "reasonable assurance"),
    Assurance.LIMITED: ("有限保证", "limited assurance"),
}
"""Bilingual label (中文, English) of each level."""


@dataclass(frozen=True, slots=True)
class Engagement:
    """核查约定: one verification of one inventory run.

    Attributes
    ----------
    run_id, run_fingerprint : int, str
        The inventory run verified and its input fingerprint (SHA-256 of the rows used).
    total_tco2e : float
        The run's total emissions [tCO2e], the base of the materiality.
    materiality_pct : float
        Materiality threshold [% of ``total_tco2e``].
    seed : int
        Seed of the sampling plan (stored, so the plan is reproduced exactly).
    """

    park_id: str
    run_id: int
    run_fingerprint: str
    year: int
    method: str
    total_tco2e: float
    scope_text: str
    assurance: Assurance
    materiality_pct: float
    seed: int


def check_engagement(e: Engagement) -> None:
    """Refuse an engagement that cannot be worked with.

    Raises
    ------
    DataError
        Materiality not in (0, 100] %, a negative seed, or an empty scope.
    """
    if not 0 < e.materiality_pct <= 100:
        raise DataError(
            f"materiality {e.materiality_pct!r} % is not in (0, 100]; give a share of the total "
            f"emissions, e.g. {DEFAULT_MATERIALITY_PCT}"
        )
    if e.seed < 0:
        raise DataError(f"seed {e.seed} is negative; give a whole number ≥ 0")
    if not e.scope_text.strip():
        raise DataError("the engagement's scope is empty; say what is verified (boundary, year, method)")


def materiality_tco2e(total_tco2e: float, materiality_pct: float) -> float:
    """Materiality [tCO2e] = ``materiality_pct`` / 100 × |total| [tCO2e].

    >>> materiality_tco2e(1200.0, 5.0)
    60.0
    """
    return abs(total_tco2e) * materiality_pct / 100.0
