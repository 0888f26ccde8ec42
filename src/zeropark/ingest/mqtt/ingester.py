"""The MQTT ingester: ``zeropark/<park>/<meter>/reading`` → validated, committed, then acknowledged.

Guarantees (DESIGN.md §5, docs/ingestion.md):

- MQTT v5, QoS 1, persistent session (``clean_start=False``, session expiry 7 days) and a large
  Receive Maximum, so the broker keeps and redelivers everything not yet acknowledged.
- Manual acknowledgement (paho-mqtt 2 ``manual_ack=True``): a PUBACK is sent only after the
  message's readings, quarantine rows and counters are committed. A crash at any point loses
  nothing: unacknowledged messages are redelivered and the idempotent write makes the repeat a
  no-op (at-least-once + idempotent = effectively once).
- Messages are written in batches (one bulk write, COPY on PostgreSQL) of up to ``batch_rows``
  readings or ``max_delay_s`` seconds, whichever comes first.
- Database down: the batch is retried with exponential backoff, nothing is acknowledged meanwhile.
  Broker down: paho reconnects with backoff; acknowledgements of messages received on an earlier
  connection are not sent (their packet ids may have been reused) — the broker redelivers them
  on the resumed session and the duplicate is a no-op.
- SIGTERM/SIGINT: stop taking messages, flush and acknowledge what is committed, disconnect.
- After-commit listeners (:mod:`zeropark.ingest.hooks`; the rollups, wired by
  :func:`zeropark.services.ingestion.mqtt_ingester`): the spans of committed batches are merged
  and told every ``notify_every_s`` seconds from the ingest loop, after the acknowledgements, and
  once more at shutdown. A listener that fails with the database unavailable keeps its spans for
  the next tick; nothing it does delays an acknowledgement.
- Shared subscriptions: with ``share_group="ingest"`` the subscription is
  ``$share/ingest/zeropark/+/+/reading`` and the broker spreads messages over N ingesters.

Payload: one JSON object ``{"ts": ISO-8601, "value": n, "unit"?: str}`` or a JSON array of them.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import signal
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from zeropark.ingest.hooks import CommitHooks, Span, merge_spans
from zeropark.ingest.meters import MeterDirectory
from zeropark.ingest.pipeline import IngestOutcome, ingest_items

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

#: Topic filter of all meter readings of all parks.
DEFAULT_TOPIC = "zeropark/+/+/reading"
#: Test hook: kill -9 the process after receiving this many messages, before committing them.
CRASH_ENV = "ZEROPARK_INGEST_CRASH_BEFORE_COMMIT"
#: Test hook: kill -9 the process after committing this many messages, before acknowledging them.
CRASH_AFTER_COMMIT_ENV = "ZEROPARK_INGEST_CRASH_AFTER_COMMIT"
SESSION_EXPIRY_S = 7 * 24 * 3600


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

    @property
    def subscription(self) -> str:
        """The topic filter subscribed to (with ``$share/<group>/`` for shared subscriptions)."""
        return f"$share/{self.share_group}/{self.topic}" if self.share_group else self.topic


@dataclass(slots=True)
class _Message:
    mid: int
    qos: int
    topic: str
    payload: bytes
    generation: int


def _decode(
    msg: _Message,
) -> tuple[tuple[str, str, list[Any]] | None, tuple[str | None, str, str] | None]:
    """One message → ``(meter, park, items)`` or an undecodable record ``(meter, raw, detail)``."""
    parts = msg.topic.split("/")
    if len(parts) < 4 or parts[-1] != "reading":
        raw_text = msg.payload.decode("utf-8", errors="replace")
        return None, (None, raw_text, f"topic '{msg.topic}' is not <prefix>/<park>/<meter>/reading")
    park, meter = parts[-3], parts[-2]
    try:
        doc = orjson.loads(msg.payload)
    except orjson.JSONDecodeError:
        # the standard library also reads what orjson refuses: NaN/Infinity tokens (quarantined
        # per item as `nan`, the rest of the batch stored), integers beyond 64 bits
        try:
            doc = json.loads(msg.payload)
        except (ValueError, UnicodeDecodeError) as exc:
            raw_text = msg.payload.decode("utf-8", errors="replace")
            return None, (meter, raw_text, f"payload on '{msg.topic}' is not JSON ({exc})")
    return (meter, park, doc if isinstance(doc, list) else [doc]), None


class MqttIngester:
    """A long-running MQTT → store ingester (see the module docstring for its guarantees)."""

    def __init__(self, engine: Engine, config: IngesterConfig, *, hooks: CommitHooks | None = None) -> None:
        self.engine = engine
        self.config = config
        self.meters = MeterDirectory(engine)
        self.hooks = hooks if hooks is not None else CommitHooks()
        self.totals = IngestOutcome()
        self._queue: queue.Queue[_Message] = queue.Queue()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._generation = 0
        self._received = 0
        crash = os.environ.get(CRASH_ENV)
        self._crash_after = int(crash) if crash else None
        crash_ack = os.environ.get(CRASH_AFTER_COMMIT_ENV)
        self._crash_before_ack = int(crash_ack) if crash_ack else None
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
        self._pending: dict[str, Span] = {}
        self._last_notify = time.monotonic()

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
        self._queue.put(_Message(msg.mid, msg.qos, msg.topic, bytes(msg.payload), self._generation))

    # -- main loop -------------------------------------------------------------------------------
    def start(self) -> None:
        """Connect (retrying in the background until the broker answers) and start the network loop."""
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        props.ReceiveMaximum = 65535
        self.client.connect_async(
            self.config.host, self.config.port, keepalive=30, clean_start=False, properties=props
        )
        self.client.loop_start()

    def wait_subscribed(self, timeout: float = 10.0) -> bool:
        """Block until the subscription is active (tests, benchmarks)."""
        return self._connected.wait(timeout)

    def stop(self) -> None:
        """Ask the loop to flush, acknowledge and exit."""
        self._stop.set()

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT trigger a clean shutdown."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stop())

    def run(self) -> IngestOutcome:
        """Consume until :meth:`stop`; returns the totals of this process."""
        self.start()
        try:
            while not self._stop.is_set():
                batch = self._collect()
                if batch:
                    self._commit_and_ack(batch)
                self._maybe_notify()
            # drain what already arrived, commit and ack it, then leave
            batch = self._drain_now()
            if batch:
                self._commit_and_ack(batch)
            self._maybe_notify(force=True)
        finally:
            self.client.disconnect()
            self.client.loop_stop()
        return self.totals

    def _collect(self) -> list[_Message]:
        batch: list[_Message] = []
        rows = 0
        deadline: float | None = None
        while rows < self.config.batch_rows and not self._stop.is_set():
            timeout = 0.2 if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                msg = self._queue.get(timeout=timeout)
            except queue.Empty:
                if deadline is not None:
                    break
                continue
            if deadline is None:
                deadline = time.monotonic() + self.config.max_delay_s
            batch.append(msg)
            rows += max(1, msg.payload.count(b'"ts"'))
        return batch

    def _drain_now(self) -> list[_Message]:
        out: list[_Message] = []
        while True:
            try:
                out.append(self._queue.get_nowait())
            except queue.Empty:
                return out

    def _commit_and_ack(self, batch: list[_Message]) -> None:
        grouped: list[tuple[str, str | None, list[Any]]] = []
        bad: list[tuple[str | None, str, str]] = []
        for msg in batch:
            group, undecodable = _decode(msg)
            if group is not None:
                grouped.append(group)
            if undecodable is not None:
                bad.append(undecodable)
        self._received += len(batch)
        if self._crash_after is not None and self._received >= self._crash_after:
            log.error("test hook %s: kill -9 before commit", CRASH_ENV)
            os.kill(os.getpid(), signal.SIGKILL)
        outcome = self._write_with_retry(grouped, bad)
        if self._crash_before_ack is not None and self._received >= self._crash_before_ack:
            log.error("test hook %s: kill -9 after commit, before ack", CRASH_AFTER_COMMIT_ENV)
            os.kill(os.getpid(), signal.SIGKILL)
        generation = self._generation
        for msg in batch:
            if msg.qos > 0 and msg.generation == generation:
                self.client.ack(msg.mid, msg.qos)
        self.totals.add(outcome)
        if self.config.notify_every_s > 0 and self.hooks:
            merge_spans(self._pending, outcome.touched)

    def _write_with_retry(
        self, grouped: list[tuple[str, str | None, list[Any]]], bad: list[tuple[str | None, str, str]]
    ) -> IngestOutcome:
        delay = 0.5
        while True:
            try:
                return ingest_items(
                    self.engine,
                    (),
                    source=self.config.source,
                    meters=self.meters,
                    undecodable=bad,
                    grouped=grouped,
                )
            except (OperationalError, DBAPIError) as exc:
                if (
                    isinstance(exc, DBAPIError)
                    and not exc.connection_invalidated
                    and not isinstance(exc, OperationalError)
                ):
                    raise
                if self._stop.is_set():
                    log.error(
                        "shutting down with the database unavailable; batch not acknowledged (redelivered)"
                    )
                    raise
                log.warning(
                    "database unavailable (%s); retrying in %.1f s, nothing acknowledged", exc.orig, delay
                )
                time.sleep(delay)
                delay = min(delay * 2, 10.0)

    def _maybe_notify(self, *, force: bool = False) -> None:
        """Tell the after-commit listeners the pending spans when ``notify_every_s`` has passed."""
        if not self._pending:
            return
        if not force and time.monotonic() - self._last_notify < self.config.notify_every_s:
            return
        pending, self._pending = self._pending, {}
        try:
            self.hooks.notify(pending)
        except OperationalError as exc:  # derived data: keep the spans, retry at the next tick
            log.warning("after-commit listeners deferred: %s", exc.orig)
            merge_spans(self._pending, pending)
        self._last_notify = time.monotonic()
