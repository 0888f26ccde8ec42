"""Data approval and period close (services/approval.py) on SQLite and PostgreSQL.

The API tests' fixture park P1: enterprises E-A (activity record AR-A1, natural gas 2025-01) and
E-B (AR-B1, diesel 2025-01). Steps, isolation, the lock on manual entries and workbook imports,
corrections as new data versions, and runs marked superseded.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from api_support import ENT_A, ENT_B, PARK, Api, build_park, cli_database, make_api
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from zeropark.accounting import AccountingOptions
from zeropark.app import create_app
from zeropark.cli import app as cli_app
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
from zeropark.settings import Settings
from zeropark.store.db import transaction
from zeropark.store.schema import (
    ActivityRecordRow,
    AuditLogRow,
    DataVersionRow,
    ImportBatchRow,
    SubmissionRow,
)
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


@contextlib.contextmanager
def cli_on(engine: Engine) -> Iterator[None]:
    """The CLI's database is ``engine`` (the settings and the engine are cached per process)."""
    with cli_database(engine):
        yield


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
    # the flag through every door: the API's run list and run, `zeropark runs list`, the pages
    web = Api(park, TestClient(create_app(park, settings=Settings(secret_key="test-secret-" + "x" * 20))))
    c = web.login("manager")
    listed_api = c.get(f"/api/v1/parks/{PARK}/inventory-runs", params={"year": YEAR}).json()["items"]
    flags = {r["id"]: r["superseded"] for r in listed_api}
    assert (
        flags[before.run.id]["version"] == 2 and flags[before.run.id]["reason"] == "1月天然气发票金额录入错误"
    )
    assert flags[fresh.run.id] is None
    one = c.get(f"/api/v1/inventory-runs/{before.run.id}").json()
    assert one["run"]["superseded"]["enterprise_id"] == ENT_A
    with cli_on(park):
        shown = CliRunner().invoke(
            cli_app, ["runs", "list", "--park", PARK, "--year", str(YEAR), "--format", "json"]
        )
    assert shown.exit_code == 0, shown.output
    cli_flags = {r["id"]: r["superseded"] for r in json.loads(shown.stdout)["items"]}
    assert cli_flags[before.run.id]["version"] == 2 and cli_flags[fresh.run.id] is None
    page = c.get(f"/approval?year={YEAR}").text
    assert f'data-run="{before.run.id}" data-superseded="yes"' in page
    assert f'data-run="{fresh.run.id}" data-superseded="no"' in page
    assert "已被取代：E-A 2025 年数据已更正为第 2 版（1月天然气发票金额录入错误）" in page


def test_api_cli_and_page_agree_and_the_api_guards_each_step(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = make_api(engine)
    ent_a, mgr, ver = api.login("ent_a"), api.login("manager"), api.login("verifier")
    base = f"/api/v1/parks/{PARK}/submissions"
    assert ent_a.post(f"{base}/{ENT_B}/{YEAR}/submit", json={}).status_code == 404  # another enterprise
    assert ver.post(f"{base}/{ENT_A}/{YEAR}/submit", json={}).status_code == 403  # read-only role
    wrong = mgr.post(f"{base}/{ENT_A}/{YEAR}/approve", json={})
    assert (wrong.status_code, wrong.json()["error"]) == (409, "IllegalTransition")
    # the enterprise submits from its page (form + CSRF), the park reviews and approves through the API
    token = ent_a.headers["X-CSRF-Token"]
    posted = ent_a.post(
        f"/approval/{ENT_A}/submit", data={"csrf_token": token, "year": str(YEAR)}, follow_redirects=False
    )
    assert posted.status_code == 303, posted.text[:300]
    assert ent_a.post(f"{base}/{ENT_A}/{YEAR}/review", json={}).status_code == 403
    assert mgr.post(f"{base}/{ENT_A}/{YEAR}/review", json={}).json()["status"] == "reviewed"
    done = mgr.post(f"{base}/{ENT_A}/{YEAR}/approve", json={"comment": "核对无误"}).json()
    assert (done["status"], [v["number"] for v in done["versions"]]) == ("approved", [1])
    refused = mgr.post(f"/api/v1/parks/{PARK}/periods/{YEAR}/close", json={})
    assert (refused.status_code, refused.json()["error"]) == (409, "NotApproved")
    assert "E-B (draft)" in refused.json()["detail"]
    assert ent_a.post(f"/api/v1/parks/{PARK}/periods/{YEAR}/close", json={}).status_code == 403
    closed = mgr.post(f"/api/v1/parks/{PARK}/periods/{YEAR}/close", json={"exceptions": {ENT_B: "全年停产"}})
    assert closed.status_code == 200 and closed.json()["closed"]["exceptions"][0]["enterprise_id"] == ENT_B
    locked = ent_a.patch("/api/v1/activity-records/AR-A1", json={"quantity": 1.0})
    assert (locked.status_code, locked.json()["error"]) == (409, "PeriodLocked")
    assert mgr.get(f"{base}/approved", params={"year": YEAR}).status_code == 200
    # one status through every door
    board_api = mgr.get(base, params={"year": YEAR}).json()
    assert [s["enterprise_id"] for s in ent_a.get(base, params={"year": YEAR}).json()["submissions"]] == [
        ENT_A
    ]
    with cli_on(engine):
        shown = CliRunner().invoke(
            cli_app, ["approval", "status", "--year", str(YEAR), "--park", PARK, "--format", "json"]
        )
    assert shown.exit_code == 0, shown.output
    board_cli = json.loads(shown.stdout)
    service = approval.board(scope_of(engine, Role.PARK_MANAGER), PARK, YEAR).to_dict()

    def states(board: dict[str, Any]) -> list[tuple[str, str, bool, int]]:
        return [
            (s["enterprise_id"], s["status"], s["locked"], len(s["versions"])) for s in board["submissions"]
        ]

    expected = [(ENT_A, "approved", True, 1), (ENT_B, "draft", False, 0)]
    assert states(board_api) == states(board_cli) == states(service) == expected
    page = mgr.get(f"/approval?year={YEAR}")
    assert page.status_code == 200
    rows = re.findall(r'data-submission="([^"]+)" data-status="([^"]+)"', page.text)
    assert rows == [(ENT_A, "approved"), (ENT_B, "draft")]
    assert "已锁定" in page.text and "全年停产" in page.text
    detail = ent_a.get(f"/approval/{ENT_A}?year={YEAR}")
    assert detail.status_code == 200 and "核对无误" in detail.text and "第 1 版" in detail.text
    assert ent_a.get(f"/approval/{ENT_B}?year={YEAR}").status_code == 404


def test_the_page_offers_each_role_its_own_buttons(sqlite_engine: Engine) -> None:
    api = make_api(sqlite_engine)
    ent_a, mgr, ver = api.login("ent_a"), api.login("manager"), api.login("verifier")
    own = ent_a.get(f"/approval?year={YEAR}").text
    assert re.findall(r'data-submission="([^"]+)"', own) == [ENT_A]
    assert re.findall(r'data-approval-action="([^"]+)"', own) == [f"{ENT_A}-submit"]
    assert "data-approval-close>" not in own
    assert "本企业数据审核" in own
    park = mgr.get(f"/approval?year={YEAR}").text
    assert re.findall(r'data-approval-action="([^"]+)"', park) == [f"{ENT_A}-submit", f"{ENT_B}-submit"]
    assert "data-approval-close>" in park and "待批准：E-A、E-B" in park
    approval.submit(scope_of(sqlite_engine, Role.ENTERPRISE, ENT_A), PARK, ENT_A, YEAR)
    park = mgr.get(f"/approval?year={YEAR}").text
    assert re.findall(r'data-approval-action="(E-A-[^"]+)"', park) == [
        "E-A-withdraw",
        "E-A-review",
        "E-A-return",
    ]
    read_only = ver.get(f"/approval?year={YEAR}").text
    assert "data-approval-action" not in read_only and "data-approval-close>" not in read_only
    assert ver.get(f"/approval/{ENT_A}?year={YEAR}").status_code == 200
    # a step refused by the use case is an error page with its message, not a 500
    token = mgr.headers["X-CSRF-Token"]
    refused = mgr.post(
        f"/approval/{ENT_A}/return", data={"csrf_token": token, "year": str(YEAR), "comment": " "}
    )
    assert refused.status_code == 422 and "comment required" in refused.text


def test_two_first_steps_at_once_on_postgresql_refuse_the_second_by_name(pg_engine: Engine) -> None:
    """One first step commits the submission row while another is inserting its own: a named error."""
    build_park(pg_engine)
    started = threading.Event()
    outcome: list[BaseException | None] = []

    def second() -> None:
        started.wait()
        try:
            approval.submit(scope_of(pg_engine, Role.ENTERPRISE, ENT_A), PARK, ENT_A, YEAR)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    worker = threading.Thread(target=second)
    worker.start()
    with transaction(pg_engine) as s:  # the other first step, not committed yet
        s.add(
            SubmissionRow(
                park_id=PARK,
                enterprise_id=ENT_A,
                year=YEAR,
                status="submitted",
                updated_at=datetime.now(UTC),
                updated_by="other",
            )
        )
        s.flush()
        started.set()
        time.sleep(1.0)  # the second step's insert waits on the unique key
    worker.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], IllegalTransition), outcome
    assert "changed while this step was taken" in str(outcome[0])
    assert (
        approval.submission(scope_of(pg_engine, Role.PARK_MANAGER), PARK, ENT_A, YEAR).status.value
        == "submitted"
    )
