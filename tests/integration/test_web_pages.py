"""Web pages over the demo park on SQLite and real PostgreSQL (server-side, no browser).

Every page answers 200 for a park user; the overview's total is the accounting engine's total for
the same stored data; an enterprise user gets 404 for another enterprise's pages.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from demo_parks import DemoPark, demo_park_fixture  # noqa: F401 - fixture used by name
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import login_form
from zeropark.accounting import AccountingOptions
from zeropark.model import Method

PAGES = [
    "/",
    "/inventory",
    "/inventory?by=scope",
    "/inventory?by=enterprise",
    "/inventory?by=carrier",
    "/inventory?by=month",
    "/inventory/items?method=national",
    "/inventory/items?method=ghg&by=scope&key=scope1",
    "/monitoring",
    "/enterprises",
    "/alarms",
    "/quality",
    "/factors",
    "/import",
    "/reports",
    "/users",
    "/reports/annual.xlsx",
]


@pytest.fixture
def demo_app(demo_park: DemoPark) -> tuple[TestClient, dict[str, str], Any]:
    """The app on a fresh copy of the accounted demo park (both backends), its passwords, the park."""
    from zeropark.app import create_app

    return TestClient(create_app(demo_park.engine)), demo_park.passwords, demo_park.generated


def _login(client: TestClient, username: str, password: str) -> None:
    r = login_form(client, username, password)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_every_page_answers_for_the_park_manager(demo_park: DemoPark, demo_app: Any) -> None:
    from zeropark.accounting import run
    from zeropark.factors import load_factor_set
    from zeropark.store.aggregate import load_accounting_input

    client, passwords, park = demo_app
    engine = demo_park.engine
    _login(client, "demo-admin", passwords["demo-admin"])
    for path in PAGES:
        sep = "&" if "?" in path else "?"
        r = client.get(f"{path}{sep}year={park.year}")
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
    # the overview total is the engine's total for the same data (national method)
    expected = run(
        load_accounting_input(engine, park.park.id, park.year),
        load_factor_set(),
        AccountingOptions(method=Method.NATIONAL),
    ).total_tco2e
    html = client.get(f"/?year={park.year}").text
    shown = re.search(r'data-drill="total">([\d,\.]+)<', html)
    assert shown is not None
    assert float(shown.group(1).replace(",", "")) == pytest.approx(expected, abs=0.05)
    assert "示例数据" in html


def test_enterprise_user_gets_404_for_other_enterprises(demo_park: DemoPark, demo_app: Any) -> None:
    from zeropark.store.schema import EnterpriseRow, UserRow

    client, passwords, park = demo_app
    engine = demo_park.engine
    _login(client, "demo-enterprise", passwords["demo-enterprise"])
    with engine.connect() as c:
        own = c.execute(select(UserRow.enterprise_id).where(UserRow.username == "demo-enterprise")).scalar()
        others = list(
            c.execute(
                select(EnterpriseRow.id).where(EnterpriseRow.park_id == park.park.id, EnterpriseRow.id != own)
            ).scalars()
        )
    assert own and others
    assert client.get(f"/enterprises/{own}?year={park.year}").status_code == 200
    for other in others:
        r = client.get(f"/enterprises/{other}?year={park.year}")
        assert r.status_code == 404, other
    # line items of the enterprise view belong to the user's own enterprise only
    html = client.get(f"/inventory/items?method=national&year={park.year}&view={others[0]}").text
    item_ids = re.findall(r'data-line-item="([^"]+)"', html)
    assert item_ids and all(own in i for i in item_ids), item_ids
    assert client.get(f"/users?year={park.year}").status_code == 403


def test_verifier_signs_off_a_run_from_the_inventory_page(demo_park: DemoPark, demo_app: Any) -> None:
    """A verifier's sign-off form freezes the stored run (CSRF required, audited); others may not sign."""
    from zeropark.accounting import AccountingOptions, run
    from zeropark.factors import load_factor_set
    from zeropark.model import Method
    from zeropark.services.symbiosis import with_symbiosis
    from zeropark.store import runs
    from zeropark.store.aggregate import load_accounting_input
    from zeropark.store.schema import AuditLogRow
    from zeropark.store.scope import system_scope

    client, passwords, park = demo_app
    engine = demo_park.engine
    inv = run(  # the input every accounting of the park reads: with its realised exchanges' claims (#18)
        with_symbiosis(system_scope(engine, "test"), load_accounting_input(engine, park.park.id, park.year)),
        load_factor_set(),
        AccountingOptions(method=Method.NATIONAL),
    )
    run_id = runs.save_run(engine, inv, created_by="test")

    # a park manager sees no form and is refused (403, audited)
    _login(client, "demo-manager", passwords["demo-manager"])
    assert f"/inventory/runs/{run_id}/sign-off" not in client.get(f"/inventory?year={park.year}").text
    r = client.post(
        f"/inventory/runs/{run_id}/sign-off",
        data={"csrf_token": client.cookies["csrf_token"], "note": "x"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert runs.get_run(engine, run_id).summary.signed_off_by is None

    client.cookies.clear()
    _login(client, "demo-verifier", passwords["demo-verifier"])
    html = client.get(f"/inventory?year={park.year}").text
    assert f'action="/inventory/runs/{run_id}/sign-off"' in html
    # without the CSRF token the form post is refused
    r = client.post(f"/inventory/runs/{run_id}/sign-off", data={"note": "ok"}, follow_redirects=False)
    assert r.status_code == 403
    r = client.post(
        f"/inventory/runs/{run_id}/sign-off",
        data={"csrf_token": client.cookies["csrf_token"], "note": "核查通过"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    summary = runs.get_run(engine, run_id).summary
    assert summary.signed_off_by == "demo-verifier"
    # frozen: a second sign-off is a conflict, and the form is gone
    r = client.post(
        f"/inventory/runs/{run_id}/sign-off",
        data={"csrf_token": client.cookies["csrf_token"]},
        follow_redirects=False,
    )
    assert r.status_code == 409
    assert f"/inventory/runs/{run_id}/sign-off" not in client.get(f"/inventory?year={park.year}").text
    with engine.connect() as c:
        actions = set(
            c.execute(select(AuditLogRow.action).where(AuditLogRow.entity_id == str(run_id))).scalars()
        )
    assert {"sign_off", "denied"} <= actions
    # one sign-off function for the API and the page: the same before/after payload (run summaries)
    with engine.connect() as c:
        rec = c.execute(
            select(AuditLogRow).where(AuditLogRow.entity_id == str(run_id), AuditLogRow.action == "sign_off")
        ).one()
    assert rec.before["frozen"] is False and rec.before["signed_off_by"] is None
    assert rec.after["frozen"] is True and rec.after["signed_off_by"] == "demo-verifier"
    assert rec.after["sign_off_note"] == "核查通过" and rec.after["id"] == run_id
