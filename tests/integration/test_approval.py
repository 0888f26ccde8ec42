"""Data approval and period close (services/approval.py) on SQLite and PostgreSQL.

The API tests' fixture park P1: enterprises E-A (activity record AR-A1, natural gas 2025-01) and
E-B (AR-B1, diesel 2025-01). Steps, isolation, the lock on manual entries and workbook imports,
corrections as new data versions, and runs marked superseded.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from api_support import ENT_A, ENT_B, PARK, build_park
from sqlalchemy import Engine, select

from zeropark.accounting import AccountingOptions
from zeropark.errors import (
    DataUnderReview,
    IllegalTransition,
    NotApproved,
    NotFound,
    PeriodLocked,
    PermissionDenied,
    ValidationError,
)
from zeropark.model import ActivityRecord, Carrier, Flow, Method, Role
from zeropark.services import activity, approval, imports, inventory
from zeropark.store.db import transaction
from zeropark.store.schema import ActivityRecordRow, AuditLogRow, DataVersionRow, ImportBatchRow
from zeropark.store.scope import Principal, Scope

YEAR = 2025
FACTOR_SET = "CN-park-2025"
GAS = {"month": "2025-03", "carrier": "natural_gas", "quantity": 100, "unit": "m3", "evidence": "发票 A-3"}


def scope_of(engine: Engine, role: Role, enterprise_id: str | None = None) -> Scope:
    user = Principal(1, f"{role}-user", role, PARK, enterprise_id, via="session")
    return Scope(user=user, engine=engine, ip="192.0.2.1")


@pytest.fixture
def park(engine: Engine) -> Engine:
    build_park(engine)
    return engine


def audit_of(engine: Engine, entity: str) -> list[tuple[str | None, str, str | None]]:
    with transaction(engine) as s:
        rows = s.scalars(select(AuditLogRow).where(AuditLogRow.entity == entity).order_by(AuditLogRow.id))
        return [(r.user, r.action, r.entity_id) for r in rows]


def approve_all(engine: Engine, *ents: str) -> None:
    mgr = scope_of(engine, Role.PARK_MANAGER)
    for ent in ents:
        approval.submit(scope_of(engine, Role.ENTERPRISE, ent), PARK, ent, YEAR)
        approval.review(mgr, PARK, ent, YEAR)
        approval.approve(mgr, PARK, ent, YEAR, "核对无误")


def test_the_full_path_with_a_return_is_recorded_and_audited(park: Engine) -> None:
    ent = scope_of(park, Role.ENTERPRISE, ENT_A)
    mgr = scope_of(park, Role.PARK_MANAGER)
    assert approval.submission(ent, PARK, ENT_A, YEAR).status is approval.Status.DRAFT
    approval.submit(ent, PARK, ENT_A, YEAR)
    with pytest.raises(DataUnderReview, match="withdraw the submission first"):
        activity.delete_activity(ent, "AR-A1")
    back = approval.return_submission(mgr, PARK, ENT_A, YEAR, "1月天然气用量与发票不符")
    assert back.status is approval.Status.RETURNED and back.last_comment == "1月天然气用量与发票不符"
    activity.update_activity(ent, "AR-A1", {"quantity": 1100.0})  # returned: editable
    approval.submit(ent, PARK, ENT_A, YEAR, "已按发票更正")
    approval.review(mgr, PARK, ENT_A, YEAR)
    done = approval.approve(mgr, PARK, ENT_A, YEAR)
    assert done.status is approval.Status.APPROVED
    assert [(e.action, e.from_status.value, e.to_status.value) for e in done.events] == [
        ("submit", "draft", "submitted"),
        ("return", "submitted", "returned"),
        ("submit", "returned", "submitted"),
        ("review", "submitted", "reviewed"),
        ("approve", "reviewed", "approved"),
    ]
    assert [(v.number, v.n_records) for v in done.versions] == [(1, 1)]
    assert audit_of(park, "submission") == [
        ("enterprise-user", "submit", "E-A/2025"),
        ("park_manager-user", "return", "E-A/2025"),
        ("enterprise-user", "submit", "E-A/2025"),
        ("park_manager-user", "review", "E-A/2025"),
        ("park_manager-user", "approve", "E-A/2025"),
    ]
    assert [a for _u, a, _e in audit_of(park, "data_version")] == ["create"]


def test_illegal_steps_and_roles_are_refused(park: Engine) -> None:
    mgr = scope_of(park, Role.PARK_MANAGER)
    with pytest.raises(IllegalTransition, match="cannot approve a submission in status draft"):
        approval.approve(mgr, PARK, ENT_A, YEAR)
    approval.submit(mgr, PARK, ENT_A, YEAR)  # the park may submit on an enterprise's behalf
    with pytest.raises(PermissionDenied):
        approval.review(scope_of(park, Role.VERIFIER), PARK, ENT_A, YEAR)
    with pytest.raises(PermissionDenied):
        approval.review(scope_of(park, Role.ENTERPRISE, ENT_A), PARK, ENT_A, YEAR)
    with pytest.raises(ValidationError, match="comment required"):
        approval.return_submission(mgr, PARK, ENT_A, YEAR, "")
    assert [a for _u, a, _e in audit_of(park, "submission")] == ["submit", "denied", "denied"]


def test_an_enterprise_sees_and_submits_only_its_own(park: Engine) -> None:
    ent_a = scope_of(park, Role.ENTERPRISE, ENT_A)
    with pytest.raises(NotFound):
        approval.submit(ent_a, PARK, ENT_B, YEAR)
    with pytest.raises(NotFound):
        approval.submission(ent_a, PARK, ENT_B, YEAR)
    assert [s.enterprise_id for s in approval.board(ent_a, PARK, YEAR).submissions] == [ENT_A]
    assert [
        s.enterprise_id for s in approval.board(scope_of(park, Role.VERIFIER), PARK, YEAR).submissions
    ] == [
        ENT_A,
        ENT_B,
    ]
    assert [(a, e) for _u, a, e in audit_of(park, "submission")] == [("denied", ENT_B), ("denied", ENT_B)]


def test_require_approved_names_what_is_missing(park: Engine) -> None:
    mgr = scope_of(park, Role.PARK_MANAGER)
    with pytest.raises(NotApproved, match=r"2 enterprise\(s\): E-A \(draft\), E-B \(draft\)") as err:
        approval.require_approved(mgr, PARK, YEAR, what="申报书")
    assert err.value.missing == [(ENT_A, "draft"), (ENT_B, "draft")]
    assert str(err.value).startswith("申报书: ")
    approve_all(park, ENT_A)
    with pytest.raises(NotApproved) as err:
        approval.require_approved(mgr, PARK, YEAR)
    assert err.value.missing == [(ENT_B, "draft")]
    assert approval.require_approved(mgr, PARK, YEAR, enterprise_id=ENT_A).park_id == PARK
    approve_all(park, ENT_B)
    assert not approval.require_approved(mgr, PARK, YEAR).missing


def test_close_needs_every_enterprise_or_named_exceptions(park: Engine) -> None:
    mgr = scope_of(park, Role.PARK_MANAGER)
    approve_all(park, ENT_A)
    with pytest.raises(PermissionDenied):
        approval.close_period(scope_of(park, Role.ENTERPRISE, ENT_A), PARK, YEAR)
    with pytest.raises(NotApproved, match=r"close the period: .* E-B \(draft\)"):
        approval.close_period(mgr, PARK, YEAR)
    with pytest.raises(ValidationError, match="is approved; it is not an exception"):
        approval.close_period(mgr, PARK, YEAR, {ENT_A: "x", ENT_B: "停产"})
    board = approval.close_period(mgr, PARK, YEAR, {ENT_B: "全年停产，无数据"})
    assert board.closed is not None and board.closed.exceptions == ((ENT_B, "draft", "全年停产，无数据"),)
    assert approval.require_approved(mgr, PARK, YEAR).closed is not None  # the exception passes
    with pytest.raises(IllegalTransition, match="it is not reopened"):
        approval.close_period(mgr, PARK, YEAR)
    assert audit_of(park, "period_close")[-1] == ("park_manager-user", "close", f"{PARK}/{YEAR}")


def test_a_locked_period_refuses_entries_changes_deletions_and_imports(park: Engine, tmp_path: Path) -> None:
    mgr = scope_of(park, Role.PARK_MANAGER)
    ent = scope_of(park, Role.ENTERPRISE, ENT_A)
    approve_all(park, ENT_A, ENT_B)
    approval.close_period(mgr, PARK, YEAR)
    new = ActivityRecord(
        id="AR-A2",
        enterprise_id=ENT_A,
        carrier=Carrier.DIESEL,
        flow=Flow.COMBUSTION,
        period_start=date(2025, 2, 1),
        period_end=date(2025, 2, 28),
        quantity=1.0,
        unit="t",
    )
    with pytest.raises(PeriodLocked, match="add activity record 'AR-A2': the 2025 data of enterprise 'E-A'"):
        activity.create_activity(ent, PARK, new)
    with pytest.raises(PeriodLocked, match="zeropark approval correct --enterprise E-A --year 2025"):
        activity.update_activity(mgr, "AR-A1", {"quantity": 1.0})
    with pytest.raises(PeriodLocked):
        activity.delete_activity(mgr, "AR-A1")
    other_year = replace(new, period_start=date(2026, 1, 1), period_end=date(2026, 1, 31))
    activity.create_activity(ent, PARK, other_year)  # 2026 is not locked
    book = tmp_path / "e-a.json"
    doc = {"enterprise": {"id": ENT_A, "year": 2025}, "energy": [GAS]}
    book.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with transaction(park) as s:
        batches = s.scalar(select(ImportBatchRow.id).order_by(ImportBatchRow.id.desc()))
    with pytest.raises(PeriodLocked, match="import e-a.json"):
        imports.import_workbook(ent, book)
    with transaction(park) as s:  # nothing half-stored: no batch, no record
        assert s.scalar(select(ImportBatchRow.id).order_by(ImportBatchRow.id.desc())) == batches
        assert s.get(ActivityRecordRow, "AR-A1").quantity == 1000.0  # type: ignore[union-attr]


def test_a_correction_is_a_new_version_and_supersedes_the_runs_that_used_the_old(park: Engine) -> None:
    mgr = scope_of(park, Role.PARK_MANAGER)
    ent = scope_of(park, Role.ENTERPRISE, ENT_A)
    approve_all(park, ENT_A, ENT_B)
    approval.close_period(mgr, PARK, YEAR)
    options = AccountingOptions(method=Method.NATIONAL)
    before = inventory.account_year(mgr, PARK, YEAR, options, FACTOR_SET)
    with pytest.raises(IllegalTransition, match="locked"):
        approval.submit(ent, PARK, ENT_A, YEAR)
    with pytest.raises(ValidationError, match="reason required"):
        approval.correct(mgr, PARK, ENT_A, YEAR, " ")
    opened = approval.correct(mgr, PARK, ENT_A, YEAR, "1月天然气发票金额录入错误")
    assert opened.status is approval.Status.CORRECTING and not opened.locked
    activity.update_activity(ent, "AR-A1", {"quantity": 900.0})
    during = inventory.account_year(mgr, PARK, YEAR, options, FACTOR_SET)  # reads data no version holds
    approval.submit(ent, PARK, ENT_A, YEAR)
    approval.review(mgr, PARK, ENT_A, YEAR)
    after = approval.approve(mgr, PARK, ENT_A, YEAR)
    assert after.locked
    assert [(v.number, v.reason) for v in after.versions] == [
        (1, "核对无误"),
        (2, "1月天然气发票金额录入错误"),
    ]
    with transaction(park) as s:  # the prior data stay, never overwritten
        v1 = s.scalars(
            select(DataVersionRow).where(DataVersionRow.number == 1, DataVersionRow.enterprise_id == ENT_A)
        ).one()
        assert [r["quantity"] for r in v1.content["activity_records"]] == [1000.0]
    old = inventory.visible_summary(mgr, before.run.id)
    assert old.superseded is not None
    assert (old.superseded.enterprise_id, old.superseded.number, old.superseded.reason) == (
        ENT_A,
        2,
        "1月天然气发票金额录入错误",
    )
    children = inventory.enterprise_runs(mgr, before.run.id)
    assert children and all(c.superseded is not None for c in children)
    assert inventory.visible_summary(mgr, during.run.id).superseded is None
    fresh = inventory.account_year(mgr, PARK, YEAR, options, FACTOR_SET)
    assert inventory.visible_summary(mgr, fresh.run.id).superseded is None
    listed = {r.id: r.superseded is not None for r in inventory.list_runs(mgr, PARK, year=YEAR)[0]}
    assert listed == {before.run.id: True, during.run.id: False, fresh.run.id: False}
    sup = [e for _u, a, e in audit_of(park, "inventory_run") if a == "supersede"]
    assert sup == [str(before.run.id)]
