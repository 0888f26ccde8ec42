"""PV forecast plausibility: zero at night, peak near solar noon, cloud index recovered.

Solar noon at 119.95 °E on 2025-06-21 (UTC+8): 12:00 + (120 − 119.95)·4 min + 1.6 min (equation
of time ≈ −1.6 min, NOAA solar calculator) ≈ 12:02 local, so the clear-sky yield peaks in the hour
11:00–12:00 or 12:00–13:00 (mid-hour sun positions 11:30 and 12:30 are symmetric about noon).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from zeropark.errors import DataError
from zeropark.forecast.pv import PvSite, clear_sky_kwh, forecast_pv_day, learn_cloud_index

SITE = PvSite(31.70, 119.95, 5.0, "Asia/Shanghai", 12.0, 180.0, 1000.0)  # 1 MWp in 常州


def test_clear_sky_zero_at_night_peak_at_noon() -> None:
    idx = pd.date_range("2025-06-21", periods=24, freq="h")
    e = clear_sky_kwh(idx, SITE)
    assert np.all(e[:4] == 0.0) and np.all(e[20:] == 0.0)  # 00–04 and 20–24 local: sun down
    assert int(np.argmax(e)) in (11, 12)
    # a 1 MWp array under a clear June sky: peak hour below the 960 kW AC limit, above 600 kWh
    assert 600.0 < e.max() < 960.0
    # daily clear-sky yield 6–9 kWh/kWp in June at 31.7 °N (PVWatts-type losses 14 %)
    assert 6_000.0 < e.sum() < 9_000.0


def test_cloud_index_learned_and_applied() -> None:
    idx = pd.date_range("2025-05-01", periods=24 * 14, freq="h")
    history = pd.Series(0.6 * clear_sky_kwh(idx, SITE), index=idx)
    k = learn_cloud_index(history, SITE, until=date(2025, 5, 15), window_days=14)
    assert k.overall == pytest.approx(0.6, abs=1e-9)
    assert all(v == pytest.approx(0.6, abs=1e-9) for v in k.by_hour)
    fc = forecast_pv_day(history, date(2025, 5, 15), SITE)
    assert np.allclose(fc.energy_kwh, 0.6 * fc.clear_sky_kwh)
    assert np.all(fc.energy_kwh[:4] == 0.0)
    assert int(np.argmax(fc.energy_kwh)) in (11, 12)


def test_no_pv_history_is_a_clear_error() -> None:
    idx = pd.date_range("2025-05-01", periods=24, freq="h")
    empty = pd.Series(np.nan, index=idx)
    with pytest.raises(DataError, match="no PV history before 2025-05-02"):
        forecast_pv_day(empty, date(2025, 5, 2), SITE)


def test_site_validation() -> None:
    with pytest.raises(ValueError, match="tilt_deg must be between 0 and 90, 95"):
        PvSite(31.7, 119.95, 0.0, "Asia/Shanghai", 95.0, 180.0, 100.0)
