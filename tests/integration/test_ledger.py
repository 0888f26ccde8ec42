"""The evidence ledger end to end, on SQLite and PostgreSQL: rows altered with SQL are named.

Park P1 of the API tests (api_support.build_park). Recorded here: one reading batch written
through the store (M-GRID, 3 hourly readings on 2025-06-01), one enterprise workbook import
(E-A, natural gas 100 m³ in March 2025: one activity record), the built-in factor set, the
national 2025 run of the park with its enterprise views, a kept evidence file (a report row).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from api_support import ENT_A, PARK, build_park, cli_database, make_api
from sqlalchemy import Engine, select, text
from typer.testing import CliRunner

from zeropark.accounting import AccountingOptions
from zeropark.cli import app as cli_app
from zeropark.commands import common
from zeropark.errors import EvidenceChanged, PermissionDenied, RunDoesNotReproduce
from zeropark.ledger import offline
from zeropark.ledger.merkle import verify_inclusion
from zeropark.model import Method, Reading, Role
from zeropark.services import imports, inventory, ledger, reporting
from zeropark.settings import get_settings
from zeropark.store import ledger as ledger_store
from zeropark.store.db import transaction
from zeropark.store.queries.evidence import put_blob
from zeropark.store.readings import write_readings
from zeropark.store.schema import ActivityRecordRow, ReportRow
from zeropark.store.scope import Principal, Scope, system_scope

T0 = datetime(2025, 6, 1, tzinfo=UTC)


def scope_of(engine: Engine, role: Role) -> Scope:
    return Scope(Principal(3, f"{role}-user", role, PARK, None, "session"), engine, "192.0.2.9")


@pytest.fixture(autouse=True)
def ledger_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "keys" / "ledger.pem"
    monkeypatch.setenv("ZEROPARK_LEDGER_KEY", str(path))
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


@pytest.fixture
def park(engine: Engine, tmp_path: Path) -> tuple[Engine, int]:
    build_park(engine)
    readings = [Reading("M-GRID", T0 + timedelta(hours=h), 10.0 + h) for h in range(3)]
    assert write_readings(engine, readings, source="test").stored == 3
    book = tmp_path / f"{ENT_A}.json"
    gas = {
        "month": "2025-03",
        "carrier": "natural_gas",
        "quantity": 100,
        "unit": "m3",
        "evidence": "发票 A-3",
    }
    book.write_text(
        json.dumps({"enterprise": {"id": ENT_A, "year": 2025}, "energy": [gas]}), encoding="utf-8"
    )
    imported = imports.import_workbook(system_scope(engine, "test"), book)
    assert imported.status == "stored"
    run = inventory.account_year(
        system_scope(engine, "test"), PARK, 2025, AccountingOptions(method=Method.NATIONAL), "CN-park-2025"
    )
    return engine, run.run.id


def kinds(engine: Engine) -> list[str]:
    return [r.kind for r in ledger_store.leaves(engine)]


def test_every_object_is_recorded_and_the_clean_ledger_verifies(
    park: tuple[Engine, int], ledger_key: Path
) -> None:
    engine, run_id = park
    recorded = kinds(engine)
    # 1 reading batch, 1 import batch, the factor set, the park run + its 2 enterprise views
    assert recorded.count("reading_batch") == 1
    assert recorded.count("import_batch") == 1
    assert recorded.count("factor_set") == 1
    assert recorded.count("inventory_run") == 3
    check = ledger.verify(scope_of(engine, Role.VERIFIER))
    assert check.ok, check.problems
    assert check.leaves_checked == len(recorded) == check.tree_size
    assert stat.S_IMODE(os.stat(ledger_key).st_mode) == 0o600  # generated on first use, owner only
    # the inclusion proof of the run checks against the signed head
    p = ledger.proof(scope_of(engine, Role.PARK_MANAGER), "inventory_run", str(run_id))
    verify_inclusion(
        p.leaf_index,
        p.head.tree_size,
        bytes.fromhex(p.leaf_hash),
        [bytes.fromhex(x) for x in p.audit_path],
        bytes.fromhex(p.head.root_hash),
    )
    with pytest.raises(PermissionDenied):
        ledger.head(Scope(Principal(4, "ent", Role.ENTERPRISE, PARK, ENT_A, "session"), engine, None))


def test_sql_changes_are_named(park: tuple[Engine, int]) -> None:
    engine, run_id = park
    ts = T0 + timedelta(hours=1)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE reading SET value = 99.5 WHERE meter_id = 'M-GRID' AND ts = :ts"),
            {"ts": ts if engine.dialect.name == "postgresql" else ts.strftime("%Y-%m-%d %H:%M:%S.%f")},
        )
        conn.execute(text("DELETE FROM activity_record WHERE import_batch_id IS NOT NULL"))
        conn.execute(
            text("UPDATE inventory_run SET total_tco2e = total_tco2e + 1 WHERE id = :id"), {"id": run_id}
        )
    problems = [str(p) for p in ledger.verify(scope_of(engine, Role.ADMIN)).problems]
    # the reading: 11.0 kWh recorded (10 + 1), 99.5 now
    assert any(
        "reading M-GRID @ 2025-06-01T01:00:00.000000Z: value recorded 11.0, now 99.5" in p for p in problems
    )
    assert any(p.startswith("import_batch ") and "activity_record:" in p and "removed" in p for p in problems)
    assert any(
        p.startswith(f"inventory_run {run_id} ") and p.endswith("total_tco2e altered") for p in problems
    )
    assert len(problems) == 3, problems
    # and the run no longer reproduces from the readings: no sign-off
    with pytest.raises(RunDoesNotReproduce) as caught:
        inventory.sign_off(scope_of(engine, Role.VERIFIER), run_id, "核查")
    assert f"inventory run {run_id} does not reproduce" in str(caught.value)


def test_an_uploaded_document_is_recorded_and_a_changed_one_named(park: tuple[Engine, int]) -> None:
    """An evidence document of the 申报 workspace is a leaf; its bytes changed in SQL are named."""
    engine, _ = park
    content = "监测方案 v1".encode()
    digest = hashlib.sha256(content).hexdigest()
    with transaction(engine) as session:
        put_blob(session, content)
    assert ledger.verify(scope_of(engine, Role.ADMIN)).ok
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE evidence_blob SET content = :c WHERE sha256 = :h"),
            {"c": "监测方案 v2".encode(), "h": digest},
        )
    problems = [str(p) for p in ledger.verify(scope_of(engine, Role.ADMIN)).problems]
    assert len(problems) == 1 and problems[0].startswith(f"document {digest}"), problems
    assert "content_sha256" in problems[0]


def test_sign_off_is_recorded_and_an_allowed_deletion_is_not_tampering(park: tuple[Engine, int]) -> None:
    engine, run_id = park
    inventory.sign_off(scope_of(engine, Role.VERIFIER), run_id, "核查无误")
    assert kinds(engine)[-1] == "sign_off"
    second = inventory.account_year(
        system_scope(engine, "test"), PARK, 2025, AccountingOptions(method=Method.GHG), "CN-park-2025"
    )
    third = inventory.account_year(
        system_scope(engine, "test"), PARK, 2025, AccountingOptions(method=Method.GHG), "CN-park-2025"
    )
    inventory.delete_run(scope_of(engine, Role.PARK_MANAGER), second.run.id)  # recorded as deleted
    assert ledger.verify(scope_of(engine, Role.ADMIN)).ok
    with engine.begin() as conn:  # removed behind the platform's back: named
        conn.execute(text("DELETE FROM inventory_run WHERE id = :id"), {"id": third.run.id})
    problems = [str(p) for p in ledger.verify(scope_of(engine, Role.ADMIN)).problems]
    assert any(
        p.startswith(f"inventory_run {third.run.id} ") and "removed from the database" in p for p in problems
    )


def test_a_changed_evidence_file_is_refused(park: tuple[Engine, int], tmp_path: Path) -> None:
    engine, run_id = park
    scope = system_scope(engine, "test")
    # the imported workbook: the same bytes check, a changed copy is EvidenceChanged
    book = (tmp_path / f"{ENT_A}.json").read_bytes()
    batch = next(r.object_id for r in ledger_store.leaves(engine) if r.kind == "import_batch")
    assert ledger.check_import_file(scope, int(batch), book) == hashlib.sha256(book).hexdigest()
    with pytest.raises(EvidenceChanged) as caught:
        ledger.check_import_file(scope, int(batch), book.replace(b"100", b"10"))
    assert f"import_batch {batch}: the file changed" in str(caught.value)
    # a kept report file changed in the database
    kept = reporting.create_report(scope, PARK, 2025, reporting.ReportKind.XLSX)
    assert reporting.stored_report(scope, kept.id).content == kept.content
    with transaction(engine) as s:
        row = s.get_one(ReportRow, kept.id)
        row.content = kept.content + b"\x00"
    with pytest.raises(EvidenceChanged) as caught:
        reporting.stored_report(scope, kept.id)
    assert f"evidence {kept.id}: the file changed" in str(caught.value)


def test_the_export_checks_offline_and_a_changed_export_is_named(
    park: tuple[Engine, int], tmp_path: Path
) -> None:
    engine, run_id = park
    doc = ledger.export(scope_of(engine, Role.VERIFIER))
    path = tmp_path / "ledger.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert offline.check_file(path) == []
    assert offline.main([str(path)]) == 0
    # a leaf's content hash changed in the export: its hash, and every head's root, no longer match
    leaf = next(x for x in doc["leaves"] if x["kind"] == "inventory_run" and x["id"] == str(run_id))
    leaf["content_sha256"] = "0" * 64
    path.write_text(json.dumps(doc), encoding="utf-8")
    found = offline.check_file(path)
    assert any(f"inventory_run {run_id}" in f and "leaf hash" in f for f in found), found
    assert offline.main([str(path)]) == 1
    # an object altered in the database before the export is named offline too
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM activity_record"))
    doc = ledger.export(scope_of(engine, Role.VERIFIER))
    path.write_text(json.dumps(doc), encoding="utf-8")
    found = offline.check_file(path)
    assert any(f.startswith("import_batch ") and "activity_record:" in f for f in found), found
    with transaction(engine) as s:
        assert s.scalars(select(ActivityRecordRow)).first() is None


def test_the_cli_and_the_api_give_the_same_head_and_proof(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with cli_database(f"sqlite:///{tmp_path / 'doors.db'}", COLUMNS="200"):
        engine = common.engine()
        api = make_api(engine)
        write_readings(engine, [Reading("M-GRID", T0, 5.0)], source="test")
        batch = ledger_store.leaves(engine)[-1].object_id
        runner = CliRunner()
        out = runner.invoke(cli_app, ["ledger", "head", "--format", "json"])
        assert out.exit_code == 0, out.output
        verifier = api.login("verifier")
        assert verifier.get("/api/v1/ledger/head").json() == json.loads(out.output)
        out = runner.invoke(
            cli_app, ["ledger", "proof", "--kind", "reading_batch", "--id", batch, "--format", "json"]
        )
        assert out.exit_code == 0, out.output
        got = verifier.get("/api/v1/ledger/proof", params={"kind": "reading_batch", "id": batch})
        assert got.json() == json.loads(out.output)
        assert api.login("ent_a").get("/api/v1/ledger/head").status_code == 403
        assert verifier.get("/api/v1/ledger/proof", params={"kind": "nope", "id": "1"}).status_code in (
            400,
            422,
        )
        out = runner.invoke(cli_app, ["ledger", "verify", "--format", "json"])
        assert out.exit_code == 0 and json.loads(out.output)["ok"] is True, out.output
        with engine.begin() as conn:
            conn.execute(text("UPDATE reading SET value = 6.0 WHERE meter_id = 'M-GRID' AND value = 5.0"))
        out = runner.invoke(cli_app, ["ledger", "verify"])
        assert out.exit_code == 7
        assert "reading M-GRID @ 2025-06-01T00:00:00.000000Z: value recorded 5.0, now 6.0" in out.output
        path = tmp_path / "export.json"
        assert runner.invoke(cli_app, ["ledger", "export", "--out", str(path)]).exit_code == 0
        assert any("meter:M-GRID altered" in f for f in offline.check_file(path))
        # a run accounted, then a reading changed behind its back: the API refuses the sign-off (409)
        run = inventory.account_year(
            system_scope(engine, "test"),
            PARK,
            2025,
            AccountingOptions(method=Method.NATIONAL),
            "CN-park-2025",
        )
        with engine.begin() as conn:
            conn.execute(text("UPDATE reading SET value = 7.0 WHERE meter_id = 'M-GRID' AND value = 6.0"))
        got = verifier.post(f"/api/v1/inventory-runs/{run.run.id}/sign-off", json={"note": "核查"})
        assert got.status_code == 409 and "does not reproduce" in got.text, got.text


@pytest.mark.postgres
def test_concurrent_writers_append_one_consistent_log(pg_engine: Engine) -> None:
    # 4 threads × 5 batches of readings at once: the advisory lock gives 20 leaves 0..19, one tree
    build_park(pg_engine)

    def write(worker: int) -> None:
        for b in range(5):
            ts = T0 + timedelta(days=worker, hours=b)
            write_readings(pg_engine, [Reading("M-GRID", ts, float(worker * 10 + b))], source=f"w{worker}")

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(4)))
    leaves = ledger_store.leaves(pg_engine)
    assert [r.idx for r in leaves] == list(range(20))
    check = ledger.verify(scope_of(pg_engine, Role.ADMIN))
    assert check.ok and check.tree_size == 20, check.problems
