"""分时电价 as park data (versions, a new month's prices) and the electricity cost report.

A thin door to :mod:`zeropark.services.tariffs` (the same figures as ``zeropark tariff`` and the
/tariffs page).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from zeropark.api.auth import MANAGERS, GuardedRoute, Reader, ScopeDep
from zeropark.optimize.tariff import TouPeriod
from zeropark.services import tariffs
from zeropark.services.tariffs import TariffVersion

router = APIRouter(route_class=GuardedRoute, tags=["tariffs 分时电价"])


class TariffVersionOut(BaseModel):
    """One stored tariff version with its hours per period and month and its prices."""

    tariff_id: str
    version: int
    province: str
    voltage: str
    valid_from: str
    note: str
    sha256: str
    created_by: str | None
    prices_cny_per_kwh: dict[str, float]
    demand_charge_cny_per_kw_month: float
    hours_by_month: dict[int, dict[str, float]]
    sources: list[dict[str, Any]]


def _out(v: TariffVersion) -> TariffVersionOut:
    t = v.tariff
    return TariffVersionOut(
        tariff_id=v.tariff_id,
        version=v.version,
        province=v.province,
        voltage=v.voltage,
        valid_from=v.valid_from,
        note=v.note,
        sha256=v.sha256,
        created_by=v.created_by,
        prices_cny_per_kwh={p.value: x for p, x in t.prices_cny_per_kwh.items()},
        demand_charge_cny_per_kw_month=t.demand_charge_cny_per_kw_month,
        hours_by_month={
            m: {p.value: t.period_by_month[m].count(p) / 4 for p in TouPeriod} for m in range(1, 13)
        },
        sources=[
            {"id": s.id, "title": s.title, "issuer": s.issuer, "year": s.year, "confidence": s.confidence}
            for s in t.sources
        ],
    )


@router.get("/tariffs", response_model=list[TariffVersionOut])
def list_versions(scope: ScopeDep, _user: Reader) -> Any:
    """Every stored tariff version. 分时电价版本."""
    return [_out(v) for v in tariffs.list_versions(scope)]


@router.get("/tariffs/{tariff_id}", response_model=TariffVersionOut)
def show(tariff_id: str, scope: ScopeDep, _user: Reader, month: str | None = None) -> Any:
    """The version in force in ``month`` (YYYY-MM; default the latest). 查看分时电价."""
    return _out(tariffs.show(scope, tariff_id, month))


class PriceChange(BaseModel):
    """A new version from a month: prices by period [CNY/kWh] and/or the demand charge, with its source."""

    valid_from: str = Field(description="YYYY-MM")
    prices_cny_per_kwh: dict[str, float] = {}
    demand_charge_cny_per_kw_month: float | None = None
    source: str = Field(description="the document (number and date) the figures come from")
    issuer: str = ""


@router.post(
    "/tariffs/{tariff_id}/versions", response_model=TariffVersionOut, status_code=201, dependencies=[MANAGERS]
)
def set_prices(tariff_id: str, body: PriceChange, scope: ScopeDep) -> Any:
    """A new version (e.g. this month's 代理购电 price). 修改分时电价."""
    return _out(
        tariffs.set_prices(
            scope,
            tariff_id,
            body.valid_from,
            prices=body.prices_cny_per_kwh,
            demand_charge=body.demand_charge_cny_per_kw_month,
            source_title=body.source,
            source_issuer=body.issuer,
        )
    )


@router.get("/parks/{park_id}/electricity-cost/{year}")
def electricity_cost(
    park_id: str,
    year: int,
    scope: ScopeDep,
    _user: Reader,
    tariff_id: str = "CN-JS-large-industry-1-10kV",
    enterprise_id: str | None = None,
) -> dict[str, Any]:
    """电费报表: per enterprise and month, energy and cost by TOU period and the demand charge [kWh, CNY]."""
    report = tariffs.electricity_cost(scope, park_id, year, tariff_id, enterprise_id=enterprise_id)
    return {
        "tariff_id": tariff_id,
        "year": year,
        "rows": tariffs.cost_rows(report),
        "assumptions": list(report.assumptions),
    }
