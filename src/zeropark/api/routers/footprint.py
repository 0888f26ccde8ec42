"""Product carbon footprint (产品碳足迹) and CBAM: products, allocation, materials, SEE, communication.

``GET/POST /parks/{park_id}/products`` lists / adds products (an enterprise user: only its own);
``PUT .../products/{id}/allocation/{year}`` records the production and allocation (shares over
100 % answer 422 ``AllocationExceeds``), ``POST .../products/{id}/materials/{year}`` a purchased
material, ``GET .../products/{id}/footprint/{year}`` the cradle-to-gate footprint per functional
unit with its 95 % interval. ``GET /cbam/goods/{cn}`` looks a CN code up (422 ``NotCbamGood``
outside Annex I), ``GET /parks/{id}/products/{pid}/cbam/{year}`` the SEE, ``GET
/parks/{id}/cbam/{year}/communication.xlsx`` the operator's communication. Every answer is the
``to_dict()`` of :mod:`zeropark.services.footprint` — the figures of ``zeropark footprint`` and
``zeropark cbam`` with ``--format json``.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from zeropark.api.auth import WRITERS, GuardedRoute, ScopeDep
from zeropark.footprint import cbam
from zeropark.services import footprint as service

router = APIRouter(route_class=GuardedRoute, tags=["footprint 产品碳足迹"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ProductIn(BaseModel):
    """A new product: id unique in the park, the functional unit, the CN code when exported."""

    product_id: str = Field(min_length=1, max_length=64)
    enterprise_id: str | None = Field(None, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    unit: str = Field("t", min_length=1, max_length=32)
    cn_code: str | None = Field(None, max_length=16)


class AllocationIn(BaseModel):
    """Production [product unit] and the allocation rule with its basis or shares [%]."""

    production: float = Field(gt=0)
    rule: Literal["mass", "economic", "metered"]
    basis: float | None = Field(None, ge=0)
    share_pct: float | None = Field(None, ge=0, le=100)
    direct_pct: float | None = Field(None, ge=0, le=100)
    electricity_pct: float | None = Field(None, ge=0, le=100)
    heat_pct: float | None = Field(None, ge=0, le=100)
    note: str = Field("", max_length=2000)


class MaterialIn(BaseModel):
    """A purchased material [t] or transport leg [t·km] by upstream factor id."""

    material_id: str = Field(min_length=1, max_length=64)
    quantity: float = Field(gt=0)
    evidence: str = Field("", max_length=2000)


@router.get("/footprint/materials", response_model=list[dict[str, Any]])
def list_materials(scope: ScopeDep) -> list[dict[str, Any]]:
    """Upstream factor table (cradle-to-gate, cited; recalled values [UNCERTAIN]). 上游排放因子."""
    return [f.to_dict() for f in service.list_materials()]


@router.get("/parks/{park_id}/products", response_model=list[dict[str, Any]])
def list_products(park_id: str, scope: ScopeDep, enterprise_id: str | None = None) -> list[dict[str, Any]]:
    """The park's products the user may see (an enterprise user: its own). 产品列表."""
    return [p.to_dict() for p in service.list_products(scope, park_id, enterprise_id=enterprise_id)]


@router.post(
    "/parks/{park_id}/products", response_model=dict[str, Any], status_code=201, dependencies=[WRITERS]
)
def add_product(park_id: str, body: ProductIn, scope: ScopeDep) -> dict[str, Any]:
    """Add a product (an enterprise user: of its own enterprise; audited). 新增产品."""
    return service.add_product(
        scope,
        park_id,
        enterprise_id=body.enterprise_id,
        product_id=body.product_id,
        name=body.name,
        unit=body.unit,
        cn_code=body.cn_code,
    ).to_dict()


@router.put(
    "/parks/{park_id}/products/{product_id}/allocation/{year}",
    response_model=dict[str, Any],
    dependencies=[WRITERS],
)
def allocate(park_id: str, product_id: str, year: int, body: AllocationIn, scope: ScopeDep) -> dict[str, Any]:
    """Record production and allocation for the year; shares over 100 % answer 422. 分配."""
    return service.allocate(
        scope,
        park_id,
        product_id,
        year=year,
        production=body.production,
        rule=body.rule,
        basis=body.basis,
        share_pct=body.share_pct,
        direct_pct=body.direct_pct,
        electricity_pct=body.electricity_pct,
        heat_pct=body.heat_pct,
        note=body.note,
    ).to_dict()


@router.post(
    "/parks/{park_id}/products/{product_id}/materials/{year}",
    response_model=dict[str, Any],
    status_code=201,
    dependencies=[WRITERS],
)
def add_material(
    park_id: str, product_id: str, year: int, body: MaterialIn, scope: ScopeDep
) -> dict[str, Any]:
    """Record a purchased material or transport leg (audited). 外购材料."""
    use = service.add_material(
        scope,
        park_id,
        product_id,
        year=year,
        material_id=body.material_id,
        quantity=body.quantity,
        evidence=body.evidence,
    )
    return {
        "product_id": product_id,
        "year": year,
        "quantity": use.quantity,
        "tco2e": use.tco2e,
        "factor": use.factor.to_dict(),
    }


@router.get("/parks/{park_id}/products/{product_id}/footprint/{year}", response_model=dict[str, Any])
def footprint(park_id: str, product_id: str, year: int, scope: ScopeDep) -> dict[str, Any]:
    """Cradle-to-gate footprint per functional unit with its 95 % interval. 产品碳足迹."""
    return service.compute(scope, park_id, product_id, year=year).to_dict()


@router.get("/cbam/goods/{cn_code}", response_model=dict[str, Any])
def cbam_good(cn_code: str, scope: ScopeDep) -> dict[str, Any]:
    """The CBAM good of a CN code (Annex I of 2023/956); 422 NotCbamGood outside it. CBAM 货物."""
    return cbam.cbam_good(cn_code).to_dict()


@router.get("/parks/{park_id}/products/{product_id}/cbam/{year}", response_model=dict[str, Any])
def cbam_see(
    park_id: str,
    product_id: str,
    year: int,
    scope: ScopeDep,
    period: Literal["transitional", "definitive"] = "definitive",
    basis: Literal["actual", "default"] = "actual",
) -> dict[str, Any]:
    """Specific embedded emissions of a product (direct, indirect) [tCO2e/t]. CBAM 隐含排放."""
    return service.cbam_see(scope, park_id, product_id, year=year, period=period, basis=basis).to_dict()


@router.get("/parks/{park_id}/cbam/{year}/communication.xlsx", response_class=Response)
def cbam_communication(
    park_id: str, year: int, scope: ScopeDep, period: Literal["transitional", "definitive"] = "definitive"
) -> Response:
    """The operator's communication to EU importers (xlsx, the template's sheet names). CBAM 通报."""
    data = service.cbam_export(scope, park_id, year=year, period=period)
    return Response(
        data,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="cbam-{park_id}-{year}.xlsx"'},
    )
