"""Every web page under the enforced Content-Security-Policy in real Chromium (issue 12).

The page routes are walked from the web router itself (a new page is covered without editing
this list; path parameters come from the fixture park), loaded by a logged-in admin and by an
anonymous visitor for the login page. A page fails on any CSP violation (the browser's
``securitypolicyviolation`` event, recorded by a script the test injects before the page's own),
any console error, a missing policy header, or markup the policy would have to allow: an ``on*``
event-handler attribute or an inline ``<script>`` that is not a JSON data block.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from e2e_park import (  # noqa: F401 - fixtures used by name
    PASSWORD,
    USERS,
    YEAR,
    Server,
    browser_fixture,
    server_fixture,
)
from fastapi.routing import APIRoute

from zeropark.serving.headers import CONTENT_SECURITY_POLICY
from zeropark.web.pages import router as pages_router

pytestmark = pytest.mark.browser

#: Path parameters of the page routes, from the fixture park (e2e_park.py).
PATH_VALUES = {
    "enterprise_id": "ENT-A",
    "item_id": "N:fuel_combustion:ENT-A:diesel:2025-01",
    "meter_id": "M-A",
    "record_id": "REC-A-1",
}
#: Downloads, not pages (their headers are checked in tests/integration/test_security_headers.py).
NOT_PAGES = {"/reports/annual.pdf", "/reports/annual.xlsx"}

WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(
    e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});
"""

#: Markup the policy forbids: elements with an on* attribute, scripts that are neither external
#: nor JSON data.
FORBIDDEN_MARKUP = """() => {
  const bad = [];
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      if (a.name.toLowerCase().startsWith("on")) { bad.push(el.tagName + " " + a.name); }
    }
  }
  for (const s of document.querySelectorAll("script:not([src])")) {
    if ((s.type || "").toLowerCase() !== "application/json") {
      bad.push("inline script " + s.outerHTML.slice(0, 60));
    }
  }
  return bad;
}"""


def routes(router: Any) -> list[Any]:
    """The routes of ``router``, included routers walked (the page modules' routers, no prefix)."""
    found = []
    for route in router.routes:
        included = getattr(route, "original_router", None)  # a router included in this one
        found.extend(routes(included) if included is not None else [route])
    return found


def page_paths() -> list[str]:
    """Every GET page of the web router, path parameters filled in from the fixture park."""
    paths = []
    for route in routes(pages_router):
        if not isinstance(route, APIRoute) or "GET" not in route.methods or route.path in NOT_PAGES:
            continue
        names = re.findall(r"{(\w+)}", route.path)
        missing = [n for n in names if n not in PATH_VALUES]
        assert not missing, f"page {route.path}: add a fixture value for {missing} to PATH_VALUES"
        paths.append(route.path.format(**{n: PATH_VALUES[n] for n in names}))
    return paths


class Watched:
    """A browser context's page with its console errors and CSP violations recorded."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        self.context.add_init_script(WATCH_CSP)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def visit(self, url: str) -> None:
        """Load ``url``; fail on a missing policy, forbidden markup, a violation or a console error."""
        resp = self.page.goto(url)
        assert resp is not None and resp.status == 200, (url, resp and resp.status)
        assert resp.header_value("content-security-policy") == CONTENT_SECURITY_POLICY, url
        self.page.wait_for_load_state("networkidle")
        self.check(url)

    def check(self, where: str) -> None:
        """No forbidden markup, no CSP violation, no console error on the current page."""
        assert self.page.evaluate(FORBIDDEN_MARKUP) == [], where
        assert self.page.evaluate("window.__cspViolations") == [], where
        assert not self.errors, (where, self.errors)


def logged_in(browser: Any, server: Server, who: str) -> Watched:
    w = Watched(browser)
    w.visit(f"{server.url}/login")
    w.page.fill("#username", USERS[who][0])
    w.page.fill("#password", PASSWORD)
    w.page.click("button[type=submit]")
    w.page.wait_for_load_state("networkidle")
    w.check("after login")
    return w


def test_every_page_runs_under_the_policy(browser: Any, server: Server) -> None:
    paths = page_paths()
    # the walk found the pages (a router change that hid them would make this test pass vacuously)
    assert {"/", "/login", "/inventory", "/monitoring", "/users", "/enterprises/ENT-A"} <= set(paths)
    anonymous = Watched(browser)
    anonymous.visit(f"{server.url}/login")
    anonymous.context.close()
    w = logged_in(browser, server, "admin")
    for path in paths:
        if path == "/login":
            continue  # a logged-in visitor is redirected; visited above
        w.visit(f"{server.url}{path}?year={YEAR}")
    # the live charts and htmx partials ran (their scripts are the static files the policy allows)
    w.visit(f"{server.url}/monitoring?year={YEAR}")
    w.page.wait_for_selector("[data-chart] canvas", timeout=10_000)
    w.visit(f"{server.url}/inventory?by=source&year={YEAR}")
    w.page.click("[data-drill='national-purchased_electricity']")
    w.page.wait_for_selector("[data-line-item='N:purchased_electricity:park:electricity:2025-02']")
    w.check("inventory drill-down partial")
    w.context.close()


def test_moved_handlers_still_work(browser: Any, server: Server) -> None:
    """The year selector submits on change and sign-off asks first, without inline handlers."""
    w = logged_in(browser, server, "verifier")
    w.visit(f"{server.url}/inventory?year={YEAR}")
    # the year selector: choosing a year reloads the page for it (was onchange="this.form.submit()")
    select = w.page.locator("select[data-autosubmit]")
    years = select.locator("option").evaluate_all("os => os.map(o => o.value)")
    assert str(YEAR) in years
    with w.page.expect_navigation():
        select.select_option(str(YEAR))
    assert f"year={YEAR}" in w.page.url
    # sign-off: the confirmation is asked, and dismissing it posts nothing (was onclick="return confirm(…)")
    dialogs: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    w.page.on("dialog", dismiss)
    posts: list[str] = []
    w.page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    w.page.locator("[data-sign-off='national'] button[data-confirm]").click()
    w.page.wait_for_timeout(300)
    assert len(dialogs) == 1 and dialogs[0]
    assert posts == []
    assert w.page.locator("[data-sign-off='national']").count() == 1  # still not signed off
    w.check("after the dialogs")
    w.context.close()
