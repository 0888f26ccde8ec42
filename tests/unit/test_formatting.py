"""Numbers as shown: significant digits from the value's own precision, never a float artefact."""

from __future__ import annotations

import math

import pytest

from zeropark.formatting import MISSING, precision, sig


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (94 / 100, 2, "0.94"),  # 94 % oxidation factor as a fraction: 0.9400000000000001 in binary
        (15.3 / 1000, 3, "0.0153"),  # 15.3 tC/TJ in tC/GJ: 0.015300000000000001
        (389.31 / 1e4, 5, "0.038931"),  # 389.31 GJ/10⁴Nm³ in GJ/m³
        (0.1 + 0.2, 1, "0.3"),
        (23900.0, 3, "23,900"),  # SF6 GWP (SAR): thousands grouped like every other number
        (0.5568, 4, "0.5568"),
        (-0.94, 2, "-0.94"),
        (1e-7, 1, "0.0000001"),  # never an exponent
    ],
)
def test_sig_uses_the_values_own_precision(value: float, digits: int, text: str) -> None:
    assert precision(value) == digits
    assert sig(value) == text


def test_sig_with_explicit_digits_and_missing_values() -> None:
    assert sig(2.16219, 3) == "2.16"
    assert sig(0) == "0"
    assert sig(None) == MISSING
    assert sig(math.nan) == MISSING
    # a value written with 10 significant digits is shown with all of them, not cut
    assert sig(0.1234567891) == "0.1234567891"
