"""CLI: zeropark optimize dispatch / dr / size / runs / show / tariffs on a real SQLite file.

Profiles: the demo park's metered history (7 days built by `zeropark demo`, 示例数据) and CSV files.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from api_support import cli_database, cli_demo_copy
from sqlalchemy import select
from typer.testing import CliRunner

from zeropark.cli import app
from zeropark.commands import common
from zeropark.commands.common import EXIT_DATA_ERROR, EXIT_INFEASIBLE
from zeropark.store.db import transaction
from zeropark.store.schema import AuditLogRow

runner = CliRunner()
ENV = {"COLUMNS": "200"}


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = cli_demo_copy(tmp_path_factory, "optcli")  # `zeropark demo --enterprises 6 --days 7`'s park
    with cli_database(url):
        yield url


def test_dispatch_from_store_history_and_show(db_url: str) -> None:
    # 2025-01-09 is after the 7 stored days: the seasonal-naive forecast uses 2025-01-02.
    res = runner.invoke(
        app,
        [
            "optimize",
            "dispatch",
            "--park",
            "demo-park",
            "--date",
            "2025-01-09",
            "--source",
            "store",
            "-s",
            "battery_kwh=2000",
            "-s",
            "carbon_price_cny_per_tco2=100",
        ],
        env=ENV,
    )
    assert res.exit_code == 0, res.output
    assert "dispatch · optimal" in res.output and "核心指标" in res.output
    assert "confidence: periods UNCERTAIN" in res.output
    runs = runner.invoke(app, ["optimize", "runs", "--park", "demo-park"], env=ENV)
    assert "dispatch" in runs.output and "optimal" in runs.output
    show = runner.invoke(app, ["optimize", "show", "1", "--json"], env=ENV)
    assert '"profile_source": "store:demo-park/2025 seasonal-naive' in show.output
    with transaction(common.engine()) as s:  # audited as the CLI principal
        audited = s.scalars(select(AuditLogRow).where(AuditLogRow.entity == "optimization_run"))
        assert [(a.user, a.role, a.action, a.entity_id) for a in audited] == [("cli", "admin", "create", "1")]


def test_infeasible_exit_code_and_words(db_url: str, tmp_path: Path) -> None:
    csv = tmp_path / "day.csv"
    pd.DataFrame(
        {"time": pd.date_range("2026-07-15", periods=24, freq="h"), "load_kw": np.full(24, 1000.0)}
    ).to_csv(csv, index=False)
    res = runner.invoke(
        app,
        [
            "optimize",
            "dispatch",
            "--park",
            "demo-park",
            "--date",
            "2026-07-15",
            "--profile",
            str(csv),
            "-s",
            "import_max_kw=800",
        ],
        env=ENV,
    )
    assert res.exit_code == EXIT_INFEASIBLE
    assert "grid import limit 800 kW is too low: 200 kW more is needed" in res.output


def test_bad_csv_and_bad_set_are_refused(db_url: str, tmp_path: Path) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("time,load_kw\n2026-07-15 00:00,abc\n", encoding="utf-8")
    res = runner.invoke(
        app,
        ["optimize", "dispatch", "--park", "demo-park", "--date", "2026-07-15", "--profile", str(csv)],
        env=ENV,
    )
    assert res.exit_code == EXIT_DATA_ERROR
    assert "row 2" in res.output and "load_kw" in res.output
    res = runner.invoke(
        app, ["optimize", "dispatch", "--park", "demo-park", "--date", "2026-07-15", "-s", "pv=3"], env=ENV
    )
    assert res.exit_code != 0 and "KEY=VALUE" in res.output


def test_size_on_representative_days_with_effect(db_url: str, tmp_path: Path) -> None:
    idx = pd.date_range("2026-01-01", periods=8760, freq="h")
    h = idx.hour.to_numpy()
    pv = np.clip(np.sin((h - 6) / 12 * np.pi), 0, None)
    csv = tmp_path / "year.csv"
    pd.DataFrame({"time": idx, "load_kw": np.full(8760, 2000.0), "pv_pu": pv.round(4)}).to_csv(
        csv, index=False
    )
    res = runner.invoke(
        app,
        [
            "optimize",
            "size",
            "--park",
            "demo-park",
            "--year",
            "2026",
            "--profile",
            str(csv),
            "--rep-days",
            "4",
            "-s",
            "pv_max_kw=3000",
            "-s",
            "battery_max_kwh=2000",
        ],
        env=ENV,
    )
    assert res.exit_code == 0, res.output
    assert "pv:PV" in res.output and "效果 effect vs today's park" in res.output


def test_tariffs_table(db_url: str) -> None:
    res = runner.invoke(app, ["optimize", "tariffs"], env=ENV)
    assert res.exit_code == 0
    assert (
        "CN-JS-large-industry-1-10kV" in res.output and "尖峰" in res.output and "JS-2023-555" in res.output
    )
