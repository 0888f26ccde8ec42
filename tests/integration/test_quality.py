"""Data-quality figures and score per meter / enterprise / park from the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from ingest_helpers import make_park
from sqlalchemy import Engine, update

from zeropark.ingest.meters import MeterDirectory
from zeropark.ingest.pipeline import ingest_items
from zeropark.monitoring.quality import meter_score, quality_report, quality_score
from zeropark.store.schema import MeterRow


def test_quality_of_one_day(engine: Engine) -> None:
    make_park(engine)
    with engine.begin() as c:  # only E1 is active, so the park score is E1's
        c.execute(update(MeterRow).where(MeterRow.id != "E1").values(active=False))
    start = datetime(2026, 1, 1, tzinfo=UTC) - timedelta(hours=8)  # local 2026-01-01 00:00
    now = start + timedelta(days=1)
    q = timedelta(minutes=15)
    items = [("E1", {"ts": (start + (k + 1) * q).isoformat(), "value": 5.0}) for k in range(90)]
    items[0] = ("E1", {"ts": (start + q).isoformat(), "value": 50.0})  # > 37.5 → flagged
    items[1] = ("E1", {"ts": (start + 2 * q).isoformat(), "value": -1.0})  # negative → flagged
    items[2] = ("E1", {"ts": (start + 3 * q).isoformat(), "value": 60.0})  # flagged
    items.append(("E1", {"ts": (start + 10 * q).isoformat(), "value": 6.0}))  # conflict
    items += [
        ("E1", {"ts": "garbage", "value": 1}),
        ("E1", {"ts": (start + q).isoformat(), "value": "x"}),
    ]  # 2 quarantined
    ingest_items(engine, items, source="t", meters=MeterDirectory(engine), now_utc=now - timedelta(hours=1))
    report = quality_report(engine, "P1", 2026, now_utc=now)
    (m,) = report.meters
    # 1 local day of a 15-min meter: 96 expected; readings 00:15 … 22:30 local → 90 present,
    # 3 flagged, 1 conflict, 2 quarantined
    assert (m.n_expected, m.n_present, m.n_flagged, m.n_conflicts, m.n_quarantined) == (96, 90, 3, 1, 2)
    assert m.freshness_s == 1.5 * 3600  # last reading 22:30 local, now 24:00
    assert m.score == pytest.approx(meter_score(96, 90, 3, 1, 2))
    # 100 × (0.7 × 90/96 + 0.15 × 93/96 + 0.10 × 95/96 + 0.05 × 94/96)
    # = 100 × (0.65625 + 0.1453125 + 0.0989583 + 0.0489583) = 94.9479
    assert quality_score(engine, "P1", 2026, now_utc=now) == pytest.approx(94.9479, abs=1e-4)
    assert report.by_enterprise == {None: pytest.approx(94.9479, abs=1e-4)}


def test_park_without_data_scores_low_and_without_meters_none(engine: Engine) -> None:
    make_park(engine)
    now = datetime(2026, 1, 11, tzinfo=UTC)
    # meters with no readings: completeness 0, other shares perfect → 100 × (0.15 + 0.10 + 0.05) = 30
    assert quality_score(engine, "P1", 2026, now_utc=now) == pytest.approx(30.0)
    assert quality_score(engine, "NOPARK", 2026, now_utc=now) is None
