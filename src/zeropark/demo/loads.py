"""Electricity loads of the demo's consumers: shift patterns, calendar, weather, noise, submeters.

A consumer's hourly load is a unit-mean profile (:func:`load_profile`) times its annual energy; its
workshop submeters split it so that they sum to the main meter minus a small loss
(:func:`split_children`), which keeps the meter tree balanced in every interval.
"""

from __future__ import annotations

import numpy as np

from zeropark.demo.tenants import Tenant
from zeropark.demo.timeline import Timeline


def _shift_shape(shift: str, hour: np.ndarray) -> np.ndarray:
    """Relative load by hour of day on a working day for a shift pattern (mean ≈ 1)."""
    h = hour.astype(float)
    if shift in ("continuous", "datacentre"):
        return 1.0 + 0.04 * np.sin(2 * np.pi * (h - 9) / 24)
    if shift == "three":
        return 1.0 + 0.08 * ((h >= 8) & (h < 20)) - 0.05 * ((h >= 0) & (h < 6))
    if shift == "two":
        return np.asarray(np.where((h >= 8) & (h < 24), 1.25, 0.35) - 0.1 * ((h >= 12) & (h < 13)))
    if shift == "day":
        return np.asarray(np.where((h >= 8) & (h < 17), 1.9, 0.3) - 0.5 * ((h >= 12) & (h < 13)))
    if shift == "logistics":
        return np.asarray(np.where((h >= 6) & (h < 22), 1.15, 0.6) + 0.35 * ((h >= 19) & (h < 23)))
    raise ValueError(f"unknown shift pattern '{shift}'")


def _nonworking_level(shift: str) -> tuple[float, float]:
    """(weekend/holiday level, Spring-Festival level) relative to a working day."""
    return {
        "continuous": (0.97, 0.85),
        "datacentre": (1.0, 0.98),
        "three": (0.8, 0.35),
        "two": (0.4, 0.2),
        "day": (0.25, 0.12),
        "logistics": (0.85, 0.45),
    }[shift]


def load_profile(
    tenant_shift: str,
    hour: np.ndarray,
    day_index: np.ndarray,
    workday: np.ndarray,
    festival: np.ndarray,
    temp_c: np.ndarray,
    cooling_share: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Unit-mean hourly load profile [-] of one enterprise over the generated hours.

    Working-day shape × (weekend/holiday and Spring-Festival levels) × (1 + cooling/heating
    sensitivity to the daily temperature) × multiplicative AR(1) noise.
    """
    shape = _shift_shape(tenant_shift, hour)
    off, fest = _nonworking_level(tenant_shift)
    flat = 1.0 + 0.0 * shape
    wd = workday[day_index]
    fs = festival[day_index]
    level = np.where(wd, shape, off * (flat + 0.3 * (shape - flat)))
    level = np.where(fs, np.minimum(level, fest * np.maximum(shape, 0.8)), level)
    t = temp_c[day_index]
    hvac = 1.0 + cooling_share * (np.maximum(t - 22.0, 0.0) / 8.0 + 0.4 * np.maximum(8.0 - t, 0.0) / 8.0)
    eps = rng.normal(0.0, 0.03, len(hour))
    ar = np.empty_like(eps)
    acc = 0.0
    for i, e in enumerate(eps.tolist()):
        acc = 0.8 * acc + e
        ar[i] = acc
    p = level * hvac * np.exp(ar)
    return np.asarray(p / p.mean())


def split_children(
    parent: np.ndarray, shares: np.ndarray, keep: float, rng: np.random.Generator
) -> np.ndarray:
    """Split a parent series into children that sum to ``keep × parent`` every interval.

    Parameters
    ----------
    parent : ndarray, shape (T,)
        Parent energy per interval [kWh].
    shares : ndarray, shape (K,)
        Mean share of each child (sums to 1).
    keep : float
        Share of the parent metered by the children; ``1 − keep`` is loss plus unmetered use.
    rng : numpy.random.Generator
        Source of the per-interval variation of the shares.

    Returns
    -------
    ndarray, shape (K, T)
        Child energies [kWh]; ``children.sum(axis=0) == keep * parent`` (to rounding).
    """
    w = shares[:, None] * np.exp(rng.normal(0.0, 0.12, (len(shares), len(parent))))
    w /= w.sum(axis=0, keepdims=True)
    return np.asarray(w * (keep * parent)[None, :])


def tenant_profile(
    tenant: Tenant, hours: Timeline, temp_daily_c: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Unit-mean hourly load profile [-] of a tenant; the data centre is the most weather-sensitive.

    Draws the tenant's cooling share (except for the data centre), then the profile's noise.
    """
    cooling = 0.35 if tenant.sector == "datacentre" else float(rng.uniform(0.08, 0.25))
    return load_profile(
        tenant.shift, hours.hour, hours.day_index, hours.workday, hours.festival, temp_daily_c, cooling, rng
    )


def facility_profile(
    key: str, hours: Timeline, temp_daily_c: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Unit-mean hourly load profile [-] of a consuming public facility.

    The WWTP runs around the clock; the administration by day, with the street lights at night
    (18:00–06:00).
    """
    shift = "continuous" if key == "WWTP" else "day"
    prof = load_profile(
        shift, hours.hour, hours.day_index, hours.workday, hours.festival, temp_daily_c, 0.1, rng
    )
    if key == "PUBLIC":  # street lights at night
        prof = prof + 1.5 * ((hours.hour >= 18) | (hours.hour < 6))
        prof = prof / prof.mean()
    return prof


def hourly_kwh(profile: np.ndarray, annual_mwh: float) -> np.ndarray:
    """Hourly energy [kWh] of a unit-mean ``profile`` for ``annual_mwh`` [MWh] over 8 760 h."""
    return np.asarray(profile * annual_mwh * 1000.0 / 8760.0)


def steam_demand_gj(tenant: Tenant, profile: np.ndarray) -> np.ndarray:
    """Hourly steam demand [GJ] of a tenant: 60 % base, 40 % following its electricity ``profile``."""
    return np.asarray(tenant.steam_gj_per_h * (0.6 + 0.4 * profile))
