"""In-process cache of stored inventories (排放清单缓存), keyed by run id.

A stored run never changes its inventory (a sign-off only adds who/when, and a signed-off run is
frozen), so the deserialised :class:`~zeropark.accounting.Inventory` can be kept and reused by
every request instead of parsing its JSON again. Indicator tables are cached by the run id and
the input fingerprint they were evaluated on. Bounded LRU; one per app (``app.state``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


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
