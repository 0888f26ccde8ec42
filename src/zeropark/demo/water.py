"""The park's water supply: its inlet register (level 1) over each tenant's register (level 2)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zeropark.demo.meters import MeterBook
from zeropark.demo.site import PARK_ID
from zeropark.demo.tenants import Tenant
from zeropark.model import Carrier, Direction, Enterprise, Meter, MeterKind

#: Fresh water per electricity by sector [m³/MWh]; other sectors :data:`OTHER_WATER_M3_PER_MWH`.
WATER_M3_PER_MWH = {"chemicals": 4.0, "textiles": 9.0, "electronics": 2.5, "datacentre": 1.2}
OTHER_WATER_M3_PER_MWH = 0.6
WATER_NETWORK_LOSS = 0.02  # park inlet → tenants' meters [-]
INLET_METER_ID = f"{PARK_ID}-WA-IN"


def add_water_meters(
    book: MeterBook,
    tenants: Sequence[Tenant],
    enterprises: Sequence[Enterprise],
    electricity_kwh: Sequence[np.ndarray],
    rng: np.random.Generator,
) -> list[np.ndarray]:
    """Each tenant's water register and the park's inlet register; returns the tenants' hourly water [m³].

    A tenant's water follows its electricity. Draws, per tenant: its intensity factor, its register
    start; then the inlet's register start.
    """
    fresh: list[np.ndarray] = []
    for tenant, ent, kwh in zip(tenants, enterprises, electricity_kwh, strict=True):
        per_mwh = WATER_M3_PER_MWH.get(tenant.sector, OTHER_WATER_M3_PER_MWH)
        w = kwh / 1000.0 * per_mwh * rng.uniform(0.8, 1.2)
        fresh.append(w)
        meter = _water_meter(
            f"{ent.id}-WA",
            ent.id,
            INLET_METER_ID,
            2,
            Direction.CONSUMPTION,
            float(w.max() * 2.0),
            "自来水入厂表",
        )
        book.add(meter, w, register_start=float(rng.uniform(1_000, 80_000)))
    inlet = np.sum(fresh, axis=0) / (1.0 - WATER_NETWORK_LOSS)
    meter = _water_meter(
        INLET_METER_ID, None, None, 1, Direction.IMPORT, float(inlet.max() * 2.0), "园区供水 总表"
    )
    book.add(meter, inlet, register_start=float(rng.uniform(1e5, 9e5)))
    return fresh


def _water_meter(
    meter_id: str,
    enterprise_id: str | None,
    parent_id: str | None,
    level: int,
    direction: Direction,
    rated_m3_per_h: float,
    name: str,
) -> Meter:
    """A cumulative water meter [m³]."""
    return Meter(
        id=meter_id,
        park_id=PARK_ID,
        carrier=Carrier.WATER,
        unit="m3",
        direction=direction,
        kind=MeterKind.CUMULATIVE,
        enterprise_id=enterprise_id,
        parent_id=parent_id,
        level=level,
        multiplier=1.0,
        accuracy_class=2.0,
        rated_capacity=rated_m3_per_h,
        name=name,
    )
