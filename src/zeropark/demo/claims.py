"""Green power of the demo (绿电/绿证): certificates of the electronics exporters and a 绿电交易 contract.

Each certificate or contract has a unique id and is claimed once, by one owner, for the year; the
demo's bad inputs claim one certificate a second time, which the import must reject.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from zeropark.demo.tenants import Tenant
from zeropark.demo.timeline import month_end
from zeropark.model import ClaimKind, Enterprise, GreenPowerClaim


def green_power_claims(
    year: int,
    enterprises: Sequence[Enterprise],
    tenants: Sequence[Tenant],
    months: Sequence[date],
    scale: float,
    rng: np.random.Generator,
) -> tuple[GreenPowerClaim, ...]:
    """Green certificates (绿证 GEC) for electronics exporters and one green-power trade contract."""
    start, end = months[0], month_end(months[-1])
    out: list[GreenPowerClaim] = []
    buyers = [(e, t) for e, t in zip(enterprises, tenants, strict=True) if t.sector == "electronics"][:3]
    for n, (ent, ten) in enumerate(buyers, start=1):
        mwh = round(ten.annual_mwh * scale * float(rng.uniform(0.2, 0.5)))
        out.append(
            GreenPowerClaim(
                f"DEMO-GEC-{year}-{n:04d}", ClaimKind.GEC, float(max(mwh, 1)), start, end, ent.id, year
            )
        )
    dc = next(((e, t) for e, t in zip(enterprises, tenants, strict=True) if t.sector == "datacentre"), None)
    if dc is not None:  # 绿电交易 contract covering 60 % of the data centre's electricity
        out.append(
            GreenPowerClaim(
                f"DEMO-GPT-{year}-JS-0001",
                ClaimKind.GREEN_TRADE,
                float(round(dc[1].annual_mwh * scale * 0.6)),
                start,
                end,
                dc[0].id,
                year,
            )
        )
    return tuple(out)
