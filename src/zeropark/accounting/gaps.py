"""Reconciliation gaps (对账差异): what does not add up, the rows involved and a bilingual message."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class GapKind(StrEnum):
    """What kind of inconsistency a :class:`Gap` reports."""

    PARK_VS_PARTIES = "park_vs_parties"
    METER_BALANCE = "meter_balance"
    CLAIM_DUPLICATE = "claim_duplicate"
    CLAIM_PERIOD = "claim_period"
    CLAIM_OTHER_YEAR = "claim_other_year"
    CLAIM_ONSITE_DOUBLE = "claim_onsite_double"
    CLAIM_CAPPED = "claim_capped"
    TRANSFER_MISMATCH = "transfer_mismatch"
    INCOMPLETE_DATA = "incomplete_data"


#: Gap kinds that make a green-power claim invalid (the engine raises ``DoubleClaim`` on them).
CLAIM_ERRORS: frozenset[GapKind] = frozenset(
    {GapKind.CLAIM_DUPLICATE, GapKind.CLAIM_PERIOD, GapKind.CLAIM_ONSITE_DOUBLE}
)


@dataclass(frozen=True, slots=True)
class Gap:
    """对账差异: one inconsistency, the rows (ids) involved, its size and a bilingual message."""

    kind: GapKind
    rows: tuple[str, ...]
    message_zh: str
    message_en: str
    magnitude: float | None = None
    unit: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "kind": self.kind.value,
            "rows": list(self.rows),
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "magnitude": self.magnitude,
            "unit": self.unit,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Gap:
        """Inverse of :meth:`to_dict`."""
        return cls(
            kind=GapKind(d["kind"]),
            rows=tuple(d["rows"]),
            message_zh=d["message_zh"],
            message_en=d["message_en"],
            magnitude=d.get("magnitude"),
            unit=d.get("unit", ""),
        )
