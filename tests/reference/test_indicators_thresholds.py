"""Core indicator 单位能耗碳排放 thresholds by park size (ACCOUNTING.md §1.1 table, [P] People's Daily
2025-08-26): 20万–100万 tce ≤ 0.2; ≥ 100万 tce ≤ 0.3; < 20万 tce no threshold found → value only."""

from __future__ import annotations

import pytest

from zeropark.indicators import IndicatorStatus, core_indicator


@pytest.mark.parametrize(
    ("co2", "tce", "value", "status", "threshold"),
    [
        # small park: 150 000 tce, 45 000 t → 0.3 tCO2/tce; no threshold below 20万 tce ([UNCERTAIN])
        (45_000.0, 150_000.0, 0.3, IndicatorStatus.NO_THRESHOLD, None),
        # just below the 20万 limit: still no threshold (199 999 < 200 000)
        (1_000.0, 199_999.0, 1_000.0 / 199_999.0, IndicatorStatus.NO_THRESHOLD, None),
        # 20万 tce exactly is in the 20万–100万 band: 40 000 / 200 000 = 0.2 ≤ 0.2 → pass
        (40_000.0, 200_000.0, 0.2, IndicatorStatus.PASS, 0.2),
        # 500 000 tce, 110 000 t → 0.22 > 0.2 → fail (veto)
        (110_000.0, 500_000.0, 0.22, IndicatorStatus.FAIL, 0.2),
        # 100万 tce exactly is in the ≥ 100万 band: 250 000 / 1 000 000 = 0.25 ≤ 0.3 → pass
        (250_000.0, 1_000_000.0, 0.25, IndicatorStatus.PASS, 0.3),
        # 2 000 000 tce, 700 000 t → 0.35 > 0.3 → fail
        (700_000.0, 2_000_000.0, 0.35, IndicatorStatus.FAIL, 0.3),
    ],
)
def test_core_indicator_bands(
    co2: float, tce: float, value: float, status: IndicatorStatus, threshold: float | None
) -> None:
    """ACCOUNTING.md §1.1, core indicator row and "Parks < 20万 tce" row."""
    row, _, _ = core_indicator(co2, tce)
    assert row.value == pytest.approx(value)
    assert row.status is status
    assert row.threshold == threshold
    if status is IndicatorStatus.NO_THRESHOLD:
        assert "20万" in row.note_zh and "without pass/fail" in row.note_en


def test_core_indicator_no_energy_is_missing() -> None:
    """No energy data: the indicator is missing and says what (never 0 / pass)."""
    row, _, _ = core_indicator(100.0, 0.0)
    assert row.status is IndicatorStatus.MISSING and row.value is None and row.missing == ("energy_tce",)
