"""What every broker backend of the ingester shares: decode, batch, commit, then acknowledge.

A backend (MQTT: :mod:`zeropark.ingest.mqtt`, NATS JetStream: :mod:`zeropark.ingest.nats`) only
receives messages into the queue of a :class:`BatchIngester` and acknowledges them when told; the
batching, the idempotent commit, the poison-message rule, the retry while the database is down and
the after-commit listeners are the same code for every backend (their guarantees are in
:mod:`zeropark.ingest.mqtt.ingester`). Acknowledging only after the commit plus the idempotent
write on (meter, ts) make a redelivery — after a crash, a kill or a lost acknowledgement — a
counted duplicate, never a second row: at-least-once delivery, effectively once in the store.

Backends implement :meth:`BatchIngester._start`, :meth:`BatchIngester._ack` and
:meth:`BatchIngester._close`.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import signal
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
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
    "BatchIngester",
    "BatchSettings",
    "BrokerConfig",
    "Decoded",
    "Delivery",
    "decode_delivery",
    "first_line",
]

log = logging.getLogger(__name__)

#: The last level of a reading topic, and the topic the platform publishes its alarms on.
_READING, _ALARMS = "reading", "alarms"
#: Test hook: kill -9 the process after receiving this many messages, before committing them.
CRASH_ENV = "ZEROPARK_INGEST_CRASH_BEFORE_COMMIT"
#: Test hook: kill -9 the process after committing this many messages, before acknowledging them.
CRASH_AFTER_COMMIT_ENV = "ZEROPARK_INGEST_CRASH_AFTER_COMMIT"


@dataclass(slots=True)
class Delivery:
    """One received message: its topic (``/``-separated), raw payload and what acknowledges it.

    ``mid``/``qos``/``generation`` are MQTT's (packet id, QoS, connection number); ``handle`` is
    the backend's own message object when it acknowledges through it (NATS JetStream).
    """

    mid: int
    qos: int
    topic: str
    payload: bytes
    generation: int
    handle: Any = None


@dataclass(frozen=True, slots=True)
class BatchSettings:
    """The batching and commit settings every backend shares."""

    batch_rows: int = 20_000
    max_delay_s: float = 0.25
    source: str = "mqtt"
    notify_every_s: float = 0.0
    earliest_year: int = DEFAULT_EARLIEST_YEAR
    #: levels of a reading topic (``zeropark/<park>/<meter>/reading``: 4)
    depth: int = 4

    @classmethod
    def of(cls, config: BrokerConfig) -> BatchSettings:
        """The batch settings of a backend's configuration (MQTT's or NATS's: the same fields)."""
        return cls(
            batch_rows=config.batch_rows,
            max_delay_s=config.max_delay_s,
            source=config.source,
            notify_every_s=config.notify_every_s,
            earliest_year=config.earliest_year,
            depth=config.topic_depth,
        )


class BrokerConfig(Protocol):
    """What every backend's configuration carries for the shared loop (rows, seconds, a year)."""

    @property
    def batch_rows(self) -> int:
        """Readings per committed batch, at most."""
        ...

    @property
    def max_delay_s(self) -> float:
        """Seconds a reading waits for its batch, at most."""
        ...

    @property
    def source(self) -> str:
        """The ingest counter's source name."""
        ...

    @property
    def notify_every_s(self) -> float:
        """Seconds between after-commit notices (0 = never)."""
        ...

    @property
    def earliest_year(self) -> int:
        """Readings before 1 January of this year are quarantined."""
        ...

    @property
    def topic_depth(self) -> int:
        """Levels of a reading topic."""
        ...


#: What one message becomes: (meter, park, items) to validate, or a record to quarantine, or
#: neither (a message that is not for the ingester: the platform's own alarms).
Decoded = tuple[tuple[str, str, list[Any]] | None, Rejected | None]


def decode_delivery(msg: Delivery, depth: int = 4) -> Decoded:
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


class Stopping(Exception):
    """Shutdown was asked for while the database was unavailable: leave without acknowledging."""


class BatchIngester:
    """The broker-independent ingest loop; a backend fills :attr:`_queue` and acknowledges."""

    def __init__(self, engine: Engine, settings: BatchSettings, *, hooks: CommitHooks | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.meters = MeterDirectory(engine)
        self.hooks = hooks if hooks is not None else CommitHooks()
        self.totals = IngestOutcome()
        self._queue: queue.Queue[Delivery] = queue.Queue()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._received = 0
        crash = os.environ.get(CRASH_ENV)
        self._crash_after = int(crash) if crash else None
        crash_ack = os.environ.get(CRASH_AFTER_COMMIT_ENV)
        self._crash_before_ack = int(crash_ack) if crash_ack else None
        self._pending: dict[str, Span] = {}
        self._last_notify = time.monotonic()
        self._earliest = earliest_instant(settings.earliest_year)
        self._depth = settings.depth

    # -- what a backend provides -----------------------------------------------------------------
    def _start(self) -> None:
        """Connect and start receiving into :attr:`_queue` (in the background)."""
        raise NotImplementedError

    def _ack(self, batch: list[Delivery]) -> None:
        """Acknowledge the messages of a committed batch."""
        raise NotImplementedError

    def _close(self) -> None:
        """Disconnect (what is not acknowledged is redelivered by the broker)."""
        raise NotImplementedError

    # -- control ---------------------------------------------------------------------------------
    def start(self) -> None:
        """Connect (retrying in the background until the broker answers) and start receiving."""
        self._start()

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
        except Stopping:
            log.error(
                "shutting down with the database unavailable; %d queued message(s) not acknowledged "
                "(the broker redelivers them)",
                self._queue.qsize(),
            )
        finally:
            self._close()
        return self.totals

    # -- the loop --------------------------------------------------------------------------------
    def _collect(self) -> list[Delivery]:
        batch: list[Delivery] = []
        rows = 0
        deadline: float | None = None
        while rows < self.settings.batch_rows and not self._stop.is_set():
            timeout = 0.2 if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                msg = self._queue.get(timeout=timeout)
            except queue.Empty:
                if deadline is not None:
                    break
                continue
            if deadline is None:
                deadline = time.monotonic() + self.settings.max_delay_s
            batch.append(msg)
            rows += max(1, msg.payload.count(b'"ts"'))
        return batch

    def _drain_now(self) -> list[Delivery]:
        out: list[Delivery] = []
        while True:
            try:
                out.append(self._queue.get_nowait())
            except queue.Empty:
                return out

    def _commit_and_ack(self, batch: list[Delivery]) -> None:
        decoded = [(msg, self._decode_safely(msg)) for msg in batch]
        grouped = [g for _m, (g, _r) in decoded if g is not None]
        bad = [r for _m, (_g, r) in decoded if r is not None]
        self._received += len(batch)
        if self._crash_after is not None and self._received >= self._crash_after:
            log.error("test hook %s: kill -9 before commit", CRASH_ENV)
            os.kill(os.getpid(), signal.SIGKILL)
        try:
            outcome = self._write_with_retry(grouped, bad)
        except Stopping:
            raise
        except Exception as exc:  # not an outage: find the message(s) responsible, keep the rest
            log.warning(
                "a batch of %d message(s) was refused (%s: %s); writing them one by one",
                len(batch),
                type(exc).__name__,
                first_line(exc),
            )
            outcome = self._write_one_by_one(decoded)
        if self._crash_before_ack is not None and self._received >= self._crash_before_ack:
            log.error("test hook %s: kill -9 after commit, before ack", CRASH_AFTER_COMMIT_ENV)
            os.kill(os.getpid(), signal.SIGKILL)
        self._ack(batch)
        self.totals.add(outcome)
        if self.settings.notify_every_s > 0 and self.hooks:
            merge_spans(self._pending, outcome.touched)

    def _decode_safely(self, msg: Delivery) -> Decoded:
        """:func:`decode_delivery`, with anything it raises turned into a quarantined raw message."""
        try:
            return decode_delivery(msg, self._depth)
        except Exception as exc:
            return None, Rejected(
                None,
                None,
                Reason.MALFORMED,
                f"message on '{msg.topic}' could not be decoded ({type(exc).__name__}: {first_line(exc)})",
                msg.payload,
                msg.topic,
            )

    def _write_one_by_one(self, decoded: list[tuple[Delivery, Decoded]]) -> IngestOutcome:
        """Write each message alone; one that fails alone (not an outage) is quarantined raw."""
        total = IngestOutcome()
        for msg, (group, bad) in decoded:
            if group is None and bad is None:
                continue
            try:
                total.add(self._write_with_retry([group] if group else [], [bad] if bad else []))
                continue
            except Stopping:
                raise
            except Exception as exc:
                refused = exc
            meter = group[0] if group is not None else (bad.meter_id if bad is not None else None)
            store = database_error(refused)
            why = "the database refused it" if store else "processing it failed"
            log.warning("message on '%s' quarantined: %s (%s)", msg.topic, why, first_line(refused))
            poison = Rejected(
                meter,
                None,
                Reason.STORE_REFUSED if store else Reason.MALFORMED,
                f"{why}: {type(refused).__name__}: {first_line(refused)}",
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
                    source=self.settings.source,
                    meters=self.meters,
                    rejected=bad,
                    grouped=grouped,
                    earliest_utc=self._earliest,
                )
            except Exception as exc:
                if not database_unavailable(exc):
                    raise
                if self._stop.is_set():
                    raise Stopping from exc
                log.warning(
                    "database unavailable (%s); retrying in %.1f s, nothing acknowledged",
                    first_line(exc),
                    delay,
                )
                if self._stop.wait(delay):
                    raise Stopping from exc
                delay = min(delay * 2, 10.0)

    def _maybe_notify(self, *, force: bool = False) -> None:
        """Tell the after-commit listeners the pending spans when ``notify_every_s`` has passed."""
        if not self._pending:
            return
        if not force and time.monotonic() - self._last_notify < self.settings.notify_every_s:
            return
        pending, self._pending = self._pending, {}
        try:
            self.hooks.notify(pending)
        except Exception as exc:
            if database_unavailable(exc):  # derived data: keep the spans, retry at the next tick
                log.warning("after-commit listeners deferred: %s", first_line(exc))
                merge_spans(self._pending, pending)
            else:  # never stop ingestion for derived data; `zeropark ingest rollups` rebuilds it
                log.exception(
                    "after-commit listeners failed for %d meter(s); rebuild with `zeropark ingest rollups`",
                    len(pending),
                )
        self._last_notify = time.monotonic()


def first_line(exc: BaseException) -> str:
    """The first line of an error's message (the driver's, for a database error)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    text = str(orig).strip()
    return text.splitlines()[0] if text else type(orig).__name__
