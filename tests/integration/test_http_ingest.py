"""POST /api/v1/readings: gateway API key, own meters only, JSON and CSV, per-row results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from ingest_helpers import assert_identity, make_park
from sqlalchemy import Engine

from zeropark.api.routers.ingest import router
from zeropark.errors import PermissionDenied
from zeropark.ingest.http import authenticate_gateway, create_gateway
from zeropark.settings import Settings


@pytest.fixture
def client(engine: Engine) -> TestClient:
    app = FastAPI()
    app.include_router(router)
    app.state.engine = engine
    app.state.settings = Settings()
    return TestClient(app)


def test_gateway_writes_own_meters_only(engine: Engine, client: TestClient) -> None:
    make_park(engine)
    key = create_gateway(engine, "P1", "GW1", meter_ids=["E1", "MAIN"])
    assert key.startswith("zpg_")
    ts = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0).isoformat()
    body = [
        {"meter_id": "E1", "ts": ts, "value": 3.0},
        {"meter_id": "MAIN", "ts": ts, "value": 900.0},
        {"meter_id": "SUB1", "ts": ts, "value": 1.0},  # not this gateway's meter
        {"meter_id": "E1", "ts": ts, "value": 3.0},  # repeat in the same batch: duplicate
        {"meter_id": "E1", "ts": "2026-13-01", "value": 1.0},  # malformed
        {"ts": ts, "value": 1.0},  # no meter id
    ]
    r = client.post("/api/v1/readings", json=body, headers={"X-API-Key": key})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert (doc["received"], doc["accepted"], doc["duplicates"], doc["quarantined"]) == (6, 2, 1, 3)
    statuses = {(row["index"], row["status"], row["reason"]) for row in doc["rows"]}
    assert (2, "quarantined", "forbidden_meter") in statuses
    assert (4, "quarantined", "malformed") in statuses
    # same batch again with Bearer auth: everything valid is a duplicate now
    r2 = client.post("/api/v1/readings", json=body[:2], headers={"Authorization": f"Bearer {key}"})
    assert (r2.json()["accepted"], r2.json()["duplicates"]) == (0, 2)
    assert_identity(engine, "http:GW1")


def test_csv_body_with_chinese_headers(engine: Engine, client: TestClient) -> None:
    make_park(engine)
    key = create_gateway(engine, "P1", "GW2", meter_ids=["E1"])
    csv_body = (
        "表号,时间,读数(kWh)\nE1,2026-03-01 08:00:00,1.5\nE1,2026-03-01 08:15:00,2.5\nE1,2026-03-01 08:30\n"
    )
    r = client.post(
        "/api/v1/readings", content=csv_body.encode(), headers={"X-API-Key": key, "Content-Type": "text/csv"}
    )
    assert r.status_code == 200, r.text
    doc = r.json()
    assert (doc["accepted"], doc["quarantined"]) == (2, 1)


def test_wrong_or_missing_key(engine: Engine, client: TestClient) -> None:
    make_park(engine)
    key = create_gateway(engine, "P1", "GW3")
    assert client.post("/api/v1/readings", json=[]).status_code == 401
    bad = key[:-3] + "xyz"
    assert client.post("/api/v1/readings", json=[], headers={"X-API-Key": bad}).status_code == 401
    with pytest.raises(PermissionDenied, match="invalid gateway API key"):
        authenticate_gateway(engine, "zpg_deadbeef_nothing")
    assert (
        client.post("/api/v1/readings", content=b"{not json", headers={"X-API-Key": key}).status_code == 422
    )
