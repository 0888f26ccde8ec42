"""Helpers for the API tests: a small fixture park (two enterprises), users of every role, clients.

The park is written with plain ORM rows so the API tests do not depend on the other areas' write
paths. Values are small and hand-checkable (see ``READINGS`` comments).
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from conftest import migrated_copy, require_service
from zeropark.app import create_app
from zeropark.cli import app as cli_app
from zeropark.commands import common
from zeropark.model import Role
from zeropark.security import hash_password
from zeropark.settings import Settings, get_settings
from zeropark.store.db import make_engine, transaction
from zeropark.store.schema import (
    ActivityRecordRow,
    AlarmRow,
    AuditLogRow,
    EnterpriseRow,
    MeterRow,
    ParkRow,
    ReadingRow,
    RollupRow,
    UserRow,
    ZoneRow,
)

PARK = "P1"
OTHER_PARK = "P2"
ENT_A = "E-A"
ENT_B = "E-B"
PASSWORD = "correct horse battery"

#: username → (role, enterprise)
USERS: dict[str, tuple[Role, str | None]] = {
    "admin": (Role.ADMIN, None),
    "manager": (Role.PARK_MANAGER, None),
    "ent_a": (Role.ENTERPRISE, ENT_A),
    "ent_b": (Role.ENTERPRISE, ENT_B),
    "verifier": (Role.VERIFIER, None),
    "device": (Role.DEVICE, None),
}


@functools.cache
def _password_hash() -> str:
    """argon2 is slow on purpose: hash the fixture password once per test session."""
    return hash_password(PASSWORD)


def user_row(
    username: str,
    role: str,
    *,
    park_id: str | None = None,
    enterprise_id: str | None = None,
    province: str | None = None,
    created_at: datetime | None = None,
) -> UserRow:
    """An active fixture user (display name = username) whose password is :data:`PASSWORD`."""
    return UserRow(
        username=username,
        display_name=username,
        password_hash=_password_hash(),
        role=role,
        park_id=park_id,
        enterprise_id=enterprise_id,
        province=province,
        active=True,
        failed_logins=0,
        created_at=created_at or datetime.now(UTC),
    )


def build_park(engine: Engine) -> None:
    """A park P1 with zone Z1, enterprises E-A and E-B, meters, readings, activity, an alarm each."""
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    with transaction(engine) as s:
        s.add(
            ParkRow(
                id=PARK,
                name="测试园区",
                province="江苏",
                grid_region="华东",
                latitude=31.0,
                longitude=120.0,
                timezone="Asia/Shanghai",
                is_demo=False,
            )
        )
        s.add(
            ParkRow(
                id=OTHER_PARK,
                name="另一园区",
                province="浙江",
                grid_region="华东",
                latitude=30.0,
                longitude=120.0,
                timezone="Asia/Shanghai",
                is_demo=False,
            )
        )
        s.flush()
        s.add(ZoneRow(id="Z1", park_id=PARK, name="一区"))
        s.flush()
        s.add_all(
            [
                EnterpriseRow(
                    id=ENT_A,
                    park_id=PARK,
                    zone_id="Z1",
                    name="甲公司",
                    uscc="91320000000000001A",
                    industry_code="C26",
                    is_public_facility=False,
                    value_added_10k_cny=1000.0,
                ),
                EnterpriseRow(
                    id=ENT_B,
                    park_id=PARK,
                    zone_id="Z1",
                    name="乙公司",
                    uscc="91320000000000002B",
                    industry_code="C33",
                    is_public_facility=False,
                    value_added_10k_cny=500.0,
                ),
            ]
        )
        s.flush()
        common = {
            "park_id": PARK,
            "carrier": "electricity",
            "unit": "kWh",
            "kind": "interval",
            "multiplier": 1.0,
            "accuracy_class": 0.5,
            "interval_s": 3600,
            "active": True,
        }
        s.add(
            MeterRow(
                id="M-GRID",
                enterprise_id=None,
                parent_id=None,
                name="园区总表",
                direction="import",
                level=1,
                **common,
            )
        )
        s.flush()
        s.add_all(
            [
                MeterRow(
                    id="M-A",
                    enterprise_id=ENT_A,
                    parent_id="M-GRID",
                    name="甲总表",
                    direction="consumption",
                    level=2,
                    **common,
                ),
                MeterRow(
                    id="M-B",
                    enterprise_id=ENT_B,
                    parent_id="M-GRID",
                    name="乙总表",
                    direction="consumption",
                    level=2,
                    **common,
                ),
            ]
        )
        s.flush()
        # 24 hourly interval readings per meter: M-A 10 kWh/h, M-B 20 kWh/h, grid 30 kWh/h.
        for meter, kwh in (("M-A", 10.0), ("M-B", 20.0), ("M-GRID", 30.0)):
            for h in range(24):
                s.add(
                    ReadingRow(meter_id=meter, park_id=PARK, ts=t0 + timedelta(hours=h), value=kwh, quality=0)
                )
            s.add(
                RollupRow(
                    meter_id=meter,
                    bucket="day",
                    start=t0,
                    value=24 * kwh,
                    n_present=24,
                    n_expected=24,
                    n_flagged=0,
                    n_filled=0,
                )
            )
        s.add_all(
            [
                ActivityRecordRow(
                    id="AR-A1",
                    park_id=PARK,
                    enterprise_id=ENT_A,
                    carrier="natural_gas",
                    flow="combustion",
                    period_start=date(2025, 1, 1),
                    period_end=date(2025, 1, 31),
                    quantity=1000.0,
                    unit="m3",
                    evidence="发票 A-001",
                    uncertainty_pct=2.0,
                ),
                ActivityRecordRow(
                    id="AR-B1",
                    park_id=PARK,
                    enterprise_id=ENT_B,
                    carrier="diesel",
                    flow="combustion",
                    period_start=date(2025, 1, 1),
                    period_end=date(2025, 1, 31),
                    quantity=2.0,
                    unit="t",
                    evidence="发票 B-001",
                    uncertainty_pct=2.0,
                ),
            ]
        )
        now = datetime.now(UTC)
        s.add_all(
            [
                AlarmRow(
                    park_id=PARK,
                    meter_id="M-A",
                    enterprise_id=ENT_A,
                    kind="threshold",
                    severity="warning",
                    state="open",
                    message="甲 over threshold",
                    detail={},
                    opened_at=now,
                ),
                AlarmRow(
                    park_id=PARK,
                    meter_id="M-B",
                    enterprise_id=ENT_B,
                    kind="missing_data",
                    severity="warning",
                    state="open",
                    message="乙 missing data",
                    detail={},
                    opened_at=now,
                ),
            ]
        )
        for username, (role, ent) in USERS.items():
            s.add(user_row(username, role, park_id=PARK, enterprise_id=ent, created_at=now))


@dataclass
class Api:
    """The app on a test database, with helpers to log in as any fixture user."""

    engine: Engine
    client: TestClient

    def login(self, username: str) -> TestClient:
        """A new client logged in (cookie session) as ``username``; writes send the CSRF header."""
        c = TestClient(self.client.app)
        r = c.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        assert r.status_code == 200, r.text
        c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        return c

    def audit_actions(self, action: str) -> list[AuditLogRow]:
        """Audit records of ``action`` (oldest first)."""
        with transaction(self.engine) as s:
            rows = s.scalars(select(AuditLogRow).where(AuditLogRow.action == action).order_by(AuditLogRow.id))
            return list(rows)


def make_api(engine: Engine) -> Api:
    """Fixture park + app on ``engine``."""
    build_park(engine)
    app = create_app(engine, settings=Settings(secret_key="test-secret-" + "x" * 20))
    return Api(engine=engine, client=TestClient(app))


ROLES = ("admin", "manager", "ent_a", "verifier", "device")


@dataclass
class ApiModule(Api):
    """A module-wide app on its own database with one logged-in client per fixture user.

    Tests sharing it must not depend on each other's writes: they count audit records before and
    after, and create rows with ids of their own.
    """

    clients: dict[str, TestClient]

    def audit_count(self, action: str) -> int:
        """How many audit records of ``action`` exist now."""
        return len(self.audit_actions(action))


@contextmanager
def fresh_database(backend: str, tmp_path_factory: pytest.TempPathFactory, label: str) -> Iterator[Engine]:
    """A fresh, migrated database of ``backend`` ("sqlite" or "postgres"), dropped afterwards.

    SQLite: a file in a new temporary directory; PostgreSQL: a database ``zeropark_<label>_<hex>``
    on the local server (dropped with FORCE when the block ends). Both are copies of a template
    migrated once a session (:func:`conftest.migrated_copy`), not migrated again each time.
    """
    if backend == "postgres":
        require_service("PostgreSQL", "127.0.0.1", 5432)
    with migrated_copy(backend, tmp_path_factory, label) as engine:
        yield engine


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def api_module(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiModule]:
    """The fixture park on a fresh database of each backend, shared by one test module."""
    with fresh_database(request.param, tmp_path_factory, "api") as engine:
        api = make_api(engine)
        yield ApiModule(engine=engine, client=api.client, clients={u: api.login(u) for u in ROLES})


# --------------------------------------------------------------------------------------------
# The CLI against a test database, in-process (typer's CliRunner): the same code as the
# ``zeropark`` console script without a new interpreter (~3–5 s each on the CI machine).
# --------------------------------------------------------------------------------------------


def database_url(target: Engine | str) -> str:
    """The URL to give ``ZEROPARK_DATABASE_URL`` for ``target`` (an engine or a URL), password kept."""
    return target if isinstance(target, str) else target.url.render_as_string(hide_password=False)


def clear_cli_caches() -> None:
    """Forget the cached settings and the CLI's cached engine (they read the environment once)."""
    get_settings.cache_clear()
    common.engine.cache_clear()


@contextmanager
def cli_database(target: Engine | str, **env: str) -> Iterator[None]:
    """Point the CLI at ``target``: ``ZEROPARK_DATABASE_URL`` (and ``env``, e.g. ``COLUMNS="200"``)
    set, the settings and engine caches cleared on entry and on exit, the environment restored.

    A CLI engine opened inside is disposed on exit (SQLite files and PostgreSQL databases can then
    be removed).
    """
    mp = pytest.MonkeyPatch()
    mp.setenv("ZEROPARK_DATABASE_URL", database_url(target))
    for name, value in env.items():
        mp.setenv(name, value)
    clear_cli_caches()
    try:
        yield
    finally:
        if common.engine.cache_info().currsize:
            common.engine().dispose()
        mp.undo()
        clear_cli_caches()


def invoke_cli(
    target: Engine | str,
    *args: str,
    env: Mapping[str, str] | None = None,
    input: str | None = None,  # noqa: A002 - CliRunner's name
) -> Result:
    """``zeropark *args`` against ``target`` in-process (see :func:`cli_database`); the click result
    (``exit_code``, ``stdout``, ``stderr``, ``output``, ``exception``)."""
    with cli_database(target):
        return CliRunner().invoke(cli_app, list(args), env=dict(env) if env else None, input=input)


#: The SQLite file ``zeropark demo --enterprises 6 --days 7`` wrote, once a session (see
#: :func:`cli_demo_copy`).
_CLI_DEMO: dict[str, Path] = {}
#: The arguments of the CLI tests' demo park: six enterprises, seven days of readings.
CLI_DEMO_ARGS = ("demo", "--enterprises", "6", "--days", "7")


def cli_demo_copy(factory: pytest.TempPathFactory, name: str) -> str:
    """The URL of a fresh SQLite copy of the park ``zeropark demo --enterprises 6 --days 7`` builds.

    The command runs once a session (in-process, exit code checked); each caller gets its own copy
    of the file (~10 ms instead of a demo build), so a module that writes disturbs no other.
    """
    if "template" not in _CLI_DEMO:
        path = factory.mktemp("cli-demo-template") / "zeropark.db"
        res = invoke_cli(f"sqlite:///{path}", *CLI_DEMO_ARGS, env={"COLUMNS": "200"})
        assert res.exit_code == 0, res.output
        eng = make_engine(f"sqlite:///{path}")
        with eng.connect() as c:
            c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        eng.dispose()
        _CLI_DEMO["template"] = path
    db = factory.mktemp(name) / "zeropark.db"
    shutil.copyfile(_CLI_DEMO["template"], db)
    return f"sqlite:///{db}"
