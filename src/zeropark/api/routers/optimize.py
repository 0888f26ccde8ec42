"""Optimisation runs (优化调度与容量配置): create, list and read dispatch / sizing / demand-response runs.

``router`` (API, mounted under ``/api/v1``):

- ``GET  /optimize/tariffs`` — the TOU tariffs with periods, prices, confidence and sources (any
  reading role);
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

from zeropark.api.auth import MANAGERS, GuardedRoute, Reader, ScopeDep
from zeropark.errors import DataError, OptimizationError
from zeropark.optimize.profiles import profiles_from_values
from zeropark.optimize.result import SolverOptions
from zeropark.optimize.scenario import scenario_params
from zeropark.optimize.system import DemandResponseEvent, Mode
from zeropark.optimize.tariff import Tariff
from zeropark.services import optimization
from zeropark.services.optimization import (
    DEFAULT_FACTOR_SET,
    DEFAULT_GRID_YEAR,
    DEFAULT_TARIFF,
    MeteredHistory,
    ProfileInput,
    RunRequest,
    RunSummary,
    StoredRun,
)

router = APIRouter(route_class=GuardedRoute, tags=["optimize 优化"])


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
    tariff_id: str = DEFAULT_TARIFF
    factor_set: str = DEFAULT_FACTOR_SET
    grid_year: int = DEFAULT_GRID_YEAR
    scenario: dict[str, Any] = Field(default_factory=dict)
    event: EventIn | None = None
    time_limit_s: float | None = Field(None, gt=0)
    mip_rel_gap: float | None = Field(None, ge=0)
    energy_price_cny_per_kwh: list[float] | None = Field(
        None,
        description="Import price of each step from start_local (dt_h apart) [CNY/kWh]; replaces the "
        "tariff's TOU energy prices (demand charge and export price stay the tariff's)",
    )
    effect: bool = Field(
        True, description="Sizing: also solve today's park and store the effect (second solve)"
    )


def _tariff_out(t: Tariff) -> dict[str, Any]:
    return {
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


def _summary_out(s: RunSummary) -> dict[str, Any]:
    """The API shape of a run summary."""
    return {
        "id": s.id,
        "park_id": s.park_id,
        "mode": s.mode,
        "status": s.status,
        "objective_cny": s.objective_cny,
        "created_at": s.created_at.isoformat(),
        "sizes": s.sizes,
        "costs_cny": s.costs_cny,
        "emissions_tco2": s.emissions_tco2,
        "clean_share": s.clean_share,
        "hourly_matching": s.hourly_matching,
        "core_indicator_tco2_per_tce": s.core_indicator_tco2_per_tce,
        "conflicts": s.conflicts,
    }


def _run_out(run: StoredRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "park_id": run.park_id,
        "mode": run.mode,
        "status": run.status,
        "objective_cny": run.objective_cny,
        "created_at": run.created_at.isoformat(),
        "params": run.params,
        "result": run.result,
    }


def _request(body: RunIn) -> RunRequest:
    """The service's request of an API body (the inline profile needs hours / dt_h values)."""
    start = pd.Timestamp(body.start_local)
    profiles: ProfileInput
    if body.profile is not None:
        steps = int(round(body.hours / body.dt_h))
        n = len(body.profile.load_kw)
        if n != steps:
            raise DataError(f"profile.load_kw has {n} values; hours/dt_h = {steps} steps are needed")
        profiles = profiles_from_values(
            start,
            body.dt_h,
            body.profile.load_kw,
            heat_kw=body.profile.heat_kw,
            pv_pu=body.profile.pv_pu,
            wind_pu=body.profile.wind_pu,
            source="api:inline",
        )
    else:
        profiles = MeteredHistory(body.history_year or start.year)
    sized = body.mode == "size"
    event = None
    if body.event is not None:
        event = DemandResponseEvent(
            pd.Timestamp(body.event.start_local),
            pd.Timestamp(body.event.end_local),
            body.event.reduction_kw,
            body.event.incentive_cny_per_kwh,
        )
    return RunRequest(
        mode=Mode(body.mode),
        profiles=profiles,
        start_local=None if sized else start,
        hours=None if sized else body.hours,
        scenario=scenario_params(body.scenario),
        tariff_id=body.tariff_id,
        factor_set=body.factor_set,
        grid_year=body.grid_year,
        options=SolverOptions(time_limit_s=body.time_limit_s, mip_rel_gap=body.mip_rel_gap),
        representative_days=body.representative_days,
        event=event,
        energy_prices=None
        if body.energy_price_cny_per_kwh is None
        else pd.Series(
            body.energy_price_cny_per_kwh,
            index=pd.date_range(
                start, periods=len(body.energy_price_cny_per_kwh), freq=pd.Timedelta(hours=body.dt_h)
            ),
        ),
        effect=body.effect,
    )


@router.get("/optimize/tariffs")
def list_tariffs(_user: Reader) -> list[dict[str, Any]]:
    """分时电价: tariffs with their 96 quarter-hour periods per month, prices, confidence and sources.

    Any reading role (a principal is required on every ``/api/v1`` path but login and health).
    """
    return [_tariff_out(t) for t in optimization.list_tariffs()]


@router.get("/parks/{park_id}/optimization-runs")
def list_optimization_runs(
    park_id: str, scope: ScopeDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[dict[str, Any]]:
    """The park's optimisation runs, newest first (headline figures, no series)."""
    return [_summary_out(s) for s in optimization.list_runs(scope, park_id, limit)]


@router.get("/optimization-runs/{run_id}")
def get_optimization_run(run_id: int, scope: ScopeDep) -> dict[str, Any]:
    """One run: parameters (scenario, tariff, factor set, profile source, solver) and full result."""
    return _run_out(optimization.get_run(scope, run_id))


@router.post("/parks/{park_id}/optimization-runs", status_code=201, dependencies=[MANAGERS])
def create_optimization_run(park_id: str, body: RunIn, scope: ScopeDep) -> Response:
    """Solve a scenario now and store the run (201), or store and explain an infeasible one (422)."""
    try:
        outcome = optimization.create_run(scope, park_id, _request(body))
    except OptimizationError as exc:
        return JSONResponse(status_code=422, content={"error": type(exc).__name__, "detail": str(exc)})
    run = outcome.run
    if run.infeasible:
        return JSONResponse(
            status_code=422,
            content={
                "error": "Infeasible",
                "detail": run.result.get("message"),
                "conflicts": run.conflicts,
                "run_id": run.id,
            },
        )
    return JSONResponse(status_code=201, content=_summary_out(run.summary()))
