"""配额缺口预测 through the service, on the API fixture park (SQLite and PostgreSQL).

The fixture park (api_support.build_park) has January 2025 electricity readings and January gas and
diesel records; 2025 is accounted, so each enterprise has one month of lines. With one month and no
2024 the forecast is the run rate: 12 × January, plus the lines of the whole year, and the prior
spread (10 %). Enterprise users see their own line only.
"""

from __future__ import annotations

import math
from collections import defaultdict

import pytest
from api_support import ENT_A, ENT_B, PARK, build_park
from sqlalchemy import Engine

from zeropark.accounting import AccountingOptions
from zeropark.errors import NotFound
from zeropark.forecast.quota_gap import Method as GapMethod
from zeropark.forecast.quota_gap import QuotaGapError
from zeropark.model import Method, Role
from zeropark.services import quota_gap
from zeropark.services.inventory import account_year, latest_view
from zeropark.settings import get_settings
from zeropark.store.scope import Principal, Scope, system_scope


@pytest.fixture
def park(engine: Engine) -> Engine:
    build_park(engine)
    account_year(
        system_scope(engine, "cli"),
        PARK,
        2025,
        AccountingOptions(method=Method.NATIONAL),
        get_settings().factor_set,
    )
    return engine


def _by_hand(engine: Engine) -> dict[str, tuple[float, float]]:
    """Per enterprise: January's CO2 and the lines without a month, summed from the stored run."""
    view = latest_view(system_scope(engine, "t"), PARK, 2025, Method.NATIONAL)
    assert view is not None
    jan: dict[str, float] = defaultdict(float)
    annual: dict[str, float] = defaultdict(float)
    for line in view.inventory.lines:
        if line.enterprise_id is None:
            continue
        if line.month is None:
            annual[line.enterprise_id] += line.emissions_tco2e
        else:
            assert line.month.month == 1
            jan[line.enterprise_id] += line.emissions_tco2e
    return {e: (jan[e], annual[e]) for e in jan}


def test_run_rate_forecast_of_every_enterprise(park: Engine) -> None:
    hand = _by_hand(park)
    out = quota_gap.forecast(system_scope(park, "t"), PARK, 2025, allowances={ENT_A: 100.0})
    assert [g.enterprise_id for g in out] == sorted(hand)
    for g in out:
        jan, annual = hand[g.enterprise_id]
        f = g.forecast
        assert (g.through_month, f.method) == (1, GapMethod.RUN_RATE)
        assert f.year_end_tco2 == pytest.approx(12 * jan + annual, rel=1e-12)
        # prior s = 0.10, k = 1: Var = 0.01 × (11 jan² + (11 jan)²) = 0.01 × 132 jan²
        half = f.high_tco2 - f.year_end_tco2
        assert half == pytest.approx(1.6448536 * 0.1 * math.sqrt(132) * jan, rel=1e-6)
        assert g.backtest is None  # no 2024 run
    a = next(g for g in out if g.enterprise_id == ENT_A)
    assert a.forecast.gap_tco2 == pytest.approx(a.forecast.year_end_tco2 - 100.0, rel=1e-12)
    assert next(g for g in out if g.enterprise_id == ENT_B).forecast.gap_tco2 is None


def test_an_enterprise_sees_only_itself(park: Engine) -> None:
    ent_a = Scope(Principal(1, "ent_a", Role.ENTERPRISE, PARK, ENT_A, via="session"), park, "192.0.2.1")
    mine = quota_gap.forecast(ent_a, PARK, 2025)
    assert [g.enterprise_id for g in mine] == [ENT_A]
    with pytest.raises(NotFound):
        quota_gap.forecast(ent_a, PARK, 2025, enterprise_id=ENT_B)


def test_named_errors(park: Engine) -> None:
    scope = system_scope(park, "t")
    with pytest.raises(NotFound, match="no national run of 2023"):
        quota_gap.forecast(scope, PARK, 2023)
    with pytest.raises(QuotaGapError, match="through_month"):
        quota_gap.forecast(scope, PARK, 2025, through_month=13)


def test_plans_drive_the_plan_method_and_ml_runs(park: Engine) -> None:
    scope = system_scope(park, "t")
    hand = _by_hand(park)
    plan = "enterprise_id,year,month,quantity,unit\n" + "".join(
        f"{ENT_A},2025,{m},{100 + m},t\n" for m in range(1, 13)
    )
    with pytest.raises(QuotaGapError, match="plan.csv, row 2, field unit"):
        quota_gap.import_plans(scope, PARK, plan.replace(",101,t", ",101,"), source="plan.csv")
    assert quota_gap.plans(scope, PARK, 2025) == []
    assert quota_gap.import_plans(scope, PARK, plan, source="plan.csv") == 12
    quota_gap.set_plan(scope, PARK, ENT_A, 2025, {12: 0.0}, "t")  # December: a stop
    out = {g.enterprise_id: g for g in quota_gap.forecast(scope, PARK, 2025)}
    jan, annual = hand[ENT_A]
    # planned Feb–Nov = Σ(102…111) = 1 065 t, December 0: Jan CO2 / 101 t × 1 065 t, + Jan + annual
    assert out[ENT_A].forecast.method is GapMethod.PLAN
    assert out[ENT_A].forecast.year_end_tco2 == pytest.approx(jan + jan / 101 * 1065 + annual, rel=1e-12)
    assert out[ENT_B].forecast.method is GapMethod.RUN_RATE
    ml = quota_gap.forecast(scope, PARK, 2025, method=GapMethod.ML)
    for g in ml:  # one known month: the ML forecast keeps January and adds 11 non-negative months
        f = g.forecast
        assert f.method is GapMethod.ML and f.monthly_tco2[0] == pytest.approx(hand[g.enterprise_id][0])
        assert f.low_tco2 <= f.year_end_tco2 <= f.high_tco2
