"""Profiles for the optimiser: CSV frames with row-level errors, representative days, seasonal naive."""

import numpy as np
import pandas as pd
import pytest

from zeropark.errors import ValidationError
from zeropark.optimize import PARK_METHOD_DEFAULTS, flat_tariff, optimise
from zeropark.optimize.profiles import profiles_from_frame, seasonal_naive
from zeropark.optimize.scenario import ScenarioParams, build_system, representative_days


def test_frame_with_pv_kw_becomes_availability_and_quarter_hours() -> None:
    frame = pd.DataFrame(
        {
            "time": ["2026-07-01 00:00", "2026-07-01 00:15", "2026-07-01 00:30"],
            "load_kw": [10, 20, 30],
            "pv_kw": [0.0, 50.0, 100.0],
        }
    )
    p = profiles_from_frame(frame, label="p.csv")
    assert p.dt_h == 0.25
    assert p.pv_capacity_kw == 100.0
    np.testing.assert_allclose(p.pv_pu, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(p.heat_kw, [0, 0, 0])


def test_bad_cells_are_named_by_row_and_column() -> None:
    frame = pd.DataFrame({"time": ["2026-07-01 00:00", "nope", "2026-07-01 02:00"], "load_kw": [1, -5, "x"]})
    with pytest.raises(ValidationError) as info:
        profiles_from_frame(frame, label="load.csv")
    text = str(info.value)
    assert "load.csv, row 3, column 'time': 'nope' is not a date-time" in text
    assert "load.csv, row 3, column 'load_kw': '-5' is not a number ≥ 0" in text
    assert "load.csv, row 4, column 'load_kw': 'x' is not a number ≥ 0" in text


def test_missing_column_is_named() -> None:
    with pytest.raises(ValidationError, match="column 'load_kw' is missing"):
        profiles_from_frame(pd.DataFrame({"time": ["2026-07-01"]}), label="x.csv")


def test_representative_days_weights_sum_to_the_year() -> None:
    idx = pd.date_range("2026-01-01", periods=8760, freq="h")
    frame = pd.DataFrame({"time": idx, "load_kw": np.arange(8760) % 24})
    sub, w, g = representative_days(profiles_from_frame(frame, label="y"), 12)
    assert len(sub.load_kw) == 12 * 24
    assert w.sum() == pytest.approx(8760)  # 12 days × 24 h × 365/12
    assert list(np.unique(g)) == list(range(12))
    assert sub.index_local[0] == pd.Timestamp("2026-01-01") and sub.index_local[-1].month == 12


def test_seasonal_naive_uses_the_same_hour_a_week_earlier() -> None:
    idx = pd.date_range("2026-03-01", periods=24 * 14, freq="h")
    hist = np.arange(len(idx), dtype=float)
    hist[24 * 7 + 5] = np.nan  # a gap: 2026-03-08 05:00 → falls back two weeks
    out = seasonal_naive(idx, hist, pd.Timestamp("2026-03-15"), 24)
    assert out[0] == hist[24 * 7]  # 2026-03-08 00:00
    assert out[5] == hist[5]  # 2026-03-01 05:00


def test_wind_profile_feeds_a_wind_farm() -> None:
    # Wind 0.5 pu on 300 kW = 150 kW against a 100 kW load, no export: 100 kW used, 50 kW curtailed,
    # nothing bought → cost 0; clean share 100 %.
    frame = pd.DataFrame(
        {
            "time": pd.date_range("2026-07-01", periods=3, freq="h"),
            "load_kw": [100.0] * 3,
            "wind_pu": [0.5] * 3,
        }
    )
    prof = profiles_from_frame(frame, label="w.csv")
    system = build_system(prof, ScenarioParams(wind_kw=300.0), flat_tariff(0.6), PARK_METHOD_DEFAULTS)
    r = optimise(system)
    assert r.objective_cny == pytest.approx(0.0, abs=1e-9)
    assert r.series["wind:wind_kw"] == pytest.approx([100.0] * 3)
    assert r.clean_share == pytest.approx(1.0)
