"""园区代谢 the park's metabolism: energy [tce] and carbon [tCO2] flows of an accounted year.

``GET /parks/{park_id}/metabolism?year=2025&kind=energy|carbon|materials|water`` answers
:func:`zeropark.services.metabolism.metabolism` as it is (``Metabolism.to_dict``: nodes, links with
the line items each sums, notes, the coefficients used) — the figures ``zeropark roadmap metabolism
--format json`` prints and the page ``/roadmap/metabolism`` draws. A year without a
national-method run answers 404 with how to make one.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from zeropark.api.auth import ScopeDep
from zeropark.services.metabolism import FlowKind, metabolism

router = APIRouter(tags=["roadmap 路线图"])


@router.get("/parks/{park_id}/metabolism", response_model=dict[str, Any])
async def get_metabolism(
    park_id: str,
    scope: ScopeDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    kind: FlowKind = FlowKind.ENERGY,
) -> dict[str, Any]:
    """Energy or carbon flows of the year: sources → conversion → sectors and losses. 园区代谢."""
    result = await run_in_threadpool(metabolism, scope, park_id, year, kind)
    return result.to_dict()
