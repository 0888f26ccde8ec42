"""A stored custom factor set is used by ``zeropark account`` (option and setting) as by the API.

One resolution rule for every door (``zeropark.services.factor_sets``): before, the CLI could use
only built-in sets, and ``ZEROPARK_FACTOR_SET=<custom>`` ended in a ``KeyError`` traceback.

The custom set overrides the natural-gas NCV with a measured 36.2 MJ/m³ (the row of
docs/factors.md). The demo park burns gas, so the national total must change by exactly the NCV
ratio on its gas lines: each gas line's CO2 is AD × NCV × CC × OF × 44/12, linear in NCV.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import cli_database, cli_demo_copy
from typer.testing import CliRunner

from zeropark.cli import app
from zeropark.commands import common
from zeropark.settings import get_settings

runner = CliRunner()

CUSTOM_CSV = (
    "id,kind,key,parameter,value,unit,region,year,source_id,uncertainty_pct,note,"
    "source_title,source_issuer,source_year,source_table,source_url,source_confidence\n"
    "ng.measured.2025,fuel,natural_gas,ncv,36.2,MJ/m3,,,lab_2025,2,measured 实测,"
    "天然气热值检测报告 2025-03,某检测院,2025,报告编号 X-1,,P\n"
)


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = cli_demo_copy(tmp_path_factory, "fs")  # `zeropark demo --enterprises 6 --days 7`'s park
    with cli_database(url):
        yield url


def _account(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    if env:
        get_settings.cache_clear()
    res = runner.invoke(
        app, ["account", "--method", "national", "--year", "2025", "--format", "json", *args], env=env
    )
    get_settings.cache_clear()
    assert res.exit_code == 0, res.output
    payload: dict[str, Any] = json.loads(res.stdout)
    return payload


def test_account_uses_a_stored_custom_set(db_url: str, tmp_path: Path) -> None:
    csv = tmp_path / "my-factors.csv"
    csv.write_text(CUSTOM_CSV, encoding="utf-8")
    res = runner.invoke(app, ["factors", "load", str(csv), "--name", "my-park-2025"])
    assert res.exit_code == 0, res.output
    version = next(
        line.split("@", 1)[1] for line in res.output.splitlines() if "my-park-2025@" in line
    ).strip()

    builtin = _account()["inventory"]
    by_option = _account("--factor-set", "my-park-2025")["inventory"]
    by_setting = _account(env={"ZEROPARK_FACTOR_SET": f"my-park-2025@{version}"})["inventory"]
    assert builtin["factor_set_name"] == "CN-park-2025"
    for inv in (by_option, by_setting):
        assert (inv["factor_set_name"], inv["factor_set_version"]) == ("my-park-2025", version)

    # only the gas lines change, each by the NCV ratio (the CLI's default built-in NCV of the set)
    def gas(inv: dict[str, Any]) -> float:
        return sum(li["emissions_tco2e"] for li in inv["lines"] if li["carrier"] == "natural_gas")

    ncv_builtin = next(
        f["value"]
        for li in builtin["lines"]
        if li["carrier"] == "natural_gas"
        for f in li["factors"]
        if f["symbol"] == "NCV"
    )
    ratio = 36.2e-3 / ncv_builtin  # 36.2 MJ/m³ = 0.0362 GJ/m³; the set's NCV is in GJ/m³
    assert gas(by_option) == pytest.approx(gas(builtin) * ratio, rel=1e-12)
    assert by_option["total_tco2e"] - gas(by_option) == pytest.approx(
        builtin["total_tco2e"] - gas(builtin), rel=1e-12
    )


def test_unknown_factor_set_is_a_named_error_not_a_traceback(db_url: str) -> None:
    for args, env in (
        (["--factor-set", "no-such-set"], None),
        ([], {"ZEROPARK_FACTOR_SET": "no-such-set@1"}),
    ):
        if env:
            get_settings.cache_clear()
        res = runner.invoke(app, ["account", "--method", "national", "--year", "2025", *args], env=env)
        get_settings.cache_clear()
        assert res.exit_code == common.EXIT_NOT_FOUND, res.output
        assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
        assert "Traceback" not in res.output
        assert "no-such-set" in res.output and "CN-park-2025" in res.output  # names what exists


GRID_CSV = (
    "id,kind,key,parameter,value,unit,region,year,source_id,uncertainty_pct,note,"
    "source_title,source_issuer,source_year,source_table,source_url,source_confidence\n"
    "my.fossil.2022,grid_electricity,electricity,fossil,0.9,tCO2/MWh,全国,2022,supply_2024,,supplier,"
    "供电公司函,某供电公司,2024,,,P\n"
)


def test_optimize_uses_a_stored_custom_set_too(db_url: str, tmp_path: Path) -> None:
    """``zeropark optimize --factor-set`` follows the same rule (it read built-in sets only: a stored
    custom set was 'not found'). The run's grid factor is the custom fossil 2022 row, 0.9 tCO2/MWh."""
    csv = tmp_path / "grid.csv"
    csv.write_text(GRID_CSV, encoding="utf-8")
    res = runner.invoke(app, ["factors", "load", str(csv), "--name", "my-grid-2025"])
    assert res.exit_code == 0, res.output
    args = ["optimize", "dispatch", "--park", "demo-park", "--date", "2025-01-09", "--source", "store"]
    res = runner.invoke(app, [*args, "--factor-set", "my-grid-2025"])
    assert res.exit_code == 0, res.output
    run_id = next(line.split()[1] for line in res.output.splitlines() if line.startswith("run "))
    shown = json.loads(runner.invoke(app, ["optimize", "show", run_id, "--json"]).stdout)
    carbon = shown["result"]["carbon_factors"]
    assert carbon["grid_tco2_per_mwh"] == pytest.approx(0.9, rel=1e-12)
    assert carbon["factor_set"].startswith("my-grid-2025 ") and "my.fossil.2022" in carbon["factor_ids"]
    res = runner.invoke(app, [*args, "--factor-set", "no-such-set"])
    assert res.exit_code == common.EXIT_NOT_FOUND and "no-such-set" in res.output
