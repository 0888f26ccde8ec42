"""Browser tests of the 大屏 big screen on the demo park at 1440 px and 390 px.

The screen shows the overview's figures (the same run, the same functions), live curves that
arrive over Server-Sent Events, the energy flows, and the open alarms of the demo's rules; its
indicator and alarm panel refreshes itself without a reload.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2e_park import (  # noqa: F401 - fixtures used by name
    artifacts_fixture,
    browser_fixture,
    demo_server_fixture,
)
from test_monitoring_pages import WIDTHS, demo_login

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", list(WIDTHS))
def test_bigscreen_shows_the_overview_figures_live_curves_and_alarms(
    browser: Any, demo_server: Any, artifacts: Path, width: str
) -> None:
    w = demo_login(browser, demo_server, "demo-admin", width)
    page = w.page
    year = demo_server.year
    page.goto(f"{demo_server.url}/?year={year}")
    core_overview = page.locator("[data-kpi=core] .value a").inner_text().strip()
    total_overview = page.locator("[data-kpi=total] .value a").inner_text().strip()
    assert page.locator("[data-nav=bigscreen]").count() == 1
    page.goto(f"{demo_server.url}/bigscreen?year={year}&refresh=2")
    # the same figures as the overview
    assert page.locator("[data-bs-kpi=core] .value").inner_text().split()[0] == core_overview
    assert page.locator("[data-bs-kpi=total] .value").inner_text().strip() == total_overview
    # live curves: drawn, then replaced by the first Server-Sent Event without a reload
    page.wait_for_selector("#ch-live canvas", timeout=10_000)
    page.wait_for_function(
        "Number(document.getElementById('ch-live').dataset.liveEvents || 0) >= 1", timeout=15_000
    )
    names = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('ch-live')).getOption().series.map(s => s.name)"
    )
    assert any("光伏" in n for n in names) and any("电网" in n for n in names), names
    # the energy flows with the CHP as a converter
    page.wait_for_selector("#bs-sankey svg text")
    labels = page.evaluate(
        "Array.from(document.querySelectorAll('#bs-sankey svg text')).map(t => t.textContent)"
    )
    assert any(str(x).startswith("热电联产 · ") for x in labels), labels
    # the demo's rules have fired: open alarms are listed, most severe first
    assert int(page.locator("[data-bs-open]").inner_text()) >= 3
    assert page.locator("[data-bs-alarm]").count() >= 3
    # the panel refreshes itself (htmx, every 2 s here) without reloading the page
    page.evaluate("window.__marker = 1")
    with page.expect_response(lambda r: "/bigscreen/panel" in r.url and r.status == 200, timeout=10_000):
        pass
    page.wait_for_selector("[data-bs-panel]")
    assert page.evaluate("window.__marker") == 1
    clock = page.locator("[data-clock]").inner_text()
    page.wait_for_timeout(1100)
    assert page.locator("[data-clock]").inner_text() != clock  # the clock ticks
    page.screenshot(path=str(artifacts / f"bigscreen-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width][0] + 1
    assert not w.errors, w.errors
    page.context.close()


def test_enterprise_user_is_sent_to_its_monitoring(browser: Any, demo_server: Any) -> None:
    w = demo_login(browser, demo_server, "demo-enterprise", "desktop")
    w.page.goto(f"{demo_server.url}/bigscreen")
    assert w.page.url.endswith("/monitoring")
    assert w.page.locator("[data-nav=bigscreen]").count() == 0
    w.page.context.close()
