"""Indicators (指标): the 1+5 national zero-carbon park indicators of a year.

Evaluated on the newest stored national-method park run of the year (a signed-off run first) and
the park's indicator data; cached per run id, so a page view does not re-aggregate a year of
readings. With ``enterprise_id`` (always the user's own for an enterprise user) the table is one
enterprise's (:func:`zeropark.indicators.evaluate_enterprise`) on its newest national run: its
emissions, energy, 单位能耗碳排放, clean-energy share, product energy intensity and carbon
productivity; park-only indicators are marked ``park_level``. Another enterprise's table answers
404 with an audit record ``denied``.
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
from zeropark.store.schema import EnterpriseRow

router = APIRouter(tags=["indicators 指标"])


def _memo(request: Request) -> Memo[int, IndicatorsOut]:
    memo: Memo[int, IndicatorsOut] | None = getattr(request.app.state, "indicator_memo", None)
    if memo is None:
        memo = Memo(64)
        request.app.state.indicator_memo = memo
    return memo


def _indicator_enterprise(
    session: SessionDep, scope: ScopeDep, park_id: str, requested: str | None
) -> str | None:
    """The enterprise whose indicators are asked for (None = the park), scope-checked (404 + audit)."""
    if scope.is_enterprise:
        if requested is not None and requested != scope.enterprise_id:
            scope.deny("indicators", f"{park_id}/{requested}", "indicators of another enterprise")
            raise NotFound(f"enterprise '{requested}' not found")
        return scope.enterprise_id
    if requested is not None:
        ent = session.get(EnterpriseRow, requested)
        if ent is None or ent.park_id != park_id:
            raise NotFound(f"enterprise '{requested}' not found in park '{park_id}'")
    return requested


def park_indicators(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    park_id: str,
    year: int,
    enterprise_id: str | None = None,
) -> IndicatorsOut:
    """The indicator table of ``park_id`` (or one enterprise of it) for ``year`` (see module docstring)."""
    from zeropark.indicators import evaluate, evaluate_enterprise
    from zeropark.store.aggregate import load_accounting_input
    from zeropark.store.repo import get_indicator_data

    get_park_row(session, scope, park_id)
    ent_id = _indicator_enterprise(session, scope, park_id, enterprise_id)
    engine: Engine = request.app.state.engine
    summary = _latest(engine, park_id, year, Method.NATIONAL, ent_id)
    if summary is None:
        of = f"park '{park_id}'" if ent_id is None else f"enterprise '{ent_id}'"
        body = "" if ent_id is None else f' {{"year": {year}, "enterprise_id": "{ent_id}"}}'
        raise NotFound(
            f"no national-method inventory run of {of} for {year}; "
            f"create one with POST /api/v1/parks/{park_id}/inventory-runs{body}"
        )
    run_id = summary.id

    def compute() -> IndicatorsOut:
        _, inventory = load_run(request, scope, run_id)
        inputs = load_accounting_input(engine, park_id, year, enterprise_id=ent_id)
        table = (
            evaluate(inventory, inputs)
            if ent_id is None
            else evaluate_enterprise(inventory, inputs, get_indicator_data(engine, park_id, year))
        )
        return IndicatorsOut(
            park_id=park_id,
            year=year,
            run_id=run_id,
            enterprise_id=ent_id,
            level="park" if ent_id is None else "enterprise",
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
    enterprise_id: Annotated[str | None, Query(max_length=64)] = None,
) -> IndicatorsOut:
    """The 1+5 indicators with pass/fail and what is missing (or one enterprise's). 零碳园区指标.

    An enterprise user always gets its own enterprise's table (another enterprise's: 404, audited).
    """
    return park_indicators(request, session, scope, park_id, year, enterprise_id)


@router.get("/indicators", response_model=IndicatorsOut)
def get_indicators_of_my_park(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    park_id: Annotated[str | None, Query(max_length=64)] = None,
    enterprise_id: Annotated[str | None, Query(max_length=64)] = None,
) -> IndicatorsOut:
    """Indicators of ``park_id`` (default: the user's park; enterprise user: its own). 零碳园区指标."""
    pid = park_id or scope.user.park_id
    if pid is None:
        raise NotFound("no park given and the user has none; pass ?park_id=")
    return park_indicators(request, session, scope, pid, year, enterprise_id)
