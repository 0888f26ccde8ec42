"""Industrial symbiosis (产业共生): the park's exchange registry, matching and guiding indicators.

``GET /parks/{park_id}/symbiosis/registry`` lists the registry as the user sees it (an enterprise:
its own sources and sinks and the exchanges it is a party to); ``POST .../sources``, ``.../sinks``
and ``.../exchanges`` register one entry (an enterprise user only its own; checked by the core's
rules, audited; a refused entry answers 422 with its named error); ``POST .../registry`` loads a
whole registry, all or nothing (park managers); ``PUT``/``DELETE .../sources/{id}`` (and
``sinks``, ``exchanges``) edit or delete a stored entry (checked against the whole registry,
audited before and after; a source or sink a realised exchange uses cannot be deleted: 422
``EntryInUse``). ``POST .../match`` matches the park's registry and
keeps the result (park managers), ``GET .../match`` is the latest result, ``GET .../indicators``
the guiding indicators from the realised flows. The answers are those of
``zeropark symbiosis … --format json`` (:mod:`zeropark.services.symbiosis`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from zeropark.api.auth import MANAGERS, WRITERS, GuardedRoute, ScopeDep
from zeropark.services import symbiosis as service
from zeropark.symbiosis.matching import Objective
from zeropark.symbiosis.registry import Sink, Source

router = APIRouter(route_class=GuardedRoute, tags=["symbiosis 产业共生"])


class EntryKind(StrEnum):
    """The kind of a stored registry entry, as the path names it."""

    SOURCES = "sources"
    SINKS = "sinks"
    EXCHANGES = "exchanges"

    @property
    def singular(self) -> str:
        """The service's name of the kind (``source``, ``sink``, ``exchange``)."""
        return self.value[:-1]


class MatchIn(BaseModel):
    """Matching options: ``cost`` (net system cost) or ``co2`` (CO2 avoided); build shares or 0/1."""

    objective: Objective = Objective.COST
    binary: bool = False


class RegistryIn(BaseModel):
    """A whole registry in the file format of docs/symbiosis.md §4 (checked by the service)."""

    weights: list[float] | None = None
    sources: list[dict[str, Any]] = Field(default_factory=list)
    sinks: list[dict[str, Any]] = Field(default_factory=list)
    exchanges: list[dict[str, Any]] = Field(default_factory=list)


@router.get("/parks/{park_id}/symbiosis/registry", response_model=dict[str, Any])
def get_registry(park_id: str, scope: ScopeDep) -> dict[str, Any]:
    """The park's registry as the user sees it, with each row's note (示例数据). 共生登记."""
    body = service.registry_dict(service.park_registry(scope, park_id))
    body["notes"] = service.registry_notes(scope, park_id)
    return body


@router.post(
    "/parks/{park_id}/symbiosis/sources",
    response_model=dict[str, Any],
    status_code=201,
    dependencies=[WRITERS],
)
def add_source(park_id: str, body: Source, scope: ScopeDep) -> dict[str, Any]:
    """Register a source (an enterprise user: its own; audited). 登记供方."""
    return service.source_dict(service.add_source(scope, park_id, body))


@router.post(
    "/parks/{park_id}/symbiosis/sinks", response_model=dict[str, Any], status_code=201, dependencies=[WRITERS]
)
def add_sink(park_id: str, body: Sink, scope: ScopeDep) -> dict[str, Any]:
    """Register a sink (an enterprise user: its own; audited). 登记需方."""
    return service.sink_dict(service.add_sink(scope, park_id, body))


@router.post(
    "/parks/{park_id}/symbiosis/exchanges",
    response_model=dict[str, Any],
    status_code=201,
    dependencies=[WRITERS],
)
def add_exchange(park_id: str, body: service.AgreedExchange, scope: ScopeDep) -> dict[str, Any]:
    """Register a realised exchange with its allocation rule (a party to it; audited). 登记交换."""
    return service.agreed_dict(service.add_exchange(scope, park_id, body))


@router.put(
    "/parks/{park_id}/symbiosis/{kind}/{item_id}", response_model=dict[str, Any], dependencies=[WRITERS]
)
def update_entry(
    park_id: str, kind: EntryKind, item_id: str, body: dict[str, Any], scope: ScopeDep
) -> dict[str, Any]:
    """Replace a stored source, sink or exchange (its file form; checked, audited). 修改登记."""
    return service.entry_dict(service.update_entry(scope, park_id, kind.singular, item_id, body))


@router.delete(
    "/parks/{park_id}/symbiosis/{kind}/{item_id}", response_model=dict[str, Any], dependencies=[WRITERS]
)
def delete_entry(park_id: str, kind: EntryKind, item_id: str, scope: ScopeDep) -> dict[str, Any]:
    """Delete a stored entry (a source or sink in use by an exchange: 422 EntryInUse; audited). 删除登记."""
    return {"deleted": service.entry_dict(service.delete_entry(scope, park_id, kind.singular, item_id))}


@router.post(
    "/parks/{park_id}/symbiosis/registry",
    response_model=dict[str, Any],
    status_code=201,
    dependencies=[MANAGERS],
)
def import_registry(park_id: str, body: RegistryIn, scope: ScopeDep) -> dict[str, Any]:
    """Load a whole registry, all or nothing (park managers; audited). 导入共生登记."""
    payload = body.model_dump(exclude_none=True)
    added = service.store_registry(scope, park_id, payload, file="request body")
    return {"sources": len(added.sources), "sinks": len(added.sinks), "exchanges": len(added.exchanges)}


@router.post(
    "/parks/{park_id}/symbiosis/match",
    response_model=dict[str, Any],
    status_code=201,
    dependencies=[MANAGERS],
)
def match(park_id: str, body: MatchIn, scope: ScopeDep) -> dict[str, Any]:
    """Match the park's sources to sinks and keep the result (park managers). 共生匹配."""
    return service.result_dict(service.match_park(scope, park_id, body.objective, body.binary))


@router.get("/parks/{park_id}/symbiosis/match", response_model=dict[str, Any] | None)
def latest_match(park_id: str, scope: ScopeDep) -> dict[str, Any] | None:
    """The latest matching result (an enterprise: the suggestions for its own streams), or null."""
    return service.latest_match(scope, park_id)


@router.get("/parks/{park_id}/symbiosis/indicators", response_model=dict[str, Any])
def indicators(park_id: str, scope: ScopeDep, fresh_water_m3: float | None = None) -> dict[str, Any]:
    """Guiding indicators from the realised flows and the avoided-emission claims. 引导性指标."""
    return service.indicators_dict(service.park_indicators(scope, park_id, fresh_water_m3))


@router.get("/parks/{park_id}/symbiosis/sharing", response_model=dict[str, Any])
def sharing(park_id: str, scope: ScopeDep) -> dict[str, Any]:
    """Energy sharing: supplied/received GJ, CO2 avoided, saving per exchange and enterprise. 能源共享."""
    return service.sharing_dict(service.park_sharing(scope, park_id))
