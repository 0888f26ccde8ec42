"""Province (省级) use cases: per-park accounting and re-verification fanned out, provincial views.

One park's work is the same service function whatever runs it (:func:`account_park`,
:func:`verify_park`: :func:`zeropark.services.inventory.account_year` and
:func:`~zeropark.services.inventory.recompute` on an engine of the database URL); a
:class:`Fanout` decides where the parks run:

- :class:`SerialFanout`: one after the other in this process (the single-machine default);
- :class:`DaskFanout`: on Dask distributed — a scheduler and worker processes; a ``LocalCluster``
  when no address is given, the scheduler at ``tcp://host:8786`` in production (every worker
  must reach the database and have zeropark installed). Dask is only a scheduler here: each
  task is one park, run by the same code, and the results come back as plain values.

The provincial view (:func:`~zeropark.services.provincial.province_view`) is computed from the
per-park outcomes sorted by park id, with ``math.fsum`` for the totals: its numbers do not depend
on which worker finished first, so the fanned-out and the serial paths give the same view to the
last bit (tested, and printed by ``benchmarks/province.py``).
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol, TypeVar

from distributed import Client, LocalCluster
from sqlalchemy import Engine

from zeropark.accounting import AccountingOptions
from zeropark.errors import DataError, NotFound
from zeropark.model import Method
from zeropark.services.inventory import account_year, latest, recompute
from zeropark.services.provincial import Distribution, ParkOutcome, ProvinceView, province_view
from zeropark.store import repo
from zeropark.store.db import make_engine
from zeropark.store.scope import system_scope

__all__ = [
    "DaskFanout",
    "Distribution",
    "Fanout",
    "ParkCheck",
    "ParkOutcome",
    "ProvinceView",
    "SerialFanout",
    "account_park",
    "account_province",
    "dask_fanout",
    "latest_park_runs",
    "province_parks",
    "province_view",
    "verify_park",
    "verify_province",
]

_T = TypeVar("_T")
#: Who runs CLI and worker tasks in the audit log.
_USER = "province"


@dataclass(frozen=True, slots=True)
class ParkCheck:
    """One park run recomputed from the readings (复核)."""

    park_id: str
    run_id: int
    identical: bool
    fingerprint_match: bool
    digest: str
    differences: tuple[str, ...]
    seconds: float


# -- the per-park tasks (run in this process or on a worker) ---------------------------------------
@lru_cache(maxsize=4)
def _engine(database_url: str) -> Engine:
    """One engine per database per process (a worker keeps its connection pool between tasks)."""
    return make_engine(database_url)


def account_park(
    database_url: str, park_id: str, year: int, options: AccountingOptions, factor_set: str
) -> ParkOutcome:
    """Account ``year`` of one park and store the run (:func:`~zeropark.services.inventory.account_year`)."""
    start = time.perf_counter()
    done = account_year(system_scope(_engine(database_url), _USER), park_id, year, options, factor_set)
    table = done.indicators
    return ParkOutcome(
        park_id=park_id,
        run_id=done.run.id,
        total_tco2e=done.inventory.total_tco2e,
        energy_tce=done.inventory.energy_tce,
        input_fingerprint=done.inventory.input_fingerprint,
        digest=hashlib.sha256(done.inventory.to_json().encode()).hexdigest(),
        indicators=tuple((r.code, r.value) for r in table.rows) if table is not None else (),
        seconds=time.perf_counter() - start,
        worker=f"{socket.gethostname()}:{os.getpid()}",
    )


def verify_park(database_url: str, park_id: str, run_id: int) -> ParkCheck:
    """Recompute one stored run from the readings (:func:`~zeropark.services.inventory.recompute`)."""
    start = time.perf_counter()
    res = recompute(system_scope(_engine(database_url), _USER), run_id)
    again = res.recomputed
    return ParkCheck(
        park_id=park_id,
        run_id=run_id,
        identical=res.identical,
        fingerprint_match=res.fingerprint_match,
        digest=hashlib.sha256(again.to_json().encode()).hexdigest() if again is not None else "",
        differences=res.differences,
        seconds=time.perf_counter() - start,
    )


# -- where the tasks run ---------------------------------------------------------------------------
class Fanout(Protocol):
    """Runs one task per park and returns the results in the order of the arguments."""

    label: str

    def map(self, fn: Callable[..., _T], *args: Sequence[Any]) -> list[_T]:
        """``[fn(a0, b0, …), fn(a1, b1, …), …]``."""
        ...


class SerialFanout:
    """One park after the other in this process."""

    label = "serial"

    def map(self, fn: Callable[..., _T], *args: Sequence[Any]) -> list[_T]:
        """Run each task here, in order."""
        return [fn(*a) for a in zip(*args, strict=True)]


class DaskFanout:
    """One Dask task per park on the client's cluster (results gathered in argument order)."""

    def __init__(self, client: Client, label: str) -> None:
        self.client = client
        self.label = label

    def map(self, fn: Callable[..., _T], *args: Sequence[Any]) -> list[_T]:
        """Submit every task, then gather; a task's exception is raised here as it was."""
        futures = self.client.map(fn, *args, pure=False)
        return list(self.client.gather(futures))  # type: ignore[no-untyped-call]


@contextmanager
def dask_fanout(scheduler: str | None = None, *, workers: int = 2) -> Iterator[DaskFanout]:
    """A :class:`DaskFanout` on the scheduler at ``scheduler``, or on a new local cluster.

    The local cluster has ``workers`` worker processes of one thread each (the accounting is
    CPU-bound Python: processes, not threads), no dashboard, and is shut down on exit.
    """
    if scheduler:
        with Client(scheduler, timeout="30s") as client:  # type: ignore[no-untyped-call]
            yield DaskFanout(client, f"dask {scheduler}")
        return
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            scheduler_kwargs={"dashboard": False, "dashboard_address": None},
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        yield DaskFanout(client, f"dask LocalCluster ({workers} worker processes)")


# -- use cases -------------------------------------------------------------------------------------
def province_parks(engine: Engine, park_ids: Sequence[str] = (), *, prefix: str = "") -> list[str]:
    """The parks to work on, sorted by id.

    ``park_ids`` when given (each must exist), else every park whose id starts with ``prefix``.
    """
    if park_ids:
        for p in park_ids:
            repo.get_park(engine, p)  # NotFound names it
        return sorted(set(park_ids))
    ids = sorted(p.id for p in repo.list_parks(engine) if p.id.startswith(prefix))
    if not ids:
        raise NotFound(f"no park{f' whose id starts with {prefix!r}' if prefix else ''}; create parks first")
    return ids


def account_province(
    database_url: str,
    park_ids: Sequence[str],
    year: int,
    *,
    options: AccountingOptions | None = None,
    factor_set: str,
    fanout: Fanout,
) -> ProvinceView:
    """Account ``year`` of every park (one task per park on ``fanout``) and the provincial view."""
    opts = options or AccountingOptions(method=Method.NATIONAL)
    n = len(park_ids)
    outcomes = fanout.map(
        account_park, [database_url] * n, list(park_ids), [year] * n, [opts] * n, [factor_set] * n
    )
    return province_view(year, outcomes)


def latest_park_runs(engine: Engine, park_ids: Sequence[str], year: int, method: Method) -> list[int]:
    """The latest park-view run of ``method`` of each park for ``year`` (NotFound names a park without)."""
    scope = system_scope(engine, _USER)
    found = []
    for park_id in park_ids:
        run = latest(scope, park_id, year)[method]
        if run is None:
            raise NotFound(
                f"park {park_id} has no {method.value} run for {year}; "
                f"account it first (`zeropark province account {year}`)"
            )
        found.append(run.run.id)
    return found


def verify_province(
    database_url: str, park_ids: Sequence[str], run_ids: Sequence[int], *, fanout: Fanout
) -> list[ParkCheck]:
    """Recompute each park's run from the readings, one task per park on ``fanout``."""
    if len(park_ids) != len(run_ids):
        raise DataError(f"{len(park_ids)} parks but {len(run_ids)} runs; give one run per park")
    return fanout.map(verify_park, [database_url] * len(park_ids), list(park_ids), list(run_ids))
