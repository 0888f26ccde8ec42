"""Shared fixtures: real databases (SQLite file and PostgreSQL on 127.0.0.1), no mocks.

Outside CI a missing PostgreSQL or Mosquitto skips its tests with a reason; under CI=true the
tests fail instead, so a green CI always means they ran.
"""

from __future__ import annotations

import os
import re
import socket
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from zeropark.store.db import make_engine
from zeropark.store.migrate import upgrade

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
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


def _truncate_all(engine: Engine) -> None:
    from zeropark.store.schema import Base

    with engine.begin() as c:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            c.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for t in reversed(Base.metadata.sorted_tables):
                c.execute(t.delete())


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: once on an SQLite file, once on real PostgreSQL."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'zeropark.db'}")
        upgrade(eng)
        yield eng
        eng.dispose()
        return
    url = request.getfixturevalue("pg_url")
    eng = make_engine(url)
    upgrade(eng)
    _truncate_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite file database only."""
    eng = make_engine(f"sqlite:///{tmp_path / 'zeropark.db'}")
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    """A migrated, emptied PostgreSQL database only."""
    eng = make_engine(pg_url)
    upgrade(eng)
    _truncate_all(eng)
    yield eng
    eng.dispose()


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
