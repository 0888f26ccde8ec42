"""After-commit hooks (提交后通知): who is told that readings were committed, and which spans.

Ingest writes readings and knows nothing of what is derived from them. Whatever must react to
new readings (today the rollups of :mod:`zeropark.monitoring.rollups`) is registered as a
:class:`CommitListener` on a :class:`CommitHooks` by the use-case layer
(:func:`zeropark.services.ingestion.commit_hooks`) and handed to the transports. A listener is
told, *after* the commit, the span of timestamps each meter received::

    {"E-0001": (first_ts_utc, last_ts_utc), ...}

When a transport tells its listeners:

- files (:func:`zeropark.ingest.files.import_readings`): once, after the last chunk is committed;
- HTTP (``POST /api/v1/readings``): after each request's rows are committed, before the answer;
- MQTT (:class:`zeropark.ingest.mqtt.MqttIngester`): spans of many batches are merged and told
  every ``notify_every_s`` seconds, off the hot path; messages are acknowledged after their commit,
  not after the listeners (a listener never delays or blocks an acknowledgement);
- quarantine re-processing (:func:`zeropark.ingest.reprocess.reprocess`): after its writes.

Listeners must be idempotent over spans: a span may be told again (a listener failed and the
MQTT ingester kept the spans for its next tick, or redelivered messages were duplicates). A span
includes readings that were duplicates of stored ones; telling a listener too much is harmless,
too little is not.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Protocol

__all__ = ["CommitHooks", "CommitListener", "Span", "Spans", "merge_span", "merge_spans"]

#: (first ts, last ts) of the readings of one meter [UTC].
Span = tuple[datetime, datetime]
#: Touched spans by meter id.
Spans = Mapping[str, Span]


class CommitListener(Protocol):
    """Called after readings are committed with the span each meter received (see the module)."""

    def __call__(self, touched: Spans, /) -> None:
        """React to committed readings of ``touched`` (meter id → (first, last) ts [UTC])."""


def merge_span(spans: dict[str, Span], meter_id: str, first: datetime, last: datetime) -> None:
    """Widen the span of ``meter_id`` in ``spans`` to cover ``first`` … ``last`` (in place)."""
    old = spans.get(meter_id)
    spans[meter_id] = (min(old[0], first), max(old[1], last)) if old else (first, last)


def merge_spans(spans: dict[str, Span], other: Spans) -> None:
    """Widen ``spans`` by every span of ``other`` (in place)."""
    for meter_id, (first, last) in other.items():
        merge_span(spans, meter_id, first, last)


class CommitHooks:
    """The listeners told after readings are committed, in the order they were registered.

    Parameters
    ----------
    listeners : iterable of CommitListener
        Listeners registered from the start (more with :meth:`register`).
    """

    def __init__(self, listeners: Iterable[CommitListener] = ()) -> None:
        self._lock = threading.Lock()
        self._listeners: tuple[CommitListener, ...] = tuple(listeners)

    def register(self, listener: CommitListener) -> None:
        """Tell ``listener`` too, after every later commit."""
        with self._lock:
            self._listeners = (*self._listeners, listener)

    def __bool__(self) -> bool:
        """Whether anyone listens (transports skip collecting spans otherwise)."""
        return bool(self._listeners)

    def __len__(self) -> int:
        """Number of registered listeners."""
        return len(self._listeners)

    def notify(self, touched: Spans) -> None:
        """Tell every listener that readings of ``touched`` were committed (nothing if empty).

        Raises
        ------
        Exception
            Whatever a listener raises; the listeners after it are not told this time. The
            readings stay committed: the caller decides whether to retry (MQTT keeps the spans
            for its next tick) or to report the failure (files, HTTP).
        """
        if not touched:
            return
        for listener in self._listeners:
            listener(touched)
