"""Live monitoring over Server-Sent Events (``GET /api/v1/parks/{id}/live``) × roles, both backends.

Fixture park (api_support.build_park) plus 15-min rollups written here, 2025-01-01 00:00 UTC
(08:00 local): M-GRID 75 kWh, M-A 25 kWh, M-B 50 kWh. Power = energy / 0.25 h:
grid import 300 kW (park view), E-A's load 100 kW (its top meter M-A), E-B's 200 kW.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from api_support import ApiModule, api_module  # noqa: F401  (module-scoped fixture)
from fastapi.testclient import TestClient

from zeropark.store.db import transaction
from zeropark.store.schema import RollupRow

T0 = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
def api(api_module: ApiModule) -> ApiModule:  # noqa: F811
    if not getattr(api_module, "_live_rollups", False):
        _rollup(api_module, "M-GRID", T0, 75.0)
        _rollup(api_module, "M-A", T0, 25.0)
        _rollup(api_module, "M-B", T0, 50.0)
        api_module._live_rollups = True  # type: ignore[attr-defined]
    return api_module


def _rollup(api: ApiModule, meter: str, start: datetime, kwh: float) -> None:
    with transaction(api.engine) as s:
        s.add(
            RollupRow(
                meter_id=meter,
                bucket="15min",
                start=start,
                value=kwh,
                n_present=1,
                n_expected=1,
                n_flagged=0,
                n_filled=0,
            )
        )


def _events(r: httpx.Response) -> list[dict[str, Any]]:
    """The ``live`` events of an event-stream body."""
    out = []
    for block in r.text.split("\n\n"):
        lines = block.splitlines()
        if "event: live" in lines:
            out.append(json.loads(next(x[6:] for x in lines if x.startswith("data: "))))
    return out


def _series(event: dict[str, Any]) -> dict[str, list[float | None]]:
    return {s["key"]: s["data"] for s in event["series"]}


def test_stream_is_event_stream_in_tenant_scope(api: ApiModule) -> None:
    c = api.clients
    for user in ("admin", "manager", "verifier"):
        r = c[user].get("/api/v1/parks/P1/live?events=1")
        assert r.status_code == 200, user
        assert r.headers["content-type"].startswith("text/event-stream")
        (ev,) = _events(r)
        assert ev["x"] == ["01-01 08:00"] and ev["updated"] == "2025-01-01 08:00"
        assert _series(ev) == {"load": [300.0]}, user  # park view: boundary import 75 kWh / 0.25 h
        assert ev["latest"] == [{"key": "load", "name": "电网购入 (kW)", "kw": 300.0}]
        assert ev["option"]["series"][0]["data"] == [300.0]
    # the enterprise user's curves come from its own meter only: M-A 25 kWh / 0.25 h
    (ev,) = _events(c["ent_a"].get("/api/v1/parks/P1/live?events=1&lang=en"))
    assert _series(ev) == {"load": [100.0]} and ev["latest"][0]["name"] == "Load (kW)"
    assert ev["option"]["series"][0]["data"] == [100.0]  # neither the park import nor E-B


def test_stream_refuses_device_other_park_and_anonymous(api: ApiModule) -> None:
    c = api.clients
    n = api.audit_count("denied")
    assert c["device"].get("/api/v1/parks/P1/live?events=1").status_code == 403
    assert c["ent_a"].get("/api/v1/parks/P2/live?events=1").status_code == 404
    assert c["manager"].get("/api/v1/parks/P2/live?events=1").status_code == 404
    assert api.audit_count("denied") == n + 3
    assert [d.entity for d in api.audit_actions("denied")[-2:]] == ["park", "park"]
    assert TestClient(api.client.app).get("/api/v1/parks/P1/live?events=1").status_code == 401
    # the admin sees P2, which has no meters: an event without curves, not an error
    (ev,) = _events(c["admin"].get("/api/v1/parks/P2/live?events=1"))
    assert ev["x"] == [] and ev["option"] is None
    assert c["manager"].get("/api/v1/parks/P1/live?interval_s=0.01").status_code == 422


def test_new_rollup_is_pushed_on_the_open_stream(api: ApiModule) -> None:
    """A 15-min interval written while the stream is open arrives as the second event:
    M-GRID 100 kWh at 00:15 UTC → 100 / 0.25 = 400 kW at '01-01 08:15'."""
    start = T0 + timedelta(minutes=15)
    timer = threading.Timer(1.0, _rollup, args=(api, "M-GRID", start, 100.0))
    timer.start()
    try:
        r = api.clients["manager"].get("/api/v1/parks/P1/live?events=2&interval_s=0.2")
    finally:
        timer.join()
    first, second = _events(r)
    assert _series(first) == {"load": [300.0]}
    assert second["x"] == ["01-01 08:00", "01-01 08:15"] and _series(second) == {"load": [300.0, 400.0]}
    # an unchanged store sends no second event: the stream only pushes changes (keep-alives aside)
    assert r.text.count("event: live") == 2
