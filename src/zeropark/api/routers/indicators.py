"""Indicators (指标): the 1+5 national zero-carbon park indicators of a year.

Evaluated on the newest stored national-method park run of the year (a signed-off run first) and
the park's indicator data; cached per run id and input fingerprint, so a page view does not
re-aggregate a year of readings. Enterprise users are refused: the indicators are park-level.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import Engine

from zeropark.api.auth import ScopeDep
from zeropark.api.deps import SessionDep
from zeropark.api.inventory_cache import Memo
from zeropark.api.routers.inventory import _latest, load_run
from zeropark.api.routers.parks import get_park_row
from zeropark.api.schemas import IndicatorsOut
from zeropark.errors import NotFound
from zeropark.model import Method

router = APIRouter(tags=["indicators 指标"])


def _memo(request: Request) -> Memo[int, IndicatorsOut]:
    memo: Memo[int, IndicatorsOut] | None = getattr(request.app.state, "indicator_memo", None)
    if memo is None:
        memo = Memo(64)
        request.app.state.indicator_memo = memo
    return memo


def park_indicators(
    request: Request, session: SessionDep, scope: ScopeDep, park_id: str, year: int
) -> IndicatorsOut:
    """The indicator table of ``park_id`` for ``year`` (see module docstring)."""
    from zeropark.indicators import evaluate
    from zeropark.store.aggregate import load_accounting_input

    get_park_row(session, scope, park_id)
    if scope.is_enterprise:
        scope.require_manager("indicators", f"{park_id}/{year}")
    engine: Engine = request.app.state.engine
    summary = _latest(engine, park_id, year, Method.NATIONAL, None)
    if summary is None:
        raise NotFound(
            f"no national-method inventory run of park '{park_id}' for {year}; "
            f"create one with POST /api/v1/parks/{park_id}/inventory-runs"
        )
    run_id = summary.id

    def compute() -> IndicatorsOut:
        _, inventory = load_run(request, scope, run_id)
        table = evaluate(inventory, load_accounting_input(engine, park_id, year))
        return IndicatorsOut(
            park_id=park_id,
            year=year,
            run_id=run_id,
            size_band_zh=table.size_band_zh,
            size_band_en=table.size_band_en,
            veto=table.veto,
            rows=[r.to_dict() for r in table.rows],
        )

    return _memo(request).get(run_id, compute)


@router.get("/parks/{park_id}/indicators", response_model=IndicatorsOut)
def get_indicators(
    park_id: str,
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
) -> IndicatorsOut:
    """The 1+5 indicators with pass/fail and what is missing. 零碳园区指标."""
    return park_indicators(request, session, scope, park_id, year)


@router.get("/indicators", response_model=IndicatorsOut)
def get_indicators_of_my_park(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    park_id: Annotated[str | None, Query(max_length=64)] = None,
) -> IndicatorsOut:
    """Indicators of ``park_id`` (default: the user's park). 零碳园区指标."""
    pid = park_id or scope.user.park_id
    if pid is None:
        raise NotFound("no park given and the user has none; pass ?park_id=")
    return park_indicators(request, session, scope, pid, year)
