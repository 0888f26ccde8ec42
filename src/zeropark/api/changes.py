"""Change generations (变更代) and short-TTL caches of rows that rarely change (users, parks).

A watched table has a *generation* per process: a counter bumped when a session that inserted,
updated or deleted rows of it (unit of work or ORM bulk ``update``/``delete``) commits. A
:class:`TtlCache` entry remembers the generation that was current *before* its value was read
from the database, and is served only while that generation is still current and its TTL has
not run out. So:

- a change committed through the ORM in this process invalidates every cached value at once,
  including a value whose read raced with the change;
- a change made elsewhere (another uvicorn worker, the CLI, raw SQL) is seen within ``ttl_s``.

Pure in-process state; nothing is shared between workers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, object_session
from starlette.concurrency import run_in_threadpool

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_generations: dict[str, int] = {}
_topics: dict[type[Any], str] = {}
_lock = threading.Lock()
_INFO_KEY = "zeropark.changed_topics"


def generation(topic: str) -> int:
    """The current generation of ``topic`` (read it *before* reading the rows you will cache)."""
    return _generations.get(topic, 0)


def bump(topic: str) -> None:
    """Invalidate every cached value of ``topic`` in this process now."""
    with _lock:
        _generations[topic] = _generations.get(topic, 0) + 1


def _note(session: Session, topic: str) -> None:
    session.info.setdefault(_INFO_KEY, set()).add(topic)


def watch(model: type[Any], topic: str) -> None:
    """Bump ``topic`` whenever a session that changed rows of ``model`` commits."""
    if model in _topics:
        return
    _topics[model] = topic

    def changed(_mapper: Any, _connection: Any, target: Any) -> None:
        session = object_session(target)
        if session is not None:
            _note(session, topic)

    for name in ("after_insert", "after_update", "after_delete"):
        event.listen(model, name, changed)


@event.listens_for(Session, "do_orm_execute")
def _bulk_change(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    for mapper in state.all_mappers:
        topic = _topics.get(mapper.class_) if mapper is not None else None
        if topic is not None:
            _note(state.session, topic)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    for topic in session.info.pop(_INFO_KEY, ()):
        bump(topic)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_INFO_KEY, None)


class TtlCache(Generic[K, V]):
    """Values of one topic by key, fresh for at most ``ttl_s`` seconds.

    A value is served only while the topic's generation is the one read before the value was
    loaded (see the module docstring).
    """

    def __init__(self, topic: str, ttl_s: float, max_items: int = 10_000) -> None:
        self.topic = topic
        self.ttl_s = ttl_s
        self.max_items = max_items
        self._entries: dict[K, tuple[V, float, int]] = {}

    def generation(self) -> int:
        """The topic's generation now: read it before loading a value to :meth:`put`."""
        return generation(self.topic)

    def get(self, key: K) -> V | None:
        """The cached value of ``key`` if still fresh, else None."""
        hit = self._entries.get(key)
        if hit is None or hit[2] != generation(self.topic) or hit[1] < time.monotonic():
            return None
        return hit[0]

    def put(self, key: K, value: V, read_generation: int) -> None:
        """Cache ``value`` loaded under ``read_generation`` (ignored if the topic changed since)."""
        if read_generation != generation(self.topic):
            return
        if len(self._entries) >= self.max_items:
            self._entries.clear()
        self._entries[key] = (value, time.monotonic() + self.ttl_s, read_generation)

    async def load(self, key: K, read: Callable[[], V]) -> V:
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
