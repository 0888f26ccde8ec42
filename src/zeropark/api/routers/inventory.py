"""Inventory runs (排放清单): create, read, list, compare, drill down, sign off.

A run is created by accounting a year from the store and saving it; line items drill down to
their formula, factors with sources and evidence; a verifier's sign-off freezes the run.

Enterprise users create and read only runs of their own enterprise, and their line items are
filtered to their enterprise as well. Stored inventories are deserialised once and cached per
run id (:mod:`zeropark.api.caching`): a run's inventory never changes.

Hot paths (read a run, list its line items, one line item, compare) are async routes: each
request takes the run's summary (existence, tenant, sign-off state) from a per-process cache
(emptied by any run written through this process's ORM; ``RUN_TTL_S`` for changes made
elsewhere) or one indexed query, and checks the scope; everything else comes from per-process
renderings of the immutable inventory — each line item's JSON is rendered once per run, a run's
full JSON once per (run, sign-off state, tenant view) — sent as bytes with an ETag (304 on ``If-None-Match``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import Connection, Engine, bindparam, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from zeropark.accounting import AccountingOptions, Inventory, LineItem, run
from zeropark.api.auth import ScopeDep, require_roles
from zeropark.api.caching import METER_TOPIC, RenderedLines, caches
from zeropark.api.deps import SessionDep
from zeropark.api.paging import IntId, Limit, Offset
from zeropark.api.routers.parks import get_park_row, park_out
from zeropark.api.schemas import (
    ActivityOut,
    CompareOut,
    CompareSide,
    EvidenceOut,
    FactorOut,
    FactorUseOut,
    InventoryOut,
    LineItemDetail,
    LineItemOut,
    MeterOut,
    Page,
    RecomputeOut,
    RunCreate,
    RunOut,
    SignOff,
    SourceOut,
)
from zeropark.api.validation import invalid
from zeropark.errors import NotFound, PermissionDenied
from zeropark.factors import Factor, FactorSet
from zeropark.model import Method, Role
from zeropark.serving.caching import etag_of, json_bytes
from zeropark.store import audit, changes, runs
from zeropark.store.db import read_connection
from zeropark.store.schema import (
    ActivityRecordRow,
    EnterpriseRow,
    GreenPowerClaimRow,
    InventoryRunRow,
    MeterRow,
    TransferRow,
)
from zeropark.store.scope import Principal, Scope

router = APIRouter(tags=["inventory 排放清单"])

ENTITY = "inventory_run"
Verifier = Annotated[Principal, Depends(require_roles(Role.VERIFIER))]


# --- helpers ----------------------------------------------------------------------------------

#: A run's summary (every column but the serialised result) by id, built once.
_SUMMARY = select(*[c for c in InventoryRunRow.__table__.c if c.name != "result"]).where(
    InventoryRunRow.id == bindparam("run_id")
)


def run_out(s: runs.RunSummary) -> RunOut:
    """API shape of a stored run's summary."""
    return RunOut(
        id=s.id,
        park_id=s.park_id,
        year=s.year,
        method=s.method,
        enterprise_id=s.enterprise_id,
        factor_set=s.factor_set,
        factor_set_version=s.factor_set_version,
        input_fingerprint=s.input_fingerprint,
        code_version=s.code_version,
        total_tco2e=s.total_tco2e,
        energy_tce=s.energy_tce,
        data_quality_score=s.data_quality_score,
        created_at=s.created_at,
        created_by=s.created_by,
        signed_off_by=s.signed_off_by,
        signed_off_at=s.signed_off_at,
        sign_off_note=s.sign_off_note,
        frozen=s.frozen,
    )


def load_run(request: Request, scope: ScopeDep, run_id: IntId) -> tuple[runs.RunSummary, Inventory]:
    """A stored run the user may see, with its (cached) inventory; 404 + audit otherwise."""
    engine: Engine = request.app.state.engine
    summary = _summary(engine, run_id)
    scope.check(ENTITY, str(run_id), park_id=summary.park_id, enterprise_id=summary.enterprise_id)
    inventory = caches(request).inventories.get(run_id, lambda: runs.get_run(engine, run_id).inventory)
    return summary, inventory


def _summary(engine: Engine, run_id: IntId) -> runs.RunSummary:
    with read_connection(engine) as conn:
        row = conn.execute(_SUMMARY, {"run_id": run_id}).first()
    if row is None:
        raise NotFound(f"inventory run {run_id} not found")
    return runs._summary(row)


# --- async hot paths: summaries and renderings of the immutable inventory cached -------------


async def _visible_summary(request: Request, scope: Scope, run_id: int) -> runs.RunSummary:
    """The run's summary (cached for ``RUN_TTL_S``, else one query); 404 + audit when outside the scope.

    The scope is checked on every call.
    """
    engine: Engine = request.app.state.engine
    summary = await caches(request).run_summaries.load(run_id, lambda: _summary(engine, run_id))
    if not scope.sees(park_id=summary.park_id, enterprise_id=summary.enterprise_id):
        await run_in_threadpool(
            scope.check, ENTITY, str(run_id), park_id=summary.park_id, enterprise_id=summary.enterprise_id
        )
    return summary


async def _inventory(request: Request, summary: runs.RunSummary) -> Inventory:
    """The run's inventory from the per-process memo (loaded in the thread pool on a miss).

    The memo is keyed by run id; an entry whose input fingerprint is not the summary's (an id
    reused after a deletion, SQLite) is dropped and loaded again.
    """
    engine: Engine = request.app.state.engine
    memo = caches(request).inventories
    run_id = summary.id
    inv = memo.peek(run_id)
    if inv is not None and inv.input_fingerprint != summary.input_fingerprint:
        memo.pop(run_id)
        inv = None
    if inv is None:
        inv = await run_in_threadpool(memo.get, run_id, lambda: runs.get_run(engine, run_id).inventory)
    return inv


def _render_lines(inv: Inventory) -> RenderedLines:
    lines = tuple(inv.lines)
    return RenderedLines(lines, tuple(line_out(li).model_dump_json(by_alias=True).encode() for li in lines))


async def _rendered_lines(request: Request, summary: runs.RunSummary, inv: Inventory) -> RenderedLines:
    memo = caches(request).line_renderings
    key = (summary.id, summary.input_fingerprint)
    rendered = memo.peek(key)
    if rendered is None:
        rendered = await run_in_threadpool(memo.get, key, lambda: _render_lines(inv))
    return rendered


def _factor_set_cached(request: Request, name: str, version: str | None) -> FactorSet:
    """:func:`_factor_set`, kept per process when the version is given (stored versions are immutable)."""
    if version is None:
        return _factor_set(request.app.state.engine, name, version)
    cache = caches(request).factor_sets
    fs = cache.get((name, version))
    if fs is None:
        fs = _factor_set(request.app.state.engine, name, version)
        cache.put((name, version), fs)
    return fs


def _factor_set(engine: Engine, name: str, version: str | None) -> FactorSet:
    """The stored factor set ``name@version``; the built-in one is stored on first use."""
    from zeropark.factors import builtin_set_names, load_factor_set
    from zeropark.store.factor_repo import get_factor_set, save_factor_set

    try:
        return get_factor_set(engine, name, version)
    except NotFound:
        if name not in builtin_set_names():
            raise
        builtin = load_factor_set(name)
        if version is not None and version != builtin.version:
            raise
        save_factor_set(engine, builtin, is_builtin=True)
        return builtin


def _options(body: RunCreate) -> AccountingOptions:
    try:
        return AccountingOptions.from_dict({**body.options, "method": body.method})
    except (ValueError, TypeError) as exc:
        raise invalid("options", str(exc)) from exc


def _visible_lines(scope: ScopeDep, inventory: Inventory) -> list[LineItem]:
    if scope.is_enterprise:
        return [li for li in inventory.lines if li.enterprise_id == scope.enterprise_id]
    return list(inventory.lines)


def _factor_out(f: Factor) -> FactorOut:
    s = f.source
    return FactorOut(
        id=f.id,
        kind=str(f.kind),
        key=f.key,
        parameter=f.parameter,
        value=f.value,
        unit=f.unit,
        region=f.region,
        year=f.year,
        uncertainty_pct=f.uncertainty_pct,
        note=f.note,
        source=SourceOut(
            id=s.id,
            title=s.title,
            issuer=s.issuer,
            year=s.year,
            table=s.table,
            url=s.url,
            confidence=str(s.confidence),
        ),
    )


def line_out(li: LineItem, factors: FactorSet | None = None) -> LineItemOut:
    """API shape of a line item; with ``factors`` each factor carries its full source record."""
    uses = []
    for f in li.factors:
        detail = None
        if factors is not None:
            try:
                detail = _factor_out(factors.get(f.id))
            except Exception:  # a derived factor (e.g. CHP steam) is not in the set
                detail = None
        uses.append(
            FactorUseOut(
                id=f.id,
                symbol=f.symbol,
                value=f.value,
                unit=f.unit,
                source=f.source,
                confidence=f.confidence,
                uncertainty_pct=f.uncertainty_pct,
                detail=detail,
            )
        )
    return LineItemOut(
        id=li.id,
        method=li.method,
        category=li.category.value,
        scope=li.scope,
        enterprise_id=li.enterprise_id,
        zone_id=li.zone_id,
        carrier=None if li.carrier is None else li.carrier.value,
        month=li.month,
        activity=li.activity,
        activity_unit=li.activity_unit,
        emissions_tco2e=li.emissions_tco2e,
        energy_tce=li.energy_tce,
        formula=li.formula,
        uncertainty_pct=li.uncertainty_pct,
        activity_uncertainty_pct=li.activity_uncertainty_pct,
        basis=None if li.basis is None else li.basis.value,
        note=li.note,
        label_zh=li.label_zh,
        label_en=li.label_en,
        factors=uses,
        evidence=list(li.evidence),
    )


def _month_range_utc(month: date, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    nxt = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start.astimezone(UTC), nxt.astimezone(UTC)


# --- runs -------------------------------------------------------------------------------------


@router.post("/parks/{park_id}/inventory-runs", response_model=RunOut, status_code=201)
def create_run(
    park_id: str, body: RunCreate, request: Request, session: SessionDep, scope: ScopeDep
) -> RunOut:
    """Account a year from the store (national or GHG) and save the run. 核算并保存排放清单."""
    from zeropark.store.aggregate import load_accounting_input

    park = get_park_row(session, scope, park_id)
    enterprise_id = body.enterprise_id
    if scope.is_enterprise and enterprise_id is None:
        enterprise_id = scope.enterprise_id
    scope.check_write(ENTITY, "(new)", park_id=park_id, enterprise_id=enterprise_id)
    if enterprise_id is not None:
        ent = session.get(EnterpriseRow, enterprise_id)
        if ent is None or ent.park_id != park_id:
            raise invalid("enterprise_id", f"enterprise '{enterprise_id}' is not in park '{park_id}'")
    options = _options(body)
    engine: Engine = request.app.state.engine
    factors = _factor_set(
        engine, body.factor_set or request.app.state.settings.factor_set, body.factor_set_version
    )
    inputs = load_accounting_input(engine, park.id, body.year)
    inventory = run(inputs, factors, options, enterprise_id=enterprise_id)
    quality = _quality_score(engine, park.id, body.year)
    run_id = runs.save_run(engine, inventory, created_by=scope.user.username, data_quality_score=quality)
    caches(request).inventories.put(run_id, inventory)
    summary = _summary(engine, run_id)
    audit.record_now(
        engine,
        user=scope.user.username,
        role=scope.user.role,
        action=audit.CREATE,
        entity=ENTITY,
        entity_id=str(run_id),
        after=run_out(summary).model_dump(mode="json"),
        ip=scope.ip,
    )
    return run_out(summary)


def _quality_score(engine: Engine, park_id: str, year: int) -> float | None:
    """The park's data-quality score for the year when monitoring provides one."""
    try:
        from zeropark.monitoring import quality
    except ImportError:
        return None
    fn = getattr(quality, "quality_score", None)
    if fn is None:
        return None
    result = fn(engine, park_id, year)
    score = getattr(result, "score", result)
    return float(score) if isinstance(score, int | float) else None


@router.get("/parks/{park_id}/inventory-runs", response_model=Page[RunOut])
def list_runs(
    park_id: str,
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    method: Method | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[RunOut]:
    """Runs of a park, newest first (an enterprise user: its own enterprise's runs). 清单列表."""
    get_park_row(session, scope, park_id)
    engine: Engine = request.app.state.engine
    if scope.is_enterprise:
        assert scope.enterprise_id is not None
        items, total = runs.list_runs(
            engine, park_id, year, method, enterprise_id=scope.enterprise_id, limit=limit, offset=offset
        )
    else:
        items, total = runs.list_runs(engine, park_id, year, method, limit=limit, offset=offset)
    return Page(items=[run_out(s) for s in items], total=total, limit=limit, offset=offset)


def _latest(
    engine: Engine, park_id: str, year: int, method: Method, enterprise_id: str | None
) -> runs.RunSummary | None:
    """The newest run of a method for the park view (or one enterprise's view); signed-off first."""
    with read_connection(engine) as conn:
        return _latest_on(conn, park_id, year, method, enterprise_id)


def _latest_on(
    conn: Connection, park_id: str, year: int, method: Method, enterprise_id: str | None
) -> runs.RunSummary | None:
    from sqlalchemy import select

    from zeropark.store.schema import InventoryRunRow as R

    cols = [c for c in R.__table__.c if c.name != "result"]
    ent = R.enterprise_id.is_(None) if enterprise_id is None else R.enterprise_id == enterprise_id
    stmt = (
        select(*cols)
        .where(R.park_id == park_id, R.year == year, R.method == method.value, ent)
        .order_by(R.signed_off_at.is_(None), R.created_at.desc(), R.id.desc())
        .limit(1)
    )
    row = conn.execute(stmt).first()
    return None if row is None else runs._summary(row)


def _latest_both(
    engine: Engine, park_id: str, year: int, enterprise_id: str | None
) -> dict[Method, runs.RunSummary | None]:
    with read_connection(engine) as conn:
        return {m: _latest_on(conn, park_id, year, m, enterprise_id) for m in (Method.NATIONAL, Method.GHG)}


async def latest_runs(
    request: Request, park_id: str, year: int, enterprise_id: str | None
) -> dict[Method, runs.RunSummary | None]:
    """The newest national and GHG runs of a view (signed-off first), cached as run summaries are.

    No scope check here: the caller checks the park and the enterprise first.
    """
    engine: Engine = request.app.state.engine
    key = (park_id, year, enterprise_id)
    return await caches(request).latest_runs.load(
        key, lambda: _latest_both(engine, park_id, year, enterprise_id)
    )


@router.get("/parks/{park_id}/inventory-runs/compare", response_model=CompareOut)
async def compare(
    park_id: str,
    request: Request,
    scope: ScopeDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    enterprise_id: Annotated[str | None, Query(max_length=64)] = None,
) -> CompareOut:
    """National method and GHG Protocol side by side for a year (latest runs; signed-off first). 方法对比."""
    await park_out(request, scope, park_id)
    if scope.is_enterprise:
        if enterprise_id is not None and enterprise_id != scope.enterprise_id:
            await run_in_threadpool(
                scope.deny, ENTITY, f"compare:{enterprise_id}", "other enterprise's comparison"
            )
            raise NotFound(f"enterprise '{enterprise_id}' not found")
        enterprise_id = scope.enterprise_id
    latest = await latest_runs(request, park_id, year, enterprise_id)
    sides = {}
    for method in (Method.NATIONAL, Method.GHG):
        summary = latest[method]
        if summary is None:
            sides[method] = CompareSide(
                method=method,
                run=None,
                missing=f"no {method.value} run for {year}; "
                f"create one with POST /api/v1/parks/{park_id}/inventory-runs",
            )
            continue
        if not scope.sees(park_id=summary.park_id, enterprise_id=summary.enterprise_id):
            await run_in_threadpool(
                scope.check,
                ENTITY,
                str(summary.id),
                park_id=summary.park_id,
                enterprise_id=summary.enterprise_id,
            )
        inv = await _inventory(request, summary)
        sides[method] = CompareSide(
            method=method,
            run=run_out(summary),
            total_tco2e=inv.total_tco2e,
            total_market_tco2e=inv.total_market_tco2e,
            energy_tce=inv.energy_tce,
            intensity_tco2_per_tce=inv.intensity_tco2_per_tce,
            by_scope=dict(inv.by_scope),
            by_source=dict(inv.by_source),
            options_statement_zh=inv.options_statement_zh,
            options_statement_en=inv.options_statement_en,
        )
    return CompareOut(
        park_id=park_id,
        year=year,
        enterprise_id=enterprise_id,
        national=sides[Method.NATIONAL],
        ghg=sides[Method.GHG],
    )


_NOT_MODIFIED: dict[int | str, dict[str, Any]] = {304: {"description": "Not Modified (ETag matched)"}}


@router.get("/inventory-runs/{run_id}", response_model=InventoryOut, responses=_NOT_MODIFIED)
async def get_run(run_id: IntId, request: Request, scope: ScopeDep) -> Response:
    """A run with totals, breakdowns, shares, 95 % interval, gaps and notes. 清单详情.

    Rendered once per (run, sign-off state, tenant view) and sent with an ETag.
    """
    summary = await _visible_summary(request, scope, run_id)
    head = run_out(summary).model_dump_json(by_alias=True)
    key = (run_id, summary.input_fingerprint, scope.is_enterprise, scope.enterprise_id, head)
    cache = caches(request).run_bodies
    hit = cache.get(key)
    if hit is None:
        inv = await _inventory(request, summary)
        body = await run_in_threadpool(
            lambda: inventory_out(summary, inv, scope).model_dump_json(by_alias=True).encode()
        )
        hit = (body, etag_of(body))
        cache.put(key, hit)
    return json_bytes(request, hit[0], hit[1])


def inventory_out(summary: runs.RunSummary, inv: Inventory, scope: Scope) -> InventoryOut:
    """API shape of a stored run as ``scope`` may see it (an enterprise user: its own share)."""
    by_enterprise = dict(inv.by_enterprise)
    if scope.is_enterprise:
        by_enterprise = {k: v for k, v in by_enterprise.items() if k == scope.enterprise_id}
    return InventoryOut(
        run=run_out(summary),
        options=summary_options(inv),
        options_statement_zh=inv.options_statement_zh,
        options_statement_en=inv.options_statement_en,
        factor_set_sha256=inv.factor_set_sha256,
        total_tco2e=inv.total_tco2e,
        total_market_tco2e=inv.total_market_tco2e,
        energy_tce=inv.energy_tce,
        intensity_tco2_per_tce=inv.intensity_tco2_per_tce,
        by_source=dict(inv.by_source),
        by_scope=dict(inv.by_scope),
        by_enterprise=by_enterprise,
        by_zone=dict(inv.by_zone),
        by_carrier=dict(inv.by_carrier),
        by_month=dict(inv.by_month),
        energy_by_carrier=dict(inv.energy_by_carrier),
        interval_95=inv.interval_95.to_dict(),
        interval_95_market=None if inv.interval_95_market is None else inv.interval_95_market.to_dict(),
        electricity=dict(inv.electricity),
        clean_energy_share=inv.clean_energy_share,
        green_electricity_share=inv.green_electricity_share,
        hourly=inv.hourly.to_dict(),
        eliminations=[e.to_dict() for e in inv.eliminations],
        gaps=[] if scope.is_enterprise else [g.to_dict() for g in inv.gaps],
        notes=[n.to_dict() for n in inv.notes],
        n_line_items=len(_visible_lines(scope, inv)),
    )


def summary_options(inv: Inventory) -> dict[str, Any]:
    """The run's options as plain JSON values."""
    return {k: getattr(v, "value", v) for k, v in inv.options.to_dict().items()}


@router.get("/inventory-runs/{run_id}/line-items", response_model=Page[LineItemOut], responses=_NOT_MODIFIED)
async def list_line_items(
    run_id: IntId,
    request: Request,
    scope: ScopeDep,
    category: Annotated[str | None, Query(max_length=64)] = None,
    enterprise_id: Annotated[str | None, Query(max_length=64)] = None,
    carrier: Annotated[str | None, Query(max_length=32)] = None,
    month: Annotated[date | None, Query(description="first day of the local month")] = None,
    scope_no: Annotated[int | None, Query(alias="scope", ge=1, le=3)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Line items of a run, filtered (category, enterprise, carrier, month, scope). 清单条目.

    Each line item's JSON is rendered once per run; a page is joined from them (ETag, 304).
    """
    summary = await _visible_summary(request, scope, run_id)
    inv = await _inventory(request, summary)
    rendered = await _rendered_lines(request, summary, inv)
    own = scope.enterprise_id if scope.is_enterprise else None
    picked = [
        i
        for i, li in enumerate(rendered.lines)
        if (own is None or li.enterprise_id == own)
        and (category is None or li.category.value == category)
        and (enterprise_id is None or li.enterprise_id == enterprise_id)
        and (carrier is None or (li.carrier is not None and li.carrier.value == carrier))
        and (month is None or li.month == month)
        and (scope_no is None or li.scope == scope_no)
    ]
    items = b",".join(rendered.json[i] for i in picked[offset : offset + limit])
    body = b'{"items":[%b],"total":%d,"limit":%d,"offset":%d}' % (items, len(picked), limit, offset)
    return json_bytes(request, body)


def _find_line(scope: Scope, inv: Inventory, run_id: int, item_id: str) -> LineItem:
    for li in inv.lines:
        if li.id == item_id:
            if scope.is_enterprise and li.enterprise_id != scope.enterprise_id:
                scope.deny("line_item", f"{run_id}/{item_id}", "line item of another enterprise")
                break
            return li
    raise NotFound(f"line item '{item_id}' not found in inventory run {run_id}")


def _evidence(session: Session, scope: Scope, li: LineItem, run_id: int, ids: list[str]) -> list[EvidenceOut]:
    """What each evidence id is (meter, activity record, claim, transfer), as ``scope`` may see it.

    One query per kind for all ids still unresolved (not one lookup per id and kind).
    """
    found: dict[str, EvidenceOut] = {}
    hidden: set[str] = set()

    def rows(model: Any) -> list[Any]:
        todo = [i for i in ids if i not in found]
        return list(session.scalars(select(model).where(model.id.in_(todo)))) if todo else []

    def meter_out(m: MeterRow) -> EvidenceOut:
        url = f"/api/v1/inventory-runs/{run_id}/line-items/{li.id}/readings?meter_id={m.id}"
        return EvidenceOut(id=m.id, kind="meter", meter=MeterOut.model_validate(m), readings_url=url)

    # (table, the enterprise that owns a row, the row as evidence), looked up in this order
    kinds: tuple[tuple[Any, Callable[[Any], str | None], Callable[[Any], EvidenceOut]], ...] = (
        (MeterRow, lambda r: r.enterprise_id, meter_out),
        (
            ActivityRecordRow,
            lambda r: r.enterprise_id,
            lambda r: EvidenceOut(
                id=r.id, kind="activity_record", activity_record=ActivityOut.model_validate(r)
            ),
        ),
        (
            GreenPowerClaimRow,
            lambda r: r.owner_enterprise_id,
            lambda r: EvidenceOut(id=r.id, kind="claim", detail=audit.row_snapshot(r)),
        ),
        (
            TransferRow,
            lambda r: r.to_enterprise_id,
            lambda r: EvidenceOut(id=r.id, kind="transfer", detail=audit.row_snapshot(r)),
        ),
    )
    for model, owner, as_evidence in kinds:
        for row in rows(model):
            if scope.sees(park_id=row.park_id, enterprise_id=owner(row)):
                found[row.id] = as_evidence(row)
            else:
                hidden.add(row.id)
    return [found.get(i) or EvidenceOut(id=i, kind="restricted" if i in hidden else "unknown") for i in ids]


@router.get("/inventory-runs/{run_id}/line-items/{item_id}", response_model=LineItemDetail)
async def get_line_item(
    run_id: IntId,
    item_id: str,
    request: Request,
    scope: ScopeDep,
    evidence_limit: Limit = 50,
    evidence_offset: Offset = 0,
) -> Response:
    """One line item: formula with numbers, factors with their sources, evidence (paginated). 条目溯源.

    Rendered once per (run, item, tenant view, page) and kept while no meter, activity record,
    claim or transfer changes (``ROW_TTL_S`` for changes made outside this process).
    """
    summary = await _visible_summary(request, scope, run_id)
    key = (
        run_id,
        summary.input_fingerprint,
        item_id,
        scope.is_enterprise,
        scope.enterprise_id,
        evidence_limit,
        evidence_offset,
        changes.generation(METER_TOPIC),
    )
    cache = caches(request).line_bodies
    hit = cache.get(key)
    if hit is None:
        generation = cache.generation()
        inv = await _inventory(request, summary)
        detail = await run_in_threadpool(
            _line_detail, request, scope, summary, inv, item_id, evidence_limit, evidence_offset
        )
        body = detail.model_dump_json(by_alias=True).encode()
        hit = (body, etag_of(body))
        cache.put(key, hit, generation)
    return json_bytes(request, *hit)


def _line_detail(
    request: Request,
    scope: Scope,
    summary: runs.RunSummary,
    inv: Inventory,
    item_id: str,
    evidence_limit: int,
    evidence_offset: int,
) -> LineItemDetail:
    """The drill-down of one line item (blocking: factor set, evidence rows; thread pool)."""
    run_id = summary.id
    li = _find_line(scope, inv, run_id, item_id)
    try:
        factors: FactorSet | None = _factor_set_cached(
            request, summary.factor_set, summary.factor_set_version
        )
    except NotFound:
        factors = None
    base = line_out(li, factors)
    ids = list(li.evidence)[evidence_offset : evidence_offset + evidence_limit]
    with Session(request.app.state.engine) as session:
        evidence = _evidence(session, scope, li, run_id, ids)
    page: Page[EvidenceOut] = Page(
        items=evidence, total=len(li.evidence), limit=evidence_limit, offset=evidence_offset
    )
    return LineItemDetail(**dict(base), run_id=run_id, evidence_page=page)


@router.get("/inventory-runs/{run_id}/line-items/{item_id}/readings")
def line_item_readings(
    run_id: IntId,
    item_id: str,
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    meter_id: Annotated[str, Query(max_length=64)],
    limit: Limit = 500,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Readings of an evidence meter in the line item's month (local), paginated. 条目依据读数."""
    from zeropark.api.routers.readings import readings_page

    summary, inv = load_run(request, scope, run_id)
    li = _find_line(scope, inv, run_id, item_id)
    if meter_id not in li.evidence:
        raise NotFound(f"meter '{meter_id}' is not evidence of line item '{item_id}'")
    park = get_park_row(session, scope, summary.park_id)
    if li.month is not None:
        start, end = _month_range_utc(li.month, park.timezone)
    else:
        start, end = (
            _month_range_utc(date(summary.year, 1, 1), park.timezone)[0],
            _month_range_utc(date(summary.year + 1, 1, 1), park.timezone)[0],
        )
    page = readings_page(
        caches(request).meter_tenants, request.app.state.engine, scope, meter_id, start, end, limit, offset
    )
    return {"meter_id": meter_id, "start": start, "end": end, "readings": page}


def sign_off_run(engine: Engine, scope: Scope, run_id: int, note: str) -> runs.RunSummary:
    """A verifier signs a stored run off, audited once; the one path of the API and the web page.

    The run must be inside the verifier's scope (404 + audit ``denied`` otherwise) and the user
    must be a verifier (403 + audit). The audit record ``sign_off`` carries the run summary
    before and after (who signed, when, the note, ``frozen``).

    Raises
    ------
    NotFound
        The run does not exist or is outside the scope.
    PermissionDenied
        The user is not a verifier.
    RunFrozen
        The run is already signed off.
    """
    summary = _summary(engine, run_id)
    scope.check(ENTITY, str(run_id), park_id=summary.park_id, enterprise_id=summary.enterprise_id)
    if scope.user.role != Role.VERIFIER:
        scope.deny(ENTITY, str(run_id), f"sign-off needs the verifier role, not '{scope.user.role}'")
        raise PermissionDenied(f"role '{scope.user.role}' may not sign a run off; only a verifier may")
    signed = runs.sign_off(engine, run_id, scope.user.username, note.strip())
    audit.record_now(
        engine,
        user=scope.user.username,
        role=scope.user.role,
        action=audit.SIGN_OFF,
        entity=ENTITY,
        entity_id=str(run_id),
        before=run_out(summary).model_dump(mode="json"),
        after=run_out(signed).model_dump(mode="json"),
        ip=scope.ip,
    )
    return signed


@router.post("/inventory-runs/{run_id}/sign-off", response_model=RunOut)
def sign_off(run_id: IntId, body: SignOff, request: Request, verifier: Verifier, scope: ScopeDep) -> RunOut:
    """A verifier signs the run off; the run is frozen from then on (409 if already). 核查签发."""
    return run_out(sign_off_run(request.app.state.engine, scope, run_id, body.note))


@router.post("/inventory-runs/{run_id}/recompute", response_model=RecomputeOut)
def recompute(run_id: IntId, request: Request, scope: ScopeDep) -> RecomputeOut:
    """Recompute a stored run from the store now and compare bit for bit (verifiers check runs). 复算."""
    summary, _ = load_run(request, scope, run_id)
    if scope.is_enterprise:
        scope.require_manager(ENTITY, str(run_id))
    result = runs.recompute_and_compare(request.app.state.engine, run_id)
    return RecomputeOut(
        run_id=result.run_id,
        stored_fingerprint=result.stored_fingerprint,
        recomputed_fingerprint=result.recomputed_fingerprint,
        fingerprint_match=result.fingerprint_match,
        totals_match=result.totals_match,
        identical=result.identical,
        differences=list(result.differences),
    )


@router.delete("/inventory-runs/{run_id}", status_code=204, response_class=Response)
def delete_run(run_id: IntId, request: Request, scope: ScopeDep) -> Response:
    """Delete a run that is not signed off (admin, park manager; 409 when frozen). 删除清单."""
    summary, _ = load_run(request, scope, run_id)
    scope.require_manager(ENTITY, str(run_id))
    engine: Engine = request.app.state.engine
    runs.delete_run(engine, run_id)
    caches(request).inventories.pop(run_id)
    audit.record_now(
        engine,
        user=scope.user.username,
        role=scope.user.role,
        action=audit.DELETE,
        entity=ENTITY,
        entity_id=str(run_id),
        before=run_out(summary).model_dump(mode="json"),
        ip=scope.ip,
    )
    return Response(status_code=204)
