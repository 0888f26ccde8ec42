"""The park's battery (园区储能电站, 5 MW / 10 MWh): its daily cycle and its two meters."""

from __future__ import annotations

import numpy as np

from zeropark.demo.electricity import DISTRIBUTION_METER_ID
from zeropark.demo.meters import MeterBook
from zeropark.demo.site import PARK_ID
from zeropark.model import Carrier, Direction, Enterprise, Meter, MeterKind

BESS_POWER_KW = 5_000.0
BESS_ENERGY_KWH = 10_000.0
BESS_EFFICIENCY = 0.92  # round trip [-]


def battery_schedule(hour: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Charge and discharge energy of the battery per hour [kWh] (one cycle a day).

    Rule-based: charge in the 江苏 valley hours (00:00–04:00 at 2.5 MW, 10 MWh delivered to the
    cells less losses), discharge in the evening peak (18:00–21:00); the round-trip efficiency is
    :data:`BESS_EFFICIENCY`.
    """
    charge = np.where(hour < 4, BESS_ENERGY_KWH / 4.0, 0.0)
    discharge = np.where((hour >= 18) & (hour < 22), BESS_ENERGY_KWH * BESS_EFFICIENCY / 4.0, 0.0)
    return charge, discharge


def add_battery_meters(
    book: MeterBook, bess: Enterprise, charge_kwh: np.ndarray, discharge_kwh: np.ndarray
) -> None:
    """The charging meter (level 2, under the distribution total) and the discharge meter (level 1)."""
    for suffix, direction, parent_id, level, values, name in (
        ("CH", Direction.CONSUMPTION, DISTRIBUTION_METER_ID, 2, charge_kwh, "储能 充电表"),
        ("DIS", Direction.GENERATION, None, 1, discharge_kwh, "储能 放电表"),
    ):
        meter = Meter(
            id=f"{bess.id}-EL-{suffix}",
            park_id=PARK_ID,
            carrier=Carrier.ELECTRICITY,
            unit="kWh",
            direction=direction,
            kind=MeterKind.INTERVAL,
            enterprise_id=bess.id,
            parent_id=parent_id,
            level=level,
            multiplier=1.0,
            accuracy_class=0.5,
            rated_capacity=BESS_POWER_KW * 1.1,
            name=name,
        )
        book.add(meter, values)
