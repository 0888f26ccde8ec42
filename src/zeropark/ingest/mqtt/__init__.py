"""MQTT ingest (MQTT采集): ``zeropark/<park>/<meter>/reading`` → validated, committed, then acknowledged.

The ingester is :class:`~zeropark.ingest.mqtt.ingester.MqttIngester` (its guarantees are in that
module's docstring). ``python -m zeropark.ingest.mqtt`` runs it as a process
(:mod:`zeropark.ingest.mqtt.__main__`, an entry point wired by :mod:`zeropark.services.ingestion`;
importing this package does not load it).
"""

from __future__ import annotations

from zeropark.ingest.mqtt.ingester import (
    CRASH_AFTER_COMMIT_ENV,
    CRASH_ENV,
    DEFAULT_TOPIC,
    IngesterConfig,
    MqttIngester,
    parse_mqtt_url,
    reading_topic,
)

__all__ = [
    "CRASH_AFTER_COMMIT_ENV",
    "CRASH_ENV",
    "DEFAULT_TOPIC",
    "IngesterConfig",
    "MqttIngester",
    "parse_mqtt_url",
    "reading_topic",
]
