"""Day-ahead PV forecast: pvlib clear-sky yield of the site × a cloud index learned from history (pure).

Model
-----
``E_t = E_clear,t × k_h(t)``

- ``E_clear,t`` [kWh]: AC energy of the declared PV system (site, tilt, azimuth, kWp) in hour
  t under a clear sky: Ineichen–Perez clear-sky GHI/DNI/DHI with the Linke-turbidity
  climatology [1]_ at the sun position of the middle of the hour, isotropic transposition to the
  plane of array, PVWatts DC at a 25 °C cell with 14 % system losses and the PVWatts inverter
  (η_nom 0.96) [2]_.
- ``k_h`` [-]: the cloud index (clear-sky index of the energy) of hour of day h, learned from the
  last ``window_days`` days of metered PV: ``k_h = Σ_d E_d,h / Σ_d E_clear,d,h`` over the hours
  whose clear-sky yield is at least 2 % of the day's clear-sky peak (dawn/dusk hours take the
  all-hours ratio). It absorbs the mean cloudiness of the recent weeks and any systematic
  difference between the declared and the real system (capacity, soiling, shading, cell
  temperature), and is clipped to [0, 1.2].

Without a weather forecast the recent-weeks cloud index is the best unbiased day-ahead
estimate; the benchmark compares it with the seasonal-naive baseline (yesterday, m = 24 h).

Prediction interval: the bounds are ``E_clear,t × k_h^(q)`` where ``k_h^(q)`` is the empirical
``q`` quantile (default 0.1 and 0.9: an 80 % interval) of the daily ratios ``E_d,h / E_clear,d,h``
of the same window and hours (all daylight hours pooled where an hour has too few days) — the
spread of the recent weeks' cloudiness, scored in the backtest by pinball loss and coverage.

References
----------
.. [1] Ineichen, P. & Perez, R., 2002, "A new airmass independent formulation for the Linke
   turbidity coefficient", Solar Energy 73(3), 151–157.
.. [2] Dobos, A.P., 2014, "PVWatts Version 5 Manual", NREL/TP-6A20-62641.
.. [3] Holmgren, W.F., Hansen, C.W. & Mikofski, M.A., 2018, "pvlib python: a python package for
   modeling solar energy systems", JOSS 3(29), 884.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from zeropark.errors import DataError
from zeropark.forecast.features import regular_hours

#: PVWatts system losses (soiling, wiring, mismatch, availability) [-] (Dobos 2014, Table 3: 14 %).
SYSTEM_LOSSES = 0.14
#: PVWatts nominal inverter efficiency [-] (Dobos 2014, eq. 11 default).
INVERTER_ETA_NOM = 0.96
#: PVWatts DC temperature coefficient of power [1/K] (standard module, Dobos 2014 Table 2).
GAMMA_PDC_PER_K = -0.0047
#: Hours whose clear-sky yield is below this share of the day's clear-sky peak use the daily ratio.
LOW_SUN_SHARE = 0.02
#: Upper clip of the learned cloud index [-] (cloud-edge enhancement, a larger real system).
K_MAX = 1.2
#: Orientation of rooftop PV when none is declared [°]: a low-tilt industrial roof facing south
#: (pvlib azimuth convention: 180 = south).
DEFAULT_TILT_DEG = 12.0
DEFAULT_AZIMUTH_DEG = 180.0


@dataclass(frozen=True, slots=True)
class PvSite:
    """A PV system to forecast: site, orientation and DC nameplate.

    Attributes
    ----------
    latitude, longitude : float
        [°] (north, east positive).
    altitude_m : float
        [m] above sea level.
    timezone : str
        IANA zone of the naive local index (``Asia/Shanghai``).
    tilt_deg : float
        Module tilt from horizontal [°].
    azimuth_deg : float
        Module azimuth [°], pvlib convention (180 = south).
    capacity_kwp : float
        DC nameplate [kWp].
    """

    latitude: float
    longitude: float
    altitude_m: float
    timezone: str
    tilt_deg: float
    azimuth_deg: float
    capacity_kwp: float

    def __post_init__(self) -> None:
        if not -90 <= self.latitude <= 90 or not -180 <= self.longitude <= 180:
            raise ValueError(
                f"site ({self.latitude}, {self.longitude}) is not a latitude/longitude in degrees"
            )
        if not 0 <= self.tilt_deg <= 90:
            raise ValueError(f"tilt_deg must be between 0 and 90, {self.tilt_deg} was given")
        if self.capacity_kwp <= 0:
            raise ValueError(f"capacity_kwp must be positive, {self.capacity_kwp} was given")

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (stored with a forecast run)."""
        return asdict(self)


def clear_sky_kwh(index_local: pd.DatetimeIndex, site: PvSite) -> np.ndarray:
    """Clear-sky AC energy of ``site`` in each hour of ``index_local`` [kWh].

    Parameters
    ----------
    index_local : DatetimeIndex
        Naive local hour starts (the hour t covers [t, t + 1 h)).
    site : PvSite
        The system.

    Returns
    -------
    ndarray
        [kWh] per hour; exactly 0 when the sun is below the horizon all hour.
    """
    import pvlib  # deferred (0.6 s): `zeropark --help` does not compute sun positions

    loc = pvlib.location.Location(site.latitude, site.longitude, site.timezone, site.altitude_m)
    mid = index_local.tz_localize(site.timezone) + pd.Timedelta(minutes=30)
    solpos = loc.get_solarposition(mid)
    clear = loc.get_clearsky(mid, model="ineichen", solar_position=solpos)
    poa = pvlib.irradiance.get_total_irradiance(
        site.tilt_deg,
        site.azimuth_deg,
        solpos["apparent_zenith"],
        solpos["azimuth"],
        clear["dni"],
        clear["ghi"],
        clear["dhi"],
    )
    poa_global = np.nan_to_num(np.asarray(poa["poa_global"], dtype=float))
    pdc0_w = site.capacity_kwp * 1000.0
    pdc = pvlib.pvsystem.pvwatts_dc(poa_global, 25.0, pdc0_w, GAMMA_PDC_PER_K) * (1.0 - SYSTEM_LOSSES)
    pac = pvlib.inverter.pvwatts(pdc, pdc0_w, eta_inv_nom=INVERTER_ETA_NOM)
    out = np.clip(np.nan_to_num(np.asarray(pac, dtype=float)), 0.0, None) / 1000.0
    out[np.asarray(solpos["apparent_elevation"]) <= -1.0] = 0.0
    return np.asarray(out)


@dataclass(frozen=True, slots=True)
class CloudIndex:
    """Cloud index learned from history: per hour of day and over all hours [-]."""

    by_hour: tuple[float, ...]  # 24 values
    overall: float
    window_days: int
    first_day: date
    last_day: date
    quantiles: tuple[float, ...] = ()
    lower_by_hour: tuple[float, ...] = ()  # 24 values: the lower quantile of the daily ratios
    upper_by_hour: tuple[float, ...] = ()  # 24 values: the upper quantile


def learn_cloud_index(
    history_kwh: pd.Series,
    site: PvSite,
    *,
    until: date,
    window_days: int = 14,
    quantiles: tuple[float, ...] = (0.1, 0.9),
) -> CloudIndex:
    """Learn ``k_h`` (and its ``quantiles`` over the days) from the ``window_days`` days before ``until``.

    Raises
    ------
    DataError
        If the window holds no hour with both metered PV and daylight.
    """
    end = pd.Timestamp(until)
    start = end - pd.Timedelta(days=window_days)
    idx = regular_hours(start, end)
    actual = history_kwh.reindex(idx).to_numpy(dtype=float)
    clear = clear_sky_kwh(idx, site)
    day_peak = clear.reshape(-1, 24).max(axis=1).repeat(24)
    ok = np.isfinite(actual) & (clear > 0)
    if not ok.any() or clear[ok].sum() <= 0:
        raise DataError(
            f"no metered PV in daylight between {start:%Y-%m-%d} and {end:%Y-%m-%d} to learn the "
            "cloud index from; store PV readings of the previous weeks"
        )
    overall = float(np.clip(actual[ok].sum() / clear[ok].sum(), 0.0, K_MAX))
    hour = np.asarray(idx.hour)
    sun = ok & (clear >= LOW_SUN_SHARE * day_peak)
    ratio = np.divide(actual, clear, out=np.zeros_like(actual), where=clear > 0)
    enough = max(3, window_days // 3)
    pooled_q = [float(np.clip(np.quantile(ratio[sun], q), 0.0, K_MAX)) for q in quantiles if sun.any()]
    by_hour: list[float] = []
    bounds: list[list[float]] = [[] for _ in quantiles]
    for h in range(24):
        sel = sun & (hour == h)
        if sel.sum() >= enough and clear[sel].sum() > 0:
            by_hour.append(float(np.clip(actual[sel].sum() / clear[sel].sum(), 0.0, K_MAX)))
            for b, q in zip(bounds, quantiles, strict=True):
                b.append(float(np.clip(np.quantile(ratio[sel], q), 0.0, K_MAX)))
        else:
            by_hour.append(overall)
            for b, pq in zip(bounds, pooled_q or [overall] * len(quantiles), strict=True):
                b.append(pq)
    lo = tuple(min(a, k) for a, k in zip(bounds[0], by_hour, strict=True)) if quantiles else ()
    hi = tuple(max(a, k) for a, k in zip(bounds[1], by_hour, strict=True)) if quantiles else ()
    return CloudIndex(
        tuple(by_hour),
        overall,
        window_days,
        start.date(),
        (end - pd.Timedelta(days=1)).date(),
        tuple(quantiles),
        lo,
        hi,
    )


@dataclass(frozen=True, slots=True, eq=False)
class PvForecast:
    """A day-ahead PV forecast: energy, the clear-sky yield and the cloud index used."""

    index_local: pd.DatetimeIndex
    energy_kwh: np.ndarray
    clear_sky_kwh: np.ndarray
    cloud_index: CloudIndex
    lower_kwh: np.ndarray | None = None
    upper_kwh: np.ndarray | None = None


def forecast_pv_day(
    history_kwh: pd.Series,
    day: date,
    site: PvSite,
    *,
    window_days: int = 14,
    quantiles: tuple[float, ...] = (0.1, 0.9),
) -> PvForecast:
    """Forecast the 24 hours of ``day`` [kWh]: clear-sky yield × the learned cloud index (and its quantiles).

    The cloud index is learned from the ``window_days`` days before the last stored day + 1 (or
    before ``day``, whichever is earlier), so a day a little beyond the data can be forecast.

    Raises
    ------
    DataError
        If no PV history precedes ``day``.
    """
    start = pd.Timestamp(day)
    hist = history_kwh[history_kwh.index < start].dropna()
    if hist.empty:
        raise DataError(f"no PV history before {day:%Y-%m-%d} to learn the cloud index from")
    until = min(day, (hist.index.max().normalize() + pd.Timedelta(days=1)).date())
    k = learn_cloud_index(hist, site, until=until, window_days=window_days, quantiles=quantiles)
    idx = regular_hours(start, start + pd.Timedelta(days=1))
    clear = clear_sky_kwh(idx, site)
    hours = np.asarray(idx.hour)
    energy = clear * np.asarray(k.by_hour)[hours]
    if not k.quantiles:
        return PvForecast(idx, energy, clear, k)
    lower = clear * np.asarray(k.lower_by_hour)[hours]
    upper = clear * np.asarray(k.upper_by_hour)[hours]
    return PvForecast(idx, energy, clear, k, lower, upper)
