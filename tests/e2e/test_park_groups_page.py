"""Multi-park users made through the 用户 page in a real browser, then reading /province (#20).

Four simulated parks (``write_province``, 3 days each, every park accounted for 2025 the way
``zeropark province account`` does): PRV-001 and PRV-002 in 江苏, PRV-003 and PRV-004 moved to 浙江.
An admin creates, through the new-user form, a provincial user of 江苏 (省级主管) and a park
operator group (园区运营集团) running PRV-001 (江苏) and PRV-003 (浙江). Each new user logs in and its
省级视图 lists exactly its parks: {PRV-001, PRV-002} and {PRV-001, PRV-003}; the total on the page
is the sum of those parks' stored runs (the service's figure, formatted as the page does).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from e2e_park import (  # noqa: F401 - fixtures used by name
    PASSWORD,
    artifacts_fixture,
    browser_fixture,
    serve,
)
from sqlalchemy import update

from zeropark.demo.province import write_province
from zeropark.model import Role
from zeropark.services import province
from zeropark.services.users import create_user
from zeropark.settings import get_settings
from zeropark.store.db import make_engine, transaction
from zeropark.store.migrate import upgrade
from zeropark.store.schema import ParkRow

pytestmark = pytest.mark.browser

A, B, C, D = "PRV-001", "PRV-002", "PRV-003", "PRV-004"
NEW_PASSWORD = "groups-password-1"


@dataclass(frozen=True)
class Parks:
    url: str
    #: tCO2 of each park's accounted 2025 run
    tco2: dict[str, float]


@pytest.fixture(scope="module", name="parks")
def parks_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parks]:
    db = tmp_path_factory.mktemp("park-groups") / "zeropark.db"
    url = f"sqlite:///{db}"
    engine = make_engine(url)
    upgrade(engine)
    assert write_province(engine, 4, n_enterprises=2, days=3) == [A, B, C, D]
    with transaction(engine) as s:
        s.execute(update(ParkRow).where(ParkRow.id.in_([C, D])).values(province="浙江"))
        create_user(s, username="e2e-admin", password=PASSWORD, role=Role.ADMIN)
    done = province.account_province(
        url, [A, B, C, D], 2025, factor_set=get_settings().factor_set, fanout=province.SerialFanout()
    )
    with serve(engine) as served:
        yield Parks(served, {o.park_id: o.total_tco2e for o in done.parks})
    engine.dispose()


def _login(browser: Any, url: str, username: str, password: str) -> Any:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.errors = errors
    return page


def _create(
    page: Any,
    url: str,
    username: str,
    role: str,
    *,
    province: str = "",
    parks: tuple[str, ...] = (),
    shot: Path | None = None,
) -> None:
    page.goto(f"{url}/users")
    form = page.locator("form[data-user-create]")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(NEW_PASSWORD)
    form.locator("select[name=role]").select_option(role)
    # the form shows the chosen role's binding only (app.js, data-roles)
    assert form.locator("select[name=province]").is_visible() == (role == "province")
    assert form.locator("[data-group-parks]").is_visible() == (role == "group")
    assert not form.locator("select[name=enterprise_id]").is_visible()
    assert not form.locator("select[name=park_id]").is_visible()
    if province:
        form.locator("select[name=province]").select_option(province)
    for park in parks:
        form.locator(f"input[name=parks][value='{park}']").check()
    if shot is not None:
        form.screenshot(path=str(shot))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-user-error]").count() == 0, page.locator("[data-user-error]").inner_text()
    assert username in page.locator("[data-user-done]").inner_text()


def test_an_admin_makes_multi_park_users_who_see_exactly_their_parks(
    browser: Any, parks: Parks, artifacts: Path
) -> None:
    admin = _login(browser, parks.url, "e2e-admin", PASSWORD)
    admin.goto(f"{parks.url}/users")
    # the form offers the provinces the parks are in (2 each) and every park to tick
    options = admin.locator("select[name=province] option").all_inner_texts()
    assert [o.split(" ")[0] for o in options[1:]] == ["江苏", "浙江"] and all("(2 " in o for o in options[1:])
    assert admin.locator("input[name=parks]").count() == 4
    _create(
        admin,
        parks.url,
        "js-province",
        "province",
        province="江苏",
        shot=artifacts / "users-form-province.png",
    )
    _create(admin, parks.url, "js-zj-group", "group", parks=(A, C), shot=artifacts / "users-form-group.png")
    reads = {
        row.get_attribute("data-user"): row.locator("[data-user-reads]").inner_text()
        for row in admin.locator("tr[data-user]").all()
    }
    assert reads["js-province"] == "江苏" and reads["js-zj-group"] == f"{A}, {C}"
    admin.screenshot(path=str(artifacts / "users-multi-park.png"), full_page=True)
    assert admin.errors == []

    for username, expected in (("js-province", [A, B]), ("js-zj-group", [A, C])):
        page = _login(browser, parks.url, username, NEW_PASSWORD)
        assert page.locator('nav a[href="/province"]').count() == 1, username
        page.goto(f"{parks.url}/province?year=2025")
        page.wait_for_load_state("networkidle")
        shown = [r.get_attribute("data-prov-park") for r in page.locator("tr[data-prov-park]").all()]
        assert sorted(shown) == expected, username
        assert page.locator("[data-prov-parks]").inner_text() == "2"
        total = math.fsum(parks.tco2[p] for p in expected)
        assert page.locator("[data-prov-total]").inner_text() == f"{total:,.3f}", username
        page.screenshot(path=str(artifacts / f"province-{username}.png"), full_page=True)
        assert page.errors == [], username
        page.context.close()
    admin.context.close()
