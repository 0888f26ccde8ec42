"""Factor sets (因子集): list, show with factors and sources, upload a custom CSV over a base set.

A custom set lays a user's own factors (a supplier's grid factor, a measured NCV) over a base set
with the factors engineer's ``load_custom_csv``; rows that do not parse are answered with 422 and
one error per row (file, row, column, what to fix); nothing is stored then.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile

from zeropark.api.auth import Manager, Reader
from zeropark.api.paging import Limit, Offset
from zeropark.api.routers.inventory import _factor_out, _factor_set
from zeropark.api.schemas import FactorSetDetail, FactorSetOut, Page
from zeropark.api.validation import invalid
from zeropark.serving.sessions import client_ip
from zeropark.store import audit

router = APIRouter(prefix="/factor-sets", tags=["factors 排放因子"])

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


@router.get("", response_model=list[FactorSetOut])
def list_factor_sets(request: Request, _user: Reader) -> list[FactorSetOut]:
    """Stored factor sets (the built-in set is stored on first listing). 因子集列表."""
    from zeropark.factors import BUILTIN_SET
    from zeropark.store.factor_repo import ensure_builtin_factor_set, list_factor_sets

    engine = request.app.state.engine
    ensure_builtin_factor_set(engine, BUILTIN_SET)
    return [
        FactorSetOut(
            name=s.name,
            version=s.version,
            sha256=s.sha256,
            description=s.description,
            is_builtin=s.is_builtin,
            created_at=s.created_at,
            created_by=s.created_by,
        )
        for s in list_factor_sets(engine)
    ]


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
    fs = _factor_set(request.app.state.engine, name, version)
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
        factors=Page(items=[_factor_out(f) for f in page], total=len(factors), limit=limit, offset=offset),
    )


@router.post("", response_model=FactorSetOut, status_code=201)
async def upload_custom_factor_set(
    request: Request,
    user: Manager,
    file: Annotated[UploadFile, File(description="custom factor CSV (see docs/data-formats.md)")],
    name: Annotated[str, Form(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")],
    base: Annotated[str | None, Form(max_length=64)] = None,
) -> FactorSetOut:
    """Upload a custom factor CSV laid over ``base`` (default: the built-in set). 上传自定义因子."""
    from starlette.concurrency import run_in_threadpool

    content = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise invalid("file", f"file larger than {MAX_UPLOAD_BYTES // 1024 // 1024} MB; split it")
    return await run_in_threadpool(
        _store_custom, request, user.username, user.role, file.filename, content, name, base
    )


def _store_custom(
    request: Request,
    username: str,
    role: str,
    filename: str | None,
    content: bytes,
    name: str,
    base: str | None,
) -> FactorSetOut:
    from zeropark.factors import load_custom_csv
    from zeropark.store.factor_repo import save_factor_set

    engine = request.app.state.engine
    base_set = _factor_set(engine, base or request.app.state.settings.factor_set, None)
    safe_name = Path(filename or "factors.csv").name
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / safe_name
        path.write_bytes(content)
        custom = load_custom_csv(path, name=name, base=base_set)
    stored = save_factor_set(engine, custom, created_by=username)
    audit.record_now(
        engine,
        user=username,
        role=role,
        action=audit.CREATE,
        entity="factor_set",
        entity_id=f"{stored.name}@{stored.version}",
        after={"name": stored.name, "version": stored.version, "sha256": stored.sha256, "file": safe_name},
        ip=client_ip(request),
    )
    return FactorSetOut(
        name=stored.name,
        version=stored.version,
        sha256=stored.sha256,
        description=stored.description,
        is_builtin=stored.is_builtin,
        created_at=stored.created_at,
        created_by=stored.created_by,
        n_factors=len(custom.factors),
    )
