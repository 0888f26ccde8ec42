"""CLI: zeropark ingest file / stats / gateway-create, quarantine list / reprocess (SQLite file)."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_support import cli_database
from ingest_helpers import make_park
from typer.testing import CliRunner

from zeropark.model import Carrier, Direction, Meter, MeterKind


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from zeropark.cli import app
    from zeropark.commands import common

    with cli_database(f"sqlite:///{tmp_path / 'cli.db'}", COLUMNS="200"):
        yield app, common.engine()


def test_file_stats_quarantine_reprocess_gateway(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app, engine = cli
    make_park(engine)
    f = tmp_path / "r.csv"
    f.write_text("meter_id,ts,value\nE1,2026-03-01 08:00,1\nLATE,2026-03-01 08:00,2\n", encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(app, ["ingest", "file", str(f)])
    assert r.exit_code == 0, r.output
    assert "1" in r.output and "quarantine" in r.output
    r = runner.invoke(app, ["ingest", "stats"])
    assert r.exit_code == 0 and "file:r.csv" in r.output and "yes" in r.output
    r = runner.invoke(app, ["quarantine", "list"])
    assert "unknown_meter" in r.output and "LATE" in r.output
    from zeropark.store import repo

    repo.add_meter(
        engine, Meter("LATE", "P1", Carrier.ELECTRICITY, "kWh", Direction.CONSUMPTION, MeterKind.INTERVAL)
    )
    r = runner.invoke(app, ["quarantine", "reprocess"])
    assert r.exit_code == 0 and "stored 1" in r.output, r.output
    r = runner.invoke(app, ["ingest", "gateway-create", "P1", "GWX", "--meters", "E1"])
    assert r.exit_code == 0 and "zpg_" in r.output
    r = runner.invoke(app, ["ingest", "gateway-create", "P1", "GWY", "--meters", "NOPE"])
    assert r.exit_code == 4  # EXIT_NOT_FOUND
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    r = runner.invoke(app, ["ingest", "file", str(bad)])
    assert r.exit_code == 3  # EXIT_DATA_ERROR
