"""Decoding of MQTT messages (pure part of ``zeropark.ingest.mqtt``)."""

from __future__ import annotations

import math

from zeropark.ingest.mqtt.ingester import _decode, _Message


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
    assert group is None and bad is not None and bad[0] == "E1" and "is not JSON" in bad[2]
    group, bad = _decode(_msg("zp/E1", b"{}"))
    assert group is None and bad is not None and bad[0] is None and "is not <prefix>" in bad[2]
