"""省级视图 (#20): the provincial view of many parks — the same use case as the page and the CLI.

``GET /province/view?year=&method=``: :func:`zeropark.services.provincial.stored_view` of the
caller's scope — a provincial user its province's parks, an admin every park; other roles 403
(audited). The figures are those of ``zeropark province view`` and of the page ``/province``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool

from zeropark.api.auth import GuardedRoute, ScopeDep, require_roles
from zeropark.model import Method
from zeropark.services import provincial
from zeropark.store.scope import PROVINCE_ROLES

router = APIRouter(route_class=GuardedRoute, tags=["province 省级视图"])

PROVINCIAL = Depends(require_roles(*PROVINCE_ROLES))


@router.get("/province/view", response_model=dict[str, Any], dependencies=[PROVINCIAL])
async def get_province_view(
    scope: ScopeDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    method: Annotated[Method, Query()] = Method.NATIONAL,
) -> dict[str, Any]:
    """Ranking, totals [tCO2, tce] and indicator distributions of the latest runs. 省级视图."""
    found = await run_in_threadpool(provincial.stored_view, scope, year, method=method)
    return found.to_dict()
