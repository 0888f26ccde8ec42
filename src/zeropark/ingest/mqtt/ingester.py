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
from sqlalchemy.exc import DBAPIError

from zeropark.ingest.hooks import CommitHooks, Span, merge_spans
from zeropark.ingest.meters import MeterDirectory
from zeropark.ingest.pipeline import IngestOutcome, ingest_items
from zeropark.ingest.validate import DEFAULT_EARLIEST_YEAR, Reason, Rejected, earliest_instant
from zeropark.store.faults import database_error, database_unavailable

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
#: The last level of a reading topic, and the topic the platform publishes its alarms on.
_READING, _ALARMS = "reading", "alarms"
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


@dataclass(slots=True)
class _Message:
    mid: int
    qos: int
    topic: str
    payload: bytes
    generation: int


#: What one message becomes: (meter, park, items) to validate, or a record to quarantine, or
#: neither (a message that is not for the ingester: the platform's own alarms).
_Decoded = tuple[tuple[str, str, list[Any]] | None, Rejected | None]


def _decode(msg: _Message, depth: int = 4) -> _Decoded:
    """One message → ``(meter, park, items)``, or a :class:`Rejected` with its raw bytes.

    ``depth`` is the number of levels of a reading topic (``zeropark/<park>/<meter>/reading``: 4).
    """
    parts = msg.topic.split("/")
    if len(parts) == depth - 1 and parts[-1] == _ALARMS:
        return None, None
    if len(parts) != depth or parts[-1] != _READING or not parts[-3] or not parts[-2]:
        return None, Rejected(
            None,
            None,
            Reason.BAD_TOPIC,
            f"topic '{msg.topic}' is not <prefix>/<park>/<meter>/reading; "
            "publish the readings of meter M in park P on zeropark/P/M/reading",
            msg.payload,
            msg.topic,
        )
    park, meter = parts[-3], parts[-2]
    try:
        doc = orjson.loads(msg.payload)
    except orjson.JSONDecodeError:
        # the standard library also reads what orjson refuses: NaN/Infinity tokens (quarantined
        # per item as `nan`, the rest of the batch stored), integers beyond 64 bits
        try:
            doc = json.loads(msg.payload)
        except (ValueError, UnicodeDecodeError) as exc:
            return None, Rejected(
                meter,
                None,
                Reason.MALFORMED,
                f"payload on '{msg.topic}' is not JSON ({exc})",
                msg.payload,
                msg.topic,
            )
        except RecursionError:
            return None, Rejected(
                meter,
                None,
                Reason.MALFORMED,
                f"payload on '{msg.topic}' is JSON nested too deeply to decode; "
                'send {"ts": …, "value": …} or a flat list of them',
                msg.payload,
                msg.topic,
            )
    return (meter, park, doc if isinstance(doc, list) else [doc]), None


class _Stopping(Exception):
    """Shutdown was asked for while the database was unavailable: leave without acknowledging."""


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
        self._earliest = earliest_instant(config.earliest_year)
        self._depth = config.topic_depth

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
        except _Stopping:
            log.error(
                "shutting down with the database unavailable; %d queued message(s) not acknowledged "
                "(the broker redelivers them)",
                self._queue.qsize(),
            )
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
        decoded = [(msg, self._decode_safely(msg)) for msg in batch]
        grouped = [g for _m, (g, _r) in decoded if g is not None]
        bad = [r for _m, (_g, r) in decoded if r is not None]
        self._received += len(batch)
        if self._crash_after is not None and self._received >= self._crash_after:
            log.error("test hook %s: kill -9 before commit", CRASH_ENV)
            os.kill(os.getpid(), signal.SIGKILL)
        try:
            outcome = self._write_with_retry(grouped, bad)
        except _Stopping:
            raise
        except Exception as exc:  # not an outage: find the message(s) responsible, keep the rest
            log.warning(
                "a batch of %d message(s) was refused (%s: %s); writing them one by one",
                len(batch),
                type(exc).__name__,
                _first_line(exc),
            )
            outcome = self._write_one_by_one(decoded)
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

    def _decode_safely(self, msg: _Message) -> _Decoded:
        """:func:`_decode`, with anything it raises turned into a quarantined raw message."""
        try:
            return _decode(msg, self._depth)
        except Exception as exc:
            return None, Rejected(
                None,
                None,
                Reason.MALFORMED,
                f"message on '{msg.topic}' could not be decoded ({type(exc).__name__}: {_first_line(exc)})",
                msg.payload,
                msg.topic,
            )

    def _write_one_by_one(self, decoded: list[tuple[_Message, _Decoded]]) -> IngestOutcome:
        """Write each message alone; one that fails alone (not an outage) is quarantined raw."""
        total = IngestOutcome()
        for msg, (group, bad) in decoded:
            if group is None and bad is None:
                continue
            try:
                total.add(self._write_with_retry([group] if group else [], [bad] if bad else []))
                continue
            except _Stopping:
                raise
            except Exception as exc:
                refused = exc
            meter = group[0] if group is not None else (bad.meter_id if bad is not None else None)
            store = database_error(refused)
            why = "the database refused it" if store else "processing it failed"
            log.warning("message on '%s' quarantined: %s (%s)", msg.topic, why, _first_line(refused))
            poison = Rejected(
                meter,
                None,
                Reason.STORE_REFUSED if store else Reason.MALFORMED,
                f"{why}: {type(refused).__name__}: {_first_line(refused)}",
                msg.payload,
                msg.topic,
            )
            total.add(self._write_with_retry([], [poison]))
        return total

    def _write_with_retry(
        self, grouped: list[tuple[str, str, list[Any]]], bad: list[Rejected]
    ) -> IngestOutcome:
        """Write, retrying while the database is unavailable; anything else is raised to the caller."""
        delay = 0.5
        while True:
            try:
                return ingest_items(
                    self.engine,
                    (),
                    source=self.config.source,
                    meters=self.meters,
                    rejected=bad,
                    grouped=grouped,
                    earliest_utc=self._earliest,
                )
            except Exception as exc:
                if not database_unavailable(exc):
                    raise
                if self._stop.is_set():
                    raise _Stopping from exc
                log.warning(
                    "database unavailable (%s); retrying in %.1f s, nothing acknowledged",
                    _first_line(exc),
                    delay,
                )
                if self._stop.wait(delay):
                    raise _Stopping from exc
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
        except Exception as exc:
            if database_unavailable(exc):  # derived data: keep the spans, retry at the next tick
                log.warning("after-commit listeners deferred: %s", _first_line(exc))
                merge_spans(self._pending, pending)
            else:  # never stop ingestion for derived data; `zeropark ingest rollups` rebuilds it
                log.exception(
                    "after-commit listeners failed for %d meter(s); rebuild with `zeropark ingest rollups`",
                    len(pending),
                )
        self._last_notify = time.monotonic()


def _first_line(exc: BaseException) -> str:
    """The first line of an error's message (the driver's, for a database error)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    text = str(orig).strip()
    return text.splitlines()[0] if text else type(orig).__name__
