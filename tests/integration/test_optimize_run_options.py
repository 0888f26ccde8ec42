"""CLI: fixed-duration storage, capital cost per year, a price file, --no-effect; runs need a stored park.

A SQLite file with one park registered through the store; profiles and prices are CSV files.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from api_support import cli_database
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from zeropark.cli import app
from zeropark.commands import common
from zeropark.commands.common import EXIT_DATA_ERROR, EXIT_NOT_FOUND
from zeropark.model import Park
from zeropark.store import repo
from zeropark.store.db import make_engine, transaction
from zeropark.store.migrate import upgrade
from zeropark.store.schema import ForecastRunRow, OptimizationRunRow

runner = CliRunner()
ENV = {"COLUMNS": "200"}


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('optopts') / 'zeropark.db'}"
    eng = make_engine(url)
    upgrade(eng)
    repo.add_park(eng, Park("P1", "试点园区", "江苏", "华东", 31.3, 120.6))
    eng.dispose()
    with cli_database(url):
        yield url


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path]:
    idx = pd.date_range("2026-07-15", periods=48, freq="h")
    hour = np.asarray(idx.hour)
    sun = np.clip(np.sin((hour - 6) / 12 * np.pi), 0, None)
    profile = tmp_path / "two-days.csv"
    pd.DataFrame({"time": idx, "load_kw": np.full(48, 800.0), "pv_pu": sun}).to_csv(profile, index=False)
    prices = tmp_path / "prices.csv"
    price = np.where((hour >= 17) & (hour < 22), 1.4, np.where(hour < 6, 0.25, 0.6))
    pd.DataFrame({"time": idx, "price_cny_per_kwh": price}).to_csv(prices, index=False)
    return profile, prices


def test_fixed_duration_sizing_with_a_price_file_and_no_effect(db_url: str, files: tuple[Path, Path]) -> None:
    profile, prices = files
    res = runner.invoke(
        app,
        [
            "optimize",
            "size",
            "--park",
            "P1",
            "--year",
            "2026",
            "--profile",
            str(profile),
            "--prices",
            str(prices),
            "--no-effect",
            "-s",
            "pv_max_kw=2000",
            "-s",
            "battery_max_kwh=40000",
            "-s",
            "battery_duration_h=3",
            "-s",
            'annualised_capex={"pv": 0.5, "battery_power": 0.2, "battery_energy": 0.1}',
        ],
        env=ENV,
    )
    assert res.exit_code == 0, res.output
    assert "effect not computed (--no-effect)" in res.output
    assert "energy prices from the price series" in res.output
    run_id = res.output.split("run ", 1)[1].split(" ", 1)[0]
    show = runner.invoke(app, ["optimize", "show", run_id, "--json"], env=ENV)
    data = json.loads(show.output)
    params, result = data["params"], data["result"]
    assert params["effect"] is False and result["effect"] is None
    assert params["energy_prices"]["source"] == f"csv:{prices}" and params["energy_prices"]["steps"] == 48
    assert params["energy_prices"]["max_cny_per_kwh"] == 1.4
    sizes = result["sizes"]
    # E = 3 · P exactly, inside the bounds (40 000 kWh, 13 333 kW); the costs per year are the ones given
    power, energy = sizes["battery_power:BESS"]["added"], sizes["battery_energy:BESS"]["added"]
    assert 0 < power < 13_333 and energy == pytest.approx(3 * power)
    assert sizes["pv:PV"]["annualised_cny_per_unit_a"] == 0.5
    assert result["series"]["price_cny_per_kwh"][18] == 1.4  # 18:00 from the file, not the TOU table


def test_a_price_file_missing_steps_is_a_data_error(
    db_url: str, files: tuple[Path, Path], tmp_path: Path
) -> None:
    profile, prices = files
    short = tmp_path / "short.csv"
    pd.read_csv(prices).head(24).to_csv(short, index=False)
    res = runner.invoke(
        app,
        [
            "optimize",
            "size",
            "--park",
            "P1",
            "--year",
            "2026",
            "--profile",
            str(profile),
            "--prices",
            str(short),
        ],
        env=ENV,
    )
    assert res.exit_code == EXIT_DATA_ERROR
    assert "no price for 24 of the run's 48 steps" in res.output and str(short) in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)


def test_a_run_for_an_unknown_park_is_refused(db_url: str, files: tuple[Path, Path]) -> None:
    profile, _ = files
    res = runner.invoke(
        app,
        ["optimize", "dispatch", "--park", "nope", "--date", "2026-07-15", "--profile", str(profile)],
        env=ENV,
    )
    assert res.exit_code == EXIT_NOT_FOUND
    assert "park 'nope' does not exist" in res.output
    assert isinstance(res.exception, SystemExit)  # a message, not a traceback
    # and the database itself refuses a run row of an unknown park (foreign key)
    for row in (
        OptimizationRunRow(
            park_id="nope",
            mode="dispatch",
            status="optimal",
            params={},
            result={},
            created_at=datetime.now(UTC),
        ),
        ForecastRunRow(
            park_id="nope",
            target="park",
            model="m",
            issued_at=datetime.now(UTC),
            params={},
            metrics={},
            series={},
        ),
    ):
        with pytest.raises(IntegrityError), transaction(common.engine()) as s:
            s.add(row)
            s.flush()
