"""In a browser: a park with current-year readings is accounted from the inventory page and its overview
shows the figure with the factor year stated — never an error page (it answered 409 FactorNotFound).

The fixture park of ``e2e_park`` gets 100 quarter-hours of 400 kWh in March 2026 at the boundary meter
and at 企业B's meter (40 000 kWh = 40 MWh). The GHG method asks for the 2024 grid factors (reporting
year − 2), not published; the newest published, 2023, is used: 40 MWh × 0.5306 = 21.224 tCO2e
(overview: "21.2"); national 40 MWh × 0.8325 = 33.3 tCO2.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e_park import (  # noqa: F401 - fixtures used by name
    PASSWORD,
    USERS,
    Server,
    artifacts_fixture,
    browser_fixture,
    build_fixture_park,
    serve,
)

from zeropark.model import Method, Reading
from zeropark.services.inventory import latest_view, run_statement
from zeropark.store.db import make_engine
from zeropark.store.migrate import upgrade
from zeropark.store.readings import write_readings
from zeropark.store.scope import system_scope

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def current_year_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The fixture park with March 2026 readings, served; nothing accounted for 2026 yet."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('e2e-2026') / 'zeropark.db'}")
    upgrade(engine)
    build_fixture_park(engine)
    first = datetime(2026, 3, 1, 0, 15, tzinfo=UTC)
    readings = [
        Reading(meter, first + timedelta(minutes=15 * i), 400.0)
        for meter in ("M-GRID", "M-B")
        for i in range(100)
    ]
    assert write_readings(engine, readings, source="e2e-2026").stored == 200
    with serve(engine) as url:
        yield Server(url, engine)
    engine.dispose()


def test_current_year_is_accounted_and_stated_in_the_browser(
    browser: Any, current_year_server: Server, artifacts: Path
) -> None:
    server = current_year_server
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if r.url.startswith(server.url) else None)
    page.goto(f"{server.url}/login")
    page.fill("#username", USERS["park_manager"][0])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")

    page.goto(f"{server.url}/inventory?year=2026")
    page.click("form[data-account] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/inventory?year=2026" in page.url, page.url
    assert not [s for s in statuses if s >= 400], statuses  # no 409 error page

    page.goto(f"{server.url}/?year=2026")
    page.wait_for_load_state("networkidle")
    ghg_kpi = page.locator("[data-kpi=ghg] .value").inner_text()
    assert ghg_kpi.strip() == "21.2"  # 40 MWh × 0.5306 tCO2/MWh = 21.224
    notices = page.locator("[data-notices=ghg] li").all_inner_texts()
    assert len(notices) == 2 and all(n.startswith("2023年因子用于2026年核算") for n in notices), notices
    view = latest_view(system_scope(server.engine, "e2e"), "P1", 2026, Method.GHG)
    assert view is not None
    assert view.inventory.total_tco2e == pytest.approx(40 * 0.5306, abs=1e-9)
    assert notices == [n.zh for n in run_statement(view.inventory).notices]  # the page shows the use case's
    page.screenshot(path=str(artifacts / "overview-current-year.png"), full_page=True)
    context.close()
