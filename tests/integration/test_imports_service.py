"""The import use case (services/imports.py): who may import what, the audit record, one outcome.

Park P1 (ingest_helpers.make_park: meters E1, R1, …) with enterprises ENT-A and ENT-B; park P2
with meter P2-M1. Every refusal leaves an audit record ``denied`` and stores nothing; every
import leaves one ``create import_batch`` record naming the batch.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from api_support import cli_database
from ingest_helpers import make_park
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from zeropark.cli import app
from zeropark.commands import common
from zeropark.errors import NotFound, PermissionDenied
from zeropark.model import Carrier, Direction, Enterprise, Meter, MeterKind, Park, Role
from zeropark.services import imports
from zeropark.services.imports import ImportKind
from zeropark.store import repo
from zeropark.store.schema import (
    ActivityRecordRow,
    AuditLogRow,
    ImportBatchRow,
    QuarantineRow,
    ReadingRow,
    RollupRow,
)
from zeropark.store.scope import Principal, Scope

GAS = {"month": "2025-03", "carrier": "natural_gas", "quantity": 100, "unit": "m3", "evidence": "发票 A-3"}


@pytest.fixture
def db(engine: Engine) -> Engine:
    make_park(engine)
    repo.add_park(engine, Park("P2", "另一园区", "江苏", "华东", 31.3, 120.6))
    repo.add_meter(
        engine,
        Meter("P2-M1", "P2", Carrier.ELECTRICITY, "kWh", Direction.CONSUMPTION, MeterKind.INTERVAL),
    )
    repo.add_enterprise(engine, Enterprise("ENT-A", "P1", "甲公司", "91320412MA1NJ3K5XA", "2651"))
    repo.add_enterprise(engine, Enterprise("ENT-B", "P1", "乙公司", "91320412MA1NJ3K5XB", "2651"))
    return engine


def _scope(engine: Engine, role: Role, *, enterprise_id: str | None = None) -> Scope:
    name = f"{role}-user"
    return Scope(Principal(7, name, role, "P1", enterprise_id, "session"), engine, "10.0.0.7")


def _workbook(tmp_path: Path, enterprise_id: str) -> Path:
    path = tmp_path / f"{enterprise_id}.json"
    doc = {"enterprise": {"id": enterprise_id, "year": 2025}, "energy": [GAS]}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _readings(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "readings.csv"
    path.write_text("meter_id,ts,value\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _audit(engine: Engine, action: str) -> list[AuditLogRow]:
    with engine.connect() as c:
        return list(
            c.execute(select(AuditLogRow).where(AuditLogRow.action == action).order_by(AuditLogRow.id)).all()
        )


def _count(engine: Engine, table: type) -> int:
    with engine.connect() as c:
        return c.scalar(select(func.count()).select_from(table)) or 0


def test_enterprise_user_cannot_import_another_enterprises_workbook(db: Engine, tmp_path: Path) -> None:
    """Refused before anything is stored (no batch, no record), answered as not found, audited."""
    ent_a = _scope(db, Role.ENTERPRISE, enterprise_id="ENT-A")
    with pytest.raises(NotFound, match=r"ENT-B.json: enterprise 'ENT-B' not found; .* own enterprise"):
        imports.import_workbook(ent_a, _workbook(tmp_path, "ENT-B"))
    (denied,) = _audit(db, "denied")
    assert (denied.user, denied.role, denied.entity, denied.entity_id) == (
        "enterprise-user",
        "enterprise",
        "import_batch",
        "ENT-B.json",
    )
    assert denied.ip == "10.0.0.7" and "ENT-B" in denied.after["reason"]
    assert _count(db, ImportBatchRow) == 0 and _count(db, ActivityRecordRow) == 0


def test_enterprise_user_imports_its_own_workbook_audited_with_the_batch(db: Engine, tmp_path: Path) -> None:
    ent_a = _scope(db, Role.ENTERPRISE, enterprise_id="ENT-A")
    outcome = imports.import_file(ent_a, _workbook(tmp_path, "ENT-A"))
    assert outcome.kind is ImportKind.WORKBOOK and outcome.status == "stored" and outcome.stored == 1
    assert outcome.workbook is not None and outcome.workbook.enterprise_id == "ENT-A"
    assert outcome.readings is None and outcome.errors == ()
    (created,) = _audit(db, "create")
    assert (created.user, created.entity, created.entity_id) == (
        "enterprise-user",
        "import_batch",
        str(outcome.batch_id),
    )
    assert created.after["kind"] == "workbook" and created.after["stored"] == 1
    page = imports.list_imports(ent_a)
    assert [b.id for b in page.items] == [outcome.batch_id] and page.total == 1
    assert page.items[0].created_by == "enterprise-user"


def test_enterprise_user_may_not_import_readings(db: Engine, tmp_path: Path) -> None:
    ent_a = _scope(db, Role.ENTERPRISE, enterprise_id="ENT-A")
    with pytest.raises(PermissionDenied, match="enterprise workbook; meter readings files"):
        imports.import_file(ent_a, _readings(tmp_path, "E1,2026-03-01 08:00,1"))
    assert [a.entity for a in _audit(db, "denied")] == ["import_batch"]
    assert _count(db, ReadingRow) == 0 and _count(db, ImportBatchRow) == 0


@pytest.mark.parametrize("role", [Role.VERIFIER, Role.DEVICE])
def test_verifiers_and_devices_may_not_import(db: Engine, tmp_path: Path, role: Role) -> None:
    scope = _scope(db, role)
    assert not imports.can_import(scope.user)
    with pytest.raises(PermissionDenied, match=f"role '{role}' may not import data"):
        imports.import_file(scope, _workbook(tmp_path, "ENT-A"))
    with pytest.raises(PermissionDenied):
        imports.import_readings(scope, _readings(tmp_path, "E1,2026-03-01 08:00,1"))
    assert len(_audit(db, "denied")) == 2
    assert _count(db, ImportBatchRow) == 0


def test_park_manager_imports_readings_of_its_park_only(db: Engine, tmp_path: Path) -> None:
    """P2-M1 exists, but not for a P1 manager: quarantined as unknown, its park not named."""
    manager = _scope(db, Role.PARK_MANAGER)
    path = _readings(tmp_path, "E1,2026-03-01 08:00,1.5", "P2-M1,2026-03-01 08:00,2")
    outcome = imports.import_file(manager, path)
    assert outcome.kind is ImportKind.READINGS and outcome.readings is not None
    assert (outcome.status, outcome.stored, outcome.rejected) == ("partial", 1, 1)
    (error,) = outcome.errors
    assert (error.file, error.row) == ("readings.csv", 3)
    assert "unknown_meter" in error.message and "P2" not in error.message.replace("P2-M1", "")
    with db.connect() as c:
        assert c.scalar(select(QuarantineRow.reason)) == "unknown_meter"
        batch = c.execute(select(ImportBatchRow)).one()
        # the after-commit wiring: rollups of the touched hour exist
        assert c.scalar(select(func.count()).select_from(RollupRow).where(RollupRow.meter_id == "E1")) > 0
    assert (batch.park_id, batch.created_by, batch.kind) == ("P1", "park_manager-user", "readings")
    (created,) = _audit(db, "create")
    assert created.entity_id == str(batch.id) and created.after["park_id"] == "P1"


def test_get_import_of_another_user_is_not_found_for_an_enterprise_user(db: Engine, tmp_path: Path) -> None:
    manager = _scope(db, Role.PARK_MANAGER)
    outcome = imports.import_file(manager, _workbook(tmp_path, "ENT-A"))
    assert imports.get_import(manager, outcome.batch_id or 0).n_stored == 1
    ent_a = _scope(db, Role.ENTERPRISE, enterprise_id="ENT-A")
    with pytest.raises(NotFound):
        imports.get_import(ent_a, outcome.batch_id or 0)
    assert imports.list_imports(ent_a).total == 0


def test_cli_import_is_audited_as_user_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``zeropark import`` and ``zeropark ingest file`` go through the service as the admin ``cli``."""
    with cli_database(f"sqlite:///{tmp_path / 'cli.db'}", COLUMNS="200"):
        db = common.engine()
        make_park(db)
        repo.add_enterprise(db, Enterprise("ENT-A", "P1", "甲公司", "91320412MA1NJ3K5XA", "2651"))
        runner = CliRunner()
        r = runner.invoke(app, ["import", str(_workbook(tmp_path, "ENT-A"))])
        assert r.exit_code == 0, r.output
        r = runner.invoke(app, ["ingest", "file", str(_readings(tmp_path, "E1,2026-03-01 08:00,1"))])
        assert r.exit_code == 0, r.output
        created = _audit(db, "create")
        assert [(a.user, a.role, a.entity, a.ip) for a in created] == [
            ("cli", "admin", "import_batch", None)
        ] * 2
        assert [a.after["kind"] for a in created] == ["workbook", "readings"]
        with db.connect() as c:
            assert c.scalar(select(func.count()).select_from(RollupRow)) > 0  # readings → rollups
        db.dispose()
