"""Alarms: meter-tree imbalance, missing data, threshold; MQTT publish and a real local webhook."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from ingest_helpers import make_park
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Engine

from zeropark.ingest.meters import MeterDirectory
from zeropark.ingest.pipeline import ingest_items
from zeropark.monitoring.alarms import acknowledge, add_rule, alarm_topic, close, evaluate_rules, list_alarms
from zeropark.monitoring.rollups import update_rollups

DAY0 = datetime(2026, 3, 1, 16, tzinfo=UTC)  # local 2026-03-02 00:00
NOW = DAY0 + timedelta(days=1, hours=2)


def _hourly(engine: Engine, meter: str, kwh_per_h: float, hours: int = 24) -> None:
    items = [
        (meter, {"ts": (DAY0 + timedelta(hours=h + 1)).isoformat(), "value": kwh_per_h}) for h in range(hours)
    ]
    out = ingest_items(engine, items, source="test", meters=MeterDirectory(engine), now_utc=NOW)
    update_rollups(engine, out.touched)


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Any:
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/alarm", _Hook.received
    server.shutdown()


def test_meter_tree_imbalance_alarm_published_and_webhooked(
    engine: Engine, mqtt_broker: tuple[str, int], webhook: Any
) -> None:
    host, port = mqtt_broker
    url, received = webhook
    park = f"PA{uuid.uuid4().hex[:6]}"
    make_park(engine, park)
    # MAIN 100 kWh/h, SUB1 40, SUB2 50 → day: parent 2400, children 2160, loss 240 = 10 % > 5 %
    _hourly(engine, "MAIN", 100.0)
    _hourly(engine, "SUB1", 40.0)
    _hourly(engine, "SUB2", 50.0)
    add_rule(
        engine,
        park,
        "imbalance",
        meter_id="MAIN",
        params={"bucket": "day", "tolerance_pct": 5.0},
        webhook_url=url,
    )
    messages: list[bytes] = []
    sub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"t-alarm-{uuid.uuid4().hex[:6]}")
    got = threading.Event()
    sub.on_message = lambda _c, _u, m: (messages.append(m.payload), got.set())
    sub.connect(host, port)
    sub.subscribe(alarm_topic(park), qos=1)
    sub.loop_start()
    try:
        new = evaluate_rules(engine, park, now_utc=NOW, mqtt_url=f"mqtt://{host}:{port}")
        assert len(new) == 1
        a = new[0]
        assert a.kind == "imbalance" and a.state == "open"
        assert a.detail["parent"] == 2400.0 and a.detail["children"] == 2160.0
        assert a.detail["loss_share"] == pytest.approx(0.10)
        assert got.wait(10), "alarm not published on MQTT"
        assert json.loads(messages[0])["id"] == a.id
        assert received and received[0]["kind"] == "imbalance" and received[0]["meter_id"] == "MAIN"
        # evaluating again opens nothing new for the same bucket
        assert evaluate_rules(engine, park, now_utc=NOW, notify=False) == []
    finally:
        sub.loop_stop()
    assert acknowledge(engine, a.id, user="op").state == "acknowledged"
    assert close(engine, a.id).state == "closed"
    assert [x.state for x in list_alarms(engine, park)] == ["closed"]


def test_balanced_tree_raises_nothing(engine: Engine) -> None:
    make_park(engine)
    # parent 100, children 60 + 38 → loss 2 % < 5 %
    _hourly(engine, "MAIN", 100.0)
    _hourly(engine, "SUB1", 60.0)
    _hourly(engine, "SUB2", 38.0)
    add_rule(engine, "P1", "imbalance", meter_id="MAIN", params={"bucket": "day", "tolerance_pct": 5.0})
    assert evaluate_rules(engine, "P1", now_utc=NOW, notify=False) == []


def test_missing_data_and_threshold(engine: Engine) -> None:
    make_park(engine)
    _hourly(engine, "SUB1", 40.0, hours=20)  # last reading DAY0 + 20 h
    add_rule(engine, "P1", "missing_data", meter_id="SUB1", params={"intervals": 4})
    add_rule(
        engine, "P1", "threshold", meter_id="SUB1", params={"bucket": "hour", "max": 35.0, "lookback_h": 2}
    )
    # at DAY0 + 23 h: 3 h without data < 4 intervals of 1 h → no missing-data alarm;
    # the hour buckets 21:00 and 22:00 local… threshold looks back 2 h over rollups starting ≥ 21 h: none
    assert evaluate_rules(engine, "P1", now_utc=DAY0 + timedelta(hours=23), notify=False) == []
    new = evaluate_rules(engine, "P1", now_utc=DAY0 + timedelta(hours=25), notify=False)
    assert [a.kind for a in new] == ["missing_data"]
    # data flows again → the missing-data alarm closes itself
    _hourly(engine, "SUB1", 30.0, hours=25)
    evaluate_rules(engine, "P1", now_utc=DAY0 + timedelta(hours=25), notify=False)
    assert [a.state for a in list_alarms(engine, "P1", state="closed")] == ["closed"]
    # threshold: hours with 40 kWh > 35 in the last 26 h
    add_rule(
        engine, "P1", "threshold", meter_id="SUB2", params={"bucket": "hour", "max": 1.0, "lookback_h": 48}
    )
    _hourly(engine, "SUB2", 2.0, hours=2)
    new = evaluate_rules(engine, "P1", now_utc=DAY0 + timedelta(hours=25), notify=False)
    assert sorted(a.meter_id or "" for a in new if a.kind == "threshold") == ["SUB2", "SUB2"]
