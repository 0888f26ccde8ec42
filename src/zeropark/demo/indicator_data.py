"""Guiding-indicator inputs of the demo (引导性指标, 示例数据): waste, waste heat, water, products.

Seeded values in the range a park of the demo's size reports, scaled to the generated days; the
products' energy intensities are compared with invented 示例 limits.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zeropark.demo.tenants import Tenant
from zeropark.model import Enterprise, IndicatorData


def indicator_data(
    tenants: Sequence[Tenant],
    enterprises: Sequence[Enterprise],
    fresh_water_m3: float,
    n_days: int,
    rng: np.random.Generator,
) -> IndicatorData:
    """Guiding-indicator inputs for the year (示例数据), scaled to the generated days."""
    scale = n_days / 365.0
    waste = sum(t.annual_mwh for t in tenants) * 0.16 * scale  # t of industrial solid waste
    reuse_rate = float(rng.uniform(0.80, 0.86))
    return IndicatorData(
        industrial_solid_waste_generated_t=round(waste, 1),
        industrial_solid_waste_utilised_t=round(waste * float(rng.uniform(0.82, 0.9)), 1),
        waste_heat_available_gj=round(1_560_000.0 * scale, 1),
        waste_heat_utilised_gj=round(1_560_000.0 * scale * float(rng.uniform(0.52, 0.6)), 1),
        water_total_use_m3=round(fresh_water_m3 / (1.0 - reuse_rate), 1),
        water_reused_m3=round(fresh_water_m3 / (1.0 - reuse_rate) * reuse_rate, 1),
        product_energy_intensity={
            "示例产品A 轻质碳酸钙 [kgce/t]（示例限额）": (round(float(rng.uniform(95, 110)), 1), 120.0),
            "示例产品B 印染布 [kgce/100m]（示例限额）": (round(float(rng.uniform(30, 38)), 1), 35.0),
        },
        value_added_10k_cny=round(sum(e.value_added_10k_cny or 0.0 for e in enterprises) * scale, 1),
    )
