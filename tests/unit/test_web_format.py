"""Number, share, time and quality-flag formatting of the pages (zeropark.web.format)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from zeropark.formatting import local_time, num, pct, quality_flags


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [
        (1142.091, 1, "1,142.1"),  # thousands separator, one decimal
        (4.25178, 3, "4.252"),  # core indicator: 1 142.091 / 268.61
        (None, 1, "—"),  # missing is a dash, never 0
        (float("nan"), 1, "—"),
        (0.0, 2, "0.00"),
    ],
)
def test_num(value: float | None, decimals: int, shown: str) -> None:
    assert num(value, decimals) == shown


def test_pct_is_a_share_in_percent() -> None:
    assert pct(0.2301) == "23.0"
    assert pct(None) == "—"


def test_local_time_is_asia_shanghai() -> None:
    # 2025-01-01 00:00 local = 2024-12-31 16:00 UTC
    assert local_time(datetime(2024, 12, 31, 16, 0, tzinfo=UTC)) == "2025-01-01 00:00"


def test_quality_flags_name_the_bits() -> None:
    # Quality.NEGATIVE = 1, Quality.FILLED = 16 (zeropark.timeseries)
    assert quality_flags(0) == "正常"
    assert quality_flags(17) == "负值、插补"
    assert quality_flags(17, "en") == "negative, filled"
