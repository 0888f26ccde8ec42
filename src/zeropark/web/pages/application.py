"""申报 application: diagnosis with gap bars → gap tasks → evidence → the 申报书 outline downloads.

A thin door to :mod:`zeropark.services.application` — the same diagnosis, tasks, documents and
files as ``/api/v1/parks/{id}/application/…`` and ``zeropark application``. Writes (create a task,
move its status, upload a document) carry the CSRF token and are audited by the use cases; an
enterprise user sees its own indicators, the tasks its enterprise owns and its own documents.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zeropark.errors import ApprovalError, DataError, NotFound, PermissionDenied, ZeroparkError
from zeropark.i18n import input_label
from zeropark.model import Role
from zeropark.services import application as service
from zeropark.services import evaluation
from zeropark.store.queries import enterprises
from zeropark.web.context import Page, PageDep
from zeropark.web.pages.common import error_page, not_found_page

router = APIRouter(include_in_schema=False)


def _bar(item: service.DiagnosisItem) -> dict[str, float] | None:
    """The gap bar of an item: how far the value has come towards the target (0–1), or None.

    ``≥`` target: value / target; ``≤`` target: target / value (1 when met); capped at 1.
    """
    v, t = item.value, item.target
    if v is None or t is None or item.comparison is None or t <= 0:
        return None
    if item.comparison == "≥":
        return {"done": min(1.0, max(0.0, v / t))}
    return {"done": 1.0 if v <= t else max(0.0, t / v)}


def _render(page: Page, *, status_code: int = 200, **ctx: Any) -> Response:
    if page.park is None:
        return page.render("application.html", "application", "nav_application", diagnosis=None)
    park_id = page.park.id
    framework = page.request.query_params.get("framework", "")
    frameworks = evaluation.usable_frameworks(page.scope, park_id)
    if framework not in {f.code for f in frameworks}:
        framework = ""
    diagnosis, no_run = None, ""
    try:
        diagnosis = service.diagnose(
            page.scope, park_id, page.year, frameworks=(framework,) if framework else ()
        )
    except (NotFound, DataError) as exc:
        no_run = str(exc)
    approved: service.Approved | None = None
    approval_error = ""
    if diagnosis is not None:
        approved, approval_error = service.outline_readiness(page.scope, park_id, page.year)
    names = enterprises.names(page.scope, park_id)
    return page.render(
        "application.html",
        "application",
        "nav_application",
        status_code=status_code,
        diagnosis=diagnosis,
        bars={i.code: _bar(i) for i in diagnosis.items} if diagnosis else {},
        item_labels={i.code: i.label_en if page.lang == "en" else i.label_zh for i in diagnosis.items}
        if diagnosis
        else {},
        missing={i.code: "、".join(input_label(m, page.lang) for m in i.missing) for i in diagnosis.items}
        if diagnosis
        else {},
        no_run=no_run,
        tasks=service.list_tasks(page.scope, park_id, year=page.year),
        documents=service.list_documents(page.scope, park_id),
        enterprise_names=names,
        statuses=[s.value for s in service.TaskStatus],
        can_manage=page.user.role in (Role.ADMIN, Role.PARK_MANAGER),
        can_write=page.user.role in (Role.ADMIN, Role.PARK_MANAGER, Role.ENTERPRISE),
        approved=approved,
        approval_error=approval_error,
        max_mb=service.MAX_DOCUMENT_BYTES // 1024 // 1024,
        picked_item=page.request.query_params.get("item", ""),
        frameworks=frameworks,
        framework=framework,
        done=page.request.query_params.get("done", ""),
        **ctx,
    )


@router.get("/application", response_class=HTMLResponse)
def application_page(page: PageDep) -> Response:
    """申报: the diagnosis with gap bars, the task board, the evidence list, the outline downloads."""
    return _render(page)


def _refused(page: Page, exc: ZeroparkError) -> Response:
    if isinstance(exc, NotFound):
        return not_found_page(page, exc)
    if isinstance(exc, PermissionDenied):
        return error_page(page, 403, "forbidden", "", str(exc))
    return _render(page, status_code=422, form_error=str(exc))


@router.post("/application/tasks", response_class=HTMLResponse)
async def task_create(page: PageDep) -> Response:
    """创建整改任务 from a diagnosis item (managers; audited)."""
    if page.park is None:
        raise HTTPException(status_code=404)
    form = await page.request.form()
    try:
        made = service.create_task(
            page.scope,
            page.park.id,
            page.year,
            service.TaskForm(
                item_code=str(form.get("item_code", "")),
                title=str(form.get("title", "")),
                due_date=service.parse_due_date(str(form.get("due_date", ""))),
                owner_user=str(form.get("owner_user", "")) or None,
                owner_enterprise_id=str(form.get("owner_enterprise_id", "")) or None,
                measure_ref=str(form.get("measure_ref", "")),
                evidence_required=str(form.get("evidence_required", "")),
            ),
        )
    except ZeroparkError as exc:
        return _refused(page, exc)
    return RedirectResponse(f"/application?year={page.year}&done=task:{made.id}#tasks", status_code=303)


@router.post("/application/tasks/{task_id}/status", response_class=HTMLResponse)
async def task_status(page: PageDep, task_id: int) -> Response:
    """更新任务状态 (its enterprise owner or a manager; audited)."""
    form = await page.request.form()
    try:
        service.update_task(page.scope, task_id, {"status": str(form.get("status", ""))})
    except ZeroparkError as exc:
        return _refused(page, exc)
    return RedirectResponse(f"/application?year={page.year}&done=task:{task_id}#tasks", status_code=303)


@router.post("/application/documents", response_class=HTMLResponse)
async def document_upload(
    page: PageDep,
    file: Annotated[UploadFile, File()],
    task_id: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """上传证明材料: stored by SHA-256 (kept once), type read from the bytes, optionally linked."""
    if page.park is None:
        raise HTTPException(status_code=404)
    limit = service.MAX_DOCUMENT_BYTES
    content = await file.read(limit + 1)
    try:
        if len(content) > limit:
            size = len(content)
            while chunk := await file.read(1024 * 1024):  # counted, never kept
                size += len(chunk)
            raise service.DocumentTooLarge(service.too_large_message(file.filename or "", size, limit))
        if task_id and not task_id.isdigit():
            raise DataError(f"'task_id': '{task_id}' is not a task number")
        doc = service.add_document(
            page.scope,
            page.park.id,
            file.filename or "",
            content,
            note=note,
            task_id=int(task_id) if task_id else None,
        )
    except ZeroparkError as exc:
        return _refused(page, exc)
    return RedirectResponse(f"/application?year={page.year}&done=document:{doc.id}#evidence", status_code=303)


@router.get("/application/documents/{document_id}/download")
def document_download(page: PageDep, document_id: int) -> Response:
    """下载证明材料, re-hashed first: a changed file is refused (EvidenceTampered)."""
    try:
        doc, content = service.open_document(page.scope, document_id)
    except NotFound as exc:
        return not_found_page(page, exc)
    except service.EvidenceTampered as exc:
        return error_page(page, 409, "app_evidence", "", str(exc))
    return Response(
        content,
        media_type=doc.media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(doc.file_name)}"},
    )


def _outline(page: Page, kind: service.DeliverableKind) -> Response:
    if page.park is None:
        return error_page(page, 404, "not_found", "no_park")
    framework = page.request.query_params.get("framework", "")
    try:
        made = service.deliverable(
            page.scope,
            page.park.id,
            page.year,
            kind,
            lang=page.lang,
            frameworks=(framework,) if framework else (),
        )
    except ApprovalError as exc:  # NotApproved (数据审核) or DataNotApproved (the run)
        return error_page(page, 409, "app_not_approved", "", str(exc))
    except NotFound as exc:
        return not_found_page(page, exc)
    except PermissionDenied as exc:
        return error_page(page, 403, "forbidden", "", str(exc))
    except DataError as exc:  # a framework that does not evaluate this subject
        return error_page(page, 422, "rejected", "", str(exc))
    return Response(
        made.content,
        media_type=made.media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(made.file_name)}"},
    )


@router.get("/application/outline.docx")
def outline_docx(page: PageDep) -> Response:
    """申报书大纲 (Word) from approved data; refused (409) before the year's data are approved."""
    return _outline(page, service.DeliverableKind.DOCX)


@router.get("/application/outline.pdf")
def outline_pdf(page: PageDep) -> Response:
    """申报书大纲 (PDF) from approved data; refused (409) before the year's data are approved."""
    return _outline(page, service.DeliverableKind.PDF)
