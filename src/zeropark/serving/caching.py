"""In-process caches (缓存) of the serving processes: LRU, memo, short-TTL rows, rendered bodies.

A stored run never changes its inventory (a sign-off only adds who/when, and a signed-off run is
frozen), so the deserialised :class:`~zeropark.accounting.Inventory` can be kept and reused by
every request instead of parsing its JSON again. Indicator tables are cached by the run id and
the input fingerprint they were evaluated on. Bounded LRU; one per app (``app.state``).

Responses rendered from immutable data are sent as JSON bytes with an ``ETag`` (:func:`json_bytes`);
a client that sends the tag back in ``If-None-Match`` gets ``304 Not Modified`` without a body.
``Cache-Control: private, no-cache`` keeps shared caches out (the content depends on the user) and
makes browsers revalidate every time, so a sign-off or a deletion is seen at once.

:class:`TtlCache` keeps rows that rarely change (users, parks, run summaries) for a few seconds and
drops them at once when this process commits a change to their table (``zeropark.store.changes``).
Every cache of the app is created once, in the app factory (:func:`zeropark.app.create_app`).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from zeropark.store import changes

log = logging.getLogger(__name__)

K = TypeVar("K")
V = TypeVar("V")
H = TypeVar("H", bound=Hashable)

CACHE_CONTROL = "private, no-cache"


def etag_of(body: bytes) -> str:
    """A strong entity tag of ``body`` (BLAKE2b, 128 bits, quoted)."""
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _matches(if_none_match: str, etag: str) -> bool:
    tags = [t.strip() for t in if_none_match.split(",")]
    return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)


def json_bytes(request: Request, body: bytes, etag: str | None = None) -> Response:
    """``body`` (JSON) with its ETag, or ``304 Not Modified`` when the client already has it."""
    tag = etag or etag_of(body)
    headers = {"ETag": tag, "Cache-Control": CACHE_CONTROL}
    condition = request.headers.get("if-none-match")
    if condition is not None and _matches(condition, tag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


class LruCache(Generic[K, V]):
    """A small thread-safe LRU mapping."""

    def __init__(self, max_items: int = 64) -> None:
        self.max_items = max_items
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The cached value of ``key`` (and mark it recently used), or None."""
        with self._lock:
            if key not in self._data:
                return None
            self._data.move_to_end(key)
            return self._data[key]

    def put(self, key: K, value: V) -> None:
        """Cache ``value`` under ``key``, evicting the least recently used beyond ``max_items``."""
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.max_items:
                self._data.popitem(last=False)

    def pop(self, key: K) -> None:
        """Forget ``key``."""
        with self._lock:
            self._data.pop(key, None)


class Memo(Generic[K, V]):
    """A computed-value cache with one computation per key at a time (no thundering herd).

    - A miss computes under a per-key lock: concurrent requests for the same key wait for the
      first one instead of all computing (a year's data-quality scan takes seconds).
    - With ``ttl_s``, an entry older than the TTL is still served while one background thread
      recomputes it (stale-while-revalidate), so no request waits for a refresh.
    """

    def __init__(self, max_items: int = 64, ttl_s: float | None = None) -> None:
        self.ttl_s = ttl_s
        self._values: LruCache[K, tuple[float, V]] = LruCache(max_items)
        self._locks: dict[K, threading.Lock] = {}
        self._refreshing: set[K] = set()
        self._guard = threading.Lock()

    def _lock(self, key: K) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _fresh(self, stamp: float) -> bool:
        return self.ttl_s is None or time.monotonic() - stamp < self.ttl_s

    def peek(self, key: K, compute: Callable[[], V] | None = None) -> V | None:
        """The cached value of ``key`` or None, never blocking (safe in the event loop).

        With ``compute``, a stale value is returned and refreshed in the background as by
        :meth:`get`; a miss is left to :meth:`get` (in the thread pool).
        """
        hit = self._values.get(key)
        if hit is None:
            return None
        if compute is not None and not self._fresh(hit[0]):
            self._refresh_in_background(key, compute)
        return hit[1]

    def get(self, key: K, compute: Callable[[], V]) -> V:
        """The value of ``key``, computing it once if absent (and refreshing it when stale)."""
        hit = self._values.get(key)
        if hit is not None:
            if not self._fresh(hit[0]):
                self._refresh_in_background(key, compute)
            return hit[1]
        with self._lock(key):
            hit = self._values.get(key)
            if hit is not None:
                return hit[1]
            value = compute()
            self._values.put(key, (time.monotonic(), value))
            return value

    def put(self, key: K, value: V) -> None:
        """Store a value computed elsewhere (e.g. a run just accounted)."""
        self._values.put(key, (time.monotonic(), value))

    def pop(self, key: K) -> None:
        """Forget ``key``."""
        self._values.pop(key)

    def _refresh_in_background(self, key: K, compute: Callable[[], V]) -> None:
        with self._guard:
            if key in self._refreshing:
                return
            self._refreshing.add(key)

        def work() -> None:
            try:
                self._values.put(key, (time.monotonic(), compute()))
            except Exception:  # keep serving the old value; the next request retries
                log.exception("background refresh of %r failed", key)
            finally:
                with self._guard:
                    self._refreshing.discard(key)

        threading.Thread(target=work, name=f"memo-refresh-{key!r}", daemon=True).start()


class TtlCache(Generic[H, V]):
    """Values of one topic by key, fresh for at most ``ttl_s`` seconds.

    A value is served only while the topic's generation is the one read before the value was
    loaded (see the module docstring). ``clock`` gives seconds on a monotonic scale
    (``time.monotonic``; tests pass a clock they advance instead of waiting out the TTL).
    """

    def __init__(
        self, topic: str, ttl_s: float, max_items: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.topic = topic
        self.ttl_s = ttl_s
        self.max_items = max_items
        self.clock = clock
        self._entries: dict[H, tuple[V, float, int]] = {}

    def generation(self) -> int:
        """The topic's generation now: read it before loading a value to :meth:`put`."""
        return changes.generation(self.topic)

    def get(self, key: H) -> V | None:
        """The cached value of ``key`` if still fresh, else None."""
        hit = self._entries.get(key)
        if hit is None or hit[2] != changes.generation(self.topic) or hit[1] < self.clock():
            return None
        return hit[0]

    def put(self, key: H, value: V, read_generation: int) -> None:
        """Cache ``value`` loaded under ``read_generation`` (ignored if the topic changed since)."""
        if read_generation != changes.generation(self.topic):
            return
        if len(self._entries) >= self.max_items:
            self._entries.clear()
        self._entries[key] = (value, self.clock() + self.ttl_s, read_generation)

    async def load(self, key: H, read: Callable[[], V]) -> V:
        """The cached value of ``key``, or ``read()`` run in the thread pool and cached (async routes)."""
        hit = self.get(key)
        if hit is None:
            read_generation = self.generation()
            hit = await run_in_threadpool(read)
            self.put(key, hit, read_generation)
        return hit

    def clear(self) -> None:
        """Forget every value."""
        self._entries.clear()


class TokenCache:
    """Recently verified API tokens (sha256 → user id) so argon2 runs once a minute, not per call."""

    def __init__(self, ttl_s: float = 60.0) -> None:
        self.ttl_s = ttl_s
        self._entries: dict[str, tuple[int, int, float]] = {}

    def clear(self) -> None:
        """Forget every cached token (after a revocation)."""
        self._entries.clear()

    def get(self, token: str) -> tuple[int, int] | None:
        """(user id, token id) of a token verified within the TTL, else None."""
        key = hashlib.sha256(token.encode()).hexdigest()
        hit = self._entries.get(key)
        if hit is None or hit[2] < time.monotonic():
            return None
        return hit[0], hit[1]

    def put(self, token: str, user_id: int, token_id: int) -> None:
        """Remember that ``token`` was verified as token ``token_id`` of user ``user_id``."""
        if len(self._entries) > 10_000:
            self._entries.clear()
        key = hashlib.sha256(token.encode()).hexdigest()
        self._entries[key] = (user_id, token_id, time.monotonic() + self.ttl_s)
