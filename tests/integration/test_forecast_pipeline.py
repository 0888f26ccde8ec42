"""The forecast pipeline on a small demo park (示例数据) in a real database (SQLite and PostgreSQL).

Stored readings → hourly series (park, enterprise, meter, PV) → LightGBM / pvlib forecast of a day
→ rolling-origin backtest against seasonal naive → a stored ForecastRunRow; plus the forecast
profile source the optimiser's ``dispatch`` takes, and the ``zeropark forecast`` command.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from api_support import invoke_cli
from sqlalchemy import Engine, select

from zeropark import demo
from zeropark.errors import NotFound
from zeropark.forecast.load import LoadModelParams
from zeropark.forecast.target import Target, TargetKind, parse_target
from zeropark.services.forecasting import (
    forecast_profiles,
    get_forecast_run,
    list_forecast_runs,
    run_forecast,
)
from zeropark.store.db import transaction
from zeropark.store.schema import AuditLogRow
from zeropark.store.scope import system_scope

SIZE = demo.DemoSize(n_enterprises=6, max_submeters=2, days=49, boundary_15min=False)  # 1 Jan – 18 Feb 2025
FAST = LoadModelParams(n_estimators=120, learning_rate=0.1, history_days=365)
DAY = date(2025, 2, 18)  # last stored day: the forecast can be scored against the meters


@pytest.fixture(scope="module")
def park() -> demo.DemoPark:
    return demo.generate(seed=5, size=SIZE)


def test_parse_target() -> None:
    assert parse_target("park") == Target(TargetKind.PARK)
    assert parse_target("enterprise:demo-park-E01") == Target(TargetKind.ENTERPRISE, "demo-park-E01")
    with pytest.raises(ValueError, match="is not one of park, pv, enterprise:<id> or meter:<id>"):
        parse_target("zone:A")
    with pytest.raises(ValueError, match="give the id"):
        parse_target("meter")


def test_pipeline_park_enterprise_meter_pv(engine: Engine, park: demo.DemoPark) -> None:
    demo.write_demo(engine, park)
    pid = park.park.id
    scope = system_scope(engine, "cli")

    # park load after the Spring Festival (28 Jan – 4 Feb): the week-earlier hours of the test
    # days are holiday or run-down hours, so the calendar-aware model must beat seasonal naive
    out = run_forecast(
        scope, park_id=pid, target=Target(TargetKind.PARK), day=DAY, backtest_days=7, params=FAST
    )
    assert out.forecast_kwh.shape == (24,) and np.all(out.forecast_kwh > 0)
    assert out.actual_kwh is not None
    assert out.backtest is not None and len(out.backtest.days) == 7
    assert out.backtest.pooled.skill is not None and out.backtest.pooled.skill > 0.2
    row = get_forecast_run(scope, out.run_id)
    assert (row.park_id, row.target, row.model) == (pid, "park", "lightgbm-calendar-lags")
    assert len(row.series["forecast_kwh"]) == 24
    assert row.metrics["backtest"]["pooled"]["skill"] == pytest.approx(out.backtest.pooled.skill)
    assert row.params["date"] == "2025-02-18" and row.params["lightgbm"]["seed"] == FAST.seed
    # the interval is stored and scored; the run says how the hours were made
    assert len(row.series["lower_kwh"]) == 24 and row.series["quantiles"] == [0.1, 0.9]
    assert all(
        lo <= f <= hi
        for lo, f, hi in zip(
            row.series["lower_kwh"], row.series["forecast_kwh"], row.series["upper_kwh"], strict=True
        )
    )
    assert 0.0 <= row.metrics["backtest"]["interval"]["coverage"] <= 1.0
    assert row.params["resolution"].startswith("hourly: the store's hourly load")

    # one enterprise and one meter: forecasts stored; skill reported whatever its sign
    ent = run_forecast(
        scope,
        park_id=pid,
        target=Target(TargetKind.ENTERPRISE, f"{pid}-E01"),
        day=DAY,
        backtest_days=3,
        params=FAST,
    )
    assert ent.backtest is not None and ent.backtest.pooled.skill is not None
    met = run_forecast(
        scope,
        park_id=pid,
        target=Target(TargetKind.METER, f"{pid}-E02-EL"),
        day=DAY,
        backtest_days=0,
        params=FAST,
    )
    assert met.backtest is None and np.all(met.forecast_kwh >= 0)
    met_row = get_forecast_run(scope, met.run_id)
    (step,) = met_row.params["source_interval_s"]  # the meter's own interval, named in the run
    assert f"the store sums the meter intervals ({step // 60} min) per hour" in met_row.params["resolution"]

    # PV: zero at night, daytime peak around noon, cloud index learned from the stored weeks
    pv = run_forecast(scope, park_id=pid, target=Target(TargetKind.PV), day=DAY, backtest_days=7)
    assert np.all(pv.forecast_kwh[:5] == 0.0) and np.all(pv.forecast_kwh[20:] == 0.0)
    assert int(np.argmax(pv.forecast_kwh)) in (11, 12)
    assert pv.backtest is not None and pv.backtest.pooled.nrmse is not None
    pv_row = get_forecast_run(scope, pv.run_id)
    assert (
        pv_row.model == "pvlib-clearsky-x-cloud-index" and len(pv_row.params["cloud_index"]["by_hour"]) == 24
    )
    assert [r.target for r in list_forecast_runs(scope, pid)] == [
        "pv",
        f"meter:{pid}-E02-EL",
        f"enterprise:{pid}-E01",
        "park",
    ]

    with transaction(engine) as s:  # each run audited, as the CLI principal
        audited = s.scalars(select(AuditLogRow).where(AuditLogRow.entity == "forecast_run"))
        assert [(a.user, a.role, a.action) for a in audited] == [("cli", "admin", "create")] * 4

    # the optimiser's profile source: a day after the stored data
    prof = forecast_profiles(scope, pid, pd.Timestamp("2025-02-19"), 24)
    assert len(prof.load_kw) == 24 and np.all(prof.load_kw > 0)
    assert np.all((prof.pv_pu >= 0) & (prof.pv_pu <= 1)) and prof.pv_pu[2] == 0.0 and prof.pv_pu.max() > 0
    assert prof.source.startswith("forecast:")

    with pytest.raises(NotFound):
        run_forecast(
            scope, park_id=pid, target=Target(TargetKind.METER, "no-such-meter"), day=DAY, backtest_days=0
        )


def test_forecast_command(sqlite_engine: Engine, park: demo.DemoPark) -> None:
    demo.write_demo(sqlite_engine, park)
    argv = ["forecast", "--target", "pv", "--date", "2025-02-18", "--backtest-days", "3"]
    done = invoke_cli(sqlite_engine, *argv, env={"COLUMNS": "120"})
    assert done.exit_code == 0, done.output
    assert "seasonal naive" in done.stdout and "stored as forecast run" in done.stdout
    bad = invoke_cli(
        sqlite_engine, "forecast", "--target", "zone:A", "--date", "2025-02-18", env={"COLUMNS": "120"}
    )
    assert bad.exit_code == 2 and "park, pv, enterprise:<id> or meter:<id>" in bad.stderr
    assert bad.exception is None or isinstance(bad.exception, SystemExit), bad.exception
