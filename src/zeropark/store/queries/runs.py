"""Inventory runs as read: one run's summary, and the latest run of a view (one rule).

**The latest run of a view** (the park, or one enterprise, for a year and a method) is the newest
run a verifier signed off, and if none is signed off, the newest run. The pages, the API, the CLI
and the reports all show that run, so they show the same figures; a newer unsigned run is named
beside it (:attr:`LatestRun.newer_draft`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, bindparam, select

from zeropark.accounting import Inventory
from zeropark.errors import NotFound
from zeropark.indicators import IndicatorTable
from zeropark.model import Method
from zeropark.store.db import read_connection
from zeropark.store.runs import RunSummary, get_run, summary_of, with_superseded
from zeropark.store.schema import InventoryRunRow as R

#: Every column of a run but its serialised result.
_COLUMNS = [c for c in R.__table__.c if c.name not in ("result", "indicators")]
_SUMMARY = with_superseded(select(*_COLUMNS)).where(R.id == bindparam("run_id"))


@dataclass(frozen=True, slots=True)
class LatestRun:
    """The run a view shows (:mod:`module rule <zeropark.store.queries.runs>`) and a newer draft, if any."""

    run: RunSummary
    newer_draft: RunSummary | None = None


@dataclass(frozen=True, slots=True)
class RunView:
    """A stored run as every door shows it: summary, inventory, indicators, and a newer draft if any.

    ``newer_draft`` is set when the view shows a signed-off run while a newer unsigned one exists
    (the latest-run rule above).
    """

    summary: RunSummary
    inventory: Inventory
    indicators: IndicatorTable | None
    newer_draft: RunSummary | None = None

    @property
    def run_id(self) -> int:
        """The run's id."""
        return self.summary.id


def load_view(engine: Engine, found: LatestRun) -> RunView:
    """The stored run of ``found`` with its inventory and indicator table."""
    stored = get_run(engine, found.run.id)
    return RunView(found.run, stored.inventory, stored.indicators, found.newer_draft)


def run_summary(engine: Engine, run_id: int) -> RunSummary:
    """The summary of run ``run_id`` (no scope check: the caller checks it against the scope).

    Raises
    ------
    NotFound
        No such run.
    """
    with read_connection(engine) as conn:
        row = conn.execute(_SUMMARY, {"run_id": run_id}).first()
    if row is None:
        raise NotFound(f"inventory run {run_id} not found")
    return summary_of(row)


def _newest(
    conn: Connection, park_id: str, year: int, method: Method, enterprise_id: str | None, *, signed: bool
) -> RunSummary | None:
    ent = R.enterprise_id.is_(None) if enterprise_id is None else R.enterprise_id == enterprise_id
    stmt = with_superseded(select(*_COLUMNS)).where(
        R.park_id == park_id, R.year == year, R.method == method.value, ent
    )
    if signed:
        stmt = stmt.where(R.signed_off_at.is_not(None))
    row = conn.execute(stmt.order_by(R.created_at.desc(), R.id.desc()).limit(1)).first()
    return None if row is None else summary_of(row)


def latest_on(
    conn: Connection, park_id: str, year: int, method: Method, enterprise_id: str | None
) -> LatestRun | None:
    """The latest run of a view on an open connection (module rule); None when the view has no run."""
    newest = _newest(conn, park_id, year, method, enterprise_id, signed=False)
    if newest is None:
        return None
    if newest.frozen:
        return LatestRun(newest)
    signed = _newest(conn, park_id, year, method, enterprise_id, signed=True)
    return LatestRun(newest) if signed is None else LatestRun(signed, newer_draft=newest)


def latest_runs(
    engine: Engine, park_id: str, year: int, enterprise_id: str | None = None
) -> dict[Method, LatestRun | None]:
    """The latest national and GHG runs of a view (no scope check: the caller checks the view)."""
    with read_connection(engine) as conn:
        return {m: latest_on(conn, park_id, year, m, enterprise_id) for m in (Method.NATIONAL, Method.GHG)}
