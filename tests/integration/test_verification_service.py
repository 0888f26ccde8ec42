"""The verifier workspace end to end on SQLite and PostgreSQL: roles, tenant isolation, the ledger,
the audit log, the sign-off refused when the run no longer reproduces, the pack checked offline.

Park P1 of the API tests (api_support.build_park: meters M-GRID, M-A of E-A, M-B of E-B, 24 hourly
readings on 2025-01-01), its national 2025 run with the enterprise views.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from api_support import ENT_A, ENT_B, PARK, build_park
from sqlalchemy import Engine, func, select, text

from zeropark.accounting import AccountingOptions
from zeropark.errors import (
    EngagementSigned,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    RunDoesNotReproduce,
    StatementBlocked,
)
from zeropark.model import Method, Role
from zeropark.services import inventory, ledger, verification
from zeropark.settings import get_settings
from zeropark.store import ledger as ledger_store
from zeropark.store.db import transaction
from zeropark.store.schema import AuditLogRow, VerificationSignoffRow
from zeropark.store.scope import Principal, Scope, system_scope
from zeropark.verification.findings import ActionStep, Evidence, Severity
from zeropark.verification.pack import check_pack


def scope_of(engine: Engine, role: Role, enterprise: str | None = None) -> Scope:
    return Scope(
        Principal(3, f"{role}-{enterprise or 'p'}", role, PARK, enterprise, "session"), engine, "192.0.2.9"
    )


@pytest.fixture(autouse=True)
def ledger_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "keys" / "ledger.pem"
    monkeypatch.setenv("ZEROPARK_LEDGER_KEY", str(path))
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


@pytest.fixture
def park(engine: Engine) -> tuple[Engine, int]:
    build_park(engine)
    run = inventory.account_year(
        system_scope(engine, "test"), PARK, 2025, AccountingOptions(method=Method.NATIONAL), "CN-park-2025"
    )
    return engine, run.run.id


def test_engagement_findings_actions_signoff_and_pack(park: tuple[Engine, int]) -> None:
    engine, run_id = park
    v = scope_of(engine, Role.VERIFIER)
    with pytest.raises(PermissionDenied):
        verification.create_engagement(scope_of(engine, Role.PARK_MANAGER), PARK, run_id, scope_text="x")
    ws = verification.create_engagement(v, PARK, run_id, scope_text="P1 红线范围, 2025, national", seed=11)
    eid = ws.id
    again = verification.create_engagement(v, PARK, run_id, scope_text="same seed", seed=11)
    assert again.engagement["plan"] == ws.engagement["plan"]  # deterministic from the seed
    summary = inventory.visible_summary(v, run_id)
    assert ws.engagement["run_fingerprint"] == summary.input_fingerprint
    assert ws.materiality_tco2e == pytest.approx(summary.total_tco2e * 0.05)
    sampled = ws.engagement["plan"]["line_items"]["selections"]
    assert sampled and {s["reason"] for s in sampled} <= {"key_item", "pps"}
    assert {s["id"] for s in ws.engagement["plan"]["meters"]["selections"]} <= {"M-GRID", "M-A", "M-B"}

    inv = inventory.view_of_run(v, run_id).inventory
    line_a = next(li for li in inv.lines if li.enterprise_id == ENT_A)
    major = verification.add_finding(
        v,
        eid,
        severity=Severity.MAJOR,
        title="M-A 倍率错误",
        evidence=Evidence(line_items=(line_a.id,)),
        misstatement_tco2e=1.5,
    )
    assert major["enterprise_id"] == ENT_A and major["status"] == "open"
    obs = verification.add_finding(
        v, eid, severity=Severity.OBSERVATION, title="抄表记录不全", evidence=Evidence(meters=("M-GRID",))
    )
    assert obs["status"] == "noted" and obs["enterprise_id"] is None
    with pytest.raises(StatementBlocked, match=f"#{major['id']}"):
        verification.sign_off(v, eid)
    # the refused statement signed nothing: the run's sign-off shares the statement's transaction
    assert not inventory.visible_summary(v, run_id).frozen
    with pytest.raises(PermissionDenied):
        verification.add_finding(
            scope_of(engine, Role.PARK_MANAGER),
            eid,
            severity=Severity.MINOR,
            title="x",
            evidence=Evidence(meters=("M-A",)),
        )

    ent_a, ent_b = scope_of(engine, Role.ENTERPRISE, ENT_A), scope_of(engine, Role.ENTERPRISE, ENT_B)
    seen_b = verification.workspace(ent_b, eid)
    assert seen_b.findings == [] and seen_b.actions == []  # E-B sees none of E-A's findings
    assert all(s["enterprise_id"] == ENT_B for s in seen_b.engagement["plan"]["line_items"]["selections"])
    action_id = verification.workspace(ent_a, eid).actions[0]["id"]
    with pytest.raises(NotFound):
        verification.act(ent_b, action_id, ActionStep.RESPOND, "not mine")
    with pytest.raises(PermissionDenied):
        verification.act(ent_a, action_id, ActionStep.ACCEPT)
    with pytest.raises(IllegalTransition):
        verification.act(v, action_id, ActionStep.ACCEPT)
    verification.act(ent_a, action_id, ActionStep.RESPOND, "倍率已改为 1")
    verification.act(v, action_id, ActionStep.REJECT, "缺少检定证书")
    verification.act(ent_a, action_id, ActionStep.RESPOND, "附检定证书")
    assert verification.act(v, action_id, ActionStep.ACCEPT)["state"] == "accepted"
    assert verification.workspace(v, eid).findings[0]["status"] == "resolved"
    verification.record_check(v, eid, "C10", "pass", "复算一致")
    assert verification.draft(v, eid).opinion.value == "unmodified"

    signed = verification.sign_off(v, eid, "ok")
    assert signed["opinion"] == "unmodified" and signed["signed_by"] == v.user.username
    assert inventory.visible_summary(v, run_id).frozen  # the run is signed off with the statement
    with pytest.raises(EngagementSigned):
        verification.record_check(v, eid, "C01", "pass")

    kinds = [r.kind for r in ledger_store.leaves(engine)]
    # engagements 2; findings: 2 created + 1 resolved; actions: 1 opened + 4 steps; 1 sign-off
    assert kinds.count("verification_engagement") == 2
    assert kinds.count("verification_finding") == 3
    assert kinds.count("verification_action") == 5
    assert kinds.count("verification_signoff") == 1
    assert ledger.verify(v).ok
    with transaction(engine) as s:
        n_audit = s.scalar(
            select(func.count()).select_from(AuditLogRow).where(AuditLogRow.entity.like("verification%"))
        )
        denied = s.scalar(select(func.count()).select_from(AuditLogRow).where(AuditLogRow.action == "denied"))
    assert n_audit >= 2 + 2 + 1 + 4 + 1 + 1 + 1  # creates, findings, action, steps, resolved, check, sign-off
    assert denied >= 3

    doc = verification.pack(v, eid)
    assert check_pack(doc) == []
    with pytest.raises(PermissionDenied):
        verification.pack(ent_a, eid)
    doc["findings"][0]["misstatement_tco2e"] = 0.0
    found = check_pack(doc)
    assert any(
        f"verification_finding {major['id']}" in f and "misstatement_tco2e altered" in f for f in found
    )


def test_signoff_refused_when_the_run_no_longer_reproduces(park: tuple[Engine, int]) -> None:
    engine, run_id = park
    v = scope_of(engine, Role.VERIFIER)
    eid = verification.create_engagement(v, PARK, run_id, scope_text="P1 2025", seed=3).id
    ts = datetime(2025, 1, 1, 5, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE reading SET value = value + 7 WHERE meter_id = 'M-A' AND ts = :ts"),
            {"ts": ts if engine.dialect.name == "postgresql" else ts.strftime("%Y-%m-%d %H:%M:%S.%f")},
        )
    with pytest.raises(RunDoesNotReproduce, match=f"run {run_id} does not reproduce"):
        verification.sign_off(v, eid)
    with transaction(engine) as s:
        assert s.get(VerificationSignoffRow, eid) is None
    assert not inventory.visible_summary(v, run_id).frozen
