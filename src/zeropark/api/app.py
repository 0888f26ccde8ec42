"""The FastAPI application (应用): routers under ``/api/v1``, the web pages, one error handler.

:func:`create_app` is the only way to build the app: it takes the engine (default: from
``ZEROPARK_DATABASE_URL``, schema migrated) and keeps it in ``app.state.engine``; routes get it
by dependency (``zeropark.api.deps``). Domain errors (``zeropark.errors``) are raised by routes
and mapped to HTTP codes in one place, :func:`_error_response`, with JSON bodies
``{"error": <class>, "detail": <message>, "errors": [<per-row errors>]}``.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import DataError as SQLAlchemyDataError
from sqlalchemy.exc import DBAPIError as SQLAlchemyDBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.types import ASGIApp, Receive, Scope, Send

from zeropark import __version__
from zeropark.api.auth import LoginThrottled, _TokenCache
from zeropark.api.auth import router as auth_router
from zeropark.api.routers.ingest import router as ingest_router
from zeropark.api.routers.optimize import page_router as optimize_page_router
from zeropark.errors import (
    AccountingError,
    DataError,
    Infeasible,
    NotFound,
    OptimizationError,
    PermissionDenied,
    RunFrozen,
    ValidationError,
    ZeroparkError,
)
from zeropark.settings import Settings, get_settings
from zeropark.web.pages import router as pages_router

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"

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

#: Resource routers under /api/v1 (module ``zeropark.api.routers.<name>`` exporting ``router``).
RESOURCE_ROUTERS: tuple[str, ...] = (
    "users",
    "audit",
    "parks",
    "meters",
    "readings",
    "activity",
    "factors",
    "inventory",
    "indicators",
    "alarms",
    "quality",
    "imports",
    "reports",
    "optimize",
    "live",
)


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
    return 400


def _error_response(exc: ZeroparkError) -> JSONResponse:
    body: dict[str, Any] = {"error": type(exc).__name__, "detail": str(exc)}
    if isinstance(exc, ValidationError):
        body["errors"] = [
            {"file": e.file, "sheet": e.sheet, "row": e.row, "field": e.field, "message": e.message}
            for e in exc.errors
        ]
        body["stored"] = exc.stored
    if isinstance(exc, Infeasible):
        body["conflicts"] = exc.conflicts
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


def create_app(engine: Engine | None = None, *, settings: Settings | None = None) -> FastAPI:
    """Build the zeropark app on ``engine`` (default: ``ZEROPARK_DATABASE_URL``, migrated).

    Raises
    ------
    ValueError
        The development secret key is used outside ``ZEROPARK_ENVIRONMENT=development``.
    """
    settings = settings or get_settings()
    settings.check_production()
    if engine is None:
        from zeropark.store.db import make_engine
        from zeropark.store.migrate import upgrade

        engine = make_engine(settings.database_url, pre_ping=False)
        upgrade(engine)

    app = FastAPI(
        title="zeropark 零碳园区能碳管理平台 API",
        description=DESCRIPTION,
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.add_middleware(RefuseNul)
    app.state.engine = engine
    app.state.settings = settings
    app.state.secret_key = settings.secret_key
    app.state.token_cache = _TokenCache()
    app.state.inventory_cache = {}

    @app.exception_handler(ZeroparkError)
    async def _domain_error(_request: Request, exc: ZeroparkError) -> JSONResponse:
        return _error_response(exc)

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

    @app.get(f"{API_PREFIX}/health", tags=["meta"])
    def health() -> dict[str, str]:
        """Liveness check (no authentication). 健康检查."""
        return {"status": "ok", "version": __version__}

    app.include_router(auth_router, prefix=API_PREFIX)
    for name in RESOURCE_ROUTERS:
        module = importlib.import_module(f"zeropark.api.routers.{name}")
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(ingest_router)  # mounts itself under /api/v1
    app.include_router(optimize_page_router)
    app.include_router(pages_router)
    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
