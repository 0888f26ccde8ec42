"""Unit tests of zeropark.accounting.reconcile (pure checks)."""

from __future__ import annotations

from datetime import date

import pytest

from zeropark.accounting.gaps import GapKind
from zeropark.accounting.reconcile import check_claims, meter_balance
from zeropark.model import Carrier, ClaimKind, Direction, GreenPowerClaim, Meter, MeterKind


def meter(mid: str, parent: str | None = None) -> Meter:
    return Meter(
        mid, "P", Carrier.ELECTRICITY, "kWh", Direction.CONSUMPTION, MeterKind.INTERVAL, parent_id=parent
    )


def test_meter_balance_loss_share_and_gap() -> None:
    """Parent 1 000 kWh, children 600 + 330 = 930 → loss 70 kWh = 7 % > 5 % threshold → gap."""
    meters = [meter("M0"), meter("M1", "M0"), meter("M2", "M0")]
    balances, gaps = meter_balance(meters, {"M0": 1000.0, "M1": 600.0, "M2": 330.0})
    assert balances[0].loss == pytest.approx(70.0) and balances[0].loss_share == pytest.approx(0.07)
    assert [g.kind for g in gaps] == [GapKind.METER_BALANCE] and gaps[0].rows == ("M0", "M1", "M2")


def test_meter_balance_within_threshold_and_negative_loss() -> None:
    meters = [meter("M0"), meter("M1", "M0")]
    assert meter_balance(meters, {"M0": 1000.0, "M1": 980.0})[1] == []  # 2 % ≤ 5 %
    _, gaps = meter_balance(meters, {"M0": 1000.0, "M1": 1010.0})  # children exceed parent
    assert gaps and "exceed" in gaps[0].message_en


def test_meter_balance_missing_child_is_not_zero() -> None:
    _, gaps = meter_balance([meter("M0"), meter("M1", "M0")], {"M0": 1000.0})
    assert gaps[0].rows == ("M0", "M1") and "no data for M1" in gaps[0].message_en


def test_check_claims_duplicates_and_period() -> None:
    y = 2025
    c1 = GreenPowerClaim("A", ClaimKind.GEC, 1.0, date(y, 1, 1), date(y, 12, 31), "E1", y)
    c2 = GreenPowerClaim("A", ClaimKind.GEC, 1.0, date(y, 1, 1), date(y, 12, 31), "E2", y)
    c3 = GreenPowerClaim("B", ClaimKind.GREEN_TRADE, 5.0, date(y + 1, 1, 1), date(y + 1, 6, 30), None, y)
    kinds = sorted(g.kind.value for g in check_claims([c1, c2, c3], y))
    assert kinds == ["claim_duplicate", "claim_period"]
