"""The park register 园区登记表: a park registered from YAML and from xlsx, shown, and refused when wrong.

Before, a park, its enterprises and meters could be created only through the HTTP API (a server,
a token and curl). The small park here has one enterprise (USCC checked by GB 32100-2015), a grid
meter with two child meters, a gas meter and a steam meter. The YAML file and the xlsx file say
the same thing, so registering one after the other changes nothing; every invalid file is a named
error (sheet, row, column) and stores nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from api_support import cli_database
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from zeropark.cli import app
from zeropark.errors import DataError, NotFound, PermissionDenied, RowError, ValidationError
from zeropark.ingest.register import read_register, register_document, register_yaml, write_register_template
from zeropark.ingest.register.sheets import SHEET_ENTERPRISES, SHEET_METERS, SHEET_PARK
from zeropark.ingest.uscc import uscc_problem
from zeropark.model import Carrier, Direction, MeterKind, Park, Reading, Role
from zeropark.services.imports import detect_kind
from zeropark.services.park_register import park_register, register_park
from zeropark.store import repo
from zeropark.store.readings import write_readings
from zeropark.store.schema import AuditLogRow, MeterRow, ParkRow
from zeropark.store.scope import Principal, Scope, system_scope

PARK_YAML = """\
park:
  id: hx-park
  name: 华芯产业园
  province: 江苏
  grid_region: 华东
  latitude: 31.7
  longitude: 119.95
zones:
  - id: Z1
    name: 一期
enterprises:
  - id: E01
    name: 华芯新材料有限公司
    uscc: 91350100M000100Y43
    industry_code: "2651"
    zone: Z1
meters:
  - id: GRID
    name: 110kV 进线
    carrier: 电力
    direction: 购入
    interval_min: 15
    multiplier: 1000
    children:
      - id: E01-EL
        carrier: electricity
        direction: consumption
        enterprise: E01
        kind: 表底数
        interval_min: 15
        register_max: 999999
      - id: PUBLIC-EL
        carrier: 电力
        direction: 消费
  - id: E01-GAS
    carrier: 天然气
    direction: 消费
    enterprise: E01
    unit: 10^4 Nm3
  - id: E01-STEAM
    carrier: 蒸汽
    direction: 购入
    enterprise: E01
    unit: GJ
"""


def _write(tmp_path: Path, text: str, name: str = "park.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _cli(engine: Engine) -> Scope:
    return system_scope(engine, "cli")


def _audits(engine: Engine) -> int:
    with engine.connect() as c:
        return int(c.scalar(select(func.count()).select_from(AuditLogRow)) or 0)


def _parks(engine: Engine) -> int:
    with engine.connect() as c:
        return int(c.scalar(select(func.count()).select_from(ParkRow)) or 0)


def _xlsx_of(path: Path) -> Path:
    """The same park as PARK_YAML in the xlsx template's sheets (example rows replaced)."""
    write_register_template(path)
    wb = openpyxl.load_workbook(path)
    sheets = {
        "园区": [["hx-park", "华芯产业园", "江苏", "华东", 31.7, 119.95]],
        "片区": [["Z1", "一期"]],
        "企业": [["E01", "华芯新材料有限公司", "91350100M000100Y43", "2651", "Z1"]],
        # 表号 名称 能源品种 计量方向 数据类型 计量单位 所属企业 上级表号 层级 技术 倍率 间隔 … 满量程
        "计量器具": [
            ["GRID", "110kV 进线", "电力", "购入", None, None, None, None, None, None, 1000, 15],
            [
                "E01-EL",
                None,
                "电力",
                "消费",
                "表底数",
                None,
                "E01",
                "GRID",
                None,
                None,
                None,
                15,
                None,
                None,
                999999,
            ],
            ["PUBLIC-EL", None, "电力", "消费", None, None, None, "GRID"],
            ["E01-GAS", None, "天然气", "消费", None, "10^4 Nm3", "E01"],
            ["E01-STEAM", None, "蒸汽", "购入", None, "GJ", "E01"],
        ],
    }
    for name, rows in sheets.items():
        ws = wb[name]
        ws.delete_rows(3, ws.max_row)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def test_uscc_check_characters() -> None:
    assert uscc_problem("91350100M000100Y43") is None
    # 18th character: C18 = 31 − (Σ wᵢ·cᵢ mod 31) = '3' for this body (GB 32100-2015), '4' is wrong
    assert "expected '3'" in (uscc_problem("91350100M000100Y44") or "")
    assert "18" in (uscc_problem("9135010") or "")
    assert "'O'" in (uscc_problem("91350100M000100YO3") or "")


def test_yaml_register_stores_park_and_tree_once(engine: Engine, tmp_path: Path) -> None:
    path = _write(tmp_path, PARK_YAML)
    result = register_park(_cli(engine), path)
    assert result.changed
    assert {k: len(v) for k, v in result.created.items()} == {
        "park": 1,
        "zone": 1,
        "enterprise": 1,
        "meter": 5,
    }
    park = repo.get_park(engine, "hx-park")
    assert (park.grid_region, park.latitude, park.timezone) == ("华东", 31.7, "Asia/Shanghai")
    ent = repo.get_enterprise(engine, "E01")
    assert (ent.uscc, ent.zone_id, ent.industry_code) == ("91350100M000100Y43", "Z1", "2651")
    meters = {m.id: m for m in repo.list_meters(engine, "hx-park")}
    grid, el, gas, steam = meters["GRID"], meters["E01-EL"], meters["E01-GAS"], meters["E01-STEAM"]
    assert (grid.carrier, grid.direction, grid.multiplier, grid.interval_s, grid.level) == (
        Carrier.ELECTRICITY,
        Direction.IMPORT,
        1000.0,
        900,  # 15 min × 60 s
        1,
    )
    assert (el.parent_id, el.level, el.kind, el.register_max, el.enterprise_id) == (
        "GRID",
        2,
        MeterKind.CUMULATIVE,
        999999.0,
        "E01",
    )
    assert meters["PUBLIC-EL"].parent_id == "GRID" and meters["PUBLIC-EL"].enterprise_id is None
    assert (gas.unit, gas.interval_s, gas.kind) == ("10^4 Nm3", 3600, MeterKind.INTERVAL)
    assert (steam.carrier, steam.direction, steam.unit) == (Carrier.STEAM, Direction.IMPORT, "GJ")
    # one audit record per entity created, as user cli
    assert _audits(engine) == 8
    # the same file again: nothing written, not even an audit record, and it says so
    again = register_park(_cli(engine), path)
    assert not again.changed and sum(again.unchanged.values()) == 8
    assert "nothing changed" in again.summary()
    assert _audits(engine) == 8
    # the park read back as a register file registers as unchanged (round trip)
    exported = _write(
        tmp_path, register_yaml(register_document(park_register(_cli(engine), "hx-park"))), "out.yaml"
    )
    assert not register_park(_cli(engine), exported).changed
    # a changed name is an update with before and after
    changed = register_park(
        _cli(engine), _write(tmp_path, PARK_YAML.replace("华芯新材料有限公司", "华芯新材料股份有限公司"))
    )
    assert changed.updated["enterprise"] == ["E01"] and sum(len(v) for v in changed.updated.values()) == 1
    with engine.connect() as c:
        row = c.execute(select(AuditLogRow).where(AuditLogRow.action == "update")).one()
    assert row.before["name"] == "华芯新材料有限公司" and row.after["name"] == "华芯新材料股份有限公司"
    assert row.user == "cli"


def test_xlsx_register_says_the_same_as_yaml(engine: Engine, tmp_path: Path) -> None:
    xlsx = _xlsx_of(tmp_path / "park.xlsx")
    from_xlsx, errors = read_register(engine, xlsx)
    from_yaml, _ = read_register(engine, _write(tmp_path, PARK_YAML))
    assert errors == [] and from_xlsx == from_yaml
    assert register_park(_cli(engine), xlsx).changed
    assert not register_park(_cli(engine), _write(tmp_path, PARK_YAML)).changed  # the YAML adds nothing


def test_template_is_refused_until_the_example_is_replaced(engine: Engine, tmp_path: Path) -> None:
    for name in ("t.xlsx", "t.yaml"):
        path = write_register_template(tmp_path / name)
        reg, errors = read_register(engine, path)
        assert reg is None
        assert [(e.sheet, e.field) for e in errors] == [(SHEET_PARK, "园区编号")]
        assert "example" in errors[0].message
    assert _parks(engine) == 0


def _errors(engine: Engine, tmp_path: Path, text: str) -> list[RowError]:
    with pytest.raises(ValidationError) as exc:
        register_park(_cli(engine), _write(tmp_path, text, "bad.yaml"))
    assert _parks(engine) == 0  # nothing stored
    return exc.value.errors


@pytest.mark.parametrize(
    ("old", "new", "sheet", "line", "column", "says"),
    [
        (
            "uscc: 91350100M000100Y43",
            "uscc: 91350100M000100Y44",
            SHEET_ENTERPRISES,
            12,
            "统一社会信用代码",
            "expected '3'",
        ),
        (
            "      - id: PUBLIC-EL\n",
            "      - id: PUBLIC-EL\n        parent: NOPE\n",
            SHEET_METERS,
            32,
            "上级表号",
            "listed under",
        ),
        ("    carrier: 天然气", "    carrier: 煤气罐", SHEET_METERS, 35, "能源品种", "unknown carrier"),
        ("  - id: E01-STEAM", "  - id: E01-GAS", SHEET_METERS, 40, "表号", "duplicate meter id"),
        ("    unit: GJ\n", "    unit: t\n", SHEET_METERS, 40, "计量单位", "not a unit of 蒸汽"),
    ],
)
def test_invalid_register_is_a_named_error(
    engine: Engine, tmp_path: Path, old: str, new: str, sheet: str, line: int, column: str, says: str
) -> None:
    assert old in PARK_YAML
    errors = _errors(engine, tmp_path, PARK_YAML.replace(old, new))
    assert [(e.file, e.sheet, e.row, e.field) for e in errors] == [("bad.yaml", sheet, line, column)]
    assert says in errors[0].message


def test_unknown_parent_and_cycle(engine: Engine, tmp_path: Path) -> None:
    unknown = PARK_YAML + "  - id: SUB\n    carrier: 电力\n    direction: 消费\n    parent: GRID-X\n"
    errors = _errors(engine, tmp_path, unknown)
    assert [(e.sheet, e.row, e.field) for e in errors] == [(SHEET_METERS, 45, "上级表号")]
    assert "unknown parent meter 'GRID-X'" in errors[0].message
    cycle = PARK_YAML + (
        "  - id: A\n    carrier: 电力\n    direction: 消费\n    parent: B\n"
        "  - id: B\n    carrier: 电力\n    direction: 消费\n    parent: A\n"
    )
    errors = _errors(engine, tmp_path, cycle)
    assert [(e.row, e.field) for e in errors] == [(45, "上级表号"), (49, "上级表号")]
    assert "cycle A → B → A" in errors[0].message


def test_cycle_through_stored_meters_and_readings_kept(engine: Engine, tmp_path: Path) -> None:
    register_park(_cli(engine), _write(tmp_path, PARK_YAML))
    # GRID put under its own child E01-EL, which only the store holds: a cycle across the store
    only_grid = PARK_YAML.split("meters:")[0] + (
        "meters:\n  - id: GRID\n    carrier: 电力\n    direction: 购入\n    parent: E01-EL\n"
    )
    with pytest.raises(ValidationError) as exc:
        register_park(_cli(engine), _write(tmp_path, only_grid, "loop.yaml"))
    assert "cycle GRID → E01-EL → GRID" in exc.value.errors[0].message
    # a meter with readings keeps its multiplier: a change would rescale every stored reading
    write_readings(engine, [Reading("GRID", datetime(2025, 1, 1, tzinfo=UTC), 5.0)], source="test")
    with pytest.raises(ValidationError) as exc:
        register_park(
            _cli(engine), _write(tmp_path, PARK_YAML.replace("multiplier: 1000", "multiplier: 2000"))
        )
    assert "has readings" in exc.value.errors[0].message and "multiplier" in exc.value.errors[0].message
    assert repo.get_meter(engine, "GRID").multiplier == 1000.0


def test_ids_of_another_park_and_who_may_register(engine: Engine, tmp_path: Path) -> None:
    repo.add_park(engine, Park("other", "别的园区", "江苏", "华东", 31.0, 120.0))
    register_park(_cli(engine), _write(tmp_path, PARK_YAML))
    stolen = PARK_YAML.replace("id: hx-park", "id: other").replace("name: 一期", "name: 二期")
    errors = _errors_any(engine, tmp_path, stolen)
    assert ("片区", "片区编号") in [(e.sheet, e.field) for e in errors]
    assert any("already registered in park 'hx-park'" in e.message for e in errors)
    manager = Scope(Principal(9, "mgr", Role.PARK_MANAGER, "other", None, "session"), engine, None)
    with pytest.raises(NotFound):
        register_park(manager, _write(tmp_path, PARK_YAML))
    new_park = PARK_YAML.replace("hx-park", "new-park").replace("Z1", "Z2").replace("E01", "E02")
    new_park = new_park.replace("91350100M000100Y43", "91320412MA1NJ3K5XY").replace("GRID", "G2")
    new_park = new_park.replace("PUBLIC-EL", "P2-EL")
    with pytest.raises(PermissionDenied):
        register_park(manager, _write(tmp_path, new_park, "new.yaml"))


def _errors_any(engine: Engine, tmp_path: Path, text: str) -> list[RowError]:
    with pytest.raises(ValidationError) as exc:
        register_park(_cli(engine), _write(tmp_path, text, "bad.yaml"))
    return exc.value.errors


def test_cli_park_init_show_template(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with cli_database(sqlite_engine):
        runner = CliRunner()
        bad = runner.invoke(
            app, ["park", "init", str(_write(tmp_path, PARK_YAML.replace("Y43", "Y44"), "b.yaml"))]
        )
        assert bad.exit_code == 3 and "Traceback" not in bad.output
        assert "统一社会信用代码" in bad.output and "nothing was stored" in bad.output
        ok = runner.invoke(app, ["park", "init", str(_write(tmp_path, PARK_YAML))])
        assert ok.exit_code == 0, ok.output
        again = runner.invoke(app, ["park", "init", str(tmp_path / "park.yaml")])
        assert again.exit_code == 0 and "nothing changed" in again.output
        shown = runner.invoke(app, ["park", "show", "hx-park"], env={"COLUMNS": "200"})
        assert shown.exit_code == 0
        assert "E01-EL" in shown.output and "GRID" in shown.output and "91350100M000100Y43" in shown.output
        yaml_out = runner.invoke(app, ["park", "show", "hx-park", "--format", "yaml"])
        assert yaml_out.stdout.startswith("park:\n  id: hx-park")
        missing = runner.invoke(app, ["park", "show", "nope"])
        assert missing.exit_code == 4 and "Traceback" not in missing.output
        written = runner.invoke(app, ["park", "template", str(tmp_path / "t.xlsx")])
        assert written.exit_code == 0 and (tmp_path / "t.xlsx").exists()
        wrong = runner.invoke(app, ["park", "template", str(tmp_path / "t.txt")])
        assert wrong.exit_code == 2
        nowhere = runner.invoke(app, ["park", "template", str(tmp_path / "no" / "such" / "t.xlsx")])
        assert (
            nowhere.exit_code == 2
            and "cannot write there" in nowhere.output
            and nowhere.exception is not None
        )
        assert isinstance(nowhere.exception, SystemExit)  # an exit code, not a traceback
        unknown = runner.invoke(app, ["park", "show", "hx-park", "--format", "pdf"])
        assert unknown.exit_code == 2 and isinstance(unknown.exception, SystemExit)
    with sqlite_engine.connect() as c:
        assert c.scalar(select(func.count()).select_from(MeterRow)) == 5


def test_import_points_a_register_to_park_init(tmp_path: Path) -> None:
    for path in (_write(tmp_path, PARK_YAML), write_register_template(tmp_path / "t.xlsx")):
        with pytest.raises(DataError, match=f"register it with `zeropark park init {path.name}`"):
            detect_kind(path)


def test_unreadable_files_are_named_errors(engine: Engine, tmp_path: Path) -> None:
    for name, content in (
        ("bad.xlsx", b"not a zip"),
        ("bad.yaml", b"\xff\xfe\x00"),
        ("odd.yaml", b"park: [1, 2]\n"),
    ):
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ValidationError) as exc:
            register_park(_cli(engine), path)
        assert {e.file for e in exc.value.errors} == {name}, exc.value.errors
    assert _parks(engine) == 0


def test_xlsx_errors_name_the_excel_row(engine: Engine, tmp_path: Path) -> None:
    path = _xlsx_of(tmp_path / "park.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["计量器具"]["H5"] = "NOPE"  # 上级表号 of PUBLIC-EL (Excel row 5: header, English header, GRID, E01-EL)
    wb.create_sheet("企业名录")  # a sheet the register does not have is named, not skipped
    wb.save(path)
    reg, errors = read_register(engine, path)
    assert reg is None
    assert [(e.sheet, e.row, e.field) for e in errors] == [
        ("企业名录", None, None),
        (SHEET_METERS, 5, "上级表号"),
    ]
    assert "unknown sheet" in errors[0].message and "unknown parent meter 'NOPE'" in errors[1].message


def test_the_walk_through_of_the_docs_registers(engine: Engine, tmp_path: Path) -> None:
    doc = (Path(__file__).parents[2] / "docs" / "data-formats.md").read_text(encoding="utf-8")
    section = doc[doc.index("## 7. 园区登记表") :]
    example = section[section.index("```yaml\n") + 8 : section.index("```", section.index("```yaml\n") + 8)]
    result = register_park(_cli(engine), _write(tmp_path, example, "docs.yaml"))
    assert {k: len(v) for k, v in result.created.items()} == {
        "park": 1,
        "zone": 1,
        "enterprise": 1,
        "meter": 5,
    }
