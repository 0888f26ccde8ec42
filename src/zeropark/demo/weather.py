"""Seeded weather of the demo site (常州): air temperature and the daily clear-sky index."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from zeropark.demo.timeline import Timeline


def daily_temperature_c(doy: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Daily mean air temperature of the site [°C]: 常州 climatology (≈ 3 °C Jan, 28 °C Jul) + noise."""
    clim = 16.0 - 12.5 * np.cos(2 * np.pi * (doy - 18) / 365.0)
    noise = np.zeros(len(doy))
    eps = rng.normal(0.0, 1.6, len(doy))
    for i in range(len(doy)):  # AR(1) weather anomalies
        noise[i] = (0.75 * noise[i - 1] if i else 0.0) + eps[i]
    return clim + noise


def hourly_temperature_c(temp_daily_c: np.ndarray, hours: Timeline) -> np.ndarray:
    """Hourly air temperature [°C]: the daily mean ± 4 K, warmest at 15:00 local."""
    return np.asarray(
        temp_daily_c[hours.day_index] + 4.0 * np.sin(2 * np.pi * (hours.hour - 9) / 24),
    )


def clear_sky_index(days: Sequence[date], rng: np.random.Generator) -> np.ndarray:
    """Seeded daily clear-sky index k = GHI / GHI_clear [-] for 江苏.

    Beta-distributed with a lower mean in the plum-rain season (梅雨, mid-June to mid-July) and
    winter; the annual mean ≈ 0.63 gives ≈ 1 300 kWh/m² GHI on the site, in line with the
    1 200–1 400 kWh/m² of 江苏 in China's solar resource maps (CMA, 风能太阳能资源年景公报).
    """
    doy = np.array([d.timetuple().tm_yday for d in days], dtype=float)
    mean = 0.64 - 0.06 * np.cos(2 * np.pi * (doy - 15) / 365.0)
    plum = (doy >= 166) & (doy <= 196)
    mean = np.where(plum, 0.48, mean)
    conc = 3.2
    return np.asarray(rng.beta(mean * conc, (1 - mean) * conc))
