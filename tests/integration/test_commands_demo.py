"""CLI: zeropark demo / account / template / import, run with typer's CliRunner on a real SQLite file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from api_support import cli_database, cli_demo_copy
from typer.testing import CliRunner

from zeropark.cli import app
from zeropark.commands import common
from zeropark.commands.account import indicator_title
from zeropark.commands.common import EXIT_DATA_ERROR
from zeropark.demo import PARK_ID
from zeropark.indicators import IndicatorTable

runner = CliRunner()


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A SQLite file with a small demo park built by `zeropark demo`, used through the settings."""
    url = cli_demo_copy(tmp_path_factory, "cli")  # `zeropark demo --enterprises 6 --days 7`'s park
    with cli_database(url):
        yield url


def test_demo_prints_both_inventories_and_rejects_bad_inputs(db_url: str) -> None:
    res = runner.invoke(app, ["demo", "--enterprises", "6", "--days", "7"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "up to date" in res.output  # same fingerprint: not rewritten
    assert "园区法 National method" in res.output and "GHG Protocol" in res.output
    assert "单位能耗碳排放" in res.output
    assert "unknown_meter" in res.output and "already claimed" in res.output
    # the 7-day park is below 20万 tce: the band is named once, with no threshold (no "< 20万 tce < …")
    assert "< 20万 tce < 200 000 tce" not in res.output
    assert "仅报告数值" in res.output


def test_demo_builds_rollups_of_every_meter(db_url: str) -> None:
    from sqlalchemy import func, select

    from zeropark.store.db import make_engine
    from zeropark.store.schema import ReadingRow, RollupRow

    eng = make_engine(db_url)
    with eng.connect() as c:
        with_readings = set(c.scalars(select(ReadingRow.meter_id).distinct()))
        hours = dict(
            c.execute(
                select(RollupRow.meter_id, func.sum(RollupRow.n_present))
                .where(RollupRow.bucket == "hour")
                .group_by(RollupRow.meter_id)
            ).all()
        )
        months = dict(
            c.execute(
                select(RollupRow.meter_id, func.sum(RollupRow.n_present))
                .where(RollupRow.bucket == "month")
                .group_by(RollupRow.meter_id)
            ).all()
        )
    eng.dispose()
    assert with_readings and set(hours) == with_readings
    assert hours == months  # every interval counted once in its hour and once in its month


def _table(payload: dict[str, Any]) -> IndicatorTable:
    return IndicatorTable.from_dict(payload)


def test_indicator_title_names_energy_band_and_threshold_once() -> None:
    """The title of the indicator table: energy in 万 tce, the size band once, the core threshold."""
    core = {
        "code": "core_intensity",
        "kind": "core",
        "label_zh": "单位能耗碳排放",
        "label_en": "CO2 per unit energy",
        "unit": "tCO2/tce",
        "value": 2.1,
        "threshold": 0.2,
        "comparison": "≤",
        "status": "fail",
        "missing": [],
    }
    medium = _table(
        {
            "park_id": "p",
            "year": 2025,
            "size_band_zh": "20万–100万 tce",
            "size_band_en": "200 000 – 1 000 000 tce",
            "rows": [core],
            "veto": True,
        }
    )
    # 305 510 tce = 30.5510万 tce → "30.55万"
    zh, en = indicator_title(medium, 305_510.0).split("\n")
    assert zh == "指标 Indicators — 综合能耗 30.55万 tce（规模档 20万–100万 tce：核心指标 ≤ 0.2）"
    assert en == "energy 305,510 tce (band 200 000 – 1 000 000 tce: core ≤ 0.2)"
    small = _table(
        {
            "park_id": "p",
            "year": 2025,
            "size_band_zh": "< 20万 tce",
            "size_band_en": "< 200 000 tce",
            "rows": [{**core, "threshold": None, "comparison": None, "status": "no_threshold"}],
            "veto": False,
        }
    )
    title = indicator_title(small)
    assert title.count("20万") == 1 and title.count("200 000") == 1
    assert "无阈值，仅报告数值" in title and "no threshold, value reported only" in title


def test_account_table_json_xlsx(db_url: str, tmp_path: Path) -> None:
    res = runner.invoke(app, ["account", "--method", "national", "--year", "2025"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "合计 Total CO2" in res.output and "当量值" in res.output
    assert "单位能耗碳排放" in res.output  # national method: core indicator row and indicator table
    assert "规模档" in res.output

    # the GHG Protocol table has no core indicator (defined on the national method only) and no
    # indicator table
    res = runner.invoke(app, ["account", "--method", "ghg", "--year", "2025"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "合计（基于市场）Total (market)" in res.output
    assert "单位能耗碳排放" not in res.output and "规模档" not in res.output

    out = tmp_path / "inv.json"
    res = runner.invoke(
        app, ["account", "--method", "ghg", "--year", "2025", "--format", "json", "--output", str(out)]
    )
    assert res.exit_code == 0, res.output
    payload = json.loads(out.read_text(encoding="utf-8"))
    assert payload["inventory"]["method"] == "ghg" and payload["run_id"] >= 1
    assert payload["inventory"]["total_market_tco2e"] < payload["inventory"]["total_tco2e"]

    res = runner.invoke(
        app,
        [
            "account",
            "--method",
            "national",
            "--year",
            "2025",
            "--export-rule",
            "no_credit",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["inventory"]["options"]["export_rule"] == "no_credit"

    xlsx = tmp_path / "inv.xlsx"
    res = runner.invoke(
        app, ["account", "--method", "national", "--year", "2025", "--format", "xlsx", "--output", str(xlsx)]
    )
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(xlsx)
    # the roadmap chapter (路线图), the benchmarks (标杆) and, the demo park having an exchange registry,
    # the symbiosis chapter (产业共生) come with the national method
    assert wb.sheetnames == [
        "汇总", "清单明细", "排放因子", "指标", "数据质量", "企业名录", "路线图", "标杆", "产业共生"
    ]  # fmt: skip
    assert "示例零碳产业园（示例数据）" in wb["汇总"]["A1"].value


def test_account_unknown_park(db_url: str) -> None:
    res = runner.invoke(app, ["account", "--method", "national", "--year", "2025", "--park", "nope"])
    assert res.exit_code == common.EXIT_NOT_FOUND


def test_template_and_import_dispatch(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    res = runner.invoke(app, ["template", str(path)])
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(path)
    wb["企业信息"].append(["demo-park-E01", None, None, None, 2025])
    wb["能源消费"].append(["2025-01", "柴油", None, 2.5, "t"])  # row 4: good
    wb["能源消费"].append(["2025-01", "煤气罐", None, 1, "t"])  # row 5: unknown carrier
    wb.save(path)

    res = runner.invoke(app, ["import", str(path)], env={"COLUMNS": "200"})
    assert res.exit_code == EXIT_DATA_ERROR
    assert "nothing was stored" in res.output and "煤气罐" in res.output and "能源消费" in res.output

    res = runner.invoke(app, ["import", str(path), "--partial"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "stored 1" in res.output and "partial" in res.output

    readings = tmp_path / "r.csv"
    readings.write_text("表号,时间,读数\ndemo-park-E01-EL-01,2025-01-03 10:30:00,12.5\n", encoding="utf-8")
    res = runner.invoke(app, ["import", str(readings)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "readings" in res.output

    other = tmp_path / "x.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    res = runner.invoke(app, ["import", str(other)])
    assert res.exit_code == EXIT_DATA_ERROR


def test_verify_reproduces_a_run_and_names_what_changed(db_url: str, tmp_path: Path) -> None:
    """`zeropark verify` recomputes from the readings: identical → exit 0; a late reading → exit 7."""
    import shutil
    from datetime import UTC, datetime

    from zeropark.model import Reading
    from zeropark.store.db import make_engine
    from zeropark.store.readings import write_readings

    copy = tmp_path / "copy.db"
    shutil.copy(db_url.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    with cli_database(url):
        res = runner.invoke(app, ["account", "--method", "national", "--year", "2025", "--format", "json"])
        assert res.exit_code == 0, res.output
        run_id = json.loads(res.stdout)["run_id"]
        res = runner.invoke(app, ["verify", str(run_id)], env={"COLUMNS": "200"})
        assert res.exit_code == 0, res.output
        assert "一致" in res.output and "reproduces bit for bit" in res.output
        # a late reading of the park's grid import meter, inside the demo week
        eng = make_engine(url)
        late = Reading(f"{PARK_ID}-EL-IMP", datetime(2025, 1, 2, 3, 30, 7, tzinfo=UTC), 1.0)  # off the grid
        assert write_readings(eng, [late], source="late").stored == 1
        eng.dispose()
        res = runner.invoke(app, ["verify", str(run_id)], env={"COLUMNS": "200"})
        assert res.exit_code == 7, res.output
        assert "不一致" in res.output and "input fingerprint" in res.output
        res = runner.invoke(app, ["verify", "999999"])
        assert res.exit_code == common.EXIT_NOT_FOUND
