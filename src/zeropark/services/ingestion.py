"""Ingestion (计量数据采集): every door gets the same ingester and the same after-commit wiring.

Ingest (:mod:`zeropark.ingest`) validates and commits readings and knows nothing of what is
derived from them. This module is where the two meet: :func:`commit_hooks` registers, once for
every door, the listeners told after readings are committed (:mod:`zeropark.ingest.hooks`):

- the rollups (15 min / hour / day / month) of the buckets the readings touched
  (:func:`zeropark.monitoring.rollups.update_rollups`).

The doors and what they call here:

- ``zeropark ingest mqtt`` and ``python -m zeropark.ingest.mqtt`` → :func:`mqtt_ingester`
  (spans merged and told every ``notify_every_s`` seconds, off the hot path);
- ``zeropark ingest nats`` and ``python -m zeropark.ingest.nats`` → :func:`nats_ingester` (the same);
- ``POST /api/v1/readings`` → :func:`ingest_gateway_batch` (told before the answer);
- ``zeropark quarantine reprocess`` → :func:`reprocess_quarantine`;
- file imports (``zeropark import``, ``zeropark ingest file``, the 数据导入 page) go through
  :mod:`zeropark.services.imports`, which passes :func:`commit_hooks` to the readings importer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from zeropark.ingest.hooks import CommitHooks, Spans
from zeropark.ingest.meters import MeterDirectory
from zeropark.ingest.mqtt import IngesterConfig, MqttIngester
from zeropark.ingest.nats import NatsConfig, NatsIngester
from zeropark.ingest.pipeline import IngestOutcome, ingest_items
from zeropark.ingest.reprocess import ReprocessResult, reprocess
from zeropark.ingest.validate import earliest_instant
from zeropark.monitoring.rollups import update_rollups

__all__ = ["commit_hooks", "ingest_gateway_batch", "mqtt_ingester", "reprocess_quarantine"]

log = logging.getLogger(__name__)

#: How long the HTTP door trusts its meter list before an unknown id reloads it [s].
GATEWAY_METERS_REFRESH_S = 5.0

_directories: dict[int, MeterDirectory] = {}
_directories_lock = threading.Lock()


def commit_hooks(engine: Engine) -> CommitHooks:
    """The after-commit listeners of every door: the rollups of the buckets committed readings touched.

    Parameters
    ----------
    engine : Engine
        The store the readings were committed to (and the rollups are written to).

    Returns
    -------
    CommitHooks
        A fresh hook list; a door may register more listeners on it.
    """

    def rollups(touched: Spans) -> None:
        update_rollups(engine, touched)

    return CommitHooks([rollups])


def mqtt_ingester(engine: Engine, config: IngesterConfig) -> MqttIngester:
    """The MQTT ingester of ``config`` with the after-commit listeners of :func:`commit_hooks`.

    ``config.notify_every_s`` is the rollup period [s]: spans of committed batches are merged and
    the rollups updated every that many seconds; 0 turns them off (rebuild later with
    ``zeropark ingest rollups``).
    """
    return MqttIngester(engine, config, hooks=commit_hooks(engine))


def nats_ingester(engine: Engine, config: NatsConfig) -> NatsIngester:
    """The NATS JetStream ingester of ``config``, wired as :func:`mqtt_ingester` (same listeners)."""
    return NatsIngester(engine, config, hooks=commit_hooks(engine))


def _gateway_meters(engine: Engine) -> MeterDirectory:
    """The meter directory the HTTP door shares between requests (one per engine)."""
    with _directories_lock:
        found = _directories.get(id(engine))
        if found is None:
            found = _directories[id(engine)] = MeterDirectory(engine, refresh_s=GATEWAY_METERS_REFRESH_S)
        return found


def ingest_gateway_batch(
    engine: Engine,
    gateway_id: str,
    items: Sequence[tuple[str, Any]],
    undecodable: Sequence[tuple[str | None, str, str]] = (),
    *,
    earliest_utc: datetime | None = None,
) -> IngestOutcome:
    """Commit one HTTP batch of gateway ``gateway_id`` and tell the after-commit listeners.

    Rows for meters the gateway does not own are quarantined as ``forbidden_meter``; the outcome
    holds one :class:`~zeropark.ingest.pipeline.RowResult` per item. The batch is one
    transaction; a failure of the after-commit listeners (the rollups, derived data) is logged,
    not raised, so the answer always says what was stored.

    Parameters
    ----------
    engine : Engine
        The store.
    gateway_id : str
        The authenticated gateway (counter source ``http:<gateway_id>``).
    items : sequence of (meter_id, item)
        Decoded rows of the request body.
    undecodable : sequence of (meter_id or None, raw text, detail)
        Rows that could not be decoded (quarantined as ``malformed``).
    earliest_utc : datetime, optional
        Rows before it are quarantined as ``early_ts`` (default: 1 January 2000, park time).
    """
    out = ingest_items(
        engine,
        items,
        source=f"http:{gateway_id}",
        meters=_gateway_meters(engine),
        undecodable=undecodable,
        gateway_id=gateway_id,
        keep_rows=True,
        earliest_utc=earliest_utc,
    )
    try:
        commit_hooks(engine).notify(out.touched)
    except Exception:  # rows are committed: the answer must say so; rollups are derived data
        log.exception(
            "rollups of gateway %s's batch not updated (rebuild with `zeropark ingest rollups`)", gateway_id
        )
    return out


def reprocess_quarantine(
    engine: Engine,
    *,
    ids: Iterable[int] | None = None,
    reason: str | None = None,
    park_id: str | None = None,
    earliest_year: int | None = None,
) -> ReprocessResult:
    """Re-validate open quarantine rows (:func:`zeropark.ingest.reprocess.reprocess`), then update rollups.

    ``earliest_year`` is the deployment's earliest reading year (default 2000).
    """
    return reprocess(
        engine,
        ids=ids,
        reason=reason,
        park_id=park_id,
        hooks=commit_hooks(engine),
        earliest_utc=None if earliest_year is None else earliest_instant(earliest_year),
    )
