"""Application workspace (申报): diagnosis, gap tasks, evidence, the 申报书 outline — the use cases.

On SQLite and PostgreSQL, with the API tests' fixture park (P1: enterprises E-A and E-B, grid
electricity, natural gas, diesel; no green power, no guiding-indicator data), accounted for 2025
with the national method.

Hand references: the fixture buys no green power and has no on-site renewables, so the clean-energy
share is 0 % and its gap to the ≥ 90 % target is 90 − 0 = 90 percentage points; the park uses far
less than 20万 tce, so the core indicator has no threshold and no gap (ACCOUNTING.md §1.1); the
solid-waste, waste-heat and water figures were never reported, so they are missing and name
their inputs.
"""

from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta

import pytest
from api_support import ENT_A, ENT_B, PARK, build_park
from application_support import account, approve_year
from docx import Document
from pypdf import PdfReader
from sqlalchemy import Engine, func, select, update

from zeropark.accounting import AccountingOptions
from zeropark.errors import DataError, NotApproved, NotFound, PermissionDenied
from zeropark.formatting import num
from zeropark.model import Method, Role
from zeropark.services import application as app
from zeropark.services import approval, evaluation
from zeropark.services.indicators import indicators
from zeropark.services.inventory import account_year, latest_view
from zeropark.store.db import transaction
from zeropark.store.queries.evidence import EvidenceKind, resolve_evidence
from zeropark.store.schema import (
    ActivityRecordRow,
    AuditLogRow,
    EvidenceBlobRow,
    EvidenceDocumentRow,
    EvidenceLinkRow,
)
from zeropark.store.scope import Principal, Scope

YEAR = 2025
PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def scope_of(engine: Engine, role: Role, enterprise_id: str | None = None, name: str | None = None) -> Scope:
    username = name or {Role.PARK_MANAGER: "manager", Role.VERIFIER: "verifier", Role.ADMIN: "admin"}.get(
        role, "ent_a" if enterprise_id == ENT_A else "ent_b"
    )
    return Scope(Principal(1, username, role, PARK, enterprise_id, via="session"), engine, "192.0.2.1")


@pytest.fixture
def park(engine: Engine) -> Engine:
    build_park(engine)
    account_year(
        scope_of(engine, Role.ADMIN), PARK, YEAR, AccountingOptions(method=Method.NATIONAL), "CN-park-2025"
    )
    return engine


def _task(engine: Engine, **kw: object) -> app.GapTask:
    form = app.TaskForm(
        item_code=str(kw.get("item_code", "clean_energy_share")),
        title=str(kw.get("title", "屋顶光伏 + 绿电交易")),
        due_date=kw.get("due_date", date(2099, 6, 30)),  # type: ignore[arg-type]
        owner_user=kw.get("owner_user"),  # type: ignore[arg-type]
        owner_enterprise_id=kw.get("owner_enterprise_id", ENT_A),  # type: ignore[arg-type]
        measure_ref="M-PV-ROOF",
        evidence_required="绿电交易合同、并网验收单",
    )
    return app.create_task(scope_of(engine, Role.PARK_MANAGER), PARK, YEAR, form)


def test_the_diagnosis_has_every_indicator_with_target_gap_status_and_source(park: Engine) -> None:
    manager = scope_of(park, Role.PARK_MANAGER)
    d = app.diagnose(manager, PARK, YEAR)
    table = indicators(manager, PARK, YEAR).table
    view = latest_view(manager, PARK, YEAR, Method.NATIONAL)
    assert view is not None
    assert [i.code for i in d.items] == [r.code for r in table.rows]
    for item, row in zip(d.items, table.rows, strict=True):
        assert (item.value, item.target, item.status) == (row.value, row.threshold, row.status.value)
        assert item.source.run_id == view.summary.id == d.run_id
        assert item.source.input_fingerprint == view.summary.input_fingerprint
    clean = d.item("clean_energy_share")
    assert clean.value == 0.0 and clean.gap == pytest.approx(90.0)  # 90 − 0 (hand, see module doc)
    assert clean.status == "fail"
    core = d.item("core_intensity")
    assert core.target is None and core.gap is None and core.status == "no_threshold"
    assert set(core.source.line_items) == {li.id for li in view.inventory.lines}
    water = d.item("water_reuse")
    assert water.status == "missing" and water.gap is None and water.value is None
    assert water.missing == ("water_reused_m3", "water_total_use_m3")
    assert "indicator_data" in water.source.data and water.source.line_items == ()


def test_a_year_without_a_run_names_how_to_make_one(park: Engine) -> None:
    with pytest.raises(NotFound, match="account the year first"):
        app.diagnose(scope_of(park, Role.PARK_MANAGER), PARK, 2019)


def test_tasks_are_created_from_items_and_owners_see_and_move_only_theirs(park: Engine) -> None:
    mine = _task(park)
    theirs = _task(park, owner_enterprise_id=ENT_B, title="余热回收")
    ent_a, ent_b = scope_of(park, Role.ENTERPRISE, ENT_A), scope_of(park, Role.ENTERPRISE, ENT_B)
    assert [t.id for t in app.list_tasks(ent_a, PARK)] == [mine.id]
    assert [t.id for t in app.list_tasks(scope_of(park, Role.VERIFIER), PARK)] == [mine.id, theirs.id]
    moved = app.update_task(ent_a, mine.id, {"status": "in_progress"})
    assert moved.status == "in_progress"
    with pytest.raises(PermissionDenied):
        app.update_task(ent_a, mine.id, {"title": "改名"})
    with pytest.raises(NotFound):
        app.update_task(ent_b, mine.id, {"status": "done"})
    with pytest.raises(PermissionDenied):
        app.update_task(scope_of(park, Role.VERIFIER), mine.id, {"status": "done"})
    with pytest.raises(PermissionDenied):
        app.create_task(
            ent_a, PARK, YEAR, app.TaskForm("clean_energy_share", "x", date(2099, 1, 1), None, ENT_A)
        )
    with transaction(park) as s:
        rows = list(
            s.execute(
                select(AuditLogRow.action, AuditLogRow.entity).where(AuditLogRow.entity == "application_task")
            )
        )
    assert [tuple(r) for r in rows].count(("create", "application_task")) == 2
    assert ("update", "application_task") in [tuple(r) for r in rows]
    assert ("denied", "application_task") in [tuple(r) for r in rows]


def test_bad_task_input_is_named_and_nothing_is_stored(park: Engine) -> None:
    with pytest.raises(DataError, match="'item_code': 'nope' is not an item of the 2025 diagnosis"):
        _task(park, item_code="nope")
    with pytest.raises(DataError, match="task needs an owner"):
        _task(park, owner_enterprise_id=None)
    with pytest.raises(DataError, match="no user 'ghost'"):
        _task(park, owner_user="ghost")
    with pytest.raises(DataError, match="belongs to enterprise 'E-A', not to 'E-B'"):
        _task(park, owner_user="ent_a", owner_enterprise_id=ENT_B)
    with pytest.raises(NotFound, match="enterprise 'E-X' not found"):
        _task(park, owner_enterprise_id="E-X")
    with pytest.raises(DataError, match="'title' is empty"):
        _task(park, title="  ")
    task = _task(park)
    with pytest.raises(DataError, match="'status': 'finished' is not a status"):
        app.update_task(scope_of(park, Role.PARK_MANAGER), task.id, {"status": "finished"})
    with pytest.raises(DataError, match="unknown task field"):
        app.update_task(scope_of(park, Role.PARK_MANAGER), task.id, {"colour": "red"})
    assert [t.id for t in app.list_tasks(scope_of(park, Role.ADMIN), PARK)] == [task.id]


def test_an_enterprise_user_named_as_owner_makes_its_enterprise_the_owner(park: Engine) -> None:
    task = _task(park, owner_user="ent_b", owner_enterprise_id=None)
    assert task.owner_enterprise_id == ENT_B


def test_overdue_is_past_the_due_date_and_not_done(park: Engine) -> None:
    late = _task(park, due_date=date.today() - timedelta(days=3))
    on_time = _task(park, due_date=date.today() + timedelta(days=30))
    manager = scope_of(park, Role.PARK_MANAGER)
    assert [t.id for t in app.list_tasks(manager, PARK, overdue=True)] == [late.id]
    app.update_task(manager, late.id, {"status": "done"})
    assert app.list_tasks(manager, PARK, overdue=True) == []
    assert {t.id for t in app.list_tasks(manager, PARK)} == {late.id, on_time.id}


def test_evidence_is_stored_once_by_hash_with_a_sniffed_type_and_a_safe_name(park: Engine) -> None:
    task = _task(park)
    ent_a = scope_of(park, Role.ENTERPRISE, ENT_A)
    first = app.add_document(ent_a, PARK, "../../etc/合同.txt", PDF_BYTES, task_id=task.id)
    assert first.file_name == "合同.txt"
    assert first.media_type == "application/pdf"  # from the bytes, not from ".txt"
    assert first.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert first.enterprise_id == ENT_A and not first.deduplicated
    assert [lk.task_id for lk in first.links] == [task.id]
    again = app.add_document(scope_of(park, Role.PARK_MANAGER), PARK, b"\xff\xfe\x00.pdf", PDF_BYTES)
    assert again.deduplicated and again.sha256 == first.sha256
    assert again.file_name == "\ufffd\ufffd_.pdf"
    with transaction(park) as s:
        assert s.scalar(select(func.count()).select_from(EvidenceBlobRow)) == 1
    # an enterprise sees its own documents, not the park's
    assert [d.id for d in app.list_documents(ent_a, PARK)] == [first.id]
    assert [d.id for d in app.list_documents(scope_of(park, Role.ENTERPRISE, ENT_B), PARK)] == []
    with pytest.raises(NotFound):
        app.open_document(scope_of(park, Role.ENTERPRISE, ENT_B), first.id)
    meta, content = app.open_document(ent_a, first.id)
    assert content == PDF_BYTES and meta.sha256 == first.sha256
    assert [d.id for d in app.list_documents(ent_a, PARK, task_id=task.id)] == [first.id]
    assert app.get_task(ent_a, task.id).documents == (first.id,)
    found = resolve_evidence(ent_a, [f"sha256:{first.sha256}"])
    assert found[0].kind is EvidenceKind.DOCUMENT


def test_text_nul_and_binary_bytes_are_typed_from_their_content(park: Engine) -> None:
    manager = scope_of(park, Role.PARK_MANAGER)
    assert app.add_document(manager, PARK, "a.bin", "说明".encode()).media_type == "text/plain"
    assert app.add_document(manager, PARK, "a.txt", b"ab\x00cd").media_type == "application/octet-stream"
    assert app.add_document(manager, PARK, "", b"").file_name == "document"


def test_a_document_above_the_limit_or_with_a_bad_link_stores_nothing(park: Engine) -> None:
    manager = scope_of(park, Role.PARK_MANAGER)
    with pytest.raises(app.DocumentTooLarge, match="has 11 bytes, more than the limit of 10 bytes"):
        app.add_document(manager, PARK, "big.pdf", b"x" * 11, max_bytes=10)
    view = latest_view(manager, PARK, YEAR, Method.NATIONAL)
    assert view is not None
    with pytest.raises(DataError, match="has no line item 'nope'"):
        app.add_document(manager, PARK, "x.pdf", PDF_BYTES, run_id=view.summary.id, line_item_id="nope")
    with pytest.raises(NotFound, match="gap task 999 not found"):
        app.add_document(manager, PARK, "x.pdf", PDF_BYTES, task_id=999)
    with pytest.raises(PermissionDenied):
        app.add_document(scope_of(park, Role.VERIFIER), PARK, "x.pdf", PDF_BYTES)
    with transaction(park) as s:
        assert s.scalar(select(func.count()).select_from(EvidenceBlobRow)) == 0
        assert s.scalar(select(func.count()).select_from(EvidenceDocumentRow)) == 0
    line = view.inventory.lines[0].id
    doc = app.add_document(manager, PARK, "invoice.pdf", PDF_BYTES, run_id=view.summary.id, line_item_id=line)
    assert [(lk.run_id, lk.line_item_id) for lk in doc.links] == [(view.summary.id, line)]
    task = _task(park)
    link = app.link_document(manager, doc.id, task_id=task.id)
    assert link.task_id == task.id
    with pytest.raises(DataError, match="one of the two"):
        app.link_document(manager, doc.id)
    with transaction(park) as s:
        assert s.scalar(select(func.count()).select_from(EvidenceLinkRow)) == 2


def test_a_changed_file_is_refused_on_download(park: Engine) -> None:
    manager = scope_of(park, Role.PARK_MANAGER)
    doc = app.add_document(manager, PARK, "contract.pdf", PDF_BYTES)
    with transaction(park) as s:
        s.execute(update(EvidenceBlobRow).values(content=PDF_BYTES + b"tampered"))
    with pytest.raises(
        app.EvidenceTampered, match=r"evidence document \d+ \('contract.pdf'\): the stored bytes hash"
    ):
        app.open_document(manager, doc.id)


def _docx_text(content: bytes) -> str:
    d = Document(io.BytesIO(content))
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def _pdf_text(content: bytes) -> str:
    return "".join("".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(content)).pages)


def test_the_outline_is_refused_before_approval_and_shows_the_services_figures_after(park: Engine) -> None:
    manager = scope_of(park, Role.PARK_MANAGER)
    with pytest.raises(
        NotApproved, match="申报书 application outline: the 2025 data of park 'P1' are not approved"
    ):
        app.deliverable(manager, PARK, YEAR, app.DeliverableKind.DOCX)
    approve_year(park)
    old_run = app.diagnose(manager, PARK, YEAR).run_id
    with pytest.raises(app.DataNotApproved, match=f"run {old_run} was not accounted from the approved data"):
        app.deliverable(manager, PARK, YEAR, app.DeliverableKind.DOCX)
    account(park)
    d = app.diagnose(manager, PARK, YEAR)
    assert d.run_id != old_run
    task = _task(park)
    doc = app.add_document(manager, PARK, "绿电合同.pdf", PDF_BYTES, task_id=task.id)
    data = app.application_data(manager, PARK, YEAR)
    core = data.diagnosis.item("core_intensity")
    clean = data.diagnosis.item("clean_energy_share")
    expected = [
        num(core.value, 3),  # 单位能耗碳排放 [tCO2/tce], 3 decimals
        num(data.total_tco2, 1),
        num(data.energy_tce, 1),
        num(clean.gap, 1),  # 90.0 percentage points
        f"#{d.run_id}",
        d.input_fingerprint,
        doc.sha256,
        task.title,
        "一、园区概况",
        "七、承诺",
        "待确认",
        "2/2 家企业数据已批准",
    ]
    docx = app.deliverable(manager, PARK, YEAR, app.DeliverableKind.DOCX)
    text = _docx_text(docx.content)
    for figure in expected:
        assert figure in text, figure
    pdf = app.deliverable(manager, PARK, YEAR, app.DeliverableKind.PDF)
    assert pdf.content.startswith(b"%PDF")
    pdf_text = _pdf_text(pdf.content)
    for figure in expected:
        assert "".join(figure.split()) in pdf_text, figure
    with pytest.raises(PermissionDenied):
        app.deliverable(scope_of(park, Role.ENTERPRISE, ENT_A), PARK, YEAR, app.DeliverableKind.PDF)
    with transaction(park) as s:
        kinds = list(
            s.scalars(select(AuditLogRow.entity_id).where(AuditLogRow.entity == "application_deliverable"))
        )
    assert f"{PARK}/{YEAR}/docx" in kinds and f"{PARK}/{YEAR}/pdf" in kinds


def test_rubric_items_of_a_framework_join_the_diagnosis_with_their_gap(park: Engine) -> None:
    manager = scope_of(park, Role.PARK_MANAGER)
    d = app.diagnose(manager, PARK, YEAR, frameworks=["t-cgdf-00046-2024"])
    ev = evaluation.diagnose(manager, PARK, YEAR, "t-cgdf-00046-2024")
    rubric = [i for i in d.items if i.code.startswith("t-cgdf-00046-2024:")]
    assert [i.code.split(":", 1)[1] for i in rubric] == [it.code for it in ev.scorecard.items]
    clean = d.item("t-cgdf-00046-2024:clean_energy_share")
    # the framework's full requirement is ≥ 90 % (its target); 0 % clean energy → gap 90 − 0
    assert (clean.comparison, clean.target) == ("≥", 90.0) and clean.gap == pytest.approx(90.0)
    assert clean.source.framework.startswith("t-cgdf-00046-2024@") and clean.source.run_id == d.run_id
    declared = d.item("t-cgdf-00046-2024:zero_carbon_plan")
    assert declared.status == "missing" and declared.gap is None and declared.missing
    task = _task(park, item_code="t-cgdf-00046-2024:zero_carbon_plan", title="编制零碳园区规划")
    assert task.item_code == "t-cgdf-00046-2024:zero_carbon_plan"
    with pytest.raises(DataError, match="no evaluation framework 'nope'"):
        _task(park, item_code="nope:x")
    with pytest.raises(NotFound, match="no evaluation framework 'nope'"):
        app.diagnose(manager, PARK, YEAR, frameworks=["nope"])


def test_a_correction_after_the_close_supersedes_the_run_and_the_outline_asks_for_a_new_one(
    park: Engine,
) -> None:
    manager = scope_of(park, Role.PARK_MANAGER)
    approve_year(park)
    first = account(park)
    approval.close_period(manager, PARK, YEAR)
    assert app.deliverable(manager, PARK, YEAR, app.DeliverableKind.DOCX).run_id == first
    approval.correct(manager, PARK, ENT_A, YEAR, "发票数量录入错误")
    with transaction(park) as s:  # the corrected figure, as the enterprise re-enters it
        s.execute(update(ActivityRecordRow).where(ActivityRecordRow.id == "AR-A1").values(quantity=1200.0))
    for step in (approval.submit, approval.review, approval.approve):
        step(manager, PARK, ENT_A, YEAR)
    with pytest.raises(
        app.DataNotApproved, match=f"run {first} used data of enterprise 'E-A' that correction"
    ):
        app.deliverable(manager, PARK, YEAR, app.DeliverableKind.DOCX)
    second = account(park)
    assert app.deliverable(manager, PARK, YEAR, app.DeliverableKind.DOCX).run_id == second


def test_an_exception_at_the_close_is_stated_in_the_outline(park: Engine) -> None:
    manager = scope_of(park, Role.PARK_MANAGER)
    for step in (approval.submit, approval.review, approval.approve):
        step(manager, PARK, ENT_A, YEAR)
    approval.close_period(manager, PARK, YEAR, {ENT_B: "停产整顿"})
    account(park)
    data = app.application_data(manager, PARK, YEAR)
    assert (data.approved_enterprises, data.enterprise_count, data.exceptions) == (
        1,
        2,
        ((ENT_B, "停产整顿"),),
    )
    text = _docx_text(app.deliverable(manager, PARK, YEAR, app.DeliverableKind.DOCX).content)
    assert "1/2 家企业数据已批准" in text and "关账例外：E-B (停产整顿)" in text
