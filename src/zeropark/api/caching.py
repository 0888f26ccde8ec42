"""The API's per-process caches (接口缓存): what is cached, for how long, and where it is dropped.

A watched table's topic (:mod:`zeropark.store.changes`) drops every cached value of it when this
process commits a change to the table; a change made elsewhere (another worker, the CLI) is seen
within the TTL. Every cache is created once, by the app factory (``app.state.caches``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from zeropark.accounting import Inventory, LineItem
from zeropark.api.schemas import ParkOut
from zeropark.factors import FactorSet
from zeropark.model import Method
from zeropark.serving.caching import LruCache, Memo, TtlCache
from zeropark.store.changes import ALARM_TOPIC, EVIDENCE_TOPIC, METER_TOPIC, PARK_TOPIC, RUN_TOPIC
from zeropark.store.queries.runs import LatestRun
from zeropark.store.runs import RunSummary

#: Seconds a park, a meter's tenant, a meter or alarm page, a run summary or a rendered line-item
#: drill-down is reused when its table changes outside this process.
ROW_TTL_S = 5.0
#: Seconds a computed data-quality report is fresh; older ones are served while one thread
#: recomputes (a year's report scans every reading of the year: seconds on a full park).
QUALITY_TTL_S = 300.0

Rendered = tuple[bytes, str]
"""A rendered JSON body and its ETag."""


@dataclass(frozen=True, slots=True)
class RenderedLines:
    """A run's line items and each one's JSON (``LineItemOut``), rendered once per run."""

    lines: tuple[LineItem, ...]
    json: tuple[bytes, ...]


@dataclass(slots=True)
class ApiCaches:
    """Every per-process cache of the app, created once by the app factory (``app.state.caches``)."""

    parks: TtlCache[str, ParkOut] = field(default_factory=lambda: TtlCache(PARK_TOPIC, ROW_TTL_S))
    meter_tenants: TtlCache[str, tuple[str, str | None]] = field(
        default_factory=lambda: TtlCache(METER_TOPIC, ROW_TTL_S)
    )
    meter_pages: TtlCache[tuple[Any, ...], Rendered] = field(
        default_factory=lambda: TtlCache(METER_TOPIC, ROW_TTL_S, 1000)
    )
    alarm_pages: TtlCache[tuple[Any, ...], Rendered] = field(
        default_factory=lambda: TtlCache(ALARM_TOPIC, ROW_TTL_S, 1000)
    )
    run_summaries: TtlCache[int, RunSummary] = field(default_factory=lambda: TtlCache(RUN_TOPIC, ROW_TTL_S))
    latest_runs: TtlCache[tuple[str, int, str | None], dict[Method, LatestRun | None]] = field(
        default_factory=lambda: TtlCache(RUN_TOPIC, ROW_TTL_S)
    )
    inventories: Memo[int, Inventory] = field(default_factory=lambda: Memo(64))
    run_bodies: LruCache[tuple[Any, ...], Rendered] = field(default_factory=lambda: LruCache(128))
    line_renderings: Memo[tuple[int, str], RenderedLines] = field(default_factory=lambda: Memo(16))
    line_bodies: TtlCache[tuple[Any, ...], Rendered] = field(
        default_factory=lambda: TtlCache(EVIDENCE_TOPIC, ROW_TTL_S, 2000)
    )
    factor_sets: LruCache[tuple[str, str], FactorSet] = field(default_factory=lambda: LruCache(16))
    indicator_bodies: Memo[int, Rendered] = field(default_factory=lambda: Memo(64))
    quality_reports: Memo[tuple[str, int], Any] = field(default_factory=lambda: Memo(16, ttl_s=QUALITY_TTL_S))
    quality_bodies: LruCache[tuple[Any, ...], tuple[Any, bytes, str]] = field(
        default_factory=lambda: LruCache(256)
    )


def caches(request: Request) -> ApiCaches:
    """The app's caches (``app.state.caches``)."""
    found: ApiCaches = request.app.state.caches
    return found
