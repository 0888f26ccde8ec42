"""The NATS JetStream ingester: subject ``zeropark.<park>.<meter>.reading`` → committed, then acked.

The second broker backend behind the same ingest loop as MQTT
(:class:`zeropark.ingest.batching.BatchIngester`: batching, idempotent commit, poison messages,
retry while the database is down, after-commit listeners are the same code).

- One **durable pull consumer** shared by every ingester process (default ``zeropark-ingest``):
  JetStream hands each message to one of them; adding a process adds throughput.
- **Explicit acknowledgement after the DB commit.** A message not acknowledged within
  ``ack_wait_s`` (the process was killed, hung or lost its connection) is redelivered to any
  live member of the consumer; the idempotent write on (meter, ts) makes the repeat a counted
  duplicate. At-least-once delivery, effectively once in the store.
- The stream (default ``ZEROPARK``, subjects ``zeropark.>``) is created with work-queue retention
  when it does not exist: an acknowledged message is removed from the stream. An existing stream
  is used as it is.
- Devices may publish over MQTT to the NATS server's MQTT listener: topic
  ``zeropark/P/M/reading`` arrives as subject ``zeropark.P.M.reading``, which this ingester
  reads back as the topic (so the topic rules and quarantine reasons are those of MQTT). The
  reading back is the server's own inverse mapping (:func:`subject_topic`): a ``.`` inside an id
  (``E1.5``, allowed by the meter register) is ``//`` in the subject (nats-server releases with
  its pull request #4243, mid-2023; Debian 12's 2.9.10 refuses such a topic), an empty level
  ``/``. The stream's subject filter (``--subject``) is the devices' topic prefix with ``.`` for
  ``/``, then ``.>``: ``zeropark.>`` for the gateway's default prefix ``zeropark``.
- Flow control: at most ``max_inflight`` messages are fetched and not yet acknowledged by this
  process, so nothing waits in memory long enough for its ``ack_wait`` to run out.

asyncio (nats-py) runs in a background thread; the ingest loop stays the synchronous one.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from dataclasses import dataclass
from typing import Any

import nats
from nats.aio.client import Client as NatsClient
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, RetentionPolicy, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError
from sqlalchemy import Engine

from zeropark.ingest.batching import BatchIngester, BatchSettings, Delivery
from zeropark.ingest.hooks import CommitHooks
from zeropark.ingest.validate import DEFAULT_EARLIEST_YEAR

__all__ = [
    "DEFAULT_DURABLE",
    "DEFAULT_STREAM",
    "DEFAULT_SUBJECT",
    "NatsConfig",
    "NatsIngester",
    "reading_subject",
    "subject_topic",
]

log = logging.getLogger(__name__)

DEFAULT_STREAM = "ZEROPARK"
DEFAULT_SUBJECT = "zeropark.>"
DEFAULT_DURABLE = "zeropark-ingest"


def reading_subject(park_id: str, meter_id: str, prefix: str = "zeropark") -> str:
    """The subject a meter's readings are published on (MQTT topic ``prefix/park/meter/reading``).

    A ``.`` in an id becomes ``//``, as NATS's MQTT listener maps it, so the subject is the one a
    device publishing the MQTT topic produces and one token per id (``E1.5`` → ``E1//5``).
    """
    return f"{prefix}.{park_id.replace('.', '//')}.{meter_id.replace('.', '//')}.reading"


def subject_topic(subject: str) -> str:
    """The MQTT topic of a subject: the inverse of NATS's MQTT topic → subject mapping.

    The server maps ``/`` to ``.``, a ``.`` to ``//`` and an empty level to ``/`` (a leading ``/``
    to ``/.``, a trailing one to ``./``); read back: ``/.`` → ``/``, ``//`` → ``.``, ``.`` → ``/``,
    and a ``/`` alone (an empty level) → nothing. ``zeropark.P1.E1//5.reading`` →
    ``zeropark/P1/E1.5/reading``; a subject without ``/`` only has its dots turned into slashes.
    """
    out: list[str] = []
    i, end = 0, len(subject) - 1
    while i <= end:
        c = subject[i]
        if c == "/":
            if i < end and subject[i + 1] in "./":
                out.append("/" if subject[i + 1] == "." else ".")
                i += 1
        elif c == ".":
            out.append("/")
        else:
            out.append(c)
        i += 1
    return "".join(out)


@dataclass(frozen=True, slots=True)
class NatsConfig:
    """Settings of one NATS ingester process."""

    url: str = "nats://127.0.0.1:4222"
    stream: str = DEFAULT_STREAM
    subject: str = DEFAULT_SUBJECT
    durable: str = DEFAULT_DURABLE
    #: seconds before an unacknowledged message is redelivered to another member
    ack_wait_s: float = 30.0
    #: messages asked for per pull request
    fetch_batch: int = 500
    #: messages fetched and not yet acknowledged by this process, at most
    max_inflight: int = 5_000
    batch_rows: int = 20_000
    max_delay_s: float = 0.25
    source: str = "nats"
    notify_every_s: float = 0.0
    earliest_year: int = DEFAULT_EARLIEST_YEAR

    @property
    def topic_depth(self) -> int:
        """Levels of a reading subject: the filter's tokens before its first wildcard, plus 3."""
        tokens = self.subject.split(".")
        prefix = next((i for i, t in enumerate(tokens) if t in {"*", ">"}), len(tokens))
        return prefix + 3


class NatsIngester(BatchIngester):
    """A long-running NATS JetStream → store ingester (see the module docstring)."""

    def __init__(self, engine: Engine, config: NatsConfig, *, hooks: CommitHooks | None = None) -> None:
        super().__init__(engine, BatchSettings.of(config), hooks=hooks)
        self.config = config
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="nats-io", daemon=True)
        self._nc: NatsClient | None = None
        self._fetcher: concurrent.futures.Future[None] | None = None
        self._inflight = threading.Semaphore(config.max_inflight)

    # -- the backend -----------------------------------------------------------------------------
    def _start(self) -> None:
        self._thread.start()
        self._fetcher = asyncio.run_coroutine_threadsafe(self._consume(), self._loop)

    def _ack(self, batch: list[Delivery]) -> None:
        handles = [m.handle for m in batch if m.handle is not None]
        if handles:
            asyncio.run_coroutine_threadsafe(self._ack_all(handles), self._loop).result(30)
        for _ in batch:
            self._inflight.release()

    def _close(self) -> None:
        if self._fetcher is not None:
            try:  # stop is set: the fetch task leaves after its current pull (at most 0.5 s)
                self._fetcher.result(timeout=5)
            except Exception:  # still waiting to reconnect, or it failed: cancel it
                self._fetcher.cancel()
        if self._nc is not None:
            try:
                asyncio.run_coroutine_threadsafe(self._nc.close(), self._loop).result(10)
            except Exception as exc:  # closing a connection that is already gone
                log.warning("NATS close: %s", exc)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    # -- asyncio side ----------------------------------------------------------------------------
    async def _connect(self) -> Any:
        self._nc = await nats.connect(
            servers=[self.config.url],
            name=f"zeropark-ingest-{self.config.durable}",
            max_reconnect_attempts=-1,
            reconnect_time_wait=1,
        )
        js = self._nc.jetstream()
        try:
            await js.stream_info(self.config.stream)
        except NotFoundError:
            try:
                await js.add_stream(
                    StreamConfig(
                        name=self.config.stream,
                        subjects=[self.config.subject],
                        retention=RetentionPolicy.WORK_QUEUE,
                    )
                )
            except BadRequestError:  # another member created it meanwhile
                await js.stream_info(self.config.stream)
        return await js.pull_subscribe(
            self.config.subject,
            durable=self.config.durable,
            stream=self.config.stream,
            config=ConsumerConfig(
                durable_name=self.config.durable,
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                ack_wait=self.config.ack_wait_s,
                max_ack_pending=-1,
            ),
        )

    async def _consume(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                sub = await self._connect()
                break
            except Exception as exc:  # broker not up yet: retry with backoff
                log.warning("NATS %s unavailable (%s); retrying in %.1f s", self.config.url, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
        else:
            return
        log.info(
            "subscribed to %s (stream %s, durable consumer %s)",
            self.config.subject,
            self.config.stream,
            self.config.durable,
        )
        self._connected.set()
        while not self._stop.is_set():
            want = 0
            while want < self.config.fetch_batch and self._inflight.acquire(blocking=False):
                want += 1
            if want == 0:
                await asyncio.sleep(0.01)
                continue
            try:
                msgs = await sub.fetch(batch=want, timeout=0.5)
            except (NatsTimeout, TimeoutError):  # nothing to fetch within the timeout
                msgs = []
            except Exception as exc:  # connection trouble: nats-py reconnects; try again
                if not self._stop.is_set():
                    log.warning("NATS fetch failed (%s: %s); retrying", type(exc).__name__, exc)
                msgs = []
                await asyncio.sleep(0.5)
            for _ in range(want - len(msgs)):
                self._inflight.release()
            for msg in msgs:
                topic = subject_topic(msg.subject)
                self._queue.put(Delivery(0, 1, topic, bytes(msg.data), 0, handle=msg))

    @staticmethod
    async def _ack_all(handles: list[Any]) -> None:
        for h in handles:
            await h.ack()
