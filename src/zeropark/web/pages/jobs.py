"""后台任务 background jobs of the pages: start a use case off the request thread, show its progress bar.

A page starts long work (an optimisation or a forecast run) with :func:`start_job`, which answers
an htmx partial holding the progress bar. The bar polls ``GET /jobs/{id}`` every second; when the
job is done the answer redirects the browser to the result (``HX-Redirect``), when it failed it
shows the reason. Only the user who started a job sees it (another user's id answers 404).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from zeropark.errors import ValidationError
from zeropark.serving.jobs import Job, Jobs, Work
from zeropark.web.context import Page, PageDep

router = APIRouter(include_in_schema=False)


def _jobs(page: Page) -> Jobs:
    jobs: Jobs = page.request.app.state.jobs
    return jobs


def describe_error(exc: Exception) -> str:
    """The message a failed job shows: the rows of a validation error, else the service's words."""
    if isinstance(exc, ValidationError):
        return "; ".join(e.message for e in exc.errors)
    return str(exc)


def job_partial(page: Page, job: Job | None, *, status_code: int = 200) -> Response:
    """The progress bar of ``job`` (or, for an unknown job, a 404 note)."""
    if job is not None and job.state == "done":
        response = page.partial("partials/job.html", job=job)
        response.headers["HX-Redirect"] = job.result_url
        return response
    response = page.partial("partials/job.html", job=job)
    response.status_code = status_code if job is not None else 404
    return response


def start_job(page: Page, kind: str, work: Work) -> Response:
    """Start ``work`` as the page's user and answer its progress bar."""
    job = _jobs(page).submit(page.user.username, kind, work, describe_error)
    return job_partial(page, job)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_state(page: PageDep, job_id: str) -> Response:
    """进度 the progress bar of one of the user's jobs (polled by the bar itself)."""
    return job_partial(page, _jobs(page).get(job_id, page.user.username))
