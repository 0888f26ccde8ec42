"""Scaffolding the benchmarks share: a throw-away migrated database and a two-year demo park.

Imported by the scripts beside it (``python benchmarks/<name>.py`` puts this folder on
``sys.path``); it is not part of the package.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Engine, create_engine, text

from zeropark import demo
from zeropark.accounting import AccountingOptions
from zeropark.demo.write import _write_activity, _write_readings
from zeropark.model import Method
from zeropark.services import inventory
from zeropark.settings import get_settings
from zeropark.store import repo
from zeropark.store.db import make_engine
from zeropark.store.migrate import upgrade
from zeropark.store.scope import system_scope

#: The machine's PostgreSQL (trust auth), its maintenance database.
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@contextmanager
def pg_database(label: str, admin_url: str = PG_ADMIN) -> Iterator[str]:
    """A fresh, empty PostgreSQL database ``zeropark_bench_<label>_<hex>``; its URL, dropped after."""
    name = f"zeropark_bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def scratch_engine(backend: str, label: str) -> Iterator[Engine]:
    """A migrated, empty database on ``backend`` (``sqlite`` file or ``postgres``), removed after."""
    if backend == "postgres":
        with pg_database(label) as url:
            engine = make_engine(url)
            try:
                upgrade(engine)
                yield engine
            finally:
                engine.dispose()
        return
    tmp_dir = Path(tempfile.mkdtemp())
    engine = make_engine(f"sqlite:///{tmp_dir / f'{label}.db'}")
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        shutil.rmtree(tmp_dir, ignore_errors=True)


def _noop(step: str, done: int, total: int) -> None:
    del step, done, total


def two_demo_years(engine: Engine, size: demo.DemoSize, *, value_added_growth: float = 1.0) -> str:
    """Write the demo park for 2024, account it, add 2025 beside it and account that; the park id.

    The demo's writer replaces the park, so 2025 goes in through its readings and activity steps
    (seed + 1). ``value_added_growth`` multiplies every enterprise's value added before 2025 is
    accounted (so the two runs carry different output values).
    """
    scope = system_scope(engine, "demo")
    national = AccountingOptions(method=Method.NATIONAL)
    fs = get_settings().factor_set
    first = demo.generate(size=size, year=2024)
    demo.write_demo(engine, first)
    inventory.account_year(scope, first.park.id, 2024, national, fs)
    second = demo.generate(seed=demo.DEFAULT_SEED + 1, size=size, year=2025)
    _write_readings(engine, second, _noop)
    _write_activity(engine, second)
    if value_added_growth != 1.0:
        for e in repo.list_enterprises(engine, first.park.id):
            if e.value_added_10k_cny is not None:
                grown = e.value_added_10k_cny * value_added_growth
                repo.upsert_enterprise(engine, replace(e, value_added_10k_cny=grown))
    inventory.account_year(scope, first.park.id, 2025, national, fs)
    return first.park.id


def ms(values: list[float]) -> str:
    """``median … ms (min …, max …, n=…)`` of timings in seconds."""
    med, lo, hi = (statistics.median(values) * 1000, min(values) * 1000, max(values) * 1000)
    return f"median {med:,.1f} ms (min {lo:,.1f}, max {hi:,.1f}, n={len(values)})"
