"""The park's rooftop PV (园区屋顶分布式光伏): arrays, their output from pvlib, and their meters.

Output is physics: Ineichen clear sky at the site × a seeded clear-sky index, Erbs decomposition,
isotropic transposition, Faiman cell temperature, PVWatts DC/AC (:func:`pv_output_kwh`). Each
array's meter (level 2) reads before the collection line; the grid-connection meter (level 1)
reads their sum less :data:`COLLECTION_LINE_LOSS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from zeropark.demo.meters import MeterBook
from zeropark.demo.site import PARK_ID, SITE_ALTITUDE_M, SITE_LATITUDE, SITE_LONGITUDE, SITE_TZ
from zeropark.demo.timeline import Timeline
from zeropark.demo.weather import clear_sky_index
from zeropark.model import Carrier, Direction, Enterprise, Meter, MeterKind

#: Rooftop PV arrays: host tenant index (catalogue order), kWp, tilt, azimuth (pvlib, 180 = S).
PV_ROOFS = (
    (0, 2_400.0, 10.0, 180.0),
    (1, 1_800.0, 20.0, 180.0),
    (2, 2_600.0, 10.0, 170.0),
    (3, 2_200.0, 18.0, 190.0),
    (4, 3_000.0, 5.0, 180.0),
    (7, 1_500.0, 20.0, 160.0),
    (8, 1_900.0, 10.0, 200.0),
    (9, 1_700.0, 15.0, 180.0),
    (10, 2_600.0, 5.0, 180.0),
    (12, 1_300.0, 20.0, 180.0),
)
COLLECTION_LINE_LOSS = 0.003  # arrays → grid-connection meter [-]


@dataclass(frozen=True, slots=True)
class PvArray:
    """One rooftop PV array of the park's distributed PV (园区屋顶分布式光伏)."""

    meter_id: str
    host_enterprise_id: str
    capacity_kwp: float  # [kWp] DC nameplate
    tilt_deg: float
    azimuth_deg: float  # pvlib convention: 180 = south


def rooftop_arrays(pv_facility: Enterprise, enterprises: Sequence[Enterprise]) -> tuple[PvArray, ...]:
    """The arrays of :data:`PV_ROOFS`; a roof of a tenant the park does not have is the facility's."""
    return tuple(
        PvArray(
            f"{pv_facility.id}-PV-{n + 1:02d}",
            enterprises[idx].id if idx < len(enterprises) else pv_facility.id,
            kwp,
            tilt,
            az,
        )
        for n, (idx, kwp, tilt, az) in enumerate(PV_ROOFS)
    )


def rooftop_pv_kwh(
    arrays: Sequence[PvArray], hours: Timeline, temp_hourly_c: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Hourly AC energy of each array [kWh], shape (len(arrays), T), under seeded weather.

    Draws the daily clear-sky index, then its hourly perturbation.
    """
    k_daily = clear_sky_index(hours.days, rng)
    return pv_output_kwh(hours.hours_local, k_daily, temp_hourly_c, arrays, rng)


def pv_output_kwh(
    times_local: pd.DatetimeIndex,
    k_daily: np.ndarray,
    temp_c_hourly: np.ndarray,
    arrays: Sequence[PvArray],
    rng: np.random.Generator,
) -> np.ndarray:
    """Hourly AC energy of each array [kWh], shape (len(arrays), T).

    Notes
    -----
    GHI = GHI_clear (Ineichen, Linke turbidity climatology) × k, k the daily index times an
    hourly perturbation; DNI/DHI by Erbs; plane-of-array by the isotropic sky model; cell
    temperature by Faiman; DC by PVWatts (γ = −0.0037 /K), 10 % DC losses (soiling, wiring,
    mismatch), AC by the PVWatts inverter (η_nom = 0.97). Interval-start labels: the sun
    position is taken at the middle of each hour.

    References
    ----------
    .. [1] Holmgren, Hansen, Mikofski, 2018, "pvlib python", JOSS 3(29), 884.
    .. [2] Dobos, 2014, "PVWatts Version 5 Manual", NREL/TP-6A20-62641.
    """
    import pvlib  # ≈ 0.6 s to import: only a demo build needs it, not every `zeropark` command

    loc = pvlib.location.Location(SITE_LATITUDE, SITE_LONGITUDE, SITE_TZ, SITE_ALTITUDE_M, "demo")
    mid = times_local + pd.Timedelta(minutes=30)
    solpos = loc.get_solarposition(mid)
    clear = loc.get_clearsky(mid, solar_position=solpos)
    day_index = np.repeat(np.arange(len(k_daily)), 24)[: len(mid)]
    k = k_daily[day_index] * np.exp(rng.normal(0.0, 0.18, len(mid)))
    k = np.clip(k, 0.05, 1.08)
    ghi = clear["ghi"].to_numpy() * k
    erbs = pvlib.irradiance.erbs(ghi, solpos["zenith"].to_numpy(), mid)
    out = np.zeros((len(arrays), len(mid)))
    for i, a in enumerate(arrays):
        poa = pvlib.irradiance.get_total_irradiance(
            a.tilt_deg,
            a.azimuth_deg,
            solpos["apparent_zenith"].to_numpy(),
            solpos["azimuth"].to_numpy(),
            np.asarray(erbs["dni"]),
            ghi,
            np.asarray(erbs["dhi"]),
        )
        poa_global = np.nan_to_num(np.asarray(poa["poa_global"], dtype=float))
        t_cell = pvlib.temperature.faiman(poa_global, temp_c_hourly, wind_speed=2.0)
        pdc = pvlib.pvsystem.pvwatts_dc(poa_global, t_cell, a.capacity_kwp * 1000.0, -0.0037) * 0.90
        pac = pvlib.inverter.pvwatts(pdc, a.capacity_kwp * 1000.0 / 1.1, eta_inv_nom=0.97)
        out[i] = np.clip(np.nan_to_num(np.asarray(pac, dtype=float)), 0.0, None) / 1000.0
    return out


def add_pv_meters(
    book: MeterBook, pv_facility: Enterprise, arrays: Sequence[PvArray], pv_kwh: np.ndarray
) -> np.ndarray:
    """The grid-connection meter (level 1) and each array's meter (level 2).

    Returns the park's hourly PV into the grid [kWh] (the grid-connection meter's values).
    """
    total_id = f"{pv_facility.id}-PV-TOTAL"
    pv_sum = np.asarray(pv_kwh.sum(axis=0))
    book.add(
        Meter(
            id=total_id,
            park_id=PARK_ID,
            carrier=Carrier.ELECTRICITY,
            unit="kWh",
            direction=Direction.GENERATION,
            kind=MeterKind.INTERVAL,
            enterprise_id=pv_facility.id,
            parent_id=None,
            level=1,
            multiplier=1.0,
            accuracy_class=0.5,
            rated_capacity=sum(a.capacity_kwp for a in arrays) * 1.1,
            name="屋顶光伏 并网总表",
            technology="pv",
        ),
        pv_sum,
    )
    for a, series in zip(arrays, pv_kwh, strict=True):
        book.add(
            Meter(
                id=a.meter_id,
                park_id=PARK_ID,
                carrier=Carrier.ELECTRICITY,
                unit="kWh",
                direction=Direction.GENERATION,
                kind=MeterKind.INTERVAL,
                enterprise_id=pv_facility.id,
                parent_id=total_id,
                level=2,
                multiplier=1.0,
                accuracy_class=0.5,
                rated_capacity=a.capacity_kwp * 1.1,
                name=f"屋顶光伏 {a.capacity_kwp:.0f} kWp（{a.host_enterprise_id} 屋顶）",
                technology="pv",
            ),
            series / (1.0 - COLLECTION_LINE_LOSS),  # array meters before the collection-line loss
        )
    return pv_sum
