"""Forecast benchmark: backtest accuracy on the demo park (示例数据) and time per forecast.

Builds the demo park into an SQLite file (or uses ``--db URL`` holding one), reads hourly series
through the forecasting service (``zeropark.services.forecasting.hourly_history``, as the CLI
principal) and runs a rolling-origin backtest over ``--days`` test days ending on ``--last-day``
for: the park load, one enterprise, one meter and the park's PV. Prints MAPE, nRMSE, RMSE and
skill against the seasonal-naive baseline (m = 168 h load, 24 h PV), then the median wall time of
a single day-ahead forecast (fit + predict for load; cloud index + pvlib for PV) over ``--repeat``
runs.

Usage::

    .venv/bin/python benchmarks/forecast.py                       # 12 enterprises, full 2025
    .venv/bin/python benchmarks/forecast.py --enterprises 32 --last-day 2025-12-28

The default window 2025-09-22 … 2025-10-19 holds the National Day holiday (1–8 October) and its
调休 working days (Sunday 28 September, Saturday 11 October): the hard case for a weekly baseline.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from zeropark import demo
from zeropark.forecast.backtest import (
    LOAD_SEASON_H,
    PV_SEASON_H,
    BacktestResult,
    DayForecast,
    origin_days,
    rolling_origin,
)
from zeropark.forecast.dayahead import PV_MAPE_MIN_SHARE
from zeropark.forecast.load import LoadModelParams, forecast_load_day, load_forecaster
from zeropark.forecast.pv import forecast_pv_day
from zeropark.forecast.target import Target, TargetKind, parse_target
from zeropark.services.forecasting import hourly_history, pv_site
from zeropark.store.db import make_engine
from zeropark.store.migrate import upgrade
from zeropark.store.scope import system_scope


def _pct(x: float | None) -> str:
    return "     —" if x is None else f"{x:6.1%}"


def _line(name: str, bt: BacktestResult) -> str:
    a = bt.pooled
    iv = bt.interval
    cover = (
        ""
        if iv is None
        else f"   P10–P90 coverage {iv.coverage:.1%}, "
        f"pinball {iv.pinball_lower_kwh:,.1f}/{iv.pinball_upper_kwh:,.1f} kWh"
    )
    return (
        f"{name:<34} {_pct(a.mape)} {_pct(a.mape_baseline)} {_pct(a.nrmse)} {_pct(a.nrmse_baseline)} "
        f"{a.rmse_kwh:12,.1f} {_pct(a.skill)} {len(bt.days):4d}{cover}"
    )


def _pv_day(history: Any, day: Any, site: Any) -> DayForecast:
    f = forecast_pv_day(history, day, site)
    return DayForecast(f.energy_kwh, f.lower_kwh, f.upper_kwh, f.cloud_index.quantiles)


def main() -> int:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", help="database URL already holding the demo park (skips the build)")
    ap.add_argument("--enterprises", type=int, default=12)
    ap.add_argument("--seed", type=int, default=demo.DEFAULT_SEED)
    ap.add_argument("--last-day", default="2025-10-19")
    ap.add_argument("--days", type=int, default=28)
    ap.add_argument("--refit-every", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--enterprise", default="demo-park-E02", help="enterprise id to backtest")
    ap.add_argument("--meter", default="demo-park-E03-EL", help="meter id to backtest")
    ap.add_argument(
        "--calibration-days", type=int, default=14, help="days conformalising the load interval (0 = none)"
    )
    args = ap.parse_args()

    if args.db:
        engine = make_engine(args.db)
        upgrade(engine)
        print(f"database {args.db}")
    else:
        path = Path(tempfile.mkdtemp(prefix="zeropark-fc-")) / "demo.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        size = demo.DemoSize(n_enterprises=args.enterprises, max_submeters=3, boundary_15min=False)
        t0 = time.perf_counter()
        park = demo.generate(seed=args.seed, size=size)
        demo.write_demo(engine, park)
        print(
            f"demo park (示例数据) seed {args.seed}, {args.enterprises} enterprises, full {park.year}: "
            f"{park.n_readings:,} readings into {path} in {time.perf_counter() - t0:.1f} s"
        )
    pid = demo.PARK_ID
    scope = system_scope(engine, "cli")
    last = date.fromisoformat(args.last_day)
    days = origin_days(last, args.days)
    first_hist = days[0] - timedelta(days=366)
    params = LoadModelParams(calibration_days=args.calibration_days)
    print(
        f"rolling-origin backtest {days[0]} … {days[-1]} ({len(days)} origins at 00:00 local), "
        f"LightGBM {params.n_estimators} trees, lr {params.learning_rate}, refit every {args.refit_every} d, "
        f"{params.num_threads} thread"
    )
    print(
        f"{'target':<34} {'MAPE':>6} {'MAPEsn':>6} {'nRMSE':>6} {'nRMSEs':>6} "
        f"{'RMSE kWh':>12} {'skill':>6} days"
    )
    targets = [
        Target(TargetKind.PARK),
        parse_target(f"enterprise:{args.enterprise}"),
        parse_target(f"meter:{args.meter}"),
    ]
    series_of = {}
    for tgt in targets:
        s = hourly_history(scope, pid, tgt, first_hist, last)
        series_of[str(tgt)] = s
        t0 = time.perf_counter()
        bt = rolling_origin(
            s, days, load_forecaster(params=params, refit_every_days=args.refit_every), season_h=LOAD_SEASON_H
        )
        print(_line(f"{tgt} (load)", bt) + f"   {time.perf_counter() - t0:.1f} s")
    site = pv_site(scope, pid)
    pv = hourly_history(scope, pid, Target(TargetKind.PV), first_hist, last)
    bt = rolling_origin(
        pv,
        days,
        lambda h, d: _pv_day(h, d, site),
        season_h=PV_SEASON_H,
        min_actual=PV_MAPE_MIN_SHARE * site.capacity_kwp,
    )
    print(_line(f"pv ({site.capacity_kwp:,.0f} kW rated)", bt))
    print(
        "MAPEsn / nRMSEs: seasonal naive; skill = 1 − RMSE/RMSE_seasonal-naive; "
        "PV MAPE over hours ≥ 5 % of capacity"
    )

    park_series = series_of["park"]
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        forecast_load_day(park_series, last, params=params)
        times.append(time.perf_counter() - t0)
    pv_times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        forecast_pv_day(pv, last, site)
        pv_times.append(time.perf_counter() - t0)
    print(
        f"time per day-ahead forecast (median of {args.repeat}): load fit+predict "
        f"{statistics.median(times):.2f} s (min {min(times):.2f}), "
        f"PV {statistics.median(pv_times) * 1000:.0f} ms "
        f"(min {min(pv_times) * 1000:.0f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
