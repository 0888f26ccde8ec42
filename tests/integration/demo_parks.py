"""The small demo park (示例数据), built once a session per backend; every test gets its own copy.

``zeropark demo``'s park as the pages, reports and doors see it: the generator's small park
(``demo.SMALL_SIZE``) written, rollups rebuilt, both inventories accounted with ``CN-park-2025``
(national method and GHG Protocol, through the accounting use case), demo users made. Building it
took ~5–20 s a test per backend; a copy takes ~0.1 s (SQLite file) or ~0.3 s (PostgreSQL
``CREATE DATABASE … TEMPLATE``), so tests that write (runs, sign-offs, alarms) stay independent.
Import the fixture by name: ``from demo_parks import demo_park_fixture  # noqa: F401``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine

from conftest import BACKENDS, built_copy
from zeropark import demo
from zeropark.accounting import AccountingOptions
from zeropark.model import Method
from zeropark.monitoring.rollups import rebuild_rollups
from zeropark.services.inventory import account_year
from zeropark.services.users import ensure_demo_users
from zeropark.store.scope import system_scope

#: The :func:`conftest.built_copy` key of :func:`build_accounted_demo` (one key, one recipe).
DEMO_KEY = "demo-accounted"
#: The factor set the demo is accounted with (the CLI's default, ``ZEROPARK_FACTOR_SET``).
FACTOR_SET = "CN-park-2025"


@dataclass(frozen=True)
class DemoPark:
    """A copy of the accounted small demo park: its engine, the generated park, demo passwords."""

    engine: Engine
    generated: Any  # zeropark.demo's generated park (``.park``, ``.year``, ``.enterprises``)
    passwords: dict[str, str]

    @property
    def park_id(self) -> str:
        return str(self.generated.park.id)

    @property
    def year(self) -> int:
        return int(self.generated.year)


def build_accounted_demo(engine: Engine) -> tuple[Any, dict[str, str]]:
    """Write the small demo park, rebuild its rollups, account both methods, make the demo users."""
    generated = demo.generate(size=demo.SMALL_SIZE)
    demo.write_demo(engine, generated)
    rebuild_rollups(engine)
    scope = system_scope(engine, "test")
    for method in (Method.NATIONAL, Method.GHG):
        account_year(scope, generated.park.id, generated.year, AccountingOptions(method=method), FACTOR_SET)
    passwords = {u: p for u, p, _ in ensure_demo_users(engine, generated.park.id)}
    return generated, passwords


@pytest.fixture(params=BACKENDS, name="demo_park")
def demo_park_fixture(request: pytest.FixtureRequest) -> Iterator[DemoPark]:
    """A fresh copy of the accounted small demo park, on SQLite and on real PostgreSQL."""
    with built_copy(request, DEMO_KEY, build_accounted_demo) as (engine, (generated, passwords)):
        yield DemoPark(engine, generated, dict(passwords))
