"""The browser tests' fixture park (hand-computed values), demo-park holder and the uvicorn server.

The park is written through ``zeropark.store.repo`` (park, enterprises, meters) and the ORM (rollups,
alarms, inventory runs), with line items built by ``zeropark.accounting.lineitems`` and values
computed by hand (ACCOUNTING.md §2.2, §2.4, §2.1):

- 企业A, diesel 100 t in 2025-01: 100 t × 42.652 GJ/t × 20.2×10⁻³ tC/GJ × 0.98 × 44/12 = 309.591 tCO2;
  energy 100 t × 1.4571 tce/t = 145.71 tce.
- 企业B, purchased electricity 1 000 MWh in 2025-02: national method × 0.8325 tCO2/MWh = 832.5 tCO2;
  energy 1 000 MWh × 0.1229 tce/MWh = 122.9 tce.
- National total 1 142.091 tCO2, energy 268.61 tce, core indicator 1 142.091 / 268.61 = 4.2518 tCO2/tce.

Under CI=true a missing chromium fails the tests (never skips).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from zeropark import demo
from zeropark.store.db import make_engine, transaction
from zeropark.store.migrate import upgrade

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
    from zeropark.accounting.lineitems import Category, FactorUse, LineItem, Scope2Basis
    from zeropark.accounting.options import AccountingOptions
    from zeropark.model import Carrier, Direction, Enterprise, Meter, MeterKind, Method, Park, Role
    from zeropark.services.users import create_user
    from zeropark.store import repo
    from zeropark.store.schema import AlarmRow, InventoryRunRow, RollupRow

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
    nat_opts = AccountingOptions(method=Method.NATIONAL).to_dict()
    ghg_opts = AccountingOptions(method=Method.GHG).to_dict()
    diesel = (
        FactorUse("diesel-ncv", "NCV", 42.652, "GJ/t", "GB/T 32150-2015 附录B", "P"),
        FactorUse("diesel-cc", "CC", 0.0202, "tC/GJ", "GB/T 32150-2015 附录B", "P"),
        FactorUse("diesel-of", "OF", 0.98, "", "GB/T 32150-2015 附录B", "P"),
    )

    def li(method: Method, **kw: Any) -> dict[str, Any]:
        base: dict[str, Any] = {"method": method, "zone_id": None, "uncertainty_pct": 3.0}
        base.update(kw)
        return LineItem(**base).to_dict()

    a_nat = li(
        Method.NATIONAL,
        id="nat-ENT-A-diesel-2025-01",
        category=Category.FUEL_COMBUSTION,
        scope=None,
        enterprise_id="ENT-A",
        carrier=Carrier.DIESEL,
        month=date(2025, 1, 1),
        activity=100.0,
        activity_unit="t",
        factors=diesel,
        emissions_tco2e=309.591,
        energy_tce=145.71,
        formula="100 t × 42.652 GJ/t × 0.0202 tC/GJ × 0.98 × 44/12 = 309.591 tCO2",
        evidence=("REC-A-1",),
        label_zh="化石燃料燃烧",
        label_en="fossil fuel combustion",
    )
    b_nat = li(
        Method.NATIONAL,
        id="nat-ENT-B-elec-2025-02",
        category=Category.PURCHASED_ELECTRICITY,
        scope=None,
        enterprise_id="ENT-B",
        carrier=Carrier.ELECTRICITY,
        month=date(2025, 2, 1),
        activity=1_000_000.0,
        activity_unit="kWh",
        factors=(
            FactorUse(
                "cn-fossil-2022", "EF", 0.8325, "tCO2/MWh", "生态环境部 2024 全国化石能源电力因子", "S"
            ),
        ),
        emissions_tco2e=832.5,
        energy_tce=122.9,
        formula="1 000 MWh × 0.8325 tCO2/MWh = 832.5 tCO2",
        evidence=("M-B",),
        label_zh="购入电力",
        label_en="purchased electricity",
    )
    a_ghg = dict(a_nat, id="ghg-ENT-A-diesel-2025-01", method="ghg", scope=1)
    b_loc = dict(
        b_nat,
        id="ghg-ENT-B-elec-loc",
        method="ghg",
        scope=2,
        basis=Scope2Basis.LOCATION.value,
        emissions_tco2e=536.6,
        formula="1 000 MWh × 0.5366 tCO2/MWh = 536.6 tCO2",
    )
    b_mkt = dict(b_loc, id="ghg-ENT-B-elec-mkt", basis=Scope2Basis.MARKET.value)

    def result(
        method: str, lines: list[dict[str, Any]], total: float, opts: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "method": method,
            "park_id": "P1",
            "year": YEAR,
            "enterprise_id": None,
            "options": opts,
            "factor_set_name": "CN-park-2025",
            "factor_set_version": "2025.1",
            "input_fingerprint": "f" * 64,
            "code_version": "0.1.0",
            "lines": lines,
            "total_tco2e": total,
            "energy_tce": 268.61,
            "interval_95": {
                "total_tco2e": total,
                "low_tco2e": total * 0.97,
                "high_tco2e": total * 1.03,
                "half_width_pct": 3.0,
            },
            "clean_energy_share": 0.12,
            # 80 MWh matched of 1 000 MWh load = 0.08
            "hourly": {
                "status": "ok",
                "share": 0.08,
                "matched_kwh": 80_000.0,
                "load_kwh": 1_000_000.0,
                "hours": 8760,
                "hours_missing": 0,
                "missing": [],
            },
            "gaps": [],
            # the rest of a complete Inventory.to_dict(), so the stored result reads back
            # (Excel download): breakdowns summed by hand from the lines above
            "options_statement_zh": "默认核算选项",
            "options_statement_en": "default accounting options",
            "factor_set_sha256": "0" * 64,
            "total_market_tco2e": None if method == "national" else total,
            "by_source": _sum(lines, "category"),
            "by_scope": {} if method == "national" else _sum(lines, "scope"),
            "by_enterprise": _sum(lines, "enterprise_id"),
            "by_zone": {},
            "by_carrier": _sum(lines, "carrier"),
            "by_month": _sum(lines, "month"),
            "energy_by_carrier": {"diesel": 145.71, "electricity": 122.9},
            "interval_95_market": None,
            "electricity": {},
            "green_electricity_share": None,
            "eliminations": [],
            "notes": [],
        }

    def _sum(lines: list[dict[str, Any]], key: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for line in lines:
            if line.get("basis") == "market":
                continue
            k = str(line[key])
            out[k] = out.get(k, 0.0) + line["emissions_tco2e"]
        return out

    now = datetime.now(UTC)
    with transaction(engine) as s:
        for method, lines, total, opts in (
            ("national", [a_nat, b_nat], 1142.091, nat_opts),
            ("ghg", [a_ghg, b_loc, b_mkt], 846.191, ghg_opts),
        ):
            s.add(
                InventoryRunRow(
                    park_id="P1",
                    year=YEAR,
                    method=method,
                    enterprise_id=None,
                    factor_set="CN-park-2025",
                    factor_set_version="2025.1",
                    options=opts,
                    input_fingerprint="f" * 64,
                    code_version="0.1.0",
                    total_tco2e=total,
                    energy_tce=268.61,
                    result=result(method, lines, total, opts),
                    created_at=now,
                )
            )
        # enterprise A's own run (what its users see)
        s.add(
            InventoryRunRow(
                park_id="P1",
                year=YEAR,
                method="national",
                enterprise_id="ENT-A",
                factor_set="CN-park-2025",
                factor_set_version="2025.1",
                options=nat_opts,
                input_fingerprint="a" * 64,
                code_version="0.1.0",
                total_tco2e=309.591,
                energy_tce=145.71,
                result=dict(
                    result("national", [a_nat], 309.591, nat_opts),
                    enterprise_id="ENT-A",
                    energy_tce=145.71,
                    energy_by_carrier={"diesel": 145.71},
                ),
                created_at=now,
            )
        )
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


@pytest.fixture(scope="session", name="server")
def server_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The fixture park (hand-computed values) served on a random port (SQLite file)."""
    db = tmp_path_factory.mktemp("e2e") / "zeropark.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    build_fixture_park(engine)
    with serve(engine) as url:
        yield Server(url, engine)
    engine.dispose()


@pytest.fixture(scope="session", name="demo_server")
def demo_server_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """The demo generator's small park (6 enterprises, 14 days), rollups built, demo users made."""
    from zeropark.monitoring.rollups import rebuild_rollups
    from zeropark.services.users import ensure_demo_users

    db = tmp_path_factory.mktemp("e2e-demo") / "zeropark.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    park = demo.generate(size=demo.SMALL_SIZE)
    demo.write_demo(engine, park)
    rebuild_rollups(engine)
    passwords = {u: p for u, p, _ in ensure_demo_users(engine, park.park.id)}
    with serve(engine) as url:
        yield DemoServer(url, engine, park.year, passwords)
    engine.dispose()


@pytest.fixture(scope="session", name="browser")
def browser_fixture() -> Iterator[Any]:
    """Headless Debian chromium (fails under CI=true when missing, skips locally)."""
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        if IN_CI:
            pytest.fail(f"chromium not found at {CHROMIUM}; under CI=true browser tests must run")
        pytest.skip("chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
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
        yield b
        b.close()


@pytest.fixture(scope="session", name="artifacts")
def artifacts_fixture() -> Path:
    """Directory for screenshots (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
