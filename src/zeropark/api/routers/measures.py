"""Reduction measures (减排措施): the built-in library and a park's own measures.

``GET /parks/{park_id}/measures[?pathway=&mechanism=]`` lists both (each with ``builtin``, its units
and its cited source), ``GET .../measures/{id}`` one; a park manager adds one with ``POST`` (checked
like the library: a cited source, a lifetime > 0, ...; a bad field answers 422 naming it, nothing
stored) and deletes a park measure with ``DELETE``. The answers are
:meth:`zeropark.services.measures.MeasureView.to_dict` — the figures of
``zeropark roadmap measures show --format json`` and of the page ``/roadmap/measures``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from zeropark.api.auth import MANAGERS, GuardedRoute, ScopeDep
from zeropark.services import measures as service

router = APIRouter(route_class=GuardedRoute, tags=["roadmap 路线图"])


class MeasureIn(BaseModel):
    """A park measure as submitted; units as in ``docs/measures.md`` (canonical unit per unit-year, CNY)."""

    id: str = Field(max_length=64)
    name_zh: str = Field(max_length=200)
    name_en: str = Field("", max_length=200)
    pathway: str
    mechanism: str
    carrier: str | None = None
    to_carrier: str | None = None
    ratio: float | None = None
    factor_id: str | None = Field(None, max_length=120)
    unit: str = Field(max_length=64)
    effect_per_unit: float
    capex_cny_per_unit: float
    opex_cny_per_unit_year: float
    lifetime_years: int
    ramp_years: int = 0
    max_share: float = 1.0
    build_limit: float | None = None
    industries: list[str] = Field(default_factory=list)
    source_id: str = Field(max_length=64)
    uncertain: bool = False
    note: str = Field("", max_length=2000)
    # the park's own document, when source_id is not a known one (see docs/measures.md)
    source_title: str = Field("", max_length=400)
    source_issuer: str = Field("", max_length=200)
    source_number: str = Field("", max_length=120)
    source_date: str = Field("", max_length=10)
    source_url: str = Field("", max_length=400)
    source_confidence: str = Field("", max_length=16)

    def fields(self) -> dict[str, str]:
        """The text fields the service parses (the same parser as a CSV row or the web form)."""
        out: dict[str, str] = {}
        for name, value in self.model_dump().items():
            if value is None:
                out[name] = ""
            elif isinstance(value, bool):
                out[name] = "true" if value else "false"
            elif isinstance(value, list):
                out[name] = ";".join(str(v) for v in value)
            else:
                out[name] = repr(value) if isinstance(value, float) else str(value)
        return out


@router.get("/parks/{park_id}/measures", response_model=list[dict[str, Any]])
def list_measures(
    park_id: str, scope: ScopeDep, pathway: str | None = None, mechanism: str | None = None
) -> list[dict[str, Any]]:
    """Built-in and park measures, optionally of one pathway or mechanism. 减排措施库."""
    return [v.to_dict() for v in service.list_measures(scope, park_id, pathway=pathway, mechanism=mechanism)]


@router.get("/parks/{park_id}/measures/{measure_id}", response_model=dict[str, Any])
def get_measure(park_id: str, measure_id: str, scope: ScopeDep) -> dict[str, Any]:
    """One measure (built-in or the park's own) with units and source. 减排措施."""
    return service.get_measure(scope, park_id, measure_id).to_dict()


@router.post(
    "/parks/{park_id}/measures", response_model=dict[str, Any], status_code=201, dependencies=[MANAGERS]
)
def add_measure(park_id: str, body: MeasureIn, scope: ScopeDep) -> dict[str, Any]:
    """Add a park measure (park managers; audited); a bad field answers 422 naming it. 新增园区措施."""
    return service.add_measure(scope, park_id, body.fields(), file="request body").to_dict()


@router.delete("/parks/{park_id}/measures/{measure_id}", status_code=204, dependencies=[MANAGERS])
def delete_measure(park_id: str, measure_id: str, scope: ScopeDep) -> Response:
    """Delete a park measure (built-in ones cannot be; audited). 删除园区措施."""
    service.delete_measure(scope, park_id, measure_id)
    return Response(status_code=204)
