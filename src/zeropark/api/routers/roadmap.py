"""Roadmap (路线图) analyses: the LMDI decomposition of the change in CO2 between two accounted years.

``GET /parks/{park_id}/roadmap/lmdi?from=2024&to=2025[&by=sector]`` answers
:func:`zeropark.services.roadmap.lmdi` as it is (``LmdiResult.to_dict``) — the same figures the CLI's
``zeropark roadmap lmdi --format json`` prints. Errors: the same year twice 400, a year without a
national-method run 404 (with how to make one), missing output values or a negative figure 422.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from zeropark.api.auth import ScopeDep
from zeropark.services import roadmap

router = APIRouter(tags=["roadmap 路线图"])


@router.get("/parks/{park_id}/roadmap/lmdi", response_model=dict[str, Any])
async def get_lmdi(
    park_id: str,
    scope: ScopeDep,
    year_from: Annotated[int, Query(alias="from", ge=2000, le=2100)],
    year_to: Annotated[int, Query(alias="to", ge=2000, le=2100)],
    by: roadmap.By = roadmap.By.ENTERPRISE,
) -> dict[str, Any]:
    """LMDI decomposition of the CO2 change between two accounted years, Tapio state. 碳排放变化归因."""
    result = await run_in_threadpool(roadmap.lmdi, scope, park_id, year_from, year_to, by=by)
    return result.to_dict()
