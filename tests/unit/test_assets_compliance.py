"""Compliance figures and 碳普惠 points, by hand (zeropark.assets.compliance, zeropark.assets.points)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from zeropark.assets import compliance, points
from zeropark.assets.compliance import Cooling, PowerUnit, allocate, benchmarks, position
from zeropark.errors import AssetError

DATA = Path(compliance.__file__).with_name("data")


def test_every_row_cites_a_source_and_unverified_values_say_so() -> None:
    ids = {r["id"] for r in compliance.sources()}
    for name in ("cea_benchmarks.csv", "compliance.csv", "points_rules.csv"):
        with (DATA / name).open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                assert row["source_id"] in ids, (name, row)
    assert all(b.uncertain for b in benchmarks().values())  # none could be checked against the plan


def test_gas_unit_air_cooled_with_heat() -> None:
    # gas 2022 [UNCERTAIN table]: 0.3901 × 200 000 MWh = 78 020; × 1.05 = 81 921;
    # × (1 − 0.6 × 0.2 = 0.88) = 72 090.48; + 0.0557 × 300 000 GJ = 16 710 → 88 800.48 → 88 800 t
    u = PowerUnit("G2", "gas", 200_000, 300_000, Cooling.AIR, heat_ratio=0.2)
    a = allocate(u, 2022, benchmarks())
    assert a.allocation_t == 88_800
    assert "F_c 1.05" in a.formula and a.benchmark.source_id == "mee_power_2021_2022"


def test_coal_load_correction_and_missing_year() -> None:
    # coal ≤300 MW 2021: 0.8569 × 100 000 × F_l; F = 0.78 → 1.007 + 0.0016 × 2 = 1.0102 → 86 564.04
    u = PowerUnit("G3", "coal_300mw_below", 100_000, load_rate=0.78)
    assert allocate(u, 2021, benchmarks()).allocation_t == 86_564
    with pytest.raises(AssetError, match="no benchmark for unit type 'gas' in 2019"):
        allocate(PowerUnit("G4", "gas", 1), 2019, benchmarks())


def test_position_gap_surplus_and_ccer_limit() -> None:
    # verified 10 000 t: CCER limit 500 t; held 9 000 CEA + 800 CCER (500 usable) → gap 500 t
    p = position("E1", 2024, allocation_t=9_000, verified_t=10_000, verified_source="entered",
                 surrendered={}, held={"CEA": 9_000, "CCER": 800}, deadline=date(2025, 12, 31))  # fmt: skip
    assert (p.ccer_limit_t, p.ccer_usable_t, p.gap_t, p.surplus_t) == (500, 500, 500, 0)
    assert p.status(date(2025, 6, 1)) == "gap" and p.status(date(2026, 1, 1)) == "overdue"
    # after surrendering 9 000 CEA and 300 CCER: 700 remain, 200 CCER still usable of 500 held → gap 500
    done = {"CEA": 9_000, "CCER": 300}
    q = position("E1", 2024, allocation_t=9_000, verified_t=10_000, verified_source="entered",
                 surrendered=done, held={"CCER": 500}, deadline=date(2025, 12, 31))  # fmt: skip
    assert (q.remaining_t, q.ccer_usable_t, q.gap_t) == (700, 200, 500)
    s = position("E1", 2024, allocation_t=12_000, verified_t=10_000, verified_source="entered",
                 surrendered={}, held={"CEA": 12_000}, deadline=date(2025, 12, 31))  # fmt: skip
    assert (s.surplus_t, s.allocation_balance_t, s.status(date(2025, 6, 1))) == (2_000, 2_000, "surplus")


def test_points_rules() -> None:
    r = points.rules()["public_transport"]
    assert points.points_for(r, 3) == 6  # 3 trips × 2
    assert points.points_for(r, 3, earned_this_month=58) == 2  # cap 60
    with pytest.raises(AssetError, match="above 0 trip"):
        points.points_for(r, 0)
