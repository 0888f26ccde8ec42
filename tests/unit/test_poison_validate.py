"""Timestamps that used to crash validation, and the earliest/latest bounds (issue 12).

``0001-01-01`` (naive, so park time +08:00) and the epoch ``1e20`` raised OverflowError where only
ValueError was caught: the MQTT ingester crashed on every redelivery and HTTP answered 500. 1900
and 1970 readings were stored and created partitions and reporting years.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from zeropark.ingest.validate import (
    DEFAULT_EARLIEST_YEAR,
    Accepted,
    MeterInfo,
    Reason,
    Rejected,
    accept_clean,
    caching_converter,
    earliest_instant,
    parse_ts,
    validate_item,
)
from zeropark.model import Carrier, MeterKind
from zeropark.units import to_canonical

NOW = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
E1 = MeterInfo("E1", "P1", Carrier.ELECTRICITY, "kWh", MeterKind.INTERVAL, interval_s=900)
CONVERT = caching_converter(to_canonical)


@pytest.mark.parametrize(
    ("ts", "reason"),
    [
        ("0001-01-01", Reason.MALFORMED),  # naive → 0001-01-01 00:00+08:00, before year 1 in UTC
        ("0001-01-01T00:00:00+08:00", Reason.MALFORMED),
        ("9999-12-31T23:00:00-08:00", Reason.MALFORMED),  # after year 9999 in UTC
        (1e20, Reason.MALFORMED),  # epoch seconds beyond year 9999
        (-1e20, Reason.MALFORMED),
        ("0001-01-01T00:00:00Z", Reason.EARLY_TS),  # representable, but far too early
        ("1800-06-01T00:00:00+08:00", Reason.EARLY_TS),
        ("1900-01-01T00:00:00+08:00", Reason.EARLY_TS),
        (0, Reason.EARLY_TS),  # 1970-01-01, a reset device clock
        ("1999-12-31T23:59:59+08:00", Reason.EARLY_TS),  # one second before 2000-01-01 park time
        ("2026-03-01T12:05:01+08:00", Reason.FUTURE_TS),  # upper bound: 5 min 1 s after NOW
    ],
)
def test_out_of_range_timestamps_are_rejected_with_a_reason(ts: object, reason: Reason) -> None:
    res = validate_item("E1", {"ts": ts, "value": 1.0}, meters={"E1": E1}, now_utc=NOW, convert=CONVERT)
    assert isinstance(res, Rejected) and res.reason is reason, res
    assert res.detail  # a sentence saying what to fix
    # the batch fast path never accepts them; it defers them to the per-item path
    ok, slow = accept_clean(E1, [{"ts": ts, "value": 1.0}], now_utc=NOW, convert=CONVERT)
    assert ok == [] and slow == [0]


def test_earliest_bound_is_inclusive_and_configurable() -> None:
    # 2000-01-01 00:00 Asia/Shanghai = 1999-12-31 16:00 UTC
    assert earliest_instant() == datetime(1999, 12, 31, 16, tzinfo=UTC)
    assert DEFAULT_EARLIEST_YEAR == 2000
    first = {"ts": "2000-01-01T00:00:00+08:00", "value": 1.0}
    res = validate_item("E1", first, meters={"E1": E1}, now_utc=NOW, convert=CONVERT)
    assert isinstance(res, Accepted)
    ok, slow = accept_clean(E1, [first], now_utc=NOW, convert=CONVERT)
    assert len(ok) == 1 and slow == []
    # a park with genuine 1995 history configures an earlier year
    old = {"ts": "1995-06-01T00:00:00+08:00", "value": 1.0}
    early = earliest_instant(1990)
    res = validate_item("E1", old, meters={"E1": E1}, now_utc=NOW, convert=CONVERT, earliest_utc=early)
    assert isinstance(res, Accepted)
    later = earliest_instant(2020)
    res = validate_item("E1", first, meters={"E1": E1}, now_utc=NOW, convert=CONVERT, earliest_utc=later)
    assert isinstance(res, Rejected) and res.reason is Reason.EARLY_TS
    assert "2019-12-31T16:00:00+00:00" in res.detail


def test_parse_ts_raises_value_error_only() -> None:
    for bad in ("0001-01-01", 1e20, -1e20, 1e300, "9999-12-31T23:59:59-12:00"):
        with pytest.raises(ValueError, match="years 1–9999"):
            parse_ts(bad)


def test_deeply_nested_item_is_malformed_not_a_recursion_error() -> None:
    """An item nested ~990 deep decodes (orjson allows 1024 levels) but cannot be re-encoded."""
    item: object = []
    for _ in range(5000):
        item = [item]
    res = validate_item("E1", item, meters={"E1": E1}, now_utc=NOW, convert=CONVERT)
    assert isinstance(res, Rejected) and res.reason is Reason.MALFORMED
    assert "nested too deeply" in str(res.raw)


def test_every_quarantine_reason_has_a_label_in_both_languages() -> None:
    from zeropark import i18n

    for reason in Reason:
        zh = i18n.translate(f"reason_{reason.value}", "zh")
        en = i18n.translate(f"reason_{reason.value}", "en")
        assert zh != f"reason_{reason.value}" and en != zh, reason
