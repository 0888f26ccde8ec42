"""Migrations: several processes starting at once (``uvicorn --workers N``) migrate one at a time."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, inspect, text

from zeropark.store.db import make_engine
from zeropark.store.migrate import upgrade


def test_concurrent_upgrades_of_a_fresh_postgres_database_all_succeed(pg_url: str) -> None:
    """Six engines migrate a fresh database at the same moment; without the advisory lock they
    collide (CREATE OR REPLACE FUNCTION → 'tuple concurrently updated', or a duplicate table)."""
    name = f"zeropark_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_url.rsplit("/", 1)[0] + f"/{name}"
    engines = [make_engine(url) for _ in range(6)]
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(upgrade, engines))  # re-raises the first failure
        tables = set(inspect(engines[0]).get_table_names())
        assert {"reading", "inventory_run", "meter_month_summary"} <= tables
        with engines[0].connect() as c:
            assert c.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    finally:
        for e in engines:
            e.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
