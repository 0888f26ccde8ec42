"""A run's statement — factors used with their years, fallbacks taken, custom factors loaded but unused —
is the same in the CLI, the API and the web pages (one use case: ``services.inventory.run_statement``).

Two cases, on SQLite and on PostgreSQL, over the API tests' fixture park P1:

- **the current year** (issue: the overview answered 409 ``FactorNotFound`` as soon as current-year
  readings arrived): P1 gets 24 hourly grid readings of 30 000 kWh in March 2026 (720 MWh, the
  enterprise meters 10 000 and 20 000 kWh/h). The GHG method asks for the 2024 factors (reporting
  year − 2), which are not published; the newest published, 2023, is used and stated:
  location 720 MWh × 0.5306 = 382.032 tCO2e, market 720 MWh × 0.6096 = 438.912 tCO2e.
- **a custom set** with a national grid average for 2022 only (0.61 tCO2/MWh): the GHG run of 2025
  uses the 2023 factors, so the custom row is "loaded but unused", and the set has no residual
  factor of its own, so the built-in proxy is used and stated.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from api_support import PARK, cli_database, make_api
from openpyxl import load_workbook
from sqlalchemy import Engine
from typer.testing import CliRunner

from zeropark.cli import app as cli_app
from zeropark.commands import common
from zeropark.model import Method, Reading
from zeropark.services.inventory import RunStatement, latest_view, run_statement
from zeropark.store.readings import write_readings
from zeropark.store.scope import system_scope

runner = CliRunner()

CUSTOM_CSV = (
    "id,kind,key,parameter,value,unit,region,year,source_id,uncertainty_pct,note,"
    "source_title,source_issuer,source_year,source_table,source_url,source_confidence\n"
    "my.grid.2022,grid_electricity,electricity,average,0.61,tCO2/MWh,全国,2022,supplier_2024,,"
    "supplier letter,供电公司函,某供电公司,2024,,,P\n"
)


@pytest.fixture
def cli_db(engine: Engine) -> Iterator[Engine]:
    """The CLI pointed at the test database (``ZEROPARK_DATABASE_URL``)."""
    with cli_database(engine):
        yield engine


def _cli(*args: str) -> Any:
    res = runner.invoke(cli_app, list(args))
    assert res.exit_code == 0, res.output
    return res


def _statement_of(engine: Engine, year: int, method: Method) -> RunStatement:
    view = latest_view(system_scope(engine, "test"), PARK, year, method)
    assert view is not None
    return run_statement(view.inventory)


def _same_everywhere(api: Any, client: Any, year: int, method: Method, page_html: str) -> RunStatement:
    """The latest run's statement as the CLI, the API and the web page show it: all equal."""
    expected = _statement_of(api.engine, year, method)
    notices = [n.to_dict() for n in expected.notices]
    # CLI
    cli = json.loads(_cli("runs", "latest", "--year", str(year), "--park", PARK, "--format", "json").stdout)
    assert cli[method.value]["statement"] == {
        "options_statement_zh": expected.options_zh,
        "options_statement_en": expected.options_en,
        "notices": notices,
    }
    # API (the detail of the same run)
    run_id = cli[method.value]["run"]["id"]
    detail = client.get(f"/api/v1/inventory-runs/{run_id}").json()
    assert detail["options_statement_zh"] == expected.options_zh
    assert detail["options_statement_en"] == expected.options_en
    assert detail["notices"] == notices
    # web (Chinese page): every notice and the statement itself
    for n in expected.notices:
        assert html.escape(n.zh) in page_html, n.code
    assert html.escape(expected.options_zh) in page_html
    return expected


def test_current_year_uses_the_newest_published_factor_on_every_door(cli_db: Engine, tmp_path: Path) -> None:
    api = make_api(cli_db)
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    rows = [
        Reading(meter, t0 + timedelta(hours=h), kwh)
        for meter, kwh in (("M-A", 10_000.0), ("M-B", 20_000.0), ("M-GRID", 30_000.0))
        for h in range(24)
    ]
    assert write_readings(cli_db, rows, source="test").stored == 72
    client = api.login("manager")

    # web: account the year from the inventory page (was 409 FactorNotFound), then the overview
    r = client.post(
        "/inventory/runs",
        data={"year": "2026", "csrf_token": client.headers["X-CSRF-Token"]},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:500]
    overview = client.get("/")  # the default year is the newest with data: 2026
    assert overview.status_code == 200
    assert "2026" in overview.text
    ghg = _statement_of(cli_db, 2026, Method.GHG)
    assert [n.code for n in ghg.notices] == ["factor_year_fallback", "factor_year_fallback"]
    assert ghg.notices[0].en.startswith("2023 factor used for 2026: the newest published")
    assert ghg.notices[0].zh.startswith("2023年因子用于2026年核算")
    view = latest_view(system_scope(cli_db, "test"), PARK, 2026, Method.GHG)
    assert view is not None
    assert view.inventory.total_tco2e == pytest.approx(720 * 0.5306, abs=1e-9)  # 382.032
    assert view.inventory.total_market_tco2e == pytest.approx(720 * 0.6096, abs=1e-9)  # 438.912
    assert "382.0" in overview.text  # the GHG figure on the overview (one decimal)
    _same_everywhere(api, client, 2026, Method.GHG, overview.text)

    # API: a run of its own for 2026 is accounted too (was 409) and states the same choice
    r = client.post(f"/api/v1/parks/{PARK}/inventory-runs", json={"year": 2026, "method": "ghg"})
    assert r.status_code == 201, r.text
    detail = client.get(f"/api/v1/inventory-runs/{r.json()['id']}").json()
    assert detail["total_tco2e"] == pytest.approx(382.032, abs=1e-9)
    assert "2023 factor used for 2026: the newest published" in detail["options_statement_en"]
    assert detail["options"]["ghg_factor_year_fallback"] == "newest_published"  # stored with the run
    refused = client.post(
        f"/api/v1/parks/{PARK}/inventory-runs",
        json={"year": 2026, "method": "ghg", "options": {"ghg_factor_year_fallback": "error"}},
    )
    assert refused.status_code == 409 and "years available: 2021, 2022, 2023" in refused.text
    bad = client.post(
        f"/api/v1/parks/{PARK}/inventory-runs",
        json={"year": 2026, "method": "ghg", "options": {"residual_fallback": "guess"}},
    )
    assert bad.status_code == 422 and "guess" in bad.text, bad.text

    # CLI: the same (exit 0, the statement printed)
    out = _cli("account", "--method", "ghg", "--year", "2026", "--park", PARK).output
    assert "2023年因子用于2026年核算" in out.replace("\n", "")
    page = client.get("/inventory?year=2026").text
    _same_everywhere(api, client, 2026, Method.GHG, page)

    # the report states it too: the Excel inventory's statement cells are the run's statement
    xlsx = tmp_path / "inventory-2026-ghg.xlsx"
    _cli(
        "report", "--year", "2026", "--kind", "xlsx", "--method", "ghg", "--park", PARK, "--output", str(xlsx)
    )
    cells = [c for row in load_workbook(xlsx).worksheets[0].iter_rows(values_only=True) for c in row]
    latest = _statement_of(cli_db, 2026, Method.GHG)
    assert latest.options_zh in cells and latest.options_en in cells
    assert "2023 factor used for 2026: the newest published" in latest.options_en

    # the fallback is an option: error gives the documented exit code, never a traceback
    res = runner.invoke(
        cli_app,
        [
            "account",
            "--method",
            "ghg",
            "--year",
            "2026",
            "--park",
            PARK,
            "--ghg-factor-year-fallback",
            "error",
        ],
    )
    assert res.exit_code == common.EXIT_ACCOUNTING_ERROR, res.output
    assert "years available: 2021, 2022, 2023" in res.output.replace("\n", "")


def test_custom_factor_loaded_but_unused_and_residual_fallback_on_every_door(
    cli_db: Engine, tmp_path: Path
) -> None:
    api = make_api(cli_db)
    client = api.login("manager")
    csv = tmp_path / "my-factors.csv"
    csv.write_text(CUSTOM_CSV, encoding="utf-8")
    _cli("factors", "load", str(csv), "--name", "my-park-2025")

    out = _cli("account", "--method", "ghg", "--year", "2025", "--park", PARK, "--factor-set", "my-park-2025")
    printed = out.output.replace("\n", "")
    assert "已载入但未使用" in printed and "my.grid.2022" in printed
    page = client.get("/inventory?year=2025").text
    st = _same_everywhere(api, client, 2025, Method.GHG, page)
    assert [n.code for n in st.notices] == ["residual_fallback", "factors_unused"]
    unused = st.notices[1]
    assert "loaded but unused" in unused.en and "my.grid.2022" in unused.en and "0.61" in unused.en
    assert "grid.excl_market_nonfossil.cn.2023" in st.notices[0].en  # built-in (b) 2023, stated
    # the statement lists every factor used with its year: grid (a) and (b) of 2023
    assert "grid.average.cn.2023" in st.options_en and "2023 0.5306 tCO2/MWh" in st.options_en

    # grid_average instead: the market-based total takes the location factor (720 kWh × 0.5306)
    res = json.loads(
        _cli(
            "account", "--method", "ghg", "--year", "2025", "--park", PARK, "--factor-set", "my-park-2025",
            "--residual-fallback", "grid_average", "--format", "json",
        ).stdout
    )  # fmt: skip
    assert res["inventory"]["options"]["residual_fallback"] == "grid_average"
    assert "residual_fallback=grid_average" in res["statement"]["options_statement_en"]
    inv = res["inventory"]
    market_grid = sum(
        li["emissions_tco2e"]
        for li in inv["lines"]
        if li["basis"] == "market" and li["category"] == "purchased_electricity"
    )
    assert market_grid == pytest.approx(0.720 * 0.5306, abs=1e-12)
    # error: exit 5 naming the row to add
    res2 = runner.invoke(
        cli_app,
        ["account", "--method", "ghg", "--year", "2025", "--park", PARK, "--factor-set", "my-park-2025",
         "--residual-fallback", "error"],
    )  # fmt: skip
    assert res2.exit_code == common.EXIT_ACCOUNTING_ERROR, res2.output
    assert "no residual-mix factor of its own for 2023" in res2.output.replace("\n", "")
