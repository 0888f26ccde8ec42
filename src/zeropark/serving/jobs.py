"""Background jobs (后台任务): long work a page starts and then watches (optimisation, forecasts).

A page submits a function; it runs on a worker thread of this process while the browser polls
the job's state (a progress bar). The function gets a :class:`Reporter` to say how far it is
(``done`` of ``total`` steps and the name of the current stage, a catalogue key) and returns the
URL of its result. What the function computes is a service call (the same use case the CLI and
the API call); the job only carries it off the request thread.

A job belongs to the user who started it: another user asking for it gets nothing (the same
answer as an unknown id). Jobs live in memory, per process; the result they point to is stored
by the service, so a restart loses only the progress of a job still running. Finished jobs are
forgotten after :data:`KEEP_S` seconds.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

#: Seconds a finished job stays readable.
KEEP_S = 3600.0
#: Jobs run at once per process (the solver and the backtest each keep a core busy).
WORKERS = 2


@dataclass(slots=True)
class Job:
    """The state of one job, as its progress bar shows it.

    Attributes
    ----------
    state : str
        ``running``, ``done`` or ``failed``.
    done, total : int
        Steps done and steps in all (the bar's fraction is ``done / total``).
    stage : str
        Catalogue key of the current stage (``job_stage_*``).
    result_url : str
        Where the result is shown (``done``).
    error : str
        What went wrong, in the service's words (``failed``).
    """

    id: str
    owner: str
    kind: str
    state: str = "running"
    done: int = 0
    total: int = 1
    stage: str = "job_stage_queued"
    result_url: str = ""
    error: str = ""
    finished_at: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def fraction(self) -> float:
        """Share of the steps done, 0…1."""
        return 1.0 if self.state == "done" else min(1.0, max(0.0, self.done / max(self.total, 1)))


class Reporter:
    """What a job's function calls to move its progress bar."""

    def __init__(self, job: Job) -> None:
        self._job = job

    def stage(self, key: str, done: int | None = None, total: int | None = None) -> None:
        """Enter stage ``key`` (a catalogue key), optionally with steps ``done`` of ``total``."""
        with self._job.lock:
            self._job.stage = key
            if total is not None:
                self._job.total = max(total, 1)
            if done is not None:
                self._job.done = done

    def step(self, done: int, total: int) -> None:
        """``done`` of ``total`` steps of the current stage."""
        with self._job.lock:
            self._job.done = done
            self._job.total = max(total, 1)


#: A job's work: reports progress, returns the URL of its result. Raising fails the job.
Work = Callable[[Reporter], str]


class Jobs:
    """The jobs of this process (one instance in ``app.state.jobs``)."""

    def __init__(self, workers: int = WORKERS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="zeropark-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def submit(self, owner: str, kind: str, work: Work, describe_error: Callable[[Exception], str]) -> Job:
        """Start ``work`` for user ``owner``; ``describe_error`` turns an exception into the message shown."""
        self._forget_old()
        job = Job(id=secrets.token_urlsafe(12), owner=owner, kind=kind)
        with self._lock:
            self._jobs[job.id] = job
        self._pool.submit(self._run, job, work, describe_error)
        return job

    def get(self, job_id: str, owner: str) -> Job | None:
        """The job ``job_id`` if ``owner`` started it, else None."""
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.owner == owner else None

    def _run(self, job: Job, work: Work, describe_error: Callable[[Exception], str]) -> None:
        try:
            url = work(Reporter(job))
        except Exception as exc:  # every failure is the job's answer; the process serves on
            log.warning("job %s (%s) failed: %s", job.id, job.kind, exc)
            with job.lock:
                job.state, job.error, job.finished_at = "failed", describe_error(exc), time.monotonic()
            return
        with job.lock:
            job.state, job.result_url, job.finished_at = "done", url, time.monotonic()
            job.done = job.total

    def _forget_old(self) -> None:
        now = time.monotonic()
        with self._lock:
            for key in [
                k for k, j in self._jobs.items() if j.finished_at is not None and now - j.finished_at > KEEP_S
            ]:
                del self._jobs[key]
