"""zeropark.store.factor_repo and `zeropark factors` CLI, on SQLite and PostgreSQL (real databases)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from typer.testing import CliRunner

from zeropark.cli import app
from zeropark.commands import common
from zeropark.commands.common import EXIT_DATA_ERROR, EXIT_NOT_FOUND
from zeropark.errors import DataError, NotFound, ValidationError
from zeropark.factors import GridCalibre, load_custom_csv, load_factor_set
from zeropark.model import Carrier
from zeropark.store.db import transaction
from zeropark.store.factor_repo import (
    ensure_builtin_factor_set,
    get_factor_set,
    list_factor_sets,
    save_factor_set,
)
from zeropark.store.schema import FactorSetRow

CUSTOM = (
    "id,kind,key,parameter,value,unit,region,year,source_id,uncertainty_pct,note,"
    "source_title,source_issuer,source_year,source_table,source_url,source_confidence\n"
    "grid.supplier.2024,grid_electricity,electricity,average,0.4512,kgCO2/kWh,华东,2024,supplier_2024,3,"
    "supplier-specific,售电公司排放因子证明,某售电公司,2025,p.2,,S\n"
)


def test_builtin_round_trip(engine: Engine) -> None:
    builtin = load_factor_set()
    stored = ensure_builtin_factor_set(engine)
    assert (stored.name, stored.version, stored.sha256) == (builtin.name, builtin.version, builtin.sha256)
    assert stored.is_builtin
    again = get_factor_set(engine, "CN-park-2025", "2025.2")
    assert again.sha256 == builtin.sha256
    assert again.factors == builtin.factors
    # a recomputation from the stored set gives the same numbers: diesel 3.0959 tCO2/t
    assert again.fuel(Carrier.DIESEL).ef_tco2_per_unit == builtin.fuel(Carrier.DIESEL).ef_tco2_per_unit
    # saving the same content again is a no-op
    assert ensure_builtin_factor_set(engine) == stored
    assert len(list_factor_sets(engine)) == 1


def test_custom_set_stored_and_listed(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "supplier.csv"
    path.write_text(CUSTOM, encoding="utf-8")
    custom = load_custom_csv(path, name="my-park", base=load_factor_set())
    ensure_builtin_factor_set(engine)
    stored = save_factor_set(engine, custom, created_by="alice")
    assert stored.created_by == "alice" and not stored.is_builtin
    assert "CN-park-2025@2025.2" in stored.description
    back = get_factor_set(engine, "my-park")  # latest version of that name
    assert back.version == custom.version and back.sha256 == custom.sha256
    assert back.grid_electricity(GridCalibre.AVERAGE, 2024, "华东").value == pytest.approx(0.4512)
    names = [(s.name, s.version) for s in list_factor_sets(engine)]
    assert names == [("CN-park-2025", "2025.2"), ("my-park", custom.version)]


def test_versions_are_immutable(engine: Engine, tmp_path: Path) -> None:
    builtin = load_factor_set()
    save_factor_set(engine, builtin)
    path = tmp_path / "supplier.csv"
    path.write_text(CUSTOM, encoding="utf-8")
    changed = load_custom_csv(path, name=builtin.name, base=builtin)
    forged = type(builtin).build(builtin.name, builtin.version, changed.factors, changed.sources)
    with pytest.raises(DataError, match="already stored with sha256 .* versions are immutable"):
        save_factor_set(engine, forged)


def test_missing_and_tampered(engine: Engine) -> None:
    with pytest.raises(NotFound, match="factor set 'nope@1' is not stored"):
        get_factor_set(engine, "nope", "1")
    ensure_builtin_factor_set(engine)
    with transaction(engine) as session:
        row = session.get(FactorSetRow, ("CN-park-2025", "2025.2"))
        assert row is not None
        tampered = row.content_csv.replace("0.8325", "0.5325")
        session.execute(update(FactorSetRow).values(content_csv=tampered))
    with pytest.raises(ValidationError, match="differs from the recorded"):
        get_factor_set(engine, "CN-park-2025", "2025.2")


# --- CLI ----------------------------------------------------------------------------------


@pytest.fixture
def cli(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The CLI wired to the test database (the real engine of the fixture, not a mock)."""
    monkeypatch.setattr(common, "engine", lambda: engine)
    monkeypatch.setenv("COLUMNS", "250")
    return CliRunner()


def test_cli_list_and_show(cli: CliRunner) -> None:
    result = cli.invoke(app, ["factors", "list", "--kind", "grid_electricity"])
    assert result.exit_code == 0, result.output
    assert "0.8325" in result.output and "mee_grid_2022" in result.output and "全国" in result.output
    assert "0.7041" in result.output  # 天津 2022
    assert "diesel" not in result.output  # only the asked kind
    result = cli.invoke(app, ["factors", "show", "fuel.natural_gas.ncv"])
    assert result.exit_code == 0, result.output
    for text in (
        "389.31 GJ/10^4 Nm3",
        "0.038931 GJ/m3",
        "天然气 低位发热量",
        "常用化石燃料相关参数缺省值",
        "[S]",
    ):
        assert text in result.output
    result = cli.invoke(app, ["factors", "list", "--uncertain"])
    assert result.exit_code == 0, result.output
    assert "300.7" in result.output  # 等价值 2022 is an [UNCERTAIN] option
    assert "0.8325" not in result.output  # the MEE factor is primary
    result = cli.invoke(app, ["factors", "sources"])
    assert result.exit_code == 0, result.output
    assert "mee_grid_2023" in result.output and "GB/T 2589-2020" in result.output
    result = cli.invoke(app, ["factors", "show", "no.such.id"])
    assert result.exit_code == EXIT_NOT_FOUND
    assert "no factor for id 'no.such.id'" in result.output


def test_cli_load_stores_version(cli: CliRunner, engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "supplier.csv"
    path.write_text(CUSTOM, encoding="utf-8")
    result = cli.invoke(app, ["factors", "load", str(path), "--name", "my-park"])
    assert result.exit_code == 0, result.output
    expected = load_custom_csv(path, name="my-park", base=load_factor_set())
    assert f"my-park@{expected.version}" in result.output
    assert f"sha256: {expected.sha256}" in result.output
    assert get_factor_set(engine, "my-park").sha256 == expected.sha256
    shown = cli.invoke(app, ["factors", "show", "grid.supplier.2024", "--set", f"my-park@{expected.version}"])
    assert shown.exit_code == 0, shown.output
    assert "售电公司排放因子证明" in shown.output
    listed = cli.invoke(app, ["factors", "sets"])
    assert "my-park" in listed.output and "CN-park-2025" in listed.output


def test_cli_load_reports_row_errors(cli: CliRunner, engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "id,kind,key,parameter,value,unit,region,year,source_id,uncertainty_pct,note\n"
        "g1,grid_electricity,electricity,average,abc,kgCO2/kWh,全国,2024,mee_grid_2022,,\n"
        "g2,grid_electricity,electricity,average,0.5,kgCO2/kWh,全国,2024,unknown_src,,\n",
        encoding="utf-8",
    )
    result = cli.invoke(app, ["factors", "load", str(path), "--name", "bad"])
    assert result.exit_code == EXIT_DATA_ERROR
    assert "2 error(s) in" in result.output and "nothing was stored" in result.output
    assert "bad.csv, row 2, column 'value': value 'abc' is not a non-negative number" in result.output
    assert "bad.csv, row 3, column 'source_id': unknown source_id 'unknown_src'" in result.output
    # only the built-in base set, stored on first use by resolve_factor_set; no custom set
    assert [(s.name, s.is_builtin) for s in list_factor_sets(engine)] == [("CN-park-2025", True)]
