"""Least-cost pathway, MACC and 以碳定产/以产定基/以土为界 (``/parks/{id}/roadmap/...``).

Every route calls :mod:`zeropark.services.pathway`, the functions the CLI (``zeropark roadmap
pathway|macc|budget|land|runs|show``) and the pages call: the same run, the same figures. A run is
stored with its parameters (201 with the run; an unreachable target is stored too, ``status``
``infeasible`` with the explanation in words). Bad input 422 (a target before the base year named
``TargetBeforeBaseYear``), unknown park / run / measure 404, a user who may not create runs 403.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from zeropark.api.auth import MANAGERS, GuardedRoute, ScopeDep
from zeropark.roadmap.budget import InfraOptions, ParkLand
from zeropark.roadmap.pathway import DEFAULT_DISCOUNT_RATE, CapexMode
from zeropark.services import pathway as svc

router = APIRouter(route_class=GuardedRoute, tags=["roadmap 路线图"])


class PathwayIn(BaseModel):
    """A pathway / MACC / budget request (targets as in ``zeropark roadmap pathway``)."""

    base_year: int = Field(ge=2000, le=2100)
    horizon: int = Field(2060, ge=2001, le=2100)
    budget_tco2: float | None = Field(None, description="cumulative CO2 budget [tCO2]")
    cap_tco2: float | None = Field(None, description="CO2 cap from `year` on [tCO2/a]")
    zero_by: int | None = Field(None, description="zero CO2 from this year")
    indicator: float | None = Field(None, description="core indicator cap from `year` [tCO2/tce]")
    year: int | None = Field(
        None, description="year of the cap / indicator; MACC and budget: the year looked at"
    )
    growth_pct: float = Field(0.0, description="BAU growth of every enterprise [%/a]")
    discount_rate: float = Field(DEFAULT_DISCOUNT_RATE, description="[UNCERTAIN] real discount rate [1/a]")
    capex_mode: CapexMode = CapexMode.LUMP
    prices: dict[str, float] = Field(default_factory=dict, description="carrier → CNY per canonical unit")
    measure_ids: list[str] = Field(default_factory=list, description="measures to choose from (empty: all)")
    pv_w_per_m2: float = 150.0
    pv_hours: float = 1100.0
    roof_usable_share: float = 0.6
    storage_kwh_per_kw: float = 0.2


class LandIn(BaseModel):
    """The park's roof and land area for PV [m²] and grid connection [MW]."""

    roof_area_m2: float | None = Field(None, ge=0)
    land_area_m2: float | None = Field(None, ge=0)
    grid_connection_mw: float | None = Field(None, ge=0)


def params_of(body: PathwayIn, *, need_target: bool = True) -> svc.PathwayParams:
    """The service parameters of a request body (also used by the pages' form)."""
    targets: tuple[Any, ...] = ()
    if need_target or any(
        x is not None for x in (body.budget_tco2, body.cap_tco2, body.zero_by, body.indicator)
    ):
        targets = svc.targets_from(
            budget_tco2=body.budget_tco2,
            cap_tco2=body.cap_tco2,
            zero_by=body.zero_by,
            indicator=body.indicator,
            year=body.year,
        )
    return svc.PathwayParams(
        base_year=body.base_year,
        horizon=body.horizon,
        targets=targets,
        discount_rate=body.discount_rate,
        prices=svc.prices_from(body.prices),
        capex_mode=body.capex_mode,
        measure_ids=tuple(body.measure_ids),
        year=body.year,
        growth_pct=body.growth_pct,
        infra=InfraOptions(body.pv_w_per_m2, body.pv_hours, body.roof_usable_share, body.storage_kwh_per_kw),
    )


@router.post("/parks/{park_id}/roadmap/pathway", status_code=201, dependencies=[MANAGERS])
async def create_pathway(park_id: str, body: PathwayIn, scope: ScopeDep) -> dict[str, Any]:
    """Solve the least-cost pathway now and store it (also an unreachable target, explained). 最低成本路径."""
    params = params_of(body)
    run = await run_in_threadpool(svc.run_pathway, scope, park_id, params)
    return run.to_dict()


@router.post("/parks/{park_id}/roadmap/macc", status_code=201, dependencies=[MANAGERS])
async def create_macc(park_id: str, body: PathwayIn, scope: ScopeDep) -> dict[str, Any]:
    """The marginal abatement cost curve of `year`, stored. 边际减排成本曲线."""
    run = await run_in_threadpool(svc.run_macc, scope, park_id, params_of(body, need_target=False))
    return run.to_dict()


@router.post("/parks/{park_id}/roadmap/budget", status_code=201, dependencies=[MANAGERS])
async def create_budget(park_id: str, body: PathwayIn, scope: ScopeDep) -> dict[str, Any]:
    """以碳定产、以产定基、以土为界 of the target, stored."""
    run = await run_in_threadpool(svc.run_budget, scope, park_id, params_of(body))
    return run.to_dict()


@router.get("/parks/{park_id}/roadmap/runs")
def list_pathway_runs(
    park_id: str,
    scope: ScopeDep,
    kind: Annotated[str | None, Query(pattern="^(pathway|macc|budget)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[dict[str, Any]]:
    """The park's pathway, MACC and budget runs, newest first (without results)."""
    return [r.summary() for r in svc.list_runs(scope, park_id, kind=kind, limit=limit)]


@router.get("/roadmap/runs/{run_id}")
def get_pathway_run(run_id: int, scope: ScopeDep) -> dict[str, Any]:
    """One stored run: parameters (to make it again) and result."""
    return svc.get_run(scope, run_id).to_dict()


@router.get("/parks/{park_id}/land")
def get_park_land(park_id: str, scope: ScopeDep) -> dict[str, Any]:
    """The park's roof and land area [m²] and grid connection [MW] (null: not entered)."""
    land = svc.get_land(scope, park_id)
    return {
        "roof_area_m2": land.roof_area_m2,
        "land_area_m2": land.land_area_m2,
        "grid_connection_mw": land.grid_connection_mw,
    }


@router.put("/parks/{park_id}/land", dependencies=[MANAGERS])
def put_park_land(park_id: str, body: LandIn, scope: ScopeDep) -> dict[str, Any]:
    """Set the park's roof and land area [m²] and grid connection [MW] (audited)."""
    land = svc.set_land(
        scope, park_id, ParkLand(body.roof_area_m2, body.land_area_m2, body.grid_connection_mw)
    )
    return {
        "roof_area_m2": land.roof_area_m2,
        "land_area_m2": land.land_area_m2,
        "grid_connection_mw": land.grid_connection_mw,
    }
