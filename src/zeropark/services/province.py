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

The provincial view (:func:`province_view`) is computed from the per-park outcomes sorted by park
id, with ``math.fsum`` for the totals: its numbers do not depend on which worker finished first,
so the fanned-out and the serial paths give the same view to the last bit (tested, and printed by
``benchmarks/province.py``).
"""

from __future__ import annotations

import hashlib
import math
import os
import socket
import statistics
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
from zeropark.store import repo
from zeropark.store.db import make_engine
from zeropark.store.scope import system_scope

__all__ = [
    "DaskFanout",
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
class ParkOutcome:
    """One park's accounted run, as plain values (what a worker sends back)."""

    park_id: str
    run_id: int
    total_tco2e: float
    energy_tce: float
    input_fingerprint: str
    #: SHA-256 of the run's whole serialised inventory (``Inventory.to_json``)
    digest: str
    #: indicator code → value (None: not computable) of the park's indicator table
    indicators: tuple[tuple[str, float | None], ...]
    seconds: float
    #: the process that ran the task (host:pid)
    worker: str = ""

    def same_result(self, other: ParkOutcome) -> bool:
        """Whether two outcomes are the same accounting result, bit for bit (run ids aside)."""
        return (
            self.park_id == other.park_id
            and self.digest == other.digest
            and self.input_fingerprint == other.input_fingerprint
            and self.total_tco2e.hex() == other.total_tco2e.hex()
            and self.energy_tce.hex() == other.energy_tce.hex()
            and self.indicators == other.indicators
        )


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


@dataclass(frozen=True, slots=True)
class Distribution:
    """How one indicator is spread over the parks that have a value for it."""

    code: str
    n: int
    minimum: float
    p25: float
    median: float
    p75: float
    maximum: float


@dataclass(frozen=True, slots=True)
class ProvinceView:
    """省级视图: totals, a ranking by emissions and the distribution of each indicator."""

    year: int
    parks: tuple[ParkOutcome, ...]
    total_tco2e: float
    energy_tce: float
    #: (park id, tCO2) largest first, ties by park id
    ranking: tuple[tuple[str, float], ...]
    distributions: tuple[Distribution, ...]

    def same_result(self, other: ProvinceView) -> bool:
        """Bit identity of two views (run ids and timings aside)."""
        return (
            self.year == other.year
            and len(self.parks) == len(other.parks)
            and all(a.same_result(b) for a, b in zip(self.parks, other.parks, strict=True))
            and self.total_tco2e.hex() == other.total_tco2e.hex()
            and self.energy_tce.hex() == other.energy_tce.hex()
            and self.ranking == other.ranking
            and self.distributions == other.distributions
        )


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


def province_view(year: int, outcomes: Sequence[ParkOutcome]) -> ProvinceView:
    """Totals, ranking and indicator distributions of the parks, independent of their order."""
    parks = tuple(sorted(outcomes, key=lambda o: o.park_id))
    ranking = tuple(sorted(((o.park_id, o.total_tco2e) for o in parks), key=lambda r: (-r[1], r[0])))
    values: dict[str, list[float]] = {}
    for o in parks:
        for code, value in o.indicators:
            if value is not None and math.isfinite(value):
                values.setdefault(code, []).append(value)
    return ProvinceView(
        year=year,
        parks=parks,
        total_tco2e=math.fsum(o.total_tco2e for o in parks),
        energy_tce=math.fsum(o.energy_tce for o in parks),
        ranking=ranking,
        distributions=tuple(_distribution(code, values[code]) for code in sorted(values)),
    )


def _distribution(code: str, values: list[float]) -> Distribution:
    xs = sorted(values)
    if len(xs) == 1:
        q25 = q50 = q75 = xs[0]
    else:
        q25, q50, q75 = statistics.quantiles(xs, n=4, method="inclusive")
    return Distribution(code, len(xs), xs[0], q25, q50, q75, xs[-1])
