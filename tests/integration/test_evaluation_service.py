"""Evaluation runs on the API fixture park (SQLite and PostgreSQL): the 910 framework reproduces the
indicator table, items are traced to the run's line items, missing data are named, and an
enterprise user evaluates and sees only its own enterprise."""

from __future__ import annotations

import pytest
from api_support import PARK, make_api
from sqlalchemy import Engine

from zeropark.accounting import AccountingOptions
from zeropark.model import Method, Role
from zeropark.services import evaluation, indicators, inventory
from zeropark.settings import get_settings
from zeropark.store.scope import Principal, Scope, system_scope

NATIONAL = AccountingOptions(method=Method.NATIONAL)


@pytest.fixture
def accounted(engine: Engine) -> Engine:
    make_api(engine)
    inventory.account_year(system_scope(engine, "cli"), PARK, 2025, NATIONAL, get_settings().factor_set)
    return engine


def _scope(engine: Engine, role: Role, enterprise_id: str | None = None) -> Scope:
    return Scope(Principal(7, f"{role}-user", role, PARK, enterprise_id, "session"), engine, "10.0.0.7")


def test_910_framework_reproduces_the_indicator_table(accounted: Engine) -> None:
    scope = system_scope(accounted, "cli")
    table = indicators.indicators(scope, PARK, 2025).table
    run = evaluation.evaluate(scope, PARK, 2025, "cn-ndrc-910-2025")
    for row in table.rows:
        item = run.scorecard.item(row.code)
        assert item.status.value == row.status.value, row.code
        assert item.value == pytest.approx(row.value) if row.value is not None else item.value is None
    # the core item is traced to the run and to line items of that run
    core = run.scorecard.item("core_intensity")
    view = inventory.view_of_run(scope, run.inventory_run_id)
    assert core.line_ids and set(core.line_ids) <= {li.id for li in view.inventory.lines}
    # stored and read back identically
    assert evaluation.get_run(scope, run.id).scorecard == run.scorecard
    assert [r.id for r in evaluation.list_runs(scope, PARK, year=2025)] == [run.id]
