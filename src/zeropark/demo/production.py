"""Product outputs of the demo's energy-intensive tenants (产品产量, 示例数据).

Three tenants make a product of the energy-limit table (:mod:`zeropark.roadmap.benchmarks`):
the first ``2651`` chemicals tenant 烧碱 (membrane liquid caustic soda), the ``2614`` organic
chemicals tenant 甲醇, the data centre its IT load (the denominator of 电能比). The output is
the tenant's estimated energy (electricity at 0.1229 kgce/kWh, the 当量值 of GB/T 2589-2020 that
the accounting uses by default, plus steam at 0.03412 tce/GJ) divided by a seeded target
intensity, scaled to the generated days — so each product lands at a plausible grade; the
platform's figure is then computed from the accounted energy, not from this estimate. A separate
generator (seed, 15) keeps the main stream of draws, and so every other demo value, unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zeropark.demo.tenants import Tenant
from zeropark.model import Enterprise, ProductOutput

#: Rough energy estimate of a tenant: electricity [kgce/kWh] and steam [tce/GJ] (demo only).
_KGCE_PER_KWH = 0.1229
_TCE_PER_GJ = 0.03412
_HOURS = 8760.0


def _energy_tce(t: Tenant) -> float:
    return t.annual_mwh * 1000.0 * _KGCE_PER_KWH / 1000.0 + t.steam_gj_per_h * _HOURS * _TCE_PER_GJ


def product_outputs(
    tenants: Sequence[Tenant], enterprises: Sequence[Enterprise], year: int, n_days: int, seed: int
) -> tuple[ProductOutput, ...]:
    """The demo's product outputs for ``year`` (示例数据), scaled to the generated days."""
    rng = np.random.default_rng([seed, 15])
    scale = n_days / 365.0
    out: list[ProductOutput] = []
    caustic_done = False
    for t, e in zip(tenants, enterprises, strict=True):
        if t.sector == "datacentre":
            pue = float(rng.uniform(1.25, 1.45))
            it_kwh = t.annual_mwh * 1000.0 * scale / pue
            out.append(
                ProductOutput(
                    e.id, year, "data_centre_pue", round(it_kwh, 0), "kWh (IT equipment)", None, "示例数据"
                )
            )
        elif t.industry_code == "2651" and not caustic_done:
            caustic_done = True
            target = float(rng.uniform(320.0, 348.0))  # kgce/t
            qty = _energy_tce(t) * scale * 1000.0 / target
            out.append(
                ProductOutput(
                    e.id, year, "caustic_soda_membrane_30", round(qty, 1), "t (100% NaOH)", None, "示例数据"
                )
            )
        elif t.industry_code == "2614":
            target = float(rng.uniform(1500.0, 1900.0))  # kgce/t
            qty = _energy_tce(t) * scale * 1000.0 / target
            out.append(ProductOutput(e.id, year, "methanol_coal", round(qty, 1), "t", None, "示例数据"))
    return tuple(out)
