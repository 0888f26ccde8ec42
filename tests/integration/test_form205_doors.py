"""205-1 form of an accounted enterprise (SQLite and PostgreSQL): the CLI writes what the service
computes; the same file reads back and checks; an enterprise user sees only its own form."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_support import ENT_A, ENT_B, PARK, make_api
from sqlalchemy import Engine
from typer.testing import CliRunner

from zeropark.accounting import AccountingOptions
from zeropark.accounting.form205 import TOTAL_CODE
from zeropark.cli import app as cli
from zeropark.commands import common
from zeropark.errors import NotFound
from zeropark.model import Method, Role
from zeropark.reports.form205 import read_205_1
from zeropark.services import inventory
from zeropark.services.form205 import form_205_1_of
from zeropark.settings import get_settings
from zeropark.store.scope import Principal, Scope, system_scope


def _cli(engine: Engine, *args: str) -> tuple[int, str, str]:
    mp = pytest.MonkeyPatch()
    mp.setenv("ZEROPARK_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    common.engine.cache_clear()
    try:
        res = CliRunner().invoke(cli, ["form205", *args])
    finally:
        mp.undo()
        get_settings.cache_clear()
        common.engine.cache_clear()
    return res.exit_code, res.stdout, res.stderr


def test_export_matches_the_run_and_reads_back(engine: Engine, tmp_path: Path) -> None:
    make_api(engine)
    scope = system_scope(engine, "cli")
    opts = AccountingOptions(method=Method.NATIONAL)
    inventory.account_year(scope, PARK, 2025, opts, get_settings().factor_set)
    form = form_205_1_of(scope, PARK, 2025, ENT_A)
    view = inventory.latest_view(scope, PARK, 2025, Method.NATIONAL, enterprise_id=ENT_A)
    assert view is not None
    total = next(r for r in form.rows if r.code == TOTAL_CODE)
    # 能源合计 = the tce of the enterprise's consumption lines of the run
    energy = {"water", "material"}
    expected = sum(
        li.energy_tce
        for li in view.inventory.lines
        if li.energy_tce > 0 and li.activity > 0 and li.enterprise_id == ENT_A
        if li.carrier is not None and li.carrier.value not in energy
    )
    assert total.consumption == pytest.approx(expected) and expected > 0
    out = tmp_path / "a.xlsx"
    code, stdout, err = _cli(
        engine, "export", "--year", "2025", "--enterprise", ENT_A, "--park", PARK, "--output", str(out)
    )
    assert code == 0, err
    assert [(r.code, r.consumption) for r in read_205_1(out)] == [(r.code, r.consumption) for r in form.rows]
    code, stdout, err = _cli(engine, "check", str(out))
    assert code == 0 and "arithmetic holds" in stdout, err
    # an enterprise user of B cannot have A's form; no run of 2024 is NotFound with the way out
    b_user = Scope(Principal(7, "b", Role.ENTERPRISE, PARK, ENT_B, "session"), engine, "10.0.0.7")
    with pytest.raises(NotFound):
        form_205_1_of(b_user, PARK, 2025, ENT_A)
    code, _out, err = _cli(engine, "export", "--year", "2024", "--enterprise", ENT_A, "--park", PARK)
    assert code == common.EXIT_NOT_FOUND and "--method national" in err
