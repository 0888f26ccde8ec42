"""The browser tests' fixture park (hand-computed values), demo-park holder and the uvicorn server.

The park is written through ``zeropark.store.repo`` (park, enterprises, meters, an activity record)
and ``write_readings``, and accounted through the accounting use case, as a user would
(``zeropark.services.inventory.account_year``, both methods, every enterprise's view stored with
the park run). Rollups and alarms for the monitoring pages go in through the ORM. The figures,
computed by hand (ACCOUNTING.md §2.2, §2.4, §2.1):

- 企业A, diesel 100 t in 2025-01 (activity record REC-A-1): 100 t × 42.652 GJ/t × 20.2×10⁻³ tC/GJ
  × 0.98 × 44/12 = 309.591 tCO2 (309.5909637); energy 100 t × 1.4571 tce/t = 145.71 tce.
- 企业B, electricity 1 000 MWh in 2025-02 (M-B, 2 500 × 400 kWh; the park's boundary meter M-GRID
  the same): national method × 0.8325 tCO2/MWh = 832.5 tCO2; energy 1 000 MWh × 0.1229 tce/MWh
  = 122.9 tce. At the park level the electricity line is the boundary's (园区级 purchase); on the
  consumption basis it is 企业B's share, the total of 企业B's own view.
- National total 1 142.091 tCO2, energy 268.61 tce, core indicator 1 142.091 / 268.61 = 4.2518 tCO2/tce.

Under CI=true a missing chromium fails the tests (never skips).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, insert

from zeropark import demo
from zeropark.accounting import AccountingOptions
from zeropark.demo.alarms import evaluate_demo_alarms, install_demo_alarm_rules
from zeropark.forecast.target import Target, TargetKind
from zeropark.model import (
    ActivityRecord,
    Carrier,
    Direction,
    Enterprise,
    Flow,
    Meter,
    MeterKind,
    Method,
    Park,
    Reading,
    Role,
)
from zeropark.monitoring.rollups import rebuild_rollups
from zeropark.optimize.scenario import ScenarioParams
from zeropark.optimize.system import Mode
from zeropark.services import evaluation, forecasting, optimization
from zeropark.services.imports import import_readings
from zeropark.services.inventory import account_year
from zeropark.services.users import create_user, ensure_demo_users
from zeropark.store import repo
from zeropark.store.db import make_engine, transaction
from zeropark.store.migrate import upgrade
from zeropark.store.queries import users as user_queries
from zeropark.store.readings import write_readings
from zeropark.store.schema import AlarmRow, RollupRow
from zeropark.store.scope import Principal, Scope, system_scope

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
YEAR = 2025
PASSWORD = "e2e-password-1"
USERS = {
    "admin": ("e2e-admin", "admin", None),
    "park_manager": ("e2e-manager", "park_manager", None),
    "enterprise": ("e2e-ent-a", "enterprise", "ENT-A"),
    "enterprise_b": ("e2e-ent-b", "enterprise", "ENT-B"),
    "verifier": ("e2e-verifier", "verifier", None),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_fixture_park(engine: Engine) -> None:
    """Write the fixture park (see module docstring) into ``engine``."""

    repo.add_park(engine, Park("P1", "滨江零碳产业园", "江苏", "华东", 31.2, 120.5, is_demo=True))
    repo.add_enterprise(engine, Enterprise("ENT-A", "P1", "甲精密制造有限公司", "91320000MA1A1A1A1A", "C34"))
    repo.add_enterprise(engine, Enterprise("ENT-B", "P1", "乙新材料有限公司", "91320000MA1B2B2B2B", "C26"))
    meters = [
        Meter(
            "M-GRID",
            "P1",
            Carrier.ELECTRICITY,
            "kWh",
            Direction.IMPORT,
            MeterKind.INTERVAL,
            name="园区总进线",
            interval_s=900,
        ),
        Meter(
            "M-A",
            "P1",
            Carrier.ELECTRICITY,
            "kWh",
            Direction.CONSUMPTION,
            MeterKind.INTERVAL,
            enterprise_id="ENT-A",
            parent_id="M-GRID",
            level=2,
            name="甲公司总表",
            interval_s=900,
        ),
        Meter(
            "M-B",
            "P1",
            Carrier.ELECTRICITY,
            "kWh",
            Direction.CONSUMPTION,
            MeterKind.INTERVAL,
            enterprise_id="ENT-B",
            parent_id="M-GRID",
            level=2,
            name="乙公司总表",
            interval_s=900,
        ),
        Meter(
            "M-PV",
            "P1",
            Carrier.ELECTRICITY,
            "kWh",
            Direction.GENERATION,
            MeterKind.INTERVAL,
            name="屋顶光伏",
            interval_s=900,
            technology="pv",
        ),
    ]
    for m in meters:
        repo.add_meter(engine, m)
    repo.add_activity_record(
        engine,
        "P1",
        ActivityRecord(
            "REC-A-1",
            "ENT-A",
            Carrier.DIESEL,
            Flow.COMBUSTION,
            date(2025, 1, 1),
            date(2025, 1, 31),
            100.0,
            "t",
            evidence="发票 INV-2025-001",
            description="柴油 100 t（叉车、应急发电）",
        ),
    )
    # 2 500 quarter-hours of 400 kWh = 1 000 000 kWh from 2025-02-01 00:15 local (exact in floats)
    first = datetime(2025, 1, 31, 16, 15, tzinfo=UTC)
    readings = [
        Reading(meter, first + timedelta(minutes=15 * i), 400.0)
        for meter in ("M-GRID", "M-B")
        for i in range(2500)
    ]
    write_readings(engine, readings, source="e2e-fixture")
    scope = system_scope(engine, "e2e")
    for method in (Method.NATIONAL, Method.GHG):
        account_year(scope, "P1", YEAR, AccountingOptions(method=method), "CN-park-2025")
    now = datetime.now(UTC)
    with transaction(engine) as s:
        # 48 hours of 15-min rollups for the live curves, daily rollups for the meter tree (the
        # meters report every 15 min: interval_s=900, 96 readings a day)
        t0 = datetime(2025, 12, 30, tzinfo=UTC)
        rollups: list[dict[str, Any]] = []
        for i in range(192):
            ts = t0 + timedelta(minutes=15 * i)
            hour = (ts.hour + 8) % 24
            pv = max(0.0, 250.0 * (1 - abs(hour - 12) / 6)) if 6 <= hour <= 18 else 0.0
            for mid, v in (("M-GRID", 600.0 + 40 * (i % 7)), ("M-A", 200.0), ("M-B", 350.0), ("M-PV", pv)):
                rollups.append(
                    {
                        "meter_id": mid,
                        "bucket": "15min",
                        "start": ts,
                        "value": v,
                        "n_present": 1,
                        "n_expected": 1,
                    }
                )
        for d in range(31):
            ts = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=d)
            for mid, v, present in (("M-GRID", 60_000.0, 96), ("M-A", 20_000.0, 96), ("M-B", 35_000.0, 90)):
                rollups.append(
                    {
                        "meter_id": mid,
                        "bucket": "day",
                        "start": ts,
                        "value": v,
                        "n_present": present,
                        "n_expected": 96,
                    }
                )
        s.execute(insert(RollupRow), rollups)
        s.add(
            AlarmRow(
                park_id="P1",
                meter_id="M-A",
                enterprise_id="ENT-A",
                kind="threshold",
                severity="warning",
                state="open",
                message="甲公司总表负荷超过 500 kW",
                detail={},
                opened_at=now,
            )
        )
        s.add(
            AlarmRow(
                park_id="P1",
                meter_id="M-B",
                enterprise_id="ENT-B",
                kind="missing_data",
                severity="critical",
                state="open",
                message="乙公司总表数据缺失 6 小时",
                detail={},
                opened_at=now,
            )
        )
        for _key, (username, role, ent) in USERS.items():
            create_user(
                s, username=username, password=PASSWORD, role=Role(role), park_id="P1", enterprise_id=ent
            )


#: What is started once per test run although several modules import its fixture (a second
#: Playwright in the same process fails: "Sync API inside the asyncio loop").
_ONCE: dict[str, Any] = {}


@dataclass(frozen=True)
class Server:
    """The running app."""

    url: str
    engine: Engine


@contextmanager
def serve(engine: Engine) -> Iterator[str]:
    """Serve ``create_app(engine)`` with uvicorn in a thread on a random free port; yield its URL."""
    import uvicorn

    from zeropark.app import create_app

    app = create_app(engine)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@dataclass(frozen=True)
class DemoServer:
    """The small demo park (``zeropark.demo``, 示例数据) served, with one password per demo user."""

    url: str
    engine: Engine
    year: int
    passwords: dict[str, str]


# --------------------------------------------------------------------------------------------
# Fixtures. Test modules import them (``from e2e_park import server_fixture``): a conftest.py
# here would replace the root ``conftest`` module that other test helpers import by name.
# --------------------------------------------------------------------------------------------


#: Parks built once a session into an SQLite file (key → (file, what the build returned)). Every
#: module that imports a park fixture gets its own pytest fixture and so its own database (tests
#: write to it: acknowledge alarms, create users, import readings); it gets a copy of this file
#: instead of building the park again (the demo park took ~20 s a module, the fixture park ~5 s).
_TEMPLATES: dict[str, tuple[Path, Any]] = {}


def park_copy(
    tmp_path_factory: pytest.TempPathFactory, key: str, build: Callable[[Engine], Any]
) -> tuple[Engine, Any]:
    """A fresh copy of the park ``build`` writes (built once a session under ``key``), migrated;
    its engine and what ``build`` returned."""
    if key not in _TEMPLATES:
        path = tmp_path_factory.mktemp(f"{key}-template") / "zeropark.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        made = build(engine)
        with engine.connect() as c:
            c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        _TEMPLATES[key] = (path, made)
    template, made = _TEMPLATES[key]
    db = tmp_path_factory.mktemp(key) / "zeropark.db"
    shutil.copyfile(template, db)
    return make_engine(f"sqlite:///{db}"), made


def fixture_park_copy(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """A fresh SQLite copy of the fixture park (:func:`build_fixture_park`), built once a session."""
    return park_copy(tmp_path_factory, "e2e", build_fixture_park)[0]


@pytest.fixture(scope="session", name="server")
def server_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The fixture park (hand-computed values) served on a random port (SQLite file)."""
    engine = fixture_park_copy(tmp_path_factory)
    with serve(engine) as url:
        yield Server(url, engine)
    engine.dispose()


def build_demo_park(engine: Engine) -> tuple[int, dict[str, str]]:
    """The demo generator's small park in ``engine``; its year and the demo users' passwords."""
    park = demo.generate(size=demo.SMALL_SIZE)
    demo.write_demo(engine, park)
    rebuild_rollups(engine)
    install_demo_alarm_rules(engine)  # what `zeropark demo` ships: rules that fire
    evaluate_demo_alarms(engine)
    scope = system_scope(engine, "e2e")
    for method in (Method.NATIONAL, Method.GHG):
        account_year(scope, park.park.id, park.year, AccountingOptions(method=method), "CN-park-2025")
    passwords = {u: p for u, p, _ in ensure_demo_users(engine, park.park.id)}
    return park.year, passwords


@pytest.fixture(scope="session", name="demo_server")
def demo_server_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """The demo generator's small park (6 enterprises, 14 days), rollups built, demo users made."""
    engine, (year, passwords) = park_copy(tmp_path_factory, "e2e-demo", build_demo_park)
    with serve(engine) as url:
        yield DemoServer(url, engine, year, dict(passwords))
    engine.dispose()


#: The Playwright and Chromium of a browser test module, closed when the module ends: a sync
#: Playwright runs an event loop in the main thread, and one left running until the session ends
#: makes every later ``asyncio.run`` (the gateway and ingest tests) fail. A second sync Playwright
#: cannot start while the first runs, so overlapping users share this one (closed with the last).
_SHARED_BROWSER: dict[str, Any] = {}


@pytest.fixture(scope="module", name="browser")
def browser_fixture() -> Iterator[Any]:
    """Headless Debian chromium (fails under CI=true when missing, skips locally), shared by modules."""
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        if IN_CI:
            pytest.fail(f"chromium not found at {CHROMIUM}; under CI=true browser tests must run")
        pytest.skip("chromium not installed")
    from playwright.sync_api import sync_playwright

    if not _SHARED_BROWSER:
        playwright = sync_playwright().start()
        _SHARED_BROWSER["playwright"] = playwright
        _SHARED_BROWSER["browser"] = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        _SHARED_BROWSER["users"] = 0
    _SHARED_BROWSER["users"] += 1
    try:
        yield _SHARED_BROWSER["browser"]
    finally:
        _SHARED_BROWSER["users"] -= 1
        if _SHARED_BROWSER["users"] == 0:
            _SHARED_BROWSER["browser"].close()
            _SHARED_BROWSER["playwright"].stop()
            _SHARED_BROWSER.clear()


@pytest.fixture(scope="session", name="artifacts")
def artifacts_fixture() -> Path:
    """Directory for screenshots (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


#: The workspace park: the small demo over 30 days (the load model needs 21 days of history
#: before the first backtest day).
WORKSPACE_SIZE = demo.with_size(demo.SMALL_SIZE, days=30)


@dataclass(frozen=True)
class Workspace:
    """The 30-day demo park served, with its demo users' passwords and seeded runs."""

    url: str
    engine: Engine
    park_id: str
    year: int
    passwords: dict[str, str]
    enterprise_id: str


@pytest.fixture(scope="session", name="ws")
def workspace_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """The 30-day demo park, both inventories, demo users, and one run of each page's kind.

    Seeded through the use cases the command line calls: a dispatch run with a 500 kW / 1 000 kWh
    battery, a forecast of the park's load (6 backtest days, so it has an interval) and one of the
    demo enterprise's load, and a readings import with two rejected rows, so every result page
    has something to show. Built once per run even when several test modules import the fixture.
    """
    if "ws" in _ONCE:
        yield _ONCE["ws"]
        return
    db = tmp_path_factory.mktemp("e2e-workspace") / "zeropark.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    park = demo.generate(size=WORKSPACE_SIZE)
    demo.write_demo(engine, park)
    rebuild_rollups(engine)
    scope = system_scope(engine, "e2e")
    park_id = park.park.id
    for method in (Method.NATIONAL, Method.GHG):
        account_year(scope, park_id, park.year, AccountingOptions(method=method), "CN-park-2025")
    passwords = {u: p for u, p, _ in ensure_demo_users(engine, park_id)}
    ent = next(u.enterprise_id for u in user_queries.users(scope) if u.username == "demo-enterprise")
    assert ent is not None
    optimization.create_run(
        scope,
        park_id,
        optimization.RunRequest(
            mode=Mode.DISPATCH,
            profiles=optimization.MeteredHistory(park.year),
            start_local=pd.Timestamp(f"{park.year}-01-29"),
            hours=48,
            scenario=ScenarioParams(battery_kw=500.0, battery_kwh=1000.0),
        ),
    )
    last = date(park.year, 1, 30)
    forecasting.run_forecast(
        scope, park_id=park_id, target=Target(TargetKind.PARK), day=last, backtest_days=6
    )
    forecasting.run_forecast(
        scope, park_id=park_id, target=Target(TargetKind.ENTERPRISE, ent), day=last, backtest_days=0
    )
    # an import with rejected rows, for the import history (unknown meter, a value that is no number)
    bad = db.parent / "bad-readings.csv"
    bad.write_text(
        "meter_id,ts,value\nNO-SUCH-METER,2025-01-10 00:00,5\ndemo-park-EL-DIST,2025-01-10 00:15,abc\n",
        encoding="utf-8",
    )
    manager = next(u for u in user_queries.users(scope) if u.username == "demo-manager")
    as_manager = Principal(manager.id, manager.username, Role.PARK_MANAGER, park_id, None, via="session")
    import_readings(Scope(user=as_manager, engine=engine, ip=None), bad)
    # evaluation slice: a park evaluation (missing data, blockers, [UNCERTAIN]) and an enterprise's own
    evaluation.evaluate(scope, park_id, park.year, "t-cgdf-00046-2024")
    evaluation.evaluate(scope, park_id, park.year, "eu-races-self-assessment", enterprise_id=ent)
    with serve(engine) as url:
        _ONCE["ws"] = Workspace(url, engine, park_id, park.year, passwords, ent)
        try:
            yield _ONCE["ws"]
        finally:
            _ONCE.pop("ws", None)
    engine.dispose()
