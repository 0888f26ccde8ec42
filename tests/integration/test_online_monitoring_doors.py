"""能耗在线监测 upload records from stored readings, through the service and the CLI, and back.

A park with one enterprise and two hourly interval meters (electricity 10 kWh every hour, gas
2 m³ every hour) for February 2025, one electricity hour missing. Export → import the file as
February 2027 (no readings there) → export February 2027 → the same records.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from api_support import cli_database, make_api
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from zeropark.accounting import online_monitoring as om
from zeropark.cli import app as cli
from zeropark.errors import ValidationError
from zeropark.model import Reading
from zeropark.services import imports
from zeropark.services import online_monitoring as svc
from zeropark.store.db import transaction
from zeropark.store.readings import write_readings
from zeropark.store.schema import EnterpriseRow, MeterRow, OnlineMonitoringRecordRow, ParkRow, QuarantineRow
from zeropark.store.scope import system_scope

PARK, ENT, USCC = "P-OM", "E-OM", "91320000000000077X"


def _park(engine: Engine) -> None:
    with transaction(engine) as s:
        s.add(
            ParkRow(id=PARK, name="园", province="江苏", grid_region="华东", latitude=31.0, longitude=120.0)
        )
        s.flush()
        s.add(EnterpriseRow(id=ENT, park_id=PARK, name="甲公司", uscc=USCC, industry_code="C26"))
        s.flush()
        for mid, carrier, unit in (("M-E", "electricity", "kWh"), ("M-G", "natural_gas", "m3")):
            s.add(
                MeterRow(
                    id=mid,
                    park_id=PARK,
                    enterprise_id=ENT,
                    name=mid,
                    carrier=carrier,
                    unit=unit,
                    direction="consumption",
                    kind="interval",
                    interval_s=3600,
                )
            )
    # Feb 2025 local = 2025-01-31 16:00 UTC …; an interval value at t covers [t − 1 h, t)
    t0 = datetime(2025, 1, 31, 16, tzinfo=UTC)
    rows = []
    for h in range(28 * 24):
        end = t0 + timedelta(hours=h + 1)
        if h != 30:  # 2 Feb 06:00-07:00 local missing
            rows.append(Reading("M-E", end, 10.0))
        rows.append(Reading("M-G", end, 2.0))
    write_readings(engine, rows, source="test")


def _figures(content: bytes) -> list[tuple[str, str, str, str]]:
    doc = json.loads(content)
    return sorted(
        (r["dataCode"], r["statType"], r["statDate"][8:], r["dataValue"]) for r in doc["uploads"][0]["data"]
    )


def test_export_import_as_another_month_gives_the_same_figures(engine: Engine, tmp_path: Path) -> None:
    api = make_api(engine)  # the API fixture park and its users, beside this test's park
    _park(engine)
    scope = system_scope(engine, "t")
    made = svc.export_upload(scope, PARK, "2025-02")
    doc = json.loads(made.content)
    assert doc["profile"]["name"] == "yn-nhjc-2020" and made.profile == "yn-nhjc-2020@1"
    up = doc["uploads"][0]
    assert up["enterpriseCode"] == USCC
    monthly = {r["dataCode"][10:14]: r["dataValue"] for r in up["data"] if r["statType"] == "2"}
    # electricity: 28 × 24 − 1 = 671 hours × 10 kWh = 6 710.00; gas 672 × 2 = 1 344.00 m³;
    # 综合能耗 6 710 × 0.0001229 + 1 344 × 0.0012143 = 0.824659 + 1.6320192 = 2.4566782 → 2.4567 tce
    assert monthly == {"3300": "6710.00", "1500": "1344.00", "4000": "2.4567"}
    checks = {c.name: c for c in made.checks}
    assert checks["completeness"].passed and checks["completeness"].value == pytest.approx(671 / 672)
    path = tmp_path / made.file_name
    path.write_bytes(made.content)
    # the CLI writes the same file
    out = tmp_path / "cli.json"
    with cli_database(engine):
        res = CliRunner().invoke(
            cli, ["online-monitoring", "export", "--month", "2025-02", "--park", PARK, "--output", str(out)]
        )
    assert res.exit_code == 0, res.output
    assert _figures(out.read_bytes()) == _figures(made.content)
    # API and page download: the same records
    admin = api.login("admin")
    r = admin.get(f"/api/v1/parks/{PARK}/online-monitoring/2025-02")
    assert r.status_code == 200 and r.headers["x-upload-profile"] == "yn-nhjc-2020@1"
    assert _figures(r.content) == _figures(made.content)
    r = admin.get(f"/reports/online-monitoring.json?month=2025-02&park={PARK}")
    assert r.status_code == 200, r.text[:300]
    assert _figures(r.content) == _figures(made.content)
    r = admin.get(f"/api/v1/parks/{PARK}/online-monitoring/2025-02/checks")
    assert {c["name"]: c["passed"] for c in r.json()} == {
        "completeness": True,
        "daily_monthly": True,
        "daily_window": True,
        "monthly_window": True,
    }
    # another park's enterprise user does not see this park
    assert api.login("ent_a").get(f"/api/v1/parks/{PARK}/online-monitoring/2025-02").status_code == 404
    imported = svc.import_upload(scope, path, as_month="2027-02")
    assert imported.status == "stored" and imported.rejected == 0
    again = svc.export_upload(scope, PARK, "2027-02")
    assert _figures(again.content) == _figures(made.content)
    # importing the same file again replaces, never doubles; `zeropark import` recognises the file
    assert imports.detect_kind(path) is imports.ImportKind.ONLINE_MONITORING
    outcome = imports.import_file(scope, path)
    assert outcome.status == "stored" and outcome.stored == len(up["data"])
    svc.import_upload(scope, path, as_month="2027-02")
    with engine.connect() as c:
        n = c.scalar(select(func.count()).select_from(OnlineMonitoringRecordRow))
    assert n == 2 * len(up["data"])  # February 2025 (as filed) and February 2027


def test_bad_records_are_named_quarantined_and_nothing_half_stored(engine: Engine, tmp_path: Path) -> None:
    _park(engine)
    scope = system_scope(engine, "t")
    doc = json.loads(svc.export_upload(scope, PARK, "2025-02").content)
    doc["uploads"][0]["data"][0]["dataValue"] = "abc"
    path = tmp_path / "bad.json"
    path.write_bytes(om.dumps(doc))
    with pytest.raises(ValidationError) as exc:
        svc.import_upload(scope, path, as_month="2027-02")
    assert "bad.json, sheet 'uploads[0]', row 1, column 'dataValue'" in str(exc.value)
    with engine.connect() as c:
        assert c.scalar(select(func.count()).select_from(OnlineMonitoringRecordRow)) == 0
        assert c.scalar(select(func.count()).select_from(QuarantineRow)) == 1
    partial = svc.import_upload(scope, path, as_month="2027-02", partial=True)
    assert partial.status == "partial" and partial.stored == len(doc["uploads"][0]["data"]) - 1
    with pytest.raises(ValidationError, match="same length"):
        svc.import_upload(scope, path, as_month="2027-03")


def test_fifteen_minute_profile_on_a_fifteen_minute_meter(sqlite_engine: Engine, tmp_path: Path) -> None:
    """The standard 15 min on a 900-s meter: 96 realtime records a day (store.aggregate.meter_slots)."""
    with transaction(sqlite_engine) as s:
        s.add(
            ParkRow(id=PARK, name="园", province="江苏", grid_region="华东", latitude=31.0, longitude=120.0)
        )
        s.flush()
        s.add(EnterpriseRow(id=ENT, park_id=PARK, name="甲公司", uscc=USCC, industry_code="C26"))
        s.flush()
        s.add(
            MeterRow(
                id="M-Q",
                park_id=PARK,
                enterprise_id=ENT,
                name="M-Q",
                carrier="electricity",
                unit="kWh",
                direction="consumption",
                kind="interval",
                interval_s=900,
            )
        )
    t0 = datetime(2025, 1, 31, 16, tzinfo=UTC)
    write_readings(
        sqlite_engine,
        [Reading("M-Q", t0 + timedelta(minutes=15 * (k + 1)), 2.5) for k in range(28 * 96) if k != 7],
        source="test",
    )
    raw = yaml.safe_load(om.DEFAULT_PROFILE_PATH.read_text(encoding="utf-8"))
    raw["indicators"]["realtime_interval_min"] = 15
    prof = tmp_path / "p15.yaml"
    prof.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    made = svc.export_upload(system_scope(sqlite_engine, "t"), PARK, "2025-02", profile_path=prof)
    data = json.loads(made.content)["uploads"][0]["data"]
    assert sum(r["statType"] == "0" and r["dataCode"][10:14] == "3300" for r in data) == 28 * 96 - 1
    monthly = {r["dataCode"][10:14]: r["dataValue"] for r in data if r["statType"] == "2"}
    assert monthly["3300"] == "6717.50"  # (2 688 − 1) × 2.5 kWh
