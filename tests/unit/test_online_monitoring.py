"""The online-monitoring upload profile, records and checks (pure core), with hand-computed values."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from zeropark.accounting import online_monitoring as om
from zeropark.errors import UploadProfileError, ValidationError

P = om.load_profile()
FEB = om.Period(om.Period.month(2025, 2).start, 2)  # 2 days: 48 hours


def _upload(elec: list[float]) -> om.EnterpriseUpload:
    items = om.items_for(P, [("m-e", "总表", "electricity"), ("m-g", "燃气", "natural_gas")])
    return om.build_upload(P, "91320000000000001A", "甲", items, {"m-e": elec, "m-g": [2.0] * 48}, FEB)


def test_default_profile_states_what_was_verified() -> None:
    assert P.label == "yn-nhjc-2020@1"
    assert P.record["data_code"] == "dataCode" and P.record["convert_ratio"] == "convertRation"
    assert {s["id"] for s in P.sources} >= {"YN-NHJC-2020", "NHJC-QUALITY"}
    text = om.DEFAULT_PROFILE_PATH.read_text(encoding="utf-8")
    assert "[UNCERTAIN]" in text and "[S" in text
    # process 000 + unit 00 + equipment 001 + class 01 + energy 3300 + usage 0000 = 18 characters,
    # the energy code at positions 11-14
    code = om.compose_data_code(P, {"equipment": "001", "energy": "3300"})
    assert code == "000000010133000000" and len(code) == 18 and code[10:14] == "3300"


def test_records_and_totals_by_hand() -> None:
    elec = [10.0] * 48
    elec[5] = math.nan  # one hour missing on day 1
    up = _upload(elec)
    daily = {(r.data_code, r.start.day): r for r in up.records if r.stat_type is om.StatType.DAILY}
    e_code, g_code = (it.data_code for it in up.items)
    # day 1: 23 hours × 10 kWh = 230, not valid (not all 24 hours); day 2: 240
    assert daily[(e_code, 1)].value == 230.0 and not daily[(e_code, 1)].valid
    assert daily[(e_code, 2)].value == 240.0 and daily[(e_code, 2)].valid
    monthly = {r.data_code: r for r in up.records if r.stat_type is om.StatType.MONTHLY}
    assert monthly[e_code].value == 470.0
    assert monthly[g_code].value == 96.0
    # 综合能源消费量 month: 470 kWh × 0.0001229 + 96 m³ × 0.0012143
    #   = 0.0577630 + 0.1165728 = 0.1743358 → 0.1743 tce
    total = om.compose_data_code(P, {"energy": "4000"})
    assert monthly[total].value == pytest.approx(0.1743, abs=1e-9)
    assert sum(r.stat_type is om.StatType.REALTIME for r in up.records) == 47 + 48


def test_checks_by_hand() -> None:
    elec = [10.0] * 48
    for h in (0, 1, 2, 3):
        elec[h] = math.nan
    checks = {c.name: c for c in om.check_upload(P, _upload(elec), FEB)}
    # 44 / 48 = 0.91667 ≥ 0.90
    assert checks["completeness"].passed and checks["completeness"].value == pytest.approx(44 / 48)
    elec[4] = math.nan
    checks = {c.name: c for c in om.check_upload(P, _upload(elec), FEB)}
    # 43 / 48 = 0.89583 < 0.90
    assert not checks["completeness"].passed and checks["completeness"].value == pytest.approx(43 / 48)
    assert (
        checks["daily_monthly"].passed and checks["daily_window"].passed and checks["monthly_window"].passed
    )


def _doc(up: om.EnterpriseUpload) -> dict:
    return om.to_document(P, [up], FEB, created=datetime(2025, 3, 1, tzinfo=UTC))


def test_file_round_trip_and_named_errors() -> None:
    up = _upload([10.0] * 48)
    doc = _doc(up)
    assert doc["profile"] == {"name": "yn-nhjc-2020", "version": 1, "title_zh": P.title_zh}
    parsed = om.parse_document(P, om.dumps(doc), "f.json")
    assert not parsed.errors
    assert [(r.data_code, r.stat_type, r.start, r.value) for r in parsed.uploads[0].records] == [
        (r.data_code, r.stat_type, r.start, r.value) for r in up.records
    ]
    data = doc["uploads"][0]["data"]
    data[2]["dataValue"] = "12,5"
    data[3]["statType"] = "9"
    data[4]["statDate"] = "2025/02/01"
    parsed = om.parse_document(P, om.dumps(doc), "f.json")
    where = [(e.sheet, e.row, e.field) for e in parsed.errors]
    assert where == [
        ("uploads[0]", 3, "dataValue"),
        ("uploads[0]", 4, "statType"),
        ("uploads[0]", 5, "statDate"),
    ]
    assert len(parsed.rejected_raw) == 3
    doc["profile"]["name"] = "other"
    with pytest.raises(ValidationError, match="written with profile other@1"):
        om.parse_document(P, om.dumps(doc), "f.json")


def test_daily_window_and_deviation_fail_on_a_filers_file() -> None:
    doc = _doc(_upload([10.0] * 48))
    for rec in doc["uploads"][0]["data"]:
        if rec["statType"] == P.stat_codes[om.StatType.DAILY] and rec["statDate"].startswith("2025-02-02"):
            rec["statDate"] = "2025-02-02 00:02:00"  # 120 s late
        if rec["statType"] == P.stat_codes[om.StatType.MONTHLY] and rec["dataCode"][10:14] == "3300":
            rec["dataValue"] = "500.00"  # Σ daily 480 vs 500 → |480 − 500| / 500 = 4 % (passes)
    parsed = om.parse_document(P, om.dumps(doc), "f.json")
    checks = {c.name: c for c in om.check_upload(P, parsed.uploads[0], FEB)}
    assert not checks["daily_window"].passed and checks["daily_window"].value == 120.0
    assert checks["daily_monthly"].passed and checks["daily_monthly"].value == pytest.approx(0.04)
    for rec in doc["uploads"][0]["data"]:
        if rec["statType"] == P.stat_codes[om.StatType.MONTHLY] and rec["dataCode"][10:14] == "3300":
            rec["dataValue"] = "510.00"  # |480 − 510| / 510 = 5.88 % > 5 %
    parsed = om.parse_document(P, om.dumps(doc), "f.json")
    checks = {c.name: c for c in om.check_upload(P, parsed.uploads[0], FEB)}
    assert not checks["daily_monthly"].passed and checks["daily_monthly"].value == pytest.approx(30 / 510)


def test_bad_profile_names_the_key(tmp_path: Path) -> None:
    raw = yaml.safe_load(om.DEFAULT_PROFILE_PATH.read_text(encoding="utf-8"))
    raw["data_code"]["parts"][0]["width"] = 9  # 9+2+3+2+4+4 = 24 > 18
    bad = tmp_path / "p.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(UploadProfileError, match="data_code.parts"):
        om.load_profile(bad)
    raw = yaml.safe_load(om.DEFAULT_PROFILE_PATH.read_text(encoding="utf-8"))
    raw["codes"]["stat_type"]["daily"] = "0"  # same as realtime
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(UploadProfileError, match="codes.stat_type"):
        om.load_profile(bad)
    assert json.loads(om.dumps({"a": "中"}).decode()) == {"a": "中"}


def test_fifteen_minute_records(tmp_path: Path) -> None:
    raw = yaml.safe_load(om.DEFAULT_PROFILE_PATH.read_text(encoding="utf-8"))
    raw["indicators"]["realtime_interval_min"] = 15
    path = tmp_path / "p15.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    p15 = om.load_profile(path)
    items = om.items_for(p15, [("m-e", "总表", "electricity")])
    vals = [2.5] * (96 * 2)
    vals[1] = math.nan  # 00:15-00:30 on day 1 missing
    up = om.build_upload(p15, "91320000000000001A", "甲", items, {"m-e": vals}, FEB)
    realtime = [r for r in up.records if r.stat_type is om.StatType.REALTIME]
    assert len(realtime) == 191 and realtime[1].start.minute == 30
    daily = [r for r in up.records if r.stat_type is om.StatType.DAILY and r.data_code == items[0].data_code]
    # 95 × 2.5 = 237.5 (not valid), 96 × 2.5 = 240
    assert [(d.value, d.valid) for d in daily] == [(237.5, False), (240.0, True)]
    checks = {c.name: c for c in om.check_upload(p15, up, FEB)}
    assert checks["completeness"].value == pytest.approx(191 / 192)
    raw["indicators"]["realtime_interval_min"] = 20
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(UploadProfileError, match="15, 30 or 60"):
        om.load_profile(path)
