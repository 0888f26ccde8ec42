"""Optimisation and forecast runs as use cases: who may make and read them, the audit, unknown parks.

On SQLite and PostgreSQL, with the API tests' fixture park (P1, P2, enterprises E-A and E-B).
The run solved here is the hand-computed day of test_optimize_api.py: 100 kW flat for 24 h on
2026-03-02 under the Jiangsu large-industry tariff → objective 5 620.32 CNY.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest
from api_support import ENT_A, OTHER_PARK, PARK, build_park
from sqlalchemy import Engine, select

from zeropark.errors import NotFound, PermissionDenied
from zeropark.forecast.target import Target, TargetKind
from zeropark.model import Role
from zeropark.optimize.profiles import profiles_from_values
from zeropark.optimize.scenario import ScenarioParams
from zeropark.optimize.system import Mode
from zeropark.services.forecasting import list_forecast_runs, run_forecast
from zeropark.services.optimization import RunRequest, create_run, get_run, list_runs
from zeropark.store.db import transaction
from zeropark.store.schema import AuditLogRow, OptimizationRunRow
from zeropark.store.scope import Principal, Scope, system_scope

DAY = pd.Timestamp("2026-03-02")
REQUEST = RunRequest(Mode.DISPATCH, profiles_from_values(DAY, 1.0, [100.0] * 24, source="test:inline"))


def scope_of(
    engine: Engine, role: Role, park_id: str | None = PARK, enterprise_id: str | None = None
) -> Scope:
    user = Principal(1, f"{role}-user", role, park_id, enterprise_id, via="session")
    return Scope(user=user, engine=engine, ip="192.0.2.1")


def audit_rows(engine: Engine) -> list[tuple[str | None, str | None, str, str, str | None]]:
    with transaction(engine) as s:
        rows = s.scalars(select(AuditLogRow).order_by(AuditLogRow.id))
        return [(r.user, r.role, r.action, r.entity, r.entity_id) for r in rows]


@pytest.fixture
def park(engine: Engine) -> Engine:
    build_park(engine)
    return engine


def test_a_managers_run_is_stored_audited_and_read_by_a_verifier(park: Engine) -> None:
    out = create_run(scope_of(park, Role.PARK_MANAGER), PARK, REQUEST)
    assert out.run.status == "optimal" and out.result is not None
    assert out.run.objective_cny == pytest.approx(5620.32, rel=1e-9)
    assert audit_rows(park) == [
        ("park_manager-user", "park_manager", "create", "optimization_run", str(out.run.id))
    ]
    verifier = scope_of(park, Role.VERIFIER)
    assert get_run(verifier, out.run.id) == out.run
    assert [s.id for s in list_runs(verifier, PARK)] == [out.run.id]
    assert list_runs(verifier, PARK)[0] == out.run.summary()


def test_the_cli_is_audited_as_cli_and_an_infeasible_run_is_returned_stored(park: Engine) -> None:
    request = replace(REQUEST, scenario=ScenarioParams(clean_share_min=0.5))
    out = create_run(system_scope(park, "cli"), PARK, request)
    assert out.run.infeasible and out.result is None
    assert out.run.conflicts[0].startswith("clean-energy share 50% is unreachable")
    assert get_run(system_scope(park, "cli"), out.run.id).conflicts == out.run.conflicts
    assert audit_rows(park) == [("cli", "admin", "create", "optimization_run", str(out.run.id))]


def test_unknown_park_tariff_or_factor_set_is_not_found_and_nothing_is_stored(park: Engine) -> None:
    admin = scope_of(park, Role.ADMIN, None)
    with pytest.raises(NotFound, match="park 'NOPE' does not exist"):
        create_run(admin, "NOPE", REQUEST)
    with pytest.raises(NotFound, match="no tariff 'no-such-tariff'"):
        create_run(admin, PARK, replace(REQUEST, tariff_id="no-such-tariff"))
    with pytest.raises(NotFound, match="factor set 'no-such-set' is neither stored nor built in"):
        create_run(admin, PARK, replace(REQUEST, factor_set="no-such-set"))
    with pytest.raises(NotFound, match="park 'NOPE' does not exist"):
        list_runs(admin, "NOPE")
    with transaction(park) as s:
        assert list(s.scalars(select(OptimizationRunRow))) == []
    assert audit_rows(park) == []


RUNS = ["optimization_run", "forecast_run"]


@pytest.mark.parametrize(
    ("role", "park_id", "enterprise_id", "error", "denied"),
    [
        (Role.VERIFIER, PARK, None, PermissionDenied, RUNS),  # read-only
        (Role.ENTERPRISE, PARK, ENT_A, PermissionDenied, RUNS),  # park-level runs; its own forecast only
        (Role.PARK_MANAGER, OTHER_PARK, None, NotFound, ["park", "park"]),  # as if P1 did not exist
    ],
)
def test_who_may_not_create_is_refused_and_audited(
    park: Engine,
    role: Role,
    park_id: str,
    enterprise_id: str | None,
    error: type[Exception],
    denied: list[str],
) -> None:
    scope = scope_of(park, role, park_id, enterprise_id)
    with pytest.raises(error):
        create_run(scope, PARK, REQUEST)
    with pytest.raises(error):
        run_forecast(scope, park_id=PARK, target=Target(TargetKind.PARK), day=date(2025, 1, 3))
    assert [(r[0], r[2], r[3]) for r in audit_rows(park)] == [
        (scope.user.username, "denied", e) for e in denied
    ]
    with transaction(park) as s:
        assert list(s.scalars(select(OptimizationRunRow))) == []


def test_enterprise_users_may_not_read_park_level_runs(park: Engine) -> None:
    run = create_run(scope_of(park, Role.ADMIN, None), PARK, REQUEST).run
    ent = scope_of(park, Role.ENTERPRISE, PARK, ENT_A)
    for read in (
        lambda: list_runs(ent, PARK),
        lambda: get_run(ent, run.id),
    ):
        with pytest.raises(PermissionDenied, match="park-level"):
            read()
    # forecasts: an enterprise user lists only its own enterprise's (none here), never the park's
    assert list_forecast_runs(ent, PARK) == []
    other = scope_of(park, Role.PARK_MANAGER, OTHER_PARK)
    with pytest.raises(NotFound):
        get_run(other, run.id)
    assert list_runs(other) == []  # the manager of P2 sees P2's runs: none
