"""``POST /api/v1/readings``: batched readings from a gateway (JSON or CSV), with per-row results.

Authentication is the gateway's own API key (``X-API-Key`` or ``Authorization: Bearer zpg_…``),
not a user login: a gateway has the *device* role and may write only its own meters. Rows for
other meters are rejected with reason ``forbidden_meter`` and quarantined; the request as a whole
still succeeds (HTTP 200) with per-row results, so a gateway never loses the valid rows of a
mixed batch. The batch is one transaction: an error answer (422, 5xx) means none of it was
stored, and a 200 answer lists what was. Every row is committed, and the rollups of the touched
buckets updated (:func:`zeropark.services.ingestion.ingest_gateway_batch`), before the response
is sent.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError as StoreRefused
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from zeropark.api.deps import EngineDep
from zeropark.errors import DataError, PermissionDenied
from zeropark.ingest.http import authenticate_gateway, parse_csv_body, parse_json_body
from zeropark.ingest.validate import earliest_instant
from zeropark.services.ingestion import ingest_gateway_batch

__all__ = ["IngestResponse", "RowOutcome", "router"]

router = APIRouter(prefix="/api/v1", tags=["ingest"])

#: Largest accepted body [bytes]; larger batches should be split (or sent over MQTT).
MAX_BODY_BYTES = 20 * 1024 * 1024


class RowOutcome(BaseModel):
    """Outcome of one row: accepted, flagged (stored with quality bits) or quarantined."""

    index: int = Field(description="position in the JSON list (0-based) or CSV line number (header = 1)")
    meter_id: str | None
    status: str = Field(description="accepted / flagged / quarantined")
    reason: str | None = Field(
        default=None, description="quarantine reason, e.g. unknown_meter, forbidden_meter"
    )
    detail: str | None = None


class IngestResponse(BaseModel):
    """Counts of the batch: received = accepted + duplicates + conflicts + quarantined."""

    gateway_id: str
    received: int
    accepted: int = Field(description="new readings stored (flagged ones included)")
    duplicates: int = Field(description="identical readings already stored (no-op)")
    conflicts: int = Field(
        description="different value for a stored (meter, ts): first kept, conflict recorded"
    )
    flagged: int = Field(description="stored readings with implausibility quality bits")
    quarantined: int
    rows: list[RowOutcome]


@router.post(
    "/readings",
    response_model=IngestResponse,
    summary="Ingest a batch of readings 批量上传计量数据",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["meter_id", "ts", "value"],
                            "properties": {
                                "meter_id": {"type": "string"},
                                "ts": {"type": "string", "format": "date-time"},
                                "value": {"type": "number"},
                                "unit": {"type": "string"},
                            },
                        },
                    }
                },
                "text/csv": {"schema": {"type": "string"}},
            },
            "required": True,
        }
    },
)
async def post_readings(
    request: Request,
    engine: EngineDep,
    x_api_key: Annotated[str | None, Header()] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> IngestResponse:
    """Store a batch of readings from a gateway; rejected rows are quarantined with a reason."""
    key = x_api_key
    if key is None and authorization and authorization.lower().startswith("bearer "):
        key = authorization[7:].strip()
    try:
        gateway_id, _park = await run_in_threadpool(authenticate_gateway, engine, key)
    except PermissionDenied as exc:
        raise HTTPException(
            status_code=401, detail=str(exc), headers={"WWW-Authenticate": "Bearer"}
        ) from None
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise HTTPException(413, f"body of {len(body)} bytes exceeds {MAX_BODY_BYTES}; split the batch")
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    try:
        if content_type in {"text/csv", "application/csv", "text/plain"}:
            items, bad, index = parse_csv_body(body)
        else:
            items, bad, index = parse_json_body(body)
    except DataError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    earliest = earliest_instant(request.app.state.settings.earliest_reading_year)
    try:
        out = await run_in_threadpool(
            partial(ingest_gateway_batch, engine, gateway_id, items, bad, earliest_utc=earliest)
        )
    except (StoreRefused, IntegrityError) as exc:  # the batch is one transaction: nothing was stored
        raise HTTPException(
            status_code=422,
            detail=f"nothing of this batch was stored: the database refused a value "
            f"({str(exc.orig).splitlines()[0]}); fix or remove that row and send the batch again",
        ) from None
    rows = [
        RowOutcome(
            index=index[r.index], meter_id=r.meter_id, status=r.status, reason=r.reason, detail=r.detail
        )
        for r in out.rows
    ]
    rows += [
        RowOutcome(index=-1, meter_id=mid, status="quarantined", reason="malformed", detail=detail)
        for mid, _raw, detail in bad
    ]
    return IngestResponse(
        gateway_id=gateway_id,
        received=out.received,
        accepted=out.stored,
        duplicates=out.duplicates,
        conflicts=out.conflicts,
        flagged=out.flagged,
        quarantined=out.quarantined,
        rows=rows,
    )
