"""Factor sets (因子集): list, show with factors and sources, upload a custom CSV over a base set.

A custom set lays a user's own factors (a supplier's grid factor, a measured NCV) over a base set
with the factors engineer's ``load_custom_csv``; rows that do not parse are answered with 422 and
one error per row (file, row, column, what to fix); nothing is stored then.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from zeropark.api.auth import GuardedRoute, Manager, Reader, ScopeDep
from zeropark.api.paging import Limit, Offset
from zeropark.api.schemas import FactorSetDetail, FactorSetOut, Page
from zeropark.api.shapes import factor_out
from zeropark.api.validation import invalid
from zeropark.services import factor_sets
from zeropark.store.factor_repo import StoredFactorSet

router = APIRouter(route_class=GuardedRoute, prefix="/factor-sets", tags=["factors 排放因子"])

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _set_out(s: StoredFactorSet, n_factors: int | None = None) -> FactorSetOut:
    return FactorSetOut(
        name=s.name,
        version=s.version,
        sha256=s.sha256,
        description=s.description,
        is_builtin=s.is_builtin,
        created_at=s.created_at,
        created_by=s.created_by,
        n_factors=n_factors,
    )


@router.get("", response_model=list[FactorSetOut])
def list_factor_sets(request: Request, _user: Reader) -> list[FactorSetOut]:
    """Stored factor sets (the built-in set is stored on first listing). 因子集列表."""
    return [_set_out(s) for s in factor_sets.stored_sets(request.app.state.engine)]


@router.get("/{name}", response_model=FactorSetDetail)
def show_factor_set(
    name: str,
    request: Request,
    _user: Reader,
    version: str | None = None,
    kind: str | None = None,
    limit: Limit = 200,
    offset: Offset = 0,
) -> FactorSetDetail:
    """A factor set with its factors and their sources (filter by ``kind``). 因子集详情."""
    fs = factor_sets.resolve_factor_set(request.app.state.engine, name, version)
    factors = [f for f in fs.factors if kind is None or str(f.kind) == kind]
    page = factors[offset : offset + limit]
    return FactorSetDetail(
        name=fs.name,
        version=fs.version,
        sha256=fs.sha256,
        description=fs.description,
        is_builtin=fs.base is None,
        created_at=None,
        created_by=None,
        n_factors=len(fs.factors),
        factors=Page(items=[factor_out(f) for f in page], total=len(factors), limit=limit, offset=offset),
    )


@router.post("", response_model=FactorSetOut, status_code=201)
async def upload_custom_factor_set(
    request: Request,
    scope: ScopeDep,
    _user: Manager,
    file: Annotated[UploadFile, File(description="custom factor CSV (see docs/data-formats.md)")],
    name: Annotated[str, Form(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")],
    base: Annotated[str | None, Form(max_length=64)] = None,
) -> FactorSetOut:
    """Upload a custom factor CSV laid over ``base`` (default: the configured set). 上传自定义因子."""
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise invalid("file", f"file larger than {MAX_UPLOAD_BYTES // 1024 // 1024} MB; split it")
    loaded = await run_in_threadpool(
        factor_sets.load_custom_set,
        scope,
        file.filename or "factors.csv",
        content,
        name,
        base or request.app.state.settings.factor_set,
    )
    return _set_out(loaded.stored, len(loaded.factor_set.factors))
