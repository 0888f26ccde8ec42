"""Parks (园区), zones (片区) and enterprises (企业).

Enterprise users see their own park and only their own enterprise; park managers and verifiers
their park (all parks when their account has no park); admins everything. Writes need admin or
park manager and are audited with before/after.

A park's record is read on almost every request (the park check of every park route), so
:func:`park_out` keeps it per process for ``ROW_TTL_S`` seconds (:mod:`zeropark.store.changes`: a park
written through the ORM in this process is re-read at once, one written elsewhere within the TTL).
The scope check itself is never cached.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import Engine, select
from starlette.concurrency import run_in_threadpool

from zeropark.api.auth import Admin, ScopeDep
from zeropark.api.caching import caches
from zeropark.api.deps import SessionDep
from zeropark.api.paging import Limit, Offset, paginate
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
from zeropark.api.validation import invalid
from zeropark.errors import NotFound
from zeropark.store import audit
from zeropark.store.db import read_connection
from zeropark.store.schema import EnterpriseRow, ParkRow, ZoneRow
from zeropark.store.scope import Scope

router = APIRouter(tags=["parks 园区"])


def _read_park(engine: Engine, park_id: str) -> ParkOut:
    cols = [c for c in ParkRow.__table__.c if c.name in ParkOut.model_fields]
    with read_connection(engine) as conn:
        row = conn.execute(select(*cols).where(ParkRow.id == park_id)).first()
    if row is None:
        raise NotFound(f"park '{park_id}' not found")
    return ParkOut.model_validate(row._mapping)


async def park_out(request: Request, scope: Scope, park_id: str) -> ParkOut:
    """The park ``park_id`` if the user may see it (404 + audit otherwise), for async routes.

    The scope is checked on every call; the park's record comes from the per-process cache
    (``ROW_TTL_S``) or one query in the thread pool.
    """
    if not scope.sees_park(park_id):
        await run_in_threadpool(scope.check_park, park_id)  # audits the denial and raises
    engine: Engine = request.app.state.engine
    return await caches(request).parks.load(park_id, lambda: _read_park(engine, park_id))


def get_park_row(session: SessionDep, scope: ScopeDep, park_id: str) -> ParkRow:
    """The park ``park_id`` if the user may see it (404 + audit otherwise)."""
    scope.check_park(park_id)
    row = session.get(ParkRow, park_id)
    if row is None:
        raise NotFound(f"park '{park_id}' not found")
    # end the read transaction (nothing is pending yet): the connection goes back to the pool, so
    # a route that waits for a shared computation (indicators, quality) holds none meanwhile
    session.commit()
    return row


def get_enterprise_row(session: SessionDep, scope: ScopeDep, enterprise_id: str) -> EnterpriseRow:
    """The enterprise ``enterprise_id`` if the user may see it (404 + audit otherwise)."""
    row = session.get(EnterpriseRow, enterprise_id)
    if row is None:
        raise NotFound(f"enterprise '{enterprise_id}' not found")
    scope.check("enterprise", enterprise_id, park_id=row.park_id, enterprise_id=row.id)
    return row


@router.get("/parks", response_model=Page[ParkOut])
def list_parks(session: SessionDep, scope: ScopeDep, limit: Limit = 100, offset: Offset = 0) -> Page[ParkOut]:
    """Parks the user may see. 园区列表."""
    stmt = scope.filter(select(ParkRow), park_col=ParkRow.id, park_level=True).order_by(ParkRow.id)
    return paginate(session, stmt, limit, offset, ParkOut.model_validate)


@router.post("/parks", response_model=ParkOut, status_code=201)
def create_park(body: ParkCreate, session: SessionDep, admin: Admin, scope: ScopeDep) -> ParkOut:
    """Create a park (admin). 新建园区."""
    if session.get(ParkRow, body.id) is not None:
        raise invalid("id", f"park '{body.id}' already exists; choose another id")
    row = ParkRow(**body.model_dump(), is_demo=False)
    session.add(row)
    session.flush()
    scope.audit(session, audit.CREATE, "park", row.id, after=audit.row_snapshot(row))
    session.commit()
    return ParkOut.model_validate(row)


@router.get("/parks/{park_id}", response_model=ParkOut)
async def get_park(park_id: str, request: Request, scope: ScopeDep) -> ParkOut:
    """One park. 园区详情."""
    return await park_out(request, scope, park_id)


@router.get("/parks/{park_id}/zones", response_model=list[ZoneOut])
def list_zones(park_id: str, session: SessionDep, scope: ScopeDep) -> list[ZoneOut]:
    """Zones of a park. 片区列表."""
    get_park_row(session, scope, park_id)
    rows = session.scalars(select(ZoneRow).where(ZoneRow.park_id == park_id).order_by(ZoneRow.id))
    return [ZoneOut.model_validate(r) for r in rows]


@router.post("/parks/{park_id}/zones", response_model=ZoneOut, status_code=201)
def create_zone(park_id: str, body: ZoneCreate, session: SessionDep, scope: ScopeDep) -> ZoneOut:
    """Add a zone to a park (admin, park manager). 新建片区."""
    get_park_row(session, scope, park_id)
    scope.require_manager("zone", body.id)
    if session.get(ZoneRow, body.id) is not None:
        raise invalid("id", f"zone '{body.id}' already exists; choose another id")
    row = ZoneRow(id=body.id, park_id=park_id, name=body.name)
    session.add(row)
    session.flush()
    scope.audit(session, audit.CREATE, "zone", row.id, after=audit.row_snapshot(row))
    session.commit()
    return ZoneOut.model_validate(row)


@router.get("/parks/{park_id}/enterprises", response_model=Page[EnterpriseOut])
def list_enterprises(
    park_id: str, session: SessionDep, scope: ScopeDep, limit: Limit = 100, offset: Offset = 0
) -> Page[EnterpriseOut]:
    """Enterprises of a park (an enterprise user sees only its own). 企业列表."""
    get_park_row(session, scope, park_id)
    stmt = scope.filter(
        select(EnterpriseRow).where(EnterpriseRow.park_id == park_id), enterprise_col=EnterpriseRow.id
    ).order_by(EnterpriseRow.id)
    return paginate(session, stmt, limit, offset, EnterpriseOut.model_validate)


@router.post("/parks/{park_id}/enterprises", response_model=EnterpriseOut, status_code=201)
def create_enterprise(
    park_id: str, body: EnterpriseCreate, session: SessionDep, scope: ScopeDep
) -> EnterpriseOut:
    """Add an enterprise to a park (admin, park manager). 新建企业."""
    get_park_row(session, scope, park_id)
    scope.require_manager("enterprise", body.id)
    if session.get(EnterpriseRow, body.id) is not None:
        raise invalid("id", f"enterprise '{body.id}' already exists; choose another id")
    if session.scalar(select(EnterpriseRow.id).where(EnterpriseRow.uscc == body.uscc)) is not None:
        raise invalid("uscc", f"USCC {body.uscc} is already registered to another enterprise")
    if body.zone_id is not None:
        zone = session.get(ZoneRow, body.zone_id)
        if zone is None or zone.park_id != park_id:
            raise invalid("zone_id", f"zone '{body.zone_id}' is not a zone of park '{park_id}'")
    row = EnterpriseRow(park_id=park_id, **body.model_dump())
    session.add(row)
    session.flush()
    scope.audit(session, audit.CREATE, "enterprise", row.id, after=audit.row_snapshot(row))
    session.commit()
    return EnterpriseOut.model_validate(row)


@router.get("/enterprises/{enterprise_id}", response_model=EnterpriseOut)
def get_enterprise(enterprise_id: str, session: SessionDep, scope: ScopeDep) -> EnterpriseOut:
    """One enterprise. 企业详情."""
    return EnterpriseOut.model_validate(get_enterprise_row(session, scope, enterprise_id))


@router.patch("/enterprises/{enterprise_id}", response_model=EnterpriseOut)
def update_enterprise(
    enterprise_id: str, body: EnterpriseUpdate, session: SessionDep, scope: ScopeDep
) -> EnterpriseOut:
    """Change an enterprise (admin, park manager). 修改企业信息."""
    row = get_enterprise_row(session, scope, enterprise_id)
    scope.require_manager("enterprise", enterprise_id)
    before = audit.row_snapshot(row)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("zone_id") is not None:
        zone = session.get(ZoneRow, changes["zone_id"])
        if zone is None or zone.park_id != row.park_id:
            raise invalid("zone_id", f"zone '{changes['zone_id']}' is not a zone of park '{row.park_id}'")
    for key, value in changes.items():
        if value is not None or key in ("zone_id", "value_added_10k_cny"):
            setattr(row, key, value)
    scope.audit(session, audit.UPDATE, "enterprise", row.id, before=before, after=audit.row_snapshot(row))
    session.commit()
    return EnterpriseOut.model_validate(row)
