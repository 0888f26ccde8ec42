"""Internal transfers (内部转供) of the demo: the CHP's steam and electricity sold inside the park.

The park counts the CHP's gas once; an enterprise's view shows the steam and electricity it bought
from the CHP as purchased energy, and the accounting eliminates the transfer at park level.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from zeropark.demo.site import PARK_ID
from zeropark.demo.timeline import Timeline
from zeropark.model import Carrier, Enterprise, Transfer


def steam_transfers(
    chp: Enterprise, steam_demand_gj: dict[str, np.ndarray], hours: Timeline
) -> tuple[Transfer, ...]:
    """The steam each steam user took from the CHP [GJ], monthly (its steam meter's month)."""
    return tuple(
        Transfer(
            f"{PARK_ID}-TR-ST-{eid.rsplit('-', 1)[-1]}-{m:%Y%m}",
            chp.id,
            eid,
            Carrier.STEAM,
            m,
            round(float(steam_demand_gj[eid][hours.month_index == m.month - 1].sum()), 3),
        )
        for eid in sorted(steam_demand_gj)
        for m in hours.months
    )


def chp_electricity_transfers(
    chp: Enterprise,
    consumers: Sequence[Enterprise],
    consumers_kwh: Sequence[np.ndarray],
    chp_net_kwh: np.ndarray,
    hours: Timeline,
) -> tuple[Transfer, ...]:
    """CHP electricity sold to consumers over the park grid (内部转供), monthly, pro rata to use.

    Every hour the CHP's net output is shared among the main meters in proportion to their
    consumption (the park grid mixes it with grid and PV supply); the month's sum per consumer is
    its transfer. The enterprise view shows it as electricity bought inside the park; the park
    counts the CHP's gas once.
    """
    load = np.sum(consumers_kwh, axis=0)
    share = np.divide(chp_net_kwh, load, out=np.zeros_like(load), where=load > 0)
    out: list[Transfer] = []
    for ent, kwh in zip(consumers, consumers_kwh, strict=True):
        got = kwh * np.minimum(share, 1.0)
        out += _monthly_electricity(chp, ent, got, hours.months, hours.month_index)
    return tuple(out)


def _monthly_electricity(
    chp: Enterprise, ent: Enterprise, got_kwh: np.ndarray, months: Sequence[date], month_index: np.ndarray
) -> list[Transfer]:
    """The months in which ``ent`` took CHP electricity [kWh], one transfer each."""
    out = []
    for m in months:
        q = round(float(got_kwh[month_index == m.month - 1].sum()), 3)
        if q > 0:
            out.append(
                Transfer(
                    f"{PARK_ID}-TR-EL-{ent.id.rsplit('-', 1)[-1]}-{m:%Y%m}",
                    chp.id,
                    ent.id,
                    Carrier.ELECTRICITY,
                    m,
                    q,
                )
            )
    return out
