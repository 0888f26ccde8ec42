"""Certificate ids as runs of serial numbers (model.serial_range): what is a run, what is an ordinary id."""

from __future__ import annotations

import pytest

from zeropark.model import SerialRange, serial_range


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HOB-0001..HOB-3000", SerialRange("HOB-", 1, 3000)),
        ("HOB-0001..3000", SerialRange("HOB-", 1, 3000)),  # the second end may omit the prefix
        ("HOB-0001 ~ HOB-3000", SerialRange("HOB-", 1, 3000)),
        ("HOB-0001至HOB-3000", SerialRange("HOB-", 1, 3000)),
        ("HOB-0042", SerialRange("HOB-", 42, 42)),
        ("GEC2025000000012345", SerialRange("GEC", 2025000000012345, 2025000000012345)),
        ("PPA-2025-A", None),  # no trailing digits: an ordinary id
        ("绿电合同2025年1月至6月", None),  # 至 inside an ordinary id
        ("A~B", None),
        ("X" + "1" * 31, None),  # more digits than a serial number keeps: an ordinary id
    ],
)
def test_serial_range(text: str, expected: SerialRange | None) -> None:
    assert serial_range(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("HOB-3000..HOB-0001", "runs backwards"),
        ("HOB-0001..XYZ-0100", "different prefixes"),
        ("HOB-0001..HOB-END", "must end in the serial number"),
    ],
)
def test_malformed_runs(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        serial_range(text)


def test_overlap_in_any_split_and_padding() -> None:
    run = serial_range("HOB-0001..HOB-3000")
    assert run is not None and run.count == 3000
    for other, shared in (
        ("HOB-2999..HOB-4000", "HOB-2999..HOB-3000"),
        ("HOB-01", "HOB-0001"),
        ("HOB-1500..HOB-1600", "HOB-1500..HOB-1600"),
    ):
        o = serial_range(other)
        assert o is not None and run.overlaps(o) and str(run.shared(o)) == shared
    for apart in ("HOB-3001..HOB-4000", "HOC-0001", "HOB-0000"):
        o = serial_range(apart)
        assert o is not None and not run.overlaps(o)
