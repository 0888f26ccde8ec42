"""Tariffs as park data: stored versions, a 代理购电 month, the optimiser's tariff, the cost report.

One enterprise with one hourly electricity meter in July 2025: 1 kWh every hour, 5 kWh on
3 July 09:00-10:00, 1 July 10:00-11:00 missing — the bill of tests/unit/test_tariff_bill.py.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from api_support import cli_database, make_api
from sqlalchemy import Engine
from typer.testing import CliRunner

from zeropark.cli import app as cli
from zeropark.errors import PermissionDenied, TariffDataError
from zeropark.model import Reading, Role
from zeropark.optimize.tariff import TouPeriod, read_tariff_tables
from zeropark.services import optimization, tariffs
from zeropark.store.db import transaction
from zeropark.store.readings import write_readings
from zeropark.store.schema import EnterpriseRow, MeterRow, ParkRow
from zeropark.store.scope import Principal, Scope, system_scope

PARK, ENT, JS = "P-T", "E-T", "CN-JS-large-industry-1-10kV"


def _park(engine: Engine) -> None:
    with transaction(engine) as s:
        s.add(
            ParkRow(id=PARK, name="园", province="江苏", grid_region="华东", latitude=31.0, longitude=120.0)
        )
        s.flush()
        s.add(
            EnterpriseRow(id=ENT, park_id=PARK, name="甲公司", uscc="91320000000000088X", industry_code="C26")
        )
        s.flush()
        s.add(
            MeterRow(
                id="M-E",
                park_id=PARK,
                enterprise_id=ENT,
                name="总表",
                carrier="electricity",
                unit="kWh",
                direction="import",
                kind="interval",
                interval_s=3600,
            )
        )
    t0 = datetime(2025, 6, 30, 16, tzinfo=UTC)  # 1 July 00:00 local
    rows = []
    for h in range(31 * 24):
        if h == 10:
            continue
        rows.append(Reading("M-E", t0 + timedelta(hours=h + 1), 5.0 if h == 2 * 24 + 9 else 1.0))
    write_readings(engine, rows, source="test")


def _july(report: tariffs.CostReport) -> float:
    return report.enterprises[0].months[0].total_cny


def test_versions_cost_and_optimiser_agree(engine: Engine, tmp_path: Path) -> None:
    api = make_api(engine)  # the API fixture park and its users, beside this test's park
    _park(engine)
    scope = system_scope(engine, "t")
    # nothing stored: the bundled table bills July = 532.03748 + 200 (hand value, unit test)
    bundled = tariffs.electricity_cost(scope, PARK, 2025, JS, months=(7,))
    assert _july(bundled) == pytest.approx(732.03748, abs=1e-6)
    assert tariffs.tariff_for(engine, JS) is None
    seeded = tariffs.seed_bundled(scope)
    assert {v.tariff_id for v in seeded} >= {JS} and all(v.version == 1 for v in seeded)
    assert tariffs.seed_bundled(scope) == []
    # 代理购电 month: 峰 1.5 CNY/kWh from 2025-07 (a new version; June keeps the old price)
    v2 = tariffs.set_prices(
        scope, JS, "2025-07", prices={"peak": 1.5}, source_title="测试 2025年7月代理购电价格表"
    )
    assert v2.version == 2 and v2.tariff.prices_cny_per_kwh[TouPeriod.PEAK] == 1.5
    assert tariffs.in_force(engine, JS, 2025, 6).version == 1  # type: ignore[union-attr]
    # 248 × 0.3139 + 220 × 1.5 + 217 × 0.6418 + 62 × 1.28364 + 200 = 826.70348
    report = tariffs.electricity_cost(scope, PARK, 2025, JS, months=(7,))
    assert _july(report) == pytest.approx(826.70348, abs=1e-6)
    # the optimiser reads the stored version in force (private step of create_run)
    assert optimization._tariff(engine, JS, None).prices_cny_per_kwh[TouPeriod.PEAK] == (
        1.5 if date.today() >= date(2025, 7, 1) else 1.0697
    )
    # the CLI writes the same figures
    out = tmp_path / "cost.csv"
    with cli_database(engine):
        res = CliRunner().invoke(
            cli, ["tariff", "cost", "--year", "2025", "--park", PARK, "--output", str(out)]
        )
        shown = CliRunner().invoke(cli, ["tariff", "show", JS, "--month", "2025-07"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    july = next(r for r in rows if r["month"] == "2025-07")
    assert float(july["total_cny"]) == pytest.approx(round(826.70348, 2))
    assert july["tariff"] == f"{JS}@2"
    assert shown.exit_code == 0 and "1.5 CNY/kWh" in shown.output
    # API and page: the same rows
    admin = api.login("admin")
    body = admin.get(f"/api/v1/parks/{PARK}/electricity-cost/2025").json()
    api_july = next(r for r in body["rows"] if r["month"] == "2025-07")
    assert api_july["total_cny"] == float(july["total_cny"]) and api_july["peak_kwh"] == pytest.approx(220.0)
    page = admin.get(f"/tariffs?year=2025&park={PARK}")
    assert page.status_code == 200 and "826.70" in page.text
    csv_rows = list(
        csv.DictReader(
            io.StringIO(admin.get(f"/tariffs/cost.csv?year=2025&park={PARK}").content.decode("utf-8-sig"))
        )
    )
    assert csv_rows == rows
    # a manager sets next month's price through the API: version 3, from 2025-08
    r = admin.post(
        f"/api/v1/tariffs/{JS}/versions",
        json={
            "valid_from": "2025-08",
            "prices_cny_per_kwh": {"valley": 0.3},
            "source": "测试 2025年8月代理购电价格表",
        },
    )
    assert r.status_code == 201 and r.json()["version"] == 3
    assert admin.get(f"/api/v1/tariffs/{JS}?month=2025-07").json()["version"] == 2
    bad = admin.post(
        f"/api/v1/tariffs/{JS}/versions",
        json={"valid_from": "2025-09", "prices_cny_per_kwh": {"peak": -1}, "source": "x"},
    )
    assert bad.status_code == 422 and "must be ≥ 0" in bad.text


def test_bad_edits_store_nothing(engine: Engine, tmp_path: Path) -> None:
    _park(engine)
    scope = system_scope(engine, "t")
    tariffs.seed_bundled(scope)
    with pytest.raises(TariffDataError, match="must be ≥ 0"):
        tariffs.set_prices(scope, JS, "2025-08", prices={"peak": -1.0}, source_title="x")
    with pytest.raises(TariffDataError, match="'noon' is none of"):
        tariffs.set_prices(scope, JS, "2025-08", prices={"noon": 1.0}, source_title="x")
    assert [v.version for v in tariffs.list_versions(scope, JS)] == [1]
    viewer = Scope(Principal(0, "v", Role.VERIFIER, PARK, None, "system"), engine, None)
    with pytest.raises(PermissionDenied):
        tariffs.set_prices(viewer, JS, "2025-08", prices={"peak": 1.0}, source_title="x")
    # a directory with an overlapping block: named, nothing stored
    src = tmp_path / "t"
    src.mkdir()
    tables, _ = read_tariff_tables()
    for name, rows in tables.items():
        rows = [dict(r) for r in rows]
        if name == "tou_periods.csv":
            rows[5]["override"] = ""
        with (src / name).open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    with pytest.raises(TariffDataError) as exc:
        tariffs.import_tables(scope, src, valid_from="2026-01")
    assert f"{src / 'tou_periods.csv'}, row 7, column 'start'" in str(exc.value)
    assert [v.version for v in tariffs.list_versions(scope, JS)] == [1]
    assert not math.isnan(_july(tariffs.electricity_cost(scope, PARK, 2025, JS, months=(7,))))
