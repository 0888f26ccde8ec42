"""Application workspace (申报): diagnosis, gap tasks, evidence documents, the 申报书 outline.

A thin door to :mod:`zeropark.services.application` — the same use cases as the 申报 page and
``zeropark application``:

- ``GET  /parks/{park_id}/application/diagnosis?year=`` every 910号 item with value, target, gap,
  status, missing inputs and the source of the figure;
- ``GET|POST /parks/{park_id}/application/tasks``, ``PATCH …/tasks/{task_id}``: gap tasks (managers
  create and edit; an enterprise user sees and moves the status of its own tasks only);
- ``GET|POST /parks/{park_id}/application/documents`` (multipart upload, any bytes up to 20 MiB,
  stored by SHA-256), ``POST …/documents/{id}/links``, ``GET …/documents/{id}/download`` (re-hashed:
  a changed file answers ``EvidenceTampered``);
- ``GET /parks/{park_id}/application/deliverable?year=&kind=docx|pdf`` the outline from approved
  data (``DataNotApproved`` until the year's national run is signed off).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from zeropark.api.auth import WRITERS, GuardedRoute, ScopeDep
from zeropark.api.paging import IntId
from zeropark.errors import NotFound
from zeropark.services import application as service

router = APIRouter(route_class=GuardedRoute, tags=["application 申报"])

YearQ = Annotated[int, Query(ge=2000, le=2100, description="年度 year")]
#: Bytes read per chunk when counting an upload above the limit (never kept).
CHUNK = 1024 * 1024


class TaskIn(BaseModel):
    """A gap task created from a diagnosis item."""

    year: int = Field(ge=2000, le=2100)
    item_code: str = Field(min_length=1, max_length=128)
    title: str = Field(min_length=1, max_length=400)
    due_date: date
    owner_user: str | None = Field(default=None, max_length=64)
    owner_enterprise_id: str | None = Field(default=None, max_length=64)
    measure_ref: str = Field(default="", max_length=400)
    evidence_required: str = Field(default="", max_length=4000)
    status: service.TaskStatus = service.TaskStatus.OPEN


class TaskPatch(BaseModel):
    """Fields of a task to change (only those given)."""

    title: str | None = Field(default=None, min_length=1, max_length=400)
    due_date: date | None = None
    owner_user: str | None = Field(default=None, max_length=64)
    owner_enterprise_id: str | None = Field(default=None, max_length=64)
    measure_ref: str | None = Field(default=None, max_length=400)
    evidence_required: str | None = Field(default=None, max_length=4000)
    status: service.TaskStatus | None = None


class LinkIn(BaseModel):
    """Link a document to a task, or to a line item of an inventory run."""

    task_id: int | None = Field(default=None, ge=1)
    run_id: int | None = Field(default=None, ge=1)
    line_item_id: str | None = Field(default=None, max_length=200)


FrameworkQ = Annotated[
    list[str] | None,
    Query(description="评价方法 framework codes whose rubric items are added", max_length=64),
]


@router.get("/parks/{park_id}/application/diagnosis")
def diagnosis(park_id: str, year: YearQ, scope: ScopeDep, framework: FrameworkQ = None) -> dict[str, Any]:
    """指标诊断: every 910号 item (and rubric item) with value, target, gap, status, missing, source."""
    return service.diagnose(scope, park_id, year, frameworks=framework or ()).to_dict()


@router.get("/parks/{park_id}/application/tasks")
def list_tasks(
    park_id: str,
    scope: ScopeDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    status: service.TaskStatus | None = None,
    overdue: bool | None = None,
) -> list[dict[str, Any]]:
    """整改任务 of the park (an enterprise user: its own), by due date, with the overdue flag."""
    found = service.list_tasks(
        scope, park_id, year=year, status=None if status is None else status.value, overdue=overdue
    )
    return [t.to_dict() for t in found]


@router.post("/parks/{park_id}/application/tasks", status_code=201, dependencies=[WRITERS])
def create_task(park_id: str, body: TaskIn, scope: ScopeDep) -> dict[str, Any]:
    """Create a gap task from a diagnosis item (park managers; audited). 新建整改任务."""
    form = service.TaskForm(
        item_code=body.item_code,
        title=body.title,
        due_date=body.due_date,
        owner_user=body.owner_user,
        owner_enterprise_id=body.owner_enterprise_id,
        measure_ref=body.measure_ref,
        evidence_required=body.evidence_required,
        status=body.status.value,
    )
    return service.create_task(scope, park_id, body.year, form).to_dict()


@router.patch("/parks/{park_id}/application/tasks/{task_id}", dependencies=[WRITERS])
def update_task(park_id: str, task_id: IntId, body: TaskPatch, scope: ScopeDep) -> dict[str, Any]:
    """Change a task (managers: any field; its enterprise owner: the status). 修改整改任务."""
    scope.check_park(park_id)
    current = service.get_task(scope, task_id)
    if current.park_id != park_id:
        raise NotFound(f"gap task {task_id} not found in park '{park_id}'")
    changes = {
        k: (v.value if isinstance(v, service.TaskStatus) else v)
        for k, v in body.model_dump(exclude_unset=True).items()
    }
    return service.update_task(scope, task_id, changes).to_dict()


@router.get("/parks/{park_id}/application/documents")
def list_documents(
    park_id: str, scope: ScopeDep, task_id: Annotated[int | None, Query(ge=1)] = None
) -> list[dict[str, Any]]:
    """证明材料 of the park inside the caller's scope, with SHA-256 and links."""
    return [d.to_dict() for d in service.list_documents(scope, park_id, task_id=task_id)]


@router.post("/parks/{park_id}/application/documents", status_code=201, dependencies=[WRITERS])
async def upload_document(
    park_id: str,
    scope: ScopeDep,
    file: Annotated[UploadFile, File(description="any document, up to 20 MiB")],
    task_id: Annotated[int | None, Form(ge=1)] = None,
    run_id: Annotated[int | None, Form(ge=1)] = None,
    line_item_id: Annotated[str | None, Form(max_length=200)] = None,
    enterprise_id: Annotated[str | None, Form(max_length=64)] = None,
    note: Annotated[str, Form(max_length=4000)] = "",
) -> dict[str, Any]:
    """Upload evidence: stored by SHA-256 (once), name sanitised, type sniffed from the bytes. 上传."""
    limit = service.MAX_DOCUMENT_BYTES
    content = await file.read(limit + 1)
    name = file.filename or ""
    if len(content) > limit:
        size = len(content)
        while chunk := await file.read(CHUNK):
            size += len(chunk)
        raise service.DocumentTooLarge(service.too_large_message(name, size, limit))
    doc = await run_in_threadpool(
        service.add_document,
        scope,
        park_id,
        name,
        content,
        enterprise_id=enterprise_id,
        note=note,
        task_id=task_id,
        run_id=run_id,
        line_item_id=line_item_id,
    )
    return doc.to_dict()


@router.post(
    "/parks/{park_id}/application/documents/{document_id}/links", status_code=201, dependencies=[WRITERS]
)
def link_document(park_id: str, document_id: IntId, body: LinkIn, scope: ScopeDep) -> dict[str, Any]:
    """Link a document to a task or to a line item of a run (audited). 关联证明材料."""
    scope.check_park(park_id)
    link = service.link_document(
        scope, document_id, task_id=body.task_id, run_id=body.run_id, line_item_id=body.line_item_id
    )
    return link.to_dict()


def _attachment(name: str) -> str:
    """A Content-Disposition header for any name: ASCII fallback plus RFC 5987 UTF-8."""
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


@router.get(
    "/parks/{park_id}/application/documents/{document_id}/download",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def download_document(park_id: str, document_id: IntId, scope: ScopeDep) -> Response:
    """The document's bytes, re-hashed first (a changed file: EvidenceTampered). 下载证明材料."""
    scope.check_park(park_id)
    doc, content = service.open_document(scope, document_id)
    if doc.park_id != park_id:
        raise NotFound(f"evidence document {document_id} not found in park '{park_id}'")
    return Response(
        content,
        media_type=doc.media_type,
        headers={"Content-Disposition": _attachment(doc.file_name), "X-Content-SHA256": doc.sha256},
    )


@router.get(
    "/parks/{park_id}/application/deliverable",
    response_class=Response,
    responses={200: {"content": {service.MEDIA_TYPES[k]: {} for k in service.DeliverableKind}}},
)
async def deliverable(
    park_id: str,
    year: YearQ,
    scope: ScopeDep,
    kind: service.DeliverableKind = service.DeliverableKind.DOCX,
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
    framework: FrameworkQ = None,
) -> Response:
    """申报书大纲 as .docx or PDF from approved data (NotApproved / DataNotApproved otherwise, 409)."""
    made = await run_in_threadpool(
        service.deliverable, scope, park_id, year, kind, lang=lang, frameworks=framework or ()
    )
    return Response(
        made.content, media_type=made.media_type, headers={"Content-Disposition": _attachment(made.file_name)}
    )
