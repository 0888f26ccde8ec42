"""Pure validation rules (DESIGN.md §5), one row per rule with its reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from zeropark.errors import UnitMismatch
from zeropark.ingest.validate import (
    Accepted,
    MeterInfo,
    Reason,
    Rejected,
    accept_clean,
    caching_converter,
    parse_ts,
    validate_item,
)
from zeropark.model import Carrier, MeterKind
from zeropark.timeseries import Quality
from zeropark.units import to_canonical

NOW = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)  # 12:00 Shanghai
METERS = {
    "E1": MeterInfo(
        "E1",
        "P1",
        Carrier.ELECTRICITY,
        "kWh",
        MeterKind.INTERVAL,
        rated_capacity=100.0,
        interval_s=900,
        gateway_id="GW1",
    ),
    "G1": MeterInfo("G1", "P1", Carrier.NATURAL_GAS, "m3", MeterKind.CUMULATIVE),
    "OFF": MeterInfo("OFF", "P1", Carrier.ELECTRICITY, "kWh", MeterKind.INTERVAL, active=False),
}
CONVERT = caching_converter(to_canonical)


@pytest.mark.parametrize(
    ("meter", "item", "reason"),
    [
        ("X", {"ts": "2026-03-01T00:00:00Z", "value": 1}, Reason.UNKNOWN_METER),
        ("OFF", {"ts": "2026-03-01T00:00:00Z", "value": 1}, Reason.UNKNOWN_METER),  # inactive
        ("E1", {"value": 1}, Reason.MALFORMED),  # no ts
        ("E1", [1, 2], Reason.MALFORMED),  # not an object
        ("E1", {"ts": "03/01/2026", "value": 1}, Reason.MALFORMED),
        ("E1", {"ts": "2026-03-01T00:00:00Z", "value": None}, Reason.MALFORMED),
        ("E1", {"ts": "2026-03-01T00:00:00Z", "value": True}, Reason.MALFORMED),
        ("E1", {"ts": "2026-03-01T00:00:00Z", "value": float("inf")}, Reason.NAN),
        ("E1", {"ts": "2026-03-01T00:00:00Z", "value": "NaN"}, Reason.NAN),
        ("E1", {"ts": "2026-03-01T12:05:01+08:00", "value": 1}, Reason.FUTURE_TS),  # 5 min 1 s ahead
        ("E1", {"ts": "2026-03-01T00:00:00Z", "value": 1, "unit": "m3"}, Reason.UNIT),
        ("E1", {"ts": "2026-03-01T00:00:00Z", "value": 1, "unit": "furlong-ish"}, Reason.UNIT),
    ],
)
def test_rejections(meter: str, item: object, reason: Reason) -> None:
    res = validate_item(meter, item, meters=METERS, now_utc=NOW, convert=CONVERT)
    assert isinstance(res, Rejected) and res.reason is reason, res


def test_forbidden_and_wrong_park() -> None:
    item = {"ts": "2026-03-01T00:00:00Z", "value": 1}
    r = validate_item("E1", item, meters=METERS, now_utc=NOW, convert=CONVERT, gateway_id="GW2")
    assert isinstance(r, Rejected) and r.reason is Reason.FORBIDDEN_METER and "GW1" in r.detail
    r = validate_item("E1", item, meters=METERS, now_utc=NOW, convert=CONVERT, park_id="P9")
    assert isinstance(r, Rejected) and r.reason is Reason.UNKNOWN_METER and "park 'P1'" in r.detail


@pytest.mark.parametrize(
    ("meter", "item", "value", "quality"),
    [
        ("E1", {"ts": "2026-03-01 08:00:00", "value": 10}, 10.0, 0),  # naive = Shanghai local
        ("E1", {"ts": "2026-03-01T12:05:00+08:00", "value": 10}, 10.0, 0),  # exactly +5 min: accepted
        ("E1", {"ts": 1772323200, "value": "1,234.5"}, 1234.5, Quality.ABOVE_CAPACITY),  # epoch, > 37.5
        ("E1", {"ts": "2026-03-01T00:00:00Z", "value": -3}, -3.0, Quality.NEGATIVE),
        ("E1", {"ts": "2026-03-01T00:00:00Z", "value": 0.03, "unit": "MWh"}, 30.0, 0),  # 30 kWh ≤ 37.5
        ("G1", {"ts": "2026-03-01T00:00:00Z", "value": 1.2, "unit": "10^4 Nm3"}, 12000.0, 0),
    ],
)
def test_accepted(meter: str, item: object, value: float, quality: int) -> None:
    res = validate_item(meter, item, meters=METERS, now_utc=NOW, convert=CONVERT)
    assert isinstance(res, Accepted), res
    assert res.reading.value == pytest.approx(value) and res.reading.quality == quality


def test_parse_ts_local_and_offset() -> None:
    assert parse_ts("2026-03-01 08:00:00") == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    assert parse_ts("2026-03-01T00:00:00Z") == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="not ISO-8601"):
        parse_ts("yesterday")


def test_caching_converter_does_not_cache_failures() -> None:
    with pytest.raises(UnitMismatch):
        CONVERT(1.0, "m3", Carrier.ELECTRICITY)
    with pytest.raises(UnitMismatch):
        CONVERT(1.0, "m3", Carrier.ELECTRICITY)


def test_accept_clean_matches_validate_item_and_defers_the_rest() -> None:
    """The batch fast path accepts exactly the plain items, with validate_item's result.

    E1: interval 900 s, rated 100 kW → ABOVE_CAPACITY limit 1.5 × 100 × 0.25 h = 37.5 kWh.
    """
    items: list[object] = [
        {"ts": "2026-03-01T08:00:00+08:00", "value": 12.5},  # 0 plain → 00:00 UTC
        {"ts": "2026-03-01T00:15:00Z", "value": 40},  # 1 plain int, above 37.5 → ABOVE_CAPACITY
        {"ts": "2026-03-01T00:30:00+00:00", "value": -1.0},  # 2 plain, negative → NEGATIVE
        {"ts": "2026-03-01T08:45:00", "value": 1.0},  # 3 naive → full path (park local time)
        {"ts": 1772323200, "value": 1.0},  # 4 epoch → full path
        {"ts": "2026-03-01T00:00:00Z", "value": "1.5"},  # 5 string value → full path
        {"ts": "2026-03-01T00:00:00Z", "value": float("nan")},  # 6 NaN → full path (rejected)
        {"ts": "2026-03-01T12:05:01+08:00", "value": 1.0},  # 7 future → full path (rejected)
        {"ts": "2026-03-01T00:00:00Z", "value": 1.0, "unit": "MWh"},  # 8 explicit unit → full path
        {"ts": "2026-03-01T00:00:00Z", "value": True},  # 9 boolean → full path (rejected)
        [1, 2],  # 10 not an object → full path (rejected)
    ]
    accepted, slow = accept_clean(METERS["E1"], items, now_utc=NOW, convert=CONVERT)
    assert slow == [3, 4, 5, 6, 7, 8, 9, 10]
    expected = [validate_item("E1", items[i], meters=METERS, now_utc=NOW, convert=CONVERT) for i in (0, 1, 2)]
    assert [Accepted(r) for r in accepted] == expected
    assert [r.ts_utc for r in accepted] == [
        datetime(2026, 3, 1, 0, 0, tzinfo=UTC),
        datetime(2026, 3, 1, 0, 15, tzinfo=UTC),
        datetime(2026, 3, 1, 0, 30, tzinfo=UTC),
    ]
    assert [r.quality for r in accepted] == [0, int(Quality.ABOVE_CAPACITY), int(Quality.NEGATIVE)]
