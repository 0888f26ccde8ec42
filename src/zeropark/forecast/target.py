"""预测对象: what a forecast is for — the park's load, an enterprise's, a meter's, or the park's PV (pure).

Written ``park``, ``pv``, ``enterprise:<id>`` or ``meter:<id>`` on the command line and stored in
that form with a forecast run (``forecast_run.target``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TargetKind(StrEnum):
    """What is forecast: the park, an enterprise, a meter, or the park's PV."""

    PARK = "park"
    ENTERPRISE = "enterprise"
    METER = "meter"
    PV = "pv"


@dataclass(frozen=True, slots=True)
class Target:
    """A forecast target: ``park``, ``enterprise:<id>``, ``meter:<id>`` or ``pv``."""

    kind: TargetKind
    ident: str | None = None

    def __str__(self) -> str:
        return self.kind.value if self.ident is None else f"{self.kind.value}:{self.ident}"


def parse_target(text: str) -> Target:
    """Parse ``park``, ``pv``, ``enterprise:<id>`` or ``meter:<id>``.

    Raises
    ------
    ValueError
        Naming the accepted forms.

    Examples
    --------
    >>> parse_target("meter:demo-park-EL-DIST")
    Target(kind=<TargetKind.METER: 'meter'>, ident='demo-park-EL-DIST')
    """
    kind, sep, ident = text.strip().partition(":")
    forms = "park, pv, enterprise:<id> or meter:<id>"
    try:
        k = TargetKind(kind.lower())
    except ValueError as exc:
        raise ValueError(f"target '{text}' is not one of {forms}") from exc
    if k in (TargetKind.PARK, TargetKind.PV):
        if sep:
            raise ValueError(f"target '{text}': '{k.value}' takes no id ({forms})")
        return Target(k)
    if not ident:
        raise ValueError(f"target '{text}': give the id, e.g. '{k.value}:<id>' ({forms})")
    return Target(k, ident)
