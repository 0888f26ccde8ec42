"""Parks (园区), zones (片区) and enterprises (企业).

Enterprise users see their own park and only their own enterprise; park managers and verifiers
their park (all parks when their account has no park); admins everything (the read models in
:mod:`zeropark.store.queries.parks` and :mod:`~zeropark.store.queries.enterprises`). Writes need
admin or park manager and are audited with before/after (:mod:`zeropark.services.parks`).

A park's record is read on almost every request (the park check of every park route), so
:func:`park_out` keeps it per process for ``ROW_TTL_S`` seconds (:mod:`zeropark.store.changes`: a park
written through the ORM in this process is re-read at once, one written elsewhere within the TTL).
The scope check itself is never cached.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from zeropark.api.auth import MANAGERS, Admin, GuardedRoute, ScopeDep
from zeropark.api.caching import caches
from zeropark.api.paging import Limit, Offset
from zeropark.api.schemas import (
    EnterpriseCreate,
    EnterpriseOut,
    EnterpriseUpdate,
    Page,
    ParkCreate,
    ParkOut,
    ZoneCreate,
    ZoneOut,
)
from zeropark.model import Enterprise, Park, Zone
from zeropark.services import parks as service
from zeropark.store.queries import enterprises, parks
from zeropark.store.scope import Scope

router = APIRouter(route_class=GuardedRoute, tags=["parks 园区"])


async def park_out(request: Request, scope: Scope, park_id: str) -> ParkOut:
    """The park ``park_id`` if the user may see it (404 + audit otherwise), for async routes.

    The scope is checked on every call; the park's record comes from the per-process cache
    (``ROW_TTL_S``) or one query in the thread pool.
    """
    if not scope.sees_park(park_id):
        await run_in_threadpool(scope.check_park, park_id)  # audits the denial and raises
    engine = scope.engine
    return await caches(request).parks.load(
        park_id, lambda: ParkOut.model_validate(parks.park_record(engine, park_id))
    )


@router.get("/parks", response_model=Page[ParkOut])
def list_parks(scope: ScopeDep, limit: Limit = 100, offset: Offset = 0) -> Page[ParkOut]:
    """Parks the user may see. 园区列表."""
    found = parks.park_page(scope, limit=limit, offset=offset)
    items = [ParkOut.model_validate(r) for r in found.items]
    return Page(items=items, total=found.total, limit=limit, offset=offset)


@router.post("/parks", response_model=ParkOut, status_code=201)
def create_park(body: ParkCreate, admin: Admin, scope: ScopeDep) -> ParkOut:
    """Create a park (admin). 新建园区."""
    return ParkOut.model_validate(service.create_park(scope, Park(**body.model_dump())))


@router.get("/parks/{park_id}", response_model=ParkOut)
async def get_park(park_id: str, request: Request, scope: ScopeDep) -> ParkOut:
    """One park. 园区详情."""
    return await park_out(request, scope, park_id)


@router.get("/parks/{park_id}/zones", response_model=list[ZoneOut])
def list_zones(park_id: str, scope: ScopeDep) -> list[ZoneOut]:
    """Zones of a park. 片区列表."""
    return [ZoneOut.model_validate(r) for r in parks.zones(scope, park_id)]


@router.post("/parks/{park_id}/zones", response_model=ZoneOut, status_code=201, dependencies=[MANAGERS])
def create_zone(park_id: str, body: ZoneCreate, scope: ScopeDep) -> ZoneOut:
    """Add a zone to a park (admin, park manager). 新建片区."""
    row = service.create_zone(scope, Zone(id=body.id, park_id=park_id, name=body.name))
    return ZoneOut.model_validate(row)


@router.get("/parks/{park_id}/enterprises", response_model=Page[EnterpriseOut])
def list_enterprises(
    park_id: str, scope: ScopeDep, limit: Limit = 100, offset: Offset = 0
) -> Page[EnterpriseOut]:
    """Enterprises of a park (an enterprise user sees only its own). 企业列表."""
    found = enterprises.enterprise_page(scope, park_id, limit=limit, offset=offset)
    items = [EnterpriseOut.model_validate(r) for r in found.items]
    return Page(items=items, total=found.total, limit=limit, offset=offset)


@router.post(
    "/parks/{park_id}/enterprises", response_model=EnterpriseOut, status_code=201, dependencies=[MANAGERS]
)
def create_enterprise(park_id: str, body: EnterpriseCreate, scope: ScopeDep) -> EnterpriseOut:
    """Add an enterprise to a park (admin, park manager). 新建企业."""
    row = service.create_enterprise(scope, Enterprise(park_id=park_id, **body.model_dump()))
    return EnterpriseOut.model_validate(row)


@router.get("/enterprises/{enterprise_id}", response_model=EnterpriseOut)
def get_enterprise(enterprise_id: str, scope: ScopeDep) -> EnterpriseOut:
    """One enterprise. 企业详情."""
    return EnterpriseOut.model_validate(enterprises.enterprise(scope, enterprise_id))


@router.patch("/enterprises/{enterprise_id}", response_model=EnterpriseOut, dependencies=[MANAGERS])
def update_enterprise(enterprise_id: str, body: EnterpriseUpdate, scope: ScopeDep) -> EnterpriseOut:
    """Change an enterprise (admin, park manager). 修改企业信息."""
    row = service.update_enterprise(scope, enterprise_id, body.model_dump(exclude_unset=True))
    return EnterpriseOut.model_validate(row)
