"""Optimisation runs (优化调度与容量配置): create, list and read dispatch / sizing / demand-response runs.

``router`` (API, mounted under ``/api/v1``):

- ``GET  /optimize/tariffs`` — the TOU tariffs with periods, prices, confidence and sources;
- ``GET  /parks/{park_id}/optimization-runs`` — run summaries, newest first;
- ``POST /parks/{park_id}/optimization-runs`` — solve a scenario now (synchronously) and store it;
  an infeasible scenario is stored too and answered with 422 and the conflicts in words;
- ``GET  /optimization-runs/{run_id}`` — one run with parameters, series and cost breakdown.

The page that shows a run is :mod:`zeropark.web.pages.optimize`.
Runs are park-level: enterprise users are refused; writing needs admin or park manager.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import pandas as pd
from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import AfterValidator, BaseModel, Field

from zeropark.api.auth import ScopeDep
from zeropark.api.deps import SessionDep
from zeropark.api.routers.parks import get_park_row
from zeropark.errors import DataError, Infeasible, NotFound, OptimizationError

router = APIRouter(tags=["optimize 优化"])


def _local_naive(value: datetime) -> datetime:
    """Park-local wall-clock time: an aware input is converted to Asia/Shanghai, then made naive."""
    if value.tzinfo is not None:
        value = value.astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    return value


#: A park-local time (ISO 8601 date or date-time); anything else is refused with 422.
LocalTime = Annotated[datetime, AfterValidator(_local_naive)]


class ProfileIn(BaseModel):
    """Inline profiles: one value per step from ``start_local`` (omit to use the park's metered history)."""

    load_kw: list[float] = Field(min_length=1)
    heat_kw: list[float] | None = None
    pv_pu: list[float] | None = None
    wind_pu: list[float] | None = None


class EventIn(BaseModel):
    """需求响应事件: cut grid import by ``reduction_kw`` in [start_local, end_local)."""

    start_local: LocalTime
    end_local: LocalTime
    reduction_kw: float = Field(gt=0)
    incentive_cny_per_kwh: float = 0.0


class RunIn(BaseModel):
    """A run request. ``scenario`` takes the fields of ``ScenarioParams`` (docs/optimisation.md)."""

    mode: Literal["dispatch", "size", "demand_response"] = "dispatch"
    start_local: LocalTime = Field(
        description="First step (local time), e.g. 2026-07-15, or 2026-01-01 for a year"
    )
    hours: int = Field(24, ge=1, le=8784)
    dt_h: float = Field(1.0, gt=0)
    profile: ProfileIn | None = None
    history_year: int | None = None
    representative_days: int = Field(0, ge=0, le=366)
    tariff_id: str = "CN-JS-large-industry-1-10kV"
    factor_set: str = "CN-park-2025"
    grid_year: int = 2022
    scenario: dict[str, Any] = Field(default_factory=dict)
    event: EventIn | None = None
    time_limit_s: float | None = Field(None, gt=0)
    mip_rel_gap: float | None = Field(None, ge=0)


def _require_park_manager_view(scope: Any, park_id: str) -> None:
    if scope.is_enterprise:
        scope.require_manager("optimization_run", park_id)


@router.get("/optimize/tariffs")
def list_tariffs() -> list[dict[str, Any]]:
    """分时电价: tariffs with their 96 quarter-hour periods per month, prices, confidence and sources."""
    from zeropark.optimize.tariff import load_tariffs

    out = []
    for t in load_tariffs().values():
        out.append(
            {
                "id": t.id,
                "province": t.province,
                "name_zh": t.name_zh,
                "prices_cny_per_kwh": {str(k): v for k, v in t.prices_cny_per_kwh.items()},
                "periods_by_month": {str(m): [str(p) for p in v] for m, v in t.period_by_month.items()},
                "demand_charge_cny_per_kw_month": t.demand_charge_cny_per_kw_month,
                "export_price_cny_per_kwh": t.export_price_cny_per_kwh,
                "confidence": dict(t.confidence),
                "sources": [
                    {
                        "id": s.id,
                        "title": s.title,
                        "issuer": s.issuer,
                        "year": s.year,
                        "url": s.url,
                        "confidence": s.confidence,
                        "note": s.note,
                    }
                    for s in t.sources
                ],
            }
        )
    return out


@router.get("/parks/{park_id}/optimization-runs")
def list_optimization_runs(
    park_id: str, session: SessionDep, scope: ScopeDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[dict[str, Any]]:
    """The park's optimisation runs, newest first (headline figures, no series)."""
    from zeropark.optimize.runs import list_runs, run_summary

    get_park_row(session, scope, park_id)
    _require_park_manager_view(scope, park_id)
    return [run_summary(r) for r in list_runs(scope.engine, park_id, limit)]


@router.get("/optimization-runs/{run_id}")
def get_optimization_run(run_id: int, session: SessionDep, scope: ScopeDep) -> dict[str, Any]:
    """One run: parameters (scenario, tariff, factor set, profile source, solver) and full result."""
    from zeropark.optimize.runs import get_run

    row = get_run(scope.engine, run_id)
    get_park_row(session, scope, row.park_id)
    _require_park_manager_view(scope, row.park_id)
    return {
        "id": row.id,
        "park_id": row.park_id,
        "mode": row.mode,
        "status": row.status,
        "objective_cny": row.objective_cny,
        "created_at": row.created_at.isoformat(),
        "params": row.params,
        "result": row.result,
    }


@router.post("/parks/{park_id}/optimization-runs", status_code=201)
def create_optimization_run(park_id: str, body: RunIn, session: SessionDep, scope: ScopeDep) -> Response:
    """Solve a scenario now and store the run (201), or store and explain an infeasible one (422)."""
    import dataclasses

    from zeropark.optimize.profiles import Profiles
    from zeropark.optimize.result import SolverOptions
    from zeropark.optimize.runs import StoreProfileSource, execute, get_run, run_summary
    from zeropark.optimize.scenario import ScenarioParams
    from zeropark.optimize.system import DemandResponseEvent
    from zeropark.optimize.tariff import load_tariff

    get_park_row(session, scope, park_id)
    scope.require_manager("optimization_run", park_id)
    fields = {f.name for f in dataclasses.fields(ScenarioParams)}
    unknown = sorted(set(body.scenario) - fields)
    if unknown:
        raise DataError(f"unknown scenario field(s) {unknown}; known: {sorted(fields)}")
    params = ScenarioParams(**body.scenario)
    try:
        tariff = load_tariff(body.tariff_id)
    except KeyError as exc:
        raise NotFound(str(exc.args[0])) from exc
    start = pd.Timestamp(body.start_local)
    steps = int(round(body.hours / body.dt_h))
    if body.profile is not None:
        n = len(body.profile.load_kw)
        if n != steps:
            raise DataError(f"profile.load_kw has {n} values; hours/dt_h = {steps} steps are needed")
        import numpy as np

        def arr(v: list[float] | None) -> Any:
            if v is None:
                return np.zeros(n)
            if len(v) != n:
                raise DataError(f"every profile series needs {n} values, one has {len(v)}")
            return np.asarray(v, dtype=float)

        index = pd.date_range(start, periods=n, freq=pd.Timedelta(hours=body.dt_h))
        profiles = Profiles(
            index,
            arr(body.profile.load_kw),
            arr(body.profile.heat_kw),
            arr(body.profile.pv_pu),
            0.0,
            "api:inline",
            body.dt_h,
            None if body.profile.wind_pu is None else arr(body.profile.wind_pu),
        )
    else:
        src = StoreProfileSource(scope.engine, park_id, body.history_year or start.year)
        profiles = src.profiles(start, body.hours) if body.mode != "size" else src.profiles()
    event = None
    if body.event is not None:
        event = DemandResponseEvent(
            pd.Timestamp(body.event.start_local),
            pd.Timestamp(body.event.end_local),
            body.event.reduction_kw,
            body.event.incentive_cny_per_kwh,
        )
    options = SolverOptions(time_limit_s=body.time_limit_s, mip_rel_gap=body.mip_rel_gap)
    try:
        outcome = execute(
            scope.engine,
            park_id=park_id,
            mode=body.mode,
            profiles=profiles,
            params=params,
            tariff=tariff,
            factor_set_name=body.factor_set,
            grid_year=body.grid_year,
            options=options,
            representative_days=body.representative_days,
            event=event,
        )
    except Infeasible as exc:
        scope.audit(
            session,
            "create",
            "optimization_run",
            str(getattr(exc, "run_id", "")),
            after={"status": "infeasible"},
        )
        session.commit()
        return JSONResponse(
            status_code=422,
            content={
                "error": "Infeasible",
                "detail": str(exc),
                "conflicts": exc.conflicts,
                "run_id": getattr(exc, "run_id", None),
            },
        )
    except OptimizationError as exc:
        return JSONResponse(status_code=422, content={"error": type(exc).__name__, "detail": str(exc)})
    except ValueError as exc:  # a scenario figure out of range (e.g. a share above 1)
        raise DataError(str(exc)) from exc
    scope.audit(session, "create", "optimization_run", str(outcome.run_id), after={"mode": body.mode})
    session.commit()
    return JSONResponse(status_code=201, content=run_summary(get_run(scope.engine, outcome.run_id)))


# --------------------------------------------------------------------------------------------
# web page
# --------------------------------------------------------------------------------------------
