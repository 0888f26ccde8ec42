"""Decoding of MQTT messages (pure part of ``zeropark.ingest.mqtt``)."""

from __future__ import annotations

import base64
import math

from zeropark.ingest.mqtt.ingester import IngesterConfig, _decode, _Message
from zeropark.ingest.quarantine import storable_raw
from zeropark.ingest.validate import Reason


def _msg(topic: str, payload: bytes) -> _Message:
    return _Message(mid=1, qos=1, topic=topic, payload=payload, generation=1)


def test_batch_payload_becomes_one_group() -> None:
    group, bad = _decode(
        _msg("zp/P1/E1/reading", b'[{"ts":"2026-03-01T00:00:00Z","value":1.5},{"ts":"x","value":2}]')
    )
    assert bad is None
    assert group == ("E1", "P1", [{"ts": "2026-03-01T00:00:00Z", "value": 1.5}, {"ts": "x", "value": 2}])


def test_nan_token_does_not_make_the_whole_batch_malformed() -> None:
    """orjson refuses the NaN token; the standard-library fallback keeps the batch, so only the
    NaN item is quarantined (reason ``nan``) and its neighbours are stored."""
    group, bad = _decode(
        _msg("zp/P1/E1/reading", b'[{"ts":"2026-03-01T00:00:00Z","value":NaN},{"ts":"t","value":3}]')
    )
    assert bad is None and group is not None
    assert math.isnan(group[2][0]["value"]) and group[2][1] == {"ts": "t", "value": 3}


def test_not_json_and_bad_topic_are_undecodable_records() -> None:
    group, bad = _decode(_msg("zp/P1/E1/reading", b"{this is not json"))
    assert group is None and bad is not None and bad.meter_id == "E1" and "is not JSON" in bad.detail
    assert bad.reason is Reason.MALFORMED and bad.raw == b"{this is not json"  # the bytes as received
    group, bad = _decode(_msg("zp/E1", b"{}"))
    assert group is None and bad is not None and bad.meter_id is None and "is not <prefix>" in bad.detail
    assert bad.reason is Reason.BAD_TOPIC


def test_wrong_topic_shapes_are_quarantined_and_alarms_skipped() -> None:
    """Under the wide ``zeropark/#`` subscription every shape but <prefix>/<park>/<meter>/reading is
    quarantined as bad_topic; the platform's own alarms (zeropark/<park>/alarms) are skipped."""
    for topic in (
        "zeropark/P1/E1",
        "zeropark/P1/E1/readings",
        "zeropark/P1/E1/reading/x",
        "zeropark//E1/reading",
    ):
        group, bad = _decode(_msg(topic, b'{"ts": "2026-03-01T00:00:00Z", "value": 1}'))
        assert group is None and bad is not None and bad.reason is Reason.BAD_TOPIC, topic
    assert _decode(_msg("zeropark/P1/alarms", b"{}")) == (None, None)
    assert IngesterConfig().subscription == "zeropark/#"
    assert IngesterConfig(share_group="g").subscription == "$share/g/zeropark/#"
    assert IngesterConfig(topic="a/b/+/+/reading").topic_depth == 5


def test_deeply_nested_payload_is_malformed_not_a_crash() -> None:
    """100 000 nested '[' made the standard-library fallback raise RecursionError, crashing the
    ingester on every redelivery."""
    payload = b"[" * 100_000
    group, bad = _decode(_msg("zp/P1/E1/reading", payload))
    assert group is None and bad is not None and bad.reason is Reason.MALFORMED
    assert "nested too deeply" in bad.detail and bad.raw == payload


def test_nul_byte_payload_is_kept_as_base64() -> None:
    """A NUL byte in a non-JSON payload: PostgreSQL text refuses NUL, so the raw bytes are kept as
    base64 rather than failing the quarantine write (which crashed the ingester)."""
    payload = b"bad\x00payload \xff"
    group, bad = _decode(_msg("zp/P1/E1/reading", payload))
    assert group is None and bad is not None
    text, encoding = storable_raw(bad.raw)
    assert encoding == "base64" and base64.b64decode(text) == payload
    assert storable_raw("plain 文本") == ("plain 文本", "text")
    assert storable_raw(b'{"a": 1}') == ('{"a": 1}', "text")
    assert storable_raw("lone \ud800")[1] == "base64"
