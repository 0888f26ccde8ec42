"""Browser tests of monitoring on the demo park at 1440 px and 390 px: the collapsible meter tree,
a meter's page (curve, daily totals, time column), the Sankey's labels and its CHP converter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2e_park import (  # noqa: F401 - fixtures used by name
    artifacts_fixture,
    browser_fixture,
    demo_server_fixture,
)

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}


class Watched:
    """A page with its console errors recorded (an aborted live stream is by design)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))


def demo_login(browser: Any, demo_server: Any, username: str, width: str) -> Watched:
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, locale="zh-CN")
    watched = Watched(context.new_page())
    watched.page.goto(f"{demo_server.url}/login")
    watched.page.fill("#username", username)
    watched.page.fill("#password", demo_server.passwords[username])
    watched.page.click("button[type=submit]")
    watched.page.wait_for_load_state("networkidle")
    return watched


def _overlaps(boxes: list[dict[str, float]]) -> list[tuple[int, int]]:
    out = []
    for i, a in enumerate(boxes):
        for j in range(i + 1, len(boxes)):
            b = boxes[j]
            if (
                a["x"] < b["x"] + b["width"] - 0.5
                and b["x"] < a["x"] + a["width"] - 0.5
                and a["y"] < b["y"] + b["height"] - 0.5
                and b["y"] < a["y"] + a["height"] - 0.5
            ):
                out.append((i, j))
    return out


@pytest.mark.parametrize("width", list(WIDTHS))
def test_meter_tree_is_collapsed_filterable_and_expandable(
    browser: Any, demo_server: Any, artifacts: Path, width: str
) -> None:
    w = demo_login(browser, demo_server, "demo-admin", width)
    page = w.page
    page.goto(f"{demo_server.url}/monitoring?year={demo_server.year}")
    page.wait_for_load_state("networkidle")
    tree = page.locator("[data-meter-tree]")
    n_meters = tree.locator("[data-node]").count()
    assert n_meters == 53  # every meter of the small demo park is in the tree ...
    visible = tree.locator("[data-node]:visible").count()
    # ... but only the roots are shown: 110 kV import/export, distribution, PV total, storage, CHP
    # steam/gas/generator, water intake
    assert 5 <= visible <= 12, visible
    collapsed_height = tree.bounding_box()["height"]
    page.click("[data-tree-expand]")
    assert tree.locator("[data-node]:visible").count() == n_meters
    assert tree.bounding_box()["height"] > 3 * collapsed_height
    page.click("[data-tree-collapse]")
    assert tree.locator("[data-node]:visible").count() == visible
    # filter: the steam meters of the tenants open their parent, the rest hide
    page.fill("[data-tree-filter]", "蒸汽入厂表")
    shown = tree.locator("[data-node]:visible")
    assert shown.count() >= 3
    assert all("蒸汽" in t for t in shown.all_inner_texts())
    page.fill("[data-tree-filter]", "")
    assert tree.locator("[data-node]:visible").count() == visible
    page.screenshot(path=str(artifacts / f"monitoring-tree-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width][0] + 1
    assert not w.errors, w.errors
    page.context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_sankey_labels_do_not_overlap_and_chp_is_a_converter(
    browser: Any, demo_server: Any, artifacts: Path, width: str
) -> None:
    w = demo_login(browser, demo_server, "demo-admin", width)
    page = w.page
    page.goto(f"{demo_server.url}/monitoring?year={demo_server.year}")
    page.wait_for_selector("#ch-sankey svg text", timeout=10_000)
    found = page.evaluate(
        "Array.from(document.querySelectorAll('#ch-sankey svg text')).map(t => {"
        " const r = t.getBoundingClientRect();"
        " return [t.textContent, {x: r.x, y: r.y, width: r.width, height: r.height}]; })"
    )
    labels = [str(t) for t, _ in found]
    assert any(t.startswith("热电联产 · ") for t in labels), labels
    assert "天然气" in labels and "转换损失" in labels, labels
    assert "发电" not in labels  # the CHP's steam is no anonymous "generation" any more
    boxes = [b for _, b in found if b["width"] > 0]
    assert len(boxes) >= 8
    assert not _overlaps(boxes), [(labels[i], labels[j]) for i, j in _overlaps(boxes)]
    page.locator("#ch-sankey").screenshot(path=str(artifacts / f"monitoring-sankey-{width}.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width][0] + 1
    assert not w.errors, w.errors
    page.context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_meter_page_has_a_chart_daily_totals_and_a_labelled_time_column(
    browser: Any, demo_server: Any, artifacts: Path, width: str
) -> None:
    w = demo_login(browser, demo_server, "demo-admin", width)
    page = w.page
    page.goto(f"{demo_server.url}/monitoring?year={demo_server.year}")
    page.click("[data-tree-expand]")
    href = page.locator("[data-meter-tree] a", has_text="demo-park-E01-EL").first.get_attribute("href")
    page.goto(f"{demo_server.url}{href}")
    page.wait_for_selector("[data-meter-profile] [data-chart] canvas", timeout=10_000)
    n_points = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('ch-meter')).getOption().series[0].data.length"
    )
    assert n_points >= 24  # an hourly curve of the month, not a table
    days = page.locator("[data-daily] tbody tr")
    assert 1 <= days.count() <= 31
    # raw readings are folded away, and their time column says what the time is
    raw = page.locator("[data-raw-readings]")
    assert raw.get_attribute("open") is None
    raw.locator("summary").click()
    header = raw.locator("thead th").first.inner_text()
    assert "计量时间" in header and "北京时间" in header, header
    page.screenshot(path=str(artifacts / f"meter-page-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width][0] + 1
    assert not w.errors, w.errors
    page.context.close()
