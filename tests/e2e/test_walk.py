"""Every page, every role, two widths: screenshots, untranslated keys, overflow and console errors.

The walker discovers the pages instead of keeping a list: it starts from the role's navigation
and from every GET route the app registers (``zeropark.web.sitemap.page_routes``, which sees the
included routers), then follows the links on each page to one sample of every route with path
parameters (an enterprise, a meter, a line item — ids from the demo data). A page added by anyone
is walked without touching this file. Each page is loaded in Chinese at 1440 px and at 390 px (a
phone) in one browser; its screenshot goes to ``test-artifacts/walk/``. A page fails on

- a raw key in its visible text or drawn in a chart (series, axes, legend, categories): a
  ``snake_case`` token (``incomplete_data``), an English
  phrase in brackets (``(actual/limit)``), or a value of one of the project's enums or a
  catalogue key shown as a label (a short text without Chinese: ``electricity``, ``import``) —
  code (``<code>``, ``.mono``) and text marked ``translate="no"`` (names, citations) are left out;
- an element sticking out of the viewport that is not inside a scrolling container, or a
  document wider than the viewport;
- a console error, an uncaught exception or a failed request.

The park is the session's 30-day demo park (``e2e_park.workspace_fixture``) with one stored run
of each kind, built once.
"""

from __future__ import annotations

import enum
import importlib
import pkgutil
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from e2e_park import (  # noqa: F401 - fixtures used by name
    Workspace,
    artifacts_fixture,
    browser_fixture,
    workspace_fixture,
)

import zeropark
from zeropark.i18n import CATEGORY_LABELS, MESSAGES
from zeropark.web import pages
from zeropark.web.sitemap import PageRoute, page_routes

pytestmark = pytest.mark.browser

ROLES = ["demo-admin", "demo-manager", "demo-verifier", "demo-enterprise"]
WIDTHS = [1440, 390]

#: Routes with path parameters that no page links to, each with the reason.
NOT_LINKED = {
    "/jobs/{job_id}": "a background job's progress bar, polled by htmx after a form is sent",
    # issue #15: the demo has no admission assessment (a park manager makes one on /admission)
    "/admission/{admission_id}": "an admission assessment, linked from /admission once one is made",
    # application workspace (申报): the demo park has no uploaded evidence; the 申报 page links each
    # document it lists (tests/integration/test_application_page.py uploads and downloads one)
    "/application/documents/{document_id}/download": "an evidence document's download",
}

#: Lower-case words that may stand alone in the Chinese pages (units and product names).
#: Further samples of a route with parameters read for their links.
PROBES = 12
#: Views of one page selected by query (tabs) visited at the wide width.
VARIANTS = 6
#: Query parameters that do not select another view of a page.
NOT_A_VIEW = {"year", "page", "lang", "park", "run"}


def _view_key(query: str) -> str:
    """The view a query selects (``by=carrier``), without the parameters that keep the view."""
    pairs = sorted(p for p in query.split("&") if p and p.split("=")[0] not in NOT_A_VIEW)
    return "&".join(pairs)


ALLOWED_WORDS = {"zeropark", "kwh", "kw", "tce", "mwh", "gj", "tco2", "tco2e", "kgce", "nrmse"}


def _enum_values() -> set[str]:
    """The values of every string enum of the project (carriers, directions, reasons, kinds …)."""
    for mod in pkgutil.walk_packages(zeropark.__path__, "zeropark."):
        if mod.name.endswith("__main__") or ".ingest.mqtt" in mod.name:
            continue
        importlib.import_module(mod.name)
    values: set[str] = set()
    stack: list[type] = [enum.StrEnum]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("zeropark.") and issubclass(cls, enum.StrEnum):
            values |= {str(m.value) for m in cls}
    return values


RAW_WORDS = {w for w in (_enum_values() | set(MESSAGES) | set(CATEGORY_LABELS)) if re.fullmatch(r"[a-z]+", w)}
SNAKE = re.compile(r"(?<![\w.\-/:@])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w\-/@])")
WORD = re.compile(r"(?<![\w.\-/:@#])[a-z]{2,}(?![\w\-/@.:])")
CJK = re.compile(r"[\u3400-\u9fff]")
BRACKETED = re.compile(r"[(（]\s*[a-z]+(?:\s*/\s*[a-z]+)+\s*[)）]")

#: Visible text of the page outside code, one entry per text node (JS run in the page).
TEXT_JS = """() => {
  const skip = el => el.closest('script,style,code,pre,.mono,[translate=no],noscript');
  const visible = el => {
    const s = getComputedStyle(el); return s.display !== 'none' && s.visibility !== 'hidden';
  };
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const n = walker.currentNode, el = n.parentElement;
    if (!el || skip(el) || !visible(el) || !n.textContent.trim()) continue;
    out.push(n.textContent.trim());
  }
  document.querySelectorAll('input[placeholder],[title]').forEach(el => {
    if (skip(el)) return;
    out.push((el.getAttribute('placeholder') || '') + ' ' + (el.getAttribute('title') || ''));
  });
  return out;
}"""

#: The words drawn inside the charts (canvas): names of series, axes, legend entries, categories
#: and data items of every ECharts instance on the page (JS run in the page).
CHART_TEXT_JS = """() => {
  if (typeof echarts === 'undefined') return [];
  const out = [];
  const add = v => { if (typeof v === 'string' && v.trim()) out.push(v.trim()); };
  document.querySelectorAll('[data-chart]').forEach(node => {
    const chart = echarts.getInstanceByDom(node);
    if (!chart) return;
    const o = chart.getOption();
    (o.series || []).forEach(s => {
      add(s.name);
      (s.data || []).forEach(d => { if (d && typeof d === 'object' && !Array.isArray(d)) add(d.name); });
      (s.nodes || []).forEach(n => add(n && n.name));
    });
    ['xAxis', 'yAxis'].forEach(k => (o[k] || []).forEach(a => {
      add(a.name); (a.data || []).forEach(v => add(typeof v === 'object' && v ? v.value : v));
    }));
    (o.legend || []).forEach(l => (l.data || []).forEach(v => add(typeof v === 'object' && v ? v.name : v)));
    (o.title || []).forEach(t => add(t.text));
  });
  return out;
}"""

#: Elements that stick out of the viewport outside a scrolling container (JS run in the page).
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = el => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
    }
    return false;
  };
  const out = [];
  const doc = document.documentElement.scrollWidth;
  if (doc > width + 1) out.push('document ' + doc + 'px > ' + width + 'px');
  document.querySelectorAll('body *').forEach(el => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || getComputedStyle(el).position === 'fixed') return;
    if ((r.right > width + 1 || r.left < -1) && !scrolls(el)) {
      const named = typeof el.className === 'string' && el.className;
      const cls = named ? '.' + el.className.split(' ').join('.') : '';
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls;
      out.push(name + ' ' + Math.round(r.left) + '…' + Math.round(r.right) + 'px');
    }
  });
  return out.slice(0, 8);
}"""


def raw_keys(texts: list[str]) -> list[str]:
    """The raw keys in the visible texts of a Chinese page (see the module docstring)."""
    found: list[str] = []
    for text in texts:
        found += SNAKE.findall(text)
        found += BRACKETED.findall(text)
        # a code shown as a label: a short text without Chinese made of it (a cell, a badge, a tab)
        if not CJK.search(text) and len(text.split()) <= 3:
            found += [w for w in WORD.findall(text) if w in RAW_WORDS and w not in ALLOWED_WORDS]
    return sorted(set(found))


def test_raw_keys_are_recognised() -> None:
    """The detector itself: the raw keys the issue lists are caught, Chinese labels and codes are not."""
    assert raw_keys(["非化石 non_fossil 占比"]) == ["non_fossil"]
    assert raw_keys(["排放强度 (actual/limit)"]) == ["(actual/limit)"]
    assert raw_keys(["incomplete_data", "park_vs_parties"]) == ["incomplete_data", "park_vs_parties"]
    assert raw_keys(["electricity"]) == ["electricity"] and raw_keys(["import"]) == ["import"]
    assert raw_keys(["electricity · kWh"]) == ["electricity"]
    # quoted prose (a citation's note) is not a label
    assert raw_keys(["use the supplier's factor when known, otherwise this default for steam"]) == []
    assert raw_keys(["电力 1,234.5 kWh", "demo-park-EL-DIST", "CN-park-2025 2025.1", "M-GRID"]) == []
    assert raw_keys(["grid.fossil.cn.2022", "https://example.org/a_b", "MAPE nRMSE"]) == []


def test_the_sitemap_sees_the_pages_of_included_routers() -> None:
    """The page routes sit in included routers, which FastAPI 0.16x keeps as lazy entries: a look at
    ``router.routes`` for ``APIRoute`` finds none of them (the navigation check the issue names);
    the sitemap walks the included routers and finds every page, parameters and all."""
    routes = {r.path: r for r in page_routes(pages.router) if "GET" in r.methods}
    assert {"/", "/optimize", "/forecast", "/enterprises/{enterprise_id}", "/users"} <= set(routes)
    assert routes["/meters/{meter_id}/readings"].params == ["meter_id"]


def _pattern(route: PageRoute) -> re.Pattern[str]:
    """``/meters/{meter_id}/readings`` → a regex matching ``/meters/M-1/readings``."""
    parts = ["[^/]+" if p.startswith("{") else re.escape(p) for p in route.path.split("/")]
    return re.compile("^" + "/".join(parts) + "$")


GET_ROUTES = [r for r in page_routes(pages.router) if "GET" in r.methods and r.path != "/login"]


def _route_of(path: str) -> PageRoute | None:
    exact = [r for r in GET_ROUTES if r.path == path]
    if exact:
        return exact[0]
    return next((r for r in GET_ROUTES if r.params and _pattern(r).match(path)), None)


#: The page is drawn: the web font is ready (the charts are redrawn with it) and a frame has passed.
CHARTS_SETTLED_JS = (
    "() => document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => r(true))))"
)

#: The server's answers do not depend on the width, so a role's second walk reuses the first's:
#: (username, URL) → whether it is a page (:meth:`Walk.is_page`), and the links a probe read.
_IS_PAGE: dict[tuple[str, str], bool] = {}
_PROBED: dict[tuple[str, str], list[str]] = {}


class Walk:
    """One role at one width: the pages visited and what was wrong with each."""

    def __init__(self, browser: Any, ws: Workspace, username: str, width: int, artifacts: Path) -> None:
        self.ws = ws
        self.width = width
        self.username = username
        self.shots = artifacts / "walk"
        self.shots.mkdir(exist_ok=True)
        self.context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on(
            "response", lambda r: self.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None
        )
        self.problems: list[str] = []
        self.visited: dict[str, str] = {}  # route path → the URL visited
        self.not_pages: set[str] = set()

    def login(self) -> None:
        self.page.goto(f"{self.ws.url}/login")
        self.page.fill("#username", self.username)
        self.page.fill("#password", self.ws.passwords[self.username])
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("load")

    def is_page(self, url: str) -> bool:
        """Whether ``url`` answers a whole HTML page (not a download, a partial or a refusal)."""
        key = (self.username, url)
        if key not in _IS_PAGE:
            resp = self.context.request.get(url, max_redirects=0)
            kind = resp.headers.get("content-type", "")
            html = kind.startswith("text/html") and "<html" in resp.text()[:400]
            _IS_PAGE[key] = resp.status == 200 and html
        return _IS_PAGE[key]

    def visit(self, path_and_query: str, route: PageRoute) -> list[str]:
        """Load one page, check it, screenshot it; return the same-origin links on it."""
        url = f"{self.ws.url}{path_and_query}"
        if not self.is_page(url):
            self.not_pages.add(route.path)
            return []
        self.visited.setdefault(route.path, path_and_query)
        self.errors.clear()
        self.page.goto(url)
        self.page.wait_for_load_state("load")
        if self.page.locator("[data-chart]").count():
            # ECharts draws on DOMContentLoaded and again once the web font is ready: wait for that
            self.page.evaluate(CHARTS_SETTLED_JS)
        where = f"{self.username} {self.width}px {path_and_query}"
        keys = raw_keys(self.page.evaluate(TEXT_JS))
        if keys:
            self.problems.append(f"{where}: untranslated {keys}")
        in_charts = raw_keys(self.page.evaluate(CHART_TEXT_JS))
        if in_charts:
            self.problems.append(f"{where}: untranslated in a chart {in_charts}")
        over = self.page.evaluate(OVERFLOW_JS)
        if over:
            self.problems.append(f"{where}: overflows {over}")
        errors = [e for e in self.errors if "/live" not in e]
        if errors:
            self.problems.append(f"{where}: console/requests {errors[:5]}")
        slug = re.sub(r"[^A-Za-z0-9]+", "-", path_and_query).strip("-") or "overview"
        self.page.screenshot(
            path=str(self.shots / f"{self.username}-{self.width}-{slug}.png"), full_page=True
        )
        hrefs: list[str] = self.page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
        return [
            urlsplit(h)._replace(scheme="", netloc="").geturl() for h in hrefs if h.startswith(self.ws.url)
        ]

    def probe(self, path: str) -> list[str]:
        """The links of a further sample of a route already visited (read, not rendered)."""
        key = (self.username, path)
        if key not in _PROBED:
            resp = self.context.request.get(f"{self.ws.url}{path}", max_redirects=0)
            if resp.status != 200 or not resp.headers.get("content-type", "").startswith("text/html"):
                _PROBED[key] = []
            else:
                _PROBED[key] = [h.replace("&amp;", "&") for h in re.findall(r'href="(/[^"]*)"', resp.text())]
        return list(_PROBED[key])

    def crawl(self, start: list[str]) -> None:
        """Visit ``start`` and one sample of every route the pages link to.

        Further samples of a route with parameters (up to :data:`PROBES`) are read for their
        links only, so a page that only some rows link to (an activity record behind one line
        item) is found too. At the wide width the views of a page that its links select by query
        (tabs such as ``?by=carrier``, ``?kind=fuel``; up to :data:`VARIANTS` a page) are
        visited as well.
        """
        queue = list(start)
        probes: dict[str, int] = {}
        variants: dict[str, set[str]] = {}
        while queue:
            target = queue.pop(0)
            parts = urlsplit(target)
            route = _route_of(parts.path)
            if route is None or route.path in self.not_pages:
                continue
            path = parts.path + (f"?{parts.query}" if parts.query and route.params else "")
            view = _view_key(parts.query)
            if route.path in self.visited and not route.params and view:
                seen = variants.setdefault(route.path, set())
                if self.width < 1000 or view in seen or len(seen) >= VARIANTS:
                    continue
                seen.add(view)
                links = self.visit(f"{parts.path}?{parts.query}", route)
            elif route.path in self.visited:
                if not route.params or probes.get(route.path, 0) >= PROBES:
                    continue
                probes[route.path] = probes.get(route.path, 0) + 1
                links = self.probe(path)
            else:
                links = self.visit(path, route)
            for link in links:
                lp = urlsplit(link)
                if "lang=" in lp.query:  # the language switch: the walk stays in Chinese
                    continue
                linked = _route_of(lp.path)
                if linked is not None and linked.path not in self.not_pages:
                    if linked.path not in self.visited or linked.params or _view_key(lp.query):
                        queue.append(lp.path + (f"?{lp.query}" if lp.query else ""))


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("username", ROLES)
def test_every_page_of_every_role(
    browser: Any, ws: Workspace, artifacts: Path, username: str, width: int
) -> None:
    walk = Walk(browser, ws, username, width, artifacts)
    walk.login()
    nav = walk.page.eval_on_selector_all(".sidenav nav a[href]", "as => as.map(a => a.getAttribute('href'))")
    start = [*nav, *(r.path for r in GET_ROUTES if not r.params)]
    walk.crawl(start)
    walk.context.close()
    assert walk.problems == [], "\n".join(walk.problems)
    for href in nav:
        assert _route_of(urlsplit(href).path) is not None, f"navigation entry {href} is not a served page"
    # every page route with parameters was reached from a link (ids from the demo data)
    unreached = [
        r.path
        for r in GET_ROUTES
        if r.params
        and r.path not in walk.visited
        and r.path not in walk.not_pages
        and r.path not in NOT_LINKED
    ]
    if username == "demo-admin":  # the role that sees every page; the others see fewer
        assert unreached == [], f"no page links to {unreached}; link them or say why in NOT_LINKED"
    assert len(walk.visited) >= len(nav), walk.visited


def test_a_device_account_cannot_log_in_to_the_web(browser: Any, ws: Workspace) -> None:
    """An ingest-only device account is refused at the login form, as a wrong password is."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{ws.url}/login")
    page.fill("#username", "demo-device")
    page.fill("#password", ws.passwords["demo-device"])
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    assert "/login" in page.url and page.locator("[data-login-error]").is_visible()
    resp = page.goto(f"{ws.url}/")
    assert resp is not None and "/login" in page.url
    context.close()
