"""The daily workspace in a real browser: optimisation and forecasts started from their pages.

One demo park (示例数据, 6 enterprises, 30 days so the load model has its 21 days of history
before a backtest) is built and served once for the session (``e2e_park.workspace_fixture``).
A park manager starts a dispatch run and a forecast from the pages, watches the progress bar
and reads the result in Chinese; the figures on the page are the stored run's, read through the
same service functions the command line uses. An enterprise user sees and makes only its own
enterprise's forecast.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from e2e_park import (  # noqa: F401 - fixtures used by name
    Workspace,
    artifacts_fixture,
    browser_fixture,
    workspace_fixture,
)

from zeropark.forecast.target import Target, TargetKind
from zeropark.services import forecasting, optimization
from zeropark.store.scope import system_scope

pytestmark = pytest.mark.browser


class Watched:
    """A page with its console errors recorded."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))


def login(browser: Any, ws: Workspace, username: str, width: int = 1440) -> Watched:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    w = Watched(context.new_page())
    w.page.goto(f"{ws.url}/login")
    w.page.fill("#username", username)
    w.page.fill("#password", ws.passwords[username])
    w.page.click("button[type=submit]")
    w.page.wait_for_load_state("networkidle")
    return w


def test_optimisation_and_forecast_pages_are_in_the_navigation(browser: Any, ws: Workspace) -> None:
    """优化调度 for the park roles, 负荷预测 for every role; a verifier reads runs but gets no form."""
    for username, has_optimize in (
        ("demo-admin", True),
        ("demo-manager", True),
        ("demo-verifier", True),
        ("demo-enterprise", False),
    ):
        w = login(browser, ws, username)
        nav = w.page.locator(".sidenav nav")
        assert (nav.locator("[data-nav=optimize]").count() == 1) is has_optimize, username
        assert nav.locator("[data-nav=forecast]").count() == 1, username
        if username == "demo-verifier":
            w.page.click("[data-nav=optimize]")
            assert w.page.locator("[data-optimize-form]").count() == 0
            assert w.page.locator("[data-no-run], [data-opt-result]").count() >= 1
        w.page.context.close()


def test_manager_starts_a_dispatch_run_and_reads_it_in_chinese(
    browser: Any, ws: Workspace, artifacts: Path
) -> None:
    w = login(browser, ws, "demo-manager")
    page = w.page
    page.click("[data-nav=optimize]")
    form = page.locator("[data-optimize-form]")
    form.locator("select[name=mode]").select_option("dispatch")
    form.locator("input[name=days]").fill("2")
    form.locator("input[name=battery_kw]").fill("500")
    form.locator("input[name=battery_kwh]").fill("1000")
    form.locator("[data-start-run]").click()
    page.wait_for_selector("[data-job] progress[data-job-progress]")
    page.wait_for_url("**/optimize?run=*", timeout=120_000)
    page.wait_for_selector("[data-opt-result]")
    page.wait_for_selector("#opt-dispatch canvas")
    run_id = int(page.url.split("run=")[1].split("&")[0])
    stored = optimization.get_run(system_scope(ws.engine, "cli"), run_id)
    assert stored.status == "optimal" and stored.mode == "dispatch"
    assert stored.params["scenario"]["battery_kwh"] == 1000.0
    # the page shows the stored objective (two decimals, thousands separated)
    assert page.locator("[data-opt-objective]").inner_text() == f"{stored.objective_cny:,.2f}"
    assert page.locator("[data-run-state]").inner_text() == "最优解"
    costs = page.locator("[data-opt-costs]").inner_text()
    assert "电网电费" in costs and "需量电费" in costs and "grid_energy" not in costs
    body = page.locator("main").inner_text()
    for raw in ("dispatch", "optimal", "demand_charge", "grid_import", "battery:"):
        assert raw not in body, raw
    # the battery's state of charge is drawn with a Chinese name
    legend = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('opt-storage')).getOption().series.map(s => s.name)"
    )
    assert legend == ["储能 BESS 荷电量 (kWh)"]
    page.screenshot(path=str(artifacts / "workspace-optimize-run.png"), full_page=True)
    assert not w.errors, w.errors
    page.context.close()


def test_a_bad_form_value_is_named(browser: Any, ws: Workspace) -> None:
    w = login(browser, ws, "demo-manager")
    w.page.click("[data-nav=optimize]")
    w.page.locator("[data-optimize-form] input[name=days]").evaluate(
        "e => { e.removeAttribute('max'); e.value = '99'; }"
    )
    w.page.locator("[data-start-run]").click()
    w.page.wait_for_selector("[data-form-error]")
    assert "days" in w.page.locator("[data-form-error]").inner_text()
    w.page.context.close()


def test_manager_forecasts_the_park_load_with_interval_and_backtest(
    browser: Any, ws: Workspace, artifacts: Path
) -> None:
    w = login(browser, ws, "demo-manager")
    page = w.page
    page.click("[data-nav=forecast]")
    form = page.locator("[data-forecast-form]")
    form.locator("select[name=target]").select_option("park")
    day = form.locator("input[name=day]").input_value()
    assert day == "2025-01-30"  # the last metered day of the 30-day demo
    form.locator("input[name=backtest_days]").fill("6")
    form.locator("[data-start-forecast]").click()
    page.wait_for_selector("[data-job]")
    page.wait_for_url("**/forecast?run=*", timeout=180_000)
    page.wait_for_selector("#fc-day canvas")
    run_id = int(page.url.split("run=")[1].split("&")[0])
    stored = forecasting.get_forecast_run(system_scope(ws.engine, "cli"), run_id)
    assert stored.target == "park" and stored.params["date"] == "2025-01-30"
    pooled = stored.metrics["backtest"]["pooled"]
    assert page.locator("[data-fc-mape]").inner_text() == f"{pooled['mape'] * 100:.1f}"
    lower, upper, fc = stored.series["lower_kwh"], stored.series["upper_kwh"], stored.series["forecast_kwh"]
    assert len(lower) == len(upper) == 24 and stored.params["interval_quantiles"] == [0.1, 0.9]
    # a quantile interval need not contain a biased forecast; it is ordered and not negative
    assert all(0 <= lo <= hi for lo, hi in zip(lower, upper, strict=True)) and len(fc) == 24
    width = (sum(upper) - sum(lower)) / 24  # mean width of the 24 hourly intervals
    assert page.locator("[data-fc-interval]").inner_text() == f"{width:,.0f}"
    assert "园区用电负荷" in page.locator("[data-fc-target]").inner_text()
    # the metered day is compared with the forecast
    assert "MAPE" in page.locator("[data-fc-day-accuracy]").inner_text()
    page.screenshot(path=str(artifacts / "workspace-forecast-run.png"), full_page=True)
    assert not w.errors, w.errors
    page.context.close()


def test_enterprise_user_sees_and_makes_only_its_own_forecast(browser: Any, ws: Workspace) -> None:
    scope = system_scope(ws.engine, "cli")
    park_run = forecasting.run_forecast(
        scope, park_id=ws.park_id, target=Target(TargetKind.PV), day=date(2025, 1, 30), backtest_days=0
    )
    w = login(browser, ws, "demo-enterprise")
    page = w.page
    page.click("[data-nav=forecast]")
    options = page.locator("[data-forecast-form] select[name=target] option")
    assert options.evaluate_all("os => os.map(o => o.value)") == [f"enterprise:{ws.enterprise_id}"]
    page.locator("[data-forecast-form] input[name=backtest_days]").fill("0")
    page.locator("[data-start-forecast]").click()
    page.wait_for_url("**/forecast?run=*", timeout=120_000)
    own_id = int(page.url.split("run=")[1].split("&")[0])
    runs = page.locator("[data-fc-run]").evaluate_all("rs => rs.map(r => Number(r.dataset.fcRun))")
    assert own_id in runs and park_run.run_id not in runs
    resp = page.goto(f"{ws.url}/forecast?run={park_run.run_id}")
    assert resp is not None and resp.status == 403
    # asking for another target by hand is refused by the use case, on the job
    resp = page.request.post(
        f"{ws.url}/forecast/runs",
        form={"target": "park", "day": "2025-01-30", "backtest_days": "0"},
        headers={"X-CSRF-Token": page.evaluate("document.querySelector('meta[name=csrf-token]').content")},
    )
    assert resp.status == 200 and "data-job" in resp.text()
    job = resp.text().split('data-job="')[1].split('"')[0]
    for _ in range(60):
        state = page.request.get(f"{ws.url}/jobs/{job}").text()
        if 'data-job-state="failed"' in state:
            break
        page.wait_for_timeout(500)
    assert "enterprise user may forecast only its own enterprise" in state
    page.context.close()


def test_small_things_users_hit(browser: Any, ws: Workspace, artifacts: Path) -> None:
    """New-user form starts on the enterprise role; the import page offers the blank workbook and
    opens a past import with its rejected rows; a verifier has no import page; sign-off is a button."""
    import io

    import openpyxl

    w = login(browser, ws, "demo-admin")
    w.page.click("[data-nav=users]")
    assert w.page.locator("[data-user-create] select[name=role]").input_value() == "enterprise"
    w.page.context.close()

    w = login(browser, ws, "demo-manager")
    page = w.page
    page.click("[data-nav=import]")
    with page.expect_download() as dl:
        page.click("[data-template-download]")
    assert dl.value.suggested_filename == "企业能源消费与碳排放数据填报表.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes()))
    assert len(wb.sheetnames) >= 2
    row = page.locator("[data-import-row]").first
    row.locator("a").click()
    page.wait_for_selector("[data-import-batch]")
    assert page.locator("[data-import-status]").inner_text() == "全部拒收"
    errors = page.locator("[data-import-errors] tbody tr")
    assert errors.count() == 2 and "NO-SUCH-METER" in page.locator("[data-import-errors]").inner_text()
    page.screenshot(path=str(artifacts / "workspace-import-batch.png"), full_page=True)
    assert not w.errors, w.errors
    page.context.close()

    w = login(browser, ws, "demo-verifier")
    page = w.page
    assert page.locator(".sidenav [data-nav=import]").count() == 0
    resp = page.goto(f"{ws.url}/import")
    assert resp is not None and resp.status == 403
    page.goto(f"{ws.url}/inventory")
    button = page.locator("[data-sign-off-button]").first
    # styled like every other button of the pages: the accent colour, not the browser's grey
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(26, 127, 90)"
    page.context.close()


def test_manager_sizes_pv_and_storage_from_the_page(browser: Any, ws: Workspace) -> None:
    """容量配置: a sizing run with room for new PV and storage shows the sizes the solver chose."""
    w = login(browser, ws, "demo-manager")
    page = w.page
    page.click("[data-nav=optimize]")
    form = page.locator("[data-optimize-form]")
    form.locator("select[name=mode]").select_option("size")
    form.locator("input[name=pv_max_kw]").fill("5000")
    form.locator("input[name=battery_max_kwh]").fill("4000")
    form.locator("[data-start-run]").click()
    page.wait_for_url("**/optimize?run=*", timeout=120_000)
    page.wait_for_selector("[data-opt-result]")
    run_id = int(page.url.split("run=")[1].split("&")[0])
    stored = optimization.get_run(system_scope(ws.engine, "cli"), run_id)
    assert stored.mode == "size" and stored.params["scenario"]["pv_max_kw"] == 5000.0
    assert page.locator("[data-run-state]").inner_text() == "最优解"
    sizes = stored.result["sizes"]
    table = page.locator("[data-opt-sizes]").inner_text()
    for key, size in sizes.items():
        assert f"{size['added']:,.1f}" in table, key
    assert "光伏" in table and "储能容量" in table and "battery_energy" not in table
    assert not w.errors, w.errors
    page.context.close()
