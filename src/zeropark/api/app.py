"""The HTTP API (接口) under ``/api/v1``: its routers, its OpenAPI description, one error mapping.

:func:`api_router` gathers every resource router; :func:`install` adds the middleware and the
error handlers to an app. The ASGI app that serves the API beside the web pages is built by
:func:`zeropark.app.create_app`, which mounts both. Domain errors (``zeropark.errors``) are
raised by routes and services and mapped to HTTP codes in one place, :func:`error_response`,
with JSON bodies ``{"error": <class>, "detail": <message>, "errors": [<per-row errors>]}``.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy.exc import DataError as SQLAlchemyDataError
from sqlalchemy.exc import DBAPIError as SQLAlchemyDBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.types import ASGIApp, Receive, Scope, Send

from zeropark import __version__
from zeropark.api import routers
from zeropark.api.auth import router as auth_router
from zeropark.api.routers.ingest import router as ingest_router
from zeropark.errors import (
    AccountingError,
    ApprovalError,
    DataError,
    EngagementSigned,
    Infeasible,
    NotFound,
    OptimizationError,
    PermissionDenied,
    RunDoesNotReproduce,
    RunFrozen,
    SetupError,
    StatementBlocked,
    ValidationError,
    ZeroparkError,
)
from zeropark.evaluation.rubric import InvalidFramework
from zeropark.services.logins import LoginThrottled

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"

DESCRIPTION = """\
零碳园区能碳管理平台 HTTP API — zeropark HTTP API.

计量数据、活动数据、排放因子、排放清单（国家核算方法与 GHG Protocol 并列）、指标、告警、数据质量、报告。
Readings, activity data, emission factors, inventories (national method and GHG Protocol side by side),
indicators, alarms, data quality, reports.

**认证 Authentication**: browser session cookie from `POST /api/v1/auth/login` (unsafe methods need the
`csrf_token` cookie value echoed in the `X-CSRF-Token` header), or `Authorization: Bearer zp_…` API tokens
from `POST /api/v1/users/me/tokens`. 企业用户只能看到本企业数据 — enterprise users only ever see their own
enterprise's data.
"""

#: Resource routers mounted under /api/v1, in the order the OpenAPI document lists them.
RESOURCE_ROUTERS: tuple[APIRouter, ...] = (
    routers.users.router,
    routers.audit.router,
    routers.parks.router,
    routers.meters.router,
    routers.readings.router,
    routers.activity.router,
    routers.factors.router,
    routers.inventory.router,
    routers.line_items.router,
    routers.indicators.router,
    routers.alarms.router,
    routers.alarm_rules.router,
    routers.quality.router,
    routers.imports.router,
    routers.reports.router,
    routers.optimize.router,
    routers.live.router,
    routers.roadmap.router,
    routers.benchmarks.router,  # issue #15: benchmarks and admission
    routers.ledger.router,  # evidence ledger (#16)
    routers.approval.router,  # data approval and period close (issue #15)
    routers.pathway.router,  # pathway slice (issue 14): pathway, MACC, budget, land
    # roadmap scenarios (issue 14, scenarios to 2030 and 2060)
    routers.scenarios.router,
    # slice: measures
    routers.measures.router,
    routers.evaluation.router,  # evaluation slice
    routers.application.router,  # application workspace (申报)
    # metabolism (issue 14): the park's energy and carbon flows
    routers.metabolism.router,
    routers.verifications.router,  # verifier workspace (#16)
    routers.footprint.router,  # product footprint and CBAM (#16)
    routers.assets.router,  # carbon asset ledger (#17)
    routers.market.router,  # internal carbon market (#17)
    routers.symbiosis.router,  # industrial symbiosis (#18)
    routers.online_monitoring.router,  # reporting out (#19)
    routers.tariffs.router,  # tariffs as data (#19)
    routers.province.router,  # provincial view (#20)
)

#: The FastAPI arguments that describe the API (title, version, where its OpenAPI document is).
OPENAPI: dict[str, Any] = {
    "title": "zeropark 零碳园区能碳管理平台 API",
    "description": DESCRIPTION,
    "version": __version__,
    "openapi_url": f"{API_PREFIX}/openapi.json",
    "docs_url": None,  # served by api_router from this origin (DOCS_URL), not from a CDN
    "redoc_url": None,
}


def _status_for(exc: ZeroparkError) -> int:
    """The HTTP status of a domain error."""
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, DataError):
        return 422
    if isinstance(exc, AccountingError | Infeasible | OptimizationError | RunFrozen):
        return 409
    if isinstance(exc, ApprovalError):  # data approval: illegal step, locked period, not approved
        return 409
    if isinstance(exc, SetupError):
        return 503
    if isinstance(exc, RunDoesNotReproduce):  # evidence ledger (#16): the sign-off is refused
        return 409
    if isinstance(exc, StatementBlocked | EngagementSigned):  # verifier workspace (#16)
        return 409
    return 400


def error_response(exc: ZeroparkError) -> JSONResponse:
    """The JSON answer of a domain error, with its HTTP status (:func:`_status_for`)."""
    body: dict[str, Any] = {"error": type(exc).__name__, "detail": str(exc)}
    if isinstance(exc, ValidationError):
        body["errors"] = [
            {"file": e.file, "sheet": e.sheet, "row": e.row, "field": e.field, "message": e.message}
            for e in exc.errors
        ]
        body["stored"] = exc.stored
    if isinstance(exc, Infeasible):
        body["conflicts"] = exc.conflicts
    if isinstance(exc, InvalidFramework):  # evaluation slice: every fault of a framework file
        body["problems"] = [{"field": p.field, "code": p.code, "message": p.message} for p in exc.problems]
    return JSONResponse(status_code=_status_for(exc), content=body)


class RefuseNul:
    """ASGI middleware: 422 for a URL with a NUL character (databases refuse them in text)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 422 for a NUL in path or query, else pass the request on."""
        if scope["type"] == "http":
            raw = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
            if b"%00" in raw or b"\x00" in raw:
                detail = "NUL characters (%00) are not allowed in URLs"
                response = JSONResponse(status_code=422, content={"error": "InvalidValue", "detail": detail})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


#: The interactive API documentation (Swagger UI).
DOCS_URL = f"{API_PREFIX}/docs"

#: Swagger UI from this origin (npm swagger-ui-dist, copied by ``make assets``), started by a static
#: script: parks run on intranets, and the pages' Content-Security-Policy allows no inline script.
DOCS_PAGE = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>zeropark API 文档</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css"></head>
<body><div id="swagger-ui" data-openapi-url="{OPENAPI["openapi_url"]}"></div>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script></body></html>
"""


@cache
def api_router() -> APIRouter:
    """Every route of the API: authentication, the resources under ``/api/v1``, ingest, health.

    Built once a process and included by every app :func:`zeropark.app.create_app` makes: the routers
    it gathers are module-level objects shared by those apps anyway, and FastAPI analyses the
    dependencies of a new router's ~280 routes when it is included (~0.4 s; the tests build an app
    for many of their cases).
    """
    api = APIRouter()

    @api.get(f"{API_PREFIX}/health", tags=["meta"])
    def health() -> dict[str, str]:
        """Liveness check (no authentication). 健康检查."""
        return {"status": "ok", "version": __version__}

    @api.get(DOCS_URL, include_in_schema=False)
    def docs() -> HTMLResponse:
        """接口文档 the interactive API documentation (no authentication; it shows no park data)."""
        return HTMLResponse(DOCS_PAGE)

    api.include_router(auth_router, prefix=API_PREFIX)
    for router in RESOURCE_ROUTERS:
        api.include_router(router, prefix=API_PREFIX)
    api.include_router(ingest_router)  # mounts itself under /api/v1
    return api


def install(app: FastAPI) -> None:
    """Add the API's middleware and its error handlers (domain errors → HTTP codes) to ``app``."""
    app.add_middleware(RefuseNul)

    @app.exception_handler(ZeroparkError)
    async def _domain_error(_request: Request, exc: ZeroparkError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(SQLAlchemyDataError)
    async def _db_data_error(_request: Request, exc: SQLAlchemyDataError) -> JSONResponse:
        # a value the database cannot hold (NUL byte in text, integer beyond 64 bits, ...)
        log.info("database refused a request value: %s", exc.orig)
        return JSONResponse(
            status_code=422,
            content={
                "error": "InvalidValue",
                "detail": f"a request value cannot be stored or looked up: {str(exc.orig).splitlines()[0]}; "
                "remove NUL characters and keep integers within 64 bits",
            },
        )

    @app.exception_handler(SQLAlchemyTimeoutError)
    async def _busy(_request: Request, exc: SQLAlchemyTimeoutError) -> JSONResponse:
        # every database connection of this worker stayed busy for the pool timeout: overload
        log.warning("database pool exhausted: %s", exc)
        return JSONResponse(
            status_code=503,
            content={"error": "Busy", "detail": "the server is overloaded; retry in a few seconds"},
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(SQLAlchemyDBAPIError)
    async def _dropped(_request: Request, exc: SQLAlchemyDBAPIError) -> JSONResponse:
        if not exc.connection_invalidated:  # not a dropped connection: a real server error
            raise exc
        # the database restarted or dropped this connection; the pool has been invalidated, so the
        # next request gets a fresh connection
        log.warning("database connection dropped: %s", exc.orig)
        return JSONResponse(
            status_code=503,
            content={"error": "DatabaseUnavailable", "detail": "the database connection was reset; retry"},
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(LoginThrottled)
    async def _throttled(_request: Request, exc: LoginThrottled) -> JSONResponse:
        return JSONResponse(
            status_code=429,
            content={"error": "LoginThrottled", "detail": str(exc)},
            headers={"Retry-After": str(exc.retry_after_s)},
        )

    @app.get("/openapi.json", include_in_schema=False)
    def _openapi_alias() -> dict[str, Any]:
        return app.openapi()
