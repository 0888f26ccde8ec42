"""The pages draw Chinese in the project's own Noto Sans SC (served from static/vendor/fonts).

A machine without CJK fonts would otherwise show boxes; the browser must load the shipped WOFF2
subsets for the characters on the page, and the charts use the same family.
"""

from __future__ import annotations

from typing import Any

import pytest
from e2e_park import (  # noqa: F401 - fixtures used by name
    Server,
    artifacts_fixture,
    browser_fixture,
    server_fixture,
)
from test_pages import login

pytestmark = pytest.mark.browser


def test_pages_load_the_shipped_chinese_font(browser: Any, server: Server) -> None:
    w = login(browser, server, "park_manager")
    w.page.goto(f"{server.url}/")
    w.page.wait_for_load_state("networkidle")
    w.page.evaluate("document.fonts.ready.then(() => true)")
    family = w.page.evaluate("getComputedStyle(document.body).fontFamily")
    assert family.startswith('"Noto Sans SC"'), family
    loaded = w.page.evaluate(
        "Array.from(document.fonts).filter(f => f.family.includes('Noto Sans SC')"
        " && f.status === 'loaded').length"
    )
    assert loaded >= 1  # the subsets holding the page's characters came from /static/vendor/fonts
    assert w.page.evaluate("document.fonts.check('16px \"Noto Sans SC\"', '园区碳排放')")
    # the charts draw their text in the same family
    chart_font = w.page.evaluate(
        "(() => { const n = document.querySelector('[data-chart]'); if (!n) return null;"
        " const c = echarts.getInstanceByDom(n);"
        " return c ? JSON.stringify(c.getOption().textStyle) : null; })()"
    )
    assert chart_font is not None and "Noto Sans SC" in chart_font, chart_font
    assert not w.failed and not w.errors, (w.failed, w.errors)
