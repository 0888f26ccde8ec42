"""Shared fixtures: real databases (SQLite file and PostgreSQL on 127.0.0.1), no mocks.

Outside CI a missing PostgreSQL or Mosquitto skips its tests with a reason; under CI=true the
tests fail instead, so a green CI always means they ran.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, create_engine, text

from zeropark.security import use_profile
from zeropark.store.db import make_engine
from zeropark.store.migrate import upgrade

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# argon2 with the cheapest parameters in tests (a login ~0.1 ms instead of ~60 ms; the lockout tests
# make hundreds): set for this process and the CLI/server subprocesses it starts. Production never
# runs it (Settings.check_production refuses it); tests/unit/test_password_hashing.py pins the
# default profile to argon2-cffi's argon2id defaults.
os.environ.setdefault("ZEROPARK_PASSWORD_HASH_PROFILE", "test-cheapest")
use_profile(os.environ["ZEROPARK_PASSWORD_HASH_PROFILE"])
# evidence ledger (#16): tests sign tree heads with a throw-away key, never one in the home directory
os.environ.setdefault("ZEROPARK_LEDGER_KEY", str(Path(tempfile.mkdtemp(prefix="zp-ledger-")) / "ledger.pem"))
PG_ADMIN_URL = os.environ.get(
    "ZEROPARK_TEST_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
MQTT_HOST = os.environ.get("ZEROPARK_TEST_MQTT_HOST", "127.0.0.1")
MQTT_PORT = int(os.environ.get("ZEROPARK_TEST_MQTT_PORT", "1883"))


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip (locally) or fail (under CI=true) when a real service is not reachable."""
    if _port_open(host, port):
        return
    msg = f"{name} not reachable on {host}:{port}"
    if IN_CI:
        pytest.fail(f"{msg}; under CI=true this test must run (.ci/run starts the service)")
    pytest.skip(msg)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    name = f"zeropark_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


#: The PostgreSQL databases migrated in this session: ``upgrade`` is idempotent, so each database is
#: migrated once and a test only empties it (running alembic again cost ~0.1–0.4 s a test).
_PG_MIGRATED: set[str] = set()


def _truncate_all(engine: Engine) -> None:
    """Empty every table and restart every sequence, as ``TRUNCATE … RESTART IDENTITY`` would.

    On PostgreSQL only the tables holding rows are emptied, with ``DELETE`` and triggers off (the
    signed-off run freeze and the foreign keys are triggers; every table with rows is emptied, so no
    reference dangles): one ``TRUNCATE`` of all 51 tables rewrote each table's files and took ~1 s
    per test, this takes ~20 ms. Used sequences are set back to their start value.
    """
    from zeropark.store.schema import Base

    with engine.begin() as c:
        if engine.dialect.name == "postgresql":
            names = [t.name for t in Base.metadata.sorted_tables]
            probe = " UNION ALL ".join(f"SELECT '{n}' WHERE EXISTS (SELECT 1 FROM \"{n}\")" for n in names)
            dirty = [row[0] for row in c.execute(text(probe))]
            if dirty and c.execute(text("SELECT current_setting('is_superuser')")).scalar() == "on":
                c.execute(text("SET LOCAL session_replication_role = replica"))
                for name in dirty:
                    c.execute(text(f'DELETE FROM "{name}"'))
            elif dirty:  # a test role that may not switch triggers off: the slower TRUNCATE
                c.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in dirty) + " CASCADE"))
            c.execute(
                text(
                    "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false) "
                    "FROM pg_sequences WHERE last_value IS NOT NULL"
                )
            )
        else:
            for t in reversed(Base.metadata.sorted_tables):
                c.execute(t.delete())


def _pg_engine(url: str) -> Engine:
    """An engine on the session's PostgreSQL database, migrated (once a session) and emptied."""
    eng = make_engine(url)
    if url not in _PG_MIGRATED:
        upgrade(eng)
        _PG_MIGRATED.add(url)
    _truncate_all(eng)
    return eng


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated once a session; each test gets a copy (~10 ms, a migration ~0.3 s).

    The same file :func:`migrated_copy` copies.
    """
    return Path(built_template("sqlite", "migrated", _nothing, tmp_path_factory)[0])


def _sqlite_copy(template: Path, tmp_path: Path) -> Engine:
    """A fresh copy of the migrated SQLite template in ``tmp_path``."""
    db = tmp_path / "zeropark.db"
    shutil.copyfile(template, db)
    return make_engine(f"sqlite:///{db}")


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: once on an SQLite file, once on real PostgreSQL."""
    if request.param == "sqlite":
        eng = _sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
        yield eng
        eng.dispose()
        return
    eng = _pg_engine(request.getfixturevalue("pg_url"))
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite file database only."""
    eng = _sqlite_copy(sqlite_template, tmp_path)
    yield eng
    eng.dispose()


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    """A migrated, emptied PostgreSQL database only."""
    eng = _pg_engine(pg_url)
    yield eng
    eng.dispose()


#: What a test module builds once a session and every test gets a copy of (see :func:`built_copy`):
#: (backend, key) → (the SQLite template file or the PostgreSQL template database, what the build
#: returned).
_BUILT: dict[tuple[str, str], tuple[str, Any]] = {}
#: The backends of the two-backend fixtures (``engine``, :func:`built_copy`).
BACKENDS = ("sqlite", "postgres")
T = TypeVar("T")


def _pg_admin() -> Engine:
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def _pg_database_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session", autouse=True)
def _built_templates() -> Iterator[dict[tuple[str, str], tuple[str, Any]]]:
    """The session's built templates; the PostgreSQL ones are dropped when the session ends.

    Autouse, so a template made outside a fixture request (:func:`migrated_copy`) is dropped too.
    """
    yield _BUILT
    names = [where for (backend, _), (where, _) in _BUILT.items() if backend == "postgres"]
    if names:
        admin = _pg_admin()
        with admin.connect() as c:
            for name in names:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    _BUILT.clear()


def _build_template(
    backend: str, key: str, build: Callable[[Engine], Any], factory: pytest.TempPathFactory
) -> tuple[str, Any]:
    if backend == "sqlite":
        path = factory.mktemp(f"{key}-template") / "zeropark.db"
        eng = make_engine(f"sqlite:///{path}")
        upgrade(eng)
        made = build(eng)
        with eng.connect() as c:
            c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        eng.dispose()
        return str(path), made
    require_service("PostgreSQL", "127.0.0.1", 5432)
    name = f"zeropark_tpl_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin()
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    eng = make_engine(_pg_database_url(name))
    try:
        upgrade(eng)
        made = build(eng)
    finally:
        eng.dispose()  # a template database must have no open connection when it is copied
    return name, made


def built_template(
    backend: str, key: str, build: Callable[[Engine], T], factory: pytest.TempPathFactory
) -> tuple[str, T]:
    """The session's template of ``key`` on ``backend`` (built by ``build`` on its first use): the
    SQLite file or the PostgreSQL database name, and what ``build`` returned.

    A PostgreSQL template is dropped when the session ends (:func:`_built_templates`).
    """
    if (backend, key) not in _BUILT:
        _BUILT[(backend, key)] = _build_template(backend, key, build, factory)
    return _BUILT[(backend, key)]


@contextmanager
def template_copy(backend: str, where: str, factory: pytest.TempPathFactory, label: str) -> Iterator[Engine]:
    """A fresh copy of the template ``where`` (see :func:`built_template`), removed afterwards: an
    SQLite file copy in a new temporary directory, or a PostgreSQL ``CREATE DATABASE … TEMPLATE``
    (a file-level copy, ~0.2 s) named ``zeropark_<label>_<hex>`` and dropped with FORCE."""
    if backend == "sqlite":
        db = factory.mktemp(label) / "zeropark.db"
        shutil.copyfile(where, db)
        eng = make_engine(f"sqlite:///{db}")
        try:
            yield eng
        finally:
            eng.dispose()
        return
    name = f"zeropark_{label}_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin()
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{where}"'))
    eng = make_engine(_pg_database_url(name))
    try:
        yield eng
    finally:
        eng.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _nothing(engine: Engine) -> None:
    """The build of the plain migrated template (:func:`migrated_copy`): nothing beyond migrating."""


@contextmanager
def migrated_copy(backend: str, factory: pytest.TempPathFactory, label: str) -> Iterator[Engine]:
    """A fresh, migrated, empty database of ``backend`` ("sqlite" or "postgres"), removed afterwards.

    The schema is migrated once a session per backend (a PostgreSQL migration takes ~2–4 s on the
    CI machine) and every use gets a copy of that template (:func:`template_copy`).
    """
    where, _ = built_template(backend, "migrated", _nothing, factory)
    with template_copy(backend, where, factory, label) as eng:
        yield eng


@contextmanager
def built_copy(
    request: pytest.FixtureRequest, key: str, build: Callable[[Engine], T]
) -> Iterator[tuple[Engine, T]]:
    """A fresh database holding what ``build`` writes, on the backend ``request.param`` ("sqlite" or
    "postgres"); yields its engine and what ``build`` returned.

    ``build`` runs once a session per backend and ``key`` (a migrated, empty database is its
    argument); every use gets its own copy — an SQLite file copy, or a PostgreSQL
    ``CREATE DATABASE … TEMPLATE`` (a file-level copy, ~0.2 s) dropped afterwards — so a test that
    writes cannot disturb another. Use it from a function-scoped fixture with
    ``params=BACKENDS``; ``key`` must name one recipe (the same key, the same build).
    """
    backend = str(request.param)
    factory = request.getfixturevalue("tmp_path_factory")
    where, made = built_template(backend, key, build, factory)
    with template_copy(backend, where, factory, "copy" if backend == "postgres" else key) as eng:
        yield eng, made


@pytest.fixture
def mqtt_broker() -> tuple[str, int]:
    """The real Mosquitto on the machine."""
    require_service("Mosquitto", MQTT_HOST, MQTT_PORT)
    return MQTT_HOST, MQTT_PORT


def login_form(client: Any, username: str, password: str, next_url: str = "/") -> Any:
    """Log ``client`` (a TestClient or an httpx.Client) in through the login page's form, like a
    browser: load ``/login`` (its CSRF token and cookie), then post the form. The 303 answer."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None, "the login page has no csrf_token field"
    return client.post(
        "/api/v1/auth/login/form",
        data={"username": username, "password": password, "next": next_url, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
