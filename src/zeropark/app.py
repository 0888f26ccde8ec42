"""The ASGI application (应用): the HTTP API and the web pages, mounted side by side on one engine.

:func:`create_app` is the only way to build it. It takes the engine (default: from
``ZEROPARK_DATABASE_URL``, schema migrated) and keeps it, the settings and every per-process cache
in ``app.state``, created here once; routes get them by dependency (``zeropark.api.deps``). The API
(:mod:`zeropark.api`) and the web pages (:mod:`zeropark.web`) never import each other: both call
the use cases in :mod:`zeropark.services`, so a figure is the same through either door.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import PlainTextResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from zeropark.api import app as api
from zeropark.api.caching import ApiCaches
from zeropark.security import use_profile
from zeropark.serving.headers import SecurityHeaders, security_headers
from zeropark.serving.jobs import Jobs
from zeropark.serving.sessions import SessionCaches
from zeropark.settings import Settings, get_settings
from zeropark.store.db import make_engine
from zeropark.store.migrate import upgrade
from zeropark.web import pages

STATIC_DIR = Path(__file__).resolve().parent / "web" / "static"


def create_app(engine: Engine | None = None, *, settings: Settings | None = None) -> FastAPI:
    """Build the zeropark app on ``engine`` (default: ``ZEROPARK_DATABASE_URL``, migrated).

    Raises
    ------
    ValueError
        The development secret key or a test-only argon2 profile is used outside
        ``ZEROPARK_ENVIRONMENT=development``; an unknown argon2 profile.
    """
    settings = settings or get_settings()
    settings.check_production()
    use_profile(settings.password_hash_profile)  # argon2 parameters of new hashes (tests: cheap)
    if engine is None:
        engine = make_engine(settings.database_url, pre_ping=False)
        upgrade(engine)
    app = FastAPI(**api.OPENAPI)
    app.state.engine = engine
    app.state.settings = settings
    app.state.secret_key = settings.secret_key
    app.state.caches = ApiCaches()
    app.state.sessions = SessionCaches()
    app.state.jobs = Jobs()
    api.install(app)
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(Exception)
    async def _server_error(request: Request, _exc: Exception) -> Response:
        # built outside every middleware (Starlette logs the error after this answer is sent)
        return PlainTextResponse(
            "Internal Server Error",
            status_code=500,
            headers=security_headers(https=request.url.scheme == "https"),
        )

    app.include_router(api.api_router())
    app.include_router(pages.router)
    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
