"""The MQTT ingester: ``zeropark/<park>/<meter>/reading`` → validated, committed, then acknowledged.

Poison-message rule: a message that fails for any reason that is not the database being
unavailable (:func:`zeropark.store.faults.database_unavailable`) is quarantined with its raw
bytes (base64 when they are not text) and a named reason, and acknowledged; only database
unavailability is retried. No single message can crash the ingester or stall the messages
behind it (docs/ingestion.md §3).

Guarantees (DESIGN.md §5, docs/ingestion.md):

- MQTT v5, QoS 1, persistent session (``clean_start=False``, session expiry 7 days) and a large
  Receive Maximum, so the broker keeps and redelivers everything not yet acknowledged.
- Manual acknowledgement (paho-mqtt 2 ``manual_ack=True``): a PUBACK is sent only after the
  message's readings, quarantine rows and counters are committed. A crash at any point loses
  nothing: unacknowledged messages are redelivered and the idempotent write makes the repeat a
  no-op (at-least-once + idempotent = effectively once).
- Messages are written in batches (one bulk write, COPY on PostgreSQL) of up to ``batch_rows``
  readings or ``max_delay_s`` seconds, whichever comes first.
- Database down: the batch is retried with exponential backoff, nothing is acknowledged meanwhile;
  SIGTERM during the wait ends the process at once (nothing more acknowledged, all redelivered).
  The database refusing the batch for another reason: each message is written alone, and the
  one(s) refused alone are quarantined raw as ``store_refused``.
  Broker down: paho reconnects with backoff; acknowledgements of messages received on an earlier
  connection are not sent (their packet ids may have been reused) — the broker redelivers them
  on the resumed session and the duplicate is a no-op.
- SIGTERM/SIGINT: stop taking messages, flush and acknowledge what is committed, disconnect.
- After-commit listeners (:mod:`zeropark.ingest.hooks`; the rollups, wired by
  :func:`zeropark.services.ingestion.mqtt_ingester`): the spans of committed batches are merged
  and told every ``notify_every_s`` seconds from the ingest loop, after the acknowledgements, and
  once more at shutdown. A listener that fails with the database unavailable keeps its spans for
  the next tick; one that fails otherwise is logged and its spans dropped (derived data, rebuilt
  by ``zeropark ingest rollups``) — it never stops ingestion; nothing it does delays an
  acknowledgement.
- Shared subscriptions: with ``share_group="ingest"`` the subscription is
  ``$share/ingest/zeropark/#`` and the broker spreads messages over N ingesters.
- The subscription is the whole ``zeropark/#`` tree: a message on a topic of another shape than
  ``zeropark/<park>/<meter>/reading`` is quarantined as ``bad_topic`` (it would otherwise vanish);
  the platform's own alarm notifications (``zeropark/<park>/alarms``) are acknowledged and skipped.

The batching, commit, poison and retry loop is :class:`zeropark.ingest.batching.BatchIngester`,
shared with the NATS JetStream backend (:mod:`zeropark.ingest.nats`); this module is the MQTT side.

Payload: one JSON object ``{"ts": ISO-8601, "value": n, "unit"?: str}`` or a JSON array of them.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import Engine

from zeropark.ingest.batching import (
    CRASH_AFTER_COMMIT_ENV,
    CRASH_ENV,
    BatchIngester,
    BatchSettings,
    Decoded,
    Delivery,
    Stopping,
    decode_delivery,
    first_line,
)
from zeropark.ingest.hooks import CommitHooks
from zeropark.ingest.validate import DEFAULT_EARLIEST_YEAR

__all__ = [
    "CRASH_AFTER_COMMIT_ENV",
    "CRASH_ENV",
    "DEFAULT_TOPIC",
    "IngesterConfig",
    "MqttIngester",
    "parse_mqtt_url",
    "reading_topic",
]

log = logging.getLogger(__name__)

#: Topic filter: the whole ``zeropark/`` tree, so that readings on a wrong topic are quarantined
#: (``bad_topic``) rather than never received.
DEFAULT_TOPIC = "zeropark/#"
SESSION_EXPIRY_S = 7 * 24 * 3600

# the names this module had before the loop moved to zeropark.ingest.batching
_Message = Delivery
_Decoded = Decoded
_decode = decode_delivery
_Stopping = Stopping
_first_line = first_line


def reading_topic(park_id: str, meter_id: str, prefix: str = "zeropark") -> str:
    """The topic a meter publishes its readings on."""
    return f"{prefix}/{park_id}/{meter_id}/reading"


def parse_mqtt_url(url: str) -> tuple[str, int]:
    """``mqtt://host:port`` or ``host:port`` → (host, port); default port 1883."""
    parsed = urlparse(url if "://" in url else f"mqtt://{url}")
    return parsed.hostname or "127.0.0.1", parsed.port or 1883


@dataclass(frozen=True, slots=True)
class IngesterConfig:
    """Settings of one ingester process."""

    host: str = "127.0.0.1"
    port: int = 1883
    topic: str = DEFAULT_TOPIC
    share_group: str | None = None
    client_id: str = ""
    batch_rows: int = 20_000
    max_delay_s: float = 0.25
    source: str = "mqtt"
    #: tell the after-commit listeners the spans of committed data every this many seconds (0 = never)
    notify_every_s: float = 0.0
    #: readings before 1 January of this year (Asia/Shanghai) are quarantined as ``early_ts``
    earliest_year: int = DEFAULT_EARLIEST_YEAR

    @property
    def topic_depth(self) -> int:
        """Levels of a reading topic: the filter's levels before its first wildcard, plus 3."""
        levels = self.topic.split("/")
        prefix = next((i for i, lv in enumerate(levels) if lv in {"+", "#"}), len(levels))
        return prefix + 3

    @property
    def subscription(self) -> str:
        """The topic filter subscribed to (with ``$share/<group>/`` for shared subscriptions)."""
        return f"$share/{self.share_group}/{self.topic}" if self.share_group else self.topic


class MqttIngester(BatchIngester):
    """A long-running MQTT → store ingester (see the module docstring for its guarantees)."""

    def __init__(self, engine: Engine, config: IngesterConfig, *, hooks: CommitHooks | None = None) -> None:
        super().__init__(engine, BatchSettings.of(config), hooks=hooks)
        self.config = config
        self._generation = 0
        client_id = config.client_id or f"zeropark-ingest-{socket.gethostname()}-{os.getpid()}"
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe

    # -- paho callbacks (network thread) ---------------------------------------------------------
    def _on_connect(self, client: mqtt.Client, _u: Any, flags: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            log.error("MQTT connect refused: %s", reason)
            return
        self._generation += 1
        log.info(
            "connected to %s:%s (session present: %s)",
            self.config.host,
            self.config.port,
            flags.session_present,
        )
        client.subscribe(self.config.subscription, qos=1)

    def _on_subscribe(self, _c: mqtt.Client, _u: Any, _mid: int, reasons: Any, _p: Any) -> None:
        log.info("subscribed to %s (%s)", self.config.subscription, reasons)
        self._connected.set()

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self._connected.clear()
        if not self._stop.is_set():
            log.warning("MQTT disconnected (%s); reconnecting with backoff", reason)

    def _on_message(self, _c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        self._queue.put(Delivery(msg.mid, msg.qos, msg.topic, bytes(msg.payload), self._generation))

    # -- the backend -----------------------------------------------------------------------------
    def _start(self) -> None:
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        props.ReceiveMaximum = 65535
        self.client.connect_async(
            self.config.host, self.config.port, keepalive=30, clean_start=False, properties=props
        )
        self.client.loop_start()

    def _ack(self, batch: list[Delivery]) -> None:
        # a message received on an earlier connection is not acknowledged: its packet id may have
        # been reused; the broker redelivers it on the resumed session (a duplicate no-op)
        generation = self._generation
        for msg in batch:
            if msg.qos > 0 and msg.generation == generation:
                self.client.ack(msg.mid, msg.qos)

    def _close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
