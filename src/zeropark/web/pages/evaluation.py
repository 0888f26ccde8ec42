"""评价 evaluation: pick a framework, evaluate the year, read the score card; add a park's framework.

``/evaluation`` shows the frameworks, the year's evaluation runs and one run's score card (each item
with value, unit, threshold, points, status and its trace to the inventory line items; the grade and
what blocks the next grade; every [UNCERTAIN] note). ``/evaluation/frameworks/new`` adds a
framework (paste or upload; every fault listed with its field). All figures come from
:mod:`zeropark.services.evaluation` — the functions the API and the CLI call.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zeropark.errors import DataError, NotFound, PermissionDenied
from zeropark.evaluation.catalogue import INDICATORS
from zeropark.evaluation.rubric import InvalidFramework
from zeropark.i18n import input_label
from zeropark.services import evaluation
from zeropark.store.queries import enterprises
from zeropark.web.context import Page, PageDep
from zeropark.web.pages.common import error_page, not_found_page

router = APIRouter(include_in_schema=False)

TRACE_ROWS = 50


def missing_label(text: str, lang: str) -> str:
    """A missing input as shown: ``water_reuse: water_reused_m3`` → 工业用水重复利用率：重复用水量."""
    name, sep, rest = text.partition(": ")
    entry = INDICATORS.get(name)
    if entry is None or not sep:
        return input_label(text, lang)
    label = entry.label_en if lang == "en" else entry.label_zh
    return f"{label}{': ' if lang == 'en' else '：'}{missing_label(rest, lang)}"


def _render(page: Page, *, status_code: int = 200, **ctx: Any) -> Response:
    assert page.park is not None
    park_id = page.park.id
    frameworks = evaluation.list_frameworks(page.scope, park_id)
    runs = evaluation.list_runs(page.scope, park_id, year=page.year)
    names = enterprises.names(page.scope, park_id)  # an enterprise user: its own name only
    run = ctx.pop("run", None)
    code = ctx.pop("framework_code", None) or (run.framework_code if run else None) or frameworks[0].code
    framework = next((f for f in reversed(frameworks) if f.code == code), frameworks[0])
    if run is not None:
        framework = next(
            (f for f in frameworks if f.code == run.framework_code and f.version == run.framework_version),
            framework,
        )
    return page.render(
        "evaluation.html",
        "evaluation",
        "eval_title",
        status_code=status_code,
        frameworks=frameworks,
        framework=framework,
        runs=runs,
        run=run,
        enterprise_names=names,
        missing_label=lambda text: missing_label(str(text), page.lang),
        **{"error": None, "trace_code": None, "trace_items": [], "done": None, "declarations": "", **ctx},
    )


@router.get("/evaluation", response_class=HTMLResponse)
def evaluation_page(
    page: PageDep,
    framework: Annotated[str | None, Query(max_length=64)] = None,
    run: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    trace: Annotated[str | None, Query(max_length=64)] = None,
    done: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Framework picker, evaluation runs of the year, one run's score card and its trace."""
    if page.park is None:
        return page.render("evaluation.html", "evaluation", "eval_title", frameworks=[], runs=[], run=None)
    selected = None
    trace_items: list[Any] = []
    try:
        if run is not None:
            selected = evaluation.get_run(page.scope, run)
        else:
            runs = evaluation.list_runs(page.scope, page.park.id, year=page.year)
            selected = next((r for r in runs if framework is None or r.framework_code == framework), None)
        if selected is not None and trace:
            trace_items = evaluation.trace(page.scope, selected, trace)[:TRACE_ROWS]
    except NotFound as exc:
        return not_found_page(page, exc)
    return _render(
        page, run=selected, framework_code=framework, trace_code=trace, trace_items=trace_items, done=done
    )


@router.post("/evaluation/runs", response_class=HTMLResponse)
def evaluation_run(
    page: PageDep,
    framework: Annotated[str, Form(max_length=64)],
    year: Annotated[int, Form(ge=2000, le=2100)],
    enterprise: Annotated[str, Form(max_length=64)] = "",
    declarations: Annotated[str, Form(max_length=100_000)] = "",
) -> Response:
    """Evaluate the year with the chosen framework and show the stored run (or the named error)."""
    if page.park is None:
        return not_found_page(page, NotFound("no park"))
    try:
        raw = json.loads(declarations) if declarations.strip() else None
        decl = evaluation.parse_declarations(raw)
        result = evaluation.evaluate(
            page.scope, page.park.id, year, framework, enterprise_id=enterprise or None, declarations=decl
        )
    except json.JSONDecodeError as exc:
        return _render(
            page,
            status_code=422,
            framework_code=framework,
            declarations=declarations,
            error=f"declarations: not JSON ({exc})",
        )
    except PermissionDenied as exc:
        return error_page(page, 403, "forbidden", "", str(exc))
    except (DataError, NotFound) as exc:
        status = 404 if isinstance(exc, NotFound) else 422
        return _render(
            page, status_code=status, framework_code=framework, declarations=declarations, error=str(exc)
        )
    return RedirectResponse(f"/evaluation?run={result.id}&year={result.year}", status_code=303)


def _new_page(page: Page, *, status_code: int = 200, **ctx: Any) -> Response:
    return page.render(
        "evaluation_framework_new.html",
        "evaluation",
        "eval_add",
        status_code=status_code,
        **{"text": "", "problems": [], "error": None, **ctx},
    )


@router.get("/evaluation/frameworks/new", response_class=HTMLResponse)
def framework_new(
    page: PageDep,
    source: Annotated[str | None, Query(alias="from", max_length=64)] = None,
    version: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    """The add form; ``from`` copies a framework's file to edit (e.g. an [UNCERTAIN] threshold)."""
    text = ""
    if source and page.park is not None:
        try:
            text = evaluation.get_framework(page.scope, page.park.id, source, version).text
        except NotFound as exc:
            return not_found_page(page, exc)
    return _new_page(page, text=text)


@router.post("/evaluation/frameworks", response_class=HTMLResponse)
async def framework_add(
    page: PageDep,
    text: Annotated[str, Form(max_length=evaluation.MAX_FRAMEWORK_CHARS)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Check and store a framework; every fault is listed with its field, nothing is stored then."""
    if page.park is None:
        return not_found_page(page, NotFound("no park"))
    if file is not None and file.filename:
        data = await file.read(evaluation.MAX_FRAMEWORK_CHARS * 4 + 1)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return _new_page(page, status_code=422, text="", error=f"{file.filename}: not a UTF-8 text file")
    try:
        added = evaluation.add_framework(page.scope, page.park.id, text)
    except InvalidFramework as exc:
        return _new_page(
            page, status_code=422, text=text, problems=list(exc.problems), error=type(exc).__name__
        )
    except PermissionDenied as exc:
        return error_page(page, 403, "forbidden", "", str(exc))
    except DataError as exc:
        return _new_page(page, status_code=422, text=text, error=str(exc))
    done = page.t("eval_saved", code=added.code, version=added.version)
    return RedirectResponse(f"/evaluation?framework={quote(added.code)}&done={quote(done)}", status_code=303)
