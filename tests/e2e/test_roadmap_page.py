"""The LMDI waterfall page in headless chromium, on two accounted years of the browser fixture park.

The fixture park (e2e_park: 企业A diesel 100 t in 2025, 企业B 1 000 MWh of electricity in 2025) gets a
2024: 企业A diesel 90 t, 企业B diesel 10 t and no electricity (so 企业B's electricity group is zero in
2024 and its diesel group zero in 2025 — the zero-value limit is exercised in the browser too).
Value added 2024: A 2 000, B 1 000; 2025: A 2 100, B 1 200 (10⁴ CNY). The page must draw the
chart, show the service's figures and log no error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from e2e_park import (  # noqa: F401 - fixtures used by name
    PASSWORD,
    USERS,
    artifacts_fixture,
    browser_fixture,
    fixture_park_copy,
    serve,
)

from zeropark.accounting import AccountingOptions
from zeropark.formatting import num
from zeropark.model import ActivityRecord, Carrier, Flow, Method
from zeropark.roadmap.lmdi import Effect
from zeropark.services.inventory import account_year
from zeropark.services.roadmap import lmdi
from zeropark.store import repo
from zeropark.store.scope import system_scope

pytestmark = pytest.mark.browser


def _value_added(engine: Any, values: dict[str, float]) -> None:
    for ent, va in values.items():
        repo.upsert_enterprise(engine, replace(repo.get_enterprise(engine, ent), value_added_10k_cny=va))


@pytest.fixture(scope="module")
def two_years(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    engine = fixture_park_copy(tmp_path_factory)  # the fixture park, built once a session
    for rid, ent, qty in (("REC-A-2024", "ENT-A", 90.0), ("REC-B-2024", "ENT-B", 10.0)):
        repo.add_activity_record(
            engine,
            "P1",
            ActivityRecord(
                rid,
                ent,
                Carrier.DIESEL,
                Flow.COMBUSTION,
                date(2024, 1, 1),
                date(2024, 1, 31),
                qty,
                "t",
                evidence="发票 2024",
            ),
        )
    scope = system_scope(engine, "cli")
    national = AccountingOptions(method=Method.NATIONAL)
    _value_added(engine, {"ENT-A": 2000.0, "ENT-B": 1000.0})
    account_year(scope, "P1", 2024, national, "CN-park-2025")
    _value_added(engine, {"ENT-A": 2100.0, "ENT-B": 1200.0})
    account_year(scope, "P1", 2025, national, "CN-park-2025")
    with serve(engine) as url:
        yield url, engine
    engine.dispose()


def test_lmdi_waterfall_renders_the_service_figures(
    browser: Any, two_years: tuple[str, Any], artifacts: Path
) -> None:
    url, engine = two_years
    d = lmdi(system_scope(engine, "cli"), "P1", 2024, 2025).decomposition
    # 企业B takes up electricity and drops diesel: both groups' whole changes are the mix effect
    b = d.units[1]
    assert b.unit == "ENT-B" and b.effects[Effect.MIX] == pytest.approx(b.co2_to - b.co2_from, abs=1e-9)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{url}/login")
    page.fill("#username", USERS["park_manager"][0])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.click("a[href='/roadmap/lmdi']")
    page.wait_for_load_state("networkidle")
    page.fill("input[name=from]", "2024")
    page.fill("input[name=to]", "2025")
    page.click("[data-lmdi-form] button[type=submit]")
    page.wait_for_selector("[data-chart] canvas", timeout=10_000)
    shown = {e.value: page.locator(f"[data-lmdi-effect={e.value}]").inner_text().strip() for e in Effect}
    assert shown == {e.value: num(d.additive[e], 3) for e in Effect}
    assert re.sub(r"\s", "", page.locator("[data-lmdi-change]").inner_text()) == num(d.change, 2)
    assert "电网因子效应" in page.content()
    page.screenshot(path=str(artifacts / "page-roadmap-lmdi.png"), full_page=True)
    assert not errors, errors
    context.close()
