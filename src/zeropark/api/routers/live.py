"""Live monitoring stream (实时监测推送): Server-Sent Events of a park's live power curves.

``GET /api/v1/parks/{park_id}/live`` answers ``text/event-stream``. The first event carries the
current curves; after that the server looks at the store every ``interval_s`` seconds and sends
an event only when the curves changed — a new 15-min (or hourly) rollup, or a changed one. The
rollups are what ingestion updates as readings arrive (HTTP and file imports at once, the MQTT
ingester every ``--rollup-every`` seconds), so new readings reach an open monitoring page without
polling. A comment line (``: keep-alive``) every 15 s keeps proxies from closing an idle stream.

Each event is ``event: live`` with JSON data::

    {"park_id", "updated" (local time, UTC+8), "x": [labels], "series": [{"key", "name", "data"}],
     "latest": [{"key", "name", "kw"}], "option": <ECharts option the page sets>}

Power in kW = energy of the bucket [kWh] / bucket length [h] (15 min → ÷ 0.25).

Tenant scope is the caller's :class:`~zeropark.store.scope.Scope`, as for every read: an enterprise
user's curves are built from its own meters only (:func:`zeropark.services.monitoring.live_curves`); another
park answers 404 with an audit record ``denied``; the device role gets 403.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from zeropark.api.auth import GuardedRoute, ScopeDep
from zeropark.services.monitoring import live_curves
from zeropark.serving import charts
from zeropark.store.queries import parks
from zeropark.store.scope import Scope

router = APIRouter(route_class=GuardedRoute, tags=["monitoring 监测"])

#: Seconds between keep-alive comments on an idle stream.
KEEPALIVE_S = 15.0


def live_payload(scope: Scope, park_id: str, lang: str) -> dict[str, Any]:
    """The live curves of ``park_id`` inside ``scope`` as the stream's JSON payload."""
    live = live_curves(scope, park_id, lang)
    keys = [k for k in ("load", "pv", "chp", "storage") if k in live.latest_kw]
    return {
        "park_id": park_id,
        "updated": live.updated.strftime("%Y-%m-%d %H:%M") if live.updated else None,
        "x": live.x,
        "series": [
            {"key": key, "name": name, "data": list(values)}
            for key, (name, values) in zip(keys, live.series, strict=True)
        ],
        "latest": [
            {"key": key, "name": name, "kw": live.latest_kw[key]}
            for key, (name, _) in zip(keys, live.series, strict=True)
        ],
        "option": charts.line_chart(live.x, live.series, axis_name="kW") if live.x else None,
    }


def _event(payload: dict[str, Any], event_id: int) -> str:
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return f"event: live\nid: {event_id}\ndata: {data}\n\n"


@router.get(
    "/parks/{park_id}/live",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}},
)
async def live_stream(
    park_id: str,
    request: Request,
    scope: ScopeDep,
    interval_s: Annotated[
        float, Query(ge=0.2, le=60, description="how often the store is checked [s]")
    ] = 5.0,
    events: Annotated[
        int | None, Query(ge=1, le=10_000, description="end the stream after this many events (scripts)")
    ] = None,
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
) -> StreamingResponse:
    """Live power curves of the park as Server-Sent Events (new data pushed, no polling). 实时曲线推送."""
    await run_in_threadpool(parks.park, scope, park_id)  # 404 + audit outside the scope

    async def stream() -> AsyncIterator[str]:
        sent = 0
        last: str | None = None
        quiet_since = time.monotonic()
        yield "retry: 5000\n\n"
        while events is None or sent < events:
            payload = await run_in_threadpool(live_payload, scope, park_id, lang)
            text = json.dumps(payload, sort_keys=True)
            if text != last:
                last = text
                sent += 1
                quiet_since = time.monotonic()
                yield _event(payload, sent)
                if events is not None and sent >= events:
                    break
            elif time.monotonic() - quiet_since >= KEEPALIVE_S:
                quiet_since = time.monotonic()
                yield ": keep-alive\n\n"
            if await request.is_disconnected():
                break
            await asyncio.sleep(interval_s)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
