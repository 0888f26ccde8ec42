"""The API's per-process caches never serve what the database no longer allows — both backends.

Covers :mod:`zeropark.store.changes` (principal, park and meter-tenant caches: an ORM write in this
process invalidates at once, a write from elsewhere is honoured after the TTL) and the rendered
inventory responses (ETag / ``If-None-Match`` → 304, a sign-off changes the tag, a new run shows
up in the comparison at once, pages joined from pre-rendered line items equal the model's JSON).
Fixture park: api_support.build_park (P1; meters M-GRID park-level, M-A of E-A, M-B of E-B).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from api_support import Api, make_api
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text, update

from zeropark.api.schemas import LineItemOut, Page
from zeropark.api.shapes import line_out
from zeropark.serving.caching import TtlCache
from zeropark.store import changes, runs
from zeropark.store.changes import RUN_TOPIC, USER_TOPIC
from zeropark.store.db import transaction
from zeropark.store.schema import MeterRow, ParkRow, UserRow


class FakeClock:
    """A monotonic clock the test moves forward (seconds), instead of sleeping out a TTL."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def api(engine: Engine) -> Api:
    return make_api(engine)


def _user_id(api: Api, username: str) -> int:
    with transaction(api.engine) as s:
        row = s.query(UserRow).filter_by(username=username).one()
        return row.id


def test_deactivated_user_cached_session_stops_at_once(api: Api) -> None:
    victim = api.login("verifier")
    admin = api.login("admin")
    assert victim.get("/api/v1/parks/P1").status_code == 200  # principal now cached
    uid = _user_id(api, "verifier")
    assert admin.patch(f"/api/v1/users/{uid}", json={"active": False}).status_code == 200
    assert victim.get("/api/v1/parks/P1").status_code == 401


def test_role_change_applies_at_once(api: Api) -> None:
    user = api.login("manager")
    assert user.get("/api/v1/parks/P1/meters").json()["total"] == 3  # M-GRID, M-A, M-B
    admin = api.login("admin")
    uid = _user_id(api, "manager")
    r = admin.patch(f"/api/v1/users/{uid}", json={"role": "enterprise", "enterprise_id": "E-A"})
    assert r.status_code == 200, r.text
    items = user.get("/api/v1/parks/P1/meters").json()["items"]
    assert [m["id"] for m in items] == ["M-A"]


def test_change_from_another_process_is_honoured_after_the_ttl(api: Api) -> None:
    app: Any = api.client.app
    clock = FakeClock()
    app.state.sessions.principals = TtlCache(USER_TOPIC, 3.0, clock=clock)
    victim = api.login("verifier")
    assert victim.get("/api/v1/parks/P1").status_code == 200
    # raw SQL, as another worker or the CLI would write: no ORM event in this process
    with api.engine.begin() as conn:
        conn.execute(text("UPDATE app_user SET active = :f WHERE username = 'verifier'"), {"f": False})
    clock.advance(2.9)
    assert victim.get("/api/v1/parks/P1").status_code == 200  # still within the 3 s TTL
    clock.advance(0.3)  # 3.2 s after the login: past the TTL
    assert victim.get("/api/v1/parks/P1").status_code == 401


def test_orm_bulk_update_of_users_invalidates(api: Api) -> None:
    victim = api.login("verifier")
    assert victim.get("/api/v1/parks/P1").status_code == 200
    before = changes.generation("user")
    with transaction(api.engine) as s:
        s.execute(update(UserRow).where(UserRow.username == "verifier").values(active=False))
    assert changes.generation("user") == before + 1
    assert victim.get("/api/v1/parks/P1").status_code == 401


def test_rolled_back_user_change_does_not_invalidate(api: Api) -> None:
    before = changes.generation("user")
    with pytest.raises(RuntimeError), transaction(api.engine) as s:
        s.execute(update(UserRow).where(UserRow.username == "verifier").values(active=False))
        raise RuntimeError("abort")
    assert changes.generation("user") == before


def test_park_record_written_here_is_re_read_at_once(api: Api) -> None:
    c = api.login("manager")
    assert c.get("/api/v1/parks/P1").json()["name"] != "改名园区"
    with transaction(api.engine) as s:
        s.get_one(ParkRow, "P1").name = "改名园区"
    assert c.get("/api/v1/parks/P1").json()["name"] == "改名园区"


def test_meter_moved_to_another_enterprise_changes_access_at_once(api: Api) -> None:
    ent_a = api.login("ent_a")
    url = "/api/v1/meters/M-A/readings?start=2025-01-01T00:00:00Z&end=2025-01-02T00:00:00Z"
    assert ent_a.get(url).status_code == 200
    assert ent_a.get(url).status_code == 200  # tenant now cached
    assert api.client.app.state.caches.meter_tenants.get("M-A") == ("P1", "E-A")
    with transaction(api.engine) as s:
        s.get_one(MeterRow, "M-A").enterprise_id = "E-B"
    assert ent_a.get(url).status_code == 404


def _run(client: TestClient, method: str = "national") -> dict[str, Any]:
    r = client.post("/api/v1/parks/P1/inventory-runs", json={"year": 2025, "method": method})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def test_run_etag_304_and_sign_off_changes_the_tag(api: Api) -> None:
    manager = api.login("manager")
    run = _run(manager)
    url = f"/api/v1/inventory-runs/{run['id']}"
    first = manager.get(url)
    assert first.status_code == 200 and first.headers["cache-control"] == "private, no-cache"
    tag = first.headers["etag"]
    again = manager.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    assert manager.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    verifier = api.login("verifier")
    assert verifier.post(f"{url}/sign-off", json={"note": "ok"}).status_code == 200
    after = manager.get(url, headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["etag"] != tag
    assert after.json()["run"]["signed_off_by"] == "verifier" and after.json()["run"]["frozen"] is True


def test_enterprise_view_of_a_run_is_rendered_apart(api: Api) -> None:
    manager = api.login("manager")
    run = _run(manager, "ghg")
    url = f"/api/v1/inventory-runs/{run['id']}"
    park_view = manager.get(url).json()
    ent_run = _run(api.login("ent_a"), "ghg")  # an enterprise's own run: visible to it
    ent_view = api.login("ent_a").get(f"/api/v1/inventory-runs/{ent_run['id']}").json()
    assert set(ent_view["by_enterprise"]) <= {"E-A"} and ent_view["gaps"] == []
    assert api.login("ent_a").get(url).status_code == 404  # the park run is not the enterprise's
    assert manager.get(url).json() == park_view


def test_new_run_appears_in_compare_at_once(api: Api) -> None:
    manager = api.login("manager")
    first = _run(manager)
    assert (
        manager.get("/api/v1/parks/P1/inventory-runs/compare?year=2025").json()["national"]["run"]["id"]
        == (first["id"])
    )
    second = _run(manager)
    compare = manager.get("/api/v1/parks/P1/inventory-runs/compare?year=2025").json()
    assert compare["national"]["run"]["id"] == second["id"] > first["id"]


def test_deleted_run_is_gone_at_once(api: Api) -> None:
    manager = api.login("manager")
    run = _run(manager)
    url = f"/api/v1/inventory-runs/{run['id']}"
    assert manager.get(url).status_code == 200
    assert manager.get(f"{url}/line-items?limit=5").status_code == 200
    assert manager.delete(url).status_code == 204
    assert manager.get(url).status_code == 404
    assert manager.get(f"{url}/line-items?limit=5").status_code == 404


def test_line_item_pages_equal_the_models_json(api: Api) -> None:
    manager = api.login("manager")
    run = _run(manager)
    inv = runs.get_run(api.engine, run["id"]).inventory
    lines = list(inv.lines)
    r = manager.get(f"/api/v1/inventory-runs/{run['id']}/line-items?limit=2&offset=1")
    expected = Page[LineItemOut](
        items=[line_out(li) for li in lines[1:3]], total=len(lines), limit=2, offset=1
    )
    assert r.content == expected.model_dump_json(by_alias=True).encode()
    tag = r.headers["etag"]
    assert (
        manager.get(
            f"/api/v1/inventory-runs/{run['id']}/line-items?limit=2&offset=1", headers={"If-None-Match": tag}
        ).status_code
        == 304
    )
    assert api.login("ent_a").get(f"/api/v1/inventory-runs/{run['id']}/line-items").status_code == 404


def test_enterprise_line_item_page_holds_only_its_own_lines(api: Api) -> None:
    ent_a = api.login("ent_a")
    run = _run(ent_a)
    inv = runs.get_run(api.engine, run["id"]).inventory
    own = [li for li in inv.lines if li.enterprise_id == "E-A"]
    page = ent_a.get(f"/api/v1/inventory-runs/{run['id']}/line-items?limit=1000").json()
    assert page["total"] == len(own) > 0
    assert {li["enterprise_id"] for li in page["items"]} == {"E-A"}


def test_meter_list_page_is_re_read_after_a_meter_write(api: Api) -> None:
    c = api.login("manager")
    first = c.get("/api/v1/parks/P1/meters")
    assert [m["name"] for m in first.json()["items"] if m["id"] == "M-A"] != ["新名称"]
    tag = {"If-None-Match": first.headers["etag"]}
    assert c.get("/api/v1/parks/P1/meters", headers=tag).status_code == 304
    with transaction(api.engine) as s:
        s.get_one(MeterRow, "M-A").name = "新名称"
    after = c.get("/api/v1/parks/P1/meters", headers=tag)
    assert after.status_code == 200
    assert [m["name"] for m in after.json()["items"] if m["id"] == "M-A"] == ["新名称"]
    # an enterprise user's page is its own: only its meter, counted as such
    assert api.login("ent_a").get("/api/v1/parks/P1/meters").json()["total"] == 1


def test_line_item_drill_down_is_re_read_after_an_evidence_write(api: Api) -> None:
    """The rendered drill-down (ETag) follows a meter rename and an activity-record change at once."""
    c = api.login("manager")
    run = _run(c)
    inv = runs.get_run(api.engine, run["id"]).inventory
    metered = next(li for li in inv.lines if set(li.evidence) & {"M-GRID", "M-A", "M-B"})
    meter_id = sorted(set(metered.evidence) & {"M-GRID", "M-A", "M-B"})[0]
    url = f"/api/v1/inventory-runs/{run['id']}/line-items/{quote(metered.id, safe='')}"
    first = c.get(url)
    assert first.status_code == 200
    tag = {"If-None-Match": first.headers["etag"]}
    assert c.get(url, headers=tag).status_code == 304
    with transaction(api.engine) as s:
        s.get_one(MeterRow, meter_id).name = "更名后的电表"
    after = c.get(url, headers=tag)
    assert after.status_code == 200
    names = [e["meter"]["name"] for e in after.json()["evidence_page"]["items"] if e["id"] == meter_id]
    assert names == ["更名后的电表"]
    # an enterprise user cannot read the park run's drill-down, cached or not
    assert api.login("ent_b").get(url).status_code == 404


def test_a_dropped_database_connection_answers_503_once_then_recovers(pg_url: str) -> None:
    """The API engine has no pre-ping: a request on a killed connection gets 503 + Retry-After, the
    pool is invalidated, and the next request runs on a fresh connection (real PostgreSQL)."""
    import uuid

    from sqlalchemy import create_engine

    from zeropark.store.db import make_engine
    from zeropark.store.migrate import upgrade

    name = f"zeropark_drop_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    eng = make_engine(pg_url.rsplit("/", 1)[0] + f"/{name}", pre_ping=False)
    try:
        upgrade(eng)
        api = make_api(eng)
        c = api.login("manager")
        url = (
            "/api/v1/meters/M-A/readings?start=2025-01-01T00:00:00Z&end=2025-01-02T00:00:00Z"  # reads the db
        )
        assert c.get(url).status_code == 200
        with admin.connect() as a:
            killed = a.execute(
                text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            ).scalar_one()
        assert killed >= 1
        dropped = c.get(url)
        assert dropped.status_code == 503 and dropped.headers["retry-after"] == "1"
        assert dropped.json()["error"] == "DatabaseUnavailable"
        assert c.get(url).status_code == 200
    finally:
        eng.dispose()
        with admin.connect() as c2:
            c2.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_run_deleted_by_another_process_is_gone_after_the_ttl(api: Api) -> None:
    """A run's cached summary: raw-SQL changes (another worker, the CLI) are seen within the TTL."""
    app: Any = api.client.app
    clock = FakeClock()
    app.state.caches.run_summaries = TtlCache(RUN_TOPIC, 2.0, clock=clock)
    manager = api.login("manager")
    run = _run(manager)
    url = f"/api/v1/inventory-runs/{run['id']}"
    assert manager.get(url).status_code == 200
    with api.engine.begin() as conn:
        conn.execute(text("DELETE FROM inventory_run WHERE id = :i"), {"i": run["id"]})
    clock.advance(1.9)
    assert manager.get(url).status_code == 200  # still within the 2 s TTL (its inventory is memoised)
    clock.advance(0.3)  # 2.2 s after it was cached: past the TTL
    assert manager.get(url).status_code == 404


def test_alarm_page_follows_an_acknowledgement_at_once(api: Api) -> None:
    """The rendered alarm page (ETag) is dropped when an alarm changes through this process."""
    c = api.login("manager")
    url = "/api/v1/parks/P1/alarms?state=open"
    first = c.get(url)
    assert first.json()["total"] == 2  # one open alarm per enterprise (fixture)
    tag = {"If-None-Match": first.headers["etag"]}
    assert c.get(url, headers=tag).status_code == 304
    alarm_id = first.json()["items"][0]["id"]
    assert c.post(f"/api/v1/alarms/{alarm_id}/acknowledge").status_code == 200
    after = c.get(url, headers=tag)
    assert after.status_code == 200 and after.json()["total"] == 1
    # an enterprise user's page is its own, even with the park's page cached
    assert {a["enterprise_id"] for a in api.login("ent_b").get(url).json()["items"]} <= {"E-B"}
