"""NATS JetStream ingest (NATS采集): ``zeropark.<park>.<meter>.reading`` → committed, then acked.

The ingester is :class:`~zeropark.ingest.nats.ingester.NatsIngester` (its guarantees are in that
module's docstring). ``python -m zeropark.ingest.nats`` runs it as a process
(:mod:`zeropark.ingest.nats.__main__`, an entry point wired by :mod:`zeropark.services.ingestion`;
importing this package does not load it).
"""

from __future__ import annotations

from zeropark.ingest.nats.ingester import (
    DEFAULT_DURABLE,
    DEFAULT_STREAM,
    DEFAULT_SUBJECT,
    NatsConfig,
    NatsIngester,
    reading_subject,
    subject_topic,
)

__all__ = [
    "DEFAULT_DURABLE",
    "DEFAULT_STREAM",
    "DEFAULT_SUBJECT",
    "NatsConfig",
    "NatsIngester",
    "reading_subject",
    "subject_topic",
]
