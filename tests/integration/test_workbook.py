"""Enterprise workbook 企业能源消费与碳排放数据填报表: template, round trip, validation, all-or-nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, select

from zeropark.ingest import workbook as wbk
from zeropark.model import Carrier, ClaimKind, Enterprise, Flow, GreenPowerClaim, Park
from zeropark.store import repo
from zeropark.store.db import transaction
from zeropark.store.schema import ImportBatchRow

PARK = Park("wb-park", "测试园区", "江苏", "华东", 31.7, 119.95)
PARK_DATE_START = date(2025, 1, 1)
PARK_DATE_END = date(2025, 3, 31)
ENT = Enterprise("wb-E01", "wb-park", "测试化工有限公司", "91320412MA1NJ3K5XY", "2651")


@pytest.fixture
def db(engine: Engine) -> Engine:
    repo.add_park(engine, PARK)
    repo.add_enterprise(engine, ENT)
    return engine


def _fill(path: Path, rows: dict[str, list[list[object]]], info: list[object] | None = None) -> Path:
    wbk.write_template(path)
    wb = openpyxl.load_workbook(path)
    wb[wbk.SHEET_INFO].append(info or ["wb-E01", "测试化工有限公司", None, "2651", 2025, 5000])
    for sheet, data in rows.items():
        for r in data:
            wb[sheet].append(r)
    wb.save(path)
    return path


GOOD = {
    wbk.SHEET_ENERGY: [
        ["2025-01", "天然气", "燃料燃烧", 12.5, "10^4 Nm3", None, None, "发票 001"],  # row 4
        ["2025-02", "柴油", None, 3.2, "t"],  # row 5
        ["2025-02", "电力", None, 1.2, "万kWh"],  # row 6
    ],
    wbk.SHEET_PROCESS: [["2025-03", "石灰石", 3000, "t", "台账"]],
    wbk.SHEET_GREEN: [["GEC-TEST-0001", "绿证", 500, "2025-01-01", "2025-06-30"]],
    wbk.SHEET_PRODUCTION: [["2025-01", "合成树脂", 1000, "t", 150, 160]],
}


def test_template_has_sheets_bilingual_headers_validation_and_example(tmp_path: Path) -> None:
    path = wbk.write_template(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    for sheet in (
        wbk.SHEET_HELP,
        wbk.SHEET_INFO,
        wbk.SHEET_ENERGY,
        wbk.SHEET_PRODUCTION,
        wbk.SHEET_PROCESS,
        wbk.SHEET_GREEN,
    ):
        assert sheet in wb.sheetnames
    ws = wb[wbk.SHEET_ENERGY]
    assert ws["B1"].value.startswith("能源品种") and ws["B2"].value == "Energy carrier"
    assert "（" in ws["A1"].value  # units / format in the Chinese header
    assert ws.cell(3, len(wbk.SHEETS[wbk.SHEET_ENERGY][1])).value.startswith(wbk.EXAMPLE_MARK)
    formulas = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert any("选项!$A$2" in f for f in formulas)  # carriers list
    assert any("选项!$B$2" in f for f in formulas)  # units list


def test_round_trip_stores_canonical_records(db: Engine, tmp_path: Path) -> None:
    path = _fill(tmp_path / "good.xlsx", GOOD)
    res = wbk.import_workbook(db, path)
    assert res.errors == [] and res.status == "stored"
    # 3 energy + 1 process + 1 GEC + value added (企业信息) + 1 production row
    assert res.stored_by_sheet == {
        wbk.SHEET_ENERGY: 3,
        wbk.SHEET_PROCESS: 1,
        wbk.SHEET_GREEN: 1,
        wbk.SHEET_INFO: 1,
        wbk.SHEET_PRODUCTION: 1,
    }
    recs = {r.id: r for r in repo.list_activity_records(db, "wb-park", year=2025)}
    gas = recs["wb-E01-natural_gas-combustion-202501"]
    assert gas.quantity == pytest.approx(125_000.0) and gas.unit == "m3"  # 12.5 × 10⁴ Nm³
    # 用途 blank and the park has no boundary meter of electricity: bought from outside (and said so)
    elec = recs["wb-E01-electricity-purchased-202502"]
    assert elec.quantity == pytest.approx(12_000.0) and elec.flow == Flow.PURCHASED  # 1.2 万kWh
    assert res.notes == [
        f"{wbk.SHEET_ENERGY} row 6: 用途 blank for 电力 → 园区外购入 purchased from outside the park "
        "(the park has no boundary meter of it); write the 用途 to decide otherwise"
    ]
    assert recs["wb-E01-diesel-combustion-202502"].carrier == Carrier.DIESEL
    lime = recs["wb-E01-process-process.limestone.cn-202503"]
    assert lime.flow == Flow.PROCESS and lime.quantity == 3000
    claims = repo.list_claims(db, "wb-park")
    assert [c.id for c in claims] == ["GEC-TEST-0001"] and claims[0].kind == ClaimKind.GEC
    pei = repo.get_indicator_data(db, "wb-park", 2025).product_energy_intensity
    assert pei["wb-E01: 合成树脂 [t]"] == pytest.approx((150.0, 160.0))  # 150 tce × 1000 / 1000 t
    assert repo.get_enterprise(db, "wb-E01").value_added_10k_cny == 5000
    # the same workbook again replaces the records instead of adding copies; the certificate it
    # already claimed is recognised as unchanged (same owner, kind, MWh, period), not a double claim
    res2 = wbk.import_workbook(db, _fill(tmp_path / "again.xlsx", GOOD))
    assert res2.status == "stored" and res2.unchanged == 1 and res2.errors == []
    assert len(repo.list_activity_records(db, "wb-park", year=2025)) == 4
    assert len(repo.list_claims(db, "wb-park")) == 1
    # the same certificate id with another volume is a second claim: rejected
    changed = dict(GOOD)
    changed[wbk.SHEET_GREEN] = [["GEC-TEST-0001", "绿证", 600, "2025-01-01", "2025-06-30"]]
    res3 = wbk.import_workbook(db, _fill(tmp_path / "changed.xlsx", changed))
    assert res3.status == "rejected"
    assert [(e.sheet, e.row, e.field) for e in res3.errors] == [(wbk.SHEET_GREEN, 4, "证书/合同编号")]


BAD = {
    wbk.SHEET_ENERGY: [
        ["2025-01", "天然气", None, 10, "m3"],  # row 4: good
        ["2025-02", "乙醇", None, 1, "t"],  # row 5: unknown carrier
        ["2025-02", "柴油", None, -3, "t"],  # row 6: negative
        ["2025-03", "天然气", None, 5, "kWh"],  # row 7: unit of another dimension
        ["2025-03", "柴油", None, "三吨", "t"],  # row 8: not a number
        ["2026-01", "柴油", None, 2, "t"],  # row 9: outside the year
    ],
    wbk.SHEET_GREEN: [
        ["GEC-DUP-1", "绿证", 100, "2025-01-01", "2025-03-31"],  # row 4: good
        ["GEC-DUP-1", "绿证", 100, "2025-01-01", "2025-03-31"],  # row 5: duplicate id in the file
        ["GEC-OLD-1", "绿证", 50, "2025-01-01", "2025-03-31"],  # row 6: already claimed (below)
    ],
}


def _expected_errors(errors: list) -> set[tuple[str | None, int | None, str | None]]:
    return {(e.sheet, e.row, e.field) for e in errors}


def test_bad_rows_rejected_with_location_and_nothing_stored(db: Engine, tmp_path: Path) -> None:
    repo.add_claim(
        db,
        "wb-park",
        GreenPowerClaim("GEC-OLD-1", ClaimKind.GEC, 50, PARK_DATE_START, PARK_DATE_END, None, 2025),
    )
    res = wbk.import_workbook(db, _fill(tmp_path / "bad.xlsx", BAD))
    where = _expected_errors(res.errors)
    assert (wbk.SHEET_ENERGY, 5, "能源品种") in where
    assert (wbk.SHEET_ENERGY, 6, "消费量") in where
    assert (wbk.SHEET_ENERGY, 7, "计量单位") in where
    assert (wbk.SHEET_ENERGY, 8, "消费量") in where
    assert (wbk.SHEET_ENERGY, 9, "月份（YYYY-MM）") in where
    assert (wbk.SHEET_GREEN, 5, "证书/合同编号") in where
    assert (wbk.SHEET_GREEN, 6, "证书/合同编号") in where
    assert len(res.errors) == 7
    msg = {str(e) for e in res.errors}
    assert any("negative" in m for m in msg) and any("already claimed" in m for m in msg)
    assert any("outside the reporting year 2025" in m for m in msg)
    assert res.status == "rejected" and res.stored == 0
    assert repo.list_activity_records(db, "wb-park") == []
    assert [c.id for c in repo.list_claims(db, "wb-park")] == ["GEC-OLD-1"]
    with transaction(db) as s:
        batch = s.scalars(select(ImportBatchRow)).one()
        assert batch.status == "rejected" and len(batch.errors) == 7


def test_partial_stores_the_good_rows(db: Engine, tmp_path: Path) -> None:
    repo.add_claim(
        db,
        "wb-park",
        GreenPowerClaim("GEC-OLD-1", ClaimKind.GEC, 50, PARK_DATE_START, PARK_DATE_END, None, 2025),
    )
    res = wbk.import_workbook(db, _fill(tmp_path / "bad.xlsx", BAD), partial=True)
    assert res.status == "partial"
    assert res.stored_by_sheet[wbk.SHEET_ENERGY] == 1 and res.stored_by_sheet[wbk.SHEET_GREEN] == 1
    assert res.rejected == 7
    assert [r.id for r in repo.list_activity_records(db, "wb-park")] == [
        "wb-E01-natural_gas-combustion-202501"
    ]
    assert sorted(c.id for c in repo.list_claims(db, "wb-park")) == ["GEC-DUP-1", "GEC-OLD-1"]
    assert "stored 3" in res.summary()  # 1 energy + 1 GEC + value added


def test_unknown_enterprise(db: Engine, tmp_path: Path) -> None:
    path = _fill(tmp_path / "x.xlsx", GOOD, info=["NOPE", None, None, None, 2025])
    res = wbk.import_workbook(db, path, partial=True)
    assert res.stored == 0 and res.status == "rejected"
    assert (wbk.SHEET_INFO, 4, "企业编号") in _expected_errors(res.errors)
    assert "unknown enterprise 'NOPE'" in str(res.errors[0])


def test_workbook_enterprise_resolves_before_anything_is_stored(db: Engine, tmp_path: Path) -> None:
    # by 企业编号, by 统一社会信用代码 alone, and None for an unknown one — nothing stored, no batch recorded
    assert wbk.workbook_enterprise(db, _fill(tmp_path / "a.xlsx", GOOD)) == repo.get_enterprise(db, "wb-E01")
    by_uscc = _fill(tmp_path / "b.xlsx", GOOD, info=[None, None, "91320412MA1NJ3K5XY", None, 2025])
    assert (ent := wbk.workbook_enterprise(db, by_uscc)) is not None and ent.id == "wb-E01"
    assert wbk.workbook_enterprise(db, _fill(tmp_path / "c.xlsx", GOOD, info=["NOPE"])) is None
    with transaction(db) as s:
        assert s.scalars(select(ImportBatchRow)).first() is None


def test_csv_and_json_forms(db: Engine, tmp_path: Path) -> None:
    csv_path = tmp_path / "energy.csv"
    csv_path.write_text(
        "企业编号,月份（YYYY-MM）,能源品种,用途,消费量,计量单位\n"
        "wb-E01,2025-04,液化石油气,,1.5,t\n"
        "wb-E01,2025-04,柴油,,oops,t\n",
        encoding="utf-8",
    )
    assert wbk.is_enterprise_data_file(csv_path)
    res = wbk.import_workbook(db, csv_path)
    assert res.stored == 0 and [(e.sheet, e.row, e.field) for e in res.errors] == [
        (wbk.SHEET_ENERGY, 3, "消费量")
    ]
    json_path = tmp_path / "data.json"
    json_path.write_text(
        json.dumps(
            {
                "enterprise": {"id": "wb-E01", "year": 2025},
                "energy": [{"month": "2025-05", "carrier": "lpg", "quantity": 800, "unit": "kg"}],
            }
        ),
        encoding="utf-8",
    )
    res = wbk.import_workbook(db, json_path)
    assert res.status == "stored"
    lpg = repo.get_activity_record(db, "wb-E01-lpg-combustion-202505")
    assert lpg.quantity == pytest.approx(0.8)  # 800 kg = 0.8 t
