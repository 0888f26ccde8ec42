"""The enterprise workbook's silent losses: each is now a named error or a stated interpretation.

Before, each of these ended with exit 0 and data gone or doubled: a renamed sheet was skipped, an
example row overwritten with data but still marked 示例行 was skipped (on 企业信息 the error said
no enterprise was given), electricity or steam with a blank 用途 was stored as 消费 and fell out of
the park view of a park with no boundary meter, and one month's electricity given as 消费 and as
园区外购入 was counted twice in the enterprise view.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine

from zeropark.accounting.options import AccountingOptions
from zeropark.errors import DoubleClaim
from zeropark.ingest import workbook as wbk
from zeropark.model import (
    Carrier,
    ClaimKind,
    Direction,
    Enterprise,
    Flow,
    GreenPowerClaim,
    Meter,
    MeterKind,
    Method,
    Park,
)
from zeropark.services.inventory import account_year
from zeropark.store import repo
from zeropark.store.scope import system_scope

PARK = Park("wl-park", "测试园区", "江苏", "华东", 31.7, 119.95)
ENT = Enterprise("wl-E01", "wl-park", "测试化工有限公司", "91320412MA1NJ3K5XY", "2651")
INFO = ["wl-E01", "测试化工有限公司", None, "2651", 2025]
PARK_START, PARK_END = date(2026, 1, 1), date(2026, 6, 30)


@pytest.fixture
def db(engine: Engine) -> Engine:
    repo.add_park(engine, PARK)
    repo.add_enterprise(engine, ENT)
    return engine


def _workbook(path: Path, energy: list[list[object]], info: list[object] | None = INFO) -> openpyxl.Workbook:
    wbk.write_template(path)
    wb = openpyxl.load_workbook(path)
    if info is not None:
        wb[wbk.SHEET_INFO].append(info)
    for r in energy:
        wb[wbk.SHEET_ENERGY].append(r)
    return wb


def _where(res: wbk.ImportResult) -> list[tuple[str | None, int | None, str | None]]:
    return [(e.sheet, e.row, e.field) for e in res.errors]


def test_renamed_sheets_are_named_not_skipped(db: Engine, tmp_path: Path) -> None:
    path = tmp_path / "renamed.xlsx"
    wb = _workbook(path, [["2025-01", "天然气", "燃料燃烧", 1000, "m3"]])
    wb[wbk.SHEET_ENERGY].title = "能源消费2025"
    wb[wbk.SHEET_GREEN].title = "绿证"
    wb["绿证"].append(["GEC-1", "绿证", 10, "2025-01-01", "2025-01-31"])
    wb.save(path)
    res = wbk.import_workbook(db, path)
    assert res.status == "rejected" and res.stored == 0
    assert _where(res) == [("能源消费2025", None, None), ("绿证", None, None)]
    assert "rename it to 能源消费" in res.errors[0].message
    assert "rename it to 绿证绿电" in res.errors[1].message
    assert repo.list_activity_records(db, "wl-park") == [] and repo.list_claims(db, "wl-park") == []


def test_example_row_overwritten_but_still_marked(db: Engine, tmp_path: Path) -> None:
    path = tmp_path / "example.xlsx"
    wb = _workbook(path, [["2025-02", "天然气", "燃料燃烧", 2000, "m3"]])
    ws = wb[wbk.SHEET_ENERGY]
    ws["D3"] = 99  # the example's 消费量 (12.5) overwritten, its 备注 示例行 left
    wb.save(path)
    res = wbk.import_workbook(db, path)
    assert res.status == "rejected" and _where(res) == [(wbk.SHEET_ENERGY, 3, "备注")]
    assert "消费量" in res.errors[0].message and "delete '示例行'" in res.errors[0].message
    assert repo.list_activity_records(db, "wl-park") == []
    # the untouched example row is still the example: skipped without a word
    ok = wbk.import_workbook(db, _workbook_saved(tmp_path / "plain.xlsx"))
    assert ok.status == "stored" and ok.stored_by_sheet[wbk.SHEET_ENERGY] == 1


def _workbook_saved(path: Path) -> Path:
    _workbook(path, [["2025-02", "天然气", "燃料燃烧", 2000, "m3"]]).save(path)
    return path


def test_enterprise_info_example_overwritten_is_named(db: Engine, tmp_path: Path) -> None:
    path = tmp_path / "info.xlsx"
    wb = _workbook(path, [["2025-02", "天然气", "燃料燃烧", 2000, "m3"]], info=None)
    ws = wb[wbk.SHEET_INFO]
    ws["A3"], ws["B3"], ws["C3"] = "wl-E01", "测试化工有限公司", "91320412MA1NJ3K5XY"
    wb.save(path)
    res = wbk.import_workbook(db, path)
    assert _where(res) == [(wbk.SHEET_INFO, 3, "备注")]
    assert "no enterprise given" not in res.errors[0].message
    assert "企业编号" in res.errors[0].message and res.stored == 0


def test_blank_usage_follows_the_park_boundary_and_says_so(db: Engine, tmp_path: Path) -> None:
    rows: list[list[object]] = [["2025-03", "电力", None, 5000, "kWh"], ["2025-03", "蒸汽", None, 40, "GJ"]]
    # the park buys electricity at a metered boundary; steam it does not meter
    repo.add_meter(
        db, Meter("wl-GRID", "wl-park", Carrier.ELECTRICITY, "kWh", Direction.IMPORT, MeterKind.INTERVAL)
    )
    path = tmp_path / "blank.xlsx"
    _workbook(path, rows).save(path)
    res = wbk.import_workbook(db, path)
    assert res.status == "stored"
    flows = {r.carrier: r.flow for r in repo.list_activity_records(db, "wl-park")}
    # electricity: in the park view at the boundary meter → 消费; steam: no boundary meter → 外购入,
    # so the park view counts it (as 消费 it would have dropped out of the park view)
    assert flows == {Carrier.ELECTRICITY: Flow.CONSUMED, Carrier.STEAM: Flow.PURCHASED}
    assert [n.split(":")[0] for n in res.notes] == [f"{wbk.SHEET_ENERGY} row 4", f"{wbk.SHEET_ENERGY} row 5"]
    assert "消费 consumed (the park buys it at a metered boundary)" in res.notes[0]
    assert "园区外购入 purchased from outside the park (the park has no boundary meter of it)" in res.notes[1]


def test_one_month_under_two_usages_is_refused(db: Engine, tmp_path: Path) -> None:
    path = tmp_path / "twice.xlsx"
    _workbook(
        path,
        [
            ["2025-02", "电力", "消费", 1000, "kWh"],  # row 4
            ["2025-02", "电力", "园区外购入", 1000, "kWh"],  # row 5: the same energy again
            ["2025-03", "蒸汽", "园区外购入", 30, "GJ"],  # row 6
            ["2025-03", "蒸汽", "园区内购入", 20, "GJ"],  # row 7: a real split, kept
        ],
    ).save(path)
    res = wbk.import_workbook(db, path)
    assert res.status == "rejected" and _where(res) == [(wbk.SHEET_ENERGY, 5, "用途")]
    assert "also given as 消费 in row 4" in res.errors[0].message
    assert repo.list_activity_records(db, "wl-park") == []
    split = tmp_path / "split.xlsx"
    _workbook(
        split, [["2025-03", "蒸汽", "园区外购入", 30, "GJ"], ["2025-03", "蒸汽", "园区内购入", 20, "GJ"]]
    ).save(split)
    ok = wbk.import_workbook(db, split)
    assert ok.status == "stored" and ok.stored_by_sheet[wbk.SHEET_ENERGY] == 2
    # 30 + 20 GJ: both kept, once each
    assert sum(r.quantity for r in repo.list_activity_records(db, "wl-park")) == pytest.approx(50.0)


def test_steam_in_tonnes_said_in_words_or_default_heat_applied(db: Engine, tmp_path: Path) -> None:
    path = tmp_path / "steam.xlsx"
    _workbook(path, [["2025-04", "蒸汽", "园区外购入", 100, "t"]]).save(path)
    res = wbk.import_workbook(db, path)
    assert res.status == "rejected" and _where(res) == [(wbk.SHEET_ENERGY, 4, "计量单位")]
    message = res.errors[0].message
    assert "GJ = t × (enthalpy kJ/kg − 83.74) / 1000" in message and "--steam-default-heat" in message
    assert "zeropark.units" not in message  # words, not a pointer to a Python function
    # named option DEFAULT_STEAM_HEAT: 100 t × 3.763 GJ/t (GB/T 2589 低压蒸汽) = 376.3 GJ, said and marked
    res = wbk.import_workbook(db, path, steam_default_heat=True)
    assert res.status == "stored"
    (rec,) = repo.list_activity_records(db, "wl-park")
    assert rec.quantity == pytest.approx(376.3) and rec.unit == "GJ" and rec.flow == Flow.PURCHASED
    assert "DEFAULT_STEAM_HEAT" in rec.description and "DEFAULT_STEAM_HEAT" in res.notes[0]
    # the supplier's heat per tonne in the heat-content column wins: 100 t × 2.86 GJ/t = 286 GJ
    given = tmp_path / "steam-given.xlsx"
    _workbook(given, [["2025-04", "蒸汽", "园区外购入", 100, "t", 2.86]]).save(given)
    res = wbk.import_workbook(db, given, steam_default_heat=True)
    (rec,) = repo.list_activity_records(db, "wl-park")
    assert res.status == "stored" and rec.quantity == pytest.approx(286.0) and rec.ncv_gj_per_unit is None
    # hot water in tonnes: the formula in words
    water = tmp_path / "water.xlsx"
    _workbook(water, [["2025-04", "热水", "园区外购入", 1000, "t"]]).save(water)
    res = wbk.import_workbook(db, water, steam_default_heat=True)
    assert res.status == "rejected" and "(supply °C − 20) × 4.1868 / 1000" in res.errors[0].message


def _green(path: Path, rows: list[list[object]], info: list[object] | None = INFO) -> Path:
    wb = _workbook(path, [], info=info)
    for r in rows:
        wb[wbk.SHEET_GREEN].append(r)
    wb.save(path)
    return path


def test_certificate_ranges_are_stored_as_ranges_and_never_claimed_twice(db: Engine, tmp_path: Path) -> None:
    # a second enterprise in another park, to claim the same serial numbers
    repo.add_park(db, Park("wl-other", "另一园区", "浙江", "华东", 30.2, 120.2))
    repo.add_enterprise(db, Enterprise("wl-E09", "wl-other", "别的公司", "91350100M000100Y43", "2651"))
    batch = ["HOB-0001..HOB-3000", "绿证", 3000, "2025-01-01", "2025-06-30"]
    res = wbk.import_workbook(db, _green(tmp_path / "a.xlsx", [batch]))
    assert res.status == "stored"
    # the same workbook again: unchanged, not a double claim
    assert wbk.import_workbook(db, _green(tmp_path / "a2.xlsx", [batch])).unchanged == 1
    other = ["wl-E09", "别的公司", None, "2651", 2025]
    for rows, shared in (
        ([["HOB-0001", "绿证", 1, "2025-01-01", "2025-01-31"]], "HOB-0001"),  # one certificate of the run
        ([["HOB-2999..HOB-4000", "绿证", 1002, "2025-01-01", "2025-06-30"]], "HOB-2999..HOB-3000"),  # a split
        ([["HOB-1500~HOB-1600", "绿证", 101, "2025-01-01", "2025-06-30"]], "HOB-1500..HOB-1600"),  # inside it
        ([["HOB-01..HOB-02", "绿证", 2, "2025-01-01", "2025-06-30"]], "HOB-01..HOB-02"),  # other zero padding
    ):
        res = wbk.import_workbook(db, _green(tmp_path / "b.xlsx", rows, info=other))
        assert res.status == "rejected" and _where(res) == [(wbk.SHEET_GREEN, 4, "证书/合同编号")], rows
        assert f"serial numbers {shared} are already claimed as 'HOB-0001..HOB-3000'" in res.errors[0].message
        assert "'wl-E01' for 2025 in park 'wl-park'" in res.errors[0].message
    assert [c.id for c in repo.list_claims(db, "wl-other")] == []
    # the store refuses it too, whatever the door (any year)
    with pytest.raises(DoubleClaim, match="HOB-3000 are already claimed"):
        repo.add_claim(
            db,
            "wl-other",
            GreenPowerClaim("HOB-3000..HOB-3100", ClaimKind.GEC, 101, PARK_START, PARK_END, "wl-E09", 2026),
        )
    # inside one file: two rows sharing serial numbers, and a run whose MWh is not its count
    res = wbk.import_workbook(
        db,
        _green(
            tmp_path / "c.xlsx",
            [
                ["XY-001..XY-100", "绿证", 100, "2025-01-01", "2025-06-30"],  # row 4
                ["XY-050..XY-060", "绿证", 11, "2025-01-01", "2025-06-30"],  # row 5: inside row 4
                ["XY-200..XY-299", "绿证", 90, "2025-01-01", "2025-06-30"],  # row 6: 100 certificates
                ["XY-9..XY-1", "绿证", 9, "2025-01-01", "2025-06-30"],  # row 7: backwards
            ],
        ),
    )
    assert _where(res) == [
        (wbk.SHEET_GREEN, 5, "证书/合同编号"),
        (wbk.SHEET_GREEN, 6, "电量（MWh）"),
        (wbk.SHEET_GREEN, 7, "证书/合同编号"),
    ]
    assert "XY-050..XY-060 are also in row 4" in res.errors[0].message
    assert "is 100 certificates (1 GEC = 1 MWh) but the row says 90 MWh" in res.errors[1].message
    assert "runs backwards" in res.errors[2].message
    assert [c.id for c in repo.list_claims(db, "wl-park")] == ["HOB-0001..HOB-3000"]


def test_a_later_workbook_replaces_the_month_not_adds_to_it(db: Engine, tmp_path: Path) -> None:
    first = tmp_path / "first.xlsx"
    _workbook(
        first, [["2025-02", "电力", "消费", 1000, "kWh"], ["2025-02", "天然气", "燃料燃烧", 50, "m3"]]
    ).save(first)
    assert wbk.import_workbook(db, first).status == "stored"
    corrected = tmp_path / "corrected.xlsx"
    _workbook(corrected, [["2025-02", "电力", "园区外购入", 1000, "kWh"]]).save(corrected)
    res = wbk.import_workbook(db, corrected)
    assert res.status == "stored"
    records = {r.id: r for r in repo.list_activity_records(db, "wl-park")}
    # the month's electricity once (1 000 kWh, not 2 000); the gas of the first workbook untouched
    assert sorted(records) == ["wl-E01-electricity-purchased-202502", "wl-E01-natural_gas-combustion-202502"]
    assert res.notes == [
        "电力 2025-02 (consumed, import batch #1) replaced by this workbook's rows for that month"
    ]


def test_blank_usage_steam_reaches_the_park_view(db: Engine, tmp_path: Path) -> None:
    # a park with no boundary meters: steam with a blank 用途 is bought from outside and counted
    # in the park's national total: 40 GJ × 0.11 tCO2/GJ (purchased heat default, GB/T 32150) = 4.4 tCO2
    path = tmp_path / "steam-park.xlsx"
    _workbook(path, [["2025-03", "蒸汽", None, 40, "GJ"]]).save(path)
    assert wbk.import_workbook(db, path).status == "stored"
    run = account_year(
        system_scope(db, "test"), "wl-park", 2025, AccountingOptions(method=Method.NATIONAL), "CN-park-2025"
    )
    assert run.inventory.total_tco2e == pytest.approx(4.4)
